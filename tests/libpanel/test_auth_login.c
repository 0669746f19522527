/* Tests of password login against a real MariaDB: sessions and their tokens (lifetime, stored
 * as a hash only, checks, expiry, lock, logout), wrong and unknown logins, locked accounts, the
 * legacy hash upgrade, and throttling per login, per login and address, per address (also under
 * parallel guesses). Application keys and idempotency keys have their own test_auth_*.c. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth_support.h"
#include "panel/json.h"
#include "panel/panel.h"

static int setup(void **state)
{
	(void)state;
	return auth_setup("auth_login");
}

static int teardown(void **state)
{
	(void)state;
	return auth_teardown();
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
	const char *login;
	char ip[32];
	int rc;
	char message[256];
};

static void *guess(void *arg)
{
	struct guesser *g = arg;
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	pthread_barrier_wait(g->start);
	g->rc = panel_auth_login(&who, token, sizeof(token), g->p, g->login, "guess", g->ip, 0);
	snprintf(g->message, sizeof(g->message), "%s", panel_error_last()->message);
	return NULL;
}

/* GUESSERS wrong passwords for login at once, each on a handle of its own, all from ip, or each
 * from an address of its own when ip is NULL (198.51.100.100 and on). */
static void guess_at_once(struct guesser g[GUESSERS], const char *login, const char *ip)
{
	pthread_t threads[GUESSERS];
	pthread_barrier_t start;

	assert_int_equal(pthread_barrier_init(&start, NULL, GUESSERS), 0);
	for (int i = 0; i < GUESSERS; i++) {
		g[i] = (struct guesser){
		    .start = &start, .p = ts_panel_open(cluster, dbname), .login = login, .rc = 1};
		if (ip)
			snprintf(g[i].ip, sizeof(g[i].ip), "%s", ip);
		else
			snprintf(g[i].ip, sizeof(g[i].ip), "198.51.100.%d", 100 + i);
		assert_int_equal(pthread_create(&threads[i], NULL, guess, &g[i]), 0);
	}
	for (int i = 0; i < GUESSERS; i++) {
		pthread_join(threads[i], NULL);
		panel_close(g[i].p);
	}
	pthread_barrier_destroy(&start);
}

/* A login past its free failures is slowed down, each attempt waiting in its thread: two at
 * once in a process, the others refused at once ("try again"). Unbounded, guesses from as many
 * addresses held every worker of panel-api for seconds, its health checks included. */
static void delayed_attempts_are_bounded(void **state)
{
	struct guesser g[GUESSERS];
	int eauth = 0, elimit = 0;

	(void)state;
	add_account(2050, "lena", "lena-secret-1", 0, 1);
	sqlf("INSERT INTO panel_login_failures (scope_key, failures, first_failure, last_failure)"
	     " VALUES ('login:lena', 9, NOW(), NOW())");
	guess_at_once(g, "lena", NULL);
	for (int i = 0; i < GUESSERS; i++) {
		eauth += g[i].rc == PANEL_EAUTH;
		if (g[i].rc == PANEL_ELIMIT) {
			elimit++;
			assert_non_null(strstr(g[i].message, "try again in 2 seconds"));
		}
	}
	assert_int_equal(eauth + elimit, GUESSERS);
	assert_true(eauth >= 1);
	assert_true(elimit >= 1);
	print_message("%d waited their delay, %d were refused at once\n", eauth, elimit);
	/* A refused attempt's password was never looked at: no failure of the login, nor of its
	 * address. Counted, the owner's own attempts refused while guesses held the slots kept
	 * it locked out after the guessing stopped. */
	assert_int_equal(failures("login:lena"), 9 + eauth);
	int charged = 0;
	for (int i = 0; i < GUESSERS; i++) {
		char key[64];
		snprintf(key, sizeof(key), "ip:%s", g[i].ip);
		long long n = failures(key);
		assert_true(n == (g[i].rc == PANEL_EAUTH ? 1 : 0) ||
			    (n == -2 && g[i].rc != PANEL_EAUTH));
		charged += n > 0;
	}
	assert_int_equal(charged, eauth);
	sqlf("DELETE FROM panel_login_failures");
}

/* A burst of parallel guesses must not all slip in before the first failures are counted. */
static void parallel_guesses_are_counted(void **state)
{
	struct guesser g[GUESSERS];
	int eauth = 0, elimit = 0;

	(void)state;
	add_account(2023, "kim", "kim-secret-1", 0, 1);
	guess_at_once(g, "kim", "192.0.2.80");
	for (int i = 0; i < GUESSERS; i++) {
		eauth += g[i].rc == PANEL_EAUTH;
		elimit += g[i].rc == PANEL_ELIMIT;
	}
	assert_int_equal(eauth + elimit, GUESSERS);
	/* Five guesses, then the 1 s lock; one more only if a thread was held up past it. */
	assert_true(eauth >= 5 && eauth <= 6);
	assert_int_equal(failures("login:kim"), eauth);
	assert_int_equal(failures("ip:192.0.2.80"), eauth);
	assert_int_equal(num("SELECT lastfail FROM membres WHERE uid = 2023"), eauth);
	sqlf("DELETE FROM panel_login_failures");
}

#define DOUBLE_LOGINS 4

struct first_login {
	pthread_barrier_t *start;
	panel *p;
	int rc;
};

static void *first_login_main(void *arg)
{
	struct first_login *g = arg;
	panel_principal who;
	char token[PANEL_TOKEN_MAX];

	pthread_barrier_wait(g->start);
	g->rc = panel_auth_login(&who, token, sizeof(token), g->p, "imported", "hunter2-legacy",
				 "192.0.2.81", 0);
	return NULL;
}

/* The first logins after an import (a double click, two tabs) with the right password: each
 * rehashes the legacy hash with a salt of its own, and the first to commit changes it under the
 * others. They must all get in (each checks once more against the stored hash), never "wrong
 * login or password" for the right one. */
static void concurrent_first_logins_all_succeed(void **state)
{
	struct first_login g[DOUBLE_LOGINS];
	pthread_t threads[DOUBLE_LOGINS];
	pthread_barrier_t start;
	int ok = 0;

	(void)state;
	add_account_hash(2025, "imported", "$1$Zq3xK9aB$A/kaEKpZjAubZNmKKVWr31", 0, 1);
	assert_int_equal(pthread_barrier_init(&start, NULL, DOUBLE_LOGINS), 0);
	for (int i = 0; i < DOUBLE_LOGINS; i++) {
		g[i] = (struct first_login){&start, ts_panel_open(cluster, dbname), 1};
		assert_int_equal(pthread_create(&threads[i], NULL, first_login_main, &g[i]), 0);
	}
	for (int i = 0; i < DOUBLE_LOGINS; i++) {
		pthread_join(threads[i], NULL);
		panel_close(g[i].p);
		ok += g[i].rc == 0;
		if (g[i].rc != 0)
			fprintf(stderr, "login %d: %d\n", i, g[i].rc);
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(ok, DOUBLE_LOGINS);
	assert_int_equal(num("SELECT COUNT(*) FROM panel_tokens WHERE uid = 2025"), DOUBLE_LOGINS);
	assert_int_equal(
	    num("SELECT pass LIKE '$6$rounds=100000$%%' FROM membres WHERE uid = 2025"), 1);
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

/* An account holds its newest accounts.tokens_per_account tokens: a login past it deletes the
 * oldest (their sessions end, as after a logout); another account's tokens are untouched. */
static void tokens_per_account_are_capped(void **state)
{
	panel_config *cfg = ts_config(cluster, 0, dbname);
	panel_principal who;
	char tokens[8][PANEL_TOKEN_MAX], other[PANEL_TOKEN_MAX];
	panel *h = NULL;

	(void)state;
	add_account(2040, "tara", "tara-secret-1", 0, 1);
	add_account(2041, "umar", "umar-secret-1", 0, 1);
	assert_int_equal(panel_config_set(cfg, "accounts", "tokens_per_account", "5"), 0);
	assert_panel_ok(panel_open(&h, cfg));
	assert_panel_ok(panel_auth_login(&who, other, sizeof(other), h, "umar", "umar-secret-1",
					 "192.0.2.90", 0));
	for (int i = 0; i < 8; i++) {
		assert_panel_ok(panel_auth_login(&who, tokens[i], sizeof(tokens[i]), h, "tara",
						 "tara-secret-1", "192.0.2.90", 0));
		assert_int_equal(num("SELECT COUNT(*) FROM panel_tokens WHERE uid = 2040"),
				 i < 5 ? i + 1 : 5);
	}
	for (int i = 0; i < 8; i++) {
		if (i < 3)
			assert_error(panel_auth_token(&who, h, tokens[i]), PANEL_EAUTH, NULL);
		else
			assert_panel_ok(panel_auth_token(&who, h, tokens[i]));
	}
	assert_panel_ok(panel_auth_token(&who, h, other));
	assert_int_equal(num("SELECT COUNT(*) FROM panel_tokens WHERE uid = 2041"), 1);
	panel_close(h);
	/* 1 to 1000. */
	assert_error(panel_config_set(cfg, "accounts", "tokens_per_account", "0"), PANEL_EINVALID,
		     "accounts.tokens_per_account");
	assert_error(panel_config_set(cfg, "accounts", "tokens_per_account", "1001"),
		     PANEL_EINVALID, "accounts.tokens_per_account");
	panel_config_free(cfg);
	sqlf("DELETE FROM membres WHERE uid IN (2040, 2041)");
	sqlf("DELETE FROM panel_login_failures");
}

/* An actor that carries its token's hash (a daemon's cached principal): every operation checks
 * the token in its first statement, inline (reads, lists, transactions through
 * panel__authz_actor) or through the gate before any other statement. */
static void token_carried_by_actor(void **state)
{
	panel_principal who;
	panel_account *a = NULL;
	panel_account_list *list = NULL;
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_db_rows *rows = NULL;
	char token[PANEL_TOKEN_MAX], hash[65];
	panel_actor me = panel_actor_member(2031), plain = panel_actor_member(2031), bad;

	(void)state;
	add_account(2031, "judy", "judy-secret-1", 0, 1);
	assert_int_equal(login(&who, token, "judy", "judy-secret-1", "192.0.2.71"), 0);
	sha256_hex(hash, token);
	me.token_hash = hash;

	assert_panel_ok(panel_account_get(&a, p, &me, "judy"));
	assert_string_equal(a->login, "judy");
	panel_account_free(a);
	a = NULL;
	assert_panel_ok(panel_account_list_get(&list, p, &me, NULL));
	assert_int_equal(list->count, 1);
	panel_account_list_free(list);
	list = NULL;
	assert_error(panel_account_get(&a, p, &me, "alice"), PANEL_ENOTFOUND, "login");

	/* last_used: noted once a minute, outside a transaction at once, inside after COMMIT. */
	assert_panel_ok(panel__enter(p, &plain)); /* the test's own statements */
	sqlf(
	    "UPDATE panel_tokens SET last_used = NOW() - INTERVAL 5 MINUTE WHERE token_hash = '%s'",
	    hash);
	assert_panel_ok(panel_account_get(&a, p, &me, "judy"));
	panel_account_free(a);
	a = NULL;
	assert_true(num("SELECT TIMESTAMPDIFF(SECOND, last_used, NOW()) FROM panel_tokens WHERE "
			"token_hash = '%s'",
			hash) <= 5);
	sqlf(
	    "UPDATE panel_tokens SET last_used = NOW() - INTERVAL 5 MINUTE WHERE token_hash = '%s'",
	    hash);
	spec.nom = "Judy";
	assert_panel_ok(panel_account_update(&a, p, &me, "judy", &spec, NULL));
	panel_account_free(a);
	a = NULL;
	assert_true(num("SELECT TIMESTAMPDIFF(SECOND, last_used, NOW()) FROM panel_tokens WHERE "
			"token_hash = '%s'",
			hash) <= 5);

	/* Revoked by anyone: refused by the next operation, whatever it is. */
	sqlf("UPDATE panel_tokens SET revoked = 1 WHERE token_hash = '%s'", hash);
	assert_error(panel_account_get(&a, p, &me, "judy"), PANEL_EAUTH, "credential");
	assert_null(a);
	assert_error(panel_account_get(&a, p, &me, "nosuchlogin"), PANEL_EAUTH, "credential");
	assert_error(panel_account_list_get(&list, p, &me, NULL), PANEL_EAUTH, "credential");
	assert_null(list);
	spec.nom = "Revoked";
	assert_error(panel_account_update(&a, p, &me, "judy", &spec, NULL), PANEL_EAUTH,
		     "credential");
	assert_panel_ok(panel__enter(p, &plain)); /* the test's own statements */
	assert_int_equal(num("SELECT COUNT(*) FROM local WHERE uid = 2031 AND nom = 'Revoked'"), 0);
	/* The gate: no statement at all runs for the operation until the token is checked. */
	assert_panel_ok(panel__enter(p, &me));
	assert_error(panel__db_query(&rows, p->db, "SELECT 1", DB_NOARGS), PANEL_EAUTH,
		     "credential");
	assert_error(panel__db_query(&rows, p->db, "SELECT 1", DB_NOARGS), PANEL_EAUTH,
		     "credential");
	assert_panel_ok(panel__enter(p, &plain)); /* an actor vouched for by its caller */
	assert_panel_ok(panel__db_query(&rows, p->db, "SELECT 1", DB_NOARGS));
	panel__db_rows_free(rows);
	sqlf("UPDATE panel_tokens SET revoked = 0 WHERE token_hash = '%s'", hash);
	assert_panel_ok(panel__enter(p, &me));
	assert_panel_ok(panel__db_query(&rows, p->db, "SELECT 1", DB_NOARGS));
	panel__db_rows_free(rows);

	/* Expired, locked, or no longer what the actor says: refused. */
	sqlf("UPDATE panel_tokens SET expires = NOW() - INTERVAL 1 SECOND WHERE token_hash = '%s'",
	     hash);
	assert_error(panel_account_get(&a, p, &me, "judy"), PANEL_EAUTH, "credential");
	assert_panel_ok(panel__enter(p, &plain)); /* the test's own statements */
	sqlf("UPDATE panel_tokens SET expires = NOW() + INTERVAL 1 HOUR WHERE token_hash = '%s'",
	     hash);
	sqlf("UPDATE membres SET enabled = 0 WHERE uid = 2031");
	assert_error(panel_account_get(&a, p, &me, "judy"), PANEL_EAUTH, "credential");
	assert_panel_ok(panel__enter(p, &plain)); /* the test's own statements */
	sqlf("UPDATE membres SET enabled = 1 WHERE uid = 2031");
	sqlf("UPDATE membres SET su = 1 WHERE uid = 2031");
	assert_error(panel_account_get(&a, p, &me, "judy"), PANEL_EAUTH, "credential");
	bad = panel_actor_admin(2031);
	bad.token_hash = hash;
	assert_panel_ok(panel_account_get(&a, p, &bad, "judy"));
	panel_account_free(a);
	a = NULL;
	sqlf("UPDATE membres SET su = 0 WHERE uid = 2031");
	assert_error(panel_account_get(&a, p, &bad, "judy"), PANEL_EAUTH, "credential");
	/* Another account's token, a malformed hash, the system with a token. */
	bad = panel_actor_member(ALICE);
	bad.token_hash = hash;
	assert_error(panel_account_get(&a, p, &bad, "alice"), PANEL_EAUTH, "credential");
	bad.token_hash = "not a hash";
	assert_error(panel_account_get(&a, p, &bad, "alice"), PANEL_EINVALID, "actor");
	bad = panel_actor_system();
	bad.token_hash = hash;
	assert_error(panel_account_get(&a, p, &bad, "alice"), PANEL_EINVALID, "actor");
	assert_panel_ok(panel_account_get(&a, p, &me, "judy"));
	panel_account_free(a);
	sqlf("DELETE FROM membres WHERE uid = 2031");
	sqlf("DELETE FROM panel_login_failures");
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
	    cmocka_unit_test(concurrent_first_logins_all_succeed),
	    cmocka_unit_test(throttling_per_login),
	    cmocka_unit_test(throttling_per_pair),
	    cmocka_unit_test(throttling_per_address),
	    cmocka_unit_test(success_clears_the_login_not_the_address),
	    cmocka_unit_test(parallel_guesses_are_counted),
	    cmocka_unit_test(delayed_attempts_are_bounded),
	    cmocka_unit_test(token_checks),
	    cmocka_unit_test(token_carried_by_actor),
	    cmocka_unit_test(tokens_per_account_are_capped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
