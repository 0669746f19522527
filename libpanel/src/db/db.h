/* The database layer: one MariaDB connection with a cache of prepared statements, typed
 * parameters, buffered result rows, and a transaction runner that retries deadlocks and
 * reconnects once after a lost server. All SQL with data goes through here, prepared. */
#ifndef PANEL_SRC_DB_H
#define PANEL_SRC_DB_H

#include <mysql.h>
#include <stddef.h>
#include <stdint.h>

typedef struct panel_db panel_db;

typedef struct panel_db_conf {
	const char *host; /* ignored when socket is set */
	unsigned port;
	const char *socket; /* NULL or "" for TCP */
	const char *user;
	const char *password;
	const char *database;				       /* NULL or "" for none */
	unsigned connect_timeout, read_timeout, write_timeout; /* seconds */
} panel_db_conf;

enum panel_db_param_type { PANEL_DBP_NULL, PANEL_DBP_STR, PANEL_DBP_I64, PANEL_DBP_U64 };

typedef struct panel_db_param {
	enum panel_db_param_type type;
	const char *s;
	int64_t i;
	uint64_t u;
} panel_db_param;

/* Parameter constructors; a NULL string binds SQL NULL. */
#define DB_STR(v) ((panel_db_param){.type = PANEL_DBP_STR, .s = (v)})
#define DB_I64(v) ((panel_db_param){.type = PANEL_DBP_I64, .i = (int64_t)(v)})
#define DB_U64(v) ((panel_db_param){.type = PANEL_DBP_U64, .u = (uint64_t)(v)})
#define DB_NULL	  ((panel_db_param){.type = PANEL_DBP_NULL})

/* Expands to "array, count" for the params/nparams argument pairs below. */
#define DB_ARGS(...)                                                                               \
	((const panel_db_param[]){__VA_ARGS__}),                                                   \
	    (sizeof((const panel_db_param[]){__VA_ARGS__}) / sizeof(panel_db_param))
#define DB_NOARGS NULL, 0

/* Connects. PANEL_EUNAVAILABLE when the server cannot be reached, PANEL_EAUTH when it refuses
 * the credentials. The strings of conf are copied. */
int panel__db_open(panel_db **out, const panel_db_conf *conf);
void panel__db_close(panel_db *db);

/* Drops the connection (and every prepared statement) and connects again. */
int panel__db_reconnect(panel_db *db);

/* While on, a lost session is not replaced: panel__db_reconnect fails with PANEL_EUNAVAILABLE,
 * and so does every statement after the loss. For a session that holds what a new one would not
 * have (an Idempotency-Key claim's named lock): going on without it, the request would run
 * beside the retry that takes its claim over. */
void panel__db_keep_session(panel_db *db, int on);

/* 0 when the server answers; reconnects once if the connection was lost. */
int panel__db_ping(panel_db *db);

/* Runs a prepared statement that returns no rows. *affected (may be NULL) gets the number of
 * rows changed. */
int panel__db_exec(uint64_t *affected, panel_db *db, const char *sql, const panel_db_param *params,
		   size_t nparams);

/* Buffered result of a query: every value as text, NULL for SQL NULL. */
typedef struct panel_db_rows panel_db_rows;

int panel__db_query(panel_db_rows **out, panel_db *db, const char *sql,
		    const panel_db_param *params, size_t nparams);
size_t panel__db_rows_count(const panel_db_rows *rows);
size_t panel__db_rows_columns(const panel_db_rows *rows);
const char *panel__db_cell(const panel_db_rows *rows, size_t row, size_t col);
/* The cell as an unsigned number; PANEL_ERROR when NULL or not a number. */
int panel__db_cell_u64(uint64_t *out, const panel_db_rows *rows, size_t row, size_t col);
void panel__db_rows_free(panel_db_rows *rows);

/* The first column of the first row as a number: PANEL_ENOTFOUND when there is no row. */
int panel__db_query_u64(uint64_t *out, panel_db *db, const char *sql, const panel_db_param *params,
			size_t nparams);

/* The AUTO_INCREMENT value of the last insert on this connection. */
uint64_t panel__db_insert_id(panel_db *db);

/* Runs SQL text without parameters (no user data!): several ';'-separated statements are
 * allowed; results are discarded. On failure *failed_at (may be NULL) gets the 1-based index
 * of the statement that failed. For schema migrations (which hold a session lock: a lost
 * connection is an error, never reopened). */
int panel__db_batch(size_t *failed_at, panel_db *db, const char *sql, size_t len);
/* The same on a connection that keeps no session state (the member server's DDL): one found
 * closed before anything ran (a failover, a server restart while it was idle) is opened again
 * once, outside a transaction, and the batch sent on the new one. */
int panel__db_batch_reopen(size_t *failed_at, panel_db *db, const char *sql, size_t len);

/* The MariaDB error number of the last failed call on this connection (0 when none). */
unsigned panel__db_errno(const panel_db *db);
/* Forgets the last statement's error number: what follows reads only its own. */
void panel__db_errno_reset(panel_db *db);

/* A transaction body: runs its statements on db and returns 0 or a PANEL_E* code. It may be
 * run more than once (after a deadlock or a lost connection), so it must not keep state
 * between runs except through ctx, and must undo its own side effects outside the database
 * when it fails. */
typedef int (*panel_db_tx_fn)(panel_db *db, void *ctx);

/* BEGIN, fn, COMMIT. On a deadlock or lock wait timeout the whole transaction is retried (up
 * to 5 times, with a short growing pause). On a lost connection before COMMIT it reconnects and
 * retries once. A connection lost during COMMIT gives PANEL_EUNAVAILABLE ("outcome unknown"),
 * never a retry that could apply the changes twice. Any failure rolls back. */
int panel__db_transaction(panel_db *db, panel_db_tx_fn fn, void *ctx);

/* A request's transaction: one transaction around several panel__db_transaction calls, so
 * that their changes and what the caller writes last (an idempotent request's stored answer)
 * commit together or not at all. Inside it each panel__db_transaction is a savepoint: its
 * failure undoes its own changes only, a lock wait timeout retries its body. A deadlock or a
 * lost connection loses the whole request transaction: it is then broken, and every statement
 * fails with PANEL_EUNAVAILABLE until panel__db_request_abort; a lost connection is never
 * reconnected while it is open (a reconnected session would go on outside it). */
int panel__db_request_begin(panel_db *db);
/* COMMIT. Lost during it: PANEL_EUNAVAILABLE, outcome unknown; another failure rolls back.
 * The transaction is closed either way, and the after-commit statement runs on success. */
int panel__db_request_commit(panel_db *db);
/* ROLLBACK (when the connection still works), and the transaction is closed. */
void panel__db_request_abort(panel_db *db);
/* 1 while a request's transaction is open; 2 when it is open and broken. */
int panel__db_request_state(const panel_db *db);

/* panel__db_query outside any transaction (one statement reads one snapshot under autocommit):
 * one round trip. A lost connection (a failover) is reconnected and the query run again once.
 * For reads that one statement answers, outside any other transaction, such as the token check
 * at the start of every API request. */
int panel__db_read(panel_db_rows **out, panel_db *db, const char *sql, const panel_db_param *params,
		   size_t nparams);
/* panel__db_query_u64 as panel__db_read runs it. */
int panel__db_read_u64(uint64_t *out, panel_db *db, const char *sql, const panel_db_param *params,
		       size_t nparams);

/* A check that must pass before the next statement runs on db: an operation whose actor carries
 * a bearer token arms it (credential.c), so that nothing is read or written for a credential
 * that is no longer valid. The check runs once, with the gate open, before the next prepared
 * statement; when it fails, the gate stays armed and that statement fails with its error. A
 * statement that carries the check itself takes the gate first and puts it back if the check
 * fails. fn NULL: no gate. */
typedef struct panel_db_gate {
	panel_db_tx_fn fn;
	void *arg;
} panel_db_gate;
void panel__db_gate_put(panel_db *db, panel_db_gate gate);
/* The gate as it is (fn NULL when none), leaving db without one. */
panel_db_gate panel__db_gate_take(panel_db *db);

/* 1 inside the body of panel__db_transaction. */
int panel__db_in_transaction(const panel_db *db);

/* Runs sql (a static string) with the one parameter id once the current transaction has
 * committed, best effort (its error is dropped); forgotten when the transaction fails. One at a
 * time: a second call replaces the first. For bookkeeping that must not take locks inside the
 * caller's transaction (a token's last_used). */
void panel__db_after_commit(panel_db *db, const char *sql, uint64_t id);

/* Number of times the last panel__db_transaction ran its body (for tests and metrics). */
unsigned panel__db_tx_attempts(const panel_db *db);

/* The connection id on the server (for tests that kill it). */
unsigned long panel__db_thread_id(panel_db *db);

#endif
