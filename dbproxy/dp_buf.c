/* dbproxy byte buffers: one bounded buffer per direction of a session, whose memory comes
 * from a pool only while bytes are in flight, so that idle connections hold none. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp_buf.h"

struct dp_bufpool {
	uint32_t size, keep;
	char **free_blocks;
	uint32_t nfree;
	size_t in_use;
};

int dp_bufpool_new(dp_bufpool **out, uint32_t size, uint32_t keep)
{
	dp_bufpool *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->free_blocks = calloc(keep ? keep : 1, sizeof(char *));
	if (!p->free_blocks) {
		free(p);
		return -1;
	}
	p->size = size;
	p->keep = keep;
	*out = p;
	return 0;
}

void dp_bufpool_free(dp_bufpool *pool)
{
	if (!pool)
		return;
	for (uint32_t i = 0; i < pool->nfree; i++)
		free(pool->free_blocks[i]);
	free(pool->free_blocks);
	free(pool);
}

uint32_t dp_bufpool_size(const dp_bufpool *pool)
{
	return pool->size;
}

size_t dp_bufpool_in_use(const dp_bufpool *pool)
{
	return pool->in_use;
}

static char *pool_get(dp_bufpool *pool)
{
	char *b = pool->nfree > 0 ? pool->free_blocks[--pool->nfree] : malloc(pool->size);
	if (b)
		pool->in_use++;
	return b;
}

static void pool_put(dp_bufpool *pool, char *b)
{
	pool->in_use--;
	if (pool->nfree < pool->keep)
		pool->free_blocks[pool->nfree++] = b;
	else
		free(b);
}

uint32_t dp_buf_room(const dp_buf *b, const dp_bufpool *pool)
{
	return pool->size - dp_buf_len(b);
}

char *dp_buf_tail(dp_buf *b, dp_bufpool *pool, uint32_t *room)
{
	if (!b->data) {
		b->data = pool_get(pool);
		if (!b->data)
			return NULL;
		b->start = b->end = 0;
	}
	if (b->end == pool->size && b->start > 0) {
		memmove(b->data, b->data + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (b->end == pool->size)
		return NULL;
	*room = pool->size - b->end;
	return b->data + b->end;
}

void dp_buf_produce(dp_buf *b, uint32_t n)
{
	b->end += n;
}

void dp_buf_release(dp_buf *b, dp_bufpool *pool)
{
	if (b->data)
		pool_put(pool, b->data);
	b->data = NULL;
	b->start = b->end = 0;
}

void dp_buf_consume(dp_buf *b, dp_bufpool *pool, uint32_t n)
{
	b->start += n;
	if (b->start >= b->end)
		dp_buf_release(b, pool);
}

int dp_buf_append(dp_buf *b, dp_bufpool *pool, const void *data, uint32_t n)
{
	const char *p = data;
	if (n > dp_buf_room(b, pool))
		return -1;
	while (n > 0) {
		uint32_t room;
		char *t = dp_buf_tail(b, pool, &room);
		if (!t)
			return -1;
		if (room > n)
			room = n;
		memcpy(t, p, room);
		dp_buf_produce(b, room);
		p += room;
		n -= room;
	}
	return 0;
}

ssize_t dp_buf_read_fd(dp_buf *b, dp_bufpool *pool, int fd)
{
	uint32_t room;
	char *t = dp_buf_tail(b, pool, &room);
	ssize_t n;
	if (!t) {
		errno = b->data ? ENOBUFS : ENOMEM;
		return -1;
	}
	do
		n = read(fd, t, room);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		dp_buf_produce(b, (uint32_t)n);
	else if (dp_buf_len(b) == 0)
		dp_buf_release(b, pool);
	return n;
}

ssize_t dp_buf_write_fd(dp_buf *b, dp_bufpool *pool, int fd)
{
	ssize_t n;
	if (dp_buf_len(b) == 0)
		return 0;
	do
		n = send(fd, b->data + b->start, dp_buf_len(b), MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	dp_buf_consume(b, pool, (uint32_t)n);
	return n;
}
