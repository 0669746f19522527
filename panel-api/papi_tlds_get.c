/* GET /api/v1/tlds: the top-level domains and their modes (0 forbidden, 1-4 allowed, 5 allowed
 * without DNS hosting), ordered by name, in the list envelope (one page). */
#include <stdlib.h>

#include "papi.h"

void papi_tlds_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_tld *tlds = NULL;
	size_t count = 0;
	json_t *items;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_tld_list(&tlds, &count, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < count; i++)
		papi_append(&items, panel_tld_to_json(&tlds[i]));
	papi_reply_all(r, items);
	free(tlds);
}
