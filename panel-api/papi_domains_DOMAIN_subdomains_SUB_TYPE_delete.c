/* DELETE /api/v1/domains/{domain}/subdomains/{sub}/{type}: marks every entry (sub, type) for
 * deletion by the cron side (sub "@" for the domain itself). 204; 404 when there is none. */
#include "papi.h"

void papi_domains_DOMAIN_subdomains_SUB_TYPE_delete(papi_request *r)
{
	int rc = panel_subdomain_delete(r->p, &r->actor, papi_param(r, 0), papi_param(r, 1),
					papi_param(r, 2));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
