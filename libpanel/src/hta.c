/* Protected folders (AlternC 1.0's m_hta): the folders and their users in panel_hta_dirs and
 * panel_hta_users, each change queuing the runner's hta_write for the folder (runner_hta.c
 * writes .htaccess and .htpasswd). 1.0 wrote the files from the panel's PHP, following any
 * link the member had planted on the way. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "database_internal.h"
#include "domain_validate.h"
#include "error.h"
#include "handle.h"
#include "panel/hta.h"
#include "panel/json.h"
#include "policy_internal.h"

enum hta_op { HTA_PROTECT, HTA_UNPROTECT, HTA_USER_ADD, HTA_USER_PASSWORD, HTA_USER_DELETE };

/* 1.0 had no limit; without one a member's loop grew the tables (and the runner's files) by
 * hundreds of rows a second. Rows already there (an import) are kept. */
#define HTA_DIRS_MAX	  1000 /* protected folders of one account */
#define HTA_USERS_PER_DIR 1000 /* users of one protected folder */

/* A folder as stored: relative to the web space, a leading '/', no trailing one. */
static int normalize_dir(char out[256], const char *dir)
{
	char rooted[260];
	size_t len;

	if (!dir || strlen(dir) > 240)
		return panel__error(PANEL_EINVALID, "dir", "a folder of 240 characters at most");
	snprintf(rooted, sizeof(rooted), "%s%s", dir[0] == '/' ? "" : "/", dir);
	if (panel__target_check(out, 256, PANEL_TARGET_DIRECTORY, rooted) < 0)
		return panel__error(PANEL_EINVALID, "dir", "%s", panel_error_last()->message);
	len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	return 0;
}

/* 1.0's checkloginmail, and never a ':' (the .htpasswd separator) or a control character. */
static int check_user(const char *user)
{
	size_t n = user ? strlen(user) : 0;

	if (n == 0 || n > PANEL_HTA_USER_MAX ||
	    strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") != n)
		return panel__error(PANEL_EINVALID, "user",
				    "a user is 1 to 64 letters, digits, '.', '_', '@' or '-'");
	return 0;
}

/* ---------------------------------------------------------------- changes */

struct write_ctx {
	panel *p;
	const panel_actor *who;
	enum hta_op op;
	const char *login, *user, *password, *hash;
	char dir[256];
};

static int exists_dir(panel_db *db, uint32_t uid, const char *dir)
{
	uint64_t n = 0;
	int error =
	    panel__db_query_u64(&n, db,
				"SELECT COUNT(*) FROM panel_hta_dirs WHERE uid = ? AND dir = ?"
				" FOR UPDATE",
				DB_ARGS(DB_U64(uid), DB_STR(dir)));

	if (error < 0)
		return error;
	return n ? 0 : panel__error(PANEL_ENOTFOUND, "dir", "%s is not a protected folder", dir);
}

static int unprotect_rows(uint64_t *affected, panel_db *db, uint32_t uid, const char *dir)
{
	int error =
	    panel__db_exec(NULL, db, "DELETE FROM panel_hta_users WHERE uid = ? AND dir = ?",
			   DB_ARGS(DB_U64(uid), DB_STR(dir)));

	if (error < 0)
		return error;
	return panel__db_exec(affected, db, "DELETE FROM panel_hta_dirs WHERE uid = ? AND dir = ?",
			      DB_ARGS(DB_U64(uid), DB_STR(dir)));
}

/* PANEL_EQUOTA when an addition would pass HTA_DIRS_MAX or HTA_USERS_PER_DIR. */
static int check_limit(panel_db *db, const struct write_ctx *ctx, uint32_t uid)
{
	int dirs = ctx->op == HTA_PROTECT;
	uint64_t n = 0, max = dirs ? HTA_DIRS_MAX : HTA_USERS_PER_DIR;
	int error =
	    dirs ? panel__db_query_u64(&n, db, "SELECT COUNT(*) FROM panel_hta_dirs WHERE uid = ?",
				       DB_ARGS(DB_U64(uid)))
		 : panel__db_query_u64(
		       &n, db, "SELECT COUNT(*) FROM panel_hta_users WHERE uid = ? AND dir = ?",
		       DB_ARGS(DB_U64(uid), DB_STR(ctx->dir)));

	if (error < 0 || n < max)
		return error;
	return dirs ? panel__error(PANEL_EQUOTA, "dir", "%llu protected folders at most",
				   (unsigned long long)max)
		    : panel__error(PANEL_EQUOTA, "user", "%llu users of a protected folder at most",
				   (unsigned long long)max);
}

/* The row changes of one operation; *affected how many rows it touched. */
static int apply(uint64_t *affected, panel_db *db, const struct write_ctx *ctx, uint32_t uid)
{
	const char *d = ctx->dir, *u = ctx->user;

	switch (ctx->op) {
	case HTA_PROTECT:
		return panel__db_exec(affected, db,
				      "INSERT INTO panel_hta_dirs (uid, dir) VALUES (?, ?)",
				      DB_ARGS(DB_U64(uid), DB_STR(d)));
	case HTA_UNPROTECT:
		return unprotect_rows(affected, db, uid, d);
	case HTA_USER_ADD:
		return panel__db_exec(
		    affected, db,
		    "INSERT INTO panel_hta_users (uid, dir, user, hash)"
		    " VALUES (?, ?, ?, ?)",
		    DB_ARGS(DB_U64(uid), DB_STR(d), DB_STR(u), DB_STR(ctx->hash)));
	case HTA_USER_PASSWORD:
		return panel__db_exec(
		    affected, db,
		    "UPDATE panel_hta_users SET hash = ? WHERE uid = ? AND dir = ?"
		    " AND user = ?",
		    DB_ARGS(DB_STR(ctx->hash), DB_U64(uid), DB_STR(d), DB_STR(u)));
	case HTA_USER_DELETE:
		return panel__db_exec(affected, db,
				      "DELETE FROM panel_hta_users WHERE uid = ? AND dir = ? AND"
				      " user = ?",
				      DB_ARGS(DB_U64(uid), DB_STR(d), DB_STR(u)));
	}
	return panel__error(PANEL_EINVALID, NULL, "unknown operation");
}

/* What an operation that changed nothing, or hit a duplicate, means. */
static int explain(int error, uint64_t affected, const struct write_ctx *ctx)
{
	if (error == PANEL_EEXISTS && ctx->op == HTA_PROTECT)
		return panel__error(PANEL_EEXISTS, "dir", "%s is already protected", ctx->dir);
	if (error == PANEL_EEXISTS)
		return panel__error(PANEL_EEXISTS, "user", "%s already has the user %s", ctx->dir,
				    ctx->user);
	if (error < 0)
		return error;
	if (affected == 0 && ctx->op == HTA_UNPROTECT)
		return panel__error(PANEL_ENOTFOUND, "dir", "%s is not a protected folder",
				    ctx->dir);
	if (affected == 0)
		return panel__error(PANEL_ENOTFOUND, "user", "%s has no user %s", ctx->dir,
				    ctx->user);
	return 0;
}

static int write_body(panel_db *db, void *arg)
{
	static const char *const names[] = {"hta.protect", "hta.unprotect", "hta.user_add",
					    "hta.user_password", "hta.user_delete"};
	struct write_ctx *ctx = arg;
	panel_account *owner = NULL;
	uint64_t affected = 0;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	uint32_t uid = owner->uid;
	/* The password policy before the lock below: it may read a long breached-passwords
	 * file, and the account's logins wait on that lock. */
	if (ctx->password &&
	    (error = panel__policy_check(ctx->p, db, "hta", ctx->user, ctx->password)) < 0)
		goto out;
	/* A lock on the account, as creations under a quota take (quota.c): its deletion waits
	 * for this change and then removes its rows, or runs first and this finds none. Additions
	 * take it exclusive, so that two of them cannot both pass the limit. */
	uint64_t held = 0;
	int adds = ctx->op == HTA_PROTECT || ctx->op == HTA_USER_ADD;
	error =
	    panel__db_query_u64(&held, db,
				adds ? "SELECT uid FROM membres WHERE uid = ? FOR UPDATE"
				     : "SELECT uid FROM membres WHERE uid = ? LOCK IN SHARE MODE",
				DB_ARGS(DB_U64(uid)));
	if (error == PANEL_ENOTFOUND)
		error = panel__error(PANEL_ENOTFOUND, "login", "no such account");
	if (error < 0)
		goto out;
	if (ctx->op >= HTA_USER_ADD && (error = exists_dir(db, uid, ctx->dir)) < 0)
		goto out;
	if (adds && (error = check_limit(db, ctx, uid)) < 0)
		goto out;
	error = apply(&affected, db, ctx, uid);
	if ((error = explain(error, affected, ctx)) < 0 ||
	    (error = panel__action(db, "hta_write", uid, owner->login,
				   json_pack("{s:s}", "dir", ctx->dir))) < 0)
		goto out;
	error = panel__audit(db, ctx->who, names[ctx->op], "hta", ctx->dir, uid, NULL,
			     ctx->user ? json_pack("{s:s, s:s}", "dir", ctx->dir, "user", ctx->user)
				       : json_pack("{s:s}", "dir", ctx->dir));
out:
	panel_account_free(owner);
	return error;
}

static int run_write(struct write_ctx *ctx, const char *dir)
{
	char hash[PANEL_HASH_MAX] = "";
	int error;

	if ((error = panel__enter(ctx->p, ctx->who)) < 0 ||
	    (error = normalize_dir(ctx->dir, dir)) < 0 ||
	    (ctx->op >= HTA_USER_ADD && (error = check_user(ctx->user)) < 0))
		return error;
	if (ctx->op == HTA_USER_ADD || ctx->op == HTA_USER_PASSWORD) {
		if (!ctx->password || !*ctx->password)
			return panel__error(PANEL_EINVALID, "password", "the password is required");
		if ((error = panel_password_hash(hash, sizeof(hash), ctx->password,
						 PANEL_HASH_BCRYPT)) < 0)
			return error;
		ctx->hash = hash;
	}
	error = panel__db_transaction(ctx->p->db, write_body, ctx);
	sodium_memzero(hash, sizeof(hash));
	return error;
}

int panel_hta_protect(panel *p, const panel_actor *who, const char *login, const char *dir)
{
	struct write_ctx ctx = {.p = p, .who = who, .op = HTA_PROTECT, .login = login};

	return run_write(&ctx, dir);
}

int panel_hta_unprotect(panel *p, const panel_actor *who, const char *login, const char *dir)
{
	struct write_ctx ctx = {.p = p, .who = who, .op = HTA_UNPROTECT, .login = login};

	return run_write(&ctx, dir);
}

int panel_hta_user_add(panel *p, const panel_actor *who, const char *login, const char *dir,
		       const char *user, const char *password)
{
	struct write_ctx ctx = {.p = p,
				.who = who,
				.op = HTA_USER_ADD,
				.login = login,
				.user = user,
				.password = password};

	return run_write(&ctx, dir);
}

int panel_hta_user_password(panel *p, const panel_actor *who, const char *login, const char *dir,
			    const char *user, const char *password)
{
	struct write_ctx ctx = {.p = p,
				.who = who,
				.op = HTA_USER_PASSWORD,
				.login = login,
				.user = user,
				.password = password};

	return run_write(&ctx, dir);
}

int panel_hta_user_delete(panel *p, const panel_actor *who, const char *login, const char *dir,
			  const char *user)
{
	struct write_ctx ctx = {
	    .p = p, .who = who, .op = HTA_USER_DELETE, .login = login, .user = user};

	return run_write(&ctx, dir);
}

/* ---------------------------------------------------------------- lists */

struct list_ctx {
	const panel_actor *who;
	const char *login;
	char dir[256]; /* "" for the folders */
	panel_hta_dir_list *dirs;
	panel_hta_user_list *users;
};

static int dirs_from(struct list_ctx *ctx, const panel_db_rows *rows, uint32_t uid)
{
	size_t n = panel__db_rows_count(rows);

	if (!(ctx->dirs = calloc(1, sizeof(*ctx->dirs))) ||
	    (n && !(ctx->dirs->items = calloc(n, sizeof(*ctx->dirs->items)))))
		return panel__error_oom();
	for (size_t i = 0; i < n; i++) {
		snprintf(ctx->dirs->items[i].dir, sizeof(ctx->dirs->items[i].dir), "%s",
			 panel__db_cell(rows, i, 0));
		panel__db_cell_u64(&ctx->dirs->items[i].users, rows, i, 1);
		ctx->dirs->items[i].uid = uid;
	}
	ctx->dirs->count = n;
	ctx->dirs->total = n;
	return 0;
}

static int users_from(struct list_ctx *ctx, const panel_db_rows *rows)
{
	size_t n = panel__db_rows_count(rows);

	if (!(ctx->users = calloc(1, sizeof(*ctx->users))) ||
	    (n && !(ctx->users->items = calloc(n, sizeof(*ctx->users->items)))))
		return panel__error_oom();
	for (size_t i = 0; i < n; i++)
		snprintf(ctx->users->items[i], sizeof(ctx->users->items[i]), "%s",
			 panel__db_cell(rows, i, 0));
	ctx->users->count = n;
	ctx->users->total = n;
	return 0;
}

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_account *owner = NULL;
	panel_db_rows *rows = NULL;
	int error;

	panel_hta_dir_list_free(ctx->dirs);
	panel_hta_user_list_free(ctx->users);
	ctx->dirs = NULL;
	ctx->users = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__database_owner(&owner, db, ctx->who, ctx->login)) < 0)
		return error;
	uint32_t uid = owner->uid;
	panel_account_free(owner);
	if (!ctx->dir[0])
		error = panel__db_query(
		    &rows, db,
		    "SELECT d.dir, (SELECT COUNT(*) FROM panel_hta_users u WHERE u.uid = d.uid AND"
		    " u.dir = d.dir) FROM panel_hta_dirs d WHERE d.uid = ? ORDER BY d.dir",
		    DB_ARGS(DB_U64(uid)));
	else if ((error = exists_dir(db, uid, ctx->dir)) == 0)
		error = panel__db_query(&rows, db,
					"SELECT user FROM panel_hta_users WHERE uid = ? AND dir = ?"
					" ORDER BY user",
					DB_ARGS(DB_U64(uid), DB_STR(ctx->dir)));
	if (error < 0)
		return error;
	error = ctx->dir[0] ? users_from(ctx, rows) : dirs_from(ctx, rows, uid);
	panel__db_rows_free(rows);
	return error;
}

int panel_hta_list_get(panel_hta_dir_list **out, panel *p, const panel_actor *who,
		       const char *login)
{
	struct list_ctx ctx = {.who = who, .login = login};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_hta_dir_list_free(ctx.dirs);
		return error;
	}
	*out = ctx.dirs;
	return 0;
}

int panel_hta_user_list_get(panel_hta_user_list **out, panel *p, const panel_actor *who,
			    const char *login, const char *dir)
{
	struct list_ctx ctx = {.who = who, .login = login};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = normalize_dir(ctx.dir, dir)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_hta_user_list_free(ctx.users);
		return error;
	}
	*out = ctx.users;
	return 0;
}

void panel_hta_dir_list_free(panel_hta_dir_list *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

void panel_hta_user_list_free(panel_hta_user_list *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}
