/* GET /api/v1/accounts/{login}/quotas/{name}: one quota of the account, limit and current use.
 * 400 for a quota name libpanel does not know. */
#include "papi.h"

void papi_accounts_LOGIN_quotas_NAME_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_quota q;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_quota_get(&q, r->p, &r->actor, papi_param(r, 0), papi_param(r, 1));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_quota_to_json(&q));
}
