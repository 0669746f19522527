/* How members' panel passwords are hashed: the scheme and work factor of [accounts], by
 * default SHA512-crypt, which AlternC 1.0's PHP login (crypt($password, $stored)) verifies. */
#ifndef PANEL_SRC_MEMBER_HASH_H
#define PANEL_SRC_MEMBER_HASH_H

#include "handle.h"
#include "panel/password.h"

/* Hashes a member's new password with the configured scheme ([accounts] password_scheme,
 * sha512_rounds, bcrypt_cost). */
int panel__member_hash(panel *p, char out[PANEL_HASH_MAX], const char *password);

/* 1 when stored is already what panel__member_hash writes (scheme and work factor at least):
 * a successful login rehashes anything else, legacy or not. */
int panel__member_hash_current(panel *p, const char *stored);

#endif
