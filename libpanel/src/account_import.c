/* What a bulk import asks of an account that exists already: whether a line's password (or
 * stored hash) is the account's own. A rerun of an import skips the accounts an earlier run
 * made and completes their domains and boxes; a line that only names an existing account and
 * its contact address must not add boxes, with its own passwords, to that account's domains. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/account.h"
#include "panel/password.h"

struct secret_ctx {
	const panel_actor *who;
	const char *login;
	char *stored;
};

static int secret_body(panel_db *db, void *arg)
{
	struct secret_ctx *ctx = arg;
	panel_db_rows *rows = NULL;
	uint32_t uid;
	int error;

	free(ctx->stored);
	ctx->stored = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login, PANEL__AUTHZ_CHANGE)) <
		0 ||
	    (error = panel__db_query(&rows, db, "SELECT pass FROM membres WHERE uid = ?",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	const char *pass = panel__db_cell(rows, 0, 0);
	if (!(ctx->stored = strdup(pass ? pass : "")))
		error = panel__error_oom();
	panel__db_rows_free(rows);
	return error;
}

int panel_account_secret_matches(panel *p, const panel_actor *who, const char *login,
				 const char *password, const char *password_hash)
{
	struct secret_ctx ctx = {.who = who, .login = login};
	int error, same;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind == PANEL_ACTOR_MEMBER || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only the system and administrators import accounts");
	if (!password == !password_hash)
		return panel__error(PANEL_EINVALID, "password", "give the password or its hash");
	if ((error = panel__db_transaction(p->db, secret_body, &ctx)) < 0)
		return error;
	if (password_hash) {
		size_t n = strlen(ctx.stored);
		same = *ctx.stored && strlen(password_hash) == n &&
		       sodium_memcmp(ctx.stored, password_hash, n) == 0;
	} else {
		same = panel_password_verify(ctx.stored, password, NULL) == 0;
		panel_error_clear();
	}
	sodium_memzero(ctx.stored, strlen(ctx.stored));
	free(ctx.stored);
	return same ? 0
		    : panel__error(PANEL_EAUTH, password ? "password" : "password_hash",
				   "not the password of the existing account %s", login);
}
