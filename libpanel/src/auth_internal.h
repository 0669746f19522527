/* Helpers of the authentication module shared by auth.c, apikey.c, idempotency.c and
 * throttle.c: random secrets and their hashes, shape checks, address parsing. */
#ifndef PANEL_SRC_AUTH_INTERNAL_H
#define PANEL_SRC_AUTH_INTERNAL_H

#include <stddef.h>

#include "db/db.h"

/* A new secret: prefix ("pt_", "pk_") + base64url of 32 random bytes. */
int panel__auth_secret_new(char *out, size_t outsz, const char *prefix);

/* SHA-256 hex of a secret: what the database stores. */
void panel__auth_secret_hash(char hex[65], const char *secret);

/* 1 when secret has the shape of one made by panel__auth_secret_new with prefix. */
int panel__auth_secret_wellformed(const char *secret, const char *prefix);

/* The one row a bearer secret (a token, an application key) names: checks its shape against
 * prefix, hashes it, runs sql with the hash as its only parameter, and wipes the hash. 0 with
 * *rows holding exactly one row (free it), or PANEL_EAUTH with refusal as the message. */
int panel__auth_secret_lookup(panel_db_rows **rows, panel_db *db, const char *secret,
			      const char *prefix, const char *sql, const char *refusal);

/* Records that the secret of row id was used: sql updates last_used, at most once a minute
 * (the caller's query says so). Best effort: a failure leaves the last error as it was. */
void panel__auth_secret_touch(panel_db *db, const char *sql, uint64_t id);

/* The number of UTF-8 characters of s, or -1 when it is not valid UTF-8. */
long panel__auth_utf8_chars(const char *s);

/* Parses an IPv4 or IPv6 address (IPv4-mapped IPv6 counts as IPv4) into addr. 0 or -1. */
int panel__auth_parse_ip(unsigned char addr[16], int *family, const char *ip);

#endif
