/* Files being uploaded (PAPI_RAW bodies, up to [files] upload_max_size): kept in memory until
 * their request has run, so the daemon counts the bytes they hold as they arrive, in all
 * (api.upload_memory_mb) and for each account (api.member_upload_memory_mb): neither many
 * connections nor one member's can take the machine's memory. Bytes that would pass a limit are
 * refused, unless nothing else is held under that limit: a limit below one upload still lets
 * uploads through one at a time. A body must arrive within api.upload_timeout. Per panel-api
 * instance, like its connection limits. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "papi.h"

struct upload_holder {
	uint32_t uid;
	uint64_t bytes;
};

struct papi_uploads {
	pthread_mutex_t lock;
	uint64_t total;
	struct upload_holder *holders; /* accounts with bytes held: no more than the uploads */
	size_t n, cap;
};

int papi_uploads_init(papi_ctx *ctx)
{
	struct papi_uploads *u = calloc(1, sizeof(*u));

	if (!u || pthread_mutex_init(&u->lock, NULL) != 0) {
		free(u);
		return -1;
	}
	ctx->uploads = u;
	return 0;
}

void papi_uploads_free(papi_ctx *ctx)
{
	struct papi_uploads *u = ctx->uploads;

	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u->holders);
	free(u);
	ctx->uploads = NULL;
}

/* Under u->lock: uid's entry, added (with 0 bytes) when add; NULL when absent or out of memory. */
static struct upload_holder *holder(struct papi_uploads *u, uint32_t uid, int add)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->holders[i].uid == uid)
			return &u->holders[i];
	if (!add)
		return NULL;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		struct upload_holder *grown = realloc(u->holders, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		u->holders = grown;
		u->cap = cap;
	}
	u->holders[u->n] = (struct upload_holder){uid, 0};
	return &u->holders[u->n++];
}

enum papi_upload_room papi_uploads_reserve(papi_ctx *ctx, uint32_t uid, uint64_t own, uint64_t more,
					   uint64_t total_max, uint64_t member_max)
{
	struct papi_uploads *u = ctx->uploads;
	struct upload_holder *h;
	enum papi_upload_room room = PAPI_UPLOAD_ROOM;

	pthread_mutex_lock(&u->lock);
	h = holder(u, uid, 1);
	if (!h)
		room = PAPI_UPLOAD_NO_MEMORY;
	else if (h->bytes > own && h->bytes + more > member_max)
		room = PAPI_UPLOAD_MEMBER_FULL;
	else if (u->total > own && u->total + more > total_max)
		room = PAPI_UPLOAD_DAEMON_FULL;
	if (room == PAPI_UPLOAD_ROOM) {
		h->bytes += more;
		u->total += more;
	} else if (h && !h->bytes) {
		*h = u->holders[--u->n];
	}
	pthread_mutex_unlock(&u->lock);
	return room;
}

void papi_uploads_release(papi_ctx *ctx, uint32_t uid, uint64_t bytes)
{
	struct papi_uploads *u = ctx->uploads;
	struct upload_holder *h;

	if (!bytes)
		return;
	pthread_mutex_lock(&u->lock);
	h = holder(u, uid, 0);
	if (h) { /* always there: reserve added it */
		h->bytes -= bytes;
		if (!h->bytes)
			*h = u->holders[--u->n];
	}
	u->total -= bytes;
	pthread_mutex_unlock(&u->lock);
}

uint64_t papi_uploads_held(papi_ctx *ctx)
{
	struct papi_uploads *u = ctx->uploads;
	uint64_t total;

	pthread_mutex_lock(&u->lock);
	total = u->total;
	pthread_mutex_unlock(&u->lock);
	return total;
}

/* ---------------------------------------------------------------- a request's file */

/* What a request's file holds is counted a MiB at a time as its bytes arrive. */
#define UPLOAD_STEP ((uint64_t)1 << 20)

/* Counts total bytes of r's file (rounded up to UPLOAD_STEP, never past its most). 0, or 1
 * when refused (r->upload_refused says why). */
static int upload_count(papi_request *r, uint64_t total)
{
	uint64_t want = (total + UPLOAD_STEP - 1) / UPLOAD_STEP * UPLOAD_STEP;
	enum papi_upload_room room;

	if (want > r->upload_most)
		want = r->upload_most;
	if (want <= r->upload_held)
		return 0;
	room = papi_uploads_reserve(r->ctx, r->upload_uid, r->upload_held, want - r->upload_held,
				    (uint64_t)r->conf->upload_memory_mb << 20,
				    (uint64_t)r->conf->member_upload_memory_mb << 20);
	if (room != PAPI_UPLOAD_ROOM) {
		r->upload_refused = room;
		return 1;
	}
	r->upload_held = want;
	return 0;
}

void papi_upload_drop(papi_request *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = r->body_cap = 0;
	papi_uploads_release(r->ctx, r->upload_uid, r->upload_held);
	r->upload_held = 0;
}

void papi_upload_refusal(papi_request *r)
{
	if (r->upload_refused == PAPI_UPLOAD_NO_MEMORY) {
		papi_reply_oom(r);
		return;
	}
	if (r->upload_refused == PAPI_UPLOAD_MEMBER_FULL)
		papi_reply_error(r, PAPI_E_RATE_LIMITED, NULL,
				 "this account's other uploads in progress hold %u MiB of memory "
				 "already (member_upload_memory_mb): retry when they have finished",
				 r->conf->member_upload_memory_mb);
	else
		papi_reply_error(r, PAPI_E_UPLOADS_BUSY, NULL,
				 "the uploads in progress hold %u MiB of memory already "
				 "(upload_memory_mb): retry when some have finished",
				 r->conf->upload_memory_mb);
	r->reply.retry_after = PAPI_UPLOAD_RETRY;
}

int papi_upload_start(papi_request *r)
{
	const char *cl = papi_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t declared = cl && *cl ? strtoull(cl, NULL, 10) : 0;

	r->upload_uid = r->actor.kind == PANEL_ACTOR_MEMBER ? r->actor.uid
			: r->actor.as_uid		    ? r->actor.as_uid
							    : r->actor.uid;
	r->upload_most = cl && *cl ? declared : papi_raw_body_max(r);
	clock_gettime(CLOCK_MONOTONIC, &r->upload_since);
	r->upload_window_since = r->upload_since;
	/* A declared size gets its whole buffer now (touched as it fills: counted as it does). */
	if (declared && !(r->body = malloc((size_t)declared + 1))) {
		papi_reply_oom(r);
		return -1;
	}
	r->body_cap = r->body ? (size_t)declared + 1 : 0;
	/* Its first MiB is counted now: a client that finds no room is answered before any of
	 * its body is read. */
	if (r->upload_most && upload_count(r, 1)) {
		papi_upload_drop(r);
		papi_upload_refusal(r);
		return -1;
	}
	return 0;
}

static int64_t ms_between(const struct timespec *from, const struct timespec *to)
{
	return (int64_t)(to->tv_sec - from->tv_sec) * 1000 +
	       (to->tv_nsec - from->tv_nsec) / 1000000;
}

/* 0, or -1 when r's body has taken longer than api.upload_timeout, or a window of
 * api.upload_rate_window has just ended (with the n bytes that arrived now) that brought less
 * than api.upload_min_rate. Refused bodies too: they hold a connection. */
static int upload_in_time(papi_request *r, size_t n)
{
	const papi_conf *conf = r->conf;
	struct timespec now;
	int64_t window_ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - r->upload_since.tv_sec > (time_t)conf->upload_timeout) {
		papi_log(r->ctx, PAPI_LOG_WARNING,
			 "request %s from %s: upload cut after %u s (upload_timeout)", r->id, r->ip,
			 conf->upload_timeout);
		return -1;
	}
	r->upload_received += n;
	window_ms = ms_between(&r->upload_window_since, &now);
	if (window_ms < (int64_t)conf->upload_rate_window * 1000)
		return 0;
	if (conf->upload_min_rate && (r->upload_received - r->upload_window_bytes) * 1000 <
					 (uint64_t)window_ms * conf->upload_min_rate * 1024) {
		papi_log(r->ctx, PAPI_LOG_WARNING,
			 "request %s from %s: upload cut, %llu bytes in the last %lld ms "
			 "(upload_min_rate %u KiB/s)",
			 r->id, r->ip,
			 (unsigned long long)(r->upload_received - r->upload_window_bytes),
			 (long long)window_ms, conf->upload_min_rate);
		return -1;
	}
	r->upload_window_since = now;
	r->upload_window_bytes = r->upload_received;
	return 0;
}

int papi_upload_data(papi_request *r, const char *data, size_t n)
{
	size_t need = r->body_len + n + 1;

	if (upload_in_time(r, n) < 0)
		return -1;
	if (r->upload_refused || r->body_too_large) { /* dropped: answered at the end */
		if (r->upload_received <= papi_raw_body_max(r) + PAPI_DRAIN_MAX)
			return 0;
		papi_log(r->ctx, PAPI_LOG_WARNING,
			 "request %s from %s: upload cut after %llu bytes, past its limit", r->id,
			 r->ip, (unsigned long long)r->upload_received);
		return -1;
	}
	if (r->body_len + n > papi_raw_body_max(r)) {
		r->body_too_large = 1;
		papi_upload_drop(r);
		return 0;
	}
	if (upload_count(r, r->body_len + n)) {
		papi_upload_drop(r);
		return 0;
	}
	if (need > r->body_cap) { /* chunked: the buffer doubles, up to the file's most */
		size_t cap = r->body_cap ? r->body_cap : 64 * 1024;
		while (cap < need)
			cap *= 2;
		if (cap > papi_raw_body_max(r) + 1)
			cap = papi_raw_body_max(r) + 1;
		char *grown = realloc(r->body, cap);
		if (!grown)
			return -1;
		r->body = grown;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	return 0;
}
