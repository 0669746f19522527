/* Unit tests of dbproxy's protocol code, without servers: SHA-1 and mysql_native_password
 * arithmetic, GTID lists, the packet scanner (split packets, any read boundaries) and the
 * session tracker (transactions, result sets, settings, pins, TLS, confusion), the login
 * fields of handshake responses and COM_CHANGE_USER, and the escaping of log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The units under test, compiled into this binary (test binaries do not link dbproxy). */
#include "dp_gtid.c"
#include "dp_log.c"
#include "dp_mysql.c"
#include "dp_sha1.c"
#include "dp_track.c"

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_sha1_vectors(void **state)
{
	uint8_t d[20];
	char h[41];
	(void)state;
	dp_sha1("abc", 3, d);
	hex(d, 20, h);
	assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	dp_sha1("", 0, d);
	hex(d, 20, h);
	assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	dp_sha1_ctx s;
	char thousand[1000];
	memset(thousand, 'a', sizeof(thousand));
	dp_sha1_init(&s);
	for (int i = 0; i < 1000; i++)
		dp_sha1_update(&s, thousand, sizeof(thousand));
	dp_sha1_final(&s, d);
	hex(d, 20, h);
	assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_native_password(void **state)
{
	uint8_t stage1[20], stage2[20], from_hash[20], scramble[20], resp[20], got[20];
	(void)state;
	dp_sha1("secret", 6, stage1);
	dp_sha1(stage1, 20, stage2);
	/* PASSWORD('secret') in MariaDB. */
	assert_int_equal(
	    dp_native_hash_parse(from_hash, "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7"), 0);
	assert_memory_equal(from_hash, stage2, 20);
	assert_int_equal(dp_native_hash_parse(from_hash, "14E65567"), -1);
	for (int i = 0; i < 20; i++)
		scramble[i] = (uint8_t)(i * 37 + 1);
	dp_native_response(resp, scramble, stage1);
	/* What the proxy sees (scramble + response) and the stored hash give SHA1(password)... */
	assert_int_equal(dp_native_recover(got, scramble, resp, stage2), 0);
	assert_memory_equal(got, stage1, 20);
	/* ...which answers a different scramble just like the client would. */
	uint8_t scramble2[20], resp2[20], expect[20];
	for (int i = 0; i < 20; i++)
		scramble2[i] = (uint8_t)(255 - i);
	dp_native_response(resp2, scramble2, got);
	dp_native_response(expect, scramble2, stage1);
	assert_memory_equal(resp2, expect, 20);
	/* Another account's hash does not check out. */
	uint8_t other[20];
	dp_sha1("other", 5, got);
	dp_sha1(got, 20, other);
	assert_int_equal(dp_native_recover(got, scramble, resp, other), -1);
}

static void test_gtid(void **state)
{
	dp_gtid_pos a, b;
	char buf[128];
	(void)state;
	assert_int_equal(dp_gtid_parse(&a, "0-1-100,0-2-90,1-5-7"), 0);
	assert_int_equal(a.n, 2); /* gtid_binlog_pos style: one domain per position */
	assert_int_equal(dp_gtid_seq(&a, 0), 100);
	assert_int_equal(dp_gtid_seq(&a, 1), 7);
	dp_gtid_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "0-1-100,1-5-7");
	assert_int_equal(dp_gtid_parse(&b, "0-2-98"), 0);
	assert_true(dp_gtid_contains(&a, &b));
	assert_false(dp_gtid_contains(&b, &a));
	assert_int_equal(dp_gtid_gap(&b, &a), 2 + 7);
	assert_true(dp_gtid_cmp(&a, &b) > 0);
	assert_int_equal(dp_gtid_parse(&b, ""), 0);
	assert_int_equal(b.n, 0);
	assert_true(dp_gtid_contains(&a, &b));
	assert_int_equal(dp_gtid_parse(&b, "0-1"), -1);
	assert_int_equal(dp_gtid_parse(&b, "x-1-2"), -1);
}

/* ---------------------------------------------------------------- scanner */

typedef struct seen {
	int n;
	uint64_t len[8];
	uint8_t seq[8], last_seq[8], first[8];
	uint64_t start[8];
} seen;

static int on_pkt(void *ctx, const dp_pkt *p)
{
	seen *s = ctx;
	if (s->n < 8) {
		s->len[s->n] = p->len;
		s->seq[s->n] = p->seq;
		s->last_seq[s->n] = p->last_seq;
		s->first[s->n] = p->head_len ? p->head[0] : 0;
		s->start[s->n] = p->start;
	}
	s->n++;
	return 0;
}

static void test_scanner_boundaries(void **state)
{
	const uint8_t stream[] = {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 1, 2, 0, 0, 2, 'x', 'y'};
	uint8_t head[16];
	(void)state;
	/* Byte by byte and in one go give the same packets. */
	for (size_t step = 1; step <= sizeof(stream); step++) {
		dp_pktscan sc;
		seen s = {0};
		dp_pktscan_init(&sc, head, sizeof(head));
		for (size_t i = 0; i < sizeof(stream); i += step) {
			size_t n = sizeof(stream) - i < step ? sizeof(stream) - i : step;
			assert_int_equal(dp_pktscan_feed(&sc, stream + i, n, on_pkt, &s), n);
		}
		assert_int_equal(s.n, 3);
		assert_int_equal(s.len[0], 3);
		assert_int_equal(s.first[0], 'a');
		assert_int_equal(s.len[1], 0);
		assert_int_equal(s.seq[1], 1);
		assert_int_equal(s.start[1], 7);
		assert_int_equal(s.len[2], 2);
		assert_int_equal(s.start[2], 11);
		assert_true(dp_pktscan_at_boundary(&sc));
	}
}

static void test_scanner_16mib(void **state)
{
	dp_pktscan sc;
	seen s = {0};
	uint8_t head[8], hdr[4] = {0xff, 0xff, 0xff, 5}, end[4] = {0, 0, 0, 6};
	static uint8_t zeros[65536];
	(void)state;
	dp_pktscan_init(&sc, head, sizeof(head));
	dp_pktscan_feed(&sc, hdr, 4, on_pkt, &s);
	for (size_t left = 0xFFFFFF; left > 0;) {
		size_t n = left < sizeof(zeros) ? left : sizeof(zeros);
		dp_pktscan_feed(&sc, zeros, n, on_pkt, &s);
		left -= n;
	}
	assert_int_equal(s.n, 0); /* a full chunk means "more follows" */
	assert_false(dp_pktscan_at_boundary(&sc));
	dp_pktscan_feed(&sc, end, 4, on_pkt, &s); /* the empty closing chunk */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.len[0], 0xFFFFFF);
	assert_int_equal(s.seq[0], 5);
	assert_int_equal(s.last_seq[0], 6);
	assert_true(dp_pktscan_at_boundary(&sc));
}

/* Zero-copy: the bytes past a packet's head may be skipped, never its last byte, never past
 * a chunk's end; packets come out as if every byte had been fed. */
static void test_scanner_skip(void **state)
{
	dp_pktscan sc;
	seen s = {0};
	uint8_t head[4], hdr[4] = {0xff, 0xff, 0xff, 0}, end[5] = {1, 0, 0, 1, 'z'};
	uint8_t small[] = {2, 0, 0, 2, 'o', 'k'};
	(void)state;
	dp_pktscan_init(&sc, head, sizeof(head));
	assert_int_equal(dp_pktscan_skippable(&sc), 0); /* at a boundary */
	dp_pktscan_feed(&sc, hdr, 4, on_pkt, &s);
	assert_int_equal(dp_pktscan_skippable(&sc), 0); /* the head is not captured yet */
	dp_pktscan_feed(&sc, (const uint8_t *)"abc", 3, on_pkt, &s);
	assert_int_equal(dp_pktscan_skippable(&sc), 0);
	dp_pktscan_feed(&sc, (const uint8_t *)"d", 1, on_pkt, &s);
	assert_int_equal(dp_pktscan_skippable(&sc), 0xFFFFFF - 4 - 1);
	dp_pktscan_skip(&sc, 1000);
	assert_int_equal(dp_pktscan_skippable(&sc), 0xFFFFFF - 4 - 1001);
	dp_pktscan_skip(&sc, dp_pktscan_skippable(&sc));
	assert_int_equal(dp_pktscan_skippable(&sc), 0); /* the chunk's last byte is fed */
	assert_int_equal(s.n, 0);
	dp_pktscan_feed(&sc, (const uint8_t *)"e", 1, on_pkt, &s);
	assert_int_equal(s.n, 0); /* a full chunk: more follows */
	dp_pktscan_feed(&sc, end, sizeof(end), on_pkt, &s);
	dp_pktscan_feed(&sc, small, sizeof(small), on_pkt, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.len[0], 0xFFFFFF + 1);
	assert_int_equal(s.first[0], 'a');
	assert_int_equal(s.last_seq[0], 1);
	assert_int_equal(s.len[1], 2);
	assert_int_equal(s.start[1], 4 + 0xFFFFFF + sizeof(end));
	assert_int_equal(s.first[1], 'o');
	assert_true(dp_pktscan_at_boundary(&sc));
}

/* ---------------------------------------------------------------- tracker */

typedef struct wire {
	uint8_t b[8192];
	size_t n;
} wire;

static void put(wire *w, uint8_t seq, const void *payload, size_t len)
{
	w->b[w->n] = (uint8_t)len;
	w->b[w->n + 1] = (uint8_t)(len >> 8);
	w->b[w->n + 2] = (uint8_t)(len >> 16);
	w->b[w->n + 3] = seq;
	memcpy(w->b + w->n + 4, payload, len);
	w->n += 4 + len;
}

static void s2c(dp_track *t, wire *w)
{
	/* Feed in odd-sized pieces to exercise partial packets. */
	for (size_t i = 0; i < w->n; i += 3)
		dp_track_s2c(t, w->b + i, w->n - i < 3 ? w->n - i : 3);
	w->n = 0;
}

static void c2s(dp_track *t, wire *w)
{
	dp_track_c2s(t, w->b, w->n);
	w->n = 0;
}

static void ok_pkt(wire *w, uint8_t seq, uint16_t status)
{
	uint8_t p[7] = {0, 0, 0, (uint8_t)status, (uint8_t)(status >> 8), 0, 0};
	put(w, seq, p, sizeof(p));
}

static void eof_pkt(wire *w, uint8_t seq, uint16_t status)
{
	uint8_t p[5] = {0xfe, 0, 0, (uint8_t)status, (uint8_t)(status >> 8)};
	put(w, seq, p, sizeof(p));
}

static void query(dp_track *t, const char *sql)
{
	wire w = {0};
	uint8_t p[1024];
	p[0] = DP_COM_QUERY;
	memcpy(p + 1, sql, strlen(sql));
	put(&w, 0, p, 1 + strlen(sql));
	c2s(t, &w);
}

static void greeting(dp_track *t)
{
	wire w = {0};
	uint8_t g[128];
	size_t n = 0;
	g[n++] = 10;
	memcpy(g + n, "10.11.0-MariaDB", 16);
	n += 16;
	g[n++] = 7, g[n++] = 0, g[n++] = 0, g[n++] = 0; /* conn id 7 */
	memcpy(g + n, "12345678", 8), n += 8;
	g[n++] = 0;
	uint32_t caps =
	    0xFFFFFFFEu & ~DP_CLIENT_COMPRESS & ~DP_CLIENT_SSL; /* MariaDB: CLIENT_MYSQL clear */
	g[n++] = (uint8_t)caps, g[n++] = (uint8_t)(caps >> 8);
	g[n++] = 45; /* charset */
	g[n++] = DP_STATUS_AUTOCOMMIT, g[n++] = 0;
	g[n++] = (uint8_t)(caps >> 16), g[n++] = (uint8_t)(caps >> 24);
	g[n++] = 21;
	memset(g + n, 0, 10), n += 10;
	memcpy(g + n, "abcdefghijkl", 13), n += 13;
	memcpy(g + n, "mysql_native_password", 22), n += 22;
	put(&w, 0, g, n);
	s2c(t, &w);
	assert_int_equal(t->phase, DP_PH_HANDSHAKE);
	assert_int_equal(t->conn_id, 7);
}

/* Greeting, login as "app" with a native response, OK: the command phase. */
static void login(dp_track *t, uint32_t client_caps)
{
	wire w = {0};
	greeting(t);

	dp_handshake_resp h = {.caps = client_caps, .charset = 45, .auth_len = 20};
	strcpy(h.user, "app");
	strcpy(h.db, "appdb");
	strcpy(h.plugin, DP_NATIVE_PLUGIN);
	memset(h.auth, 0xAB, 20);
	w.n = dp_build_handshake_resp(w.b, sizeof(w.b), 1, &h);
	c2s(t, &w);
	assert_int_equal(t->phase, DP_PH_AUTH);
	ok_pkt(&w, 2, DP_STATUS_AUTOCOMMIT);
	s2c(t, &w);
	assert_int_equal(t->phase, DP_PH_CMD);
	assert_string_equal(t->login.user, "app");
	assert_string_equal(t->db, "appdb");
	assert_int_equal(t->login.auth_resp_ok, 1);
	assert_memory_equal(t->login.scramble, "12345678abcdefghijkl", 20);
}

#define CLIENT_CAPS                                                                                \
	(DP_CLIENT_PROTOCOL_41 | DP_CLIENT_SECURE_CONNECTION | DP_CLIENT_PLUGIN_AUTH |             \
	 DP_CLIENT_CONNECT_WITH_DB | DP_CLIENT_MULTI_RESULTS | DP_CLIENT_MULTI_STATEMENTS |        \
	 DP_CLIENT_TRANSACTIONS | DP_CLIENT_LOCAL_FILES)

static void test_track_transactions_and_results(void **state)
{
	dp_track t;
	wire w = {0};
	(void)state;
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	assert_true(dp_track_idle(&t));
	assert_false(dp_track_in_trans(&t));

	query(&t, "BEGIN");
	assert_false(dp_track_idle(&t));
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT | DP_STATUS_IN_TRANS);
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));
	assert_true(dp_track_in_trans(&t));

	/* A result set: count, one column, EOF, two rows (one starting with 0xFE but long), EOF. */
	query(&t, "SELECT x FROM t");
	uint8_t one = 1, col[20] = {3, 'd', 'e', 'f'}, row[12] = {1, 'a'};
	put(&w, 1, &one, 1);
	put(&w, 2, col, sizeof(col));
	eof_pkt(&w, 3, DP_STATUS_IN_TRANS);
	put(&w, 4, row, 2);
	uint8_t bigrow[20] = {0xfe};
	put(&w, 5, bigrow, sizeof(bigrow)); /* 0xFE but 20 bytes: a row, not EOF */
	s2c(&t, &w);
	assert_false(dp_track_idle(&t));
	eof_pkt(&w, 6, DP_STATUS_IN_TRANS | DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));
	assert_true(dp_track_in_trans(&t));

	query(&t, "COMMIT");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_false(dp_track_in_trans(&t));

	/* Multi-statement: OK with MORE_RESULTS, then an error ends it. */
	query(&t, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT | DP_STATUS_MORE_RESULTS);
	s2c(&t, &w);
	assert_false(dp_track_idle(&t));
	uint8_t err[] = {0xff, 0x26, 0x04, '#', '2', '3', '0', '0', '0', 'd', 'u', 'p'};
	put(&w, 2, err, sizeof(err));
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));

	/* A progress report (ERR 0xFFFF) is not the end of the statement. */
	query(&t, "ALTER TABLE t ENGINE=InnoDB");
	uint8_t progress[] = {0xff, 0xff, 0xff, 1, 1, 1, 0, 0, 0};
	put(&w, 1, progress, sizeof(progress));
	s2c(&t, &w);
	assert_false(dp_track_idle(&t));
	ok_pkt(&w, 2, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));

	/* LOCAL INFILE: request, the client's data and empty packet, then OK. */
	query(&t, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t");
	uint8_t infile[] = {0xfb, 'x'};
	put(&w, 1, infile, sizeof(infile));
	s2c(&t, &w);
	put(&w, 2, "1\n2\n", 4);
	put(&w, 3, "", 0);
	c2s(&t, &w);
	assert_false(dp_track_idle(&t));
	ok_pkt(&w, 4, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));
	assert_int_equal(t.pins, 0);
	dp_track_clear(&t);
}

static void test_track_deprecate_eof_and_pipelining(void **state)
{
	dp_track t;
	wire w = {0};
	(void)state;
	dp_track_init(&t);
	login(&t, CLIENT_CAPS | DP_CLIENT_DEPRECATE_EOF);
	/* Two queries sent before any answer. */
	query(&t, "SELECT 1");
	query(&t, "SELECT 2");
	assert_int_equal(t.qlen, 2);
	uint8_t one = 1, col[10] = {3, 'd', 'e', 'f'}, row[2] = {1, '1'};
	uint8_t okfe[7] = {0xfe, 0, 0, DP_STATUS_AUTOCOMMIT, 0, 0, 0};
	for (int q = 0; q < 2; q++) {
		put(&w, 1, &one, 1);
		put(&w, 2, col, sizeof(col));
		put(&w, 3, row, sizeof(row)); /* no EOF after the columns */
		put(&w, 4, okfe, sizeof(okfe));
	}
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));
	assert_int_equal(t.responses, 2); /* the login's OK is not a command response */
	dp_track_clear(&t);
}

static void test_track_settings_and_pins(void **state)
{
	dp_track t;
	wire w = {0};
	(void)state;
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);

	query(&t, "SET NAMES utf8mb4");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "  /* app */ SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET GLOBAL x = 1"); /* not session state */
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET @@session.time_zone = '+00:00'");
	uint8_t err[] = {0xff, 1, 1, '#', 'H', 'Y', '0', '0', '0', 'x'};
	put(&w, 1, err, sizeof(err)); /* failed: not recorded */
	s2c(&t, &w);
	assert_int_equal(t.nsets, 2);
	assert_string_equal(t.sets[0], "SET NAMES utf8mb4");
	/* A global setting in any case is never replayed as session state; a statement cut
	 * right after "@@glo" is looked at within its bytes only. */
	query(&t, "SET @@GLOBAL.max_connections = 100");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET @@glo");
	uint8_t err2[] = {0xff, 1, 1, '#', '4', '2', '0', '0', '0', 'x'};
	put(&w, 1, err2, sizeof(err2));
	s2c(&t, &w);
	assert_int_equal(t.nsets, 2);
	/* An OK packet too short to hold a status: the session counts as inside a transaction
	 * (never moved), and nothing else is read from it. */
	query(&t, "DO 1");
	uint8_t short_ok[] = {0x00, 0x00};
	put(&w, 1, short_ok, sizeof(short_ok));
	s2c(&t, &w);
	assert_true(dp_track_in_trans(&t));
	query(&t, "DO 1");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_false(dp_track_in_trans(&t));

	uint8_t initdb[] = {DP_COM_INIT_DB, 'o', 't', 'h', 'e', 'r'};
	put(&w, 0, initdb, sizeof(initdb));
	c2s(&t, &w);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_string_equal(t.db, "other");
	query(&t, "USE `third`");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_string_equal(t.db, "third");
	/* A doubled backquote inside a quoted name is one backquote, not its end. */
	query(&t, "USE `a``b`");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_string_equal(t.db, "a`b");

	/* COM_SET_OPTION: a moved session logs in with multi-statements as they are now. */
	uint8_t multi_off[] = {DP_COM_SET_OPTION, 1, 0}, multi_on[] = {DP_COM_SET_OPTION, 0, 0};
	assert_true(t.client_caps & DP_CLIENT_MULTI_STATEMENTS);
	put(&w, 0, multi_off, sizeof(multi_off));
	c2s(&t, &w);
	uint8_t eof_ok[] = {0xfe, 0, 0, DP_STATUS_AUTOCOMMIT, 0};
	put(&w, 1, eof_ok, sizeof(eof_ok)); /* the server answers with an EOF packet */
	s2c(&t, &w);
	assert_false(t.client_caps & DP_CLIENT_MULTI_STATEMENTS);
	assert_false(t.caps & DP_CLIENT_MULTI_STATEMENTS);
	assert_true(dp_track_idle(&t));
	put(&w, 0, multi_on, sizeof(multi_on));
	c2s(&t, &w);
	put(&w, 1, eof_ok, sizeof(eof_ok));
	s2c(&t, &w);
	assert_true(t.client_caps & DP_CLIENT_MULTI_STATEMENTS);
	assert_int_equal(t.pins, 0);

	/* SET TRANSACTION waits for the next transaction: held until one is seen. */
	query(&t, "SET TRANSACTION READ ONLY");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.next_tx, 1);
	query(&t, "DO 1");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.next_tx, 1);
	query(&t, "START TRANSACTION");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT | DP_STATUS_IN_TRANS);
	s2c(&t, &w);
	assert_int_equal(t.next_tx, 0);
	query(&t, "COMMIT");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET SESSION TRANSACTION READ ONLY"); /* session state: replayed */
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.next_tx, 0);

	/* An address in a literal is not a user variable; @x is. */
	query(&t, "INSERT INTO u VALUES ('a@b.example')");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	query(&t, "SELECT @x := 1");
	assert_true(t.pins & DP_PIN_USERVAR);
	dp_track_clear(&t);

	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	query(&t, "CREATE TEMPORARY TABLE tt (a INT)");
	assert_true(t.pins & DP_PIN_TEMP);
	dp_track_clear(&t);

	/* A SET that calls a stored function (or reads a subquery) would run it again when
	 * replayed: it pins. Built-in string functions are replayed. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	query(&t, "SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET sql_mode = (SELECT REPLACE(@@sql_mode, 'ONLY_FULL_GROUP_BY', ''))");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.nsets, 2);
	assert_int_equal(t.pins, 0);
	static const char *const calls[] = {
	    "SET time_zone = app.tz()", "SET time_zone = `tz` ()", "SET time_zone = tz()",
	    "SET time_zone = (SELECT tz FROM zones LIMIT 1)",
	    "SET time_zone = CONCAT(app.tz(), '')", "SET time_zone = 'a\\' , tz() -- '",
	    /* a quote in a comment starts no literal */
	    "SET time_zone = /* ' */ tz() /* ' */", "SET time_zone = # '\n tz() # '",
	    /* a quoted name of any characters, a qualified one with spaces */
	    "SET time_zone = `my-tz`()", "SET time_zone = app . CONCAT('+00:00')",
	    "SET time_zone = app./**/CONCAT('+00:00')",
	    /* the markers of an executable comment between the name and "(", or after the "." */
	    "SET time_zone = tz/*!*/()", "SET time_zone = `tz`/*!*/()",
	    "SET time_zone = app./*!*/CONCAT('+00:00')",
	    "SET time_zone = app.CONCAT/*M!100000*/('+00:00')"};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		query(&t, calls[i]);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_int_equal(t.nsets, 2);
		assert_true(t.pins & DP_PIN_SETS);
		t.pins = 0;
	}
	dp_track_clear(&t);

	/* Prepared statements: counted until closed. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	uint8_t prep[] = {DP_COM_STMT_PREPARE, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '?'};
	put(&w, 0, prep, sizeof(prep));
	c2s(&t, &w);
	uint8_t pok[12] = {0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0}; /* id 1, 1 column, 1 param */
	uint8_t def[10] = {3, 'd', 'e', 'f'};
	put(&w, 1, pok, sizeof(pok));
	put(&w, 2, def, sizeof(def));
	eof_pkt(&w, 3, DP_STATUS_AUTOCOMMIT);
	put(&w, 4, def, sizeof(def));
	eof_pkt(&w, 5, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(dp_track_idle(&t));
	assert_int_equal(t.prepared, 1);
	uint8_t closecmd[] = {DP_COM_STMT_CLOSE, 1, 0, 0, 0};
	put(&w, 0, closecmd, sizeof(closecmd));
	c2s(&t, &w);
	assert_int_equal(t.prepared, 0);
	assert_true(dp_track_idle(&t));
	dp_track_clear(&t);
}

/* Texts the classifier once read otherwise than the server (found by fuzz_dp_classify): a SET
 * that calls a stored function only as the server reads it with ANSI_QUOTES (double quotes a
 * name, without escapes, single quotes with), or after an executable comment's version (5 or 6
 * digits, the rest is SQL), or that reads a sequence, or with a NUL (the replayed text was cut
 * there), is not replayed;
 * a USE records the schema the server moves to, or pins when it cannot tell. */
static void test_track_classifier_server_reading(void **state)
{
	dp_track t;
	wire w = {0};
	(void)state;
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);

	static const char *const calls[] = {
	    "SET sql_select_limit = IF((SELECT '\\'' AS \"\\\") IS NULL, 1, tz())",
	    "SET time_zone = /*!1000002CONCAT('+00:00')*/",
	    /* a sequence read: replayed, it moves on again */
	    "SET sql_select_limit = NEXT VALUE FOR s1",
	    "SET sql_select_limit = PREVIOUS /* x */ VALUE FOR s1",
	    "SET sql_select_limit = s1.nextval",
	    /* quoted, as sql_mode=ORACLE reads them too */
	    "SET sql_select_limit = s1.`nextval`",
	    "SET sql_select_limit = s1 . \"CurrVal\"",
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		query(&t, calls[i]);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_int_equal(t.nsets, 0);
		assert_true(t.pins & DP_PIN_SETS);
		t.pins = 0;
	}
	/* Each assignment has its own scope, and an executable comment's GLOBAL is SQL (as
	 * MariaDB 10.11 reads them): never replayed on another server. Session first, then
	 * global: pinned, like global first. */
	static const char *const global[] = {
	    "SET time_zone = '+01:00', GLOBAL max_connections = 100",
	    "SET SESSION time_zone = '+01:00', @@global.max_connections = 100",
	    "SET time_zone = (SELECT CONCAT('+01', ':00')), @@GLOBAL . max_connections = 100",
	    "SET time_zone = '+01:00' /*!, GLOBAL max_connections = 100 */",
	    "SET time_zone = '+01:00', /*!GLOBAL*/ max_connections = 100",
	    "SET /*!GLOBAL*/ max_connections = 100",
	    "SET /*!100000 GLOBAL */ max_connections = 100",
	    "SET /*M!100000 GLOBAL */ max_connections = 100",
	    "SET @@global/* x */.max_connections = 100",
	    "SET /*!DEFAULT ROLE*/ NONE",
	};
	for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
		query(&t, global[i]);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_int_equal(t.nsets, 0);
		assert_true(i >= 5 || (t.pins & DP_PIN_SETS));
		t.pins = 0;
	}
	/* A global value read, set in the session: replayed. */
	query(&t, "SET time_zone = @@global.time_zone, sql_mode = 'global'");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.nsets, 1);
	assert_int_equal(t.pins, 0);
	free(t.sets[0]);
	t.nsets = 0;
	static const uint8_t nul[] = {DP_COM_QUERY, 'S', 'E', 'T', ' ', 'a', '=', '\'', 0, '\''};
	put(&w, 0, nul, sizeof(nul));
	c2s(&t, &w);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.nsets, 0);
	assert_true(t.pins & DP_PIN_SETS);
	t.pins = 0;
	/* The user variable the same reading hid. */
	query(&t, "SELECT '\\'' AS \"\\\", @x");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(t.pins & DP_PIN_USERVAR);
	t.pins = 0;
	/* Star-slash ends an executable comment, and only that: elsewhere a slash-star after the
	 * star opens a comment (a quote in it starts no literal), and after the end of one, the
	 * text is SQL, not the start of a comment (found by fuzz_dp_classify). */
	query(&t, "SET sql_select_limit = 2*/* ' */ tz() -- '");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.nsets, 0);
	assert_true(t.pins & DP_PIN_SETS);
	t.pins = 0;
	query(&t, "SELECT /*!50000 1 */*0, @x");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(t.pins & DP_PIN_USERVAR);
	t.pins = 0;
	query(&t, "DO /*!50000 `GET_LOCK`*/('a', 0)");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(t.pins & DP_PIN_LOCK);
	t.pins = 0;
	/* A version the server skips (a MySQL one from 50700, or one above its own): its text is a
	 * comment, a quote in it starts no literal, and the user variable after it is set. */
	static const char *const skipped[] = {
	    "SELECT 1 /*!999999 ' */, @x := 5 -- '",
	    "SELECT 1 /*!50701 ' */, @x := 5 -- '",
	    "SELECT 1 /*M!999999 ' */, @x := 5 -- '",
	};
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		query(&t, skipped[i]);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_true(t.pins != 0);
		t.pins = 0;
	}
	query(&t, "SELECT 1 /*!40101 , 2 */, /*M!50701 3 */ 4");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	/* A global setting and a session one in one SET: the session's would be lost. */
	static const char *const mixed[] = {
	    "SET GLOBAL max_connections = 100, SESSION time_zone = '+01:00'",
	    "SET @@global.max_connections = 100, time_zone = '+01:00'",
	};
	for (size_t i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
		query(&t, mixed[i]);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_int_equal(t.nsets, 0);
		assert_true(t.pins & DP_PIN_SETS);
		t.pins = 0;
	}
	query(&t, "SET GLOBAL sql_mode = CONCAT(@@sql_mode, ',ANSI'), /* , */ '(,'");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET GLOBAL sql_mode = CONCAT(@@sql_mode, ',ANSI')"); /* one assignment */
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.nsets, 0);
	assert_int_equal(t.pins & DP_PIN_SETS, DP_PIN_SETS); /* the first: a comma at the top */
	t.pins = 0;
	query(&t, "SET GLOBAL sql_mode = CONCAT(@@sql_mode, ',ANSI')");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	/* Still replayed: a version of 5 digits, and one of 6. */
	query(&t, "SET time_zone = /*!50000CONCAT('+00:00')*/");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	query(&t, "SET time_zone = /*M!100000CONCAT('+00:00')*/");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.nsets, 2);
	assert_int_equal(t.pins, 0);

	static const struct {
		const char *sql, *db;
	} uses[] = {
	    {"USE db1/* x */", "db1"}, {"USE db2# x", "db2"},	 {"USE db3;", "db3"},
	    {"USE `d``4` ; ", "d`4"},  {"USE\tdb5 -- x", "db5"},
	};
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
		query(&t, uses[i].sql);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_string_equal(t.db, uses[i].db);
		assert_int_equal(t.pins, 0);
	}
	/* A schema it cannot name: the session stays (and its schema is not guessed). */
	static const char *const unknown[] = {"USE \"db6\"", "USE /*!99999 x*/ db7",
					      "USE db8 /*!db9*/"};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		query(&t, unknown[i]);
		ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
		s2c(&t, &w);
		assert_string_equal(t.db, "db5");
		assert_true(t.pins & DP_PIN_SETS);
		t.pins = 0;
	}
	dp_track_clear(&t);
}

/* A command with a text (COM_QUERY, COM_STMT_PREPARE) of any length up to the wire's size. */
static void command_text(dp_track *t, uint8_t cmd, const char *sql)
{
	static wire w;
	static uint8_t p[sizeof(w.b) - 8];
	size_t n = strlen(sql);
	assert_true(n + 1 <= sizeof(p));
	p[0] = cmd;
	memcpy(p + 1, sql, n);
	w.n = 0;
	put(&w, 0, p, 1 + n);
	c2s(t, &w);
}

/* COM_STMT_PREPARE of sql, answered with statement id `id` (no parameter, no column). */
static void prepare_id(dp_track *t, const char *sql, uint32_t id)
{
	wire w = {0};
	uint8_t pok[12] = {0, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16),
			   (uint8_t)(id >> 24)};
	command_text(t, DP_COM_STMT_PREPARE, sql);
	put(&w, 1, pok, sizeof(pok));
	s2c(t, &w);
	assert_true(dp_track_idle(t));
}

static void stmt_close(dp_track *t, uint32_t id)
{
	wire w = {0};
	uint8_t p[5] = {DP_COM_STMT_CLOSE, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16),
			(uint8_t)(id >> 24)};
	put(&w, 0, p, sizeof(p));
	c2s(t, &w);
}

/* State the server keeps that the first words of a COM_QUERY do not show: each of these
 * statements pins the session (docs/dbproxy.md §2), answered OK or not. */
static void test_track_hidden_state_pins(void **state)
{
	static const char *const pinning[] = {
	    "/*!CREATE TEMPORARY TABLE tmp_c (x int)*/",
	    "/*M!100100 CREATE TEMPORARY TABLE tmp_c (x int)*/",
	    " /* a comment */ /*!40101 SET @saved = @@sql_mode */",
	    "EXECUTE IMMEDIATE 'SELECT GET_LOCK(''elock'', 0)'",
	    "execute immediate concat('SELECT GET_', 'LOCK(1, 0)')",
	    "PREPARE s FROM 'SELECT GET_LOCK(1, 0)'",
	    "/* it's */ SELECT GET_LOCK('a', 0)",
	    "SELECT 1 -- it's\n, GET_LOCK('a', 0)",
	    "SELECT 1 # it's\n, @v := 2",
	    /* With NO_BACKSLASH_ESCAPES the backslash ends the first literal. */
	    "SELECT 'a\\', GET_LOCK('x', 0), 'b'",
	    /* A quoted name called is the function (review: `GET_LOCK` was not seen). */
	    "SELECT `GET_LOCK`('member_cron', 0)",
	    "SELECT `get_lock` ('k', 0)",
	    "SELECT \"GET_LOCK\"('k', 0)",
	    "SELECT `LAST_INSERT_ID`(5)",
	    "SELECT 1; LOCK TABLES t READ",
	    "SELECT 1; CREATE TEMPORARY TABLE t (x int)",
	    "DO 1; SET sql_mode = ''",
	    "SELECT 1;/*!CREATE TEMPORARY TABLE t (x int)*/",
	    "SET STATEMENT max_statement_time = 1 FOR CREATE TEMPORARY TABLE t (x int)",
	    "BEGIN NOT ATOMIC LOCK TABLES t READ; END",
	    "lbl: LOOP LOCK TABLES t READ; LEAVE lbl; END LOOP",
	    "IF 1 THEN SET sql_mode = ''; END IF",
	    "CALL p()",
	    "SET ROLE admin",
	    "FLUSH TABLES WITH READ LOCK",
	    "{ call p() }",
	};
	static const char *const plain[] = {
	    "SELECT 'a@b.example', \"x@y\", `c@d` FROM t",
	    "SELECT `GET_LOCK` FROM t",
	    "SELECT `GET_LOCK`, (1) FROM t",
	    "/* app */ SELECT 1",
	    "SELECT x FROM t WHERE y = 'it''s' -- trailing",
	    "(SELECT 1) UNION (SELECT 2)",
	    "SELECT 1; SELECT 2",
	    "SELECT * FROM t WHERE a = 1 LOCK IN SHARE MODE",
	    "SELECT 'a\\'b', 1",
	    "SELECT /*+ hint */ 1",
	    "INSERT INTO t VALUES ('SET x = 1; LOCK TABLES t')",
	};
	dp_track t;
	int wrong = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(pinning) / sizeof(pinning[0]); i++) {
		dp_track_init(&t);
		login(&t, CLIENT_CAPS);
		command_text(&t, DP_COM_QUERY, pinning[i]);
		if (!t.pins && ++wrong)
			print_message("not pinned: %s\n", pinning[i]);
		dp_track_clear(&t);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		dp_track_init(&t);
		login(&t, CLIENT_CAPS);
		command_text(&t, DP_COM_QUERY, plain[i]);
		if (t.pins && ++wrong)
			print_message("pinned (%s): %s\n", dp_track_pin_reason(t.pins), plain[i]);
		dp_track_clear(&t);
	}

	/* A statement longer than the head the tracker sees: what follows is unknown. */
	static char big[4300];
	memcpy(big, "SELECT '", 8);
	memset(big + 8, 'x', 2100);
	strcpy(big + 2108, "', @d := 42");
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	command_text(&t, DP_COM_QUERY, big);
	if (!t.pins && ++wrong)
		print_message("not pinned: a user variable after 2100 bytes\n");
	dp_track_clear(&t);

	/* A prepared statement's text is what it does when executed: its effects outlive its
	 * close. A prepared SET cannot be replayed. */
	static const struct {
		const char *sql;
		unsigned pin;
	} prepared[] = {
	    {"SELECT GET_LOCK('joblock', 0)", DP_PIN_LOCK},
	    {"CREATE TEMPORARY TABLE tmp_b (x int)", DP_PIN_TEMP},
	    {"SELECT ? INTO @v", DP_PIN_USERVAR},
	    {"SET SESSION sql_mode = ''", DP_PIN_SETS},
	};
	for (size_t i = 0; i < sizeof(prepared) / sizeof(prepared[0]); i++) {
		dp_track_init(&t);
		login(&t, CLIENT_CAPS);
		prepare_id(&t, prepared[i].sql, 1);
		stmt_close(&t, 1);
		assert_int_equal(t.prepared, 0);
		if (!(t.pins & prepared[i].pin) && ++wrong)
			print_message("prepared and closed, not pinned: %s\n", prepared[i].sql);
		assert_int_equal(t.nsets, 0);
		dp_track_clear(&t);
	}
	assert_int_equal(wrong, 0);
	/* A plain one, closed, leaves nothing. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	prepare_id(&t, "SELECT a FROM t WHERE b = ?", 1);
	stmt_close(&t, 1);
	assert_int_equal(t.prepared, 0);
	assert_int_equal(t.pins, 0);
	dp_track_clear(&t);
}

/* A command of one byte (COM_PING, COM_RESET_CONNECTION), client to server. */
static void command_byte(dp_track *t, uint8_t cmd)
{
	wire w = {0};
	put(&w, 0, &cmd, 1);
	c2s(t, &w);
}

/* An OK with an insert id, warnings and rows affected (the fields dp_ok_info reads). */
static void ok_full(wire *w, uint8_t seq, uint8_t affected, uint8_t insert_id, uint16_t warnings)
{
	uint8_t p[7] = {0,
			affected,
			insert_id,
			(uint8_t)DP_STATUS_AUTOCOMMIT,
			0,
			(uint8_t)warnings,
			(uint8_t)(warnings >> 8)};
	put(w, seq, p, sizeof(p));
}

/* A sequence moved on for the session pins until a reset: LASTVAL(s) (PREVIOUS VALUE FOR s,
 * s.CURRVAL) reads the last value NEXTVAL gave this session, NULL on a new server (MariaDB
 * 10.11). Reading it, or SETVAL (which leaves LASTVAL as it was), does not pin. */
static void test_track_sequence_pins(void **state)
{
	static const char *const moves_on[] = {
	    "SELECT NEXTVAL(s)",
	    "select nextval(app.s), 1",
	    "SELECT NEXT VALUE FOR s",
	    "SELECT next /* c */ value for s",
	    "INSERT INTO t VALUES (NEXT VALUE FOR s, 1)",
	    "SELECT s.nextval FROM dual",
	    "SELECT s.`nextval` FROM dual",
	    "SELECT `NEXTVAL`(s)",
	    "SELECT app.s.\"NEXTVAL\" FROM dual",
	    "SELECT /*!100300 NEXTVAL(s) */",
	    "DO 1; SELECT NEXTVAL(s)",
	    "SET STATEMENT max_statement_time = 1 FOR SELECT NEXTVAL(s)",
	};
	static const char *const reads[] = {
	    "SELECT LASTVAL(s)",
	    "SELECT PREVIOUS VALUE FOR s",
	    "SELECT s.currval FROM dual",
	    "SELECT SETVAL(s, 100)",
	    "SELECT 'NEXTVAL(s)', 'next value for s' /* NEXTVAL(s) */",
	    "SELECT next_value FROM t",
	};
	dp_track t;
	wire w = {0};
	(void)state;

	for (size_t i = 0; i < sizeof(moves_on) / sizeof(moves_on[0]); i++) {
		dp_track_init(&t);
		login(&t, CLIENT_CAPS);
		query(&t, moves_on[i]);
		if (!(t.pins & DP_PIN_SEQUENCE))
			fail_msg("not pinned: %s", moves_on[i]);
		assert_string_equal(dp_track_pin_reason(t.pins & DP_PIN_SEQUENCE),
				    "a sequence's LASTVAL()");
		dp_track_clear(&t);
	}
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		dp_track_init(&t);
		login(&t, CLIENT_CAPS);
		query(&t, reads[i]);
		if (t.pins)
			fail_msg("pinned (0x%x): %s", t.pins, reads[i]);
		dp_track_clear(&t);
	}
	/* Prepared: each execution moves it on, the prepare's text says so. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	prepare_id(&t, "SELECT NEXTVAL(s)", 1);
	assert_true(t.pins & DP_PIN_SEQUENCE);
	dp_track_clear(&t);
	/* A reset gives LASTVAL() NULL again: movable. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	query(&t, "SELECT NEXTVAL(s)");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_true(t.pins & DP_PIN_SEQUENCE);
	command_byte(&t, DP_COM_RESET_CONNECTION);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	dp_track_clear(&t);
}

/* What a statement leaves for later statements of the session: LAST_INSERT_ID() pins until a
 * reset; FOUND_ROWS() after SQL_CALC_FOUND_ROWS, warnings and errors keep the session from
 * moving until its next response. */
static void test_track_what_the_last_statement_left(void **state)
{
	dp_track t;
	wire w = {0};
	dp_ok ok;
	uint8_t ok_bytes[] = {0, 3, 42, 2, 0, 1, 0};
	(void)state;

	assert_int_equal(dp_ok_info(ok_bytes, sizeof(ok_bytes), &ok), 0);
	assert_int_equal(ok.affected_rows, 3);
	assert_int_equal(ok.insert_id, 42);
	assert_int_equal(ok.status, 2);
	assert_int_equal(ok.warnings, 1);
	assert_int_equal(dp_ok_info(ok_bytes, 3, &ok), -1); /* no status: unreadable */

	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	/* Rows affected, no id: nothing kept (ROW_COUNT() is not followed). */
	query(&t, "UPDATE t SET v = 1");
	ok_full(&w, 1, 5, 0, 0);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	assert_int_equal(t.after, 0);
	/* A warning: not moved before the next response, which clears it. */
	query(&t, "INSERT INTO t (v) VALUES ('12abc')");
	ok_full(&w, 1, 1, 0, 1);
	s2c(&t, &w);
	assert_int_equal(t.after, DP_AFTER_WARNINGS);
	query(&t, "SHOW WARNINGS");
	ok_full(&w, 1, 0, 0, 0);
	s2c(&t, &w);
	assert_int_equal(t.after, 0);
	/* An error too. */
	query(&t, "SELECT * FROM nowhere");
	{
		uint8_t err[] = {0xff, 0x7a, 0x04, '#', '4', '2', 'S', '0', '2', 'x'};
		put(&w, 1, err, sizeof(err));
	}
	s2c(&t, &w);
	assert_int_equal(t.after, DP_AFTER_WARNINGS);
	/* SQL_CALC_FOUND_ROWS, in a lower-case query. */
	query(&t, "select sql_calc_found_rows 1 from dual limit 0");
	ok_full(&w, 1, 0, 0, 0);
	s2c(&t, &w);
	assert_int_equal(t.after, DP_AFTER_FOUND_ROWS);
	query(&t, "SELECT FOUND_ROWS()");
	ok_full(&w, 1, 0, 0, 0);
	s2c(&t, &w);
	assert_int_equal(t.after, 0);
	assert_int_equal(t.pins, 0);
	/* A generated id pins until a reset; so does LAST_INSERT_ID(expr), with no OK. */
	query(&t, "INSERT INTO t (v) VALUES (2)");
	ok_full(&w, 1, 1, 7, 0);
	s2c(&t, &w);
	assert_true(t.pins & DP_PIN_INSERT_ID);
	assert_string_equal(dp_track_pin_reason(t.pins), "LAST_INSERT_ID()");
	command_byte(&t, DP_COM_RESET_CONNECTION);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	query(&t, "SELECT 1 /* 'LAST_INSERT_ID(' in a comment */, 'LAST_INSERT_ID(9)'");
	assert_int_equal(t.pins, 0);
	query(&t, "SELECT last_insert_id(77)");
	assert_true(t.pins & DP_PIN_INSERT_ID);
	dp_track_clear(&t);

	/* A prepared SQL_CALC_FOUND_ROWS: each execution sets it, still after the close. The next
	 * response, a ping's here, replaces it. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	prepare_id(&t, "SELECT SQL_CALC_FOUND_ROWS v FROM t LIMIT 1", 3);
	assert_int_equal(t.after, 0);
	{
		uint8_t ex[10] = {DP_COM_STMT_EXECUTE, 3, 0, 0, 0, 0, 1, 0, 0, 0};
		put(&w, 0, ex, sizeof(ex));
		c2s(&t, &w);
	}
	ok_full(&w, 1, 0, 0, 0);
	s2c(&t, &w);
	assert_int_equal(t.after, DP_AFTER_FOUND_ROWS);
	stmt_close(&t, 3);
	assert_int_equal(t.after, DP_AFTER_FOUND_ROWS);
	command_byte(&t, DP_COM_PING);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.after, 0);
	dp_track_clear(&t);

	/* A prepared SET TRANSACTION sets the next transaction's characteristics at each
	 * execution, not at the prepare: pinned (its execution after a transaction that cleared
	 * next_tx, then its close, left a session moved without them). */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	prepare_id(&t, "SET TRANSACTION READ ONLY", 5);
	stmt_close(&t, 5);
	assert_true(t.pins & DP_PIN_SETS);
	dp_track_clear(&t);
}

/* Only the close of a statement the server handed out and has not closed counts. */
static void test_track_statement_ids(void **state)
{
	dp_track t;
	wire w = {0};
	(void)state;
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	prepare_id(&t, "SELECT 1", 1);
	stmt_close(&t, 424242);
	assert_int_equal(t.prepared, 1);
	stmt_close(&t, 0xFFFFFFFFu); /* "the last prepared": not followed, so still counted */
	assert_int_equal(t.prepared, 1);
	stmt_close(&t, 1);
	assert_int_equal(t.prepared, 0);
	prepare_id(&t, "SELECT 2", 2);
	prepare_id(&t, "SELECT 3", 3);
	stmt_close(&t, 2);
	stmt_close(&t, 2);
	assert_int_equal(t.prepared, 1);
	stmt_close(&t, 3);
	assert_int_equal(t.prepared, 0);
	assert_int_equal(t.pins, 0);

	/* Many at once, closed in another order (the set grows and keeps every id). */
	for (uint32_t id = 10; id < 300; id++)
		prepare_id(&t, "SELECT 4", id * 7919u);
	assert_int_equal(t.prepared, 290);
	for (uint32_t id = 299; id >= 10; id--)
		stmt_close(&t, id * 7919u);
	assert_int_equal(t.prepared, 0);
	assert_int_equal(t.pins, 0);

	/* COM_RESET_CONNECTION closes them all on the server. */
	prepare_id(&t, "SELECT 5", 5);
	uint8_t reset[] = {DP_COM_RESET_CONNECTION};
	put(&w, 0, reset, sizeof(reset));
	c2s(&t, &w);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.prepared, 0);
	prepare_id(&t, "SELECT 6", 6);
	stmt_close(&t, 5); /* closed by the reset already */
	assert_int_equal(t.prepared, 1);
	dp_track_clear(&t);

	/* Past the bound the session is pinned until a reset. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	for (uint32_t id = 1; id <= DP_TRACK_MAX_STMTS + 1; id++)
		prepare_id(&t, "SELECT 7", id);
	for (uint32_t id = 1; id <= DP_TRACK_MAX_STMTS + 1; id++)
		stmt_close(&t, id);
	assert_true(t.pins & DP_PIN_PREPARED);
	put(&w, 0, reset, sizeof(reset));
	c2s(&t, &w);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	assert_int_equal(t.prepared, 0);
	dp_track_clear(&t);
}

/* COM_CHANGE_USER to "who" with a native 20-byte response of byte fill. */
static void change_user_to(dp_track *t, const char *who, uint8_t fill)
{
	wire w = {0};
	uint8_t p[256];
	size_t n = 0;
	p[n++] = DP_COM_CHANGE_USER;
	memcpy(p + n, who, strlen(who) + 1), n += strlen(who) + 1;
	p[n++] = 20;
	memset(p + n, fill, 20), n += 20;
	memcpy(p + n, "appdb", 6), n += 6;
	p[n++] = 45, p[n++] = 0;
	memcpy(p + n, DP_NATIVE_PLUGIN, sizeof(DP_NATIVE_PLUGIN)), n += sizeof(DP_NATIVE_PLUGIN);
	put(&w, 0, p, n);
	c2s(t, &w);
}

/* A refused change of user: the server keeps the connection as the user it had (review: the
 * log named the refused user, and the session was no longer followed). The old login is
 * back, the session pinned until a reset; a change that succeeds takes the new one. */
static void test_track_refused_change_user(void **state)
{
	static const uint8_t denied[] = {0xff, 0x15, 0x04, '#', '2', '8', '0', '0', '0', 'x'};
	dp_track t;
	wire w = {0};
	(void)state;
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	change_user_to(&t, "victim", 0xCD);
	assert_string_equal(t.login.user, "victim"); /* as the server reads it, until it answers */
	put(&w, 1, denied, sizeof(denied));
	s2c(&t, &w);
	assert_int_equal(t.phase, DP_PH_CMD);
	assert_string_equal(t.login.user, "app");
	assert_int_equal(t.login.auth_resp_ok, 1);
	assert_int_equal(t.login.auth_resp[0], 0xAB);
	assert_true(t.pins & DP_PIN_AUTH);
	uint64_t responses = t.responses;
	query(&t, "SELECT 1");
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.responses, responses + 1);
	assert_true(dp_track_idle(&t));
	command_byte(&t, DP_COM_RESET_CONNECTION);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.pins, 0);
	change_user_to(&t, "bob", 0xEF);
	ok_pkt(&w, 1, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_string_equal(t.login.user, "bob");
	assert_int_equal(t.login.auth_resp[0], 0xEF);
	assert_int_equal(t.pins, 0);
	dp_track_clear(&t);
}

static void test_track_tls_and_confusion(void **state)
{
	dp_track t;
	wire w = {0};
	(void)state;
	/* SSLRequest: everything after is TLS, not followed. */
	dp_track_init(&t);
	greeting(&t);
	uint8_t ssl[32] = {0};
	uint32_t caps = DP_CLIENT_PROTOCOL_41 | DP_CLIENT_SSL | DP_CLIENT_SECURE_CONNECTION;
	memcpy(ssl, &caps, 4);
	put(&w, 1, ssl, sizeof(ssl));
	c2s(&t, &w);
	assert_int_equal(t.phase, DP_PH_OPAQUE);
	assert_true(t.pins & DP_PIN_TLS);
	/* Opaque: every following byte may be spliced, and is accounted for. */
	assert_true(dp_track_c2s_skippable(&t) == UINT64_MAX);
	assert_true(dp_track_s2c_skippable(&t) == UINT64_MAX);
	uint64_t pos = t.c2s.pos;
	dp_track_c2s_skip(&t, 5000);
	assert_int_equal(t.c2s.pos, pos + 5000);
	dp_track_clear(&t);

	/* A response with the wrong sequence id: stop trusting the framing. */
	dp_track_init(&t);
	login(&t, CLIENT_CAPS);
	query(&t, "SELECT 1");
	ok_pkt(&w, 5, DP_STATUS_AUTOCOMMIT);
	s2c(&t, &w);
	assert_int_equal(t.phase, DP_PH_OPAQUE);
	assert_true(t.pins & DP_PIN_PROTOCOL);
	assert_true(dp_track_in_trans(&t) || !dp_track_idle(&t));
	dp_track_clear(&t);

	/* A client that speaks before the greeting. */
	dp_track_init(&t);
	put(&w, 0, "GET / HTTP/1.0", 14);
	c2s(&t, &w);
	assert_int_equal(t.phase, DP_PH_OPAQUE);
	dp_track_clear(&t);
}

/* The login fields of a handshake response and of COM_CHANGE_USER: one parser, two layouts. */
static void test_parse_login(void **state)
{
	(void)state;
	uint8_t b[600];
	size_t n;
	dp_handshake_resp h = {.caps = DP_CLIENT_PLUGIN_AUTH_LENENC, .charset = 33, .auth_len = 20};
	dp_handshake_resp got;
	uint32_t server_caps = 0xFFFFFFFEu;

	/* A built response reads back; a 1-byte length reads the same with PLUGIN_AUTH_LENENC. */
	strcpy(h.user, "app");
	strcpy(h.db, "appdb");
	strcpy(h.plugin, DP_NATIVE_PLUGIN);
	memset(h.auth, 0xAB, 20);
	n = dp_build_handshake_resp(b, sizeof(b), 1, &h);
	assert_int_equal(dp_parse_handshake_resp(&got, b + 4, n - 4, server_caps), 0);
	assert_string_equal(got.user, "app");
	assert_string_equal(got.db, "appdb");
	assert_string_equal(got.plugin, DP_NATIVE_PLUGIN);
	assert_int_equal(got.auth_len, 20);
	assert_memory_equal(got.auth, h.auth, 20);
	assert_int_equal(got.charset, 33);
	assert_int_equal(got.is_ssl_request, 0);
	/* Without CONNECT_WITH_DB on the server's side no schema is expected. */
	assert_int_equal(
	    dp_parse_handshake_resp(&got, b + 4, n - 4, server_caps & ~DP_CLIENT_CONNECT_WITH_DB),
	    0);
	assert_string_equal(got.db, "");
	assert_string_equal(got.plugin, "appdb");

	/* A length-encoded auth length of 252 bytes (0xFC + 2 bytes). */
	n = 0;
	memset(b, 0, 32);
	b[0] = (uint8_t)(DP_CLIENT_PROTOCOL_41 | DP_CLIENT_MYSQL);
	b[1] = (uint8_t)((DP_CLIENT_PROTOCOL_41 | DP_CLIENT_SECURE_CONNECTION) >> 8);
	b[2] = (uint8_t)((DP_CLIENT_PLUGIN_AUTH | DP_CLIENT_PLUGIN_AUTH_LENENC) >> 16);
	n = 32;
	memcpy(b + n, "u", 2), n += 2;
	b[n++] = 0xFC, b[n++] = 252, b[n++] = 0;
	memset(b + n, 0x5A, 252), n += 252;
	memcpy(b + n, "ed25519", 8), n += 8;
	assert_int_equal(dp_parse_handshake_resp(&got, b, n, server_caps), 0);
	assert_string_equal(got.user, "u");
	assert_int_equal(got.auth_len, 252);
	assert_string_equal(got.plugin, "ed25519");
	assert_int_equal(dp_parse_handshake_resp(&got, b, n - 20, server_caps), -1);

	/* SSLRequest: the 32 bytes alone; shorter is refused. */
	memset(b, 0, 32);
	b[1] = (uint8_t)((DP_CLIENT_PROTOCOL_41 | DP_CLIENT_SSL) >> 8);
	assert_int_equal(dp_parse_handshake_resp(&got, b, 32, server_caps), 0);
	assert_int_equal(got.is_ssl_request, 1);
	assert_int_equal(dp_parse_handshake_resp(&got, b, 31, server_caps), -1);
	/* CLIENT_SSL on a full login: a server that offers TLS starts it and ignores the
	 * plaintext fields (the login comes inside TLS); one that does not reads the login. */
	h.caps = DP_CLIENT_PLUGIN_AUTH_LENENC | DP_CLIENT_SSL;
	n = dp_build_handshake_resp(b, sizeof(b), 1, &h);
	b[4 + 1] |= (uint8_t)(DP_CLIENT_SSL >> 8); /* the builder never sets it */
	assert_int_equal(dp_parse_handshake_resp(&got, b + 4, n - 4, server_caps), 0);
	assert_int_equal(got.is_ssl_request, 1);
	assert_string_equal(got.user, "");
	assert_int_equal(dp_parse_handshake_resp(&got, b + 4, n - 4, server_caps & ~DP_CLIENT_SSL),
			 0);
	assert_int_equal(got.is_ssl_request, 0);
	assert_string_equal(got.user, "app");

	/* COM_CHANGE_USER: a 1-byte auth length even with PLUGIN_AUTH_LENENC, the schema
	 * without CONNECT_WITH_DB, and a charset before the plugin. */
	n = 0;
	memcpy(b + n, "bob", 4), n += 4;
	b[n++] = 252; /* 0xFC: as a length-encoded integer, 2 bytes would follow */
	memset(b + n, 0xCD, 252), n += 252;
	memcpy(b + n, "db2", 4), n += 4;
	b[n++] = 45, b[n++] = 0;
	memcpy(b + n, DP_NATIVE_PLUGIN, sizeof(DP_NATIVE_PLUGIN)), n += sizeof(DP_NATIVE_PLUGIN);
	assert_int_equal(dp_parse_change_user(&got, b, n,
					      DP_CLIENT_SECURE_CONNECTION | DP_CLIENT_PLUGIN_AUTH |
						  DP_CLIENT_PLUGIN_AUTH_LENENC),
			 0);
	assert_string_equal(got.user, "bob");
	assert_int_equal(got.auth_len, 252);
	assert_int_equal(got.auth[251], 0xCD);
	assert_string_equal(got.db, "db2");
	assert_int_equal(got.charset, 45);
	assert_string_equal(got.plugin, DP_NATIVE_PLUGIN);
	/* Auth data cut short is refused. */
	n -= 40;
	assert_int_equal(dp_parse_change_user(&got, b, n, DP_CLIENT_SECURE_CONNECTION), -1);

	/* Old-style: NUL-terminated auth data, no charset or plugin. */
	n = 0;
	memcpy(b + n, "old", 4), n += 4;
	memcpy(b + n, "12345678", 9), n += 9;
	memcpy(b + n, "db3", 4), n += 4;
	assert_int_equal(dp_parse_change_user(&got, b, n, 0), 0);
	assert_string_equal(got.user, "old");
	assert_int_equal(got.auth_len, 8);
	assert_string_equal(got.db, "db3");
	assert_int_equal(got.charset, 0);
	assert_string_equal(got.plugin, "");
}

static void test_err_packet(void **state)
{
	uint8_t b[128], msg[64];
	uint16_t code;
	(void)state;
	size_t n = dp_build_err(b, sizeof(b), 3, 1927, "08S01", "dbproxy: no primary available");
	assert_int_equal(n, 4 + 9 + 29);
	assert_int_equal(b[3], 3);
	assert_int_equal(dp_err_parse(b + 4, n - 4, &code, (char *)msg, sizeof(msg)), 0);
	assert_int_equal(code, 1927);
	assert_string_equal((char *)msg, "dbproxy: no primary available");
	assert_int_equal(memcmp(b + 7, "#08S01", 6), 0);
	assert_int_equal(dp_build_err(b, 10, 0, 1, "HY000", "too long for the buffer"), 0);
}

static void test_log_escape(void **state)
{
	char out[128];
	(void)state;
	const char in[] = "user\nFAKE\r\x1b[31m\\ ok \xc3\xa9";
	size_t n = dp_log_escape(out, sizeof(out), in, sizeof(in) - 1);
	assert_string_equal(out, "user\\x0aFAKE\\x0d\\x1b[31m\\x5c ok \xc3\xa9");
	assert_int_equal(n, strlen(out));
	/* Never past the end, never half an escape. */
	n = dp_log_escape(out, 7, "abc\ndef", 7);
	assert_string_equal(out, "abc");
	assert_int_equal(n, 3);
	/* C1 controls (CSI, OSC 52 ... ST to xterm), a bidi override, bytes that are not UTF-8 (a
	 * lone 0x9b, a cut sequence at the end); other UTF-8 is kept. */
	const char c1[] = "x\xc2\x9b"
			  "2J\xc2\x9d"
			  "52;c;eA==\xc2\x9c\xe2\x80\xae\x9b \xe2\x82\xac\xf0\x9f\x98";
	n = dp_log_escape(out, sizeof(out), c1, sizeof(c1) - 1);
	assert_string_equal(
	    out, "x\\xc2\\x9b2J\\xc2\\x9d52;c;eA==\\xc2\\x9c\\xe2\\x80\\xae\\x9b \xe2\x82\xac"
		 "\\xf0\\x9f\\x98");
	assert_int_equal(n, strlen(out));
	/* A character that does not fit whole is left out, never cut. */
	n = dp_log_escape(out, 3, "a\xc3\xa9", 3);
	assert_string_equal(out, "a");
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_escape),
	    cmocka_unit_test(test_sha1_vectors),
	    cmocka_unit_test(test_native_password),
	    cmocka_unit_test(test_gtid),
	    cmocka_unit_test(test_scanner_boundaries),
	    cmocka_unit_test(test_scanner_16mib),
	    cmocka_unit_test(test_scanner_skip),
	    cmocka_unit_test(test_track_transactions_and_results),
	    cmocka_unit_test(test_track_deprecate_eof_and_pipelining),
	    cmocka_unit_test(test_track_settings_and_pins),
	    cmocka_unit_test(test_track_classifier_server_reading),
	    cmocka_unit_test(test_track_hidden_state_pins),
	    cmocka_unit_test(test_track_statement_ids),
	    cmocka_unit_test(test_track_what_the_last_statement_left),
	    cmocka_unit_test(test_track_sequence_pins),
	    cmocka_unit_test(test_track_tls_and_confusion),
	    cmocka_unit_test(test_track_refused_change_user),
	    cmocka_unit_test(test_parse_login),
	    cmocka_unit_test(test_err_packet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
