/* The routes of the mails the panel sends about an account: the two steps of a change of its
 * contact address (AlternC 1.0's ChangeMail1 and ChangeMail2) and the password reset that
 * replaces 1.0's send_pass. The confirmations take no token: they prove themselves with what
 * the mail carried. */
#include <sodium.h>

#include "papi.h"

/* POST /api/v1/accounts/{login}/mail-change {"mail"}: mails a confirmation link to the new
 * address; 202 {"mail", "key"}, the key to show to the requester (needed with the link). */
static void mail_change_post(papi_request *r)
{
	const char *mail = NULL;
	papi_spec specs[] = {
	    papi_spec_string("mail", &mail),
	    papi_spec_end(),
	};
	char key[PANEL_MAIL_CHANGE_KEY_MAX + 1];
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_account_mail_change_request(key, r->p, &r->actor, papi_param(r, 0), mail);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_accepted(r, json_pack("{s:s, s:s}", "mail", mail, "key", key));
	sodium_memzero(key, sizeof(key));
	r->reply.secret_field = "key";
}

/* POST /api/v1/auth/mail-change/confirm {"uid", "cookie", "key"}: applies the change (no
 * token: 1.0's mem_cm2.php runs outside any session). 204; 401 when they do not match. */
static void mail_change_confirm(papi_request *r)
{
	const char *cookie = NULL, *key = NULL;
	long long uid = 0;
	papi_spec specs[] = {
	    papi_spec_int("uid", &uid, 1, UINT32_MAX),
	    papi_spec_string("cookie", &cookie),
	    papi_spec_string("key", &key),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_account_mail_change_confirm(r->p, (uint32_t)uid, cookie, key, r->ip);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/auth/password-reset {"login"}: mails a reset code to the account's contact
 * address when it may get one (once a day). 204 whatever the login, so that the answer does
 * not tell which logins exist. */
static void reset_post(papi_request *r)
{
	const char *login = NULL;
	papi_spec specs[] = {
	    papi_spec_string("login", &login),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_account_password_reset_request(r->p, login, r->ip)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/auth/password-reset/confirm {"login", "token", "password"}: sets the password
 * with the mailed code. 204; 401 for a wrong or expired code (throttled like logins: 429), 400
 * for a password the policy refuses. */
static void reset_confirm(papi_request *r)
{
	const char *login = NULL, *token = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("login", &login),
	    papi_spec_string("token", &token),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_account_password_reset(r->p, login, token, password, r->ip)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

static const papi_route routes[] = {
    {"POST", "/api/v1/accounts/{login}/mail-change", "accounts", PAPI_BODY,
     .handler = mail_change_post},
    {"POST", "/api/v1/auth/mail-change/confirm", NULL, PAPI_PUBLIC | PAPI_BODY,
     .handler = mail_change_confirm},
    {"POST", "/api/v1/auth/password-reset", NULL, PAPI_PUBLIC | PAPI_BODY, .handler = reset_post},
    {"POST", "/api/v1/auth/password-reset/confirm", NULL, PAPI_PUBLIC | PAPI_BODY,
     .handler = reset_confirm},
};

const papi_route_table papi_routes_account_mail = PAPI_ROUTE_TABLE(routes);
