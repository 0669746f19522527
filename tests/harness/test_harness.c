/* Tests of the test harness itself: a real primary + semi-sync replica started through
 * th_cluster.c, checked for replication, signals, restarts, databases and teardown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <mysql.h>

#include "th_cluster.h"

#define POLL_TIMEOUT_MS 15000
#define VALUE_MAX	256

struct fixture {
	th_cluster *c;
	char db[80]; /* created by the first test, used by the later ones */
	int rows;    /* rows in db.t on the primary */
};

/* snprintf that fails on truncation, for assert_int_equal(fmt(...), 0). */
static int fmt(char *buf, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fmt(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(buf, size, format, ap);
	va_end(ap);
	return (n >= 0 && (size_t)n < size) ? 0 : -1;
}

static long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The first column of the first row of a query, as text ("NULL" for NULL); 0 or -1. */
static int query_value(const th_cluster *c, int idx, const char *sql, char *out, size_t size)
{
	MYSQL *m = th_connect(c, idx, NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc = -1;

	if (m == NULL)
		return -1;
	if (mysql_query(m, sql) != 0) {
		fprintf(stderr, "server %d: %s: %s\n", idx, sql, mysql_error(m));
		goto out;
	}
	res = mysql_store_result(m);
	if (res == NULL)
		goto out;
	row = mysql_fetch_row(res);
	if (row != NULL && mysql_num_fields(res) > 0) {
		rc = fmt(out, size, "%s", row[0] != NULL ? row[0] : "NULL");
	}
	mysql_free_result(res);
out:
	mysql_close(m);
	return rc;
}

static long query_long(const th_cluster *c, int idx, const char *sql)
{
	char v[VALUE_MAX];

	if (query_value(c, idx, sql, v, sizeof(v)) < 0)
		return -1;
	return strtol(v, NULL, 10);
}

/* Polls until the query answers want (replication is asynchronous to the reader). */
static int wait_value(const th_cluster *c, int idx, const char *sql, const char *want)
{
	char v[VALUE_MAX] = "";
	long deadline = now_ms() + POLL_TIMEOUT_MS;

	while (now_ms() < deadline) {
		if (query_value(c, idx, sql, v, sizeof(v)) == 0 && strcmp(v, want) == 0)
			return 0;
		sleep_ms(50);
	}
	fprintf(stderr, "server %d: %s answers '%s', want '%s'\n", idx, sql, v, want);
	return -1;
}

static int pid_alive(int pid)
{
	char path[64], line[512];
	FILE *f;
	const char *paren;
	int alive = 0;

	if (fmt(path, sizeof(path), "/proc/%d/stat", pid) < 0)
		return 0;
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) != NULL) {
		paren = strrchr(line, ')');
		alive = paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
	}
	fclose(f);
	return alive;
}

static char pid_state(int pid)
{
	char path[64], line[512];
	FILE *f;
	const char *paren;
	char state = '?';

	if (fmt(path, sizeof(path), "/proc/%d/stat", pid) < 0)
		return state;
	f = fopen(path, "r");
	if (f == NULL)
		return state;
	if (fgets(line, sizeof(line), f) != NULL) {
		paren = strrchr(line, ')');
		if (paren != NULL && paren[1] == ' ')
			state = paren[2];
	}
	fclose(f);
	return state;
}

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int count_sql(char *buf, size_t size, const char *db)
{
	return fmt(buf, size, "SELECT COUNT(*) FROM `%s`.t", db);
}

static int setup_cluster(void **state)
{
	th_options opts = {.replicas = 1, .semisync = 1};
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (th_cluster_start(&f->c, &opts) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown_cluster(void **state)
{
	struct fixture *f = *state;

	if (f != NULL) {
		th_cluster_free(f->c);
		free(f);
	}
	return 0;
}

static void test_started_cluster_is_described(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;

	assert_int_equal(c->nservers, 2);
	assert_int_equal(c->owned, 1);
	assert_true(dir_exists(c->dir));
	for (int i = 0; i < c->nservers; i++) {
		assert_int_equal(c->servers[i].index, i);
		assert_int_equal(c->servers[i].server_id, i + 1);
		assert_true(c->servers[i].port > 0);
		assert_true(th_server_pid(c, i) > 0);
		assert_int_equal(query_long(c, i, "SELECT @@port"), c->servers[i].port);
		assert_int_equal(query_long(c, i, "SELECT @@server_id"), c->servers[i].server_id);
	}
	assert_int_not_equal(c->servers[0].port, c->servers[1].port);
	assert_int_equal(th_server_pid(c, 2), -1);
}

static void test_write_reaches_replica(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;
	char sql[512], primary_pos[VALUE_MAX], replica_pos[VALUE_MAX], v[VALUE_MAX];

	assert_int_equal(th_database_create(c, "th", f->db, sizeof(f->db)), 0);
	assert_int_equal(
	    fmt(sql, sizeof(sql),
		"CREATE TABLE `%s`.t (id INT PRIMARY KEY, s VARCHAR(20)) ENGINE=InnoDB;"
		"INSERT INTO `%s`.t VALUES (1, 'one'), (2, 'two');"
		"INSERT INTO `%s`.t VALUES (3, 'trois')",
		f->db, f->db, f->db),
	    0);
	assert_int_equal(th_sql(c, 0, sql), 0);
	f->rows = 3;

	assert_int_equal(count_sql(sql, sizeof(sql), f->db), 0);
	assert_int_equal(wait_value(c, 1, sql, "3"), 0);

	assert_int_equal(query_long(c, 1, "SELECT @@read_only"), 1);
	assert_int_equal(query_long(c, 0, "SELECT @@read_only"), 0);
	assert_int_equal(query_value(c, 0,
				     "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				     "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'",
				     v, sizeof(v)),
			 0);
	assert_string_equal(v, "ON");
	/* The writes were acknowledged by the replica, not timed out into asynchronous mode. */
	assert_true(query_long(c, 0,
			       "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
			       "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_YES_TX'") >= 3);
	assert_int_equal(query_long(c, 0,
				    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				    "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_NO_TX'"),
			 0);

	assert_int_equal(
	    query_value(c, 0, "SELECT @@gtid_binlog_pos", primary_pos, sizeof(primary_pos)), 0);
	assert_true(primary_pos[0] != '\0');
	assert_int_equal(wait_value(c, 1, "SELECT @@gtid_slave_pos", primary_pos), 0);
	assert_int_equal(
	    query_value(c, 1, "SELECT @@gtid_binlog_pos", replica_pos, sizeof(replica_pos)), 0);
	assert_string_equal(replica_pos, primary_pos);
}

static void test_stopped_server_answers_after_cont(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;
	unsigned int one = 1;
	int pid = th_server_pid(c, 1);
	MYSQL *m;

	assert_true(pid > 0);
	assert_int_equal(th_server_signal(c, 1, SIGSTOP), 0);
	assert_int_equal(pid_state(pid), 'T');

	/* A stopped server accepts TCP in the kernel but never greets: the client gives up. */
	m = mysql_init(NULL);
	assert_non_null(m);
	assert_int_equal(mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &one), 0);
	assert_int_equal(mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &one), 0);
	assert_null(mysql_real_connect(m, "127.0.0.1", c->user, c->password, NULL,
				       (unsigned int)c->servers[1].port, NULL, 0));
	mysql_close(m);

	assert_int_equal(th_server_signal(c, 1, SIGCONT), 0);
	assert_int_equal(query_long(c, 1, "SELECT 1"), 1);
	assert_int_equal(th_server_pid(c, 1), pid);
}

static void test_killed_replica_restarts_and_catches_up(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;
	char sql[512], want[16], primary_pos[VALUE_MAX];
	int old_pid = th_server_pid(c, 1), new_pid;

	assert_true(old_pid > 0);
	/* With its only replica dead, the next commit waits this long for an acknowledgement
	 * before the primary falls back to asynchronous replication. */
	assert_int_equal(th_sql(c, 0, "SET GLOBAL rpl_semi_sync_master_timeout = 500"), 0);

	assert_int_equal(th_server_signal(c, 1, SIGKILL), 0);
	assert_false(pid_alive(old_pid));
	assert_int_equal(th_server_pid(c, 1), -1);
	assert_int_equal(th_server_signal(c, 1, SIGTERM), -1);

	assert_int_equal(
	    fmt(sql, sizeof(sql), "INSERT INTO `%s`.t VALUES (4, 'while down')", f->db), 0);
	assert_int_equal(th_sql(c, 0, sql), 0);
	f->rows++;

	assert_int_equal(th_server_start(c, 1), 0);
	new_pid = th_server_pid(c, 1);
	assert_true(new_pid > 0);
	assert_int_not_equal(new_pid, old_pid);
	assert_int_equal(th_server_start(c, 1), -1); /* already running */

	assert_int_equal(count_sql(sql, sizeof(sql), f->db), 0);
	assert_int_equal(fmt(want, sizeof(want), "%d", f->rows), 0);
	assert_int_equal(wait_value(c, 1, sql, want), 0);
	assert_int_equal(
	    query_value(c, 0, "SELECT @@gtid_binlog_pos", primary_pos, sizeof(primary_pos)), 0);
	assert_int_equal(wait_value(c, 1, "SELECT @@gtid_slave_pos", primary_pos), 0);
	assert_int_equal(query_long(c, 1, "SELECT @@read_only"), 1);

	/* The restarted replica is a semi-sync replica again. */
	assert_int_equal(wait_value(c, 0,
				    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				    "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'",
				    "1"),
			 0);
	assert_int_equal(th_sql(c, 0, "SET GLOBAL rpl_semi_sync_master_timeout = 10000"), 0);
}

static void test_replicate_repoints_replica(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;
	char sql[512], want[16];

	assert_int_equal(th_server_replicate(c, 1, 0), 0);
	assert_int_equal(th_server_replicate(c, 1, 1), -1);
	assert_int_equal(th_server_replicate(c, 1, 5), -1);

	assert_int_equal(
	    fmt(sql, sizeof(sql), "INSERT INTO `%s`.t VALUES (5, 'after repoint')", f->db), 0);
	assert_int_equal(th_sql(c, 0, sql), 0);
	f->rows++;
	assert_int_equal(count_sql(sql, sizeof(sql), f->db), 0);
	assert_int_equal(fmt(want, sizeof(want), "%d", f->rows), 0);
	assert_int_equal(wait_value(c, 1, sql, want), 0);
}

static void test_sql_reports_errors(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;

	assert_int_equal(th_sql(c, 0, "SELECT 1; SELECT 2; DO 3"), 0);
	assert_int_equal(th_sql(c, 0, "SELEC 1"), -1);
	/* An error in a later statement of a batch is reported too. */
	assert_int_equal(th_sql(c, 0, "SELECT 1; SELECT * FROM no_such_db.no_such_table"), -1);
	assert_null(th_connect(c, 7, NULL));
	assert_null(th_connect(c, -1, NULL));
	(void)f;
}

static void test_connect_settings(void **state)
{
	struct fixture *f = *state;
	MYSQL *m = th_connect(f->c, 1, f->db);
	MYSQL_RES *res;
	MYSQL_ROW row;

	assert_non_null(m);
	assert_string_equal(mysql_character_set_name(m), "utf8mb4");
	assert_int_equal(mysql_query(m, "SELECT DATABASE(), @@port; SELECT 2"), 0);
	res = mysql_store_result(m);
	assert_non_null(res);
	row = mysql_fetch_row(res);
	assert_non_null(row);
	assert_string_equal(row[0], f->db);
	assert_int_equal(strtol(row[1], NULL, 10), f->c->servers[1].port);
	mysql_free_result(res);
	/* CLIENT_MULTI_STATEMENTS: the second statement has a result too. */
	assert_int_equal(mysql_next_result(m), 0);
	res = mysql_store_result(m);
	assert_non_null(res);
	mysql_free_result(res);
	assert_int_equal(mysql_next_result(m), -1);
	mysql_close(m);
}

static void test_database_create_drop(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;
	char a[80], b[80], sql[512], pid[32];

	assert_int_equal(th_database_create(c, "thdb", a, sizeof(a)), 0);
	assert_int_equal(th_database_create(c, "thdb", b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(fmt(pid, sizeof(pid), "_%ld_", (long)getpid()), 0);
	assert_non_null(strstr(a, pid));
	assert_int_equal(strncmp(a, "thdb_", 5), 0);

	assert_int_equal(fmt(sql, sizeof(sql),
			     "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
			     "IN ('%s', '%s')",
			     a, b),
			 0);
	assert_int_equal(query_long(c, 0, sql), 2);
	assert_int_equal(wait_value(c, 1, sql, "2"), 0);

	/* A session a failed test left in the database, in a transaction that holds a table's
	 * metadata lock: the drop does not wait for it. */
	MYSQL *left = th_connect(c, 0, a);
	assert_non_null(left);
	assert_int_equal(mysql_query(left, "CREATE TABLE t (i INT) ENGINE=InnoDB"), 0);
	assert_int_equal(mysql_query(left, "START TRANSACTION"), 0);
	assert_int_equal(mysql_query(left, "INSERT INTO t VALUES (1)"), 0);
	assert_int_equal(th_database_drop(c, a), 0);
	mysql_close(left);
	assert_int_equal(th_database_drop(c, b), 0);
	assert_int_equal(query_long(c, 0, sql), 0);
	assert_int_equal(th_database_drop(c, a), -1);

	assert_int_equal(th_database_create(c, "bad`name", a, sizeof(a)), -1);
	assert_int_equal(th_database_create(c, "", a, sizeof(a)), -1);
	assert_int_equal(th_database_create(c, "th", a, 4), -1); /* does not fit */
	assert_int_equal(th_database_drop(c, "x; DROP DATABASE mysql"), -1);
}

static void test_attach_needs_a_cluster_folder(void **state)
{
	th_cluster *c = NULL;

	(void)state;
	assert_int_equal(th_cluster_attach(&c, "/nonexistent/th-cluster"), -1);
	assert_null(c);
}

/* Restores an environment variable on the way out of a test. */
static void restore_env(const char *name, const char *saved)
{
	if (saved != NULL)
		assert_int_equal(setenv(name, saved, 1), 0);
	else
		assert_int_equal(unsetenv(name), 0);
}

static void test_shared_attaches_to_panel_test_cluster(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c, *s = NULL;
	const char *env = getenv("PANEL_TEST_CLUSTER");
	char *saved = env != NULL ? strdup(env) : NULL;
	int pid = th_server_pid(c, 0);

	assert_int_equal(setenv("PANEL_TEST_CLUSTER", c->dir, 1), 0);
	assert_int_equal(th_cluster_shared(&s), 0);
	assert_non_null(s);
	assert_int_equal(s->owned, 0);
	assert_string_equal(s->dir, c->dir);
	assert_int_equal(s->nservers, c->nservers);
	assert_int_equal(s->servers[0].port, c->servers[0].port);
	assert_int_equal(th_server_pid(s, 0), pid);
	assert_int_equal(query_long(s, 0, "SELECT 42"), 42);
	th_cluster_free(s);

	/* Freeing an attached cluster leaves it running. */
	assert_true(dir_exists(c->dir));
	assert_int_equal(th_server_pid(c, 0), pid);
	assert_int_equal(query_long(c, 0, "SELECT 43"), 43);
	restore_env("PANEL_TEST_CLUSTER", saved);
	free(saved);
}

static void test_shared_without_env_starts_its_own(void **state)
{
	struct fixture *f = *state;
	const char *env = getenv("PANEL_TEST_CLUSTER");
	char *saved = env != NULL ? strdup(env) : NULL;
	char dir[PATH_MAX];
	th_cluster *s = NULL;
	int pid;

	assert_int_equal(unsetenv("PANEL_TEST_CLUSTER"), 0);
	assert_int_equal(th_cluster_shared(&s), 0);
	assert_non_null(s);
	assert_int_equal(s->owned, 1);
	assert_int_equal(s->nservers, 1);
	assert_string_not_equal(s->dir, f->c->dir);
	pid = th_server_pid(s, 0);
	assert_true(pid > 0);
	assert_int_equal(query_long(s, 0, "SELECT @@read_only"), 0);
	assert_int_equal(fmt(dir, sizeof(dir), "%s", s->dir), 0);
	th_cluster_free(s);
	assert_false(dir_exists(dir));
	assert_false(pid_alive(pid));
	restore_env("PANEL_TEST_CLUSTER", saved);
	free(saved);
}

/* Last: frees the group's cluster and checks that nothing of it is left. */
static void test_free_removes_everything(void **state)
{
	struct fixture *f = *state;
	th_cluster *c = f->c;
	char dir[PATH_MAX];
	int pids[TH_MAX_SERVERS], n = c->nservers;

	assert_int_equal(fmt(dir, sizeof(dir), "%s", c->dir), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = th_server_pid(c, i);
		assert_true(pids[i] > 0);
	}
	/* A stopped server must not hold up the teardown. */
	assert_int_equal(th_server_signal(c, 1, SIGSTOP), 0);
	th_cluster_free(c);
	f->c = NULL;
	assert_false(dir_exists(dir));
	for (int i = 0; i < n; i++)
		assert_false(pid_alive(pids[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_started_cluster_is_described),
	    cmocka_unit_test(test_write_reaches_replica),
	    cmocka_unit_test(test_stopped_server_answers_after_cont),
	    cmocka_unit_test(test_killed_replica_restarts_and_catches_up),
	    cmocka_unit_test(test_replicate_repoints_replica),
	    cmocka_unit_test(test_sql_reports_errors),
	    cmocka_unit_test(test_connect_settings),
	    cmocka_unit_test(test_database_create_drop),
	    cmocka_unit_test(test_attach_needs_a_cluster_folder),
	    cmocka_unit_test(test_shared_attaches_to_panel_test_cluster),
	    cmocka_unit_test(test_shared_without_env_starts_its_own),
	    cmocka_unit_test(test_free_removes_everything),
	};

	return cmocka_run_group_tests(tests, setup_cluster, teardown_cluster);
}
