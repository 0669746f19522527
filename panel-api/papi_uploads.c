/* The memory that files being uploaded hold: a PAPI_RAW body (up to [files] upload_max_size) is
 * kept in memory until its request runs, so the daemon counts those buffers, in all
 * (api.upload_memory_mb) and for each account (api.member_upload_memory_mb): neither many
 * connections nor one member's can take the machine's memory. A buffer that would pass a limit
 * is refused, unless nothing else is held under that limit: a limit below one upload still lets
 * uploads through one at a time. Per panel-api instance, like its connection limits. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

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
