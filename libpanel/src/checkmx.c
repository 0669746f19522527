/* Does a hosted domain's mail come here? (AlternC's checkmx): the domain's MX records as the
 * DNS answers them, compared with the host's MX names. The lookup uses glibc's resolver
 * (libresolv, res_nquery) with its own state per call, so threads do not share it; the
 * resolver of /etc/resolv.conf, or [dns] resolver = ADDRESS[:PORT] (IPv4), and [dns] timeout
 * seconds per try (2, two tries). WHOIS, 1.0's other lookup, is not offered (docs/alternc-1.0.md).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz.h"
#include "domain_internal.h"
#include "error.h"
#include "handle.h"
#include "panel/domain.h"

struct owned_ctx {
	const panel_actor *who;
	const char *domain;
	char name[PANEL_DOMAIN_MAX + 1];
};

static int owned_body(panel_db *db, void *arg)
{
	struct owned_ctx *ctx = arg;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	return panel__domain_owned(&uid, ctx->name, db, ctx->who, ctx->domain, 0);
}

/* [dns] resolver: "192.0.2.53" or "127.0.0.1:5353". 0, or PANEL_EINVALID. */
static int parse_resolver(struct sockaddr_in *sa, const char *text)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	unsigned long port = 53;
	char *end;

	if (len == 0 || len >= sizeof(host))
		return -1;
	memcpy(host, text, len);
	host[len] = '\0';
	if (colon) {
		port = strtoul(colon + 1, &end, 10);
		if (*end || port == 0 || port > 65535)
			return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int resolver_open(res_state rs, panel *p)
{
	const char *server = panel_setting(p, "dns", "resolver");
	const char *timeout = panel_setting(p, "dns", "timeout");
	struct sockaddr_in sa;

	memset(rs, 0, sizeof(*rs));
	if (res_ninit(rs) != 0)
		return panel__error(PANEL_EUNAVAILABLE, NULL, "the DNS resolver cannot start");
	rs->retrans = timeout && atoi(timeout) > 0 ? atoi(timeout) : 2;
	rs->retry = 2;
	if (server && *server) {
		if (parse_resolver(&sa, server) < 0) {
			res_nclose(rs);
			return panel__error(PANEL_EINVALID, NULL,
					    "[dns] resolver is not ADDRESS[:PORT] (IPv4): %s",
					    server);
		}
		rs->nscount = 1;
		rs->nsaddr_list[0] = sa;
	}
	return 0;
}

/* The MX targets of an answer, lower case, without the trailing dot. */
static int read_answer(panel_mx_check *out, const unsigned char *msg, int len)
{
	ns_msg handle;
	ns_rr rr;

	if (ns_initparse(msg, len, &handle) < 0)
		return panel__error(PANEL_EUNAVAILABLE, NULL, "the DNS answer cannot be read");
	for (int i = 0; i < ns_msg_count(handle, ns_s_an); i++) {
		char host[NS_MAXDNAME];

		if (ns_parserr(&handle, ns_s_an, i, &rr) < 0)
			return panel__error(PANEL_EUNAVAILABLE, NULL,
					    "the DNS answer cannot be read");
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3 ||
		    out->count == PANEL_MX_CHECK_MAX)
			continue;
		if (dn_expand(ns_msg_base(handle), ns_msg_end(handle), ns_rr_rdata(rr) + 2, host,
			      sizeof(host)) < 0 ||
		    strlen(host) >= sizeof(out->hosts[0]))
			continue;
		for (char *c = host; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		memcpy(out->hosts[out->count++], host, strlen(host) + 1);
	}
	return 0;
}

static int lookup_mx(panel_mx_check *out, panel *p, const char *domain)
{
	struct __res_state rs;
	unsigned char answer[NS_PACKETSZ * 4];
	int len, error;

	if ((error = resolver_open(&rs, p)) < 0)
		return error;
	len = res_nquery(&rs, domain, ns_c_in, ns_t_mx, answer, sizeof(answer));
	if (len < 0) {
		int herr = rs.res_h_errno;

		res_nclose(&rs);
		/* NXDOMAIN and "no MX record" both mean no mail host is named. */
		if (herr == HOST_NOT_FOUND || herr == NO_DATA)
			return 0;
		return panel__error(PANEL_EUNAVAILABLE, NULL,
				    "the DNS did not answer for the MX of %s: retry later", domain);
	}
	res_nclose(&rs);
	return read_answer(out, answer, len);
}

/* 1 when host is one of the host's MX names (default_mx, default_secondary_mx). */
static int is_ours(panel *p, const char *host)
{
	static const char *const keys[] = {"default_mx", "default_secondary_mx"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *mx = panel_setting(p, "hosting", keys[i]);
		size_t len = mx ? strlen(mx) : 0;

		if (len && mx[len - 1] == '.')
			len--;
		if (len && strlen(host) == len && strncasecmp(host, mx, len) == 0)
			return 1;
	}
	return 0;
}

int panel_domain_checkmx(panel_mx_check *out, panel *p, const panel_actor *who, const char *domain)
{
	struct owned_ctx ctx = {.who = who, .domain = domain};
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = panel__enter(p, who)) < 0 ||
	    (error = panel__db_transaction(p->db, owned_body, &ctx)) < 0 ||
	    (error = lookup_mx(out, p, ctx.name)) < 0)
		return error;
	out->result = out->count ? PANEL_MX_FOREIGN : PANEL_MX_NONE;
	for (size_t i = 0; i < out->count; i++)
		if (is_ours(p, out->hosts[i]))
			out->result = PANEL_MX_OURS;
	return 0;
}
