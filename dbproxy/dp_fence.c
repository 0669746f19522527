/* dbproxy fencing: makes a server that must not take writes read-only and kills its client
 * connections, without ever waiting on a commit that waits for a semi-sync acknowledgement.
 * Used by enforcement (a writable non-writer, a returning old primary) and by operations.
 *
 * A killed connection ends some time after KILL returns, and ending it may still write to the
 * binary log even under read_only: the server logs DROP TEMPORARY TABLE for the temporary
 * tables the session created while the server was writable. A switchover reads the old
 * primary's final position after the fence, so it asks (DP_FENCE_WAIT_GONE) for the fence to
 * end only when every connection it killed is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbproxy.h"
#include "dp_log.h"

/* How long a fence waits for its killed connections to end (DP_FENCE_WAIT_GONE). */
#define FENCE_GONE_WAIT_MS 5000

typedef struct id_list {
	unsigned long *v;
	size_t n, cap;
} id_list;

typedef struct fence_ctx {
	dp_proxy *px;
	dp_server *s;
	unsigned flags;
	int ok;
	int round;	/* 0: killing before read_only, 1: read_only set, killing again */
	id_list listed; /* the connections of the last listing, killed one by one */
	size_t next;
	id_list killed; /* every connection this fence killed */
	uint64_t gone_deadline_ms;
	unsigned gone_polls;
	dp_fence_fn *done;
	void *arg;
} fence_ctx;

static int id_add(id_list *l, unsigned long id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		unsigned long *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

static void fence_finish(fence_ctx *f)
{
	dp_fence_fn *done = f->done;
	dp_proxy *px = f->px;
	dp_server *s = f->s;
	int ok = f->ok;
	void *arg = f->arg;
	if (ok && f->killed.n)
		dp_info("fence %s: killed %zu client connection(s)", s->conf.name, f->killed.n);
	if (ok)
		s->fence_pending = 0;
	free(f->listed.v);
	free(f->killed.v);
	free(f);
	if (done)
		done(px, s, ok, arg);
}

static void fence_read_only(fence_ctx *f);
static void fence_wait_gone(fence_ctx *f);
static void fence_kill_next(dp_sqlc *c, dp_sqlres *r, void *arg);

static void fence_kill_step(fence_ctx *f)
{
	char sql[64];
	if (f->next >= f->listed.n) {
		if (f->round == 0)
			fence_read_only(f);
		else if ((f->flags & DP_FENCE_WAIT_GONE) && f->killed.n) {
			f->gone_deadline_ms = dp_now_ms() + FENCE_GONE_WAIT_MS;
			fence_wait_gone(f);
		} else
			fence_finish(f);
		return;
	}
	unsigned long id = f->listed.v[f->next++];
	snprintf(sql, sizeof(sql), "KILL CONNECTION %lu", id);
	if (id_add(&f->killed, id) < 0 ||
	    dp_sqlc_run(f->s->cmd, sql, f->px->cfg.op_step_timeout_ms, fence_kill_next, f) < 0) {
		f->ok = 0;
		fence_finish(f);
	}
}

static void fence_kill_next(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	fence_ctx *f = arg;
	(void)c;
	/* An unknown thread id (1094) means it ended meanwhile: fine. A lost connection ends. */
	if (r->status == DP_SQL_ECONNECT || r->status == DP_SQL_ETIMEOUT) {
		if (f->flags & DP_FENCE_WAIT_GONE)
			f->ok = 0; /* not known to be over */
		fence_finish(f);
		return;
	}
	fence_kill_step(f);
}

/* The ids of the last result set (SET statements return none). */
static int fence_collect(fence_ctx *f, dp_sqlres *r)
{
	f->listed.n = f->next = 0;
	if (r->status != DP_SQL_OK || r->nres < 1)
		return 0;
	MYSQL_RES *res = r->res[r->nres - 1];
	for (unsigned long long i = 0; i < mysql_num_rows(res); i++) {
		const char *v = dp_sql_get(res, i, 0);
		if (v && id_add(&f->listed, strtoul(v, NULL, 10)) < 0)
			return -1;
	}
	return 0;
}

static void fence_list_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	fence_ctx *f = arg;
	(void)c;
	if (r->status == DP_SQL_ECONNECT || r->status == DP_SQL_ETIMEOUT) {
		dp_warn("fence %s: %s", f->s->conf.name, r->msg);
		fence_finish(f);
		return;
	}
	if (fence_collect(f, r) < 0) {
		fence_finish(f);
		return;
	}
	fence_kill_step(f);
}

static void fence_ro_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	fence_ctx *f = arg;
	(void)c;
	if (r->status != DP_SQL_OK) {
		dp_warn("fence %s: %s", f->s->conf.name, r->msg);
		fence_finish(f);
		return;
	}
	f->ok = 1;
	f->s->read_only = 1;
	f->round = 1;
	if (fence_collect(f, r) < 0) {
		f->ok = 0;
		fence_finish(f);
		return;
	}
	if (!(f->flags & DP_FENCE_KILL))
		f->listed.n = 0;
	fence_kill_step(f);
}

static void fence_gone_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	fence_ctx *f = arg;
	(void)c;
	if (r->status != DP_SQL_OK || r->nres < 1) {
		dp_warn("fence %s: could not tell whether its killed connections ended: %s",
			f->s->conf.name, r->msg);
		f->ok = 0;
		fence_finish(f);
		return;
	}
	unsigned long long left = mysql_num_rows(r->res[r->nres - 1]);
	if (left == 0) {
		fence_finish(f);
		return;
	}
	if (dp_now_ms() >= f->gone_deadline_ms) {
		dp_warn("fence %s: %llu killed connection(s) still there after %u ms",
			f->s->conf.name, left, FENCE_GONE_WAIT_MS);
		f->ok = 0;
		fence_finish(f);
		return;
	}
	fence_wait_gone(f);
}

/* Asks whether any killed connection is still in the process list; from the second time on,
 * after the server slept 10 ms (so no timer is needed here). */
static void fence_wait_gone(fence_ctx *f)
{
	size_t size = 128 + f->killed.n * 22, len;
	char *sql = malloc(size);
	if (!sql) {
		f->ok = 0;
		fence_finish(f);
		return;
	}
	len = (size_t)snprintf(sql, size,
			       "%sSELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (",
			       f->gone_polls++ ? "DO SLEEP(0.01); " : "");
	for (size_t i = 0; i < f->killed.n; i++)
		len +=
		    (size_t)snprintf(sql + len, size - len, "%s%lu", i ? "," : "", f->killed.v[i]);
	snprintf(sql + len, size - len, ")");
	int rc = dp_sqlc_run(f->s->cmd, sql, f->px->cfg.op_step_timeout_ms, fence_gone_done, f);
	free(sql);
	if (rc < 0) {
		f->ok = 0;
		fence_finish(f);
	}
}

#define FENCE_LIST_SQL                                                                             \
	"SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "               \
	"AND USER NOT IN ('system user', 'event_scheduler', '%s') "                                \
	"AND COMMAND NOT IN ('Binlog Dump', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')"

static void fence_list(fence_ctx *f)
{
	char sql[1024], user[300];
	dp_sql_escape(user, sizeof(user), f->px->cfg.monitor_user);
	snprintf(sql, sizeof(sql), FENCE_LIST_SQL, user);
	if (dp_sqlc_run(f->s->cmd, sql, f->px->cfg.op_step_timeout_ms, fence_list_done, f) < 0)
		fence_finish(f);
}

static void fence_read_only(fence_ctx *f)
{
	char sql[1200], user[300];
	dp_sql_escape(user, sizeof(user), f->px->cfg.monitor_user);
	/* read_only takes the global read lock, which waits for commits in progress (one
	 * waiting for a semi-sync acknowledgement may wait 10 s): their connections were killed
	 * first, and the lock wait is bounded. Whoever connected meanwhile is killed after. */
	snprintf(sql, sizeof(sql),
		 "SET SESSION lock_wait_timeout = 2; SET GLOBAL read_only = 1; " FENCE_LIST_SQL,
		 user);
	if (dp_sqlc_run(f->s->cmd, sql, f->px->cfg.op_step_timeout_ms, fence_ro_done, f) < 0)
		fence_finish(f);
}

int dp_fence(dp_proxy *px, dp_server *s, unsigned flags, dp_fence_fn *done, void *arg)
{
	fence_ctx *f;
	if (dp_sqlc_busy(s->cmd))
		return -1;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->px = px;
	f->s = s;
	f->flags = flags;
	f->done = done;
	f->arg = arg;
	px->n.fences++;
	if (flags & DP_FENCE_KILL)
		fence_list(f);
	else
		fence_read_only(f);
	return 0;
}
