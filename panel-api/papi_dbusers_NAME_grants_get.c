/* GET /api/v1/dbusers/{name}/grants: the user's rights on each database of its owner, read from
 * the server's grant tables: {"name", "grants": {"<database>": ["SELECT", ...]}}. */
#include <stdlib.h>

#include "papi.h"

void papi_dbusers_NAME_grants_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	const char *name = papi_param(r, 0);
	panel_dbgrant *grants = NULL;
	size_t count = 0;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_dbuser_grants_get(&grants, &count, r->p, &r->actor, name);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, json_pack("{s:s, s:o}", "name", name, "grants",
				   panel_dbgrants_to_json(grants, count)));
	free(grants);
}
