/* Tests of the mails libpanel sends, against a real MariaDB and a fake sendmail that keeps the
 * messages (tests/support/fake-sendmail): the two-step change of a contact address (chgmail),
 * the password reset, the new-account notice; headers safe from injection, and nothing kept
 * nor sent when a step fails. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_mails.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], maildir[] = "/tmp/panel-mails-XXXXXX", sendmail[PATH_MAX];
static panel *p;
static panel_actor super, admin_b, mema, memb;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

/* ---------------------------------------------------------------- the captured messages */

static void clear_mails(void)
{
	ts_mails_clear(maildir);
}

static int mails(char **text)
{
	return ts_mails_count(maildir, text);
}

/* The one message sent since the last clear_mails: fails the test otherwise. */
__attribute__((noinline)) static char *the_mail(void)
{
	char *text = NULL;

	assert_int_equal(mails(&text), 1);
	assert_non_null(text);
	return text;
}

#define has_header ts_mail_has_header

static void set_failing(int failing)
{
	assert_int_equal(ts_mails_failing(maildir, failing), 0);
}

/* ---------------------------------------------------------------- fixture */

static int setup(void **state)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	(void)state;
	if (ts_mails_init(maildir, sendmail) < 0)
		return -1;
	const char *const settings[] = {
	    "mail", "sendmail",	    sendmail,	       "hosting", "fqdn", "panel.example.net",
	    "mail", "hosting_name", "Example Hosting", NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "mails", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	spec.login = "adminb";
	spec.password = "Correct-Horse-9";
	spec.mail = "adminb@example.org";
	spec.admin = 1;
	if (panel_account_create(&a, p, &super, &spec) < 0)
		return -1;
	admin_b = panel_actor_admin(a->uid);
	panel_account_free(a);
	mema = panel_actor_member(ts_member(p, &admin_b, "mema"));
	memb = panel_actor_member(ts_member(p, &admin_b, "memb"));
	clear_mails();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clear_mails();
	rmdir(maildir);
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

/* ---------------------------------------------------------------- change of address */

static void test_mail_change(void **state)
{
	char key[PANEL_MAIL_CHANGE_KEY_MAX + 1], cookie[64], link[256], *msg;

	(void)state;
	clear_mails();
	assert_panel_ok(
	    panel_account_mail_change_request(key, p, &mema, "mema", "new@example.net"));
	assert_int_equal(strlen(key), 6);
	assert_int_equal(strspn(key, "0123456789abcdef"), 6);
	msg = the_mail();
	assert_true(has_header(msg, "To: new@example.net"));
	assert_true(has_header(msg, "From: postmaster@panel.example.net"));
	assert_true(has_header(msg, "Subject: Change of e-mail address on Example Hosting"));
	/* The cookie goes to the new address; the key only to the requester. */
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail WHERE uid = %u AND ckey = '%s'"
				" AND mail = 'new@example.net'",
				db, mema.uid, key),
			 1);
	assert_int_equal(
	    number("SELECT LENGTH(cookie) FROM %s.chgmail WHERE uid = %u", db, mema.uid), 20);
	/* Read the cookie out of the mail and check it is the stored one. */
	const char *at = strstr(msg, "&cookie=");
	assert_non_null(at);
	snprintf(cookie, sizeof(cookie), "%.20s", at + 8);
	snprintf(link, sizeof(link),
		 "https://panel.example.net/admin/mem_cm.php?usr=%u&cookie=%s\n", mema.uid, cookie);
	assert_non_null(strstr(msg, link));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail WHERE cookie = '%s'", db, cookie),
			 1);
	assert_null(strstr(strstr(msg, "\n\n"), key));
	free(msg);

	/* Wrong key, wrong cookie, another account: refused, nothing changes. */
	assert_panel_rc(panel_account_mail_change_confirm(p, mema.uid, cookie, "000000", NULL),
			PANEL_EAUTH);
	assert_panel_rc(
	    panel_account_mail_change_confirm(p, mema.uid, "00000000000000000000", key, NULL),
	    PANEL_EAUTH);
	assert_panel_rc(panel_account_mail_change_confirm(p, memb.uid, cookie, key, NULL),
			PANEL_EAUTH);
	assert_panel_rc(panel_account_mail_change_confirm(p, mema.uid, "x' OR 1=1 -- ", key, NULL),
			PANEL_EAUTH);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.membres WHERE uid = %u AND mail = 'mema@example.org'",
		   db, mema.uid),
	    1);
	assert_panel_ok(panel_account_mail_change_confirm(p, mema.uid, cookie, key, "192.0.2.7"));
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.membres WHERE uid = %u AND mail = 'new@example.net'",
		   db, mema.uid),
	    1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail WHERE uid = %u", db, mema.uid), 0);
	assert_panel_rc(panel_account_mail_change_confirm(p, mema.uid, cookie, key, NULL),
			PANEL_EAUTH);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action ="
				" 'account.mail_change' AND subject_uid = %u",
				db, mema.uid),
			 1);
}

/* A hostile member puts line breaks in the address: refused before anything is stored or
 * sent. Nor may it ask for another member's account. */
static void test_mail_change_refusals(void **state)
{
	char key[PANEL_MAIL_CHANGE_KEY_MAX + 1];
	static const char *const hostile[] = {
	    "a@example.net\nBcc: victim@example.org",
	    "a@example.net\r\nBcc: victim@example.org",
	    "a@example.net\rX: y",
	    "a@example.net, victim@example.org",
	    "A <a@example.net>",
	    "",
	    "-oQ/tmp/x@example.net\n",
	};

	(void)state;
	clear_mails();
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_panel_rc(
		    panel_account_mail_change_request(key, p, &memb, "memb", hostile[i]),
		    PANEL_EINVALID);
		assert_string_equal(panel_error_last()->field, "mail");
		assert_string_equal(key, "");
	}
	assert_panel_rc(panel_account_mail_change_request(key, p, &memb, "mema", "b@example.net"),
			PANEL_ENOTFOUND);
	assert_int_equal(mails(NULL), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail WHERE uid = %u", db, memb.uid), 0);
}

/* The MTA fails: no row stays, the caller gets the error; rows older than a day are purged and
 * an expired one cannot be confirmed. */
static void test_mail_change_failures(void **state)
{
	char key[PANEL_MAIL_CHANGE_KEY_MAX + 1];

	(void)state;
	clear_mails();
	set_failing(1);
	assert_panel_rc(panel_account_mail_change_request(key, p, &memb, "memb", "b@example.net"),
			PANEL_ERROR);
	set_failing(0);
	assert_string_equal(key, "");
	assert_int_equal(mails(NULL), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail WHERE uid = %u", db, memb.uid), 0);

	sql("INSERT INTO chgmail (uid, cookie, ckey, mail, ts) VALUES (%u, 'aaaaaaaaaaaaaaaaaaaa',"
	    " 'bbbbbb', 'old@example.net', UNIX_TIMESTAMP() - 86500)",
	    memb.uid);
	assert_panel_rc(
	    panel_account_mail_change_confirm(p, memb.uid, "aaaaaaaaaaaaaaaaaaaa", "bbbbbb", NULL),
	    PANEL_EAUTH);
	sql("INSERT INTO chgmail (uid, cookie, ckey, mail, ts) VALUES (%u, 'c', 'd',"
	    " 'x@example.net', UNIX_TIMESTAMP() - 90000)",
	    admin_b.uid);
	assert_panel_ok(
	    panel_account_mail_change_request(key, p, &admin_b, "mema", "a2@example.net"));
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.chgmail WHERE ts < UNIX_TIMESTAMP() - 86400", db), 0);
	assert_int_equal(mails(NULL), 1);
	/* One request a minute per account: the panel is no way to flood a mailbox. */
	clear_mails();
	assert_panel_rc(
	    panel_account_mail_change_request(key, p, &admin_b, "mema", "a3@example.net"),
	    PANEL_ELIMIT);
	assert_int_equal(mails(NULL), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.chgmail WHERE mail = 'a2@example.net'", db), 1);
}

/* A handle on the test's database with one more [mail] setting. */
static panel *handle_with(const char *key, const char *value)
{
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *h = NULL;

	assert_int_equal(panel_config_set(cfg, "mail", "sendmail", sendmail), 0);
	assert_int_equal(panel_config_set(cfg, "hosting", "fqdn", "panel.example.net"), 0);
	assert_int_equal(panel_config_set(cfg, "mail", key, value), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);
	return h;
}

/* A subject that is not ASCII goes as an RFC 2047 encoded-word; a sendmail that cannot run is
 * an error, and nothing is kept. */
static void test_sendmail_edges(void **state)
{
	char key[PANEL_MAIL_CHANGE_KEY_MAX + 1], *msg;
	panel *h = handle_with("hosting_name", "Hébergement");

	(void)state;
	clear_mails();
	sql("DELETE FROM chgmail");
	assert_panel_ok(panel_account_mail_change_request(key, h, &memb, "memb", "b@example.net"));
	msg = the_mail();
	/* base64 of "Change of e-mail address on Hébergement" */
	assert_true(has_header(
	    msg, "Subject: =?UTF-8?B?Q2hhbmdlIG9mIGUtbWFpbCBhZGRyZXNzIG9uIEjDqWJlcmdlbWVudA==?="));
	assert_true(has_header(msg, "Content-Type: text/plain; charset=UTF-8"));
	free(msg);
	panel_close(h);

	h = handle_with("sendmail", "/nonexistent/sendmail");
	sql("DELETE FROM chgmail");
	clear_mails();
	assert_panel_rc(panel_account_mail_change_request(key, h, &memb, "memb", "c@example.net"),
			PANEL_ERROR);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail", db), 0);
	panel_close(h);

	/* The sender cannot carry a header either: the configuration refuses control characters,
	 * and a value that is not an address fails the mail. */
	panel_config *cfg = ts_config(cluster, 0, db);
	assert_panel_rc(panel_config_set(cfg, "mail", "from", "a@example.net\nBcc: x@example.org"),
			PANEL_EINVALID);
	panel_config_free(cfg);
	h = handle_with("from", "Postmaster <postmaster@panel.example.net>");
	assert_panel_rc(panel_account_mail_change_request(key, h, &memb, "memb", "d@example.net"),
			PANEL_EINVALID);
	assert_string_equal(panel_error_last()->field, "from");
	assert_int_equal(number("SELECT COUNT(*) FROM %s.chgmail", db), 0);
	assert_int_equal(mails(NULL), 0);
	panel_close(h);
}

/* ---------------------------------------------------------------- password reset */

static void test_password_reset(void **state)
{
	char token[PANEL_RESET_TOKEN_MAX + 1], *msg;
	panel_principal who;
	char bearer[PANEL_TOKEN_MAX];

	(void)state;
	clear_mails();
	assert_panel_ok(
	    panel_auth_login(&who, bearer, sizeof(bearer), p, "memb", "Correct-Horse-9", NULL, 0));
	assert_panel_ok(panel_account_password_reset_request(p, "memb", "192.0.2.8"));
	msg = the_mail();
	assert_true(has_header(msg, "To: memb@example.org"));
	assert_true(has_header(msg, "Subject: Your password on Example Hosting"));
	const char *at = strstr(msg, "Reset code: ");
	assert_non_null(at);
	snprintf(token, sizeof(token), "%.46s", at + 12);
	assert_int_equal(strlen(token), 46);
	assert_null(strstr(msg, "Correct-Horse-9"));
	free(msg);
	assert_int_equal(number("SELECT lastaskpass > 0 FROM %s.membres WHERE login = 'memb'", db),
			 1);
	/* Once a day, and silent about it; unknown logins the same. */
	clear_mails();
	assert_panel_ok(panel_account_password_reset_request(p, "memb", NULL));
	assert_panel_ok(panel_account_password_reset_request(p, "nobody", NULL));
	assert_panel_ok(panel_account_password_reset_request(p, "x\nBcc: y@example.net", NULL));
	assert_int_equal(mails(NULL), 0);

	assert_panel_rc(panel_account_password_reset(p, "memb", "pr_wrong", "New-Horse-2026", NULL),
			PANEL_EAUTH);
	assert_panel_rc(panel_account_password_reset(p, "mema", token, "New-Horse-2026", NULL),
			PANEL_EAUTH);
	assert_panel_rc(panel_account_password_reset(p, "memb", token, "x", NULL), PANEL_EINVALID);
	assert_panel_ok(panel_account_password_reset(p, "memb", token, "New-Horse-2026", NULL));
	assert_panel_rc(panel_account_password_reset(p, "memb", token, "Newer-Horse-2026", NULL),
			PANEL_EAUTH);
	assert_panel_rc(
	    panel_auth_login(&who, bearer, sizeof(bearer), p, "memb", "Correct-Horse-9", NULL, 0),
	    PANEL_EAUTH);
	assert_panel_ok(
	    panel_auth_login(&who, bearer, sizeof(bearer), p, "memb", "New-Horse-2026", NULL, 0));
	/* The tokens of before the reset are revoked. */
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_tokens WHERE uid = %u AND revoked ="
				" 0",
				db, memb.uid),
			 1);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.panel_password_resets WHERE uid = %u", db, memb.uid),
	    0);
}

/* CPU seconds this thread has used. */
static double thread_cpu(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A wrong reset code costs no hash of the new password: with hashes of 2,000,000 SHA-512
 * rounds (about a second of CPU each), anyone could otherwise spend a second of the server's
 * CPU per guess without knowing any code. The right code still sets the password. */
static void test_password_reset_wrong_code_hashes_nothing(void **state)
{
	char token[PANEL_RESET_TOKEN_MAX + 1], wrong[PANEL_RESET_TOKEN_MAX + 1], *msg;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel_principal who;
	char bearer[PANEL_TOKEN_MAX];
	panel *h = NULL;
	double before, used;

	(void)state;
	assert_int_equal(panel_config_set(cfg, "mail", "sendmail", sendmail), 0);
	assert_int_equal(panel_config_set(cfg, "hosting", "fqdn", "panel.example.net"), 0);
	assert_int_equal(panel_config_set(cfg, "accounts", "sha512_rounds", "2000000"), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);
	sql("UPDATE membres SET lastaskpass = 0 WHERE uid = %u", mema.uid);
	clear_mails();
	assert_panel_ok(panel_account_password_reset_request(h, "mema", NULL));
	msg = the_mail();
	const char *at = strstr(msg, "Reset code: ");
	assert_non_null(at);
	snprintf(token, sizeof(token), "%.46s", at + 12);
	free(msg);
	snprintf(wrong, sizeof(wrong), "%s", token);
	wrong[45] = wrong[45] == 'A' ? 'B' : 'A'; /* well formed, one character off */

	before = thread_cpu();
	assert_panel_rc(panel_account_password_reset(h, "mema", wrong, "Slow-Horse-2026", NULL),
			PANEL_EAUTH);
	used = thread_cpu() - before;
	assert_true(used < 0.25);
	/* the cost is real: the right code's hash takes what the wrong one did not */
	before = thread_cpu();
	assert_panel_ok(panel_account_password_reset(h, "mema", token, "Slow-Horse-2026", NULL));
	assert_true(thread_cpu() - before > 0.25);
	assert_panel_ok(
	    panel_auth_login(&who, bearer, sizeof(bearer), h, "mema", "Slow-Horse-2026", NULL, 0));
	panel_close(h);
}

/* Another account hosting the domain of a contact address gets the server's mail to it (its
 * catch-all, through Postfix's virtual maps): a member may not add such a domain, and a reset
 * code is not mailed to an address whose domain another account hosts all the same (added
 * before the address was set, or forced by an administrator); the audit says why. */
static void test_reset_withheld_from_another_accounts_domain(void **state)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	(void)state;
	sql("UPDATE quotas SET total = 5 WHERE name = 'dom' AND uid = %u", mema.uid);
	spec.domain = "example.org"; /* memb's and adminb's contact addresses */
	assert_panel_rc(panel_domain_add(&d, p, &mema, NULL, &spec), PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "another account's contact address"));
	spec.domain = "victim-reset.org";
	assert_panel_ok(panel_domain_add(&d, p, &mema, NULL, &spec));
	panel_domain_free(d);
	/* memb's address moves there afterwards. */
	sql("UPDATE membres SET mail = 'memb@Victim-Reset.org', lastaskpass = 0 WHERE uid = %u",
	    memb.uid);
	clear_mails();
	assert_panel_ok(panel_account_password_reset_request(p, "memb", "192.0.2.9"));
	assert_int_equal(mails(NULL), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.panel_password_resets WHERE uid = %u", db, memb.uid),
	    0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action ="
				" 'account.password_reset_withheld' AND subject_uid = %u",
				db, memb.uid),
			 1);
	/* Counted as the day's request: asking again writes nothing more. */
	assert_panel_ok(panel_account_password_reset_request(p, "memb", "192.0.2.9"));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action ="
				" 'account.password_reset_withheld' AND subject_uid = %u",
				db, memb.uid),
			 1);
	/* The domain gone (and a day later), the code goes. */
	assert_panel_ok(panel_domain_delete(p, &mema, "victim-reset.org"));
	sql("DELETE FROM domaines WHERE domaine = 'victim-reset.org'");
	sql("UPDATE membres SET lastaskpass = 0 WHERE uid = %u", memb.uid);
	assert_panel_ok(panel_account_password_reset_request(p, "memb", NULL));
	char *msg = the_mail();
	assert_true(has_header(msg, "To: memb@Victim-Reset.org"));
	free(msg);
	sql("UPDATE membres SET mail = 'memb@example.org', lastaskpass = 0 WHERE uid = %u",
	    memb.uid);
	sql("DELETE FROM panel_password_resets WHERE uid = %u", memb.uid);
	clear_mails();
}

/* The MTA fails: no reset row stays, lastaskpass is back, and the next request sends. */
static void test_password_reset_failure(void **state)
{
	(void)state;
	clear_mails();
	sql("UPDATE membres SET canpass = 0 WHERE login = 'mema'");
	assert_panel_ok(panel_account_password_reset_request(p, "mema", NULL));
	assert_int_equal(mails(NULL), 0); /* canpass 0: the member may not change it */
	sql("UPDATE membres SET canpass = 1 WHERE login = 'mema'");
	set_failing(1);
	assert_panel_rc(panel_account_password_reset_request(p, "mema", NULL), PANEL_ERROR);
	set_failing(0);
	assert_int_equal(mails(NULL), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.panel_password_resets WHERE uid = %u", db, mema.uid),
	    0);
	assert_int_equal(number("SELECT lastaskpass FROM %s.membres WHERE login = 'mema'", db), 0);
	assert_panel_ok(panel_account_password_reset_request(p, "mema", NULL));
	assert_int_equal(mails(NULL), 1);
}

/* ---------------------------------------------------------------- new-account notice */

static void test_notice(void **state)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	char *msg;

	(void)state;
	clear_mails();
	spec.password = "Correct-Horse-9";
	spec.login = "quiet";
	spec.mail = "quiet@example.org";
	assert_panel_ok(panel_account_create(&a, p, &admin_b, &spec));
	panel_account_free(a);
	assert_int_equal(mails(NULL), 0); /* new_email is 0 */

	assert_panel_ok(panel_variable_set(NULL, p, &super, "new_email", "ops@example.net", NULL));
	spec.login = "newbie";
	spec.mail = "newbie@example.org";
	spec.notes = "line one\n.\nline three";
	assert_panel_ok(panel_account_create(&a, p, &admin_b, &spec));
	msg = the_mail();
	assert_true(has_header(msg, "To: ops@example.net"));
	assert_true(
	    has_header(msg, "Subject: New account (newbie from adminb) on Example Hosting"));
	char line[128];
	snprintf(line, sizeof(line), "\nlogin: newbie (%u)\n", a->uid);
	assert_non_null(strstr(msg, line));
	snprintf(line, sizeof(line), "\ncreateor: adminb (%u)\n", admin_b.uid);
	assert_non_null(strstr(msg, line));
	assert_non_null(strstr(msg, "\nA new AlternC account was created on panel.example.net by "
				    "adminb.\n"));
	assert_non_null(strstr(msg, "\nnotes: line one\n.\nline three\n"));
	free(msg);
	panel_account_free(a);

	/* A template of the settings, placeholders replaced once, longest name first. */
	clear_mails();
	assert_panel_ok(panel_variable_set(NULL, p, &super, "new_email_template",
					   "%login/%mail/%cuid/%canpass/%type %%login", NULL));
	spec.login = "templ";
	spec.mail = "templ@example.org";
	spec.notes = "";
	assert_panel_ok(panel_account_create(&a, p, &admin_b, &spec));
	msg = the_mail();
	snprintf(line, sizeof(line), "\n\ntempl/templ@example.org/%u/1/default %%templ\n",
		 admin_b.uid);
	assert_non_null(strstr(msg, line));
	free(msg);
	panel_account_free(a);

	/* The MTA fails: the account is created all the same, the failure is in the audit. */
	clear_mails();
	set_failing(1);
	spec.login = "unlucky";
	spec.mail = "unlucky@example.org";
	panel_error_clear();
	assert_panel_ok(panel_account_create(&a, p, &admin_b, &spec));
	set_failing(0);
	assert_int_equal(panel_error_last()->code, 0);
	panel_account_free(a);
	assert_int_equal(mails(NULL), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action ="
				" 'account.notice_failed' AND object_id = 'unlucky'",
				db),
			 1);
	assert_panel_ok(panel_variable_delete(p, &super, "new_email"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mail_change),
	    cmocka_unit_test(test_mail_change_refusals),
	    cmocka_unit_test(test_mail_change_failures),
	    cmocka_unit_test(test_sendmail_edges),
	    cmocka_unit_test(test_password_reset),
	    cmocka_unit_test(test_password_reset_failure),
	    cmocka_unit_test(test_password_reset_wrong_code_hashes_nothing),
	    cmocka_unit_test(test_reset_withheld_from_another_accounts_domain),
	    cmocka_unit_test(test_notice),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
