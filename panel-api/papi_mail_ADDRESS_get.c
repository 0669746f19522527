/* GET /api/v1/mail/{address}: one mail address the caller may see ("@domain" for the
 * catch-all, also as %40domain). */
#include "papi.h"

void papi_mail_ADDRESS_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_mail *m = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_mail_get(&m, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_mail_to_json(m));
	panel_mail_free(m);
}
