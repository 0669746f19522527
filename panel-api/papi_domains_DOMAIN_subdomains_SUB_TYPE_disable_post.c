/* POST /api/v1/domains/{domain}/subdomains/{sub}/{type}/disable: asks the cron side to disable
 * the entries (sub, type). No body (or {}). 204; 404 when there is none. */
#include "papi.h"

void papi_domains_DOMAIN_subdomains_SUB_TYPE_disable_post(papi_request *r)
{
	papi_spec specs[] = {papi_spec_end()};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_subdomain_set_enabled(r->p, &r->actor, papi_param(r, 0), papi_param(r, 1),
					 papi_param(r, 2), 0);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
