/* The TLD table (which top-level domains members may host, and how) and the forbidden domains,
 * both administered by admins. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "domain_validate.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/domain.h"
#include "panel/json.h"
#include "validate.h"

/* A TLD: labels of a-z, 0-9 and '-', one or more ("fr", "asso.fr"), leading dot dropped. */
static int normalize_tld(char out[129], const char *tld)
{
	const char *s = tld && *tld == '.' ? tld + 1 : tld;
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 128)
		return panel__error(PANEL_EINVALID, "tld", "invalid TLD");
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	char probe[140];
	snprintf(probe, sizeof(probe), "x.%s", out);
	if (!panel__valid_fqdn(probe))
		return panel__error(PANEL_EINVALID, "tld", "invalid TLD");
	return 0;
}

/* After panel__enter. */
static int admin_only(const panel_actor *who)
{
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL, "only an administrator may do this");
	return 0;
}

struct tld_ctx {
	const panel_actor *who;
	char tld[129];
	int mode; /* -1: delete */
	panel_tld *items;
	size_t count;
};

static int tld_list_body(panel_db *db, void *arg)
{
	struct tld_ctx *ctx = arg;
	panel_db_rows *rows;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__db_query(&rows, db, "SELECT tld, mode FROM tld ORDER BY tld",
				     DB_NOARGS)) < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
	if (n && !ctx->items) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t mode = 0;
		snprintf(ctx->items[i].tld, sizeof(ctx->items[i].tld), "%s",
			 panel__db_cell(rows, i, 0));
		panel__db_cell_u64(&mode, rows, i, 1);
		ctx->items[i].mode = (int)mode;
	}
	ctx->count = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_tld_list_get(panel_tld_list **out, panel *p, const panel_actor *who)
{
	struct tld_ctx ctx = {.who = who};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, tld_list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

void panel_tld_list_free(panel_tld_list *list)
{
	PANEL__LIST_FREE(list);
}

static int tld_change_body(panel_db *db, void *arg)
{
	struct tld_ctx *ctx = arg;
	uint64_t old = 0, affected = 0;
	int error, existed;

	/* The TLD table and the forbidden domains decide for every member. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	error = panel__db_query_u64(&old, db, "SELECT mode FROM tld WHERE tld = ?",
				    DB_ARGS(DB_STR(ctx->tld)));
	if (error < 0 && error != PANEL_ENOTFOUND)
		return error;
	existed = error == 0;
	json_t *before =
	    existed ? json_pack("{s:s, s:i}", "tld", ctx->tld, "mode", (int)old) : NULL;
	json_t *after = NULL;
	if (ctx->mode < 0) {
		error = panel__db_exec(&affected, db, "DELETE FROM tld WHERE tld = ?",
				       DB_ARGS(DB_STR(ctx->tld)));
		if (error == 0 && !existed)
			error = panel__error(PANEL_ENOTFOUND, "tld", "no such TLD");
	} else {
		error = panel__db_exec(NULL, db,
				       "INSERT INTO tld (tld, mode) VALUES (?, ?) ON DUPLICATE KEY"
				       " UPDATE mode = VALUES(mode)",
				       DB_ARGS(DB_STR(ctx->tld), DB_I64(ctx->mode)));
		after = json_pack("{s:s, s:i}", "tld", ctx->tld, "mode", ctx->mode);
	}
	if (error < 0) {
		json_decref(before);
		json_decref(after);
		return error;
	}
	return panel__audit(db, ctx->who, ctx->mode < 0 ? "tld.delete" : "tld.set", "tld", ctx->tld,
			    0, before, after);
}

int panel_tld_set(panel *p, const panel_actor *who, const char *tld, int mode)
{
	struct tld_ctx ctx = {.who = who, .mode = mode};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = admin_only(who)) < 0 || (error = normalize_tld(ctx.tld, tld)) < 0)
		return error;
	if (mode < 0 || mode > 5)
		return panel__error(PANEL_EINVALID, "mode", "mode is 0 to 5");
	return panel__db_transaction(p->db, tld_change_body, &ctx);
}

int panel_tld_delete(panel *p, const panel_actor *who, const char *tld)
{
	struct tld_ctx ctx = {.who = who, .mode = -1};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = admin_only(who)) < 0 || (error = normalize_tld(ctx.tld, tld)) < 0)
		return error;
	return panel__db_transaction(p->db, tld_change_body, &ctx);
}

/* ---------------------------------------------------------------- forbidden domains */

static void free_names(char **names, size_t count)
{
	for (size_t i = 0; names && i < count; i++)
		free(names[i]);
	free(names);
}

struct forbidden_ctx {
	const panel_actor *who;
	char domain[PANEL_DOMAIN_MAX + 1];
	int add; /* 1 add, 0 delete, -1 list */
	char **items;
	size_t count;
};

static int forbidden_body(panel_db *db, void *arg)
{
	struct forbidden_ctx *ctx = arg;
	uint64_t affected = 0;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->add < 0) {
		panel_db_rows *rows;
		free_names(ctx->items, ctx->count);
		ctx->items = NULL;
		ctx->count = 0;
		if ((error = panel__db_query(&rows, db,
					     "SELECT domain FROM forbidden_domains ORDER BY domain",
					     DB_NOARGS)) < 0)
			return error;
		size_t n = panel__db_rows_count(rows);
		ctx->items = n ? calloc(n, sizeof(*ctx->items)) : NULL;
		for (size_t i = 0; ctx->items && i < n; i++) {
			ctx->items[i] = strdup(panel__db_cell(rows, i, 0));
			if (!ctx->items[i])
				error = panel__error_oom();
			ctx->count = i + 1;
		}
		if (n && !ctx->items)
			error = panel__error_oom();
		panel__db_rows_free(rows);
		return error;
	}
	if ((error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	if (ctx->add) {
		error =
		    panel__db_exec(NULL, db, "INSERT INTO forbidden_domains (domain) VALUES (?)",
				   DB_ARGS(DB_STR(ctx->domain)));
		if (error == PANEL_EEXISTS)
			return panel__error(PANEL_EEXISTS, "domain", "already forbidden");
	} else {
		error =
		    panel__db_exec(&affected, db, "DELETE FROM forbidden_domains WHERE domain = ?",
				   DB_ARGS(DB_STR(ctx->domain)));
		if (error == 0 && affected == 0)
			return panel__error(PANEL_ENOTFOUND, "domain", "not a forbidden domain");
	}
	if (error < 0)
		return error;
	json_t *value = json_pack("{s:s}", "domain", ctx->domain);
	return panel__audit(db, ctx->who, ctx->add ? "forbidden.add" : "forbidden.delete",
			    "forbidden_domain", ctx->domain, 0, ctx->add ? NULL : value,
			    ctx->add ? value : NULL);
}

static int forbidden_run(struct forbidden_ctx *ctx, panel *p, const char *domain)
{
	int error;

	if ((error = panel__enter(p, ctx->who)) < 0 || (error = admin_only(ctx->who)) < 0)
		return error;
	if (domain && (error = panel__domain_normalize(ctx->domain, sizeof(ctx->domain), domain,
						       "domain")) < 0)
		return error;
	return panel__db_transaction(p->db, forbidden_body, ctx);
}

int panel_forbidden_list_get(panel_forbidden_list **out, panel *p, const panel_actor *who)
{
	struct forbidden_ctx ctx = {.who = who, .add = -1};
	int error;

	*out = NULL;
	if ((error = forbidden_run(&ctx, p, NULL)) < 0 || !(*out = calloc(1, sizeof(**out)))) {
		free_names(ctx.items, ctx.count);
		return error < 0 ? error : panel__error_oom();
	}
	(*out)->items = ctx.items;
	(*out)->count = ctx.count;
	(*out)->total = ctx.count;
	return 0;
}

int panel_forbidden_add(panel *p, const panel_actor *who, const char *domain)
{
	struct forbidden_ctx ctx = {.who = who, .add = 1};

	return forbidden_run(&ctx, p, domain ? domain : "");
}

int panel_forbidden_delete(panel *p, const panel_actor *who, const char *domain)
{
	struct forbidden_ctx ctx = {.who = who, .add = 0};

	return forbidden_run(&ctx, p, domain ? domain : "");
}

void panel_forbidden_list_free(panel_forbidden_list *list)
{
	if (!list)
		return;
	free_names(list->items, list->count);
	free(list);
}
