/* The opt-in repair of the text a French AlternC 1.0 host stored twice encoded (see
 * panel_schema_repair_utf8 in panel/schema.h and sql/README.md, "Double-encoded text").
 *
 * AlternC 1.0's panel wrote over a latin1 connection into latin1 tables; its fr_FR pages are
 * UTF-8, so "Hervé" was stored as the bytes 48 65 72 76 C3 A9. Migration 0002's CONVERT TO
 * utf8mb4 read every byte as latin1: "HervÃ©". A value is re-read as UTF-8 when its latin1
 * form (MariaDB's latin1 is cp1252 with the five holes mapped to C1, so the round trip is
 * byte-exact) is well-formed UTF-8 that is not ASCII. A value with a character outside latin1
 * (written since in UTF-8), or whose latin1 bytes are not UTF-8 (real latin1 text, a lone C3),
 * is left as it is. Each changed value's before-value goes to panel_legacy_rows (reason
 * double_utf8:<column>) in the transaction that changes it; a value archived there is never
 * repaired again, so a second run changes nothing even for text that was encoded more than
 * twice. The dry run is the same walk without the writes, so it counts exactly what a run
 * would change. */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "handle.h"
#include "schema_internal.h"
#include "validate.h"

/* The free text AlternC 1.0's pages wrote and only panels read. Not the paths its cron reads
 * over a latin1 connection (db.bck_dir by sqlbackup.sh, stats2.folder by rawstat.daily): the
 * twice-encoded form is what gives that cron the bytes of the folder on disk. Not
 * variable.comment: no 1.0 page writes it. */
static const struct utf8_column {
	const char *table, *key, *column;
} columns[PANEL_SCHEMA_UTF8_COLUMNS] = {
    {"local", "uid", "nom"},	   /* m_admin add_mem / update_mem */
    {"local", "uid", "prenom"},	   /* the same */
    {"membres", "uid", "notes"},   /* the same */
    {"variable", "name", "value"}, /* adm_variables.php (variable_set, maybe serialized) */
    {"browser", "uid", "lastdir"}, /* m_bro (the file manager's last folder) */
    {"domaines_type", "name", "description"}, /* m_dom (adm_domstype) */
};

/* Well-formed UTF-8 as utf8mb4 stores it (no overlong form, surrogate, or code point above
 * U+10FFFF) with at least one byte >= 0x80; any ASCII byte is fine (notes hold newlines). */
static int utf8_not_ascii(const unsigned char *u, size_t len)
{
	int high = 0;

	for (size_t i = 0, n; i < len; i += n) {
		if (u[i] < 0x80) {
			n = 1;
			continue;
		}
		if (!(n = panel__utf8_sequence(u + i, len - i)))
			return 0;
		high = 1;
	}
	return high;
}

struct repair_ctx {
	int dry_run;
	panel_schema_utf8_report *report;
};

static int repair_column(panel_db *db, const struct utf8_column *c, int dry_run, uint64_t *changed)
{
	char select[1024], archive[512], update[256];
	panel_db_rows *rows;
	int error;

	/* Non-ASCII values made only of latin1 characters, not repaired before. The bytes of the
	 * latin1 form come back as a binary string, with their length (a NUL would cut the
	 * cell short: such a value is left alone). A conversion to latin1 never fails (a
	 * character outside it becomes '?', which the round trip then tells). */
	snprintf(select, sizeof(select),
		 "SELECT t.%2$s, CAST(CONVERT(t.%3$s USING latin1) AS BINARY),"
		 " LENGTH(CONVERT(t.%3$s USING latin1)) FROM %1$s t"
		 " WHERE CHAR_LENGTH(t.%3$s) <> LENGTH(t.%3$s)"
		 " AND CAST(CONVERT(CONVERT(t.%3$s USING latin1) USING utf8mb4) AS BINARY) ="
		 " CAST(t.%3$s AS BINARY)"
		 " AND NOT EXISTS (SELECT 1 FROM panel_legacy_rows l WHERE"
		 " l.source_table = '%1$s' AND l.reason = 'double_utf8:%3$s' AND"
		 " JSON_VALUE(l.row_data, '$.%2$s') = t.%2$s)"
		 " ORDER BY t.%2$s%4$s",
		 c->table, c->key, c->column, dry_run ? "" : " FOR UPDATE");
	snprintf(archive, sizeof(archive),
		 "INSERT INTO panel_legacy_rows (source_table, reason, row_data)"
		 " SELECT '%1$s', 'double_utf8:%3$s', JSON_OBJECT('%2$s', %2$s, '%3$s', %3$s)"
		 " FROM %1$s WHERE %2$s = ?",
		 c->table, c->key, c->column);
	snprintf(update, sizeof(update), "UPDATE %1$s SET %3$s = ? WHERE %2$s = ?", c->table,
		 c->key, c->column);

	*changed = 0;
	if ((error = panel__db_query(&rows, db, select, DB_NOARGS)) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		const char *key = panel__db_cell(rows, i, 0), *bytes = panel__db_cell(rows, i, 1);
		uint64_t len = 0;

		if (!key || !bytes || panel__db_cell_u64(&len, rows, i, 2) < 0 ||
		    strlen(bytes) != len ||
		    !utf8_not_ascii((const unsigned char *)bytes, (size_t)len))
			continue;
		if (!dry_run &&
		    ((error = panel__db_exec(NULL, db, archive, DB_ARGS(DB_STR(key)))) < 0 ||
		     (error = panel__db_exec(NULL, db, update,
					     DB_ARGS(DB_STR(bytes), DB_STR(key)))) < 0))
			break;
		(*changed)++;
	}
	panel__db_rows_free(rows);
	return error;
}

static int repair_body(panel_db *db, void *arg)
{
	struct repair_ctx *ctx = arg;
	int error;

	/* Run again after a deadlock: count from zero. */
	ctx->report->total = 0;
	for (size_t i = 0; i < PANEL_SCHEMA_UTF8_COLUMNS; i++) {
		panel_schema_utf8_column *r = &ctx->report->columns[i];

		snprintf(r->column, sizeof(r->column), "%s.%s", columns[i].table,
			 columns[i].column);
		if ((error = repair_column(db, &columns[i], ctx->dry_run, &r->changed)) < 0)
			return error;
		ctx->report->total += r->changed;
	}
	return 0;
}

int panel__schema_utf8_repair(panel_db *db, panel_schema_utf8_report *report, int dry_run)
{
	struct repair_ctx ctx = {dry_run, report};

	return panel__db_transaction(db, repair_body, &ctx);
}
