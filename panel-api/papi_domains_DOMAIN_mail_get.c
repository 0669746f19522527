/* GET /api/v1/domains/{domain}/mail: the mail addresses of a domain ordered by address,
 * filtered by prefix (of the local part), paginated (limit, cursor or offset). */
#include "papi.h"

void papi_domains_DOMAIN_mail_get(papi_request *r)
{
	static const char *const allowed[] = {"prefix", "limit", "cursor", "offset", NULL};
	panel_mail_list *list = NULL;
	char prefix_buf[130], cursor_buf[260];
	const char *prefix, *cursor = NULL;
	size_t limit = 0, offset = 0;
	json_t *items;
	int err, rc;

	if (papi_query_check(r, allowed) < 0)
		return;
	prefix = papi_query(r, "prefix", prefix_buf, sizeof(prefix_buf), &err);
	if (err || papi_page_query(r, &limit, &cursor, cursor_buf, sizeof(cursor_buf), &offset) < 0)
		return;
	rc = panel_mail_list_get(&list, r->p, &r->actor, papi_param(r, 0), prefix, limit, cursor,
				 offset);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < list->count; i++)
		papi_append(&items, panel_mail_to_json(&list->items[i]));
	papi_reply_list(r, items, list->total, list->next_cursor);
	panel_mail_list_free(list);
}
