/* GET /api/v1/dbusers/{name}: one database user. */
#include "papi.h"

void papi_dbusers_NAME_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_dbuser *u = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_dbuser_get(&u, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_dbuser_to_json(u));
	panel_dbuser_free(u);
}
