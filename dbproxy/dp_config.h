/* dbproxy configuration: defaults, the command line, the configuration file (every flag has a
 * twin key), validation, and secrets read from files. */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "dp_net.h"

#define DP_MAX_SERVERS 16
#define DP_NAME_MAX    64
#define DP_SECRET_MAX  256

typedef struct dp_server_conf {
	char name[DP_NAME_MAX]; /* defaults to HOST:PORT */
	char addr_text[128];
	dp_addr addr;
	int no_promotion;
} dp_server_conf;

enum { DP_ASYNC_REFUSE, DP_ASYNC_ALLOW };

typedef struct dp_config {
	char config_file[PATH_MAX];
	char listen[128];
	dp_addr listen_addr;
	char listen_socket[108];
	dp_server_conf servers[DP_MAX_SERVERS];
	int nservers;
	char monitor_user[128];
	char monitor_password_file[PATH_MAX];
	char monitor_password[DP_SECRET_MAX];
	char monitor_tls_ca[PATH_MAX]; /* "": monitoring connections without TLS */
	char replication_user[128];
	char replication_password_file[PATH_MAX];
	char replication_password[DP_SECRET_MAX];
	char admin[128];
	dp_addr admin_addr;
	char admin_token_file[PATH_MAX];
	char admin_token[DP_SECRET_MAX];
	char state_file[PATH_MAX];
	char pid_file[PATH_MAX];
	int log_level;

	/* Timers, in milliseconds. */
	unsigned probe_interval_ms;  /* 250 */
	unsigned connect_timeout_ms; /* 200: monitor connects */
	unsigned probe_timeout_ms;   /* 500: a probe query */
	unsigned fail_refused;	     /* 2 consecutive refused/reset probes: crashed */
	unsigned fail_timeouts;	     /* 3 consecutive failed probes with timeouts: hung */
	unsigned confirm_silence_ms; /* 1500: a replica heard nothing from the primary that long */
	unsigned replica_heartbeat_ms; /* 500: MASTER_HEARTBEAT_PERIOD set on replicas; 0 = leave */
	unsigned client_wait_ms;       /* 10000: a client waits that long for a primary */
	unsigned handshake_timeout_ms; /* 10000 */
	unsigned client_dead_ms;      /* 10000: a TCP client silent that long is gone; 0 = kernel */
	unsigned catchup_timeout_ms;  /* 30000: relay log apply before promotion */
	unsigned switchover_drain_ms; /* 2000: transactions may finish during a switchover */
	unsigned drain_timeout_ms;    /* 30000: SIGTERM waits that long for busy sessions */
	unsigned op_step_timeout_ms;  /* 5000: one SQL step of a failover */
	unsigned user_refresh_ms;     /* 30000: account hashes for session moves */

	unsigned max_clients;	       /* 4096 */
	unsigned max_handshakes;       /* 64: sessions connected to a server, not logged in yet */
	unsigned busy_poll_us;	       /* 50 */
	int zero_copy;		       /* splice(2) large packets and opaque streams (on) */
	unsigned buffer_kib;	       /* 64 per direction */
	int auto_failover;	       /* 1 */
	int failover_if_async;	       /* DP_ASYNC_REFUSE */
	int migrate_sessions;	       /* 1 */
	int proxy_protocol;	       /* 0 */
	int cooperative;	       /* cooperative_monitoring: 0 none, 1 majority (docs/ha.md) */
	char cooperative_database[65]; /* where the writer register lives on each server */
	char cooperative_key_file[PATH_MAX];
	char cooperative_key[DP_SECRET_MAX]; /* names the monitor lock (empty: the monitoring
					      * password does) */
	int enforce_writable_primary;	     /* make a read-only writer writable (0: an admin's
					      * read_only=1 on the primary stays) */
} dp_config;

void dp_config_defaults(dp_config *c);
/* Parses argv into c (file first when --config is given, then the flags over it).
 * 0; 1 when --help/--version was handled; -1 with a message in err. */
int dp_config_from_args(dp_config *c, int argc, char **argv, char *err, size_t errsz);
/* Reads the file named by c->config_file into c (keys override what is there). */
int dp_config_load_file(dp_config *c, const char *path, char *err, size_t errsz);
/* Checks consistency and reads the secret files. */
int dp_config_finish(dp_config *c, char *err, size_t errsz);
/* Wipes secrets. */
void dp_config_wipe(dp_config *c);
void dp_config_usage(void);

#endif
