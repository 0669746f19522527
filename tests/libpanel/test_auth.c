/* Tests of authentication against a real MariaDB: password login (legacy hash upgrade, locked
 * accounts, throttling per login and per address), bearer tokens, application keys (scopes,
 * networks, expiry, owner's state, audit) and idempotency keys. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "db/db.h"
#include "handle.h"
#include "panel/json.h"
#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

#define SUPER  2000 /* super admin */
#define ALICE  2001 /* member */
#define BOB    2002 /* admin */
#define HANK   2003 /* another admin */
#define LEGACY 2004 /* member with an AlternC 1.0 MD5-crypt hash */

static th_cluster *cluster;
static char dbname[128];
static panel *p;

/* ---------------------------------------------------------------- helpers */

static void sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sqlf(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (panel__db_exec(NULL, p->db, sql, DB_NOARGS) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
}

/* The first cell as a number: -1 for SQL NULL, -2 when there is no row. */
static long long num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long num(const char *fmt, ...)
{
	char sql[2048];
	panel_db_rows *rows;
	long long v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (panel__db_query(&rows, p->db, sql, DB_NOARGS) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	if (panel__db_rows_count(rows) == 0)
		v = -2;
	else if (!panel__db_cell(rows, 0, 0))
		v = -1;
	else
		v = strtoll(panel__db_cell(rows, 0, 0), NULL, 10);
	panel__db_rows_free(rows);
	return v;
}

/* The first cell as text into out ("" for NULL or no row). */
static void text(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void text(char *out, size_t outsz, const char *fmt, ...)
{
	char sql[2048];
	panel_db_rows *rows;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (panel__db_query(&rows, p->db, sql, DB_NOARGS) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	snprintf(out, outsz, "%s",
		 panel__db_rows_count(rows) && panel__db_cell(rows, 0, 0)
		     ? panel__db_cell(rows, 0, 0)
		     : "");
	panel__db_rows_free(rows);
}

static void add_account_hash(uint32_t uid, const char *login, const char *hash, int su, int enabled)
{
	if (panel__db_exec(
		NULL, p->db,
		"INSERT INTO membres (uid, login, pass, mail, su, enabled, creator, notes)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, '')",
		DB_ARGS(DB_U64(uid), DB_STR(login), DB_STR(hash), DB_STR("x@example.org"),
			DB_U64(su), DB_U64(enabled), DB_U64(SUPER))) < 0)
		fail_msg("insert %s: %s", login, panel_error_last()->message);
}

static void add_account(uint32_t uid, const char *login, const char *password, int su, int enabled)
{
	char hash[PANEL_HASH_MAX];

	assert_panel_ok(panel_password_hash(hash, sizeof(hash), password, PANEL_HASH_ARGON2ID));
	add_account_hash(uid, login, hash, su, enabled);
}

static void sha256_hex(char hex[65], const char *s)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	assert_int_equal(crypto_hash_sha256(h, (const unsigned char *)s, strlen(s)), 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* How many rows of table have a text column containing needle (bound, not interpolated). */
static uint64_t rows_containing(const char *table, const char *columns, const char *needle)
{
	char sql[512];
	uint64_t n = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM %s WHERE LOCATE(?, CONCAT_WS('|', %s)) > 0", table, columns);
	if (panel__db_query_u64(&n, p->db, sql, DB_ARGS(DB_STR(needle))) < 0)
		fail_msg("%s: %s", sql, panel_error_last()->message);
	return n;
}

static void assert_error(int got, int code, const char *field)
{
	if (got != code)
		fail_msg("expected %s, got %s (%s)", panel_error_name(code), panel_error_name(got),
			 panel_error_last()->message);
	if (field) {
		assert_non_null(panel_error_last()->field);
		assert_string_equal(panel_error_last()->field, field);
	}
}

static int login(panel_principal *who, char *token, const char *user, const char *password,
		 const char *ip)
{
	return panel_auth_login(who, token, PANEL_TOKEN_MAX, p, user, password, ip, 0);
}

static long long failures(const char *key)
{
	return num("SELECT failures FROM panel_login_failures WHERE scope_key = '%s'", key);
}

static int setup(void **state)
{
	panel_actor sys = panel_actor_system();

	(void)state;
	if (th_cluster_shared(&cluster) != 0)
		return -1;
	if (th_database_create(cluster, "auth", dbname, sizeof(dbname)) != 0)
		return -1;
	p = ts_panel_open(cluster, dbname);
	if (panel_schema_migrate(NULL, NULL, p, &sys) != 0) {
		fprintf(stderr, "migrate: %s\n", panel_error_last()->message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	panel_close(p);
	th_database_drop(cluster, dbname);
	th_cluster_free(cluster);
	return 0;
}

static void accounts(void **state)
{
	(void)state;
	add_account(SUPER, "admin", "super-secret-1", 1, 1);
	add_account(ALICE, "alice", "alice-secret-1", 0, 1);
	add_account(BOB, "bob", "bob-secret-1", 1, 1);
	add_account(HANK, "hank", "hank-secret-1", 1, 1);
	/* openssl passwd -1 -salt Zq3xK9aB hunter2-legacy */
	add_account_hash(LEGACY, "legacy", "$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31", 0, 1);
	assert_int_equal(num("SELECT COUNT(*) FROM membres"), 5);
}

/* ---------------------------------------------------------------- login */

static void login_success_opens_a_session(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX], hash[65];
	json_t *j;

	(void)state;
	sqlf("UPDATE membres SET lastfail = 3, lastip = '' WHERE uid = %d", ALICE);
	assert_int_equal(login(&who, token, "alice", "alice-secret-1", "192.0.2.10"), 0);
	assert_int_equal(strncmp(token, "pt_", 3), 0);
	assert_int_equal(strlen(token), 46);
	assert_int_equal(who.uid, ALICE);
	assert_string_equal(who.login, "alice");
	assert_int_equal(who.admin, 0);
	assert_int_equal(who.apikey_id, 0);
	assert_int_equal(who.read_only, 0);
	assert_string_equal(who.kinds, "");
	/* Default lifetime: 24 hours. */
	assert_true(num("SELECT ABS(TIMESTAMPDIFF(SECOND, NOW() + INTERVAL 1 DAY, '%s'))",
			who.expires) <= 5);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = %d", ALICE), 0);
	assert_true(
	    num("SELECT TIMESTAMPDIFF(SECOND, lastlogin, NOW()) FROM membres WHERE uid = %d",
		ALICE) <= 5);
	char lastip[64];
	text(lastip, sizeof(lastip), "SELECT lastip FROM membres WHERE uid = %d", ALICE);
	assert_string_equal(lastip, "192.0.2.10");

	/* Stored as its SHA-256 only. */
	sha256_hex(hash, token);
	assert_int_equal(
	    num("SELECT COUNT(*) FROM panel_tokens WHERE token_hash = '%s' AND uid = %d"
		" AND ip = '192.0.2.10' AND revoked = 0",
		hash, ALICE),
	    1);
	assert_int_equal(rows_containing("panel_tokens", "token_hash, ip", token + 3), 0);
	assert_int_equal(rows_containing("membres", "login, pass, lastip, notes", token + 3), 0);
	assert_int_equal(
	    rows_containing("panel_audit", "object_id, before_data, after_data", token + 3), 0);

	/* The token works, and says who it is. */
	panel_principal again;
	assert_panel_ok(panel_auth_token(&again, p, token));
	assert_int_equal(again.uid, ALICE);
	assert_string_equal(again.login, "alice");
	assert_string_equal(again.expires, who.expires);
	j = panel_principal_to_json(&again);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "via")), "token");
	assert_true(json_is_null(json_object_get(j, "apikey_id")));
	assert_true(json_is_null(json_object_get(j, "kinds")));
	assert_true(json_is_false(json_object_get(j, "admin")));
	assert_int_equal(json_integer_value(json_object_get(j, "uid")), ALICE);
	json_decref(j);

	/* A chosen lifetime; admins are told so. */
	assert_panel_ok(panel_auth_login(&who, token, sizeof(token), p, "bob", "bob-secret-1",
					 "192.0.2.10", 120));
	assert_int_equal(who.admin, 1);
	assert_true(num("SELECT TIMESTAMPDIFF(SECOND, NOW(), '%s')", who.expires) <= 120);
	assert_true(num("SELECT TIMESTAMPDIFF(SECOND, NOW(), '%s')", who.expires) >= 110);
	panel_actor a = panel_principal_actor(&who, "192.0.2.10");
	assert_int_equal(a.kind, PANEL_ACTOR_ADMIN);
	assert_int_equal(a.uid, BOB);
	assert_string_equal(a.ip, "192.0.2.10");
	a = panel_principal_actor(&again, NULL);
	assert_int_equal(a.kind, PANEL_ACTOR_MEMBER);
	assert_int_equal(a.uid, ALICE);
	a = panel_principal_actor(NULL, NULL);
	assert_panel_rc(panel_actor_check(&a), PANEL_EINVALID);
	/* Too small a buffer, absurd lifetimes. */
	assert_error(panel_auth_login(&who, token, 20, p, "bob", "bob-secret-1", NULL, 0),
		     PANEL_EINVALID, NULL);
	assert_error(panel_auth_login(&who, token, sizeof(token), p, "bob", "bob-secret-1", NULL,
				      400u * 24 * 3600),
		     PANEL_EINVALID, "ttl_seconds");
	assert_error(login(&who, token, "bob", "bob-secret-1", "not-an-ip"), PANEL_EINVALID, "ip");
	assert_error(login(&who, token, "", "x", NULL), PANEL_EINVALID, "login");
	assert_error(login(&who, token, "bob\n", "x", NULL), PANEL_EINVALID, "login");
	assert_error(login(&who, token, "bob", "", NULL), PANEL_EINVALID, "password");
}

static void wrong_password_counts_a_failure(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX], lastlogin[32], after[32];

	(void)state;
	add_account(2010, "carol", "carol-secret-1", 0, 1);
	text(lastlogin, sizeof(lastlogin), "SELECT lastlogin FROM membres WHERE uid = 2010");
	assert_error(login(&who, token, "carol", "carol-secret-2", "192.0.2.20"), PANEL_EAUTH,
		     NULL);
	assert_string_equal(panel_error_last()->message, "wrong login or password");
	assert_null(panel_error_last()->field);
	assert_string_equal(token, "");
	assert_int_equal(who.uid, 0);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2010"), 1);
	text(after, sizeof(after), "SELECT lastlogin FROM membres WHERE uid = 2010");
	assert_string_equal(after, lastlogin);
	assert_int_equal(failures("login:carol"), 1);
	assert_int_equal(failures("ip:192.0.2.20"), 1);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_tokens WHERE uid = 2010"), 0);
	/* Case does not give a fresh counter. */
	assert_error(login(&who, token, "CAROL", "carol-secret-2", "192.0.2.20"), PANEL_EAUTH,
		     NULL);
	assert_int_equal(failures("login:carol"), 2);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2010"), 2);
	/* lastfail is a TINYINT: it stops at 127. */
	sqlf("UPDATE membres SET lastfail = 127 WHERE uid = 2010");
	sqlf("DELETE FROM panel_login_failures");
	assert_error(login(&who, token, "carol", "nope", "192.0.2.20"), PANEL_EAUTH, NULL);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2010"), 127);
	/* No password, nor a hash of it, is kept anywhere. */
	assert_int_equal(rows_containing("panel_login_failures", "scope_key", "nope"), 0);
	assert_int_equal(
	    rows_containing("panel_audit", "object_id, before_data, after_data", "nope"), 0);
	sqlf("DELETE FROM panel_login_failures");
}

static void unknown_login_looks_like_a_wrong_password(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	(void)state;
	long long tokens = num("SELECT COUNT(*) FROM panel_tokens");
	assert_error(login(&who, token, "nobody", "whatever-1", "192.0.2.30"), PANEL_EAUTH, NULL);
	assert_string_equal(panel_error_last()->message, "wrong login or password");
	assert_null(panel_error_last()->field);
	assert_string_equal(token, "");
	assert_int_equal(failures("login:nobody"), 1);
	assert_int_equal(failures("ip:192.0.2.30"), 1);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_tokens"), tokens);
	/* An account without a usable hash cannot log in either, with the same answer. */
	add_account_hash(2011, "nohash", "", 0, 1);
	assert_error(login(&who, token, "nohash", "whatever-1", "192.0.2.30"), PANEL_EAUTH, NULL);
	assert_string_equal(panel_error_last()->message, "wrong login or password");
	sqlf("DELETE FROM panel_login_failures");
}

static void locked_account_is_refused(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	(void)state;
	add_account(2012, "dave", "dave-secret-1", 0, 0);
	assert_error(login(&who, token, "dave", "dave-secret-1", "192.0.2.40"), PANEL_EAUTH, NULL);
	assert_string_equal(panel_error_last()->message, "account locked");
	assert_string_equal(token, "");
	assert_error(login(&who, token, "dave", "dave-secret-2", "192.0.2.40"), PANEL_EAUTH, NULL);
	assert_string_equal(panel_error_last()->message, "wrong login or password");
	assert_int_equal(num("SELECT COUNT(*) FROM panel_tokens WHERE uid = 2012"), 0);
	assert_int_equal(
	    num("SELECT lastlogin = '0000-00-00 00:00:00' FROM membres WHERE uid = 2012"), 1);
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = 2012");
	assert_int_equal(login(&who, token, "dave", "dave-secret-1", "192.0.2.40"), 0);
	sqlf("DELETE FROM panel_login_failures");
}

static void legacy_hash_is_upgraded(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX], stored[256];
	int upgrade = 1;

	(void)state;
	assert_error(login(&who, token, "legacy", "hunter2-Legacy", "192.0.2.50"), PANEL_EAUTH,
		     NULL);
	text(stored, sizeof(stored), "SELECT pass FROM membres WHERE uid = %d", LEGACY);
	assert_string_equal(stored, "$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31");
	assert_int_equal(login(&who, token, "legacy", "hunter2-legacy", "192.0.2.50"), 0);
	assert_int_equal(who.uid, LEGACY);
	text(stored, sizeof(stored), "SELECT pass FROM membres WHERE uid = %d", LEGACY);
	/* Rehashed as the configuration says: SHA512-crypt, which 1.0's PHP login verifies. */
	assert_int_equal(strncmp(stored, "$6$rounds=100000$", 17), 0);
	assert_panel_ok(panel_password_verify(stored, "hunter2-legacy", &upgrade));
	assert_int_equal(upgrade, 0);
	/* And the new hash logs in. */
	assert_int_equal(login(&who, token, "legacy", "hunter2-legacy", "192.0.2.50"), 0);
	sqlf("DELETE FROM panel_login_failures");
}

/* ---------------------------------------------------------------- throttling */

/* Per login: many addresses' failures slow the login down but never lock its owner out. */
static void throttling_per_login(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX], ip[32];

	(void)state;
	add_account(2020, "erin", "erin-secret-1", 0, 1);
	/* From seven addresses: the login's counter passes the free five... */
	for (int i = 0; i < 7; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", 10 + i);
		assert_error(login(&who, token, "erin", "guess", ip), PANEL_EAUTH, NULL);
	}
	assert_int_equal(failures("login:erin"), 7);
	assert_int_equal(failures("pair:ip:203.0.113.10|login:erin"), 1);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2020"), 7);
	/* ...and the right password from yet another address still opens a session (after the
	 * delay), which clears the login's failures. */
	assert_int_equal(login(&who, token, "erin", "erin-secret-1", "203.0.113.99"), 0);
	assert_int_not_equal(strlen(token), 0);
	assert_int_equal(failures("login:erin"), -2);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2020"), 0);
	sqlf("DELETE FROM panel_login_failures");
}

/* Per login and address: one address guessing one login is locked, for longer each time. */
static void throttling_per_pair(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX];
	const char *pair = "pair:ip:203.0.113.50|login:erin2";

	(void)state;
	add_account(2024, "erin2", "erin-secret-2", 0, 1);
	for (int i = 0; i < 5; i++)
		assert_error(login(&who, token, "erin2", "guess", "203.0.113.50"), PANEL_EAUTH,
			     NULL);
	assert_int_equal(failures(pair), 5);
	/* Even the right password is refused from there now, before it is checked... */
	assert_error(login(&who, token, "erin2", "erin-secret-2", "203.0.113.50"), PANEL_ELIMIT,
		     NULL);
	assert_non_null(strstr(panel_error_last()->message, "seconds"));
	assert_string_equal(token, "");
	assert_int_equal(failures(pair), 5);
	/* ...an IPv4-mapped IPv6 address is the same client... */
	assert_error(login(&who, token, "erin2", "erin-secret-2", "::ffff:203.0.113.50"),
		     PANEL_ELIMIT, NULL);

	/* Longer locks with more failures: 9 failures lock for 2^4 = 16 s. */
	sqlf("UPDATE panel_login_failures SET failures = 9, last_failure = NOW() - INTERVAL 10 "
	     "SECOND WHERE scope_key = '%s'",
	     pair);
	assert_error(login(&who, token, "erin2", "erin-secret-2", "203.0.113.50"), PANEL_ELIMIT,
		     NULL);
	sqlf("UPDATE panel_login_failures SET last_failure = NOW() - INTERVAL 20 SECOND WHERE "
	     "scope_key = '%s'",
	     pair);
	assert_error(login(&who, token, "erin2", "guess", "203.0.113.50"), PANEL_EAUTH, NULL);
	assert_int_equal(failures(pair), 10);
	/* The lock never exceeds 15 minutes. */
	sqlf("UPDATE panel_login_failures SET failures = 1000, last_failure = NOW() - INTERVAL 890 "
	     "SECOND WHERE scope_key = '%s'",
	     pair);
	assert_error(login(&who, token, "erin2", "erin-secret-2", "203.0.113.50"), PANEL_ELIMIT,
		     NULL);
	/* After the window, the count starts again. */
	sqlf("UPDATE panel_login_failures SET failures = 1000, last_failure = NOW() - INTERVAL 16 "
	     "MINUTE WHERE scope_key = '%s'",
	     pair);
	assert_error(login(&who, token, "erin2", "guess", "203.0.113.50"), PANEL_EAUTH, NULL);
	assert_int_equal(failures(pair), 1);

	/* Once the lock is over, the right password opens a session and clears the pair. */
	sqlf("UPDATE panel_login_failures SET failures = 5, last_failure = NOW() - INTERVAL 3 "
	     "SECOND WHERE scope_key = '%s'",
	     pair);
	assert_int_equal(login(&who, token, "erin2", "erin-secret-2", "203.0.113.50"), 0);
	assert_int_equal(failures(pair), -2);
	sqlf("DELETE FROM panel_login_failures");
}

/* Per address: one address guessing many logins is locked after 20 failures. */
static void throttling_per_address(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX], user[32], ip[64];

	(void)state;
	add_account(2021, "frank", "frank-secret-1", 0, 1);
	for (int i = 0; i < 20; i++) {
		snprintf(user, sizeof(user), "ghost%d", i);
		assert_error(login(&who, token, user, "guess", "198.51.100.7"), PANEL_EAUTH, NULL);
	}
	assert_int_equal(failures("ip:198.51.100.7"), 20);
	assert_error(login(&who, token, "frank", "frank-secret-1", "198.51.100.7"), PANEL_ELIMIT,
		     NULL);
	/* An IPv4-mapped IPv6 address is the same client. */
	assert_error(login(&who, token, "frank", "frank-secret-1", "::ffff:198.51.100.7"),
		     PANEL_ELIMIT, NULL);
	assert_int_equal(login(&who, token, "frank", "frank-secret-1", "198.51.100.8"), 0);

	/* IPv6 clients are counted per /64. */
	for (int i = 0; i < 20; i++) {
		snprintf(user, sizeof(user), "ghost%d", i);
		snprintf(ip, sizeof(ip), "2001:db8:1:2::%x", i + 1);
		assert_error(login(&who, token, user, "guess", ip), PANEL_EAUTH, NULL);
	}
	assert_int_equal(failures("ip:2001:db8:1:2::/64"), 20);
	assert_error(login(&who, token, "frank", "frank-secret-1", "2001:db8:1:2:aaaa::1"),
		     PANEL_ELIMIT, NULL);
	assert_int_equal(login(&who, token, "frank", "frank-secret-1", "2001:db8:1:3::1"), 0);
	/* Without an address, only the login counts. */
	assert_int_equal(login(&who, token, "frank", "frank-secret-1", NULL), 0);
	sqlf("DELETE FROM panel_login_failures");
}

static void success_clears_the_login_not_the_address(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	(void)state;
	add_account(2022, "gina", "gina-secret-1", 0, 1);
	for (int i = 0; i < 3; i++)
		assert_error(login(&who, token, "gina", "guess", "192.0.2.60"), PANEL_EAUTH, NULL);
	assert_int_equal(failures("login:gina"), 3);
	assert_int_equal(failures("ip:192.0.2.60"), 3);
	assert_int_equal(login(&who, token, "gina", "gina-secret-1", "192.0.2.60"), 0);
	assert_int_equal(failures("login:gina"), -2);
	assert_int_equal(failures("ip:192.0.2.60"), 3);
	sqlf("DELETE FROM panel_login_failures");
}

#define GUESSERS 8

struct guesser {
	pthread_barrier_t *start;
	panel *p;
	int rc;
};

static void *guess(void *arg)
{
	struct guesser *g = arg;
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	pthread_barrier_wait(g->start);
	g->rc = panel_auth_login(&who, token, sizeof(token), g->p, "kim", "guess", "192.0.2.80", 0);
	return NULL;
}

/* A burst of parallel guesses must not all slip in before the first failures are counted. */
static void parallel_guesses_are_counted(void **state)
{
	struct guesser g[GUESSERS];
	pthread_t threads[GUESSERS];
	pthread_barrier_t start;
	int eauth = 0, elimit = 0;

	(void)state;
	add_account(2023, "kim", "kim-secret-1", 0, 1);
	assert_int_equal(pthread_barrier_init(&start, NULL, GUESSERS), 0);
	for (int i = 0; i < GUESSERS; i++) {
		g[i] = (struct guesser){&start, ts_panel_open(cluster, dbname), 1};
		assert_int_equal(pthread_create(&threads[i], NULL, guess, &g[i]), 0);
	}
	for (int i = 0; i < GUESSERS; i++) {
		pthread_join(threads[i], NULL);
		panel_close(g[i].p);
		eauth += g[i].rc == PANEL_EAUTH;
		elimit += g[i].rc == PANEL_ELIMIT;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(eauth + elimit, GUESSERS);
	/* Five guesses, then the 1 s lock; one more only if a thread was held up past it. */
	assert_true(eauth >= 5 && eauth <= 6);
	assert_int_equal(failures("login:kim"), eauth);
	assert_int_equal(failures("ip:192.0.2.80"), eauth);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2023"), eauth);
	sqlf("DELETE FROM panel_login_failures");
}

/* ---------------------------------------------------------------- tokens */

static void token_checks(void **state)
{
	panel_principal who;
	char token[PANEL_TOKEN_MAX], hash[65], forged[PANEL_TOKEN_MAX];

	(void)state;
	add_account(2030, "ivan", "ivan-secret-1", 0, 1);
	assert_int_equal(login(&who, token, "ivan", "ivan-secret-1", "192.0.2.70"), 0);
	sha256_hex(hash, token);
	assert_panel_ok(panel_auth_token(&who, p, token));
	assert_int_equal(who.uid, 2030);

	/* last_used: set on use, rewritten at most once a minute. */
	assert_int_equal(
	    num("SELECT last_used IS NOT NULL FROM panel_tokens WHERE token_hash = '%s'", hash), 1);
	sqlf("UPDATE panel_tokens SET last_used = NOW() - INTERVAL 30 SECOND WHERE token_hash = "
	     "'%s'",
	     hash);
	assert_panel_ok(panel_auth_token(&who, p, token));
	assert_true(num("SELECT TIMESTAMPDIFF(SECOND, last_used, NOW()) FROM panel_tokens WHERE "
			"token_hash = '%s'",
			hash) >= 29);
	sqlf(
	    "UPDATE panel_tokens SET last_used = NOW() - INTERVAL 5 MINUTE WHERE token_hash = '%s'",
	    hash);
	assert_panel_ok(panel_auth_token(&who, p, token));
	assert_true(num("SELECT TIMESTAMPDIFF(SECOND, last_used, NOW()) FROM panel_tokens WHERE "
			"token_hash = '%s'",
			hash) <= 5);

	/* Unknown, malformed, or a login key's prefix changed. */
	snprintf(forged, sizeof(forged), "%s", token);
	forged[10] = forged[10] == 'A' ? 'B' : 'A';
	assert_error(panel_auth_token(&who, p, forged), PANEL_EAUTH, NULL);
	assert_int_equal(who.uid, 0);
	assert_error(panel_auth_token(&who, p, "pt_short"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_token(&who, p, ""), PANEL_EAUTH, NULL);
	assert_error(panel_auth_token(&who, p, NULL), PANEL_EAUTH, NULL);
	snprintf(forged, sizeof(forged), "pk_%s", token + 3);
	assert_error(panel_auth_token(&who, p, forged), PANEL_EAUTH, NULL);
	/* A SQL wildcard is plain data. */
	snprintf(forged, sizeof(forged), "pt_%%%s", token + 4);
	assert_error(panel_auth_token(&who, p, forged), PANEL_EAUTH, NULL);

	/* Expired. */
	sqlf("UPDATE panel_tokens SET expires = NOW() - INTERVAL 1 SECOND WHERE token_hash = '%s'",
	     hash);
	assert_error(panel_auth_token(&who, p, token), PANEL_EAUTH, NULL);
	sqlf("UPDATE panel_tokens SET expires = NOW() + INTERVAL 1 HOUR WHERE token_hash = '%s'",
	     hash);
	assert_panel_ok(panel_auth_token(&who, p, token));

	/* Locked after login, unlocked again. */
	sqlf("UPDATE membres SET enabled = 0 WHERE uid = 2030");
	assert_error(panel_auth_token(&who, p, token), PANEL_EAUTH, NULL);
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = 2030");
	assert_panel_ok(panel_auth_token(&who, p, token));
	/* Becoming admin shows at the next check. */
	sqlf("UPDATE membres SET su = 1 WHERE uid = 2030");
	assert_panel_ok(panel_auth_token(&who, p, token));
	assert_int_equal(who.admin, 1);
	sqlf("UPDATE membres SET su = 0 WHERE uid = 2030");

	/* Logout revokes; unknown tokens are fine. */
	assert_panel_ok(panel_auth_logout(p, token));
	assert_error(panel_auth_token(&who, p, token), PANEL_EAUTH, NULL);
	assert_int_equal(num("SELECT revoked FROM panel_tokens WHERE token_hash = '%s'", hash), 1);
	assert_panel_ok(panel_auth_logout(p, token));
	assert_panel_ok(panel_auth_logout(p, "pt_unknown"));
	assert_error(panel_auth_logout(p, NULL), PANEL_EINVALID, "token");

	/* Other sessions of the account are untouched by a logout; deleting the account ends
	 * them. */
	char second[PANEL_TOKEN_MAX];
	assert_int_equal(login(&who, second, "ivan", "ivan-secret-1", "192.0.2.70"), 0);
	assert_panel_ok(panel_auth_token(&who, p, second));
	sqlf("DELETE FROM membres WHERE uid = 2030");
	assert_error(panel_auth_token(&who, p, second), PANEL_EAUTH, NULL);
	sqlf("DELETE FROM panel_login_failures");
}

/* ---------------------------------------------------------------- application keys */

static int create_key(panel_apikey *key, char *secret, uint32_t admin, const char *name,
		      const char *scope, const char *networks, const char *expires)
{
	panel_actor who = panel_actor_admin(admin);
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;

	spec.name = name;
	spec.scope = scope;
	spec.networks = networks;
	spec.expires = expires;
	return panel_apikey_create(key, secret, PANEL_TOKEN_MAX, p, &who, &spec);
}

static void apikey_create_list_revoke(void **state)
{
	panel_apikey key, key2, *list = NULL;
	panel_principal who;
	panel_actor bob = panel_actor_admin(BOB), hank = panel_actor_admin(HANK),
		    super = panel_actor_admin(SUPER);
	char secret[PANEL_TOKEN_MAX], secret2[PANEL_TOKEN_MAX], hash[65], after[4096];
	size_t count = 99;
	json_t *j;

	(void)state;
	assert_int_equal(create_key(&key, secret, BOB, "billing ✓", NULL, NULL, NULL), 0);
	assert_int_equal(strncmp(secret, "pk_", 3), 0);
	assert_int_equal(strlen(secret), 46);
	assert_true(key.id > 0);
	assert_int_equal(key.uid, BOB);
	assert_string_equal(key.login, "bob");
	assert_string_equal(key.name, "billing ✓");
	assert_string_equal(key.scope, "write");
	assert_string_equal(key.networks, "");
	assert_string_equal(key.expires, "");
	assert_string_equal(key.last_used, "");
	assert_int_equal(strlen(key.created), 19);
	assert_int_equal(key.revoked, 0);

	/* Only the hash is stored; the audit trail has neither secret nor hash. */
	sha256_hex(hash, secret);
	assert_int_equal(
	    num("SELECT COUNT(*) FROM panel_apikeys WHERE key_hash = '%s' AND id = %llu", hash,
		(unsigned long long)key.id),
	    1);
	assert_int_equal(
	    rows_containing("panel_apikeys", "name, key_hash, scope, networks", secret + 3), 0);
	assert_int_equal(
	    rows_containing("panel_audit", "object_id, before_data, after_data", secret + 3), 0);
	assert_int_equal(rows_containing("panel_audit", "object_id, before_data, after_data", hash),
			 0);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_audit WHERE action = 'apikey.create' AND"
			     " object_kind = 'apikey' AND object_id = '%llu' AND actor_uid = %d AND"
			     " subject_uid = %d AND before_data IS NULL",
			     (unsigned long long)key.id, BOB, BOB),
			 1);
	text(after, sizeof(after),
	     "SELECT after_data FROM panel_audit WHERE action = 'apikey.create' AND object_id ="
	     " '%llu'",
	     (unsigned long long)key.id);
	j = json_loads(after, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "scope")), "write");
	assert_null(json_object_get(j, "key_hash"));
	json_decref(j);

	/* The key authenticates from anywhere: a write key of bob. */
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "192.0.2.1"));
	assert_int_equal(who.uid, BOB);
	assert_string_equal(who.login, "bob");
	assert_int_equal(who.admin, 1);
	assert_int_equal(who.apikey_id, key.id);
	assert_int_equal(who.read_only, 0);
	assert_string_equal(who.kinds, "");
	assert_string_equal(who.expires, "");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_int_equal(num("SELECT last_used IS NOT NULL FROM panel_apikeys WHERE id = %llu",
			     (unsigned long long)key.id),
			 1);
	j = panel_principal_to_json(&who);
	assert_string_equal(json_string_value(json_object_get(j, "via")), "apikey");
	assert_int_equal(json_integer_value(json_object_get(j, "apikey_id")), (json_int_t)key.id);
	json_decref(j);
	/* A token is not a key and a key is not a token. */
	assert_error(panel_auth_token(&who, p, secret), PANEL_EAUTH, NULL);

	/* Lists: bob sees his keys, hank his own, the super admin all, newest first. */
	assert_int_equal(create_key(&key2, secret2, HANK, "hank's", "read", NULL, NULL), 0);
	assert_panel_ok(panel_apikey_list(&list, &count, p, &bob));
	assert_int_equal(count, 1);
	assert_int_equal(list[0].id, key.id);
	free(list);
	assert_panel_ok(panel_apikey_list(&list, &count, p, &super));
	assert_int_equal(count, 2);
	assert_int_equal(list[0].id, key2.id);
	assert_int_equal(list[1].id, key.id);
	assert_string_equal(list[0].login, "hank");
	free(list);

	/* Revoking: not someone else's (unless super admin), idempotent, audited. */
	assert_error(panel_apikey_revoke(p, &hank, key.id), PANEL_ENOTFOUND, "id");
	assert_error(panel_apikey_revoke(p, &bob, 999999), PANEL_ENOTFOUND, "id");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_panel_ok(panel_apikey_revoke(p, &bob, key.id));
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	assert_panel_ok(panel_apikey_revoke(p, &bob, key.id));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_audit WHERE action = 'apikey.revoke' AND"
			     " object_id = '%llu'",
			     (unsigned long long)key.id),
			 1);
	assert_panel_ok(panel_apikey_list(&list, &count, p, &bob));
	assert_int_equal(count, 1);
	assert_int_equal(list[0].revoked, 1);
	free(list);
	assert_panel_ok(panel_apikey_revoke(p, &super, key2.id));
	assert_error(panel_auth_apikey(&who, p, secret2, NULL), PANEL_EAUTH, NULL);
}

static void apikey_expiry_and_owner(void **state)
{
	panel_apikey key;
	panel_principal who;
	char secret[PANEL_TOKEN_MAX];

	(void)state;
	assert_int_equal(create_key(&key, secret, BOB, "expiring", NULL, NULL, "2099-01-01"), 0);
	assert_string_equal(key.expires, "2099-01-01 00:00:00");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_string_equal(who.expires, "2099-01-01 00:00:00");
	sqlf("UPDATE panel_apikeys SET expires = NOW() - INTERVAL 1 SECOND WHERE id = %llu",
	     (unsigned long long)key.id);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);

	/* The owner must still be an enabled admin. */
	assert_int_equal(create_key(&key, secret, BOB, "owner", NULL, NULL, "2099-12-31 23:59:59"),
			 0);
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	sqlf("UPDATE membres SET su = 0 WHERE uid = %d", BOB);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	sqlf("UPDATE membres SET su = 1, enabled = 0 WHERE uid = %d", BOB);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = %d", BOB);
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
}

static void apikey_networks(void **state)
{
	panel_apikey key;
	panel_principal who;
	char secret[PANEL_TOKEN_MAX], v6[PANEL_TOKEN_MAX];

	(void)state;
	assert_int_equal(
	    create_key(&key, secret, BOB, "office", NULL, "192.0.2.0/24, 10.1.2.3/8", NULL), 0);
	assert_string_equal(key.networks, "192.0.2.0/24,10.0.0.0/8");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "192.0.2.77"));
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "10.200.3.4"));
	assert_panel_ok(panel_auth_apikey(&who, p, secret, "::ffff:192.0.2.5"));
	assert_error(panel_auth_apikey(&who, p, secret, "192.0.3.1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, "11.0.0.1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, "2001:db8::1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, NULL), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, ""), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, "192.0.2.77x"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, secret, " 192.0.2.77"), PANEL_EAUTH, NULL);

	assert_int_equal(create_key(&key, v6, BOB, "v6", NULL,
				    "2001:DB8:ABCD:1::5/48,198.51.100.9,::ffff:203.0.113.0/120",
				    NULL),
			 0);
	assert_string_equal(key.networks, "2001:db8:abcd::/48,198.51.100.9/32,203.0.113.0/24");
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "2001:db8:abcd:12::1"));
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff"));
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "198.51.100.9"));
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "203.0.113.200"));
	assert_error(panel_auth_apikey(&who, p, v6, "2001:db8:abce::1"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, v6, "198.51.100.10"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, v6, "fe80::1%eth0"), PANEL_EAUTH, NULL);

	/* A prefix that is not a multiple of 8. */
	assert_int_equal(create_key(&key, v6, BOB, "odd", NULL, "192.0.2.64/27", NULL), 0);
	assert_panel_ok(panel_auth_apikey(&who, p, v6, "192.0.2.95"));
	assert_error(panel_auth_apikey(&who, p, v6, "192.0.2.96"), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, v6, "192.0.2.63"), PANEL_EAUTH, NULL);

	json_t *j = panel_apikey_to_json(&key);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "networks")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "networks"), 0)),
			    "192.0.2.64/27");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "owner"), "login")), "bob");
	assert_true(json_is_null(json_object_get(j, "expires")));
	assert_true(json_is_false(json_object_get(j, "revoked")));
	json_decref(j);
}

static void apikey_scopes(void **state)
{
	panel_apikey key;
	panel_principal who;
	char secret[PANEL_TOKEN_MAX];
	json_t *j;

	(void)state;
	assert_int_equal(create_key(&key, secret, BOB, "reader", "read", NULL, NULL), 0);
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_int_equal(who.read_only, 1);
	assert_string_equal(who.kinds, "");

	assert_int_equal(create_key(&key, secret, BOB, "quotas", "accounts, quotas", NULL, NULL),
			 0);
	assert_string_equal(key.scope, "accounts,quotas");
	assert_panel_ok(panel_auth_apikey(&who, p, secret, NULL));
	assert_int_equal(who.read_only, 0);
	assert_string_equal(who.kinds, "accounts,quotas");
	j = panel_principal_to_json(&who);
	assert_int_equal(json_array_size(json_object_get(j, "kinds")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "kinds"), 1)),
			    "quotas");
	json_decref(j);

	assert_int_equal(
	    create_key(&key, secret, BOB, "all",
		       "accounts,quotas,domains,mail,databases,dbusers,ftp,audit,apikeys", NULL,
		       NULL),
	    0);
}

static void apikey_refusals(void **state)
{
	panel_apikey key;
	char secret[PANEL_TOKEN_MAX];
	panel_actor alice = panel_actor_member(ALICE), fake = panel_actor_admin(ALICE),
		    sys = panel_actor_system(), as = panel_actor_admin_as(BOB, ALICE);
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;
	panel_apikey *list = NULL;
	size_t count = 0;
	long long before = num("SELECT COUNT(*) FROM panel_apikeys");

	(void)state;
	spec.name = "mine";
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &alice, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_string_equal(secret, "");
	/* Claiming to be an admin does not make one. */
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &fake, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &sys, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &as, &spec),
		     PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, NULL, &spec),
		     PANEL_EINVALID, "actor");
	assert_error(panel_apikey_list(&list, &count, p, &alice), PANEL_EFORBIDDEN, NULL);
	assert_error(panel_apikey_list(&list, &count, p, &fake), PANEL_EFORBIDDEN, NULL);
	assert_null(list);
	assert_error(panel_apikey_revoke(p, &alice, 1), PANEL_EFORBIDDEN, NULL);
	/* A locked admin is no admin. */
	sqlf("UPDATE membres SET enabled = 0 WHERE uid = %d", HANK);
	assert_error(create_key(&key, secret, HANK, "locked", NULL, NULL, NULL), PANEL_EFORBIDDEN,
		     NULL);
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = %d", HANK);

	static const char *const bad_scopes[] = {"admin",     "accounts,accounts", "read,accounts",
						 "accounts,", ",accounts",	   "Accounts",
						 "writes",    "accounts;quotas"};
	for (size_t i = 0; i < sizeof(bad_scopes) / sizeof(bad_scopes[0]); i++)
		assert_error(create_key(&key, secret, BOB, "k", bad_scopes[i], NULL, NULL),
			     PANEL_EINVALID, "scope");
	static const char *const bad_networks[] = {
	    "10.0.0.0/33",	 "10.0.0.0/8;",	 "fe80::1%eth0", "1.2.3",
	    "10.0.0.0/08",	 "10.0.0.0/",	 "10.0.0.0/+8",	 "2001:db8::/129",
	    "::ffff:1.2.3.4/95", "10.0.0.0/8,,", "anywhere",	 "10.0.0.0/8,foo",
	    "10.0.0.0/-1"};
	for (size_t i = 0; i < sizeof(bad_networks) / sizeof(bad_networks[0]); i++)
		assert_error(create_key(&key, secret, BOB, "k", NULL, bad_networks[i], NULL),
			     PANEL_EINVALID, "networks");
	static const char *const bad_expires[] = {
	    "2001-01-01",	   "2099-02-30", "tomorrow", "2099-01-01T00:00:00", "2099-13-01",
	    "2099-01-01 24:00:00", "2099-1-1",	 "",	     "2099-01-01 00:00:00x"};
	for (size_t i = 0; i < sizeof(bad_expires) / sizeof(bad_expires[0]); i++)
		assert_error(create_key(&key, secret, BOB, "k", NULL, NULL, bad_expires[i]),
			     PANEL_EINVALID, "expires");
	assert_error(create_key(&key, secret, BOB, NULL, NULL, NULL, NULL), PANEL_EINVALID, "name");
	assert_error(create_key(&key, secret, BOB, "two\nlines", NULL, NULL, NULL), PANEL_EINVALID,
		     "name");
	char longname[200];
	memset(longname, 'n', 129);
	longname[129] = '\0';
	assert_error(create_key(&key, secret, BOB, longname, NULL, NULL, NULL), PANEL_EINVALID,
		     "name");
	spec.version = 2;
	panel_actor bob = panel_actor_admin(BOB);
	assert_error(panel_apikey_create(&key, secret, sizeof(secret), p, &bob, &spec),
		     PANEL_EINVALID, "version");
	/* Nothing was stored by any of these. */
	assert_int_equal(num("SELECT COUNT(*) FROM panel_apikeys"), before);
	/* Keys that were never handed out. */
	panel_principal who;
	assert_error(
	    panel_auth_apikey(&who, p, "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL),
	    PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, "pk_' OR '1'='1", NULL), PANEL_EAUTH, NULL);
	assert_error(panel_auth_apikey(&who, p, NULL, NULL), PANEL_EAUTH, NULL);
}

/* ---------------------------------------------------------------- idempotency */

#define H1	 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2	 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3	 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define H3_UPPER "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"

static void idempotency_claim_complete_replay(void **state)
{
	panel_idempotent_response r = {0, NULL};

	(void)state;
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1));
	assert_null(r.body);
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1), PANEL_ECONFLICT,
		     NULL);
	assert_string_equal(panel_error_last()->message,
			    "the first request with this key is still running");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H2), PANEL_ECONFLICT,
		     NULL);
	assert_string_equal(panel_error_last()->message,
			    "this Idempotency-Key was used for another request");
	assert_null(r.body);
	/* Keys are per principal. */
	assert_panel_ok(panel_idempotency_begin(&r, p, "key:7", "k-1", H2));

	assert_panel_ok(panel_idempotency_complete(p, "token:2001", "k-1", 201, "{\"id\":\"x\"}"));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1), PANEL_EEXISTS, NULL);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"id\":\"x\"}");
	free(r.body);
	r.body = NULL;
	/* Upper-case hex is the same hash. */
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-hex", H3));
	assert_panel_ok(panel_idempotency_complete(p, "token:2001", "k-hex", 204, ""));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-hex", H3_UPPER), PANEL_EEXISTS,
		     NULL);
	assert_int_equal(r.status, 204);
	free(r.body);
	r.body = NULL;
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H2), PANEL_ECONFLICT,
		     NULL);
	assert_string_equal(panel_error_last()->message,
			    "this Idempotency-Key was used for another request");
	/* An answer is stored once; a released completed key stays. */
	assert_error(panel_idempotency_complete(p, "token:2001", "k-1", 500, "{}"), PANEL_ENOTFOUND,
		     NULL);
	assert_panel_ok(panel_idempotency_release(p, "token:2001", "k-1"));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-1", H1), PANEL_EEXISTS, NULL);
	assert_int_equal(r.status, 201);
	free(r.body);
	r.body = NULL;
	assert_error(panel_idempotency_complete(p, "token:2001", "never", 200, "{}"),
		     PANEL_ENOTFOUND, NULL);
}

static void idempotency_release_and_expiry(void **state)
{
	panel_idempotent_response r = {0, NULL};

	(void)state;
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-2", H1));
	assert_panel_ok(panel_idempotency_release(p, "token:2001", "k-2"));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-2'"), 0);
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-2", H2));
	assert_panel_ok(panel_idempotency_complete(p, "token:2001", "k-2", 200, NULL));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-2", H2), PANEL_EEXISTS, NULL);
	assert_string_equal(r.body, "");
	free(r.body);
	r.body = NULL;

	/* After 24 hours the key is forgotten: a new request may use it. */
	sqlf("UPDATE panel_idempotency SET created = NOW() - INTERVAL 25 HOUR WHERE idem_key = "
	     "'k-2'");
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-2", H1));
	assert_int_equal(num("SELECT status FROM panel_idempotency WHERE idem_key = 'k-2'"), 0);
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k-2", H1), PANEL_ECONFLICT,
		     NULL);

	/* Old rows of other keys are purged along the way. */
	sqlf("INSERT INTO panel_idempotency (principal, idem_key, request_hash, status, body, "
	     "created)"
	     " VALUES ('token:9', 'old', '%s', 200, '{}', NOW() - INTERVAL 2 DAY)",
	     H1);
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", "k-3", H1));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'old'"), 0);

	/* Syntax. */
	char longkey[300];
	memset(longkey, 'k', 256);
	longkey[256] = '\0';
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "", H1), PANEL_EINVALID, "key");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", longkey, H1), PANEL_EINVALID,
		     "key");
	longkey[255] = '\0';
	assert_panel_ok(panel_idempotency_begin(&r, p, "token:2001", longkey, H1));
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "a\nb", H1), PANEL_EINVALID,
		     "key");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", NULL, H1), PANEL_EINVALID, "key");
	assert_error(panel_idempotency_begin(&r, p, "", "k", H1), PANEL_EINVALID, "principal");
	assert_error(panel_idempotency_begin(&r, p, "token:2001", "k", "abc"), PANEL_EINVALID,
		     "request_hash");
	assert_error(panel_idempotency_begin(
			 &r, p, "token:2001", "k",
			 "zz11111111111111111111111111111111111111111111111111111111111111"),
		     PANEL_EINVALID, "request_hash");
	assert_error(panel_idempotency_complete(p, "token:2001", "k-3", 0, "{}"), PANEL_EINVALID,
		     "status");
	assert_error(panel_idempotency_complete(p, "token:2001", "k-3", 600, "{}"), PANEL_EINVALID,
		     "status");
	assert_null(r.body);
}

struct claimer {
	pthread_barrier_t *start;
	panel *p;
	int rc;
};

static void *claim(void *arg)
{
	struct claimer *c = arg;
	panel_idempotent_response r = {0, NULL};

	pthread_barrier_wait(c->start);
	c->rc = panel_idempotency_begin(&r, c->p, "token:2001", "k-race", H1);
	free(r.body);
	return NULL;
}

/* Retries that arrive together: exactly one runs, the others are told it is running. */
static void idempotency_concurrent_claims(void **state)
{
	struct claimer c[GUESSERS];
	pthread_t threads[GUESSERS];
	pthread_barrier_t start;
	int claimed = 0, running = 0;

	(void)state;
	assert_int_equal(pthread_barrier_init(&start, NULL, GUESSERS), 0);
	for (int i = 0; i < GUESSERS; i++) {
		c[i] = (struct claimer){&start, ts_panel_open(cluster, dbname), 1};
		assert_int_equal(pthread_create(&threads[i], NULL, claim, &c[i]), 0);
	}
	for (int i = 0; i < GUESSERS; i++) {
		pthread_join(threads[i], NULL);
		panel_close(c[i].p);
		claimed += c[i].rc == 0;
		running += c[i].rc == PANEL_ECONFLICT;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(claimed, 1);
	assert_int_equal(running, GUESSERS - 1);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_idempotency WHERE idem_key = 'k-race'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accounts),
	    cmocka_unit_test(login_success_opens_a_session),
	    cmocka_unit_test(wrong_password_counts_a_failure),
	    cmocka_unit_test(unknown_login_looks_like_a_wrong_password),
	    cmocka_unit_test(locked_account_is_refused),
	    cmocka_unit_test(legacy_hash_is_upgraded),
	    cmocka_unit_test(throttling_per_login),
	    cmocka_unit_test(throttling_per_pair),
	    cmocka_unit_test(throttling_per_address),
	    cmocka_unit_test(success_clears_the_login_not_the_address),
	    cmocka_unit_test(parallel_guesses_are_counted),
	    cmocka_unit_test(token_checks),
	    cmocka_unit_test(apikey_create_list_revoke),
	    cmocka_unit_test(apikey_expiry_and_owner),
	    cmocka_unit_test(apikey_networks),
	    cmocka_unit_test(apikey_scopes),
	    cmocka_unit_test(apikey_refusals),
	    cmocka_unit_test(idempotency_claim_complete_replay),
	    cmocka_unit_test(idempotency_release_and_expiry),
	    cmocka_unit_test(idempotency_concurrent_claims),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
