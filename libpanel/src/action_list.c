/* Reading the queue of system work: a member's pending actions (the member itself, or an admin
 * who sees it), a failed action put back in the queue, and the counters for monitoring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/actions.h"
#include "panel/json.h"
#include "validate.h"

#define COLUMNS                                                                                    \
	"a.id, a.action, a.uid, a.login, COALESCE(a.args, '{}'), a.state, a.attempts,"             \
	" DATE_FORMAT(a.created, '%Y-%m-%d %H:%i:%s'), DATE_FORMAT(a.next_try,"                    \
	" '%Y-%m-%d %H:%i:%s'), a.claimed_by, COALESCE(DATE_FORMAT(a.claimed_at,"                  \
	" '%Y-%m-%d %H:%i:%s'), ''), COALESCE(DATE_FORMAT(a.done_at, '%Y-%m-%d %H:%i:%s'), ''),"   \
	" a.result, a.error, GREATEST(TIMESTAMPDIFF(SECOND, a.created, NOW()), 0)"

struct list_ctx {
	const panel_actor *who;
	const panel_action_filter *f;
	size_t limit;
	panel_action_list *out;
};

static void add(char *where, size_t size, const char *fragment)
{
	size_t used = strlen(where);

	snprintf(where + used, size - used, " AND %s", fragment);
}

/* Which accounts' actions the actor sees (the WHERE fragment and its parameters). */
static int visibility(char *where, size_t size, panel_db_param *params, size_t *n, panel_db *db,
		      const struct list_ctx *ctx)
{
	const panel_actor *who = ctx->who;
	uint32_t uid;
	int error;

	if (ctx->f->login) {
		if ((error = panel__authz_account(&uid, db, who, ctx->f->login,
						  PANEL__AUTHZ_OBJECTS)) < 0)
			return error;
		add(where, size, "a.uid = ?");
		params[(*n)++] = DB_U64(uid);
		return 0;
	}
	if (who->kind == PANEL_ACTOR_SYSTEM ||
	    (who->kind == PANEL_ACTOR_ADMIN && !who->as_uid && who->uid == PANEL_SUPER_ADMIN_UID))
		return 0;
	if (who->kind == PANEL_ACTOR_MEMBER || who->as_uid) {
		add(where, size, "a.uid = ?");
		params[(*n)++] = DB_U64(who->as_uid ? who->as_uid : who->uid);
		return 0;
	}
	error = panel__db_query_u64(
	    (uint64_t[]){0}, db,
	    "SELECT 1 FROM variable WHERE name = 'subadmin_restriction' AND value = '1'",
	    DB_NOARGS);
	if (error < 0 && error != PANEL_ENOTFOUND)
		return error;
	if (error == 0) {
		add(where, size, "a.uid IN (SELECT uid FROM membres)");
		return 0;
	}
	add(where, size, "a.uid IN (SELECT uid FROM membres WHERE creator = ? OR uid = ?)");
	params[(*n)++] = DB_U64(who->uid);
	params[(*n)++] = DB_U64(who->uid);
	return 0;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int fill(panel_action *a, const panel_db_rows *rows, size_t i)
{
	uint64_t v = 0;

	panel__db_cell_u64(&a->id, rows, i, 0);
	copy(a->action, sizeof(a->action), panel__db_cell(rows, i, 1));
	panel__db_cell_u64(&v, rows, i, 2);
	a->uid = (uint32_t)v;
	copy(a->login, sizeof(a->login), panel__db_cell(rows, i, 3));
	if (!(a->args = strdup(panel__db_cell(rows, i, 4))))
		return panel__error_oom();
	copy(a->state, sizeof(a->state), panel__db_cell(rows, i, 5));
	panel__db_cell_u64(&v, rows, i, 6);
	a->attempts = (unsigned)v;
	copy(a->created, sizeof(a->created), panel__db_cell(rows, i, 7));
	copy(a->next_try, sizeof(a->next_try), panel__db_cell(rows, i, 8));
	copy(a->claimed_by, sizeof(a->claimed_by), panel__db_cell(rows, i, 9));
	copy(a->claimed_at, sizeof(a->claimed_at), panel__db_cell(rows, i, 10));
	copy(a->done_at, sizeof(a->done_at), panel__db_cell(rows, i, 11));
	copy(a->result, sizeof(a->result), panel__db_cell(rows, i, 12));
	copy(a->error, sizeof(a->error), panel__db_cell(rows, i, 13));
	panel__db_cell_u64(&a->age, rows, i, 14);
	return 0;
}

static int page(panel_action_list *list, const panel_db_rows *rows, size_t limit)
{
	size_t count = panel__db_rows_count(rows);
	int more = count > limit;

	if (more)
		count = limit;
	if (count && !(list->items = calloc(count, sizeof(*list->items))))
		return panel__error_oom();
	for (size_t i = 0; i < count; i++) {
		int error = fill(&list->items[i], rows, i);
		list->count = i + 1;
		if (error < 0)
			return error;
	}
	if (more && count)
		snprintf(list->next_cursor, sizeof(list->next_cursor), "%llu",
			 (unsigned long long)list->items[count - 1].id);
	return 0;
}

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_param params[8];
	char where[512] = "1 = 1", sql[1500];
	panel_db_rows *rows = NULL;
	uint64_t total = 0, cursor = 0;
	size_t n = 0;
	int error;

	panel_action_list_free(ctx->out);
	ctx->out = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = visibility(where, sizeof(where), params, &n, db, ctx)) < 0)
		return error;
	if (ctx->f->state) {
		add(where, sizeof(where), "a.state = ?");
		params[n++] = DB_STR(ctx->f->state);
	}
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM panel_actions a WHERE %s", where);
	if ((error = panel__db_query_u64(&total, db, sql, params, n)) < 0)
		return error;
	if (ctx->f->cursor && *ctx->f->cursor) {
		cursor = strtoull(ctx->f->cursor, NULL, 10);
		add(where, sizeof(where), "a.id < ?");
		params[n++] = DB_U64(cursor);
	}
	params[n++] = DB_U64(ctx->limit + 1);
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM panel_actions a WHERE %s ORDER BY a.id DESC LIMIT ?", COLUMNS,
		 where);
	if ((error = panel__db_query(&rows, db, sql, params, n)) < 0)
		return error;
	if (!(ctx->out = calloc(1, sizeof(*ctx->out)))) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	ctx->out->total = total;
	error = page(ctx->out, rows, ctx->limit);
	panel__db_rows_free(rows);
	return error;
}

static int check_filter(const panel_action_filter *f)
{
	static const char *const states[] = {"pending", "running", "done", "failed"};
	int known = !f->state;

	for (size_t i = 0; f->state && i < sizeof(states) / sizeof(states[0]); i++)
		known |= strcmp(f->state, states[i]) == 0;
	if (!known)
		return panel__error(PANEL_EINVALID, "state", "pending, running, done or failed");
	if (f->cursor && *f->cursor &&
	    (strlen(f->cursor) > 20 || strspn(f->cursor, "0123456789") != strlen(f->cursor)))
		return panel__error(PANEL_EINVALID, "cursor", "not a cursor this list gave");
	if (f->limit > 500)
		return panel__error(PANEL_EINVALID, "limit", "500 at most");
	return 0;
}

int panel_action_list_get(panel_action_list **out, panel *p, const panel_actor *who,
			  const panel_action_filter *filter)
{
	panel_action_filter none = PANEL_ACTION_FILTER_INIT;
	struct list_ctx ctx = {.who = who, .f = filter ? filter : &none};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = check_filter(ctx.f)) < 0)
		return error;
	ctx.limit = ctx.f->limit ? ctx.f->limit : 50;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_action_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

void panel_action_list_free(panel_action_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].args);
	free(list->items);
	free(list);
}
