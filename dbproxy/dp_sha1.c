/* SHA-1 (FIPS 180-4), needed only for mysql_native_password, whose scramble is defined with
 * it; libsodium, our crypto library, does not offer SHA-1. */
#include <string.h>

#include "dp_sha1.h"

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(dp_sha1_ctx *s, const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e;
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5A827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ED9EBA1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
		else
			f = b ^ c ^ d, k = 0xCA62C1D6;
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

void dp_sha1_init(dp_sha1_ctx *s)
{
	static const uint32_t iv[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
	memcpy(s->h, iv, sizeof(iv));
	s->length = 0;
	s->used = 0;
}

void dp_sha1_update(dp_sha1_ctx *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	s->length += len;
	while (len > 0) {
		size_t n = 64 - s->used;
		if (n > len)
			n = len;
		memcpy(s->block + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == 64) {
			sha1_block(s, s->block);
			s->used = 0;
		}
	}
}

void dp_sha1_final(dp_sha1_ctx *s, uint8_t out[DP_SHA1_LEN])
{
	uint64_t bits = s->length * 8;
	uint8_t pad = 0x80, zero = 0, len[8];
	dp_sha1_update(s, &pad, 1);
	while (s->used != 56)
		dp_sha1_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	dp_sha1_update(s, len, 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	memset(s, 0, sizeof(*s));
}

void dp_sha1(const void *data, size_t len, uint8_t out[DP_SHA1_LEN])
{
	dp_sha1_ctx s;
	dp_sha1_init(&s);
	dp_sha1_update(&s, data, len);
	dp_sha1_final(&s, out);
}
