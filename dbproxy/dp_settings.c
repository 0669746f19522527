/* dbproxy settings checks: from each probe, the server settings that can stall replication or
 * lose acknowledged writes at a failover, each with what goes wrong and how to fix it. They
 * are logged when they appear or go (all again at start and on SIGHUP) and listed per server
 * in /status. The one that dbproxy fixes itself (semi-sync master on a replica that would
 * stall) is applied by dp_enforce.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dbproxy.h"
#include "dp_log.h"

static const dp_setting_check CHECKS[DP_SET_COUNT] = {
    {DP_SET_SEMI_REPLICA_STALL, "rpl_semi_sync_master_wait_no_slave",
     "semi-sync master is enabled on this replica with rpl_semi_sync_master_wait_no_slave=ON: "
     "its SQL thread waits rpl_semi_sync_master_timeout for an acknowledgement no replica "
     "sends, and replication stalls",
     "dbproxy switches rpl_semi_sync_master_enabled off on replicas and on again when it "
     "promotes one; or set rpl_semi_sync_master_wait_no_slave=OFF on every server",
     1},
    {DP_SET_SEMI_OFF, "rpl_semi_sync_master_enabled",
     "the primary does not wait for a replica to receive a transaction before acknowledging "
     "it: a failover can lose acknowledged writes, so dbproxy refuses automatic failover",
     "SET GLOBAL rpl_semi_sync_master_enabled=ON and rpl_semi_sync_master_wait_point="
     "AFTER_SYNC on every server, and the same in its configuration file",
     0},
    {DP_SET_SEMI_SLAVE_OFF, "rpl_semi_sync_slave_enabled",
     "this replica never acknowledges transactions: the primary waits for another one, or "
     "falls back to asynchronous replication",
     "set rpl_semi_sync_slave_enabled=ON in its configuration file and restart its "
     "replication (STOP SLAVE IO_THREAD; START SLAVE IO_THREAD) while the primary is up",
     0},
    {DP_SET_LOG_SLAVE_UPDATES, "log_slave_updates",
     "replicated transactions are not written to this server's binary log: promoted, it "
     "cannot serve them to the other replicas",
     "set log_slave_updates=ON in its configuration file (needs a restart)", 0},
    {DP_SET_GTID_STRICT, "gtid_strict_mode",
     "out-of-order GTIDs are accepted: diverged histories go unnoticed",
     "SET GLOBAL gtid_strict_mode=ON on every server, and the same in its configuration file", 0},
    {DP_SET_SYNC_BINLOG, "sync_binlog",
     "the binary log is not flushed at each commit: a crashed server can come back without "
     "transactions its replicas received",
     "SET GLOBAL sync_binlog=1, and the same in its configuration file", 0},
    {DP_SET_FLUSH_AT_COMMIT, "innodb_flush_log_at_trx_commit",
     "InnoDB does not flush its log at each commit: a crashed server can lose committed "
     "transactions",
     "SET GLOBAL innodb_flush_log_at_trx_commit=1, and the same in its configuration file", 0},
    {DP_SET_LOG_BIN, "log_bin", "no binary log: this server cannot be a primary",
     "enable log_bin in its configuration file (needs a restart)", 0},
    {DP_SET_REPLICA_WRITABLE, "read_only",
     "a server that is not the writer accepts writes from accounts without READ_ONLY ADMIN",
     "dbproxy fences it (read_only=ON); set read_only=ON in its configuration file", 1},
    {DP_SET_NO_GTID, "Using_Gtid",
     "this replica does not replicate by GTID: dbproxy cannot compare its position or "
     "promote it safely",
     "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=slave_pos; START SLAVE while the primary is "
     "up",
     0},
    {DP_SET_WAIT_POINT, "rpl_semi_sync_master_wait_point",
     "AFTER_COMMIT makes a transaction visible before a replica has it: after a failover, "
     "clients may have read data that is gone",
     "SET GLOBAL rpl_semi_sync_master_wait_point=AFTER_SYNC on every server", 0},
    {DP_SET_PRIMARY_READ_ONLY, "read_only",
     "the writer is read-only: writes fail with error 1290 (dbproxy leaves an admin's "
     "read_only alone)",
     "SET GLOBAL read_only=0 on it when the maintenance is over, or enforce_writable_primary=on",
     0},
    {DP_SET_CONNECT_ERRORS, "max_connect_errors",
     "every client connection comes from dbproxy's address: a few garbage handshakes from any "
     "client count against it, and the server then blocks dbproxy (error 1129) for everyone",
     "enable proxy_protocol (and proxy_protocol_networks on the servers), or SET GLOBAL "
     "max_connect_errors=4294967295 on every server and in its configuration file",
     0},
    {DP_SET_BINLOG_FORMAT, "binlog_format",
     "temporary tables are replicated: when a primary crashes, its sessions' temporary tables "
     "stay on every replica, as files in its tmpdir, until that replica restarts (each "
     "failover adds more)",
     "SET GLOBAL binlog_format=ROW on every server, and the same in its configuration file", 0},
};

const dp_setting_check *dp_setting_info(unsigned bit)
{
	for (int i = 0; i < DP_SET_COUNT; i++)
		if (CHECKS[i].bit == bit)
			return &CHECKS[i];
	return NULL;
}

unsigned dp_settings_check(const dp_proxy *px, const dp_server *s)
{
	const dp_server_settings *set = &s->set;
	int writer = s == px->primary;
	unsigned m = 0;
	if (!s->probed || s->health != DP_H_UP)
		return 0; /* nothing fresh to judge */
	if (!writer && (s->semi_enabled || s->semi_master_off) && set->semi_wait_no_slave &&
	    !s->maintenance)
		m |= DP_SET_SEMI_REPLICA_STALL;
	if (writer && !s->semi_enabled)
		m |= DP_SET_SEMI_OFF;
	if (!writer && !set->semi_slave_enabled)
		m |= DP_SET_SEMI_SLAVE_OFF;
	if (!set->log_slave_updates)
		m |= DP_SET_LOG_SLAVE_UPDATES;
	if (!set->gtid_strict_mode)
		m |= DP_SET_GTID_STRICT;
	if (set->sync_binlog != 1)
		m |= DP_SET_SYNC_BINLOG;
	if (set->flush_log_at_trx_commit >= 0 && set->flush_log_at_trx_commit != 1)
		m |= DP_SET_FLUSH_AT_COMMIT;
	if (!set->log_bin)
		m |= DP_SET_LOG_BIN;
	if (!writer && !s->read_only)
		m |= DP_SET_REPLICA_WRITABLE;
	if (!writer && s->slave.present && strcasecmp(s->slave.using_gtid, "No") == 0)
		m |= DP_SET_NO_GTID;
	if (writer && s->read_only)
		m |= DP_SET_PRIMARY_READ_ONLY;
	/* MariaDB counts connect errors per client address, loopback excepted. */
	if (!px->cfg.proxy_protocol && !dp_addr_is_loopback(&s->conf.addr) &&
	    set->max_connect_errors < 1000000)
		m |= DP_SET_CONNECT_ERRORS;
	if (set->log_bin && set->binlog_statements)
		m |= DP_SET_BINLOG_FORMAT;
	if ((s->semi_enabled || writer) && set->semi_wait_point[0] &&
	    strcasecmp(set->semi_wait_point, "AFTER_SYNC") != 0)
		m |= DP_SET_WAIT_POINT;
	return m;
}

void dp_settings_log(dp_proxy *px, int force)
{
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		unsigned now = dp_settings_check(px, s), before = force ? 0 : s->findings_logged;
		if (!s->probed || s->health != DP_H_UP || now == before)
			continue;
		for (int k = 0; k < DP_SET_COUNT; k++) {
			const dp_setting_check *c = &CHECKS[k];
			if ((now & c->bit) && !(before & c->bit))
				dp_warn("server %s: setting %s: %s; fix: %s", s->conf.name, c->name,
					c->problem, c->fix);
			else if (!(now & c->bit) && (before & c->bit))
				dp_info("server %s: setting %s is fine now", s->conf.name, c->name);
		}
		s->findings_logged = now;
	}
}
