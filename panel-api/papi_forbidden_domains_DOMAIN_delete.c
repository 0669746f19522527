/* DELETE /api/v1/forbidden-domains/{domain}: allows a forbidden domain again (admins). 204;
 * 404 when it is not forbidden. */
#include "papi.h"

void papi_forbidden_domains_DOMAIN_delete(papi_request *r)
{
	int rc = panel_forbidden_delete(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
