/* The migration runner: applies the embedded sql/migrations in order, under a server-side
 * named lock, and records each one with its checksum in panel_schema_version. */
#include <mysqld_error.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "handle.h"
#include "migrations.h"
#include "schema_internal.h"

#define LOCK_NAME	  "panel_schema_migrate"
#define LOCK_WAIT_SECONDS 60
/* How long a statement of a migration waits for another session's lock on a table it alters
 * (lock_wait_timeout, a year by default). While an ALTER waits for a long query of AlternC
 * 1.0's cron, its PHP panel or a backup, every later query of that table waits behind it: the
 * panels would hang until the long query ends. After this long the migration stops instead
 * (it resumes when run again) and the queries held back go on. */
#define TABLE_LOCK_WAIT_SECONDS 5
#define STRINGIFY_(x)		STRINGIFY(x)
#define STRINGIFY(x)		#x

static const char create_version_table[] =
    "CREATE TABLE IF NOT EXISTS panel_schema_version ("
    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
    " name VARCHAR(128) NOT NULL,"
    " checksum CHAR(64) NOT NULL,"
    " applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

static void checksum_hex(char out[crypto_hash_sha256_BYTES * 2 + 1],
			 const struct panel__migration *m)
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)m->sql, m->len);
	sodium_bin2hex(out, crypto_hash_sha256_BYTES * 2 + 1, digest, sizeof(digest));
}

static int version_table_exists(int *exists, panel_db *db)
{
	uint64_t n = 0;
	int error = panel__db_query_u64(&n, db,
					"SELECT COUNT(*) FROM information_schema.tables"
					" WHERE table_schema = DATABASE() AND table_name = ?",
					DB_ARGS(DB_STR("panel_schema_version")));

	*exists = n > 0;
	return error;
}

/* Checks the applied versions against the shipped migrations; *current gets the highest. */
static int check_applied(unsigned *current, panel_db *db)
{
	panel_db_rows *rows;
	int error;

	*current = 0;
	if ((error = panel__db_query(&rows, db,
				     "SELECT version, checksum FROM panel_schema_version"
				     " ORDER BY version",
				     DB_NOARGS)) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		char expected[crypto_hash_sha256_BYTES * 2 + 1];
		const char *sum = panel__db_cell(rows, i, 1);
		uint64_t v;

		if ((error = panel__db_cell_u64(&v, rows, i, 0)) < 0)
			break;
		if (v != i + 1) {
			error = panel__error(PANEL_ECONFLICT, "schema",
					     "panel_schema_version has a gap before version %llu",
					     (unsigned long long)v);
			break;
		}
		if (v > panel__migrations_count) {
			error = panel__error(PANEL_ECONFLICT, "schema",
					     "the database is at schema version %zu, newer than "
					     "this libpanel (%zu): upgrade libpanel",
					     panel__db_rows_count(rows), panel__migrations_count);
			break;
		}
		checksum_hex(expected, &panel__migrations[v - 1]);
		if (!sum || strcmp(sum, expected) != 0) {
			error = panel__error(PANEL_ECONFLICT, "schema",
					     "migration %s was changed after it was applied",
					     panel__migrations[v - 1].name);
			break;
		}
		*current = (unsigned)v;
	}
	panel__db_rows_free(rows);
	return error;
}

int panel_schema_version(unsigned *current, unsigned *latest, panel *p)
{
	unsigned cur = 0;
	int exists, error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if ((error = version_table_exists(&exists, p->db)) < 0)
		return error;
	if (exists && (error = check_applied(&cur, p->db)) < 0)
		return error;
	if (current)
		*current = cur;
	if (latest)
		*latest = (unsigned)panel__migrations_count;
	return 0;
}

static int apply(panel_db *db, const struct panel__migration *m)
{
	char sum[crypto_hash_sha256_BYTES * 2 + 1];
	size_t failed_at;
	int error;

	if ((error = panel__db_batch(&failed_at, db, m->sql, m->len)) < 0) {
		const panel_error *e = panel_error_last();
		panel__error_saved saved;
		if (panel__db_errno(db) == ER_LOCK_WAIT_TIMEOUT)
			panel__error(
			    PANEL_EUNAVAILABLE, "schema",
			    "migration %s stopped at statement %zu: another session held "
			    "a table it changes for more than %d s (a long query or "
			    "transaction: AlternC 1.0's cron, its PHP panel, a backup), and "
			    "the queries behind it would have waited; run the migration "
			    "again (it resumes) when that session is done. %s",
			    m->name, failed_at, TABLE_LOCK_WAIT_SECONDS, e->message);
		else
			panel__error(e->code, "schema", "migration %s failed at statement %zu: %s",
				     m->name, failed_at, e->message);
		/* A fresh session: no half-done transaction of the file can be committed by a
		 * later statement, and no session setting of the file survives. */
		panel__error_save(&saved);
		panel__db_reconnect(db);
		return panel__error_restore(&saved);
	}
	checksum_hex(sum, m);
	return panel__db_exec(NULL, db,
			      "INSERT INTO panel_schema_version (version, name, checksum)"
			      " VALUES (?, ?, ?)",
			      DB_ARGS(DB_U64(m->version), DB_STR(m->name), DB_STR(sum)));
}

/* 0002 archives and deletes legacy rows: not without the administrator's say-so. */
static int confirm_legacy(panel_db *db, const struct panel__migration *m, unsigned flags)
{
	char report[1024];
	uint64_t total = 0;
	int error;

	if (m->version != 2 || (flags & PANEL_MIGRATE_ARCHIVE_LEGACY))
		return 0;
	if ((error = panel__schema_legacy_preview(report, sizeof(report), &total, db)) < 0)
		return error;
	if (!total)
		return 0;
	return panel__error(PANEL_ECONFLICT, "schema",
			    "migration %s stopped: it would move to panel_legacy_rows and delete "
			    "%s. To go on: --archive-legacy-rows (PANEL_MIGRATE_ARCHIVE_LEGACY)",
			    m->name, report);
}

/* *ro: 1 when the server is read-only (@@read_only), else 0. 0 or the error. */
static int read_only(uint64_t *ro, panel *p)
{
	return panel__db_query_u64(
	    ro, p->db, "SELECT CAST(@@GLOBAL.read_only AS CHAR) NOT IN ('0', 'OFF')", DB_NOARGS);
}

/* A read-only server is a replica (or a primary being switched over). A user with SUPER or
 * READ_ONLY ADMIN (root) would write there anyway: the migration's tables and the replica's own
 * GTIDs, which stop replication at the primary's next migration and break the next failover.
 * 0: writable; 1: read-only and already up to date (*current set), nothing to do; or the
 * error. */
static int refuse_read_only(unsigned *current, panel *p)
{
	uint64_t ro = 0;
	unsigned latest = 0;
	int error;

	if ((error = read_only(&ro, p)) < 0)
		return error;
	if (!ro)
		return 0;
	if ((error = panel_schema_version(current, &latest, p)) < 0)
		return error;
	if (*current == latest)
		return 1;
	return panel__error(PANEL_ECONFLICT, "schema",
			    "the database server is read-only (a replica, or a primary being "
			    "switched over) and the schema is at version %u of %u: migrate on the "
			    "primary (or through dbproxy), never on a replica",
			    *current, latest);
}

/* The schema lock (migrations and the repair of double-encoded text), asked one second at a
 * time: a single GET_LOCK(name, 60) outlived the client's read timeout (database.read_timeout,
 * 30 s by default), which dropped the connection and said "Lost connection to server during
 * query" instead of who holds the lock. 0 once held, or the error. */
static int take_lock(panel *p)
{
	uint64_t locked = 0;
	int error;

	for (int waited = 0; locked != 1 && waited < LOCK_WAIT_SECONDS; waited++)
		if ((error = panel__db_query_u64(&locked, p->db, "SELECT GET_LOCK(?, 1)",
						 DB_ARGS(DB_STR(LOCK_NAME)))) < 0)
			return error;
	if (locked != 1)
		return panel__error(PANEL_EUNAVAILABLE, "schema",
				    "another migration has held the schema lock for %d seconds",
				    LOCK_WAIT_SECONDS);
	return 0;
}

int panel_schema_migrate(unsigned *from, unsigned *to, panel *p, const panel_actor *who)
{
	return panel_schema_migrate_flags(from, to, p, who, 0);
}

int panel_schema_migrate_flags(unsigned *from, unsigned *to, panel *p, const panel_actor *who,
			       unsigned flags)
{
	unsigned current = 0;
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, "actor",
				    "only the system actor may migrate the schema");
	if ((error = take_lock(p)) < 0)
		return error;
	if ((error = refuse_read_only(&current, p)) != 0) {
		if (error > 0) { /* read-only and up to date: nothing to write */
			if (from)
				*from = current;
			if (to)
				*to = current;
			error = 0;
		}
		goto out;
	}
	if ((error = panel__db_exec(
		 NULL, p->db,
		 "SET SESSION lock_wait_timeout = " STRINGIFY_(TABLE_LOCK_WAIT_SECONDS),
		 DB_NOARGS)) < 0)
		goto out;
	if ((error = panel__db_batch(NULL, p->db, create_version_table,
				     sizeof(create_version_table) - 1)) < 0)
		goto out;
	if ((error = check_applied(&current, p->db)) < 0)
		goto out;
	if (from)
		*from = current;
	for (size_t i = current; i < panel__migrations_count; i++) {
		if ((error = confirm_legacy(p->db, &panel__migrations[i], flags)) < 0 ||
		    (error = apply(p->db, &panel__migrations[i])) < 0)
			break;
		current = panel__migrations[i].version;
	}
	if (to)
		*to = current;
	if (error < 0)
		goto out;
out:
	if (error < 0) {
		panel__error_saved saved;
		panel__error_save(&saved);
		panel__db_exec(NULL, p->db, "SET SESSION lock_wait_timeout = DEFAULT", DB_NOARGS);
		panel__db_exec(NULL, p->db, "DO RELEASE_LOCK(?)", DB_ARGS(DB_STR(LOCK_NAME)));
		return panel__error_restore(&saved);
	}
	error = panel__db_exec(NULL, p->db, "SET SESSION lock_wait_timeout = DEFAULT", DB_NOARGS);
	if (panel__db_exec(NULL, p->db, "DO RELEASE_LOCK(?)", DB_ARGS(DB_STR(LOCK_NAME))) < 0)
		return panel_error_last()->code;
	return error;
}

int panel_schema_repair_utf8(panel_schema_utf8_report *report, panel *p, const panel_actor *who,
			     unsigned flags)
{
	panel_schema_utf8_report local;
	unsigned current = 0;
	uint64_t ro = 0;
	int exists, error;

	if (!report)
		report = &local;
	memset(report, 0, sizeof(*report));
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, "actor",
				    "only the system actor may repair the schema's text");
	if ((error = take_lock(p)) < 0)
		return error;
	if ((error = version_table_exists(&exists, p->db)) >= 0 && exists)
		error = check_applied(&current, p->db);
	if (error >= 0 && current < 2)
		error = panel__error(PANEL_ECONFLICT, "schema",
				     "the database is at schema version %u: the repair of "
				     "double-encoded text needs version 2 (run: panelctl schema "
				     "migrate)",
				     current);
	/* On a read-only server (a replica), as a migration: a user who bypasses read_only (root)
	 * would write the replica's own GTIDs, and the values it changed would differ from the
	 * primary's. A dry run only reads. */
	if (error >= 0 && !(flags & PANEL_REPAIR_UTF8_DRY_RUN) &&
	    (error = read_only(&ro, p)) >= 0 && ro)
		error = panel__error(PANEL_ECONFLICT, "schema",
				     "the database server is read-only (a replica, or a primary "
				     "being switched over): repair on the primary (or through "
				     "dbproxy), never on a replica");
	if (error >= 0)
		error = panel__schema_utf8_repair(p->db, report,
						  (flags & PANEL_REPAIR_UTF8_DRY_RUN) != 0);
	if (error < 0) {
		panel__error_saved saved;
		memset(report, 0, sizeof(*report)); /* rolled back: nothing changed */
		panel__error_save(&saved);
		panel__db_exec(NULL, p->db, "DO RELEASE_LOCK(?)", DB_ARGS(DB_STR(LOCK_NAME)));
		return panel__error_restore(&saved);
	}
	return panel__db_exec(NULL, p->db, "DO RELEASE_LOCK(?)", DB_ARGS(DB_STR(LOCK_NAME)));
}
