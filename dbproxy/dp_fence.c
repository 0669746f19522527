/* dbproxy fencing: makes a server that must not take writes read-only and kills its client
 * connections, without ever waiting on a commit that waits for a semi-sync acknowledgement.
 * Used by enforcement (a writable non-writer, a returning old primary) and by operations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbproxy.h"
#include "dp_log.h"

typedef struct fence_ctx {
	dp_proxy *px;
	dp_server *s;
	int kill_clients;
	int ok;
	int round; /* 0: killing before read_only, 1: read_only set, killing again */
	unsigned long ids[512];
	unsigned nids, next, killed;
	dp_fence_fn *done;
	void *arg;
} fence_ctx;

static void fence_finish(fence_ctx *f)
{
	dp_fence_fn *done = f->done;
	dp_proxy *px = f->px;
	dp_server *s = f->s;
	int ok = f->ok;
	void *arg = f->arg;
	if (ok && f->killed)
		dp_info("fence %s: killed %u client connection(s)", s->conf.name, f->killed);
	if (ok)
		s->fence_pending = 0;
	free(f);
	if (done)
		done(px, s, ok, arg);
}

static void fence_list(fence_ctx *f);
static void fence_read_only(fence_ctx *f);

static void fence_kill_next(dp_sqlc *c, dp_sqlres *r, void *arg);

static void fence_kill_step(fence_ctx *f)
{
	char sql[64];
	if (f->next >= f->nids) {
		if (f->round == 0)
			fence_read_only(f);
		else
			fence_finish(f);
		return;
	}
	snprintf(sql, sizeof(sql), "KILL CONNECTION %lu", f->ids[f->next++]);
	if (dp_sqlc_run(f->s->cmd, sql, f->px->cfg.op_step_timeout_ms, fence_kill_next, f) < 0)
		fence_finish(f);
}

static void fence_kill_next(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	fence_ctx *f = arg;
	(void)c;
	/* An unknown thread id (1094) means it ended meanwhile: fine. A lost connection ends. */
	if (r->status == DP_SQL_ECONNECT || r->status == DP_SQL_ETIMEOUT) {
		fence_finish(f);
		return;
	}
	if (r->status == DP_SQL_OK)
		f->killed++;
	fence_kill_step(f);
}

static void fence_collect(fence_ctx *f, dp_sqlres *r)
{
	f->nids = f->next = 0;
	if (r->status != DP_SQL_OK || r->nres < 1)
		return;
	/* The last result set is the process list (SET statements return none). */
	MYSQL_RES *res = r->res[r->nres - 1];
	for (unsigned long long i = 0; i < mysql_num_rows(res) && f->nids < 512; i++) {
		const char *v = dp_sql_get(res, i, 0);
		if (v)
			f->ids[f->nids++] = strtoul(v, NULL, 10);
	}
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
	fence_collect(f, r);
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
	fence_collect(f, r);
	if (!f->kill_clients)
		f->nids = 0;
	fence_kill_step(f);
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

int dp_fence(dp_proxy *px, dp_server *s, int kill_clients, dp_fence_fn *done, void *arg)
{
	fence_ctx *f;
	if (dp_sqlc_busy(s->cmd))
		return -1;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->px = px;
	f->s = s;
	f->kill_clients = kill_clients;
	f->done = done;
	f->arg = arg;
	px->n.fences++;
	if (kill_clients)
		fence_list(f);
	else
		fence_read_only(f);
	return 0;
}
