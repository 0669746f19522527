/* panel-api against a real daemon and database, with a fake sendmail keeping the messages: the
 * change of a contact address (request, mailed link, confirmation), the password reset (mailed
 * code, confirmation, tokens revoked), their refusals, and nothing sent or kept on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_matrix.h"
#include "ts_mails.h"

static char maildir[] = "/tmp/panel-api-mails-XXXXXX", program[PATH_MAX];

static int setup(void **state)
{
	char conf[PATH_MAX + 200];

	(void)state;
	if (ts_mails_init(maildir, program) < 0)
		return -1;
	snprintf(conf, sizeof(conf),
		 "\n[mail]\nsendmail = %s\nhosting_name = Example Hosting\n"
		 "\n[hosting]\nfqdn = panel.example.net\n",
		 program);
	return api_cast_setup(conf, "[\"ftp\"]");
}

static int teardown(void **state)
{
	(void)state;
	ts_mails_clear(maildir);
	rmdir(maildir);
	return api_cast_teardown();
}

/* The one message kept since the last clear; fails otherwise. */
__attribute__((noinline)) static char *the_mail(void)
{
	char *text = NULL;

	assert_int_equal(ts_mails_count(maildir, &text), 1);
	assert_non_null(text);
	return text;
}

static void test_mail_change(void **state)
{
	char key[16], cookie[32], body[256], path[64], *msg;
	api_resp r;

	(void)state;
	ts_mails_clear(maildir);
	assert_api_call(&r, MA, "POST", "/api/v1/accounts/mema/mail-change",
			"{\"mail\": \"mema.new@example.org\"}", 202);
	snprintf(key, sizeof(key), "%s", api_str(&r, "key"));
	assert_int_equal(strlen(key), 6);
	api_resp_free(&r);
	msg = the_mail();
	assert_true(ts_mail_has_header(msg, "To: mema.new@example.org"));
	assert_true(
	    ts_mail_has_header(msg, "Subject: Change of e-mail address on Example Hosting"));
	const char *at = strstr(msg, "&cookie=");
	assert_non_null(at);
	snprintf(cookie, sizeof(cookie), "%.20s", at + 8);
	assert_null(strstr(strstr(msg, "\n\n"), key));
	free(msg);
	assert_api_call(&r, MA, "POST", "/api/v1/accounts/mema/mail-change",
			"{\"mail\": \"mema.other@example.org\"}", 429);
	assert_true(atoi(r.retry_after) > 0);
	api_resp_free(&r);

	long long uid = api_number(&srv, "SELECT uid FROM membres WHERE login = 'mema'");
	snprintf(body, sizeof(body), "{\"uid\": %lld, \"cookie\": \"%s\", \"key\": \"000000\"}",
		 uid, cookie);
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/auth/mail-change/confirm", NULL, body, NULL), 401);
	snprintf(body, sizeof(body), "{\"uid\": %lld, \"cookie\": \"%s\", \"key\": \"%s\"}", uid,
		 cookie, key);
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/auth/mail-change/confirm", NULL, body, NULL), 204);
	snprintf(path, sizeof(path), "/api/v1/accounts/mema");
	assert_api_call(&r, MA, "GET", path, NULL, 200);
	assert_string_equal(api_str(&r, "mail"), "mema.new@example.org");
	api_resp_free(&r);
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/auth/mail-change/confirm", NULL, body, NULL), 401);
}

/* Another member's account, line breaks in the address, a failing MTA: nothing sent nor kept. */
static void test_mail_change_refusals(void **state)
{
	api_resp r;

	(void)state;
	ts_mails_clear(maildir);
	assert_api_call(NULL, MB, "POST", "/api/v1/accounts/mema/mail-change",
			"{\"mail\": \"evil@example.org\"}", 404);
	assert_api_call(&r, MB, "POST", "/api/v1/accounts/memb/mail-change",
			"{\"mail\": \"a@example.org\\nBcc: victim@example.org\"}", 400);
	assert_string_equal(api_error_field(&r), "mail");
	api_resp_free(&r);
	assert_api_call(&r, MB, "POST", "/api/v1/accounts/memb/mail-change",
			"{\"mail\": \"a@example.org\\r\\nBcc: victim@example.org\"}", 400);
	api_resp_free(&r);
	assert_api_call(NULL, MB, "POST", "/api/v1/accounts/memb/mail-change",
			"{\"mail\": \"a@example.org, victim@example.org\"}", 400);
	assert_int_equal(ts_mails_failing(maildir, 1), 0);
	assert_api_call(NULL, MB, "POST", "/api/v1/accounts/memb/mail-change",
			"{\"mail\": \"b@example.org\"}", 500);
	assert_int_equal(ts_mails_failing(maildir, 0), 0);
	assert_int_equal(ts_mails_count(maildir, NULL), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM chgmail c JOIN membres m ON m.uid ="
					  " c.uid WHERE m.login = 'memb'"),
			 0);
}

static void test_password_reset(void **state)
{
	char token[PANEL_TOKEN_MAX], code[64], body[256], *msg;
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, tokens[SA], "forgetful", API_PASS, ""), 201);
	assert_int_equal(api_login(&srv, "forgetful", API_PASS, token, sizeof(token), NULL), 200);
	ts_mails_clear(maildir);
	assert_int_equal(api_status(&srv, "POST", "/api/v1/auth/password-reset", NULL,
				    "{\"login\": \"forgetful\"}", NULL),
			 204);
	msg = the_mail();
	assert_true(ts_mail_has_header(msg, "To: forgetful@example.net"));
	assert_int_equal(ts_mail_body_value(code, sizeof(code), msg, "Reset code: "), 0);
	free(msg);
	/* Unknown logins and a second request answer the same, and send nothing. */
	ts_mails_clear(maildir);
	assert_int_equal(api_status(&srv, "POST", "/api/v1/auth/password-reset", NULL,
				    "{\"login\": \"forgetful\"}", NULL),
			 204);
	assert_int_equal(api_status(&srv, "POST", "/api/v1/auth/password-reset", NULL,
				    "{\"login\": \"nosuchlogin\"}", NULL),
			 204);
	assert_int_equal(ts_mails_count(maildir, NULL), 0);

	snprintf(body, sizeof(body),
		 "{\"login\": \"forgetful\", \"token\": \"%s\", \"password\": \"x\"}", code);
	api_request(&r, &srv, "POST", "/api/v1/auth/password-reset/confirm", NULL, body, NULL);
	assert_int_equal(r.status, 400);
	assert_string_equal(api_error_field(&r), "password");
	api_resp_free(&r);
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/auth/password-reset/confirm", NULL,
		       "{\"login\": \"forgetful\", \"token\": \"pr_nope\", \"password\":"
		       " \"Forgetful-new-2026\"}",
		       NULL),
	    401);
	snprintf(body, sizeof(body),
		 "{\"login\": \"forgetful\", \"token\": \"%s\", \"password\": "
		 "\"Forgetful-new-2026\"}",
		 code);
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/auth/password-reset/confirm", NULL, body, NULL), 204);
	assert_int_equal(
	    api_status(&srv, "POST", "/api/v1/auth/password-reset/confirm", NULL, body, NULL), 401);
	/* The token of before is revoked; the new password logs in. */
	assert_int_equal(api_status(&srv, "GET", "/api/v1/auth/whoami", token, NULL, NULL), 401);
	assert_int_equal(
	    api_login(&srv, "forgetful", "Forgetful-new-2026", token, sizeof(token), NULL), 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mail_change),
	    cmocka_unit_test(test_mail_change_refusals),
	    cmocka_unit_test(test_password_reset),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
