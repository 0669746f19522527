/* AlternC 1.0's MySQL side as its readers see it: the dbusers rows beside the server's accounts,
 * for names up to MariaDB's limit. */
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
static panel_actor super, longest;

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
	ts_exec(cluster, db, "UPDATE quotas SET total = 5 WHERE name IN ('mysql', 'mysql_users')");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_account_delete(p, &super, LONG_LOGIN);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_longest_user_name_works_end_to_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
