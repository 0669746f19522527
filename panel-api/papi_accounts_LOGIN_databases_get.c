/* GET /api/v1/accounts/{login}/databases: the account's MySQL databases with their sizes read
 * from the server, in the list envelope (one page). */
#include <stdlib.h>

#include "papi.h"

void papi_accounts_LOGIN_databases_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_database *list = NULL;
	size_t count = 0;
	json_t *items;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_database_list_get(&list, &count, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < count; i++)
		papi_append(&items, panel_database_to_json(&list[i]));
	papi_reply_all(r, items);
	free(list);
}
