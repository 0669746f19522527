/* DELETE /api/v1/domains/{domain}: marks the domain and its entries for deletion by the cron
 * side and removes its mail addresses and FTP accounts now. If-Match is honoured. 204. */
#include "papi.h"

void papi_domains_DOMAIN_delete(papi_request *r)
{
	const char *domain = papi_param(r, 0);
	char etag[sizeof(((panel_domain *)0)->etag)];
	int rc;

	if (!papi_domain_precondition(r, domain, etag, sizeof(etag)))
		return;
	rc = panel_domain_delete(r->p, &r->actor, domain);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
