/* PUT /api/v1/accounts/{login}/password {"old_password"?, "password"}: a member changes its own
 * password (old_password required); an admin resets it. 204. */
#include "papi.h"

void papi_accounts_LOGIN_password_put(papi_request *r)
{
	const char *old_password = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("old_password", &old_password)),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	const char *login = papi_param(r, 0);
	int rc;

	if (papi_parse_body(r, specs) < 0 || !papi_account_precondition(r, login))
		return;
	rc = panel_account_password(r->p, &r->actor, login, old_password, password);
	if (rc == PANEL_EAUTH) {
		/* A wrong old password is a bad field, not bad credentials: 401 would make
		 * clients drop a token that is fine. */
		papi_reply_error(r, PAPI_E_INVALID, "old_password", "the old password is wrong");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
