/* Idempotency keys for the REST daemon: a retried write with the same key gets the first
 * answer back instead of running again. Stored in the database, shared by every daemon. */
#ifndef PANEL_IDEMPOTENCY_H
#define PANEL_IDEMPOTENCY_H

#include "common.h"

typedef struct panel_idempotent_response {
	int status;	    /* HTTP status of the first answer */
	char *body;	    /* its body (caller frees with free()) */
	char location[320]; /* its Location header, "" none */
} panel_idempotent_response;

/* Claims (principal, key) for a request whose method, path and body hash to request_hash.
 * Returns 0 when the caller should run the request (then call _complete or _release);
 * PANEL_EEXISTS with *out filled when the same request already completed (answer it again);
 * PANEL_ECONFLICT when the key was used for a different request, or the same request is still
 * running. Keys are kept 24 hours. */
PANEL_EXTERN int panel_idempotency_begin(panel_idempotent_response *out, panel *p,
					 const char *principal, const char *key,
					 const char *request_hash);

/* Stores the answer of a claimed request (location: its Location header, or NULL; up to 319
 * bytes). Inside the request's transaction (below): stores it
 * there and commits, so that the request's changes and its answer are applied together; on an
 * error nothing of either was (PANEL_EUNAVAILABLE "may or may not" when the connection was lost
 * during the COMMIT: a retry then finds the answer, or runs again). */
PANEL_EXTERN int panel_idempotency_complete(panel *p, const char *principal, const char *key,
					    int status, const char *body, const char *location);

/* The request's transaction, for a claimed request whose effects are all in the panel database:
 * after _atomic_begin, the operations called on p run inside one open transaction (each in a
 * savepoint of its own, undone alone when it fails), until panel_idempotency_complete commits
 * them with the answer or _atomic_abort rolls them back. Without it, an operation committed
 * before a cut whose answer was not yet stored runs again on the retry (a create then answers
 * "exists"). A new account's notice mail waits for the commit. While it is open, a lost
 * connection or a deadlock loses it: _atomic_broken then says 1, every statement fails with
 * PANEL_EUNAVAILABLE, and the request may run again from its claim after _atomic_abort and
 * panel_idempotency_release. Not for operations with effects outside the panel database (the
 * member server's CREATE DATABASE, files): a rollback would not undo them. */
PANEL_EXTERN int panel_idempotency_atomic_begin(panel *p);
/* panel_idempotency_begin and _atomic_begin in one, with the claim itself inside the request's
 * transaction: uncommitted until the answer commits with the change, so that a claim, a change
 * and an answer cost one commit. A retry meanwhile waits on the claim's row (10 s at most, then
 * PANEL_ECONFLICT "still running") and then gets the answer, or the claim if the request rolled
 * back. Returns as panel_idempotency_begin; the transaction is open only when it returns 0. */
PANEL_EXTERN int panel_idempotency_begin_atomic(panel_idempotent_response *out, panel *p,
						const char *principal, const char *key,
						const char *request_hash);
PANEL_EXTERN int panel_idempotency_atomic_broken(const panel *p);
PANEL_EXTERN void panel_idempotency_atomic_abort(panel *p);

/* Gives a claim up (the request failed in a way worth retrying, e.g. 503). */
PANEL_EXTERN int panel_idempotency_release(panel *p, const char *principal, const char *key);

#endif
