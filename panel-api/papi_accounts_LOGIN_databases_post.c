/* POST /api/v1/accounts/{login}/databases {"suffix"}: creates the database login (no suffix)
 * or login_suffix on the member server. 201 with Location; 409 when it exists, 422 when the
 * mysql quota is used up. */
#include "papi.h"

void papi_accounts_LOGIN_databases_post(papi_request *r)
{
	const char *suffix = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("suffix", &suffix)),
	    papi_spec_end(),
	};
	panel_database *d = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_database_create(&d, r->p, &r->actor, papi_param(r, 0), suffix);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_database_to_json(d), "/api/v1/databases/", d->name);
	panel_database_free(d);
}
