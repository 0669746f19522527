/* POST /api/v1/auth/login {login, password}: a bearer token for the account. Failures are
 * slowed down per login and per address by libpanel (429 with Retry-After). */
#include <sodium.h>

#include "papi.h"

void papi_auth_login_post(papi_request *r)
{
	const char *login = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("login", &login),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	char token[PANEL_TOKEN_MAX];
	panel_principal who;
	json_t *body;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_auth_login(&who, token, sizeof(token), r->p, login, password, r->ip,
			      r->conf->token_ttl);
	if (rc == PANEL_EAUTH) {
		const panel_error *e = panel_error_last();
		papi_reply_error(r, PAPI_E_LOGIN_FAILED, NULL, "%s",
				 e->message[0] ? e->message : "wrong login or password");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	r->principal = who; /* for the log line only */
	body = json_pack("{s:s, s:s, s:I, s:s?, s:o}", "token", token, "token_type", "Bearer",
			 "expires_in", (json_int_t)r->conf->token_ttl, "expires",
			 who.expires[0] ? who.expires : NULL, "principal",
			 panel_principal_to_json(&who));
	sodium_memzero(token, sizeof(token));
	papi_reply_ok(r, body);
}
