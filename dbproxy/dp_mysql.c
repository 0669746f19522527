/* MySQL/MariaDB wire protocol pieces dbproxy needs: an incremental packet scanner, the
 * greeting and handshake response, OK/EOF/ERR status flags, ERR packets of our own, and the
 * mysql_native_password arithmetic used to move sessions without passwords. */
#include <stdio.h>
#include <string.h>

#include "dp_mysql.h"
#include "dp_sha1.h"

/* ---------------------------------------------------------------- scanner */

void dp_pktscan_init(dp_pktscan *s, uint8_t *head, uint32_t head_cap)
{
	memset(s, 0, sizeof(*s));
	s->head = head;
	s->head_cap = head_cap;
}

int dp_pktscan_at_boundary(const dp_pktscan *s)
{
	return s->hdr_have == 0 && s->left == 0 && !s->continuing;
}

uint64_t dp_pktscan_skippable(const dp_pktscan *s)
{
	if (s->hdr_have != 0 || s->left <= 1 || s->head_len < s->head_cap)
		return 0;
	return s->left - 1;
}

void dp_pktscan_skip(dp_pktscan *s, uint64_t n)
{
	s->left -= (uint32_t)n;
	s->total += n;
	s->pos += n;
}

static int chunk_done(dp_pktscan *s, uint64_t end, dp_pkt_fn *fn, void *ctx)
{
	if (s->chunk_len == DP_MAX_CHUNK) {
		s->continuing = 1; /* more chunks of the same logical packet follow */
		return 0;
	}
	s->continuing = 0;
	dp_pkt pkt = {.head = s->head,
		      .head_len = s->head_len,
		      .len = s->total,
		      .seq = s->first_seq,
		      .last_seq = s->cur_seq,
		      .start = s->pkt_start,
		      .end = end};
	return fn(ctx, &pkt);
}

size_t dp_pktscan_feed(dp_pktscan *s, const uint8_t *data, size_t n, dp_pkt_fn *fn, void *ctx)
{
	size_t i = 0;
	while (i < n) {
		if (s->left == 0 && s->hdr_have < 4) {
			if (s->hdr_have == 0 && !s->continuing)
				s->pkt_start = s->pos + i;
			size_t take = 4 - s->hdr_have;
			if (take > n - i)
				take = n - i;
			memcpy(s->hdr + s->hdr_have, data + i, take);
			s->hdr_have = (uint8_t)(s->hdr_have + take);
			i += take;
			if (s->hdr_have < 4)
				break;
			s->chunk_len = (uint32_t)s->hdr[0] | (uint32_t)s->hdr[1] << 8 |
				       (uint32_t)s->hdr[2] << 16;
			s->cur_seq = s->hdr[3];
			s->left = s->chunk_len;
			s->hdr_have = 0;
			if (!s->continuing) {
				s->first_seq = s->cur_seq;
				s->total = 0;
				s->head_len = 0;
			}
			if (s->left == 0 && chunk_done(s, s->pos + i, fn, ctx)) {
				s->pos += i;
				return i;
			}
			continue;
		}
		size_t take = s->left;
		if (take > n - i)
			take = n - i;
		if (s->head_len < s->head_cap) {
			size_t cap = s->head_cap - s->head_len;
			memcpy(s->head + s->head_len, data + i, take < cap ? take : cap);
			s->head_len += (uint32_t)(take < cap ? take : cap);
		}
		s->left -= (uint32_t)take;
		s->total += take;
		i += take;
		if (s->left == 0 && chunk_done(s, s->pos + i, fn, ctx)) {
			s->pos += i;
			return i;
		}
	}
	s->pos += i;
	return i;
}

/* ---------------------------------------------------------------- field helpers */

size_t dp_lenenc(const uint8_t *p, size_t avail, uint64_t *out, int *null)
{
	if (null)
		*null = 0;
	if (avail < 1)
		return 0;
	if (p[0] < 0xFB) {
		*out = p[0];
		return 1;
	}
	if (p[0] == 0xFB) {
		*out = 0;
		if (null)
			*null = 1;
		return 1;
	}
	size_t n = p[0] == 0xFC ? 2 : p[0] == 0xFD ? 3 : p[0] == 0xFE ? 8 : 0;
	if (n == 0 || avail < 1 + n)
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[1 + i] << (8 * i);
	*out = v;
	return 1 + n;
}

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* Copies a NUL-terminated string starting at p[*off] (or up to len) into dst; moves *off past
 * the NUL. -1 when dst is too small. */
static int take_cstr(const uint8_t *p, size_t len, size_t *off, char *dst, size_t dstsz)
{
	size_t start = *off, end = start;
	while (end < len && p[end])
		end++;
	if (end - start >= dstsz)
		return -1;
	memcpy(dst, p + start, end - start);
	dst[end - start] = 0;
	*off = end < len ? end + 1 : end;
	return 0;
}

/* ---------------------------------------------------------------- handshake */

int dp_parse_greeting(dp_greeting *g, const uint8_t *p, size_t len)
{
	size_t off = 1;
	memset(g, 0, sizeof(*g));
	if (len < 1)
		return -1;
	g->protocol = p[0];
	if (g->protocol != 10)
		return -1;
	if (take_cstr(p, len, &off, g->version, sizeof(g->version)) < 0)
		return -1;
	if (off + 4 + 8 + 1 + 2 > len)
		return -1;
	g->conn_id = dp_le32(p + off);
	off += 4;
	memcpy(g->scramble, p + off, 8);
	g->scramble_len = 8;
	off += 9;
	g->caps = u16(p + off);
	off += 2;
	if (off + 1 + 2 + 2 + 1 + 10 > len)
		return 0; /* an old server: no more fields */
	g->charset = p[off];
	g->status = u16(p + off + 1);
	g->caps |= (uint32_t)u16(p + off + 3) << 16;
	uint8_t auth_len = p[off + 5];
	off += 6;
	if (!(g->caps & DP_CLIENT_MYSQL))
		g->ext_caps = dp_le32(p + off + 6);
	off += 10;
	if (g->caps & DP_CLIENT_SECURE_CONNECTION) {
		size_t part2 = auth_len > 8 ? (size_t)auth_len - 8 : 13;
		if (part2 < 13)
			part2 = 13;
		if (off + part2 > len)
			part2 = len - off;
		/* part2 carries 12 scramble bytes and a trailing NUL */
		size_t copy = part2 > 12 ? 12 : part2;
		memcpy(g->scramble + 8, p + off, copy);
		g->scramble_len = (uint8_t)(8 + copy);
		off += part2;
	}
	if ((g->caps & DP_CLIENT_PLUGIN_AUTH) && off < len) {
		if (take_cstr(p, len, &off, g->plugin, sizeof(g->plugin)) < 0)
			g->plugin[0] = 0;
	}
	return 0;
}

/* The login fields that a handshake response (from offset 32) and COM_CHANGE_USER's body share:
 * user, auth data, schema, plugin. COM_CHANGE_USER always carries the schema, never a
 * length-encoded auth length, and has a 2-byte charset between the schema and the plugin. */
static int parse_login(dp_handshake_resp *h, const uint8_t *p, size_t len, size_t off,
		       uint32_t caps, int change_user)
{
	uint64_t alen = 0;
	if (change_user)
		caps = (caps & ~DP_CLIENT_PLUGIN_AUTH_LENENC) | DP_CLIENT_CONNECT_WITH_DB;
	if (take_cstr(p, len, &off, h->user, sizeof(h->user)) < 0)
		return -1;
	if (caps & DP_CLIENT_PLUGIN_AUTH_LENENC) {
		size_t n = dp_lenenc(p + off, len - off, &alen, NULL);
		if (n == 0)
			return -1;
		off += n;
	} else if (caps & DP_CLIENT_SECURE_CONNECTION) {
		if (off >= len)
			return -1;
		alen = p[off++];
	} else {
		size_t e = off;
		while (e < len && p[e])
			e++;
		alen = e - off;
	}
	if (alen > sizeof(h->auth) || off + alen > len)
		return -1;
	memcpy(h->auth, p + off, (size_t)alen);
	h->auth_len = (uint32_t)alen;
	off += (size_t)alen;
	if (!(caps & (DP_CLIENT_PLUGIN_AUTH_LENENC | DP_CLIENT_SECURE_CONNECTION)) && off < len)
		off++; /* the NUL after old-style auth data */
	if ((caps & DP_CLIENT_CONNECT_WITH_DB) && off < len &&
	    take_cstr(p, len, &off, h->db, sizeof(h->db)) < 0)
		return -1;
	if (change_user && off + 2 <= len) {
		h->charset = p[off];
		off += 2;
	}
	if ((caps & DP_CLIENT_PLUGIN_AUTH) && off < len &&
	    take_cstr(p, len, &off, h->plugin, sizeof(h->plugin)) < 0)
		return -1;
	return 0;
}

int dp_parse_handshake_resp(dp_handshake_resp *h, const uint8_t *p, size_t len,
			    uint32_t server_caps)
{
	memset(h, 0, sizeof(*h));
	if (len < 32)
		return -1;
	h->caps = dp_le32(p);
	h->max_packet = dp_le32(p + 4);
	h->charset = p[8];
	if (!(h->caps & DP_CLIENT_MYSQL))
		h->ext_caps = dp_le32(p + 28);
	/* A server that offers TLS starts it on CLIENT_SSL whatever follows the 32 bytes (a
	 * full login there is ignored, the real one comes inside TLS); one that does not
	 * ignores the flag. */
	if (h->caps & DP_CLIENT_SSL && (len == 32 || server_caps & DP_CLIENT_SSL)) {
		h->is_ssl_request = 1;
		return 0;
	}
	if (!(h->caps & DP_CLIENT_PROTOCOL_41))
		return -1;
	return parse_login(h, p, len, 32, h->caps & server_caps, 0);
}

int dp_parse_change_user(dp_handshake_resp *h, const uint8_t *p, size_t len, uint32_t caps)
{
	memset(h, 0, sizeof(*h));
	return parse_login(h, p, len, 0, caps, 1);
}

size_t dp_build_handshake_resp(uint8_t *buf, size_t size, uint8_t seq, const dp_handshake_resp *h)
{
	size_t ulen = strlen(h->user), dlen = strlen(h->db), plen = strlen(h->plugin);
	uint32_t caps = h->caps & ~(DP_CLIENT_CONNECT_ATTRS | DP_CLIENT_SSL | DP_CLIENT_COMPRESS);
	size_t need;

	caps |= DP_CLIENT_PROTOCOL_41 | DP_CLIENT_SECURE_CONNECTION | DP_CLIENT_PLUGIN_AUTH;
	if (dlen)
		caps |= DP_CLIENT_CONNECT_WITH_DB;
	else
		caps &= ~DP_CLIENT_CONNECT_WITH_DB;
	if (h->auth_len > 250)
		return 0;
	need = 4 + 32 + ulen + 1 + 1 + h->auth_len + (dlen ? dlen + 1 : 0) + plen + 1;
	if (need > size || need - 4 > DP_MAX_CHUNK - 1)
		return 0;
	uint8_t *p = buf + 4;
	memset(p, 0, 32);
	put32(p, caps);
	put32(p + 4, h->max_packet ? h->max_packet : 16777216u);
	p[8] = h->charset;
	if (!(caps & DP_CLIENT_MYSQL))
		put32(p + 28, h->ext_caps);
	p += 32;
	memcpy(p, h->user, ulen + 1);
	p += ulen + 1;
	/* PLUGIN_AUTH_LENENC with a length below 251 is the same single byte. */
	*p++ = (uint8_t)h->auth_len;
	memcpy(p, h->auth, h->auth_len);
	p += h->auth_len;
	if (dlen) {
		memcpy(p, h->db, dlen + 1);
		p += dlen + 1;
	}
	memcpy(p, h->plugin, plen + 1);
	p += plen + 1;
	put24(buf, (uint32_t)(need - 4));
	buf[3] = seq;
	return need;
}

/* ---------------------------------------------------------------- OK / EOF / ERR */

int dp_ok_info(const uint8_t *p, size_t len, dp_ok *ok)
{
	size_t off = 1, n;
	*ok = (dp_ok){0};
	if (len < 1)
		return -1;
	n = dp_lenenc(p + off, len - off, &ok->affected_rows, NULL);
	if (!n)
		return -1;
	off += n;
	n = dp_lenenc(p + off, len - off, &ok->insert_id, NULL);
	if (!n)
		return -1;
	off += n;
	if (off + 2 > len)
		return -1;
	ok->status = u16(p + off);
	if (off + 4 <= len)
		ok->warnings = u16(p + off + 2);
	return 0;
}

int dp_ok_status(const uint8_t *p, size_t len, uint16_t *status)
{
	dp_ok ok;
	if (dp_ok_info(p, len, &ok) < 0)
		return -1;
	*status = ok.status;
	return 0;
}

int dp_eof_status(const uint8_t *p, size_t len, uint16_t *status)
{
	if (len < 5)
		return -1;
	*status = u16(p + 3);
	return 0;
}

uint16_t dp_eof_warnings(const uint8_t *p, size_t len)
{
	return len < 5 ? 0 : u16(p + 1);
}

int dp_err_parse(const uint8_t *p, size_t len, uint16_t *code, char *msg, size_t msgsz)
{
	size_t off = 3;
	if (len < 3 || p[0] != 0xFF)
		return -1;
	*code = u16(p + 1);
	if (len > 3 && p[3] == '#')
		off = 9;
	if (msgsz) {
		size_t m = off < len ? len - off : 0;
		if (m >= msgsz)
			m = msgsz - 1;
		memcpy(msg, p + off, m);
		msg[m] = 0;
	}
	return 0;
}

size_t dp_build_err(uint8_t *buf, size_t size, uint8_t seq, uint16_t code, const char *sqlstate,
		    const char *msg)
{
	size_t mlen = strlen(msg), len = 1 + 2 + 1 + 5 + mlen;
	if (4 + len > size)
		return 0;
	put24(buf, (uint32_t)len);
	buf[3] = seq;
	buf[4] = 0xFF;
	put16(buf + 5, code);
	buf[7] = '#';
	memcpy(buf + 8, sqlstate && strlen(sqlstate) == 5 ? sqlstate : "HY000", 5);
	memcpy(buf + 13, msg, mlen);
	return 4 + len;
}

size_t dp_build_query(uint8_t *buf, size_t size, const char *sql, size_t sqllen)
{
	if (4 + 1 + sqllen > size || 1 + sqllen >= DP_MAX_CHUNK)
		return 0;
	put24(buf, (uint32_t)(1 + sqllen));
	buf[3] = 0;
	buf[4] = DP_COM_QUERY;
	memcpy(buf + 5, sql, sqllen);
	return 5 + sqllen;
}

/* ---------------------------------------------------------------- mysql_native_password */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dp_native_hash_parse(uint8_t stage2[DP_SCRAMBLE_LEN], const char *hex)
{
	if (!hex || hex[0] != '*' || strlen(hex) != 41)
		return -1;
	for (int i = 0; i < DP_SCRAMBLE_LEN; i++) {
		int hi = hexval(hex[1 + 2 * i]), lo = hexval(hex[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		stage2[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void scramble_mask(uint8_t out[DP_SHA1_LEN], const uint8_t *scramble,
			  const uint8_t stage2[DP_SCRAMBLE_LEN])
{
	dp_sha1_ctx s;
	dp_sha1_init(&s);
	dp_sha1_update(&s, scramble, DP_SCRAMBLE_LEN);
	dp_sha1_update(&s, stage2, DP_SCRAMBLE_LEN);
	dp_sha1_final(&s, out);
}

int dp_native_recover(uint8_t stage1[DP_SCRAMBLE_LEN], const uint8_t *scramble,
		      const uint8_t *response, const uint8_t stage2[DP_SCRAMBLE_LEN])
{
	uint8_t mask[DP_SHA1_LEN], check[DP_SHA1_LEN];
	int diff = 0;
	scramble_mask(mask, scramble, stage2);
	for (int i = 0; i < DP_SCRAMBLE_LEN; i++)
		stage1[i] = response[i] ^ mask[i];
	dp_sha1(stage1, DP_SCRAMBLE_LEN, check);
	for (int i = 0; i < DP_SCRAMBLE_LEN; i++)
		diff |= check[i] ^ stage2[i];
	memset(mask, 0, sizeof(mask));
	if (diff) {
		memset(stage1, 0, DP_SCRAMBLE_LEN);
		return -1;
	}
	return 0;
}

void dp_native_response(uint8_t out[DP_SCRAMBLE_LEN], const uint8_t *scramble,
			const uint8_t stage1[DP_SCRAMBLE_LEN])
{
	uint8_t stage2[DP_SHA1_LEN], mask[DP_SHA1_LEN];
	dp_sha1(stage1, DP_SCRAMBLE_LEN, stage2);
	scramble_mask(mask, scramble, stage2);
	for (int i = 0; i < DP_SCRAMBLE_LEN; i++)
		out[i] = stage1[i] ^ mask[i];
	memset(mask, 0, sizeof(mask));
}

int dp_ok_schema(const uint8_t *p, size_t len, uint32_t caps, char *db, size_t dbsz)
{
	uint64_t v, total;
	size_t off = 1, n;
	uint16_t status;

	if (!(caps & DP_CLIENT_SESSION_TRACK) || len < 1)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (!(n = dp_lenenc(p + off, len - off, &v, NULL)))
			return -1;
		off += n;
	}
	if (off + 4 > len)
		return len == off ? 0 : -1;
	status = u16(p + off);
	off += 4;
	if (off >= len)
		return 0;
	if (!(n = dp_lenenc(p + off, len - off, &v, NULL)) || off + n + v > len)
		return -1;
	off += n + (size_t)v; /* the info string */
	if (!(status & DP_STATUS_SESSION_STATE_CHANGED))
		return 0;
	if (!(n = dp_lenenc(p + off, len - off, &total, NULL)) || off + n + total > len)
		return -1;
	off += n;
	size_t end = off + (size_t)total;
	while (off < end) {
		uint8_t type = p[off++];
		uint64_t dlen;
		if (!(n = dp_lenenc(p + off, end - off, &dlen, NULL)) || off + n + dlen > end)
			return -1;
		off += n;
		if (type == 1) { /* SESSION_TRACK_SCHEMA: a lenenc string inside */
			uint64_t slen;
			size_t m = dp_lenenc(p + off, (size_t)dlen, &slen, NULL);
			if (!m || m + slen > dlen || slen >= dbsz)
				return -1;
			memcpy(db, p + off + m, (size_t)slen);
			db[slen] = 0;
			return 1;
		}
		off += (size_t)dlen;
	}
	return 0;
}
