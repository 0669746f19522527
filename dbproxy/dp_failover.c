/* dbproxy operations: failover, switchover and rejoin, each a small state machine of
 * non-blocking SQL steps run from the event loop. Every phase is logged with a timestamp and
 * recorded in the history the admin endpoint reports. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dbproxy.h"
#include "dp_failpoint.h"
#include "dp_log.h"
#include "dp_session.h"

enum {
	PH_FENCE,
	PH_FREEZE,
	PH_SELECT,
	PH_DRAIN,
	PH_DEMOTE,
	PH_CATCHUP,
	PH_PROMOTE,
	PH_REDIRECT,
	PH_ROUTE,
	PH_REJOIN,
	PH_VERIFY,
};

typedef struct op_slot op_slot;
typedef void op_cb(dp_op *op, dp_server *s, dp_sqlres *r);

struct op_slot {
	dp_op *op;
	dp_server *s;
	op_cb *cb;
	char *queued; /* SQL waiting for the server's command connection to be free */
	char *sql;    /* the running SQL, kept for one retry */
	int running;
	int retried;
};

typedef struct cand_info {
	int ok;
	char io_pos[DP_GTID_TEXT];
	char current[DP_GTID_TEXT];
	int sql_running;
	char sql_state[128];
	char read_file[128]; /* what it received of the old primary's binary log */
	unsigned long long read_pos;
} cand_info;

struct dp_op {
	dp_proxy *px;
	int kind, automatic, allow_loss;
	int phase;
	dp_server *old, *cand, *target;
	int pending;
	dp_event *ev;
	uint64_t started_ms, phase_deadline_ms;
	char wait_pos[DP_GTID_TEXT];
	int frozen[DP_MAX_SERVERS];
	cand_info info[DP_MAX_SERVERS];
	op_slot slots[DP_MAX_SERVERS];
	dp_timer timer; /* polls: queued SQL, drain, catch-up, verify */
	dp_timer poll;
	int catchup_idle_rounds;
	int unread_acker; /* refused: a server that may hold acknowledged writes is out of sight */
	int published;	  /* cooperative: the register names the candidate (docs/ha.md) */
	int demoted;	  /* this switchover made the old writer read-only (it was writable) */
	uint64_t pub_epoch; /* under this epoch */
	dp_op_done_fn *done;
	void *arg;
};

static void op_end(dp_op *op, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void next_phase(dp_op *op);

static const char *kind_name(int kind)
{
	return kind == DP_OP_FAILOVER	  ? "failover"
	       : kind == DP_OP_SWITCHOVER ? "switchover"
					  : "rejoin";
}

/* ---------------------------------------------------------------- history */

void dp_event_phase(dp_proxy *px, dp_event *ev, const char *name, const char *fmt, ...)
{
	dp_phase_rec *ph;
	va_list ap;
	uint64_t now = dp_wall_ms();
	if (ev->nphases == DP_PHASES_MAX)
		ev->nphases--; /* keep the last one current */
	ph = &ev->phases[ev->nphases++];
	snprintf(ph->name, sizeof(ph->name), "%s", name);
	ph->wall_ms = now;
	ph->elapsed_ms = now >= ev->started_wall_ms ? now - ev->started_wall_ms : 0;
	va_start(ap, fmt);
	vsnprintf(ph->detail, sizeof(ph->detail), fmt, ap);
	va_end(ap);
	dp_info("%s #%llu phase %s (+%llu ms): %s", ev->kind, (unsigned long long)ev->id, ph->name,
		(unsigned long long)ph->elapsed_ms, ph->detail);
	(void)px;
}

static dp_event *event_new(dp_proxy *px, int kind, int automatic)
{
	uint64_t id = ++px->next_event_id;
	dp_event *ev = &px->history[id % DP_HISTORY_MAX];
	memset(ev, 0, sizeof(*ev));
	ev->id = id;
	snprintf(ev->kind, sizeof(ev->kind), "%s", kind_name(kind));
	snprintf(ev->trigger, sizeof(ev->trigger), "%s", automatic ? "automatic" : "admin");
	snprintf(ev->result, sizeof(ev->result), "running");
	ev->started_wall_ms = dp_wall_ms();
	ev->epoch_before = px->epoch;
	ev->epoch_after = px->epoch;
	if (px->nhistory < DP_HISTORY_MAX)
		px->nhistory++;
	return ev;
}

const dp_event *dp_op_current(dp_proxy *px)
{
	return px->op ? px->op->ev : NULL;
}

/* ---------------------------------------------------------------- SQL steps */

static void slot_forget(op_slot *sl)
{
	if (sl->sql) {
		sodium_memzero(sl->sql, strlen(sl->sql));
		free(sl->sql);
		sl->sql = NULL;
	}
}

static void slot_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	op_slot *sl = arg;
	dp_proxy *px = sl->op->px;
	(void)c;
	/* A command connection idle since before its server restarted is found dead by its first
	 * statement, while the server itself answers: every step is safe to run again, once, on a
	 * new connection. */
	if (r->status == DP_SQL_ECONNECT && (r->err == 2006 || r->err == 2013) && !sl->retried &&
	    sl->sql && sl->s->health == DP_H_UP) {
		sl->retried = 1;
		dp_info("%s #%llu: %s: %s; running the step again on a new connection",
			sl->op->ev->kind, (unsigned long long)sl->op->ev->id, sl->s->conf.name,
			r->msg);
		if (dp_sqlc_run(sl->s->cmd, sl->sql, px->cfg.op_step_timeout_ms, slot_done, sl) ==
		    0)
			return;
	}
	slot_forget(sl);
	sl->running = 0;
	sl->op->pending--;
	sl->cb(sl->op, sl->s, r);
}

static void slot_launch(op_slot *sl)
{
	dp_proxy *px = sl->op->px;
	char *sql = sl->queued;
	sl->queued = NULL;
	sl->running = 1;
	sl->retried = 0;
	if (dp_sqlc_run(sl->s->cmd, sql, px->cfg.op_step_timeout_ms, slot_done, sl) < 0) {
		/* cannot happen: checked not busy */
		sl->queued = sql;
		sl->running = 0;
		return;
	}
	sl->sql = sql;
}

static void on_poll(dp_loop *loop, dp_timer *t)
{
	dp_op *op = t->arg;
	int waiting = 0;
	for (int i = 0; i < op->px->nservers; i++) {
		op_slot *sl = &op->slots[i];
		if (!sl->queued)
			continue;
		if (dp_sqlc_busy(sl->s->cmd))
			waiting = 1;
		else
			slot_launch(sl);
	}
	if (waiting)
		dp_timer_set(loop, t, 5);
}

/* Runs sql on s's command connection (after whatever runs there now); cb gets the result. */
static void op_sql(dp_op *op, dp_server *s, const char *sql, op_cb *cb)
{
	op_slot *sl = &op->slots[s->idx];
	sl->op = op;
	sl->s = s;
	sl->cb = cb;
	sl->queued = strdup(sql);
	op->pending++;
	if (!sl->queued) {
		dp_sqlres r = {.status = DP_SQL_ECONNECT};
		snprintf(r.msg, sizeof(r.msg), "out of memory");
		op->pending--;
		cb(op, s, &r);
		return;
	}
	if (!dp_sqlc_busy(s->cmd))
		slot_launch(sl);
	else
		dp_timer_set(op->px->loop, &op->poll, 5);
}

static int usable(const dp_server *s)
{
	return s->health == DP_H_UP && !s->maintenance && !s->quarantined;
}

/* ---------------------------------------------------------------- end */

static void op_free(dp_op *op)
{
	dp_proxy *px = op->px;
	if (px->coop.pub_arg == op) /* a publication still in flight reports to nobody */
		px->coop.pub_done = NULL;
	dp_timer_cancel(px->loop, &op->timer);
	dp_timer_cancel(px->loop, &op->poll);
	for (int i = 0; i < DP_MAX_SERVERS; i++) {
		if (op->slots[i].queued) {
			sodium_memzero(op->slots[i].queued, strlen(op->slots[i].queued));
			free(op->slots[i].queued);
		}
		if (op->slots[i].running && op->slots[i].s)
			dp_sqlc_close(op->slots[i].s->cmd); /* abandons the step, no callback */
		slot_forget(&op->slots[i]);
	}
	free(op);
}

static void unfreeze(dp_op *op)
{
	for (int i = 0; i < op->px->nservers; i++) {
		dp_server *s = op->px->servers[i];
		if (op->frozen[i] && !dp_sqlc_busy(s->cmd))
			dp_sqlc_run(s->cmd, "START SLAVE IO_THREAD", op->px->cfg.op_step_timeout_ms,
				    NULL, NULL);
		op->frozen[i] = 0;
	}
}

static void undemote_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	(void)c;
	if (r->status == DP_SQL_OK) {
		s->read_only = 0;
		dp_info("%s is writable again: the switchover failed before any promotion",
			s->conf.name);
	} else {
		dp_warn(
		    "%s stays read-only after the failed switchover (%s): SET GLOBAL read_only = "
		    "0 there by hand",
		    s->conf.name, r->msg);
	}
}

/* A switchover that failed before promoting anyone: its old writer is still the writer, made
 * read-only by the demotion (its sessions killed), and would refuse every write until an admin
 * stepped in. Writable again, as before the switchover. Once the register names the candidate
 * (cooperative), only after the leader published the old writer again (dp_coop.c): the
 * other dbproxies follow the register. */
void dp_failover_undemote(dp_proxy *px, dp_server *s)
{
	if (dp_sqlc_busy(s->cmd) || dp_sqlc_run(s->cmd, "SET GLOBAL read_only = 0",
						px->cfg.op_step_timeout_ms, undemote_done, s) < 0)
		dp_warn("%s stays read-only after the failed switchover (its command connection is "
			"busy): SET GLOBAL read_only = 0 there by hand",
			s->conf.name);
}

static void op_end(dp_op *op, int ok, const char *fmt, ...)
{
	dp_proxy *px = op->px;
	dp_event *ev = op->ev;
	va_list ap;
	char msg[256];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ok) {
		snprintf(ev->result, sizeof(ev->result), "done");
		dp_event_phase(px, ev, "done", "%s", msg);
	} else {
		snprintf(ev->result, sizeof(ev->result), "failed");
		snprintf(ev->error, sizeof(ev->error), "%s", msg);
		dp_event_phase(px, ev, "failed", "%s", msg);
		if (op->phase < PH_PROMOTE)
			unfreeze(op);
		if (op->phase < PH_PROMOTE && op->demoted && !op->published)
			dp_failover_undemote(px, op->old);
		else if (op->phase < PH_PROMOTE && op->demoted)
			dp_coop_restore_writer(px, op->old, op->cand);
		if (op->kind == DP_OP_FAILOVER && op->automatic)
			px->n.failover_refusals++;
	}
	/* Routing resumes: to the new writer, or to the old one if nothing changed. */
	px->routing_paused = 0;
	px->op = NULL;
	dp_sessions_release(px);
	if (op->done)
		op->done(px, ev, op->arg);
	op_free(op);
	for (int i = 0; i < px->nservers; i++)
		dp_monitor_probe_now(px, px->servers[i]);
	dp_monitor_evaluate(px);
	dp_sessions_wake(px);
}

/* ---------------------------------------------------------------- phases */

static void fence_done(dp_proxy *px, dp_server *s, int ok, void *arg)
{
	dp_op *op = arg;
	(void)px;
	op->pending--;
	if (!ok) {
		op_end(op, 0,
		       "could not fence %s (set read_only=1): refusing to promote another writer",
		       s->conf.name);
		return;
	}
	dp_event_phase(op->px, op->ev, "fence",
		       "%s is read-only and its client connections are killed", s->conf.name);
	next_phase(op);
}

static void freeze_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	if (r->status != DP_SQL_OK) {
		dp_warn("%s: could not stop the IO thread of %s: %s (not a candidate)",
			op->ev->kind, s->conf.name, r->msg);
		op->frozen[s->idx] = 0;
	}
	if (op->pending == 0) {
		int n = 0;
		for (int i = 0; i < op->px->nservers; i++)
			n += op->frozen[i];
		dp_event_phase(op->px, op->ev, "freeze", "IO threads stopped on %d replica(s)", n);
		next_phase(op);
	}
}

/* Whether the old primary may have committed without any replica's acknowledgement after its
 * last probe, which saw semi-sync on: it had no semi-sync replica then and does not wait for
 * one (rpl_semi_sync_master_wait_no_slave=OFF), or commits were waiting then and the oldest may
 * have waited its rpl_semi_sync_master_timeout before the primary stopped answering
 * (acknowledgements stalled: a hung replica, a cut link). The probe after such a switch would
 * have seen it off; this closes the interval before it. The primary is taken to have answered
 * until its first failed probe (a failover of a primary that still answers: until now), not
 * until the failover is decided: a failover retried or run by an admin later must not be
 * refused for the time it waited. Writes *why for the history. */
static int async_after_probe(const dp_proxy *px, const dp_server *old, char *why, size_t whysz)
{
	uint64_t until = dp_now_ms();

	if (!px->last_primary_probe_ms)
		return 0;
	if (!px->last_semi_clients && !px->last_semi_wait_no_slave) {
		snprintf(why, whysz,
			 " (no semi-sync replica at its last probe, and "
			 "rpl_semi_sync_master_wait_no_slave=OFF)");
		return 1;
	}
	if (old->fail_total && old->first_fail_ms >= px->last_primary_probe_ms)
		until = old->first_fail_ms;
	if (px->last_semi_waiting && until + px->cfg.probe_interval_ms >=
					 px->last_semi_clear_ms + px->last_semi_timeout_ms) {
		snprintf(why, whysz,
			 " (commits waited for an acknowledgement from %llu ms before its last "
			 "probe; rpl_semi_sync_master_timeout is %llu ms)",
			 (unsigned long long)(px->last_primary_probe_ms - px->last_semi_clear_ms),
			 (unsigned long long)px->last_semi_timeout_ms);
		return 1;
	}
	return 0;
}

static void select_candidate(dp_op *op);

/* A replica of the old writer that could not be frozen (its command connection failed) but
 * answered a probe sent after the failover began: what it received is known from that probe.
 * It is never the candidate (its IO thread may still run), but it counts in the check that no
 * acknowledged transaction is left behind. */
static void read_from_probe(dp_op *op, dp_server *s)
{
	cand_info *ci = &op->info[s->idx];
	if (s == op->old || s->health != DP_H_UP || s->probed_ms < op->started_ms ||
	    !dp_server_replicates_from(s, op->old))
		return;
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->current, sizeof(ci->current), "%s", s->gtid_current);
	snprintf(ci->io_pos, sizeof(ci->io_pos), "%s", s->slave.gtid_io_pos);
	snprintf(ci->read_file, sizeof(ci->read_file), "%s", s->slave.master_log_file);
	ci->read_pos = s->slave.read_pos;
	ci->sql_running = s->slave.sql_running;
	ci->ok = 1;
	dp_info("%s #%llu: %s read from its probe (received %s)", op->ev->kind,
		(unsigned long long)op->ev->id, s->conf.name, ci->io_pos[0] ? ci->io_pos : "-");
}

static void select_info_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	cand_info *ci = &op->info[s->idx];
	memset(ci, 0, sizeof(*ci));
	if (r->status == DP_SQL_OK && r->nres >= 2) {
		MYSQL_RES *g = r->res[0], *st = r->res[1];
		const char *v = dp_sql_get(g, 0, 0);
		snprintf(ci->current, sizeof(ci->current), "%s", v ? v : "");
		if (mysql_num_rows(st) > 0) {
			v = dp_sql_get(st, 0, dp_sql_col(st, "Gtid_IO_Pos"));
			snprintf(ci->io_pos, sizeof(ci->io_pos), "%s", v ? v : "");
			v = dp_sql_get(st, 0, dp_sql_col(st, "Slave_SQL_Running"));
			ci->sql_running = v && strcmp(v, "Yes") == 0;
			v = dp_sql_get(st, 0, dp_sql_col(st, "Slave_SQL_Running_State"));
			snprintf(ci->sql_state, sizeof(ci->sql_state), "%s", v ? v : "");
			v = dp_sql_get(st, 0, dp_sql_col(st, "Master_Log_File"));
			snprintf(ci->read_file, sizeof(ci->read_file), "%s", v ? v : "");
			v = dp_sql_get(st, 0, dp_sql_col(st, "Read_Master_Log_Pos"));
			ci->read_pos = v ? strtoull(v, NULL, 10) : 0;
		}
		ci->ok = 1;
	} else {
		dp_warn("%s: could not read the position of %s: %s", op->ev->kind, s->conf.name,
			r->msg);
	}
	if (op->pending == 0)
		select_candidate(op);
}

/* What replica i received of the old primary, as a GTID position (Gtid_IO_Pos, or what it
 * applied when it has no IO position). 0, or -1 when unreadable. */
static int received_pos(const dp_op *op, int i, dp_gtid_pos *io, dp_gtid_pos *cur)
{
	if (dp_gtid_parse(cur, op->info[i].current) < 0 ||
	    dp_gtid_parse(io, op->info[i].io_pos) < 0)
		return -1;
	if (io->n == 0)
		*io = *cur;
	return 0;
}

/* <0, 0, >0: did replica a receive less, as much, or more of the old primary's binary log
 * than replica b? The binary log coordinates each read first (exact, even for a transaction
 * whose GTID is not in Gtid_IO_Pos yet), then Gtid_IO_Pos, then what was applied. */
static int cmp_received(const dp_op *op, int a, int b)
{
	const cand_info *x = &op->info[a], *y = &op->info[b];
	dp_gtid_pos xio, xcur, yio, ycur;
	int f = strcmp(x->read_file, y->read_file);
	if (f)
		return f;
	if (x->read_pos != y->read_pos)
		return x->read_pos < y->read_pos ? -1 : 1;
	if (received_pos(op, a, &xio, &xcur) < 0 || received_pos(op, b, &yio, &ycur) < 0)
		return 0;
	int c = dp_gtid_cmp(&xio, &yio);
	return c ? c : dp_gtid_cmp(&xcur, &ycur);
}

/* The best candidate: the promotable replica that received the most, then list order. */
static dp_server *choose(dp_op *op, char *why, size_t whysz)
{
	dp_proxy *px = op->px;
	dp_server *best = NULL;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_gtid_pos io, cur;
		if (!op->frozen[i] || !op->info[i].ok || s->conf.no_promotion || s->maintenance)
			continue;
		if (op->target && s != op->target)
			continue;
		if (received_pos(op, i, &io, &cur) < 0)
			continue;
		if (!best || cmp_received(op, i, best->idx) > 0)
			best = s;
	}
	if (!best)
		snprintf(
		    why, whysz,
		    op->target ? "%s is not a usable replica of %s" : "no usable replica of %s",
		    op->target ? op->target->conf.name : op->old->conf.name, op->old->conf.name);
	return best;
}

/* Could server s hold acknowledged transactions that the candidate lacks, without dbproxy
 * having read its position? Only a replica of the old primary can have acknowledged. */
static int might_have_acked(const dp_op *op, const dp_server *s)
{
	if (s == op->old || s == op->cand || op->info[s->idx].ok)
		return 0;
	if (!s->probed)
		return 1; /* never seen: it may replicate from it */
	return dp_server_replicates_from(s, op->old) && strcmp(s->slave.io_running, "No") != 0;
}

/* Whether s may have been one of the old primary's semi-sync clients at its last probe: seen
 * as one lately, and connected to it then when its replicas are known. A replica that stopped
 * replicating just before that probe is still "seen lately" for a probe interval or two, but
 * is no longer connected; counting it would let an unread client pass as read. */
static int was_semi_client(const dp_proxy *px, const dp_server *s)
{
	if (s->semi_ack_ms + 2 * px->cfg.probe_interval_ms < px->last_primary_probe_ms)
		return 0;
	if (!px->last_replica_ids_known)
		return 1;
	for (unsigned i = 0; i < px->nlast_replica_ids; i++)
		if (px->last_replica_ids[i] == s->server_id)
			return 1;
	return 0;
}

/* With semi-sync AFTER_SYNC, every acknowledged transaction is in the relay log of a replica
 * that was a semi-sync client of the old primary. The candidate received the most of the
 * replicas read; the failover may lose acknowledged writes when another replica received more
 * (a replica that may not be promoted, or the admin's target), or when a replica that could
 * have been one of those clients was not read. Those are accounted for when the old primary's
 * last probe counted no more semi-sync clients than the replicas read that were clients then.
 * Writes the gap into the history and returns 1 when there is one, or when it cannot tell. */
static int acked_gap(dp_op *op, char *gap, size_t gapsz)
{
	dp_proxy *px = op->px;
	dp_server *c = op->cand;
	char names[256] = "";
	unsigned clients_read = 0, unread = 0, blind = 0;
	size_t used = 0;
	gap[0] = 0;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_gtid_pos sio, scur, cio, ccur;
		if (s == c || !op->info[i].ok)
			continue;
		if (was_semi_client(px, s))
			clients_read++;
		if (cmp_received(op, i, c->idx) <= 0)
			continue;
		received_pos(op, i, &sio, &scur);
		received_pos(op, c->idx, &cio, &ccur);
		snprintf(
		    gap, gapsz,
		    "%s received more of %s than the candidate %s (%s:%llu, %s against %s:%llu, "
		    "%s): %llu transaction(s) it may have acknowledged would be lost",
		    s->conf.name, op->old->conf.name, c->conf.name, op->info[i].read_file,
		    op->info[i].read_pos, op->info[i].io_pos, op->info[c->idx].read_file,
		    op->info[c->idx].read_pos, op->info[c->idx].io_pos,
		    (unsigned long long)dp_gtid_gap(&cio, &sio));
		return 1;
	}
	if (was_semi_client(px, c))
		clients_read++;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (!might_have_acked(op, s))
			continue;
		unread++;
		blind += s->health != DP_H_UP; /* out of sight, not only unread this time */
		int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
				 s->conf.name);
		if (n > 0 && (size_t)n < sizeof(names) - used)
			used += (size_t)n;
	}
	if (!unread)
		return 0;
	if (px->last_primary_probe_ms && px->last_semi_clients <= clients_read) {
		dp_info(
		    "%s #%llu: %s not read, but %s had %u semi-sync client(s) at its last probe, "
		    "all read",
		    op->ev->kind, (unsigned long long)op->ev->id, names, op->old->conf.name,
		    px->last_semi_clients);
		return 0;
	}
	op->unread_acker = blind > 0;
	snprintf(
	    gap, gapsz,
	    "cannot tell whether %s acknowledged transactions the candidate %s lacks: %s could "
	    "not be read (%s had %u semi-sync client(s) at its last probe, %u of them read)",
	    names, c->conf.name, unread > 1 ? "they" : "it", op->old->conf.name,
	    px->last_semi_clients, clients_read);
	return 1;
}

static void select_candidate(dp_op *op)
{
	dp_proxy *px = op->px;
	char why[256], a[DP_GTID_TEXT];
	dp_gtid_pos cand_pos, last;
	dp_server *c = choose(op, why, sizeof(why));
	if (!c) {
		op_end(op, 0, "%s", why);
		return;
	}
	op->cand = c;
	cand_info *ci = &op->info[c->idx];
	snprintf(op->wait_pos, sizeof(op->wait_pos), "%s", ci->io_pos);
	dp_gtid_parse(&cand_pos, ci->io_pos[0] ? ci->io_pos : ci->current);
	dp_gtid_format(&cand_pos, a, sizeof(a));
	if (dp_gtid_parse(&last, px->last_primary_gtid) < 0)
		last.n = 0;
	uint64_t gap = dp_gtid_gap(&cand_pos, &last);
	char async_why[160] = "";
	int maybe_off = op->kind == DP_OP_FAILOVER && px->last_semi_on &&
			async_after_probe(px, op->old, async_why, sizeof(async_why));
	if (op->kind == DP_OP_FAILOVER && (!px->last_semi_on || maybe_off)) {
		snprintf(
		    op->ev->gtid_gap, sizeof(op->ev->gtid_gap),
		    "semi-sync was %s on %s%s: last seen at %s, %s has %s: %llu transaction(s) "
		    "known missing, and any committed after the last probe",
		    async_why[0] ? "ON but may have been off" : "OFF", op->old->conf.name,
		    async_why, px->last_primary_gtid[0] ? px->last_primary_gtid : "(never seen)",
		    c->conf.name, a, (unsigned long long)gap);
		if (px->cfg.failover_if_async == DP_ASYNC_REFUSE && !op->allow_loss) {
			op_end(op, 0,
			       "refused: semi-sync replication %s on %s, acknowledged "
			       "transactions may be "
			       "lost (%s); run the admin failover with allow_loss=1 to accept",
			       async_why[0] ? "may have been off" : "was off", op->old->conf.name,
			       op->ev->gtid_gap);
			return;
		}
		dp_warn("%s #%llu: possible loss accepted: %s", op->ev->kind,
			(unsigned long long)op->ev->id, op->ev->gtid_gap);
	}
	/* Semi-sync was on until the switch, if there was one: what was acknowledged before it is
	 * on a replica that was a client, as when no switch is suspected. */
	char acked[sizeof(op->ev->gtid_gap)];
	if (op->kind == DP_OP_FAILOVER && px->last_semi_on && acked_gap(op, acked, sizeof(acked))) {
		snprintf(op->ev->gtid_gap, sizeof(op->ev->gtid_gap), "%s", acked);
		if (!op->allow_loss) {
			/* Cooperative: another dbproxy may read what this one cannot; the locks
			 * are let go for it before the refusal ends the operation. */
			if (op->unread_acker && op->automatic)
				dp_coop_step_down(px, op->ev->gtid_gap);
			op_end(op, 0,
			       "refused: acknowledged transactions may be lost: %s; run the admin "
			       "failover with allow_loss=1 to accept",
			       op->ev->gtid_gap);
			return;
		}
		dp_warn("%s #%llu: possible loss accepted: %s", op->ev->kind,
			(unsigned long long)op->ev->id, op->ev->gtid_gap);
	} else if (op->kind == DP_OP_FAILOVER && px->last_semi_on && !maybe_off && gap) {
		snprintf(
		    op->ev->gtid_gap, sizeof(op->ev->gtid_gap),
		    "semi-sync was ON: %llu transaction(s) in %s's binary log (%s) never reached a "
		    "replica, so were never acknowledged",
		    (unsigned long long)gap, op->old->conf.name, px->last_primary_gtid);
	}
	snprintf(op->ev->to, sizeof(op->ev->to), "%s", c->conf.name);
	dp_event_phase(px, op->ev, "select", "candidate %s: received %s, applied %s", c->conf.name,
		       ci->io_pos[0] ? ci->io_pos : "-", ci->current);
	next_phase(op);
}

static void catchup_step(dp_op *op);

static void catchup_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	const char *v = NULL;
	if (r->status == DP_SQL_OK && r->nres >= 1)
		v = dp_sql_get(r->res[0], 0, 0);
	if (op->kind == DP_OP_FAILOVER && r->status == DP_SQL_OK && r->nres >= 2 &&
	    mysql_num_rows(r->res[1]) > 0) {
		/* The IO thread is stopped: done when the SQL thread has executed everything that
		 * was read (the relay log is about to be discarded by RESET SLAVE). */
		MYSQL_RES *st = r->res[1];
		if (dp_relay_log_executed(st) && (!op->wait_pos[0] || (v && strcmp(v, "0") == 0) ||
						  op->catchup_idle_rounds >= 2)) {
			dp_event_phase(op->px, op->ev, "catchup",
				       "%s executed its whole relay log (%s:%s, %s)", s->conf.name,
				       dp_sql_get(st, 0, dp_sql_col(st, "Master_Log_File")),
				       dp_sql_get(st, 0, dp_sql_col(st, "Exec_Master_Log_Pos")),
				       op->wait_pos[0] ? op->wait_pos : "-");
			next_phase(op);
			return;
		}
		v = NULL; /* a reached GTID alone is not enough */
	}
	if (v && strcmp(v, "0") == 0) {
		dp_event_phase(op->px, op->ev, "catchup", "%s applied its relay log up to %s",
			       s->conf.name, op->wait_pos);
		next_phase(op);
		return;
	}
	if (r->status == DP_SQL_ECONNECT || r->status == DP_SQL_ETIMEOUT) {
		op_end(op, 0, "lost %s while it applied its relay log: %s", s->conf.name, r->msg);
		return;
	}
	if (r->status == DP_SQL_OK && r->nres >= 2 && mysql_num_rows(r->res[1]) > 0) {
		MYSQL_RES *st = r->res[1];
		const char *run = dp_sql_get(st, 0, dp_sql_col(st, "Slave_SQL_Running"));
		const char *err = dp_sql_get(st, 0, dp_sql_col(st, "Last_SQL_Error"));
		const char *state = dp_sql_get(st, 0, dp_sql_col(st, "Slave_SQL_Running_State"));
		if (!run || strcmp(run, "Yes") != 0) {
			op_end(op, 0,
			       "the SQL thread of %s stopped before applying its relay log: %s",
			       s->conf.name, err && err[0] ? err : "(no error)");
			return;
		}
		/* Gtid_IO_Pos can name a transaction whose end never arrived: once the SQL thread
		 * has read everything for a while, there is nothing more to apply. */
		if (op->kind == DP_OP_FAILOVER && state && strstr(state, "read all relay log") &&
		    ++op->catchup_idle_rounds >= 3) {
			dp_event_phase(op->px, op->ev, "catchup",
				       "%s applied its whole relay log (%s not reached: incomplete "
				       "transaction)",
				       s->conf.name, op->wait_pos);
			next_phase(op);
			return;
		}
	}
	if (dp_now_ms() >= op->phase_deadline_ms) {
		op_end(op, 0, "%s did not apply its relay log up to %s within %u ms", s->conf.name,
		       op->wait_pos, op->px->cfg.catchup_timeout_ms);
		return;
	}
	catchup_step(op);
}

static void catchup_step(dp_op *op)
{
	char sql[DP_GTID_TEXT * 2 + 128], pos[DP_GTID_TEXT * 2];
	dp_sql_escape(pos, sizeof(pos), op->wait_pos);
	snprintf(sql, sizeof(sql), "SELECT MASTER_GTID_WAIT('%s', %s); SHOW ALL SLAVES STATUS", pos,
		 op->wait_pos[0] ? "0.2" : "0");
	op_sql(op, op->cand, sql, catchup_done);
}

static void demote_pos_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	const char *v = r->status == DP_SQL_OK && r->nres >= 1 ? dp_sql_get(r->res[0], 0, 0) : NULL;
	if (!v) {
		op_end(op, 0, "could not read the final position of %s: %s", s->conf.name, r->msg);
		return;
	}
	snprintf(op->wait_pos, sizeof(op->wait_pos), "%s", v);
	dp_event_phase(op->px, op->ev, "demote", "%s is read-only at %s", s->conf.name, v);
	next_phase(op);
}

static void demote_fence_done(dp_proxy *px, dp_server *s, int ok, void *arg)
{
	dp_op *op = arg;
	(void)px;
	op->pending--;
	if (!ok) {
		op_end(op, 0, "could not fence %s (read-only, its connections killed and ended)",
		       s->conf.name);
		return;
	}
	/* Every killed session has ended: what it logged as it ended is in this position. */
	op_sql(op, s, "SELECT @@global.gtid_binlog_pos", demote_pos_done);
}

static void semi_on_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	if (r->status == DP_SQL_OK) {
		s->semi_enabled = 1;
		s->semi_master_off = 0;
		dp_info("%s #%llu: semi-sync master switched on on %s, as on %s", op->ev->kind,
			(unsigned long long)op->ev->id, s->conf.name, op->old->conf.name);
	} else {
		dp_warn(
		    "%s #%llu: could not switch semi-sync master on on %s (%s): acknowledged "
		    "writes are not protected until it is; grant REPLICATION MASTER ADMIN to the "
		    "monitoring user",
		    op->ev->kind, (unsigned long long)op->ev->id, s->conf.name, r->msg);
	}
	next_phase(op);
}

static void promote_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	dp_proxy *px = op->px;
	const char *v = NULL;
	if (r->status == DP_SQL_OK && r->nres >= 1)
		v = dp_sql_get(r->res[r->nres - 1], 0, 0);
	if (r->status != DP_SQL_OK || !v) {
		op_end(op, 0, "could not promote %s: %s", s->conf.name, r->msg);
		return;
	}
	op->phase = PH_PROMOTE; /* from here on, forward only */
	for (int i = 0; i < px->nservers; i++) {
		dp_server *o = px->servers[i];
		if (o == s)
			continue;
		/* Every other history stopped sharing the new writer's at this point. */
		snprintf(o->fork_pos, sizeof(o->fork_pos), "%s", v);
		o->has_fork_pos = 1;
	}
	s->read_only = 0;
	s->slave.present = 0;
	s->quarantined = 0;
	s->needs_redirect = 0;
	dp_event_phase(px, op->ev, "promote", "%s: replication reset, read_only=0, at %s",
		       s->conf.name, v);
	/* The new writer waits for a replica as the old one did (dp_enforce.c may have switched
	 * semi-sync master off while it was a replica). */
	if (px->last_semi_enabled && !s->semi_enabled) {
		op_sql(op, s, "SET GLOBAL rpl_semi_sync_master_enabled = 1", semi_on_done);
		return;
	}
	next_phase(op);
}

/* MariaDB's ER_MASTER_GTID_POS_CONFLICTS_WITH_BINLOG: s logged a transaction after the position
 * the new primary took over. */
#define ER_GTID_POS_CONFLICTS_WITH_BINLOG 1947

static void redirect_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	if (r->status != DP_SQL_OK && s == op->old && r->err == ER_GTID_POS_CONFLICTS_WITH_BINLOG) {
		/* Replicating would fail or skip history: an admin decides (re-provision). */
		s->quarantined = 1;
		snprintf(s->quarantine_reason, sizeof(s->quarantine_reason),
			 "it logged a transaction after it was demoted: %s", r->msg);
		dp_warn("%s #%llu: %s quarantined: %s", op->ev->kind,
			(unsigned long long)op->ev->id, s->conf.name, s->quarantine_reason);
	} else if (r->status != DP_SQL_OK) {
		dp_warn("%s #%llu: could not point %s at %s: %s (will retry)", op->ev->kind,
			(unsigned long long)op->ev->id, s->conf.name, op->cand->conf.name, r->msg);
		dp_enforce_replication_failed(s, r);
		s->needs_redirect = 1;
	}
	if (op->pending == 0) {
		dp_event_phase(op->px, op->ev, "redirect", "replicas now replicate from %s",
			       op->cand->conf.name);
		next_phase(op);
	}
}

/* Cooperative: the register's answer (docs/ha.md). */
static void publish_done(dp_proxy *px, int ok, void *arg)
{
	dp_op *op = arg;
	op->pending--;
	if (!ok) {
		op_end(op, 0, "could not publish %s as the writer on a majority of the servers",
		       op->cand->conf.name);
		return;
	}
	op->published = 1;
	dp_event_phase(px, op->ev, "publish", "epoch %llu names %s on a majority of the servers",
		       (unsigned long long)op->pub_epoch, op->cand->conf.name);
	dp_failpoint("after_publish"); /* a test kills the leader here: published, not promoted */
	next_phase(op);
}

static void route(dp_op *op)
{
	dp_proxy *px = op->px;
	dp_server *old = op->old;
	px->primary = op->cand;
	if (px->cfg.cooperative) {
		px->epoch = op->pub_epoch; /* published before the promotion */
		px->coop.synced = 1;
	} else {
		px->epoch++;
	}
	px->last_epoch_change_ms = dp_now_ms();
	px->first_write_logged = 0;
	px->last_semi_on = op->cand->semi_on || px->last_semi_enabled;
	px->last_primary_probe_ms = 0; /* nothing known of its semi-sync clients yet */
	px->last_semi_clients = 0;
	px->last_replica_ids_known = 0;
	snprintf(px->last_primary_gtid, sizeof(px->last_primary_gtid), "%s", op->cand->fork_pos);
	op->ev->epoch_after = px->epoch;
	dp_state_save(px);
	if (op->kind == DP_OP_FAILOVER)
		px->n.failovers++;
	else
		px->n.switchovers++;
	dp_event_phase(px, op->ev, "route", "writes go to %s, epoch %llu", op->cand->conf.name,
		       (unsigned long long)px->epoch);
	if (old && op->kind == DP_OP_SWITCHOVER)
		dp_sessions_leave(px, old, 1);
	op_end(op, 1, "%s is the primary (epoch %llu)", op->cand->conf.name,
	       (unsigned long long)px->epoch);
}

static void rejoin_verify(dp_op *op);

static void rejoin_status_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	if (r->status == DP_SQL_OK && r->nres >= 1 && mysql_num_rows(r->res[0]) > 0) {
		MYSQL_RES *st = r->res[0];
		const char *io = dp_sql_get(st, 0, dp_sql_col(st, "Slave_IO_Running"));
		const char *sq = dp_sql_get(st, 0, dp_sql_col(st, "Slave_SQL_Running"));
		const char *file = dp_sql_get(st, 0, dp_sql_col(st, "Master_Log_File"));
		const char *ioe = dp_sql_get(st, 0, dp_sql_col(st, "Last_IO_Errno"));
		const char *iomsg = dp_sql_get(st, 0, dp_sql_col(st, "Last_IO_Error"));
		const char *sqe = dp_sql_get(st, 0, dp_sql_col(st, "Last_SQL_Error"));
		if (ioe && strcmp(ioe, "1236") == 0) {
			s->quarantined = 1;
			snprintf(s->quarantine_reason, sizeof(s->quarantine_reason),
				 "the primary refused its GTID position (error 1236): %s",
				 iomsg ? iomsg : "");
			dp_sqlc_run(s->cmd, "STOP SLAVE", op->px->cfg.op_step_timeout_ms, NULL,
				    NULL);
			op_end(op, 0, "%s diverged from %s and is quarantined: %s", s->conf.name,
			       op->px->primary->conf.name, iomsg ? iomsg : "");
			return;
		}
		if (sq && strcmp(sq, "No") == 0 && sqe && sqe[0]) {
			op_end(op, 0, "replication on %s stopped: %s", s->conf.name, sqe);
			return;
		}
		if (io && sq && strcmp(io, "Yes") == 0 && strcmp(sq, "Yes") == 0 && file &&
		    file[0]) {
			s->quarantined = 0;
			s->has_fork_pos = 0;
			s->needs_redirect = 0;
			s->fence_pending = 0;
			dp_event_phase(op->px, op->ev, "verify", "%s replicates from %s",
				       s->conf.name, op->px->primary->conf.name);
			op_end(op, 1, "%s rejoined as a replica of %s", s->conf.name,
			       op->px->primary->conf.name);
			return;
		}
	}
	if (dp_now_ms() >= op->phase_deadline_ms) {
		op_end(op, 0, "%s did not start replicating within 10 s", s->conf.name);
		return;
	}
	dp_timer_set(op->px->loop, &op->timer, 100);
}

static void rejoin_exec_done(dp_op *op, dp_server *s, dp_sqlres *r)
{
	if (r->status != DP_SQL_OK) {
		op_end(op, 0, "could not point %s at %s: %s", s->conf.name,
		       op->px->primary->conf.name, r->msg);
		return;
	}
	dp_event_phase(op->px, op->ev, "rejoin", "%s: CHANGE MASTER to %s, START SLAVE",
		       s->conf.name, op->px->primary->conf.name);
	next_phase(op);
}

static void rejoin_verify(dp_op *op)
{
	op_sql(op, op->target, "SHOW ALL SLAVES STATUS", rejoin_status_done);
}

static void drain_check(dp_op *op);

static void on_timer(dp_loop *loop, dp_timer *t)
{
	dp_op *op = t->arg;
	(void)loop;
	if (op->phase == PH_DRAIN)
		drain_check(op);
	else if (op->phase == PH_VERIFY)
		rejoin_verify(op);
	else if (op->phase == PH_CATCHUP)
		next_phase(op); /* the publication waited for the register's catch-up write */
}

static void drain_check(dp_op *op)
{
	unsigned busy = 0;
	int quiet = dp_sessions_quiet(op->px, op->old, &busy);
	if (quiet || dp_now_ms() >= op->phase_deadline_ms) {
		if (quiet)
			dp_event_phase(op->px, op->ev, "drain", "sessions on %s are idle and held",
				       op->old->conf.name);
		else
			dp_event_phase(op->px, op->ev, "drain",
				       "%u session(s) still busy on %s after %u ms: they end", busy,
				       op->old->conf.name, op->px->cfg.switchover_drain_ms);
		next_phase(op);
		return;
	}
	dp_timer_set(op->px->loop, &op->timer, 5);
}

/* ---------------------------------------------------------------- the sequence */

static void start_freeze(dp_op *op)
{
	dp_proxy *px = op->px;
	op->phase = PH_FREEZE;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		/* A replica in maintenance is never promoted, but what it received counts. */
		if (s == op->old || s->health != DP_H_UP || s->quarantined ||
		    !dp_server_replicates_from(s, op->old))
			continue;
		op->frozen[i] = 1;
		/* No more events from a zombie primary after we read the positions. A semi-sync
		 * replica's STOP first connects to its primary to end its dump thread there, and
		 * waits rpl_semi_sync_slave_kill_conn_timeout seconds for it (5 by default): the
		 * stop took 2.0 s against a hung primary, 1.0 s with 1 (0 means no limit). Set on
		 * the way, a failure to set it ignored (the handler), the stop then as before. */
		op_sql(
		    op, s,
		    "BEGIN NOT ATOMIC DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END; SET "
		    "GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 1; END; STOP SLAVE IO_THREAD",
		    freeze_done);
	}
	if (op->pending == 0) {
		op_end(op, 0, "no reachable replica of %s to promote", op->old->conf.name);
	}
}

/* The frozen replicas report their positions, the others are read from their last probe. */
static void start_select(dp_op *op)
{
	dp_proxy *px = op->px;
	op->phase = PH_SELECT;
	for (int i = 0; i < px->nservers; i++)
		if (!op->frozen[i])
			read_from_probe(op, px->servers[i]);
	for (int i = 0; i < px->nservers; i++)
		if (op->frozen[i])
			op_sql(op, px->servers[i],
			       "SELECT @@global.gtid_current_pos; SHOW ALL SLAVES STATUS",
			       select_info_done);
	if (op->pending == 0)
		op_end(op, 0, "no replica left to choose from");
}

static void start_catchup(dp_op *op)
{
	op->phase = PH_CATCHUP;
	op->phase_deadline_ms = dp_now_ms() + op->px->cfg.catchup_timeout_ms;
	catchup_step(op);
}

/* Switchover: the demoted primary s becomes a replica of the new one from the position the
 * candidate caught up to (cm: its CHANGE MASTER). */
static void redirect_old_primary(dp_op *op, dp_server *s, const char *cm)
{
	char sql[4096], pos[DP_GTID_TEXT * 2];
	int semi_off = s->semi_enabled && s->set.semi_wait_no_slave;
	dp_sql_escape(pos, sizeof(pos), op->wait_pos);
	s->semi_master_off |= semi_off;
	snprintf(sql, sizeof(sql),
		 "STOP SLAVE; SET GLOBAL gtid_slave_pos = '%s'; %s%s; START SLAVE", pos,
		 semi_off ? "SET GLOBAL rpl_semi_sync_master_enabled = 0; " : "", cm);
	op_sql(op, s, sql, redirect_done);
	sodium_memzero(sql, sizeof(sql));
}

/* Every other server replicates from the new primary; those down are redirected when they
 * come back, the old primary is fenced again the moment it answers. */
static void start_redirect(dp_op *op)
{
	dp_proxy *px = op->px;
	char sql[4096], cm[1200];
	op->phase = PH_REDIRECT;
	dp_change_master_sql(px, op->cand, cm, sizeof(cm));
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (s == op->cand)
			continue;
		if (s == op->old) {
			if (op->kind == DP_OP_SWITCHOVER && s->health == DP_H_UP)
				redirect_old_primary(op, s, cm);
			else
				s->fence_pending = 1;
			continue;
		}
		if (s->quarantined || s->maintenance)
			continue;
		if (s->health != DP_H_UP) {
			s->needs_redirect = 1;
			continue;
		}
		snprintf(sql, sizeof(sql), "STOP SLAVE; %s; START SLAVE", cm);
		op_sql(op, s, sql, redirect_done);
	}
	sodium_memzero(cm, sizeof(cm));
	sodium_memzero(sql, sizeof(sql));
	if (op->pending == 0) {
		dp_event_phase(px, op->ev, "redirect", "no other replica to point at %s",
			       op->cand->conf.name);
		next_phase(op);
	}
}

/* The one place that moves an operation to its next phase, once the current one is done. */
static void next_phase(dp_op *op)
{
	dp_proxy *px = op->px;

	switch (op->phase) {
	case PH_FENCE:
		start_freeze(op);
		return;
	case PH_FREEZE:
		start_select(op);
		return;
	case PH_SELECT: /* select_candidate() came here */
	case PH_DEMOTE:
		start_catchup(op);
		return;
	case PH_DRAIN:
		op->phase = PH_DEMOTE;
		op->demoted = !op->old->read_only;
		op->pending++;
		if (dp_fence(px, op->old, DP_FENCE_KILL | DP_FENCE_WAIT_GONE, demote_fence_done,
			     op) < 0) {
			op->pending--;
			/* the command connection is busy: try again shortly */
			op->phase = PH_DRAIN;
			op->phase_deadline_ms = 0;
			dp_timer_set(px->loop, &op->timer, 5);
		}
		return;
	case PH_CATCHUP:
		/* Cooperative: the register names the candidate before it becomes writable. */
		if (px->cfg.cooperative && !op->published) {
			if (px->coop.pub_active) { /* a catch-up write of the register: ms */
				dp_timer_set(px->loop, &op->timer, 5);
				return;
			}
			dp_failpoint("before_publish"); /* a test kills the leader here */
			op->pub_epoch = dp_coop_next_epoch(px);
			op->pending++;
			if (dp_coop_publish(px, op->cand, op->pub_epoch, publish_done, op) < 0) {
				op->pending--;
				op_end(
				    op, 0,
				    "could not publish %s as the writer: this dbproxy is not the "
				    "leader or holds too few monitor locks",
				    op->cand->conf.name);
			}
			return;
		}
		/* The phase stays "catch-up" until promote_done: a failure before is undone. */
		op_sql(op, op->cand,
		       "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0; SELECT "
		       "@@global.gtid_current_pos",
		       promote_done);
		return;
	case PH_PROMOTE:
		dp_failpoint("after_promote"); /* a test kills the leader here: promoted, the
						  replicas not redirected, not routed */
		start_redirect(op);
		return;
	case PH_REDIRECT:
		op->phase = PH_ROUTE;
		route(op);
		return;
	case PH_REJOIN:
		op->phase = PH_VERIFY;
		op->phase_deadline_ms = dp_now_ms() + 10000;
		rejoin_verify(op);
		return;
	default:
		return;
	}
}

/* ---------------------------------------------------------------- start */

static dp_server *best_switchover_target(dp_proxy *px, dp_server *old)
{
	dp_server *best = NULL;
	dp_gtid_pos bp = {0};
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_gtid_pos p;
		if (s == old || !usable(s) || s->conf.no_promotion ||
		    !dp_server_replicates_from(s, old) || strcmp(s->slave.io_running, "Yes") != 0 ||
		    !s->slave.sql_running)
			continue;
		if (dp_gtid_parse(&p, s->gtid_current) < 0)
			continue;
		if (!best || dp_gtid_cmp(&p, &bp) > 0) {
			best = s;
			bp = p;
		}
	}
	return best;
}

/* One operation at a time, none while shutting down. */
static int check_idle(dp_proxy *px, char *err, size_t errsz)
{
	if (px->op)
		return dp_seterr(err, errsz, "a %s is already running", px->op->ev->kind);
	if (!dp_coop_may_act(px))
		return dp_seterr(err, errsz,
				 "this dbproxy is not the leader (cooperative monitoring): ask the "
				 "leader, see /status");
	return px->draining ? dp_seterr(err, errsz, "shutting down") : 0;
}

/* Failover and switchover need a primary to replace and a target other than it. */
static int check_replace(dp_proxy *px, const dp_server *target, char *err, size_t errsz)
{
	dp_server *old = px->primary;
	if (check_idle(px, err, errsz) < 0)
		return -1;
	if (!old)
		return dp_seterr(err, errsz, "no primary");
	if (target && target == old)
		return dp_seterr(err, errsz, "%s is already the primary", target->conf.name);
	return 0;
}

/* The new running operation, named after the server it starts from; enforcement stops until
 * it ends. NULL when out of memory. */
static dp_op *op_new(dp_proxy *px, int kind, int flags, const dp_server *from, dp_op_done_fn *done,
		     void *arg)
{
	dp_op *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->px = px;
	op->kind = kind;
	op->automatic = !!(flags & DP_OP_AUTOMATIC);
	op->allow_loss = !!(flags & DP_OP_ALLOW_LOSS);
	op->done = done;
	op->arg = arg;
	op->started_ms = dp_now_ms();
	dp_timer_init(&op->timer, on_timer, op);
	dp_timer_init(&op->poll, on_poll, op);
	op->ev = event_new(px, kind, op->automatic);
	px->op = op;
	for (int i = 0; i < px->nservers; i++)
		dp_enforce_stop(px, px->servers[i]);
	snprintf(op->ev->from, sizeof(op->ev->from), "%s", from->conf.name);
	return op;
}

int dp_op_failover(dp_proxy *px, dp_server *target, int flags, dp_op_done_fn *done, void *arg,
		   char *err, size_t errsz)
{
	dp_server *old = px->primary;
	dp_op *op;
	if (check_replace(px, target, err, errsz) < 0)
		return -1;
	if (!(op = op_new(px, DP_OP_FAILOVER, flags, old, done, arg)))
		return dp_seterr(err, errsz, "out of memory");
	op->old = old;
	op->target = target;
	if (op->automatic) {
		/* The detection phases happened before: record when. */
		uint64_t ago = dp_now_ms() - old->first_fail_ms;
		dp_event_phase(px, op->ev, "suspect", "first failed probe of %s %llu ms ago: %s",
			       old->conf.name, (unsigned long long)ago, old->last_error);
		dp_event_phase(px, op->ev, "confirm", "%s down, its replicas confirm",
			       old->conf.name);
	} else {
		dp_event_phase(px, op->ev, "requested", "failover of %s%s%s", old->conf.name,
			       target ? " to " : "", target ? target->conf.name : "");
	}
	/* From now on nothing new goes to the old primary. */
	px->routing_paused = 1;
	dp_sessions_leave(px, old, 0);
	op->phase = PH_FENCE;
	if (old->health == DP_H_UP && !dp_sqlc_busy(old->cmd)) {
		op->pending++;
		if (dp_fence(px, old, DP_FENCE_KILL, fence_done, op) == 0)
			return 0;
		op->pending--;
	}
	old->fence_pending = 1;
	dp_event_phase(px, op->ev, "fence", "%s unreachable: fenced when it answers again",
		       old->conf.name);
	start_freeze(op);
	return 0;
}

int dp_op_switchover(dp_proxy *px, dp_server *target, dp_op_done_fn *done, void *arg, char *err,
		     size_t errsz)
{
	dp_server *old = px->primary;
	dp_op *op;
	if (check_replace(px, target, err, errsz) < 0)
		return -1;
	if (old->health != DP_H_UP || !old->probed)
		return dp_seterr(err, errsz, "the primary %s is not up: use failover",
				 old->conf.name);
	if (!target)
		target = best_switchover_target(px, old);
	if (!target || !usable(target) || !dp_server_replicates_from(target, old) ||
	    strcmp(target->slave.io_running, "Yes") != 0)
		return dp_seterr(err, errsz, "no replica of %s is replicating and usable",
				 old->conf.name);
	if (!(op = op_new(px, DP_OP_SWITCHOVER, 0, old, done, arg)))
		return dp_seterr(err, errsz, "out of memory");
	op->old = old;
	op->target = target;
	dp_event_phase(px, op->ev, "requested", "switchover from %s to %s", old->conf.name,
		       target->conf.name);
	snprintf(op->ev->to, sizeof(op->ev->to), "%s", target->conf.name);
	op->cand = target;
	px->routing_paused = 1;
	op->phase = PH_DRAIN;
	op->phase_deadline_ms = dp_now_ms() + px->cfg.switchover_drain_ms;
	drain_check(op);
	return 0;
}

/* Whether s may rejoin the primary p as a replica; quarantines s when it holds transactions
 * that p's history lacks. */
static int check_rejoin(dp_proxy *px, dp_server *s, dp_server *p, char *err, size_t errsz)
{
	dp_gtid_pos mine, ref;
	const char *ref_text;
	if (check_idle(px, err, errsz) < 0)
		return -1;
	if (!s)
		return dp_seterr(err, errsz, "rejoin needs a server");
	if (s == p)
		return dp_seterr(err, errsz, "%s is the primary", s->conf.name);
	if (!p || p->health != DP_H_UP)
		return dp_seterr(err, errsz, "no primary to rejoin to");
	if (s->health != DP_H_UP || !s->probed)
		return dp_seterr(err, errsz, "%s is not reachable", s->conf.name);
	if (px->cfg.cooperative && !s->coop_held)
		return dp_seterr(err, errsz,
				 "this dbproxy does not hold the monitor lock on %s yet (back a "
				 "moment ago?): retry shortly",
				 s->conf.name);
	if (s->quarantined)
		return dp_seterr(err, errsz, "%s is quarantined: %s", s->conf.name,
				 s->quarantine_reason);
	if (!px->cfg.replication_user[0] && !s->slave.present)
		return dp_seterr(
		    err, errsz,
		    "no --replication-user configured and %s has no replication settings",
		    s->conf.name);
	ref_text = s->has_fork_pos ? s->fork_pos : p->gtid_current;
	if (dp_gtid_parse(&mine, s->gtid_binlog) == 0 && dp_gtid_parse(&ref, ref_text) == 0 &&
	    !dp_gtid_contains(&ref, &mine)) {
		s->quarantined = 1;
		snprintf(s->quarantine_reason, sizeof(s->quarantine_reason),
			 "holds %llu transaction(s) the primary lacks (its %s, history up to %s)",
			 (unsigned long long)dp_gtid_gap(&ref, &mine), s->gtid_binlog, ref_text);
		dp_warn("server %s quarantined: %s", s->conf.name, s->quarantine_reason);
		return dp_seterr(err, errsz, "%s is quarantined: %s", s->conf.name,
				 s->quarantine_reason);
	}
	return 0;
}

int dp_op_rejoin(dp_proxy *px, dp_server *s, dp_op_done_fn *done, void *arg, char *err,
		 size_t errsz)
{
	dp_server *p = px->primary;
	char sql[2400], cm[1200], setpos[128] = "";
	dp_op *op;
	if (check_rejoin(px, s, p, err, errsz) < 0)
		return -1;
	if (!(op = op_new(px, DP_OP_REJOIN, 0, s, done, arg)))
		return dp_seterr(err, errsz, "out of memory");
	op->target = s;
	snprintf(op->ev->to, sizeof(op->ev->to), "%s", p->conf.name);
	dp_event_phase(px, op->ev, "requested", "rejoin %s as a replica of %s", s->conf.name,
		       p->conf.name);
	dp_change_master_sql(px, p, cm, sizeof(cm));
	if (s->gtid_binlog[0]) {
		/* An old primary's own writes are in its binary log, not in gtid_slave_pos;
		 * read there and then (a primary that was hung may have committed more
		 * since its last probe: the writer then refuses its position, 1236). */
		snprintf(setpos, sizeof(setpos),
			 "SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos; ");
	}
	snprintf(sql, sizeof(sql), "SET GLOBAL read_only = 1; STOP SLAVE; %s%s; START SLAVE",
		 setpos, cm);
	op->phase = PH_REJOIN;
	op_sql(op, s, sql, rejoin_exec_done);
	sodium_memzero(sql, sizeof(sql));
	sodium_memzero(cm, sizeof(cm));
	return 0;
}

void dp_op_abort_all(dp_proxy *px)
{
	if (px->op)
		op_end(px->op, 0, "aborted: shutting down");
}
