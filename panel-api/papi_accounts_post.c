/* POST /api/v1/accounts: creates an account (admins). 201 with the account, its ETag and
 * Location; 409 when the login is taken. */
#include <limits.h>

#include "papi.h"

void papi_accounts_post(papi_request *r)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	long long duration = -1;
	papi_spec specs[] = {
	    papi_spec_string("login", &spec.login),
	    papi_spec_string("password", &spec.password),
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
	panel_account *a = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	spec.duration = (int)duration;
	rc = panel_account_create(&a, r->p, &r->actor, &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_account(r, a, 1);
	panel_account_free(a);
}
