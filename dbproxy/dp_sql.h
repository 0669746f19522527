/* dbproxy asynchronous SQL: one monitoring connection to one server, driven by MariaDB
 * Connector/C's non-blocking API from the event loop. Runs one (multi-)statement text at a
 * time with a deadline, and hands every result set to a callback. Never blocks. */
#ifndef DP_SQL_H
#define DP_SQL_H

#include <mysql.h>
#include <stdint.h>

#include "dp_loop.h"

#define DP_SQL_MAXRES 8

enum {
	DP_SQL_OK,
	DP_SQL_ECONNECT, /* refused, reset, lost: the server is not there */
	DP_SQL_ETIMEOUT, /* no answer within the deadline: the server may hang */
	DP_SQL_ESERVER,	 /* the server answered with an error; the connection is kept */
	DP_SQL_EABORT,	 /* dp_sqlc_close() while running (the callback is not called) */
};

typedef struct dp_sqlres {
	int status;
	unsigned err; /* server or client error number */
	char msg[256];
	int nres; /* result sets received (statements that returned rows) */
	MYSQL_RES *res[DP_SQL_MAXRES];
	int nstmt; /* statements that completed, with or without rows */
	uint64_t elapsed_us;
} dp_sqlres;

typedef struct dp_sqlc dp_sqlc;
typedef void dp_sql_cb(dp_sqlc *c, dp_sqlres *r, void *arg);

typedef struct dp_sql_target {
	char host[64];
	int port;
	const char *user; /* borrowed: must outlive the connection's use */
	const char *password;
	const char *tls_ca; /* borrowed; NULL or "": no TLS */
	unsigned connect_timeout_ms;
} dp_sql_target;

int dp_sqlc_new(dp_sqlc **out, dp_loop *loop, const char *name);
void dp_sqlc_free(dp_sqlc *c);
void dp_sqlc_set_target(dp_sqlc *c, const dp_sql_target *t);
int dp_sqlc_busy(const dp_sqlc *c);
int dp_sqlc_connected(const dp_sqlc *c);
/* Is the server still holding this connection open? 1 yes, 0 it closed it (end of stream or
 * reset), -1 unknown (not connected). A non-blocking peek: nothing is consumed. */
int dp_sqlc_peer_alive(const dp_sqlc *c);
/* Runs sql (several statements allowed), connecting first when needed; timeout_ms bounds the
 * query (the connect has its own timeout). 0, or -1 when busy. cb always runs later, from
 * the loop, never from inside this call. */
int dp_sqlc_run(dp_sqlc *c, const char *sql, unsigned timeout_ms, dp_sql_cb *cb, void *arg);
/* Same, with guarded = 0: without the connection's guard. */
int dp_sqlc_run_guarded(dp_sqlc *c, const char *sql, int guarded, unsigned timeout_ms,
			dp_sql_cb *cb, void *arg);
/* A statement text that every later dp_sqlc_run on c starts with ("" or NULL: none): in
 * cooperative mode, the check that this dbproxy still holds the server's monitor lock
 * (dp_coop.c), so that a former leader's queued steps change nothing. */
void dp_sqlc_set_guard(dp_sqlc *c, const char *guard);
/* Aborts whatever runs (no callback) and disconnects. */
void dp_sqlc_close(dp_sqlc *c);

/* Helpers on results: column index by name (-1), the value at (row, col) of result set i
 * as a string (NULL for SQL NULL or out of range). */
int dp_sql_col(MYSQL_RES *res, const char *name);
const char *dp_sql_get(MYSQL_RES *res, unsigned long long row, int col);
/* The sql_mode of dbproxy's own sessions: MariaDB 10.11's default, set at connection so that
 * a server's global NO_BACKSLASH_ESCAPES or ANSI_QUOTES cannot change how they read. */
#define DP_SQL_MODE                                                                                \
	"STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_"            \
	"SUBSTITUTION"
/* The authentication plugins dbproxy's own sessions answer: none sends the password itself
 * (monitoring connections are not encrypted unless monitor_tls_ca is set). */
#define DP_SQL_AUTH_PLUGINS "mysql_native_password,client_ed25519"
/* Escapes a string literal's content into out (at least 2 * strlen + 1 bytes), with
 * backslashes: for dbproxy's own sessions, which run in DP_SQL_MODE. */
void dp_sql_escape(char *out, size_t outsz, const char *in);

#endif
