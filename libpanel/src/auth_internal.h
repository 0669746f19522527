/* Helpers of the authentication module shared by auth.c, apikey.c, idempotency.c and
 * throttle.c: random secrets and their hashes, shape checks, address parsing. */
#ifndef PANEL_SRC_AUTH_INTERNAL_H
#define PANEL_SRC_AUTH_INTERNAL_H

#include <stddef.h>

/* A new secret: prefix ("pt_", "pk_") + base64url of 32 random bytes. */
int panel__auth_secret_new(char *out, size_t outsz, const char *prefix);

/* SHA-256 hex of a secret: what the database stores. */
void panel__auth_secret_hash(char hex[65], const char *secret);

/* 1 when secret has the shape of one made by panel__auth_secret_new with prefix. */
int panel__auth_secret_wellformed(const char *secret, const char *prefix);

/* The number of UTF-8 characters of s, or -1 when it is not valid UTF-8. */
long panel__auth_utf8_chars(const char *s);

/* Parses an IPv4 or IPv6 address (IPv4-mapped IPv6 counts as IPv4) into addr. 0 or -1. */
int panel__auth_parse_ip(unsigned char addr[16], int *family, const char *ip);

#endif
