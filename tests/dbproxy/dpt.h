/* Helpers shared by the dbproxy tests: start a real dbproxy (the binary of the build under
 * test) in front of a harness cluster, talk to its admin endpoint, and run a writer that keeps
 * a ledger of acknowledged inserts. Header-only: each test is one binary. */
#ifndef DPT_H
#define DPT_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <mysql.h>

#include "th_cluster.h"

#define DPT_APP_USER "app"
#define DPT_APP_PASS "app-secret-pw"
#define DPT_APP_DB   "app"
#define DPT_MON_USER "dbmon"
#define DPT_MON_PASS "monitor-secret"
#define DPT_TOKEN    "dpt-admin-token-0123456789"

typedef struct dpt_proxy {
	pid_t pid;
	int port, admin_port;
	char log[PATH_MAX];
	th_cluster *c;
	/* The command line it was started with, for dpt_proxy_restart. */
	char argbuf[16384];
	char *argv[96];
	int bind_failed; /* the last launch exited because a port was taken */
} dpt_proxy;

static inline uint64_t dpt_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint64_t dpt_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static inline void dpt_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static inline void dpt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void dpt_log(const char *fmt, ...)
{
	va_list ap;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	fprintf(stderr, "[%ld.%03ld] ", (long)tv.tv_sec % 1000, (long)tv.tv_usec / 1000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static inline int dpt_free_port(void)
{
	/* Below Linux's ephemeral range (32768-60999), as the harness picks its servers' ports:
	 * a port the kernel hands out for bind(0) may be given to an outgoing connection (a
	 * client, a replica, dbproxy's own monitor) before dbproxy binds it. Random, so that
	 * tests running side by side rarely try the same one; dpt_proxy_start retries anyway. */
	static unsigned seed;
	if (!seed)
		seed = (unsigned)dpt_us() ^ ((unsigned)getpid() << 16);
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
		if (fd < 0)
			return -1;
		seed = seed * 1103515245u + 12345u;
		a.sin_port = htons((uint16_t)(20000 + (seed >> 8) % 12000));
		ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return ntohs(a.sin_port);
	}
	return -1;
}

/* The dbproxy of the same build as this test binary (build/X/tests/test_y -> build/X/bin). */
static inline int dpt_binary(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	if (n <= 0)
		return -1;
	self[n] = 0;
	for (int i = 0; i < 2; i++) {
		slash = strrchr(self, '/');
		if (!slash)
			return -1;
		*slash = 0;
	}
	if ((size_t)snprintf(out, size, "%s/bin/dbproxy", self) >= size)
		return -1;
	return access(out, X_OK);
}

static inline int dpt_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fputc('\n', f);
	return fclose(f);
}

/* Creates the monitoring user, an application user (no READ_ONLY ADMIN, so read_only stops
 * it) and the ledger table on every server, outside the binary log, as an admin provisions a
 * cluster: they exist wherever dbproxy logs in, and the first transaction replication carries
 * is the test's first write (on a replica that is a semi-sync master with wait_no_slave=ON,
 * that is the one its SQL thread stalls on). */
static inline int dpt_setup_users(th_cluster *c)
{
	for (int i = 0; i < c->nservers; i++)
		if (th_sql(
			c, i,
			"SET SESSION sql_log_bin = 0;"
			"CREATE USER " DPT_MON_USER "@'127.0.0.1' IDENTIFIED BY '" DPT_MON_PASS "';"
			"GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, "
			"REPLICATION MASTER ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, "
			"RELOAD, BINLOG ADMIN ON *.* TO " DPT_MON_USER "@'127.0.0.1';"
			"GRANT ALL ON dbproxy.* TO " DPT_MON_USER "@'127.0.0.1';"
			"GRANT SELECT ON mysql.global_priv TO " DPT_MON_USER "@'127.0.0.1';"
			"CREATE DATABASE " DPT_APP_DB ";"
			"CREATE USER " DPT_APP_USER "@'127.0.0.1' IDENTIFIED BY '" DPT_APP_PASS "';"
			"GRANT ALL ON " DPT_APP_DB ".* TO " DPT_APP_USER "@'127.0.0.1';"
			"CREATE TABLE " DPT_APP_DB
			".ledger (id INT PRIMARY KEY, at DATETIME(6) NOT "
			"NULL)") < 0)
			return -1;
	return 0;
}

/* Starts dbproxy in front of every server of c ("s0".."sN"), with extra flags (NULL-ended).
 * Waits until routing is open. 0 or -1. */
static inline int dpt_proxy_start(dpt_proxy *p, th_cluster *c, const char *const *extra);
static inline int dpt_proxy_launch(dpt_proxy *p, char *const *argv);
static inline void dpt_proxy_dump_log(const dpt_proxy *p, int lines);
static inline int dpt_http(const dpt_proxy *p, const char *method, const char *path, char **body);
static inline json_t *dpt_status(const dpt_proxy *p);

static inline int dpt_proxy_start(dpt_proxy *p, th_cluster *c, const char *const *extra)
{
	char bin[PATH_MAX], mon[PATH_MAX + 64], repl[PATH_MAX + 64], tok[PATH_MAX + 64], listen[64],
	    admin[64];
	char servers[TH_MAX_SERVERS][96];
	char *argv[96];
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->c = c;
	if (dpt_binary(bin, sizeof(bin)) < 0) {
		fprintf(stderr, "dbproxy binary not found next to the test\n");
		return -1;
	}
	snprintf(mon, sizeof(mon), "%s/dbproxy-mon.pw", c->dir);
	snprintf(repl, sizeof(repl), "%s/dbproxy-repl.pw", c->dir);
	snprintf(tok, sizeof(tok), "%s/dbproxy-admin.token", c->dir);
	if ((size_t)snprintf(p->log, sizeof(p->log), "%.*s/dbproxy.log", PATH_MAX - 16, c->dir) >=
	    sizeof(p->log))
		return -1;
	p->port = dpt_free_port();
	p->admin_port = dpt_free_port();
	if (access(p->log, F_OK) == 0) /* a second dbproxy on the same cluster: a log of its own */
		snprintf(p->log, sizeof(p->log), "%.*s/dbproxy-%d.log", PATH_MAX - 32, c->dir,
			 p->port);
	if (dpt_write_file(mon, DPT_MON_PASS) < 0 || dpt_write_file(repl, c->repl_password) < 0 ||
	    dpt_write_file(tok, DPT_TOKEN) < 0)
		return -1;
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = listen;
	for (int i = 0; i < c->nservers; i++) {
		snprintf(servers[i], sizeof(servers[i]), "s%d=127.0.0.1:%d", i, c->servers[i].port);
		argv[n++] = "--server";
		argv[n++] = servers[i];
	}
	argv[n++] = "--monitor-user";
	argv[n++] = DPT_MON_USER;
	argv[n++] = "--monitor-password-file";
	argv[n++] = mon;
	argv[n++] = "--replication-user";
	argv[n++] = c->repl_user;
	argv[n++] = "--replication-password-file";
	argv[n++] = repl;
	argv[n++] = "--admin";
	argv[n++] = admin;
	argv[n++] = "--admin-token-file";
	argv[n++] = tok;
	if (getenv("DPT_LOG_LEVEL")) { /* debugging: DPT_LOG_LEVEL=debug */
		argv[n++] = "--log-level";
		argv[n++] = getenv("DPT_LOG_LEVEL");
	}
	int first_extra = n;
	for (int i = 0; extra && extra[i] && n < 94; i++)
		argv[n++] = strdup(extra[i]);
	argv[n] = NULL;

	int r = -1;
	/* A port can be taken between dpt_free_port and dbproxy's bind: then other ports. */
	for (int attempt = 0; attempt < 3 && r < 0; attempt++) {
		if (attempt > 0)
			fprintf(stderr, "dbproxy could not listen on its ports: trying others\n");
		p->port = dpt_free_port();
		p->admin_port = dpt_free_port();
		if (p->port == p->admin_port)
			continue;
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", p->port);
		snprintf(admin, sizeof(admin), "127.0.0.1:%d", p->admin_port);
		/* Kept for dpt_proxy_restart. */
		size_t used = 0;
		int kept = 0;
		for (int i = 0; i < n; i++) {
			size_t len = strlen(argv[i]) + 1;
			if (used + len <= sizeof(p->argbuf)) {
				memcpy(p->argbuf + used, argv[i], len);
				p->argv[kept++] = p->argbuf + used;
				used += len;
			}
		}
		p->argv[kept] = NULL;
		if (kept != n)
			break;
		r = dpt_proxy_launch(p, argv);
		if (r < 0 && !p->bind_failed)
			break;
	}
	for (int i = first_extra; i < n; i++)
		free(argv[i]);
	return r;
}

/* Kills dbproxy with sig (SIGKILL: a crash; SIGTERM: a clean stop), waits for it to exit, and
 * starts it again with the same command line (same ports, same state file); waits for routing.
 * 0 or -1. */
static inline int dpt_proxy_restart(dpt_proxy *p, int sig)
{
	int st;
	if (p->pid > 0) {
		kill(p->pid, sig);
		if (sig == SIGTERM)
			kill(p->pid, SIGTERM); /* the second one ends busy sessions at once */
		waitpid(p->pid, &st, 0);
		p->pid = 0;
	}
	return dpt_proxy_launch(p, p->argv);
}

/* Starts bin with argv (logs to p->log, dies with the test, or rather with the thread that
 * called this: call it from the main thread) without waiting. 0 or -1. */
static inline int dpt_proxy_spawn(dpt_proxy *p, char *const *argv)
{
	pid_t parent = getpid();
	p->bind_failed = 0;
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		int fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (int i = 3; i < 1024; i++)
			close(i);
		execv(argv[0], argv);
		_exit(127);
	}
	return 0;
}

static inline int dpt_proxy_wait_open(dpt_proxy *p);

/* Starts bin with argv (dpt_proxy_spawn) and waits for routing. */
static inline int dpt_proxy_launch(dpt_proxy *p, char *const *argv)
{
	if (dpt_proxy_spawn(p, argv) < 0)
		return -1;
	return dpt_proxy_wait_open(p);
}

/* Waits (20 s at most) until a spawned dbproxy opens routing. 0, or -1 (it exited: its log on
 * stderr). */
static inline int dpt_proxy_wait_open(dpt_proxy *p)
{
	uint64_t deadline = dpt_ms() + 20000;
	while (dpt_ms() < deadline) {
		json_t *st = dpt_status(p);
		int open = st && json_is_string(json_object_get(st, "routing")) &&
			   strcmp(json_string_value(json_object_get(st, "routing")), "open") == 0;
		json_decref(st);
		if (open)
			return 0;
		int wst;
		if (waitpid(p->pid, &wst, WNOHANG) == p->pid) {
			char cmd[PATH_MAX + 96];
			/* Its log goes with the cluster's folder when the setup fails: shown now.
			 */
			fprintf(stderr, "dbproxy exited at startup (status %d); its log %s:\n", wst,
				p->log);
			dpt_proxy_dump_log(p, 40);
			snprintf(cmd, sizeof(cmd), "grep -q 'Address already in use' '%s'", p->log);
			p->bind_failed = system(cmd) == 0;
			p->pid = 0;
			return -1;
		}
		dpt_sleep_ms(50);
	}
	fprintf(stderr, "dbproxy did not open routing within 20 s; its log %s:\n", p->log);
	dpt_proxy_dump_log(p, 40);
	return -1;
}

/* SIGTERM, then waits (bounded). Returns the exit status (0 is a clean, leak-free exit under
 * ASan), or -1 when it had to be killed. */
static inline void dpt_proxy_keep_log(const dpt_proxy *p)
{
	/* DPT_KEEP_LOG=FILE keeps dbproxy's log after the cluster folder is removed (debugging). */
	const char *keep = getenv("DPT_KEEP_LOG");
	char cmd[2 * PATH_MAX + 32];
	if (keep && keep[0] &&
	    (size_t)snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", p->log, keep) < sizeof(cmd) &&
	    system(cmd) != 0)
		fprintf(stderr, "could not keep the dbproxy log\n");
}

static inline int dpt_proxy_stop(dpt_proxy *p)
{
	int st = 0;
	if (p->pid <= 0)
		return 0;
	kill(p->pid, SIGTERM);
	for (int i = 0; i < 400; i++) {
		if (i == 200)
			kill(p->pid, SIGTERM); /* a second one: sessions left open by a failed test
						  end now */
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = 0;
			dpt_proxy_keep_log(p);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		dpt_sleep_ms(50);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &st, 0);
	p->pid = 0;
	return -1;
}

static inline void dpt_proxy_dump_log(const dpt_proxy *p, int lines)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "tail -n %d '%s' >&2", lines, p->log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no dbproxy log)\n");
}

/* A plain HTTP/1.1 request to the admin endpoint: the status code, body in *body (malloc). */
static inline int dpt_http(const dpt_proxy *p, const char *method, const char *path, char **body)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)p->admin_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {60, 0};
	char req[1024], *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), code = -1;
	if (body)
		*body = NULL;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " DPT_TOKEN
			 "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
			 method, path);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);
			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!buf)
		return -1;
	buf[len] = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
		code = -1;
	char *b = strstr(buf, "\r\n\r\n");
	if (body && b)
		*body = strdup(b + 4);
	free(buf);
	return code;
}

static inline json_t *dpt_status(const dpt_proxy *p)
{
	char *body = NULL;
	json_t *j = NULL;
	if (dpt_http(p, "GET", "/status", &body) == 200 && body)
		j = json_loads(body, 0, NULL);
	free(body);
	return j;
}

/* A counter of /status ("accepted", "handshake_timeouts"...); -1 when absent. */
static inline long long dpt_counter(const dpt_proxy *p, const char *name)
{
	json_t *st = dpt_status(p);
	json_t *v = st ? json_object_get(json_object_get(st, "counters"), name) : NULL;
	long long n = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
	json_decref(st);
	return n;
}

/* Index of the server dbproxy calls its primary ("sN"), or -1. */
static inline int dpt_primary(const dpt_proxy *p, uint64_t *epoch)
{
	json_t *st = dpt_status(p);
	int idx = -1;
	if (st) {
		const char *name = json_string_value(json_object_get(st, "primary"));
		if (name && name[0] == 's')
			idx = atoi(name + 1);
		if (epoch)
			*epoch = (uint64_t)json_integer_value(json_object_get(st, "epoch"));
		json_decref(st);
	}
	return idx;
}

/* What a dbproxy's /status says of its own part (cooperative mode, docs/ha.md). */
typedef struct dpt_view {
	int up, leader, primary, open; /* primary: N of sN, -1; open: routing open */
	uint64_t epoch;
	long long failovers, refusals;
} dpt_view;

/* Reads st (and frees it); NULL gives a dbproxy that is not up. */
static inline dpt_view dpt_view_of(json_t *st)
{
	dpt_view v = {.primary = -1};
	if (!st)
		return v;
	const char *role =
	    json_string_value(json_object_get(json_object_get(st, "cooperative"), "role"));
	const char *prim = json_string_value(json_object_get(st, "primary"));
	const char *routing = json_string_value(json_object_get(st, "routing"));
	v.up = 1;
	v.leader = role && !strcmp(role, "leader");
	v.primary = prim && prim[0] == 's' ? atoi(prim + 1) : -1;
	v.epoch = (uint64_t)json_integer_value(json_object_get(st, "epoch"));
	v.open = routing && !strcmp(routing, "open");
	json_t *counters = json_object_get(st, "counters");
	v.failovers = json_integer_value(json_object_get(counters, "failovers"));
	v.refusals = json_integer_value(json_object_get(counters, "failover_refusals"));
	json_decref(st);
	return v;
}

/* A string field of server sN in /status ("role", "health"...), copied into out. */
static inline int dpt_server_field(const dpt_proxy *p, int idx, const char *field, char *out,
				   size_t size)
{
	json_t *st = dpt_status(p), *servers, *s;
	size_t i;
	char name[16];
	int r = -1;
	out[0] = 0;
	if (!st)
		return -1;
	snprintf(name, sizeof(name), "s%d", idx);
	servers = json_object_get(st, "servers");
	json_array_foreach(servers, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0) {
			json_t *v = json_object_get(s, field);
			if (json_is_string(v))
				snprintf(out, size, "%s", json_string_value(v));
			else if (json_is_boolean(v))
				snprintf(out, size, "%s", json_is_true(v) ? "true" : "false");
			else if (json_is_integer(v))
				snprintf(out, size, "%lld", (long long)json_integer_value(v));
			r = 0;
		}
	}
	json_decref(st);
	return r;
}

/* Waits until every server but the primary replicates from it with both threads running
 * and dbproxy's heartbeat period in place (so that switchovers have a ready target). */
static inline int dpt_replicas_ready(void *arg)
{
	const dpt_proxy *p = arg;
	json_t *st = dpt_status(p), *s;
	size_t i;
	int ready = st != NULL;
	json_array_foreach(json_object_get(st, "servers"), i, s)
	{
		json_t *r = json_object_get(s, "replication");
		if (json_is_true(json_object_get(s, "writer")))
			continue;
		if (strcmp(json_string_value(json_object_get(s, "role")), "replica") != 0 ||
		    !json_is_object(r) ||
		    strcmp(json_string_value(json_object_get(r, "io_running")), "Yes") != 0 ||
		    !json_is_true(json_object_get(r, "sql_running")) ||
		    json_real_value(json_object_get(r, "heartbeat_period")) > 0.6 ||
		    strcmp(json_string_value(json_object_get(s, "health")), "up") != 0)
			ready = 0;
	}
	json_decref(st);
	return ready;
}

/* A client connection through dbproxy as the application user. */
static inline MYSQL *dpt_connect(const dpt_proxy *p, unsigned read_timeout)
{
	MYSQL *m = mysql_init(NULL);
	unsigned ct = 15, rt = read_timeout ? read_timeout : 15;
	if (!m)
		return NULL;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rt);
	if (!mysql_real_connect(m, "127.0.0.1", DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB,
				(unsigned)p->port, NULL, 0)) {
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* The first column of the first row of sql on m as a number; -1 when there is none
 * (mysql_errno(m) says why). */
static inline long long dpt_query_number(MYSQL *m, const char *sql)
{
	long long v = -1;
	if (mysql_query(m, sql) == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		if (row && row[0])
			v = atoll(row[0]);
		mysql_free_result(r);
	}
	return v;
}

/* The server (@@server_id) a new session through p lands on, or -1. */
static inline int dpt_served_by(const dpt_proxy *p)
{
	MYSQL *m = dpt_connect(p, 10);
	int id = m ? (int)dpt_query_number(m, "SELECT @@server_id") : -1;
	if (m)
		mysql_close(m);
	return id;
}

/* One number from a query as root on server idx; -1 on error. */
static inline long long dpt_number(th_cluster *c, int idx, const char *sql)
{
	MYSQL *m = th_connect(c, idx, NULL);
	long long v;
	if (!m)
		return -1;
	v = dpt_query_number(m, sql);
	mysql_close(m);
	return v;
}

/* Polls cond(arg) every 50 ms for at most ms; 1 when it became true. */
static inline int dpt_until(unsigned ms, int (*cond)(void *), void *arg)
{
	uint64_t deadline = dpt_ms() + ms;
	do {
		if (cond(arg))
			return 1;
		dpt_sleep_ms(50);
	} while (dpt_ms() < deadline);
	return cond(arg);
}

/* Is process pid stopped (state 'T' in /proc/PID/stat: a fail point's SIGSTOP, docs/dbproxy.md
 * §13)? */
static inline int dpt_proc_stopped(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = 0;
	const char *paren = strrchr(buf, ')'); /* "PID (comm) STATE ..." */
	return paren && paren[1] == ' ' && paren[2] == 'T';
}

/* The CPU time (user + system, seconds) process pid has used, -1 when unknown. */
static inline double dpt_cpu_seconds(pid_t pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* Fields 14 and 15 (utime, stime) follow the ")" that ends the command name. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The CPU time process pid uses in the next ms milliseconds, after a short settling pause
 * (300 ms); -1 when unknown. */
static inline double dpt_cpu_used(pid_t pid, unsigned ms)
{
	dpt_sleep_ms(300);
	double c0 = dpt_cpu_seconds(pid);
	dpt_sleep_ms(ms);
	double c1 = dpt_cpu_seconds(pid);
	return c0 < 0 || c1 < 0 ? -1 : c1 - c0;
}

/* How many running servers of c say @@global.read_only = 0; *which is the last of them (-1
 * when none). A server that is running but does not answer counts as -1 on its own: the
 * result is then -1. */
static inline int dpt_writable_servers(th_cluster *c, int *which)
{
	int n = 0;
	*which = -1;
	for (int i = 0; i < c->nservers; i++) {
		if (th_server_pid(c, i) <= 0)
			continue;
		long long ro = dpt_number(c, i, "SELECT @@global.read_only");
		if (ro < 0)
			return -1;
		if (ro == 0) {
			n++;
			*which = i;
		}
	}
	return n;
}

/* Rejoins server idx after a crash (POST /rejoin). When dbproxy refuses because crash recovery
 * kept a transaction no replica had (it quarantines such a server: correct, nothing
 * acknowledged is in it), the server is re-provisioned from a cleanly stopped replica's datadir,
 * after which dbproxy lifts the quarantine. 0 rejoined, 1 re-provisioned, -1 failure. */
static inline int dpt_rejoin_or_reprovision(th_cluster *c, dpt_proxy *p, int idx)
{
	char path[64], *body = NULL, cmd[3 * PATH_MAX];
	int code, primary, src = -1;
	snprintf(path, sizeof(path), "/rejoin?server=s%d", idx);
	code = dpt_http(p, "POST", path, &body);
	if (code == 200) {
		free(body);
		return 0;
	}
	if (code != 409 || !body || !strstr(body, "quarantined")) {
		fprintf(stderr, "rejoin of s%d answered %d: %s\n", idx, code, body ? body : "");
		free(body);
		return -1;
	}
	dpt_log("s%d was quarantined (diverged history), re-provisioning it from a replica", idx);
	free(body);
	primary = dpt_primary(p, NULL);
	for (int i = 0; i < c->nservers; i++)
		if (i != primary && i != idx)
			src = i;
	if (src < 0 || th_server_signal(c, idx, SIGKILL) < 0 ||
	    th_server_signal(c, src, SIGTERM) < 0)
		return -1;
	for (int i = 0; i < 600 && th_server_pid(c, src) > 0; i++)
		dpt_sleep_ms(50);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", c->servers[idx].datadir,
		 c->servers[src].datadir, c->servers[idx].datadir);
	if (th_server_pid(c, src) > 0 || system(cmd) != 0 || th_server_start(c, src) < 0 ||
	    th_server_start(c, idx) < 0)
		return -1;
	for (int i = 0; i < 400; i++) {
		char role[32];
		if (dpt_server_field(p, idx, "role", role, sizeof(role)) == 0 &&
		    !strcmp(role, "replica"))
			return 1;
		dpt_sleep_ms(50);
	}
	return -1;
}

/* An admin's POST /failover?allow_loss=1: 200, or -1 (the answer on stderr). The history's
 * recorded reason for a possible loss is copied into gap (empty when none). */
static inline int dpt_forced_failover(const dpt_proxy *p, char *gap, size_t gapsz)
{
	char *body = NULL;
	int code = dpt_http(p, "POST", "/failover?allow_loss=1", &body);
	json_t *ans = code == 200 && body ? json_loads(body, 0, NULL) : NULL;
	const char *g =
	    json_string_value(json_object_get(json_object_get(ans, "event"), "gtid_gap"));
	if (code != 200)
		fprintf(stderr, "failover answered %d: %s\n", code, body ? body : "");
	snprintf(gap, gapsz, "%s", g ? g : "");
	dpt_log("forced failover; recorded gap: %s", g ? g : "(none)");
	json_decref(ans);
	free(body);
	return code == 200 ? code : -1;
}

/* ---------------------------------------------------------------- a test file's fixture */

/* One cluster and one dbproxy in front of it, shared by the tests of a file. */
typedef struct dpt_fixture {
	th_cluster *c;
	dpt_proxy p;
} dpt_fixture;

/* Starts the cluster (opts), provisions the users (dpt_setup_users) and starts dbproxy with
 * extra flags. 0, or -1 with nothing left running. */
static inline int dpt_fixture_start(dpt_fixture *f, const th_options *opts,
				    const char *const *extra)
{
	if (th_cluster_start(&f->c, opts) < 0)
		return -1;
	if (dpt_setup_users(f->c) < 0 || dpt_proxy_start(&f->p, f->c, extra) < 0) {
		th_cluster_free(f->c);
		f->c = NULL;
		return -1;
	}
	return 0;
}

/* Stops dbproxy (its log on stderr when it did not exit cleanly: under ASan, a leak) and the
 * cluster. 0 when dbproxy exited with status 0. */
static inline int dpt_fixture_stop(dpt_fixture *f)
{
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0) {
		fprintf(stderr, "dbproxy exit status %d\n", rc);
		dpt_proxy_dump_log(&f->p, 80);
	}
	th_cluster_free(f->c);
	f->c = NULL;
	return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- the ledger writer */

typedef struct dpt_writer {
	pthread_t th;
	const dpt_proxy *p;
	atomic_int stop;
	atomic_int paused;
	pthread_mutex_t mu;
	int *acked;
	uint64_t *acked_us; /* when each was acknowledged */
	size_t nacked, cap;
	int next_id;
	int errors;
	int read_only_errors; /* of which 1290: routed to a server that is read-only */
	int reconnects;
	unsigned delay_ms;
	uint64_t last_ack_ms;
	uint64_t last_ack_us;	   /* when the last insert was acknowledged */
	uint64_t last_ack_sent_us; /* when the last acknowledged insert was sent */
	int running;		   /* the thread runs: dpt_writer_stop joins it */
	int initialized;	   /* dpt_writer_free has something to free */
} dpt_writer;

static inline void *dpt_writer_main(void *arg)
{
	dpt_writer *w = arg;
	MYSQL *m = NULL;
	char sql[128];
	while (!atomic_load(&w->stop)) {
		if (atomic_load(&w->paused)) {
			dpt_sleep_ms(5);
			continue;
		}
		if (!m) {
			m = dpt_connect(w->p, 10);
			if (!m) {
				pthread_mutex_lock(&w->mu);
				w->errors++;
				pthread_mutex_unlock(&w->mu);
				dpt_sleep_ms(20);
				continue;
			}
			w->reconnects++;
		}
		/* Ids are never reused: a failed insert's id may still exist somewhere. Taken under
		 * the lock: dpt_ledger_missing reads next_id from the test's thread. */
		pthread_mutex_lock(&w->mu);
		int id = w->next_id++;
		pthread_mutex_unlock(&w->mu);
		snprintf(sql, sizeof(sql), "INSERT INTO ledger (id, at) VALUES (%d, NOW(6))", id);
		uint64_t sent = dpt_us();
		if (mysql_query(m, sql) == 0) {
			pthread_mutex_lock(&w->mu);
			if (w->nacked == w->cap) {
				size_t cap = w->cap ? w->cap * 2 : 1024;
				int *a = realloc(w->acked, cap * sizeof(int));
				uint64_t *t =
				    a ? realloc(w->acked_us, cap * sizeof(uint64_t)) : NULL;
				if (a)
					w->acked = a;
				if (t) {
					w->acked_us = t;
					w->cap = cap;
				}
			}
			if (w->nacked < w->cap) {
				w->acked_us[w->nacked] = dpt_us();
				w->acked[w->nacked++] = id;
			}
			w->last_ack_ms = dpt_ms();
			w->last_ack_sent_us = sent;
			w->last_ack_us = dpt_us();
			pthread_mutex_unlock(&w->mu);
		} else {
			/* Said, so that a test that counts errors shows which. */
			dpt_log("writer: insert %d failed: %u %s", id, mysql_errno(m),
				mysql_error(m));
			pthread_mutex_lock(&w->mu);
			w->errors++;
			w->read_only_errors += mysql_errno(m) == 1290;
			pthread_mutex_unlock(&w->mu);
			mysql_close(m);
			m = NULL;
		}
		if (w->delay_ms)
			dpt_sleep_ms(w->delay_ms);
	}
	if (m)
		mysql_close(m);
	return NULL;
}

/* Starts a writer whose ids begin at first_id (several writers on one ledger). */
static inline int dpt_writer_start_at(dpt_writer *w, const dpt_proxy *p, unsigned delay_ms,
				      int first_id);

static inline int dpt_writer_start(dpt_writer *w, const dpt_proxy *p, unsigned delay_ms)
{
	return dpt_writer_start_at(w, p, delay_ms, 1);
}

static inline int dpt_writer_start_at(dpt_writer *w, const dpt_proxy *p, unsigned delay_ms,
				      int first_id)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->next_id = first_id;
	w->delay_ms = delay_ms;
	pthread_mutex_init(&w->mu, NULL);
	w->initialized = 1;
	w->running = pthread_create(&w->th, NULL, dpt_writer_main, w) == 0;
	return w->running ? 0 : -1;
}

/* Stops the thread; safe to call twice, or on a writer never started. */
static inline void dpt_writer_stop(dpt_writer *w)
{
	if (!w->running)
		return;
	atomic_store(&w->stop, 1);
	pthread_join(w->th, NULL);
	w->running = 0;
}

/* Stops (if need be) and frees. A writer must outlive its thread: keep it in the fixture, and
 * free it in the teardown too, so that a failed assertion does not leave the thread writing
 * into a dead stack frame. */
static inline void dpt_writer_free(dpt_writer *w)
{
	dpt_writer_stop(w);
	if (!w->initialized)
		return;
	free(w->acked);
	free(w->acked_us);
	pthread_mutex_destroy(&w->mu);
	w->acked = NULL;
	w->acked_us = NULL;
	w->initialized = 0;
}

static inline size_t dpt_writer_count(dpt_writer *w)
{
	pthread_mutex_lock(&w->mu);
	size_t n = w->nacked;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* The longest time between two acknowledgements from the one numbered `from` (0-based) on:
 * the write gap of a failover that happened after it (microseconds). */
static inline uint64_t dpt_writer_max_gap_us(dpt_writer *w, size_t from)
{
	uint64_t gap = 0;
	pthread_mutex_lock(&w->mu);
	for (size_t i = from + 1; i < w->nacked; i++)
		if (w->acked_us[i] - w->acked_us[i - 1] > gap)
			gap = w->acked_us[i] - w->acked_us[i - 1];
	pthread_mutex_unlock(&w->mu);
	return gap;
}

/* Waits until the writer acknowledged `more` inserts beyond `from`; 1 on success. */
static inline int dpt_writer_wait(dpt_writer *w, size_t target, unsigned ms)
{
	uint64_t deadline = dpt_ms() + ms;
	while (dpt_writer_count(w) < target) {
		if (dpt_ms() > deadline)
			return 0;
		dpt_sleep_ms(10);
	}
	return 1;
}

/* Acknowledged ids missing from the ledger on server idx (-1 when it cannot be read). */
static inline long dpt_ledger_missing(th_cluster *c, int idx, dpt_writer *w, size_t *checked)
{
	MYSQL *m = th_connect(c, idx, NULL);
	unsigned char *seen;
	long missing = 0;
	int maxid;
	if (!m)
		return -1;
	pthread_mutex_lock(&w->mu);
	size_t n = w->nacked;
	int *ids = malloc((n ? n : 1) * sizeof(int));
	if (ids)
		memcpy(ids, w->acked, n * sizeof(int));
	maxid = w->next_id + 1;
	pthread_mutex_unlock(&w->mu);
	seen = calloc((size_t)maxid + 1, 1);
	if (!ids || !seen || mysql_query(m, "SELECT id FROM " DPT_APP_DB ".ledger") != 0) {
		free(ids);
		free(seen);
		mysql_close(m);
		return -1;
	}
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row;
	while (r && (row = mysql_fetch_row(r))) {
		int id = atoi(row[0]);
		if (id >= 0 && id <= maxid)
			seen[id] = 1;
	}
	mysql_free_result(r);
	mysql_close(m);
	for (size_t i = 0; i < n; i++) {
		if (!seen[ids[i]]) {
			if (missing < 10)
				fprintf(stderr, "acknowledged id %d missing on server %d\n", ids[i],
					idx);
			missing++;
		}
	}
	if (checked)
		*checked = n;
	free(ids);
	free(seen);
	return missing;
}

#endif
