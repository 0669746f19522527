/* Listing accounts: the actor's visible accounts, filtered, ordered by login, paginated with a
 * cursor (the last login of the page) or an offset, with the total. */
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"

#define MAX_PARAMS 16

struct list_ctx {
	const panel_actor *who;
	const panel_account_filter *f;
	size_t limit;
	panel_account_list *out;
};

static int valid_login_chars(const char *s, size_t min)
{
	size_t n = strlen(s);

	if (n < min || n > PANEL_LOGIN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* Appends a constant SQL fragment (never data: data goes in params). */
static void add(char *where, size_t size, const char *fragment)
{
	size_t used = strlen(where);

	snprintf(where + used, size - used, " AND %s", fragment);
}

static int visibility(char *where, size_t size, panel_db_param *params, size_t *n, panel_db *db,
		      const panel_actor *who)
{
	int all = 0, error;

	switch (who->kind) {
	case PANEL_ACTOR_SYSTEM:
		return 0;
	case PANEL_ACTOR_MEMBER:
		add(where, size, "m.uid = ?");
		params[(*n)++] = DB_U64(who->uid);
		return 0;
	case PANEL_ACTOR_ADMIN:
		if (who->as_uid) {
			add(where, size, "m.uid = ?");
			params[(*n)++] = DB_U64(who->as_uid);
			return 0;
		}
		if (who->uid == PANEL_SUPER_ADMIN_UID)
			return 0;
		error = panel__db_query_u64(
		    (uint64_t[]){0}, db,
		    "SELECT 1 FROM variable WHERE name = 'subadmin_restriction' AND value = '1'",
		    DB_NOARGS);
		all = error == 0;
		if (error < 0 && error != PANEL_ENOTFOUND)
			return error;
		if (!all) {
			add(where, size, "(m.creator = ? OR m.uid = ?)");
			params[(*n)++] = DB_U64(who->uid);
			params[(*n)++] = DB_U64(who->uid);
		}
		return 0;
	}
	return 0;
}

/* The filter's conditions, added to where with their parameters (6 at most). */
static void filter_where(char *where, size_t size, panel_db_param *params, size_t *n,
			 const panel_account_filter *f)
{
	if (f->login_prefix && *f->login_prefix) {
		/* Checked to be [a-z0-9]: no LIKE wildcard can hide in it. */
		add(where, size, "m.login LIKE CONCAT(?, '%')");
		params[(*n)++] = DB_STR(f->login_prefix);
	}
	if (f->mail) {
		add(where, size, "m.mail = ?");
		params[(*n)++] = DB_STR(f->mail);
	}
	if (f->type) {
		add(where, size, "COALESCE(m.type, 'default') = ?");
		params[(*n)++] = DB_STR(f->type);
	}
	if (f->enabled >= 0) {
		add(where, size, "m.enabled = ?");
		params[(*n)++] = DB_I64(f->enabled ? 1 : 0);
	}
	if (f->creator) {
		add(where, size, "m.creator = ?");
		params[(*n)++] = DB_U64(f->creator);
	}
	if (f->expiring_days >= 0) {
		add(where, size,
		    "m.duration > 0 AND m.renewed IS NOT NULL AND DATE_ADD(m.renewed, INTERVAL"
		    " m.duration MONTH) <= DATE_ADD(NOW(), INTERVAL ? DAY)");
		params[(*n)++] = DB_I64(f->expiring_days);
	}
}

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	const panel_account_filter *f = ctx->f;
	panel_db_param params[MAX_PARAMS];
	char where[1024] = "1 = 1", sql[4096];
	panel_db_rows *rows;
	panel_account_list *list;
	uint64_t total;
	size_t n = 0;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = visibility(where, sizeof(where), params, &n, db, ctx->who)) < 0)
		return error;
	filter_where(where, sizeof(where), params, &n, f);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM membres m WHERE %s", where);
	if ((error = panel__db_query_u64(&total, db, sql, params, n)) < 0)
		return error;
	if (f->cursor && *f->cursor) {
		add(where, sizeof(where), "m.login > ?");
		params[n++] = DB_STR(f->cursor);
	}
	params[n++] = DB_U64(ctx->limit + 1);
	params[n++] = DB_U64(f->cursor && *f->cursor ? 0 : f->offset);
	snprintf(sql, sizeof(sql), "%s WHERE %s ORDER BY m.login LIMIT ? OFFSET ?",
		 panel__account_select, where);
	if ((error = panel__db_query(&rows, db, sql, params, n)) < 0)
		return error;
	size_t count = panel__db_rows_count(rows);
	int more = count > ctx->limit;
	if (more)
		count = ctx->limit;
	list = calloc(1, sizeof(*list));
	if (!list) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	error = panel__account_rows(&list->items, rows, count);
	list->count = list->items ? count : 0;
	panel__db_rows_free(rows);
	if (error < 0) {
		panel_account_list_free(list);
		return error;
	}
	list->total = total;
	if (more && count)
		snprintf(list->next_cursor, sizeof(list->next_cursor), "%s",
			 list->items[count - 1].login);
	panel_account_list_free(ctx->out);
	ctx->out = list;
	return 0;
}

int panel_account_list_get(panel_account_list **out, panel *p, const panel_actor *who,
			   const panel_account_filter *filter)
{
	panel_account_filter none = PANEL_ACCOUNT_FILTER_INIT;
	struct list_ctx ctx = {.who = who, .f = filter ? filter : &none};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (ctx.f->version != PANEL_ACCOUNT_FILTER_VERSION)
		return panel__error(PANEL_EINVALID, "filter", "unknown filter version");
	ctx.limit = ctx.f->limit ? ctx.f->limit : 50;
	if (ctx.limit > 500)
		return panel__error(PANEL_EINVALID, "limit", "limit is 500 at most");
	if (ctx.f->login_prefix && *ctx.f->login_prefix &&
	    !valid_login_chars(ctx.f->login_prefix, 1))
		return panel__error(PANEL_EINVALID, "login_prefix",
				    "a login prefix is made of a-z and 0-9");
	if (ctx.f->cursor && *ctx.f->cursor && !valid_login_chars(ctx.f->cursor, 1))
		return panel__error(PANEL_EINVALID, "cursor", "invalid cursor");
	if (ctx.f->expiring_days > 36500)
		return panel__error(PANEL_EINVALID, "expiring_days", "too many days");
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_account_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

void panel_account_list_free(panel_account_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].notes);
	free(list->items);
	free(list);
}
