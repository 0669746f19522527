/* Account types and quotas (AlternC m_quota::deltype and addquotas): deleting a type, and
 * setting an account's quotas back to the defaults of its type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/quota.h"
#include "quota_internal.h"
#include "validate.h"

/* {"<name>": total, ...}: the limits of account uid, or the defaults of type when not NULL, for the
 * audit trail. NULL when out of memory (the audit then records nothing for that side). */
static int limits_json(json_t **out, panel_db *db, uint64_t uid, const char *type)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	error = type ? panel__db_query(&rows, db,
				       "SELECT quota, value FROM defquotas WHERE type = ?"
				       " ORDER BY quota",
				       DB_ARGS(DB_STR(type)))
		     : panel__db_query(&rows, db,
				       "SELECT name, total FROM quotas WHERE uid = ? ORDER BY name",
				       DB_ARGS(DB_U64(uid)));
	if (error < 0)
		return error;
	*out = json_object();
	for (size_t i = 0; *out && i < panel__db_rows_count(rows); i++) {
		uint64_t v = 0;
		panel__db_cell_u64(&v, rows, i, 1);
		json_object_set_new(*out, panel__db_cell(rows, i, 0), json_integer((json_int_t)v));
	}
	panel__db_rows_free(rows);
	return 0;
}

/* ---------------------------------------------------------------- deleting a type */

struct type_ctx {
	const panel_actor *who;
	const char *type;
};

static int type_delete_body(panel_db *db, void *arg)
{
	struct type_ctx *ctx = arg;
	uint64_t defaults = 0, members = 0;
	json_t *before = NULL;
	int error;

	/* A type is used by every account later given it: a global setting. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	/* Locking the defaults first: an account being given this type holds them shared
	 * (account.c, check_type_exists), so the count below sees it. */
	if ((error = panel__db_query_u64(&defaults, db,
					 "SELECT COUNT(*) FROM defquotas WHERE type = ? FOR UPDATE",
					 DB_ARGS(DB_STR(ctx->type)))) < 0 ||
	    (error =
		 panel__db_query_u64(&members, db, "SELECT COUNT(*) FROM membres WHERE type = ?",
				     DB_ARGS(DB_STR(ctx->type)))) < 0)
		return error;
	if (!defaults)
		return panel__error(PANEL_ENOTFOUND, "type", "no account type %s", ctx->type);
	if (members)
		return panel__error(
		    PANEL_ECONFLICT, "type",
		    "%llu account(s) have the type %s: give them another type first",
		    (unsigned long long)members, ctx->type);
	if ((error = limits_json(&before, db, 0, ctx->type)) < 0)
		return error;
	if ((error = panel__db_exec(NULL, db, "DELETE FROM defquotas WHERE type = ?",
				    DB_ARGS(DB_STR(ctx->type)))) < 0) {
		json_decref(before);
		return error;
	}
	return panel__audit(db, ctx->who, "quota.type_delete", "account_type", ctx->type, 0, before,
			    NULL);
}

int panel_quota_type_delete(panel *p, const panel_actor *who, const char *type)
{
	struct type_ctx ctx = {who, type};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator deletes account types");
	if (!type || !*type || strlen(type) > 128 || !panel__printable(type))
		return panel__error(PANEL_EINVALID, "type", "invalid account type");
	if (strcmp(type, "default") == 0)
		return panel__error(PANEL_EINVALID, "type",
				    "the type default is every account's fallback: it stays");
	return panel__db_transaction(p->db, type_delete_body, &ctx);
}

/* ---------------------------------------------------------------- resetting an account */

struct reset_ctx {
	const panel_actor *who;
	const char *login;
};

/* The web quota's limit of uid (0 without a row). */
static int web_limit(uint64_t *kb, panel_db *db, uint32_t uid)
{
	int error =
	    panel__db_query_u64(kb, db, "SELECT total FROM quotas WHERE uid = ? AND name = 'web'",
				DB_ARGS(DB_U64(uid)));

	if (error == PANEL_ENOTFOUND) {
		*kb = 0;
		return 0;
	}
	return error;
}

static int reset_body(panel_db *db, void *arg)
{
	struct reset_ctx *ctx = arg;
	json_t *before = NULL, *after = NULL;
	uint64_t web_before = 0, web_after = 0;
	panel_db_rows *rows;
	char type[129];
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login,
					  PANEL__AUTHZ_ADMIN | PANEL__AUTHZ_CHANGE)) < 0 ||
	    (error = panel__authz_own_limits(ctx->who, uid)) < 0)
		return error;
	/* The account row locked: its type cannot change under the reset. */
	if ((error = panel__db_query(&rows, db,
				     "SELECT COALESCE(type, 'default') FROM membres WHERE uid = ?"
				     " FOR UPDATE",
				     DB_ARGS(DB_U64(uid)))) < 0)
		return error;
	snprintf(type, sizeof(type), "%s",
		 panel__db_rows_count(rows) ? panel__db_cell(rows, 0, 0) : "default");
	panel__db_rows_free(rows);
	if ((error = web_limit(&web_before, db, uid)) < 0 ||
	    (error = limits_json(&before, db, uid, NULL)) < 0 ||
	    (error = panel__quota_init(db, uid, type)) < 0 ||
	    (error = web_limit(&web_after, db, uid)) < 0 ||
	    (error = limits_json(&after, db, uid, NULL)) < 0)
		goto out;
	/* The web quota is a disk quota too: the actions runner applies the new one. */
	if (web_after != web_before &&
	    (error = panel__action(db, "quota_edit", uid, ctx->login,
				   json_pack("{s:I}", "kb", (json_int_t)web_after))) < 0)
		goto out;
	error =
	    panel__audit(db, ctx->who, "quota.reset", "account", ctx->login, uid, before, after);
	before = after = NULL;
out:
	json_decref(before);
	json_decref(after);
	return error;
}

int panel_quota_reset(panel_quota_list **out, panel *p, const panel_actor *who, const char *login)
{
	struct reset_ctx ctx = {who, login};
	int error;

	if (out)
		*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator resets an account's quotas");
	if ((error = panel__db_transaction(p->db, reset_body, &ctx)) < 0)
		return error;
	return out ? panel_quota_list_get(out, p, who, login) : 0;
}
