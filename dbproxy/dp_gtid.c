/* MariaDB GTID positions ("0-1-100,1-2-7"): parsing, comparison per replication domain,
 * containment (is one history a prefix of another) and the gap between two positions. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_gtid.h"

static int parse_u64(const char **p, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno)
		return -1;
	*p = end;
	return 0;
}

int dp_gtid_parse(dp_gtid_pos *out, const char *text)
{
	const char *p = text;
	out->n = 0;
	if (!p)
		return 0;
	while (*p) {
		uint64_t d, s, q;
		while (*p == ' ' || *p == '\n' || *p == ',')
			p++;
		if (!*p)
			break;
		if (parse_u64(&p, &d) < 0 || *p++ != '-' || parse_u64(&p, &s) < 0 || *p++ != '-' ||
		    parse_u64(&p, &q) < 0 || d > UINT32_MAX || s > UINT32_MAX)
			return -1;
		if (*p && *p != ',' && *p != ' ' && *p != '\n')
			return -1;
		/* gtid_binlog_pos lists the last GTID of every server_id in a domain; with
		 * gtid_strict_mode the highest seq_no is the domain's position. */
		int k;
		for (k = 0; k < out->n && out->g[k].domain != (uint32_t)d; k++)
			;
		if (k < out->n) {
			if (q > out->g[k].seq) {
				out->g[k].server_id = (uint32_t)s;
				out->g[k].seq = q;
			}
			continue;
		}
		if (out->n == DP_GTID_MAX_DOMAINS)
			return -1;
		out->g[out->n].domain = (uint32_t)d;
		out->g[out->n].server_id = (uint32_t)s;
		out->g[out->n].seq = q;
		out->n++;
	}
	return 0;
}

void dp_gtid_format(const dp_gtid_pos *p, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < p->n && len < size; i++) {
		int n =
		    snprintf(buf + len, size - len, "%s%u-%u-%llu", i ? "," : "", p->g[i].domain,
			     p->g[i].server_id, (unsigned long long)p->g[i].seq);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

const dp_gtid *dp_gtid_find(const dp_gtid_pos *p, uint32_t domain)
{
	for (int i = 0; i < p->n; i++)
		if (p->g[i].domain == domain)
			return &p->g[i];
	return NULL;
}

uint64_t dp_gtid_seq(const dp_gtid_pos *p, uint32_t domain)
{
	const dp_gtid *g = dp_gtid_find(p, domain);
	return g ? g->seq : 0;
}

int dp_gtid_contains(const dp_gtid_pos *whole, const dp_gtid_pos *part)
{
	for (int i = 0; i < part->n; i++)
		if (part->g[i].seq > dp_gtid_seq(whole, part->g[i].domain))
			return 0;
	return 1;
}

uint64_t dp_gtid_gap(const dp_gtid_pos *behind, const dp_gtid_pos *ahead)
{
	uint64_t gap = 0;
	for (int i = 0; i < ahead->n; i++) {
		uint64_t b = dp_gtid_seq(behind, ahead->g[i].domain);
		if (ahead->g[i].seq > b)
			gap += ahead->g[i].seq - b;
	}
	return gap;
}

int dp_gtid_cmp(const dp_gtid_pos *a, const dp_gtid_pos *b)
{
	uint64_t sa = 0, sb = 0;
	for (int i = 0; i < a->n; i++)
		sa += a->g[i].seq;
	for (int i = 0; i < b->n; i++)
		sb += b->g[i].seq;
	return sa < sb ? -1 : sa > sb;
}
