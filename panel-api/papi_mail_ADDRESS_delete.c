/* DELETE /api/v1/mail/{address}: deletes an address; its maildir is removed by the cron
 * side. 204. */
#include "papi.h"

void papi_mail_ADDRESS_delete(papi_request *r)
{
	int rc = panel_mail_delete(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
