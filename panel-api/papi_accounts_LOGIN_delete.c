/* DELETE /api/v1/accounts/{login}: deletes the account and everything it owns (admins; not
 * oneself, not the super admin). If-Match is honoured. */
#include "papi.h"

void papi_accounts_LOGIN_delete(papi_request *r)
{
	const char *login = papi_param(r, 0);
	int rc;

	if (!papi_account_precondition(r, login))
		return;
	rc = panel_account_delete(r->p, &r->actor, login);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
