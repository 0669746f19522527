/* What pins a dbproxy session to its server, against a real primary and replica: a client of
 * the compressed protocol outlives the login timeout (a stream opaque before any login does
 * not); at a failover, a session holding server state the tracker cannot restore (locks,
 * temporary tables, user variables hidden in prepared statements, executable comments, long
 * statements, dynamic SQL; a prepared statement still open after a close of another id; a
 * generated id LAST_INSERT_ID() would return, a sequence's value LASTVAL() would return,
 * SQL_CALC_FOUND_ROWS before its FOUND_ROWS(), a warning or an error before SHOW WARNINGS) is
 * closed, and ordinary sessions are moved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	int passed; /* tests that ran to their end: the log is shown unless all did */
} fixture;

static fixture F;

/* Short, so that a compressed session idles past it (test_compressed_session_outlives_login_
 * timeout); a login through dbproxy takes milliseconds. */
static const char *const extra[] = {"--handshake-timeout-ms", "1500", NULL};

static int setup(void **state)
{
	th_options opts = {.replicas = 1, .semisync = 1};
	if (th_cluster_start(&F.c, &opts) < 0)
		return -1;
	if (dpt_setup_users(F.c) < 0 || dpt_proxy_start(&F.p, F.c, extra) < 0) {
		th_cluster_free(F.c);
		return -1;
	}
	*state = &F;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0 || f->passed != 3) {
		fprintf(stderr, "dbproxy exit status %d; its log:\n", rc);
		dpt_proxy_dump_log(&f->p, 120);
	}
	th_cluster_free(f->c);
	return rc == 0 ? 0 : -1;
}

/* The second column of the first row of sql ("Compression" -> "ON"), or "". */
static void second_column(MYSQL *m, const char *sql, char *out, size_t size)
{
	out[0] = 0;
	if (mysql_query(m, sql) != 0)
		return;
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
	if (row && mysql_num_fields(r) > 1 && row[1])
		snprintf(out, size, "%s", row[1]);
	mysql_free_result(r);
}

/* A client with the compressed protocol (CLIENT_COMPRESS) is logged in once the server says
 * so, even though dbproxy stops framing its stream: the login timeout no longer applies. */
static void test_compressed_session_outlives_login_timeout(void **state)
{
	fixture *f = *state;
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 15;
	char v[64];
	assert_non_null(m);
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_OPT_COMPRESS, NULL);
	assert_non_null(mysql_real_connect(m, "127.0.0.1", DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB,
					   (unsigned)f->p.port, NULL, 0));
	second_column(m, "SHOW SESSION STATUS LIKE 'Compression'", v, sizeof(v));
	assert_string_equal(v, "ON");
	/* Twice the login timeout, idle. */
	dpt_sleep_ms(3000);
	if (dpt_query_number(m, "SELECT 42") != 42) {
		dpt_log("after 3 s idle: %u %s", mysql_errno(m), mysql_error(m));
		fail();
	}
	second_column(m, "SHOW SESSION STATUS LIKE 'Compression'", v, sizeof(v));
	assert_string_equal(v, "ON");
	mysql_close(m);
	f->passed++;
}

/* A stream that turns opaque before any login is still bounded by the login timeout: a client
 * that speaks first, half a packet, which the server waits for (its connect_timeout: 10 s). */
static void test_opaque_start_still_times_out(void **state)
{
	fixture *f = *state;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)f->p.port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {8, 0};
	unsigned char half[14] = {100, 0, 0, 1, 'n', 'o', 't', ' ', 'a', 'l', 'l', 'y', 'e', 't'};
	char buf[4096];
	ssize_t n;
	long long before = dpt_counter(&f->p, "handshake_timeouts");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(before >= 0 && fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(send(fd, half, sizeof(half), MSG_NOSIGNAL), (ssize_t)sizeof(half));
	/* The server's greeting may come first; then dbproxy's close, before the server's. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	assert_true(n == 0 || errno == ECONNRESET);
	close(fd);
	assert_int_equal(dpt_counter(&f->p, "handshake_timeouts"), before + 1);
	f->passed++;
}

/* ---------------------------------------------------------------- failover */

/* Runs sql and discards its results (every one of a multi-statement). 0 or the error. */
static unsigned run(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql) != 0)
		return mysql_errno(m);
	do {
		MYSQL_RES *r = mysql_store_result(m);
		mysql_free_result(r);
	} while (mysql_next_result(m) == 0);
	return mysql_errno(m);
}

/* Prepares, executes and fetches sql with the binary protocol; the statement stays open. */
static MYSQL_STMT *prepared(MYSQL *m, const char *sql)
{
	MYSQL_STMT *st = mysql_stmt_init(m);
	assert_non_null(st);
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0 || mysql_stmt_execute(st) != 0 ||
	    mysql_stmt_store_result(st) != 0) {
		dpt_log("prepared statement %s: %s", sql, mysql_stmt_error(st));
		fail();
	}
	mysql_stmt_free_result(st);
	return st;
}

/* Sends COM_STMT_CLOSE for id, through the client library's handle of another statement
 * (which the library then forgets; the server keeps it unless id is its own). */
static void close_as(MYSQL_STMT *st, unsigned long id)
{
	st->stmt_id = id;
	mysql_stmt_close(st);
}

enum { MUST_CLOSE, MUST_MOVE };

typedef struct session {
	const char *what;
	int expect;
	MYSQL *m;
} session;

static MYSQL *open_session(fixture *f)
{
	MYSQL *m = dpt_connect(&f->p, 20);
	assert_non_null(m);
	return m;
}

/* The same with multi-statements on at login (CLIENT_MULTI_STATEMENTS). */
static MYSQL *open_multi_session(fixture *f)
{
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 20;
	assert_non_null(m);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	assert_non_null(mysql_real_connect(m, "127.0.0.1", DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB,
					   (unsigned)f->p.port, NULL, CLIENT_MULTI_STATEMENTS));
	return m;
}

static int new_primary(void *arg)
{
	int *old = arg, np = dpt_primary(&F.p, NULL);
	return np >= 0 && np != *old;
}

/* After the failover: a closed session's next statement fails with 2006/2013 (as directly
 * when a server dies); a moved one runs on the new primary. 1 when as expected. */
static int check_session(const session *s, int np)
{
	long long id = dpt_query_number(s->m, "SELECT @@server_id");
	unsigned err = mysql_errno(s->m);
	if (s->expect == MUST_CLOSE) {
		if (id < 0 && (err == 2006 || err == 2013)) {
			dpt_log("ok: %s: closed (%u)", s->what, err);
			return 1;
		}
		dpt_log("WRONG: %s: moved to server_id %lld (error %u %s), its state lost", s->what,
			id, err, mysql_error(s->m));
		return 0;
	}
	if (id == F.c->servers[np].server_id) {
		dpt_log("ok: %s: moved", s->what);
		return 1;
	}
	dpt_log("WRONG: %s: not moved (server_id %lld, error %u %s)", s->what, id, err,
		mysql_error(s->m));
	return 0;
}

/* One failover (kill -9 of the primary) with a session for each case: every one holding
 * state the tracker could not see must be closed (the audit's table, A to E, then the
 * statement ids), and the ordinary ones moved. */
static void test_failover_closes_sessions_with_hidden_state(void **state)
{
	fixture *f = *state;
	session s[24];
	int n = 0, wrong = 0, old = dpt_primary(&f->p, NULL), multi_off;
	static char big[4300], sql[4400];
	MYSQL_STMT *st, *other;

	assert_true(old >= 0);
	/* A: a prepared GET_LOCK, executed and closed: the lock stays. */
	s[n] = (session){"A: prepared GET_LOCK, closed", MUST_CLOSE, open_session(f)};
	mysql_stmt_close(prepared(s[n++].m, "SELECT GET_LOCK('joblock', 0)"));
	/* B: a prepared CREATE TEMPORARY TABLE, executed and closed: the table stays. */
	s[n] = (session){"B: prepared CREATE TEMPORARY TABLE, closed", MUST_CLOSE, open_session(f)};
	mysql_stmt_close(prepared(s[n++].m, "CREATE TEMPORARY TABLE tmp_b (x int)"));
	/* C: an executable comment. */
	s[n] = (session){"C: /*!CREATE TEMPORARY TABLE*/", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "/*!CREATE TEMPORARY TABLE tmp_c (x int)*/"), 0);
	/* D: a user variable past the first 2048 bytes. */
	memset(big, 'x', 2100);
	snprintf(sql, sizeof(sql), "SELECT '%s', @d := 42", big);
	s[n] = (session){"D: @d := 42 after 2100 bytes", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, sql), 0);
	/* E: dynamic SQL in a string. */
	s[n] = (session){"E: EXECUTE IMMEDIATE GET_LOCK", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "EXECUTE IMMEDIATE 'SELECT GET_LOCK(''elock'', 0)'"), 0);
	/* F: a plain GET_LOCK (pinned before these fixes too). */
	s[n] = (session){"F: GET_LOCK", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "SELECT GET_LOCK('flock', 0)"), 0);
	/* G: a live statement, then the close of an id the server never handed out. */
	s[n] = (session){"G: statement open, close of id 424242", MUST_CLOSE, open_session(f)};
	st = prepared(s[n].m, "SELECT 1");
	close_as(st, 424242);
	assert_int_equal(run(s[n++].m, "DO 1"), 0); /* the session still works */
	/* H: two statements, the first closed twice: the second is still open. */
	s[n] = (session){"H: two statements, the first closed twice", MUST_CLOSE, open_session(f)};
	st = prepared(s[n].m, "SELECT 1");
	other = prepared(s[n].m, "SELECT 2");
	unsigned long first = st->stmt_id;
	mysql_stmt_close(st);
	close_as(other, first);
	assert_int_equal(run(s[n++].m, "DO 1"), 0);

	/* K: an id generated by an insert: LAST_INSERT_ID() would be 0 on the new primary, and an
	 * INSERT of a child row with it would go on with a wrong parent, silently. */
	s[n] = (session){"K: INSERT with an AUTO_INCREMENT id", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n].m, "CREATE TABLE IF NOT EXISTS auto_k (id INT AUTO_INCREMENT "
				     "PRIMARY KEY, v INT)"),
			 0);
	assert_int_equal(run(s[n++].m, "INSERT INTO auto_k (v) VALUES (1)"), 0);
	/* L: LAST_INSERT_ID(expr) sets the value in a result, no OK packet carries it. */
	s[n] = (session){"L: SELECT LAST_INSERT_ID(77)", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "SELECT LAST_INSERT_ID(77)"), 0);
	/* V: NEXTVAL: LASTVAL() reads the value it gave this session, NULL on the new primary. */
	assert_int_equal(th_sql(f->c, old, "CREATE SEQUENCE IF NOT EXISTS " DPT_APP_DB ".seq_v"),
			 0);
	s[n] = (session){"V: SELECT NEXTVAL(seq_v)", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "SELECT NEXTVAL(seq_v)"), 0);
	/* M: SQL_CALC_FOUND_ROWS: the next statement's FOUND_ROWS() reads it. */
	s[n] = (session){"M: SQL_CALC_FOUND_ROWS, FOUND_ROWS() not read yet", MUST_CLOSE,
			 open_session(f)};
	assert_int_equal(run(s[n++].m, "SELECT SQL_CALC_FOUND_ROWS 1 FROM DUAL LIMIT 0"), 0);
	/* N, O: a warning, an error: SHOW WARNINGS would show nothing on the new primary. */
	s[n] = (session){"N: a warning, SHOW WARNINGS not sent yet", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "SELECT CAST('12abc' AS SIGNED)"), 0);
	s[n] = (session){"O: an error, SHOW WARNINGS not sent yet", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "SELECT * FROM no_such_table_o"), 1146);

	/* S: SET TRANSACTION READ ONLY waits for the next transaction, which would be read-write
	 * on the new primary. */
	s[n] = (session){"S: SET TRANSACTION READ ONLY, no transaction yet", MUST_CLOSE,
			 open_session(f)};
	assert_int_equal(run(s[n++].m, "SET TRANSACTION READ ONLY"), 0);
	/* T: a SET that calls a stored function: replayed, the function would run again. */
	assert_int_equal(th_sql(f->c, old,
				"CREATE FUNCTION IF NOT EXISTS " DPT_APP_DB ".tz() RETURNS "
				"VARCHAR(8) DETERMINISTIC RETURN '+00:00'"),
			 0);
	s[n] = (session){"T: SET time_zone = app.tz()", MUST_CLOSE, open_session(f)};
	assert_int_equal(run(s[n++].m, "SET time_zone = " DPT_APP_DB ".tz()"), 0);

	/* Controls: moved. */
	s[n] = (session){"I: plain selects, a closed prepared SELECT", MUST_MOVE, open_session(f)};
	assert_int_equal(run(s[n].m, "SELECT 'a@b.example', NOW()"), 0);
	assert_int_equal(run(s[n].m, "SELECT * FROM ledger WHERE id = 1 LOCK IN SHARE MODE"), 0);
	mysql_stmt_close(prepared(s[n].m, "SELECT 1 FROM DUAL WHERE 1 = 1"));
	assert_int_equal(run(s[n++].m, "/* app */ SELECT COUNT(*) FROM ledger"), 0);
	s[n] = (session){"J: two statements, both closed", MUST_MOVE, open_session(f)};
	st = prepared(s[n].m, "SELECT 1");
	other = prepared(s[n].m, "SELECT 2");
	mysql_stmt_close(other);
	mysql_stmt_close(st);
	assert_int_equal(run(s[n++].m, "DO 1"), 0);
	/* The generated id gone with a reset of the session, which sets LAST_INSERT_ID() to 0. */
	s[n] = (session){"P: INSERT with an AUTO_INCREMENT id, then a reset", MUST_MOVE,
			 open_session(f)};
	assert_int_equal(run(s[n].m, "INSERT INTO auto_k (v) VALUES (2)"), 0);
	assert_int_equal(mysql_reset_connection(s[n++].m), 0);
	/* FOUND_ROWS() read, a warning seen: what they left is used; the next statement clears it.
	 */
	s[n] = (session){"Q: SQL_CALC_FOUND_ROWS, FOUND_ROWS(), a warning, SHOW WARNINGS, DO 1",
			 MUST_MOVE, open_session(f)};
	assert_int_equal(run(s[n].m, "SELECT SQL_CALC_FOUND_ROWS 1 FROM DUAL LIMIT 0"), 0);
	assert_int_equal(dpt_query_number(s[n].m, "SELECT FOUND_ROWS()"), 1);
	assert_int_equal(run(s[n].m, "SELECT CAST('12abc' AS SIGNED)"), 0);
	assert_int_equal(run(s[n].m, "SHOW WARNINGS"), 0);
	assert_int_equal(run(s[n++].m, "DO 1"), 0);
	/* An insert that generates no id (the ledger's key is given): its OK carries none. */
	s[n] = (session){"R: INSERT without AUTO_INCREMENT", MUST_MOVE, open_session(f)};
	assert_int_equal(run(s[n++].m, "INSERT INTO ledger (id, at) VALUES (-4242, NOW())"), 0);

	/* U: multi-statements turned off (COM_SET_OPTION): still off once moved. */
	multi_off = n;
	s[n] = (session){"U: multi-statements turned off", MUST_MOVE, open_multi_session(f)};
	assert_int_equal(mysql_set_server_option(s[n].m, MYSQL_OPTION_MULTI_STATEMENTS_OFF), 0);
	assert_int_equal(run(s[n].m, "DO 1; DO 2"), 1064);
	assert_int_equal(run(s[n++].m, "DO 1"), 0);

	dpt_log("kill -9 of primary s%d with %d sessions open", old, n);
	assert_int_equal(th_server_signal(f->c, old, SIGKILL), 0);
	if (!dpt_until(30000, new_primary, &old)) {
		dpt_proxy_dump_log(&f->p, 60);
		fail_msg("no new primary");
	}
	int np = dpt_primary(&f->p, NULL);
	for (int i = 0; i < n; i++)
		wrong += !check_session(&s[i], np);
	if (run(s[multi_off].m, "DO 1; DO 2") != 1064) {
		dpt_log("WRONG: %s: stacked statements run after the move", s[multi_off].what);
		wrong++;
	}
	for (int i = 0; i < n; i++)
		mysql_close(s[i].m);
	assert_int_equal(wrong, 0);
	f->passed++;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compressed_session_outlives_login_timeout),
	    cmocka_unit_test(test_opaque_start_still_times_out),
	    cmocka_unit_test(test_failover_closes_sessions_with_hidden_state),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
