/* dbproxy asynchronous SQL: one monitoring connection to one server, driven by MariaDB
 * Connector/C's non-blocking API from the event loop. Runs one (multi-)statement text at a
 * time with a deadline, and hands every result set to a callback. Never blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <strings.h>

#include <errmsg.h>

#include "dp_log.h"
#include "dp_sql.h"

enum { ST_DOWN, ST_CONNECTING, ST_READY, ST_QUERY, ST_STORE, ST_NEXT };

struct dp_sqlc {
	dp_loop *loop;
	char name[64];
	dp_sql_target target;
	MYSQL *m;
	int state;
	int running; /* an operation is in progress (between run and its callback) */
	dp_io io;
	dp_timer deadline; /* our own bound on the whole step */
	dp_timer libtimer; /* Connector/C asked for MYSQL_WAIT_TIMEOUT */
	dp_timer kick;	   /* defers work that completed inside dp_sqlc_run itself */
	int kick_step;	   /* the kick continues the state machine (else it reports a failure) */
	int suspended; /* a Connector/C call is waiting for I/O: only then may _cont be called */
	char *sql;
	char guard[256]; /* prefixed to every statement text run with the guard (dp_coop.c) */
	unsigned timeout_ms;
	dp_sql_cb *cb;
	void *arg;
	dp_sqlres res;
	uint64_t started_us;
	MYSQL_RES *store_ret;
	MYSQL *connect_ret;
	int int_ret;
};

static void step(dp_sqlc *c, int ready);

static void disconnect(dp_sqlc *c)
{
	c->suspended = 0;
	dp_io_del(c->loop, &c->io);
	dp_timer_cancel(c->loop, &c->libtimer);
	if (c->m) {
		/* mysql_close may write COM_QUIT: a small write to a socket buffer, which does not
		 * block; a suspended non-blocking operation is abandoned with the handle. */
		mysql_close(c->m);
		c->m = NULL;
	}
	c->state = ST_DOWN;
}

static void free_results(dp_sqlres *r)
{
	for (int i = 0; i < r->nres; i++)
		mysql_free_result(r->res[i]);
	r->nres = 0;
}

static void finish(dp_sqlc *c, int status)
{
	dp_sqlres r;
	dp_sql_cb *cb = c->cb;
	void *arg = c->arg;

	dp_timer_cancel(c->loop, &c->deadline);
	dp_timer_cancel(c->loop, &c->libtimer);
	c->suspended = 0;
	if (c->io.fd >= 0)
		dp_io_set(c->loop, &c->io, 0);
	c->res.status = status;
	c->res.elapsed_us = dp_now_us() - c->started_us;
	/* After an error while reading results, Connector/C's handle may be left between
	 * results ("commands out of sync" on the next use): start afresh then. */
	if (status != DP_SQL_OK)
		dp_debug("%s: %s (error %u, state %d)", c->name, c->res.msg, c->res.err, c->state);
	if (status == DP_SQL_ECONNECT || status == DP_SQL_ETIMEOUT ||
	    (status == DP_SQL_ESERVER &&
	     (c->state == ST_STORE || c->state == ST_NEXT || c->res.err >= 2000)))
		disconnect(c);
	else if (c->state != ST_DOWN)
		c->state = ST_READY;
	r = c->res;
	memset(&c->res, 0, sizeof(c->res));
	free(c->sql);
	c->sql = NULL;
	c->running = 0;
	c->cb = NULL;
	/* The callback may start the next operation on this same connection. */
	if (cb)
		cb(c, &r, arg);
	free_results(&r);
}

static void set_error(dp_sqlc *c)
{
	c->res.err = c->m ? mysql_errno(c->m) : CR_UNKNOWN_ERROR;
	snprintf(c->res.msg, sizeof(c->res.msg), "%s", c->m ? mysql_error(c->m) : "no connection");
}

/* Connector/C's client errors (2000-2999) mean the connection is unusable; those that say
 * nothing about the server (out of sync, out of memory) are not held against it. */
static int is_connection_error(unsigned err)
{
	return err >= 2000 && err < 3000 && err != CR_COMMANDS_OUT_OF_SYNC &&
	       err != CR_OUT_OF_MEMORY;
}

/* What a failed step reports: the connection or the server at fault (set_error came first). */
static int error_status(const dp_sqlc *c)
{
	return is_connection_error(c->res.err) ? DP_SQL_ECONNECT : DP_SQL_ESERVER;
}

static void on_io(dp_loop *loop, dp_io *io, unsigned events)
{
	dp_sqlc *c = io->arg;
	int ready = 0;
	(void)loop;
	/* Level-triggered readiness left from an earlier step, or a stale event: calling a _cont
	 * function when nothing is suspended makes Connector/C fail with "commands out of sync". */
	if (!c->suspended) {
		dp_io_set(c->loop, &c->io, 0);
		return;
	}
	if (events & DP_EV_READ)
		ready |= MYSQL_WAIT_READ;
	if (events & DP_EV_WRITE)
		ready |= MYSQL_WAIT_WRITE;
	if (events & DP_EV_ERROR)
		ready |= MYSQL_WAIT_EXCEPT;
	step(c, ready);
}

static void on_libtimer(dp_loop *loop, dp_timer *t)
{
	dp_sqlc *c = t->arg;
	(void)loop;
	if (c->suspended)
		step(c, MYSQL_WAIT_TIMEOUT);
}

static void on_deadline(dp_loop *loop, dp_timer *t)
{
	dp_sqlc *c = t->arg;
	(void)loop;
	snprintf(c->res.msg, sizeof(c->res.msg), "no answer within %u ms",
		 c->state == ST_CONNECTING ? c->target.connect_timeout_ms : c->timeout_ms);
	c->res.err = CR_SERVER_LOST;
	finish(c, DP_SQL_ETIMEOUT);
}

static void on_kick(dp_loop *loop, dp_timer *t)
{
	dp_sqlc *c = t->arg;
	(void)loop;
	if (c->kick_step) {
		c->kick_step = 0;
		step(c, 0);
		return;
	}
	finish(c, c->res.status);
}

/* Registers interest as Connector/C asks: wait is its MYSQL_WAIT_* mask. */
static void wait_for(dp_sqlc *c, int wait)
{
	unsigned mask = 0;
	c->suspended = 1;
	int fd = (int)mysql_get_socket(c->m);
	if (wait & MYSQL_WAIT_READ)
		mask |= DP_EV_READ;
	if (wait & MYSQL_WAIT_WRITE)
		mask |= DP_EV_WRITE;
	if (!dp_io_same_file(&c->io, fd)) {
		dp_io_del(c->loop, &c->io);
		if (fd >= 0 && dp_io_add(c->loop, &c->io, fd, mask) == -1)
			dp_warn("%s: epoll add: %s", c->name, strerror(errno));
	} else {
		dp_io_set(c->loop, &c->io, mask);
	}
	if (wait & MYSQL_WAIT_TIMEOUT)
		dp_timer_set(c->loop, &c->libtimer, mysql_get_timeout_value_ms(c->m));
	else
		dp_timer_cancel(c->loop, &c->libtimer);
}

/* deferred: called from dp_sqlc_run, where a callback must not run (callers are not
 * re-entrant); a query that completes at once continues from the loop instead. */
static void start_query(dp_sqlc *c, int deferred)
{
	int wait;
	c->state = ST_QUERY;
	dp_timer_set(c->loop, &c->deadline, c->timeout_ms);
	c->suspended = 0;
	wait = mysql_real_query_start(&c->int_ret, c->m, c->sql, (unsigned long)strlen(c->sql));
	if (wait) {
		wait_for(c, wait);
	} else if (deferred) {
		dp_io_set(c->loop, &c->io, 0);
		c->kick_step = 1;
		dp_timer_set(c->loop, &c->kick, 0);
	} else {
		step(c, 0);
	}
}

/* Advances the state machine; ready is the MYSQL_WAIT_* readiness (0 right after a _start
 * call completed at once). */
/* One case per state of a statement on Connector/C's _start/_cont calls: clearer whole. */
static void step(dp_sqlc *c, int ready)
{
	int wait = 0;
	if (ready)
		c->suspended = 0; /* resumed; wait_for() sets it again if it has to wait */
	for (;;) {
		switch (c->state) {
		case ST_CONNECTING:
			if (ready)
				wait = mysql_real_connect_cont(&c->connect_ret, c->m, ready);
			if (wait)
				return wait_for(c, wait);
			if (!c->connect_ret) {
				/* A server error (access denied, too many connections) means the
				 * server is alive: not a strike against it. */
				set_error(c);
				disconnect(c);
				return finish(c, error_status(c));
			}
			start_query(c, 0);
			return;
		case ST_QUERY:
			if (ready)
				wait = mysql_real_query_cont(&c->int_ret, c->m, ready);
			if (wait)
				return wait_for(c, wait);
			if (c->int_ret) {
				set_error(c);
				return finish(c, error_status(c));
			}
			c->state = ST_STORE;
			ready = 0;
			wait = mysql_store_result_start(&c->store_ret, c->m);
			continue;
		case ST_STORE:
			if (ready)
				wait = mysql_store_result_cont(&c->store_ret, c->m, ready);
			if (wait)
				return wait_for(c, wait);
			if (c->store_ret) {
				if (c->res.nres < DP_SQL_MAXRES)
					c->res.res[c->res.nres++] = c->store_ret;
				else
					mysql_free_result(c->store_ret);
				c->store_ret = NULL;
			} else if (mysql_errno(c->m)) {
				set_error(c);
				return finish(c, error_status(c));
			}
			c->res.nstmt++;
			if (!mysql_more_results(c->m))
				return finish(c, DP_SQL_OK);
			c->state = ST_NEXT;
			ready = 0;
			wait = mysql_next_result_start(&c->int_ret, c->m);
			continue;
		case ST_NEXT:
			if (ready)
				wait = mysql_next_result_cont(&c->int_ret, c->m, ready);
			if (wait)
				return wait_for(c, wait);
			if (c->int_ret > 0) {
				set_error(c);
				return finish(c, error_status(c));
			}
			if (c->int_ret < 0)
				return finish(c, DP_SQL_OK);
			c->state = ST_STORE;
			ready = 0;
			wait = mysql_store_result_start(&c->store_ret, c->m);
			continue;
		default:
			return;
		}
	}
}

int dp_sqlc_new(dp_sqlc **out, dp_loop *loop, const char *name)
{
	dp_sqlc *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->loop = loop;
	snprintf(c->name, sizeof(c->name), "%s", name);
	dp_io_init(&c->io, on_io, c);
	dp_timer_init(&c->deadline, on_deadline, c);
	dp_timer_init(&c->libtimer, on_libtimer, c);
	dp_timer_init(&c->kick, on_kick, c);
	*out = c;
	return 0;
}

void dp_sqlc_close(dp_sqlc *c)
{
	dp_timer_cancel(c->loop, &c->deadline);
	dp_timer_cancel(c->loop, &c->kick);
	disconnect(c);
	free_results(&c->res);
	memset(&c->res, 0, sizeof(c->res));
	free(c->sql);
	c->sql = NULL;
	c->running = 0;
	c->cb = NULL;
}

void dp_sqlc_free(dp_sqlc *c)
{
	if (!c)
		return;
	dp_sqlc_close(c);
	free(c);
}

/* With a CA: TLS required, the server's certificate verified against it, host name
 * included. These connections read account hashes and send the replication password. */
static void set_tls(MYSQL *m, const char *ca)
{
	my_bool on = 1;
	if (!ca || !ca[0])
		return;
	mysql_optionsv(m, MYSQL_OPT_SSL_CA, ca);
	mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
	mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
}

void dp_sqlc_set_target(dp_sqlc *c, const dp_sql_target *t)
{
	c->target = *t;
}

int dp_sqlc_busy(const dp_sqlc *c)
{
	return c->running;
}

int dp_sqlc_connected(const dp_sqlc *c)
{
	return c->m && c->state >= ST_READY;
}

int dp_sqlc_peer_alive(const dp_sqlc *c)
{
	char b;
	if (!dp_sqlc_connected(c) || c->io.fd < 0)
		return -1;
	ssize_t n = recv(c->io.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
		return 1;
	return 0; /* end of stream or reset: the server closed it */
}

static void fail_soon(dp_sqlc *c, int status)
{
	c->res.status = status;
	c->kick_step = 0;
	dp_timer_set(c->loop, &c->kick, 0);
}

void dp_sqlc_set_guard(dp_sqlc *c, const char *guard)
{
	snprintf(c->guard, sizeof(c->guard), "%s", guard ? guard : "");
}

static char *guarded_text(const dp_sqlc *c, const char *sql, int guarded)
{
	size_t g = guarded ? strlen(c->guard) : 0, n = strlen(sql);
	char *t = malloc(g + n + 1);
	if (t) {
		memcpy(t, c->guard, g);
		memcpy(t + g, sql, n + 1);
	}
	return t;
}

int dp_sqlc_run(dp_sqlc *c, const char *sql, unsigned timeout_ms, dp_sql_cb *cb, void *arg)
{
	return dp_sqlc_run_guarded(c, sql, 1, timeout_ms, cb, arg);
}

int dp_sqlc_run_guarded(dp_sqlc *c, const char *sql, int guarded, unsigned timeout_ms,
			dp_sql_cb *cb, void *arg)
{
	int wait;
	if (c->running)
		return -1;
	c->sql = guarded_text(c, sql, guarded);
	c->cb = cb;
	c->arg = arg;
	c->timeout_ms = timeout_ms;
	c->running = 1;
	c->started_us = dp_now_us();
	memset(&c->res, 0, sizeof(c->res));
	if (!c->sql) {
		snprintf(c->res.msg, sizeof(c->res.msg), "out of memory");
		fail_soon(c, DP_SQL_ECONNECT);
		return 0;
	}
	if (c->state == ST_READY) {
		start_query(c, 1);
		return 0;
	}
	disconnect(c);
	c->m = mysql_init(NULL);
	if (!c->m) {
		snprintf(c->res.msg, sizeof(c->res.msg), "mysql_init failed");
		fail_soon(c, DP_SQL_ECONNECT);
		return 0;
	}
	/* Connector/C's own timeouts are whole seconds: ours (the deadline timer) are the real
	 * bounds, theirs only a backstop. */
	unsigned secs = c->target.connect_timeout_ms / 1000 + 2, rw = timeout_ms / 1000 + 30;
	my_bool off = 0;
	mysql_options(c->m, MYSQL_OPT_NONBLOCK, 0);
	mysql_options(c->m, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(c->m, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(c->m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(c->m, MYSQL_OPT_LOCAL_INFILE, &off);
	mysql_options(c->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(c->m, MYSQL_OPT_PROTOCOL, &(unsigned){MYSQL_PROTOCOL_TCP});
	/* A server (or whoever answers on its address) may ask the client to switch plugins:
	 * mysql_clear_password or dialog would be given the password in clear over this
	 * connection, unencrypted without monitor_tls_ca. Only plugins that never send it are
	 * answered. */
	mysql_optionsv(c->m, MARIADB_OPT_RESTRICTED_AUTH, DP_SQL_AUTH_PLUGINS);
	set_tls(c->m, c->target.tls_ca);
	/* dbproxy's statements quote with backslashes (dp_sql_escape): its sessions read them
	 * so whatever the server's global sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES). */
	mysql_options(c->m, MYSQL_INIT_COMMAND, "SET SESSION sql_mode = '" DP_SQL_MODE "'");
	c->state = ST_CONNECTING;
	dp_timer_set(c->loop, &c->deadline, c->target.connect_timeout_ms);
	wait = mysql_real_connect_start(&c->connect_ret, c->m, c->target.host, c->target.user,
					c->target.password, NULL, (unsigned)c->target.port, NULL,
					CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS);
	if (wait) {
		wait_for(c, wait);
	} else if (!c->connect_ret) {
		/* Refused at once (ECONNREFUSED on loopback): report from the loop, not from
		 * inside this call, so callers never re-enter themselves. */
		set_error(c);
		disconnect(c);
		fail_soon(c, error_status(c));
	} else {
		start_query(c, 1);
	}
	return 0;
}

int dp_sql_col(MYSQL_RES *res, const char *name)
{
	unsigned n = mysql_num_fields(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	for (unsigned i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *dp_sql_get(MYSQL_RES *res, unsigned long long row, int col)
{
	MYSQL_ROW r;
	if (!res || col < 0 || (unsigned)col >= mysql_num_fields(res) || row >= mysql_num_rows(res))
		return NULL;
	mysql_data_seek(res, row);
	r = mysql_fetch_row(res);
	return r ? r[col] : NULL;
}

void dp_sql_escape(char *out, size_t outsz, const char *in)
{
	size_t k = 0;
	for (; *in && k + 3 < outsz; in++) {
		char ch = *in;
		if (ch == '\'' || ch == '\\') {
			out[k++] = '\\';
			out[k++] = ch;
		} else if (ch == 0) {
			break;
		} else {
			out[k++] = ch;
		}
	}
	out[k] = 0;
}
