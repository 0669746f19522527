/* GET /api/v1/accounts: the accounts the caller may see, ordered by login, paginated (limit,
 * cursor or offset), filtered by login_prefix, mail, type, enabled, creator, expiring_days. */
#include <string.h>

#include "papi.h"

void papi_accounts_get(papi_request *r)
{
	static const char *const allowed[] = {
	    "login_prefix",  "mail",  "type",	"enabled", "creator",
	    "expiring_days", "limit", "cursor", "offset",  NULL};
	panel_account_filter f = PANEL_ACCOUNT_FILTER_INIT;
	panel_account_list *list = NULL;
	char prefix[64], mail[256], type[256], enabled[8], cursor[128];
	unsigned long long n;
	json_t *items;
	const char *v;
	int err, rc;

	if (papi_query_check(r, allowed) < 0)
		return;
	f.login_prefix = papi_query(r, "login_prefix", prefix, sizeof(prefix), &err);
	if (err)
		return;
	f.mail = papi_query(r, "mail", mail, sizeof(mail), &err);
	if (err)
		return;
	f.type = papi_query(r, "type", type, sizeof(type), &err);
	if (err)
		return;
	f.cursor = papi_query(r, "cursor", cursor, sizeof(cursor), &err);
	if (err)
		return;
	v = papi_query(r, "enabled", enabled, sizeof(enabled), &err);
	if (err)
		return;
	if (v) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
			f.enabled = 1;
		} else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
			f.enabled = 0;
		} else {
			papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "enabled",
					 "enabled must be true or false");
			return;
		}
	}
	if ((rc = papi_query_uint(r, "creator", &n, 1, UINT32_MAX)) < 0)
		return;
	if (rc)
		f.creator = (uint32_t)n;
	if ((rc = papi_query_uint(r, "expiring_days", &n, 0, 36500)) < 0)
		return;
	if (rc)
		f.expiring_days = (int)n;
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		f.limit = (size_t)n;
	if ((rc = papi_query_uint(r, "offset", &n, 0, 1000000000)) < 0)
		return;
	if (rc) {
		if (f.cursor) {
			papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "offset",
					 "give cursor or offset, not both");
			return;
		}
		f.offset = (size_t)n;
	}
	rc = panel_account_list_get(&list, r->p, &r->actor, &f);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < list->count; i++)
		if (json_array_append_new(items, panel_account_to_json(&list->items[i])) < 0) {
			json_decref(items);
			items = NULL;
		}
	papi_reply_list(r, items, list->total, list->next_cursor);
	panel_account_list_free(list);
}
