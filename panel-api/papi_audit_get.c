/* GET /api/v1/audit: the audit trail, newest first, with before/after values (admins; an admin
 * other than the super admin sees its own actions and the accounts it created). */
#include <stdio.h>

#include "papi.h"

void papi_audit_get(papi_request *r)
{
	static const char *const allowed[] = {"actor_uid", "object_kind", "object_id", "since",
					      "limit",	   "cursor",	  NULL};
	panel_audit_filter f = PANEL_AUDIT_FILTER_INIT;
	panel_audit_list *list = NULL;
	char kind[64], id[256], since[32], next[32] = "";
	unsigned long long n;
	json_t *items;
	int err, rc;

	if (papi_query_check(r, allowed) < 0)
		return;
	f.object_kind = papi_query(r, "object_kind", kind, sizeof(kind), &err);
	if (err)
		return;
	f.object_id = papi_query(r, "object_id", id, sizeof(id), &err);
	if (err)
		return;
	f.since = papi_query(r, "since", since, sizeof(since), &err);
	if (err)
		return;
	if ((rc = papi_query_uint(r, "actor_uid", &n, 1, UINT32_MAX)) < 0)
		return;
	if (rc)
		f.actor_uid = (uint32_t)n;
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		f.limit = (size_t)n;
	/* The cursor is the id below which the next page starts. */
	if ((rc = papi_query_uint(r, "cursor", &n, 1, UINT64_MAX)) < 0)
		return;
	if (rc)
		f.before_id = n;
	rc = panel_audit_list_get(&list, r->p, &r->actor, &f);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; items && i < list->count; i++)
		if (json_array_append_new(items, panel_audit_entry_to_json(&list->items[i])) < 0) {
			json_decref(items);
			items = NULL;
		}
	if (list->next_before_id)
		snprintf(next, sizeof(next), "%llu", (unsigned long long)list->next_before_id);
	papi_reply_list(r, items, list->total, next);
	panel_audit_list_free(list);
}
