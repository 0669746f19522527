/* Fuzz target: dbproxy's handshake parsing. Feeds one packet payload to dp_parse_greeting,
 * dp_parse_handshake_resp, dp_parse_change_user and dp_native_hash_parse, and checks that a
 * parsed handshake response rebuilt by dp_build_handshake_resp parses back the same. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_mysql.h"

/* The capabilities a MariaDB 10.11 server announces (without SSL and compression). */
#define SERVER_CAPS 0xa1fff7feu

static void round_trip(const dp_handshake_resp *h)
{
	uint8_t buf[1024];
	dp_handshake_resp back;
	size_t n = dp_build_handshake_resp(buf, sizeof(buf), 1, h);

	if (n == 0)
		return; /* too long to rebuild: dbproxy refuses to move such a session */
	assert(n >= 4 && (size_t)(buf[0] | buf[1] << 8 | buf[2] << 16) == n - 4 && buf[3] == 1);
	assert(dp_parse_handshake_resp(&back, buf + 4, n - 4, 0xffffffffu) == 0);
	assert(!back.is_ssl_request);
	assert(strcmp(back.user, h->user) == 0 && strcmp(back.db, h->db) == 0);
	assert(strcmp(back.plugin, h->plugin) == 0 && back.charset == h->charset);
	assert(back.auth_len == h->auth_len && memcmp(back.auth, h->auth, h->auth_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t stage2[DP_SCRAMBLE_LEN], stage1[DP_SCRAMBLE_LEN];
	dp_greeting g;
	dp_handshake_resp h;
	uint32_t caps = SERVER_CAPS;
	char hex[64];

	if (dp_parse_greeting(&g, data, size) == 0) {
		assert(g.scramble_len <= DP_SCRAMBLE_LEN);
		assert(memchr(g.version, 0, sizeof(g.version)) &&
		       memchr(g.plugin, 0, sizeof(g.plugin)));
	}
	if (dp_parse_handshake_resp(&h, data, size, SERVER_CAPS) == 0 && !h.is_ssl_request) {
		caps = h.caps & SERVER_CAPS;
		round_trip(&h);
	}
	if (dp_parse_handshake_resp(&h, data, size, 0xffffffffu) == 0 && !h.is_ssl_request)
		round_trip(&h);
	/* COM_CHANGE_USER: the body after the command byte, with the session's capabilities. */
	if (size > 0 && data[0] == DP_COM_CHANGE_USER) {
		dp_parse_change_user(&h, data + 1, size - 1, caps);
		dp_parse_change_user(&h, data + 1, size - 1, caps ^ DP_CLIENT_SECURE_CONNECTION);
	} else {
		dp_parse_change_user(&h, data, size, caps);
	}
	assert(h.auth_len <= sizeof(h.auth));
	/* The "*HEX" hashes of mysql.user, and recovering a password hash from a response. */
	if (size < sizeof(hex)) {
		memcpy(hex, data, size);
		hex[size] = '\0';
		if (dp_native_hash_parse(stage2, hex) == 0 && size >= 2 * DP_SCRAMBLE_LEN)
			dp_native_recover(stage1, data, data + size - DP_SCRAMBLE_LEN, stage2);
	}
	return 0;
}
