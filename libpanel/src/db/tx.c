/* The transaction runner: BEGIN, body, COMMIT, with retries on deadlocks and one reconnect
 * after a lost server, and never a blind retry after a COMMIT whose outcome is unknown; and a
 * request's transaction, in which each of those is a savepoint. */
#include <mysqld_error.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db_internal.h"
#include "error.h"

#define LOCK_RETRIES 5

static int command(panel_db *db, const char *sql)
{
	if (panel__db_ensure_connected(db) < 0)
		return panel_error_last()->code;
	if (mysql_real_query(db->mysql, sql, (unsigned long)strlen(sql)) != 0)
		return panel__db_fail(db, mysql_errno(db->mysql), mysql_error(db->mysql));
	return 0;
}

/* 10, 20, 40... ms between deadlock retries, so that the other transaction can finish. */
static void pause_before_retry(unsigned attempt)
{
	struct timespec ts = {0, 10L * 1000 * 1000 * (1L << attempt)};

	while (nanosleep(&ts, &ts) != 0)
		;
}

void panel__db_after_commit(panel_db *db, const char *sql, uint64_t id)
{
	db->after_commit = sql;
	db->after_commit_id = id;
}

int panel__db_in_transaction(const panel_db *db)
{
	return db->in_tx;
}

/* Outside the transaction, with the caller's success kept whatever happens. */
static void run_after_commit(panel_db *db)
{
	const char *sql = db->after_commit;
	panel__error_saved saved;

	db->after_commit = NULL;
	if (!sql)
		return;
	panel__error_save(&saved);
	panel__db_exec(NULL, db, sql, DB_ARGS(DB_U64(db->after_commit_id)));
	panel__error_restore(&saved);
}

/* A transaction inside the request's: a savepoint. A lock wait timeout rolls back to it and
 * runs the body again; a deadlock or a lost connection has lost the whole request transaction
 * (InnoDB rolls a deadlock's victim back entirely): broken, no retry here. */
static int savepoint_transaction(panel_db *db, panel_db_tx_fn fn, void *ctx)
{
	unsigned lock_retries = 0;
	char name[32], sql[64];
	panel__error_saved saved;
	int rc;

	db->tx_attempts = 0;
	snprintf(name, sizeof(name), "panel_tx_%u", db->depth);
	for (;;) {
		unsigned err;

		db->last_errno = 0;
		db->tx_attempts++;
		snprintf(sql, sizeof(sql), "SAVEPOINT %s", name);
		if ((rc = command(db, sql)) == 0) {
			db->depth++;
			rc = fn(db, ctx);
			db->depth--;
		}
		if (rc == 0) {
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT %s", name);
			if ((rc = command(db, sql)) == 0)
				return 0;
		}
		err = db->last_errno;
		panel__error_save(&saved);
		if (db->request_broken || !db->mysql || panel__db_lost(err) ||
		    err == ER_LOCK_DEADLOCK) {
			db->request_broken = 1;
			return panel__error_restore(&saved);
		}
		/* Failing, the transaction is gone (innodb_rollback_on_timeout). */
		snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT %s", name);
		if (command(db, sql) < 0) {
			db->request_broken = 1;
			return panel__error_restore(&saved);
		}
		if (panel__db_lock_conflict(err) && lock_retries < LOCK_RETRIES) {
			pause_before_retry(lock_retries++);
			continue;
		}
		return panel__error_restore(&saved);
	}
}

int panel__db_request_begin(panel_db *db)
{
	if (db->request_tx || db->in_tx)
		return panel__error(PANEL_ERROR, NULL, "internal: a transaction is already open");
	db->last_errno = 0;
	if (!db->mysql && panel__db_reconnect(db) < 0)
		return panel_error_last()->code;
	db->after_commit = NULL;
	if (command(db, "START TRANSACTION") < 0)
		return panel_error_last()->code;
	db->request_tx = 1;
	db->request_broken = 0;
	db->in_tx = 1;
	db->depth = 0;
	return 0;
}

static void request_close(panel_db *db)
{
	db->request_tx = 0;
	db->request_broken = 0;
	db->in_tx = 0;
	db->depth = 0;
}

int panel__db_request_commit(panel_db *db)
{
	panel__error_saved saved;

	if (!db->request_tx)
		return panel__error(PANEL_ERROR, NULL, "internal: no request transaction is open");
	db->last_errno = 0;
	if (command(db, "COMMIT") == 0) {
		request_close(db);
		run_after_commit(db);
		return 0;
	}
	db->after_commit = NULL;
	if (panel__db_lost(db->last_errno)) {
		request_close(db);
		return panel__error_db(PANEL_EUNAVAILABLE,
				       "database connection lost during COMMIT: "
				       "the change may or may not have been applied");
	}
	panel__error_save(&saved);
	panel__db_request_abort(db);
	return panel__error_restore(&saved);
}

void panel__db_request_abort(panel_db *db)
{
	panel__error_saved saved;

	db->after_commit = NULL;
	request_close(db);
	/* Also after a deadlock, whose victim InnoDB has rolled back already: nothing should be
	 * left, but nothing must be either. A lost session has nothing left. */
	if (db->mysql && !panel__db_lost(db->last_errno)) {
		panel__error_save(&saved);
		command(db, "ROLLBACK");
		panel__error_restore(&saved);
	}
}

int panel__db_request_state(const panel_db *db)
{
	return db->request_tx ? 1 + db->request_broken : 0;
}

int panel__db_transaction(panel_db *db, panel_db_tx_fn fn, void *ctx)
{
	unsigned lock_retries = 0;
	int reconnected = 0;
	panel__error_saved saved;
	int rc;

	if (db->request_tx)
		return savepoint_transaction(db, fn, ctx);
	db->tx_attempts = 0;
	for (;;) {
		unsigned err;

		db->last_errno = 0;
		db->tx_attempts++;
		/* A handle whose last reconnect failed tries again: the server may be back. */
		if (!db->mysql && panel__db_reconnect(db) < 0)
			return panel_error_last()->code;
		db->after_commit = NULL;
		rc = command(db, "START TRANSACTION");
		if (rc == 0) {
			db->in_tx = 1;
			rc = fn(db, ctx);
			db->in_tx = 0;
		}
		if (rc == 0) {
			rc = command(db, "COMMIT");
			if (rc == 0) {
				run_after_commit(db);
				return 0;
			}
			db->after_commit = NULL;
			if (panel__db_lost(db->last_errno))
				return panel__error_db(
				    PANEL_EUNAVAILABLE,
				    "database connection lost during COMMIT: "
				    "the change may or may not have been applied");
		}
		db->after_commit = NULL;
		err = db->last_errno;
		panel__error_save(&saved);
		if (db->mysql && !panel__db_lost(err))
			command(db, "ROLLBACK");
		if (panel__db_lock_conflict(err) && lock_retries < LOCK_RETRIES) {
			pause_before_retry(lock_retries++);
			continue;
		}
		if ((panel__db_lost(err) || !db->mysql) && !reconnected) {
			reconnected = 1;
			if (panel__db_reconnect(db) == 0)
				continue;
			return panel_error_last()->code;
		}
		return panel__error_restore(&saved);
	}
}

unsigned panel__db_tx_attempts(const panel_db *db)
{
	return db->tx_attempts;
}

/* One statement needs no transaction: with autocommit (set on connect) it reads one snapshot
 * by itself, and BEGIN and COMMIT would cost two more round trips. A read is safe to run again,
 * so a lost connection (a failover) is reconnected and the query run once more. */
int panel__db_read(panel_db_rows **out, panel_db *db, const char *sql, const panel_db_param *params,
		   size_t nparams)
{
	int error;

	*out = NULL;
	db->tx_attempts = 0;
	for (int reconnected = 0;; reconnected = 1) {
		db->last_errno = 0;
		db->tx_attempts++;
		if (!db->mysql && panel__db_reconnect(db) < 0)
			return panel_error_last()->code;
		if ((error = panel__db_query(out, db, sql, params, nparams)) == 0)
			return 0;
		/* Inside a transaction, a new session would lose what ran before: the runner
		 * reconnects and runs the whole transaction again instead (a request's
		 * transaction is marked broken by panel__db_reconnect, for its rerun). */
		if (reconnected || (db->in_tx && !db->request_tx) ||
		    !(panel__db_lost(db->last_errno) || !db->mysql))
			return error;
		if (panel__db_reconnect(db) < 0)
			return panel_error_last()->code;
	}
}
