/* GET /api/v1/accounts/{login}/quotas: every quota of the account (limit and current use), one
 * item per known quota name, in the list envelope. */
#include "papi.h"

void papi_accounts_LOGIN_quotas_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_quota_list *list = NULL;
	json_t *items;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_quota_list_get(&list, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < list->count; i++)
		if (json_array_append_new(items, panel_quota_to_json(&list->items[i])) < 0) {
			json_decref(items);
			items = NULL;
		}
	papi_reply_list(r, items, list->count, NULL);
	panel_quota_list_free(list);
}
