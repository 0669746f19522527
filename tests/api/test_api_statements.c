/* Round trips to the database per authenticated request, counted by the server itself (its
 * general log, per connection): GET of one account with a bearer token is one statement (the
 * read checks the token), with an application key two (the key, then the read); a list and a
 * write are their transaction's statements, the token checked by the first of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

#define PASS "Member-pass-42"
/* The count with the actor's facts and the token, then the page (no transaction). */
#define LIST_ROUND_TRIPS 2
/* START TRANSACTION, the actor's facts with the token, the account's visibility with its row
 * lock (one statement), the account before, the UPDATE, the account after, the audit row,
 * COMMIT. */
#define WRITE_ROUND_TRIPS 8
/* The same with an Idempotency-Key: the token's check before anything is claimed, the purge
 * of expired keys, START TRANSACTION, the claim's INSERT, a SAVEPOINT around the change (its 6
 * statements inside), its RELEASE, the answer's UPDATE, COMMIT: the claim, the change and the
 * answer in one commit. */
#define KEYED_WRITE_ROUND_TRIPS 14

static api_server srv;
static char member_token[PANEL_TOKEN_MAX], apikey[PANEL_TOKEN_MAX];

/* What one panel-api connection sent while the general log was on: commands that wait for an
 * answer (Query, Prepare, Execute, Ping...) are round trips; Close stmt and Quit get none. */
typedef struct sent {
	long queries, prepares, executes, others, round_trips;
} sent;

static MYSQL *super(void)
{
	MYSQL *m = th_connect(srv.cluster, 0, NULL);

	assert_non_null(m);
	return m;
}

static void run(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(m));
}

/* The id of panel-api's one database connection (threads = 1: one worker, one handle). The
 * test's own short connections may linger a moment after they close: wait for them to go. */
static unsigned long api_connection(MYSQL *m)
{
	char sql[256];
	unsigned long id = 0, n = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '%s'"
		 " AND ID <> CONNECTION_ID()",
		 srv.db);
	for (int tries = 0; tries < 100 && n != 1; tries++) {
		MYSQL_RES *res;
		MYSQL_ROW row;
		if (tries)
			api_sleep_ms(50);
		run(m, sql);
		res = mysql_store_result(m);
		assert_non_null(res);
		n = (unsigned long)mysql_num_rows(res);
		if (n == 1 && (row = mysql_fetch_row(res)))
			id = strtoul(row[0], NULL, 10);
		mysql_free_result(res);
	}
	assert_int_equal(n, 1);
	return id;
}

static void log_on(MYSQL *m)
{
	run(m, "SET GLOBAL general_log = 0");
	run(m, "SET GLOBAL log_output = 'TABLE'");
	run(m, "TRUNCATE TABLE mysql.general_log");
	run(m, "SET GLOBAL general_log = 1");
}

static sent log_off(MYSQL *m, unsigned long thread)
{
	char sql[256];
	MYSQL_RES *res;
	MYSQL_ROW row;
	sent s = {0};

	run(m, "SET GLOBAL general_log = 0");
	snprintf(sql, sizeof(sql),
		 "SELECT command_type, COUNT(*) FROM mysql.general_log WHERE thread_id = %lu"
		 " GROUP BY command_type",
		 thread);
	run(m, sql);
	res = mysql_store_result(m);
	assert_non_null(res);
	while ((row = mysql_fetch_row(res))) {
		long n = strtol(row[1], NULL, 10);
		if (!strcmp(row[0], "Query"))
			s.queries += n;
		else if (!strcmp(row[0], "Prepare"))
			s.prepares += n;
		else if (!strcmp(row[0], "Execute"))
			s.executes += n;
		else if (strcmp(row[0], "Close stmt") != 0 && strcmp(row[0], "Quit") != 0)
			s.others += n;
		if (strcmp(row[0], "Close stmt") != 0 && strcmp(row[0], "Quit") != 0)
			s.round_trips += n;
		print_message("   %s: %ld\n", row[0], n);
	}
	mysql_free_result(res);
	run(m, "TRUNCATE TABLE mysql.general_log");
	return s;
}

/* Sends n requests with credential, each 200, and counts what the database saw. */
static sent count_requests(const char *credential, const char *method, const char *path,
			   const char *body, int n)
{
	MYSQL *m = super();
	unsigned long thread = api_connection(m);
	sent s;

	log_on(m);
	for (int i = 0; i < n; i++)
		assert_api_request(&srv, method, path, credential, body, NULL, 200);
	s = log_off(m, thread);
	mysql_close(m);
	print_message("%d x %s %s: %ld round trips\n", n, method, path, s.round_trips);
	return s;
}

static sent count_gets(const char *credential, const char *path, int n)
{
	return count_requests(credential, "GET", path, NULL, n);
}

static int setup(void **state)
{
	api_resp r;

	(void)state;
	if (api_group_start(&srv, "threads = 1") < 0)
		return -1;
	if (api_create_account(&srv, srv.admin_token, "stmtmem", PASS, "") != 201 ||
	    api_login(&srv, "stmtmem", PASS, member_token, sizeof(member_token), NULL) != 200)
		return -1;
	if (api_request(&r, &srv, "POST", "/api/v1/apikeys", srv.admin_token,
			"{\"name\": \"statements\", \"scope\": \"read\"}", NULL) < 0)
		return -1;
	snprintf(apikey, sizeof(apikey), "%s", api_str(&r, "key"));
	api_resp_free(&r);
	return apikey[0] ? 0 : -1;
}

static int teardown(void **state)
{
	MYSQL *m = th_connect(srv.cluster, 0, NULL);

	(void)state;
	if (m) {
		mysql_query(m, "SET GLOBAL general_log = 0");
		mysql_query(m, "TRUNCATE TABLE mysql.general_log");
		mysql_close(m);
	}
	return api_stop(&srv) == 0 ? 0 : -1;
}

/* Every statement is prepared once per connection (warm-up), then only executed: no BEGIN or
 * COMMIT around a read, no prepare, exactly per executes per GET. */
static void assert_per_get(const char *credential, const char *path, int per)
{
	enum { N = 5 };
	sent s;

	/* Warm-up: prepares the statements, writes the credential's last_used and lets the
	 * worker remember a token's principal. */
	for (int i = 0; i < 2; i++)
		assert_api_request(&srv, "GET", path, credential, NULL, NULL, 200);
	s = count_gets(credential, path, N);
	assert_int_equal(s.queries, 0);
	assert_int_equal(s.prepares, 0);
	assert_int_equal(s.others, 0);
	assert_int_equal(s.executes, per * N);
	assert_int_equal(s.round_trips, per * N);
}

static void test_admin_token_get_is_one_statement(void **state)
{
	(void)state;
	assert_per_get(srv.admin_token, "/api/v1/accounts/stmtmem", 1);
	assert_per_get(srv.admin_token, "/api/v1/accounts/admin", 1);
}

static void test_member_token_get_is_one_statement(void **state)
{
	(void)state;
	assert_per_get(member_token, "/api/v1/accounts/stmtmem", 1);
}

static void test_apikey_get_is_two_statements(void **state)
{
	(void)state;
	assert_per_get(apikey, "/api/v1/accounts/stmtmem", 2);
}

/* A list and a write: the statements of their transaction, nothing before it. */
static void test_list_and_write(void **state)
{
	enum { N = 5 };
	sent s;

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_api_request(&srv, "GET", "/api/v1/accounts?limit=20", srv.admin_token, NULL,
				   NULL, 200);
		assert_api_request(&srv, "PATCH", "/api/v1/accounts/stmtmem", srv.admin_token,
				   "{\"notes\": \"warm\"}", NULL, 200);
	}
	s = count_requests(srv.admin_token, "GET", "/api/v1/accounts?limit=20", NULL, N);
	print_message("   per list: %ld queries, %ld executes\n", s.queries / N, s.executes / N);
	assert_int_equal(s.prepares, 0);
	assert_int_equal(s.round_trips, LIST_ROUND_TRIPS * N);
	s = count_requests(srv.admin_token, "PATCH", "/api/v1/accounts/stmtmem",
			   "{\"notes\": \"counted\"}", N);
	print_message("   per write: %ld queries, %ld executes\n", s.queries / N, s.executes / N);
	assert_int_equal(s.prepares, 0);
	assert_int_equal(s.round_trips, WRITE_ROUND_TRIPS * N);
}

/* A keyed write: one transaction for the claim, the change and the answer. */
static void test_keyed_write(void **state)
{
	enum { N = 5 };
	char header[64];
	const char *headers[] = {header, NULL};
	MYSQL *m;
	unsigned long thread;
	sent s;

	(void)state;
	snprintf(header, sizeof(header), "Idempotency-Key: stmt-warm");
	assert_api_request(&srv, "PATCH", "/api/v1/accounts/stmtmem", srv.admin_token,
			   "{\"notes\": \"keyed\"}", headers, 200);
	m = super();
	thread = api_connection(m);
	log_on(m);
	for (int i = 0; i < N; i++) {
		snprintf(header, sizeof(header), "Idempotency-Key: stmt-keyed-%d", i);
		assert_api_request(&srv, "PATCH", "/api/v1/accounts/stmtmem", srv.admin_token,
				   "{\"notes\": \"keyed\"}", headers, 200);
	}
	s = log_off(m, thread);
	mysql_close(m);
	print_message("%d keyed writes: %ld round trips\n", N, s.round_trips);
	assert_int_equal(s.prepares, 0);
	assert_int_equal(s.round_trips, KEYED_WRITE_ROUND_TRIPS * N);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_idempotency WHERE idem_key"
					  " LIKE 'stmt-keyed-%%' AND status = 200"),
			 N);
}

/* last_used costs one statement a minute per credential, not one per request. */
static void test_last_used_written_once_a_minute(void **state)
{
	sent s;

	(void)state;
	assert_api_request(&srv, "GET", "/api/v1/accounts/stmtmem", member_token, NULL, NULL, 200);
	assert_int_equal(
	    api_sql(&srv, "UPDATE panel_tokens SET last_used = NOW() - INTERVAL 2 MINUTE"), 0);
	s = count_gets(member_token, "/api/v1/accounts/stmtmem", 3);
	assert_int_equal(s.queries, 0);
	assert_int_equal(s.executes, 3 * 1 + 1);
	assert_int_equal(s.round_trips, 3 * 1 + 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM panel_tokens WHERE last_used >"
					  " NOW() - INTERVAL 1 MINUTE"),
			 1);
}

/* The worker remembers a token's principal, but the read checks the token: revocation and
 * locking show at the very next request of every daemon. */
static void test_revocation_is_immediate(void **state)
{
	char token[PANEL_TOKEN_MAX];

	(void)state;
	assert_int_equal(api_login(&srv, "stmtmem", PASS, token, sizeof(token), NULL), 200);
	assert_api_request(&srv, "GET", "/api/v1/accounts/stmtmem", token, NULL, NULL, 200);
	assert_int_equal(api_sql(&srv, "UPDATE panel_tokens SET revoked = 1 WHERE revoked = 0 AND"
				       " uid = (SELECT uid FROM membres WHERE login = 'stmtmem')"
				       " ORDER BY id DESC LIMIT 1"),
			 0);
	assert_api_request(&srv, "GET", "/api/v1/accounts/stmtmem", token, NULL, NULL, 401);
	assert_api_request(&srv, "GET", "/api/v1/accounts/stmtmem", member_token, NULL, NULL, 200);
	assert_int_equal(api_sql(&srv, "UPDATE membres SET enabled = 0 WHERE login = 'stmtmem'"),
			 0);
	assert_api_request(&srv, "GET", "/api/v1/accounts/stmtmem", member_token, NULL, NULL, 401);
	assert_int_equal(api_sql(&srv, "UPDATE membres SET enabled = 1 WHERE login = 'stmtmem'"),
			 0);
	assert_api_request(&srv, "GET", "/api/v1/accounts/stmtmem", member_token, NULL, NULL, 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_admin_token_get_is_one_statement),
	    cmocka_unit_test(test_member_token_get_is_one_statement),
	    cmocka_unit_test(test_apikey_get_is_two_statements),
	    cmocka_unit_test(test_list_and_write),
	    cmocka_unit_test(test_keyed_write),
	    cmocka_unit_test(test_last_used_written_once_a_minute),
	    cmocka_unit_test(test_revocation_is_immediate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
