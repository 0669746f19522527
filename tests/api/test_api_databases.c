/* panel-api's member database routes against a real daemon and MariaDB: databases, users that
 * log in and do exactly what their grants allow, dumps and restores through the jobs runner,
 * repair, refusals, the authorization matrix and a race for the last database slot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_matrix.h"

static char root[] = "/tmp/papi-dbtest-XXXXXX";
static char conf_extra[512];

/* Names made on the shared server: this test's members and what a crashed run left. */
static const char *const owners[] = {"mema", "memb", "memc", "quotadb"};

/* Drops the databases and users of our members left by an earlier, interrupted run. */
static void drop_leftovers(th_cluster *cluster)
{
	MYSQL *m = th_connect(cluster, 0, NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;
	char sql[512];

	if (!m)
		return;
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT CONCAT('DROP DATABASE `', schema_name, '`') FROM "
			 "information_schema.schemata WHERE schema_name = '%s' OR schema_name LIKE "
			 "'%s\\_%%' UNION ALL SELECT CONCAT('DROP USER `', User, '`@`', Host, '`') "
			 "FROM mysql.user WHERE User = '%s' OR User LIKE '%s\\_%%'",
			 owners[i], owners[i], owners[i], owners[i]);
		if (mysql_query(m, sql) != 0 || !(res = mysql_store_result(m)))
			continue;
		while ((row = mysql_fetch_row(res)))
			if (mysql_query(m, row[0]) != 0)
				fprintf(stderr, "%s: %s\n", row[0], mysql_error(m));
		mysql_free_result(res);
	}
	mysql_close(m);
}

/* A connection as a member's database user, or NULL when the server refuses it. */
static MYSQL *connect_as(const char *user, const char *password, const char *database)
{
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 5;

	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (!mysql_real_connect(m, "127.0.0.1", user, password, database,
				(unsigned)srv.cluster->servers[0].port, NULL, 0)) {
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* Whether user/password can log in at all. */
static int can_login(const char *user, const char *password)
{
	MYSQL *m = connect_as(user, password, NULL);

	mysql_close(m);
	return m != NULL;
}

/* Runs sql as user, in database when not NULL: 0 when the server accepts both, else its error
 * number (1045 when the login itself is refused). */
static unsigned run_as(const char *user, const char *password, const char *database,
		       const char *sql)
{
	MYSQL *m = connect_as(user, password, NULL);
	unsigned err = 0;
	MYSQL_RES *res;

	if (!m)
		return 1045;
	if (database && mysql_select_db(m, database) != 0)
		err = mysql_errno(m);
	else if (mysql_query(m, sql) != 0)
		err = mysql_errno(m);
	else if ((res = mysql_store_result(m)))
		mysql_free_result(res);
	mysql_close(m);
	return err;
}

/* The result the runner recorded for a job ("" when none). */
static void job_result(char *out, size_t size, long long job)
{
	char sql[128];
	MYSQL *m = th_connect(srv.cluster, 0, srv.db);
	MYSQL_RES *res;
	MYSQL_ROW row;

	out[0] = '\0';
	snprintf(sql, sizeof(sql), "SELECT result FROM panel_actions WHERE id = %lld", job);
	assert_non_null(m);
	if (mysql_query(m, sql) == 0 && (res = mysql_store_result(m))) {
		if ((row = mysql_fetch_row(res)) && row[0])
			snprintf(out, size, "%s", row[0]);
		mysql_free_result(res);
	}
	mysql_close(m);
}

/* Runs the queued dump and restore jobs as the cron side does. */
static unsigned run_jobs(void)
{
	panel_config *cfg = ts_config(srv.cluster, 0, srv.db);
	panel_actor sys = panel_actor_system();
	unsigned done = 0;
	panel *p = NULL;

	/* The runner has panel-api's configuration: its hosting root and member server. */
	assert_panel_ok(panel_config_set(cfg, "hosting", "root", root));
	assert_panel_ok(panel_config_set(cfg, "member_database", "client_host", "127.0.0.1"));
	assert_panel_ok(panel_open(&p, cfg));
	panel_config_free(cfg);
	if (panel_jobs_run(&done, p, &sys) < 0)
		fail_msg("jobs: %s", panel_error_last()->message);
	panel_close(p);
	return done;
}

static int setup(void **state)
{
	th_cluster *cluster = NULL;

	(void)state;
	if (!mkdtemp(root))
		return -1;
	/* mema's web root, as its mem_add action makes it: dumps go to its backups folder. */
	snprintf(conf_extra, sizeof(conf_extra), "mkdir -p '%s/html/m/mema'", root);
	if (system(conf_extra) != 0)
		return -1;
	snprintf(conf_extra, sizeof(conf_extra),
		 "\n[member_database]\nclient_host = 127.0.0.1\n\n[hosting]\nroot = %s\n", root);
	if (th_cluster_shared(&cluster) == 0) {
		drop_leftovers(cluster);
		th_cluster_free(cluster);
	}
	if (api_cast_setup(conf_extra, "[\"accounts\", \"domains\", \"mail\"]") < 0)
		return -1;
	if (api_sql(&srv, "UPDATE policy SET minsize = 8, classcount = 2 WHERE name = 'mysql'") !=
		0 ||
	    api_set_quota("mema", "mysql", 5) != 200 ||
	    api_set_quota("mema", "mysql_users", 5) != 200 ||
	    api_set_quota("memb", "mysql", 5) != 200 ||
	    api_set_quota("memb", "mysql_users", 5) != 200)
		return -1;
	/* The victims: memb's databases, and a user allowed to read one of them. */
	if (api_call(NULL, MB, "POST", "/api/v1/accounts/memb/databases", NULL) != 201 ||
	    api_call(NULL, MB, "POST", "/api/v1/accounts/memb/databases",
		     "{\"suffix\": \"data\"}") != 201 ||
	    api_call(NULL, MB, "POST", "/api/v1/accounts/memb/dbusers",
		     "{\"suffix\": \"user\", \"password\": \"Memb-db-pass-1\"}") != 201 ||
	    api_call(NULL, MB, "PUT", "/api/v1/dbusers/memb_user/grants",
		     "{\"grants\": {\"memb_data\": [\"SELECT\"]}}") != 200)
		return -1;
	return th_sql(srv.cluster, 0,
		      "CREATE TABLE memb_data.secret (v VARCHAR(32)); INSERT INTO "
		      "memb_data.secret VALUES ('top secret')") == 0
		   ? 0
		   : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	int rc;

	(void)state;
	/* Deleting the accounts drops their databases and users on the shared server. */
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/api/v1/accounts/%s", owners[i]);
		api_call(NULL, SA, "DELETE", path, NULL);
	}
	drop_leftovers(srv.cluster);
	rc = api_cast_teardown();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return rc;
}

/* ---------------------------------------------------------------- databases */

static void test_databases(void **state)
{
	api_resp r;

	(void)state;
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/databases", "{}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "name"), "mema");
	assert_string_equal(api_str(&r, "owner"), "mema");
	assert_string_equal(r.location, "/api/v1/databases/mema");
	api_resp_free(&r);
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/databases", "{\"suffix\": \"shop\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "name"), "mema_shop");
	assert_string_equal(r.location, "/api/v1/databases/mema_shop");
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name IN ('mema', 'mema_shop') AND "
					  "default_character_set_name = 'utf8mb4'"),
			 2);
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/databases", "{\"suffix\": \"\"}");
	assert_api_status(&r, 409);
	assert_string_equal(api_error_code(&r), "exists");
	api_resp_free(&r);

	static const char *const bad[] = {
	    "{\"suffix\": \"x`; DROP DATABASE mysql; --\"}",
	    "{\"suffix\": \"a_b\"}",
	    "{\"suffix\": \"%\"}",
	    "{\"suffix\": \"Shop\"}",
	    "{\"suffix\": \"../x\"}",
	    "{\"suffix\": \"a'b\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_call(&r, MA, "POST", "/api/v1/accounts/mema/databases", bad[i]);
		if (r.status != 400 || strcmp(api_error_field(&r), "suffix") != 0)
			fail_msg("%s: %ld %s", bad[i], r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/databases", "{\"suffix\": 5}",
			400);
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/databases", "{\"name\": \"x\"}",
			400);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name = 'mysql'"),
			 1);

	/* Lists with sizes; one database; its deletion drops it on the server. */
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/databases",
			"{\"suffix\": \"tmp\"}", 201);
	api_call(&r, MA, "GET", "/api/v1/accounts/mema/databases", NULL);
	assert_api_status(&r, 200);
	assert_int_equal(api_items(&r), 3);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 3);
	assert_true(json_is_integer(json_object_get(api_item(&r, "name", "mema_shop"), "size")));
	assert_null(api_item(&r, "name", "memb_data"));
	api_resp_free(&r);
	api_call(&r, MA, "GET", "/api/v1/databases/mema_tmp", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "name"), "mema_tmp");
	api_resp_free(&r);

	/* Backup settings (put_mysql_backup): stored as 1.0's sqlbackup.sh reads them. */
	api_call(&r, MA, "PUT", "/api/v1/databases/mema_tmp/backup",
		 "{\"mode\": \"daily\", \"history\": 5, \"gzip\": true, \"dir\": \"/sql/\"}");
	assert_api_status(&r, 200);
	json_t *backup = json_object_get(r.json, "backup");
	assert_string_equal(json_string_value(json_object_get(backup, "mode")), "daily");
	assert_int_equal(json_integer_value(json_object_get(backup, "history")), 5);
	assert_true(json_is_true(json_object_get(backup, "gzip")));
	assert_non_null(strstr(json_string_value(json_object_get(backup, "dir")), "/m/mema/sql"));
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM db WHERE db = 'mema_tmp' AND"
					  " bck_mode = 2 AND bck_history = 5 AND bck_gzip = 1 AND"
					  " bck_dir LIKE '%%/html/m/mema/sql'"),
			 1);
	static const char *const bad_backups[] = {
	    "{\"mode\": \"hourly\", \"history\": 1}",
	    "{\"mode\": \"daily\"}",
	    "{\"mode\": \"daily\", \"history\": 300}",
	    "{\"mode\": \"daily\", \"history\": 1, \"dir\": \"../../../etc\"}",
	    "{\"mode\": \"daily\", \"history\": 1, \"dir\": \"a\\nb\"}",
	    "{\"history\": 1}",
	};
	for (size_t i = 0; i < sizeof(bad_backups) / sizeof(bad_backups[0]); i++)
		assert_api_call(NULL, MA, "PUT", "/api/v1/databases/mema_tmp/backup",
				bad_backups[i], 400);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM db WHERE db = 'mema_tmp' AND"
					  " bck_mode = 2 AND bck_dir LIKE '%%/html/m/mema/sql'"),
			 1);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/databases/mema_tmp", NULL, 204);
	assert_api_call(NULL, MA, "GET", "/api/v1/databases/mema_tmp", NULL, 404);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/databases/mema_tmp", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name = 'mema_tmp'"),
			 0);
	assert_api_call(NULL, MA, "GET", "/api/v1/databases/mema_tmp?x=1", NULL, 400);

	/* The quota: at the limit, 422 and nothing created. */
	assert_int_equal(api_set_quota("mema", "mysql", 2), 200);
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/databases", "{\"suffix\": \"over\"}");
	assert_api_status(&r, 422);
	assert_string_equal(api_error_code(&r), "quota_exceeded");
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name = 'mema_over'"),
			 0);
	assert_int_equal(api_set_quota("mema", "mysql", 5), 200);
}

/* ---------------------------------------------------------------- users and grants */

static void assert_grants(int who, const char *user, const char *database, const char *rights)
{
	char path[128], got[256] = "";
	size_t i, n = 0;
	json_t *item;
	api_resp r;

	snprintf(path, sizeof(path), "/api/v1/dbusers/%s/grants", user);
	api_call(&r, who, "GET", path, NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "name"), user);
	json_t *list = json_object_get(json_object_get(r.json, "grants"), database);
	assert_true(json_is_array(list));
	json_array_foreach(list, i, item)
	{
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", n ? "," : "",
				      json_string_value(item));
	}
	api_resp_free(&r);
	assert_string_equal(got, rights);
}

static void test_users_and_grants(void **state)
{
	api_resp r;

	(void)state;
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/dbusers",
		 "{\"suffix\": \"app\", \"password\": \"Db-User-Pass-1\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "name"), "mema_app");
	assert_string_equal(api_str(&r, "owner"), "mema");
	assert_string_equal(r.location, "/api/v1/dbusers/mema_app");
	assert_null(strstr(r.body, "Db-User-Pass"));
	api_resp_free(&r);
	/* The user logs in with its password, and sees nothing yet. */
	assert_true(can_login("mema_app", "Db-User-Pass-1"));
	assert_false(can_login("mema_app", "Db-User-Pass-2"));
	assert_int_equal(run_as("mema_app", "Db-User-Pass-1", NULL, "USE mema_shop"), 1044);
	assert_grants(MA, "mema_app", "mema_shop", "");

	api_call(&r, MA, "POST", "/api/v1/accounts/mema/dbusers",
		 "{\"suffix\": \"weak\", \"password\": \"abc\"}");
	assert_api_status(&r, 400);
	assert_string_equal(api_error_field(&r), "password");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/dbusers",
			"{\"suffix\": \"nopass\"}", 400);
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/dbusers",
			"{\"suffix\": \"x'@'%\", \"password\": \"Db-User-Pass-1\"}", 400);
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/dbusers",
			"{\"suffix\": \"app\", \"password\": \"Db-User-Pass-1\"}", 409);
	assert_false(can_login("mema_weak", "abc"));

	/* SELECT only: reading works, writing is refused by the server itself. */
	assert_int_equal(th_sql(srv.cluster, 0,
				"CREATE TABLE mema_shop.t (id INT); INSERT INTO mema_shop.t VALUES "
				"(1)"),
			 0);
	api_call(&r, MA, "PUT", "/api/v1/dbusers/mema_app/grants",
		 "{\"grants\": {\"mema_shop\": [\"select\"]}}");
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "name"), "mema_app");
	assert_string_equal(
	    json_string_value(
		json_array_get(json_object_get(json_object_get(r.json, "grants"), "mema_shop"), 0)),
	    "SELECT");
	api_resp_free(&r);
	assert_grants(MA, "mema_app", "mema_shop", "SELECT");
	assert_grants(MA, "mema_app", "mema", "");
	assert_int_equal(run_as("mema_app", "Db-User-Pass-1", "mema_shop", "SELECT * FROM t"), 0);
	assert_int_equal(
	    run_as("mema_app", "Db-User-Pass-1", "mema_shop", "INSERT INTO t VALUES (2)"), 1142);
	assert_int_equal(run_as("mema_app", "Db-User-Pass-1", "mema_shop", "DROP TABLE t"), 1142);
	/* Another member's database stays invisible. */
	assert_int_equal(run_as("mema_app", "Db-User-Pass-1", NULL, "USE memb_data"), 1044);
	assert_int_equal(
	    run_as("mema_app", "Db-User-Pass-1", "mema_shop", "SELECT * FROM memb_data.secret"),
	    1142);
	MYSQL *m = connect_as("mema_app", "Db-User-Pass-1", NULL);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "SHOW DATABASES"), 0);
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row;
	int own = 0, other = 0;
	while ((row = mysql_fetch_row(res))) {
		own |= strcmp(row[0], "mema_shop") == 0;
		other |= strncmp(row[0], "memb", 4) == 0;
	}
	mysql_free_result(res);
	mysql_close(m);
	assert_true(own);
	assert_false(other);

	/* More rights; then none. Databases not listed keep theirs. */
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/grants",
			"{\"grants\": {\"mema_shop\": [\"SELECT\", \"INSERT\", "
			"\"create temporary tables\"], \"mema\": [\"SELECT\"]}}",
			200);
	assert_grants(MA, "mema_app", "mema_shop", "SELECT,INSERT,CREATE TEMPORARY TABLES");
	assert_int_equal(
	    run_as("mema_app", "Db-User-Pass-1", "mema_shop", "INSERT INTO t VALUES (2)"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM mema_shop.t"), 2);
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/grants", "{\"grants\": {}}",
			200);
	assert_grants(MA, "mema_app", "mema_shop", "SELECT,INSERT,CREATE TEMPORARY TABLES");
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/grants",
			"{\"grants\": {\"mema_shop\": []}}", 200);
	assert_grants(MA, "mema_app", "mema_shop", "");
	assert_grants(MA, "mema_app", "mema", "SELECT");
	assert_int_equal(run_as("mema_app", "Db-User-Pass-1", "mema_shop", "SELECT * FROM t"),
			 1044);

	/* Refusals: each answers 400 naming grants, and changes nothing. */
	static const char *const bad[] = {
	    "{\"grants\": {\"mema_shop\": [\"SELEKT\"]}}",
	    "{\"grants\": {\"mema_shop\": [\"ALL PRIVILEGES\"]}}",
	    "{\"grants\": {\"mema_shop\": [\"GRANT OPTION\"]}}",
	    "{\"grants\": {\"mema_shop\": [\"SELECT; DROP DATABASE mema\"]}}",
	    "{\"grants\": {\"mema_shop\": [1]}}",
	    "{\"grants\": {\"mema_shop\": \"SELECT\"}}",
	    "{\"grants\": [\"SELECT\"]}",
	    "{\"grants\": \"mema_shop:SELECT\"}",
	    "{\"grants\": {\"\": [\"SELECT\"]}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_call(&r, MA, "PUT", "/api/v1/dbusers/mema_app/grants", bad[i]);
		if (r.status != 400 || strcmp(api_error_field(&r), "grants") != 0)
			fail_msg("%s: %ld %s", bad[i], r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/grants", "{}", 400);
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/grants",
			"{\"grants\": {}, \"user\": \"memb_user\"}", 400);
	/* A database of someone else, or that does not exist: 404, nothing applied. */
	api_call(&r, MA, "PUT", "/api/v1/dbusers/mema_app/grants",
		 "{\"grants\": {\"mema\": [\"SELECT\", \"INSERT\"], \"memb_data\": [\"SELECT\"]}}");
	assert_api_status(&r, 404);
	assert_string_equal(api_error_field(&r), "grants");
	api_resp_free(&r);
	assert_grants(MA, "mema_app", "mema", "SELECT");
	assert_int_equal(run_as("mema_app", "Db-User-Pass-1", NULL, "USE memb_data"), 1044);
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/grants",
			"{\"grants\": {\"mema_%\": [\"SELECT\"]}}", 404);

	/* Password changes apply on the server. */
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/password",
			"{\"password\": \"Db-User-Pass-2\"}", 204);
	assert_false(can_login("mema_app", "Db-User-Pass-1"));
	assert_true(can_login("mema_app", "Db-User-Pass-2"));
	assert_api_call(NULL, MA, "PUT", "/api/v1/dbusers/mema_app/password",
			"{\"password\": \"short\"}", 400);
	assert_true(can_login("mema_app", "Db-User-Pass-2"));

	/* Lists, one user, deletion. */
	assert_api_call(NULL, MA, "POST", "/api/v1/accounts/mema/dbusers",
			"{\"password\": \"Db-User-Pass-3\"}", 201);
	api_call(&r, MA, "GET", "/api/v1/accounts/mema/dbusers", NULL);
	assert_api_status(&r, 200);
	assert_non_null(api_item(&r, "name", "mema"));
	assert_non_null(api_item(&r, "name", "mema_app"));
	assert_null(api_item(&r, "name", "memb_user"));
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/dbusers/mema", NULL, 200);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/dbusers/mema", NULL, 204);
	assert_false(can_login("mema", "Db-User-Pass-3"));
	assert_api_call(NULL, MA, "GET", "/api/v1/dbusers/mema", NULL, 404);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/dbusers/mema", NULL, 404);
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "Db-User-Pass"));
}

/* ---------------------------------------------------------------- dumps, repair */

static void test_dump_restore(void **state)
{
	char file[256], body[512];
	api_resp r;

	(void)state;
	assert_int_equal(th_sql(srv.cluster, 0,
				"CREATE TABLE mema.keep (v VARCHAR(16)); INSERT INTO mema.keep "
				"VALUES ('before')"),
			 0);
	api_call(&r, MA, "POST", "/api/v1/databases/mema/dump", NULL);
	assert_api_status(&r, 202);
	json_int_t job = json_integer_value(json_object_get(r.json, "job"));
	assert_true(job > 0);
	assert_string_equal(api_str(&r, "database"), "mema");
	api_resp_free(&r);
	assert_int_equal(
	    api_number(&srv,
		       "SELECT COUNT(*) FROM panel_actions WHERE id = %lld AND action = "
		       "'db_dump' AND done_at IS NULL",
		       (long long)job),
	    1);
	assert_true(run_jobs() >= 1);
	job_result(file, sizeof(file), job);
	assert_string_equal(file, "ok");

	/* The dump is in the member's backups folder. */
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "ls %s/html/m/mema/backups/ | grep '^mema-.*\\.sql$' | head -1",
		 root);
	FILE *ls = popen(cmd, "r");
	assert_non_null(ls);
	assert_non_null(fgets(file, sizeof(file), ls));
	pclose(ls);
	file[strcspn(file, "\n")] = '\0';

	/* A restore brings the data back. */
	assert_int_equal(th_sql(srv.cluster, 0, "UPDATE mema.keep SET v = 'after'"), 0);
	snprintf(body, sizeof(body), "{\"file\": \"%s\"}", file);
	api_call(&r, MA, "POST", "/api/v1/databases/mema/restore", body);
	assert_api_status(&r, 202);
	assert_string_equal(api_str(&r, "file"), file);
	assert_true(json_integer_value(json_object_get(r.json, "job")) > job);
	api_resp_free(&r);
	assert_true(run_jobs() >= 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM mema.keep WHERE v = 'before'"), 1);

	/* Only the database's own dumps, by file name. */
	static const char *const bad[] = {
	    "{\"file\": \"../../../../etc/passwd\"}",
	    "{\"file\": \"memb_data-20260101-000000.sql\"}",
	    "{\"file\": \"mema-x.sql; rm -rf /\"}",
	    "{\"file\": \"mema_shop-20260101-000000.sql\"}",
	    "{\"file\": \"\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_call(&r, MA, "POST", "/api/v1/databases/mema/restore", bad[i]);
		if (r.status != 400 || strcmp(api_error_field(&r), "file") != 0)
			fail_msg("%s: %ld %s", bad[i], r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_api_call(NULL, MA, "POST", "/api/v1/databases/mema/restore", "{}", 400);
	assert_api_call(NULL, MA, "POST", "/api/v1/databases/mema/dump", "{\"file\": \"x.sql\"}",
			400);
	assert_api_call(NULL, MA, "POST", "/api/v1/databases/nosuch_db/dump", NULL, 404);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM panel_actions WHERE done_at IS NULL "
				    "AND action IN ('db_dump', 'db_restore')"),
			 0);
}

static void test_repair(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(NULL, MA, "GET", "/api/v1/databases-repair", NULL, 403);
	assert_api_call(NULL, MA, "POST", "/api/v1/databases-repair", NULL, 403);
	assert_api_call(NULL, AB_MA, "GET", "/api/v1/databases-repair", NULL, 403);
	/* A database of memc on the server that the panel does not know. */
	assert_int_equal(th_sql(srv.cluster, 0, "CREATE DATABASE memc_orphan"), 0);
	api_call(&r, SA, "GET", "/api/v1/databases-repair", NULL);
	assert_api_status(&r, 200);
	json_t *p = api_item(&r, "name", "memc_orphan");
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "kind")), "database");
	assert_string_equal(json_string_value(json_object_get(p, "problem")), "no_row");
	assert_true(json_is_string(json_object_get(p, "action")));
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), api_items(&r));
	api_resp_free(&r);
	/* GET changed nothing; POST repairs. */
	assert_api_call(NULL, SA, "GET", "/api/v1/databases/memc_orphan", NULL, 404);
	assert_api_call(NULL, SA, "POST", "/api/v1/databases-repair", "{\"dry_run\": true}", 400);
	api_call(&r, SA, "POST", "/api/v1/databases-repair", NULL);
	assert_api_status(&r, 200);
	assert_non_null(api_item(&r, "name", "memc_orphan"));
	api_resp_free(&r);
	api_call(&r, MC, "GET", "/api/v1/databases/memc_orphan", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "owner"), "memc");
	api_resp_free(&r);
	api_call(&r, SA, "GET", "/api/v1/databases-repair", NULL);
	assert_null(api_item(&r, "name", "memc_orphan"));
	api_resp_free(&r);
}

/* ---------------------------------------------------------------- authorization */

#define DB "memb_data"
#define GD "ghost_data"
#define US "memb_user"
#define GU "ghost_user"

static const api_row rows[] = {
#define DENIED(who)                                                                                \
	{who, "GET", "/api/v1/databases/" DB, NULL, 404, DB, GD},                                  \
	    {who, "DELETE", "/api/v1/databases/" DB, NULL, 404, DB, GD},                           \
	    {who, "POST", "/api/v1/databases/" DB "/dump", NULL, 404, DB, GD},                     \
	    {who, "PUT", "/api/v1/databases/" DB "/backup", "{\"mode\": \"none\"}", 404, DB, GD},  \
	    {who,                                                                                  \
	     "POST",                                                                               \
	     "/api/v1/databases/" DB "/restore",                                                   \
	     "{\"file\": \"" DB "-20260101-000000.sql\"}",                                         \
	     404,                                                                                  \
	     DB,                                                                                   \
	     GD},                                                                                  \
	    {who, "GET", "/api/v1/databases/memb", NULL, 404, "memb", "ghostdb"},                  \
	    {who, "GET", "/api/v1/accounts/memb/databases", NULL, 404, "memb", "ghostacct"},       \
	    {who,    "POST",	 "/api/v1/accounts/memb/databases", "{\"suffix\": \"pwn\"}", 404,  \
	     "memb", "ghostacct"},                                                                 \
	    {who, "GET", "/api/v1/accounts/memb/dbusers", NULL, 404, "memb", "ghostacct"},         \
	    {who,                                                                                  \
	     "POST",                                                                               \
	     "/api/v1/accounts/memb/dbusers",                                                      \
	     "{\"suffix\": \"pwn\", \"password\": \"Pwned-pass-2026\"}",                           \
	     404,                                                                                  \
	     "memb",                                                                               \
	     "ghostacct"},                                                                         \
	    {who, "GET", "/api/v1/dbusers/" US, NULL, 404, US, GU},                                \
	    {who, "DELETE", "/api/v1/dbusers/" US, NULL, 404, US, GU},                             \
	    {who,                                                                                  \
	     "PUT",                                                                                \
	     "/api/v1/dbusers/" US "/password",                                                    \
	     "{\"password\": \"Pwned-pass-2026\"}",                                                \
	     404,                                                                                  \
	     US,                                                                                   \
	     GU},                                                                                  \
	    {who, "GET", "/api/v1/dbusers/" US "/grants", NULL, 404, US, GU},                      \
	    {who,                                                                                  \
	     "PUT",                                                                                \
	     "/api/v1/dbusers/" US "/grants",                                                      \
	     "{\"grants\": {\"" DB "\": [\"SELECT\", \"INSERT\", \"DELETE\"]}}",                   \
	     404,                                                                                  \
	     US,                                                                                   \
	     GU},                                                                                  \
	    {who, "GET", "/api/v1/dbusers/MEMB_USER", NULL, 404, "MEMB_USER", "GHOST_USER"},       \
	{                                                                                          \
		who, "GET", "/api/v1/dbusers/memb%5Fuser/grants", NULL, 404, "memb%5Fuser",        \
		    "ghost%5Fuser"                                                                 \
	}
    DENIED(MA),
    DENIED(MC),
    DENIED(AC),
    DENIED(AB_MA),
    /* one's own user given another member's database, by name or by pattern */
    {MA, "PUT", "/api/v1/dbusers/mema_app/grants", "{\"grants\": {\"" DB "\": [\"SELECT\"]}}", 404,
     DB, GD},
    {MA, "PUT", "/api/v1/dbusers/mema_app/grants", "{\"grants\": {\"memb\": [\"SELECT\"]}}", 404,
     "memb", "ghostdb"},
    {MA, "PUT", "/api/v1/dbusers/mema_app/grants", "{\"grants\": {\"memb_%\": [\"SELECT\"]}}", 404,
     "memb", "ghostdb"},
    {MA, "PUT", "/api/v1/dbusers/mema_app/grants", "{\"grants\": {\"%\": [\"SELECT\"]}}", 404, NULL,
     NULL},
    /* admin routes, keys */
    {MA, "GET", "/api/v1/databases-repair", NULL, 403, NULL, NULL},
    {MC, "POST", "/api/v1/databases-repair", NULL, 403, NULL, NULL},
    {AB_MA, "POST", "/api/v1/databases-repair", NULL, 403, NULL, NULL},
    {KRO, "POST", "/api/v1/databases-repair", NULL, 403, NULL, NULL},
    {KRO, "GET", "/api/v1/databases/" DB, NULL, 200, NULL, NULL},
    {KRO, "PUT", "/api/v1/dbusers/" US "/grants", "{\"grants\": {}}", 403, NULL, NULL},
    {KOTHER, "GET", "/api/v1/databases/" DB, NULL, 403, NULL, NULL},
    {KOTHER, "GET", "/api/v1/dbusers/" US "/grants", NULL, 403, NULL, NULL},
    {KB, "GET", "/api/v1/dbusers/" US "/grants", NULL, 200, NULL, NULL},
    {MB, "GET", "/api/v1/databases/" DB, NULL, 200, NULL, NULL},
    {AB, "GET", "/api/v1/accounts/memb/dbusers", NULL, 200, NULL, NULL},
    {AC, "GET", "/api/v1/accounts/memc/databases", NULL, 200, NULL, NULL},
};

static void test_matrix(void **state)
{
	(void)state;
	assert_int_equal(api_run_matrix(rows, sizeof(rows) / sizeof(rows[0])), 0);
	/* Nothing the refused calls tried happened. */
	assert_grants(MB, US, DB, "SELECT");
	assert_true(can_login(US, "Memb-db-pass-1"));
	assert_int_equal(run_as(US, "Memb-db-pass-1", DB, "SELECT * FROM secret"), 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name IN ('memb', 'memb_data')"),
			 2);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name LIKE '%%pwn%%'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM mysql.user WHERE User LIKE "
					  "'%%pwn%%'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_actions WHERE action IN "
					  "('db_dump', 'db_restore') AND args LIKE '%%memb%%'"),
			 0);
	assert_int_equal(run_as("mema_app", "Db-User-Pass-2", NULL, "USE memb_data"), 1044);
}

/* ---------------------------------------------------------------- races */

/* Posts racing for the last free slots of the mysql quota: exactly the free slots succeed, and
 * the server holds exactly those databases. */
static void test_race_quota(void **state)
{
	enum { N = 8, FREE = 2 };
	api_racer racers[N];

	(void)state;
	assert_int_equal(api_create_account(&srv, tokens[AB], "quotadb", API_PASS, ""), 201);
	assert_int_equal(api_set_quota("quotadb", "mysql", FREE), 200);
	memset(racers, 0, sizeof(racers));
	for (int i = 0; i < N; i++) {
		racers[i].who = i % 2 ? AB : KB;
		racers[i].method = "POST";
		snprintf(racers[i].path, sizeof(racers[i].path),
			 "/api/v1/accounts/quotadb/databases");
		snprintf(racers[i].body, sizeof(racers[i].body), "{\"suffix\": \"r%d\"}", i);
	}
	assert_int_equal(api_race(racers, N), 0);
	int created = api_race_count(racers, N, 201), refused = api_race_count(racers, N, 422);
	api_race_free(racers, N);
	assert_int_equal(created, FREE);
	assert_int_equal(refused, N - FREE);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
					  "schema_name LIKE 'quotadb\\_r%%'"),
			 FREE);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM db WHERE db LIKE 'quotadb%%'"),
			 FREE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_databases),	 cmocka_unit_test(test_users_and_grants),
	    cmocka_unit_test(test_dump_restore), cmocka_unit_test(test_repair),
	    cmocka_unit_test(test_matrix),	 cmocka_unit_test(test_race_quota),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
