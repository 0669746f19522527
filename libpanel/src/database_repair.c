/* Repair of member databases and users: what the member server has without a row, and rows
 * whose database or user is gone, listed and optionally fixed (admins). */
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "database_internal.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "member_server.h"
#include "panel/database.h"

struct problems {
	panel_db_problem *items;
	size_t count, cap;
};

static int add(struct problems *list, const char *kind, const char *name, const char *problem,
	       const char *action)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		panel_db_problem *grown = realloc(list->items, cap * sizeof(*grown));
		if (!grown)
			return panel__error_oom();
		list->items = grown;
		list->cap = cap;
	}
	panel_db_problem *p = &list->items[list->count++];
	snprintf(p->kind, sizeof(p->kind), "%s", kind);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->problem, sizeof(p->problem), "%s", problem);
	snprintf(p->action, sizeof(p->action), "%s", action);
	return 0;
}

/* The account a server-side name belongs to: name == login, or name starts with login_. */
static int owner_of(uint64_t *uid, char login[PANEL_LOGIN_MAX + 1], panel_db *db, const char *name)
{
	panel_db_rows *rows;
	int error = panel__db_query(&rows, db,
				    "SELECT uid, login FROM membres WHERE login = ? OR"
				    " CONCAT(login, '_') = LEFT(?, CHAR_LENGTH(login) + 1)",
				    DB_ARGS(DB_STR(name), DB_STR(name)));

	*uid = 0;
	if (error < 0)
		return error;
	if (panel__db_rows_count(rows) == 1) {
		panel__db_cell_u64(uid, rows, 0, 0);
		snprintf(login, 17, "%s", panel__db_cell(rows, 0, 1));
	}
	panel__db_rows_free(rows);
	return 0;
}

struct repair_ctx {
	panel *p;
	const panel_actor *who;
	int fix;
	struct problems list;
};

/* What kind lists on the server: databases, or users of the members' host. */
static int server_names(panel_db_rows **out, panel *p, int users)
{
	panel_db *mdb;
	int error;

	if ((error = panel__member_db(&mdb, p)) < 0)
		return error;
	if (users)
		return panel__db_read(out, mdb, "SELECT User FROM mysql.user WHERE Host = ?",
				      DB_ARGS(DB_STR(panel__member_client_host(p))));
	return panel__db_read(out, mdb, "SELECT schema_name FROM information_schema.schemata",
			      DB_NOARGS);
}

static int repair_kind(struct repair_ctx *ctx, panel_db *db, int users)
{
	const char *kind = users ? "user" : "database";
	panel_db_rows *server, *rows;
	int error;

	if ((error = server_names(&server, ctx->p, users)) < 0)
		return error;
	/* On the server, named after an account, with no row. */
	for (size_t i = 0; i < panel__db_rows_count(server) && error == 0; i++) {
		const char *name = panel__db_cell(server, i, 0);
		uint64_t uid = 0, n = 0;
		char login[PANEL_LOGIN_MAX + 1] = "";
		if (!panel__member_name_safe(name) ||
		    (error = owner_of(&uid, login, db, name)) < 0 || !uid)
			continue;
		/* A user named like the login is AlternC 1.0's main user when the member's db rows
		 * carry its password: known, not an extra user. */
		if (users && strcmp(name, login) == 0)
			error = panel__db_query_u64(
			    &n, db,
			    "SELECT COUNT(*) FROM db WHERE uid = ? AND login = ? AND pass <> ''",
			    DB_ARGS(DB_U64(uid), DB_STR(name)));
		if (error < 0 || n)
			continue;
		error = panel__db_query_u64(&n, db,
					    users ? "SELECT COUNT(*) FROM dbusers WHERE name = ?"
						  : "SELECT COUNT(*) FROM db WHERE db = ?",
					    DB_ARGS(DB_STR(name)));
		if (error < 0 || n)
			continue;
		char action[80];
		snprintf(action, sizeof(action), "%s a row for account %s",
			 ctx->fix ? "added" : "add", login);
		if (ctx->fix)
			error =
			    users
				? panel__db_exec(NULL, db,
						 "INSERT INTO dbusers (uid, name) VALUES (?, ?)",
						 DB_ARGS(DB_U64(uid), DB_STR(name)))
				: panel__db_exec(NULL, db,
						 "INSERT INTO db (uid, login, pass, db, bck_mode)"
						 " VALUES (?, ?, '', ?, 0)",
						 DB_ARGS(DB_U64(uid), DB_STR(login), DB_STR(name)));
		if (error == 0)
			error = add(&ctx->list, kind, name, "no_row", action);
	}
	if (error < 0) {
		panel__db_rows_free(server);
		return error;
	}
	/* Rows whose database or user is gone. */
	error = panel__db_query(&rows, db,
				users ? "SELECT name FROM dbusers ORDER BY name"
				      : "SELECT db FROM db ORDER BY db",
				DB_NOARGS);
	for (size_t i = 0; error == 0 && i < panel__db_rows_count(rows); i++) {
		const char *name = panel__db_cell(rows, i, 0);
		int present = 0;
		for (size_t j = 0; !present && j < panel__db_rows_count(server); j++)
			present = strcmp(panel__db_cell(server, j, 0), name) == 0;
		if (present)
			continue;
		if (ctx->fix)
			error = users
				    ? panel__db_exec(NULL, db, "DELETE FROM dbusers WHERE name = ?",
						     DB_ARGS(DB_STR(name)))
				    : panel__db_exec(NULL, db, "DELETE FROM db WHERE db = ?",
						     DB_ARGS(DB_STR(name)));
		if (error == 0)
			error = add(&ctx->list, kind, name, "not_on_server",
				    ctx->fix ? "removed the row" : "remove the row");
	}
	if (error == 0)
		panel__db_rows_free(rows);
	panel__db_rows_free(server);
	return error;
}

static int repair_body(panel_db *db, void *arg)
{
	struct repair_ctx *ctx = arg;
	int error;

	ctx->list.count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = repair_kind(ctx, db, 0)) < 0 || (error = repair_kind(ctx, db, 1)) < 0)
		return error;
	if (ctx->fix && ctx->list.count)
		return panel__audit(db, ctx->who, "database.repair", "database", "*", 0, NULL,
				    json_pack("{s:i}", "fixed", (int)ctx->list.count));
	return 0;
}

int panel_database_repair(panel_db_problem_list **out, panel *p, const panel_actor *who, int fix)
{
	struct repair_ctx ctx = {.p = p, .who = who, .fix = fix != 0};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	/* Repair sees and changes every account's databases: the super admin's job. */
	if (!(who->kind == PANEL_ACTOR_SYSTEM || (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid &&
						  who->uid == PANEL_SUPER_ADMIN_UID)))
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only the super admin (or the system) repairs databases");
	if ((error = panel__db_transaction(p->db, repair_body, &ctx)) < 0) {
		free(ctx.list.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.list.items, ctx.list.count);
}

void panel_db_problem_list_free(panel_db_problem_list *list)
{
	PANEL__LIST_FREE(list);
}
