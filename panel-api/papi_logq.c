/* The access log's queue: a worker appends its request's line to one buffer under a short lock
 * and a thread writes the buffer out every few milliseconds, one write(2) for many lines instead
 * of one per request. Every other line flushes the queue and is written at once, in order.
 *
 * Two buffers: the writer swaps the full one for the empty one under the queue's lock and writes
 * it out under a second lock (out) only, so that a worker never waits for a write(2) to append
 * its line (it did: the writer's write under the queue's lock was panel-api's one contended
 * lock under load). Lock order: lock, then out; whoever writes holds out, so lines leave in the
 * order they were queued. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "papi.h"

#define LOGQ_BYTES    (64 * 1024) /* a fuller queue is written out by the worker itself */
#define LOGQ_BATCH_MS 10	  /* how long a line may wait for others (lost on a crash) */

/* A test's seam (tests/api/test_papi_logq.c): runs between a swap and its write. */
#ifndef LOGQ_BEFORE_WRITE
#define LOGQ_BEFORE_WRITE()
#endif

struct papi_logq {
	pthread_mutex_t lock; /* buf, len, stop */
	pthread_mutex_t out;  /* stderr, and spare while it is written out */
	pthread_cond_t more;
	pthread_t thread;
	char *buf;   /* the lines queued */
	char *spare; /* the other buffer: being written out, or empty */
	size_t len;
	int stop;
	int sleeping; /* the writer waits on more */
	char bufs[2][LOGQ_BYTES];
};

static void write_all(const char *text, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(STDERR_FILENO, text + done, n - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return; /* nowhere to say it */
		done += (size_t)w;
	}
}

/* Under q->lock and q->out: the queue out, in order. */
static void flush_locked(struct papi_logq *q)
{
	write_all(q->buf, q->len);
	q->len = 0;
}

/* Under q->lock, which it releases: the queue's lines swapped out and written under q->out
 * alone, so that workers append to the other buffer meanwhile. */
static void flush_swapped(struct papi_logq *q)
{
	char *full = q->buf;
	size_t n = q->len;

	pthread_mutex_lock(&q->out);
	q->buf = q->spare;
	q->spare = full;
	q->len = 0;
	pthread_mutex_unlock(&q->lock);
	LOGQ_BEFORE_WRITE();
	write_all(full, n);
	pthread_mutex_unlock(&q->out);
}

/* While lines keep coming the writer wakes every LOGQ_BATCH_MS by itself; it waits on more only
 * after a period with no line, so that workers under load never have to wake it. */
static void *writer(void *arg)
{
	struct papi_logq *q = arg;
	struct timespec batch = {0, LOGQ_BATCH_MS * 1000L * 1000L};

	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (!q->len && !q->stop) {
			q->sleeping = 1;
			while (!q->len && !q->stop)
				pthread_cond_wait(&q->more, &q->lock);
			q->sleeping = 0;
		}
		if (!q->len && q->stop)
			break;
		if (!q->stop) { /* let a batch gather */
			pthread_mutex_unlock(&q->lock);
			nanosleep(&batch, NULL);
			pthread_mutex_lock(&q->lock);
		}
		while (q->len) {
			int stopping = q->stop; /* read under the lock, which the flush releases */
			flush_swapped(q);
			if (!stopping)
				nanosleep(&batch, NULL);
			pthread_mutex_lock(&q->lock);
		}
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int papi_logq_start(papi_ctx *ctx)
{
	struct papi_logq *q = calloc(1, sizeof(*q));

	if (!q)
		return -1;
	q->buf = q->bufs[0];
	q->spare = q->bufs[1];
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q);
		return -1;
	}
	if (pthread_mutex_init(&q->out, NULL) != 0) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -1;
	}
	if (pthread_cond_init(&q->more, NULL) != 0) {
		pthread_mutex_destroy(&q->out);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -1;
	}
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->out);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -1;
	}
	ctx->logq = q;
	return 0;
}

void papi_logq_stop(papi_ctx *ctx)
{
	struct papi_logq *q = ctx->logq;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	ctx->logq = NULL;
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->out);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

void papi_logq_write(const papi_ctx *ctx, const char *text, size_t n, int queued)
{
	struct papi_logq *q = ctx ? ctx->logq : NULL;
	int wake;

	if (!q) {
		write_all(text, n);
		return;
	}
	pthread_mutex_lock(&q->lock);
	if (!queued || q->len + n > LOGQ_BYTES) {
		pthread_mutex_lock(&q->out);
		flush_locked(q);
		write_all(text, n);
		pthread_mutex_unlock(&q->out);
		pthread_mutex_unlock(&q->lock);
		return;
	}
	wake = q->sleeping && q->len == 0;
	memcpy(q->buf + q->len, text, n);
	q->len += n;
	if (wake)
		pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
}
