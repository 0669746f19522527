/* POST /api/v1/accounts/{login}/dbusers {"suffix", "password"}: creates the MySQL user login
 * (no suffix) or login_suffix, without rights (see .../grants). 201 with Location; 409 when
 * it exists, 422 when the mysql_users quota is used up. */
#include "papi.h"

void papi_accounts_LOGIN_dbusers_post(papi_request *r)
{
	const char *suffix = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("suffix", &suffix)),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	panel_dbuser *u = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_dbuser_create(&u, r->p, &r->actor, papi_param(r, 0), suffix, password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_dbuser_to_json(u), "/api/v1/dbusers/", u->name);
	panel_dbuser_free(u);
}
