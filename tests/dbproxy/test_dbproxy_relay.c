/* dbproxy relay paths: packets larger than the proxy's buffers and than one protocol chunk
 * (16 MiB) go through intact both ways, with zero-copy (splice) and without; the tracker keeps
 * its framing across the spliced bytes (the session still moves at a switchover); a client
 * that vanishes in the middle of a spliced packet leaves no pipe behind; busy polling spins
 * under traffic and an idle proxy sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

#define BIG_LEN (20u * 1024 * 1024 + 12345) /* more than one 16 MiB protocol chunk */

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	unsigned char *big;
	int ok;
} fixture;

static fixture F;

static int setup(void **state)
{
	th_options opts = {.replicas = 1, .semisync = 1};
	fixture *f = &F;
	if (th_cluster_start(&f->c, &opts) < 0)
		return -1;
	if (dpt_setup_users(f->c) < 0 ||
	    th_sql(f->c, 0,
		   "SET GLOBAL max_allowed_packet = 128 * 1024 * 1024;"
		   "CREATE TABLE " DPT_APP_DB
		   ".blobs (id INT PRIMARY KEY, b LONGBLOB NOT NULL)") < 0 ||
	    th_sql(f->c, 1, "SET GLOBAL max_allowed_packet = 128 * 1024 * 1024") < 0)
		goto fail;
	f->big = malloc(BIG_LEN);
	if (!f->big)
		goto fail;
	/* Incompressible, position-dependent bytes: a shifted or dropped run would show. */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < BIG_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		f->big[i] = (unsigned char)x;
	}
	*state = f;
	return 0;
fail:
	th_cluster_free(f->c);
	return -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	dpt_proxy_stop(&f->p);
	if (!f->ok)
		dpt_proxy_dump_log(&f->p, 40);
	free(f->big);
	th_cluster_free(f->c);
	return 0;
}

static void start_proxy(fixture *f, const char *const *extra)
{
	assert_int_equal(dpt_proxy_start(&f->p, f->c, extra), 0);
}

static void stop_proxy(fixture *f)
{
	/* 0: a clean exit, which under ASan also means no leak. */
	assert_int_equal(dpt_proxy_stop(&f->p), 0);
}

/* A gauge or counter without labels from /metrics; -1 when absent. */
static long long metric(const dpt_proxy *p, const char *name)
{
	char *body = NULL, key[128];
	long long v = -1;
	if (dpt_http(p, "GET", "/metrics", &body) == 200 && body) {
		snprintf(key, sizeof(key), "\n%s ", name);
		const char *at = strstr(body, key);
		if (at)
			v = atoll(at + strlen(key));
	}
	free(body);
	return v;
}

static MYSQL *connect_big(const dpt_proxy *p)
{
	MYSQL *m = dpt_connect(p, 60);
	assert_non_null(m);
	return m;
}

/* Text protocol, client to server: one INSERT of BIG_LEN bytes as a hex literal (a COM_QUERY
 * of twice that size, three protocol chunks). */
static void insert_text(fixture *f, MYSQL *m, int id)
{
	static const char prefix[] = "INSERT INTO blobs VALUES (%d, x'";
	size_t cap = sizeof(prefix) + 16 + 2 * (size_t)BIG_LEN + 4;
	char *q = malloc(cap);
	assert_non_null(q);
	size_t len = (size_t)snprintf(q, cap, prefix, id);
	len += mysql_hex_string(q + len, (const char *)f->big, BIG_LEN);
	q[len++] = '\'';
	q[len++] = ')';
	int rc = mysql_real_query(m, q, (unsigned long)len);
	if (rc)
		fprintf(stderr, "insert: %s\n", mysql_error(m));
	free(q);
	assert_int_equal(rc, 0);
}

/* Binary protocol, client to server: COM_STMT_EXECUTE carrying BIG_LEN bytes. */
static void insert_prepared(fixture *f, MYSQL *m, int id)
{
	MYSQL_STMT *st = mysql_stmt_init(m);
	MYSQL_BIND b[2];
	unsigned long blen = BIG_LEN;
	assert_non_null(st);
	assert_int_equal(mysql_stmt_prepare(st, "INSERT INTO blobs VALUES (?, ?)", 31), 0);
	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_LONG;
	b[0].buffer = &id;
	b[1].buffer_type = MYSQL_TYPE_LONG_BLOB;
	b[1].buffer = f->big;
	b[1].buffer_length = BIG_LEN;
	b[1].length = &blen;
	assert_int_equal(mysql_stmt_bind_param(st, b), 0);
	int rc = mysql_stmt_execute(st);
	if (rc)
		fprintf(stderr, "execute: %s\n", mysql_stmt_error(st));
	assert_int_equal(rc, 0);
	mysql_stmt_close(st);
}

/* Server to client: the row comes back byte for byte. */
static void check_row(fixture *f, MYSQL *m, int id)
{
	char q[64];
	snprintf(q, sizeof(q), "SELECT b FROM blobs WHERE id = %d", id);
	assert_int_equal(mysql_query(m, q), 0);
	MYSQL_RES *r = mysql_store_result(m);
	assert_non_null(r);
	MYSQL_ROW row = mysql_fetch_row(r);
	assert_non_null(row);
	unsigned long *lens = mysql_fetch_lengths(r);
	assert_int_equal(lens[0], BIG_LEN);
	assert_memory_equal(row[0], f->big, BIG_LEN);
	mysql_free_result(r);
}

static long long server_id(MYSQL *m)
{
	long long v = -1;
	if (mysql_query(m, "SELECT @@server_id") == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		if (row && row[0])
			v = atoll(row[0]);
		mysql_free_result(r);
	}
	return v;
}

static void big_round_trips(fixture *f, int first_id)
{
	MYSQL *m = connect_big(&f->p);
	insert_text(f, m, first_id);
	insert_prepared(f, m, first_id + 1);
	check_row(f, m, first_id);
	check_row(f, m, first_id + 1);
	/* Framing kept: small statements right after still work on the same connection. */
	assert_true(server_id(m) > 0);
	assert_int_equal(mysql_query(m, "DELETE FROM blobs"), 0);
	mysql_close(m);
}

static void test_large_packets_zero_copy(void **state)
{
	fixture *f = *state;
	f->ok = 0;
	start_proxy(f, NULL);
	big_round_trips(f, 1);
	/* 2 x 2 x 20 MiB crossed the proxy; nearly all of it never entered its memory. */
	long long spliced = dpt_counter(&f->p, "bytes_spliced");
	dpt_log("spliced %lld bytes", spliced);
	assert_true(spliced > 4LL * BIG_LEN - 1024 * 1024);
	assert_true(spliced <= dpt_counter(&f->p, "bytes_client_to_server") +
				   dpt_counter(&f->p, "bytes_server_to_client"));
	assert_int_equal(metric(&f->p, "dbproxy_pipes_in_use"), 0);
	stop_proxy(f);
	f->ok = 1;
}

static void test_large_packets_copied(void **state)
{
	fixture *f = *state;
	const char *const extra[] = {"--zero-copy", "off", NULL};
	f->ok = 0;
	start_proxy(f, extra);
	big_round_trips(f, 11);
	assert_int_equal(dpt_counter(&f->p, "bytes_spliced"), 0);
	assert_true(dpt_counter(&f->p, "bytes_server_to_client") > 2LL * BIG_LEN);
	stop_proxy(f);
	f->ok = 1;
}

/* After spliced bodies in both directions the tracker still knows where every packet ends:
 * at a switchover the idle session moves to the new primary without an error. */
static void test_session_moves_after_splice(void **state)
{
	fixture *f = *state;
	char *body = NULL;
	f->ok = 0;
	start_proxy(f, NULL);
	MYSQL *m = connect_big(&f->p);
	insert_prepared(f, m, 21);
	check_row(f, m, 21);
	long long before = server_id(m);
	assert_true(before > 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	int code = dpt_http(&f->p, "POST", "/switchover", &body);
	if (code != 200)
		fprintf(stderr, "switchover answered %d: %s\n", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	long long after = server_id(m);
	if (after < 0)
		fprintf(stderr, "after the switchover: %s\n", mysql_error(m));
	assert_true(after > 0);
	assert_true(after != before);
	assert_true(dpt_counter(&f->p, "sessions_migrated") >= 1);
	check_row(f, m, 21); /* replicated, and read through the moved session */
	assert_int_equal(mysql_query(m, "DELETE FROM blobs"), 0);
	/* Back to s0, the first --server, which the next tests' proxies take as the writer. */
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	code = dpt_http(&f->p, "POST", "/switchover?to=s0", &body);
	free(body);
	assert_int_equal(code, 200);
	assert_int_equal(server_id(m), before);
	mysql_close(m);
	stop_proxy(f);
	f->ok = 1;
}

/* A client that announces a 10 MiB statement, sends 2 MiB of it and disappears: the session
 * ends, its pipe is returned, the proxy serves the next client. */
static void test_client_vanishes_mid_packet(void **state)
{
	fixture *f = *state;
	f->ok = 0;
	start_proxy(f, NULL);
	MYSQL *m = connect_big(&f->p);
	int fd = (int)mysql_get_socket(m);
	uint32_t len = 10u * 1024 * 1024;
	unsigned char hdr[5] = {(unsigned char)len, (unsigned char)(len >> 8),
				(unsigned char)(len >> 16), 0, 3 /* COM_QUERY */};
	assert_int_equal(send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL), (ssize_t)sizeof(hdr));
	size_t sent = 0;
	while (sent < 2u * 1024 * 1024) {
		ssize_t n = send(fd, f->big + sent, 2u * 1024 * 1024 - sent, MSG_NOSIGNAL);
		assert_true(n > 0);
		sent += (size_t)n;
	}
	long long spliced_before_close = dpt_counter(&f->p, "bytes_spliced");
	shutdown(fd, SHUT_RDWR);
	mysql_close(m);
	assert_true(spliced_before_close > 0);
	uint64_t deadline = dpt_ms() + 10000;
	while (dpt_ms() < deadline && (metric(&f->p, "dbproxy_sessions") != 0 ||
				       metric(&f->p, "dbproxy_pipes_in_use") != 0))
		dpt_sleep_ms(50);
	assert_int_equal(metric(&f->p, "dbproxy_sessions"), 0);
	assert_int_equal(metric(&f->p, "dbproxy_pipes_in_use"), 0);
	m = connect_big(&f->p);
	assert_true(server_id(m) > 0);
	mysql_close(m);
	stop_proxy(f);
	f->ok = 1;
}

/* Busy polling spins while traffic flows, and only then: an idle proxy sleeps in epoll_wait
 * (a proxy that kept spinning would burn a whole CPU here). */
static void test_busy_poll(void **state)
{
	fixture *f = *state;
	f->ok = 0;
	start_proxy(f, NULL);
	MYSQL *m = connect_big(&f->p);
	for (int i = 0; i < 200; i++)
		assert_true(server_id(m) > 0);
	mysql_close(m);
	assert_true(dpt_counter(&f->p, "polls_spinning") > 0);
	double used = dpt_cpu_used(f->p.pid, 2000);
	dpt_log("idle dbproxy used %.2f s of CPU in 2 s", used);
	assert_true(used >= 0 && used < 0.5);
	stop_proxy(f);

	const char *const off[] = {"--busy-poll-us", "0", NULL};
	start_proxy(f, off);
	m = connect_big(&f->p);
	for (int i = 0; i < 200; i++)
		assert_true(server_id(m) > 0);
	mysql_close(m);
	assert_int_equal(dpt_counter(&f->p, "polls_spinning"), 0);
	assert_true(dpt_counter(&f->p, "polls_sleeping") > 200);
	stop_proxy(f);
	f->ok = 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_large_packets_zero_copy),
	    cmocka_unit_test(test_large_packets_copied),
	    cmocka_unit_test(test_session_moves_after_splice),
	    cmocka_unit_test(test_client_vanishes_mid_packet),
	    cmocka_unit_test(test_busy_poll),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
