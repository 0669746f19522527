/* POST /api/v1/databases-repair: repairs the differences between the member server and the
 * panel's rows (admins): adds the missing rows, removes those whose database or user is gone.
 * No body (or {}). Answers what was found and done. */
#include <stdlib.h>

#include "papi.h"

void papi_databases_repair_post(papi_request *r)
{
	papi_spec specs[] = {papi_spec_end()};
	panel_db_problem *problems = NULL;
	size_t count = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_database_repair(&problems, &count, r->p, &r->actor, 1);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_all(r, papi_db_problems_to_json(problems, count));
	free(problems);
}
