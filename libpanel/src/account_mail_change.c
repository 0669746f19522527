/* The two-step change of an account's contact address (AlternC 1.0's m_mem ChangeMail1 and
 * ChangeMail2 on its chgmail table): a cookie mailed to the new address, a key shown to the
 * requester, both needed to apply the change within a day. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/account_mail.h"
#include "sendmail.h"
#include "throttle.h"
#include "validate.h"

#define MAIL_MAX 128 /* chgmail.mail, membres.mail */
/* Seconds between two requests of one account: each mails an address of the requester's
 * choosing, which must not make the panel a way to flood someone's mailbox. */
#define REQUEST_INTERVAL 60

struct request_ctx {
	const panel_actor *who;
	const char *login, *mail;
	char cookie[PANEL_MAIL_CHANGE_COOKIE_MAX + 1], key[PANEL_MAIL_CHANGE_KEY_MAX + 1];
	uint32_t uid;
	char stored_login[PANEL_LOGIN_MAX + 1];
};

static void random_hex(char *out, size_t chars)
{
	unsigned char bytes[16];

	randombytes_buf(bytes, sizeof(bytes));
	sodium_bin2hex(out, chars + 1, bytes, chars / 2);
	sodium_memzero(bytes, sizeof(bytes));
}

static int purge_old(panel_db *db)
{
	return panel__db_exec(NULL, db, "DELETE FROM chgmail WHERE ts < UNIX_TIMESTAMP() - ?",
			      DB_ARGS(DB_U64(PANEL_MAIL_CHANGE_TTL)));
}

/* PANEL_ELIMIT while the account's last request is younger than REQUEST_INTERVAL. */
static int check_interval(panel_db *db, uint32_t uid)
{
	uint64_t wait = 0;
	int error = panel__db_query_u64(
	    &wait, db,
	    "SELECT ts + ? - UNIX_TIMESTAMP() FROM chgmail WHERE uid = ?"
	    " AND ts > UNIX_TIMESTAMP() - ? FOR UPDATE",
	    DB_ARGS(DB_U64(REQUEST_INTERVAL), DB_U64(uid), DB_U64(REQUEST_INTERVAL)));

	if (error == PANEL_ENOTFOUND)
		return 0;
	if (error < 0)
		return error;
	return panel__error(PANEL_ELIMIT, NULL,
			    "a change was asked less than a minute ago: try again in %llu seconds",
			    (unsigned long long)(wait ? wait : 1));
}

static int request_body(panel_db *db, void *arg)
{
	struct request_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&ctx->uid, db, ctx->who, ctx->login,
					  PANEL__AUTHZ_CHANGE)) < 0 ||
	    (error = panel__db_query(&rows, db, "SELECT login FROM membres WHERE uid = ?",
				     DB_ARGS(DB_U64(ctx->uid)))) < 0)
		return error;
	snprintf(ctx->stored_login, sizeof(ctx->stored_login), "%s",
		 panel__db_rows_count(rows) ? panel__db_cell(rows, 0, 0) : ctx->login);
	panel__db_rows_free(rows);
	if ((error = check_interval(db, ctx->uid)) < 0)
		return error;
	/* One pending change per account, as 1.0: a new request replaces the last. */
	if ((error = panel__db_exec(NULL, db, "DELETE FROM chgmail WHERE uid = ?",
				    DB_ARGS(DB_U64(ctx->uid)))) < 0 ||
	    (error = panel__db_exec(NULL, db,
				    "INSERT INTO chgmail (cookie, ckey, uid, mail, ts)"
				    " VALUES (?, ?, ?, ?, UNIX_TIMESTAMP())",
				    DB_ARGS(DB_STR(ctx->cookie), DB_STR(ctx->key), DB_U64(ctx->uid),
					    DB_STR(ctx->mail)))) < 0 ||
	    (error = purge_old(db)) < 0)
		return error;
	return panel__audit(db, ctx->who, "account.mail_change_request", "account",
			    ctx->stored_login, ctx->uid, NULL,
			    json_pack("{s:s}", "mail", ctx->mail));
}

/* 1.0's text, in English (its French one had a TODO to translate it). */
static int send_request(const panel *p, const struct request_ctx *ctx)
{
	const char *fqdn = panel_config_get(p->cfg, "hosting", "fqdn");
	const char *hosting = panel__sendmail_hosting(p);
	char subject[300], body[2048];

	snprintf(subject, sizeof(subject), "Change of e-mail address on %s", hosting);
	snprintf(body, sizeof(body),
		 "Hello,\n\n"
		 "Someone (maybe you) asked to change the e-mail address of the account\n"
		 "%s on %s to this address.\n"
		 "To confirm that this address is valid, please go to:\n\n"
		 "https://%s/admin/mem_cm.php?usr=%u&cookie=%s\n\n"
		 "(if this address is cut over two lines, join them). The panel will ask\n"
		 "for the key you were given when you asked for the change.\n\n"
		 "If you did not ask for it, someone did it for you: ignore this message.\n"
		 "If it happens again, please tell the administrator of your server.\n",
		 ctx->stored_login, hosting, fqdn && *fqdn ? fqdn : "localhost", ctx->uid,
		 ctx->cookie);
	return panel__sendmail(p, ctx->mail, subject, body);
}

static int forget_body(panel_db *db, void *arg)
{
	const struct request_ctx *ctx = arg;

	return panel__db_exec(NULL, db, "DELETE FROM chgmail WHERE uid = ? AND cookie = ?",
			      DB_ARGS(DB_U64(ctx->uid), DB_STR(ctx->cookie)));
}

int panel_account_mail_change_request(char key[PANEL_MAIL_CHANGE_KEY_MAX + 1], panel *p,
				      const panel_actor *who, const char *login,
				      const char *new_mail)
{
	struct request_ctx ctx = {.who = who, .login = login, .mail = new_mail};
	panel__error_saved saved;
	int error;

	key[0] = '\0';
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!new_mail || strlen(new_mail) > MAIL_MAX || !panel__valid_mail(new_mail))
		return panel__error(PANEL_EINVALID, "mail", "not a mail address");
	random_hex(ctx.cookie, PANEL_MAIL_CHANGE_COOKIE_MAX);
	random_hex(ctx.key, PANEL_MAIL_CHANGE_KEY_MAX);
	if ((error = panel__db_transaction(p->db, request_body, &ctx)) < 0)
		goto out;
	if ((error = send_request(p, &ctx)) < 0) {
		panel__error_save(&saved);
		panel__db_transaction(p->db, forget_body, &ctx);
		panel__error_restore(&saved);
		goto out;
	}
	memcpy(key, ctx.key, sizeof(ctx.key));
out:
	sodium_memzero(ctx.cookie, sizeof(ctx.cookie));
	sodium_memzero(ctx.key, sizeof(ctx.key));
	return error;
}

/* ---------------------------------------------------------------- confirmation */

struct confirm_ctx {
	uint32_t uid;
	const char *cookie, *key, *ip;
	panel__throttle throttle;
	int wrong;
};

static int confirm_charge_body(panel_db *db, void *arg)
{
	struct confirm_ctx *ctx = arg;

	return panel__throttle_charge(db, &ctx->throttle);
}

/* Both values compared in constant time over their columns' widths. */
static int pair_matches(const panel_db_rows *rows, const struct confirm_ctx *ctx)
{
	char a[PANEL_MAIL_CHANGE_COOKIE_MAX + PANEL_MAIL_CHANGE_KEY_MAX + 2] = {0};
	char b[sizeof(a)] = {0};
	int same;

	if (panel__db_rows_count(rows) != 1)
		return 0;
	snprintf(a, PANEL_MAIL_CHANGE_COOKIE_MAX + 1, "%s", panel__db_cell(rows, 0, 0));
	snprintf(a + PANEL_MAIL_CHANGE_COOKIE_MAX + 1, PANEL_MAIL_CHANGE_KEY_MAX + 1, "%s",
		 panel__db_cell(rows, 0, 1));
	snprintf(b, PANEL_MAIL_CHANGE_COOKIE_MAX + 1, "%s", ctx->cookie);
	snprintf(b + PANEL_MAIL_CHANGE_COOKIE_MAX + 1, PANEL_MAIL_CHANGE_KEY_MAX + 1, "%s",
		 ctx->key);
	same = sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(a, sizeof(a));
	return same;
}

static int confirm_body(panel_db *db, void *arg)
{
	struct confirm_ctx *ctx = arg;
	panel_db_rows *rows, *acc = NULL;
	int error;

	ctx->wrong = 1;
	if ((error = panel__db_query(&rows, db,
				     "SELECT cookie, ckey, mail FROM chgmail WHERE uid = ? AND"
				     " ts >= UNIX_TIMESTAMP() - ? FOR UPDATE",
				     DB_ARGS(DB_U64(ctx->uid), DB_U64(PANEL_MAIL_CHANGE_TTL)))) < 0)
		return error;
	ctx->wrong = !pair_matches(rows, ctx);
	if (ctx->wrong ||
	    (error = panel__db_query(&acc, db, "SELECT login, mail FROM membres WHERE uid = ?",
				     DB_ARGS(DB_U64(ctx->uid)))) < 0 ||
	    (ctx->wrong = panel__db_rows_count(acc) != 1)) {
		panel__db_rows_free(rows);
		panel__db_rows_free(acc);
		return error;
	}
	const char *mail = panel__db_cell(rows, 0, 2), *login = panel__db_cell(acc, 0, 0);
	json_t *before = json_pack("{s:s}", "mail", panel__db_cell(acc, 0, 1));
	json_t *after = json_pack("{s:s}", "mail", mail);
	panel_actor self = panel_actor_system();
	self.ip = ctx->ip;
	if ((error = panel__db_exec(NULL, db, "UPDATE membres SET mail = ? WHERE uid = ?",
				    DB_ARGS(DB_STR(mail), DB_U64(ctx->uid)))) == 0 &&
	    (error = panel__db_exec(NULL, db, "DELETE FROM chgmail WHERE uid = ?",
				    DB_ARGS(DB_U64(ctx->uid)))) == 0 &&
	    (error = purge_old(db)) == 0 &&
	    (error = panel__throttle_success(db, &ctx->throttle)) == 0) {
		error = panel__audit(db, &self, "account.mail_change", "account", login, ctx->uid,
				     before, after);
		before = after = NULL;
	}
	json_decref(before);
	json_decref(after);
	panel__db_rows_free(rows);
	panel__db_rows_free(acc);
	return error;
}

static int hex_of_at_most(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= max && strspn(s, "0123456789abcdef") == n;
}

int panel_account_mail_change_confirm(panel *p, uint32_t uid, const char *cookie, const char *key,
				      const char *ip)
{
	struct confirm_ctx ctx = {.uid = uid, .cookie = cookie, .key = key};
	char subject[32], ip_text[64], ip_key[80];
	int error;

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	/* Shapes 1.0 never made are refused as wrong, before any lookup. */
	if (!hex_of_at_most(cookie, PANEL_MAIL_CHANGE_COOKIE_MAX) ||
	    !hex_of_at_most(key, PANEL_MAIL_CHANGE_KEY_MAX))
		return panel__error(PANEL_EAUTH, NULL, "wrong or expired confirmation");
	snprintf(subject, sizeof(subject), "chgmail:%u", uid);
	if ((error = panel__throttle_address(ip_text, sizeof(ip_text), ip_key, sizeof(ip_key),
					     ip)) < 0 ||
	    (error = panel__throttle_init(&ctx.throttle, subject, ip_key)) < 0 ||
	    (error = panel__db_transaction(p->db, confirm_charge_body, &ctx)) < 0)
		return error;
	if ((error = panel__throttle_wait(p->db, &ctx.throttle)) < 0)
		return error;
	ctx.ip = ip_text;
	if ((error = panel__db_transaction(p->db, confirm_body, &ctx)) < 0)
		return error;
	if (ctx.wrong)
		return panel__error(PANEL_EAUTH, NULL, "wrong or expired confirmation");
	return 0;
}
