/* AlternC 1.0's MySQL side as its readers see it: a member's main user (named like its login,
 * password in db.pass) granted on each of its databases and dropped with the last one, as 1.0's
 * m_mysql does; repair knowing it; the dbusers rows beside the server's accounts, for names up
 * to MariaDB's limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char db[128];
static panel *p;
static panel_actor super, longest, old;

#define number(...) ts_number(cluster, __VA_ARGS__)

/* 16 characters: the longest login. */
#define LONG_LOGIN "coexlongestlogin"

static int setup(void **state)
{
	(void)state;
	const char *const settings[] = {"member_database", "client_host", "127.0.0.1", NULL};
	if (ts_panel_fixture(&p, &cluster, db, sizeof(db), "coexm", settings) != 0)
		return -1;
	super = panel_actor_admin(2000);
	longest = panel_actor_member(ts_member(p, &super, LONG_LOGIN));
	/* A member as AlternC 1.0's new_mysql left it: its main user and main database. */
	old = panel_actor_member(ts_member(p, &super, "coexmain"));
	if (th_sql(cluster, 0,
		   "CREATE USER 'coexmain'@'127.0.0.1' IDENTIFIED BY 'Main-pass-10';"
		   "CREATE DATABASE coexmain;"
		   "GRANT ALL PRIVILEGES ON `coexmain`.* TO 'coexmain'@'127.0.0.1'") < 0)
		return -1;
	ts_exec(cluster, db,
		"INSERT INTO db (uid, login, pass, db, bck_mode) VALUES (%u, 'coexmain', "
		"'Main-pass-10', 'coexmain', 0)",
		old.uid);
	ts_exec(cluster, db, "UPDATE quotas SET total = 5 WHERE name IN ('mysql', 'mysql_users')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, LONG_LOGIN);
	panel_account_delete(p, &super, "coexmain");
	th_sql(cluster, 0, "DROP USER IF EXISTS 'coexmain'@'127.0.0.1'");
	th_sql(cluster, 0, "DROP DATABASE IF EXISTS coexmain");
	th_sql(cluster, 0, "DROP DATABASE IF EXISTS coexmain_shop");
	panel_close(p);
	th_database_drop(cluster, db);
	th_cluster_free(cluster);
	return 0;
}

/* The longest name the library allows (80 characters: MariaDB's limit) is a user on the server,
 * a row of dbusers, logs in and is dropped with its account. */
static void the_longest_user_name_works_end_to_end(void **state)
{
	(void)state;
	char suffix[64], name[81];
	panel_dbuser *u = NULL;

	memset(suffix, 'z', 63);
	suffix[63] = '\0';
	snprintf(name, sizeof(name), "%s_%s", LONG_LOGIN, suffix);
	assert_int_equal(strlen(name), 80);
	assert_panel_ok(panel_dbuser_create(&u, p, &longest, NULL, suffix, "Long user pass 2026"));
	assert_string_equal(u->name, name);
	panel_dbuser_free(u);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.dbusers WHERE name = '%s'", db, name),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = '%s'", name), 1);
	MYSQL *m = mysql_init(NULL);
	assert_non_null(mysql_real_connect(m, "127.0.0.1", name, "Long user pass 2026", NULL,
					   (unsigned)cluster->servers[0].port, NULL, 0));
	mysql_close(m);
	/* One character more is refused before anything is created. */
	char longer[65];
	memset(longer, 'z', 64);
	longer[64] = '\0';
	assert_panel_rc(panel_dbuser_create(&u, p, &longest, NULL, longer, "Long user pass 2026"),
			PANEL_EINVALID);
	assert_panel_ok(panel_account_delete(p, &super, LONG_LOGIN));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = '%s'", name), 0);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.dbusers WHERE name = '%s'", db, name),
			 0);
}

/* Can user (password pw) create a table in database? */
static int can_write(const char *user, const char *pw, const char *database)
{
	MYSQL *m = mysql_init(NULL);
	int ok = mysql_real_connect(m, "127.0.0.1", user, pw, database,
				    (unsigned)cluster->servers[0].port, NULL, 0) != NULL &&
		 mysql_query(m, "CREATE TABLE IF NOT EXISTS probe (i INT)") == 0;
	mysql_close(m);
	return ok;
}

static void the_main_user_of_1_0_is_kept(void **state)
{
	(void)state;
	panel_database *d = NULL;

	assert_true(can_write("coexmain", "Main-pass-10", "coexmain"));
	/* A new database: its row carries the main user's password, and the user its rights. */
	assert_panel_ok(panel_database_create(&d, p, &old, NULL, "shop"));
	panel_database_free(d);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db = 'coexmain_shop' AND login "
				"= 'coexmain' AND pass = 'Main-pass-10'",
				db),
			 1);
	assert_true(can_write("coexmain", "Main-pass-10", "coexmain_shop"));
	/* Repair counts it as the member's main user, not as a user without a row. */
	panel_db_problem_list *problems = NULL;
	assert_panel_ok(panel_database_repair(&problems, p, &super, 0));
	for (size_t i = 0; i < problems->count; i++)
		if (strcmp(problems->items[i].name, "coexmain") == 0)
			fail_msg("repair reports the main user: %s %s", problems->items[i].kind,
				 problems->items[i].problem);
	panel_db_problem_list_free(problems);
	/* A dropped database takes the user's rights on it; the last one takes the user. */
	assert_panel_ok(panel_database_delete(p, &old, "coexmain_shop"));
	assert_false(can_write("coexmain", "Main-pass-10", "coexmain_shop"));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = 'coexmain'"), 1);
	assert_panel_ok(panel_database_delete(p, &old, "coexmain"));
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = 'coexmain'"), 0);
	/* A member without one gets none: no password in its rows, no user. */
	assert_panel_ok(panel_database_create(&d, p, &longest, NULL, "plain"));
	panel_database_free(d);
	assert_int_equal(number("SELECT COUNT(*) FROM `%s`.db WHERE db = '" LONG_LOGIN
				"_plain' AND pass = ''",
				db),
			 1);
	assert_int_equal(number("SELECT COUNT(*) FROM mysql.user WHERE user = '" LONG_LOGIN "'"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_main_user_of_1_0_is_kept),
	    cmocka_unit_test(the_longest_user_name_works_end_to_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
