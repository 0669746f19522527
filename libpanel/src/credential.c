/* Bearer tokens checked by the operations themselves (credential.h): the gate armed by
 * panel__enter, the columns a statement carries to check the token in passing, the decision. */
#include <string.h>

#include "credential.h"
#include "error.h"
#include "handle.h"

static const char refusal[] = "invalid, expired or revoked credentials";

static const char touch_sql[] = "UPDATE panel_tokens SET last_used = NOW() WHERE id = ? AND"
				" (last_used IS NULL OR last_used < NOW() - INTERVAL 1 MINUTE)";

static int well_formed(const char *hash)
{
	if (strlen(hash) != 64)
		return 0;
	for (const char *c = hash; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return 0;
	return 1;
}

/* One write a minute at most per token, never inside the caller's transaction (a lock on the
 * token's row held until its COMMIT, or a deadlock that would roll it back, is not worth it). */
static void touch(panel_db *db, uint64_t id)
{
	panel__error_saved saved;

	if (panel__db_in_transaction(db)) {
		panel__db_after_commit(db, touch_sql, id);
		return;
	}
	panel__error_save(&saved);
	panel__db_exec(NULL, db, touch_sql, DB_ARGS(DB_U64(id)));
	panel__error_restore(&saved);
}

/* The decision on a token's row (id 0: none valid) and its account. */
static int decide(panel_db *db, uint64_t id, int stale, int admin, int me_found, int me_enabled,
		  int me_su)
{
	if (!id || !me_found || !me_enabled || me_su != admin)
		return panel__error(PANEL_EAUTH, "credential", "%s", refusal);
	if (stale)
		touch(db, id);
	return 0;
}

static int cell_flag(const panel_db_rows *rows, size_t col)
{
	uint64_t v = 0;

	return panel__db_cell_u64(&v, rows, 0, col) == 0 && v != 0;
}

/* The gate: the token in a statement of its own, when the operation's first statement does not
 * carry the check. */
static int gate(panel_db *db, void *arg)
{
	const panel__credential *cred = arg;
	panel_db_rows *rows;
	uint64_t id = 0, su = 0;
	int error, found;

	if ((error = panel__db_query(
		 &rows, db,
		 "SELECT cred.id, cred.last_used IS NULL OR cred.last_used < NOW() - INTERVAL 1 "
		 "MINUTE,"
		 " m.enabled, m.su FROM panel_tokens cred JOIN membres m ON m.uid = cred.uid"
		 " WHERE cred.token_hash = ? AND cred.uid = ? AND cred.revoked = 0"
		 " AND cred.expires > NOW()",
		 DB_ARGS(DB_STR(cred->hash), DB_U64(cred->uid)))) < 0)
		return error;
	found = panel__db_rows_count(rows) == 1 && panel__db_cell_u64(&id, rows, 0, 0) == 0 &&
		panel__db_cell_u64(&su, rows, 0, 3) == 0;
	if (!found)
		id = 0;
	error = decide(db, id, found && cell_flag(rows, 1), cred->admin, found,
		       found && cell_flag(rows, 2), su == 1);
	panel__db_rows_free(rows);
	return error;
}

int panel__credential_arm(panel *p, const panel_actor *who)
{
	if (!who->token_hash) {
		/* Nested steps run as the system inside an operation: its check stays armed. */
		if (who->kind != PANEL_ACTOR_SYSTEM)
			panel__db_gate_put(p->db, (panel_db_gate){NULL, NULL});
		return 0;
	}
	if (!well_formed(who->token_hash))
		return panel__error(PANEL_EINVALID, "actor", "malformed token hash");
	memcpy(p->cred.hash, who->token_hash, sizeof(p->cred.hash));
	p->cred.uid = who->uid;
	p->cred.admin = who->kind == PANEL_ACTOR_ADMIN;
	panel__db_gate_put(p->db, (panel_db_gate){gate, &p->cred});
	return 0;
}

void panel__credential_disarm(panel *p)
{
	if (p && p->db)
		panel__db_gate_put(p->db, (panel_db_gate){NULL, NULL});
}

int panel__credential_settle(panel *p)
{
	panel_db_gate g = panel__db_gate_take(p->db);
	int error;

	if (!g.fn)
		return 0;
	if ((error = g.fn(p->db, g.arg)) < 0)
		panel__db_gate_put(p->db, g);
	return error;
}

int panel__credential_query(panel_db_rows **rows, panel_db *db, int read, const char *sql,
			    const panel_db_param *params, size_t nparams)
{
	panel_db_gate g = panel__db_gate_take(db);
	int error = read ? panel__db_read(rows, db, sql, params, nparams)
			 : panel__db_query(rows, db, sql, params, nparams);

	/* Armed again until panel__credential_check accepts what the statement read. */
	panel__db_gate_put(db, g);
	return error;
}

int panel__credential_check(panel_db *db, const panel_actor *who, const panel_db_rows *rows,
			    size_t col, int me_found, int me_enabled, int me_su)
{
	uint64_t id = 0;
	int error;

	panel_db_gate g = panel__db_gate_take(db); /* checked: the operation goes on without it */

	if (panel__db_rows_count(rows) != 1 || panel__db_cell_u64(&id, rows, 0, col) < 0)
		id = 0;
	error = decide(db, id, id && cell_flag(rows, col + 1), who->kind == PANEL_ACTOR_ADMIN,
		       me_found, me_enabled, me_su);
	if (error < 0)
		panel__db_gate_put(db, g);
	return error;
}
