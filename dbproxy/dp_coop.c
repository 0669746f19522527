/* dbproxy cooperative monitoring (docs/ha.md): several dbproxies in front of the same servers,
 * one leader among them. Each keeps one more connection per server that tries to hold
 * MariaDB's named lock 'dbproxy_monitor' (MaxScale's cooperative_monitoring_locks =
 * majority_of_all); the holder of the locks of a majority of all the configured servers is
 * the leader, the only one that fails over, switches over, fences and enforces. The writer is
 * published in a one-row register on each server (outside the binary log, written only while
 * the lock is held), and followers route to the writer of the highest epoch they read on a
 * majority. Every statement the leader's operations send is guarded by its lock (dp_sql.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "dbproxy.h"
#include "dp_log.h"

static void cycle_start(dp_proxy *px, dp_server *s);
static void publish_send(dp_proxy *px, dp_server *s);

static unsigned majority(const dp_proxy *px)
{
	return (unsigned)px->nservers / 2 + 1;
}

/* How old a cycle's reading may be and still count (a few cycles, never less than a probe's
 * own timeout). */
static uint64_t fresh_ms(const dp_proxy *px)
{
	uint64_t f = 4ull * px->cfg.probe_interval_ms;
	return f < 2ull * px->cfg.probe_timeout_ms ? 2ull * px->cfg.probe_timeout_ms : f;
}

static int fresh(const dp_proxy *px, const dp_server *s, uint64_t now)
{
	return s->coop_read_ms && now - s->coop_read_ms <= fresh_ms(px);
}

/* The lock's lifetime after this dbproxy stops answering (frozen, cut off): the server ends
 * an idle connection after wait_timeout seconds, and its lock with it. */
static unsigned lock_timeout_s(const dp_proxy *px)
{
	unsigned s = (8 * px->cfg.probe_interval_ms + 999) / 1000;
	return s < 2 ? 2 : s;
}

/* How the register names a server: NAME=HOST:PORT as this dbproxy knows it. */
static void ident_of(const dp_server *s, char *out, size_t size)
{
	snprintf(out, size, "%s=%s:%d", s->conf.name, s->host, s->port);
}

/* The server a register entry names: the same address, or failing that (dbproxies that reach
 * the servers through different networks) the same name. */
static dp_server *server_by_ident(dp_proxy *px, const char *ident)
{
	char a[DP_REG_IDENT];
	const char *eq = strchr(ident, '=');
	size_t namelen = eq ? (size_t)(eq - ident) : 0;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		snprintf(a, sizeof(a), "%s:%d", s->host, s->port);
		if (eq && strcmp(eq + 1, a) == 0)
			return s;
	}
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (eq && strlen(s->conf.name) == namelen && !strncmp(s->conf.name, ident, namelen))
			return s;
	}
	return NULL;
}

/* The guard of the command connection: its statements run only while our coop connection
 * holds the server's lock (connection id 0 never does). */
static void guard_set(dp_server *s)
{
	char g[256];
	snprintf(g, sizeof(g),
		 "IF NOT (IS_USED_LOCK('%s') <=> %lu) THEN SIGNAL SQLSTATE '45000' "
		 "SET MESSAGE_TEXT = 'dbproxy: not the leader on this server (monitor lock "
		 "lost)'; END IF; ",
		 s->px->coop.lock, s->coop_held ? s->coop_conn_id : 0ul);
	dp_sqlc_set_guard(s->cmd, g);
}

/* ---------------------------------------------------------------- the register */

/* The highest epoch among the fresh readings (held only: of servers whose lock we hold). */
static uint64_t register_max(dp_proxy *px, int held_only, uint64_t now, dp_server **who)
{
	uint64_t best = 0;
	*who = NULL;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (!fresh(px, s, now) || (held_only && !s->coop_held))
			continue;
		if (s->reg_epoch > best || (!*who && s->reg_epoch == best)) {
			best = s->reg_epoch;
			*who = s;
		}
	}
	return best;
}

static void publish_finish(dp_proxy *px, int ok)
{
	dp_coop_publish_fn *done = px->coop.pub_done;
	void *arg = px->coop.pub_arg;
	px->coop.pub_active = 0;
	px->coop.pub_done = NULL;
	if (ok)
		dp_info("cooperative: epoch %llu published (writer %s) on %u of %d servers",
			(unsigned long long)px->coop.pub_epoch, px->coop.pub_writer,
			px->coop.pub_acked, px->nservers);
	else
		dp_warn("cooperative: epoch %llu (writer %s) published on only %u of %d servers: "
			"not a majority",
			(unsigned long long)px->coop.pub_epoch, px->coop.pub_writer,
			px->coop.pub_acked, px->nservers);
	if (done)
		done(px, ok, arg);
}

static void publish_check(dp_proxy *px)
{
	if (!px->coop.pub_active)
		return;
	if (px->coop.pub_acked >= majority(px))
		publish_finish(px, 1);
	else if (px->coop.pub_replied >= px->coop.pub_sent)
		publish_finish(px, 0);
}

static void publish_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	dp_proxy *px = s->px;
	const char *v = NULL;
	(void)c;
	if (r->status == DP_SQL_OK && r->nres >= 1)
		v = dp_sql_get(r->res[r->nres - 1], 0, 0);
	if (px->coop.pub_active && s->reg_writing_epoch == px->coop.pub_epoch) {
		px->coop.pub_replied++;
		if (v && strcmp(v, "1") == 0) {
			px->coop.pub_acked++;
			s->reg_epoch = px->coop.pub_epoch;
			snprintf(s->reg_writer, sizeof(s->reg_writer), "%s", px->coop.pub_writer);
		} else {
			dp_info("cooperative: %s did not take epoch %llu: %s", s->conf.name,
				(unsigned long long)px->coop.pub_epoch,
				r->status == DP_SQL_OK ? "lock not held or newer epoch there"
						       : r->msg);
		}
	}
	if (r->status != DP_SQL_OK) {
		s->coop_held = 0;
		guard_set(s);
	}
	/* The next cycle, right away: it also re-reads what is there now. */
	cycle_start(px, s);
	publish_check(px);
}

static void publish_send(dp_proxy *px, dp_server *s)
{
	char sql[2000], w[2 * DP_REG_IDENT + 1], l[420];
	dp_sql_escape(w, sizeof(w), px->coop.pub_writer);
	dp_sql_escape(l, sizeof(l), px->coop.identity);
	snprintf(sql, sizeof(sql),
		 "SET SESSION sql_log_bin = 0; UPDATE `%s`.`writer` SET epoch = %llu, writer = "
		 "'%s', leader = '%s', changed = NOW(3) WHERE id = 1 AND (epoch < %llu OR (epoch "
		 "= %llu AND writer = '%s')) AND IS_USED_LOCK('%s') <=> CONNECTION_ID(); SELECT "
		 "ROW_COUNT()",
		 px->cfg.cooperative_database, (unsigned long long)px->coop.pub_epoch, w, l,
		 (unsigned long long)px->coop.pub_epoch, (unsigned long long)px->coop.pub_epoch, w,
		 px->coop.lock);
	s->reg_writing_epoch = px->coop.pub_epoch;
	s->reg_pending = 0;
	dp_timer_cancel(px->loop, &s->coop_timer);
	if (dp_sqlc_run_guarded(s->coop, sql, 0, px->cfg.op_step_timeout_ms, publish_done, s) < 0) {
		s->reg_pending = 1; /* a cycle runs: sent when it ends */
	}
}

int dp_coop_publish(dp_proxy *px, dp_server *writer, uint64_t epoch, dp_coop_publish_fn *done,
		    void *arg)
{
	uint64_t now = dp_now_ms();
	unsigned n = 0;
	if (!px->coop.leader || px->coop.pub_active)
		return -1;
	for (int i = 0; i < px->nservers; i++)
		n += px->servers[i]->coop_held && fresh(px, px->servers[i], now);
	if (n < majority(px))
		return -1;
	px->coop.pub_active = 1;
	px->coop.pub_epoch = epoch;
	ident_of(writer, px->coop.pub_writer, sizeof(px->coop.pub_writer));
	px->coop.pub_done = done;
	px->coop.pub_arg = arg;
	px->coop.pub_sent = n;
	px->coop.pub_acked = px->coop.pub_replied = 0;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (!s->coop_held || !fresh(px, s, now))
			continue;
		if (dp_sqlc_busy(s->coop))
			s->reg_pending = 1;
		else
			publish_send(px, s);
	}
	return 0;
}

uint64_t dp_coop_next_epoch(dp_proxy *px)
{
	dp_server *who;
	uint64_t m = register_max(px, 0, dp_now_ms(), &who);
	return (m > px->epoch ? m : px->epoch) + 1;
}

/* ---------------------------------------------------------------- leader and followers */

/* Is the register on a majority of held servers (px->epoch, px->primary)? */
static int synced(dp_proxy *px, uint64_t now)
{
	char want[DP_REG_IDENT];
	unsigned n = 0;
	if (!px->primary)
		return 0;
	ident_of(px->primary, want, sizeof(want));
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (s->coop_held && fresh(px, s, now) && s->reg_epoch == px->epoch &&
		    strcmp(s->reg_writer, want) == 0)
			n++;
	}
	return n >= majority(px);
}

static void writer_change(dp_proxy *px, dp_server *w, uint64_t epoch, const char *why)
{
	dp_server *old = px->primary;
	if (old == w && px->epoch == epoch)
		return;
	px->primary = w;
	px->epoch = epoch;
	px->last_epoch_change_ms = dp_now_ms();
	px->first_write_logged = 0;
	px->last_primary_probe_ms = 0;
	px->last_semi_clients = 0;
	px->last_replica_ids_known = 0;
	dp_state_save(px);
	dp_info("cooperative: writer %s, epoch %llu (%s)", w->conf.name, (unsigned long long)epoch,
		why);
	if (old && old != w)
		dp_sessions_leave(px, old, 0);
}

/* Replicas of another server than the writer: a leader promoted the writer and died (or its
 * answer was lost) before pointing them at it (its redirect step); enforcement does it
 * (dp_enforce.c). */
static void redirect_strays(dp_proxy *px)
{
	for (int i = 0; i < px->nservers && px->primary; i++) {
		dp_server *s = px->servers[i];
		if (s != px->primary && !s->quarantined && s->slave.present &&
		    !dp_server_replicates_from(s, px->primary)) {
			dp_info(
			    "cooperative: %s replicates from %s:%d, not from writer %s: it will "
			    "be pointed at it",
			    s->conf.name, s->slave.master_host, s->slave.master_port,
			    px->primary->conf.name);
			s->needs_redirect = 1;
		}
	}
}

static void sync_done(dp_proxy *px, int ok, void *arg)
{
	(void)arg;
	if (ok)
		px->coop.synced = 1;
	else
		px->coop.sync_after_ms = dp_now_ms() + px->cfg.probe_interval_ms;
	if (ok && px->coop.undemote) {
		if (px->coop.undemote == px->primary)
			dp_failover_undemote(px, px->coop.undemote);
		px->coop.undemote = NULL;
	}
}

void dp_coop_restore_writer(dp_proxy *px, dp_server *old, dp_server *cand)
{
	dp_warn("cooperative: the switchover failed after publishing %s: %s, still the writer, "
		"is published again and made writable, unless a new probe finds %s writable",
		cand->conf.name, old->conf.name, cand->conf.name);
	px->coop.undemote = old;
	px->coop.restore_cand = cand;
	px->coop.restore_since_ms = dp_now_ms();
	px->coop.restore_logged = 0;
	px->coop.synced = 0;
	px->coop.sync_after_ms = 0;
	dp_monitor_probe_now(px, cand);
}

/* The failed switchover's candidate (dp_coop_restore_writer): 1 while it is not known whether
 * its promotion ran (lead waits, the old writer stays read-only), 0 once the old writer may
 * be published again. Known from a successful probe sent since the failure (read-only: not
 * promoted; writable: promoted after all, its answer lost, and it stays the writer at the
 * register's epoch, its replicas pointed at it), or from its death (connections refused: no
 * process listens). A candidate that only stops answering (cut off from this dbproxy, maybe
 * not from the others, which may route to it if it is writable) is waited for. */
static int restore_waits(dp_proxy *px, uint64_t now)
{
	dp_server *c = px->coop.restore_cand, *who;
	int fresh_probe = c && c->probed && c->probed_ms >= px->coop.restore_since_ms;
	int dead = c && c->health == DP_H_DOWN && c->fail_refused >= px->cfg.fail_refused;
	if (!c)
		return 0;
	if (!fresh_probe && !dead) {
		if (!px->coop.restore_logged && now - px->coop.restore_since_ms > fresh_ms(px))
			dp_warn("cooperative: %s does not answer: whether the failed switchover "
				"promoted it is unknown, so %s stays read-only until it answers or "
				"refuses connections",
				c->conf.name,
				px->coop.undemote ? px->coop.undemote->conf.name : "?");
		px->coop.restore_logged |= now - px->coop.restore_since_ms > fresh_ms(px);
		return 1;
	}
	px->coop.restore_cand = NULL;
	if (fresh_probe && !c->read_only) {
		uint64_t e = register_max(px, 1, now, &who);
		px->coop.undemote = NULL;
		dp_warn("cooperative: %s, the failed switchover's candidate, is writable: it stays "
			"the writer",
			c->conf.name);
		writer_change(px, c, e > px->epoch ? e : px->epoch, "promoted after all");
		redirect_strays(px);
	}
	return 0;
}

/* A fresh register of a server whose lock this leader holds names a newer epoch than its own
 * that it published itself (its operation then failed): its writer is to be published again.
 * One another dbproxy published while this one leads means two leaders, each holding a lock
 * of another name (different cooperative keys, or monitoring passwords without one): said,
 * never fought over with epoch after epoch. */
static int register_ahead(dp_proxy *px, uint64_t now)
{
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (!s->coop_held || !fresh(px, s, now) || s->reg_epoch <= px->epoch)
			continue;
		if (strncmp(s->reg_leader, px->coop.identity, sizeof(s->reg_leader) - 1) == 0)
			return 1;
		if (!px->coop.split_logged)
			dp_error(
			    "cooperative: %s published epoch %llu on %s while this dbproxy leads: "
			    "two leaders, each with its own lock; every dbproxy of the cluster "
			    "must use the same cooperative_key_file (or, without one, the same "
			    "monitoring password)",
			    s->reg_leader, (unsigned long long)s->reg_epoch, s->conf.name);
		px->coop.split_logged = 1;
	}
	return 0;
}

/* Just became leader: start from the register of the majority we locked. 0 when it must wait
 * for a probe of the writer named there sent after this dbproxy became leader: a probe from
 * before may show a replica its previous leader promoted just before dying (killed between
 * its promote and route steps), and that one would be taken for never promoted: its dead
 * primary published again, and a second failover made (test_dbproxy_coop_faults). */
static int adopt(dp_proxy *px, uint64_t now)
{
	dp_server *who, *w, *o = NULL;
	uint64_t e = register_max(px, 1, now, &who);
	if (who && e > 0 && e >= px->epoch && (w = server_by_ident(px, who->reg_writer)) &&
	    w->health == DP_H_UP && w->probed_ms < px->coop.leader_since_ms) {
		dp_monitor_probe_now(px, w);
		return 0;
	}
	if (who && e > 0 && e >= px->epoch && (w = server_by_ident(px, who->reg_writer))) {
		/* Published, not promoted (its leader died in between): its master stays the
		 * writer, under a new epoch that says so; the failover logic takes it from there.
		 */
		for (int i = 0; i < px->nservers && w->read_only; i++)
			if (dp_server_replicates_from(w, px->servers[i]))
				o = px->servers[i];
		writer_change(px, o ? o : w, e,
			      o ? "the register names a replica never promoted: its primary stays"
				: "read from the register on becoming leader");
	} else if (who && e > 0 && !server_by_ident(px, who->reg_writer)) {
		dp_error("cooperative: the register names writer %s, which is not one of this "
			 "dbproxy's servers: every dbproxy must list the same servers",
			 who->reg_writer);
	}
	/* Replication a previous leader stopped and could not restart (it died or lost its locks
	 * in the middle of a failover that then failed): this one restarts it (dp_enforce.c,
	 * the IO thread alone, which keeps the relay log). */
	for (int i = 0; i < px->nservers && px->primary; i++) {
		dp_server *s = px->servers[i];
		if (dp_server_replicates_from(s, px->primary) && s->slave.present &&
		    strcmp(s->slave.io_running, "No") == 0 && !s->slave.last_io_errno)
			s->io_stopped = 1;
	}
	redirect_strays(px);
	px->coop.synced = synced(px, now);
	return 1;
}

static void lead(dp_proxy *px, uint64_t now)
{
	if (px->op || px->coop.pub_active || now < px->coop.sync_after_ms || !px->primary)
		return;
	if (restore_waits(px, now))
		return;
	if (px->coop.synced && register_ahead(px, now))
		px->coop.synced = 0;
	if (px->coop.synced || (px->coop.synced = synced(px, now))) {
		/* A majority has it; the others (back from a restart, say) get it too. */
		for (int i = 0; i < px->nservers; i++) {
			dp_server *s = px->servers[i];
			if (s->coop_held && fresh(px, s, now) && s->reg_epoch < px->epoch) {
				dp_coop_publish(px, px->primary, px->epoch, NULL, NULL);
				break;
			}
		}
		return;
	}
	/* The register differs from what this leader routes to: a newer epoch says it. */
	uint64_t e = dp_coop_next_epoch(px);
	if (dp_coop_publish(px, px->primary, e, sync_done, NULL) < 0) {
		px->coop.sync_after_ms = now + px->cfg.probe_interval_ms;
		return;
	}
	dp_info("cooperative: publishing writer %s as epoch %llu", px->primary->conf.name,
		(unsigned long long)e);
	px->epoch = e;
	dp_state_save(px);
}

/* A server the register names but that is still a read-only replica of another one: published,
 * not promoted yet (its leader is between the two steps, or died there and the next leader
 * names another writer). */
static dp_server *unpromoted(dp_proxy *px, const dp_server *w)
{
	if (!w->probed || !w->read_only)
		return NULL;
	for (int i = 0; i < px->nservers; i++)
		if (dp_server_replicates_from(w, px->servers[i]))
			return px->servers[i];
	return NULL;
}

static void follow(dp_proxy *px, uint64_t now)
{
	unsigned n = 0;
	dp_server *who, *w;
	if (px->op) /* a former leader's operation: its guarded steps fail, it ends first */
		return;
	for (int i = 0; i < px->nservers; i++)
		n += fresh(px, px->servers[i], now);
	uint64_t e = register_max(px, 0, now, &who);
	px->coop.routable = 0;
	if (n < majority(px) || !who || e == 0)
		return;
	if (!(w = server_by_ident(px, who->reg_writer))) {
		if (!px->coop.unknown_logged)
			dp_error("cooperative: the register names writer %s, which is not one of "
				 "this dbproxy's servers: every dbproxy must list the same servers",
				 who->reg_writer);
		px->coop.unknown_logged = 1;
		return;
	}
	writer_change(px, w, e, "published by the leader");
	/* Its clients wait (as during a failover) rather than get its 1290 errors; probed again
	 * at once, it is routed to as soon as it is writable. */
	dp_server *from = unpromoted(px, w);
	if (from) {
		if (px->coop.unpromoted_epoch != e)
			dp_info("cooperative: writer %s (epoch %llu) still replicates from %s, "
				"read-only: clients wait for its promotion",
				w->conf.name, (unsigned long long)e, from->conf.name);
		px->coop.unpromoted_epoch = e;
		dp_monitor_probe_now(px, w);
		return;
	}
	px->coop.routable = 1;
}

void dp_coop_evaluate(dp_proxy *px)
{
	uint64_t now = dp_now_ms();
	unsigned held = 0, free_locks = 0, unanswered = 0;
	if (!px->cfg.cooperative)
		return;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (!fresh(px, s, now)) {
			unanswered +=
			    !s->coop_read_ms && !s->coop_error[0]; /* its first cycle runs */
			continue;
		}
		held += s->coop_held != 0;
		free_locks += !s->coop_held && !s->coop_other_held;
	}
	px->coop.locks = held;
	int was = px->coop.leader;
	px->coop.leader = held >= majority(px) && now >= px->coop.step_down_until_ms;
	if (px->coop.leader && !was) {
		dp_warn("cooperative: this dbproxy is the leader (monitor lock held on %u of %d "
			"servers)",
			held, px->nservers);
		px->coop.synced = 0;
		px->coop.adopting = 1;
		px->coop.leader_since_ms = now;
		/* A lock let go in a backoff just before is taken again at once: the failover
		 * that may follow needs every server it can reach under its lock. */
		px->coop.backoff_until_ms = 0;
		for (int i = 0; i < px->nservers; i++)
			if (!px->servers[i]->coop_held && !dp_sqlc_busy(px->servers[i]->coop))
				dp_timer_set(px->loop, &px->servers[i]->coop_timer, 0);
	} else if (!px->coop.leader && was) {
		dp_warn(
		    "cooperative: this dbproxy is no longer the leader (monitor lock held on %u "
		    "of %d servers): following the register",
		    held, px->nservers);
		px->coop.synced = 0;
		px->coop.undemote = NULL;
		px->coop.restore_cand = NULL;
	}
	/* Some locks but no majority, and not enough free ones in sight to make one: let go for a
	 * random while, so that nobody blocks anybody forever. Three dbproxies holding one lock
	 * each; or one that sees too few servers to ever lead (cut from the others, or they are
	 * down) while holding a lock another dbproxy needs: a leader cut from the most advanced
	 * replica kept the other replica's lock when the primary died, and nobody could fail over
	 * until the network healed. A free lock that makes a majority is taken at the next cycle
	 * instead. Not while a server has not answered its first cycle yet (starting: the first
	 * lock taken is not let go because the others' answers are still on their way). */
	if (!px->coop.leader && held > 0 && held + free_locks < majority(px) && unanswered == 0 &&
	    now >= px->coop.backoff_until_ms)
		px->coop.backoff_until_ms =
		    now + (uint64_t)(1 + randombytes_uniform(4)) * px->cfg.probe_interval_ms;
	if (px->coop.leader && px->coop.adopting && adopt(px, now))
		px->coop.adopting = 0;
	if (px->coop.leader && !px->coop.adopting)
		lead(px, now);
	else
		follow(px, now);
}

/* Long enough for the other dbproxies' cycles (one probe interval each) to take the locks
 * this one lets go, short enough that a leader nobody replaces tries again soon. */
void dp_coop_step_down(dp_proxy *px, const char *why)
{
	if (!px->cfg.cooperative || !px->coop.leader)
		return;
	uint64_t ms = 8ull * px->cfg.probe_interval_ms;
	px->coop.step_down_until_ms = dp_now_ms() + ms;
	dp_warn("cooperative: stepping down for %llu ms, the locks let go for a dbproxy that reads "
		"what this one cannot: %s",
		(unsigned long long)ms, why);
	for (int i = 0; i < px->nservers; i++) /* let go now, not at the next cycle */
		if (!dp_sqlc_busy(px->servers[i]->coop))
			dp_timer_set(px->loop, &px->servers[i]->coop_timer, 0);
}

/* No lock in sight is free: a new leader has taken every one it can (its cycles on them were
 * started when it became leader and take milliseconds). An operation started before would
 * find the servers of the free locks out of its reach (their guard refuses its statements). */
static int locks_settled(const dp_proxy *px)
{
	uint64_t now = dp_now_ms();
	for (int i = 0; i < px->nservers; i++) {
		const dp_server *s = px->servers[i];
		if (fresh(px, s, now) && !s->coop_held && !s->coop_other_held)
			return 0;
	}
	return 1;
}

int dp_coop_may_act(const dp_proxy *px)
{
	/* A publication of the current epoch (a server catching up) changes nothing: operations
	 * may start meanwhile (a failover's own publication waits for it to end). */
	return !px->cfg.cooperative || (px->coop.leader && px->coop.synced && locks_settled(px) &&
					(!px->coop.pub_active || px->coop.pub_epoch == px->epoch));
}

int dp_coop_routable(const dp_proxy *px)
{
	if (!px->cfg.cooperative)
		return 1;
	return px->coop.leader ? px->coop.synced : px->coop.routable;
}

/* ---------------------------------------------------------------- the cycle */

static void cycle_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	dp_proxy *px = s->px;
	uint64_t now = dp_now_ms();
	MYSQL_RES *g = r->status == DP_SQL_OK && r->nres >= 1 ? r->res[r->nres - 1] : NULL;
	int was = s->coop_held;
	(void)c;
	if (g && mysql_num_rows(g) == 1 && mysql_num_fields(g) == 6) {
		const char *v;
		s->coop_conn_id =
		    strtoul(dp_sql_get(g, 0, 0) ? dp_sql_get(g, 0, 0) : "0", NULL, 10);
		v = dp_sql_get(g, 0, 1);
		s->coop_held = v && strcmp(v, "1") == 0;
		v = dp_sql_get(g, 0, 2);
		s->reg_epoch = v ? strtoull(v, NULL, 10) : 0;
		v = dp_sql_get(g, 0, 3);
		snprintf(s->reg_writer, sizeof(s->reg_writer), "%s", v ? v : "");
		v = dp_sql_get(g, 0, 4);
		snprintf(s->reg_leader, sizeof(s->reg_leader), "%s", v ? v : "");
		v = dp_sql_get(g, 0, 5); /* the holder after our attempt */
		s->coop_other_held = !s->coop_held && v != NULL;
		s->coop_read_ms = s->coop_started_ms;
		s->coop_ready = 1;
		if (s->coop_error[0])
			dp_info("cooperative: %s answers again", s->conf.name);
		s->coop_error[0] = 0;
	} else {
		s->coop_held = 0;
		s->coop_other_held = 0;
		s->coop_ready = 0;
		if (strcmp(s->coop_error, r->msg) != 0)
			dp_warn("cooperative: %s: %s", s->conf.name,
				r->status == DP_SQL_OK ? "unexpected answer" : r->msg);
		snprintf(s->coop_error, sizeof(s->coop_error), "%s",
			 r->status == DP_SQL_OK ? "unexpected answer" : r->msg);
	}
	if (was != s->coop_held)
		dp_info("cooperative: monitor lock on %s %s", s->conf.name,
			s->coop_held ? "taken" : "not held");
	guard_set(s);
	if (s->reg_pending && px->coop.pub_active)
		publish_send(px, s);
	else {
		uint64_t next = s->coop_started_ms + px->cfg.probe_interval_ms;
		s->reg_pending = 0;
		dp_timer_set(px->loop, &s->coop_timer, next > now ? next - now : 0);
	}
	dp_monitor_evaluate(px);
}

static void cycle_start(dp_proxy *px, dp_server *s)
{
	char sql[1400], setup[700] = "";
	const char *db = px->cfg.cooperative_database;
	uint64_t now = dp_now_ms();
	int release = (!px->coop.leader && now < px->coop.backoff_until_ms) ||
		      now < px->coop.step_down_until_ms;
	if (dp_sqlc_busy(s->coop))
		return;
	if (!s->coop_ready)
		snprintf(setup, sizeof(setup),
			 "CREATE DATABASE IF NOT EXISTS `%s`; CREATE TABLE IF NOT EXISTS "
			 "`%s`.`writer` (id TINYINT UNSIGNED NOT NULL PRIMARY KEY, epoch BIGINT "
			 "UNSIGNED NOT NULL, writer VARCHAR(200) NOT NULL, leader VARCHAR(160) NOT "
			 "NULL, changed DATETIME(3) NOT NULL) ENGINE=InnoDB; INSERT IGNORE INTO "
			 "`%s`.`writer` VALUES (1, 0, '', '', NOW(3)); ",
			 db, db, db);
	const char *lk = px->coop.lock;
	char take[200];
	if (release)
		snprintf(take, sizeof(take), "0");
	else
		snprintf(take, sizeof(take),
			 "IF(IS_USED_LOCK('%s') <=> CONNECTION_ID(), 1, GET_LOCK('%s', 0))", lk,
			 lk);
	snprintf(
	    sql, sizeof(sql),
	    "SET SESSION sql_log_bin = 0, SESSION wait_timeout = %u, SESSION "
	    "lock_wait_timeout = 2; %s%s%s%sSELECT CONNECTION_ID(), %s, epoch, writer, leader, "
	    "IS_USED_LOCK('%s') FROM `%s`.`writer` WHERE id = 1",
	    lock_timeout_s(px), setup, release ? "DO RELEASE_LOCK('" : "", release ? lk : "",
	    release ? "'); " : "", take, lk, db);
	s->coop_started_ms = dp_now_ms();
	dp_sqlc_run_guarded(s->coop, sql, 0, px->cfg.probe_timeout_ms, cycle_done, s);
}

static void on_cycle_timer(dp_loop *loop, dp_timer *t)
{
	dp_server *s = t->arg;
	(void)loop;
	cycle_start(s->px, s);
}

/* The lock's name: not guessable by the servers' other users (members have MySQL accounts
 * there, and named locks are shared by every user): "dbproxy_" and 40 hex digits of a hash of
 * a secret every dbproxy of the cluster shares, the cooperative key, or without one the
 * monitoring password. Named once, at start: dbproxies whose names differ each hold a majority
 * of their own lock and all lead, so the name must not follow a password's rotation (with the
 * password as the key, rotating it means restarting every dbproxy together; docs/ha.md). */
static void lock_name(dp_proxy *px)
{
	unsigned char d[crypto_generichash_BYTES];
	char hex[2 * crypto_generichash_BYTES + 1];
	static const char ctx[] = "dbproxy cooperative monitoring lock";
	const char *key =
	    px->cfg.cooperative_key[0] ? px->cfg.cooperative_key : px->cfg.monitor_password;
	crypto_generichash(d, sizeof(d), (const unsigned char *)key, strlen(key),
			   (const unsigned char *)ctx, sizeof(ctx) - 1);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	snprintf(px->coop.lock, sizeof(px->coop.lock), "dbproxy_%.40s", hex);
	sodium_memzero(d, sizeof(d));
}

void dp_coop_start(dp_proxy *px)
{
	lock_name(px);
	char host[128] = "?";
	gethostname(host, sizeof(host) - 1);
	snprintf(px->coop.identity, sizeof(px->coop.identity), "%.100s pid %ld %.40s", host,
		 (long)getpid(), px->cfg.listen[0] ? px->cfg.listen : px->cfg.listen_socket);
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_timer_init(&s->coop_timer, on_cycle_timer, s);
		if (px->cfg.cooperative) {
			guard_set(s); /* nothing runs on a server before its lock is ours */
			dp_timer_set(px->loop, &s->coop_timer, 0);
		}
	}
	if (px->cfg.cooperative)
		dp_info("cooperative monitoring: majority of %d servers; register in `%s`.`writer`",
			px->nservers, px->cfg.cooperative_database);
}

void dp_coop_stop(dp_proxy *px)
{
	for (int i = 0; i < px->nservers; i++) {
		dp_timer_cancel(px->loop, &px->servers[i]->coop_timer);
		dp_sqlc_close(px->servers[i]->coop);
	}
}
