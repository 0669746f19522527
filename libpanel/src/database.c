/* Members' databases (AlternC m_mysql, table db): CREATE DATABASE and DROP DATABASE on the
 * member server, kept consistent with the rows: a step that fails undoes the others. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "database_internal.h"
#include "error.h"
#include "handle.h"
#include "jobs_internal.h"
#include "list.h"
#include "member_server.h"
#include "panel/database.h"
#include "panel/json.h"
#include "quota_internal.h"

/* The account that will own the object: login, or the actor's subject, or an admin itself. */
int panel__database_owner(panel_account **out, panel_db *db, const panel_actor *who,
			  const char *login)
{
	uint32_t uid = panel_actor_subject(who);
	int error;

	*out = NULL;
	if (login && (error = panel__authz_account(&uid, db, who, login, PANEL__AUTHZ_OBJECTS)) < 0)
		return error;
	if (!uid && who->kind == PANEL_ACTOR_ADMIN)
		uid = who->uid;
	if (!uid)
		return panel__error(PANEL_EINVALID, "login", "say which account owns it");
	return panel__account_load(out, db, uid);
}

static uint64_t server_size(panel *p, const char *name)
{
	panel_db *mdb;
	uint64_t size = 0;

	if (panel__member_db(&mdb, p) == 0)
		panel__db_read_u64(&size, mdb,
				   "SELECT COALESCE(SUM(data_length + index_length), 0) FROM"
				   " information_schema.tables WHERE table_schema = ?",
				   DB_ARGS(DB_STR(name)));
	return size;
}

int panel__database_exists_on_server(int *exists, panel *p, const char *name)
{
	panel_db *mdb;
	uint64_t n = 0;
	int error;

	if ((error = panel__member_db(&mdb, p)) < 0 ||
	    (error = panel__db_read_u64(&n, mdb,
					"SELECT COUNT(*) FROM information_schema.schemata WHERE"
					" schema_name = ?",
					DB_ARGS(DB_STR(name)))) < 0)
		return error;
	*exists = n > 0;
	return 0;
}

/* ---------------------------------------------------------------- AlternC 1.0's main user */

/* AlternC 1.0 gives a member one main MySQL user named like its login, with all rights on each
 * of its databases, and keeps that user's password in clear in every db row of the member
 * (db.pass, read by 1.0's phpMyAdmin single sign-on, restore and detail pages). A member has
 * one when a db row of its carries a password and the server has the user: *pass gets it
 * (allocated, NULL when none). */
int panel__main_user(char **pass, panel *p, panel_db *db, uint32_t uid, const char *login)
{
	panel_db_rows *rows;
	panel_db *mdb;
	uint64_t n = 0;
	int error;

	*pass = NULL;
	if ((error =
		 panel__db_query(&rows, db,
				 "SELECT pass FROM db WHERE uid = ? AND login = ? AND pass <> ''"
				 " LIMIT 1",
				 DB_ARGS(DB_U64(uid), DB_STR(login)))) < 0)
		return error;
	const char *v = panel__db_cell(rows, 0, 0);
	char *copy = v ? strdup(v) : NULL;
	panel__db_rows_free(rows);
	if (v && !copy)
		return panel__error_oom();
	if (!copy)
		return 0;
	if ((error = panel__member_db(&mdb, p)) < 0 ||
	    (error = panel__db_read_u64(
		 &n, mdb, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?",
		 DB_ARGS(DB_STR(login), DB_STR(panel__member_client_host(p))))) < 0 ||
	    !n || !panel__member_name_safe(login)) {
		free(copy);
		return error;
	}
	*pass = copy;
	return 0;
}

/* ---------------------------------------------------------------- create */

struct create_ctx {
	panel *p;
	const panel_actor *who;
	const char *login, *suffix;
	char name[65];
	int created; /* CREATE DATABASE ran (in this or an earlier run of the body) */
	char main_user[PANEL_LOGIN_MAX + 1]; /* granted on it (1.0's main user), or "" */
	panel_database result;
};

static int create_body(panel_db *db, void *arg)
{
	struct create_ctx *ctx = arg;
	panel_account *owner = NULL;
	char *main_pass = NULL;
	int error, exists = 0;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	if ((error = panel__member_name(ctx->name, sizeof(ctx->name), owner->login, ctx->suffix,
					64)) < 0 ||
	    (error = panel__quota_reserve(db, owner->uid, "mysql")) < 0 ||
	    (error = panel__main_user(&main_pass, ctx->p, db, owner->uid, owner->login)) < 0)
		goto out;
	/* db.pass: the main user's password on every row of the member, as 1.0 keeps it. */
	error = panel__db_exec(
	    NULL, db, "INSERT INTO db (uid, login, pass, db, bck_mode) VALUES (?, ?, ?, ?, 0)",
	    DB_ARGS(DB_U64(owner->uid), DB_STR(owner->login), DB_STR(main_pass ? main_pass : ""),
		    DB_STR(ctx->name)));
	if (error == PANEL_EEXISTS)
		error = panel__error(PANEL_EEXISTS, "suffix", "the database %s exists", ctx->name);
	if (error < 0)
		goto out;
	if (!ctx->created) {
		if ((error = panel__database_exists_on_server(&exists, ctx->p, ctx->name)) < 0)
			goto out;
		if (exists) {
			error =
			    panel__error(PANEL_EEXISTS, "suffix",
					 "a database %s exists on the server without its row: an "
					 "administrator can repair it",
					 ctx->name);
			goto out;
		}
		if ((error = panel__member_ddl(ctx->p,
					       "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE"
					       " utf8mb4_unicode_ci",
					       ctx->name)) < 0) {
			/* Its answer lost (a failover, a cut link), it may have run: dropped now,
			 * while the row's lock keeps another creation of the name waiting. A
			 * refusal (the name taken meanwhile) ran nothing: nothing to drop. */
			if (error == PANEL_EUNAVAILABLE)
				panel__member_undo(ctx->p, "DROP DATABASE IF EXISTS `%s`",
						   ctx->name);
			goto out;
		}
		ctx->created = 1;
	}
	if (main_pass && !ctx->main_user[0]) {
		char esc[140];
		panel__grant_db_name(esc, sizeof(esc), ctx->name);
		/* Recorded first: a failure after the GRANT statement is undone too. */
		snprintf(ctx->main_user, sizeof(ctx->main_user), "%s", owner->login);
		if ((error = panel__member_ddl(
			 ctx->p, "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%s'", esc, owner->login,
			 panel__member_client_host(ctx->p))) < 0)
			goto out;
	}
	memset(&ctx->result, 0, sizeof(ctx->result));
	snprintf(ctx->result.name, sizeof(ctx->result.name), "%s", ctx->name);
	snprintf(ctx->result.login, sizeof(ctx->result.login), "%s", owner->login);
	ctx->result.uid = owner->uid;
	error = panel__audit(db, ctx->who, "database.create", "database", ctx->name, owner->uid,
			     NULL, panel_database_to_json(&ctx->result));
out:
	if (main_pass)
		sodium_memzero(main_pass, strlen(main_pass));
	free(main_pass);
	panel_account_free(owner);
	return error;
}

int panel_database_create(panel_database **out, panel *p, const panel_actor *who, const char *login,
			  const char *suffix)
{
	struct create_ctx ctx = {.p = p, .who = who, .login = login, .suffix = suffix};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	error = panel__db_transaction(p->db, create_body, &ctx);
	if (error < 0) {
		/* The rows rolled back: the server must forget the database too. */
		if (ctx.main_user[0]) {
			char esc[140];
			panel__grant_db_name(esc, sizeof(esc), ctx.name);
			panel__member_undo(p, "REVOKE ALL PRIVILEGES ON `%s`.* FROM '%s'@'%s'", esc,
					   ctx.main_user, panel__member_client_host(p));
		}
		if (ctx.created)
			panel__member_undo(p, "DROP DATABASE IF EXISTS `%s`", ctx.name);
		return error;
	}
	*out = malloc(sizeof(**out));
	if (!*out)
		return panel__error_oom();
	**out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- get, list */

/* The database name, if who may see it: its row's owner. */
int panel__database_owned(uint32_t *uid, char login[PANEL_LOGIN_MAX + 1], panel_db *db,
			  const panel_actor *who, const char *name, int lock)
{
	panel_db_rows *rows;
	uint64_t u = 0;
	int error;

	if (!name || !panel__member_name_safe(name) || strlen(name) > 64)
		return panel__error(PANEL_ENOTFOUND, "name", "no such database");
	if ((error =
		 panel__db_query(&rows, db,
				 lock ? "SELECT d.uid, COALESCE(m.login, d.login) FROM db d LEFT"
					" JOIN membres m ON m.uid = d.uid WHERE d.db = ? FOR UPDATE"
				      : "SELECT d.uid, COALESCE(m.login, d.login) FROM db d LEFT"
					" JOIN membres m ON m.uid = d.uid WHERE d.db = ?",
				 DB_ARGS(DB_STR(name)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "name", "no such database");
	}
	panel__db_cell_u64(&u, rows, 0, 0);
	if (login)
		snprintf(login, 17, "%s", panel__db_cell(rows, 0, 1));
	panel__db_rows_free(rows);
	if ((error = panel__authz_owner(db, who, (uint32_t)u, "name", "database")) < 0)
		return error;
	*uid = (uint32_t)u;
	return 0;
}

struct read_ctx {
	panel *p;
	const panel_actor *who;
	const char *name, *login;
	panel_database *items;
	size_t count;
};

static int get_body(panel_db *db, void *arg)
{
	struct read_ctx *ctx = arg;
	uint32_t uid;
	char login[PANEL_LOGIN_MAX + 1];
	int error;

	free(ctx->items);
	ctx->items = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owned(&uid, login, db, ctx->who, ctx->name, 0)) < 0)
		return error;
	if (!(ctx->items = calloc(1, sizeof(*ctx->items))))
		return panel__error_oom();
	snprintf(ctx->items->name, sizeof(ctx->items->name), "%s", ctx->name);
	snprintf(ctx->items->login, sizeof(ctx->items->login), "%s", login);
	ctx->items->uid = uid;
	ctx->count = 1;
	return panel__database_backup_read(ctx->items, db);
}

static int list_body(panel_db *db, void *arg)
{
	struct read_ctx *ctx = arg;
	panel_account *owner = NULL;
	panel_db_rows *rows;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	error = panel__db_query(
	    &rows, db, "SELECT db, " PANEL_BACKUP_COLUMNS " FROM db WHERE uid = ? ORDER BY db",
	    DB_ARGS(DB_U64(owner->uid)));
	if (error < 0) {
		panel_account_free(owner);
		return error;
	}
	size_t n = panel__db_rows_count(rows);
	ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
	for (size_t i = 0; ctx->items && i < n; i++) {
		snprintf(ctx->items[i].name, sizeof(ctx->items[i].name), "%s",
			 panel__db_cell(rows, i, 0));
		snprintf(ctx->items[i].login, sizeof(ctx->items[i].login), "%s", owner->login);
		ctx->items[i].uid = owner->uid;
		panel__database_backup_parse(&ctx->items[i], rows, i, 1);
	}
	ctx->count = ctx->items ? n : 0;
	panel__db_rows_free(rows);
	panel_account_free(owner);
	return n && !ctx->items ? panel__error_oom() : 0;
}

/* Sizes come from the server, outside the panel's transaction; AlternC's size_db keeps them. */
static void fill_sizes(panel *p, panel_database *items, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		items[i].size = server_size(p, items[i].name);
		panel__db_exec(
		    NULL, p->db,
		    "INSERT INTO size_db (db, size) VALUES (?, ?) ON DUPLICATE KEY UPDATE"
		    " size = VALUES(size)",
		    DB_ARGS(DB_STR(items[i].name), DB_U64(items[i].size)));
	}
}

int panel_database_get(panel_database **out, panel *p, const panel_actor *who, const char *name)
{
	struct read_ctx ctx = {.p = p, .who = who, .name = name};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, get_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	fill_sizes(p, ctx.items, 1);
	*out = ctx.items;
	return 0;
}

int panel_database_list_get(panel_database_list **out, panel *p, const panel_actor *who,
			    const char *login)
{
	struct read_ctx ctx = {.p = p, .who = who, .login = login};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	fill_sizes(p, ctx.items, ctx.count);
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

/* ---------------------------------------------------------------- delete */

int panel__database_main_login(char login[PANEL_LOGIN_MAX + 1], panel *p, panel_db *db,
			       uint32_t uid, const char *name)
{
	char *main_pass = NULL;
	panel_db_rows *rows;
	int error;

	login[0] = '\0';
	if ((error = panel__db_query(&rows, db, "SELECT login FROM db WHERE db = ?",
				     DB_ARGS(DB_STR(name)))) < 0)
		return error;
	if (panel__db_cell(rows, 0, 0))
		snprintf(login, PANEL_LOGIN_MAX + 1, "%s", panel__db_cell(rows, 0, 0));
	panel__db_rows_free(rows);
	if (login[0] && (error = panel__main_user(&main_pass, p, db, uid, login)) < 0)
		return error;
	if (!main_pass)
		login[0] = '\0';
	else
		sodium_memzero(main_pass, strlen(main_pass));
	free(main_pass);
	return 0;
}

int panel__database_rows_drop(panel_db *db, const char *name)
{
	int error;

	if ((error = panel__db_exec(NULL, db, "DELETE FROM db WHERE db = ?",
				    DB_ARGS(DB_STR(name)))) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM size_db WHERE db = ?",
				    DB_ARGS(DB_STR(name)))) < 0)
		return error;
	return panel__db_exec(NULL, db, "DELETE FROM panel_dumps WHERE db = ?",
			      DB_ARGS(DB_STR(name)));
}

int panel__database_revoke(panel *p, const char *name, const panel_db_rows *users,
			   const char *main_login)
{
	char esc[140];
	int error;

	/* The owner's users lose their rights on it (grants outlive a dropped database). */
	panel__grant_db_name(esc, sizeof(esc), name);
	for (size_t i = 0; i < panel__db_rows_count(users); i++) {
		const char *user = panel__db_cell(users, i, 0);
		if (panel__member_name_safe(user))
			panel__member_ddl(p, "REVOKE ALL PRIVILEGES ON `%s`.* FROM '%s'@'%s'", esc,
					  user, panel__member_client_host(p));
	}
	if ((error = panel__restore_account_drop(p, name)) < 0)
		return error;
	if (main_login[0]) {
		/* 1141 "no such grant" (a database it had no rights on) is not an error: it
		 * refused the deletion, after the users' REVOKEs above. */
		panel_db *mdb;
		if ((error = panel__member_ddl(p, "REVOKE ALL PRIVILEGES ON `%s`.* FROM '%s'@'%s'",
					       esc, main_login, panel__member_client_host(p))) <
			0 &&
		    (panel__member_db(&mdb, p) < 0 || panel__db_errno(mdb) != 1141))
			return error;
	}
	return 0;
}

int panel__database_drop(panel *p, panel_db *db, uint32_t uid, const char *name)
{
	char login[PANEL_LOGIN_MAX + 1];
	panel_db_rows *users;
	uint64_t left = 0;
	int error;

	/* 1.0's main user: loses its rights on it, and goes with the member's last database. */
	if ((error = panel__database_main_login(login, p, db, uid, name)) < 0)
		return error;
	/* The rows before any change on the server: a refused DELETE leaves the server as it was
	 * (the users' rights, revoked first, stayed revoked on a database that stayed). */
	if ((error = panel__database_rows_drop(db, name)) < 0 ||
	    (error = panel__db_query(&users, db, "SELECT name FROM dbusers WHERE uid = ?",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	error = panel__database_revoke(p, name, users, login);
	panel__db_rows_free(users);
	if (error < 0)
		return error;
	if (login[0]) {
		if ((error = panel__db_query_u64(&left, db, "SELECT COUNT(*) FROM db WHERE uid = ?",
						 DB_ARGS(DB_U64(uid)))) < 0)
			return error;
		if (left == 0 && (error = panel__member_drop_user(p, login)) < 0)
			return error;
	}
	/* Last: if it fails, the transaction rolls the rows back and nothing is lost. */
	return panel__member_ddl(p, "DROP DATABASE IF EXISTS `%s`", name);
}

struct delete_ctx {
	panel *p;
	const panel_actor *who;
	const char *name;
};

static int delete_body(panel_db *db, void *arg)
{
	struct delete_ctx *ctx = arg;
	panel_database before = {0};
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owned(&uid, before.login, db, ctx->who, ctx->name, 1)) < 0)
		return error;
	snprintf(before.name, sizeof(before.name), "%s", ctx->name);
	before.uid = uid;
	if ((error = panel__audit(db, ctx->who, "database.delete", "database", ctx->name, uid,
				  panel_database_to_json(&before), NULL)) < 0)
		return error;
	return panel__database_drop(ctx->p, db, uid, ctx->name);
}

int panel_database_delete(panel *p, const panel_actor *who, const char *name)
{
	struct delete_ctx ctx = {p, who, name};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	return panel__db_transaction(p->db, delete_body, &ctx);
}

void panel_database_free(panel_database *db)
{
	free(db);
}

void panel_database_list_free(panel_database_list *list)
{
	PANEL__LIST_FREE(list);
}
