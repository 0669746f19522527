/* The audit trail: recording changes inside their transaction, and listing them for admins
 * (kept [runner] audit_days: retention.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/audit.h"

static const char *kind_name(panel_actor_kind kind)
{
	switch (kind) {
	case PANEL_ACTOR_SYSTEM:
		return "system";
	case PANEL_ACTOR_ADMIN:
		return "admin";
	case PANEL_ACTOR_MEMBER:
		return "member";
	}
	return "system";
}

static char *dump(json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(value);
	return text;
}

int panel__audit(panel_db *db, const panel_actor *who, const char *action, const char *kind,
		 const char *id, uint32_t subject_uid, json_t *before, json_t *after)
{
	char *b = dump(before), *a = dump(after);
	int error;

	if ((before && !b) || (after && !a)) {
		free(b);
		free(a);
		return panel__error_oom();
	}
	error = panel__db_exec(NULL, db,
			       "INSERT INTO panel_audit (actor_kind, actor_uid, as_uid, ip, action,"
			       " object_kind, object_id, subject_uid, before_data, after_data)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       DB_ARGS(DB_STR(kind_name(who->kind)), DB_U64(who->uid),
				       DB_U64(who->as_uid), DB_STR(who->ip ? who->ip : ""),
				       DB_STR(action), DB_STR(kind), DB_STR(id),
				       DB_U64(subject_uid), DB_STR(b), DB_STR(a)));
	free(b);
	free(a);
	return error;
}

struct list_ctx {
	const panel_actor *who;
	const panel_audit_filter *filter;
	size_t limit;
	uint64_t before_id; /* from the cursor: entries with a smaller id; 0 for the newest */
	panel_audit_list *out;
};

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Appends to where (1024 bytes) the conditions of what the actor may see and of the filter,
 * and their parameters to params (*n of them so far; 9 at most are added). */
static void audit_where(char *where, panel_db_param *params, size_t *n, const panel_actor *who,
			const panel_audit_filter *f)
{
	if (who->kind == PANEL_ACTOR_ADMIN && who->uid != PANEL_SUPER_ADMIN_UID) {
		/* Its own actions, and what happened to the accounts it created or itself. */
		strcat(where, " AND (a.actor_uid = ? OR a.subject_uid = ? OR a.subject_uid IN"
			      " (SELECT uid FROM membres WHERE creator = ?))");
		params[(*n)++] = DB_U64(who->uid);
		params[(*n)++] = DB_U64(who->uid);
		params[(*n)++] = DB_U64(who->uid);
	}
	if (f->actor_uid) {
		strcat(where, " AND a.actor_uid = ?");
		params[(*n)++] = DB_U64(f->actor_uid);
	}
	if (f->object_kind) {
		strcat(where, " AND a.object_kind = ?");
		params[(*n)++] = DB_STR(f->object_kind);
	}
	if (f->object_id) {
		strcat(where, " AND a.object_id = ?");
		params[(*n)++] = DB_STR(f->object_id);
	}
	if (f->since) {
		strcat(where, " AND a.at >= ?");
		params[(*n)++] = DB_STR(f->since);
	}
}

/* Entry e from row i of list_body's SELECT. -1 when out of memory. */
static int read_entry(panel_audit_entry *e, panel_db_rows *rows, size_t i)
{
	const char *before = panel__db_cell(rows, i, 11), *after = panel__db_cell(rows, i, 12);
	uint64_t v;

	panel__db_cell_u64(&e->id, rows, i, 0);
	copy(e->at, sizeof(e->at), panel__db_cell(rows, i, 1));
	copy(e->actor_kind, sizeof(e->actor_kind), panel__db_cell(rows, i, 2));
	panel__db_cell_u64(&v, rows, i, 3);
	e->actor_uid = (uint32_t)v;
	copy(e->actor_login, sizeof(e->actor_login), panel__db_cell(rows, i, 4));
	panel__db_cell_u64(&v, rows, i, 5);
	e->as_uid = (uint32_t)v;
	copy(e->as_login, sizeof(e->as_login), panel__db_cell(rows, i, 6));
	copy(e->ip, sizeof(e->ip), panel__db_cell(rows, i, 7));
	copy(e->action, sizeof(e->action), panel__db_cell(rows, i, 8));
	copy(e->object_kind, sizeof(e->object_kind), panel__db_cell(rows, i, 9));
	copy(e->object_id, sizeof(e->object_id), panel__db_cell(rows, i, 10));
	e->before = strdup(before ? before : "null");
	e->after = strdup(after ? after : "null");
	return e->before && e->after ? 0 : -1;
}

/* The first count rows of list_body's SELECT as a list (total and cursor left to the caller);
 * NULL when out of memory. */
static panel_audit_list *read_entries(panel_db_rows *rows, size_t count)
{
	panel_audit_list *list = calloc(1, sizeof(*list));

	if (!list || (count && !(list->items = calloc(count, sizeof(*list->items))))) {
		free(list);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		list->count = i + 1;
		if (read_entry(&list->items[i], rows, i) < 0) {
			panel_audit_list_free(list);
			return NULL;
		}
	}
	return list;
}

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_param params[12];
	size_t n = 0;
	char where[1024] = "1 = 1";
	char sql[2048];
	panel_db_rows *rows = NULL;
	panel_audit_list *list;
	uint64_t total = 0;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	audit_where(where, params, &n, ctx->who, ctx->filter);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM panel_audit a WHERE %s", where);
	if ((error = panel__db_query_u64(&total, db, sql, params, n)) < 0)
		return error;
	if (ctx->before_id) {
		strcat(where, " AND a.id < ?");
		params[n++] = DB_U64(ctx->before_id);
	}
	params[n++] = DB_U64(ctx->limit + 1);
	snprintf(sql, sizeof(sql),
		 "SELECT a.id, DATE_FORMAT(a.at, '%%Y-%%m-%%d %%H:%%i:%%s'), a.actor_kind,"
		 " a.actor_uid, COALESCE(m1.login, ''), a.as_uid, COALESCE(m2.login, ''), a.ip,"
		 " a.action, a.object_kind, a.object_id, a.before_data, a.after_data"
		 " FROM panel_audit a LEFT JOIN membres m1 ON m1.uid = a.actor_uid"
		 " LEFT JOIN membres m2 ON m2.uid = a.as_uid AND a.as_uid <> 0"
		 " WHERE %s ORDER BY a.id DESC LIMIT ?",
		 where);
	if ((error = panel__db_query(&rows, db, sql, params, n)) < 0)
		return error;
	size_t count = panel__db_rows_count(rows);
	int more = count > ctx->limit;
	if (more)
		count = ctx->limit;
	list = read_entries(rows, count);
	panel__db_rows_free(rows);
	if (!list)
		return panel__error_oom();
	list->total = total;
	if (more && count)
		snprintf(list->next_cursor, sizeof(list->next_cursor), "%llu",
			 (unsigned long long)list->items[count - 1].id);
	panel_audit_list_free(ctx->out);
	ctx->out = list;
	return 0;
}

/* The cursor is the id of the last entry of the previous page, in decimal: the REST API has
 * always shown it so, and clients may keep the cursors they hold. */
static int parse_cursor(uint64_t *before_id, const char *cursor)
{
	unsigned long long v;
	char *end;

	*before_id = 0;
	if (!cursor || !*cursor)
		return 0;
	errno = 0;
	v = strtoull(cursor, &end, 10);
	if (*cursor < '0' || *cursor > '9' || *end || errno || v == 0)
		return panel__error(PANEL_EINVALID, "cursor", "invalid cursor");
	*before_id = v;
	return 0;
}

int panel_audit_list_get(panel_audit_list **out, panel *p, const panel_actor *who,
			 const panel_audit_filter *filter)
{
	panel_audit_filter none = PANEL_AUDIT_FILTER_INIT;
	struct list_ctx ctx = {.who = who, .filter = filter ? filter : &none};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL, "only administrators read the audit");
	if (ctx.filter->version != PANEL_AUDIT_FILTER_VERSION)
		return panel__error(PANEL_EINVALID, "filter", "unknown filter version");
	ctx.limit = ctx.filter->limit ? ctx.filter->limit : 50;
	if (ctx.limit > 500)
		return panel__error(PANEL_EINVALID, "limit", "limit is 500 at most");
	if ((error = parse_cursor(&ctx.before_id, ctx.filter->cursor)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_audit_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

void panel_audit_list_free(panel_audit_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].before);
		free(list->items[i].after);
	}
	free(list->items);
	free(list);
}
