/* PUT /api/v1/ftp/{name}/password {"password"}: sets an FTP account's password (the "ftp"
 * password policy). 204. */
#include "papi.h"

void papi_ftp_NAME_password_put(papi_request *r)
{
	const char *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_ftp_password(r->p, &r->actor, papi_param(r, 0), password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
