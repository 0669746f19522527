/* POST /api/v1/accounts/{login}/renew {"periods"?}: extends the account's period by periods
 * (default 1) times its duration (admins). If-Match is honoured. Answers the account. */
#include "papi.h"

void papi_accounts_LOGIN_renew_post(papi_request *r)
{
	long long periods = 1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_int("periods", &periods, 1, 1200)),
	    papi_spec_end(),
	};
	const char *login = papi_param(r, 0);
	panel_account *a = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0 || !papi_account_precondition(r, login))
		return;
	rc = panel_account_renew(&a, r->p, &r->actor, login, (unsigned)periods);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_account(r, a, 0);
	panel_account_free(a);
}
