/* Idempotency-Key on writes: the first answer is stored (libpanel, in the database, so every
 * daemon shares it) and replayed to retries with Idempotent-Replayed: true. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "papi.h"

#define IDEM_KEY_MAX	  255
#define IDEM_WAIT_SECONDS 10 /* a concurrent first request: wait up to about 10 s */

/* PANEL_ECONFLICT means either "used for another request" (final) or "the first request is
 * still running" (worth waiting for); only the message tells them apart. */
static int different_request(void)
{
	return strstr(panel_error_last()->message, "still running") == NULL;
}

/* The principal of the store: "token:<uid>" (all tokens of an account) or "key:<id>". */
static void idem_principal(const papi_request *r, char *buf, size_t bufsz)
{
	if (r->principal.apikey_id)
		snprintf(buf, bufsz, "key:%llu", (unsigned long long)r->principal.apikey_id);
	else
		snprintf(buf, bufsz, "token:%u", (unsigned)r->principal.uid);
}

static enum MHD_Result hash_argument(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	crypto_hash_sha256_state *st = cls;
	static const unsigned char sep = 0, absent = 1;

	(void)kind;
	crypto_hash_sha256_update(st, (const unsigned char *)key, strlen(key));
	crypto_hash_sha256_update(st, &sep, 1);
	if (value)
		crypto_hash_sha256_update(st, (const unsigned char *)value, strlen(value));
	else
		crypto_hash_sha256_update(st, &absent, 1);
	crypto_hash_sha256_update(st, &sep, 1);
	return MHD_YES;
}

/* SHA-256 of what makes two requests "the same": method, path, query parameters (in order),
 * acting-as, body. */
static void request_hash(const papi_request *r, char *hex, size_t hexsz)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	static const unsigned char sep = 0;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)r->method, strlen(r->method));
	crypto_hash_sha256_update(&st, &sep, 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)r->url, strlen(r->url));
	crypto_hash_sha256_update(&st, &sep, 1);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, hash_argument, &st);
	crypto_hash_sha256_update(&st, &sep, 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)r->act_as, strlen(r->act_as));
	crypto_hash_sha256_update(&st, &sep, 1);
	if (r->body_len)
		crypto_hash_sha256_update(&st, (const unsigned char *)r->body, r->body_len);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, hexsz, digest, sizeof(digest));
}

static void replay(papi_request *r, panel_idempotent_response *stored)
{
	json_t *body;

	r->reply.status = (unsigned)stored->status;
	r->reply.text = stored->body && *stored->body ? stored->body : NULL;
	if (!r->reply.text)
		free(stored->body);
	r->reply.replayed = 1;
	snprintf(r->reply.location, sizeof(r->reply.location), "%s", stored->location);
	/* Headers derived from the body come back too. */
	body = r->reply.text ? json_loads(r->reply.text, 0, NULL) : NULL;
	if (json_is_string(json_object_get(body, "etag")))
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s",
			 json_string_value(json_object_get(body, "etag")));
	json_decref(body);
}

/* The route's changes and its answer commit together (PAPI_ATOMIC). A new account with a domain
 * installed is a domain write: those commit before AlternC's cron may run (libpanel's
 * cron_lock.c), not in a request's transaction. */
static int atomic(const papi_request *r)
{
	json_t *domain = r->json ? json_object_get(r->json, "install_domain") : NULL;

	return (r->route->flags & PAPI_ATOMIC) && !(domain && !json_is_null(domain));
}

int papi_idempotency_begin(papi_request *r, int *claimed)
{
	const char *key = papi_header(r, "Idempotency-Key");
	panel_idempotent_response stored;
	char hash[crypto_hash_sha256_BYTES * 2 + 1];
	size_t len;
	int rc = 0;

	*claimed = 0;
	if (!key)
		return 1;
	len = strlen(key);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7f)
			len = 0;
	if (len == 0 || len > IDEM_KEY_MAX) {
		papi_reply_error(r, PAPI_E_INVALID_HEADER, "Idempotency-Key",
				 "Idempotency-Key must be 1 to %d printable ASCII characters",
				 IDEM_KEY_MAX);
		return 0;
	}
	idem_principal(r, r->idem_principal, sizeof(r->idem_principal));
	request_hash(r, hash, sizeof(hash));
	int in_request = atomic(r);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		memset(&stored, 0, sizeof(stored));
		rc = in_request
			 ? panel_idempotency_begin_atomic(&stored, r->p, r->idem_principal, key,
							  hash)
			 : panel_idempotency_begin(&stored, r->p, r->idem_principal, key, hash);
		if (rc == 0) {
			r->idem_key = key;
			r->idem_atomic = in_request;
			*claimed = 1;
			return 1;
		}
		if (rc == PANEL_EEXISTS) {
			replay(r, &stored);
			return 0;
		}
		free(stored.body);
		if (rc != PANEL_ECONFLICT || different_request())
			break;
		/* The first request with this key is still running: wait for its answer, so that
		 * every retry gets the same one (an atomic claim has waited on its row already). */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= IDEM_WAIT_SECONDS)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (rc == PANEL_ECONFLICT)
		papi_reply_error(r, PAPI_E_IDEMPOTENCY_CONFLICT, "Idempotency-Key", "%s",
				 panel_error_last()->message);
	else
		papi_reply_panel_error(r, rc);
	return 0;
}

/* Gives the key up so that a retry runs again (the request's transaction rolled back first). */
static void release(papi_request *r)
{
	if (r->idem_atomic) {
		panel_idempotency_atomic_abort(r->p);
		r->idem_atomic = 0;
	}
	if (panel_idempotency_release(r->p, r->idem_principal, r->idem_key) < 0)
		papi_rlog(r, PAPI_LOG_WARNING, "idempotency release: %s",
			  panel_error_last()->message);
	r->idem_key = NULL;
}

int papi_idempotency_rerun(papi_request *r)
{
	if (!r->idem_atomic || !panel_idempotency_atomic_broken(r->p) || r->idem_reruns > 0)
		return 0;
	r->idem_reruns++;
	papi_rlog(r, PAPI_LOG_INFO, "request transaction lost (%s): running the request again",
		  panel_error_last()->message);
	release(r);
	papi_reply_clear(r);
	panel_error_clear();
	return 1;
}

void papi_idempotency_finish(papi_request *r)
{
	char *stored_text = NULL;
	int rc;

	if (!r->idem_key)
		return;
	if (r->reply.status == 0 || r->reply.status >= 500 || r->reply.status == 429) {
		release(r);
		return;
	}
	if (r->reply.body && !r->reply.text)
		r->reply.text = json_dumps(r->reply.body, JSON_COMPACT);
	if (r->reply.body && r->reply.secret_field) {
		/* The secret is shown once: the stored answer has it as null. */
		json_t *copy = json_deep_copy(r->reply.body);
		if (copy && json_object_set_new(copy, r->reply.secret_field, json_null()) == 0)
			stored_text = json_dumps(copy, JSON_COMPACT);
		json_decref(copy);
	}
	rc =
	    panel_idempotency_complete(r->p, r->idem_principal, r->idem_key, (int)r->reply.status,
				       r->reply.secret_field ? (stored_text ? stored_text : "{}")
							     : (r->reply.text ? r->reply.text : ""),
				       r->reply.location[0] ? r->reply.location : NULL);
	free(stored_text);
	if (rc < 0) {
		papi_rlog(r, PAPI_LOG_WARNING, "idempotency store: %s",
			  panel_error_last()->message);
		if (r->idem_atomic) {
			/* The answer was to commit with the changes: neither did (or, lost during
			 * the COMMIT, nobody knows), so the answer set is not true. The retry finds
			 * the stored answer, or runs again. */
			r->idem_atomic = 0;
			papi_reply_clear(r);
			papi_reply_panel_error(r, PANEL_EUNAVAILABLE);
		}
		release(r);
	}
}
