/* panel-api: the REST daemon on libmicrohttpd. main, the static route table, request intake
 * (limits, routing, body), the per-thread libpanel handles, signals (drain, reload). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>

#include "papi.h"

#define DEFAULT_CONFIG "/etc/panel/panel.conf"

/* Every route of the daemon, one slice per resource, in this order. docs/openapi.yaml must
 * describe exactly these (tests/api checks it through --list-routes). */
static const papi_route_table *const tables[] = {
    &papi_routes_auth,		&papi_routes_accounts, &papi_routes_admin,
    &papi_routes_domains,	&papi_routes_mail,     &papi_routes_ftp,
    &papi_routes_databases,	&papi_routes_rawstats, &papi_routes_hta,
    &papi_routes_mail_wrappers, &papi_routes_metrics,  &papi_routes_slaves,
    &papi_routes_account_mail,	&papi_routes_files,
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* ---------------------------------------------------------------- per-thread handles */

/* The one exception to "no mutable globals": each MHD worker thread keeps its own libpanel
 * handle (a handle is one connection and is not thread-safe), in a pthread key of the daemon
 * context, closed by the key's destructor when the thread ends (MHD_stop_daemon joins them). */
struct papi_thread_handle {
	panel *p;
	unsigned long generation; /* of the configuration it was opened with */
	int suspect;		  /* the last request on it answered 503 */
	unsigned tx_attempts;	  /* of its last transaction, as last seen (retry counter) */
	papi_principals *principals;
	uint64_t id_key[2], id_count; /* request ids (request_id) */
	papi_conf *conf;	      /* a reference to the configuration, renewed on reload */
};

static void handle_key_destroy(void *state)
{
	struct papi_thread_handle *h = state;

	panel_close(h->p);
	papi_principals_free(h->principals);
	papi_conf_release(NULL, h->conf);
	free(h);
}

/* This worker thread's state, created on its first request; NULL when out of memory. */
static struct papi_thread_handle *thread_state(papi_ctx *ctx)
{
	struct papi_thread_handle *h = pthread_getspecific(ctx->handle_key);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h || !(h->principals = papi_principals_new()) ||
	    pthread_setspecific(ctx->handle_key, h) != 0) {
		if (h)
			papi_principals_free(h->principals);
		free(h);
		return NULL;
	}
	randombytes_buf(h->id_key, sizeof(h->id_key));
	return h;
}

/* A request id no other request of this process had: a counter, keyed per thread (a random
 * key drawn once, instead of a system call for every request). */
static void request_id(char out[PAPI_REQUEST_ID_MAX + 1], struct papi_thread_handle *h)
{
	uint64_t x = h->id_count++ ^ h->id_key[0];
	unsigned char id[8];

	/* splitmix64's finalizer: a bijection, so distinct counters give distinct ids. */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	x ^= x >> 31;
	x += h->id_key[1];
	for (size_t i = 0; i < sizeof(id); i++)
		id[i] = (unsigned char)(x >> (8 * i));
	sodium_bin2hex(out, PAPI_REQUEST_ID_MAX + 1, id, sizeof(id));
}

/* This worker thread's libpanel handle, opened (or reopened) on demand. NULL with 503 set when
 * the database cannot be reached. */
static panel *thread_handle(papi_request *r)
{
	struct papi_thread_handle *h = thread_state(r->ctx);
	int rc;

	if (!h) {
		papi_reply_oom(r);
		return NULL;
	}
	/* A reload: new handles use the new configuration. After a 503 the connection may be
	 * left closed (libpanel reconnects lost connections inside a transaction, not ones that
	 * already failed to reconnect): start afresh rather than answer 503 forever. */
	if (h->p && (h->generation != r->conf->generation || h->suspect)) {
		panel_close(h->p);
		h->p = NULL;
	}
	h->suspect = 0;
	r->thread_handle = h;
	r->principals = h->principals;
	if (!h->p) {
		rc = panel_open(&h->p, r->conf->cfg);
		if (rc < 0) {
			h->p = NULL;
			papi_rlog(r, PAPI_LOG_WARNING, "cannot open the database: %s",
				  panel_error_last()->message);
			papi_reply_error(r, PAPI_E_UNAVAILABLE, NULL,
					 "the database is unavailable, retry later");
			return NULL;
		}
		h->generation = r->conf->generation;
	}
	return h->p;
}

/* ---------------------------------------------------------------- routing */

/* Matches url against pattern segment by segment; placeholders match one non-empty segment. */
static int pattern_matches(const char *pattern, const char *url)
{
	const char *p = pattern, *u = url;

	while (*p && *u) {
		size_t plen = strcspn(p + 1, "/") + 1, ulen = strcspn(u + 1, "/") + 1;
		if (p[0] != '/' || u[0] != '/')
			return 0;
		if (p[1] == '{') {
			if (ulen < 2)
				return 0;
		} else if (plen != ulen || memcmp(p, u, plen) != 0) {
			return 0;
		}
		p += plen;
		u += ulen;
	}
	return !*p && !*u;
}

static int capture_params(papi_request *r, const char *pattern, const char *url)
{
	const char *p = pattern, *u = url;

	while (*p) {
		size_t plen = strcspn(p + 1, "/") + 1, ulen = strcspn(u + 1, "/") + 1;
		if (p[1] == '{') {
			char *v = malloc(PAPI_PARAM_MAX);
			if (!v || r->nparams == PAPI_MAX_PARAMS ||
			    papi_percent_decode(v, PAPI_PARAM_MAX, u + 1, ulen - 1, 1) < 0) {
				free(v);
				return -1;
			}
			r->params[r->nparams++] = v;
		}
		p += plen;
		u += ulen;
	}
	return 0;
}

const char *papi_param(const papi_request *r, size_t i)
{
	return i < r->nparams ? r->params[i] : "";
}

const char *papi_header(const papi_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Finds the route; answers 404, 405 (with Allow) or 400 itself. 0 when found. */
static int route_request(papi_request *r)
{
	char allow[64] = "";
	size_t n = 0, rank = 0;

	for (size_t t = 0; t < NTABLES; t++) {
		for (size_t i = 0; i < tables[t]->count; i++, rank++) {
			const papi_route *route = &tables[t]->routes[i];
			if (!pattern_matches(route->pattern, r->url))
				continue;
			if (strcmp(route->method, r->method) == 0) {
				r->route = route;
				r->route_index = rank;
				if (capture_params(r, route->pattern, r->url) < 0) {
					papi_reply_error(r, PAPI_E_INVALID_PATH, NULL,
							 "bad escape or character in the path");
					return -1;
				}
				return 0;
			}
			n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s", n ? ", " : "",
					      route->method);
			if (n >= sizeof(allow))
				n = sizeof(allow) - 1;
		}
	}
	if (allow[0]) {
		papi_reply_error(r, PAPI_E_METHOD_NOT_ALLOWED, NULL,
				 "%s is not allowed here; use %s", r->method, allow);
		snprintf(r->reply.allow, sizeof(r->reply.allow), "%s", allow);
	} else {
		papi_reply_error(r, PAPI_E_NO_ROUTE, NULL, "no such route");
	}
	return -1;
}

/* ---------------------------------------------------------------- request intake */

/* A client's X-Request-Id is kept when it is a plain token that cannot smuggle anything into
 * a log line or a header, and does not look like one of our credentials (a client pasting its
 * token there would see it logged). */
static int request_id_safe(const char *id)
{
	size_t len = id ? strlen(id) : 0;

	return len > 0 && len <= PAPI_REQUEST_ID_MAX &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
		   len &&
	       strncmp(id, "pt_", 3) != 0 && strncmp(id, "pk_", 3) != 0;
}

static papi_request *request_new(papi_ctx *ctx, struct MHD_Connection *conn, const char *url,
				 const char *method)
{
	papi_request *r = calloc(1, sizeof(*r));
	struct papi_thread_handle *h = thread_state(ctx);
	const char *given;

	if (!r || !h) {
		free(r);
		return NULL;
	}
	r->ctx = ctx;
	r->conn = conn;
	r->url = url;
	r->method = method;
	r->route_index = SIZE_MAX; /* none matched (yet) */
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	if (request_id_safe(given)) {
		memcpy(r->id, given, strlen(given) + 1);
	} else {
		request_id(r->id, h);
	}
	/* The thread's reference keeps its configuration alive: a request takes one more without
	 * the daemon's lock, which is taken only when a reload published a new one. */
	if (!h->conf || h->conf->generation != atomic_load(&ctx->generation)) {
		papi_conf_release(ctx, h->conf);
		h->conf = papi_conf_acquire(ctx);
	}
	r->conf = h->conf;
	atomic_fetch_add(&r->conf->refs, 1);
	atomic_fetch_add(&ctx->inflight, 1);
	papi_client_ip(r);
	return r;
}

static void request_free(papi_request *r)
{
	papi_ctx *ctx = r->ctx;

	for (size_t i = 0; i < r->nparams; i++)
		free(r->params[i]);
	if (r->body) {
		sodium_memzero(r->body, r->body_len); /* may hold passwords */
		free(r->body);
	}
	papi_uploads_release(ctx, r->upload_uid, r->upload_held);
	json_decref(r->json); /* Jansson does not wipe: the body copy above is the long-lived one */
	papi_reply_clear(r);  /* its text may hold a new secret: wiped */
	sodium_memzero(&r->principal, sizeof(r->principal));
	papi_conf_release(ctx, r->conf);
	free(r);
	/* drain() sets draining before it looks at inflight, under the lock taken here: one of
	 * the two sees the other's change (sequentially consistent atomics), no wakeup is lost. */
	if (atomic_fetch_sub(&ctx->inflight, 1) == 1 && atomic_load(&ctx->draining)) {
		pthread_mutex_lock(&ctx->lock);
		pthread_cond_broadcast(&ctx->idle);
		pthread_mutex_unlock(&ctx->lock);
	}
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	size_t *total = cls;

	(void)kind;
	*total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	return MHD_YES;
}

static enum MHD_Result add_argument_size(void *cls, enum MHD_ValueKind kind, const char *key,
					 const char *value)
{
	size_t *total = cls;

	(void)kind;
	/* "?" or "&", the name, and "=value" (as received: no_unescape leaves escapes). */
	*total += 1 + strlen(key) + (value ? 1 + strlen(value) : 0);
	return MHD_YES;
}

/* The largest body the request's route takes: a file's bytes for PAPI_RAW, JSON otherwise. */
static size_t body_max(const papi_request *r)
{
	return r->route && (r->route->flags & PAPI_RAW) ? papi_raw_body_max(r) : PAPI_BODY_MAX;
}

static void too_large(papi_request *r)
{
	papi_reply_error(r, PAPI_E_BODY_TOO_LARGE, NULL, "the body is larger than %zu bytes",
			 body_max(r));
}

/* What the request's headers say about where its body ends. */
struct framing {
	unsigned content_lengths;    /* Content-Length lines */
	int length_not_digits;	     /* one of them is not only digits */
	unsigned transfer_encodings; /* Transfer-Encoding lines */
	int not_chunked;	     /* one of them says other than "chunked" alone */
	const char *repeated;	     /* a header that means one thing, given twice */
	unsigned seen;		     /* the singles seen: bit i for singles[i] */
};

/* Headers that name one thing: given twice, a proxy in front may have believed the other line
 * (libmicrohttpd hands us the first), as for Content-Length. */
static const char *const singles[] = {
    MHD_HTTP_HEADER_HOST,	 MHD_HTTP_HEADER_AUTHORIZATION, "X-Panel-Act-As",
    "Idempotency-Key",		 MHD_HTTP_HEADER_IF_MATCH,	MHD_HTTP_HEADER_IF_NONE_MATCH,
    MHD_HTTP_HEADER_CONTENT_TYPE};

/* "chunked", in any case, with optional blanks around: the one coding libmicrohttpd reads. */
static int chunked_alone(const char *v)
{
	if (!v)
		return 0;
	v += strspn(v, " \t");
	if (strncasecmp(v, "chunked", 7) != 0)
		return 0;
	v += 7;
	return v[strspn(v, " \t")] == '\0';
}

static enum MHD_Result note_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->content_lengths++;
		if (!value || !*value || value[strspn(value, "0123456789")] != '\0')
			f->length_not_digits = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encodings++;
		if (!chunked_alone(value))
			f->not_chunked = 1;
	} else {
		for (unsigned i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
			if (strcasecmp(key, singles[i]) != 0)
				continue;
			if (f->seen & (1u << i))
				f->repeated = singles[i];
			f->seen |= 1u << i;
		}
	}
	return MHD_YES;
}

/* A body whose end the headers do not state once and plainly (RFC 9112, 6.3): libmicrohttpd
 * takes the first Content-Length, or the chunks when there is a Transfer-Encoding (whatever
 * coding it names, and on the first line of several), while a
 * proxy in front may take another line, and bytes it sent as this body would be read here as
 * a request of their own (smuggled past the proxy). Refused in the handler's first call, before
 * any body, and the connection is closed after the answer, so those bytes are never parsed.
 * A Content-Length that is not only digits does not get here with libmicrohttpd 0.9.75 (it
 * answers its own 400, docs/api.md); the check stays for a version that would let one by. */
static int framing_checks(papi_request *r)
{
	struct framing f = {0};

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, note_framing, &f);
	if (f.transfer_encodings && f.content_lengths)
		papi_reply_error(r, PAPI_E_INVALID_HEADER, MHD_HTTP_HEADER_TRANSFER_ENCODING,
				 "Transfer-Encoding and Content-Length together: send one of them");
	else if (f.transfer_encodings > 1 || f.not_chunked)
		papi_reply_error(r, PAPI_E_INVALID_HEADER, MHD_HTTP_HEADER_TRANSFER_ENCODING,
				 "Transfer-Encoding must be chunked, on one line");
	else if (f.content_lengths > 1)
		papi_reply_error(r, PAPI_E_INVALID_HEADER, MHD_HTTP_HEADER_CONTENT_LENGTH,
				 "%u Content-Length headers: send one", f.content_lengths);
	else if (f.length_not_digits)
		papi_reply_error(r, PAPI_E_INVALID_HEADER, MHD_HTTP_HEADER_CONTENT_LENGTH,
				 "Content-Length must be a number of bytes");
	else if (f.repeated)
		papi_reply_error(r, PAPI_E_INVALID_HEADER, f.repeated, "%s given twice: send one",
				 f.repeated);
	else
		return 0;
	/* libmicrohttpd (0.9.75) reads nothing more on a connection once an answer is queued
	 * before the body, and closes it after that answer with `Connection: close`. Not left to
	 * that alone: a request that asks for "Connection: close" has its connection closed after
	 * the answer by every version (the value is added as if the client had sent it). */
	MHD_set_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION, "close");
	return -1;
}

/* Checks that can answer before the body is read: framing, header size, URL length, route,
 * declared body size. */
static int early_checks(papi_request *r)
{
	size_t headers = 0, url;
	const char *cl;

	if (framing_checks(r) < 0)
		return -1;
	/* Below libmicrohttpd's own limit (PAPI_CONN_MEMORY, 64 KiB: a 60 KB header still reaches
	 * us for this JSON 431; larger ones get its HTML page), which it clears for every request.
	 */
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, add_header_size, &headers);
	if (headers > PAPI_HEADERS_MAX) {
		papi_reply_error(r, PAPI_E_HEADERS_TOO_LARGE, NULL,
				 "the request headers are larger than %d bytes", PAPI_HEADERS_MAX);
		return -1;
	}
	/* The whole request target counts, query string included (RFC 9110, 414): libmicrohttpd
	 * hands over the path alone, so the query's size is added from its arguments. */
	url = strlen(r->url);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_argument_size, &url);
	if (url > PAPI_URL_MAX) {
		papi_reply_error(r, PAPI_E_URI_TOO_LONG, NULL, "the URL is longer than %d bytes",
				 PAPI_URL_MAX);
		return -1;
	}
	if (route_request(r) < 0)
		return -1;
	cl = papi_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > body_max(r)) {
		too_large(r);
		return -1;
	}
	return 0;
}

static int json_content_type(const char *ct)
{
	static const char *const accepted[] = {"application/json", "application/merge-patch+json"};

	if (!ct)
		return 0;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		size_t n = strlen(accepted[i]);
		if (strncasecmp(ct, accepted[i], n) == 0 &&
		    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return 1;
	}
	return 0;
}

/* A PAPI_RAW body is bytes, sent as application/octet-stream; the handler takes it as is. */
static int raw_content_type(papi_request *r)
{
	const char *ct = papi_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/octet-stream");

	if (!ct || strncasecmp(ct, "application/octet-stream", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
		papi_reply_error(r, PAPI_E_UNSUPPORTED_MEDIA_TYPE, NULL,
				 "the body must be sent as Content-Type: application/octet-stream");
		return -1;
	}
	return 0;
}

static int read_body(papi_request *r)
{
	json_error_t jerr;

	if (r->body_too_large) {
		too_large(r);
		return -1;
	}
	if (r->upload_refused) {
		papi_upload_refusal(r);
		return -1;
	}
	if (r->body_len == 0)
		return 0;
	if (r->route->flags & PAPI_RAW)
		return raw_content_type(r);
	/* Jansson stops at a raw NUL: what follows it would never be checked. */
	if (memchr(r->body, '\0', r->body_len)) {
		papi_reply_error(r, PAPI_E_INVALID_JSON, NULL,
				 "the body holds a NUL byte (write it as \\u0000 inside a string)");
		return -1;
	}
	if (!(r->route->flags & (PAPI_BODY | PAPI_EMPTY))) {
		papi_reply_error(r, PAPI_E_INVALID_JSON, NULL, "this route takes no body");
		return -1;
	}
	if (!json_content_type(papi_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		papi_reply_error(r, PAPI_E_UNSUPPORTED_MEDIA_TYPE, NULL,
				 "the body must be sent as Content-Type: application/json");
		return -1;
	}
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->json) {
		papi_reply_error(r, PAPI_E_INVALID_JSON, NULL, "line %d, column %d: %s", jerr.line,
				 jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(r->json)) {
		papi_reply_error(r, PAPI_E_INVALID_JSON, NULL, "the body must be a JSON object");
		return -1;
	}
	return 0;
}

static int is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* What the route entry declares, checked just before its handler (where the handlers used to
 * check it): the query parameters it takes, and an empty body for PAPI_EMPTY. */
static int route_checks(papi_request *r)
{
	static const char *const none[] = {NULL};
	papi_spec empty[] = {papi_spec_end()};

	if (papi_query_check(r, r->route->query ? r->route->query : none) < 0)
		return -1;
	if ((r->route->flags & PAPI_EMPTY) && papi_parse_body(r, empty) < 0)
		return -1;
	return 0;
}

/* libpanel refused the token of a cached principal in the request's first statement (revoked,
 * expired, account locked, admin flag changed): forget it, and go through the request once
 * more from the full check of the token, which answers 401 or gives the principal as it is now.
 * Nothing was done: the refusal comes before the operation reads or writes anything. An error
 * answer may come before any operation (a bad body or query): the token is then checked in full
 * here, so that a token no longer valid gets its 401 whatever else was wrong. 1 to run again. */
static int check_again(papi_request *r)
{
	panel_principal now;
	int same;

	if (!r->principal_cached)
		return 0;
	if (!r->credential_refused) {
		if (r->reply.status < 400)
			return 0;
		same = panel_auth_token(&now, r->p, r->credential) == 0 &&
		       now.uid == r->principal.uid && now.admin == r->principal.admin;
		sodium_memzero(&now, sizeof(now));
		if (same)
			return 0;
		r->credential_refused = 1;
	}
	papi_principals_drop(r->principals, r->token_hash);
	papi_reply_clear(r);
	r->authenticated = 0;
	r->principal_cached = 0;
	r->act_as[0] = '\0';
	panel_error_clear();
	return 1;
}

/* A write past its member's rate (papi_ratelimit.c): 429 with Retry-After. 1 when refused. A
 * JSON body costs a write for each KiB it has begun: what a write stores (its audit row, its
 * keyed answer) grows with what it sends, and a forward of 64 long addresses sent 20 times a
 * second wrote 57 GB of audit a day. A file's bytes are counted by the uploads' limits. */
static int member_rate_refused(papi_request *r)
{
	uint32_t uid = r->actor.kind == PANEL_ACTOR_MEMBER  ? r->actor.uid
		       : r->actor.kind == PANEL_ACTOR_ADMIN ? r->actor.as_uid
							    : 0;
	unsigned cost = 1; /* no body, or a file's */
	if (!(r->route && (r->route->flags & PAPI_RAW)) && r->body_len > 1024)
		cost = (unsigned)((r->body_len + 1023) / 1024);
	unsigned secs = papi_rate_take(r->ctx, uid, r->conf->member_write_rate,
				       r->conf->member_write_burst, cost);

	if (!secs)
		return 0;
	papi_reply_error(r, PAPI_E_RATE_LIMITED, NULL,
			 "too many writes for this account: %u a second at most, retry in %u s",
			 r->conf->member_write_rate, secs);
	r->reply.retry_after = secs;
	return 1;
}

static void process(papi_request *r)
{
	static const char *const none[] = {NULL};
	int claimed = 0, begun = 0, rate_taken = 0;

	if (read_body(r) < 0)
		return;
	/* A write's unknown query parameters are refused before anything is claimed or stored
	 * (the idempotency hash covers the ones a route takes, such as ?value=). */
	if (is_write(r->method) &&
	    papi_query_check(r, r->route->query ? r->route->query : none) < 0)
		return;
	r->p = thread_handle(r);
	if (!r->p)
		return;
	panel_error_clear();
	for (;;) {
		if (!(r->route->flags & PAPI_PUBLIC) && papi_auth(r) < 0) {
			if (check_again(r))
				continue;
			break;
		}
		if (!begun && r->authenticated && is_write(r->method)) {
			/* Once per request, not again when its key is claimed again. */
			if (!rate_taken++ && member_rate_refused(r))
				return;
			if (!papi_idempotency_begin(r, &claimed))
				return;
		}
		begun = 1;
		if (route_checks(r) == 0)
			r->route->handler(r);
		if (check_again(r))
			continue;
		if (!claimed || !papi_idempotency_rerun(r))
			break;
		claimed = begun = 0; /* claimed again from the start, as a retry would be */
	}
	if (claimed)
		papi_idempotency_finish(r);
	/* Never left open for the thread's next request (finish closes it in every case). */
	panel_idempotency_atomic_abort(r->p);
}

/* Notes what the request's database work left on its worker's handle: a 503 (reopen it next
 * time) and the retries of its last transaction. A request that ran no transaction leaves the
 * count as it was: it is not counted again (two requests in a row retried the same number of
 * times count once: retries are rare, the counter errs low). */
static void after_database(papi_request *r, struct papi_thread_handle *h)
{
	unsigned attempts = panel_last_tx_attempts(h->p);

	if (r->reply.status == MHD_HTTP_SERVICE_UNAVAILABLE)
		h->suspect = 1;
	if (attempts > 1 && attempts != h->tx_attempts)
		papi_metrics_tx_retries(r->ctx->metrics, attempts - 1);
	h->tx_attempts = attempts;
}

/* A file's bytes (PAPI_RAW, up to [files] upload_max_size) are kept in memory until the request
 * runs: the credentials are checked as soon as the headers are in, so that a client without
 * valid ones is answered before any of its body is read, instead of holding that much of the
 * daemon's memory per connection. The request runs its full checks again afterwards. -1 when an
 * answer was set. */
static int raw_early_auth(papi_request *r)
{
	int rc;

	if (!(r->route->flags & PAPI_RAW) || (r->route->flags & PAPI_PUBLIC))
		return 0;
	r->p = thread_handle(r);
	if (!r->p)
		return -1;
	panel_error_clear();
	rc = papi_auth(r);
	after_database(r, r->thread_handle);
	return rc < 0 ? -1 : 0;
}

/* Room for a JSON body: its whole buffer at once (a file's grows as it comes,
 * papi_upload_data). 0 or -1. */
static int body_room(papi_request *r)
{
	if (!r->body && !(r->body = malloc(PAPI_BODY_MAX + 1)))
		return -1;
	return 0;
}

/* n more bytes of a body that is dropped: the connection is closed past PAPI_DRAIN_MAX of them
 * (its answer is lost then), so that a chunked body cannot keep a worker reading for ever. */
static enum MHD_Result drop_body(papi_request *r, size_t n)
{
	r->dropped += n;
	if (r->dropped <= PAPI_DRAIN_MAX)
		return MHD_YES;
	papi_log(r->ctx, PAPI_LOG_WARNING,
		 "request %s from %s: connection closed after %llu bytes of a body dropped", r->id,
		 r->ip, (unsigned long long)r->dropped);
	return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	papi_ctx *ctx = cls;
	papi_request *r = *con_cls;

	(void)version;
	if (!r) {
		r = request_new(ctx, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		/* The headers are in: from now on the longer timeout of a request being served
		 * (until then, api.header_timeout keeps slow or silent clients short). */
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, ctx->idle_timeout);
		if (early_checks(r) < 0 || raw_early_auth(r) < 0 ||
		    ((r->route->flags & PAPI_RAW) && papi_upload_start(r) < 0))
			return papi_reply_queue(r);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->queued || (r->body_too_large && !(r->route->flags & PAPI_RAW)))
			return drop_body(r, n);
		if (r->route->flags & PAPI_RAW)
			return papi_upload_data(r, upload_data, n) < 0 ? MHD_NO : MHD_YES;
		if (r->body_len + n > body_max(r)) {
			r->body_too_large = 1; /* answered 413 at its end */
			return drop_body(r, n);
		}
		if (body_room(r) < 0)
			return MHD_NO;
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		return MHD_YES;
	}
	if (r->queued)
		return MHD_YES;
	process(r);
	if (r->route && (r->route->flags & PAPI_RAW)) /* its memory is free for others now */
		papi_upload_drop(r);
	if (r->thread_handle)
		after_database(r, r->thread_handle);
	return papi_reply_queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	papi_ctx *ctx = cls;
	papi_request *r = *con_cls;
	struct timespec end;
	int64_t elapsed;
	uint64_t us;

	if (!r)
		return;
	*con_cls = NULL;
	/* Waiting for the next request on a kept-alive connection is waiting for headers. */
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, ctx->header_timeout);
	clock_gettime(CLOCK_MONOTONIC, &end);
	elapsed = (int64_t)(end.tv_sec - r->start.tv_sec) * 1000000 +
		  (int64_t)(end.tv_nsec - r->start.tv_nsec) / 1000;
	us = elapsed > 0 ? (uint64_t)elapsed : 0;
	papi_log_access(r, (double)us / 1e3, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->reply.status)
		papi_metrics_request(ctx->metrics, r->route_index, r->reply.status, us);
	request_free(r);
}

static size_t no_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	/* Paths are decoded per segment after routing (an encoded '/' must not change the route);
	 * query values are decoded when read. */
	(void)cls;
	(void)conn;
	return strlen(s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	papi_log(cls, PAPI_LOG_WARNING, "libmicrohttpd: %s", line);
}

/* ---------------------------------------------------------------- listening socket */

static int open_listener(const papi_conf *conf, unsigned *port, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, conf->listen_host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)conf->listen_port);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		if (inet_pton(AF_INET6, conf->listen_host, &sin6->sin6_addr) != 1) {
			snprintf(err, errsz, "bad listen address %s", conf->listen_host);
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)conf->listen_port);
		sslen = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* The kernel's largest accept queue (net.core.somaxconn, 4096 on Debian 12): with 128, a
	 * burst of connections faster than the workers accept overflowed it, and the clients of the
	 * dropped handshakes were left with connections the daemon never saw, open until they
	 * gave up (test_security_api's 1,010 slow sockets under load). */
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 || listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errsz, "cannot listen on %s port %u: %s", conf->listen_host,
			 conf->listen_port, strerror(errno));
		close(fd);
		return -1;
	}
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errsz, "getsockname: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Writes the bound port to path atomically (tests and `make run` use port 0). */
static int write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- signals */

static void reload(papi_ctx *ctx)
{
	papi_conf *next, *old;
	panel *probe = NULL;
	char err[512];

	if (papi_conf_load(&next, ctx->config_path, &ctx->overrides, err, sizeof(err)) < 0) {
		papi_log(ctx, PAPI_LOG_ERR, "reload refused, keeping the current configuration: %s",
			 err);
		return;
	}
	if (panel_open(&probe, next->cfg) < 0) {
		papi_log(ctx, PAPI_LOG_ERR,
			 "reload refused, keeping the current configuration: the new database "
			 "settings do not work: %s",
			 panel_error_last()->message);
		papi_conf_free(next);
		return;
	}
	panel_close(probe);
	pthread_mutex_lock(&ctx->lock);
	old = ctx->conf;
	next->generation = old->generation + 1;
	ctx->conf = next;
	atomic_store(&ctx->generation, next->generation);
	pthread_mutex_unlock(&ctx->lock);
	if (strcmp(next->listen_host, old->listen_host) != 0 ||
	    next->listen_port != old->listen_port || next->threads != old->threads ||
	    next->max_connections != old->max_connections ||
	    next->per_address != old->per_address || next->header_timeout != old->header_timeout ||
	    next->idle_timeout != old->idle_timeout)
		papi_log(ctx, PAPI_LOG_WARNING,
			 "listen, threads and connection limit changes take effect at the next "
			 "restart");
	papi_log(ctx, PAPI_LOG_INFO, "configuration reloaded from %s (generation %lu)",
		 ctx->config_path, next->generation);
	papi_conf_release(ctx, old);
}

static void drain(papi_ctx *ctx, struct MHD_Daemon *d)
{
	MHD_socket fd = MHD_quiesce_daemon(d);
	struct timespec deadline;
	unsigned long left;

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PAPI_DRAIN_SECS;
	pthread_mutex_lock(&ctx->lock);
	atomic_store(&ctx->draining, 1);
	while (atomic_load(&ctx->inflight) > 0 &&
	       pthread_cond_timedwait(&ctx->idle, &ctx->lock, &deadline) != ETIMEDOUT)
		;
	left = atomic_load(&ctx->inflight);
	pthread_mutex_unlock(&ctx->lock);
	if (left)
		papi_log(ctx, PAPI_LOG_WARNING, "%lu requests still running after %d s, stopping",
			 left, PAPI_DRAIN_SECS);
	MHD_stop_daemon(d);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: panel-api [options]\n\n"
		"  -c, --config FILE     configuration (default $PANEL_CONFIG or " DEFAULT_CONFIG
		")\n"
		"      --listen ADDR:PORT   listen address, overrides api.listen (port 0: any)\n"
		"      --threads N       worker threads, overrides api.threads\n"
		"      --foreground      stay in the foreground (the default; for systemd)\n"
		"      --log stderr|syslog   where log lines go (default stderr)\n"
		"      --log-format text|json   one line of text or one JSON object per event,\n"
		"                        overrides api.log_format (default text)\n"
		"      --port-file FILE  write the bound port to FILE once listening\n"
		"      --list-routes     print every route (METHOD PATH) and exit\n"
		"      --list-errors     print the error table (Markdown) and exit\n"
		"  -h, --help            this help\n"
		"      --version         print the version and exit\n\n"
		"signals: SIGTERM/SIGINT drain in-flight requests and exit 0; SIGHUP reloads the\n"
		"configuration (kept unchanged when the new one is invalid)\n");
}

static void list_routes(void)
{
	for (size_t t = 0; t < NTABLES; t++)
		for (size_t i = 0; i < tables[t]->count; i++)
			printf("%s %s\n", tables[t]->routes[i].method,
			       tables[t]->routes[i].pattern);
}

static void list_errors(void)
{
	printf("| code | HTTP status | meaning |\n| --- | --- | --- |\n");
	for (int i = 0; i < PAPI_E_COUNT; i++)
		printf("| `%s` | %u | %s |\n", papi_error_code((papi_error_id)i),
		       papi_error_status((papi_error_id)i), papi_error_hint((papi_error_id)i));
}

/* The command line into ctx and *port_file: -1 to go on, or the exit code (--help, --version,
 * --list-*, a usage error). */
static int parse_options(papi_ctx *ctx, const char **port_file, int argc, char **argv)
{
	enum {
		OPT_LISTEN = 256,
		OPT_THREADS,
		OPT_FG,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_PORTFILE,
		OPT_ROUTES,
		OPT_ERRORS,
		OPT_VERSION
	};
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"foreground", no_argument, NULL, OPT_FG},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"port-file", required_argument, NULL, OPT_PORTFILE},
	    {"list-routes", no_argument, NULL, OPT_ROUTES},
	    {"list-errors", no_argument, NULL, OPT_ERRORS},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	ctx->config_path = getenv("PANEL_CONFIG");
	if (!ctx->config_path || !*ctx->config_path)
		ctx->config_path = DEFAULT_CONFIG;
	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ctx->config_path = optarg;
			break;
		case OPT_LISTEN:
			ctx->overrides.listen = optarg;
			break;
		case OPT_THREADS:
			ctx->overrides.threads = optarg;
			break;
		case OPT_FG:
			break;
		case OPT_LOG:
			if (strcmp(optarg, "syslog") == 0) {
				ctx->use_syslog = 1;
			} else if (strcmp(optarg, "stderr") != 0) {
				fprintf(stderr, "panel-api: --log takes stderr or syslog\n");
				return 2;
			}
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "panel-api: --log-format takes text or json\n");
				return 2;
			}
			ctx->log_format = optarg;
			ctx->log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_PORTFILE:
			*port_file = optarg;
			break;
		case OPT_ROUTES:
			list_routes();
			return 0;
		case OPT_ERRORS:
			list_errors();
			return 0;
		case OPT_VERSION:
			printf("panel-api %s\n", panel_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Descriptors for every connection and the file each may be sending (a download is read from
 * its file as the client takes it), with room for the database connections and the logs: the
 * soft limit is raised to the hard one (systemd's default soft limit is 1024), and a limit
 * still short of it is said. */
static void raise_fd_limit(papi_ctx *ctx)
{
	rlim_t want = (rlim_t)ctx->conf->max_connections * 2 + 64 + 2 * ctx->conf->threads;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want)
		papi_log(
		    ctx, PAPI_LOG_WARNING,
		    "%llu file descriptors at most: api.max_connections = %u wants %llu (two a "
		    "connection sending a file); raise LimitNOFILE or lower max_connections",
		    (unsigned long long)rl.rlim_cur, ctx->conf->max_connections,
		    (unsigned long long)want);
}

/* The configuration, the thread state, the connection counters and the listening socket
 * (*fd, bound to *port): -1 when ready, or the exit code. */
static int prepare(papi_ctx *ctx, int *fd, unsigned *port)
{
	char err[512];

	if (ctx->use_syslog)
		openlog("panel-api", LOG_PID, LOG_DAEMON);
	if (sodium_init() < 0) {
		papi_log(ctx, PAPI_LOG_ERR, "libsodium cannot start");
		return 1;
	}
	if (papi_conf_load(&ctx->conf, ctx->config_path, &ctx->overrides, err, sizeof(err)) < 0) {
		papi_log(ctx, PAPI_LOG_ERR, "%s", err);
		return 2;
	}
	atomic_store(&ctx->generation, ctx->conf->generation);
	if (!ctx->log_format) /* the command line wins; fixed until a restart */
		ctx->log_json = ctx->conf->log_json;
	if (pthread_mutex_init(&ctx->lock, NULL) != 0 || pthread_cond_init(&ctx->idle, NULL) != 0 ||
	    pthread_key_create(&ctx->handle_key, handle_key_destroy) != 0) {
		papi_log(ctx, PAPI_LOG_ERR, "cannot initialize threads");
		return 1;
	}
	raise_fd_limit(ctx);
	ctx->per_address = ctx->conf->per_address;
	ctx->header_timeout = ctx->conf->header_timeout;
	ctx->idle_timeout = ctx->conf->idle_timeout;
	papi_lookups_init(ctx);
	if (papi_conns_init(ctx, ctx->conf->max_connections, ctx->conf->threads) < 0 ||
	    papi_rate_init(ctx) < 0 || papi_uploads_init(ctx) < 0 ||
	    papi_metrics_init(ctx, tables, NTABLES) < 0) {
		papi_log(ctx, PAPI_LOG_ERR, "out of memory");
		papi_uploads_free(ctx);
		papi_rate_free(ctx);
		papi_conns_free(ctx);
		papi_conf_free(ctx->conf);
		return 1;
	}
	*fd = open_listener(ctx->conf, port, err, sizeof(err));
	if (*fd < 0) {
		papi_log(ctx, PAPI_LOG_ERR, "%s", err);
		papi_metrics_free(ctx);
		papi_uploads_free(ctx);
		papi_rate_free(ctx);
		papi_conns_free(ctx);
		papi_conf_free(ctx->conf);
		return 1;
	}
	return -1;
}

/* libmicrohttpd on the listening socket fd, with the limits of the configuration. */
static struct MHD_Daemon *start_daemon(papi_ctx *ctx, int fd)
{
	/* One option per line (clang-format would pack them). poll(2), not epoll: libmicrohttpd
	 * 0.9.75's epoll mode (edge-triggered) missed a client's close that came with the last
	 * bytes of an unfinished request, and held its descriptor and slot until idle_timeout (60
	 * s); each worker polls only its own share of max_connections (test_api_vanished.sh). */
	/* clang-format off */
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
				MHD_USE_ERROR_LOG,
				0, papi_conns_accept, ctx, /* connections per address */
				on_request, ctx,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, ctx, /* first: see MHD docs */
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, ctx->conf->threads,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx,
				MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, ctx,
				/* until a request's headers are in; on_request lengthens it */
				MHD_OPTION_CONNECTION_TIMEOUT, ctx->header_timeout,
				MHD_OPTION_CONNECTION_LIMIT, ctx->conf->max_connections,
				MHD_OPTION_NOTIFY_CONNECTION, papi_conns_notify, ctx,
				/* well above PAPI_HEADERS_MAX: up to there, our JSON 431 answers */
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)PAPI_CONN_MEMORY,
				MHD_OPTION_END);
	/* clang-format on */
}

/* Until SIGTERM or SIGINT (returned), reloading the configuration on SIGHUP. */
static int serve(papi_ctx *ctx, sigset_t *set)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return sig;
		reload(ctx);
	}
}

static void clean_up(papi_ctx *ctx)
{
	papi_logq_stop(ctx);
	pthread_key_delete(ctx->handle_key);
	papi_metrics_free(ctx);
	papi_uploads_free(ctx);
	papi_rate_free(ctx);
	papi_conns_free(ctx);
	papi_conf_release(ctx, ctx->conf);
	pthread_cond_destroy(&ctx->idle);
	pthread_mutex_destroy(&ctx->lock);
	if (ctx->use_syslog)
		closelog();
}

/* Options, preparation, the daemon until a signal, the drain and the clean-up. */
/* New binaries on a database not migrated yet: every operation that needs a new table fails
 * with a database error. Said once at start (not refused: the instances of a rolling upgrade
 * start before the one migration). An old binary on a database already migrated by a newer
 * one (an instance restarted during a rolling upgrade, or a downgrade) is said too, not refused
 * either: migrations only add (sql/README.md), so it keeps working until it is upgraded. */
static void warn_schema_mismatch(papi_ctx *ctx)
{
	unsigned current = 0, latest = 0;
	panel *p = NULL;

	if (panel_open(&p, ctx->conf->cfg) < 0)
		return; /* said by the first request, and by /healthz */
	if (panel_schema_version(&current, &latest, p) < 0) {
		if (panel_error_last()->code == PANEL_ECONFLICT)
			papi_log(ctx, PAPI_LOG_WARNING,
				 "the database schema does not match this panel-api: %s",
				 panel_error_last()->message);
	} else if (current < latest)
		papi_log(ctx, PAPI_LOG_WARNING,
			 "the database schema is at version %u, this panel-api needs %u: run "
			 "`panelctl schema migrate` (until then, operations that need the newer "
			 "tables fail)",
			 current, latest);
	panel_close(p);
}

int main(int argc, char **argv)
{
	papi_ctx ctx = {.use_syslog = 0};
	const char *port_file = NULL;
	struct MHD_Daemon *d;
	sigset_t set;
	unsigned port = 0;
	int fd, rc, sig;

	if ((rc = parse_options(&ctx, &port_file, argc, argv)) >= 0 ||
	    (rc = prepare(&ctx, &fd, &port)) >= 0)
		return rc;
	/* Workers inherit this mask: only the main thread takes the signals, in sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* After the mask: the log's thread takes no signal either. */
	if (!ctx.use_syslog && papi_logq_start(&ctx) < 0)
		papi_log(&ctx, PAPI_LOG_WARNING,
			 "cannot start the log thread: lines written at once");
	if (!(d = start_daemon(&ctx, fd))) {
		papi_log(&ctx, PAPI_LOG_ERR, "cannot start the HTTP server");
		papi_logq_stop(&ctx);
		close(fd);
		papi_metrics_free(&ctx);
		papi_uploads_free(&ctx);
		papi_rate_free(&ctx);
		papi_conns_free(&ctx);
		papi_conf_free(ctx.conf);
		return 1;
	}
	papi_log(&ctx, PAPI_LOG_INFO, "listening on %s%s%s:%u, %u threads, libpanel %s",
		 strchr(ctx.conf->listen_host, ':') ? "[" : "", ctx.conf->listen_host,
		 strchr(ctx.conf->listen_host, ':') ? "]" : "", port, ctx.conf->threads,
		 panel_version());
	warn_schema_mismatch(&ctx);
	if (port_file && write_port_file(port_file, port) < 0)
		papi_log(&ctx, PAPI_LOG_ERR, "cannot write %s: %s", port_file, strerror(errno));
	sig = serve(&ctx, &set);
	papi_log(&ctx, PAPI_LOG_INFO, "%s: draining in-flight requests", strsignal(sig));
	drain(&ctx, d);
	papi_log(&ctx, PAPI_LOG_INFO, "stopped");
	clean_up(&ctx);
	return 0;
}
