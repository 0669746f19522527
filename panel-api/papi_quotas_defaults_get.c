/* GET /api/v1/quotas/defaults[?type=T]: the default quotas copied to new accounts of each
 * account type (admins), ordered by type then name. */
#include "papi.h"

void papi_quotas_defaults_get(papi_request *r)
{
	static const char *const allowed[] = {"type", NULL};
	panel_quota_default_list *list = NULL;
	char type[256];
	const char *t;
	json_t *items;
	int err, rc;

	if (papi_query_check(r, allowed) < 0)
		return;
	t = papi_query(r, "type", type, sizeof(type), &err);
	if (err)
		return;
	rc = panel_quota_defaults_get(&list, r->p, &r->actor, t);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < list->count; i++)
		if (json_array_append_new(items, panel_quota_default_to_json(&list->items[i])) <
		    0) {
			json_decref(items);
			items = NULL;
		}
	papi_reply_list(r, items, list->count, NULL);
	panel_quota_default_list_free(list);
}
