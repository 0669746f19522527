/* dbproxy byte buffers: one bounded buffer per direction of a session, whose memory comes
 * from a pool only while bytes are in flight, so that idle connections hold none. */
#ifndef DP_BUF_H
#define DP_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct dp_bufpool dp_bufpool;

typedef struct dp_buf {
	char *data;	     /* NULL while empty and released */
	uint32_t start, end; /* bytes [start, end) are pending */
} dp_buf;

/* size: bytes per buffer (the per-direction bound); keep: free blocks kept for reuse. */
int dp_bufpool_new(dp_bufpool **out, uint32_t size, uint32_t keep);
void dp_bufpool_free(dp_bufpool *pool);
uint32_t dp_bufpool_size(const dp_bufpool *pool);
/* Blocks currently lent out (for metrics). */
size_t dp_bufpool_in_use(const dp_bufpool *pool);

static inline uint32_t dp_buf_len(const dp_buf *b)
{
	return b->end - b->start;
}

/* Bytes that can still be appended (0 when full). */
uint32_t dp_buf_room(const dp_buf *b, const dp_bufpool *pool);
/* A place to append at least 1 byte (allocating or compacting); NULL when full or out of
 * memory. *room receives the contiguous space. */
char *dp_buf_tail(dp_buf *b, dp_bufpool *pool, uint32_t *room);
void dp_buf_produce(dp_buf *b, uint32_t n);
/* Drops n bytes from the front; returns the memory to the pool once empty. */
void dp_buf_consume(dp_buf *b, dp_bufpool *pool, uint32_t n);
/* Appends bytes; 0, or -1 when they do not fit. */
int dp_buf_append(dp_buf *b, dp_bufpool *pool, const void *data, uint32_t n);
void dp_buf_release(dp_buf *b, dp_bufpool *pool);

/* read(2)s from fd into the buffer: >0 bytes read, 0 on EOF, -1 with errno (EAGAIN when
 * nothing is available, ENOBUFS when the buffer is full). */
ssize_t dp_buf_read_fd(dp_buf *b, dp_bufpool *pool, int fd);
/* write(2)s pending bytes to fd: bytes written (maybe 0 on EAGAIN), or -1 with errno. */
ssize_t dp_buf_write_fd(dp_buf *b, dp_bufpool *pool, int fd);

#endif
