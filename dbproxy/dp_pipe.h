/* dbproxy zero-copy relay: kernel pipes through which splice(2) moves bytes from one socket to
 * another without copying them into the proxy. A session direction borrows a pipe from the pool
 * only while bytes sit in it, as with dp_buf, so that idle connections hold no descriptors. */
#ifndef DP_PIPE_H
#define DP_PIPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct dp_pipepool dp_pipepool;

typedef struct dp_pipe {
	int rfd, wfd;	   /* -1 when no pipe is borrowed */
	uint32_t len, cap; /* bytes in the pipe, and its capacity */
} dp_pipe;

/* keep: empty pipes kept open for reuse. */
int dp_pipepool_new(dp_pipepool **out, uint32_t keep);
void dp_pipepool_free(dp_pipepool *pool);
/* Pipes lent out (for metrics). */
size_t dp_pipepool_in_use(const dp_pipepool *pool);

void dp_pipe_init(dp_pipe *p);

static inline uint32_t dp_pipe_len(const dp_pipe *p)
{
	return p->len;
}

/* Splices up to max bytes from the socket fd into the pipe (borrowing one if needed): >0 bytes
 * moved, 0 on EOF, -1 with errno (EAGAIN: nothing to read; ENOBUFS: the pipe is full; EMFILE,
 * ENFILE, ENOMEM: no pipe could be had, copy instead). */
ssize_t dp_pipe_fill(dp_pipe *p, dp_pipepool *pool, int fd, size_t max);
/* Splices the pipe's bytes to the socket fd: bytes moved (0 when it would block), -1 with
 * errno. Gives the pipe back once empty. */
ssize_t dp_pipe_drain(dp_pipe *p, dp_pipepool *pool, int fd);
/* Drops the pipe and whatever it holds. */
void dp_pipe_release(dp_pipe *p, dp_pipepool *pool);

#endif
