/* Fuzz target: dbproxy's packet framing. Feeds a byte stream, cut into pieces, to
 * dp_pktscan_feed (with zero-copy skips), and every framed packet to the OK/EOF/ERR parsers. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_mysql.h"

struct scan_state {
	uint32_t head_cap;
	uint64_t fed;	  /* stream bytes consumed so far (fed or skipped) */
	uint64_t packets; /* packets seen */
	uint64_t last_end;
};

static int on_packet(void *ctx, const dp_pkt *p)
{
	struct scan_state *st = ctx;
	uint16_t status, code;
	uint64_t v;
	int null;
	char msg[64], db[16];

	/* What every caller relies on: the head is within the payload and the capture buffer,
	 * packets follow each other in stream order. */
	assert(p->head_len <= st->head_cap && p->head_len <= p->len);
	assert(p->end >= p->start + 4 + p->len && p->start >= st->last_end);
	st->last_end = p->end;
	st->packets++;
	dp_ok_status(p->head, p->head_len, &status);
	dp_eof_status(p->head, p->head_len, &status);
	dp_err_parse(p->head, p->head_len, &code, msg, sizeof(msg));
	dp_ok_schema(p->head, p->head_len, DP_CLIENT_SESSION_TRACK | DP_CLIENT_PROTOCOL_41, db,
		     sizeof(db));
	if (p->head_len > 1)
		dp_lenenc(p->head + 1, p->head_len - 1, &v, &null);
	/* Stop now and then, as a session does when it must act on a packet. */
	return p->head_len > 0 && p->head[0] == 0xFB;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t head[4096];
	struct scan_state st = {0};
	dp_pktscan sc;
	size_t piece, off = 0;
	int skip;

	if (size < 2)
		return 0;
	/* First byte: the size of the pieces the stream arrives in (as recv would cut it),
	 * second: the head capture size and whether skippable bytes are relayed unseen. */
	piece = (size_t)data[0] * 3 + 1;
	st.head_cap = (uint32_t)(data[1] & 0x7f) * 32;
	skip = data[1] & 0x80;
	data += 2;
	size -= 2;
	dp_pktscan_init(&sc, head, st.head_cap);
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece, used;
		uint64_t can = dp_pktscan_skippable(&sc);
		if (skip && can) {
			size_t k = can < n ? (size_t)can : n;
			dp_pktscan_skip(&sc, k);
			off += k;
			st.fed += k;
			continue;
		}
		used = dp_pktscan_feed(&sc, data + off, n, on_packet, &st);
		assert(used <= n);
		off += used;
		st.fed += used;
	}
	if (dp_pktscan_at_boundary(&sc))
		assert(dp_pktscan_skippable(&sc) == 0);
	return 0;
}
