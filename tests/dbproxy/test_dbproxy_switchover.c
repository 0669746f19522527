/* dbproxy planned switchover: writes pause briefly and sessions outside a transaction move to
 * the new primary without any error (schema and session settings kept, no password needed);
 * a session inside a transaction, or pinned by a temporary table, gets one clean error and is
 * never silently replayed; nothing acknowledged is lost. Twice, there and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	dpt_writer w; /* freed by the teardown too, in case an assertion failed */
	int passed;   /* tests that ran to their end: the log is shown unless both did */
} fixture;

static fixture F;

static int setup(void **state)
{
	th_options opts = {.replicas = 2, .semisync = 1};
	if (th_cluster_start(&F.c, &opts) < 0)
		return -1;
	if (dpt_setup_users(F.c) < 0 || dpt_proxy_start(&F.p, F.c, NULL) < 0) {
		th_cluster_free(F.c);
		return -1;
	}
	*state = &F;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	dpt_writer_free(&f->w);
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0 || f->passed != 5) {
		fprintf(stderr, "dbproxy exit status %d; its log:\n", rc);
		dpt_proxy_dump_log(&f->p, 100);
	}
	th_cluster_free(f->c);
	return rc == 0 ? 0 : -1;
}

/* One row of one query as "a|b|c". */
static int row_of(MYSQL *m, const char *sql, char *out, size_t size)
{
	out[0] = 0;
	if (mysql_query(m, sql) != 0)
		return -1;
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
	size_t len = 0;
	for (unsigned i = 0; row && i < mysql_num_fields(r); i++)
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					i ? "|" : "", row[i] ? row[i] : "NULL");
	mysql_free_result(r);
	return row ? 0 : -1;
}

static void switchover(fixture *f, const char *to, dpt_writer *w)
{
	char *body = NULL, path[64];
	int errors_before = w->errors;
	size_t acked = dpt_writer_count(w);
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	snprintf(path, sizeof(path), to ? "/switchover?to=%s" : "/switchover", to);
	uint64_t t0 = dpt_ms();
	int code = dpt_http(&f->p, "POST", path, &body);
	if (code != 200)
		fprintf(stderr, "switchover answered %d: %s\n", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	dpt_log("switchover done in %llu ms", (unsigned long long)(dpt_ms() - t0));
	assert_true(dpt_writer_wait(w, acked + 100, 20000));
	/* The writer never saw an error: its session moved between two statements. */
	assert_int_equal(w->errors, errors_before);
}

static void test_switchover_moves_sessions(void **state)
{
	fixture *f = *state;
	dpt_writer *w = &f->w;
	char v[512], before[512];
	uint64_t epoch0 = 0, epoch1 = 0;
	int old = dpt_primary(&f->p, &epoch0);

	/* An idle session with settings and a schema of its own. */
	assert_int_equal(th_sql(f->c, old,
				"CREATE DATABASE other; GRANT ALL ON other.* TO " DPT_APP_USER
				"@'127.0.0.1'"),
			 0);
	MYSQL *idle = dpt_connect(&f->p, 20);
	assert_non_null(idle);
	assert_int_equal(
	    mysql_query(idle, "SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES'"), 0);
	assert_int_equal(mysql_query(idle, "SET time_zone = '+05:00'"), 0);
	assert_int_equal(mysql_select_db(idle, "other"), 0);
	assert_int_equal(row_of(idle, "SELECT @@sql_mode, @@time_zone, DATABASE(), CURRENT_USER()",
				before, sizeof(before)),
			 0);
	/* A session pinned by a temporary table, and one inside a transaction. */
	MYSQL *temp = dpt_connect(&f->p, 20), *trx = dpt_connect(&f->p, 20);
	assert_non_null(temp);
	assert_non_null(trx);
	assert_int_equal(mysql_query(temp, "CREATE TEMPORARY TABLE tt (a INT)"), 0);
	assert_int_equal(mysql_query(trx, "BEGIN"), 0);
	assert_int_equal(mysql_query(trx, "INSERT INTO ledger (id, at) VALUES (-1, NOW(6))"), 0);

	assert_int_equal(dpt_writer_start(w, &f->p, 2), 0);
	assert_true(dpt_writer_wait(w, 100, 20000));
	switchover(f, NULL, w);
	int np = dpt_primary(&f->p, &epoch1);
	assert_true(np >= 0 && np != old);
	assert_true(epoch1 == epoch0 + 1);

	/* The idle session kept everything, and now runs on the new primary. */
	assert_int_equal(row_of(idle, "SELECT @@sql_mode, @@time_zone, DATABASE(), CURRENT_USER()",
				v, sizeof(v)),
			 0);
	assert_string_equal(v, before);
	assert_int_equal(row_of(idle, "SELECT @@server_id", v, sizeof(v)), 0);
	assert_int_equal(atoi(v), f->c->servers[np].server_id);

	/* The pinned ones: one clean error each, then they are gone; nothing replayed. */
	assert_int_not_equal(mysql_query(temp, "SELECT * FROM tt"), 0);
	dpt_log("temporary-table session got: %u %s", mysql_errno(temp), mysql_error(temp));
	assert_int_not_equal(mysql_query(trx, "COMMIT"), 0);
	dpt_log("in-transaction session got: %u %s", mysql_errno(trx), mysql_error(trx));
	mysql_close(temp);
	mysql_close(trx);
	assert_int_equal(
	    dpt_number(f->c, np, "SELECT COUNT(*) FROM " DPT_APP_DB ".ledger WHERE id = -1"), 0);

	/* And back to the old primary, which now replicates from the new one. */
	char to[16];
	snprintf(to, sizeof(to), "s%d", old);
	switchover(f, to, w);
	assert_int_equal(dpt_primary(&f->p, NULL), old);
	assert_int_equal(row_of(idle, "SELECT @@server_id, DATABASE(), @@time_zone", v, sizeof(v)),
			 0);
	snprintf(before, sizeof(before), "%d|other|+05:00", f->c->servers[old].server_id);
	assert_string_equal(v, before);
	mysql_close(idle);

	dpt_writer_stop(w);
	size_t checked = 0;
	long missing = dpt_ledger_missing(f->c, old, w, &checked);
	dpt_log("%zu acknowledged inserts, %d writer errors, %ld missing", checked, w->errors,
		missing);
	assert_int_equal(missing, 0);
	assert_int_equal(w->errors, 0);
	long long moved = dpt_counter(&f->p, "sessions_migrated");
	dpt_log("sessions moved: %lld", moved);
	assert_true(moved >= 4);
	dpt_writer_free(w);
	f->passed++;
}

static int ledger_row_on(void *arg)
{
	fixture *f = ((void **)arg)[0];
	int idx = *(int *)((void **)arg)[1];
	return dpt_number(f->c, idx, "SELECT COUNT(*) FROM " DPT_APP_DB ".ledger WHERE id = -5") ==
	       1;
}

/* A session's temporary tables are dropped, and the drop written to the binary log, when the
 * server ends the session, some time after the switchover killed it. That drop must be part
 * of the history the new primary took over, or the old primary, now its replica, holds a
 * transaction the new one lacks and its replication stops (gtid_strict_mode). */
static void test_switchover_waits_for_killed_sessions(void **state)
{
	fixture *f = *state;
	char sql[128], *body = NULL;
	int old = dpt_primary(&f->p, NULL);
	MYSQL *temp = dpt_connect(&f->p, 20);
	assert_non_null(temp);
	/* Many tables: their drop takes the server a while after the kill. */
	for (int i = 0; i < 1000; i++) {
		snprintf(sql, sizeof(sql), "CREATE TEMPORARY TABLE t%d (a INT) ENGINE=InnoDB", i);
		assert_int_equal(mysql_query(temp, sql), 0);
	}
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	int code = dpt_http(&f->p, "POST", "/switchover", &body);
	if (code != 200)
		dpt_log("switchover answered %d: %s", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	int np = dpt_primary(&f->p, NULL);
	assert_true(np >= 0 && np != old);
	assert_int_not_equal(mysql_query(temp, "SELECT 1 FROM t0"), 0);
	mysql_close(temp);

	/* A write on the new primary reaches the old one: its history is a prefix of the new. */
	assert_int_equal(
	    th_sql(f->c, np, "INSERT INTO " DPT_APP_DB ".ledger (id, at) VALUES (-5, NOW(6))"), 0);
	void *arg[2] = {f, &old};
	if (!dpt_until(15000, ledger_row_on, arg)) {
		char *st = NULL;
		dpt_http(&f->p, "GET", "/status", &st);
		dpt_log("s%d (old primary) never received the write; dbproxy's status: %s", old,
			st ? st : "(none)");
		free(st);
		fail();
	}
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	f->passed++;
}

static int writable_is(void *arg)
{
	void **a = arg;
	fixture *f = a[0];
	int *idx = a[1];
	return dpt_number(f->c, *idx, "SELECT @@global.read_only") == 0;
}

/* A switchover that fails after the demotion (the target cannot apply the old writer's last
 * write within the catch-up limit: its applier waits for a table lock held here): the old
 * writer stays the writer and is writable again. Before, it stayed read-only and every
 * member's write failed (1290) until an admin set read_only=0. */
static void test_failed_switchover_leaves_the_writer_writable(void **state)
{
	static const char *const short_catchup[] = {"--catchup-timeout-ms", "2000", NULL};
	fixture *f = *state;
	char path[64], *body = NULL;

	assert_int_equal(dpt_primary(&f->p, NULL), 0); /* a restarted dbproxy assumes s0 */
	assert_int_equal(dpt_proxy_stop(&f->p), 0);
	assert_int_equal(dpt_proxy_start(&f->p, f->c, short_catchup), 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	int old = 0, target = 1;
	MYSQL *lock = th_connect(f->c, target, DPT_APP_DB);
	assert_non_null(lock);
	assert_int_equal(mysql_query(lock, "LOCK TABLES ledger WRITE"), 0);
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_int_equal(
	    mysql_query(m, "INSERT INTO " DPT_APP_DB ".ledger (id, at) VALUES (-7, NOW(6))"), 0);
	snprintf(path, sizeof(path), "/switchover?to=s%d", target);
	int code = dpt_http(&f->p, "POST", path, &body);
	dpt_log("switchover answered %d: %s", code, body ? body : "");
	free(body);
	assert_int_not_equal(code, 200);
	void *arg[2] = {f, &old};
	assert_true(dpt_until(10000, writable_is, arg));
	assert_int_equal(dpt_primary(&f->p, NULL), old);
	mysql_close(m);
	m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	if (mysql_query(m, "INSERT INTO " DPT_APP_DB ".ledger (id, at) VALUES (-8, NOW(6))") != 0)
		fail_msg("a write after the failed switchover: %s", mysql_error(m));
	mysql_close(m);
	assert_int_equal(mysql_query(lock, "UNLOCK TABLES"), 0);
	mysql_close(lock);
	/* The next tests run with the default limit. */
	assert_int_equal(dpt_proxy_stop(&f->p), 0);
	assert_int_equal(dpt_proxy_start(&f->p, f->c, NULL), 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	f->passed++;
}

/* Every server but the primary replicates from it, logged in as user. */
static void replicas_log_in_as(fixture *f, int primary, const char *user)
{
	if (!dpt_until(20000, dpt_replicas_ready, &f->p))
		fail_msg("the replicas did not follow s%d", primary);
	for (int i = 0; i < f->c->nservers; i++) {
		if (i == primary)
			continue;
		MYSQL *m = th_connect(f->c, i, NULL);
		assert_non_null(m);
		assert_int_equal(mysql_query(m, "SHOW SLAVE STATUS"), 0);
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		assert_non_null(row);
		int col = -1;
		MYSQL_FIELD *fl = mysql_fetch_fields(r);
		for (unsigned k = 0; k < mysql_num_fields(r); k++)
			if (strcmp(fl[k].name, "Master_User") == 0)
				col = (int)k;
		assert_true(col >= 0);
		assert_string_equal(row[col], user);
		mysql_free_result(r);
		mysql_close(m);
	}
}

/* The replication password is written into CHANGE MASTER as a literal. On servers whose global
 * sql_mode has NO_BACKSLASH_ESCAPES, a quote escaped with a backslash ended the literal (the
 * statement failed) and a backslash doubled reached the password twice (the replica could not
 * log in): the replicas dbproxy pointed at the new primary stopped replicating. */
static void test_switchover_with_quotes_in_replication_password(void **state)
{
	static const char pass[] = "q'b\\s\\'x";
	fixture *f = *state;
	char sql[1024], file[PATH_MAX], *body = NULL;

	for (int i = 0; i < f->c->nservers; i++) {
		snprintf(
		    sql, sizeof(sql),
		    "SET SESSION sql_log_bin = 0;"
		    "CREATE USER 'repl_q'@'127.0.0.1' IDENTIFIED BY 'q''b\\\\s\\\\''x';"
		    "GRANT REPLICATION SLAVE ON *.* TO 'repl_q'@'127.0.0.1';"
		    "SET GLOBAL sql_mode = CONCAT(@@global.sql_mode, ',NO_BACKSLASH_ESCAPES')");
		assert_int_equal(th_sql(f->c, i, sql), 0);
	}
	snprintf(file, sizeof(file), "%.*s/repl_q.pw", PATH_MAX - 16, f->c->dir);
	assert_int_equal(dpt_write_file(file, pass), 0);
	const char *const extra[] = {"--replication-user", "repl_q", "--replication-password-file",
				     file, NULL};
	int old = dpt_primary(&f->p, NULL);
	assert_int_equal(dpt_proxy_stop(&f->p), 0);
	assert_int_equal(dpt_proxy_start(&f->p, f->c, extra), 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	int code = dpt_http(&f->p, "POST", "/switchover", &body);
	dpt_log("switchover answered %d: %s", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	int np = dpt_primary(&f->p, NULL);
	assert_true(np >= 0 && np != old);
	replicas_log_in_as(f, np, "repl_q");
	/* And back: the first server is the writer again for the next tests. */
	code = dpt_http(&f->p, "POST", "/switchover?to=s0", &body);
	dpt_log("switchover back answered %d: %s", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	assert_int_equal(dpt_primary(&f->p, NULL), 0);
	replicas_log_in_as(f, 0, "repl_q");
	for (int i = 0; i < f->c->nservers; i++)
		assert_int_equal(th_sql(f->c, i,
					"SET GLOBAL sql_mode = REPLACE(@@global.sql_mode, "
					"',NO_BACKSLASH_ESCAPES', '')"),
				 0);
	f->passed++;
}

/* A replica killed while it wrote its master.info (emptied here) comes back showing no
 * replication, and refuses every replication statement but RESET SLAVE with 1201: the
 * switchover's CHANGE MASTER failed, its retry too, and it never replicated again. dbproxy
 * resets its replication settings and points it at the new primary. */
static void test_replica_with_damaged_master_info_rejoins(void **state)
{
	fixture *f = *state;
	char path[PATH_MAX], to[64], *body = NULL;

	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	const int old = dpt_primary(&f->p, NULL), victim = (old + 1) % 3, target = (old + 2) % 3;
	assert_true(old >= 0);
	assert_int_equal(th_server_signal(f->c, victim, SIGKILL), 0);
	for (int i = 0; i < 500 && th_server_pid(f->c, victim) > 0; i++)
		usleep(10 * 1000);
	snprintf(path, sizeof(path), "%.*s/server%d/data/master.info", PATH_MAX - 64, f->c->dir,
		 victim);
	FILE *emptied = fopen(path, "w");
	assert_non_null(emptied);
	fclose(emptied);
	/* The switchover runs while it is down: it is pointed at the new primary when it is back,
	 * on a connection of dbproxy's that may not have seen it die (the first try can be cut). */
	snprintf(to, sizeof(to), "/switchover?to=s%d", target);
	int code = dpt_http(&f->p, "POST", to, &body);
	dpt_log("switchover answered %d: %s", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	assert_int_equal(dpt_primary(&f->p, NULL), target);
	assert_int_equal(th_server_start(f->c, victim), 0);
	assert_true(dpt_until(30000, dpt_replicas_ready, &f->p));
	f->passed++;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* First: a dbproxy restarted takes the first server as the writer. */
	    cmocka_unit_test(test_switchover_with_quotes_in_replication_password),
	    cmocka_unit_test(test_failed_switchover_leaves_the_writer_writable),
	    cmocka_unit_test(test_switchover_moves_sessions),
	    cmocka_unit_test(test_switchover_waits_for_killed_sessions),
	    cmocka_unit_test(test_replica_with_damaged_master_info_rejoins),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
