/* dbproxy monitor: probes every server with Connector/C's non-blocking API from the event
 * loop, keeps health with strike counters, decides when the primary is dead (confirmed by the
 * replicas' own view), has dp_enforce.c correct every server, and keeps the account hashes
 * and the persistent writer state. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "dbproxy.h"
#include "dp_log.h"
#include "dp_mysql.h"

/* What a probe asks each server: its state and settings, then its replication. */
#define PROBE_SQL_BASE                                                                             \
	"SELECT @@global.read_only, @@global.gtid_binlog_pos, @@global.gtid_current_pos, "         \
	"@@global.gtid_slave_pos, @@global.server_id, @@global.gtid_domain_id, "                   \
	"@@global.rpl_semi_sync_master_enabled, "                                                  \
	"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "                            \
	"WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'), "                                   \
	"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "                            \
	"WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'), "                                  \
	"@@global.rpl_semi_sync_master_wait_no_slave, @@global.rpl_semi_sync_slave_enabled, "      \
	"@@global.log_slave_updates, @@global.gtid_strict_mode, @@global.sync_binlog, "            \
	"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES "                         \
	"WHERE VARIABLE_NAME = 'INNODB_FLUSH_LOG_AT_TRX_COMMIT'), @@global.log_bin, "              \
	"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "                            \
	"WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_SLAVE_STATUS'), "                                    \
	"@@global.rpl_semi_sync_master_wait_point, @@global.max_connect_errors, "                  \
	"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "                            \
	"WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_WAIT_SESSIONS'), "                            \
	"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "                            \
	"WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_YES_TX'), "                                   \
	"@@global.rpl_semi_sync_master_timeout, @@global.binlog_format; "                          \
	"SHOW ALL SLAVES STATUS"

/* Then the replicas connected to it, by server_id (SHOW SLAVE HOSTS, which needs REPLICATION
 * MASTER ADMIN): without them the failover's count of semi-sync clients is less precise. */
static const char PROBE_SQL[] = PROBE_SQL_BASE "; SHOW SLAVE HOSTS";
static const char PROBE_SQL_NO_HOSTS[] = PROBE_SQL_BASE;

static const char USERS_SQL[] =
    "SELECT User, Host, JSON_VALUE(Priv, '$.authentication_string') FROM mysql.global_priv "
    "WHERE IFNULL(JSON_VALUE(Priv, '$.plugin'), 'mysql_native_password') = 'mysql_native_password'";

static void probe_start(dp_proxy *px, dp_server *s);

/* ---------------------------------------------------------------- probes */

/* Truncating copy (what snprintf "%s" does, without the format-truncation noise). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

static unsigned long long to_ull(const char *v)
{
	return v ? strtoull(v, NULL, 10) : 0;
}

/* The server_ids of the replicas connected to s (SHOW SLAVE HOSTS: its first column). */
static void parse_replica_ids(dp_server *s, MYSQL_RES *res)
{
	MYSQL_ROW row;
	s->nreplica_ids = 0;
	s->replica_ids_known = res != NULL;
	while (res && (row = mysql_fetch_row(res)) != NULL) {
		if (s->nreplica_ids == sizeof(s->replica_ids) / sizeof(s->replica_ids[0])) {
			s->replica_ids_known = 0; /* more than we keep: unknown, not partial */
			break;
		}
		if (row[0])
			s->replica_ids[s->nreplica_ids++] = (unsigned)strtoul(row[0], NULL, 10);
	}
}

static void parse_slave(dp_server *s, MYSQL_RES *res, uint64_t now)
{
	dp_slave_status old = s->slave, *n = &s->slave;
	const char *v;
	memset(n, 0, sizeof(*n));
	n->seconds_behind = -1;
	if (!res || mysql_num_rows(res) == 0) {
		s->io_progress_ms = now;
		return;
	}
	/* The default connection ('') if there are several; dbproxy manages only that one. */
	unsigned long long row = 0;
	int cn = dp_sql_col(res, "Connection_name");
	for (unsigned long long r = 0; r < mysql_num_rows(res); r++) {
		v = dp_sql_get(res, r, cn);
		if (v && !v[0]) {
			row = r;
			break;
		}
	}
	n->present = 1;
	copy_str(n->master_host, sizeof(n->master_host),
		 dp_sql_get(res, row, dp_sql_col(res, "Master_Host")));
	n->master_port = (int)to_ull(dp_sql_get(res, row, dp_sql_col(res, "Master_Port")));
	copy_str(n->io_running, sizeof(n->io_running),
		 dp_sql_get(res, row, dp_sql_col(res, "Slave_IO_Running")));
	v = dp_sql_get(res, row, dp_sql_col(res, "Slave_SQL_Running"));
	n->sql_running = v && strcmp(v, "Yes") == 0;
	n->last_io_errno = (unsigned)to_ull(dp_sql_get(res, row, dp_sql_col(res, "Last_IO_Errno")));
	n->last_sql_errno =
	    (unsigned)to_ull(dp_sql_get(res, row, dp_sql_col(res, "Last_SQL_Errno")));
	copy_str(n->last_io_error, sizeof(n->last_io_error),
		 dp_sql_get(res, row, dp_sql_col(res, "Last_IO_Error")));
	copy_str(n->last_sql_error, sizeof(n->last_sql_error),
		 dp_sql_get(res, row, dp_sql_col(res, "Last_SQL_Error")));
	v = dp_sql_get(res, row, dp_sql_col(res, "Seconds_Behind_Master"));
	n->seconds_behind = v ? (long long)to_ull(v) : -1;
	copy_str(n->gtid_io_pos, sizeof(n->gtid_io_pos),
		 dp_sql_get(res, row, dp_sql_col(res, "Gtid_IO_Pos")));
	n->heartbeats = to_ull(dp_sql_get(res, row, dp_sql_col(res, "Slave_received_heartbeats")));
	n->read_pos = to_ull(dp_sql_get(res, row, dp_sql_col(res, "Read_Master_Log_Pos")));
	copy_str(n->master_log_file, sizeof(n->master_log_file),
		 dp_sql_get(res, row, dp_sql_col(res, "Master_Log_File")));
	copy_str(n->relay_master_log_file, sizeof(n->relay_master_log_file),
		 dp_sql_get(res, row, dp_sql_col(res, "Relay_Master_Log_File")));
	n->exec_pos = to_ull(dp_sql_get(res, row, dp_sql_col(res, "Exec_Master_Log_Pos")));
	copy_str(n->sql_state, sizeof(n->sql_state),
		 dp_sql_get(res, row, dp_sql_col(res, "Slave_SQL_Running_State")));
	copy_str(n->using_gtid, sizeof(n->using_gtid),
		 dp_sql_get(res, row, dp_sql_col(res, "Using_Gtid")));
	v = dp_sql_get(res, row, dp_sql_col(res, "Slave_heartbeat_period"));
	n->heartbeat_period = v ? strtod(v, NULL) : 0;

	/* Anything new from the primary (an event, a heartbeat, a reconnect) is progress: the
	 * replica still hears it. */
	int io_yes = strcmp(n->io_running, "Yes") == 0;
	if (!old.present || !io_yes || strcmp(old.io_running, "Yes") != 0 ||
	    old.heartbeats != n->heartbeats || old.read_pos != n->read_pos ||
	    strcmp(old.master_log_file, n->master_log_file) != 0 ||
	    strcmp(old.gtid_io_pos, n->gtid_io_pos) != 0 || old.master_port != n->master_port ||
	    strcmp(old.master_host, n->master_host) != 0) {
		if (io_yes || !old.present)
			s->io_progress_ms = now;
	}
}

static int on_off(const char *v)
{
	return v && (strcasecmp(v, "ON") == 0 || strcmp(v, "1") == 0);
}

/* Columns 9 and on of the probe: the settings dp_settings.c checks. */
static void parse_settings(dp_server_settings *set, MYSQL_RES *g)
{
	set->semi_wait_no_slave = on_off(dp_sql_get(g, 0, 9));
	set->semi_slave_enabled = on_off(dp_sql_get(g, 0, 10));
	set->log_slave_updates = on_off(dp_sql_get(g, 0, 11));
	set->gtid_strict_mode = on_off(dp_sql_get(g, 0, 12));
	set->sync_binlog = (int)to_ull(dp_sql_get(g, 0, 13));
	/* NULL without InnoDB (a server may run without it: nothing to check then) */
	const char *flush = dp_sql_get(g, 0, 14);
	set->flush_log_at_trx_commit = flush ? (int)to_ull(flush) : -1;
	set->log_bin = on_off(dp_sql_get(g, 0, 15));
	set->semi_slave_on = on_off(dp_sql_get(g, 0, 16));
	copy_str(set->semi_wait_point, sizeof(set->semi_wait_point), dp_sql_get(g, 0, 17));
	set->max_connect_errors = to_ull(dp_sql_get(g, 0, 18));
	const char *format = dp_sql_get(g, 0, 22);
	set->binlog_statements = format && strcasecmp(format, "ROW") != 0;
}

/* Since when commits may have waited for a semi-sync acknowledgement: a primary commits
 * without one once a commit has waited rpl_semi_sync_master_timeout, and the failover must know
 * whether that may have happened after this probe (dp_failover.c). None waiting: none began
 * before this probe. Acknowledgements came since the previous probe: the ones waiting now
 * began after the previous probe, give or take how long the acknowledged one waited.
 * Otherwise, no acknowledgement in a probe interval: they have waited since semi_clear_ms at
 * least. A first probe, or the first after an outage, takes the commits it sees waiting as just
 * begun (nothing better is known; refusing every failover right after dbproxy starts under load
 * would be worse). */
static void parse_semi_acks(dp_server *s, MYSQL_RES *g)
{
	uint64_t yes = to_ull(dp_sql_get(g, 0, 20));

	/* The previous probe, if it is recent: after an outage (or a restart of the server, which
	 * counts from 0 again) it tells nothing of the commits waiting now. */
	int recent = s->probed && s->probed_ms + 3 * (uint64_t)s->px->cfg.probe_interval_ms >=
				      s->probe_started_ms;

	s->semi_waiting = to_ull(dp_sql_get(g, 0, 19));
	s->semi_timeout_ms = to_ull(dp_sql_get(g, 0, 21));
	if (!s->semi_on || !s->semi_waiting || !recent)
		s->semi_clear_ms = s->probe_started_ms;
	else if (yes != s->semi_yes_tx)
		s->semi_clear_ms = s->probed_ms;
	s->semi_yes_tx = yes;
}

static void mark_failure(dp_proxy *px, dp_server *s, const dp_sqlres *r)
{
	uint64_t now = dp_now_ms();
	int before = s->health;
	s->probe_failures++;
	if (s->fail_total == 0)
		s->first_fail_ms = s->probe_started_ms;
	s->fail_total++;
	if (r->status == DP_SQL_ECONNECT)
		s->fail_refused++;
	else
		s->fail_timeouts++;
	copy_str(s->last_error, sizeof(s->last_error), r->msg);
	if (s->fail_refused >= px->cfg.fail_refused || s->fail_total >= px->cfg.fail_timeouts) {
		if (before != DP_H_DOWN) {
			s->health = DP_H_DOWN;
			s->down_since_ms = now;
			dp_warn("server %s is down after %u failed probe(s) (%u refused, %u timed "
				"out): %s",
				s->conf.name, s->fail_total, s->fail_refused, s->fail_timeouts,
				r->msg);
		}
	} else if (before == DP_H_UP || before == DP_H_UNKNOWN) {
		s->health = before == DP_H_UNKNOWN ? DP_H_UNKNOWN : DP_H_SUSPECT;
		dp_info("server %s suspect: probe %s: %s", s->conf.name,
			r->status == DP_SQL_ECONNECT ? "refused" : "timed out", r->msg);
	}
	if (s->health == DP_H_UNKNOWN && s->fail_total >= 1 &&
	    s->fail_refused + s->fail_timeouts >= 1 &&
	    (s->fail_refused >= px->cfg.fail_refused || s->fail_total >= px->cfg.fail_timeouts))
		s->health = DP_H_DOWN;
}

static void mark_up(dp_proxy *px, dp_server *s)
{
	(void)px;
	if (s->health != DP_H_UP) {
		if (s->health == DP_H_DOWN)
			dp_info("server %s is up again (down for %llu ms)", s->conf.name,
				(unsigned long long)(dp_now_ms() - s->down_since_ms));
		else if (s->health == DP_H_UNKNOWN)
			dp_info("server %s is up", s->conf.name);
		s->health = DP_H_UP;
	}
	s->fail_refused = s->fail_timeouts = s->fail_total = 0;
	s->last_ok_ms = dp_now_ms();
}

static void probe_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_server *s = arg;
	dp_proxy *px = s->px;
	uint64_t now = dp_now_ms(), interval;
	(void)c;

	s->probes++;
	if (r->status == DP_SQL_OK && r->nres >= 1 && mysql_num_rows(r->res[0]) == 1) {
		MYSQL_RES *g = r->res[0];
		const char *v;
		mark_up(px, s);
		s->rtt_us = r->elapsed_us;
		s->read_only = (int)to_ull(dp_sql_get(g, 0, 0));
		copy_str(s->gtid_binlog, sizeof(s->gtid_binlog), dp_sql_get(g, 0, 1));
		copy_str(s->gtid_current, sizeof(s->gtid_current), dp_sql_get(g, 0, 2));
		copy_str(s->gtid_slave, sizeof(s->gtid_slave), dp_sql_get(g, 0, 3));
		s->server_id = (unsigned)to_ull(dp_sql_get(g, 0, 4));
		s->domain_id = (unsigned)to_ull(dp_sql_get(g, 0, 5));
		s->semi_enabled = (int)to_ull(dp_sql_get(g, 0, 6));
		v = dp_sql_get(g, 0, 7);
		s->semi_on = v && strcasecmp(v, "ON") == 0;
		s->semi_clients = (unsigned)to_ull(dp_sql_get(g, 0, 8));
		parse_semi_acks(s, g);
		parse_settings(&s->set, g);
		parse_slave(s, r->nres >= 2 ? r->res[1] : NULL, now);
		parse_replica_ids(s, r->nres >= 3 ? r->res[2] : NULL);
		if (s->set.semi_slave_on && px->primary &&
		    dp_server_replicates_from(s, px->primary))
			s->semi_ack_ms = s->probe_started_ms;
		s->probed = 1;
		s->probed_ms = s->probe_started_ms; /* the state as of when the probe was sent */
		s->last_error[0] = 0;
		if (s == px->primary) {
			if (px->last_semi_on != s->semi_on && px->last_primary_gtid[0])
				dp_warn(
				    "semi-sync replication on primary %s is now %s%s", s->conf.name,
				    s->semi_on ? "ON" : "OFF",
				    s->semi_on
					? ""
					: ": a failover now may lose acknowledged transactions");
			px->last_semi_on = s->semi_on;
			px->last_semi_enabled = s->semi_enabled;
			px->last_semi_clients = s->semi_clients;
			px->last_semi_wait_no_slave = s->set.semi_wait_no_slave;
			px->last_semi_timeout_ms = s->semi_timeout_ms;
			px->last_semi_waiting = s->semi_waiting;
			px->last_semi_clear_ms = s->semi_clear_ms;
			px->last_replica_ids_known = s->replica_ids_known;
			px->nlast_replica_ids = s->nreplica_ids;
			memcpy(px->last_replica_ids, s->replica_ids, sizeof(px->last_replica_ids));
			px->last_primary_probe_ms = s->probe_started_ms;
			copy_str(px->last_primary_gtid, sizeof(px->last_primary_gtid),
				 s->gtid_binlog);
		}
	} else if (r->status == DP_SQL_ESERVER && r->nstmt == 2 && !s->no_replica_hosts) {
		/* All but SHOW SLAVE HOSTS: probed without it from now on. */
		dp_warn(
		    "server %s: SHOW SLAVE HOSTS refused (%s): grant REPLICATION MASTER ADMIN to "
		    "the monitoring account, without it a failover counts a replica that stopped "
		    "just before as a semi-sync client for up to two probe intervals",
		    s->conf.name, r->msg);
		s->no_replica_hosts = 1;
		s->replica_ids_known = 0;
		mark_up(px, s);
	} else if (r->status == DP_SQL_ESERVER) {
		/* It answered: alive, but we learn nothing (bad credentials, privileges). */
		if (strcmp(s->last_error, r->msg) != 0)
			dp_warn("server %s: probe refused by the server: %s", s->conf.name, r->msg);
		mark_up(px, s);
		copy_str(s->last_error, sizeof(s->last_error), r->msg);
	} else {
		mark_failure(px, s, r);
	}

	if (s->checking) /* sessions wait to know whether it closed them on purpose */
		dp_sessions_checked(px, s, r->status == DP_SQL_OK || r->status == DP_SQL_ESERVER,
				    s->probe_started_ms);
	interval = px->cfg.probe_interval_ms;
	if (s->health == DP_H_SUSPECT || (s->fail_total > 0 && s->health != DP_H_DOWN))
		interval /= 2; /* confirm or clear a suspicion sooner, still needing more strikes */
	uint64_t next = s->probe_started_ms + interval;
	if (s->checking)
		next = now; /* those that closed after this probe began need the next one */
	dp_timer_set(px->loop, &s->probe_timer, next > now ? next - now : 0);
	dp_monitor_evaluate(px);
}

static void probe_start(dp_proxy *px, dp_server *s)
{
	if (dp_sqlc_busy(s->probe))
		return;
	s->probe_started_ms = dp_now_ms();
	dp_timer_cancel(px->loop, &s->probe_timer);
	dp_sqlc_run(s->probe, s->no_replica_hosts ? PROBE_SQL_NO_HOSTS : PROBE_SQL,
		    px->cfg.probe_timeout_ms, probe_done, s);
}

static void on_probe_timer(dp_loop *loop, dp_timer *t)
{
	dp_server *s = t->arg;
	(void)loop;
	probe_start(s->px, s);
}

void dp_monitor_probe_now(dp_proxy *px, dp_server *s)
{
	/* Rate-limited: at most one extra probe per 50 ms per server. */
	if (!dp_sqlc_busy(s->probe) && dp_now_ms() - s->probe_started_ms >= 50)
		probe_start(px, s);
}

/* A server that is not the writer and does not replicate from it: does its history fit in
 * the writer's? If not it holds transactions the writer lacks and must never be used. */
static void check_quarantine(dp_proxy *px, dp_server *s)
{
	dp_gtid_pos mine, ref;
	dp_server *p = px->primary;
	char gap[64];
	if (s->quarantined && p && s != p && s->health == DP_H_UP && !px->op &&
	    s->probed_ms > px->last_epoch_change_ms && dp_server_replicates_from(s, p) &&
	    strcmp(s->slave.io_running, "Yes") == 0 && s->slave.sql_running &&
	    !s->slave.last_io_errno && !s->slave.last_sql_errno) {
		/* Re-provisioned (cloned from a replica, say): it now follows the writer cleanly.
		 */
		dp_info("server %s replicates from %s without errors: quarantine lifted",
			s->conf.name, p->conf.name);
		s->quarantined = 0;
		s->quarantine_reason[0] = 0;
		s->has_fork_pos = 0;
		s->fence_pending = 0;
		return;
	}
	/* Only fresh data, from after the last change of writer, on both sides. */
	if (s->quarantined || !p || s == p || s->health != DP_H_UP || p->health != DP_H_UP ||
	    s->probed_ms <= px->last_epoch_change_ms || p->probed_ms <= px->last_epoch_change_ms ||
	    px->op)
		return;
	if (dp_server_replicates_from(s, p) && s->slave.last_io_errno != 1236)
		return;
	if (dp_gtid_parse(&mine, s->gtid_binlog) < 0)
		return;
	if (dp_gtid_parse(&ref, s->has_fork_pos ? s->fork_pos : p->gtid_current) < 0)
		return;
	if (dp_gtid_contains(&ref, &mine) && s->slave.last_io_errno != 1236)
		return;
	s->quarantined = 1;
	snprintf(gap, sizeof(gap), "%llu", (unsigned long long)dp_gtid_gap(&ref, &mine));
	snprintf(s->quarantine_reason, sizeof(s->quarantine_reason),
		 "holds %s transaction(s) the primary lacks: its gtid_binlog_pos %s, %s %s", gap,
		 s->gtid_binlog, s->has_fork_pos ? "history of the primary up to" : "primary at",
		 s->has_fork_pos ? s->fork_pos : p->gtid_current);
	if (s->slave.last_io_errno == 1236)
		snprintf(s->quarantine_reason, sizeof(s->quarantine_reason),
			 "the primary refused its GTID position (error 1236): %s",
			 s->slave.last_io_error);
	dp_warn("server %s quarantined: %s", s->conf.name, s->quarantine_reason);
}

static void assign_roles(dp_proxy *px)
{
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (s->quarantined)
			s->role = DP_ROLE_QUARANTINED;
		else if (s->health == DP_H_DOWN || s->health == DP_H_UNKNOWN)
			s->role = s == px->primary ? DP_ROLE_PRIMARY : DP_ROLE_NONE;
		else if (s == px->primary)
			s->role = DP_ROLE_PRIMARY;
		else if (px->primary && dp_server_replicates_from(s, px->primary))
			s->role = DP_ROLE_REPLICA;
		else
			s->role = DP_ROLE_STANDALONE;
	}
}

/* ---------------------------------------------------------------- failure decision */

static int replicas_confirm(dp_proxy *px, dp_server *p, uint64_t now, char *why, size_t whysz)
{
	int confirm = 0, deny = 0, stale = 0;
	why[0] = 0;
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (s == p || s->maintenance || s->quarantined || s->health != DP_H_UP ||
		    !dp_server_replicates_from(s, p))
			continue;
		if (s->probed_ms < p->first_fail_ms) {
			stale++;
			dp_monitor_probe_now(px, s);
			continue;
		}
		if (strcmp(s->slave.io_running, "Yes") != 0)
			confirm++;
		else if (now - s->io_progress_ms >= px->cfg.confirm_silence_ms)
			confirm++;
		else {
			deny++;
			snprintf(why, whysz, "replica %s still hears from it", s->conf.name);
			/* Its silence is measured at its probes: probe it often meanwhile. */
			if (now - s->probed_ms >= px->cfg.probe_interval_ms / 4)
				dp_monitor_probe_now(px, s);
		}
	}
	if (stale && !deny)
		snprintf(why, whysz, "waiting for fresh replica probes");
	else if (!confirm && !deny)
		snprintf(why, whysz, "no reachable replica of it to confirm");
	return confirm > 0 && deny == 0 && stale == 0;
}

static void failover_refused(dp_proxy *px, const dp_event *ev, void *arg)
{
	(void)arg;
	if (strcmp(ev->result, "done") != 0)
		px->op_next_auto_ms = dp_now_ms() + 2000;
}

void dp_monitor_evaluate(dp_proxy *px)
{
	uint64_t now = dp_now_ms();
	dp_server *p = px->primary;

	dp_coop_evaluate(px); /* cooperative: who leads, and a follower's writer */
	p = px->primary;
	assign_roles(px);
	for (int i = 0; i < px->nservers; i++)
		check_quarantine(px, px->servers[i]);
	if (px->op) {
		return; /* the operation drives; no enforcement meanwhile */
	}
	if (!dp_coop_may_act(px)) { /* a follower only routes */
		dp_settings_log(px, 0);
		if (dp_backend_pick(px))
			dp_sessions_wake(px);
		return;
	}
	for (int i = 0; i < px->nservers; i++)
		dp_enforce(px, px->servers[i], now);
	dp_settings_log(px, 0);

	/* Down: fail_refused refused or fail_timeouts failed probes. A hung primary (a probe
	 * unanswered for probe_timeout_ms) is also taken as down when its replicas confirm:
	 * their silence for confirm_silence_ms (several heartbeats missed), not our strikes, is
	 * what tells a hang from a slow answer, and waiting for more strikes only delays the
	 * failover. */
	int down = p && (p->health == DP_H_DOWN ||
			 (p->fail_total >= 1 && p->fail_refused == 0 && p->health != DP_H_UP));
	if (down && px->cfg.auto_failover && !p->maintenance && !px->draining &&
	    now >= px->op_next_auto_ms) {
		char why[256], err[256];
		static char last_why[256];
		if (replicas_confirm(px, p, now, why, sizeof(why))) {
			dp_warn("primary %s is down (first failed probe %llu ms ago) and its "
				"replicas confirm: "
				"failing over",
				p->conf.name, (unsigned long long)(now - p->first_fail_ms));
			last_why[0] = 0;
			if (dp_op_failover(px, NULL, DP_OP_AUTOMATIC, failover_refused, NULL, err,
					   sizeof(err)) < 0) {
				dp_warn("automatic failover not started: %s", err);
				px->op_next_auto_ms = now + 2000;
			}
		} else if (strcmp(why, last_why) != 0) {
			dp_info("primary %s is down; failover waits: %s", p->conf.name, why);
			snprintf(last_why, sizeof(last_why), "%s", why);
		}
	}
	if (dp_backend_pick(px))
		dp_sessions_wake(px);
}

/* ---------------------------------------------------------------- account hashes */

static void users_schedule(dp_proxy *px, uint64_t ms)
{
	dp_timer_set(px->loop, &px->users_timer, ms);
}

static void users_done(dp_sqlc *c, dp_sqlres *r, void *arg)
{
	dp_proxy *px = arg;
	(void)c;
	if (r->status == DP_SQL_ESERVER && (r->err == 1142 || r->err == 1143 || r->err == 1227)) {
		if (!px->users_denied)
			dp_warn("cannot read account hashes (%s): sessions will not be moved "
				"between servers; "
				"grant SELECT ON mysql.global_priv to %s to enable it",
				r->msg, px->cfg.monitor_user);
		px->users_denied = 1;
		users_schedule(px, px->cfg.user_refresh_ms);
		return;
	}
	if (r->status != DP_SQL_OK || r->nres < 1) {
		users_schedule(px, 1000);
		return;
	}
	MYSQL_RES *res = r->res[0];
	unsigned long long rows = mysql_num_rows(res);
	dp_user_hash *u = calloc(rows ? rows : 1, sizeof(*u));
	unsigned n = 0;
	if (!u) {
		users_schedule(px, 1000);
		return;
	}
	for (unsigned long long i = 0; i < rows; i++) {
		const char *user = dp_sql_get(res, i, 0), *host = dp_sql_get(res, i, 1),
			   *hash = dp_sql_get(res, i, 2);
		if (!user || !host)
			continue;
		if (hash && hash[0]) {
			if (dp_native_hash_parse(u[n].stage2, hash) < 0)
				continue;
		} else {
			memset(u[n].stage2, 0, sizeof(u[n].stage2)); /* no password */
		}
		copy_str(u[n].user, sizeof(u[n].user), user);
		copy_str(u[n].host, sizeof(u[n].host), host);
		n++;
	}
	if (px->users) {
		sodium_memzero(px->users, px->nusers * sizeof(*px->users));
		free(px->users);
	}
	px->users = u;
	px->nusers = n;
	px->users_loaded_ms = dp_now_ms();
	px->users_denied = 0;
	dp_debug("loaded %u account hash(es)", n);
	users_schedule(px, px->cfg.user_refresh_ms);
}

static void on_users_timer(dp_loop *loop, dp_timer *t)
{
	dp_proxy *px = t->arg;
	dp_server *s = NULL;
	(void)loop;
	if (!px->cfg.migrate_sessions)
		return;
	if (px->primary && px->primary->health == DP_H_UP && !dp_sqlc_busy(px->primary->cmd))
		s = px->primary;
	for (int i = 0; !s && i < px->nservers; i++)
		if (px->servers[i]->health == DP_H_UP && !dp_sqlc_busy(px->servers[i]->cmd) &&
		    !px->op)
			s = px->servers[i];
	if (!s || px->op) {
		users_schedule(px, 500);
		return;
	}
	/* Not guarded: followers move sessions too (cooperative mode). */
	dp_sqlc_run_guarded(s->cmd, USERS_SQL, 0, px->cfg.op_step_timeout_ms, users_done, px);
}

const dp_user_hash *dp_users_find(dp_proxy *px, const char *user, unsigned *next)
{
	for (unsigned i = *next; i < px->nusers; i++) {
		if (strcmp(px->users[i].user, user) == 0) {
			*next = i + 1;
			return &px->users[i];
		}
	}
	*next = px->nusers;
	/* An account created since the last load: load again soon (rate-limited). */
	if (dp_now_ms() - px->users_loaded_ms > 2000 && dp_timer_armed(&px->users_timer) &&
	    px->users_timer.when > dp_now_ms() + 100)
		users_schedule(px, 0);
	return NULL;
}

/* ---------------------------------------------------------------- writer state file */

void dp_state_save(dp_proxy *px)
{
	char tmp[PATH_MAX + 8], text[256];
	int fd, n;
	if (!px->cfg.state_file[0] || !px->primary)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", px->cfg.state_file);
	n = snprintf(text, sizeof(text), "epoch=%llu\nprimary=%s\n", (unsigned long long)px->epoch,
		     px->primary->conf.name);
	/* A new file, never through a link planted at its name (a stale one, left by a crash,
	 * is removed first). */
	if (unlink(tmp) == -1 && errno != ENOENT)
		dp_warn("state file %s: %s", tmp, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, text, (size_t)n) != n || fsync(fd) == -1) {
		dp_error("state file %s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	close(fd);
	if (rename(tmp, px->cfg.state_file) == -1)
		dp_error("state file %s: %s", px->cfg.state_file, strerror(errno));
}

int dp_state_load(dp_proxy *px)
{
	FILE *f;
	char line[256], name[DP_NAME_MAX] = "";
	unsigned long long epoch = 0;
	if (!px->cfg.state_file[0] || !(f = fopen(px->cfg.state_file, "re")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, "epoch=", 6) == 0)
			epoch = strtoull(line + 6, NULL, 10);
		else if (strncmp(line, "primary=", 8) == 0)
			copy_str(name, sizeof(name), line + 8);
	}
	fclose(f);
	dp_server *s = name[0] ? dp_backend_find(px, name) : NULL;
	if (!s) {
		dp_warn("state file %s names an unknown primary '%s': ignoring it",
			px->cfg.state_file, name);
		return 0;
	}
	px->primary = s;
	px->epoch = epoch;
	dp_info("state file %s: writer %s, epoch %llu", px->cfg.state_file, s->conf.name, epoch);
	return 1;
}

/* ---------------------------------------------------------------- lifecycle */

static void set_targets(dp_proxy *px)
{
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_sql_target t = {.port = s->port,
				   .user = px->cfg.monitor_user,
				   .password = px->cfg.monitor_password,
				   .tls_ca = px->cfg.monitor_tls_ca,
				   .connect_timeout_ms = px->cfg.connect_timeout_ms};
		copy_str(t.host, sizeof(t.host), s->host);
		dp_sqlc_set_target(s->probe, &t);
		/* Probes detect failures with a short connect timeout; the command connection
		 * carries operations, which must not give up on a busy or just restarted server
		 * that quickly. */
		if (t.connect_timeout_ms < 1000)
			t.connect_timeout_ms =
			    px->cfg.op_step_timeout_ms < 1000 ? px->cfg.op_step_timeout_ms : 1000;
		dp_sqlc_set_target(s->cmd, &t);
		dp_sqlc_set_target(s->coop, &t);
	}
}

int dp_monitor_start(dp_proxy *px)
{
	set_targets(px);
	if (!dp_state_load(px)) {
		px->primary = px->servers[0];
		px->epoch = 1;
		dp_info("initial writer %s (the first --server), epoch %llu",
			px->primary->conf.name, (unsigned long long)px->epoch);
	}
	px->last_epoch_change_ms = dp_now_ms();
	dp_state_save(px);
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_timer_init(&s->probe_timer, on_probe_timer, s);
		dp_timer_set(px->loop, &s->probe_timer, 0);
	}
	dp_coop_start(px);
	dp_timer_init(&px->users_timer, on_users_timer, px);
	if (px->cfg.migrate_sessions)
		users_schedule(px, 50);
	return 0;
}

void dp_monitor_reload(dp_proxy *px)
{
	set_targets(px);
	dp_settings_log(px, 1); /* every finding again, for the admin who just reloaded */
	if (px->cfg.migrate_sessions && !dp_timer_armed(&px->users_timer))
		users_schedule(px, 0);
}

void dp_monitor_stop(dp_proxy *px)
{
	dp_timer_cancel(px->loop, &px->users_timer);
	dp_coop_stop(px);
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		dp_timer_cancel(px->loop, &s->probe_timer);
		dp_timer_cancel(px->loop, &s->hb_timer);
		dp_sqlc_close(s->probe);
		dp_sqlc_close(s->cmd);
	}
	if (px->users) {
		sodium_memzero(px->users, px->nusers * sizeof(*px->users));
		free(px->users);
		px->users = NULL;
		px->nusers = 0;
	}
}
