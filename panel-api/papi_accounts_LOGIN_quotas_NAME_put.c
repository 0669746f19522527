/* PUT /api/v1/accounts/{login}/quotas/{name} {"value"}: sets the account's limit (admins). A
 * limit below the current use is allowed: nothing is removed, new objects are refused. */
#include <stdint.h>

#include "papi.h"

void papi_accounts_LOGIN_quotas_NAME_put(papi_request *r)
{
	long long value = 0;
	papi_spec specs[] = {
	    papi_spec_int("value", &value, 0, INT64_MAX),
	    papi_spec_end(),
	};
	panel_quota q;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_quota_set(&q, r->p, &r->actor, papi_param(r, 0), papi_param(r, 1),
			     (uint64_t)value);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_quota_to_json(&q));
}
