/* Idempotency keys of the REST daemon: the first request with a key claims it, its answer is
 * stored, and retries with the same key and request get that answer back for 24 hours. A claim
 * is held by its request's database connection through a named lock: a request whose daemon
 * died (its connections closed, the lock with them) leaves a claim that the next retry takes
 * over, instead of a key stuck "still running" for a day. */
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "account_internal.h"
#include "auth_internal.h"
#include "error.h"
#include "handle.h"
#include "panel/errors.h"
#include "panel/idempotency.h"

#define KEY_MAX	      255
#define PRINCIPAL_MAX 64
#define KEEP_SECONDS  (24 * 3600)
/* A new claim: running (status 0), no answer yet. */
#define CLAIM_INSERT                                                                               \
	"INSERT INTO panel_idempotency (principal, idem_key, request_hash, status, body, created)" \
	" VALUES (?, ?, ?, 0, NULL, NOW())"

/* Visible ASCII: a header value, without spaces that the column's collation would ignore. */
static int valid_text(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 1 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int check_claim(const char *principal, const char *key)
{
	if (!valid_text(principal, PRINCIPAL_MAX))
		return panel__error(PANEL_EINVALID, "principal",
				    "the principal is 1 to %d visible ASCII characters",
				    PRINCIPAL_MAX);
	if (!valid_text(key, KEY_MAX))
		return panel__error(PANEL_EINVALID, "key",
				    "an Idempotency-Key is 1 to %d visible ASCII characters",
				    KEY_MAX);
	return 0;
}

/* The named lock of a claim: "panel_idem_" and 40 hex digits of SHA-256(principal NUL key)
 * (MariaDB's lock names are at most 64 characters). */
static void claim_lock_name(char out[64], const char *principal, const char *key)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)principal, strlen(principal) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)key, strlen(key));
	crypto_hash_sha256_final(&st, d);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	snprintf(out, 64, "panel_idem_%.40s", hex);
}

/* Takes the claim's lock on this connection, without waiting: 1 taken, 0 held elsewhere (its
 * request still runs), or an error. ours_ok: a lock this connection already holds counts as
 * taken (a fresh claim); else as held (taking over a claim of this very connection would be a
 * second run of a request that has not ended). */
static int claim_lock(panel_db *db, const char *name, int ours_ok)
{
	uint64_t got = 0;
	int error =
	    panel__db_query_u64(&got, db,
				"SELECT IF(IS_USED_LOCK(?) <=> CONNECTION_ID(), ?,"
				" IFNULL(GET_LOCK(?, 0), 0))",
				DB_ARGS(DB_STR(name), DB_U64(ours_ok ? 1 : 0), DB_STR(name)));
	return error < 0 ? error : got == 1;
}

static void claim_unlock(panel_db *db, const char *principal, const char *key)
{
	char name[64];
	panel__error_saved saved;
	claim_lock_name(name, principal, key);
	panel__error_save(&saved);
	panel__db_exec(NULL, db, "DO RELEASE_LOCK(?)", DB_ARGS(DB_STR(name)));
	panel__error_restore(&saved);
}

struct begin_ctx {
	const char *principal, *key;
	char hash[65];
	char lock[64];
	panel_idempotent_response *out;
	int replay; /* the request already completed: out holds its answer */
};

/* Holds a claim just written by its named lock (without waiting, this session's own counts).
 * 0, PANEL_ECONFLICT when another request still holds it, or an error. */
static int take_claim(panel_db *db, const char *lock)
{
	int got = claim_lock(db, lock, 1);

	if (got < 0)
		return got;
	return got ? 0
		   : panel__error(PANEL_ECONFLICT, "key",
				  "the first request with this key is still running");
}

static int begin_body(panel_db *db, void *arg)
{
	struct begin_ctx *ctx = arg;
	panel_db_rows *rows;
	uint64_t status = 0, expired = 0;
	const char *stored_hash, *body;
	int error;

	free(ctx->out->body);
	ctx->out->body = NULL;
	ctx->out->status = 0;
	ctx->out->location[0] = '\0';
	ctx->replay = 0;
	/* Insert first: concurrent claims queue on the key instead of deadlocking on gaps. */
	error =
	    panel__db_exec(NULL, db, CLAIM_INSERT,
			   DB_ARGS(DB_STR(ctx->principal), DB_STR(ctx->key), DB_STR(ctx->hash)));
	if (error == 0) /* claimed: held by this connection while the request runs */
		return take_claim(db, ctx->lock);
	if (error != PANEL_EEXISTS)
		return error;
	if ((error = panel__db_query(
		 &rows, db,
		 "SELECT request_hash, status, body,"
		 " created < NOW() - INTERVAL ? SECOND, location FROM panel_idempotency"
		 " WHERE principal = ? AND idem_key = ? FOR UPDATE",
		 DB_ARGS(DB_U64(KEEP_SECONDS), DB_STR(ctx->principal), DB_STR(ctx->key)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1 || panel__db_cell_u64(&status, rows, 0, 1) < 0 ||
	    panel__db_cell_u64(&expired, rows, 0, 3) < 0) {
		panel__db_rows_free(rows);
		/* Purged between the two statements: let the client try again. */
		return panel__error(PANEL_ECONFLICT, "key",
				    "the first request with this key is still running");
	}
	stored_hash = panel__db_cell(rows, 0, 0);
	body = panel__db_cell(rows, 0, 2);
	if (expired) {
		panel__db_rows_free(rows);
		/* Older than 24 hours: forgotten, the key starts afresh, claimed like a new one
		 * (held by its lock: without it, a retry took the claim over while it ran). */
		if ((error = panel__db_exec(
			 NULL, db,
			 "UPDATE panel_idempotency SET request_hash = ?, status = 0,"
			 " body = NULL, location = NULL, created = NOW() WHERE principal = ? AND"
			 " idem_key = ?",
			 DB_ARGS(DB_STR(ctx->hash), DB_STR(ctx->principal), DB_STR(ctx->key)))) < 0)
			return error;
		return take_claim(db, ctx->lock);
	}
	if (!stored_hash || strcmp(stored_hash, ctx->hash) != 0)
		error = panel__error(PANEL_ECONFLICT, "key",
				     "this Idempotency-Key was used for another request");
	else if (status == 0) {
		/* Running, unless its request's connection is gone (its daemon died, or lost the
		 * database): then this retry takes the claim over. */
		int got = claim_lock(db, ctx->lock, 0);
		if (got < 0)
			error = got;
		else if (!got)
			error = panel__error(PANEL_ECONFLICT, "key",
					     "the first request with this key is still running");
		else
			error = panel__db_exec(NULL, db,
					       "UPDATE panel_idempotency SET created = NOW()"
					       " WHERE principal = ? AND idem_key = ?",
					       DB_ARGS(DB_STR(ctx->principal), DB_STR(ctx->key)));
	} else if (!(ctx->out->body = strdup(body ? body : "")))
		error = panel__error_oom();
	else {
		const char *location = panel__db_cell(rows, 0, 4);
		ctx->out->status = (int)status;
		snprintf(ctx->out->location, sizeof(ctx->out->location), "%s",
			 location ? location : "");
		ctx->replay = 1;
	}
	panel__db_rows_free(rows);
	return error;
}

/* The checks of a claim's arguments, its hash in lower case and its lock's name into ctx, and
 * the purge of a few expired rows. */
static int begin_setup(struct begin_ctx *ctx, panel *p, const char *request_hash)
{
	panel__error_saved saved;
	int error;

	panel__credential_disarm(p);
	if (!ctx->out || !p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	ctx->out->status = 0;
	ctx->out->body = NULL;
	if ((error = check_claim(ctx->principal, ctx->key)) < 0)
		return error;
	if (!request_hash || strlen(request_hash) != 64)
		return panel__error(PANEL_EINVALID, "request_hash",
				    "the request hash is 64 hexadecimal digits (SHA-256)");
	for (size_t i = 0; i < 64; i++) {
		char c = request_hash[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return panel__error(PANEL_EINVALID, "request_hash",
					    "the request hash is 64 hexadecimal digits (SHA-256)");
		ctx->hash[i] = c;
	}
	claim_lock_name(ctx->lock, ctx->principal, ctx->key);
	panel__db_keep_session(p->db, 0);
	/* A few expired rows at a time keep the table at about one day of keys; failures do
	 * not matter (the next call tries again). Without waiting: the scan locks the first row
	 * past the expired ones, which can be another request's claim, uncommitted until its
	 * answer (begin_atomic); waiting for it held an unrelated key's request until then. */
	panel__error_save(&saved);
	panel__db_exec(NULL, p->db,
		       "SET STATEMENT innodb_lock_wait_timeout = 0 FOR"
		       " DELETE FROM panel_idempotency WHERE created < NOW() - INTERVAL ? SECOND"
		       " ORDER BY created LIMIT 20",
		       DB_ARGS(DB_U64(KEEP_SECONDS)));
	panel__error_restore(&saved);
	return 0;
}

int panel_idempotency_begin(panel_idempotent_response *out, panel *p, const char *principal,
			    const char *key, const char *request_hash)
{
	struct begin_ctx ctx = {principal, key, {0}, {0}, out, 0};
	int error;

	if ((error = begin_setup(&ctx, p, request_hash)) < 0)
		return error;
	error = panel__db_transaction(p->db, begin_body, &ctx);
	if (error < 0) {
		free(out->body);
		out->body = NULL;
		out->status = 0;
		return error;
	}
	if (ctx.replay)
		return panel__error(PANEL_EEXISTS, "key",
				    "this request was already answered (status %d)", out->status);
	/* The claim is this session's lock: the request must not go on on another session (a
	 * retry may take the claim over as soon as this one is gone), it fails instead. */
	panel__db_keep_session(p->db, 1);
	return 0;
}

/* The claim made inside the request's transaction: uncommitted until the answer commits with
 * the change. A retry's INSERT meanwhile waits on the row (10 s at most, then "still running"),
 * then fails as a duplicate: it then rolls back and takes the ordinary way of
 * panel_idempotency_begin, which replays the answer (or claims the key of a request that rolled
 * back). No named lock is needed for such a claim: it dies with its session. */
int panel_idempotency_begin_atomic(panel_idempotent_response *out, panel *p, const char *principal,
				   const char *key, const char *request_hash)
{
	struct begin_ctx ctx = {principal, key, {0}, {0}, out, 0};
	panel__error_saved saved;
	unsigned err;
	int error;

	if ((error = begin_setup(&ctx, p, request_hash)) < 0 ||
	    (error = panel_idempotency_atomic_begin(p)) < 0)
		return error;
	p->claim_locked = 0;
	error = panel__db_exec(NULL, p->db,
			       "SET STATEMENT innodb_lock_wait_timeout = 10 FOR " CLAIM_INSERT,
			       DB_ARGS(DB_STR(principal), DB_STR(key), DB_STR(ctx.hash)));
	if (error == 0)
		return 0;
	err = panel__db_errno(p->db);
	panel__error_save(&saved);
	panel_idempotency_atomic_abort(p);
	panel__error_restore(&saved);
	if (err == ER_LOCK_WAIT_TIMEOUT || err == ER_LOCK_DEADLOCK)
		return panel__error(PANEL_ECONFLICT, "key",
				    "the first request with this key is still running");
	if (error != PANEL_EEXISTS)
		return error;
	/* Answered, or claimed outside a transaction (an older daemon, a request running or
	 * whose session died): decided the ordinary way, in a transaction of its own. */
	if ((error = panel_idempotency_begin(out, p, principal, key, request_hash)) < 0)
		return error;
	if ((error = panel_idempotency_atomic_begin(p)) < 0) {
		panel__error_save(&saved);
		panel_idempotency_release(p, principal, key);
		panel__error_restore(&saved);
	}
	return error;
}

struct complete_ctx {
	const char *principal, *key, *body, *location;
	int status;
	uint64_t affected;
};

static int complete_body(panel_db *db, void *arg)
{
	struct complete_ctx *ctx = arg;

	return panel__db_exec(
	    &ctx->affected, db,
	    "UPDATE panel_idempotency SET status = ?, body = ?, location = ? WHERE principal = ?"
	    " AND idem_key = ? AND status = 0",
	    DB_ARGS(DB_U64(ctx->status), DB_STR(ctx->body ? ctx->body : ""),
		    ctx->location && *ctx->location ? DB_STR(ctx->location) : DB_NULL,
		    DB_STR(ctx->principal), DB_STR(ctx->key)));
}

/* The answer stored in the request's transaction, then its COMMIT: both or neither. A claim
 * that is no longer this request's (taken over after a lost session) commits nothing. */
static int complete_atomic(panel *p, struct complete_ctx *ctx)
{
	int error = complete_body(p->db, ctx);

	if (error == 0 && ctx->affected == 0)
		error = panel__error(PANEL_ENOTFOUND, "key",
				     "no running request holds this Idempotency-Key");
	if (error == 0)
		error = panel__db_request_commit(p->db);
	else
		panel_idempotency_atomic_abort(p);
	panel__account_notice_settle(p, error == 0);
	if (p->claim_locked) /* a claim taken over; one made in the transaction has no lock */
		claim_unlock(p->db, ctx->principal, ctx->key);
	p->claim_locked = 0;
	panel__db_keep_session(p->db, 0);
	return error;
}

int panel_idempotency_complete(panel *p, const char *principal, const char *key, int status,
			       const char *body, const char *location)
{
	struct complete_ctx ctx = {principal, key, body, location, status, 0};
	int error;

	panel__credential_disarm(p);
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	if ((error = check_claim(principal, key)) < 0)
		return error;
	if (status < 100 || status > 599)
		return panel__error(PANEL_EINVALID, "status", "not an HTTP status: %d", status);
	if (location && strlen(location) >= sizeof(((panel_idempotent_response *)0)->location))
		return panel__error(PANEL_EINVALID, "location", "longer than %zu bytes",
				    sizeof(((panel_idempotent_response *)0)->location) - 1);
	if (panel__db_request_state(p->db))
		return complete_atomic(p, &ctx);
	error = panel__db_transaction(p->db, complete_body, &ctx);
	claim_unlock(p->db, principal, key);
	panel__db_keep_session(p->db, 0);
	if (error < 0)
		return error;
	if (ctx.affected == 0)
		return panel__error(PANEL_ENOTFOUND, "key",
				    "no running request holds this Idempotency-Key");
	return 0;
}

int panel_idempotency_atomic_begin(panel *p)
{
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	p->notice_uid = 0;
	p->claim_locked = 1; /* claimed before, with panel_idempotency_begin */
	return panel__db_request_begin(p->db);
}

int panel_idempotency_atomic_broken(const panel *p)
{
	return p && panel__db_request_state(p->db) == 2;
}

void panel_idempotency_atomic_abort(panel *p)
{
	if (p)
		panel__db_keep_session(p->db, 0); /* never left on for the handle's next request */
	if (!p || !panel__db_request_state(p->db))
		return;
	panel__db_request_abort(p->db);
	panel__account_notice_settle(p, 0);
}

struct release_ctx {
	const char *principal, *key;
	char lock[64];
};

static int release_body(panel_db *db, void *arg)
{
	struct release_ctx *ctx = arg;

	/* Only a claim still running, and held by this session: a stored answer is never given
	 * up, and a claim whose session was lost may have been taken over by a retry that runs
	 * (left alone, it is taken over by the next one). A claim made inside the request's
	 * transaction has no lock, but it rolled back already. */
	return panel__db_exec(NULL, db,
			      "DELETE FROM panel_idempotency WHERE principal = ? AND idem_key = ?"
			      " AND status = 0 AND IS_USED_LOCK(?) <=> CONNECTION_ID()",
			      DB_ARGS(DB_STR(ctx->principal), DB_STR(ctx->key), DB_STR(ctx->lock)));
}

int panel_idempotency_release(panel *p, const char *principal, const char *key)
{
	struct release_ctx ctx = {principal, key, {0}};
	int error;

	panel__credential_disarm(p);
	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "missing argument");
	if ((error = check_claim(principal, key)) < 0)
		return error;
	claim_lock_name(ctx.lock, principal, key);
	panel__db_keep_session(p->db, 0);
	error = panel__db_transaction(p->db, release_body, &ctx);
	claim_unlock(p->db, principal, key);
	return error;
}
