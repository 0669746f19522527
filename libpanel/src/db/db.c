/* The MariaDB connection: connect and reconnect, the prepared statement cache, parameter
 * binding, buffered results, multi-statement batches, and the mapping of server errors. */
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"
#include "error.h"

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status;

static void library_init(void)
{
	library_status = mysql_library_init(0, NULL, NULL);
}

int panel__db_lost(unsigned err)
{
	switch (err) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
		return 1;
	default:
		return 0;
	}
}

int panel__db_lock_conflict(unsigned err)
{
	return err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT;
}

/* A server that refuses writes because it is read-only is a primary being failed over or a
 * replica reached by mistake: the caller should retry later, like a lost server. */
static int read_only_server(unsigned err)
{
	return err == ER_OPTION_PREVENTS_STATEMENT || err == ER_READ_ONLY_MODE;
}

int panel__db_fail(panel_db *db, unsigned err, const char *message)
{
	db->last_errno = err;
	if (panel__db_lost(err) || read_only_server(err))
		return panel__error_db(PANEL_EUNAVAILABLE, "database unavailable: %s (%u)", message,
				       err);
	if (panel__db_lock_conflict(err))
		return panel__error_db(PANEL_ECONFLICT, "database: %s (%u)", message, err);
	if (err == ER_DUP_ENTRY || err == ER_DUP_ENTRY_WITH_KEY_NAME)
		return panel__error_db(PANEL_EEXISTS, "database: %s", message);
	if (err == ER_ROW_IS_REFERENCED_2 || err == ER_NO_REFERENCED_ROW_2)
		return panel__error_db(PANEL_ECONFLICT, "database: %s", message);
	if (err == ER_ACCESS_DENIED_ERROR)
		return panel__error_db(PANEL_EAUTH, "database refused the credentials: %s",
				       message);
	/* Most often a binary newer than the database's schema (a rolling upgrade before its
	 * migration): say where to look. */
	if (err == ER_BAD_FIELD_ERROR || err == ER_NO_SUCH_TABLE)
		return panel__error_db(PANEL_ERROR,
				       "database error %u: %s (is the database's schema older than "
				       "this libpanel? panelctl schema status)",
				       err, message);
	return panel__error_db(PANEL_ERROR, "database error %u: %s", err, message);
}

static int fail_mysql(panel_db *db)
{
	return panel__db_fail(db, mysql_errno(db->mysql), mysql_error(db->mysql));
}

static int fail_stmt(panel_db *db, MYSQL_STMT *st)
{
	return panel__db_fail(db, mysql_stmt_errno(st), mysql_stmt_error(st));
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void cache_clear(panel_db *db)
{
	for (size_t i = 0; i < db->ncache; i++) {
		mysql_stmt_close(db->cache[i].stmt);
		free(db->cache[i].sql);
	}
	db->ncache = 0;
}

static void disconnect(panel_db *db)
{
	cache_clear(db);
	if (db->mysql)
		mysql_close(db->mysql);
	db->mysql = NULL;
}

static int connect_server(panel_db *db)
{
	unsigned int ct = db->connect_timeout, rt = db->read_timeout, wt = db->write_timeout;
	unsigned int no_local_infile = 0;
	MYSQL *m;

	pthread_once(&library_once, library_init);
	if (library_status != 0)
		return panel__error(PANEL_ERROR, NULL, "cannot initialize MariaDB Connector/C");
	m = mysql_init(NULL);
	if (!m)
		return panel__error_oom();
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
	mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &no_local_infile);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* A known session, whatever the server says: strict writes; READ COMMITTED so that a count
	 * taken after a locking read (quota checks) sees what other transactions committed;
	 * autocommit, so that a read outside panel__db_transaction (panel__db_read) is a
	 * transaction of its own and leaves none open. */
	mysql_options(m, MYSQL_INIT_COMMAND,
		      "SET SESSION sql_mode='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"
		      "NO_ENGINE_SUBSTITUTION', SESSION tx_isolation='READ-COMMITTED',"
		      " SESSION autocommit=1");
	if (!mysql_real_connect(m, db->socket ? NULL : db->host, db->user, db->password,
				db->database, db->port, db->socket, 0)) {
		unsigned err = mysql_errno(m);
		int rc;
		db->mysql = m;
		if (err == ER_ACCESS_DENIED_ERROR || err == ER_DBACCESS_DENIED_ERROR)
			rc = panel__error_db(PANEL_EAUTH, "database refused the credentials: %s",
					     mysql_error(m));
		else if (err == ER_BAD_DB_ERROR)
			rc = panel__error(PANEL_EINVALID, "database.name", "%s", mysql_error(m));
		else
			rc = panel__error_db(PANEL_EUNAVAILABLE, "database unavailable: %s (%u)",
					     mysql_error(m), err);
		db->last_errno = err;
		mysql_close(m);
		db->mysql = NULL;
		return rc;
	}
	db->mysql = m;
	return 0;
}

int panel__db_open(panel_db **out, const panel_db_conf *conf)
{
	panel_db *db = calloc(1, sizeof(*db));
	int error;

	*out = NULL;
	if (!db)
		return panel__error_oom();
	db->host = dup_or_null(conf->host);
	db->socket = dup_or_null(conf->socket);
	db->user = dup_or_null(conf->user);
	db->password = dup_or_null(conf->password);
	db->database = dup_or_null(conf->database);
	db->port = conf->port;
	db->connect_timeout = conf->connect_timeout ? conf->connect_timeout : 5;
	db->read_timeout = conf->read_timeout ? conf->read_timeout : 30;
	db->write_timeout = conf->write_timeout ? conf->write_timeout : 30;
	if ((conf->host && *conf->host && !db->host) || (conf->user && *conf->user && !db->user) ||
	    (conf->password && *conf->password && !db->password)) {
		panel__db_close(db);
		return panel__error_oom();
	}
	if ((error = connect_server(db)) < 0) {
		panel__db_close(db);
		return error;
	}
	*out = db;
	return 0;
}

void panel__db_close(panel_db *db)
{
	if (!db)
		return;
	disconnect(db);
	panel__db_fetch_free(db);
	free(db->host);
	free(db->socket);
	free(db->user);
	if (db->password) {
		memset(db->password, 0, strlen(db->password));
		free(db->password);
	}
	free(db->database);
	free(db);
}

int panel__db_reconnect(panel_db *db)
{
	if (db->request_tx) { /* a new session would go on outside the request's transaction */
		db->request_broken = 1;
		return panel__error_db(PANEL_EUNAVAILABLE,
				       "database connection lost: the request was not applied");
	}
	if (db->keep_session)
		return panel__error_db(PANEL_EUNAVAILABLE,
				       "database connection lost: the request's Idempotency-Key"
				       " claim went with it");
	disconnect(db);
	return connect_server(db);
}

void panel__db_keep_session(panel_db *db, int on)
{
	db->keep_session = on;
}

int panel__db_ping(panel_db *db)
{
	if (db->mysql && mysql_ping(db->mysql) == 0)
		return 0;
	if (panel__db_reconnect(db) < 0)
		return panel_error_last()->code;
	if (mysql_ping(db->mysql) != 0)
		return fail_mysql(db);
	return 0;
}

unsigned panel__db_errno(const panel_db *db)
{
	return db->last_errno;
}

void panel__db_errno_reset(panel_db *db)
{
	db->last_errno = 0;
}

unsigned long panel__db_thread_id(panel_db *db)
{
	return db->mysql ? mysql_thread_id(db->mysql) : 0;
}

uint64_t panel__db_insert_id(panel_db *db)
{
	return db->mysql ? mysql_insert_id(db->mysql) : 0;
}

int panel__db_ensure_connected(panel_db *db)
{
	if (db->request_broken)
		return panel__error_db(
		    PANEL_EUNAVAILABLE,
		    "the request's transaction was lost: nothing of it was applied");
	if (db->mysql)
		return 0;
	return panel__error_db(PANEL_EUNAVAILABLE, "database unavailable: not connected");
}

/* FNV-1a over 8-byte words: statements of one module share long prefixes, which strcmp would
 * walk for every cached statement on every lookup; a read's statement is 800 bytes, hashed for
 * every execution (a byte at a time, 3% of panel-api's user time). The hash only picks the
 * candidate: strcmp decides. */
static uint64_t sql_hash(const char *sql)
{
	size_t len = strlen(sql), i = 0;
	uint64_t h = 14695981039346656037u ^ len, w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, sql + i, 8);
		h = (h ^ w) * 1099511628211u;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)sql[i]) * 1099511628211u;
	return h;
}

/* The prepared statement for sql, from the cache or newly prepared (least recently used one
 * evicted when the cache is full). */
static int statement(MYSQL_STMT **out, panel_db *db, const char *sql)
{
	struct cached_stmt *slot;
	MYSQL_STMT *st;
	my_bool update_max = 0;
	uint64_t hash;
	int error;

	if ((error = panel__db_ensure_connected(db)) < 0)
		return error;
	db->tick++;
	hash = sql_hash(sql);
	for (size_t i = 0; i < db->ncache; i++) {
		if (db->cache[i].hash == hash && strcmp(db->cache[i].sql, sql) == 0) {
			db->cache[i].used = db->tick;
			*out = db->cache[i].stmt;
			return 0;
		}
	}
	st = mysql_stmt_init(db->mysql);
	if (!st)
		return fail_mysql(db);
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		error = fail_stmt(db, st);
		mysql_stmt_close(st);
		return error;
	}
	if (db->ncache < PANEL_DB_STMT_CACHE) {
		slot = &db->cache[db->ncache++];
	} else {
		slot = &db->cache[0];
		for (size_t i = 1; i < db->ncache; i++)
			if (db->cache[i].used < slot->used)
				slot = &db->cache[i];
		mysql_stmt_close(slot->stmt);
		free(slot->sql);
	}
	slot->sql = strdup(sql);
	if (!slot->sql) {
		mysql_stmt_close(st);
		*slot = db->cache[--db->ncache];
		return panel__error_oom();
	}
	slot->stmt = st;
	slot->hash = hash;
	slot->used = db->tick;
	*out = st;
	return 0;
}

/* Binds params (their count must match the statement's) and executes. */
static int execute(panel_db *db, MYSQL_STMT *st, const panel_db_param *params, size_t nparams)
{
	MYSQL_BIND *binds = NULL, binds_here[16];
	unsigned long *lengths = NULL, lengths_here[16];
	int error = 0;

	if (mysql_stmt_param_count(st) != nparams)
		return panel__error(PANEL_ERROR, NULL,
				    "internal: statement expects %lu parameters, %zu given",
				    mysql_stmt_param_count(st), nparams);
	if (nparams) {
		/* On the stack for the usual few, allocated for the rare long ones. */
		if (nparams <= 16) {
			memset(binds_here, 0, nparams * sizeof(*binds));
			memset(lengths_here, 0, nparams * sizeof(*lengths));
			binds = binds_here;
			lengths = lengths_here;
		} else {
			binds = calloc(nparams, sizeof(*binds));
			lengths = calloc(nparams, sizeof(*lengths));
		}
		if (!binds || !lengths) {
			error = panel__error_oom();
			goto out;
		}
		for (size_t i = 0; i < nparams; i++) {
			const panel_db_param *p = &params[i];
			MYSQL_BIND *b = &binds[i];
			switch (p->type) {
			case PANEL_DBP_STR:
				if (!p->s) {
					b->buffer_type = MYSQL_TYPE_NULL;
					break;
				}
				lengths[i] = (unsigned long)strlen(p->s);
				b->buffer_type = MYSQL_TYPE_STRING;
				b->buffer = (void *)(uintptr_t)p->s;
				b->buffer_length = lengths[i];
				b->length = &lengths[i];
				break;
			case PANEL_DBP_I64:
				b->buffer_type = MYSQL_TYPE_LONGLONG;
				b->buffer = (void *)(uintptr_t)&p->i;
				break;
			case PANEL_DBP_U64:
				b->buffer_type = MYSQL_TYPE_LONGLONG;
				b->buffer = (void *)(uintptr_t)&p->u;
				b->is_unsigned = 1;
				break;
			case PANEL_DBP_NULL:
				b->buffer_type = MYSQL_TYPE_NULL;
				break;
			}
		}
		if (mysql_stmt_bind_param(st, binds) != 0) {
			error = fail_stmt(db, st);
			goto out;
		}
	}
	if (mysql_stmt_execute(st) != 0)
		error = fail_stmt(db, st);
out:
	if (binds != binds_here) {
		free(binds);
		free(lengths);
	}
	return error;
}

int panel__db_prepare_execute(MYSQL_STMT **out, panel_db *db, const char *sql,
			      const panel_db_param *params, size_t nparams)
{
	MYSQL_STMT *st = NULL;
	int error;

	*out = NULL;
	if (db->gate.fn) {
		panel_db_gate gate = panel__db_gate_take(db);
		if ((error = gate.fn(db, gate.arg)) < 0) {
			panel__db_gate_put(db, gate);
			return error;
		}
	}
	if ((error = statement(&st, db, sql)) < 0)
		return error;
	if ((error = execute(db, st, params, nparams)) < 0)
		return error;
	*out = st;
	return 0;
}

void panel__db_gate_put(panel_db *db, panel_db_gate gate)
{
	db->gate = gate;
}

panel_db_gate panel__db_gate_take(panel_db *db)
{
	panel_db_gate gate = db->gate;

	db->gate = (panel_db_gate){NULL, NULL};
	return gate;
}

int panel__db_exec(uint64_t *affected, panel_db *db, const char *sql, const panel_db_param *params,
		   size_t nparams)
{
	MYSQL_STMT *st;
	int error;

	if ((error = panel__db_prepare_execute(&st, db, sql, params, nparams)) < 0)
		return error;
	if (affected)
		*affected = (uint64_t)mysql_stmt_affected_rows(st);
	if (mysql_stmt_field_count(st) > 0)
		mysql_stmt_free_result(st);
	return 0;
}

/* The batch, once the multi-statement option is set. reopen: a connection found closed when
 * the option is set (nothing has run yet) is opened again once, outside a transaction, and the
 * batch sent on the new one. */
static int batch(size_t *failed_at, panel_db *db, const char *sql, size_t len, int reopen)
{
	size_t index = 1;
	int status, error = 0;

	if (failed_at)
		*failed_at = 0;
	for (int reconnected = 0;; reconnected = 1) {
		if ((error = panel__db_ensure_connected(db)) < 0)
			return error;
		if (mysql_set_server_option(db->mysql, MYSQL_OPTION_MULTI_STATEMENTS_ON) == 0)
			break;
		error = fail_mysql(db);
		if (!reopen || reconnected || db->in_tx || !panel__db_lost(db->last_errno))
			return error;
		if (panel__db_reconnect(db) < 0)
			return panel_error_last()->code;
		db->last_errno = 0;
		panel_error_clear();
	}
	if (mysql_real_query(db->mysql, sql, (unsigned long)len) != 0) {
		error = fail_mysql(db);
		goto out;
	}
	do {
		MYSQL_RES *res = mysql_store_result(db->mysql);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(db->mysql) != 0) {
			error = fail_mysql(db);
			goto out;
		}
		status = mysql_next_result(db->mysql);
		if (status > 0) {
			index++;
			error = fail_mysql(db);
			goto out;
		}
		if (status == 0)
			index++;
	} while (status == 0);
out:
	if (error < 0 && failed_at)
		*failed_at = index;
	if (db->mysql && !panel__db_lost(db->last_errno))
		mysql_set_server_option(db->mysql, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return error;
}

int panel__db_batch(size_t *failed_at, panel_db *db, const char *sql, size_t len)
{
	return batch(failed_at, db, sql, len, 0);
}

int panel__db_batch_reopen(size_t *failed_at, panel_db *db, const char *sql, size_t len)
{
	return batch(failed_at, db, sql, len, 1);
}
