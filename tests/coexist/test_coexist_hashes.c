/* AlternC 1.0's readers of the hashes libpanel writes, run as 1.0 runs them: its PHP login
 * (crypt($password, $stored) === $stored) on membres.pass after every way a member's password
 * is set or rehashed, Dovecot (doveadm pw -t) and Courier's way (strip "{CRYPT}", crypt(3)) on
 * mail_users.password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor super, alice;

#define number(...) ts_number(cluster, __VA_ARGS__)

static int setup(void **state)
{
	(void)state;
	const char *const settings[] = {"hosting", "fqdn",	 "panel.host.example",
					"hosting", "default_mx", "mx1.host.example",
					NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "coex", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	alice = panel_actor_member(ts_member(p, &super, "coexalice"));
	ts_exec(cluster, db, "UPDATE quotas SET total = 10 WHERE name IN ('dom', 'mail')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, "coexalice");
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

/* Runs args (NULL-terminated, at most 7), no shell; its exit status (-1 when it could not
 * run). */
static int run(const char *const args[])
{
	char *argv[8] = {NULL};
	int status;
	pid_t pid;

	for (int i = 0; i < 7 && args[i]; i++)
		argv[i] = strdup(args[i]);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 7; i++)
		free(argv[i]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* AlternC 1.0's m_mem::login: crypt($password, $stored) === $stored (PHP). */
static int php_login_verifies(const char *stored, const char *password)
{
	const char *const argv[] = {
	    "php",    "-r",   "exit(crypt($argv[1], $argv[2]) === $argv[2] ? 0 : 1);",
	    password, stored, NULL};
	return run(argv) == 0;
}

/* Courier's authlib: a "{CRYPT}" prefix is stripped and crypt(3) runs on the rest; any other
 * "{...}" prefix is not a crypt hash to it. */
static int courier_verifies(const char *stored, const char *password)
{
	if (stored[0] == '{' && strncmp(stored, "{CRYPT}", 7) != 0)
		return 0;
	return php_login_verifies(strncmp(stored, "{CRYPT}", 7) == 0 ? stored + 7 : stored,
				  password);
}

static int dovecot_verifies(const char *stored, const char *password)
{
	const char *const argv[] = {"doveadm", "pw", "-t", stored, "-p", password, NULL};
	return run(argv) == 0;
}

static void text(char *out, size_t size, const char *fmt, ...)
{
	char sql[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	MYSQL *m = th_connect(cluster, 0, db);
	assert_non_null(m);
	if (mysql_query(m, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(m));
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	snprintf(out, size, "%s", row && row[0] ? row[0] : "");
	if (res)
		mysql_free_result(res);
	mysql_close(m);
}

static void member_hash(char out[300], const char *login)
{
	text(out, 300, "SELECT pass FROM membres WHERE login = '%s'", login);
}

static int login(const char *user, const char *password)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	return panel_auth_login(&who, token, sizeof(token), p, user, password, "192.0.2.77", 0);
}

/* ---------------------------------------------------------------- members */

static void every_member_hash_logs_in_to_the_1_0_panel(void **state)
{
	(void)state;
	char h[300];

	/* Created by an admin. */
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;
	spec.login = "coexbob";
	spec.password = "Bob passphrase 2026";
	spec.mail = "bob@example.org";
	assert_panel_ok(panel_account_create(&a, p, &super, &spec));
	panel_account_free(a);
	member_hash(h, "coexbob");
	assert_int_equal(strncmp(h, "$6$rounds=100000$", 17), 0);
	assert_true(php_login_verifies(h, "Bob passphrase 2026"));
	assert_false(php_login_verifies(h, "Bob passphrase 2027"));

	/* Changed by an admin, then by the member itself. */
	panel_account_spec change = PANEL_ACCOUNT_SPEC_INIT;
	change.password = "Admin set this one";
	assert_panel_ok(panel_account_update(&a, p, &super, "coexbob", &change, NULL));
	panel_account_free(a);
	member_hash(h, "coexbob");
	assert_true(php_login_verifies(h, "Admin set this one"));
	panel_actor bob = panel_actor_member(
	    (uint32_t)number("SELECT uid FROM `%s`.membres WHERE login = 'coexbob'", db));
	assert_panel_ok(
	    panel_account_password(p, &bob, "coexbob", "Admin set this one", "Bob chose this one"));
	member_hash(h, "coexbob");
	assert_true(php_login_verifies(h, "Bob chose this one"));

	/* A 1.0 member with its MD5-crypt hash logs in through the library: rehashed to what
	 * 1.0's login still verifies, never to argon2id. */
	ts_exec(cluster, db,
		"UPDATE membres SET pass = '$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31' "
		"WHERE login = 'coexbob'");
	assert_true(php_login_verifies("$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31", "hunter2-legacy"));
	assert_panel_ok(login("coexbob", "hunter2-legacy"));
	member_hash(h, "coexbob");
	assert_int_equal(strncmp(h, "$6$rounds=100000$", 17), 0);
	assert_true(php_login_verifies(h, "hunter2-legacy"));
	/* Logging in again keeps the hash: it is current. */
	char again[300];
	assert_panel_ok(login("coexbob", "hunter2-legacy"));
	member_hash(again, "coexbob");
	assert_string_equal(again, h);
	assert_panel_ok(panel_account_delete(p, &super, "coexbob"));
}

/* A host may choose bcrypt (PHP verifies it too) or argon2id (API logins only): logins move
 * stored hashes to the configured scheme. */
static void the_scheme_is_the_configuration_s(void **state)
{
	(void)state;
	char h[300];
	const char *schemes[][2] = {{"bcrypt", "$2y$11$"},
				    {"argon2id", "$argon2id$"},
				    {"sha512-crypt", "$6$rounds=100000$"}};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		panel_config *cfg = ts_config(cluster, 0, db);
		panel *q = NULL;
		assert_panel_ok(
		    panel_config_set(cfg, "accounts", "password_scheme", schemes[i][0]));
		assert_panel_ok(panel_open(&q, cfg));
		panel_config_free(cfg);
		panel *saved = p;
		p = q;
		assert_panel_ok(login("coexalice", "Correct-Horse-9"));
		p = saved;
		panel_close(q);
		member_hash(h, "coexalice");
		if (strncmp(h, schemes[i][1], strlen(schemes[i][1])) != 0)
			fail_msg("%s: stored %s", schemes[i][0], h);
		assert_int_equal(php_login_verifies(h, "Correct-Horse-9"),
				 strcmp(schemes[i][0], "argon2id") != 0);
	}
	panel_config *cfg = ts_config(cluster, 0, db);
	assert_panel_rc(panel_config_set(cfg, "accounts", "password_scheme", "md5"),
			PANEL_EINVALID);
	assert_panel_rc(panel_config_set(cfg, "accounts", "sha512_rounds", "1000"), PANEL_EINVALID);
	panel_config_free(cfg);
}

/* ---------------------------------------------------------------- mailboxes */

static void mailbox_hashes_are_read_by_courier_and_dovecot(void **state)
{
	(void)state;
	char h[300];
	panel_domain_spec dspec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	dspec.domain = "coex-mail.org";
	assert_panel_ok(panel_domain_add(&d, p, &alice, NULL, &dspec));
	panel_domain_free(d);
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	panel_mail *m = NULL;
	spec.local = "box";
	spec.password = "Box passphrase 1";
	assert_panel_ok(panel_mail_create(&m, p, &alice, "coex-mail.org", &spec));
	panel_mail_free(m);
	text(h, sizeof(h), "SELECT password FROM mail_users WHERE alias = 'box@coex-mail.org'");
	assert_int_equal(strncmp(h, "{CRYPT}$6$", 10), 0);
	assert_true(courier_verifies(h, "Box passphrase 1"));
	assert_true(dovecot_verifies(h, "Box passphrase 1"));
	assert_false(courier_verifies(h, "Box passphrase 2"));

	/* Changed by the member, then by the box's user with its old password. */
	assert_panel_ok(panel_mail_password(p, &alice, "box@coex-mail.org", "Box passphrase 2"));
	text(h, sizeof(h), "SELECT password FROM mail_users WHERE alias = 'box@coex-mail.org'");
	assert_true(courier_verifies(h, "Box passphrase 2"));
	assert_true(dovecot_verifies(h, "Box passphrase 2"));

	/* A box still holding the form written before ({SHA512-CRYPT}, Dovecot only) keeps
	 * working with the library, and its next change writes the form Courier reads. */
	char old[320];
	snprintf(old, sizeof(old), "{SHA512-CRYPT}%s", h + 7);
	ts_exec(cluster, db,
		"UPDATE mail_users SET password = '%s' WHERE alias = "
		"'box@coex-mail.org'",
		old);
	assert_false(courier_verifies(old, "Box passphrase 2"));
	assert_panel_ok(panel_mail_password_self(p, "box@coex-mail.org", "Box passphrase 2",
						 "Box passphrase 3", "192.0.2.78"));
	text(h, sizeof(h), "SELECT password FROM mail_users WHERE alias = 'box@coex-mail.org'");
	assert_true(courier_verifies(h, "Box passphrase 3"));
	assert_true(dovecot_verifies(h, "Box passphrase 3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_member_hash_logs_in_to_the_1_0_panel),
	    cmocka_unit_test(the_scheme_is_the_configuration_s),
	    cmocka_unit_test(mailbox_hashes_are_read_by_courier_and_dovecot),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
