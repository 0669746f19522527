/* GET /api/v1/databases-repair: the differences between the member server and the panel's rows
 * (admins), without changing anything: {"kind", "name", "problem", "action"} items. */
#include <stdlib.h>

#include "papi.h"

void papi_databases_repair_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_db_problem *problems = NULL;
	size_t count = 0;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_database_repair(&problems, &count, r->p, &r->actor, 0);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_all(r, papi_db_problems_to_json(problems, count));
	free(problems);
}
