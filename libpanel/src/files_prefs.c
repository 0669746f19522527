/* A member's file manager preferences, AlternC 1.0's browser table (m_bro::GetPrefs, SetPrefs).
 * 1.0 inserted its defaults on the first read; here a read without a row answers the defaults
 * and writes nothing, and the row is made by the first set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/files.h"
#include "panel/json.h"
#include "validate.h"

void panel_file_prefs_defaults(panel_file_prefs *out)
{
	/* 1.0's GetPrefs insert; golastdir and lastdir keep the columns' defaults. */
	*out = (panel_file_prefs){.editsizex = 70, .editsizey = 21};
	snprintf(out->editor_font, sizeof(out->editor_font), "Arial, Helvetica, Sans-serif");
	snprintf(out->editor_size, sizeof(out->editor_size), "12px");
}

struct prefs_ctx {
	const panel_actor *who;
	const char *login;
	panel_file_prefs *out;	       /* read into */
	const panel_file_prefs *prefs; /* written from */
};

static unsigned cell_uint(const panel_db_rows *rows, size_t col)
{
	uint64_t v = 0;

	panel__db_cell_u64(&v, rows, 0, col);
	return (unsigned)v;
}

static int get_body(panel_db *db, void *arg)
{
	struct prefs_ctx *ctx = arg;
	panel_file_prefs *f = ctx->out;
	panel_db_rows *rows = NULL;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login, PANEL__AUTHZ_OBJECTS)) <
		0 ||
	    (error = panel__db_query(&rows, db,
				     "SELECT editsizex, editsizey, listmode, showicons, downfmt,"
				     " createfile, showtype, editor_font, editor_size, golastdir,"
				     " lastdir FROM browser WHERE uid = ?",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	panel_file_prefs_defaults(f);
	if (panel__db_rows_count(rows) == 1) {
		f->editsizex = cell_uint(rows, 0);
		f->editsizey = cell_uint(rows, 1);
		f->listmode = cell_uint(rows, 2);
		f->showicons = cell_uint(rows, 3) != 0;
		f->downfmt = cell_uint(rows, 4);
		f->createfile = cell_uint(rows, 5) != 0;
		f->showtype = cell_uint(rows, 6) != 0;
		snprintf(f->editor_font, sizeof(f->editor_font), "%s", panel__db_cell(rows, 0, 7));
		snprintf(f->editor_size, sizeof(f->editor_size), "%s", panel__db_cell(rows, 0, 8));
		f->golastdir = cell_uint(rows, 9) != 0;
		snprintf(f->lastdir, sizeof(f->lastdir), "%s", panel__db_cell(rows, 0, 10));
	}
	panel__db_rows_free(rows);
	return 0;
}

int panel_file_prefs_get(panel_file_prefs *out, panel *p, const panel_actor *who, const char *login)
{
	struct prefs_ctx ctx = {.who = who, .login = login, .out = out};
	int error;

	panel_file_prefs_defaults(out);
	if ((error = panel__enter(p, who)) < 0)
		return error;
	return panel__db_transaction(p->db, get_body, &ctx);
}

/* A lastdir: "" or a path of the space's form (components panel__fs_name_ok would take). */
static int lastdir_ok(const char *dir)
{
	if (!panel__printable(dir) || strstr(dir, "//") || strstr(dir, "/../") ||
	    strstr(dir, "/./"))
		return 0;
	for (const char *c = dir; *c; c++)
		if (c == dir || c[-1] == '/')
			if (*c == '-' || strncmp(c, "../", 3) == 0 || strcmp(c, "..") == 0 ||
			    strncmp(c, "./", 2) == 0 || strcmp(c, ".") == 0)
				return 0;
	return 1;
}

static int check_prefs(const panel_file_prefs *f)
{
	if (f->editsizex < 1 || f->editsizex > 1000)
		return panel__error(PANEL_EINVALID, "editsizex", "1 to 1000 columns");
	if (f->editsizey < 1 || f->editsizey > 1000)
		return panel__error(PANEL_EINVALID, "editsizey", "1 to 1000 lines");
	if (f->listmode > 2)
		return panel__error(PANEL_EINVALID, "listmode", "0, 1 or 2");
	if (f->downfmt > 3)
		return panel__error(PANEL_EINVALID, "downfmt",
				    "0 (tar.gz), 1 (tar.bz2), 2 (zip) or 3 (tar.Z)");
	if (!memchr(f->editor_font, '\0', sizeof(f->editor_font)) ||
	    !panel__printable(f->editor_font))
		return panel__error(PANEL_EINVALID, "editor_font",
				    "printable, 64 characters at most");
	if (!memchr(f->editor_size, '\0', sizeof(f->editor_size)) ||
	    !panel__printable(f->editor_size))
		return panel__error(PANEL_EINVALID, "editor_size",
				    "printable, 8 characters at most");
	if (!memchr(f->lastdir, '\0', sizeof(f->lastdir)) || !lastdir_ok(f->lastdir))
		return panel__error(
		    PANEL_EINVALID, "lastdir",
		    "a folder of the web space (no \"..\", 255 characters at most)");
	return 0;
}

static int set_body(panel_db *db, void *arg)
{
	struct prefs_ctx *ctx = arg;
	const panel_file_prefs *f = ctx->prefs;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login, PANEL__AUTHZ_OBJECTS)) <
		0 ||
	    (error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO browser (uid, editsizex, editsizey, listmode, showicons, downfmt,"
		 " createfile, showtype, editor_font, editor_size, golastdir, lastdir) VALUES (?, "
		 "?,"
		 " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE editsizex ="
		 " VALUES(editsizex), editsizey = VALUES(editsizey), listmode = VALUES(listmode),"
		 " showicons = VALUES(showicons), downfmt = VALUES(downfmt), createfile ="
		 " VALUES(createfile), showtype = VALUES(showtype), editor_font ="
		 " VALUES(editor_font), editor_size = VALUES(editor_size), golastdir ="
		 " VALUES(golastdir), lastdir = VALUES(lastdir)",
		 DB_ARGS(DB_U64(uid), DB_U64(f->editsizex), DB_U64(f->editsizey),
			 DB_U64(f->listmode), DB_U64(f->showicons != 0), DB_U64(f->downfmt),
			 DB_U64(f->createfile != 0), DB_U64(f->showtype != 0),
			 DB_STR(f->editor_font), DB_STR(f->editor_size), DB_U64(f->golastdir != 0),
			 DB_STR(f->lastdir)))) < 0)
		return error;
	return panel__audit(db, ctx->who, "file.prefs", "files", ctx->login, uid, NULL,
			    panel_file_prefs_to_json(f));
}

int panel_file_prefs_set(panel *p, const panel_actor *who, const char *login,
			 const panel_file_prefs *prefs)
{
	struct prefs_ctx ctx = {.who = who, .login = login, .prefs = prefs};
	int error;

	if ((error = panel__enter(p, who)) < 0 || (error = check_prefs(prefs)) < 0)
		return error;
	return panel__db_transaction(p->db, set_body, &ctx);
}
