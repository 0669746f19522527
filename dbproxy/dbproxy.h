/* dbproxy: the process context shared by every module (one struct, reached from each object,
 * instead of globals), and the functions modules call on each other. */
#ifndef DBPROXY_H
#define DBPROXY_H

#include <stdint.h>

#include "dp_backend.h"
#include "dp_buf.h"
#include "dp_config.h"
#include "dp_loop.h"
#include "dp_pipe.h"

typedef struct dp_session dp_session;
typedef struct dp_op dp_op;
typedef struct dp_admin dp_admin;
typedef struct dp_history dp_history;

#define DP_HISTORY_MAX 64
#define DP_PHASES_MAX  16

typedef struct dp_phase_rec {
	char name[24];
	uint64_t wall_ms;
	uint64_t elapsed_ms; /* since the operation started */
	char detail[192];
} dp_phase_rec;

/* One failover, switchover or rejoin, as reported by the admin endpoint. */
typedef struct dp_event {
	uint64_t id;
	char kind[16];	  /* failover, switchover, rejoin */
	char trigger[16]; /* automatic, admin */
	char from[DP_NAME_MAX], to[DP_NAME_MAX];
	uint64_t epoch_before, epoch_after;
	uint64_t started_wall_ms;
	char result[16]; /* running, done, failed */
	char error[256];
	char gtid_gap[2048]; /* possible loss, when semi-sync was off */
	int nphases;
	dp_phase_rec phases[DP_PHASES_MAX];
} dp_event;

typedef struct dp_user_hash {
	char user[128];
	char host[256];
	uint8_t stage2[20];
} dp_user_hash;

typedef struct dp_counters {
	uint64_t accepted, refused_full, refused_draining, accept_errors;
	uint64_t sessions_closed, sessions_errored, sessions_migrated, migrate_failures;
	uint64_t sessions_no_primary, handshake_timeouts;
	uint64_t handshakes_evicted; /* closed before their login to admit a new client */
	uint64_t bytes_c2s, bytes_s2c;
	uint64_t bytes_spliced; /* of which moved by splice(2), never copied into the proxy */
	uint64_t failovers, switchovers, failover_refusals;
	uint64_t fences;
} dp_counters;

typedef void dp_coop_publish_fn(dp_proxy *px, int ok, void *arg);

/* Cooperative monitoring's state (dp_coop.c). */
typedef struct dp_coop_state {
	int leader;   /* holds the monitor lock on a majority of all servers */
	int synced;   /* leader: the register names its writer and epoch on a majority */
	int routable; /* follower: the writer was read from a fresh majority */
	unsigned locks;
	uint64_t backoff_until_ms;   /* locks released until then (no majority: let others try) */
	uint64_t step_down_until_ms; /* the same, as a leader blind to a possible acknowledger */
	uint64_t sync_after_ms;
	int unknown_logged;
	dp_server *undemote;	 /* leader: made writable once the register names it again */
	dp_server *restore_cand; /* the failed switchover's candidate, published */
	uint64_t restore_since_ms;
	int restore_logged;	   /* its silence was said */
	int split_logged;	   /* another leader's publication was said */
	uint64_t unpromoted_epoch; /* follower: the epoch whose writer is not promoted yet, said */
	int adopting;		   /* new leader: the register's writer awaits a fresh probe */
	uint64_t leader_since_ms;
	char identity[200]; /* written in the register as who published */
	char lock[64];	    /* the named lock's name (dp_coop.c: derived from a shared secret) */
	/* The publication in flight. */
	int pub_active;
	uint64_t pub_epoch;
	char pub_writer[DP_REG_IDENT];
	dp_coop_publish_fn *pub_done;
	void *pub_arg;
	unsigned pub_sent, pub_acked, pub_replied;
} dp_coop_state;

struct dp_proxy {
	dp_loop *loop;
	dp_config cfg;
	int argc;
	char **argv; /* kept for SIGHUP: the file is re-read, then the flags again */
	dp_bufpool *pool;
	dp_pipepool *pipes;

	int listen_fd, unix_fd;
	dp_io listen_io, unix_io;
	dp_timer accept_timer; /* accepting paused (EMFILE), resumes on fire */
	int accept_paused;

	int nservers;
	dp_server *servers[DP_MAX_SERVERS];

	/* The writer: decided here, never inferred from read_only. */
	dp_server *primary;
	uint64_t epoch;
	int routing_paused; /* an operation holds new work for the primary */
	uint64_t last_epoch_change_ms;
	int first_write_logged;

	dp_op *op;	   /* the running failover/switchover/rejoin, or NULL */
	dp_timer op_retry; /* automatic failover retry after a refusal */
	uint64_t op_next_auto_ms;
	dp_event history[DP_HISTORY_MAX];
	unsigned nhistory;
	uint64_t next_event_id;
	int last_semi_on;	     /* semi-sync state of the primary at the last good probe */
	int last_semi_enabled;	     /* rpl_semi_sync_master_enabled on it: restored at promotion */
	unsigned last_semi_clients;  /* its semi-sync replicas at the last good probe */
	int last_semi_wait_no_slave; /* and its rpl_semi_sync_master_wait_no_slave */
	uint64_t last_semi_timeout_ms; /* its rpl_semi_sync_master_timeout */
	uint64_t last_semi_waiting;    /* its commits waiting for an acknowledgement then */
	uint64_t last_semi_clear_ms;   /* none of them began before (semi_clear_ms) */
	unsigned last_replica_ids[DP_MAX_SERVERS * 2]; /* the replicas connected then */
	unsigned nlast_replica_ids;
	int last_replica_ids_known;
	uint64_t last_primary_probe_ms;	      /* when that probe was sent */
	char last_primary_gtid[DP_GTID_TEXT]; /* gtid_binlog_pos of the primary at the last good
						 probe */

	/* Sessions. */
	dp_session *sessions; /* all, doubly linked */
	unsigned nsessions;
	uint64_t next_session_id;
	dp_session *waiters; /* sessions waiting for a primary */
	/* Sessions connected to a server and not logged in yet, oldest first (dp_session.c). */
	dp_session *logins_head, *logins_tail;
	unsigned nlogins;
	uint64_t evict_warned_ms;
	dp_timer wake_timer; /* continues waking them on the next iteration */

	/* Account hashes (mysql_native_password) for moving sessions. */
	dp_user_hash *users;
	unsigned nusers;
	uint64_t users_loaded_ms;
	int users_denied; /* the monitoring user may not read mysql.global_priv */
	dp_timer users_timer;

	dp_coop_state coop;

	dp_admin *admin;
	int signal_fd;
	dp_io signal_io;
	int draining;
	uint64_t drain_deadline_ms;
	dp_timer drain_timer;
	uint64_t started_wall_ms;
	dp_counters n;
};

/* dp_main.c */
void dp_proxy_stop(dp_proxy *px);

/* dp_monitor.c */
int dp_monitor_start(dp_proxy *px);
void dp_monitor_stop(dp_proxy *px);
/* Probe this server at once (a session saw it fail). */
void dp_monitor_probe_now(dp_proxy *px, dp_server *s);
/* Re-evaluates the cluster after a change (probe result, operation end). */
void dp_monitor_evaluate(dp_proxy *px);
void dp_monitor_reload(dp_proxy *px);
const dp_user_hash *dp_users_find(dp_proxy *px, const char *user, unsigned *next);
void dp_state_save(dp_proxy *px);
int dp_state_load(dp_proxy *px);

/* dp_session.c */
int dp_listen_start(dp_proxy *px, char *err, size_t errsz);
void dp_listen_stop(dp_proxy *px);
/* A new writer is in place (or routing resumed): waiting sessions go to it. */
void dp_sessions_wake(dp_proxy *px);
/* The server stops being the writer: sessions on it move (when idle and movable) or end. */
void dp_sessions_leave(dp_proxy *px, dp_server *s, int graceful);
/* Switchover: are all sessions on s quiet (idle, outside transactions)? Sessions that are
 * idle stop taking new commands while routing is paused. */
int dp_sessions_quiet(dp_proxy *px, dp_server *s, unsigned *busy);
/* A probe of srv, started at probe_started_ms, found it alive or not: sessions whose backend
 * it closed before that either pass the close on to their client (alive: KILL, wait_timeout)
 * or move like after a crash. */
void dp_sessions_checked(dp_proxy *px, dp_server *srv, int alive, uint64_t probe_started_ms);
/* The operation ended: held sessions take commands again. */
void dp_sessions_release(dp_proxy *px);
void dp_sessions_close_all(dp_proxy *px, const char *reason);
void dp_sessions_drain(dp_proxy *px);
void dp_sessions_free_all(dp_proxy *px);

/* dp_failover.c */
/* Sets read_only=0 on s, the writer a failed switchover demoted (logged either way). */
void dp_failover_undemote(dp_proxy *px, dp_server *s);
enum { DP_OP_FAILOVER, DP_OP_SWITCHOVER, DP_OP_REJOIN };
/* dp_op_failover flags: started by the monitor (not the admin endpoint); accept a candidate
 * that may lack acknowledged writes. */
enum { DP_OP_AUTOMATIC = 1, DP_OP_ALLOW_LOSS = 2 };
typedef void dp_op_done_fn(dp_proxy *px, const dp_event *ev, void *arg);
/* Each starts an operation that calls done(arg) when it ends; a NULL target means the best
 * candidate. 0, or -1 with a message in err. */
int dp_op_failover(dp_proxy *px, dp_server *target, int flags, dp_op_done_fn *done, void *arg,
		   char *err, size_t errsz);
int dp_op_switchover(dp_proxy *px, dp_server *target, dp_op_done_fn *done, void *arg, char *err,
		     size_t errsz);
/* Makes s (an old primary, say) a replica of the current primary. */
int dp_op_rejoin(dp_proxy *px, dp_server *s, dp_op_done_fn *done, void *arg, char *err,
		 size_t errsz);
void dp_op_abort_all(dp_proxy *px);
/* The history entry of the running operation (or NULL), for the admin endpoint. */
const dp_event *dp_op_current(dp_proxy *px);
void dp_event_phase(dp_proxy *px, dp_event *ev, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* dp_coop.c: cooperative monitoring (docs/ha.md). */
void dp_coop_start(dp_proxy *px);
void dp_coop_stop(dp_proxy *px);
/* Leadership, adoption, the leader's register sync and the followers' writer; called by
 * dp_monitor_evaluate. */
void dp_coop_evaluate(dp_proxy *px);
/* A leader whose failover was refused because it could not read a server that may hold
 * acknowledged writes lets its locks go for a while, so that a dbproxy that reads that server
 * can lead (docs/ha.md §1). Nothing without cooperation. */
void dp_coop_step_down(dp_proxy *px, const char *why);
/* May this dbproxy fail over, switch over, fence, enforce? (always without cooperation) */
int dp_coop_may_act(const dp_proxy *px);
/* May writes be routed to px->primary now? */
int dp_coop_routable(const dp_proxy *px);
/* The leader writes (epoch, writer) in the register of every server it holds; done(ok) once
 * a majority took it (ok=1) or every answer came without one. 0, or -1 when it cannot start
 * (not the leader, one in flight, fewer locks than a majority). */
int dp_coop_publish(dp_proxy *px, dp_server *writer, uint64_t epoch, dp_coop_publish_fn *done,
		    void *arg);
/* The epoch a new writer gets: above this dbproxy's and every register read. */
uint64_t dp_coop_next_epoch(dp_proxy *px);
/* A switchover failed after publishing its candidate cand, before its promotion was
 * confirmed: old, demoted, is still the writer. Once a probe of cand sent after now says it
 * is not writable (or it is down), the leader publishes old again under a newer epoch, then
 * makes it writable (never while the register still names cand); a writable cand (its
 * promotion ran, its answer was lost) stays the writer instead. */
void dp_coop_restore_writer(dp_proxy *px, dp_server *old, dp_server *cand);

/* dp_admin.c */
int dp_admin_start(dp_proxy *px, char *err, size_t errsz);
void dp_admin_stop(dp_proxy *px);

/* dp_fence.c: fencing, shared by enforcement and operations. Sets read_only=1 on s; with
 * DP_FENCE_KILL, kills every client connection there (all but replication and the monitor's
 * own) before and after; with DP_FENCE_WAIT_GONE too, waits until the killed connections have
 * ended (what they write to the binary log as they end is then written). Calls done with ok=1
 * when all of that took effect. */
enum { DP_FENCE_KILL = 1u << 0, DP_FENCE_WAIT_GONE = 1u << 1 };
typedef void dp_fence_fn(dp_proxy *px, dp_server *s, int ok, void *arg);
int dp_fence(dp_proxy *px, dp_server *s, unsigned flags, dp_fence_fn *done, void *arg);
/* CHANGE MASTER text pointing a server at primary p (GTID, slave_pos). */
void dp_change_master_sql(dp_proxy *px, const dp_server *p, char *buf, size_t size);
/* One corrective action on s if it needs one and none is in flight (never during an
 * operation). */
void dp_enforce(dp_proxy *px, dp_server *s, uint64_t now);
/* Sets up what enforcement keeps per server (the heartbeat change's timer); dp_server_new
 * calls it. */
void dp_enforce_init(dp_server *s);
/* An operation starts: enforcement steps stop after the statement in flight. */
void dp_enforce_stop(dp_proxy *px, dp_server *s);
/* A replication statement refused with 1201 (a damaged master.info): the next redirect of s
 * resets its replication settings first. */
void dp_enforce_replication_failed(dp_server *s, const dp_sqlres *r);
/* From a replica's SHOW SLAVE STATUS: has the SQL thread executed everything the IO thread
 * read (same binary log file, executed position at or past the read one)? */
int dp_relay_log_executed(MYSQL_RES *st);

/* dp_settings.c: settings that can stall replication or lose acknowledged writes. */
enum {
	DP_SET_SEMI_REPLICA_STALL = 1u << 0, /* semi-sync master + wait_no_slave=ON on a replica */
	DP_SET_SEMI_OFF = 1u << 1,	     /* the primary does not wait for a replica */
	DP_SET_SEMI_SLAVE_OFF = 1u << 2,     /* a replica that never acknowledges */
	DP_SET_LOG_SLAVE_UPDATES = 1u << 3,
	DP_SET_GTID_STRICT = 1u << 4,
	DP_SET_SYNC_BINLOG = 1u << 5,
	DP_SET_FLUSH_AT_COMMIT = 1u << 6,
	DP_SET_LOG_BIN = 1u << 7,
	DP_SET_REPLICA_WRITABLE = 1u << 8,
	DP_SET_NO_GTID = 1u << 9,
	DP_SET_WAIT_POINT = 1u << 10,
	DP_SET_PRIMARY_READ_ONLY = 1u << 11,
	DP_SET_CONNECT_ERRORS = 1u << 12,
	DP_SET_BINLOG_FORMAT = 1u << 13, /* temporary tables replicated: left on replicas */
	DP_SET_COUNT = 14,
};
typedef struct dp_setting_check {
	unsigned bit;
	const char *name;    /* the variable */
	const char *problem; /* what can go wrong */
	const char *fix;     /* what the admin should do */
	int auto_fixed;	     /* dbproxy applies the fix itself (and logs it) */
} dp_setting_check;
/* The findings of server s, from its last probe (a mask of DP_SET_*). */
unsigned dp_settings_check(const dp_proxy *px, const dp_server *s);
const dp_setting_check *dp_setting_info(unsigned bit);
/* Logs what changed since the last call for each server; force logs every finding again
 * (start, SIGHUP). */
void dp_settings_log(dp_proxy *px, int force);
#endif
