/* Throttling of password guesses per key (a login, a mail address) and per client address, in
 * panel_login_failures, so that every daemon instance sees the same counters. */
#ifndef PANEL_SRC_THROTTLE_H
#define PANEL_SRC_THROTTLE_H

#include <stddef.h>

#include "db/db.h"

/* Inside a transaction of its own, before the password is checked: PANEL_ELIMIT (with the
 * seconds to wait) when a key is locked, else counts this attempt as a failure of every key.
 * Counting first means a burst of parallel guesses sees each other's attempts; a success gives
 * the charge back (panel__throttle_success). After 5 failures within 15 minutes a key is locked
 * for min(2^(n-5), 900) seconds from its last failure. */
int panel__throttle_charge(panel_db *db, const char *const *keys, size_t nkeys);

/* After a success: forgets key's failures, and gives back the charge of ip_key (may be NULL),
 * whose real failures stay. */
int panel__throttle_success(panel_db *db, const char *key, const char *ip_key);

/* The address as stored (lastip...) and its throttling key "ip:<address>", IPv6 clients counted
 * per /64 (the block a subscriber usually gets). Both "" when ip is NULL or "". */
int panel__throttle_address(char *ip_text, size_t ip_textsz, char *key, size_t keysz,
			    const char *ip);

#endif
