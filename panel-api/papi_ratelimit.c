/* Writes per member account: a token bucket for each (api.member_write_rate a second, up to
 * api.member_write_burst at once), so that one member's script cannot grow the audit log and
 * the stored answers of keyed writes at the pace of the whole daemon. Each panel-api instance
 * keeps its own buckets (the daemon is stateless: N instances allow N times the rate). A member
 * is its own account, or the account an admin acts as (X-Panel-Act-As: the PHP panel acting
 * for a member); an admin's own writes (imports, scripts) are not limited. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "papi.h"

#define SLOTS 4096 /* a power of two; members writing at the same moment, at most 3/4 of it */

struct rate_slot {
	uint32_t uid;	/* 0: free */
	uint64_t milli; /* thousandths of a write left in the bucket */
	uint64_t last_ms;
};

struct papi_rate {
	pthread_mutex_t lock;
	unsigned used;
	struct rate_slot slot[SLOTS];
	struct rate_slot kept[SLOTS]; /* sweep's room */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int papi_rate_init(papi_ctx *ctx)
{
	struct papi_rate *t = calloc(1, sizeof(*t));

	if (!t || pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return -1;
	}
	ctx->rate = t;
	return 0;
}

void papi_rate_free(papi_ctx *ctx)
{
	if (!ctx->rate)
		return;
	pthread_mutex_destroy(&ctx->rate->lock);
	free(ctx->rate);
	ctx->rate = NULL;
}

/* The bucket of uid (NULL when it has none and may not get one). */
static struct rate_slot *find(struct papi_rate *t, uint32_t uid, int add)
{
	for (unsigned i = (uid * 2654435761u) & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		struct rate_slot *s = &t->slot[i];
		if (s->uid == uid)
			return s;
		if (!s->uid) {
			if (!add)
				return NULL;
			s->uid = uid;
			t->used++;
			return s;
		}
	}
}

/* The clock is read under the lock, so it never goes back; a bucket's time does not either. */
static void refill(struct rate_slot *s, uint64_t now, unsigned rate, uint64_t cap)
{
	uint64_t grown;

	if (now <= s->last_ms)
		return;
	grown = s->milli + (now - s->last_ms) * rate; /* rate a second: per ms, milli */
	s->milli = grown < cap ? grown : cap;
	s->last_ms = now;
}

/* Keeps only the buckets that are not full again: a full one is the same as none. */
static void sweep(struct papi_rate *t, uint64_t now, unsigned rate, uint64_t cap)
{
	struct rate_slot *kept = t->kept;
	unsigned n = 0;

	for (unsigned i = 0; i < SLOTS; i++) {
		struct rate_slot *s = &t->slot[i];
		if (!s->uid)
			continue;
		refill(s, now, rate, cap);
		if (s->milli < cap)
			kept[n++] = *s;
	}
	memset(t->slot, 0, sizeof(t->slot));
	t->used = 0;
	for (unsigned i = 0; i < n; i++)
		*find(t, kept[i].uid, 1) = kept[i];
}

unsigned papi_rate_take(papi_ctx *ctx, uint32_t uid, unsigned rate, unsigned burst, unsigned cost)
{
	struct papi_rate *t = ctx->rate;
	uint64_t now, cap = (uint64_t)burst * 1000, wait_ms, need;
	struct rate_slot *s;

	need = (uint64_t)(cost < 1 ? 1 : cost > burst ? burst : cost) * 1000;
	if (!t || !uid || !rate)
		return 0;
	pthread_mutex_lock(&t->lock);
	now = now_ms();
	s = find(t, uid, 0);
	if (!s && t->used >= SLOTS / 4 * 3)
		sweep(t, now, rate, cap);
	if (!s && t->used >= SLOTS / 4 * 3) {
		pthread_mutex_unlock(&t->lock); /* that many members at once: not tracked */
		return 0;
	}
	if (!s) {
		s = find(t, uid, 1);
		s->milli = cap;
		s->last_ms = now;
	}
	refill(s, now, rate, cap);
	if (s->milli >= need) {
		s->milli -= need;
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	wait_ms = (need - s->milli + rate - 1) / rate;
	pthread_mutex_unlock(&t->lock);
	return (unsigned)((wait_ms + 999) / 1000);
}
