/* Password hashing: crypt(3) schemes that AlternC 1.0's PHP login and the mail and FTP daemons
 * verify (SHA512-crypt, bcrypt), argon2id (libsodium) for hosts that log in through the API
 * only, and verification of the legacy hashes AlternC 1.0 stored. */
#ifndef PANEL_PASSWORD_H
#define PANEL_PASSWORD_H

#include "common.h"

typedef enum panel_hash_scheme {
	PANEL_HASH_ARGON2ID = 1, /* "$argon2id$...", libsodium; PHP's crypt() cannot verify it */
	PANEL_HASH_SHA512_CRYPT = 2, /* "$6$...": PHP crypt(), dovecot, Courier, proftpd */
	PANEL_HASH_BCRYPT = 3,	     /* "$2y$...": PHP crypt(), dovecot */
} panel_hash_scheme;

/* Large enough for every hash this library writes. */
#define PANEL_HASH_MAX 256

/* Hashes password into out (NUL-terminated). PANEL_EINVALID for an empty password. */
PANEL_EXTERN int panel_password_hash(char *out, size_t outsz, const char *password,
				     panel_hash_scheme scheme);

/* The same with a work factor: SHA512-crypt rounds (5000 to 5000000; 0 for crypt's default,
 * 5000), or the bcrypt cost (4 to 31; 0 for 11). Ignored for argon2id. */
PANEL_EXTERN int panel_password_hash_cost(char *out, size_t outsz, const char *password,
					  panel_hash_scheme scheme, unsigned long cost);

/* 1 when stored (with or without a "{SCHEME}" tag) is a hash of scheme with at least that work
 * factor (cost as above; 0 accepts any), 0 otherwise: a login rehashes what is not. */
PANEL_EXTERN int panel_password_is_current(const char *stored, panel_hash_scheme scheme,
					   unsigned long cost);

/* 0 when password matches stored, PANEL_EAUTH when it does not, PANEL_EINVALID when stored is
 * no hash this library knows. On a match *needs_upgrade (if not NULL) is set to 1 when the
 * stored hash is a legacy scheme (MD5-crypt, DES, ...) or weaker argon2id parameters, and the
 * caller should store a new hash of its current scheme instead. */
PANEL_EXTERN int panel_password_verify(const char *stored, const char *password,
				       int *needs_upgrade);

/* 1 when stored (with or without a "{SCHEME}" tag) is a hash AlternC 1.0 or this library may
 * have written and panel_password_verify can check: MD5-crypt "$1$", traditional DES (13
 * characters), SHA-crypt "$5$"/"$6$", bcrypt "$2a$"/"$2b$"/"$2y$" (libxcrypt's
 * crypt_checksalt), argon2id. Imports of 1.0's accounts and boxes take such hashes as they
 * are. */
PANEL_EXTERN int panel_password_hash_known(const char *stored);

#endif
