/* Quotas: limits per account from the quotas table, usage counted from the rows each module
 * owns, defaults per account type from defquotas, and the creation check. */
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/json.h"
#include "panel/quota.h"
#include "quota_internal.h"
#include "validate.h"

/* Each known quota and the query that counts what an account uses of it. */
static const struct quota_kind {
	const char *name;
	const char *count_sql;
} kinds[] = {
    {"dom", "SELECT COUNT(*) FROM domaines WHERE compte = ?"},
    {"mail", "SELECT COUNT(*) FROM mail_domain WHERE uid = ? AND type = 0"},
    {"ftp", "SELECT COUNT(*) FROM ftpusers WHERE uid = ?"},
    {"mysql", "SELECT COUNT(*) FROM db WHERE uid = ?"},
    {"mysql_users", "SELECT COUNT(*) FROM dbusers WHERE uid = ?"},
    {"sta2", "SELECT COUNT(*) FROM stats2 WHERE mid = ?"},
    /* Disk in KB, as the actions runner last measured it (runner_usage.c; 1.0: the nightly
     * spoolsize.php), with the time: fill() reads both. */
    {"web", "SELECT COALESCE(SUM(size), 0) FROM size_web WHERE uid = ?"},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct quota_kind *find_kind(const char *name)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (name && strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

int panel__quota_known(const char *name)
{
	return find_kind(name) != NULL;
}

static int unknown_name(void)
{
	return panel__error(PANEL_EINVALID, "name",
			    "unknown quota (dom, mail, ftp, mysql, mysql_users, sta2, web)");
}

static int used(uint64_t *out, panel_db *db, const struct quota_kind *k, uint32_t uid)
{
	return panel__db_query_u64(out, db, k->count_sql, DB_ARGS(DB_U64(uid)));
}

/* The limit of name for uid: *exists says whether the account has a row. */
static int limit_of(uint64_t *total, int *exists, panel_db *db, uint32_t uid, const char *name,
		    int lock)
{
	int error =
	    panel__db_query_u64(total, db,
				lock ? "SELECT total FROM quotas WHERE uid = ? AND name = ?"
				       " FOR UPDATE"
				     : "SELECT total FROM quotas WHERE uid = ? AND name = ?",
				DB_ARGS(DB_U64(uid), DB_STR(name)));

	*exists = error == 0;
	if (error == PANEL_ENOTFOUND) {
		*total = 0;
		return 0;
	}
	return error;
}

int panel__quota_reserve(panel_db *db, uint32_t uid, const char *name)
{
	const struct quota_kind *k = find_kind(name);
	uint64_t total, now;
	int exists, error;

	if (!k)
		return panel__error(PANEL_ERROR, NULL, "internal: unknown quota %s", name);
	/* A shared lock on the account first: its deletion (account_delete.c locks the row FOR
	 * UPDATE before it removes what the account owns) waits for this creation to commit and
	 * then removes the new object too, or runs first and this finds no account. Without it a
	 * deletion could pass over the uncommitted object and leave it behind, orphaned. */
	error = panel__db_query_u64(&now, db,
				    "SELECT uid FROM membres WHERE uid = ? LOCK IN SHARE MODE",
				    DB_ARGS(DB_U64(uid)));
	if (error == PANEL_ENOTFOUND)
		return panel__error(PANEL_ENOTFOUND, "login", "no such account");
	if (error < 0)
		return error;
	if ((error = limit_of(&total, &exists, db, uid, name, 1)) < 0)
		return error;
	if ((error = used(&now, db, k, uid)) < 0)
		return error;
	if (!exists || now >= total)
		return panel__error(PANEL_EQUOTA, name, "quota %s reached: %llu of %llu used", name,
				    (unsigned long long)now, (unsigned long long)total);
	return 0;
}

int panel__quota_init(panel_db *db, uint32_t uid, const char *type)
{
	int error;

	for (size_t i = 0; i < N_KINDS; i++) {
		if ((error = panel__db_exec(
			 NULL, db,
			 "INSERT INTO quotas (uid, name, total) VALUES (?, ?, COALESCE((SELECT"
			 " value FROM defquotas WHERE quota = ? AND type = ?), 0))"
			 " ON DUPLICATE KEY UPDATE total = VALUES(total)",
			 DB_ARGS(DB_U64(uid), DB_STR(kinds[i].name), DB_STR(kinds[i].name),
				 DB_STR(type)))) < 0)
			return error;
	}
	return 0;
}

int panel__quota_queue_web(panel_db *db, uint32_t uid, const char *login)
{
	uint64_t total = 0;
	int error = panel__db_query_u64(&total, db,
					"SELECT total FROM quotas WHERE uid = ? AND name = 'web'",
					DB_ARGS(DB_U64(uid)));

	if (error == PANEL_ENOTFOUND || (error == 0 && total == 0))
		return 0;
	if (error < 0)
		return error;
	return panel__action(db, "quota_edit", uid, login,
			     json_pack("{s:I}", "kb", (json_int_t)total));
}

/* The web usage as measured, and when. */
static int measured(panel_quota *q, panel_db *db, uint32_t uid)
{
	panel_db_rows *rows = NULL;
	int error =
	    panel__db_query(&rows, db,
			    "SELECT size, DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s') FROM size_web"
			    " WHERE uid = ?",
			    DB_ARGS(DB_U64(uid)));

	if (error < 0)
		return error;
	q->used = 0;
	if (panel__db_rows_count(rows) == 1) {
		panel__db_cell_u64(&q->used, rows, 0, 0);
		const char *ts = panel__db_cell(rows, 0, 1);
		snprintf(q->measured_at, sizeof(q->measured_at), "%s", ts ? ts : "");
	}
	panel__db_rows_free(rows);
	return 0;
}

static int fill(panel_quota *q, panel_db *db, uint32_t uid, const struct quota_kind *k)
{
	int exists, error;

	memset(q, 0, sizeof(*q));
	snprintf(q->name, sizeof(q->name), "%s", k->name);
	if ((error = limit_of(&q->total, &exists, db, uid, k->name, 0)) < 0)
		return error;
	if (strcmp(k->name, "web") == 0)
		return measured(q, db, uid);
	return used(&q->used, db, k, uid);
}

struct get_ctx {
	const panel_actor *who;
	const char *login;
	const struct quota_kind *only; /* NULL: all */
	panel_quota items[N_KINDS];
	size_t count;
};

static int get_body(panel_db *db, void *arg)
{
	struct get_ctx *ctx = arg;
	uint32_t uid;
	int error;

	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login, 0)) < 0)
		return error;
	for (size_t i = 0; i < N_KINDS; i++) {
		if (ctx->only && ctx->only != &kinds[i])
			continue;
		if ((error = fill(&ctx->items[ctx->count], db, uid, &kinds[i])) < 0)
			return error;
		ctx->count++;
	}
	return 0;
}

int panel_quota_list_get(panel_quota_list **out, panel *p, const panel_actor *who,
			 const char *login)
{
	struct get_ctx ctx = {.who = who, .login = login};
	panel_quota *items;
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, get_body, &ctx)) < 0)
		return error;
	if (!(items = calloc(ctx.count, sizeof(*items))))
		return panel__error_oom();
	memcpy(items, ctx.items, ctx.count * sizeof(*items));
	return PANEL__LIST_TAKE(out, items, ctx.count);
}

int panel_quota_get(panel_quota *out, panel *p, const panel_actor *who, const char *login,
		    const char *name)
{
	struct get_ctx ctx = {.who = who, .login = login, .only = find_kind(name)};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!ctx.only)
		return unknown_name();
	if ((error = panel__db_transaction(p->db, get_body, &ctx)) < 0)
		return error;
	*out = ctx.items[0];
	return 0;
}

struct set_ctx {
	const panel_actor *who;
	const char *login;
	const struct quota_kind *kind;
	uint64_t total;
	panel_quota result;
};

static int set_body(panel_db *db, void *arg)
{
	struct set_ctx *ctx = arg;
	panel_quota before;
	char id[128];
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_account(&uid, db, ctx->who, ctx->login,
					  PANEL__AUTHZ_ADMIN | PANEL__AUTHZ_CHANGE)) < 0 ||
	    (error = panel__authz_own_limits(ctx->who, uid)) < 0)
		return error;
	/* Lock the row first: concurrent changes then audit true before-values. */
	if ((error = panel__db_exec(NULL, db,
				    "INSERT IGNORE INTO quotas (uid, name, total) VALUES (?, ?, 0)",
				    DB_ARGS(DB_U64(uid), DB_STR(ctx->kind->name)))) < 0 ||
	    (error = panel__db_exec(
		 NULL, db, "SELECT total FROM quotas WHERE uid = ? AND name = ? FOR UPDATE",
		 DB_ARGS(DB_U64(uid), DB_STR(ctx->kind->name)))) < 0)
		return error;
	if ((error = fill(&before, db, uid, ctx->kind)) < 0)
		return error;
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO quotas (uid, name, total) VALUES (?, ?, ?)"
		 " ON DUPLICATE KEY UPDATE total = VALUES(total)",
		 DB_ARGS(DB_U64(uid), DB_STR(ctx->kind->name), DB_U64(ctx->total)))) < 0)
		return error;
	if ((error = fill(&ctx->result, db, uid, ctx->kind)) < 0)
		return error;
	/* The web quota is a disk quota too: the actions runner applies it (quota_edit). */
	if (strcmp(ctx->kind->name, "web") == 0 &&
	    (error = panel__action(db, "quota_edit", uid, ctx->login,
				   json_pack("{s:I}", "kb", (json_int_t)ctx->total))) < 0)
		return error;
	snprintf(id, sizeof(id), "%s/%s", ctx->login, ctx->kind->name);
	return panel__audit(db, ctx->who, "quota.set", "quota", id, uid,
			    panel_quota_to_json(&before), panel_quota_to_json(&ctx->result));
}

int panel_quota_set(panel_quota *out, panel *p, const panel_actor *who, const char *login,
		    const char *name, uint64_t total)
{
	struct set_ctx ctx = {.who = who, .login = login, .kind = find_kind(name), .total = total};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, NULL, "only an administrator sets quotas");
	if (!ctx.kind)
		return unknown_name();
	if (total > (uint64_t)1 << 53)
		return panel__error(PANEL_EINVALID, "value", "quota value too large");
	if ((error = panel__db_transaction(p->db, set_body, &ctx)) < 0)
		return error;
	if (out)
		*out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- defaults */

static int valid_type(const char *type)
{
	return type && *type && strlen(type) <= 128 && panel__printable(type);
}

struct defaults_ctx {
	const panel_actor *who;
	const char *type;
	panel_quota_default_list *out;
};

static int defaults_body(panel_db *db, void *arg)
{
	struct defaults_ctx *ctx = arg;
	panel_db_rows *rows;
	panel_quota_default_list *list;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->type)
		error = panel__db_query(&rows, db,
					"SELECT type, quota, value FROM defquotas WHERE type = ?"
					" ORDER BY type, quota",
					DB_ARGS(DB_STR(ctx->type)));
	else
		error = panel__db_query(
		    &rows, db, "SELECT type, quota, value FROM defquotas ORDER BY type, quota",
		    DB_NOARGS);
	if (error < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	list = calloc(1, sizeof(*list));
	if (!list || (n && !(list->items = calloc(n, sizeof(*list->items))))) {
		free(list);
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		panel_quota_default *d = &list->items[i];
		snprintf(d->type, sizeof(d->type), "%s", panel__db_cell(rows, i, 0));
		snprintf(d->name, sizeof(d->name), "%s", panel__db_cell(rows, i, 1));
		panel__db_cell_u64(&d->value, rows, i, 2);
	}
	list->count = n;
	list->total = n;
	panel__db_rows_free(rows);
	panel_quota_default_list_free(ctx->out);
	ctx->out = list;
	return 0;
}

int panel_quota_defaults_get(panel_quota_default_list **out, panel *p, const panel_actor *who,
			     const char *type)
{
	struct defaults_ctx ctx = {.who = who, .type = type};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator reads the default quotas");
	if (type && !valid_type(type))
		return panel__error(PANEL_EINVALID, "type", "invalid account type");
	if ((error = panel__db_transaction(p->db, defaults_body, &ctx)) < 0) {
		panel_quota_default_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

struct default_set_ctx {
	const panel_actor *who;
	const char *type, *name;
	uint64_t value;
};

static int default_set_body(panel_db *db, void *arg)
{
	struct default_set_ctx *ctx = arg;
	uint64_t old = 0;
	char id[256];
	int error;

	/* Default quotas apply to every new account, including other admins' members. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	error = panel__db_query_u64(&old, db,
				    "SELECT value FROM defquotas WHERE quota = ? AND type = ?",
				    DB_ARGS(DB_STR(ctx->name), DB_STR(ctx->type)));
	if (error < 0 && error != PANEL_ENOTFOUND)
		return error;
	json_t *before = error == PANEL_ENOTFOUND
			     ? NULL
			     : json_pack("{s:s, s:s, s:I}", "type", ctx->type, "name", ctx->name,
					 "value", (json_int_t)old);
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO defquotas (quota, value, type) VALUES (?, ?, ?)"
		 " ON DUPLICATE KEY UPDATE value = VALUES(value)",
		 DB_ARGS(DB_STR(ctx->name), DB_U64(ctx->value), DB_STR(ctx->type)))) < 0) {
		json_decref(before);
		return error;
	}
	snprintf(id, sizeof(id), "%s/%s", ctx->type, ctx->name);
	return panel__audit(db, ctx->who, "quota.default_set", "quota_default", id, 0, before,
			    json_pack("{s:s, s:s, s:I}", "type", ctx->type, "name", ctx->name,
				      "value", (json_int_t)ctx->value));
}

int panel_quota_default_set(panel *p, const panel_actor *who, const char *type, const char *name,
			    uint64_t value)
{
	struct default_set_ctx ctx = {who, type, name, value};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator sets the default quotas");
	if (!valid_type(type))
		return panel__error(PANEL_EINVALID, "type", "invalid account type");
	if (!find_kind(name))
		return unknown_name();
	if (value > (uint64_t)1 << 53)
		return panel__error(PANEL_EINVALID, "value", "quota value too large");
	return panel__db_transaction(p->db, default_set_body, &ctx);
}

void panel_quota_list_free(panel_quota_list *list)
{
	PANEL__LIST_FREE(list);
}

void panel_quota_default_list_free(panel_quota_default_list *list)
{
	PANEL__LIST_FREE(list);
}
