/* Listing accounts: the actor's visible accounts, filtered, ordered by login, paginated with a
 * cursor (the last login of the page) or an offset, with the total. */
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "authz.h"
#include "credential.h"
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

/* Who sees what, as conditions of the statement itself (AlternC's subadmin_restriction
 * included): no statement of its own. */
static void visibility(char *where, size_t size, panel_db_param *params, size_t *n,
		       const panel_actor *who)
{
	switch (who->kind) {
	case PANEL_ACTOR_SYSTEM:
		return;
	case PANEL_ACTOR_MEMBER:
		add(where, size, "m.uid = ?");
		params[(*n)++] = DB_U64(who->uid);
		return;
	case PANEL_ACTOR_ADMIN:
		if (who->as_uid) {
			add(where, size, "m.uid = ?");
			params[(*n)++] = DB_U64(who->as_uid);
			return;
		}
		if (who->uid == PANEL_SUPER_ADMIN_UID)
			return;
		add(where, size,
		    "(m.creator = ? OR m.uid = ? OR EXISTS (SELECT 1 FROM variable WHERE"
		    " name = 'subadmin_restriction' AND value = '1'))");
		params[(*n)++] = DB_U64(who->uid);
		params[(*n)++] = DB_U64(who->uid);
		return;
	}
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

/* The count, with the actor's facts and the check of its token when it carries one, in one
 * statement; the decision on them. */
static int count_checked(uint64_t *total, panel_db *db, const panel_actor *who, const char *where,
			 const panel_db_param *wparams, size_t nw)
{
	panel_db_param params[MAX_PARAMS + 6];
	panel__authz_facts facts;
	panel_db_rows *rows;
	char sql[2048];
	size_t n = 0;
	int error;

	if (who->kind == PANEL_ACTOR_SYSTEM) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM membres m WHERE %s", where);
		return panel__db_query_u64(total, db, sql, wparams, nw);
	}
	/* The select list's subqueries come first in the text: their parameters too. */
	params[n++] = DB_U64(who->uid); /* PANEL__AUTHZ_FACTS_ARGS */
	params[n++] = DB_U64(who->uid);
	params[n++] = DB_U64(who->as_uid);
	if (who->token_hash) {
		params[n++] = DB_STR(who->token_hash);
		params[n++] = DB_U64(who->uid);
		params[n++] = DB_STR(who->token_hash);
	}
	memcpy(params + n, wparams, nw * sizeof(*params));
	n += nw;
	snprintf(sql, sizeof(sql),
		 "SELECT" PANEL__AUTHZ_FACTS_COLUMNS ",%s COUNT(*) FROM membres m"
		 " WHERE %s",
		 who->token_hash ? PANEL__CREDENTIAL_SUBQUERIES "," : "", where);
	if ((error = panel__credential_query(&rows, db, 1, sql, params, n)) < 0)
		return error;
	error = panel__authz_facts_parse(&facts, rows, 0);
	if (error == 0 && who->token_hash)
		error = panel__credential_check(db, who, rows, PANEL__AUTHZ_FACTS_NCOLS,
						facts.me_found, facts.me_enabled, facts.me_su);
	if (error == 0)
		error = panel__authz_actor_facts(who, &facts);
	if (error == 0)
		error = panel__db_cell_u64(total, rows, 0,
					   PANEL__AUTHZ_FACTS_NCOLS +
					       (who->token_hash ? PANEL__CREDENTIAL_NCOLS : 0));
	panel__db_rows_free(rows);
	return error;
}

/* Two statements under autocommit, no transaction: under READ COMMITTED each statement of one
 * read its own snapshot anyway, so BEGIN and COMMIT bought nothing but two round trips. */
static int list_run(struct list_ctx *ctx, panel_db *db)
{
	const panel_account_filter *f = ctx->f;
	panel_db_param params[MAX_PARAMS];
	char where[1024] = "1 = 1", sql[4096];
	panel_db_rows *rows;
	panel_account_list *list;
	uint64_t total;
	size_t n = 0;
	int error;

	visibility(where, sizeof(where), params, &n, ctx->who);
	filter_where(where, sizeof(where), params, &n, f);
	if ((error = count_checked(&total, db, ctx->who, where, params, n)) < 0)
		return error;
	if (f->cursor && *f->cursor) {
		add(where, sizeof(where), "m.login > ?");
		params[n++] = DB_STR(f->cursor);
	}
	params[n++] = DB_U64(ctx->limit + 1);
	params[n++] = DB_U64(f->cursor && *f->cursor ? 0 : f->offset);
	snprintf(sql, sizeof(sql), "%s WHERE %s ORDER BY m.login LIMIT ? OFFSET ?",
		 panel__account_select, where);
	if ((error = panel__db_read(&rows, db, sql, params, n)) < 0)
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
	if ((error = list_run(&ctx, p->db)) < 0) {
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
