/* Deleting an account: each module's delete hook removes or marks what the account owns, in the
 * one transaction that also removes the account; external effects go to the cron side. */
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "database_internal.h"
#include "authz.h"
#include "cron_lock.h"
#include "error.h"
#include "handle.h"
#include "panel/json.h"

/* Domains: AlternC's contract with update_domains.sh, which removes zones, vhosts and rows. */
static int delete_domains(panel *p, panel_db *db, uint32_t uid, const char *login)
{
	(void)p;
	int error;

	(void)login;
	if ((error = panel__db_exec(
		 NULL, db, "UPDATE sub_domaines SET web_action = 'DELETE' WHERE compte = ?",
		 DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	return panel__db_exec(NULL, db,
			      "UPDATE domaines SET dns_action = 'DELETE' WHERE compte = ?",
			      DB_ARGS(DB_U64(uid)));
}

/* Mail: rows go now (postfix and dovecot stop at once); the maildirs go through the cron side.
 * A wrapper's "| command" row (mail_alias, keyed by its mail_domain row's alias) goes with it:
 * left behind, it kept the address's next owner from a wrapper of its own and still ran the
 * old command for mail to its key. */
static int delete_mail(panel *p, panel_db *db, uint32_t uid, const char *login)
{
	(void)p;
	int error;

	if ((error = panel__db_exec(NULL, db,
				    "DELETE FROM mail_alias WHERE mail IN (SELECT alias FROM"
				    " mail_domain WHERE uid = ? AND type = 1)",
				    DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO panel_actions (action, uid, login, args) SELECT 'mail_del', uid, ?,"
		 " JSON_OBJECT('box', alias, 'path', path) FROM mail_users"
		 " WHERE uid = ? AND alias NOT LIKE '%@%'",
		 DB_ARGS(DB_STR(login), DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db,
				    "DELETE FROM mail_alias WHERE mail IN"
				    " (SELECT alias FROM mail_users WHERE uid = ?)",
				    DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db,
				    "DELETE FROM size_mail WHERE alias IN"
				    " (SELECT alias FROM mail_users WHERE uid = ?)",
				    DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM mail_users WHERE uid = ?",
				    DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	return panel__db_exec(NULL, db, "DELETE FROM mail_domain WHERE uid = ?",
			      DB_ARGS(DB_U64(uid)));
}

static int delete_ftp(panel *p, panel_db *db, uint32_t uid, const char *login)
{
	(void)p;
	(void)login;
	return panel__db_exec(NULL, db, "DELETE FROM ftpusers WHERE uid = ?", DB_ARGS(DB_U64(uid)));
}

static int delete_stats(panel *p, panel_db *db, uint32_t uid, const char *login)
{
	(void)p;
	(void)login;
	return panel__db_exec(NULL, db, "DELETE FROM stats2 WHERE mid = ?", DB_ARGS(DB_U64(uid)));
}

/* Protected folders: the rows (the files go with the web space, mem_del). */
static int delete_hta(panel *p, panel_db *db, uint32_t uid, const char *login)
{
	int error;

	(void)p;
	(void)login;
	if ((error = panel__db_exec(NULL, db, "DELETE FROM panel_hta_users WHERE uid = ?",
				    DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	return panel__db_exec(NULL, db, "DELETE FROM panel_hta_dirs WHERE uid = ?",
			      DB_ARGS(DB_U64(uid)));
}

/* AlternC's PHP sessions of the account (1.0 never cleaned them). */
static int delete_sessions(panel *p, panel_db *db, uint32_t uid, const char *login)
{
	(void)p;
	(void)login;
	return panel__db_exec(NULL, db, "DELETE FROM sessions WHERE uid = ?", DB_ARGS(DB_U64(uid)));
}

/* The member server's DROPs (panel__mysql_member_delete) cannot be rolled back: they come
 * after every step that can fail, the account's own rows, action and audit included. */
static int (*const delete_hooks[])(panel *p, panel_db *db, uint32_t uid, const char *login) = {
    delete_domains, delete_mail, delete_ftp, delete_stats, delete_hta, delete_sessions,
};

struct delete_ctx {
	panel *p;
	const panel_actor *who;
	const char *login;
	const char *if_match; /* NULL: no condition */
	uint32_t uid;	      /* for delete_remark */
};

/* After AlternC's cron marked a domain of the account done over its deletion: the deletion
 * again. */
static int delete_remark(panel_db *db, void *arg)
{
	struct delete_ctx *ctx = arg;

	return panel__db_exec(NULL, db,
			      "UPDATE domaines SET dns_action = 'DELETE' WHERE compte = ? AND"
			      " dns_action = 'OK'",
			      DB_ARGS(DB_U64(ctx->uid)));
}

static int delete_body(panel_db *db, void *arg)
{
	struct delete_ctx *ctx = arg;
	panel_account *before = NULL;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account_locked(&uid, db, ctx->who, ctx->login, 1)) < 0)
		return error;
	ctx->uid = uid;
	if (uid == PANEL_SUPER_ADMIN_UID ||
	    (ctx->who->kind == PANEL_ACTOR_ADMIN && uid == ctx->who->uid))
		return panel__error(PANEL_ECONFLICT, "login",
				    "an administrator cannot delete itself or the super admin");
	if ((error = panel__account_load(&before, db, uid)) < 0)
		return error;
	/* Under the row's lock: a change since the caller read the account is seen here. */
	if (ctx->if_match && strcmp(ctx->if_match, before->etag) != 0) {
		error = panel__error(PANEL_ECONFLICT, "if_match",
				     "the account was changed since it was read (etag %s)",
				     ctx->if_match);
		goto out;
	}
	for (size_t i = 0; i < sizeof(delete_hooks) / sizeof(delete_hooks[0]); i++)
		if ((error = delete_hooks[i](ctx->p, db, uid, before->login)) < 0)
			goto out;
	/* Accounts it created go to the super admin, as AlternC does. */
	if ((error = panel__db_exec(NULL, db, "UPDATE membres SET creator = ? WHERE creator = ?",
				    DB_ARGS(DB_U64(PANEL_SUPER_ADMIN_UID), DB_U64(uid)))) < 0 ||
	    /* local, quotas, chgmail, browser, size_web, tokens and keys follow by foreign key. */
	    (error = panel__db_exec(NULL, db, "DELETE FROM membres WHERE uid = ?",
				    DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__action(db, "mem_del", uid, before->login, NULL)) < 0)
		goto out;
	if ((error = panel__audit(db, ctx->who, "account.delete", "account", before->login, uid,
				  panel_account_to_json(before), NULL)) < 0)
		goto out;
	/* Member databases and users: dropped on the member server last, so that a failure
	 * before (the audit's insert) rolls everything back with nothing dropped. */
	error = panel__mysql_member_delete(ctx->p, db, uid);
out:
	panel_account_free(before);
	return error;
}

int panel_account_delete(panel *p, const panel_actor *who, const char *login)
{
	return panel_account_delete_if_match(p, who, login, NULL);
}

int panel_account_delete_if_match(panel *p, const panel_actor *who, const char *login,
				  const char *if_match)
{
	struct delete_ctx ctx = {.p = p, .who = who, .login = login, .if_match = if_match};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator deletes accounts");
	return panel__domain_write(p, delete_body, &ctx, delete_remark);
}
