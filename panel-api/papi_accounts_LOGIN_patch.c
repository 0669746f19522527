/* PATCH /api/v1/accounts/{login}: changes the given fields (a member: only mail, nom, prenom).
 * With If-Match the change applies only if the account still has that ETag (else 412). */
#include <limits.h>
#include <stdio.h>

#include "papi.h"

void papi_accounts_LOGIN_patch(papi_request *r)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	long long duration = -1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("mail", &spec.mail)),
	    papi_spec_optional(papi_spec_string("nom", &spec.nom)),
	    papi_spec_optional(papi_spec_string("prenom", &spec.prenom)),
	    papi_spec_optional(papi_spec_string("type", &spec.type)),
	    papi_spec_optional(papi_spec_multiline(papi_spec_string("notes", &spec.notes))),
	    papi_spec_optional(papi_spec_int("duration", &duration, 0, INT_MAX)),
	    papi_spec_optional(papi_spec_bool("enabled", &spec.enabled)),
	    papi_spec_optional(papi_spec_bool("canpass", &spec.canpass)),
	    papi_spec_optional(papi_spec_bool("admin", &spec.admin)),
	    papi_spec_end(),
	};
	const char *login = papi_param(r, 0);
	panel_account *a = NULL;
	char etag[sizeof(a->etag)] = "";
	int rc, if_match = papi_header(r, MHD_HTTP_HEADER_IF_MATCH) != NULL;

	if (papi_parse_body(r, specs) < 0)
		return;
	spec.duration = (int)duration;
	if (if_match) {
		/* Compare here (any tag of the list, or *), then let libpanel compare again
		 * inside its transaction: a change in between still gives 412. */
		rc = panel_account_get(&a, r->p, &r->actor, login);
		if (rc < 0) {
			papi_reply_panel_error(r, rc);
			return;
		}
		snprintf(etag, sizeof(etag), "%s", a->etag);
		panel_account_free(a);
		a = NULL;
		if (papi_if_match(r, etag) != 1)
			return;
	}
	rc = panel_account_update(&a, r->p, &r->actor, login, &spec, if_match ? etag : NULL);
	if (rc == PANEL_ECONFLICT && if_match) {
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the account changed since it was read");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_account(r, a, 0);
	panel_account_free(a);
}
