/* POST /api/v1/auth/logout (no body, or {}): revokes the bearer token the request was made with.
 * Application keys are revoked with DELETE /api/v1/apikeys/{id} instead. */
#include "papi.h"

void papi_auth_logout_post(papi_request *r)
{
	papi_spec specs[] = {papi_spec_end()}; /* no body, or {} */
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (r->principal.apikey_id) {
		papi_reply_error(r, PAPI_E_INVALID, NULL,
				 "an application key is revoked with DELETE /api/v1/apikeys/%llu",
				 (unsigned long long)r->principal.apikey_id);
		return;
	}
	rc = panel_auth_logout(r->p, r->credential);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
