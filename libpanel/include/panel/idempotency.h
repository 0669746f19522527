/* Idempotency keys for the REST daemon: a retried write with the same key gets the first
 * answer back instead of running again. Stored in the database, shared by every daemon. */
#ifndef PANEL_IDEMPOTENCY_H
#define PANEL_IDEMPOTENCY_H

#include "common.h"

typedef struct panel_idempotent_response {
	int status; /* HTTP status of the first answer */
	char *body; /* its body (caller frees with free()) */
} panel_idempotent_response;

/* Claims (principal, key) for a request whose method, path and body hash to request_hash.
 * Returns 0 when the caller should run the request (then call _complete or _release);
 * PANEL_EEXISTS with *out filled when the same request already completed (answer it again);
 * PANEL_ECONFLICT when the key was used for a different request, or the same request is still
 * running. Keys are kept 24 hours. */
PANEL_EXTERN int panel_idempotency_begin(panel_idempotent_response *out, panel *p,
					 const char *principal, const char *key,
					 const char *request_hash);

/* Stores the answer of a claimed request. */
PANEL_EXTERN int panel_idempotency_complete(panel *p, const char *principal, const char *key,
					    int status, const char *body);

/* Gives a claim up (the request failed in a way worth retrying, e.g. 503). */
PANEL_EXTERN int panel_idempotency_release(panel *p, const char *principal, const char *key);

#endif
