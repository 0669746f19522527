/* GET /api/v1/domain-types: every type of DNS entry (any caller: members choose among them),
 * in the list envelope (one page). */
#include <stdlib.h>

#include "papi.h"

void papi_domain_types_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_domain_type *types = NULL;
	size_t count = 0;
	json_t *items;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_domain_type_list(&types, &count, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < count; i++)
		papi_append(&items, panel_domain_type_to_json(&types[i]));
	papi_reply_all(r, items);
	free(types);
}
