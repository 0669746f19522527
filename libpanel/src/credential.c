/* Bearer tokens checked by the operations themselves (credential.h): the gate armed by
 * panel__enter, the columns a statement carries to check the token in passing, the decision. */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

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

/* A DATETIME's text ("YYYY-MM-DD HH:MM:SS") as seconds, read as UTC (time zone free, as
 * DATETIME arithmetic is): 0, or -1 when it is not one. */
static int datetime_seconds(int64_t *out, const char *s)
{
	struct tm tm = {0};
	const char *end = s ? strptime(s, "%Y-%m-%d %H:%M:%S", &tm) : NULL;

	if (!end) /* what follows the seconds (a fraction) does not matter here */
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

uint64_t panel__credential_id(const panel__token_ids *ids, const char *hash)
{
	for (size_t i = 0; ids && hash && i < PANEL__TOKEN_IDS; i++)
		if (ids->slot[i].id && strcmp(ids->slot[i].hash, hash) == 0)
			return ids->slot[i].id;
	return 0;
}

/* Remembers hash's id (0: forgets it). */
static void remember(panel__token_ids *ids, const char *hash, uint64_t id)
{
	size_t i;

	if (!ids || strlen(hash) != 64)
		return;
	for (i = 0; i < PANEL__TOKEN_IDS; i++)
		if (ids->slot[i].id && strcmp(ids->slot[i].hash, hash) == 0)
			break;
	if (i == PANEL__TOKEN_IDS) {
		if (!id)
			return;
		i = ids->next++ % PANEL__TOKEN_IDS;
	}
	memcpy(ids->slot[i].hash, hash, 65);
	ids->slot[i].id = id;
}

int panel__credential_check_row(panel_db *db, panel__token_ids *ids, const panel_actor *who,
				const panel_db_rows *rows, size_t col, const char *now,
				int me_found, int me_enabled, int me_su)
{
	const char *expires = panel__db_cell(rows, 0, col + 3);
	const char *last_used = panel__db_cell(rows, 0, col + 4);
	const char *hash = panel__db_cell(rows, 0, col + 5);
	uint64_t id = 0, uid = 0, revoked = 1;
	int64_t now_s = 0, used_s = 0;
	int error, stale;

	panel_db_gate g = panel__db_gate_take(db); /* checked: the operation goes on without it */

	/* The row joined by id must be the token's: its hash compared in constant time. */
	if (panel__db_rows_count(rows) != 1 || !now || strlen(now) != 19 || !expires || !hash ||
	    strlen(hash) != 64 || strlen(who->token_hash) != 64 ||
	    sodium_memcmp(hash, who->token_hash, 64) != 0 ||
	    panel__db_cell_u64(&id, rows, 0, col) < 0 ||
	    panel__db_cell_u64(&uid, rows, 0, col + 1) < 0 ||
	    panel__db_cell_u64(&revoked, rows, 0, col + 2) < 0 || uid != who->uid || revoked != 0 ||
	    strcmp(expires, now) <= 0)
		id = 0;
	/* last_used IS NULL OR last_used < NOW() - INTERVAL 1 MINUTE */
	stale = !last_used || (datetime_seconds(&now_s, now) == 0 &&
			       datetime_seconds(&used_s, last_used) == 0 && used_s < now_s - 60);
	error = decide(db, id, id && stale, who->kind == PANEL_ACTOR_ADMIN, me_found, me_enabled,
		       me_su);
	remember(ids, who->token_hash, error < 0 ? 0 : id);
	if (error < 0)
		panel__db_gate_put(db, g);
	return error;
}
