/* MariaDB GTID positions ("0-1-100,1-2-7"): parsing, comparison per replication domain,
 * containment (is one history a prefix of another) and the gap between two positions. */
#ifndef DP_GTID_H
#define DP_GTID_H

#include <stddef.h>
#include <stdint.h>

#define DP_GTID_MAX_DOMAINS 16
#define DP_GTID_TEXT	    512

typedef struct dp_gtid {
	uint32_t domain;
	uint32_t server_id;
	uint64_t seq;
} dp_gtid;

typedef struct dp_gtid_pos {
	int n;
	dp_gtid g[DP_GTID_MAX_DOMAINS];
} dp_gtid_pos;

/* Parses a comma-separated GTID list (empty is valid); several GTIDs of one domain (as in
 * gtid_binlog_pos) keep the highest seq_no. 0, or -1 when malformed. */
int dp_gtid_parse(dp_gtid_pos *out, const char *text);
void dp_gtid_format(const dp_gtid_pos *p, char *buf, size_t size);
/* The seq_no for domain, or 0 when the domain is absent. */
uint64_t dp_gtid_seq(const dp_gtid_pos *p, uint32_t domain);
const dp_gtid *dp_gtid_find(const dp_gtid_pos *p, uint32_t domain);
/* 1 when every transaction counted in `part` is within `whole` (seq_no per domain), else 0. */
int dp_gtid_contains(const dp_gtid_pos *whole, const dp_gtid_pos *part);
/* Transactions in `ahead` beyond `behind`, summed over domains. */
uint64_t dp_gtid_gap(const dp_gtid_pos *behind, const dp_gtid_pos *ahead);
/* <0, 0, >0 comparing a and b: first by the sum of seq_no over all domains. */
int dp_gtid_cmp(const dp_gtid_pos *a, const dp_gtid_pos *b);

#endif
