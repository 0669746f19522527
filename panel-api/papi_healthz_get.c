/* GET /healthz: 200 {"database": "ok"} when the panel database answers, 503 otherwise. No
 * authentication: load balancers and monitoring call it. */
#include "papi.h"

void papi_healthz_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_ping(r->p);
	if (rc < 0) {
		papi_log(r->ctx, PAPI_LOG_WARNING, "healthz: %s", panel_error_last()->message);
		papi_reply_error(r, PAPI_E_UNAVAILABLE, NULL, "the database does not answer");
		return;
	}
	papi_reply_ok(r, json_pack("{s:s}", "database", "ok"));
}
