/* POST /api/v1/accounts/{login}/unlock: unlocks the account (enabled = true) (admins).
 * No body (or {}); If-Match is honoured. Answers the account. */
#include "papi.h"

void papi_accounts_LOGIN_unlock_post(papi_request *r)
{
	papi_spec specs[] = {papi_spec_end()};
	const char *login = papi_param(r, 0);
	panel_account *a = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0 || !papi_account_precondition(r, login))
		return;
	rc = panel_account_unlock(&a, r->p, &r->actor, login);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_account(r, a, 0);
	panel_account_free(a);
}
