/* dbproxy event loop: epoll file events, a min-heap of timers and a before-sleep hook, in the
 * style of Redis' ae.c. Single-threaded: every handler runs on the loop's thread. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dp_log.h"
#include "dp_loop.h"

#define MAX_EVENTS 256

typedef struct deferred {
	void *ptr;
	void (*free_fn)(void *);
} deferred;

struct dp_loop {
	int epfd;
	int stop;
	uint64_t now;
	dp_timer **heap;
	size_t nheap, heapcap;
	dp_hook_fn *before_sleep;
	void *before_sleep_arg;
	deferred *defer;
	size_t ndefer, defercap;
	uint64_t busy_poll_us;	/* spin this long after the last event before sleeping */
	uint64_t last_event_us; /* when the last non-empty batch ended */
	uint64_t spins, sleeps; /* epoll_wait calls that polled / that could sleep */
	int32_t batch_avg16;	/* events per non-empty batch, moving average, times 16 */
	struct epoll_event events[MAX_EVENTS];
};

uint64_t dp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t dp_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t dp_loop_now(const dp_loop *loop)
{
	return loop->now;
}

int dp_loop_new(dp_loop **out)
{
	dp_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd == -1) {
		free(loop);
		return -1;
	}
	loop->now = dp_now_ms();
	*out = loop;
	return 0;
}

static void run_deferred(dp_loop *loop)
{
	/* A free function may defer more: loop until the list is empty. */
	while (loop->ndefer > 0) {
		deferred d = loop->defer[--loop->ndefer];
		d.free_fn(d.ptr);
	}
}

void dp_loop_free(dp_loop *loop)
{
	if (!loop)
		return;
	run_deferred(loop);
	close(loop->epfd);
	free(loop->heap);
	free(loop->defer);
	free(loop);
}

void dp_io_init(dp_io *io, dp_io_fn *fn, void *arg)
{
	io->fd = -1;
	io->mask = 0;
	io->fn = fn;
	io->arg = arg;
}

static uint32_t epoll_mask(unsigned mask)
{
	uint32_t ev = 0;
	if (mask & DP_EV_READ)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (mask & DP_EV_WRITE)
		ev |= EPOLLOUT;
	return ev;
}

/* The open file behind fd (its inode), 0 when fd is not open. */
static unsigned long fd_inode(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

int dp_io_add(dp_loop *loop, dp_io *io, int fd, unsigned mask)
{
	struct epoll_event ev = {.events = epoll_mask(mask), .data.ptr = io};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	io->fd = fd;
	io->ino = fd_inode(fd);
	io->mask = mask;
	return 0;
}

int dp_io_set(dp_loop *loop, dp_io *io, unsigned mask)
{
	struct epoll_event ev = {.events = epoll_mask(mask), .data.ptr = io};
	if (io->fd < 0)
		return -1;
	if (io->mask == mask)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) == -1) {
		/* Closed and reopened under the same number (a library reconnecting): the kernel
		 * dropped the old registration with the old file. */
		if (errno != ENOENT || epoll_ctl(loop->epfd, EPOLL_CTL_ADD, io->fd, &ev) == -1)
			return -1;
		io->ino = fd_inode(io->fd);
	}
	io->mask = mask;
	return 0;
}

int dp_io_same_file(const dp_io *io, int fd)
{
	return io->fd >= 0 && io->fd == fd && fd_inode(fd) == io->ino;
}

/* A library (Connector/C) may close its socket before we unregister it, and the number may
 * already belong to another connection (a client just accepted): the kernel dropped our
 * registration with the closed file, and deleting by number would drop the new connection's
 * instead, which then never hears its client again. Only the same open file is
 * unregistered. */
void dp_io_del(dp_loop *loop, dp_io *io)
{
	if (io->fd < 0)
		return;
	if (fd_inode(io->fd) == io->ino)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->fd = -1;
	io->mask = 0;
}

/* ---------------------------------------------------------------- timers (binary min-heap) */

void dp_timer_init(dp_timer *t, dp_timer_fn *fn, void *arg)
{
	t->when = 0;
	t->heap_index = 0;
	t->fn = fn;
	t->arg = arg;
}

int dp_timer_armed(const dp_timer *t)
{
	return t->heap_index != 0;
}

/* heap_index holds the position + 1, so that a zeroed timer is simply "not armed". */
static void heap_swap(dp_loop *loop, size_t a, size_t b)
{
	dp_timer *t = loop->heap[a];
	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_index = a + 1;
	loop->heap[b]->heap_index = b + 1;
}

static void heap_up(dp_loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (loop->heap[parent]->when <= loop->heap[i]->when)
			break;
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void heap_down(dp_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < loop->nheap && loop->heap[l]->when < loop->heap[m]->when)
			m = l;
		if (r < loop->nheap && loop->heap[r]->when < loop->heap[m]->when)
			m = r;
		if (m == i)
			return;
		heap_swap(loop, i, m);
		i = m;
	}
}

void dp_timer_cancel(dp_loop *loop, dp_timer *t)
{
	size_t i;
	if (t->heap_index == 0)
		return;
	i = t->heap_index - 1;
	t->heap_index = 0;
	loop->nheap--;
	if (i == loop->nheap)
		return;
	loop->heap[i] = loop->heap[loop->nheap];
	loop->heap[i]->heap_index = i + 1;
	heap_up(loop, i);
	heap_down(loop, loop->heap[i]->heap_index - 1);
}

void dp_timer_set(dp_loop *loop, dp_timer *t, uint64_t ms)
{
	dp_timer_cancel(loop, t);
	if (loop->nheap == loop->heapcap) {
		size_t cap = loop->heapcap ? loop->heapcap * 2 : 64;
		dp_timer **h = realloc(loop->heap, cap * sizeof(*h));
		if (!h) {
			/* Out of memory for one more timer: fire it on the next iteration instead
			 * of losing it is impossible without storage; log loudly. */
			dp_error("out of memory arming a timer");
			return;
		}
		loop->heap = h;
		loop->heapcap = cap;
	}
	t->when = dp_now_ms() + ms;
	t->heap_index = loop->nheap + 1;
	loop->heap[loop->nheap++] = t;
	heap_up(loop, loop->nheap - 1);
}

static int next_timeout(dp_loop *loop)
{
	if (loop->nheap == 0)
		return 1000;
	uint64_t now = dp_now_ms(), when = loop->heap[0]->when;
	if (when <= now)
		return 0;
	return when - now > 1000 ? 1000 : (int)(when - now);
}

static void run_timers(dp_loop *loop)
{
	uint64_t now = dp_now_ms();
	/* Timers armed by a handler for "now" run on the next iteration, never in this one:
	 * a 0 ms timer cannot starve file events. */
	size_t budget = loop->nheap;
	while (loop->nheap > 0 && budget-- > 0 && loop->heap[0]->when <= now) {
		dp_timer *t = loop->heap[0];
		dp_timer_cancel(loop, t);
		t->fn(loop, t);
	}
}

void dp_loop_set_before_sleep(dp_loop *loop, dp_hook_fn *fn, void *arg)
{
	loop->before_sleep = fn;
	loop->before_sleep_arg = arg;
}

void dp_loop_defer_free(dp_loop *loop, void *ptr, void (*free_fn)(void *))
{
	if (loop->ndefer == loop->defercap) {
		size_t cap = loop->defercap ? loop->defercap * 2 : 64;
		deferred *d = realloc(loop->defer, cap * sizeof(*d));
		if (!d) {
			/* Leaking is safer than freeing memory an event may still point to. */
			dp_error("out of memory deferring a free");
			return;
		}
		loop->defer = d;
		loop->defercap = cap;
	}
	loop->defer[loop->ndefer].ptr = ptr;
	loop->defer[loop->ndefer].free_fn = free_fn;
	loop->ndefer++;
}

void dp_loop_set_busy_poll(dp_loop *loop, unsigned us)
{
	loop->busy_poll_us = us;
}

void dp_loop_poll_counts(const dp_loop *loop, uint64_t *spins, uint64_t *sleeps)
{
	*spins = loop->spins;
	*sleeps = loop->sleeps;
}

/* Busy polling: right after a batch of events, the answer to what was just relayed usually
 * arrives within tens of microseconds. Polling (timeout 0) for that long instead of sleeping
 * spares the proxy a scheduler wakeup per hop, which on a small VM costs as much as the query
 * itself; once nothing has come for busy_poll_us, the loop sleeps as usual, so an idle proxy
 * uses no CPU. Only while batches hold about one event (a latency-bound load, CPUs otherwise
 * idle between hops): with several sessions busy at once the CPUs are shared with the clients
 * and servers, and spinning would take time from them. Each spin also yields the CPU to any
 * runnable thread first, for the same reason. */
#define SPIN_MAX_BATCH16 24 /* 1.5 events per batch */

static int wait_timeout(dp_loop *loop)
{
	if (loop->busy_poll_us > 0 && loop->batch_avg16 < SPIN_MAX_BATCH16 &&
	    dp_now_us() - loop->last_event_us < loop->busy_poll_us) {
		loop->spins++;
		sched_yield(); /* a runnable client or server thread goes first */
		return 0;
	}
	loop->sleeps++;
	return next_timeout(loop);
}

void dp_loop_stop(dp_loop *loop)
{
	loop->stop = 1;
}

void dp_loop_run(dp_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop) {
		if (loop->before_sleep)
			loop->before_sleep(loop, loop->before_sleep_arg);
		run_deferred(loop);
		if (loop->stop)
			break;
		int n = epoll_wait(loop->epfd, loop->events, MAX_EVENTS, wait_timeout(loop));
		if (n == -1 && errno != EINTR) {
			dp_error("epoll_wait: %s", strerror(errno));
			break;
		}
		loop->now = dp_now_ms();
		for (int i = 0; i < n; i++) {
			dp_io *io = loop->events[i].data.ptr;
			uint32_t e = loop->events[i].events;
			unsigned got = 0;
			if (io->fd < 0)
				continue; /* unregistered by an earlier handler in this batch */
			if (e & (EPOLLIN | EPOLLRDHUP))
				got |= DP_EV_READ;
			if (e & EPOLLRDHUP)
				got |= DP_EV_RDHUP;
			if (e & EPOLLOUT)
				got |= DP_EV_WRITE;
			if (e & (EPOLLERR | EPOLLHUP))
				got |= DP_EV_ERROR | DP_EV_READ | DP_EV_WRITE;
			else if (!(io->mask & DP_EV_READ))
				/* Interest dropped by an earlier handler of this batch (a session
				 * held for a switchover must not read its client's next command):
				 * the readiness stays and is reported when interest returns. */
				got &= ~(unsigned)(DP_EV_READ | DP_EV_RDHUP);
			if (!(e & (EPOLLERR | EPOLLHUP)) && !(io->mask & DP_EV_WRITE))
				got &= ~(unsigned)DP_EV_WRITE;
			if (!got)
				continue;
			io->fn(loop, io, got);
		}
		run_deferred(loop);
		if (n > 0 && loop->busy_poll_us > 0) {
			loop->last_event_us = dp_now_us();
			loop->batch_avg16 += (n * 16 - loop->batch_avg16) / 8;
		}
		run_timers(loop);
	}
}
