/* DNS lookups made on a request's worker thread (GET /domains/{domain}/mx-check asks the
 * domain's own name servers, which its owner runs): a silent server holds the worker for the
 * resolver's time-outs (2 tries of 2 s). So an account has one lookup in flight at most (429),
 * and the instance half its worker threads at most (503 lookups_busy): one member's silent
 * name servers can hold half the workers, no more (a held worker still delays the connections
 * it had accepted; with one thread, that one). Per panel-api instance. */
#include <pthread.h>
#include <string.h>

#include "papi.h"

void papi_lookups_init(papi_ctx *ctx)
{
	struct papi_lookups *l = &ctx->lookups;

	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
	l->max = ctx->conf->threads / 2;
	if (l->max < 1)
		l->max = 1;
	if (l->max > PAPI_LOOKUPS_MAX)
		l->max = PAPI_LOOKUPS_MAX;
}

/* The account a request's lookup counts for: the member, or the one an admin acts as. */
static uint32_t lookup_uid(const papi_request *r)
{
	return r->actor.kind == PANEL_ACTOR_MEMBER ? r->actor.uid
	       : r->actor.as_uid		   ? r->actor.as_uid
						   : r->actor.uid;
}

int papi_lookup_enter(papi_request *r)
{
	struct papi_lookups *l = &r->ctx->lookups;
	uint32_t uid = lookup_uid(r);
	int busy = 0;

	pthread_mutex_lock(&l->lock);
	for (unsigned i = 0; i < l->n && !busy; i++)
		busy = l->uid[i] == uid ? 1 : 0;
	if (!busy && l->n >= l->max)
		busy = 2;
	if (!busy)
		l->uid[l->n++] = uid;
	pthread_mutex_unlock(&l->lock);
	if (busy == 1)
		papi_reply_error(r, PAPI_E_RATE_LIMITED, NULL,
				 "this account's other DNS lookup is still running: retry when it "
				 "has finished");
	else if (busy == 2)
		papi_reply_error(r, PAPI_E_LOOKUPS_BUSY, NULL,
				 "%u DNS lookups are running on this instance already: retry later",
				 l->max);
	if (busy)
		r->reply.retry_after = PAPI_LOOKUP_RETRY;
	return busy ? -1 : 0;
}

void papi_lookup_leave(papi_request *r)
{
	struct papi_lookups *l = &r->ctx->lookups;
	uint32_t uid = lookup_uid(r);

	pthread_mutex_lock(&l->lock);
	for (unsigned i = 0; i < l->n; i++)
		if (l->uid[i] == uid) {
			l->uid[i] = l->uid[--l->n];
			break;
		}
	pthread_mutex_unlock(&l->lock);
}
