/* POST /api/v1/accounts/{login}/domains {"domain", "dns", "mx", "noerase", "force"}: hosts a
 * domain for the account (noerase and force: admins). 201 with the domain, ETag and Location;
 * 409 when it is taken, 422 when the dom quota is used up. */
#include "papi.h"

void papi_accounts_LOGIN_domains_post(papi_request *r)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	papi_spec specs[] = {
	    papi_spec_string("domain", &spec.domain),
	    papi_spec_optional(papi_spec_bool("dns", &spec.dns)),
	    papi_spec_optional(papi_spec_bool("mx", &spec.mx)),
	    papi_spec_optional(papi_spec_bool("noerase", &spec.noerase)),
	    papi_spec_optional(papi_spec_bool("force", &spec.force)),
	    papi_spec_end(),
	};
	panel_domain *d = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_domain_add(&d, r->p, &r->actor, papi_param(r, 0), &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_domain(r, d, 1);
	panel_domain_free(d);
}
