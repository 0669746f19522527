/* dbproxy and TLS: dbproxy never terminates TLS. A client that sends SSLRequest gets its
 * encrypted stream relayed untouched to the server (the tracker stops framing, DP_PIN_TLS), so
 * the certificate the client verifies is the server's own and dbproxy holds none. Against a
 * primary and two semi-sync replicas started with TLS (th_options.tls): verified TLS sessions
 * through dbproxy with long streams both ways, the server's certificate and no other, TLS and
 * plain sessions side by side, and a crash failover: new TLS sessions reach the new primary and
 * see every acknowledged row; a TLS session open on the dead primary cannot be moved (its stream
 * is opaque) and is closed at once, so its next statement fails fast instead of hanging. An idle
 * TLS session does not hold up a planned switchover; SIGTERM lets a TLS transaction commit. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

#define BIG_RESULT    4000000 /* bytes of one result row: 61 times dbproxy's 64 KiB buffer */
#define BIG_STATEMENT 3000000 /* bytes of one INSERT statement's value */
#define PATTERN	      "0123456789abcdef"
#define ACKED_ROWS    200 /* inserted through TLS right before the primary is killed */

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	char other_ca[PATH_MAX]; /* a CA that did not sign the servers' certificate */
	char fingerprint[128];	 /* SHA-1 of the servers' certificate, "AB:CD:..." */
	int ok;
} fixture;

static fixture F;

/* Runs a shell command and keeps the first line of its output. 0 or -1. */
static int first_line(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	int ok;
	if (!f)
		return -1;
	ok = fgets(out, (int)size, f) != NULL;
	if (pclose(f) != 0 || !ok)
		return -1;
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

/* Short, so that test_tls_session_through_dbproxy can outlive it: a TLS session is logged in
 * (as far as dbproxy can know) once its stream turns opaque. */
static const char *const handshake_timeout[] = {"--handshake-timeout-ms", "1500", NULL};

static int setup(void **state)
{
	th_options opts = {.replicas = 2, .semisync = 1, .tls = 1};
	char cmd[3 * PATH_MAX], line[256];
	const char *eq;

	if (th_cluster_start(&F.c, &opts) < 0)
		return -1;
	if (!F.c->tls || access(F.c->tls_ca, R_OK) != 0 || access(F.c->tls_cert, R_OK) != 0) {
		fprintf(stderr, "the harness did not give a CA and a certificate\n");
		goto fail;
	}
	/* Another throwaway CA, and the fingerprint of the servers' certificate. */
	snprintf(F.other_ca, sizeof(F.other_ca), "%.*s/other-ca.pem", PATH_MAX - 16, F.c->dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
		 "-subj '/CN=not the servers CA' -keyout '%s/other-ca-key.pem' -out '%s' "
		 ">/dev/null 2>&1",
		 F.c->dir, F.other_ca);
	if (system(cmd) != 0 || access(F.other_ca, R_OK) != 0) {
		fprintf(stderr, "could not make another CA with openssl\n");
		goto fail;
	}
	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint -sha1 -in '%s'",
		 F.c->tls_cert);
	if (first_line(cmd, line, sizeof(line)) < 0 || !(eq = strchr(line, '=')) ||
	    strlen(eq + 1) != 59) {
		fprintf(stderr, "could not read the certificate's fingerprint\n");
		goto fail;
	}
	snprintf(F.fingerprint, sizeof(F.fingerprint), "%s", eq + 1);
	if (dpt_setup_users(F.c) < 0 ||
	    th_sql(F.c, 0,
		   "CREATE TABLE " DPT_APP_DB ".tls_rows (id INT PRIMARY KEY, v VARCHAR(64));"
		   "CREATE TABLE " DPT_APP_DB ".tls_big (id INT PRIMARY KEY, b LONGTEXT)") < 0 ||
	    dpt_proxy_start(&F.p, F.c, handshake_timeout) < 0)
		goto fail;
	*state = &F;
	return 0;
fail:
	dpt_proxy_stop(&F.p);
	th_cluster_free(F.c);
	return -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0 || !f->ok) {
		fprintf(stderr, "dbproxy exit status %d; its log:\n", rc);
		dpt_proxy_dump_log(&f->p, 100);
	}
	th_cluster_free(f->c);
	return rc == 0 ? 0 : -1;
}

/* A connection as the application user to port that must use TLS and verify the server's
 * certificate against ca (and its name: 127.0.0.1), and, with fp, also its SHA-1 fingerprint.
 * NULL on failure, with the client's error code in *err. */
static MYSQL *connect_tls(int port, const char *ca, const char *fp, unsigned *err)
{
	MYSQL *m = mysql_init(NULL);
	unsigned ct = 15, rt = 20;
	my_bool on = 1;
	*err = 0;
	if (!m)
		return NULL;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on); /* never fall back to plaintext */
	mysql_options(m, MYSQL_OPT_SSL_CA, ca);
	mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
	if (fp)
		mysql_options(m, MARIADB_OPT_TLS_PEER_FP, fp);
	if (!mysql_real_connect(m, "127.0.0.1", DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB,
				(unsigned)port, NULL, 0)) {
		*err = mysql_errno(m);
		dpt_log("TLS connect to port %d refused: %u %s", port, *err, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

static MYSQL *proxy_tls(const fixture *f)
{
	unsigned err;
	return connect_tls(f->p.port, f->c->tls_ca, NULL, &err);
}

/* The last column of the first row of a query (the value of a SHOW STATUS row, or the only
 * column of a SELECT) as a string; "" for NULL. 0 or -1. */
static int value_of(MYSQL *m, const char *sql, char *out, size_t size)
{
	out[0] = 0;
	if (mysql_query(m, sql) != 0) {
		dpt_log("%s: %u %s", sql, mysql_errno(m), mysql_error(m));
		return -1;
	}
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
	int ok = row != NULL && mysql_num_fields(r) >= 1;
	if (ok && row[mysql_num_fields(r) - 1])
		snprintf(out, size, "%s", row[mysql_num_fields(r) - 1]);
	mysql_free_result(r);
	return ok ? 0 : -1;
}

/* Ssl_cipher of the session as the server sees it: "" when the session is not encrypted. */
static int server_cipher(MYSQL *m, char *out, size_t size)
{
	return value_of(m, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", out, size);
}

static long long number_of(MYSQL *m, const char *sql)
{
	char v[64];
	return value_of(m, sql, v, sizeof(v)) == 0 && v[0] ? atoll(v) : -1;
}

static void assert_encrypted(MYSQL *m)
{
	char cipher[128];
	const char *client = mysql_get_ssl_cipher(m);
	assert_non_null(client);
	assert_true(client[0] != 0);
	assert_int_equal(server_cipher(m, cipher, sizeof(cipher)), 0);
	assert_true(cipher[0] != 0);
	/* Both ends of the one TLS session agree: dbproxy is not a party to it. */
	assert_string_equal(cipher, client);
}

/* Checks one row holding len bytes of PATTERN repeated. */
static int is_pattern(const char *s, unsigned long len, unsigned long want)
{
	if (!s || len != want)
		return 0;
	for (unsigned long i = 0; i < len; i++)
		if (s[i] != PATTERN[i % 16])
			return 0;
	return 1;
}

/* Reads the pending result of a SELECT REPEAT(PATTERN, ...) of want bytes. */
static void assert_big_result(MYSQL *m, unsigned long want)
{
	MYSQL_RES *r = mysql_store_result(m);
	assert_non_null(r);
	MYSQL_ROW row = mysql_fetch_row(r);
	assert_non_null(row);
	unsigned long *lens = mysql_fetch_lengths(r);
	assert_true(is_pattern(row[0], lens[0], want));
	mysql_free_result(r);
}

static void test_tls_session_through_dbproxy(void **state)
{
	fixture *f = *state;
	char sql[160], v[80];
	uint64_t t0 = dpt_ms();
	long long spliced = dpt_counter(&f->p, "bytes_spliced");

	/* The servers speak TLS themselves (a direct connection). */
	unsigned err;
	MYSQL *direct = connect_tls(f->c->servers[0].port, f->c->tls_ca, NULL, &err);
	assert_non_null(direct);
	assert_encrypted(direct);
	mysql_close(direct);

	MYSQL *m = proxy_tls(f);
	assert_non_null(m);
	assert_encrypted(m);
	assert_int_equal(number_of(m, "SELECT @@server_id"), 1);
	dpt_log("TLS through dbproxy: %s, %s", mysql_get_ssl_cipher(m),
		value_of(m, "SHOW SESSION STATUS LIKE 'Ssl_version'", v, sizeof(v)) == 0 ? v : "?");
	/* Idle for longer than dbproxy's handshake timeout: the session is not cut. */
	dpt_sleep_ms(2500);
	assert_int_equal(number_of(m, "SELECT @@server_id"), 1);

	/* Writes and reads. */
	for (int i = 1; i <= 100; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO tls_rows VALUES (%d, 'row %d')", i, i);
		assert_int_equal(mysql_query(m, sql), 0);
	}
	assert_int_equal(number_of(m, "SELECT COUNT(*) FROM tls_rows WHERE id <= 100"), 100);
	assert_int_equal(value_of(m, "SELECT v FROM tls_rows WHERE id = 42", v, sizeof(v)), 0);
	assert_string_equal(v, "row 42");
	assert_int_equal(mysql_query(m, "BEGIN"), 0);
	assert_int_equal(mysql_query(m, "UPDATE tls_rows SET v = 'changed' WHERE id = 7"), 0);
	assert_int_equal(mysql_query(m, "COMMIT"), 0);
	assert_int_equal(value_of(m, "SELECT v FROM tls_rows WHERE id = 7", v, sizeof(v)), 0);
	assert_string_equal(v, "changed");

	/* Server to client: one 4 MB row, far beyond dbproxy's 64 KiB buffer. */
	snprintf(sql, sizeof(sql), "SELECT REPEAT('" PATTERN "', %d)", BIG_RESULT / 16);
	assert_int_equal(mysql_query(m, sql), 0);
	assert_big_result(m, BIG_RESULT);

	/* Client to server: a 3 MB statement, then read back whole. */
	char *stmt = malloc(BIG_STATEMENT + 128);
	assert_non_null(stmt);
	int n = snprintf(stmt, 128, "INSERT INTO tls_big VALUES (1, '");
	for (int i = 0; i < BIG_STATEMENT; i++)
		stmt[n + i] = PATTERN[i % 16];
	n += BIG_STATEMENT;
	n += snprintf(stmt + n, 128, "')");
	assert_int_equal(mysql_real_query(m, stmt, (unsigned long)n), 0);
	free(stmt);
	assert_int_equal(number_of(m, "SELECT LENGTH(b) FROM tls_big WHERE id = 1"), BIG_STATEMENT);
	assert_int_equal(mysql_query(m, "SELECT b FROM tls_big WHERE id = 1"), 0);
	assert_big_result(m, BIG_STATEMENT);

	/* Still one healthy session after the long streams. */
	assert_encrypted(m);
	mysql_close(m);
	dpt_log("TLS session with %d + %d bytes relayed in %llu ms (%lld bytes spliced)",
		BIG_RESULT, 2 * BIG_STATEMENT, (unsigned long long)(dpt_ms() - t0),
		dpt_counter(&f->p, "bytes_spliced") - spliced);
}

static void test_certificate_is_the_servers(void **state)
{
	fixture *f = *state;
	unsigned err = 0;
	char wrong[128];

	/* dbproxy has no certificate to offer: a client trusting only another CA is refused,
	 * by its own TLS library, through dbproxy exactly as directly. */
	MYSQL *m = connect_tls(f->p.port, f->other_ca, NULL, &err);
	assert_null(m);
	assert_int_equal(err, 2026); /* CR_SSL_CONNECTION_ERROR */
	m = connect_tls(f->c->servers[0].port, f->other_ca, NULL, &err);
	assert_null(m);
	assert_int_equal(err, 2026);

	/* The certificate presented through dbproxy is the servers' one, byte for byte. */
	m = connect_tls(f->p.port, f->c->tls_ca, f->fingerprint, &err);
	assert_non_null(m);
	assert_encrypted(m);
	mysql_close(m);
	snprintf(wrong, sizeof(wrong), "%s", f->fingerprint);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	m = connect_tls(f->p.port, f->c->tls_ca, wrong, &err);
	assert_null(m);
	assert_int_equal(err, 2026);

	/* Refused handshakes leave dbproxy serving. */
	m = proxy_tls(f);
	assert_non_null(m);
	assert_encrypted(m);
	mysql_close(m);
}

/* dbproxy's own connections (probes, operations) with --monitor-tls-ca: TLS, the servers'
 * certificate verified against that CA. They read every account hash and send the
 * replication password: a monitoring account that requires TLS monitors through them, and
 * with another CA nothing is trusted and routing never opens. */
static void test_monitoring_over_tls(void **state)
{
	fixture *f = *state;
	dpt_proxy p;
	char cmd[PATH_MAX + 64];
	const char *extra[] = {"--monitor-user", "dbmon_tls", "--monitor-tls-ca", f->c->tls_ca,
			       NULL};
	for (int i = 0; i < f->c->nservers; i++)
		assert_int_equal(
		    th_sql(f->c, i,
			   "SET SESSION sql_log_bin = 0;"
			   "CREATE USER dbmon_tls@'127.0.0.1' IDENTIFIED BY '" DPT_MON_PASS
			   "' REQUIRE SSL;"
			   "GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, "
			   "REPLICATION MASTER ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, "
			   "RELOAD, BINLOG ADMIN ON *.* TO dbmon_tls@'127.0.0.1';"
			   "GRANT ALL ON dbproxy.* TO dbmon_tls@'127.0.0.1';"
			   "GRANT SELECT ON mysql.global_priv TO dbmon_tls@'127.0.0.1'"),
		    0);
	assert_int_equal(dpt_proxy_start(&p, f->c, extra), 0);
	MYSQL *m = dpt_connect(&p, 0);
	assert_non_null(m);
	assert_int_equal(dpt_query_number(m, "SELECT 7"), 7);
	mysql_close(m);
	assert_int_equal(dpt_proxy_stop(&p), 0);

	/* The same dbproxy trusting another CA only. */
	for (int i = 0; p.argv[i]; i++)
		if (strcmp(p.argv[i], f->c->tls_ca) == 0)
			p.argv[i] = f->other_ca;
	assert_int_equal(dpt_proxy_spawn(&p, p.argv), 0);
	dpt_sleep_ms(3000);
	json_t *st = dpt_status(&p);
	assert_non_null(st);
	assert_string_not_equal(json_string_value(json_object_get(st, "routing")), "open");
	json_decref(st);
	snprintf(cmd, sizeof(cmd), "grep -q 'certificate' '%s'", p.log);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(dpt_proxy_stop(&p), 0);
}

static void test_plain_and_tls_side_by_side(void **state)
{
	fixture *f = *state;
	char sql[160], cipher[128];
	MYSQL *tls = proxy_tls(f);
	MYSQL *plain = dpt_connect(&f->p, 20);

	assert_non_null(tls);
	assert_non_null(plain);
	assert_encrypted(tls);
	assert_null(mysql_get_ssl_cipher(plain));
	assert_int_equal(server_cipher(plain, cipher, sizeof(cipher)), 0);
	assert_string_equal(cipher, "");

	/* A big TLS result left waiting in dbproxy while the plain session works, then the
	 * other way round; each sees the other's writes. */
	snprintf(sql, sizeof(sql), "SELECT REPEAT('" PATTERN "', %d)", BIG_RESULT / 16);
	assert_int_equal(mysql_send_query(tls, sql, strlen(sql)), 0);
	for (int i = 101; i <= 150; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO tls_rows VALUES (%d, 'plain %d')", i, i);
		assert_int_equal(mysql_query(plain, sql), 0);
	}
	assert_int_equal(mysql_read_query_result(tls), 0);
	assert_big_result(tls, BIG_RESULT);
	assert_int_equal(
	    number_of(tls, "SELECT COUNT(*) FROM tls_rows WHERE id BETWEEN 101 AND 150"), 50);

	snprintf(sql, sizeof(sql), "SELECT REPEAT('" PATTERN "', %d)", BIG_RESULT / 16);
	assert_int_equal(mysql_send_query(plain, sql, strlen(sql)), 0);
	for (int i = 151; i <= 200; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO tls_rows VALUES (%d, 'tls %d')", i, i);
		assert_int_equal(mysql_query(tls, sql), 0);
	}
	assert_int_equal(mysql_read_query_result(plain), 0);
	assert_big_result(plain, BIG_RESULT);
	assert_int_equal(
	    number_of(plain, "SELECT COUNT(*) FROM tls_rows WHERE id BETWEEN 151 AND 200"), 50);

	assert_encrypted(tls);
	assert_null(mysql_get_ssl_cipher(plain));
	mysql_close(tls);
	mysql_close(plain);
}

/* Whether the peer (dbproxy) has closed m's connection: EOF waiting, nothing else unread. */
static int closed_by_peer(MYSQL *m, int wait_ms)
{
	struct pollfd pfd = {.fd = (int)mysql_get_socket(m), .events = POLLIN};
	char byte;
	if (poll(&pfd, 1, wait_ms) != 1)
		return 0;
	return recv(pfd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* The admin endpoint's /history as text; the caller frees it. */
static char *history(const fixture *f)
{
	char *body = NULL;
	assert_int_equal(dpt_http(&f->p, "GET", "/history", &body), 200);
	assert_non_null(body);
	return body;
}

static void switchover_to(fixture *f, const char *to)
{
	char *body = NULL, path[64];
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));
	snprintf(path, sizeof(path), to ? "/switchover?to=%s" : "/switchover", to);
	int code = dpt_http(&f->p, "POST", path, &body);
	if (code != 200)
		fprintf(stderr, "switchover answered %d: %s\n", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
}

/* A planned switchover with an idle TLS session and an idle plain one. The TLS stream cannot
 * be read, so it cannot move; with no statement in flight it does not hold up the switchover
 * (which would otherwise wait switchover_drain_ms with writes paused): it is closed with the
 * writer change. The plain session moves without an error. */
static void test_switchover_with_idle_tls_session(void **state)
{
	fixture *f = *state;
	f->ok = 0;
	assert_int_equal(dpt_primary(&f->p, NULL), 0);
	MYSQL *tls = proxy_tls(f), *plain = dpt_connect(&f->p, 20);
	assert_non_null(tls);
	assert_non_null(plain);
	assert_int_equal(number_of(tls, "SELECT @@server_id"), 1);
	assert_int_equal(number_of(plain, "SELECT @@server_id"), 1);

	switchover_to(f, NULL);
	char *h = history(f);
	assert_non_null(strstr(h, "are idle and held"));
	assert_null(strstr(h, "still busy"));
	free(h);

	int np = dpt_primary(&f->p, NULL);
	assert_true(np == 1 || np == 2);
	assert_int_equal(number_of(plain, "SELECT @@server_id"), np + 1);
	assert_true(closed_by_peer(tls, 5000));
	assert_int_not_equal(mysql_query(tls, "SELECT 1"), 0);
	unsigned code = mysql_errno(tls);
	assert_true(code == 2026 || code == 2006 || code == 2013);
	mysql_close(tls);

	/* Back to s0 for the next tests; a new TLS session works on it. */
	switchover_to(f, "s0");
	assert_int_equal(number_of(plain, "SELECT @@server_id"), 1);
	mysql_close(plain);
	tls = proxy_tls(f);
	assert_non_null(tls);
	assert_encrypted(tls);
	mysql_close(tls);
	f->ok = 1;
}

static void test_failover_with_tls(void **state)
{
	fixture *f = *state;
	char sql[160], cipher[128];
	int primary = dpt_primary(&f->p, NULL);

	assert_int_equal(primary, 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &f->p));

	/* A TLS session that will be on the primary when it dies, idle, logged in. */
	MYSQL *old = proxy_tls(f);
	assert_non_null(old);
	assert_int_equal(number_of(old, "SELECT @@server_id"), 1);
	assert_false(closed_by_peer(old, 0));

	/* Rows acknowledged over TLS (semi-sync: each is on a replica when acknowledged). */
	MYSQL *w = proxy_tls(f);
	assert_non_null(w);
	for (int i = 0; i < ACKED_ROWS; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO tls_rows VALUES (%d, 'acked %d')", 1000 + i,
			 i);
		assert_int_equal(mysql_query(w, sql), 0);
	}
	long long total = number_of(w, "SELECT COUNT(*) FROM tls_rows");
	assert_true(total >= ACKED_ROWS);

	uint64_t t0 = dpt_ms();
	dpt_log("kill -9 of primary s0 with %lld rows acknowledged", total);
	assert_int_equal(th_server_signal(f->c, 0, SIGKILL), 0);

	/* dbproxy cannot move an opaque TLS stream nor write a plaintext error into it: it
	 * closes the client connection as soon as the server's is lost
	 * (dp_session.c: leave_backend, phase != DP_PH_CMD -> session_end). */
	assert_true(closed_by_peer(old, 5000));
	dpt_log("the old TLS session was closed by dbproxy %llu ms after the kill",
		(unsigned long long)(dpt_ms() - t0));
	uint64_t t1 = dpt_ms();
	assert_int_not_equal(mysql_query(old, "SELECT 1"), 0);
	unsigned code = mysql_errno(old);
	dpt_log("its next statement: %u %s after %llu ms", code, mysql_error(old),
		(unsigned long long)(dpt_ms() - t1));
	/* The client library sees the end of the connection: CR_SSL_CONNECTION_ERROR 2026
	 * ("unexpected eof while reading", OpenSSL 3), or CR_SERVER_GONE_ERROR / CR_SERVER_LOST
	 * depending on whether the write or the read notices first. */
	assert_true(code == 2026 || code == 2006 || code == 2013);
	mysql_close(old);
	mysql_close(w);

	/* A new TLS session reaches the new primary, end to end, and sees every row. */
	MYSQL *m = proxy_tls(f);
	assert_non_null(m);
	dpt_log("new TLS session through dbproxy %llu ms after the kill",
		(unsigned long long)(dpt_ms() - t0));
	assert_encrypted(m);
	int np = dpt_primary(&f->p, NULL);
	assert_true(np == 1 || np == 2);
	assert_int_equal(number_of(m, "SELECT @@server_id"), np + 1);
	assert_int_equal(number_of(m, "SELECT COUNT(*) FROM tls_rows"), total);
	assert_int_equal(
	    number_of(m, "SELECT COUNT(*) FROM tls_rows WHERE id BETWEEN 1000 AND 1199"),
	    ACKED_ROWS);
	assert_int_equal(mysql_query(m, "INSERT INTO tls_rows VALUES (5000, 'after failover')"), 0);
	assert_int_equal(number_of(m, "SELECT COUNT(*) FROM tls_rows"), total + 1);
	assert_int_equal(server_cipher(m, cipher, sizeof(cipher)), 0);
	assert_true(cipher[0] != 0);
	mysql_close(m);
	f->ok = 1;
}

/* SIGTERM: dbproxy cannot tell an idle TLS session from one inside a transaction, so it
 * keeps TLS sessions until their clients close them (or drain_timeout_ms): a transaction in
 * progress commits, then the process exits by itself. */
static void test_sigterm_keeps_tls_transaction(void **state)
{
	fixture *f = *state;
	int primary = dpt_primary(&f->p, NULL);
	f->ok = 0;
	assert_true(primary >= 0);
	MYSQL *m = proxy_tls(f);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "BEGIN"), 0);
	assert_int_equal(mysql_query(m, "INSERT INTO tls_rows VALUES (7000, 'before SIGTERM')"), 0);

	assert_int_equal(kill(f->p.pid, SIGTERM), 0);
	/* Draining: a new client is refused (or finds nobody listening). */
	uint64_t deadline = dpt_ms() + 10000;
	MYSQL *late = NULL;
	while (dpt_ms() < deadline && (late = dpt_connect(&f->p, 5)) != NULL) {
		mysql_close(late);
		dpt_sleep_ms(50);
	}
	assert_null(late);
	assert_int_equal(mysql_query(m, "INSERT INTO tls_rows VALUES (7001, 'after SIGTERM')"), 0);
	assert_int_equal(mysql_query(m, "COMMIT"), 0);
	mysql_close(m);
	assert_int_equal(dpt_number(f->c, primary,
				    "SELECT COUNT(*) FROM " DPT_APP_DB
				    ".tls_rows WHERE id IN (7000, 7001)"),
			 2);
	/* Its last session gone, dbproxy exits by itself, cleanly. */
	int st = -1;
	for (int i = 0; i < 200 && waitpid(f->p.pid, &st, WNOHANG) == 0; i++)
		dpt_sleep_ms(50);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	f->p.pid = 0;
	f->ok = 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_session_through_dbproxy),
	    cmocka_unit_test(test_certificate_is_the_servers),
	    cmocka_unit_test(test_monitoring_over_tls),
	    cmocka_unit_test(test_plain_and_tls_side_by_side),
	    cmocka_unit_test(test_switchover_with_idle_tls_session),
	    cmocka_unit_test(test_failover_with_tls),
	    cmocka_unit_test(test_sigterm_keeps_tls_transaction),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
