/* PATCH /api/v1/mail/{address} {"recipients", "password", "expires", "mailbox"}: changes the
 * forwards, the expiry ("" never), the box's password (creating the box when there is none),
 * or removes the box (mailbox false; forwards must remain). Answers the address. */
#include <stdlib.h>

#include "papi.h"

void papi_mail_ADDRESS_patch(papi_request *r)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	json_t *recipients = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string_array("recipients", &recipients)),
	    papi_spec_optional(papi_spec_string("password", &spec.password)),
	    papi_spec_optional(papi_spec_string("expires", &spec.expires)),
	    papi_spec_optional(papi_spec_bool("mailbox", &spec.mailbox)),
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
	rc = panel_mail_update(&m, r->p, &r->actor, papi_param(r, 0), &spec);
	free(list);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_mail_to_json(m));
	panel_mail_free(m);
}
