/* Members' database users (AlternC dbusers) and their rights per database: CREATE USER, ALTER
 * USER, DROP USER and GRANT on the member server, rights read back from its grant tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "database_internal.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "member_server.h"
#include "panel/database.h"
#include "panel/json.h"
#include "policy_internal.h"
#include "quota_internal.h"

/* The rights, their SQL names and their columns in mysql.db, in bit order. */
static const struct {
	const char *name, *column;
} rights[PANEL_DBRIGHT_COUNT] = {
    {"SELECT", "Select_priv"},
    {"INSERT", "Insert_priv"},
    {"UPDATE", "Update_priv"},
    {"DELETE", "Delete_priv"},
    {"CREATE", "Create_priv"},
    {"DROP", "Drop_priv"},
    {"ALTER", "Alter_priv"},
    {"INDEX", "Index_priv"},
    {"CREATE TEMPORARY TABLES", "Create_tmp_table_priv"},
    {"LOCK TABLES", "Lock_tables_priv"},
    {"CREATE VIEW", "Create_view_priv"},
    {"SHOW VIEW", "Show_view_priv"},
    {"CREATE ROUTINE", "Create_routine_priv"},
    {"ALTER ROUTINE", "Alter_routine_priv"},
    {"EXECUTE", "Execute_priv"},
    {"EVENT", "Event_priv"},
    {"TRIGGER", "Trigger_priv"},
};

const char *panel_dbright_name(unsigned i)
{
	return i < PANEL_DBRIGHT_COUNT ? rights[i].name : NULL;
}

unsigned panel_dbright_parse(const char *name)
{
	for (unsigned i = 0; name && i < PANEL_DBRIGHT_COUNT; i++)
		if (strcasecmp(name, rights[i].name) == 0)
			return 1u << i;
	return 0;
}

/* The server's own hash of a password ('*' + 40 hex digits), computed there with the password
 * bound as a parameter: it never appears in a statement's text. */
static int server_hash(char out[42], panel *p, const char *password)
{
	panel_db_rows *rows;
	panel_db *mdb;
	int error;

	if ((error = panel__member_db(&mdb, p)) < 0 ||
	    (error = panel__db_read(&rows, mdb, "SELECT PASSWORD(?)", DB_ARGS(DB_STR(password)))) <
		0)
		return error;
	const char *h = panel__db_cell(rows, 0, 0);
	int ok = h && strlen(h) == 41 && h[0] == '*' && strspn(h + 1, "0123456789ABCDEF") == 40;
	if (ok)
		memcpy(out, h, 42);
	panel__db_rows_free(rows);
	return ok ? 0 : panel__error(PANEL_ERROR, NULL, "the server returned no password hash");
}

/* An account of that user name at any host: one made by hand for another host (a replication
 * or monitoring account) must not be shadowed by a member's user of the same name. */
static int user_exists_on_server(int *exists, panel *p, const char *name)
{
	panel_db *mdb;
	uint64_t n = 0;
	int error;

	if ((error = panel__member_db(&mdb, p)) < 0 ||
	    (error = panel__db_read_u64(&n, mdb, "SELECT COUNT(*) FROM mysql.user WHERE User = ?",
					DB_ARGS(DB_STR(name)))) < 0)
		return error;
	*exists = n > 0;
	return 0;
}

/* ---------------------------------------------------------------- create */

struct create_ctx {
	panel *p;
	const panel_actor *who;
	const char *login, *suffix, *password;
	char name[81];
	int created;
	panel_dbuser result;
};

static int create_body(panel_db *db, void *arg)
{
	struct create_ctx *ctx = arg;
	panel_account *owner = NULL;
	char hash[42];
	int error, exists = 0;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	if ((error = panel__member_name(ctx->name, sizeof(ctx->name), owner->login, ctx->suffix,
					80)) < 0 ||
	    (error = panel__quota_reserve(db, owner->uid, "mysql_users")) < 0 ||
	    (error = panel__policy_check(ctx->p, db, "mysql", ctx->name, ctx->password)) < 0)
		goto out;
	error = panel__db_exec(NULL, db, "INSERT INTO dbusers (uid, name) VALUES (?, ?)",
			       DB_ARGS(DB_U64(owner->uid), DB_STR(ctx->name)));
	if (error == PANEL_EEXISTS)
		error = panel__error(PANEL_EEXISTS, "suffix", "the user %s exists", ctx->name);
	if (error < 0)
		goto out;
	if (!ctx->created) {
		if ((error = user_exists_on_server(&exists, ctx->p, ctx->name)) < 0)
			goto out;
		if (exists) {
			error =
			    panel__error(PANEL_EEXISTS, "suffix",
					 "an account %s exists on the database server without "
					 "its row (made by hand, or a leftover an administrator "
					 "can repair)",
					 ctx->name);
			goto out;
		}
		if ((error = server_hash(hash, ctx->p, ctx->password)) < 0)
			goto out;
		if ((error = panel__member_ddl(
			 ctx->p, "CREATE USER '%s'@'%s' IDENTIFIED BY PASSWORD '%s'", ctx->name,
			 panel__member_client_host(ctx->p), hash)) < 0) {
			/* Its answer lost, it may have run: dropped now, under the row's lock. */
			if (error == PANEL_EUNAVAILABLE)
				panel__member_undo(ctx->p, "DROP USER IF EXISTS '%s'@'%s'",
						   ctx->name, panel__member_client_host(ctx->p));
			goto out;
		}
		ctx->created = 1;
	}
	memset(&ctx->result, 0, sizeof(ctx->result));
	snprintf(ctx->result.name, sizeof(ctx->result.name), "%s", ctx->name);
	snprintf(ctx->result.login, sizeof(ctx->result.login), "%s", owner->login);
	ctx->result.uid = owner->uid;
	error = panel__audit(db, ctx->who, "dbuser.create", "dbuser", ctx->name, owner->uid, NULL,
			     panel_dbuser_to_json(&ctx->result));
out:
	panel_account_free(owner);
	return error;
}

int panel_dbuser_create(panel_dbuser **out, panel *p, const panel_actor *who, const char *login,
			const char *suffix, const char *password)
{
	struct create_ctx ctx = {
	    .p = p, .who = who, .login = login, .suffix = suffix, .password = password};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is required");
	if ((error = panel__db_transaction(p->db, create_body, &ctx)) < 0) {
		if (ctx.created)
			panel__member_undo(p, "DROP USER IF EXISTS '%s'@'%s'", ctx.name,
					   panel__member_client_host(p));
		return error;
	}
	*out = malloc(sizeof(**out));
	if (!*out)
		return panel__error_oom();
	**out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- one user */

static int owned_user(uint32_t *uid, char login[PANEL_LOGIN_MAX + 1], panel_db *db,
		      const panel_actor *who, const char *name, int lock)
{
	panel_db_rows *rows;
	uint64_t u = 0;
	int error;

	if (!name || !panel__member_name_safe(name) || strlen(name) > 80)
		return panel__error(PANEL_ENOTFOUND, "name", "no such database user");
	if ((error =
		 panel__db_query(&rows, db,
				 lock ? "SELECT u.uid, COALESCE(m.login, '') FROM dbusers u LEFT"
					" JOIN membres m ON m.uid = u.uid WHERE u.name = ? FOR"
					" UPDATE"
				      : "SELECT u.uid, COALESCE(m.login, '') FROM dbusers u LEFT"
					" JOIN membres m ON m.uid = u.uid WHERE u.name = ?",
				 DB_ARGS(DB_STR(name)))) < 0)
		return error;
	int found = panel__db_rows_count(rows) == 1;
	if (found) {
		panel__db_cell_u64(&u, rows, 0, 0);
		if (login)
			snprintf(login, 17, "%s", panel__db_cell(rows, 0, 1));
	}
	panel__db_rows_free(rows);
	if (!found)
		return panel__error(PANEL_ENOTFOUND, "name", "no such database user");
	if ((error = panel__authz_owner(db, who, (uint32_t)u, "name", "database user")) < 0)
		return error;
	*uid = (uint32_t)u;
	return 0;
}

int panel__dbuser_drop(panel *p, panel_db *db, const char *name)
{
	int error;

	if ((error = panel__db_exec(NULL, db, "DELETE FROM dbusers WHERE name = ?",
				    DB_ARGS(DB_STR(name)))) < 0)
		return error;
	return panel__member_drop_user(p, name);
}

struct one_ctx {
	panel *p;
	const panel_actor *who;
	const char *name, *password;
	int op; /* 0 get, 1 password, 2 delete */
	panel_dbuser result;
};

static int one_body(panel_db *db, void *arg)
{
	struct one_ctx *ctx = arg;
	char login[PANEL_LOGIN_MAX + 1], hash[42];
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = owned_user(&uid, login, db, ctx->who, ctx->name, ctx->op != 0)) < 0)
		return error;
	memset(&ctx->result, 0, sizeof(ctx->result));
	snprintf(ctx->result.name, sizeof(ctx->result.name), "%s", ctx->name);
	snprintf(ctx->result.login, sizeof(ctx->result.login), "%s", login);
	ctx->result.uid = uid;
	switch (ctx->op) {
	case 1:
		/* The audit row first: the ALTER USER, last, is not rolled back with the rows. */
		if ((error = panel__policy_check(ctx->p, db, "mysql", ctx->name, ctx->password)) <
			0 ||
		    (error = server_hash(hash, ctx->p, ctx->password)) < 0 ||
		    (error = panel__audit(db, ctx->who, "dbuser.password", "dbuser", ctx->name, uid,
					  NULL, json_pack("{s:s}", "password", "changed"))) < 0)
			return error;
		return panel__member_ddl(ctx->p, "ALTER USER '%s'@'%s' IDENTIFIED BY PASSWORD '%s'",
					 ctx->name, panel__member_client_host(ctx->p), hash);
	case 2:
		if ((error = panel__audit(db, ctx->who, "dbuser.delete", "dbuser", ctx->name, uid,
					  panel_dbuser_to_json(&ctx->result), NULL)) < 0)
			return error;
		return panel__dbuser_drop(ctx->p, db, ctx->name);
	}
	return 0;
}

static int run_one(panel_dbuser **out, struct one_ctx *ctx)
{
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(ctx->p, ctx->who)) < 0 ||
	    (error = panel__db_transaction(ctx->p->db, one_body, ctx)) < 0)
		return error;
	if (out) {
		*out = malloc(sizeof(**out));
		if (!*out)
			return panel__error_oom();
		**out = ctx->result;
	}
	return 0;
}

int panel_dbuser_get(panel_dbuser **out, panel *p, const panel_actor *who, const char *name)
{
	struct one_ctx ctx = {.p = p, .who = who, .name = name, .op = 0};

	return run_one(out, &ctx);
}

int panel_dbuser_password(panel *p, const panel_actor *who, const char *name, const char *password)
{
	struct one_ctx ctx = {.p = p, .who = who, .name = name, .password = password, .op = 1};

	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is required");
	return run_one(NULL, &ctx);
}

int panel_dbuser_delete(panel *p, const panel_actor *who, const char *name)
{
	struct one_ctx ctx = {.p = p, .who = who, .name = name, .op = 2};

	return run_one(NULL, &ctx);
}

struct list_ctx {
	const panel_actor *who;
	const char *login;
	panel_dbuser *items;
	size_t count;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_account *owner = NULL;
	panel_db_rows *rows;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	error = panel__db_query(&rows, db, "SELECT name FROM dbusers WHERE uid = ? ORDER BY name",
				DB_ARGS(DB_U64(owner->uid)));
	if (error == 0) {
		size_t n = panel__db_rows_count(rows);
		ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
		for (size_t i = 0; ctx->items && i < n; i++) {
			snprintf(ctx->items[i].name, sizeof(ctx->items[i].name), "%s",
				 panel__db_cell(rows, i, 0));
			snprintf(ctx->items[i].login, sizeof(ctx->items[i].login), "%s",
				 owner->login);
			ctx->items[i].uid = owner->uid;
		}
		ctx->count = ctx->items ? n : 0;
		if (n && !ctx->items)
			error = panel__error_oom();
		panel__db_rows_free(rows);
	}
	panel_account_free(owner);
	return error;
}

int panel_dbuser_list_get(panel_dbuser_list **out, panel *p, const panel_actor *who,
			  const char *login)
{
	struct list_ctx ctx = {who, login, NULL, 0};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

/* ---------------------------------------------------------------- grants */

/* The rights of user on each database of uid, from the server's mysql.db (the truth). */
static int read_grants(panel_dbgrant **out, size_t *count, panel *p, panel_db *db, uint32_t uid,
		       const char *user)
{
	panel_db_rows *dbs, *rows;
	panel_db *mdb;
	char sql[1024];
	size_t o;
	int error;

	*out = NULL;
	*count = 0;
	if ((error = panel__db_query(&dbs, db, "SELECT db FROM db WHERE uid = ? ORDER BY db",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	size_t n = panel__db_rows_count(dbs);
	*out = n ? calloc(n, sizeof(**out)) : NULL;
	if (n && !*out) {
		panel__db_rows_free(dbs);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++)
		snprintf((*out)[i].database, sizeof((*out)[i].database), "%s",
			 panel__db_cell(dbs, i, 0));
	*count = n;
	panel__db_rows_free(dbs);
	o = (size_t)snprintf(sql, sizeof(sql), "SELECT Db");
	for (unsigned r = 0; r < PANEL_DBRIGHT_COUNT; r++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", %s", rights[r].column);
	snprintf(sql + o, sizeof(sql) - o, " FROM mysql.db WHERE User = ? AND Host = ?");
	if ((error = panel__member_db(&mdb, p)) < 0 ||
	    (error = panel__db_read(
		 &rows, mdb, sql, DB_ARGS(DB_STR(user), DB_STR(panel__member_client_host(p))))) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		char plain[140];
		const char *stored = panel__db_cell(rows, i, 0);
		size_t k = 0;
		/* Stored as granted: `login\_suffix`; compare unescaped. */
		for (const char *s = stored; s && *s && k + 1 < sizeof(plain); s++)
			if (!(*s == '\\' && (s[1] == '_' || s[1] == '%')))
				plain[k++] = *s;
		plain[k] = '\0';
		for (size_t d = 0; d < n; d++) {
			if (strcmp((*out)[d].database, plain) != 0)
				continue;
			for (unsigned r = 0; r < PANEL_DBRIGHT_COUNT; r++) {
				const char *v = panel__db_cell(rows, i, r + 1);
				if (v && strcmp(v, "Y") == 0)
					(*out)[d].rights |= 1u << r;
			}
		}
	}
	panel__db_rows_free(rows);
	return 0;
}

/* REVOKE then GRANT rights on one database; 1141 "no such grant" is not an error. */
static int apply_rights(panel *p, const char *user, const char *database, unsigned bits)
{
	char esc[140], list[512] = "";
	int error;

	/* The name comes from a db row: written by libpanel it passed this check, but another
	 * writer of the table (a hand-made or imported row, a tool of 1.0) may have put anything
	 * there, and it is pasted into DDL the member server's administrator runs. */
	if (!panel__member_name_safe(database) || strlen(database) > 64)
		return panel__error(PANEL_ERROR, "database",
				    "the database name stored in the db table is not one libpanel "
				    "makes: not granted");
	panel__grant_db_name(esc, sizeof(esc), database);
	error = panel__member_ddl(p, "REVOKE ALL PRIVILEGES ON `%s`.* FROM '%s'@'%s'", esc, user,
				  panel__member_client_host(p));
	if (error < 0) {
		panel_db *mdb;
		if (panel__member_db(&mdb, p) < 0 || panel__db_errno(mdb) != 1141)
			return error;
	}
	if (!bits)
		return 0;
	for (unsigned r = 0; r < PANEL_DBRIGHT_COUNT; r++)
		if (bits & (1u << r)) {
			if (*list)
				strcat(list, ", ");
			strcat(list, rights[r].name);
		}
	return panel__member_ddl(p, "GRANT %s ON `%s`.* TO '%s'@'%s'", list, esc, user,
				 panel__member_client_host(p));
}

struct grants_ctx {
	panel *p;
	const panel_actor *who;
	const char *name;
	const panel_dbgrant *grants;
	size_t count;
	panel_dbgrant *result;
	size_t nresult;
};

static int grants_get_body(panel_db *db, void *arg)
{
	struct grants_ctx *ctx = arg;
	uint32_t uid;
	int error;

	free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = owned_user(&uid, NULL, db, ctx->who, ctx->name, 0)) < 0)
		return error;
	return read_grants(&ctx->result, &ctx->nresult, ctx->p, db, uid, ctx->name);
}

int panel_dbuser_grants_get(panel_dbgrant_list **out, panel *p, const panel_actor *who,
			    const char *name)
{
	struct grants_ctx ctx = {.p = p, .who = who, .name = name};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, grants_get_body, &ctx)) < 0) {
		free(ctx.result);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.result, ctx.nresult);
}

static int grants_set_body(panel_db *db, void *arg)
{
	struct grants_ctx *ctx = arg;
	panel_dbgrant *before = NULL, *after = NULL;
	size_t nbefore = 0, nafter = 0, applied = 0;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = owned_user(&uid, NULL, db, ctx->who, ctx->name, 1)) < 0 ||
	    (error = read_grants(&before, &nbefore, ctx->p, db, uid, ctx->name)) < 0)
		goto out;
	/* Only the owner's own databases. */
	for (size_t i = 0; i < ctx->count; i++) {
		size_t d;
		for (d = 0; d < nbefore; d++)
			if (strcmp(before[d].database, ctx->grants[i].database) == 0)
				break;
		if (d == nbefore) {
			error = panel__error(PANEL_ENOTFOUND, "grants",
					     "no database %s of this account",
					     panel__member_name_safe(ctx->grants[i].database)
						 ? ctx->grants[i].database
						 : "(invalid name)");
			goto out;
		}
	}
	for (; applied < ctx->count; applied++)
		if ((error = apply_rights(ctx->p, ctx->name, ctx->grants[applied].database,
					  ctx->grants[applied].rights)) < 0)
			break;
	if (error == 0 && (error = read_grants(&after, &nafter, ctx->p, db, uid, ctx->name)) == 0)
		error = panel__audit(db, ctx->who, "dbuser.grants", "dbuser", ctx->name, uid,
				     panel_dbgrants_to_json(before, nbefore),
				     panel_dbgrants_to_json(after, nafter));
	if (error < 0) {
		/* Put back what was there before on the databases already changed (all of them
		 * when the audit row failed): the rows roll back, the server's grants do not. */
		panel__error_saved saved;
		panel__error_save(&saved);
		for (size_t i = 0; i <= applied && i < ctx->count; i++)
			for (size_t d = 0; d < nbefore; d++)
				if (strcmp(before[d].database, ctx->grants[i].database) == 0)
					apply_rights(ctx->p, ctx->name, before[d].database,
						     before[d].rights);
		panel__error_restore(&saved);
	}
out:
	free(before);
	free(after);
	return error;
}

int panel_dbuser_grants_set(panel *p, const panel_actor *who, const char *name,
			    const panel_dbgrant *grants, size_t count)
{
	struct grants_ctx ctx = {
	    .p = p, .who = who, .name = name, .grants = grants, .count = count};
	unsigned all = (1u << PANEL_DBRIGHT_COUNT) - 1;
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	for (size_t i = 0; i < count; i++)
		if (grants[i].rights & ~all)
			return panel__error(PANEL_EINVALID, "grants", "unknown right");
	return panel__db_transaction(p->db, grants_set_body, &ctx);
}

/* ---------------------------------------------------------------- account deletion */

/* 1 when mains[i] is one of the main users before it (the member's databases share one). */
static int dropped_before(const char (*mains)[PANEL_LOGIN_MAX + 1], size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(mains[j], mains[i]) == 0)
			return 1;
	return 0;
}

/* Every row first, with what the server's steps need read before (the names, 1.0's main
 * user), then the server's REVOKEs and DROPs, which cannot be rolled back: a refused row (a
 * database's or a user's) leaves the server as it was. */
int panel__mysql_member_delete(panel *p, panel_db *db, uint32_t uid)
{
	char(*mains)[PANEL_LOGIN_MAX + 1] = NULL;
	panel_db_rows *dbs, *users = NULL;
	size_t n;
	int error;

	if ((error = panel__db_query(&dbs, db, "SELECT db FROM db WHERE uid = ?",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	n = panel__db_rows_count(dbs);
	if (n && !(mains = calloc(n, sizeof(*mains)))) {
		panel__db_rows_free(dbs);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n && error == 0; i++)
		if (panel__member_name_safe(panel__db_cell(dbs, i, 0)))
			error = panel__database_main_login(mains[i], p, db, uid,
							   panel__db_cell(dbs, i, 0));
	for (size_t i = 0; i < n && error == 0; i++)
		error = panel__database_rows_drop(db, panel__db_cell(dbs, i, 0));
	if (error < 0 ||
	    (error = panel__db_query(&users, db, "SELECT name FROM dbusers WHERE uid = ?",
				     DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM dbusers WHERE uid = ?",
				    DB_ARGS(DB_U64(uid)))) < 0)
		goto out;
	/* The server: the databases, 1.0's main user, then the database users. */
	for (size_t i = 0; i < n && error == 0; i++) {
		const char *name = panel__db_cell(dbs, i, 0);
		if (panel__member_name_safe(name) &&
		    (error = panel__database_revoke(p, name, users, mains[i])) == 0)
			error = panel__member_ddl(p, "DROP DATABASE IF EXISTS `%s`", name);
	}
	for (size_t i = 0; i < n && error == 0; i++)
		if (mains[i][0] && !dropped_before(mains, i))
			error = panel__member_drop_user(p, mains[i]);
	for (size_t i = 0; i < panel__db_rows_count(users) && error == 0; i++) {
		const char *name = panel__db_cell(users, i, 0);
		if (panel__member_name_safe(name))
			error = panel__member_drop_user(p, name);
	}
out:
	panel__db_rows_free(users);
	panel__db_rows_free(dbs);
	free(mains);
	return error;
}

void panel_dbuser_free(panel_dbuser *user)
{
	free(user);
}

void panel_dbuser_list_free(panel_dbuser_list *list)
{
	PANEL__LIST_FREE(list);
}

void panel_dbgrant_list_free(panel_dbgrant_list *list)
{
	PANEL__LIST_FREE(list);
}
