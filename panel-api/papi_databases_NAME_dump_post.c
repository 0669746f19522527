/* POST /api/v1/databases/{name}/dump: queues a dump into the owner's backups folder, run off
 * the request path by the jobs runner. No body (or {}). 202 {"job", "database"}. */
#include "papi.h"

void papi_databases_NAME_dump_post(papi_request *r)
{
	papi_spec specs[] = {papi_spec_end()};
	const char *name = papi_param(r, 0);
	uint64_t job = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_database_dump(&job, r->p, &r->actor, name);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_accepted(r, json_pack("{s:I, s:s}", "job", (json_int_t)job, "database", name));
}
