/* PUT /api/v1/dbusers/{name}/password {"password"}: sets a database user's password on the
 * member server (the "mysql" password policy). 204. */
#include "papi.h"

void papi_dbusers_NAME_password_put(papi_request *r)
{
	const char *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_dbuser_password(r->p, &r->actor, papi_param(r, 0), password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
