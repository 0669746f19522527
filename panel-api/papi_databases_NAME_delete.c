/* DELETE /api/v1/databases/{name}: DROP DATABASE, the grants on it, and its row. 204. */
#include "papi.h"

void papi_databases_NAME_delete(papi_request *r)
{
	int rc = panel_database_delete(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
