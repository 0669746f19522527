/* A member database's backup settings (AlternC's put_mysql_backup): the db table's bck_mode,
 * bck_history, bck_gzip and bck_dir columns, read by 1.0's sqlbackup.sh, which dumps the
 * databases whose bck_mode is 1 on its weekly run and 2 on its daily run into bck_dir and
 * keeps bck_history dumps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "database_internal.h"
#include "error.h"
#include "handle.h"
#include "panel/database.h"
#include "panel/json.h"
#include "web_folder.h"

void panel__database_backup_parse(panel_database *d, const panel_db_rows *rows, size_t row,
				  size_t col)
{
	uint64_t v = 0;

	panel__db_cell_u64(&v, rows, row, col);
	d->backup_mode = (unsigned)v;
	v = 0;
	panel__db_cell_u64(&v, rows, row, col + 1);
	d->backup_history = (unsigned)v;
	v = 0;
	panel__db_cell_u64(&v, rows, row, col + 2);
	d->backup_gzip = v != 0;
	const char *dir = panel__db_cell(rows, row, col + 3);
	snprintf(d->backup_dir, sizeof(d->backup_dir), "%s", dir ? dir : "");
}

int panel__database_backup_read(panel_database *d, panel_db *db)
{
	panel_db_rows *rows;
	int error;

	if ((error =
		 panel__db_query(&rows, db, "SELECT " PANEL_BACKUP_COLUMNS " FROM db WHERE db = ?",
				 DB_ARGS(DB_STR(d->name)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 1)
		panel__database_backup_parse(d, rows, 0, 0);
	panel__db_rows_free(rows);
	return 0;
}

struct backup_ctx {
	panel *p;
	const panel_actor *who;
	const char *name, *dir;
	unsigned mode, history;
	int gzip;
	panel_database *result;
};

static int backup_body(panel_db *db, void *arg)
{
	struct backup_ctx *ctx = arg;
	char login[PANEL_LOGIN_MAX + 1], dir[256] = "";
	panel_database before = {0};
	uint32_t uid;
	int error;

	panel_database_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owned(&uid, login, db, ctx->who, ctx->name, 1)) < 0)
		return error;
	snprintf(before.name, sizeof(before.name), "%s", ctx->name);
	snprintf(before.login, sizeof(before.login), "%s", login);
	before.uid = uid;
	if ((error = panel__database_backup_read(&before, db)) < 0)
		return error;
	if (ctx->dir)
		error = panel__web_folder(dir, sizeof(dir), ctx->p, login, ctx->dir, "dir");
	else if (before.backup_dir[0])
		snprintf(dir, sizeof(dir), "%s", before.backup_dir);
	else
		error = panel__web_folder(dir, sizeof(dir), ctx->p, login, "backups", "dir");
	if (error < 0)
		return error;
	if ((error = panel__db_exec(NULL, db,
				    "UPDATE db SET bck_mode = ?, bck_history = ?, bck_gzip = ?,"
				    " bck_dir = ? WHERE db = ?",
				    DB_ARGS(DB_U64(ctx->mode), DB_U64(ctx->history),
					    DB_U64(ctx->gzip ? 1 : 0), DB_STR(dir),
					    DB_STR(ctx->name)))) < 0)
		return error;
	/* The audit trail's after-image. */
	if (!(ctx->result = calloc(1, sizeof(*ctx->result))))
		return panel__error_oom();
	*ctx->result = before;
	ctx->result->backup_mode = ctx->mode;
	ctx->result->backup_history = ctx->history;
	ctx->result->backup_gzip = ctx->gzip ? 1 : 0;
	snprintf(ctx->result->backup_dir, sizeof(ctx->result->backup_dir), "%s", dir);
	return panel__audit(db, ctx->who, "database.backup", "database", ctx->name, uid,
			    panel_database_to_json(&before), panel_database_to_json(ctx->result));
}

int panel_database_backup_set(panel_database **out, panel *p, const panel_actor *who,
			      const char *name, unsigned mode, unsigned history, int gzip,
			      const char *dir)
{
	struct backup_ctx ctx = {.p = p,
				 .who = who,
				 .name = name,
				 .dir = dir,
				 .mode = mode,
				 .history = history,
				 .gzip = gzip};
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (mode > PANEL_BACKUP_DAILY)
		return panel__error(PANEL_EINVALID, "mode", "none (0), weekly (1) or daily (2)");
	if (history > 255 || (mode != PANEL_BACKUP_NONE && history == 0))
		return panel__error(PANEL_EINVALID, "history",
				    "the number of dumps kept: 1 to 255");
	error = panel__db_transaction(p->db, backup_body, &ctx);
	panel_database_free(ctx.result);
	if (error < 0)
		return error;
	/* The database as a read shows it, its size from the server included. */
	return out ? panel_database_get(out, p, who, name) : 0;
}
