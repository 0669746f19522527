/* POST /api/v1/domains/{domain}/mail {"local", "password", "recipients", "expires"}: a new
 * address: a mailbox when password is given, forwards to recipients, "" local for the
 * catch-all. 201 with the address and Location; 409 when taken, 422 when the mail quota is
 * used up. */
#include <stdlib.h>

#include "papi.h"

void papi_domains_DOMAIN_mail_post(papi_request *r)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	json_t *recipients = NULL;
	papi_spec specs[] = {
	    papi_spec_string("local", &spec.local),
	    papi_spec_optional(papi_spec_string("password", &spec.password)),
	    papi_spec_optional(papi_spec_string_array("recipients", &recipients)),
	    papi_spec_optional(papi_spec_string("expires", &spec.expires)),
	    papi_spec_end(),
	};
	const char **list = NULL;
	panel_mail *m = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (recipients) {
		list = papi_string_list(r, recipients);
		if (!list)
			return;
		spec.recipients = list;
	}
	rc = panel_mail_create(&m, r->p, &r->actor, papi_param(r, 0), &spec);
	free(list);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_mail_to_json(m), "/api/v1/mail/", m->address);
	panel_mail_free(m);
}
