/* POST /api/v1/databases/{name}/restore {"file", "unverified"}: queues a restore of one of the
 * database's own dumps (a file name of its backups folder, <db>-<date>.sql, that the panel
 * wrote; "unverified": true lets a super admin restore another file), run off the request
 * path. 202 {"job", "database", "file"}. */
#include "papi.h"

void papi_databases_NAME_restore_post(papi_request *r)
{
	const char *file = NULL;
	int unverified = 0;
	papi_spec specs[] = {
	    papi_spec_string("file", &file),
	    papi_spec_optional(papi_spec_bool("unverified", &unverified)),
	    papi_spec_end(),
	};
	const char *name = papi_param(r, 0);
	uint64_t job = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_database_restore(&job, r->p, &r->actor, name, file,
				    unverified ? PANEL_RESTORE_UNVERIFIED : 0);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_accepted(r, json_pack("{s:I, s:s, s:s}", "job", (json_int_t)job, "database",
					 name, "file", file));
}
