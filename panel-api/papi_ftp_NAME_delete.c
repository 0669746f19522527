/* DELETE /api/v1/ftp/{name}: deletes an FTP account (its files stay in the web space). 204. */
#include "papi.h"

void papi_ftp_NAME_delete(papi_request *r)
{
	int rc = panel_ftp_delete(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
