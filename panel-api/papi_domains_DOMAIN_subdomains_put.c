/* PUT /api/v1/domains/{domain}/subdomains {"sub", "type", "target"}: sets one entry (sub "" or
 * "@" for the domain itself, "*" for the wildcard). Types that may repeat on a name are added,
 * others replace the entry of that type. 200 with the entry; 409 when the types clash. */
#include "papi.h"

void papi_domains_DOMAIN_subdomains_put(papi_request *r)
{
	const char *sub = NULL, *type = NULL, *target = "";
	papi_spec specs[] = {
	    papi_spec_string("sub", &sub),
	    papi_spec_string("type", &type),
	    papi_spec_optional(papi_spec_string("target", &target)),
	    papi_spec_end(),
	};
	panel_subdomain entry;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_subdomain_set(&entry, r->p, &r->actor, papi_param(r, 0), sub, type, target);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_subdomain_to_json(&entry));
}
