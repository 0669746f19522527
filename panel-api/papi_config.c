/* The daemon's configuration: libpanel's INI file plus the [api] section (listen address,
 * threads, token lifetime, trusted proxies, connection limits and timeouts, writes per member,
 * uploads held in memory, log format), command
 * line overrides, and CIDR matching. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "papi.h"

#define DEFAULT_LISTEN		   "127.0.0.1:8080"
#define DEFAULT_THREADS		   4
#define DEFAULT_TOKEN_TTL	   86400
#define MAX_THREADS		   256
#define MIN_TOKEN_TTL		   60
#define MAX_TOKEN_TTL		   (30 * 86400)
#define DEFAULT_MAX_CONNECTIONS	   1000
#define DEFAULT_PER_ADDRESS	   32
#define DEFAULT_HEADER_TIMEOUT	   10
#define DEFAULT_IDLE_TIMEOUT	   60
#define DEFAULT_MEMBER_WRITE_RATE  20
#define DEFAULT_MEMBER_WRITE_BURST 200
#define DEFAULT_UPLOAD_MEMORY_MB   256
#define DEFAULT_MEMBER_UPLOAD_MB   64
#define DEFAULT_UPLOAD_TIMEOUT	   3600
#define DEFAULT_UPLOAD_MIN_RATE	   4 /* KiB/s: 32 kbit/s */
#define DEFAULT_UPLOAD_RATE_WINDOW 60

int papi_cidr_parse(papi_cidr *out, const char *text)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;
	unsigned max;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	prefix = max;
	if (slash) {
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || prefix > max || slash[1] == '-' ||
		    slash[1] == '+')
			return -1;
	}
	out->prefix = (unsigned)prefix;
	return 0;
}

static int in_range(const papi_cidr *c, const unsigned char *addr)
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr, addr, full) != 0)
		return 0;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((c->addr[full] & mask) != (addr[full] & mask))
			return 0;
	}
	return 1;
}

int papi_cidr_match(const papi_cidr *ranges, size_t n, const char *ip)
{
	unsigned char a4[4], a6[16];
	int is4 = inet_pton(AF_INET, ip, a4) == 1;
	int is6 = !is4 && inet_pton(AF_INET6, ip, a6) == 1;

	if (!is4 && !is6)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is4 && ranges[i].family == AF_INET && in_range(&ranges[i], a4))
			return 1;
		if (is6 && ranges[i].family == AF_INET6 && in_range(&ranges[i], a6))
			return 1;
		/* An IPv4 peer seen on an IPv6 socket (::ffff:a.b.c.d). */
		if (is6 && ranges[i].family == AF_INET &&
		    memcmp(a6, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
		    in_range(&ranges[i], a6 + 12))
			return 1;
	}
	return 0;
}

static int parse_listen(papi_conf *conf, const char *text, char *err, size_t errsz)
{
	const char *colon, *host = text;
	size_t hostlen;
	char *end;
	unsigned long port;
	unsigned char tmp[16];

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			goto bad;
		host = text + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			goto bad;
		hostlen = (size_t)(colon - text);
	}
	if (hostlen == 0 || hostlen >= sizeof(conf->listen_host))
		goto bad;
	memcpy(conf->listen_host, host, hostlen);
	conf->listen_host[hostlen] = '\0';
	if (inet_pton(AF_INET, conf->listen_host, tmp) != 1 &&
	    inet_pton(AF_INET6, conf->listen_host, tmp) != 1)
		goto bad;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+')
		goto bad;
	conf->listen_port = (unsigned)port;
	return 0;
bad:
	snprintf(err, errsz, "api.listen: \"%s\" is not ADDRESS:PORT (numeric address)", text);
	return -1;
}

static int parse_uint(unsigned *out, const char *name, const char *text, unsigned min, unsigned max,
		      char *err, size_t errsz)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max || *text == '-' || *text == '+') {
		snprintf(err, errsz, "%s: \"%s\" must be a number between %u and %u", name, text,
			 min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_trusted(papi_conf *conf, const char *text, char *err, size_t errsz)
{
	size_t n = 1;
	char item[INET6_ADDRSTRLEN + 8];

	for (const char *c = text; *c; c++)
		n += strchr(", \t", *c) != NULL; /* an upper bound of the items */
	conf->trusted = calloc(n, sizeof(*conf->trusted));
	if (!conf->trusted) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (const char *c = text; *c;) {
		size_t len;
		c += strspn(c, ", \t");
		len = strcspn(c, ", \t");
		if (len == 0)
			break;
		if (len < sizeof(item)) {
			memcpy(item, c, len);
			item[len] = '\0';
		}
		if (len >= sizeof(item) ||
		    papi_cidr_parse(&conf->trusted[conf->ntrusted], item) < 0) {
			snprintf(err, errsz, "api.trusted_proxies: \"%.*s\" is not a CIDR range",
				 (int)(len > 64 ? 64 : len), c);
			return -1;
		}
		conf->ntrusted++;
		c += len;
	}
	return 0;
}

int papi_conf_load(papi_conf **out, const char *path, const papi_overrides *ov, char *err,
		   size_t errsz)
{
	papi_conf *conf = calloc(1, sizeof(*conf));
	const char *v;

	*out = NULL;
	if (!conf) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (panel_config_load(&conf->cfg, path) < 0) {
		snprintf(err, errsz, "%s: %s", path, panel_error_last()->message);
		goto fail;
	}
	v = panel_config_claim(conf->cfg, "api", "listen");
	v = ov && ov->listen ? ov->listen : v;
	if (parse_listen(conf, v && *v ? v : DEFAULT_LISTEN, err, errsz) < 0)
		goto fail;
	conf->threads = DEFAULT_THREADS;
	v = panel_config_claim(conf->cfg, "api", "threads");
	v = ov && ov->threads ? ov->threads : v;
	if (v && *v && parse_uint(&conf->threads, "api.threads", v, 1, MAX_THREADS, err, errsz))
		goto fail;
	conf->token_ttl = DEFAULT_TOKEN_TTL;
	v = panel_config_claim(conf->cfg, "api", "token_ttl");
	if (v && *v &&
	    parse_uint(&conf->token_ttl, "api.token_ttl", v, MIN_TOKEN_TTL, MAX_TOKEN_TTL, err,
		       errsz))
		goto fail;
	v = panel_config_claim(conf->cfg, "api", "trusted_proxies");
	if (v && *v && parse_trusted(conf, v, err, errsz) < 0)
		goto fail;
	conf->max_connections = DEFAULT_MAX_CONNECTIONS;
	v = panel_config_claim(conf->cfg, "api", "max_connections");
	if (v && *v &&
	    parse_uint(&conf->max_connections, "api.max_connections", v, 16, 100000, err, errsz))
		goto fail;
	conf->per_address = DEFAULT_PER_ADDRESS;
	v = panel_config_claim(conf->cfg, "api", "connections_per_address");
	if (v && *v &&
	    parse_uint(&conf->per_address, "api.connections_per_address", v, 0, 100000, err, errsz))
		goto fail;
	conf->header_timeout = DEFAULT_HEADER_TIMEOUT;
	v = panel_config_claim(conf->cfg, "api", "header_timeout");
	if (v && *v &&
	    parse_uint(&conf->header_timeout, "api.header_timeout", v, 1, 3600, err, errsz))
		goto fail;
	conf->idle_timeout = DEFAULT_IDLE_TIMEOUT;
	v = panel_config_claim(conf->cfg, "api", "idle_timeout");
	if (v && *v && parse_uint(&conf->idle_timeout, "api.idle_timeout", v, 1, 3600, err, errsz))
		goto fail;
	conf->member_write_rate = DEFAULT_MEMBER_WRITE_RATE;
	v = panel_config_claim(conf->cfg, "api", "member_write_rate");
	if (v && *v &&
	    parse_uint(&conf->member_write_rate, "api.member_write_rate", v, 0, 100000, err, errsz))
		goto fail;
	conf->member_write_burst = DEFAULT_MEMBER_WRITE_BURST;
	v = panel_config_claim(conf->cfg, "api", "member_write_burst");
	if (v && *v &&
	    parse_uint(&conf->member_write_burst, "api.member_write_burst", v, 1, 1000000, err,
		       errsz))
		goto fail;
	conf->upload_memory_mb = DEFAULT_UPLOAD_MEMORY_MB;
	v = panel_config_claim(conf->cfg, "api", "upload_memory_mb");
	if (v && *v &&
	    parse_uint(&conf->upload_memory_mb, "api.upload_memory_mb", v, 1, 1048576, err, errsz))
		goto fail;
	conf->member_upload_memory_mb = DEFAULT_MEMBER_UPLOAD_MB;
	v = panel_config_claim(conf->cfg, "api", "member_upload_memory_mb");
	if (v && *v &&
	    parse_uint(&conf->member_upload_memory_mb, "api.member_upload_memory_mb", v, 1, 1048576,
		       err, errsz))
		goto fail;
	conf->upload_timeout = DEFAULT_UPLOAD_TIMEOUT;
	v = panel_config_claim(conf->cfg, "api", "upload_timeout");
	if (v && *v &&
	    parse_uint(&conf->upload_timeout, "api.upload_timeout", v, 1, 86400, err, errsz))
		goto fail;
	conf->upload_min_rate = DEFAULT_UPLOAD_MIN_RATE;
	v = panel_config_claim(conf->cfg, "api", "upload_min_rate");
	if (v && *v &&
	    parse_uint(&conf->upload_min_rate, "api.upload_min_rate", v, 0, 1048576, err, errsz))
		goto fail;
	conf->upload_rate_window = DEFAULT_UPLOAD_RATE_WINDOW;
	v = panel_config_claim(conf->cfg, "api", "upload_rate_window");
	if (v && *v &&
	    parse_uint(&conf->upload_rate_window, "api.upload_rate_window", v, 1, 3600, err, errsz))
		goto fail;
	if (conf->member_upload_memory_mb > conf->upload_memory_mb) {
		snprintf(
		    err, errsz,
		    "api.member_upload_memory_mb (%u) is larger than api.upload_memory_mb (%u)",
		    conf->member_upload_memory_mb, conf->upload_memory_mb);
		goto fail;
	}
	v = panel_config_claim(conf->cfg, "api", "log_format");
	if (v && *v && strcmp(v, "text") != 0 && strcmp(v, "json") != 0) {
		snprintf(err, errsz, "api.log_format: \"%.32s\" must be text or json", v);
		goto fail;
	}
	conf->log_json = v && strcmp(v, "json") == 0;
	/* Every key of [api] was claimed above. Another one (a typo: `thread`,
	 * `upload_memory_md`) is refused, as libpanel refuses one in its own sections and dbproxy
	 * one in its file: it would silently do nothing. */
	if (panel_config_check_claimed(conf->cfg, "api") < 0) {
		snprintf(err, errsz, "%s (docs/api.md, \"Configuration\")",
			 panel_error_last()->message);
		goto fail;
	}
	atomic_init(&conf->refs, 1);
	*out = conf;
	return 0;
fail:
	papi_conf_free(conf);
	return -1;
}

void papi_conf_free(papi_conf *conf)
{
	if (!conf)
		return;
	panel_config_free(conf->cfg);
	free(conf->trusted);
	free(conf);
}

papi_conf *papi_conf_acquire(papi_ctx *ctx)
{
	papi_conf *conf;

	pthread_mutex_lock(&ctx->lock);
	conf = ctx->conf;
	atomic_fetch_add(&conf->refs, 1);
	pthread_mutex_unlock(&ctx->lock);
	return conf;
}

void papi_conf_release(papi_ctx *ctx, papi_conf *conf)
{
	(void)ctx;
	if (conf && atomic_fetch_sub(&conf->refs, 1) == 1)
		papi_conf_free(conf);
}
