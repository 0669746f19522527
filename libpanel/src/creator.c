/* The account creators (AlternC m_admin::get_creator_list): the admins, and the accounts that
 * created others, with the number of accounts each created. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/creator.h"

struct list_ctx {
	const panel_actor *who;
	panel_creator *items;
	size_t count;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_rows *rows;
	size_t n;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__db_query(&rows, db,
				     "SELECT m.uid, m.login, m.su, m.enabled, (SELECT COUNT(*) FROM"
				     " membres c WHERE c.creator = m.uid) FROM membres m WHERE"
				     " m.su = 1 OR m.uid IN (SELECT creator FROM membres)"
				     " ORDER BY m.login",
				     DB_NOARGS)) < 0)
		return error;
	n = panel__db_rows_count(rows);
	if (n && !(ctx->items = calloc(n, sizeof(*ctx->items)))) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		panel_creator *c = &ctx->items[i];
		uint64_t v[3] = {0, 0, 0};
		panel__db_cell_u64(&v[0], rows, i, 0);
		panel__db_cell_u64(&v[1], rows, i, 2);
		panel__db_cell_u64(&v[2], rows, i, 3);
		panel__db_cell_u64(&c->members, rows, i, 4);
		c->uid = (uint32_t)v[0];
		snprintf(c->login, sizeof(c->login), "%s", panel__db_cell(rows, i, 1));
		c->admin = v[1] == 1;
		c->enabled = v[2] != 0;
	}
	ctx->count = n;
	panel__db_rows_free(rows);
	return 0;
}

int panel_creator_list_get(panel_creator_list **out, panel *p, const panel_actor *who)
{
	struct list_ctx ctx = {.who = who};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM &&
	    (who->kind != PANEL_ACTOR_ADMIN || who->as_uid || who->uid != PANEL_SUPER_ADMIN_UID))
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only the super admin lists the admins and their accounts");
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

void panel_creator_list_free(panel_creator_list *list)
{
	PANEL__LIST_FREE(list);
}
