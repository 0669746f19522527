/* PATCH /api/v1/domains/{domain} {"dns", "mx", "noerase"}: turns DNS or mail hosting on or off
 * (noerase: admins). With If-Match the change applies only if the domain still has that ETag. */
#include <string.h>

#include "papi.h"

void papi_domains_DOMAIN_patch(papi_request *r)
{
	int dns = -1, mx = -1, noerase = -1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_bool("dns", &dns)),
	    papi_spec_optional(papi_spec_bool("mx", &mx)),
	    papi_spec_optional(papi_spec_bool("noerase", &noerase)),
	    papi_spec_end(),
	};
	const char *domain = papi_param(r, 0);
	panel_domain *d = NULL;
	char etag[sizeof(d->etag)];
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	/* Compared here (any tag of the list, or *), then again by libpanel inside its
	 * transaction: a change in between still gives 412. */
	if (!papi_domain_precondition(r, domain, etag, sizeof(etag)))
		return;
	rc =
	    panel_domain_edit(&d, r->p, &r->actor, domain, dns, mx, noerase, etag[0] ? etag : NULL);
	if (rc == PANEL_ECONFLICT && etag[0] && panel_error_last()->field &&
	    strcmp(panel_error_last()->field, "if_match") == 0) {
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the domain changed since it was read");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_domain(r, d, 0);
	panel_domain_free(d);
}
