/* GET /api/v1/apikeys: the application keys the admin owns (all for the super admin), newest
 * first, revoked ones included; never their secrets. Paginated here (libpanel gives them all). */
#include <stdio.h>
#include <stdlib.h>

#include "papi.h"

void papi_apikeys_get(papi_request *r)
{
	static const char *const allowed[] = {"limit", "cursor", "offset", NULL};
	panel_apikey *keys = NULL;
	size_t count = 0, start = 0, limit = 50, i;
	unsigned long long n, cursor = 0;
	char next[32] = "";
	json_t *items;
	int rc, has_cursor, has_offset;

	if (papi_query_check(r, allowed) < 0)
		return;
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		limit = (size_t)n;
	if ((has_cursor = papi_query_uint(r, "cursor", &cursor, 1, UINT64_MAX)) < 0)
		return;
	if ((has_offset = papi_query_uint(r, "offset", &n, 0, 1000000000)) < 0)
		return;
	if (has_cursor && has_offset) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "offset",
				 "give cursor or offset, not both");
		return;
	}
	rc = panel_apikey_list(&keys, &count, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (has_offset)
		start = n < count ? (size_t)n : count;
	/* Newest first, so the page after a cursor holds the keys with smaller ids. */
	if (has_cursor)
		while (start < count && keys[start].id >= cursor)
			start++;
	items = json_array();
	for (i = start; items && i < count && i < start + limit; i++)
		if (json_array_append_new(items, panel_apikey_to_json(&keys[i])) < 0) {
			json_decref(items);
			items = NULL;
		}
	if (i < count && i > 0)
		snprintf(next, sizeof(next), "%llu", (unsigned long long)keys[i - 1].id);
	papi_reply_list(r, items, count, next);
	free(keys);
}
