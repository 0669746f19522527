/* Tests of the slave servers' tables against a real MariaDB: the addresses allowed to transfer
 * the zones (validation, IPv6, deletion of every prefix), the slave DNS and backup MX accounts
 * (who manages them, clear-text storage as 1.0 has it), and the domain lists they fetch (right,
 * wrong and malformed credentials, throttling, the domains listed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-slave-XXXXXX", flag[PATH_MAX];
static panel *p;
static panel_actor sys, super, subb, member, subb_as_member;

#define number(...) ts_number(cluster, __VA_ARGS__)
#define sql(...)    ts_exec(cluster, db, __VA_ARGS__)

static int setup(void **state)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_account *a = NULL;

	(void)state;
	if (!mkdtemp(root))
		return -1;
	snprintf(flag, sizeof(flag), "%s/refresh_slave", root);
	const char *const settings[] = {"hosting", "root",   root,	   "alternc", "slave_flag",
					flag,	   "runner", "set_owners", "no",      NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "slave", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	spec.login = "subb";
	spec.password = "Correct-Horse-9";
	spec.mail = "subb@example.org";
	spec.admin = 1;
	if (panel_account_create(&a, p, &super, &spec) < 0)
		return -1;
	subb = panel_actor_admin(a->uid);
	panel_account_free(a);
	uint32_t m = ts_member(p, &subb, "membb");
	member = panel_actor_member(m);
	subb_as_member = panel_actor_admin_as(subb.uid, m);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return -1;
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

/* Adding, listing and deleting allowed addresses; the errors name their field. */
static void test_ips(void **state)
{
	panel_slave_ip_list *list = NULL;
	panel_slave_ip row;

	(void)state;
	assert_panel_ok(panel_slave_ip_add(&row, p, &super, "192.0.2.53", 0));
	assert_string_equal(row.ip, "192.0.2.53");
	assert_int_equal(row.prefix, 32);
	assert_panel_ok(panel_slave_ip_add(NULL, p, &sys, "198.51.100.0", 24));
	assert_panel_ok(panel_slave_ip_add(NULL, p, &super, "198.51.100.0", 25));
	assert_panel_ok(panel_slave_ip_add(&row, p, &super, "2001:DB8:0:0::53", 0));
	assert_string_equal(row.ip, "2001:db8::53"); /* canonical text */
	assert_int_equal(row.prefix, 128);
	assert_int_equal(number("SELECT class FROM %s.slaveip WHERE ip = '2001:db8::53'", db), 128);
	assert_panel_rc(panel_slave_ip_add(NULL, p, &super, "192.0.2.53", 32), PANEL_EEXISTS);
	assert_string_equal(panel_error_last()->field, "ip");

	static const struct {
		const char *ip;
		unsigned prefix;
		const char *field;
	} bad[] = {
	    {"192.0.2", 0, "ip"},
	    {"192.0.2.300", 0, "ip"},
	    {"192.0.2.1 ", 0, "ip"},
	    {"", 0, "ip"},
	    {"example.net", 0, "ip"},
	    {"192.0.2.0", 7, "prefix"},
	    {"192.0.2.0", 33, "prefix"},
	    {"2001:db8::", 129, "prefix"},
	    {"2001:db8::", 15, "prefix"},
	    {"10.0.0.1", 8, "prefix"}, /* host bits: bind would refuse the ACL */
	    {"2001:db8::1", 64, "prefix"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_panel_rc(panel_slave_ip_add(NULL, p, &super, bad[i].ip, bad[i].prefix),
				PANEL_EINVALID);
		assert_string_equal(panel_error_last()->field, bad[i].field);
	}

	assert_panel_ok(panel_slave_ip_list_get(&list, p, &subb));
	assert_int_equal(list->count, 4);
	assert_int_equal(list->total, 4);
	assert_string_equal(list->next_cursor, "");
	assert_string_equal(list->items[0].ip, "192.0.2.53");
	assert_string_equal(list->items[1].ip, "198.51.100.0");
	assert_int_equal(list->items[1].prefix, 24);
	assert_int_equal(list->items[2].prefix, 25);
	json_t *j = panel_slave_ip_to_json(&list->items[1]);
	assert_string_equal(json_string_value(json_object_get(j, "ip")), "198.51.100.0");
	assert_int_equal(json_integer_value(json_object_get(j, "prefix")), 24);
	json_decref(j);
	panel_slave_ip_list_free(list);

	/* Every prefix of the address goes, as in 1.0. */
	assert_panel_ok(panel_slave_ip_delete(p, &super, "198.51.100.0"));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.slaveip", db), 2);
	assert_panel_rc(panel_slave_ip_delete(p, &super, "198.51.100.0"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_slave_ip_delete(p, &super, "not an ip"), PANEL_EINVALID);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.panel_audit WHERE action = 'slave_ip.add'", db), 4);
}

/* Members never see nor change the tables; a sub-admin reads them and changes them only when
 * subadmin_restriction makes it manage global settings. */
static void test_who(void **state)
{
	panel_slave_ip_list *ips = NULL;
	panel_slave_account_list *accounts = NULL;

	(void)state;
	assert_panel_rc(panel_slave_ip_list_get(&ips, p, &member), PANEL_EFORBIDDEN);
	assert_null(ips);
	assert_panel_rc(panel_slave_ip_list_get(&ips, p, &subb_as_member), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_slave_account_list_get(&accounts, p, &member, PANEL_SLAVE_DNS),
			PANEL_EFORBIDDEN);
	assert_panel_rc(panel_slave_ip_add(NULL, p, &member, "192.0.2.1", 0), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_slave_account_add(p, &member, PANEL_SLAVE_MX, "mx9", "Mx-pass-2026"),
			PANEL_EFORBIDDEN);
	assert_panel_rc(
	    panel_slave_account_add(p, &subb_as_member, PANEL_SLAVE_MX, "mx9", "Mx-pass-2026"),
	    PANEL_EFORBIDDEN);
	assert_panel_rc(panel_slave_ip_add(NULL, p, &subb, "192.0.2.1", 0), PANEL_EFORBIDDEN);
	assert_panel_rc(panel_slave_account_delete(p, &member, PANEL_SLAVE_DNS, "ns2"),
			PANEL_EFORBIDDEN);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.mxaccount", db), 0);

	sql("UPDATE variable SET value = '1' WHERE name = 'subadmin_restriction'");
	assert_panel_ok(panel_slave_ip_add(NULL, p, &subb, "192.0.2.1", 0));
	assert_panel_ok(panel_slave_ip_delete(p, &subb, "192.0.2.1"));
	sql("UPDATE variable SET value = '' WHERE name = 'subadmin_restriction'");
}

/* Accounts of both kinds: the password in clear text in 1.0's column, never in the list. */
static void test_accounts(void **state)
{
	panel_slave_account_list *list = NULL;

	(void)state;
	assert_panel_ok(
	    panel_slave_account_add(p, &super, PANEL_SLAVE_DNS, "ns2", "Ns2-pass-2026"));
	assert_panel_ok(
	    panel_slave_account_add(p, &super, PANEL_SLAVE_DNS, "ns3.example", "x!y#z$w%"));
	assert_panel_ok(panel_slave_account_add(p, &super, PANEL_SLAVE_MX, "mx2", "Mx2-pass-2026"));
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.slaveaccount WHERE login = 'ns2' AND pass = "
		   "'Ns2-pass-2026'",
		   db),
	    1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.mxaccount WHERE login = 'mx2'", db), 1);
	assert_panel_rc(panel_slave_account_add(p, &super, PANEL_SLAVE_DNS, "ns2", "Other-pass-1"),
			PANEL_EEXISTS);
	assert_string_equal(panel_error_last()->field, "login");
	/* The same login may exist in the other table, as in 1.0. */
	assert_panel_ok(panel_slave_account_add(p, &super, PANEL_SLAVE_MX, "ns2", "Ns2-mx-pass-1"));

	static const struct {
		const char *login, *password, *field;
	} bad[] = {
	    {"", "Good-pass-1", "login"},
	    {"a:b", "Good-pass-1", "login"},
	    {"a b", "Good-pass-1", "login"},
	    {"é", "Good-pass-1", "login"},
	    {"ok", "short", "password"},
	    {"ok", "with space1", "password"},
	    {"ok", "new\nline-pass", "password"},
	    {"ok", "0123456789012345678901234567890123456789012345678901234567890123x", "password"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_panel_rc(panel_slave_account_add(p, &super, PANEL_SLAVE_DNS, bad[i].login,
							bad[i].password),
				PANEL_EINVALID);
		assert_string_equal(panel_error_last()->field, bad[i].field);
	}
	assert_panel_rc(
	    panel_slave_account_add(p, &super, (panel_slave_kind)7, "ok", "Good-pass-1"),
	    PANEL_EINVALID);

	assert_panel_ok(panel_slave_account_list_get(&list, p, &subb, PANEL_SLAVE_DNS));
	assert_int_equal(list->count, 2);
	assert_string_equal(list->items[0].login, "ns2");
	assert_string_equal(list->items[1].login, "ns3.example");
	json_t *j = panel_slave_account_to_json(&list->items[0]);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "dns");
	assert_null(json_object_get(j, "password"));
	assert_int_equal(json_object_size(j), 2);
	json_decref(j);
	panel_slave_account_list_free(list);

	assert_panel_ok(panel_slave_account_delete(p, &super, PANEL_SLAVE_MX, "ns2"));
	assert_panel_rc(panel_slave_account_delete(p, &super, PANEL_SLAVE_MX, "ns2"),
			PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.slaveaccount WHERE login = 'ns2'", db), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_audit WHERE action LIKE "
				"'slave_account.%%' AND after_data LIKE '%%pass%%'",
				db),
			 0);
}

/* The lists the slaves fetch: the gesdns = 1 (gesmx = 1) domains of every account, ordered. */
static void test_domain_lists(void **state)
{
	panel_slave_domain_list *list = NULL;

	(void)state;
	sql("INSERT INTO domaines (compte, domaine, gesdns, gesmx) VALUES (%u, 'zeta.example', 1, "
	    "0),"
	    " (%u, 'alpha.example', 1, 1), (2000, 'mid.example', 0, 1), (2000, 'beta.example', 1, "
	    "1)",
	    member.uid, member.uid);
	assert_panel_ok(panel_slave_domain_list_get(&list, p, PANEL_SLAVE_DNS, "ns2",
						    "Ns2-pass-2026", "192.0.2.9"));
	assert_int_equal(list->count, 3);
	assert_string_equal(list->items[0].domain, "alpha.example");
	assert_string_equal(list->items[1].domain, "beta.example");
	assert_string_equal(list->items[2].domain, "zeta.example");
	panel_slave_domain_list_free(list);
	list = NULL;
	assert_panel_ok(
	    panel_slave_domain_list_get(&list, p, PANEL_SLAVE_MX, "mx2", "Mx2-pass-2026", NULL));
	assert_int_equal(list->count, 3);
	assert_string_equal(list->items[0].domain, "alpha.example");
	assert_string_equal(list->items[1].domain, "beta.example");
	assert_string_equal(list->items[2].domain, "mid.example");
	panel_slave_domain_list_free(list);
	list = NULL;

	/* An account of the other kind, a wrong password, a prefix of the right one, a login in
	 * another case: all refused alike. */
	const char *wrong[][2] = {{"mx2", "Mx2-pass-2026"},
				  {"ns2", "Ns2-pass-2027"},
				  {"ns2", "Ns2-pass-202"},
				  {"NS2", "Ns2-pass-2026"},
				  {"ns2", ""},
				  {"", "Ns2-pass-2026"},
				  {"nobody", "Ns2-pass-2026"},
				  {"a:b", "x"}};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		assert_panel_rc(panel_slave_domain_list_get(&list, p, PANEL_SLAVE_DNS, wrong[i][0],
							    wrong[i][1], "192.0.2.10"),
				PANEL_EAUTH);
		assert_null(list);
	}
	assert_panel_rc(
	    panel_slave_domain_list_get(&list, p, PANEL_SLAVE_DNS, NULL, "x", "192.0.2.10"),
	    PANEL_EAUTH);
}

/* Wrong passwords are throttled like logins: after 5 from one address, that address is refused
 * for this account even with the right password; another address still gets through. */
static void test_throttle(void **state)
{
	panel_slave_domain_list *list = NULL;

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_panel_rc(panel_slave_domain_list_get(&list, p, PANEL_SLAVE_MX, "mx2",
							    "Wrong-pass-1", "203.0.113.7"),
				PANEL_EAUTH);
	assert_panel_rc(panel_slave_domain_list_get(&list, p, PANEL_SLAVE_MX, "mx2",
						    "Mx2-pass-2026", "203.0.113.7"),
			PANEL_ELIMIT);
	assert_null(list);
	assert_panel_ok(panel_slave_domain_list_get(&list, p, PANEL_SLAVE_MX, "mx2",
						    "Mx2-pass-2026", "203.0.113.8"));
	assert_int_equal(list->count, 3);
	panel_slave_domain_list_free(list);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_login_failures WHERE scope_key ="
				" 'slave-mx:mx2'",
				db),
			 0); /* the success forgot the account's failures */
}

/* Every change of the addresses queued slave_refresh; the runner sets 1.0's flag file, which
 * its slave_dns cron takes as the order to rewrite bind's ACL. */
static void test_refresh_flag(void **state)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report report;
	char content[16] = "";

	(void)state;
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_actions WHERE action ="
				" 'slave_refresh'",
				db),
			 7); /* test_ips: 4 added, 1 deleted; test_who: 1 added, 1 deleted; the
			      * refused ones queued nothing */
	assert_int_equal(access(flag, F_OK), -1);
	opts.purge = 0;
	opts.usage = 0;
	assert_panel_ok(panel_actions_run(&report, p, &sys, &opts));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_actions WHERE action ="
				" 'slave_refresh' AND state <> 'done'",
				db),
			 0);
	FILE *f = fopen(flag, "r");
	assert_non_null(f);
	assert_non_null(fgets(content, sizeof(content), f));
	fclose(f);
	assert_string_equal(content, "yopla");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ips),	     cmocka_unit_test(test_who),
	    cmocka_unit_test(test_accounts), cmocka_unit_test(test_domain_lists),
	    cmocka_unit_test(test_throttle), cmocka_unit_test(test_refresh_flag),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
