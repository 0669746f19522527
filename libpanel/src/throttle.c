/* Throttling of password guesses (panel_login_failures): each attempt is charged before the
 * password is checked and given back on success; see throttle.h for the three counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth_internal.h"
#include "error.h"
#include "throttle.h"

#define PAIR_FREE	  5
#define IP_FREE		  20
#define SUBJECT_FREE	  5
#define THROTTLE_WINDOW	  900
#define THROTTLE_MAX_LOCK 900
#define SUBJECT_MAX_DELAY 2

/* The lock of a refusing key after failures within the window: 2^(failures - free) s. */
static unsigned long lock_seconds(uint64_t failures, uint64_t free_failures)
{
	if (failures < free_failures)
		return 0;
	if (failures - free_failures >= 10)
		return THROTTLE_MAX_LOCK;
	unsigned long s = 1ul << (failures - free_failures);
	return s < THROTTLE_MAX_LOCK ? s : THROTTLE_MAX_LOCK;
}

/* prefix + text, or prefix + "#" + the SHA-256 of text when that would not fit the column (a
 * long mail address). */
static void make_key(char out[PANEL__THROTTLE_KEY_MAX + 1], const char *prefix, const char *text)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	size_t plen = strlen(prefix), tlen = strlen(text);

	if (plen + tlen <= PANEL__THROTTLE_KEY_MAX) {
		memcpy(out, prefix, plen);
		memcpy(out + plen, text, tlen + 1);
		return;
	}
	crypto_hash_sha256(h, (const unsigned char *)text, tlen);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, PANEL__THROTTLE_KEY_MAX + 1, "%s#%s", prefix, hex);
}

int panel__throttle_init(panel__throttle *t, const char *subject, const char *ip_key)
{
	char prefix[96];

	memset(t, 0, sizeof(*t));
	if (ip_key && strlen(ip_key) > 64)
		return panel__error(PANEL_EINVALID, NULL, "throttling key too long");
	make_key(t->subject, "", subject);
	if (!ip_key || !*ip_key)
		return 0;
	snprintf(t->ip, sizeof(t->ip), "%s", ip_key);
	snprintf(prefix, sizeof(prefix), "pair:%s|", ip_key);
	make_key(t->pair, prefix, subject);
	return 0;
}

/* The row of key, created if needed and locked: failures within the window, seconds since the
 * last one. */
static int load_key(uint64_t *failures, long long *age, panel_db *db, const char *key)
{
	panel_db_rows *rows;
	int error;

	*failures = 0;
	*age = 0;
	/* Created before being locked: a locking read of a missing row takes gap locks, and
	 * concurrent inserts into those gaps deadlock. */
	if ((error = panel__db_exec(NULL, db,
				    "INSERT INTO panel_login_failures (scope_key, failures,"
				    " first_failure, last_failure) VALUES (?, 0, NOW(), NOW())"
				    " ON DUPLICATE KEY UPDATE scope_key = scope_key",
				    DB_ARGS(DB_STR(key)))) < 0)
		return error;
	if ((error = panel__db_query(&rows, db,
				     "SELECT IF(last_failure < NOW() - INTERVAL ? SECOND, 0,"
				     " failures), TIMESTAMPDIFF(SECOND, last_failure, NOW())"
				     " FROM panel_login_failures WHERE scope_key = ? FOR UPDATE",
				     DB_ARGS(DB_U64(THROTTLE_WINDOW), DB_STR(key)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 1 && panel__db_cell_u64(failures, rows, 0, 0) == 0) {
		const char *agetext = panel__db_cell(rows, 0, 1);
		*age = agetext ? strtoll(agetext, NULL, 10) : 0;
		if (*age < 0)
			*age = 0;
	}
	panel__db_rows_free(rows);
	return 0;
}

/* Seconds key still has to wait, 0 when it may try. */
static int refusing_key(unsigned long *wait, panel_db *db, const char *key, uint64_t free_failures)
{
	uint64_t failures;
	long long age;
	unsigned long lock;
	int error;

	if (!*key)
		return 0;
	if ((error = load_key(&failures, &age, db, key)) < 0)
		return error;
	lock = lock_seconds(failures, free_failures);
	/* Dates are whole seconds: "<=" makes the lock last at least its announced length. */
	if (lock && (unsigned long long)age <= lock && lock - (unsigned long)age + 1 > *wait)
		*wait = lock - (unsigned long)age + 1;
	return 0;
}

static int count_failure(panel_db *db, const char *key)
{
	if (!*key)
		return 0;
	/* last_failure is assigned last: the IFs see its old value. */
	return panel__db_exec(
	    NULL, db,
	    "UPDATE panel_login_failures SET"
	    " failures = IF(last_failure < NOW() - INTERVAL ? SECOND, 1, failures + 1),"
	    " first_failure = IF(last_failure < NOW() - INTERVAL ? SECOND, NOW(), first_failure),"
	    " last_failure = NOW() WHERE scope_key = ?",
	    DB_ARGS(DB_U64(THROTTLE_WINDOW), DB_U64(THROTTLE_WINDOW), DB_STR(key)));
}

int panel__throttle_charge(panel_db *db, panel__throttle *t)
{
	unsigned long wait = 0;
	uint64_t failures;
	long long age;
	int error;

	t->delay = 0;
	/* Always in the same order (subject, pair, address): parallel charges do not deadlock. */
	if ((error = load_key(&failures, &age, db, t->subject)) < 0 ||
	    (error = refusing_key(&wait, db, t->pair, PAIR_FREE)) < 0 ||
	    (error = refusing_key(&wait, db, t->ip, IP_FREE)) < 0)
		return error;
	if (wait)
		return panel__error(PANEL_ELIMIT, NULL,
				    "too many failed attempts: try again in %lu seconds", wait);
	if (failures >= SUBJECT_FREE)
		t->delay = failures - SUBJECT_FREE + 1 < SUBJECT_MAX_DELAY
			       ? (unsigned)(failures - SUBJECT_FREE + 1)
			       : SUBJECT_MAX_DELAY;
	if ((error = count_failure(db, t->subject)) < 0 || (error = count_failure(db, t->pair)) < 0)
		return error;
	return count_failure(db, t->ip);
}

/* Attempts waiting out their delay at once in this process. Each holds its thread (a worker of
 * panel-api): unbounded, a dozen attempts on a guessed login from as many addresses held every
 * worker for seconds, health checks included. Past the bound an attempt is refused as the
 * locks are, to try again after the delay. */
#define DELAYED_AT_ONCE 2
static atomic_int delayed;

/* An attempt refused before its password was looked at is no failure: its charge is given
 * back on every key. Counted, the owner's own attempts refused while others' guesses held the
 * slots locked the owner out after the guessing stopped (found by a review). */
static int refund_body(panel_db *db, void *arg)
{
	const panel__throttle *t = arg;

	return panel__db_exec(NULL, db,
			      "UPDATE panel_login_failures SET failures = failures - 1"
			      " WHERE scope_key IN (?, ?, ?) AND failures > 0",
			      DB_ARGS(DB_STR(t->subject), DB_STR(t->pair), DB_STR(t->ip)));
}

int panel__throttle_wait(panel_db *db, panel__throttle *t)
{
	struct timespec ts = {(time_t)t->delay, 0};

	if (!t->delay)
		return 0;
	if (atomic_fetch_add(&delayed, 1) >= DELAYED_AT_ONCE) {
		atomic_fetch_sub(&delayed, 1);
		panel__db_transaction(db, refund_body, t);
		return panel__error(PANEL_ELIMIT, NULL,
				    "too many failed attempts: try again in %u seconds", t->delay);
	}
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	atomic_fetch_sub(&delayed, 1);
	return 0;
}

int panel__throttle_success(panel_db *db, const panel__throttle *t)
{
	int error;

	if ((error = panel__db_exec(NULL, db,
				    "DELETE FROM panel_login_failures WHERE scope_key IN (?, ?)",
				    DB_ARGS(DB_STR(t->subject), DB_STR(t->pair)))) < 0)
		return error;
	if (!t->ip[0])
		return 0;
	return panel__db_exec(NULL, db,
			      "UPDATE panel_login_failures SET failures = failures - 1"
			      " WHERE scope_key = ? AND failures > 0",
			      DB_ARGS(DB_STR(t->ip)));
}

int panel__throttle_address(char *ip_text, size_t ip_textsz, char *key, size_t keysz,
			    const char *ip)
{
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	int family;

	ip_text[0] = key[0] = '\0';
	if (!ip || !*ip)
		return 0;
	if (panel__auth_parse_ip(addr, &family, ip) < 0 ||
	    !inet_ntop(family, addr, text, sizeof(text)))
		return panel__error(PANEL_EINVALID, "ip", "not an IPv4 or IPv6 address");
	snprintf(ip_text, ip_textsz, "%s", text);
	if (family == AF_INET6) {
		memset(addr + 8, 0, 8);
		if (!inet_ntop(family, addr, text, sizeof(text)))
			return panel__error(PANEL_EINVALID, "ip", "not an IPv6 address");
		snprintf(key, keysz, "ip:%s/64", text);
	} else {
		snprintf(key, keysz, "ip:%s", text);
	}
	return 0;
}
