/* dbproxy servers: what the monitor knows about each MariaDB server (health, role, GTID
 * positions, replication and semi-sync state), and the one function that picks the server a
 * client is sent to. */
#ifndef DP_BACKEND_H
#define DP_BACKEND_H

#include <stdint.h>

#include "dp_config.h"
#include "dp_gtid.h"
#include "dp_sql.h"

typedef struct dp_proxy dp_proxy;

/* A server as the cooperative register names it: NAME=HOST:PORT (dp_coop.c). */
#define DP_REG_IDENT 200

enum dp_health {
	DP_H_UNKNOWN, /* not probed yet */
	DP_H_UP,
	DP_H_SUSPECT, /* probes failing, not enough to call it down */
	DP_H_DOWN,
};

enum dp_role {
	DP_ROLE_NONE,	     /* down or unknown */
	DP_ROLE_PRIMARY,     /* the writer of the current epoch */
	DP_ROLE_REPLICA,     /* replicating from the primary */
	DP_ROLE_STANDALONE,  /* reachable, not the writer, not replicating from it */
	DP_ROLE_QUARANTINED, /* holds transactions the primary lacks: never used */
};

typedef struct dp_slave_status {
	int present;
	char master_host[64];
	int master_port;
	char io_running[16]; /* Yes, No, Connecting */
	int sql_running;
	unsigned last_io_errno, last_sql_errno;
	char last_io_error[256], last_sql_error[256];
	long long seconds_behind; /* -1 for NULL */
	char gtid_io_pos[DP_GTID_TEXT];
	unsigned long long heartbeats, read_pos;
	char master_log_file[128];
	char relay_master_log_file[128]; /* the file and position the SQL thread executed up to */
	unsigned long long exec_pos;
	char sql_state[128];
	char using_gtid[16]; /* No, Slave_Pos, Current_Pos */
	double heartbeat_period;
} dp_slave_status;

/* The settings the probe reads that decide whether a server can lose or stall (dp_settings.c). */
typedef struct dp_server_settings {
	int log_bin, log_slave_updates, gtid_strict_mode;
	int sync_binlog, flush_log_at_trx_commit; /* flush: -1 without InnoDB */
	int semi_wait_no_slave;			  /* rpl_semi_sync_master_wait_no_slave */
	int semi_slave_enabled;			  /* rpl_semi_sync_slave_enabled */
	int semi_slave_on;	  /* Rpl_semi_sync_slave_status: connected as a semi-sync replica */
	char semi_wait_point[16]; /* AFTER_SYNC, AFTER_COMMIT */
	unsigned long long max_connect_errors;
	int binlog_statements; /* binlog_format MIXED or STATEMENT: temporary tables replicate */
} dp_server_settings;

typedef struct dp_server {
	int idx;
	dp_server_conf conf;
	char host[64];
	int port;
	dp_proxy *px;

	/* Health, from probes. */
	int health;
	unsigned fail_refused, fail_timeouts, fail_total; /* consecutive failed probes */
	uint64_t last_ok_ms, down_since_ms, first_fail_ms, probe_started_ms;
	uint64_t rtt_us;
	char last_error[256];
	uint64_t probes, probe_failures;

	/* The last successful probe. */
	int probed; /* at least one probe succeeded */
	uint64_t probed_ms;
	int read_only;
	unsigned server_id, domain_id;
	char gtid_binlog[DP_GTID_TEXT], gtid_current[DP_GTID_TEXT], gtid_slave[DP_GTID_TEXT];
	int semi_enabled, semi_on;
	unsigned semi_clients;
	/* Its commits waiting for a semi-sync acknowledgement, the count of acknowledged ones,
	 * and its rpl_semi_sync_master_timeout; no commit waiting at the last probe began before
	 * semi_clear_ms (dp_monitor.c: the last probe that saw none waiting, or the one before
	 * acknowledgements last came). */
	uint64_t semi_waiting, semi_yes_tx, semi_timeout_ms, semi_clear_ms;
	/* The replicas connected to it (SHOW SLAVE HOSTS), by server_id, in the same probe as
	 * semi_clients: a replica not among them was not one of those clients. */
	unsigned replica_ids[DP_MAX_SERVERS * 2];
	unsigned nreplica_ids;
	int replica_ids_known;
	int no_replica_hosts; /* the monitoring account may not run SHOW SLAVE HOSTS */
	dp_server_settings set;
	dp_slave_status slave;
	uint64_t io_progress_ms; /* last time this replica heard from its primary */

	/* Decisions. */
	int role;
	int maintenance;
	int quarantined;
	char quarantine_reason[1600];
	char fork_pos[DP_GTID_TEXT]; /* the new primary's position when this one was demoted */
	int has_fork_pos;
	int fence_pending;  /* demoted while unreachable: kill its clients as soon as it answers */
	int needs_redirect; /* should replicate from the primary but does not yet */
	int replication_unreadable; /* 1201: its master.info is damaged, RESET SLAVE first */
	uint64_t enforce_after_ms;  /* no enforcement action before (backoff) */
	char enforcing[128];	    /* the enforcement step in flight, "" when none (/status) */
	int hb_step;		    /* the heartbeat change's step (dp_enforce.c), 0 when none */
	uint64_t hb_deadline_ms;
	unsigned hb_idle_polls;
	dp_timer hb_timer;
	int io_stopped;	     /* dbproxy stopped its IO thread and has not restarted it yet */
	int semi_master_off; /* dbproxy switched semi-sync master off here (see dp_enforce.c) */
	unsigned findings_logged; /* the settings findings last logged (dp_settings.c) */
	uint64_t semi_ack_ms;	  /* last probe that saw it a semi-sync replica of the writer */

	/* Cooperative monitoring (dp_coop.c, docs/ha.md). */
	dp_sqlc *coop;		       /* holds the lock 'dbproxy_monitor' when we have it */
	dp_timer coop_timer;	       /* the next cycle */
	int coop_held;		       /* that connection holds the lock (last cycle) */
	int coop_other_held;	       /* another connection (another dbproxy) holds it */
	unsigned long coop_conn_id;    /* its CONNECTION_ID() */
	uint64_t coop_read_ms;	       /* when the last successful cycle was sent */
	uint64_t reg_epoch;	       /* the writer register there, as last read */
	char reg_writer[DP_REG_IDENT]; /* NAME=HOST:PORT, "" when none yet */
	char reg_leader[160];	       /* who published it */
	int reg_pending;	       /* one is due when the running cycle ends */
	uint64_t reg_writing_epoch;    /* the epoch being written there */
	uint64_t coop_started_ms;      /* when the running cycle was sent */
	int coop_ready;		       /* the register table was set up on this connection */
	char coop_error[256];	       /* the last cycle's failure, "" when fine */

	dp_sqlc *probe; /* probes only */
	dp_sqlc *cmd;	/* fencing, promotion, redirection */
	dp_timer probe_timer;

	unsigned sessions; /* client sessions routed here now */
	unsigned
	    checking; /* sessions whose backend it closed, waiting for a probe (dp_session.c) */
	uint64_t sessions_total;
} dp_server;

int dp_server_new(dp_server **out, dp_proxy *px, int idx, const dp_server_conf *conf);
void dp_server_free(dp_server *s);
const char *dp_health_name(int h);
const char *dp_role_name(int r);
/* Replicates (or is configured to) from server p. */
int dp_server_replicates_from(const dp_server *s, const dp_server *p);
/* The server a new client session goes to, or NULL when none may take writes now. */
dp_server *dp_backend_pick(dp_proxy *px);
dp_server *dp_backend_find(dp_proxy *px, const char *name);

#endif
