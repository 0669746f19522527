/* DELETE /api/v1/dbusers/{name}: DROP USER and its row. 204. */
#include "papi.h"

void papi_dbusers_NAME_delete(papi_request *r)
{
	int rc = panel_dbuser_delete(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
