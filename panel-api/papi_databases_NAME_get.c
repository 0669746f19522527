/* GET /api/v1/databases/{name}: one member database, with its size read from the server. */
#include "papi.h"

void papi_databases_NAME_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_database *d = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_database_get(&d, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_database_to_json(d));
	panel_database_free(d);
}
