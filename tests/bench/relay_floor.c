/* relay_floor: the smallest useful TCP relay (epoll, level-triggered, one read and one write
 * per event), to measure the floor of CPU per statement of any relay on this machine
 * (tests/bench/relay-floor.sh). Not a proxy: no protocol, no limits, no backpressure beyond
 * waiting for the peer to take the bytes, a blocking connect to the upstream.
 * usage: relay_floor LISTEN_PORT UPSTREAM_PORT [SPIN_US]   (both on 127.0.0.1)
 * SPIN_US > 0: poll without blocking for that long before each blocking wait. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define RF_BUF_SIZE   65536
#define RF_MAX_EVENTS 64

/* One relayed connection: end 0 is the client, end 1 the upstream. */
struct rf_pair;
struct rf_end {
	int fd;
	struct rf_pair *pair;
	struct rf_end *peer;
};
struct rf_pair {
	struct rf_end end[2];
	int closed;
	struct rf_pair *prev, *next; /* all open pairs, freed on exit */
	struct rf_pair *next_dead;   /* closed in this batch, freed after it */
};

struct rf_relay {
	int epfd, lfd;
	struct sockaddr_in upstream;
	long spin_ns;
	struct rf_pair *pairs, *dead;
	char buf[RF_BUF_SIZE];
};

static volatile sig_atomic_t rf_stop;

static void rf_on_signal(int sig)
{
	(void)sig;
	rf_stop = 1;
}

static long rf_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int rf_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return (*s && !*end && v > 0 && v < 65536) ? (int)v : -1;
}

static int rf_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

static void rf_nodelay(int fd)
{
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		perror("relay_floor: TCP_NODELAY");
}

static int rf_listen(int port)
{
	struct sockaddr_in a;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 || listen(fd, SOMAXCONN) == -1 ||
	    rf_set_nonblock(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Closes both ends at once (MySQL does not half-close); the pair is freed after the batch of
 * events, which may still name it. */
static void rf_pair_close(struct rf_relay *r, struct rf_pair *p)
{
	if (p->closed)
		return;
	p->closed = 1;
	for (int i = 0; i < 2; i++)
		close(p->end[i].fd); /* also removes it from the epoll set */
	if (p->prev)
		p->prev->next = p->next;
	else
		r->pairs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next_dead = r->dead;
	r->dead = p;
}

static void rf_free_dead(struct rf_relay *r)
{
	while (r->dead) {
		struct rf_pair *p = r->dead;
		r->dead = p->next_dead;
		free(p);
	}
}

static void rf_accept(struct rf_relay *r)
{
	int cfd = accept(r->lfd, NULL, NULL);
	if (cfd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			perror("relay_floor: accept");
		return;
	}
	/* A blocking connect: loopback, and a benchmark connects once per client thread. */
	int ufd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct rf_pair *p = calloc(1, sizeof(*p));
	if (ufd == -1 || !p ||
	    connect(ufd, (struct sockaddr *)&r->upstream, sizeof(r->upstream)) == -1 ||
	    rf_set_nonblock(cfd) == -1 || rf_set_nonblock(ufd) == -1) {
		perror("relay_floor: upstream");
		goto fail;
	}
	rf_nodelay(cfd);
	rf_nodelay(ufd);
	p->end[0] = (struct rf_end){.fd = cfd, .pair = p, .peer = &p->end[1]};
	p->end[1] = (struct rf_end){.fd = ufd, .pair = p, .peer = &p->end[0]};
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &p->end[i]};
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, p->end[i].fd, &ev) == -1) {
			perror("relay_floor: epoll_ctl");
			goto fail;
		}
	}
	p->next = r->pairs;
	if (r->pairs)
		r->pairs->prev = p;
	r->pairs = p;
	return;
fail:
	close(cfd);
	if (ufd != -1)
		close(ufd);
	free(p);
}

/* Writes all of buf to fd, waiting for room with poll: the other direction waits meanwhile,
 * which a request/response protocol never notices. 0, or -1 when the peer is gone. */
static int rf_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w >= 0) {
			buf += w;
			len -= (size_t)w;
			continue;
		}
		if (errno == EINTR && !rf_stop)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, -1) == -1 && (errno != EINTR || rf_stop))
			return -1;
	}
	return 0;
}

/* One read from an end, written whole to its peer. */
static void rf_relay_once(struct rf_relay *r, struct rf_end *e)
{
	ssize_t n = read(e->fd, r->buf, sizeof(r->buf));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0 || rf_write_all(e->peer->fd, r->buf, (size_t)n) == -1)
		rf_pair_close(r, e->pair);
}

static int rf_wait(struct rf_relay *r, struct epoll_event *evs)
{
	if (r->spin_ns > 0) {
		long t0 = rf_now_ns();
		do {
			int n = epoll_wait(r->epfd, evs, RF_MAX_EVENTS, 0);
			if (n != 0)
				return n;
		} while (rf_now_ns() - t0 < r->spin_ns && !rf_stop);
	}
	return epoll_wait(r->epfd, evs, RF_MAX_EVENTS, -1);
}

static int rf_run(struct rf_relay *r)
{
	struct epoll_event evs[RF_MAX_EVENTS];
	while (!rf_stop) {
		int n = rf_wait(r, evs);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("relay_floor: epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct rf_end *e = evs[i].data.ptr;
			if (!e)
				rf_accept(r);
			else if (!e->pair->closed)
				rf_relay_once(r, e);
		}
		rf_free_dead(r);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int lport = argc > 2 ? rf_port(argv[1]) : -1, uport = argc > 2 ? rf_port(argv[2]) : -1;
	long spin_us = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	if (argc < 3 || argc > 4 || lport < 0 || uport < 0 || spin_us < 0 || spin_us > 1000000) {
		fprintf(stderr, "usage: %s LISTEN_PORT UPSTREAM_PORT [SPIN_US]\n", argv[0]);
		return 2;
	}
	struct rf_relay *r = calloc(1, sizeof(*r));
	if (!r) {
		perror("relay_floor: calloc");
		return 1;
	}
	r->spin_ns = spin_us * 1000;
	r->upstream.sin_family = AF_INET;
	r->upstream.sin_port = htons((uint16_t)uport);
	r->upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rf_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int rc = 1;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->lfd = rf_listen(lport);
	if (r->epfd == -1 || r->lfd == -1) {
		perror("relay_floor: listen");
		goto out;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->lfd, &ev) == -1) {
		perror("relay_floor: epoll_ctl");
		goto out;
	}
	rc = rf_run(r) == 0 ? 0 : 1;
out:
	while (r->pairs)
		rf_pair_close(r, r->pairs);
	rf_free_dead(r);
	if (r->lfd != -1)
		close(r->lfd);
	if (r->epfd != -1)
		close(r->epfd);
	free(r);
	return rc;
}
