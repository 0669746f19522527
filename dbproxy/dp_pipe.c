/* dbproxy zero-copy relay: kernel pipes through which splice(2) moves bytes from one socket to
 * another without copying them into the proxy; a pool lends them only while bytes are in them. */
#define _GNU_SOURCE /* splice, pipe2, F_GETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "dp_pipe.h"

typedef struct pipe_fds {
	int rfd, wfd;
	uint32_t cap;
} pipe_fds;

struct dp_pipepool {
	pipe_fds *free_pipes;
	uint32_t nfree, keep;
	size_t in_use;
};

int dp_pipepool_new(dp_pipepool **out, uint32_t keep)
{
	dp_pipepool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -1;
	pool->free_pipes = calloc(keep ? keep : 1, sizeof(pipe_fds));
	if (!pool->free_pipes) {
		free(pool);
		return -1;
	}
	pool->keep = keep;
	*out = pool;
	return 0;
}

void dp_pipepool_free(dp_pipepool *pool)
{
	if (!pool)
		return;
	for (uint32_t i = 0; i < pool->nfree; i++) {
		close(pool->free_pipes[i].rfd);
		close(pool->free_pipes[i].wfd);
	}
	free(pool->free_pipes);
	free(pool);
}

size_t dp_pipepool_in_use(const dp_pipepool *pool)
{
	return pool->in_use;
}

void dp_pipe_init(dp_pipe *p)
{
	p->rfd = p->wfd = -1;
	p->len = p->cap = 0;
}

static int pipe_get(dp_pipe *p, dp_pipepool *pool)
{
	if (pool->nfree > 0) {
		pipe_fds f = pool->free_pipes[--pool->nfree];
		p->rfd = f.rfd;
		p->wfd = f.wfd;
		p->cap = f.cap;
	} else {
		int fds[2];
		if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
			return -1;
		int cap = fcntl(fds[1], F_GETPIPE_SZ);
		p->rfd = fds[0];
		p->wfd = fds[1];
		p->cap = cap > 0 ? (uint32_t)cap : 4096;
	}
	p->len = 0;
	pool->in_use++;
	return 0;
}

/* An empty pipe goes back to the pool; one still holding bytes is closed (they are dropped). */
static void pipe_put(dp_pipe *p, dp_pipepool *pool)
{
	if (p->rfd < 0)
		return;
	pool->in_use--;
	if (p->len == 0 && pool->nfree < pool->keep) {
		pool->free_pipes[pool->nfree++] = (pipe_fds){p->rfd, p->wfd, p->cap};
	} else {
		close(p->rfd);
		close(p->wfd);
	}
	dp_pipe_init(p);
}

ssize_t dp_pipe_fill(dp_pipe *p, dp_pipepool *pool, int fd, size_t max)
{
	ssize_t n;
	if (p->rfd < 0 && pipe_get(p, pool) < 0)
		return -1;
	if (p->len >= p->cap) {
		errno = ENOBUFS;
		return -1;
	}
	if (max > p->cap - p->len)
		max = p->cap - p->len;
	do
		n = splice(fd, NULL, p->wfd, NULL, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		p->len += (uint32_t)n;
	else if (p->len == 0)
		pipe_put(p, pool);
	return n;
}

ssize_t dp_pipe_drain(dp_pipe *p, dp_pipepool *pool, int fd)
{
	ssize_t n;
	if (p->len == 0)
		return 0;
	do
		n = splice(p->rfd, NULL, fd, NULL, p->len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	p->len -= (uint32_t)n;
	if (p->len == 0)
		pipe_put(p, pool);
	return n;
}

void dp_pipe_release(dp_pipe *p, dp_pipepool *pool)
{
	pipe_put(p, pool);
}
