/* Throttling of password guesses (logins, mail self-service, a member's password change) in
 * panel_login_failures, so that every daemon instance sees the same counters. */
#ifndef PANEL_SRC_THROTTLE_H
#define PANEL_SRC_THROTTLE_H

#include <stddef.h>

#include "db/db.h"

#define PANEL__THROTTLE_KEY_MAX 200 /* panel_login_failures.scope_key */

/* Three counters per attempt, so that nobody can lock another person out:
 * - pair "pair:<ip key>|<subject>": one address guessing one login. Refused (PANEL_ELIMIT)
 *   after 5 failures within 15 minutes, for min(2^(n-5), 900) s from its last failure.
 * - address "ip:<address>": one address guessing many logins. Refused the same way after 20.
 * - subject "login:<login>" or "mail:<address>": many addresses guessing one login. Never
 *   refused: after 5 failures every attempt on it waits (delay) before the password is checked,
 *   1 s then 2 s at most, which slows guessing without keeping the owner out. */
typedef struct panel__throttle {
	char subject[PANEL__THROTTLE_KEY_MAX + 1];
	char pair[PANEL__THROTTLE_KEY_MAX + 1]; /* "" without an address */
	char ip[PANEL__THROTTLE_KEY_MAX + 1];	/* "" without an address */
	unsigned delay;				/* seconds, set by panel__throttle_charge */
} panel__throttle;

/* Fills the keys for subject ("login:alice") and the address key of panel__throttle_address
 * ("" when there is no address). */
int panel__throttle_init(panel__throttle *t, const char *subject, const char *ip_key);

/* Inside a transaction of its own, before the password is checked: PANEL_ELIMIT (with the
 * seconds to wait) when the pair or the address is locked, else counts this attempt as a
 * failure of every key and sets t->delay. Counting first means a burst of parallel guesses
 * sees each other's attempts; a success gives the charge back (panel__throttle_success). */
int panel__throttle_charge(panel_db *db, panel__throttle *t);

/* Outside any transaction, after a charge: waits t->delay seconds, or PANEL_ELIMIT (try again
 * after the delay) when two attempts of this process are waiting already; the charge of an
 * attempt so refused is given back (its password was never looked at). */
int panel__throttle_wait(panel_db *db, panel__throttle *t);

/* After a success: forgets the subject's and the pair's failures, and gives back the charge of
 * the address, whose real failures stay. */
int panel__throttle_success(panel_db *db, const panel__throttle *t);

/* The address as stored (lastip...) and its throttling key "ip:<address>", IPv6 clients counted
 * per /64 (the block a subscriber usually gets). Both "" when ip is NULL or "". */
int panel__throttle_address(char *ip_text, size_t ip_textsz, char *key, size_t keysz,
			    const char *ip);

#endif
