/* dbproxy event loop: epoll file events, a min-heap of timers and a before-sleep hook, in the
 * style of Redis' ae.c. Single-threaded: every handler runs on the loop's thread. */
#ifndef DP_LOOP_H
#define DP_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define DP_EV_READ  1u
#define DP_EV_WRITE 2u
#define DP_EV_ERROR 4u /* EPOLLERR or EPOLLHUP: always reported, never requested */
#define DP_EV_RDHUP 8u /* with DP_EV_READ: the peer closed its side after what is left to read */

typedef struct dp_loop dp_loop;
typedef struct dp_io dp_io;
typedef struct dp_timer dp_timer;

typedef void dp_io_fn(dp_loop *loop, dp_io *io, unsigned events);
typedef void dp_timer_fn(dp_loop *loop, dp_timer *t);
typedef void dp_hook_fn(dp_loop *loop, void *arg);

/* A file event registration, embedded in its owner. The owner must stay allocated until the
 * current loop iteration ends (dp_loop_defer_free) because events may still be queued. */
struct dp_io {
	int fd;		   /* -1 when not registered */
	unsigned long ino; /* the open file registered (fd numbers are reused) */
	unsigned mask;
	dp_io_fn *fn;
	void *arg;
};

struct dp_timer {
	uint64_t when;	   /* monotonic ms */
	size_t heap_index; /* 0 when not armed (a zeroed timer is valid), else position + 1 */
	dp_timer_fn *fn;
	void *arg;
};

int dp_loop_new(dp_loop **out);
void dp_loop_free(dp_loop *loop);

/* Monotonic milliseconds, refreshed once per iteration (dp_loop_now) or read afresh. */
uint64_t dp_now_ms(void);
uint64_t dp_now_us(void);
uint64_t dp_loop_now(const dp_loop *loop);

void dp_io_init(dp_io *io, dp_io_fn *fn, void *arg);
/* Registers fd with the mask (DP_EV_READ|DP_EV_WRITE, may be 0). 0 or -1 (errno set). */
int dp_io_add(dp_loop *loop, dp_io *io, int fd, unsigned mask);
/* Changes the mask; a no-op when it is unchanged. */
/* Is io registered for this very open file (not merely the same number, which a library
 * that closed and reopened its socket may have got again)? */
int dp_io_same_file(const dp_io *io, int fd);
int dp_io_set(dp_loop *loop, dp_io *io, unsigned mask);
/* Unregisters (does not close the fd). Safe on an unregistered io. */
void dp_io_del(dp_loop *loop, dp_io *io);

void dp_timer_init(dp_timer *t, dp_timer_fn *fn, void *arg);
/* (Re)arms the timer to fire once, ms from now. */
void dp_timer_set(dp_loop *loop, dp_timer *t, uint64_t ms);
void dp_timer_cancel(dp_loop *loop, dp_timer *t);
int dp_timer_armed(const dp_timer *t);

/* Called before each epoll_wait (flush work queued by handlers, free closed objects). */
void dp_loop_set_before_sleep(dp_loop *loop, dp_hook_fn *fn, void *arg);
/* free(ptr) after the current batch of events has been handled. */
void dp_loop_defer_free(dp_loop *loop, void *ptr, void (*free_fn)(void *));

/* Spin (poll without sleeping) for up to us microseconds after each batch of events; 0 off. */
void dp_loop_set_busy_poll(dp_loop *loop, unsigned us);
/* epoll_wait calls that polled without sleeping, and those that could sleep (metrics). */
void dp_loop_poll_counts(const dp_loop *loop, uint64_t *spins, uint64_t *sleeps);

void dp_loop_run(dp_loop *loop);
void dp_loop_stop(dp_loop *loop);

#endif
