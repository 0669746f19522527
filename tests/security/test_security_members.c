/* Attacks from members and sub-admins on what is shared: hostnames another member hosts,
 * global settings that reach every member, logins that would shadow the database server's own
 * accounts, and weak or breached passwords on a fresh install. Each test makes the attack and
 * checks that it fails and that nothing changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], breached[] = "/tmp/panel-breached-XXXXXX";
static panel *p;
static panel_actor super, subadmin, alice, bob;

#define number(...)   ts_number(cluster, __VA_ARGS__)
#define member(login) ts_member(p, &super, login)

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(breached);
	if (fd < 0 || write(fd, "password1\ncorrecthorse1\r\nqwertyuiop\n", 36) != 36)
		return -1;
	close(fd);
	const char *const settings[] = {"hosting",
					"fqdn",
					"panel.host.example",
					"hosting",
					"public_ip",
					"192.0.2.10",
					"hosting",
					"ns1",
					"ns1.host.example",
					"hosting",
					"ns2",
					"ns2.host.example",
					"hosting",
					"default_mx",
					"mx1.mailhost-sec.org",
					"accounts",
					"reserved_logins",
					"localops, extrabad",
					"accounts",
					"breached_passwords",
					breached,
					NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "secm", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	alice = panel_actor_member(member("secalice"));
	bob = panel_actor_member(member("secbob"));
	subadmin = panel_actor_admin(member("secsub"));
	ts_exec(cluster, db, "UPDATE membres SET su = 1 WHERE uid = %u", subadmin.uid);
	ts_exec(cluster, db, "UPDATE quotas SET total = 20 WHERE name IN ('dom', 'mysql_users')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, "secalice");
	panel_account_delete(p, &super, "secbob");
	panel_account_delete(p, &super, "secsub");
	panel_close(p);
	th_sql(cluster, 0, "DROP USER IF EXISTS 'secrepl'@'%', 'secbob_x'@'10.9.8.7'");
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	unlink(breached);
	return 0;
}

static void add_domain(const panel_actor *who, const char *name, int expect)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = name;
	int rc = panel_domain_add(&d, p, who, NULL, &spec);
	if (rc != expect)
		fail_msg("adding %s: %d, expected %d: %s", name, rc, expect,
			 panel_error_last()->message);
	panel_domain_free(d);
}

/* An administrator who changes global settings forces name for login. */
static void force_domain(const char *login, const char *name)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = name;
	spec.force = 1;
	assert_panel_ok(panel_domain_add(&d, p, &super, login, &spec));
	panel_domain_free(d);
}

/* ---------------------------------------------------------------- item 3 */

static void a_member_cannot_publish_a_name_another_member_hosts(void **state)
{
	(void)state;
	/* Bob hosts shop.example-sec.org; alice may not host example-sec.org above it (AlternC
	 * 1.0's rawstat.daily would append bob's access log to the statistics of hers), unless an
	 * administrator forces it. */
	add_domain(&bob, "shop.example-sec.org", 0);
	add_domain(&alice, "example-sec.org", PANEL_EEXISTS);
	assert_non_null(
	    strstr(panel_error_last()->message, "another account hosts a domain under"));
	force_domain("secalice", "example-sec.org");
	const char *subs[] = {"shop", "www.shop", "a.b.shop", "*", "*.shop"};
	for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++) {
		int rc =
		    panel_subdomain_set(NULL, p, &alice, "example-sec.org", subs[i], "vhost", "/x");
		if (rc != PANEL_ECONFLICT)
			fail_msg("alice set %s.example-sec.org: %d", subs[i], rc);
		assert_string_equal(panel_error_last()->field, "sub");
	}
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = "
				"'example-sec.org' AND (sub LIKE '%%shop' OR sub LIKE '*%%')",
				db),
			 0);
	/* Names beside bob's are alice's to use. */
	assert_panel_ok(
	    panel_subdomain_set(NULL, p, &alice, "example-sec.org", "blog", "vhost", "/b"));
	assert_panel_ok(
	    panel_subdomain_set(NULL, p, &alice, "example-sec.org", "shopping", "vhost", "/s"));

	/* The other order: alice's entries exist, bob may not host their names. */
	add_domain(&alice, "second-sec.org", 0);
	assert_panel_ok(
	    panel_subdomain_set(NULL, p, &alice, "second-sec.org", "app", "vhost", "/a"));
	add_domain(&bob, "app.second-sec.org", PANEL_EEXISTS);
	add_domain(&bob, "x.app.second-sec.org", PANEL_EEXISTS);

	/* Bob hosts www.third-sec.org first: alice's new domain gets no www entry of its own. */
	add_domain(&bob, "www.third-sec.org", 0);
	add_domain(&alice, "third-sec.org", PANEL_EEXISTS);
	force_domain("secalice", "third-sec.org");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.sub_domaines WHERE domaine = "
				"'third-sec.org' AND sub = 'www'",
				db),
			 0);
}

/* The host's own names, the hosting_tld and the domains of other accounts' contact addresses
 * are not a member's to host: the mail the server sends there (cron's to root@<default_mx>,
 * the panel's reset codes) would reach its boxes. An administrator's own account may. */
static void a_member_cannot_host_the_hosts_names(void **state)
{
	static const char *const own[] = {
	    "mx1.mailhost-sec.org",   /* default_mx */
	    "mailhost-sec.org",	      /* above it: the operator's */
	    "x.mx1.mailhost-sec.org", /* under it */
	};
	(void)state;
	ts_exec(cluster, db,
		"REPLACE INTO variable (name, value, comment) VALUES ('hosting_tld',"
		" 'members-sec.org', '')");
	ts_exec(cluster, db, "UPDATE membres SET mail = 'alice@contact-sec.org' WHERE uid = %u",
		alice.uid);
	for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++) {
		add_domain(&bob, own[i], PANEL_EINVALID);
		assert_non_null(strstr(panel_error_last()->message, "a name of this host's own"));
	}
	add_domain(&bob, "members-sec.org", PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "hosting_tld"));
	add_domain(&bob, "contact-sec.org", PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "another account's contact address"));
	/* Beside them: a member's own. */
	add_domain(&bob, "mx1-mailhost-sec.org", 0);
	add_domain(&bob, "bob.members-sec.org", 0); /* under hosting_tld, hosted by nobody */
	/* A sub-admin who may not change global settings (subadmin_restriction 0) is held to
	 * them too; an administrator who may hosts the operator's domain. */
	add_domain(&subadmin, "x.mx1.mailhost-sec.org", PANEL_EINVALID);
	add_domain(&subadmin, "contact-sec.org", PANEL_EINVALID);
	add_domain(&super, "mailhost-sec.org", 0);
	ts_exec(cluster, db, "DELETE FROM variable WHERE name = 'hosting_tld'");
	ts_exec(cluster, db, "UPDATE membres SET mail = 'secalice@example.org' WHERE uid = %u",
		alice.uid);
}

/* ---------------------------------------------------------------- item 8 */

static void global_settings_are_for_the_super_admin(void **state)
{
	(void)state;
	panel_domain_type t;

	ts_exec(cluster, db, "UPDATE variable SET value = '' WHERE name = 'subadmin_restriction'");
	long long before = number("SELECT COUNT(*) FROM `%s`.audit_log", db);
	assert_panel_rc(panel_domain_type_update(&t, p, &subadmin, "vhost", "owned", NULL, NULL,
						 NULL, -1, -1, -1),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_quota_default_set(p, &subadmin, "default", "dom", 999),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_tld_set(p, &subadmin, "evil", 4), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_forbidden_add(p, &subadmin, "example.com"), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_forbidden_delete(p, &subadmin, "example.com"), PANEL_EFORBIDDEN);
	/* An admin acting as a member is that member here. */
	panel_actor as_alice = panel_actor_admin_as(2000, alice.uid);
	assert_panel_rc(panel_tld_set(p, &as_alice, "evil", 4), PANEL_EFORBIDDEN);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.tld WHERE tld = 'evil'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.defquotas WHERE value = 999", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.domaines_type WHERE description = "
				"'owned'",
				db),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.audit_log", db), before);

	/* Nor does it lift its own limits with an actor "acting as itself" built by hand
	 * (panel_account_act_as refuses to make one). */
	panel_actor as_itself = panel_actor_admin_as(subadmin.uid, subadmin.uid);
	panel_quota q;
	assert_panel_rc(panel_quota_set(&q, p, &as_itself, "secsub", "dom", 999), PANEL_EFORBIDDEN);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.quotas WHERE total = 999", db), 0);

	/* The super admin may; so may every admin when every admin sees every account. */
	assert_panel_ok(panel_tld_set(p, &super, "evil", 4));
	ts_exec(cluster, db, "UPDATE variable SET value = '1' WHERE name = 'subadmin_restriction'");
	assert_panel_ok(panel_tld_set(p, &subadmin, "evil", 1));
	ts_exec(cluster, db, "UPDATE variable SET value = '' WHERE name = 'subadmin_restriction'");
	assert_panel_ok(panel_tld_delete(p, &super, "evil"));

	/* Nor does a sub-admin make the server hash a password for an account it cannot manage:
	 * a password too long to hash is refused as "not found", before any hashing. */
	char huge[2001];
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	panel_account_spec change = PANEL_ACCOUNT_SPEC_INIT;
	change.password = huge;
	panel_account *a = NULL;
	assert_panel_rc(panel_account_update(&a, p, &subadmin, "secalice", &change, NULL),
			PANEL_ENOTFOUND);
	assert_panel_rc(panel_account_update(&a, p, &super, "secalice", &change, NULL),
			PANEL_EINVALID);
}

/* ---------------------------------------------------------------- item 12 */

static void logins_do_not_shadow_database_accounts(void **state)
{
	(void)state;
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	spec.password = "Long enough passphrase 2026";
	spec.mail = "x@example.org";
	const char *reserved[] = {"root",    "mysql",	 "mariadb",  "panel",	 "repl", "dbmon",
				  "dbproxy", "maxscale", "localops", "extrabad", "sys"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++) {
		spec.login = reserved[i];
		if (panel_account_create(&a, p, &super, &spec) != PANEL_EINVALID)
			fail_msg("the login %s was accepted", reserved[i]);
		assert_string_equal(panel_error_last()->field, "login");
	}
	/* An account made by hand on the server for another host (a replication user). */
	assert_int_equal(th_sql(cluster, 0, "CREATE USER 'secrepl'@'%' IDENTIFIED BY 'x'"), 0);
	spec.login = "secrepl";
	assert_panel_rc(panel_account_create(&a, p, &super, &spec), PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "database server"));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE login IN ('secrepl', "
				"'root', 'repl', 'localops')",
				db),
			 0);
	/* The same for a member's database user, whatever the host of the account by hand. */
	assert_int_equal(th_sql(cluster, 0, "CREATE USER 'secbob_x'@'10.9.8.7' IDENTIFIED BY 'x'"),
			 0);
	panel_dbuser *u = NULL;
	assert_panel_rc(panel_dbuser_create(&u, p, &bob, NULL, "x", "Long enough passphrase 2026"),
			PANEL_EEXISTS);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = 'secbob_x'"), 1);
}

/* ---------------------------------------------------------------- item 13 */

static void fresh_installs_get_a_safe_password_policy(void **state)
{
	(void)state;
	panel_policy_list *list = NULL;

	assert_panel_ok(panel_policy_list_get(&list, p, &super));
	assert_int_equal(list->count, 5);
	for (size_t i = 0; i < list->count; i++) {
		assert_int_equal(list->items[i].minsize, 8);
		assert_int_equal(list->items[i].maxsize, 255);
		assert_int_equal(list->items[i].classcount, 0);
		assert_false(list->items[i].allowlogin);
	}
	panel_policy_list_free(list);
	assert_panel_rc(panel_policy_check(p, "mem", "secalice", "short12"), PANEL_EINVALID);
	/* A long passphrase of lower-case words: no composition rule. */
	char phrase[201];
	memset(phrase, 0, sizeof(phrase));
	for (size_t i = 0; i + 6 < 200; i += 6)
		memcpy(phrase + i, "horse ", 6);
	assert_panel_ok(panel_policy_check(p, "mem", "secalice", phrase));
	assert_panel_rc(panel_policy_check(p, "mem", "secalice", "my secalice home"),
			PANEL_EINVALID);
	/* The breached list: exact lines (CR LF too), nothing else. */
	assert_panel_rc(panel_policy_check(p, "pop", "a@b.org", "correcthorse1"), PANEL_EINVALID);
	assert_non_null(strstr(panel_error_last()->message, "breached"));
	assert_panel_rc(panel_policy_check(p, "ftp", "x", "qwertyuiop"), PANEL_EINVALID);
	assert_panel_ok(panel_policy_check(p, "ftp", "x", "qwertyuiop2"));

	/* A migrated AlternC 1.0 database keeps the policies its administrators chose. */
	char old[128];
	panel_actor sys = panel_actor_system();
	unsigned to = 0;
	assert_int_equal(th_database_create(cluster, "secm_alternc10", old, sizeof(old)), 0);
	assert_int_equal(ts_sql_file(cluster, old, "tests/fixtures/alternc-1.0.sql"), 0);
	panel *q = ts_panel_open(cluster, old);
	assert_panel_ok(
	    panel_schema_migrate_flags(NULL, &to, q, &sys, PANEL_MIGRATE_ARCHIVE_LEGACY));
	panel_close(q);
	assert_int_equal(number("SELECT minsize * 1000 + maxsize * 10 + classcount FROM "
				"`%s`.policy WHERE name = 'pop'",
				old),
			 640);
	assert_int_equal(number("SELECT minsize * 1000 + maxsize * 10 + classcount FROM "
				"`%s`.policy WHERE name = 'mem'",
				old),
			 8642);
	th_database_drop(cluster, old);
}

/* With subadmin_restriction at 1 a sub-admin sees the super admin's account, but may act in
 * it no more than change it: setting the password of the super admin's contact mail box, then
 * asking a password reset, mailed to that box, made the sub-admin the super admin (found by a
 * review). Its boxes, FTP accounts, domains, databases and files are the super admin's
 * alone; reading the account itself still works. */
static void a_subadmin_cannot_act_in_the_super_admins_account(void **state)
{
	panel_domain_spec ds = PANEL_DOMAIN_SPEC_INIT;
	panel_mail_spec ms = PANEL_MAIL_SPEC_INIT;
	panel_ftp_spec fs = PANEL_FTP_SPEC_INIT;
	panel_domain *d = NULL;
	panel_mail *m = NULL;
	panel_ftp *f = NULL;
	panel_account *a = NULL;

	(void)state;
	ds.domain = "boss-sec.org";
	assert_panel_ok(panel_domain_add(&d, p, &super, NULL, &ds));
	panel_domain_free(d);
	ms.local = "boss";
	ms.password = "Boss-Box-Secret-1";
	assert_panel_ok(panel_mail_create(&m, p, &super, "boss-sec.org", &ms));
	panel_mail_free(m);
	fs.prefix = "admin";
	fs.suffix = "web";
	fs.password = "Boss-Ftp-Secret-1";
	assert_panel_ok(panel_ftp_create(&f, p, &super, NULL, &fs));
	panel_ftp_free(f);
	ts_exec(cluster, db, "UPDATE variable SET value = '1' WHERE name = 'subadmin_restriction'");

	assert_panel_ok(panel_account_get(&a, p, &subadmin, "admin"));
	panel_account_free(a);
	assert_panel_rc(panel_mail_password(p, &subadmin, "boss@boss-sec.org", "Sub-Knows-It-1"),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_mail_password_self(p, "boss@boss-sec.org", "Sub-Knows-It-1",
						 "Sub-Knows-It-2", "198.51.100.7"),
			PANEL_EAUTH);
	assert_panel_rc(panel_mail_delete(p, &subadmin, "boss@boss-sec.org"), PANEL_EFORBIDDEN);
	ms.local = "catchme";
	ms.password = "Sub-Box-Secret-1";
	assert_panel_rc(panel_mail_create(&m, p, &subadmin, "boss-sec.org", &ms), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_ftp_password(p, &subadmin, "admin_web", "Sub-Ftp-Secret-1"),
			PANEL_EFORBIDDEN);
	fs.suffix = "sub";
	fs.password = "Sub-Ftp-Secret-2";
	assert_panel_rc(panel_ftp_create(&f, p, &subadmin, "admin", &fs), PANEL_EFORBIDDEN);
	ds.domain = "planted-sec.org";
	assert_panel_rc(panel_domain_add(&d, p, &subadmin, "admin", &ds), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_domain_delete(p, &subadmin, "boss-sec.org"), PANEL_EFORBIDDEN);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.ftpusers WHERE name = 'admin_sub'", db),
			 0);
	ts_exec(cluster, db, "UPDATE variable SET value = '' WHERE name = 'subadmin_restriction'");
	assert_panel_ok(panel_domain_delete(p, &super, "boss-sec.org"));
	assert_panel_ok(panel_ftp_delete(p, &super, "admin_web"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_member_cannot_publish_a_name_another_member_hosts),
	    cmocka_unit_test(a_member_cannot_host_the_hosts_names),
	    cmocka_unit_test(global_settings_are_for_the_super_admin),
	    cmocka_unit_test(a_subadmin_cannot_act_in_the_super_admins_account),
	    cmocka_unit_test(logins_do_not_shadow_database_accounts),
	    cmocka_unit_test(fresh_installs_get_a_safe_password_policy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
