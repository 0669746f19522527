/* POST /api/v1/mail/{address}/password {"old_password", "password"}: a mail user's
 * self-service, without an account or a bearer token. Failures are throttled per address and
 * per client address, like logins: 401 login_failed, then 429 with Retry-After. 204. */
#include <string.h>

#include "papi.h"

void papi_mail_ADDRESS_password_post(papi_request *r)
{
	const char *old_password = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("old_password", &old_password),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	const panel_error *e;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_mail_password_self(r->p, papi_param(r, 0), old_password, password, r->ip);
	e = panel_error_last();
	/* An unknown address, an address without a box and a wrong password answer alike. */
	if (rc == PANEL_EAUTH && e->field && strcmp(e->field, "old_password") == 0) {
		papi_reply_error(r, PAPI_E_LOGIN_FAILED, NULL, "wrong address or password");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
