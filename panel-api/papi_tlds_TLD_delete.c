/* DELETE /api/v1/tlds/{tld}: removes a top-level domain (admins): its names can no longer be
 * hosted (those already hosted stay). 204; 404 when it is not listed. */
#include "papi.h"

void papi_tlds_TLD_delete(papi_request *r)
{
	int rc = panel_tld_delete(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
