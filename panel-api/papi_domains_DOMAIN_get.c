/* GET /api/v1/domains/{domain}: one domain the caller may see (internationalized names in
 * UTF-8 or punycode), with its ETag; 304 when If-None-Match lists it. */
#include <stdio.h>

#include "papi.h"

void papi_domains_DOMAIN_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_domain *d = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_domain_get(&d, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (papi_if_none_match(r, d->etag)) {
		papi_reply_not_modified(r);
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", d->etag);
	} else {
		papi_reply_domain(r, d, 0);
	}
	panel_domain_free(d);
}
