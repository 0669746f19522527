/* The life cycle of what a member owns, seen by a hostile member: an account that owns
 * everything is deleted and a new account takes the same login (the same folders, the same
 * database and user names), or another account takes its domain. The newcomer must inherit
 * nothing: no rows, no server accounts, no tokens, no queued work that runs against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-lctest-XXXXXX";
static panel *p;
static panel_actor sys, super;

#define number(...)   ts_number(cluster, __VA_ARGS__)
#define member(login) ts_member(p, &super, login)

static int setup(void **state)
{
	(void)state;
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
					"mx1.mailhost-lc.org",
					"hosting",
					"root",
					root,
					"member_database",
					"client_host",
					"127.0.0.1",
					"mail",
					"wrappers",
					"/usr/bin/true",
					"runner",
					"set_owners",
					"no",
					NULL};
	if (!mkdtemp(root) || ts_panel_fixture(&p, &cluster, db, sizeof(db), "lc", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p);
	th_sql(cluster, 0, "DROP DATABASE IF EXISTS lcdump_x");
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return 0;
}

static void add_domain(const panel_actor *who, const char *name)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = name;
	assert_panel_ok(panel_domain_add(&d, p, who, NULL, &spec));
	panel_domain_free(d);
}

/* What AlternC's cron does with a deleted domain once it has removed its zone and vhosts. */
static void cron_removes_deleted_domains(void)
{
	ts_exec(cluster, db, "DELETE FROM domaines WHERE dns_action = 'DELETE'");
}

/* ---------------------------------------------------------------- mail wrappers */

static void deleting_an_account_removes_its_mail_wrappers(void **state)
{
	(void)state;
	panel_mail_wrapper *w = NULL;

	/* An administrator delivers list@ of the old member's domain to a program. */
	panel_actor old = panel_actor_member(member("lcwrapold"));
	add_domain(&old, "lc-wrap.org");
	assert_panel_ok(
	    panel_mail_wrapper_create(&w, p, &super, "list@lc-wrap.org", "/usr/bin/true oldlist"));
	panel_mail_wrapper_free(w);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.mail_alias WHERE mail ="
				" 'list_lc-wrap.org'",
				db),
			 1);

	/* The account goes: its "| command" row must go with its mail_domain row. */
	assert_panel_ok(panel_account_delete(p, &super, "lcwrapold"));
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.mail_domain WHERE mail = 'list@lc-wrap.org'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.mail_alias WHERE mail ="
				" 'list_lc-wrap.org'",
				db),
			 0);

	/* The domain's next owner gets the address as new. */
	cron_removes_deleted_domains();
	panel_actor next = panel_actor_member(member("lcwrapnew"));
	add_domain(&next, "lc-wrap.org");
	assert_panel_ok(
	    panel_mail_wrapper_create(&w, p, &super, "list@lc-wrap.org", "/usr/bin/true newlist"));
	assert_string_equal(w->command, "/usr/bin/true newlist");
	panel_mail_wrapper_free(w);
	assert_panel_ok(panel_account_delete(p, &super, "lcwrapnew"));
}

/* ---------------------------------------------------------------- queued database jobs */

/* A pass of the runner over the file actions alone (kinds: NULL for every kind), as the
 * panel-actions timer makes while the database jobs wait for their own runner. */
static void run_actions(const char *const *kinds)
{
	panel_runner_options opts = PANEL_RUNNER_OPTIONS_INIT;
	panel_runner_report report;

	opts.kinds = kinds;
	opts.purge = 0;
	opts.usage = 0;
	assert_panel_ok(panel_actions_run(&report, p, &sys, &opts));
}

static void a_dump_queued_by_a_deleted_account_never_runs_for_its_successor(void **state)
{
	(void)state;
	static const char *const files[] = {"mem_add", "mem_del", NULL};
	panel_database *d = NULL;
	uint64_t job = 0;
	unsigned done = 0;
	char cmd[300];

	/* The old lcdump asks for a dump of lcdump_x; the jobs runner has not taken it when the
	 * account is deleted, and its web space goes to the trash. */
	panel_actor old = panel_actor_member(member("lcdump"));
	run_actions(files);
	assert_panel_ok(panel_database_create(&d, p, &old, NULL, "x"));
	panel_database_free(d);
	assert_panel_ok(panel_database_dump(&job, p, &old, "lcdump_x"));
	assert_panel_ok(panel_account_delete(p, &super, "lcdump"));
	run_actions(files);

	/* Someone else gets the login, its web space, and a database of the same name. */
	panel_actor next = panel_actor_member(member("lcdump"));
	assert_true(next.uid != old.uid);
	run_actions(files);
	assert_panel_ok(panel_database_create(&d, p, &next, NULL, "x"));
	panel_database_free(d);
	ts_exec(cluster, "lcdump_x", "CREATE TABLE secret (v VARCHAR(20))");
	ts_exec(cluster, "lcdump_x", "INSERT INTO secret VALUES ('newcomer-data')");

	/* The old account's job must not dump the newcomer's database into the newcomer's
	 * folder (in the old account's group, counted as one of the newcomer's dumps). */
	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_actions WHERE id = %llu AND"
				" state = 'failed' AND result LIKE '%%no longer a database%%'",
				db, (unsigned long long)job),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM %s.panel_dumps WHERE db = 'lcdump_x'", db),
			 0);
	snprintf(cmd, sizeof(cmd), "ls %s/html/l/lcdump/backups/lcdump_x-* >/dev/null 2>&1", root);
	assert_int_not_equal(system(cmd), 0);
	assert_panel_ok(panel_account_delete(p, &super, "lcdump"));
}

/* ---------------------------------------------------------------- everything else */

static void a_newcomer_with_the_same_login_inherits_nothing(void **state)
{
	(void)state;
	panel_database *d = NULL;
	panel_dbuser *u = NULL;
	panel_mail *m = NULL;
	panel_ftp *f = NULL;
	panel_principal who;
	char token[128];

	uint32_t olduid = member("lcall");
	panel_actor old = panel_actor_member(olduid);
	add_domain(&old, "lc-all.org");
	panel_mail_spec ms = PANEL_MAIL_SPEC_INIT;
	ms.local = "box";
	ms.password = "Box-Password-77";
	assert_panel_ok(panel_mail_create(&m, p, &old, "lc-all.org", &ms));
	panel_mail_free(m);
	assert_panel_ok(panel_database_create(&d, p, &old, NULL, "data"));
	panel_database_free(d);
	assert_panel_ok(panel_dbuser_create(&u, p, &old, NULL, "rw", "Db-Password-77x"));
	panel_dbuser_free(u);
	panel_dbgrant g = {"lcall_data", 1};
	assert_panel_ok(panel_dbuser_grants_set(p, &old, "lcall_rw", &g, 1));
	panel_ftp_spec fs = PANEL_FTP_SPEC_INIT;
	fs.prefix = "lcall";
	fs.suffix = "up";
	fs.password = "Ftp-Password-77";
	assert_panel_ok(panel_ftp_create(&f, p, &old, NULL, &fs));
	panel_ftp_free(f);
	assert_panel_ok(panel_auth_login(&who, token, sizeof(token), p, "lcall", "Correct-Horse-9",
					 "192.0.2.1", 3600));

	assert_panel_ok(panel_account_delete(p, &super, "lcall"));
	const char *tables[][2] = {
	    {"mail_users", "uid"}, {"mail_domain", "uid"},  {"db", "uid"},     {"dbusers", "uid"},
	    {"ftpusers", "uid"},   {"panel_tokens", "uid"}, {"quotas", "uid"}, {"local", "uid"},
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (number("SELECT COUNT(*) FROM %s.%s WHERE %s = %u", db, tables[i][0],
			   tables[i][1], olduid) != 0)
			fail_msg("%s keeps rows of the deleted account", tables[i][0]);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM %s.mail_alias WHERE mail = 'box_lc-all.org'", db), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'lcall%%'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE Db LIKE 'lcall%%'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE"
				" schema_name LIKE 'lcall%%'"),
			 0);

	/* The newcomer: the old token is not its, and it sees nothing of the old account. */
	uint32_t newuid = member("lcall");
	assert_true(newuid > olduid);
	assert_panel_rc(panel_auth_token(&who, p, token), PANEL_EAUTH);
	panel_actor next = panel_actor_member(newuid);
	panel_database_list *dl = NULL;
	assert_panel_ok(panel_database_list_get(&dl, p, &next, NULL));
	assert_int_equal(dl->count, 0);
	panel_database_list_free(dl);
	panel_dbuser_list *ul = NULL;
	assert_panel_ok(panel_dbuser_list_get(&ul, p, &next, NULL));
	assert_int_equal(ul->count, 0);
	panel_dbuser_list_free(ul);
	/* The same names again, new: no grant of the old user survives on the new database. */
	assert_panel_ok(panel_database_create(&d, p, &next, NULL, "data"));
	panel_database_free(d);
	assert_panel_ok(panel_dbuser_create(&u, p, &next, NULL, "rw", "Db-Password-88x"));
	panel_dbuser_free(u);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User = 'lcall_rw'"), 0);
	assert_panel_ok(panel_account_delete(p, &super, "lcall"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(deleting_an_account_removes_its_mail_wrappers),
	    cmocka_unit_test(a_dump_queued_by_a_deleted_account_never_runs_for_its_successor),
	    cmocka_unit_test(a_newcomer_with_the_same_login_inherits_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
