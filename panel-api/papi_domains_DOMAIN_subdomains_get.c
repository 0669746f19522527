/* GET /api/v1/domains/{domain}/subdomains: every entry of a domain (sub "@" for the domain
 * itself), ordered by sub, type and target, in the list envelope (one page). */
#include <stdlib.h>

#include "papi.h"

void papi_domains_DOMAIN_subdomains_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_subdomain *subs = NULL;
	size_t count = 0;
	json_t *items;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_subdomain_list_get(&subs, &count, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	items = json_array();
	for (size_t i = 0; i < count; i++)
		papi_append(&items, panel_subdomain_to_json(&subs[i]));
	papi_reply_all(r, items);
	free(subs);
}
