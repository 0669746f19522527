/* dbproxy enforcement: after each probe, the monitor brings every server in line with the
 * writer epoch, one corrective action per server at a time and none during an operation:
 * fencing of any writable non-writer, a dbproxy-promoted writer made writable, replicas
 * pointed at the writer, semi-sync master switched off where it would stall a replica, and
 * the replicas' heartbeat period.
 *
 * The rule that governs every step here: never destroy events a replica received and has not
 * applied. In GTID mode a replica whose IO thread restarts together with its SQL thread (STOP
 * SLAVE ... START SLAVE, CHANGE MASTER) discards its relay log and fetches again from
 * gtid_slave_pos; if the primary dies meanwhile, the acknowledged transactions in that relay
 * log are gone. So the heartbeat change, the one action that needs CHANGE MASTER on a working
 * replica, goes: STOP SLAVE IO_THREAD (keeps the relay log), wait until the SQL thread has
 * applied all of it, then STOP SLAVE; CHANGE MASTER; START SLAVE. An IO thread restarted alone
 * continues from Gtid_IO_Pos and keeps the relay log, so abandoning the change halfway is safe
 * too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dbproxy.h"
#include "dp_log.h"

enum {
	HB_NONE,
	HB_STOP_IO, /* STOP SLAVE IO_THREAD in flight */
	HB_WAIT,    /* polling until the SQL thread has applied the relay log */
	HB_APPLY,   /* STOP SLAVE; CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD; START SLAVE */
	HB_RESUME,  /* abandoned: START SLAVE IO_THREAD */
};

#define HB_POLL_MS    20
#define HB_IDLE_POLLS 3	    /* "read all relay log" this many times in a row: applied */
#define HB_RETRY_MS   10000 /* after an abandoned change */

void dp_change_master_sql(dp_proxy *px, const dp_server *p, char *buf, size_t size)
{
	char user[300], pass[600], cred[1000] = "";
	if (px->cfg.replication_user[0]) {
		dp_sql_escape(user, sizeof(user), px->cfg.replication_user);
		dp_sql_escape(pass, sizeof(pass), px->cfg.replication_password);
		snprintf(cred, sizeof(cred), "MASTER_USER = '%s', MASTER_PASSWORD = '%s', ", user,
			 pass);
		sodium_memzero(pass, sizeof(pass));
	}
	char hb[64] = "";
	if (px->cfg.replica_heartbeat_ms)
		snprintf(hb, sizeof(hb), ", MASTER_HEARTBEAT_PERIOD = %u.%03u",
			 px->cfg.replica_heartbeat_ms / 1000, px->cfg.replica_heartbeat_ms % 1000);
	snprintf(
	    buf, size,
	    "CHANGE MASTER TO MASTER_HOST = '%s', MASTER_PORT = %d, %sMASTER_USE_GTID = slave_pos, "
	    "MASTER_CONNECT_RETRY = 1%s",
	    p->host, p->port, cred, hb);
	sodium_memzero(cred, sizeof(cred));
}

static void set_enforcing(dp_server *s, const char *what)
{
	snprintf(s->enforcing, sizeof(s->enforcing), "%s", what);
}

/* The primary answered its last probe and nothing suggests it is failing. */
static int primary_healthy(const dp_proxy *px)
{
	const dp_server *p = px->primary;
	return p && p->health == DP_H_UP && p->fail_total == 0 && p->probed;
}

/* MariaDB's ER_MASTER_INFO: the replica's master.info or relay-log.info cannot be read (a
 * server killed while it wrote them). Every replication statement but RESET SLAVE fails with
 * it, and SHOW ALL SLAVES STATUS shows no replication, until RESET SLAVE removes them. */
#define ER_MASTER_INFO 1201

void dp_enforce_replication_failed(dp_server *s, const dp_sqlres *r)
{
	if (r->status != DP_SQL_ESERVER || r->err != ER_MASTER_INFO || s->replication_unreadable)
		return;
	dp_warn("server %s: its replication settings cannot be read (%s): dbproxy resets them "
		"(RESET SLAVE: its relay log, which it cannot apply, is fetched again from its "
		"gtid_slave_pos) and points it at the primary",
		s->conf.name, r->msg);
	s->replication_unreadable = 1;
	s->needs_redirect = 1;
}

static void enforce_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	(void)c;
	set_enforcing(s, "");
	dp_enforce_replication_failed(s, r);
	if (r->status == DP_SQL_ESERVER && r->err == 1227) {
		/* A missing privilege will not appear by itself: say so once a minute. */
		dp_warn("server %s: enforcement refused: %s (see the grants in dbproxy(8))",
			s->conf.name, r->msg);
		s->enforce_after_ms = dp_now_ms() + 60000;
	} else if (r->status != DP_SQL_OK) {
		dp_warn("server %s: enforcement failed: %s", s->conf.name, r->msg);
		s->enforce_after_ms = dp_now_ms() + 1000;
	} else {
		/* Until a probe started after the change has reported, do not act on stale data. */
		s->enforce_after_ms = dp_now_ms() + 2 * s->px->cfg.probe_interval_ms;
	}
	dp_monitor_probe_now(s->px, s);
}

static void run_step(dp_proxy *px, dp_server *s, const char *what, const char *sql)
{
	set_enforcing(s, what);
	if (dp_sqlc_run(s->cmd, sql, px->cfg.op_step_timeout_ms, enforce_done, s) < 0)
		set_enforcing(s, "");
}

/* A redirect cut short (the replica restarting, a connection lost) is tried again: nothing
 * else would point the replica at the primary, and it would stay on the old one. A server's
 * refusal is not (1201 aside, see dp_enforce_replication_failed): it would only repeat. */
static void redirect_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	if (r->status != DP_SQL_OK && r->status != DP_SQL_ESERVER)
		s->needs_redirect = 1;
	enforce_done(c, r, arg);
}

static void fence_enforce_done(dp_proxy *px, dp_server *s, int ok, void *arg)
{
	(void)arg;
	set_enforcing(s, "");
	if (ok)
		dp_info("server %s fenced: read_only=1 (writer is %s, epoch %llu)", s->conf.name,
			px->primary ? px->primary->conf.name : "none",
			(unsigned long long)px->epoch);
	s->enforce_after_ms = dp_now_ms() + (ok ? 2 * px->cfg.probe_interval_ms : 250);
	dp_monitor_probe_now(px, s);
}

/* ---------------------------------------------------------------- the heartbeat change */

static int hb_mismatch(const dp_proxy *px, const dp_server *s)
{
	double want = px->cfg.replica_heartbeat_ms / 1000.0;
	return px->cfg.replica_heartbeat_ms && s->slave.present &&
	       (s->slave.heartbeat_period > want + 0.0005 ||
		s->slave.heartbeat_period < want - 0.0005);
}

static void hb_send(dp_proxy *px, dp_server *s);

static void hb_end(dp_proxy *px, dp_server *s, uint64_t retry_ms)
{
	s->hb_step = HB_NONE;
	set_enforcing(s, "");
	dp_timer_cancel(px->loop, &s->hb_timer);
	s->enforce_after_ms = dp_now_ms() + retry_ms;
	dp_monitor_probe_now(px, s);
}

/* Gives up the change. The IO thread, if we stopped it, is started again alone (the relay
 * log stays): unless an operation runs, which handles the replica's threads itself. */
static void hb_abandon(dp_proxy *px, dp_server *s, const char *why)
{
	dp_warn("server %s: heartbeat change abandoned: %s", s->conf.name, why);
	if (s->io_stopped && !px->op && !dp_sqlc_busy(s->cmd)) {
		s->hb_step = HB_RESUME;
		hb_send(px, s);
		return;
	}
	hb_end(px, s, HB_RETRY_MS);
}

int dp_relay_log_executed(MYSQL_RES *st)
{
	const char *rf = dp_sql_get(st, 0, dp_sql_col(st, "Master_Log_File"));
	const char *ef = dp_sql_get(st, 0, dp_sql_col(st, "Relay_Master_Log_File"));
	const char *rp = dp_sql_get(st, 0, dp_sql_col(st, "Read_Master_Log_Pos"));
	const char *ep = dp_sql_get(st, 0, dp_sql_col(st, "Exec_Master_Log_Pos"));
	return rf && ef && rp && ep && strcmp(rf, ef) == 0 &&
	       strtoull(ep, NULL, 10) >= strtoull(rp, NULL, 10);
}

/* Has the SQL thread applied everything the IO thread wrote to the relay log? Exact when the
 * positions match; a transaction whose end never arrived (the IO thread stopped inside it)
 * leaves them apart for good, so a SQL thread that keeps reporting it has read the whole relay
 * log counts too: such a partial transaction was never acknowledged by this replica. */
static int hb_applied(dp_server *s, MYSQL_RES *st)
{
	const char *state = dp_sql_get(st, 0, dp_sql_col(st, "Slave_SQL_Running_State"));
	if (dp_relay_log_executed(st))
		return 1;
	if (state && strstr(state, "read all relay log"))
		return ++s->hb_idle_polls >= HB_IDLE_POLLS;
	s->hb_idle_polls = 0;
	return 0;
}

static void hb_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	dp_proxy *px = s->px;
	(void)c;
	if (r->status != DP_SQL_OK) {
		dp_enforce_replication_failed(s, r);
		if (s->hb_step == HB_STOP_IO && r->status != DP_SQL_ESERVER)
			s->io_stopped = 1; /* it may have stopped: resume it to be sure */
		if (s->hb_step == HB_RESUME || s->hb_step == HB_APPLY) {
			dp_warn("server %s: %s failed: %s", s->conf.name, s->enforcing, r->msg);
			hb_end(px, s, 1000);
		} else {
			hb_abandon(px, s, r->msg);
		}
		return;
	}
	switch (s->hb_step) {
	case HB_STOP_IO:
		s->io_stopped = 1;
		s->hb_step = HB_WAIT;
		s->hb_idle_polls = 0;
		s->hb_deadline_ms = dp_now_ms() + px->cfg.op_step_timeout_ms;
		break;
	case HB_WAIT:
		if (r->nres < 1 || mysql_num_rows(r->res[0]) == 0) {
			hb_abandon(px, s, "its replication settings are gone");
			return;
		}
		if (hb_applied(s, r->res[0])) {
			s->hb_step = HB_APPLY;
			break;
		}
		if (dp_now_ms() >= s->hb_deadline_ms) {
			hb_abandon(px, s, "its SQL thread did not apply its relay log in time");
			return;
		}
		dp_timer_set(px->loop, &s->hb_timer, HB_POLL_MS);
		return;
	case HB_APPLY:
		s->io_stopped = 0;
		dp_info("server %s: MASTER_HEARTBEAT_PERIOD is now %u ms", s->conf.name,
			px->cfg.replica_heartbeat_ms);
		hb_end(px, s, 2 * px->cfg.probe_interval_ms);
		return;
	case HB_RESUME:
		s->io_stopped = 0;
		hb_end(px, s, HB_RETRY_MS);
		return;
	default:
		return;
	}
	hb_send(px, s);
}

/* Sends the statement of the current step, unless the situation changed: an operation began
 * (it drives the replicas now) or the primary stopped looking healthy (a replica that
 * restarted replication now could not fetch its relay log again). */
static void hb_send(dp_proxy *px, dp_server *s)
{
	char sql[256];
	const char *what = "";
	if (s->hb_step != HB_RESUME) {
		if (px->op) {
			hb_end(px, s, 0);
			return;
		}
		if (!primary_healthy(px) || !dp_server_replicates_from(s, px->primary)) {
			hb_abandon(px, s, "the primary is not healthy");
			return;
		}
	}
	switch (s->hb_step) {
	case HB_STOP_IO:
		what = "heartbeat: stopping the IO thread";
		snprintf(sql, sizeof(sql), "STOP SLAVE IO_THREAD");
		break;
	case HB_WAIT:
		what = "heartbeat: waiting for the SQL thread to apply the relay log";
		snprintf(sql, sizeof(sql), "SHOW ALL SLAVES STATUS");
		break;
	case HB_APPLY:
		what = "heartbeat: CHANGE MASTER";
		snprintf(
		    sql, sizeof(sql),
		    "STOP SLAVE; CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD = %u.%03u; START SLAVE",
		    px->cfg.replica_heartbeat_ms / 1000, px->cfg.replica_heartbeat_ms % 1000);
		break;
	case HB_RESUME:
		what = "heartbeat: restarting the IO thread";
		snprintf(sql, sizeof(sql), "START SLAVE IO_THREAD");
		break;
	default:
		return;
	}
	set_enforcing(s, what);
	if (dp_sqlc_run(s->cmd, sql, px->cfg.op_step_timeout_ms, hb_done, s) < 0)
		hb_end(px, s, 1000);
}

static void on_hb_timer(dp_loop *loop, dp_timer *t)
{
	dp_server *s = t->arg;
	(void)loop;
	if (s->hb_step == HB_WAIT && !dp_sqlc_busy(s->cmd))
		hb_send(s->px, s);
}

void dp_enforce_init(dp_server *s)
{
	dp_timer_init(&s->hb_timer, on_hb_timer, s);
}

static int hb_start(dp_proxy *px, dp_server *s)
{
	dp_server *p = px->primary;
	if (!hb_mismatch(px, s) || !primary_healthy(px) || !dp_server_replicates_from(s, p) ||
	    strcmp(s->slave.io_running, "Yes") != 0 || !s->slave.sql_running)
		return 0;
	/* One replica at a time: semi-sync needs another one acknowledging meanwhile. */
	for (int i = 0; i < px->nservers; i++)
		if (px->servers[i] != s &&
		    (px->servers[i]->hb_step || dp_sqlc_busy(px->servers[i]->cmd)))
			return 0;
	dp_info("server %s: setting MASTER_HEARTBEAT_PERIOD to %u ms (was %.3f s) so that a hung "
		"primary is noticed; its relay log is applied before replication restarts",
		s->conf.name, px->cfg.replica_heartbeat_ms, s->slave.heartbeat_period);
	s->hb_step = HB_STOP_IO;
	hb_send(px, s);
	return 1;
}

void dp_enforce_stop(dp_proxy *px, dp_server *s)
{
	/* The statement in flight completes (each is safe on its own); no further step. */
	dp_timer_cancel(px->loop, &s->hb_timer);
	if (s->hb_step == HB_WAIT && !dp_sqlc_busy(s->cmd)) {
		s->hb_step = HB_NONE;
		set_enforcing(s, "");
	}
}

/* ---------------------------------------------------------------- the corrective actions */

/* A non-writer that must be fenced: writable, or an old primary that may still have clients. */
static int enforce_fence(dp_proxy *px, dp_server *s, uint64_t now)
{
	dp_server *p = px->primary;
	if (s == p || (s->read_only && !s->fence_pending))
		return 0;
	/* The single-writer rule: whatever a server says about itself, only the epoch's writer
	 * may be writable. A returning old primary also loses its clients. */
	dp_warn("server %s is %s while %s is the writer (epoch %llu): fencing it", s->conf.name,
		s->read_only ? "an unfenced old primary" : "writable (read_only=0)",
		p ? p->conf.name : "nobody", (unsigned long long)px->epoch);
	set_enforcing(s, "fencing");
	if (dp_fence(px, s, s->fence_pending || s->role != DP_ROLE_REPLICA ? DP_FENCE_KILL : 0,
		     fence_enforce_done, NULL) < 0) {
		set_enforcing(s, "");
		s->enforce_after_ms = now + 1000;
	}
	return 1;
}

/* A replica that is a semi-sync master with wait_no_slave=ON has no replica of its own: the
 * first transaction its SQL thread applies waits rpl_semi_sync_master_timeout for an
 * acknowledgement that never comes, and replication stalls that long (after each restart).
 * Switching semi-sync master off on a replica is safe (nobody commits there but its SQL
 * thread) and undone when it is promoted. */
static int enforce_semi_off(dp_proxy *px, dp_server *s)
{
	if (s == px->primary || s->maintenance || !s->semi_enabled || !s->set.semi_wait_no_slave ||
	    !s->read_only)
		return 0;
	dp_info("server %s: switching semi-sync master off on this replica: with "
		"rpl_semi_sync_master_wait_no_slave=ON its SQL thread would wait for an "
		"acknowledgement no replica sends; it is switched on again if it is promoted",
		s->conf.name);
	s->semi_master_off = 1;
	run_step(px, s, "semi-sync master off", "SET GLOBAL rpl_semi_sync_master_enabled = 0");
	return 1;
}

/* A server off loopback, reached without the PROXY protocol, sees every client at dbproxy's
 * address: a few garbage handshakes from anyone reach max_connect_errors and the server blocks
 * dbproxy itself (1129) for everyone. Raising the limit is safe and undone by a restart (the
 * next probe raises it again); the fix that keeps the count per client is proxy_protocol. */
static int enforce_connect_errors(dp_proxy *px, dp_server *s)
{
	if (!(dp_settings_check(px, s) & DP_SET_CONNECT_ERRORS))
		return 0;
	dp_info("server %s: raising max_connect_errors from %llu: without proxy_protocol every "
		"client comes from dbproxy's address, and a few bad handshakes would get dbproxy "
		"blocked for everyone",
		s->conf.name, (unsigned long long)s->set.max_connect_errors);
	run_step(px, s, "raising max_connect_errors", "SET GLOBAL max_connect_errors = 4294967295");
	return 1;
}

static int enforce_redirect(dp_proxy *px, dp_server *s)
{
	char sql[1200], cm[1100];
	dp_server *p = px->primary;
	if (!s->needs_redirect || p->health != DP_H_UP)
		return 0;
	dp_change_master_sql(px, p, cm, sizeof(cm));
	/* A CHANGE MASTER to another primary discards the relay log all the same: RESET SLAVE
	 * loses nothing more, and is the only statement a damaged master.info lets through. */
	snprintf(sql, sizeof(sql), "STOP SLAVE; %s%s; START SLAVE",
		 s->replication_unreadable ? "RESET SLAVE; " : "", cm);
	sodium_memzero(cm, sizeof(cm));
	dp_info("server %s: pointing it at primary %s%s", s->conf.name, p->conf.name,
		s->replication_unreadable ? " (its replication settings reset first)" : "");
	s->needs_redirect = 0;
	s->replication_unreadable = 0;
	set_enforcing(s, "pointing it at the primary");
	if (dp_sqlc_run(s->cmd, sql, px->cfg.op_step_timeout_ms, redirect_done, s) < 0) {
		set_enforcing(s, "");
		s->needs_redirect = 1;
	}
	sodium_memzero(sql, sizeof(sql));
	return 1;
}

/* An IO thread dbproxy stopped and could not restart (an operation ran meanwhile). */
static int enforce_resume_io(dp_proxy *px, dp_server *s)
{
	if (!s->io_stopped)
		return 0;
	if (!s->slave.present || strcmp(s->slave.io_running, "No") != 0) {
		s->io_stopped = 0; /* restarted by someone (a redirect, an admin) */
		return 0;
	}
	if (!dp_server_replicates_from(s, px->primary))
		return 0;
	s->io_stopped = 0;
	run_step(px, s, "restarting the IO thread", "START SLAVE IO_THREAD");
	return 1;
}

void dp_enforce(dp_proxy *px, dp_server *s, uint64_t now)
{
	dp_server *p = px->primary;
	if (s->health != DP_H_UP || !s->probed || dp_sqlc_busy(s->cmd) || s->hb_step ||
	    now < s->enforce_after_ms || px->op)
		return;
	if (enforce_fence(px, s, now) || enforce_connect_errors(px, s))
		return;
	if (s == p && s->read_only && px->cfg.enforce_writable_primary &&
	    !(s->slave.present && strcmp(s->slave.io_running, "No") != 0)) {
		dp_info("primary %s is read-only: making it writable (epoch %llu, "
			"enforce_writable_primary)",
			s->conf.name, (unsigned long long)px->epoch);
		run_step(px, s, "making the primary writable", "SET GLOBAL read_only = 0");
		return;
	}
	if (!p || s == p || s->quarantined)
		return;
	if (enforce_semi_off(px, s))
		return;
	if (s->maintenance)
		return;
	if (enforce_resume_io(px, s) || enforce_redirect(px, s))
		return;
	hb_start(px, s);
}
