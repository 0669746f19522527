/* Fuzz target: dbproxy's session tracker (transaction tracking). Replays a two-way MySQL
 * conversation, as records of [control][length][bytes], through dp_track_c2s / dp_track_s2c,
 * with zero-copy skips and rebases, so the greeting, handshake, auth switch, change user,
 * command/response parsers and the query classifier all run; checks the tracker's bounds after
 * every record. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_track.h"

enum { OP_FEED, OP_SKIP, OP_BYTES, OP_REBASE };

static void feed(dp_track *t, int s2c, const uint8_t *p, size_t n)
{
	if (s2c)
		dp_track_s2c(t, p, n);
	else
		dp_track_c2s(t, p, n);
}

static void check(const dp_track *t)
{
	assert(t->qlen <= DP_TRACK_QMAX && t->qhead < DP_TRACK_QMAX);
	assert(t->nsets <= DP_TRACK_MAX_SETS);
	assert(memchr(t->login.user, 0, sizeof(t->login.user)) && memchr(t->db, 0, sizeof(t->db)));
	assert(memchr(t->login.auth_plugin, 0, sizeof(t->login.auth_plugin)));
	for (unsigned i = 0; i < t->nsets; i++)
		assert(t->sets[i] && strlen(t->sets[i]) <= DP_TRACK_MAX_SET_LEN);
	(void)dp_track_idle(t);
	(void)dp_track_in_trans(t);
	(void)dp_track_first_pending(t);
	assert(dp_track_pin_reason(t->pins) != NULL);
	/* The set of open statement ids: at most half full, and holding exactly `prepared`. */
	assert(t->prepared <= DP_TRACK_MAX_STMTS && 2 * t->prepared <= t->stmt_slots);
	unsigned open = 0;
	for (unsigned i = 0; i < t->stmt_slots; i++)
		open += t->stmt_ids[i] != 0;
	assert(open == t->prepared);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dp_track t;
	size_t off = 0;

	dp_track_init(&t);
	while (off + 2 <= size) {
		uint8_t ctl = data[off];
		size_t n = data[off + 1];
		int s2c = ctl & 1, op = (ctl >> 1) & 3;
		const uint8_t *p = data + off + 2;

		off += 2;
		if (n > size - off)
			n = size - off;
		off += n;
		switch (op) {
		case OP_SKIP: {
			/* Bytes relayed unseen (splice): only what the tracker says it can miss. */
			uint64_t can =
			    s2c ? dp_track_s2c_skippable(&t) : dp_track_c2s_skippable(&t);
			size_t k = can < n ? (size_t)can : n;
			if (s2c)
				dp_track_s2c_skip(&t, k);
			else
				dp_track_c2s_skip(&t, k);
			feed(&t, s2c, p + k, n - k);
			break;
		}
		case OP_BYTES:
			for (size_t i = 0; i < n; i++)
				feed(&t, s2c, p + i, 1);
			break;
		case OP_REBASE: {
			/* The session moved to another server (only ever done when idle). */
			uint8_t b[10] = {0};
			memcpy(b, p, n < sizeof(b) ? n : sizeof(b));
			if (dp_track_idle(&t))
				dp_track_rebase(&t, (uint32_t)(b[0] | b[1] << 8 | b[2] << 16),
						(uint32_t)b[4] | (uint32_t)b[5] << 8 |
						    (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24,
						(uint16_t)(b[8] | b[9] << 8));
			break;
		}
		default:
			feed(&t, s2c, p, n);
			break;
		}
		check(&t);
	}
	dp_track_clear(&t);
	return 0;
}
