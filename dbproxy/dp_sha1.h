/* SHA-1 (FIPS 180-4), needed only for mysql_native_password, whose scramble is defined with
 * it; libsodium, our crypto library, does not offer SHA-1. */
#ifndef DP_SHA1_H
#define DP_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define DP_SHA1_LEN 20

typedef struct dp_sha1 {
	uint32_t h[5];
	uint64_t length; /* bytes hashed so far */
	uint8_t block[64];
	size_t used;
} dp_sha1_ctx;

void dp_sha1_init(dp_sha1_ctx *s);
void dp_sha1_update(dp_sha1_ctx *s, const void *data, size_t len);
void dp_sha1_final(dp_sha1_ctx *s, uint8_t out[DP_SHA1_LEN]);
void dp_sha1(const void *data, size_t len, uint8_t out[DP_SHA1_LEN]);

#endif
