/* Tests of the database layer against a real MariaDB: prepared statements, buffered rows,
 * error mapping, the statement cache, and the transaction runner's deadlock retry and
 * reconnect after a killed connection. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db/db.h"
#include "error.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

static th_cluster *cluster;
static char dbname[128];

static panel_db *open_db(void)
{
	const th_server *s = &cluster->servers[0];
	panel_db_conf conf = {.host = "127.0.0.1",
			      .port = (unsigned)s->port,
			      .user = cluster->user,
			      .password = cluster->password,
			      .database = dbname,
			      .connect_timeout = 5,
			      .read_timeout = 30,
			      .write_timeout = 30};
	panel_db *db = NULL;

	assert_panel_ok(panel__db_open(&db, &conf));
	return db;
}

static int setup(void **state)
{
	(void)state;
	if (th_cluster_shared(&cluster) != 0)
		return -1;
	if (th_database_create(cluster, "dbtest", dbname, sizeof(dbname)) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_database_drop(cluster, dbname);
	th_cluster_free(cluster);
	return 0;
}

static void exec_and_query_round_trip(void **state)
{
	(void)state;
	panel_db *db = open_db();
	panel_db_rows *rows;
	uint64_t affected = 0, n = 0;
	char big[5000];

	assert_panel_ok(panel__db_exec(NULL, db,
				       "CREATE TABLE t_rt (id INT UNSIGNED AUTO_INCREMENT PRIMARY "
				       "KEY, name VARCHAR(64) NOT NULL UNIQUE, note TEXT NULL,"
				       " n BIGINT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
				       DB_NOARGS));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_panel_ok(panel__db_exec(
	    &affected, db, "INSERT INTO t_rt (name, note, n) VALUES (?, ?, ?), (?, ?, ?)",
	    DB_ARGS(DB_STR("Hervé ✓"), DB_STR(big), DB_I64(-42),
		    DB_STR("o'hara\"; DROP TABLE t_rt; --"), DB_NULL,
		    DB_U64(UINT64_C(18446744073709551615) >> 1))));
	assert_int_equal(affected, 2);
	assert_true(panel__db_insert_id(db) > 0);

	assert_panel_ok(
	    panel__db_query(&rows, db, "SELECT name, note, n FROM t_rt ORDER BY id", DB_NOARGS));
	assert_int_equal(panel__db_rows_count(rows), 2);
	assert_int_equal(panel__db_rows_columns(rows), 3);
	assert_string_equal(panel__db_cell(rows, 0, 0), "Hervé ✓");
	assert_string_equal(panel__db_cell(rows, 0, 1), big); /* longer than the first fetch */
	assert_string_equal(panel__db_cell(rows, 0, 2), "-42");
	/* Bound, not interpolated: the quote and the DROP are plain data. */
	assert_string_equal(panel__db_cell(rows, 1, 0), "o'hara\"; DROP TABLE t_rt; --");
	assert_null(panel__db_cell(rows, 1, 1));
	assert_string_equal(panel__db_cell(rows, 1, 2), "9223372036854775807");
	assert_null(panel__db_cell(rows, 2, 0)); /* out of range */
	assert_panel_rc(panel__db_cell_u64(&n, rows, 0, 2), PANEL_ERROR);
	panel__db_rows_free(rows);

	assert_panel_ok(panel__db_query_u64(&n, db, "SELECT COUNT(*) FROM t_rt WHERE name = ?",
					    DB_ARGS(DB_STR("Hervé ✓"))));
	assert_int_equal(n, 1);
	assert_panel_rc(panel__db_query_u64(&n, db, "SELECT id FROM t_rt WHERE name = ?",
					    DB_ARGS(DB_STR("nobody"))),
			PANEL_ENOTFOUND);
	assert_panel_ok(panel__db_exec(&affected, db, "UPDATE t_rt SET n = n + 1 WHERE name = ?",
				       DB_ARGS(DB_STR("nobody"))));
	assert_int_equal(affected, 0);
	panel__db_close(db);
}

static void errors_are_mapped(void **state)
{
	(void)state;
	panel_db *db = open_db();

	assert_panel_ok(panel__db_exec(
	    NULL, db, "CREATE TABLE t_err (k VARCHAR(8) PRIMARY KEY) ENGINE=InnoDB", DB_NOARGS));
	assert_panel_ok(
	    panel__db_exec(NULL, db, "INSERT INTO t_err VALUES (?)", DB_ARGS(DB_STR("a"))));
	assert_panel_rc(
	    panel__db_exec(NULL, db, "INSERT INTO t_err VALUES (?)", DB_ARGS(DB_STR("a"))),
	    PANEL_EEXISTS);
	assert_int_equal(panel__db_errno(db), 1062);
	/* Reported by the server: the class tells front ends not to show the message. */
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_DATABASE);
	/* Strict mode: too long is an error, not a silent truncation. */
	assert_panel_rc(panel__db_exec(NULL, db, "INSERT INTO t_err VALUES (?)",
				       DB_ARGS(DB_STR("far too long"))),
			PANEL_ERROR);
	assert_panel_rc(panel__db_exec(NULL, db, "SELEC nonsense", DB_NOARGS), PANEL_ERROR);
	assert_non_null(strstr(panel_error_last()->message, "1064"));
	/* A wrong parameter count is a programming error reported, not a crash. */
	assert_panel_rc(panel__db_exec(NULL, db, "INSERT INTO t_err VALUES (?)", DB_NOARGS),
			PANEL_ERROR);
	assert_non_null(strstr(panel_error_last()->message, "parameters"));
	panel__db_close(db);
}

static void statement_cache_evicts_and_keeps_working(void **state)
{
	(void)state;
	panel_db *db = open_db();
	char sql[128];
	uint64_t v;

	/* More distinct statements than the cache holds, twice over. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 150; i++) {
			snprintf(sql, sizeof(sql), "SELECT ? + %d", i);
			assert_panel_ok(panel__db_query_u64(&v, db, sql, DB_ARGS(DB_I64(round))));
			assert_int_equal(v, (uint64_t)(i + round));
		}
	}
	panel__db_close(db);
}

static void bad_credentials_and_unreachable_server(void **state)
{
	(void)state;
	panel_db_conf conf = {.host = "127.0.0.1",
			      .port = (unsigned)cluster->servers[0].port,
			      .user = "nobody_here",
			      .password = "wrong",
			      .connect_timeout = 2};
	panel_db *db = NULL;

	assert_panel_rc(panel__db_open(&db, &conf), PANEL_EAUTH);
	assert_int_equal(panel_error_last()->error_class, PANEL_CLASS_DATABASE);
	assert_null(db);
	conf.port = 1; /* nothing listens there */
	assert_panel_rc(panel__db_open(&db, &conf), PANEL_EUNAVAILABLE);
	assert_true(panel_error_is_retryable(panel_error_last()->code));
}

/* ---------------------------------------------------------------- transactions */

struct insert_ctx {
	const char *name;
	int fail_with;
	unsigned runs;
};

static int insert_body(panel_db *db, void *arg)
{
	struct insert_ctx *ctx = arg;
	int error;

	ctx->runs++;
	if ((error = panel__db_exec(NULL, db, "INSERT INTO t_tx (name) VALUES (?)",
				    DB_ARGS(DB_STR(ctx->name)))) < 0)
		return error;
	if (ctx->fail_with)
		return panel__error(ctx->fail_with, "name", "refused by the test");
	return 0;
}

static uint64_t count_name(panel_db *db, const char *name)
{
	uint64_t n = 99;

	assert_panel_ok(panel__db_query_u64(&n, db, "SELECT COUNT(*) FROM t_tx WHERE name = ?",
					    DB_ARGS(DB_STR(name))));
	return n;
}

static void transaction_commits_or_rolls_back_whole(void **state)
{
	(void)state;
	panel_db *db = open_db();
	struct insert_ctx ok = {.name = "kept"},
			  bad = {.name = "dropped", .fail_with = PANEL_EQUOTA};

	assert_panel_ok(panel__db_exec(NULL, db,
				       "CREATE TABLE t_tx (id INT AUTO_INCREMENT PRIMARY KEY,"
				       " name VARCHAR(32), v INT NOT NULL DEFAULT 0) ENGINE=InnoDB",
				       DB_NOARGS));
	assert_panel_ok(panel__db_transaction(db, insert_body, &ok));
	assert_int_equal(count_name(db, "kept"), 1);
	assert_panel_rc(panel__db_transaction(db, insert_body, &bad), PANEL_EQUOTA);
	/* The body's own error survives the rollback, field included. */
	assert_string_equal(panel_error_last()->message, "refused by the test");
	assert_string_equal(panel_error_last()->field, "name");
	assert_int_equal(bad.runs, 1);
	assert_int_equal(count_name(db, "dropped"), 0);
	panel__db_close(db);
}

struct killer_ctx {
	unsigned runs;
};

/* First run: the connection is killed from outside halfway through the transaction. */
static int killed_once_body(panel_db *db, void *arg)
{
	struct killer_ctx *ctx = arg;
	int error;

	ctx->runs++;
	if ((error = panel__db_exec(NULL, db, "INSERT INTO t_tx (name) VALUES (?)",
				    DB_ARGS(DB_STR("survivor")))) < 0)
		return error;
	if (ctx->runs == 1) {
		char sql[64];
		snprintf(sql, sizeof(sql), "KILL %lu", panel__db_thread_id(db));
		assert_int_equal(th_sql(cluster, 0, sql), 0);
	}
	return panel__db_exec(NULL, db, "UPDATE t_tx SET v = v + 1 WHERE name = ?",
			      DB_ARGS(DB_STR("survivor")));
}

static void transaction_reconnects_once_after_a_lost_connection(void **state)
{
	(void)state;
	panel_db *db = open_db();
	struct killer_ctx ctx = {0};

	assert_panel_ok(panel__db_transaction(db, killed_once_body, &ctx));
	assert_int_equal(ctx.runs, 2);
	assert_int_equal(panel__db_tx_attempts(db), 2);
	/* The first, interrupted run left nothing behind: exactly one row. */
	assert_int_equal(count_name(db, "survivor"), 1);
	panel__db_close(db);
}

/* Every run kills its own connection: one reconnect, then PANEL_EUNAVAILABLE. */
static int always_killed_body(panel_db *db, void *arg)
{
	char sql[64];

	(void)arg;
	snprintf(sql, sizeof(sql), "KILL %lu", panel__db_thread_id(db));
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	return panel__db_exec(NULL, db, "INSERT INTO t_tx (name) VALUES (?)",
			      DB_ARGS(DB_STR("never")));
}

static void transaction_gives_up_after_one_reconnect(void **state)
{
	(void)state;
	panel_db *db = open_db();

	assert_panel_rc(panel__db_transaction(db, always_killed_body, NULL), PANEL_EUNAVAILABLE);
	assert_int_equal(panel__db_tx_attempts(db), 2);
	/* The handle recovers on its next use. */
	assert_panel_ok(panel__db_ping(db));
	assert_int_equal(count_name(db, "never"), 0);
	panel__db_close(db);
}

/* A request's transaction: each transaction in it is a savepoint, undone alone when it fails;
 * nothing is visible elsewhere before the request commits, and an abort leaves nothing. */
static void request_transaction_commits_together(void **state)
{
	(void)state;
	panel_db *db = open_db(), *other = open_db();
	struct insert_ctx a = {.name = "req-a"}, b = {.name = "req-b", .fail_with = PANEL_EQUOTA},
			  c = {.name = "req-c"}, gone = {.name = "req-gone"};

	assert_panel_ok(panel__db_request_begin(db));
	assert_int_equal(panel__db_request_state(db), 1);
	assert_panel_ok(panel__db_transaction(db, insert_body, &a));
	assert_panel_rc(panel__db_transaction(db, insert_body, &b), PANEL_EQUOTA);
	assert_panel_ok(panel__db_transaction(db, insert_body, &c));
	/* The failed one is undone inside the request; the others wait for its commit. */
	assert_int_equal(count_name(db, "req-b"), 0);
	assert_int_equal(count_name(db, "req-a"), 1);
	assert_int_equal(count_name(other, "req-a"), 0);
	assert_panel_ok(panel__db_request_commit(db));
	assert_int_equal(panel__db_request_state(db), 0);
	assert_int_equal(count_name(other, "req-a"), 1);
	assert_int_equal(count_name(other, "req-b"), 0);
	assert_int_equal(count_name(other, "req-c"), 1);

	assert_panel_ok(panel__db_request_begin(db));
	assert_panel_ok(panel__db_transaction(db, insert_body, &gone));
	panel__db_request_abort(db);
	assert_int_equal(count_name(other, "req-gone"), 0);
	assert_int_equal(count_name(db, "req-gone"), 0);
	panel__db_close(other);
	panel__db_close(db);
}

/* The connection is lost halfway through a request's transaction: no reconnect that would go
 * on outside it. Everything after fails, reads included, nothing is written by autocommit,
 * and once aborted the handle reconnects for the next request. */
static void request_transaction_lost_is_never_resumed(void **state)
{
	(void)state;
	panel_db *db = open_db();
	struct insert_ctx first = {.name = "lost-1"}, after = {.name = "lost-2"};
	struct killer_ctx killer = {0};
	panel_db_rows *rows = NULL;
	uint64_t n = 0;

	assert_panel_ok(panel__db_request_begin(db));
	assert_panel_ok(panel__db_transaction(db, insert_body, &first));
	assert_panel_rc(panel__db_transaction(db, killed_once_body, &killer), PANEL_EUNAVAILABLE);
	assert_int_equal(killer.runs, 1); /* not run again on a new session */
	assert_int_equal(panel__db_request_state(db), 2);
	assert_panel_rc(panel__db_transaction(db, insert_body, &after), PANEL_EUNAVAILABLE);
	assert_panel_rc(panel__db_query_u64(&n, db, "SELECT 1", DB_NOARGS), PANEL_EUNAVAILABLE);
	assert_panel_rc(panel__db_read(&rows, db, "SELECT 1", DB_NOARGS), PANEL_EUNAVAILABLE);
	assert_panel_rc(panel__db_ping(db), PANEL_EUNAVAILABLE);
	assert_panel_rc(panel__db_transaction(db, insert_body, &after), PANEL_EUNAVAILABLE);
	assert_panel_rc(panel__db_request_commit(db), PANEL_EUNAVAILABLE);
	panel__db_request_abort(db);
	assert_int_equal(panel__db_request_state(db), 0);
	assert_panel_ok(panel__db_ping(db));
	assert_int_equal(count_name(db, "lost-1"), 0);
	assert_int_equal(count_name(db, "lost-2"), 0);
	assert_int_equal(count_name(db, "survivor"), 1); /* the earlier test's row only */
	panel__db_close(db);
}

/* A lock wait timeout inside a request's transaction retries that transaction alone, from its
 * savepoint: what the request did before it stays, and the timed-out try left nothing. */
struct bump_ctx {
	uint64_t id;
	unsigned runs;
};

static int bump_body(panel_db *db, void *arg)
{
	struct bump_ctx *ctx = arg;

	ctx->runs++;
	return panel__db_exec(NULL, db, "UPDATE t_tx SET v = v + 1 WHERE id = ?",
			      DB_ARGS(DB_U64(ctx->id)));
}

static void *commit_later(void *arg)
{
	usleep(1500 * 1000);
	mysql_query(arg, "COMMIT");
	return NULL;
}

static void request_transaction_retries_a_lock_wait_from_its_savepoint(void **state)
{
	(void)state;
	panel_db *db = open_db();
	struct insert_ctx before = {.name = "wait-before"};
	struct bump_ctx bump = {0, 0};
	MYSQL *holder = th_connect(cluster, 0, dbname);
	uint64_t v0 = 0, v1 = 0;
	char sql[96];
	pthread_t t;

	assert_non_null(holder);
	assert_panel_ok(panel__db_query_u64(
	    &bump.id, db, "SELECT MIN(id) FROM t_tx WHERE name = 'survivor'", DB_NOARGS));
	assert_panel_ok(panel__db_query_u64(&v0, db, "SELECT v FROM t_tx WHERE id = ?",
					    DB_ARGS(DB_U64(bump.id))));
	snprintf(sql, sizeof(sql), "SELECT v FROM t_tx WHERE id = %llu FOR UPDATE",
		 (unsigned long long)bump.id);
	assert_int_equal(mysql_query(holder, "BEGIN"), 0);
	assert_int_equal(mysql_query(holder, sql), 0);
	mysql_free_result(mysql_store_result(holder));
	assert_panel_ok(
	    panel__db_exec(NULL, db, "SET SESSION innodb_lock_wait_timeout = 1", DB_NOARGS));
	assert_panel_ok(panel__db_request_begin(db));
	assert_panel_ok(panel__db_transaction(db, insert_body, &before));
	assert_int_equal(pthread_create(&t, NULL, commit_later, holder), 0);
	assert_panel_ok(panel__db_transaction(db, bump_body, &bump));
	pthread_join(t, NULL);
	assert_true(bump.runs >= 2);
	assert_panel_ok(panel__db_request_commit(db));
	assert_int_equal(count_name(db, "wait-before"), 1);
	assert_panel_ok(panel__db_query_u64(&v1, db, "SELECT v FROM t_tx WHERE id = ?",
					    DB_ARGS(DB_U64(bump.id))));
	assert_int_equal(v1, v0 + 1);
	mysql_close(holder);
	panel__db_close(db);
}

/* Deadlock: the other connection holds row B and many rows; our body locks row A then B while
 * the other locks A: InnoDB kills the lighter transaction, ours, and the runner retries. */
struct deadlock_ctx {
	MYSQL *other;
	unsigned runs;
	pthread_t thread;
};

static void *other_locks_a_then_commits(void *arg)
{
	struct deadlock_ctx *ctx = arg;

	if (mysql_query(ctx->other, "UPDATE t_dl SET v = v + 10 WHERE id = 1") != 0 ||
	    mysql_query(ctx->other, "COMMIT") != 0)
		fprintf(stderr, "other connection: %s\n", mysql_error(ctx->other));
	return NULL;
}

static int deadlock_body(panel_db *db, void *arg)
{
	struct deadlock_ctx *ctx = arg;
	int error;

	ctx->runs++;
	if ((error =
		 panel__db_exec(NULL, db, "UPDATE t_dl SET v = v + 1 WHERE id = 1", DB_NOARGS)) < 0)
		return error;
	if (ctx->runs == 1) {
		assert_int_equal(
		    pthread_create(&ctx->thread, NULL, other_locks_a_then_commits, ctx), 0);
		usleep(300 * 1000); /* let the other one wait on row 1 */
	}
	return panel__db_exec(NULL, db, "UPDATE t_dl SET v = v + 1 WHERE id = 2", DB_NOARGS);
}

static void transaction_retries_a_deadlock(void **state)
{
	(void)state;
	panel_db *db = open_db();
	struct deadlock_ctx ctx = {0};
	uint64_t v1, v2;

	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE `%s`.t_dl (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB;"
		 "CREATE TABLE `%s`.t_weight (id INT PRIMARY KEY) ENGINE=InnoDB;"
		 "INSERT INTO `%s`.t_dl VALUES (1, 0), (2, 0)",
		 dbname, dbname, dbname);
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	ctx.other = th_connect(cluster, 0, dbname);
	assert_non_null(ctx.other);
	/* The other transaction: heavy (many rows written) and holding row 2. */
	assert_int_equal(mysql_query(ctx.other, "START TRANSACTION"), 0);
	assert_int_equal(
	    mysql_query(ctx.other, "INSERT INTO t_weight SELECT seq FROM seq_1_to_500"), 0);
	assert_int_equal(mysql_query(ctx.other, "UPDATE t_dl SET v = v + 10 WHERE id = 2"), 0);

	assert_panel_ok(panel__db_transaction(db, deadlock_body, &ctx));
	pthread_join(ctx.thread, NULL);
	assert_int_equal(ctx.runs, 2);
	assert_panel_ok(panel__db_query_u64(&v1, db, "SELECT v FROM t_dl WHERE id = 1", DB_NOARGS));
	assert_panel_ok(panel__db_query_u64(&v2, db, "SELECT v FROM t_dl WHERE id = 2", DB_NOARGS));
	/* Both transactions applied once: 10 + 1 on each row. */
	assert_int_equal(v1, 11);
	assert_int_equal(v2, 11);
	mysql_close(ctx.other);
	panel__db_close(db);
}

/* A read outside any transaction (the token check of every API request) survives a lost
 * connection, as after a failover. */
static void a_lone_read_survives_a_lost_connection(void **state)
{
	(void)state;
	panel_db *db = open_db();
	panel_db_rows *rows = NULL;
	char sql[64];

	snprintf(sql, sizeof(sql), "KILL %lu", panel__db_thread_id(db));
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	assert_panel_ok(panel__db_read(&rows, db, "SELECT ? + 1", DB_ARGS(DB_I64(41))));
	assert_string_equal(panel__db_cell(rows, 0, 0), "42");
	assert_int_equal(panel__db_tx_attempts(db), 2);
	panel__db_rows_free(rows);
	panel__db_close(db);
}

static void ping_reconnects(void **state)
{
	(void)state;
	panel_db *db = open_db();
	char sql[64];

	snprintf(sql, sizeof(sql), "KILL %lu", panel__db_thread_id(db));
	assert_int_equal(th_sql(cluster, 0, sql), 0);
	assert_panel_ok(panel__db_ping(db));
	panel__db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exec_and_query_round_trip),
	    cmocka_unit_test(errors_are_mapped),
	    cmocka_unit_test(statement_cache_evicts_and_keeps_working),
	    cmocka_unit_test(bad_credentials_and_unreachable_server),
	    cmocka_unit_test(transaction_commits_or_rolls_back_whole),
	    cmocka_unit_test(transaction_reconnects_once_after_a_lost_connection),
	    cmocka_unit_test(transaction_gives_up_after_one_reconnect),
	    cmocka_unit_test(request_transaction_commits_together),
	    cmocka_unit_test(request_transaction_lost_is_never_resumed),
	    cmocka_unit_test(request_transaction_retries_a_lock_wait_from_its_savepoint),
	    cmocka_unit_test(transaction_retries_a_deadlock),
	    cmocka_unit_test(a_lone_read_survives_a_lost_connection),
	    cmocka_unit_test(ping_reconnects),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
