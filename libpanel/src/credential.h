/* Bearer tokens checked inside the operations themselves: an actor that carries a token's hash
 * (a daemon's cached principal) is verified by the operation's own first statement. */
#ifndef PANEL_SRC_CREDENTIAL_H
#define PANEL_SRC_CREDENTIAL_H

#include <stdint.h>

#include "db/db.h"
#include "panel/actor.h"

typedef struct panel__credential {
	char hash[65]; /* hex SHA-256 of the token */
	uint32_t uid;
	int admin; /* the actor's kind: the account must still have su = 1 (0 for members) */
} panel__credential;

/* Called by panel__enter. An actor with a token: the token is checked before the next
 * statement on p->db, by that statement itself when it carries the columns below, else by one
 * statement of its own (the gate of db.h). An actor without one (other than the system, which
 * nested steps use) leaves no check armed. 0, or PANEL_EINVALID for a malformed hash. */
int panel__credential_arm(panel *p, const panel_actor *who);

/* Forgets a check left armed by an earlier operation that ran no statement: called where a new
 * request starts (the credential checks, the idempotency records), whose statements are not the
 * earlier operation's. p may be NULL. */
void panel__credential_disarm(panel *p);

/* Runs the armed check now, if any (before statements on another connection). */
int panel__credential_settle(panel *p);

/* The columns of the check, for a statement on the acting account's row: add
 * PANEL__CREDENTIAL_COLUMNS to the select list, PANEL__CREDENTIAL_JOIN to the joins (binding
 * PANEL__CREDENTIAL_ARGS(who) there), run it with panel__credential_query and hand the row to
 * panel__credential_check with the acting account's enabled and su. */
#define PANEL__CREDENTIAL_COLUMNS                                                                  \
	" cred.id, cred.last_used IS NULL OR cred.last_used < NOW() - INTERVAL 1 MINUTE"
#define PANEL__CREDENTIAL_NCOLS 2
#define PANEL__CREDENTIAL_JOIN                                                                     \
	" LEFT JOIN panel_tokens cred ON cred.token_hash = ? AND cred.uid = ?"                     \
	" AND cred.revoked = 0 AND cred.expires > NOW()"
#define PANEL__CREDENTIAL_ARGS(who) DB_STR((who)->token_hash), DB_U64((who)->uid)
/* The same as two scalar subqueries, for a select list without a FROM clause. */
#define PANEL__CREDENTIAL_SUBQUERIES                                                               \
	" (SELECT cred.id FROM panel_tokens cred WHERE cred.token_hash = ? AND cred.uid = ?"       \
	" AND cred.revoked = 0 AND cred.expires > NOW()),"                                         \
	" (SELECT cred.last_used IS NULL OR cred.last_used < NOW() - INTERVAL 1 MINUTE"            \
	" FROM panel_tokens cred WHERE cred.token_hash = ?)"
#define PANEL__CREDENTIAL_SUBQUERIES_ARGS(who)                                                     \
	DB_STR((who)->token_hash), DB_U64((who)->uid), DB_STR((who)->token_hash)

/* The same check with the token's row as it is, compared in C (panel__credential_check_row)
 * against the statement's own NOW() column: for a statement that selects NOW() anyway, the
 * conditions in the join (uid, revoked, expires, last_used) cost the server more than the
 * columns (issue 16: 3 of the 31 microseconds of an account's read). The row is joined by the
 * token's hash (bind it), or, once this handle has seen that hash's row, by its id (bind
 * panel__credential_id's): a primary key instead of a unique index on a 64-byte ascii column,
 * 2 microseconds less per read; its hash is then compared here. */
#define PANEL__CREDENTIAL_ROW_COLUMNS                                                              \
	" cred.id, cred.uid, cred.revoked, cred.expires, cred.last_used, cred.token_hash"
#define PANEL__CREDENTIAL_ROW_NCOLS	 6
#define PANEL__CREDENTIAL_ROW_JOIN	 " LEFT JOIN panel_tokens cred ON cred.token_hash = ?"
#define PANEL__CREDENTIAL_ROW_JOIN_BY_ID " LEFT JOIN panel_tokens cred ON cred.id = ?"

/* Token ids this handle found valid, by hash (a few per worker: the tokens it serves). */
#define PANEL__TOKEN_IDS 16
typedef struct panel__token_ids {
	struct {
		char hash[65];
		uint64_t id;
	} slot[PANEL__TOKEN_IDS];
	unsigned next; /* the slot to reuse */
} panel__token_ids;

/* The id of the token of that hash when this handle has seen it valid, else 0. */
uint64_t panel__credential_id(const panel__token_ids *ids, const char *hash);

/* A query that carries the check: run with the gate taken (put back when the query fails);
 * outside a transaction (read = 1: panel__db_read) or inside one (panel__db_query). */
int panel__credential_query(panel_db_rows **rows, panel_db *db, int read, const char *sql,
			    const panel_db_param *params, size_t nparams);

/* Decides on the columns at col of rows' first row (no row: refused) and the acting account's
 * facts: 0, or PANEL_EAUTH (field "credential"), the gate then put back. Notes last_used when
 * due (after the transaction, or now outside one). */
int panel__credential_check(panel_db *db, const panel_actor *who, const panel_db_rows *rows,
			    size_t col, int me_found, int me_enabled, int me_su);

/* panel__credential_check on the columns of PANEL__CREDENTIAL_ROW_COLUMNS at col, now being
 * the statement's NOW() ("YYYY-MM-DD HH:MM:SS"): the token is valid when its row exists for
 * who's uid with who's hash, revoked = 0 and expires > now, exactly as PANEL__CREDENTIAL_JOIN's
 * conditions. */
/* A valid token's id is remembered in ids, a refused one's forgotten (ids may be NULL). */
int panel__credential_check_row(panel_db *db, panel__token_ids *ids, const panel_actor *who,
				const panel_db_rows *rows, size_t col, const char *now,
				int me_found, int me_enabled, int me_su);

#endif
