/* Password hashing: argon2id (libsodium) for new panel hashes, crypt(3) schemes the mail and FTP
 * daemons accept, and verification of the legacy hashes AlternC 1.0 stored. */
#ifndef PANEL_PASSWORD_H
#define PANEL_PASSWORD_H

#include "common.h"

typedef enum panel_hash_scheme {
	PANEL_HASH_ARGON2ID = 1,     /* panel accounts ("$argon2id$...", libsodium) */
	PANEL_HASH_SHA512_CRYPT = 2, /* mail boxes and FTP: "$6$...", read by dovecot and proftpd */
} panel_hash_scheme;

/* Large enough for every hash this library writes. */
#define PANEL_HASH_MAX 256

/* Hashes password into out (NUL-terminated). PANEL_EINVALID for an empty password. */
PANEL_EXTERN int panel_password_hash(char *out, size_t outsz, const char *password,
				     panel_hash_scheme scheme);

/* 0 when password matches stored, PANEL_EAUTH when it does not, PANEL_EINVALID when stored is
 * no hash this library knows. On a match *needs_upgrade (if not NULL) is set to 1 when the
 * stored hash is a legacy scheme (MD5-crypt, DES, ...) or weaker argon2id parameters, and the
 * caller should store panel_password_hash(..., PANEL_HASH_ARGON2ID) instead. */
PANEL_EXTERN int panel_password_verify(const char *stored, const char *password,
				       int *needs_upgrade);

#endif
