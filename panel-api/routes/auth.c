/* Routes outside any resource: the health check for load balancers, and the session (login,
 * logout, whoami). */
#include <sodium.h>

#include "papi.h"

/* GET /healthz: 200 {"database": "ok"} when the panel database answers, 503 otherwise. No
 * authentication: load balancers and monitoring call it. */
static void healthz_get(papi_request *r)
{
	if (panel_ping(r->p) < 0) {
		papi_rlog(r, PAPI_LOG_WARNING, "healthz: %s", panel_error_last()->message);
		papi_reply_error(r, PAPI_E_UNAVAILABLE, NULL, "the database does not answer");
		return;
	}
	papi_reply_ok(r, json_pack("{s:s}", "database", "ok"));
}

/* POST /api/v1/auth/login {login, password}: a bearer token for the account. Failures are
 * slowed down per login and per address by libpanel (429 with Retry-After). */
static void login_post(papi_request *r)
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

/* POST /api/v1/auth/logout (no body, or {}): revokes the bearer token the request was made with.
 * Application keys are revoked with DELETE /api/v1/apikeys/{id} instead. */
static void logout_post(papi_request *r)
{
	int rc;

	/* Not a malformed request: this credential may not do it (a read-only key is already
	 * refused as scope_forbidden, the same status). */
	if (r->principal.apikey_id) {
		papi_reply_error(r, PAPI_E_FORBIDDEN, NULL,
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

/* GET /api/v1/auth/whoami: the principal of the credentials (account, admin flag, key scope)
 * and, with X-Panel-Act-As, the member acted as. */
static void whoami_get(papi_request *r)
{
	json_t *me = panel_principal_to_json(&r->principal);

	if (me && json_object_set_new(me, "acting_as",
				      r->act_as[0] ? json_pack("{s:I, s:s}", "uid",
							       (json_int_t)r->actor.as_uid, "login",
							       r->act_as)
						   : json_null()) < 0) {
		json_decref(me);
		me = NULL;
	}
	papi_reply_ok(r, me);
}

static const papi_route routes[] = {
    {"GET", "/healthz", NULL, PAPI_PUBLIC, .handler = healthz_get},
    {"POST", "/api/v1/auth/login", NULL, PAPI_PUBLIC | PAPI_BODY, .handler = login_post},
    {"POST", "/api/v1/auth/logout", NULL, PAPI_EMPTY, .handler = logout_post},
    {"GET", "/api/v1/auth/whoami", NULL, 0, .handler = whoami_get},
};

const papi_route_table papi_routes_auth = PAPI_ROUTE_TABLE(routes);
