/* Private state of a database connection, shared by the files of libpanel/src/db/. */
#ifndef PANEL_SRC_DB_INTERNAL_H
#define PANEL_SRC_DB_INTERNAL_H

#include "db/db.h"

#define PANEL_DB_STMT_CACHE 64

struct cached_stmt {
	char *sql;
	uint64_t hash; /* of sql: most lookups compare this alone */
	MYSQL_STMT *stmt;
	uint64_t used;
};

/* The result buffers of panel__db_query (rows.c), kept for the next query. */
struct panel_db_fetch {
	MYSQL_BIND *binds;
	unsigned long *lengths;
	my_bool *nulls, *errors;
	char *scratch;
	MYSQL_TIME *times;   /* DATETIME, TIMESTAMP and DATE columns are fetched in binary */
	unsigned char *kind; /* per column: 0 text, else a date (rows.c) */
	size_t cap;	     /* columns */
};

struct panel_db {
	MYSQL *mysql; /* NULL after a failed reconnect */
	char *host, *socket, *user, *password, *database;
	unsigned port, connect_timeout, read_timeout, write_timeout;
	struct cached_stmt cache[PANEL_DB_STMT_CACHE];
	size_t ncache;
	uint64_t tick;
	unsigned last_errno;
	unsigned tx_attempts;
	int in_tx; /* inside panel__db_transaction's body, or a request's transaction */
	/* A request's transaction is open (panel__db_request_begin): transactions are savepoints
	 * in it, depth deep; broken: it was lost (connection, deadlock), statements fail. */
	int request_tx, request_broken;
	int keep_session; /* a lost session is not replaced (panel__db_keep_session) */
	unsigned depth;
	panel_db_gate gate;	  /* checked before the next statement (db.h) */
	const char *after_commit; /* run once after the next COMMIT, best effort */
	uint64_t after_commit_id;
	struct panel_db_fetch fetch;
};

/* 0 when statements may run on db; else PANEL_EUNAVAILABLE (not connected, or its request's
 * transaction was lost). */
int panel__db_ensure_connected(panel_db *db);

/* Records a server error on db and maps it to a PANEL_E* code with a message. */
int panel__db_fail(panel_db *db, unsigned err, const char *message);

/* The cached prepared statement for sql, bound to params and executed. */
int panel__db_prepare_execute(MYSQL_STMT **out, panel_db *db, const char *sql,
			      const panel_db_param *params, size_t nparams);

/* Frees db's result buffers (rows.c). */
void panel__db_fetch_free(panel_db *db);

/* The server error classes the transaction runner acts on. */
int panel__db_lost(unsigned err);
int panel__db_lock_conflict(unsigned err);

#endif
