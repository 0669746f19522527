/* Tests of members' databases and database users against a real MariaDB: names and injection
 * attempts, undo when a later step fails, users logging in and doing exactly what their grants
 * allow, the '_' wildcard of database-level grants, repair, and dump/restore jobs. */
#include <limits.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_lossy_relay.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128], root[] = "/tmp/panel-dbtest-XXXXXX";
static panel *p;
static panel_actor sys, super, alice, bob, abzx;

/* The support library's helpers, bound to this test's cluster, database and admin. */
#define number(...)   ts_number(cluster, __VA_ARGS__)
#define member(login) ts_member(p, &super, login)

/* A connection as a member's database user, or NULL when the server refuses it. */
static MYSQL *connect_as(const char *user, const char *password, const char *database)
{
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 5;

	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (!mysql_real_connect(m, "127.0.0.1", user, password, database,
				(unsigned)cluster->servers[0].port, NULL, 0)) {
		mysql_close(m);
		return NULL;
	}
	return m;
}

static int setup(void **state)
{
	(void)state;
	/* Members' accounts are made for the loopback address the tests connect from. */
	const char *const settings[] = {
	    "member_database", "client_host", "127.0.0.1", "hosting", "root", root, NULL};
	if (!mkdtemp(root) || ts_panel_fixture(&p, &cluster, db, sizeof(db), "dbs", settings) != 0)
		return -1;
	sys = panel_actor_system();
	super = panel_actor_admin(2000);
	alice = panel_actor_member(member("dbalice"));
	bob = panel_actor_member(member("dbbob"));
	/* "dbalicexshop" would match the grant pattern `dbalice_shop` if '_' were not escaped. */
	abzx = panel_actor_member(member("dbalicexshop"));
	ts_exec(cluster, db, "UPDATE quotas SET total = 10 WHERE name IN ('mysql', 'mysql_users')");
	/* alice's web root, as its mem_add action makes it: dumps go to its backups folder. */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/html/d/dbalice'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, "dbalice");
	panel_account_delete(p, &super, "dbbob");
	panel_account_delete(p, &super, "dbalicexshop");
	panel_account_delete(p, &super, "dbcarol");
	panel_account_delete(p, &super, "dbdan");
	panel_account_delete(p, &super, "dberin");
	th_sql(cluster, 0, "DROP USER IF EXISTS 'dbdan'@'127.0.0.1'");
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return 0;
}

/* ---------------------------------------------------------------- databases */

static void create_and_name_rules(void **state)
{
	(void)state;
	panel_database *d = NULL;
	panel_database_list *list;

	assert_panel_ok(panel_database_create(&d, p, &alice, NULL, NULL));
	assert_string_equal(d->name, "dbalice");
	panel_database_free(d);
	assert_panel_ok(panel_database_create(&d, p, &alice, NULL, "shop"));
	assert_string_equal(d->name, "dbalice_shop");
	panel_database_free(d);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name IN ('dbalice', 'dbalice_shop') AND "
				"default_character_set_name = 'utf8mb4'"),
			 2);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE uid=%u", db, alice.uid), 2);
	/* The other member's database, whose name the '_' of dbalice_shop would match. */
	assert_panel_ok(panel_database_create(&d, p, &abzx, NULL, NULL));
	panel_database_free(d);

	const char *bad[] = {"x`; DROP DATABASE mysql; --",
			     "a_b",
			     "%",
			     "x y",
			     "Shop",
			     "../x",
			     "a'b",
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (panel_database_create(&d, p, &alice, NULL, bad[i]) != PANEL_EINVALID)
			fail_msg("suffix %s was accepted", bad[i]);
	assert_panel_rc(panel_database_create(&d, p, &alice, NULL, "shop"), PANEL_EEXISTS);
	/* A member creates only for itself. */
	assert_panel_rc(panel_database_create(&d, p, &alice, "dbbob", "x"), PANEL_ENOTFOUND);
	/* A database on the server without its row is not taken over. */
	assert_int_equal(th_sql(cluster, 0, "CREATE DATABASE dbbob_stray"), 0);
	assert_panel_rc(panel_database_create(&d, p, &bob, NULL, "stray"), PANEL_EEXISTS);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbbob_stray'", db), 0);

	assert_panel_ok(panel_database_list_get(&list, p, &alice, NULL));
	assert_int_equal(list->count, 2);
	assert_int_equal(list->total, 2);
	assert_string_equal(list->next_cursor, "");
	panel_database_list_free(list);
	assert_panel_rc(panel_database_get(&d, p, &bob, "dbalice_shop"), PANEL_ENOTFOUND);
	assert_panel_rc(panel_database_delete(p, &bob, "dbalice_shop"), PANEL_ENOTFOUND);
	/* The quota. */
	ts_exec(cluster, db, "UPDATE quotas SET total = 2 WHERE uid = %u AND name = 'mysql'",
		alice.uid);
	assert_panel_rc(panel_database_create(&d, p, &alice, NULL, "third"), PANEL_EQUOTA);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbalice_third'"),
			 0);
	ts_exec(cluster, db, "UPDATE quotas SET total = 10 WHERE uid = %u AND name = 'mysql'",
		alice.uid);
}

static void a_failing_step_undoes_the_others(void **state)
{
	(void)state;
	panel_database *d = NULL;
	panel_dbuser *u = NULL;

	/* The audit insert, after CREATE DATABASE and CREATE USER, fails for real. */
	ts_exec(cluster, db,
		"CREATE TRIGGER fail_audit BEFORE INSERT ON panel_audit FOR EACH ROW SIGNAL "
		"SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure'");
	assert_panel_rc(panel_database_create(&d, p, &alice, NULL, "undone"), PANEL_ERROR);
	assert_non_null(strstr(panel_error_last()->message, "simulated failure"));
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbalice_undone'"),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbalice_undone'", db), 0);
	assert_panel_rc(panel_dbuser_create(&u, p, &alice, NULL, "undone", "Undone-Pass-1"),
			PANEL_ERROR);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User='dbalice_undone'"), 0);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.dbusers WHERE name='dbalice_undone'", db), 0);
	/* Deleting: the database stays when the row cannot go. */
	assert_panel_rc(panel_database_delete(p, &alice, "dbalice_shop"), PANEL_ERROR);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbalice_shop'"),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbalice_shop'", db), 1);
	ts_exec(cluster, db, "DROP TRIGGER fail_audit");
}

/* Another client's database, made while the relay holds a CREATE. */
static void make_victim(void *arg)
{
	(void)arg;
	th_sql(cluster, 0,
	       "CREATE DATABASE dbalice_victim; CREATE TABLE dbalice_victim.t (i INT);"
	       " INSERT INTO dbalice_victim.t VALUES (1)");
}

/* CREATE DATABASE and CREATE USER that ran on the member server while their answer was lost
 * (a failover, a cut link): the creation fails (503), and nothing is left behind, so that the
 * member's retry succeeds. The server's object was left before, and the retry refused ("exists
 * on the server without its row") until an administrator repaired it. A CREATE refused for a
 * name taken meanwhile drops nothing (a first fix dropped the other's database). A GRANT
 * whose answer is lost converges on the retry. */
static void a_creation_whose_answer_is_lost_leaves_nothing(void **state)
{
	ts_lossy_relay relay;
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *h = NULL;
	panel_database *d = NULL;
	panel_dbuser *u = NULL;
	char port[16];

	(void)state;
	assert_int_equal(ts_lossy_start(&relay, cluster->servers[0].port), 0);
	snprintf(port, sizeof(port), "%d", relay.port);
	assert_int_equal(panel_config_set(cfg, "member_database", "port", port), 0);
	assert_int_equal(panel_config_set(cfg, "member_database", "client_host", "127.0.0.1"), 0);
	assert_int_equal(panel_config_set(cfg, "hosting", "root", root), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);

	ts_lossy_arm(&relay, "CREATE DATABASE", NULL, NULL);
	assert_panel_rc(panel_database_create(&d, h, &alice, NULL, "lost"), PANEL_EUNAVAILABLE);
	assert_int_equal(atomic_load(&relay.lost), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbalice_lost'"),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbalice_lost'", db), 0);
	assert_panel_ok(panel_database_create(&d, h, &alice, NULL, "lost"));
	panel_database_free(d);

	ts_lossy_arm(&relay, "CREATE USER", NULL, NULL);
	assert_panel_rc(panel_dbuser_create(&u, h, &alice, NULL, "lost", "Lost-Pass-4242"),
			PANEL_EUNAVAILABLE);
	assert_int_equal(atomic_load(&relay.lost), 2);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User='dbalice_lost'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.dbusers WHERE name='dbalice_lost'", db),
			 0);
	assert_panel_ok(panel_dbuser_create(&u, h, &alice, NULL, "lost", "Lost-Pass-4242"));
	panel_dbuser_free(u);

	/* A GRANT whose answer is lost: 503, and the member's retry gives exactly the rights. */
	panel_dbgrant g = {.database = "dbalice_lost",
			   .rights = PANEL_DBRIGHT_SELECT | PANEL_DBRIGHT_INSERT};
	panel_dbgrant_list *grants = NULL;
	ts_lossy_arm(&relay, "GRANT", NULL, NULL);
	assert_panel_rc(panel_dbuser_grants_set(h, &alice, "dbalice_lost", &g, 1),
			PANEL_EUNAVAILABLE);
	assert_int_equal(atomic_load(&relay.lost), 3);
	assert_panel_ok(panel_dbuser_grants_set(h, &alice, "dbalice_lost", &g, 1));
	assert_panel_ok(panel_dbuser_grants_get(&grants, h, &alice, "dbalice_lost"));
	int found = 0;
	for (size_t i = 0; i < grants->count; i++)
		if (strcmp(grants->items[i].database, "dbalice_lost") == 0) {
			assert_int_equal(grants->items[i].rights, g.rights);
			found++;
		}
	assert_int_equal(found, 1);
	panel_dbgrant_list_free(grants);

	/* Someone else's database of that name made between the check and the CREATE: the
	 * CREATE is refused, ran nothing, and the other database stays, with its rows. */
	ts_lossy_arm(&relay, "CREATE DATABASE", make_victim, NULL);
	assert_true(panel_database_create(&d, h, &alice, NULL, "victim") < 0);
	assert_int_equal(number("SELECT COUNT(*) FROM dbalice_victim.t"), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbalice_victim'", db), 0);
	assert_int_equal(th_sql(cluster, 0, "DROP DATABASE dbalice_victim"), 0);

	assert_panel_ok(panel_dbuser_delete(h, &alice, "dbalice_lost"));
	assert_panel_ok(panel_database_delete(h, &alice, "dbalice_lost"));
	panel_close(h);
	ts_lossy_stop(&relay);
}

/* ---------------------------------------------------------------- users and grants */

static void users_do_exactly_what_their_grants_allow(void **state)
{
	(void)state;
	panel_dbuser *u = NULL;
	MYSQL *m;

	assert_panel_ok(panel_dbuser_create(&u, p, &alice, NULL, "app", "App-User-Pass-1"));
	assert_string_equal(u->name, "dbalice_app");
	panel_dbuser_free(u);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User='dbalice_app' AND "
				"Host='127.0.0.1'"),
			 1);
	/* It logs in with its password, and sees nothing yet. */
	assert_null(connect_as("dbalice_app", "wrong", NULL));
	m = connect_as("dbalice_app", "App-User-Pass-1", NULL);
	assert_non_null(m);
	assert_int_not_equal(mysql_query(m, "USE dbalice_shop"), 0);
	mysql_close(m);

	/* SELECT only on dbalice_shop. */
	ts_exec(cluster, "dbalice_shop",
		"CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)");
	ts_exec(cluster, "dbalicexshop",
		"CREATE TABLE secret (id INT); INSERT INTO secret VALUES (42)");
	panel_dbgrant g = {.database = "dbalice_shop", .rights = PANEL_DBRIGHT_SELECT};
	assert_panel_ok(panel_dbuser_grants_set(p, &alice, "dbalice_app", &g, 1));
	m = connect_as("dbalice_app", "App-User-Pass-1", "dbalice_shop");
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "SELECT id FROM t"), 0);
	mysql_free_result(mysql_store_result(m));
	assert_int_not_equal(mysql_query(m, "INSERT INTO t VALUES (2)"), 0);
	assert_int_equal(mysql_errno(m), 1142); /* command denied */
	/* The '_' of the grant is not a wildcard: dbalicexshop stays out of reach. */
	assert_int_not_equal(mysql_query(m, "SELECT id FROM dbalicexshop.secret"), 0);
	assert_int_not_equal(mysql_query(m, "USE dbalicexshop"), 0);
	mysql_close(m);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_app' AND "
				"Db='dbalice\\\\_shop'"),
			 1);

	/* Read back from the server. */
	panel_dbgrant_list *grants;
	assert_panel_ok(panel_dbuser_grants_get(&grants, p, &alice, "dbalice_app"));
	assert_int_equal(grants->count, 2); /* dbalice and dbalice_shop */
	for (size_t i = 0; i < grants->count; i++)
		assert_int_equal(grants->items[i].rights,
				 strcmp(grants->items[i].database, "dbalice_shop") == 0
				     ? PANEL_DBRIGHT_SELECT
				     : 0u);
	panel_dbgrant_list_free(grants);
	/* More rights, then none. */
	g.rights =
	    PANEL_DBRIGHT_SELECT | PANEL_DBRIGHT_INSERT | PANEL_DBRIGHT_CREATE_TEMPORARY_TABLES;
	assert_panel_ok(panel_dbuser_grants_set(p, &alice, "dbalice_app", &g, 1));
	m = connect_as("dbalice_app", "App-User-Pass-1", "dbalice_shop");
	assert_int_equal(mysql_query(m, "INSERT INTO t VALUES (2)"), 0);
	assert_int_not_equal(mysql_query(m, "DROP TABLE t"), 0);
	mysql_close(m);
	g.rights = 0;
	assert_panel_ok(panel_dbuser_grants_set(p, &alice, "dbalice_app", &g, 1));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_app'"), 0);

	/* Refused: another member's database, unknown rights, another member's user. */
	panel_dbgrant other = {.database = "dbalicexshop", .rights = PANEL_DBRIGHT_SELECT};
	assert_panel_rc(panel_dbuser_grants_set(p, &alice, "dbalice_app", &other, 1),
			PANEL_ENOTFOUND);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_app'"), 0);
	panel_dbgrant bogus = {.database = "dbalice_shop", .rights = 1u << 30};
	assert_panel_rc(panel_dbuser_grants_set(p, &alice, "dbalice_app", &bogus, 1),
			PANEL_EINVALID);
	assert_panel_rc(panel_dbuser_grants_set(p, &bob, "dbalice_app", &g, 1), PANEL_ENOTFOUND);
	assert_panel_rc(panel_dbuser_grants_get(&grants, p, &bob, "dbalice_app"), PANEL_ENOTFOUND);
	assert_int_equal(panel_dbright_parse("create temporary tables"),
			 PANEL_DBRIGHT_CREATE_TEMPORARY_TABLES);
	assert_panel_ok(panel_dbright_parse("GRANT OPTION"));

	/* A db row with a name libpanel never makes (another writer of the table): refused, not
	 * pasted into the REVOKE and GRANT the member server's administrator runs (a review made
	 * it run CREATE DATABASE there: the REVOKE of an existing grant succeeds, then the rest of
	 * the batch runs). */
	th_sql(cluster, 0, "CREATE USER pwnu@localhost; GRANT SELECT ON pwnx.* TO pwnu@localhost");
	ts_exec(cluster, db,
		"INSERT INTO db (uid, login, pass, db) VALUES (%u, 'dbalice', '',"
		" 'pwnx`.* FROM ''pwnu''@''localhost''; CREATE DATABASE dbpwned; -- ')",
		alice.uid);
	panel_dbgrant planted = {
	    .database = "pwnx`.* FROM 'pwnu'@'localhost'; CREATE DATABASE dbpwned; -- ",
	    .rights = PANEL_DBRIGHT_SELECT};
	int planted_rc = panel_dbuser_grants_set(p, &alice, "dbalice_app", &planted, 1);
	long long pwned = number("SELECT COUNT(*) FROM information_schema.schemata WHERE"
				 " schema_name = 'dbpwned'");
	ts_exec(cluster, db, "DELETE FROM db WHERE db LIKE 'pwnx%%'");
	th_sql(cluster, 0, "DROP USER pwnu@localhost; DROP DATABASE IF EXISTS dbpwned");
	assert_panel_rc(planted_rc, PANEL_ERROR);
	assert_int_equal(pwned, 0);

	/* Names: injection attempts in the suffix, and the policy. */
	const char *bad[] = {"a'@'%", "x`y", "a_b", "%", "", "a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = panel_dbuser_create(&u, p, &alice, NULL, bad[i], "Some-Pass-1");
		if (i == 4) { /* "" is the user named after the login */
			assert_int_equal(rc, 0);
			panel_dbuser_free(u);
			continue;
		}
		if (rc != PANEL_EINVALID)
			fail_msg("suffix %s: %d", bad[i], rc);
	}
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'dbalice%%' AND "
				"User <> 'dbalice_app' AND User <> 'dbalice'"),
			 0);

	/* Password change, then deletion. */
	assert_panel_ok(panel_dbuser_password(p, &alice, "dbalice_app", "Changed-Pass-2"));
	assert_null(connect_as("dbalice_app", "App-User-Pass-1", NULL));
	m = connect_as("dbalice_app", "Changed-Pass-2", NULL);
	assert_non_null(m);
	mysql_close(m);
	assert_panel_rc(panel_dbuser_password(p, &bob, "dbalice_app", "Stolen-Pass-3"),
			PANEL_ENOTFOUND);
	assert_panel_rc(panel_dbuser_delete(p, &bob, "dbalice_app"), PANEL_ENOTFOUND);
	assert_panel_ok(panel_dbuser_delete(p, &alice, "dbalice_app"));
	assert_null(connect_as("dbalice_app", "Changed-Pass-2", NULL));
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.dbusers WHERE name='dbalice_app'", db),
			 0);
	/* No password in the audit trail or the rows. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_audit WHERE after_data LIKE "
				"'%%Pass-%%'",
				db),
			 0);
}

static void dropping_a_database_removes_its_grants(void **state)
{
	(void)state;
	panel_database *d = NULL;
	panel_dbuser *u = NULL;

	assert_panel_ok(panel_database_create(&d, p, &alice, NULL, "tmp"));
	panel_database_free(d);
	assert_panel_ok(panel_dbuser_create(&u, p, &alice, NULL, "tmpu", "Tmp-User-Pass-1"));
	panel_dbuser_free(u);
	panel_dbgrant g = {.database = "dbalice_tmp", .rights = PANEL_DBRIGHT_SELECT};
	assert_panel_ok(panel_dbuser_grants_set(p, &alice, "dbalice_tmpu", &g, 1));
	assert_panel_ok(panel_database_delete(p, &alice, "dbalice_tmp"));
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbalice_tmp'"),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE Db='dbalice\\\\_tmp'"), 0);
	assert_panel_ok(panel_dbuser_delete(p, &alice, "dbalice_tmpu"));
}

/* Deletes the account login, which owns a database and a user, while trigger (created on the
 * panel's database, named name) refuses one of its steps: the call fails and leaves the
 * account, its db row, its database and its user as they were; the retry then drops them. */
static void deletion_refused_keeps_everything(const char *login, const char *trigger,
					      const char *name)
{
	panel_database *d = NULL;
	panel_dbuser *u = NULL;
	panel_actor who = panel_actor_member(member(login));

	assert_panel_ok(panel_database_create(&d, p, &who, NULL, NULL));
	panel_database_free(d);
	assert_panel_ok(panel_dbuser_create(&u, p, &who, NULL, "u", "Refused-User-Pass-1"));
	panel_dbuser_free(u);
	ts_exec(cluster, db, "%s", trigger);
	assert_panel_rc(panel_account_delete(p, &super, login), PANEL_ERROR);
	ts_exec(cluster, db, "DROP TRIGGER %s", name);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.membres WHERE login='%s'", db, login),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='%s'", db, login), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='%s'",
				login),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User='%s_u'", login), 1);
	/* The retry drops them all. */
	assert_panel_ok(panel_account_delete(p, &super, login));
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='%s'",
				login),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User='%s_u'", login), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE uid=%u", db, who.uid), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.dbusers WHERE uid=%u", db, who.uid), 0);
}

/* An account deletion that fails after its member-server step (here the audit's insert) left
 * the account and its db rows while its databases and users were already dropped on the
 * server: the DROPs, which cannot be rolled back, now come after every step that can fail. */
static void a_failed_account_deletion_drops_nothing(void **state)
{
	(void)state;
	deletion_refused_keeps_everything(
	    "dbcarol",
	    "CREATE TRIGGER fail_audit BEFORE INSERT ON panel_audit FOR EACH ROW SIGNAL "
	    "SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure'",
	    "fail_audit");
}

/* A password change whose audit row is refused changed the password on the server all the
 * same while the call failed: the row now comes before the ALTER USER. */
static void a_failed_password_change_keeps_the_password(void **state)
{
	(void)state;
	panel_dbuser *u = NULL;

	assert_panel_ok(panel_dbuser_create(&u, p, &alice, NULL, "pw", "First-Pass-Word-1"));
	panel_dbuser_free(u);
	ts_exec(cluster, db,
		"CREATE TRIGGER fail_audit BEFORE INSERT ON panel_audit FOR EACH ROW SIGNAL "
		"SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure'");
	assert_panel_rc(panel_dbuser_password(p, &alice, "dbalice_pw", "Second-Pass-Word-2"),
			PANEL_ERROR);
	ts_exec(cluster, db, "DROP TRIGGER fail_audit");
	MYSQL *m = connect_as("dbalice_pw", "First-Pass-Word-1", NULL);
	assert_non_null(m);
	mysql_close(m);
	assert_null(connect_as("dbalice_pw", "Second-Pass-Word-2", NULL));
	/* The retry changes it. */
	assert_panel_ok(panel_dbuser_password(p, &alice, "dbalice_pw", "Second-Pass-Word-2"));
	assert_non_null(m = connect_as("dbalice_pw", "Second-Pass-Word-2", NULL));
	mysql_close(m);
	assert_panel_ok(panel_dbuser_delete(p, &alice, "dbalice_pw"));
}

/* alice's database dbalice_<database> and user dbalice_<user>, which may SELECT on it. */
static void alice_reader_of(const char *database, const char *user)
{
	char username[80];
	panel_dbgrant g = {.rights = PANEL_DBRIGHT_SELECT};
	panel_database *d = NULL;
	panel_dbuser *u = NULL;

	snprintf(g.database, sizeof(g.database), "dbalice_%s", database);
	snprintf(username, sizeof(username), "dbalice_%s", user);
	assert_panel_ok(panel_database_create(&d, p, &alice, NULL, database));
	panel_database_free(d);
	assert_panel_ok(panel_dbuser_create(&u, p, &alice, NULL, user, "Reader-User-Pass-1"));
	panel_dbuser_free(u);
	assert_panel_ok(panel_dbuser_grants_set(p, &alice, username, &g, 1));
}

/* A change of rights whose audit row is refused left the new rights on the server while the
 * call failed: the previous ones are put back. */
static void a_failed_grant_change_keeps_the_rights(void **state)
{
	(void)state;
	alice_reader_of("gr", "gru");
	ts_exec(cluster, db,
		"CREATE TRIGGER fail_audit BEFORE INSERT ON panel_audit FOR EACH ROW SIGNAL "
		"SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure'");
	panel_dbgrant more = {.database = "dbalice_gr",
			      .rights = PANEL_DBRIGHT_SELECT | PANEL_DBRIGHT_INSERT};
	assert_panel_rc(panel_dbuser_grants_set(p, &alice, "dbalice_gru", &more, 1), PANEL_ERROR);
	ts_exec(cluster, db, "DROP TRIGGER fail_audit");
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_gru' AND "
				"Select_priv='Y' AND Insert_priv='N'"),
			 1);
	/* The retry grants them. */
	assert_panel_ok(panel_dbuser_grants_set(p, &alice, "dbalice_gru", &more, 1));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_gru' AND "
				"Select_priv='Y' AND Insert_priv='Y'"),
			 1);
	assert_panel_ok(panel_dbuser_delete(p, &alice, "dbalice_gru"));
	assert_panel_ok(panel_database_delete(p, &alice, "dbalice_gr"));
}

/* A database deletion whose row cannot go kept the database but had already revoked its
 * users' rights on it: the rows now go before any change on the server. */
static void a_failed_database_deletion_keeps_the_grants(void **state)
{
	(void)state;
	alice_reader_of("kd", "kdu");
	ts_exec(cluster, db,
		"CREATE TRIGGER fail_db BEFORE DELETE ON db FOR EACH ROW SIGNAL SQLSTATE '45000' "
		"SET MESSAGE_TEXT = 'simulated failure'");
	assert_panel_rc(panel_database_delete(p, &alice, "dbalice_kd"), PANEL_ERROR);
	ts_exec(cluster, db, "DROP TRIGGER fail_db");
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbalice_kd'", db), 1);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbalice_kd'"),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_kdu' AND "
				"Db='dbalice\\\\_kd' AND Select_priv='Y'"),
			 1);
	/* The retry deletes it and its grants. */
	assert_panel_ok(panel_database_delete(p, &alice, "dbalice_kd"));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbalice_kdu'"), 0);
	assert_panel_ok(panel_dbuser_delete(p, &alice, "dbalice_kdu"));
}

/* AlternC 1.0's main user without rights on one of its member's databases (one made before
 * it, or its grant revoked by hand): the deletion of that database stopped at the main user's
 * REVOKE ("no such grant"), after the other users had lost their rights on it, and so did
 * the account's deletion. */
static void a_database_the_main_user_has_no_rights_on_is_deleted(void **state)
{
	(void)state;
	panel_database *d = NULL;
	panel_dbuser *u = NULL;
	panel_actor dan = panel_actor_member(member("dbdan"));

	ts_exec(cluster, db,
		"UPDATE quotas SET total = 10 WHERE uid = %u AND name IN ('mysql', 'mysql_users')",
		dan.uid);
	assert_panel_ok(panel_database_create(&d, p, &dan, NULL, NULL));
	panel_database_free(d);
	assert_panel_ok(panel_dbuser_create(&u, p, &dan, NULL, "u", "Dan-User-Pass-1"));
	panel_dbuser_free(u);
	panel_dbgrant g = {.database = "dbdan", .rights = PANEL_DBRIGHT_SELECT};
	assert_panel_ok(panel_dbuser_grants_set(p, &dan, "dbdan_u", &g, 1));
	/* The main user, then a database it gets all rights on. */
	assert_int_equal(
	    th_sql(cluster, 0, "CREATE USER 'dbdan'@'127.0.0.1' IDENTIFIED BY 'Dan-Main-Pass-1'"),
	    0);
	ts_exec(cluster, db, "UPDATE db SET pass = 'Dan-Main-Pass-1' WHERE uid = %u", dan.uid);
	assert_panel_ok(panel_database_create(&d, p, &dan, NULL, "two"));
	panel_database_free(d);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbdan'"), 1);

	assert_panel_ok(panel_database_delete(p, &dan, "dbdan"));
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name='dbdan'"),
			 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbdan_u'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.db WHERE User='dbdan' AND "
				"Db='dbdan\\\\_two'"),
			 1);
	/* The main user goes with the account's last database. */
	assert_panel_ok(panel_account_delete(p, &super, "dbdan"));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'dbdan%%'"), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM information_schema.schemata WHERE "
				"schema_name LIKE 'dbdan%%'"),
			 0);
}

/* An account deletion refused inside its member-server step (here a dbusers row, deleted
 * after the databases were dropped) left the account and its db rows with the databases
 * already gone: every row now goes before the first DROP. */
static void a_failed_member_server_step_drops_nothing(void **state)
{
	(void)state;
	deletion_refused_keeps_everything(
	    "dberin",
	    "CREATE TRIGGER fail_dbusers BEFORE DELETE ON dbusers FOR EACH ROW SIGNAL "
	    "SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure'",
	    "fail_dbusers");
}

/* ---------------------------------------------------------------- repair */

static void repair_finds_and_fixes(void **state)
{
	(void)state;
	panel_db_problem_list *problems;

	/* dbbob_stray (server only) exists already; a row without its database: */
	ts_exec(cluster, db,
		"INSERT INTO db (uid, login, pass, db) VALUES (%u, 'dbbob', '', 'dbbob_ghost')",
		bob.uid);
	assert_panel_rc(panel_database_repair(&problems, p, &bob, 0), PANEL_EFORBIDDEN);
	panel_actor subadmin = panel_actor_admin(member("dbsubadmin"));
	ts_exec(cluster, db, "UPDATE membres SET su = 1 WHERE login = 'dbsubadmin'");
	assert_panel_rc(panel_database_repair(&problems, p, &subadmin, 0), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_database_repair(&problems, p, &super, 0));
	int stray = 0, ghost = 0;
	for (size_t i = 0; i < problems->count; i++) {
		stray |= strcmp(problems->items[i].name, "dbbob_stray") == 0 &&
			 strcmp(problems->items[i].problem, "no_row") == 0;
		ghost |= strcmp(problems->items[i].name, "dbbob_ghost") == 0 &&
			 strcmp(problems->items[i].problem, "not_on_server") == 0;
	}
	panel_db_problem_list_free(problems);
	assert_true(stray && ghost);
	/* Listing changed nothing; fixing does. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbbob_ghost'", db), 1);
	assert_panel_ok(panel_database_repair(&problems, p, &super, 1));
	panel_db_problem_list_free(problems);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db='dbbob_ghost'", db), 0);
	assert_int_equal(number("SELECT uid FROM `%s`.db WHERE db='dbbob_stray'", db), bob.uid);
	assert_panel_ok(panel_database_repair(&problems, p, &super, 0));
	for (size_t i = 0; i < problems->count; i++)
		if (strncmp(problems->items[i].name, "dbbob", 5) == 0)
			fail_msg("still a problem: %s %s", problems->items[i].name,
				 problems->items[i].problem);
	panel_db_problem_list_free(problems);
}

/* ---------------------------------------------------------------- dump and restore */

static void dump_and_restore_jobs(void **state)
{
	(void)state;
	uint64_t job = 0;
	unsigned done = 0;
	char file[256] = "";

	ts_exec(cluster, "dbalice_shop",
		"CREATE TABLE keep (v VARCHAR(20)); INSERT INTO keep VALUES "
		"('précieux')");
	assert_panel_rc(panel_database_dump(&job, p, &bob, "dbalice_shop"), PANEL_ENOTFOUND);
	assert_panel_ok(panel_database_dump(&job, p, &alice, "dbalice_shop"));
	assert_true(job > 0);
	/* Queued, not run: the request path does no dump. */
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.panel_actions WHERE id=%llu AND "
				"done_at IS NULL",
				db, (unsigned long long)job),
			 1);
	assert_panel_rc(panel_jobs_run(&done, p, &super), PANEL_EFORBIDDEN);
	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_int_equal(done, 1);
	MYSQL *m = th_connect(cluster, 0, db);
	char q[128];
	snprintf(q, sizeof(q),
		 "SELECT result, JSON_VALUE(args, '$.file') FROM panel_actions WHERE "
		 "id=%llu",
		 (unsigned long long)job);
	assert_int_equal(mysql_query(m, q), 0);
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = mysql_fetch_row(res);
	assert_string_equal(row[0], "ok");
	snprintf(file, sizeof(file), "%s", row[1]);
	mysql_free_result(res);
	mysql_close(m);
	assert_non_null(strstr(file, "/html/d/dbalice/backups/dbalice_shop-"));
	assert_int_equal(access(file, R_OK), 0);
	/* The member's, as its other files: in its group's disk quota, its to read and remove. */
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_uid, 33);
	assert_int_equal(st.st_gid, alice.uid);
	assert_int_equal(st.st_mode & 07777, 0640);
	char backups[PATH_MAX];
	snprintf(backups, sizeof(backups), "%.*s", (int)(strrchr(file, '/') - file), file);
	assert_int_equal(stat(backups, &st), 0);
	assert_int_equal(st.st_uid, 33);
	assert_int_equal(st.st_gid, alice.uid);
	assert_int_equal(st.st_mode & 07777, 02770);

	/* Lose the data, then restore it from the dump. */
	ts_exec(cluster, "dbalice_shop", "DROP TABLE keep");
	const char *base = strrchr(file, '/') + 1;
	assert_panel_rc(
	    panel_database_restore(&job, p, &alice, "dbalice_shop", "../../etc/passwd", 0),
	    PANEL_EINVALID);
	assert_panel_rc(panel_database_restore(&job, p, &alice, "dbalice", base, 0),
			PANEL_EINVALID);
	assert_panel_ok(panel_database_restore(&job, p, &alice, "dbalice_shop", base, 0));
	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_int_equal(done, 1);
	assert_int_equal(number("SELECT COUNT(*) FROM dbalice_shop.keep WHERE v='précieux'"), 1);
	assert_panel_ok(panel_jobs_run(&done, p, &sys));
	assert_int_equal(done, 0);

	/* The newest dumps_kept dumps stay, files and rows; the member's own file in the folder,
	 * and a dump of another database, stay too. */
	panel_config *cfg = ts_config(cluster, 0, db);
	panel *h = NULL;
	char folder[1024], cmd[2 * 1024 + 128];
	assert_int_equal(panel_config_set(cfg, "hosting", "root", root), 0);
	assert_int_equal(panel_config_set(cfg, "member_database", "client_host", "127.0.0.1"), 0);
	assert_int_equal(panel_config_set(cfg, "runner", "dumps_kept", "2"), 0);
	assert_panel_ok(panel_open(&h, cfg));
	panel_config_free(cfg);
	snprintf(folder, sizeof(folder), "%.*s", (int)(base - file - 1), file);
	snprintf(cmd, sizeof(cmd), "echo mine > '%s/dbalice_shop-notes.txt'", folder);
	assert_int_equal(system(cmd), 0);
	assert_panel_ok(panel_database_dump(&job, h, &alice, "dbalice"));
	assert_panel_ok(panel_jobs_run(&done, h, &sys));
	for (int i = 0; i < 3; i++) {
		assert_panel_ok(panel_database_dump(&job, h, &alice, "dbalice_shop"));
		assert_panel_ok(panel_jobs_run(&done, h, &sys));
		assert_int_equal(done, 1);
	}
	panel_close(h);
	assert_int_equal(
	    number("SELECT COUNT(*) FROM `%s`.panel_dumps WHERE db = 'dbalice_shop'", db), 2);
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | grep -c '^dbalice_shop-.*\\.sql$') = 2",
		 folder);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "test -f '%s/dbalice_shop-notes.txt' && test $(ls '%s' | grep -c "
		 "'^dbalice-.*\\.sql$') = 1",
		 folder, folder);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(access(file, F_OK), -1); /* the first dump, oldest of four */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_and_name_rules),
	    cmocka_unit_test(a_failing_step_undoes_the_others),
	    cmocka_unit_test(a_creation_whose_answer_is_lost_leaves_nothing),
	    cmocka_unit_test(users_do_exactly_what_their_grants_allow),
	    cmocka_unit_test(dropping_a_database_removes_its_grants),
	    cmocka_unit_test(a_failed_member_server_step_drops_nothing),
	    cmocka_unit_test(a_failed_account_deletion_drops_nothing),
	    cmocka_unit_test(a_failed_password_change_keeps_the_password),
	    cmocka_unit_test(a_failed_grant_change_keeps_the_rights),
	    cmocka_unit_test(a_failed_database_deletion_keeps_the_grants),
	    cmocka_unit_test(a_database_the_main_user_has_no_rights_on_is_deleted),
	    cmocka_unit_test(repair_finds_and_fixes),
	    cmocka_unit_test(dump_and_restore_jobs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
