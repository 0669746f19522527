/* GET /api/v1/ftp/{name}: one FTP account the caller may see. */
#include "papi.h"

void papi_ftp_NAME_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_ftp *f = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_ftp_get(&f, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_ftp_to_json(f));
	panel_ftp_free(f);
}
