/* The access log's queue: a worker appends its request's line to one buffer under a short lock
 * and a thread writes the buffer out every few milliseconds, one write(2) for many lines instead
 * of one per request. Every other line flushes the queue and is written at once, in order. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "papi.h"

#define LOGQ_BYTES    (64 * 1024) /* a fuller queue is written out by the worker itself */
#define LOGQ_BATCH_MS 10	  /* how long a line may wait for others (lost on a crash) */

struct papi_logq {
	pthread_mutex_t lock;
	pthread_cond_t more;
	pthread_t thread;
	char buf[LOGQ_BYTES];
	size_t len;
	int stop;
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

/* Under q->lock: the queue out, in order. */
static void flush_locked(struct papi_logq *q)
{
	write_all(q->buf, q->len);
	q->len = 0;
}

static void *writer(void *arg)
{
	struct papi_logq *q = arg;
	struct timespec batch = {0, LOGQ_BATCH_MS * 1000L * 1000L};

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->len && !q->stop)
			pthread_cond_wait(&q->more, &q->lock);
		if (!q->len && q->stop)
			break;
		if (!q->stop) { /* let a batch gather */
			pthread_mutex_unlock(&q->lock);
			nanosleep(&batch, NULL);
			pthread_mutex_lock(&q->lock);
		}
		flush_locked(q);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int papi_logq_start(papi_ctx *ctx)
{
	struct papi_logq *q = calloc(1, sizeof(*q));

	if (!q)
		return -1;
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q);
		return -1;
	}
	if (pthread_cond_init(&q->more, NULL) != 0) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return -1;
	}
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		pthread_cond_destroy(&q->more);
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
	if (!queued || q->len + n > sizeof(q->buf)) {
		flush_locked(q);
		write_all(text, n);
		pthread_mutex_unlock(&q->lock);
		return;
	}
	wake = q->len == 0;
	memcpy(q->buf + q->len, text, n);
	q->len += n;
	if (wake)
		pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
}
