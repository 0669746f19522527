/* GET /api/v1/domains/{domain}/zone: the BIND zone of a domain as the DNS server would load it,
 * rendered from its enabled entries; answered as text/dns (RFC 4027), not JSON. */
#include <stdlib.h>

#include "papi.h"

void papi_domains_DOMAIN_zone_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	char *zone = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_domain_zone(&zone, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_text(r, "text/dns", zone);
	free(zone);
}
