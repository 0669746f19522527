/* A forgotten panel password (AlternC 1.0's m_mem::send_pass, which mailed the stored hash): a
 * reset token mailed to the account's contact address, at most once a day, and the new password
 * set with it. Only the token's SHA-256 is stored (panel_password_resets). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"
#include "auth_internal.h"
#include "error.h"
#include "handle.h"
#include "member_hash.h"
#include "panel/account_mail.h"
#include "policy_internal.h"
#include "sendmail.h"
#include "throttle.h"

#define TOKEN_PREFIX "pr_"

struct request_ctx {
	const char *login, *ip;
	char token[PANEL_RESET_TOKEN_MAX + 1], hash[65];
	uint32_t uid;
	uint64_t last_asked; /* lastaskpass before this request, put back if the mail fails */
	char stored_login[PANEL_LOGIN_MAX + 1], mail[129];
	int send;
};

/* Whether the account may get a mail now: known, enabled, with an address, allowed to change
 * its password (canpass), and not asked within the day (1.0's mem 7). */
static int request_allowed(struct request_ctx *ctx, const panel_db_rows *rows)
{
	uint64_t enabled = 0, canpass = 0, uid = 0, recent = 1;

	if (panel__db_rows_count(rows) != 1 || panel__db_cell_u64(&uid, rows, 0, 0) < 0 ||
	    panel__db_cell_u64(&enabled, rows, 0, 3) < 0 ||
	    panel__db_cell_u64(&canpass, rows, 0, 4) < 0 ||
	    panel__db_cell_u64(&ctx->last_asked, rows, 0, 5) < 0 ||
	    panel__db_cell_u64(&recent, rows, 0, 6) < 0)
		return 0;
	ctx->uid = (uint32_t)uid;
	snprintf(ctx->stored_login, sizeof(ctx->stored_login), "%s", panel__db_cell(rows, 0, 1));
	snprintf(ctx->mail, sizeof(ctx->mail), "%s", panel__db_cell(rows, 0, 2));
	return enabled == 1 && canpass == 1 && !recent && ctx->mail[0];
}

/* *n > 0 when the nearest domain hosted here at or above the domain of the account's contact
 * address is another account's: the server's own mail to it goes to that account's boxes and
 * catch-all (Postfix reads the panel's mail_domain for every recipient), so a reset code
 * mailed there would give the account to it. Checked again here, whatever check_reserved let
 * in before. (An address on a domain of the account's own under another's: its own.) */
static int contact_domain_foreign(uint64_t *n, panel_db *db, const struct request_ctx *ctx)
{
	const char *at = strrchr(ctx->mail, '@');

	*n = 0;
	if (!at || !at[1])
		return 0;
	return panel__db_query_u64(
	    n, db,
	    "SELECT COALESCE((SELECT compte <> ? FROM domaines WHERE domaine ="
	    " LOWER(?) OR RIGHT(LOWER(?), CHAR_LENGTH(domaine) + 1) ="
	    " CONCAT('.', domaine) ORDER BY CHAR_LENGTH(domaine) DESC LIMIT 1), 0)",
	    DB_ARGS(DB_U64(ctx->uid), DB_STR(at + 1), DB_STR(at + 1)));
}

static int request_body(panel_db *db, void *arg)
{
	struct request_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	ctx->send = 0;
	if ((error = panel__db_query(
		 &rows, db,
		 "SELECT uid, login, mail, enabled, COALESCE(canpass, 1), COALESCE(lastaskpass, 0),"
		 " UNIX_TIMESTAMP() - COALESCE(lastaskpass, 0) < ? FROM membres WHERE login = ?"
		 " FOR UPDATE",
		 DB_ARGS(DB_U64(PANEL_MAIL_CHANGE_TTL), DB_STR(ctx->login)))) < 0)
		return error;
	ctx->send = request_allowed(ctx, rows);
	panel__db_rows_free(rows);
	if (!ctx->send)
		return 0;
	panel_actor self = panel_actor_system();
	self.ip = ctx->ip;
	uint64_t foreign = 0;
	if ((error = contact_domain_foreign(&foreign, db, ctx)) < 0)
		return error;
	if (foreign) { /* nothing mailed, as for any refusal; the admins see why in the audit */
		ctx->send = 0;
		/* Counted as a request of the day all the same: once a day, one audit row. */
		if ((error = panel__db_exec(
			 NULL, db,
			 "UPDATE membres SET lastaskpass = UNIX_TIMESTAMP() WHERE uid = ?",
			 DB_ARGS(DB_U64(ctx->uid)))) < 0)
			return error;
		return panel__audit(db, &self, "account.password_reset_withheld", "account",
				    ctx->stored_login, ctx->uid, NULL,
				    json_pack("{s:s}", "reason",
					      "the contact address's domain is hosted here by "
					      "another account"));
	}
	if ((error = panel__db_exec(NULL, db,
				    "REPLACE INTO panel_password_resets (uid, token_hash, expires)"
				    " VALUES (?, ?, NOW() + INTERVAL ? SECOND)",
				    DB_ARGS(DB_U64(ctx->uid), DB_STR(ctx->hash),
					    DB_U64(PANEL_MAIL_CHANGE_TTL)))) < 0 ||
	    (error = panel__db_exec(
		 NULL, db, "UPDATE membres SET lastaskpass = UNIX_TIMESTAMP() WHERE uid = ?",
		 DB_ARGS(DB_U64(ctx->uid)))) < 0)
		return error;
	return panel__audit(db, &self, "account.password_reset_request", "account",
			    ctx->stored_login, ctx->uid, NULL, NULL);
}

static int send_request(const panel *p, const struct request_ctx *ctx)
{
	const char *fqdn = panel_config_get(p->cfg, "hosting", "fqdn");
	const char *hosting = panel__sendmail_hosting(p);
	char subject[300], body[2048];

	snprintf(subject, sizeof(subject), "Your password on %s", hosting);
	snprintf(body, sizeof(body),
		 "Hello,\n\n"
		 "Someone (maybe you) asked to reset the password of the account\n"
		 "%s on %s.\n"
		 "To choose a new password, give this login and reset code to the panel\n"
		 "at https://%s/ within a day:\n\n"
		 "--------------------------------------\n\n"
		 "Login: %s\n\n"
		 "Reset code: %s\n\n"
		 "--------------------------------------\n\n"
		 "If you did not ask for it, someone did it for you: ignore this message,\n"
		 "your password stays as it is. If it happens again, please tell the\n"
		 "administrator of your server.\n",
		 ctx->stored_login, hosting, fqdn && *fqdn ? fqdn : "localhost", ctx->stored_login,
		 ctx->token);
	return panel__sendmail(p, ctx->mail, subject, body);
}

/* The mail could not go: the request leaves no trace but the audit, and may be made again. */
static int undo_body(panel_db *db, void *arg)
{
	const struct request_ctx *ctx = arg;
	int error;

	if ((error = panel__db_exec(NULL, db,
				    "DELETE FROM panel_password_resets WHERE uid = ? AND "
				    "token_hash = ?",
				    DB_ARGS(DB_U64(ctx->uid), DB_STR(ctx->hash)))) < 0)
		return error;
	return panel__db_exec(NULL, db, "UPDATE membres SET lastaskpass = ? WHERE uid = ?",
			      DB_ARGS(DB_U64(ctx->last_asked), DB_U64(ctx->uid)));
}

int panel_account_password_reset_request(panel *p, const char *login, const char *ip)
{
	struct request_ctx ctx = {.login = login, .ip = ip};
	panel__error_saved saved;
	int error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if (!login || !*login || strlen(login) > PANEL_LOGIN_MAX)
		return 0; /* no such account: nothing to say */
	if ((error = panel__auth_secret_new(ctx.token, sizeof(ctx.token), TOKEN_PREFIX)) < 0)
		return error;
	panel__auth_secret_hash(ctx.hash, ctx.token);
	if ((error = panel__db_transaction(p->db, request_body, &ctx)) < 0 || !ctx.send)
		goto out;
	if ((error = send_request(p, &ctx)) < 0) {
		panel__error_save(&saved);
		panel__db_transaction(p->db, undo_body, &ctx);
		panel__error_restore(&saved);
	}
out:
	sodium_memzero(ctx.token, sizeof(ctx.token));
	sodium_memzero(ctx.hash, sizeof(ctx.hash));
	return error;
}

/* ---------------------------------------------------------------- setting the password */

struct reset_ctx {
	panel *p;
	const char *login, *password, *hash, *ip;
	char token_hash[65];
	panel__throttle throttle;
	int wrong;
};

static int reset_charge_body(panel_db *db, void *arg)
{
	struct reset_ctx *ctx = arg;

	return panel__throttle_charge(db, &ctx->throttle);
}

/* The account's pending, unexpired token, compared in constant time: 1 with *uid set. */
static int token_matches(uint32_t *uid, char *login, size_t loginsz, panel_db *db,
			 const struct reset_ctx *ctx, int *error)
{
	panel_db_rows *rows;
	uint64_t u = 0;
	int same;

	*error = panel__db_query(&rows, db,
				 "SELECT r.uid, r.token_hash, m.login FROM panel_password_resets r"
				 " JOIN membres m ON m.uid = r.uid WHERE m.login = ? AND"
				 " r.expires > NOW() AND m.enabled = 1 FOR UPDATE",
				 DB_ARGS(DB_STR(ctx->login)));
	if (*error < 0)
		return 0;
	same = panel__db_rows_count(rows) == 1 && panel__db_cell_u64(&u, rows, 0, 0) == 0 &&
	       strlen(panel__db_cell(rows, 0, 1)) == 64 &&
	       sodium_memcmp(panel__db_cell(rows, 0, 1), ctx->token_hash, 64) == 0;
	if (same)
		snprintf(login, loginsz, "%s", panel__db_cell(rows, 0, 2));
	*uid = (uint32_t)u;
	panel__db_rows_free(rows);
	return same;
}

/* Is the code right? Asked before the new password is hashed, so that a wrong code costs no
 * hash's work (reset_body asks again under its lock). */
static int reset_precheck_body(panel_db *db, void *arg)
{
	struct reset_ctx *ctx = arg;
	char login[PANEL_LOGIN_MAX + 1];
	uint32_t uid = 0;
	int error;

	ctx->wrong = !token_matches(&uid, login, sizeof(login), db, ctx, &error);
	return error;
}

static int reset_body(panel_db *db, void *arg)
{
	struct reset_ctx *ctx = arg;
	char login[PANEL_LOGIN_MAX + 1];
	uint32_t uid = 0;
	int error;

	ctx->wrong = !token_matches(&uid, login, sizeof(login), db, ctx, &error);
	if (error < 0 || ctx->wrong)
		return error;
	panel_actor self = panel_actor_system();
	self.ip = ctx->ip;
	if ((error = panel__throttle_success(db, &ctx->throttle)) < 0 ||
	    (error = panel__policy_check(ctx->p, db, "mem", login, ctx->password)) < 0 ||
	    (error =
		 panel__db_exec(NULL, db, "UPDATE membres SET pass = ?, lastfail = 0 WHERE uid = ?",
				DB_ARGS(DB_STR(ctx->hash), DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db, "DELETE FROM panel_password_resets WHERE uid = ?",
				    DB_ARGS(DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db,
				    "UPDATE panel_tokens SET revoked = 1 WHERE uid = ? AND "
				    "revoked = 0",
				    DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	return panel__audit(db, &self, "account.password_reset", "account", login, uid, NULL,
			    json_pack("{s:s}", "password", "changed"));
}

int panel_account_password_reset(panel *p, const char *login, const char *token,
				 const char *password, const char *ip)
{
	struct reset_ctx ctx = {.p = p, .login = login, .password = password};
	char hash[PANEL_HASH_MAX], subject[PANEL_LOGIN_MAX + 8], ip_text[64], ip_key[80];
	int error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the new password is required");
	if (!login || !*login || strlen(login) > PANEL_LOGIN_MAX || !token ||
	    !panel__auth_secret_wellformed(token, TOKEN_PREFIX))
		return panel__error(PANEL_EAUTH, "token", "wrong or expired reset code");
	/* The counters of logins: a reset code is one more way to guess. */
	snprintf(subject, sizeof(subject), "login:%s", login);
	if ((error = panel__throttle_address(ip_text, sizeof(ip_text), ip_key, sizeof(ip_key),
					     ip)) < 0 ||
	    (error = panel__throttle_init(&ctx.throttle, subject, ip_key)) < 0 ||
	    (error = panel__db_transaction(p->db, reset_charge_body, &ctx)) < 0)
		return error;
	if ((error = panel__throttle_wait(p->db, &ctx.throttle)) < 0)
		return error;
	panel__auth_secret_hash(ctx.token_hash, token);
	ctx.ip = ip_text;
	if ((error = panel__db_transaction(p->db, reset_precheck_body, &ctx)) == 0 && !ctx.wrong &&
	    (error = panel__member_hash(p, hash, password)) == 0) {
		ctx.hash = hash;
		error = panel__db_transaction(p->db, reset_body, &ctx);
	}
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(ctx.token_hash, sizeof(ctx.token_hash));
	if (error == 0 && ctx.wrong)
		return panel__error(PANEL_EAUTH, "token", "wrong or expired reset code");
	return error;
}
