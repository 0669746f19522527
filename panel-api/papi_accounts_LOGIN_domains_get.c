/* GET /api/v1/accounts/{login}/domains: the domains an account hosts, ordered by name,
 * paginated (limit, cursor or offset). 404 for an account the caller may not see. */
#include "papi.h"

void papi_accounts_LOGIN_domains_get(papi_request *r)
{
	static const char *const allowed[] = {"limit", "cursor", "offset", NULL};
	panel_domain_list *list = NULL;
	char cursor_buf[PANEL_DOMAIN_MAX * 4 + 1];
	const char *cursor = NULL;
	size_t limit = 0, offset = 0;
	json_t *items;
	int rc;

	if (papi_query_check(r, allowed) < 0 ||
	    papi_page_query(r, &limit, &cursor, cursor_buf, sizeof(cursor_buf), &offset) < 0)
		return;
	rc = panel_domain_list_get(&list, r->p, &r->actor, papi_param(r, 0), limit, cursor, offset);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < list->count; i++)
		papi_append(&items, panel_domain_to_json(&list->items[i]));
	papi_reply_list(r, items, list->total, list->next_cursor);
	panel_domain_list_free(list);
}
