/* Managing the queue of system work: putting a failed action back, the counters a monitoring
 * system reads, and the highest id a watching runner polls. */
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "panel/actions.h"

struct retry_ctx {
	const panel_actor *who;
	uint64_t id;
};

static int retry_body(panel_db *db, void *arg)
{
	struct retry_ctx *ctx = arg;
	panel_db_rows *rows = NULL;
	uint64_t uid = 0;
	char id[32];
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	if ((error = panel__db_query(&rows, db,
				     "SELECT state, uid, result FROM panel_actions WHERE id = ?"
				     " FOR UPDATE",
				     DB_ARGS(DB_U64(ctx->id)))) < 0)
		return error;
	if (panel__db_rows_count(rows) == 0) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "id", "no such action");
	}
	int failed = strcmp(panel__db_cell(rows, 0, 0), "failed") == 0;
	panel__db_cell_u64(&uid, rows, 0, 1);
	json_t *before = json_pack("{s:s, s:s}", "state", panel__db_cell(rows, 0, 0), "result",
				   panel__db_cell(rows, 0, 2));
	panel__db_rows_free(rows);
	if (!failed) {
		json_decref(before);
		return panel__error(PANEL_ECONFLICT, "id", "only a failed action is retried");
	}
	if ((error = panel__db_exec(NULL, db,
				    "UPDATE panel_actions SET state = 'pending', attempts = 0,"
				    " next_try = NOW(), done_at = NULL, result = '' WHERE id = ?",
				    DB_ARGS(DB_U64(ctx->id)))) < 0) {
		json_decref(before);
		return error;
	}
	snprintf(id, sizeof(id), "%llu", (unsigned long long)ctx->id);
	return panel__audit(db, ctx->who, "action.retry", "action", id, (uint32_t)uid, before,
			    json_pack("{s:s}", "state", "pending"));
}

int panel_action_retry(panel *p, const panel_actor *who, uint64_t id)
{
	struct retry_ctx ctx = {who, id};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	return panel__db_transaction(p->db, retry_body, &ctx);
}

struct stats_ctx {
	const panel_actor *who;
	panel_action_stats out;
};

static int stats_body(panel_db *db, void *arg)
{
	struct stats_ctx *ctx = arg;
	panel_db_rows *rows = NULL;
	int error;

	memset(&ctx->out, 0, sizeof(ctx->out));
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	if ((error = panel__db_query(&rows, db,
				     "SELECT state, COUNT(*) FROM panel_actions GROUP BY state",
				     DB_NOARGS)) < 0)
		return error;
	for (size_t i = 0; i < panel__db_rows_count(rows); i++) {
		const char *state = panel__db_cell(rows, i, 0);
		uint64_t *slot = strcmp(state, "pending") == 0	 ? &ctx->out.pending
				 : strcmp(state, "running") == 0 ? &ctx->out.running
				 : strcmp(state, "done") == 0	 ? &ctx->out.done
								 : &ctx->out.failed;
		panel__db_cell_u64(slot, rows, i, 1);
	}
	panel__db_rows_free(rows);
	if ((error = panel__db_query_u64(
		 &ctx->out.oldest_pending, db,
		 "SELECT COALESCE(GREATEST(TIMESTAMPDIFF(SECOND, MIN(created), NOW()), 0), 0) FROM"
		 " panel_actions WHERE state = 'pending'",
		 DB_NOARGS)) < 0)
		return error;
	return panel__db_query_u64(&ctx->out.last_id, db,
				   "SELECT COALESCE(MAX(id), 0) FROM panel_actions", DB_NOARGS);
}

int panel_action_stats_get(panel_action_stats *out, panel *p, const panel_actor *who)
{
	struct stats_ctx ctx = {.who = who};
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = panel__enter(p, who)) < 0 ||
	    (error = panel__db_transaction(p->db, stats_body, &ctx)) < 0)
		return error;
	*out = ctx.out;
	return 0;
}

int panel_action_last_id(uint64_t *out, panel *p, const panel_actor *who)
{
	panel_db_rows *rows = NULL;
	int error;

	*out = 0;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (who->kind != PANEL_ACTOR_SYSTEM)
		return panel__error(PANEL_EFORBIDDEN, NULL, "only the system watches the queue");
	/* One read of the primary key's last entry. */
	if ((error = panel__db_read(&rows, p->db, "SELECT COALESCE(MAX(id), 0) FROM panel_actions",
				    DB_NOARGS)) < 0)
		return error;
	error = panel__db_cell_u64(out, rows, 0, 0);
	panel__db_rows_free(rows);
	return error;
}
