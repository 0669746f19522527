/* GET /api/v1/forbidden-domains: the domains no member may host, nor anything under them
 * (admins), ordered by name, in the list envelope (one page) of {"domain"} items. */
#include "papi.h"

void papi_forbidden_domains_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	char **list = NULL;
	size_t count = 0;
	json_t *items;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_forbidden_list(&list, &count, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < count; i++)
		papi_append(&items, json_pack("{s:s}", "domain", list[i]));
	papi_reply_all(r, items);
	panel_forbidden_list_free(list, count);
}
