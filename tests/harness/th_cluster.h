/* Test harness: throwaway MariaDB servers (a primary and N GTID replicas) in a temporary folder
 * on loopback ports, for C tests and benchmarks. Wraps tests/harness/mariadb-cluster. */
#ifndef TH_CLUSTER_H
#define TH_CLUSTER_H

#include <limits.h>
#include <mysql.h>
#include <stddef.h>

#define TH_MAX_SERVERS 8

typedef struct th_server {
	int index; /* 0 is the initial primary */
	int server_id;
	int port; /* on 127.0.0.1 */
	char socket[PATH_MAX];
	char datadir[PATH_MAX];
} th_server;

typedef struct th_cluster {
	char dir[PATH_MAX]; /* holds cluster.env, one folder per server, logs */
	int nservers;
	th_server servers[TH_MAX_SERVERS];
	char user[64]; /* superuser over TCP on 127.0.0.1 (ALL PRIVILEGES WITH GRANT OPTION) */
	char password[64];
	char repl_user[64]; /* replication user present on every server */
	char repl_password[64];
	int tls;		 /* started with TLS (th_options.tls) */
	char tls_ca[PATH_MAX];	 /* the CA of the servers' certificate; "" without TLS */
	char tls_cert[PATH_MAX]; /* the servers' certificate (127.0.0.1, localhost) */
	int owned;		 /* started by this process: th_cluster_free stops it */
} th_cluster;

enum { TH_SEMISYNC = 1, TH_SEMISYNC_DEFAULTS = 2 };

typedef struct th_options {
	int replicas; /* 0..TH_MAX_SERVERS-1 */
	int semisync; /* semi-sync replication, AFTER_SYNC, enabled on every server: TH_SEMISYNC
		       * (rpl_semi_sync_master_wait_no_slave=OFF, as docs/dbproxy.md asks) or
		       * TH_SEMISYNC_DEFAULTS (every other setting at MariaDB's default) */
	int tls;      /* a throwaway CA and server certificate, TLS on every server */
	int bind_any; /* listen on every address, not only 127.0.0.1 (--bind-any) */
} th_options;

/* Starts a new cluster in a fresh folder under $TMPDIR (or /tmp) and waits until every server
 * answers and every replica replicates. 0 on success, -1 (with a message on stderr) otherwise. */
int th_cluster_start(th_cluster **out, const th_options *opts);

/* Attaches to a running cluster from its folder (reads DIR/cluster.env); not owned. */
int th_cluster_attach(th_cluster **out, const char *dir);

/* The cluster shared by a test run: attaches to $PANEL_TEST_CLUSTER when set, else starts a
 * primary-only cluster owned by the caller (so a test binary also runs on its own). */
int th_cluster_shared(th_cluster **out);

/* Stops the servers and removes the folder when owned; frees the struct. NULL is fine. */
void th_cluster_free(th_cluster *c);

/* The pid of server idx read from its pid file, or -1 when it is not running. */
int th_server_pid(const th_cluster *c, int idx);

/* Sends sig to server idx (SIGKILL, SIGSTOP, SIGCONT, SIGTERM...). 0 or -1. */
int th_server_signal(const th_cluster *c, int idx, int sig);

/* Starts server idx again (after a kill or stop) with its original options; waits until it
 * answers. Replication settings persist in its datadir. 0 or -1. */
int th_server_start(const th_cluster *c, int idx);

/* Points server idx at server primary_idx as a GTID replica (MASTER_USE_GTID=slave_pos) and
 * starts replication. 0 or -1. */
int th_server_replicate(const th_cluster *c, int idx, int primary_idx);

/* A new connection as the superuser to server idx, on database (NULL for none).
 * NULL (with a message on stderr) on failure. Close with mysql_close. */
MYSQL *th_connect(const th_cluster *c, int idx, const char *database);

/* Runs one or more ';'-separated statements on server idx as the superuser, discarding
 * results. 0, or -1 with the server's error on stderr. */
int th_sql(const th_cluster *c, int idx, const char *sql);

/* Creates an empty database with a unique name "<prefix>_<pid>_<n>" on server 0 and writes the
 * name into name. 0 or -1. */
int th_database_create(const th_cluster *c, const char *prefix, char *name, size_t namesz);

/* Drops a database created by th_database_create. 0 or -1. */
int th_database_drop(const th_cluster *c, const char *name);

#endif
