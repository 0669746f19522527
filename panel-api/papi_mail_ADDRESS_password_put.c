/* PUT /api/v1/mail/{address}/password {"password"}: sets a mailbox's password (its owner, or
 * an admin), under the "pop" password policy. 204; 409 for an address without a box. */
#include "papi.h"

void papi_mail_ADDRESS_password_put(papi_request *r)
{
	const char *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_mail_password(r->p, &r->actor, papi_param(r, 0), password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
