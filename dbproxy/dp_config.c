/* dbproxy configuration: defaults, the command line, the configuration file (every flag has a
 * twin key), validation, and secrets read from files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "dp_config.h"
#include "dp_log.h"

enum { T_STR, T_UINT, T_BOOL, T_SERVER, T_ASYNC, T_LOGLEVEL, T_COOP };

typedef struct key_def {
	const char *name; /* file key; the flag is --name with '_' as '-' */
	int type;
	size_t offset;
	size_t size; /* T_STR: buffer size */
	const char *help;
} key_def;

#define STR(f, h)                                                                                  \
	{                                                                                          \
#f, T_STR, offsetof(dp_config, f), sizeof(((dp_config *)0)->f), h                  \
	}
#define UINT(f, h)                                                                                 \
	{                                                                                          \
#f, T_UINT, offsetof(dp_config, f), 0, h                                           \
	}
#define BOOL(f, h)                                                                                 \
	{                                                                                          \
#f, T_BOOL, offsetof(dp_config, f), 0, h                                           \
	}

static const key_def keys[] = {
    STR(listen, "HOST:PORT for clients"),
    STR(listen_socket, "Unix socket path for clients"),
    {"server", T_SERVER, 0, 0,
     "[NAME=]HOST:PORT[,no_promotion], repeated; the first is the initial primary"},
    STR(monitor_user, "monitoring user (needs READ_ONLY ADMIN, see dbproxy(8))"),
    STR(monitor_password_file, "file whose first line is the monitoring password"),
    STR(monitor_tls_ca, "CA file: monitoring connections use TLS and verify the servers' "
			"certificates (host name included) against it (off)"),
    STR(replication_user, "user replicas connect with (CHANGE MASTER)"),
    STR(replication_password_file, "file holding the replication password"),
    STR(admin, "HOST:PORT of the admin HTTP endpoint (loopback only)"),
    STR(admin_token_file, "file holding the admin bearer token"),
    STR(state_file, "where the writer epoch and primary are kept across restarts"),
    STR(pid_file, "write the process id there"),
    {"log_level", T_LOGLEVEL, offsetof(dp_config, log_level), 0, "debug, info, warn, error"},
    UINT(probe_interval_ms, "time between probes of each server (250)"),
    UINT(connect_timeout_ms, "monitor connect timeout (200)"),
    UINT(probe_timeout_ms, "probe query timeout (500)"),
    UINT(fail_refused, "consecutive refused probes that mean a crash (2)"),
    UINT(fail_timeouts, "consecutive failed probes, with timeouts, that mean a hang (3)"),
    UINT(confirm_silence_ms, "replica silence that confirms a dead primary (600)"),
    UINT(replica_heartbeat_ms, "MASTER_HEARTBEAT_PERIOD enforced on replicas, 0 to leave (250)"),
    UINT(client_wait_ms, "how long a client waits for a primary (10000)"),
    UINT(handshake_timeout_ms, "clients must log in within (10000)"),
    UINT(client_dead_ms,
	 "a TCP client that answers nothing that long is gone, 0: the kernel's (10000)"),
    UINT(catchup_timeout_ms, "relay log apply limit before promotion (30000)"),
    UINT(switchover_drain_ms, "open transactions may finish during a switchover (2000)"),
    UINT(drain_timeout_ms, "SIGTERM waits for busy sessions (30000)"),
    UINT(op_step_timeout_ms, "limit of one SQL step of a failover (5000)"),
    UINT(user_refresh_ms, "account hash refresh for session moves (30000)"),
    UINT(max_clients, "client connections accepted at most (4096)"),
    UINT(max_handshakes, "logins in progress at most; past it a new client closes the oldest (64)"),
    UINT(buffer_kib, "buffer per direction per session, KiB (64)"),
    UINT(busy_poll_us, "poll without sleeping this long after traffic, 0 off (50)"),
    BOOL(auto_failover, "fail over automatically (on)"),
    {"failover_if_async", T_ASYNC, offsetof(dp_config, failover_if_async), 0,
     "refuse|allow: automatic failover when semi-sync was off (refuse)"},
    BOOL(zero_copy, "relay large packets and TLS streams with splice(2) (on)"),
    BOOL(migrate_sessions, "move idle sessions to a new primary (on)"),
    BOOL(proxy_protocol, "send a PROXY v2 header to servers (off)"),
    BOOL(enforce_writable_primary, "set read_only=0 on a read-only primary (off)"),
    {"cooperative_monitoring", T_COOP, offsetof(dp_config, cooperative), 0,
     "none|majority: several dbproxies, one leader by locks on most servers (none)"},
    STR(cooperative_database, "database of the writer register on each server (dbproxy)"),
    STR(cooperative_key_file,
	"file whose first line names the monitor lock, the same on every dbproxy (default: the "
	"monitoring password)"),
};

void dp_config_defaults(dp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = DP_LOG_INFO;
	c->probe_interval_ms = 250;
	c->connect_timeout_ms = 200;
	c->probe_timeout_ms = 500;
	c->fail_refused = 2;
	c->fail_timeouts = 3;
	c->confirm_silence_ms = 600;
	c->replica_heartbeat_ms = 250;
	c->client_wait_ms = 10000;
	c->handshake_timeout_ms = 10000;
	c->client_dead_ms = 10000;
	c->catchup_timeout_ms = 30000;
	c->switchover_drain_ms = 2000;
	c->drain_timeout_ms = 30000;
	c->op_step_timeout_ms = 5000;
	c->user_refresh_ms = 30000;
	c->max_clients = 4096;
	c->max_handshakes = 64;
	c->buffer_kib = 64;
	c->busy_poll_us = 50;
	c->zero_copy = 1;
	c->auto_failover = 1;
	c->failover_if_async = DP_ASYNC_REFUSE;
	c->migrate_sessions = 1;
	c->proxy_protocol = 0;
	snprintf(c->cooperative_database, sizeof(c->cooperative_database), "dbproxy");
}

void dp_config_usage(void)
{
	printf(
	    "usage: dbproxy [--config FILE] --listen HOST:PORT --server HOST:PORT [--server ...]\n"
	    "               --monitor-user USER --monitor-password-file FILE [OPTION VALUE...]\n\n"
	    "Every option has a configuration file key of the same name with '_' for '-'.\n\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char flag[64];
		snprintf(flag, sizeof(flag), "--%s", keys[i].name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		printf("  %-30s %s\n", flag, keys[i].help);
	}
	printf("  %-30s %s\n  %-30s %s\n", "--config FILE", "read this configuration file first",
	       "--help, --version", "");
}

static const key_def *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		 !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* Truncating copy without format-truncation warnings (lengths are checked by callers). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

static int add_server(dp_config *c, const char *v, char *err, size_t errsz)
{
	dp_server_conf *s;
	char text[192], *eq, *comma, *addr;
	if (c->nservers == DP_MAX_SERVERS)
		return dp_seterr(err, errsz, "at most %d servers", DP_MAX_SERVERS);
	snprintf(text, sizeof(text), "%s", v);
	s = &c->servers[c->nservers];
	memset(s, 0, sizeof(*s));
	comma = strchr(text, ',');
	if (comma) {
		*comma++ = 0;
		if (strcmp(comma, "no_promotion") != 0 && strcmp(comma, "no-promotion") != 0)
			return dp_seterr(err, errsz, "server %s: unknown flag %s", text, comma);
		s->no_promotion = 1;
	}
	eq = strchr(text, '=');
	addr = text;
	if (eq) {
		*eq = 0;
		addr = eq + 1;
		if (!text[0] || strlen(text) >= sizeof(s->name))
			return dp_seterr(err, errsz, "server %s: bad name", v);
		copy_str(s->name, sizeof(s->name), text);
	}
	if (dp_addr_parse(&s->addr, addr, 0, err, errsz) < 0)
		return -1;
	copy_str(s->addr_text, sizeof(s->addr_text), addr);
	if (!s->name[0])
		copy_str(s->name, sizeof(s->name), addr);
	for (int i = 0; i < c->nservers; i++) {
		if (strcmp(c->servers[i].name, s->name) == 0 ||
		    strcmp(c->servers[i].addr_text, s->addr_text) == 0)
			return dp_seterr(err, errsz, "server %s listed twice", s->name);
	}
	c->nservers++;
	return 0;
}

static int set_key(dp_config *c, const key_def *k, const char *v, char *err, size_t errsz)
{
	char *base = (char *)c, *end;
	unsigned long n;
	int b;
	switch (k->type) {
	case T_STR:
		if (strlen(v) >= k->size)
			return dp_seterr(err, errsz, "%s: value too long", k->name);
		snprintf(base + k->offset, k->size, "%s", v);
		return 0;
	case T_UINT:
		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || *end || end == v || n > 86400000UL)
			return dp_seterr(err, errsz, "%s: expected a number, got '%s'", k->name, v);
		*(unsigned *)(void *)(base + k->offset) = (unsigned)n;
		return 0;
	case T_BOOL:
		if (parse_bool(v, &b) < 0)
			return dp_seterr(err, errsz, "%s: expected on or off, got '%s'", k->name,
					 v);
		*(int *)(void *)(base + k->offset) = b;
		return 0;
	case T_ASYNC:
		if (strcmp(v, "refuse") == 0)
			c->failover_if_async = DP_ASYNC_REFUSE;
		else if (strcmp(v, "allow") == 0)
			c->failover_if_async = DP_ASYNC_ALLOW;
		else
			return dp_seterr(err, errsz, "%s: expected refuse or allow, got '%s'",
					 k->name, v);
		return 0;
	case T_COOP:
		if (strcmp(v, "none") == 0)
			c->cooperative = 0;
		else if (strcmp(v, "majority") == 0)
			c->cooperative = 1;
		else
			return dp_seterr(err, errsz, "%s: expected none or majority, got '%s'",
					 k->name, v);
		return 0;
	case T_LOGLEVEL:
		if ((b = dp_log_parse_level(v)) < 0)
			return dp_seterr(err, errsz, "%s: expected debug, info, warn or error",
					 k->name);
		c->log_level = b;
		return 0;
	case T_SERVER:
		return add_server(c, v, err, errsz);
	}
	return -1;
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* One "key = value" line of the configuration file (s trimmed, not a comment). */
static int load_line(dp_config *c, char *s, int *servers_seen, char *err, size_t errsz)
{
	char *eq = strchr(s, '='), *key, *val;
	const key_def *k;
	if (!eq)
		return dp_seterr(err, errsz, "expected key = value");
	*eq = 0;
	key = trim(s);
	val = trim(eq + 1);
	for (char *p = key; *p; p++)
		if (*p == '-')
			*p = '_';
	k = find_key(key);
	if (!k)
		return dp_seterr(err, errsz, "unknown key '%s'", key);
	if (k->type == T_SERVER && !(*servers_seen)++)
		c->nservers = 0; /* the file's list replaces any earlier one */
	return set_key(c, k, val, err, errsz);
}

int dp_config_load_file(dp_config *c, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	int lineno = 0, servers_seen = 0;
	if (!f)
		return dp_seterr(err, errsz, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), lerr[256];
		lineno++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (load_line(c, s, &servers_seen, lerr, sizeof(lerr)) < 0) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, lerr);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int dp_config_from_args(dp_config *c, int argc, char **argv, char *err, size_t errsz)
{
	int servers_seen = 0;
	/* The file first, wherever --config appears, so that flags override it. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc)
				return dp_seterr(err, errsz, "--config needs a file");
			snprintf(c->config_file, sizeof(c->config_file), "%s", argv[i + 1]);
			if (dp_config_load_file(c, c->config_file, err, errsz) < 0)
				return -1;
			i++;
		}
	}
	for (int i = 1; i < argc; i++) {
		char name[64], kerr[256];
		const char *arg = argv[i], *val, *eq;
		const key_def *k;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			dp_config_usage();
			return 1;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("dbproxy 0.1.0\n");
			return 1;
		}
		if (strcmp(arg, "--config") == 0 || strcmp(arg, "-c") == 0) {
			i++;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return dp_seterr(err, errsz, "unexpected argument '%s' (see --help)", arg);
		eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (nlen >= sizeof(name))
			return dp_seterr(err, errsz, "unknown option %s", arg);
		memcpy(name, arg + 2, nlen);
		name[nlen] = 0;
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		k = find_key(name);
		if (!k)
			return dp_seterr(err, errsz, "unknown option %s (see --help)", arg);
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return dp_seterr(err, errsz, "%s needs a value", arg);
			val = argv[++i];
		}
		if (k->type == T_SERVER && !servers_seen++)
			c->nservers = 0; /* servers on the command line replace the file's */
		if (set_key(c, k, val, kerr, sizeof(kerr)) < 0) {
			snprintf(err, errsz, "--%s", kerr);
			for (char *p = err + 2; *p && *p != ':'; p++)
				if (*p == '_')
					*p = '-';
			return -1;
		}
	}
	return 0;
}

/* First line of a secret file, without the newline. An absent file name means empty. */
static int read_secret(const char *path, char *out, size_t outsz, const char *what, char *err,
		       size_t errsz)
{
	FILE *f;
	char *nl;
	out[0] = 0;
	if (!path[0])
		return 0;
	f = fopen(path, "re");
	if (!f)
		return dp_seterr(err, errsz, "%s file %s: %s", what, path, strerror(errno));
	if (!fgets(out, (int)outsz, f))
		out[0] = 0;
	fclose(f);
	nl = strpbrk(out, "\r\n");
	if (nl)
		*nl = 0;
	return 0;
}

/* Under systemd, StateDirectory= sets $STATE_DIRECTORY (absolute paths, ':' between several):
 * without a state_file of its own, dbproxy keeps its state there, so that a restart never
 * forgets the writer because the file was not configured. */
static int default_state_file(dp_config *c, char *err, size_t errsz)
{
	const char *dir = getenv("STATE_DIRECTORY");
	size_t n;

	if (c->state_file[0] || !dir || dir[0] != '/')
		return 0;
	n = strcspn(dir, ":");
	if (n + sizeof("/state") > sizeof(c->state_file))
		return dp_seterr(err, errsz, "$STATE_DIRECTORY is too long for a state file path");
	memcpy(c->state_file, dir, n);
	memcpy(c->state_file + n, "/state", sizeof("/state"));
	return 0;
}

int dp_config_finish(dp_config *c, char *err, size_t errsz)
{
	if (c->nservers == 0)
		return dp_seterr(
		    err, errsz,
		    "no server given (server = NAME=HOST:PORT in the configuration, or --server)");
	if (!c->listen[0] && !c->listen_socket[0])
		return dp_seterr(err, errsz, "no --listen (or --listen-socket) given");
	if (c->listen[0] && dp_addr_parse(&c->listen_addr, c->listen, 0, err, errsz) < 0)
		return -1;
	if (!c->monitor_user[0])
		return dp_seterr(err, errsz, "no --monitor-user given");
	if (c->admin[0]) {
		if (dp_addr_parse(&c->admin_addr, c->admin, 0, err, errsz) < 0)
			return -1;
		if (!dp_addr_is_loopback(&c->admin_addr)) {
			snprintf(err, errsz,
				 "--admin must be a loopback address (127.0.0.1 or ::1)");
			return -1;
		}
		if (!c->admin_token_file[0])
			return dp_seterr(err, errsz, "--admin needs --admin-token-file");
	}
	if (c->probe_interval_ms < 20 || c->connect_timeout_ms < 10 || c->probe_timeout_ms < 10)
		return dp_seterr(err, errsz, "probe timers too small (at least 20/10/10 ms)");
	/* Below these, a failover's steps or a client's login cannot finish at all: failover and
	 * fencing would silently stop working. */
	if (c->op_step_timeout_ms < 100)
		return dp_seterr(err, errsz, "op_step_timeout_ms must be at least 100");
	if (c->catchup_timeout_ms < 1000)
		return dp_seterr(err, errsz, "catchup_timeout_ms must be at least 1000");
	if (c->handshake_timeout_ms < 100)
		return dp_seterr(err, errsz, "handshake_timeout_ms must be at least 100");
	if (c->fail_refused < 1 || c->fail_timeouts < 1)
		return dp_seterr(err, errsz, "fail_refused and fail_timeouts must be at least 1");
	if (c->buffer_kib < 4 || c->buffer_kib > 16384)
		return dp_seterr(err, errsz, "buffer_kib must be 4..16384");
	if (c->max_clients < 1)
		return dp_seterr(err, errsz, "max_clients must be at least 1");
	if (c->max_handshakes < 1)
		return dp_seterr(err, errsz, "max_handshakes must be at least 1");
	/* Quoted into statements: a plain identifier only. */
	if (!c->cooperative_database[0] ||
	    strspn(c->cooperative_database, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789_") != strlen(c->cooperative_database))
		return dp_seterr(err, errsz,
				 "cooperative_database: letters, digits and '_' only (1-64)");
	if (c->monitor_tls_ca[0] && access(c->monitor_tls_ca, R_OK) != 0)
		return dp_seterr(err, errsz, "monitor_tls_ca %s: %s", c->monitor_tls_ca,
				 strerror(errno));
	if (read_secret(c->monitor_password_file, c->monitor_password, sizeof(c->monitor_password),
			"monitor password", err, errsz) < 0 ||
	    read_secret(c->replication_password_file, c->replication_password,
			sizeof(c->replication_password), "replication password", err, errsz) < 0 ||
	    read_secret(c->admin_token_file, c->admin_token, sizeof(c->admin_token), "admin token",
			err, errsz) < 0 ||
	    read_secret(c->cooperative_key_file, c->cooperative_key, sizeof(c->cooperative_key),
			"cooperative key", err, errsz) < 0)
		return -1;
	if (c->cooperative_key_file[0] && strlen(c->cooperative_key) < 16)
		return dp_seterr(err, errsz, "the cooperative key must be at least 16 characters");
	if (c->admin[0] && strlen(c->admin_token) < 16)
		return dp_seterr(err, errsz, "the admin token must be at least 16 characters");
	return default_state_file(c, err, errsz);
}

void dp_config_wipe(dp_config *c)
{
	sodium_memzero(c->monitor_password, sizeof(c->monitor_password));
	sodium_memzero(c->replication_password, sizeof(c->replication_password));
	sodium_memzero(c->cooperative_key, sizeof(c->cooperative_key));
	sodium_memzero(c->admin_token, sizeof(c->admin_token));
}
