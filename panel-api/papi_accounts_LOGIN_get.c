/* GET /api/v1/accounts/{login}: one account the caller may see, with its ETag (304 when
 * If-None-Match lists it). */
#include <stdio.h>

#include "papi.h"

void papi_accounts_LOGIN_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	panel_account *a = NULL;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_account_get(&a, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (papi_if_none_match(r, a->etag)) {
		papi_reply_not_modified(r);
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", a->etag);
	} else {
		papi_reply_account(r, a, 0);
	}
	panel_account_free(a);
}
