/* Throttling of password guesses (panel_login_failures): each attempt is charged before the
 * password is checked and given back on success; after the fifth failure within 15 minutes a
 * key waits a time that doubles with each failure. Used by logins and mail self-service. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_internal.h"
#include "error.h"
#include "throttle.h"

#define THROTTLE_FREE	  5
#define THROTTLE_WINDOW	  900
#define THROTTLE_MAX_LOCK 900

static unsigned long lock_seconds(uint64_t failures)
{
	if (failures < THROTTLE_FREE)
		return 0;
	if (failures - THROTTLE_FREE >= 10)
		return THROTTLE_MAX_LOCK;
	unsigned long s = 1ul << (failures - THROTTLE_FREE);
	return s < THROTTLE_MAX_LOCK ? s : THROTTLE_MAX_LOCK;
}

int panel__throttle_charge(panel_db *db, const char *const *keys, size_t nkeys)
{
	unsigned long wait = 0;
	int error;

	for (size_t i = 0; i < nkeys; i++) {
		panel_db_rows *rows;
		uint64_t failures = 0;
		/* Created before being locked: a locking read of a missing row takes gap locks,
		 * and concurrent inserts into those gaps deadlock. */
		if ((error =
			 panel__db_exec(NULL, db,
					"INSERT INTO panel_login_failures (scope_key, failures,"
					" first_failure, last_failure) VALUES (?, 0, NOW(), NOW())"
					" ON DUPLICATE KEY UPDATE scope_key = scope_key",
					DB_ARGS(DB_STR(keys[i])))) < 0)
			return error;
		if ((error = panel__db_query(&rows, db,
					     "SELECT failures, TIMESTAMPDIFF(SECOND, last_failure,"
					     " NOW()) FROM panel_login_failures WHERE scope_key = ?"
					     " FOR UPDATE",
					     DB_ARGS(DB_STR(keys[i])))) < 0)
			return error;
		if (panel__db_rows_count(rows) == 1 &&
		    panel__db_cell_u64(&failures, rows, 0, 0) == 0) {
			const char *agetext = panel__db_cell(rows, 0, 1);
			long long age = agetext ? strtoll(agetext, NULL, 10) : 0;
			unsigned long lock = lock_seconds(failures);
			if (age < 0)
				age = 0;
			/* Dates are whole seconds: "<=" makes the lock last at least its
			 * announced length. */
			if (lock && (unsigned long long)age <= lock &&
			    lock - (unsigned long)age + 1 > wait)
				wait = lock - (unsigned long)age + 1;
		}
		panel__db_rows_free(rows);
	}
	if (wait)
		return panel__error(PANEL_ELIMIT, NULL,
				    "too many failed attempts: try again in %lu seconds", wait);
	for (size_t i = 0; i < nkeys; i++) {
		/* last_failure is assigned last: the IFs see its old value. */
		if ((error = panel__db_exec(
			 NULL, db,
			 "UPDATE panel_login_failures SET"
			 " failures = IF(last_failure < NOW() - INTERVAL ? SECOND, 1, failures + "
			 "1),"
			 " first_failure = IF(last_failure < NOW() - INTERVAL ? SECOND, NOW(),"
			 " first_failure), last_failure = NOW() WHERE scope_key = ?",
			 DB_ARGS(DB_U64(THROTTLE_WINDOW), DB_U64(THROTTLE_WINDOW),
				 DB_STR(keys[i])))) < 0)
			return error;
	}
	return 0;
}

int panel__throttle_success(panel_db *db, const char *key, const char *ip_key)
{
	int error;

	if ((error =
		 panel__db_exec(NULL, db, "DELETE FROM panel_login_failures WHERE scope_key = ?",
				DB_ARGS(DB_STR(key)))) < 0)
		return error;
	if (!ip_key || !*ip_key)
		return 0;
	return panel__db_exec(NULL, db,
			      "UPDATE panel_login_failures SET failures = failures - 1"
			      " WHERE scope_key = ? AND failures > 0",
			      DB_ARGS(DB_STR(ip_key)));
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
