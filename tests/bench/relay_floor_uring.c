/* relay_floor_uring: relay_floor.c with io_uring instead of epoll (tests/bench/relay-floor.sh):
 * a recv armed on each end; its completion queues a send to the peer linked to the next recv,
 * so the buffer is reused only once sent, and io_uring_submit_and_wait is the one system call
 * per round. Built only where liburing is installed (not a project dependency).
 * usage: relay_floor_uring LISTEN_PORT UPSTREAM_PORT   (both on 127.0.0.1) */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <liburing.h>

#define RU_BUF_SIZE  65536
#define RU_RING_SIZE 256

enum ru_op { RU_ACCEPT = 1, RU_RECV = 2, RU_SEND = 3 };
#define RU_OP_MASK ((uintptr_t)3)

/* One relayed connection: end 0 is the client, end 1 the upstream. Freed once closed and no
 * request of it is left in the ring. */
struct ru_pair;
struct ru_end {
	int fd;
	unsigned sending; /* bytes of the send in flight from buf */
	struct ru_pair *pair;
	struct ru_end *peer;
	char buf[RU_BUF_SIZE];
};
struct ru_pair {
	struct ru_end end[2];
	unsigned inflight; /* requests submitted whose completion has not been seen */
	int closing;
	struct ru_pair *prev, *next; /* all pairs, freed on exit */
};

struct ru_relay {
	struct io_uring ring;
	int lfd, accepting;
	struct sockaddr_in upstream;
	struct ru_pair *pairs;
};

static volatile sig_atomic_t ru_stop;

static void ru_on_signal(int sig)
{
	(void)sig;
	ru_stop = 1;
}

static int ru_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return (*s && !*end && v > 0 && v < 65536) ? (int)v : -1;
}

static void ru_nodelay(int fd)
{
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		perror("relay_floor_uring: TCP_NODELAY");
}

static int ru_listen(int port)
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
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 || listen(fd, SOMAXCONN) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A free submission entry, submitting what is queued when the ring is full. */
static struct io_uring_sqe *ru_sqe(struct ru_relay *r)
{
	struct io_uring_sqe *sqe;
	while (!(sqe = io_uring_get_sqe(&r->ring)))
		io_uring_submit(&r->ring);
	return sqe;
}

static void ru_tag(struct io_uring_sqe *sqe, struct ru_end *e, enum ru_op op)
{
	io_uring_sqe_set_data(sqe, (void *)((uintptr_t)e | (uintptr_t)op));
	if (e)
		e->pair->inflight++;
}

static void ru_arm_accept(struct ru_relay *r)
{
	struct io_uring_sqe *sqe = ru_sqe(r);
	io_uring_prep_accept(sqe, r->lfd, NULL, NULL, SOCK_CLOEXEC);
	ru_tag(sqe, NULL, RU_ACCEPT);
	r->accepting = 1;
}

static void ru_arm_recv(struct ru_relay *r, struct ru_end *e)
{
	struct io_uring_sqe *sqe = ru_sqe(r);
	io_uring_prep_recv(sqe, e->fd, e->buf, sizeof(e->buf), 0);
	ru_tag(sqe, e, RU_RECV);
}

/* Both ends shut down: their pending requests complete (EOF or an error), and the pair is
 * freed when the last one is seen. */
static void ru_pair_close(struct ru_pair *p)
{
	if (p->closing)
		return;
	p->closing = 1;
	for (int i = 0; i < 2; i++)
		shutdown(p->end[i].fd, SHUT_RDWR);
}

static void ru_pair_free(struct ru_relay *r, struct ru_pair *p)
{
	for (int i = 0; i < 2; i++)
		close(p->end[i].fd);
	if (p->prev)
		p->prev->next = p->next;
	else
		r->pairs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	free(p);
}

static void ru_accepted(struct ru_relay *r, int cfd)
{
	/* A blocking connect: loopback, and a benchmark connects once per client thread. */
	int ufd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct ru_pair *p = calloc(1, sizeof(*p));
	if (ufd == -1 || !p ||
	    connect(ufd, (struct sockaddr *)&r->upstream, sizeof(r->upstream)) == -1) {
		perror("relay_floor_uring: upstream");
		close(cfd);
		if (ufd != -1)
			close(ufd);
		free(p);
		return;
	}
	ru_nodelay(cfd);
	ru_nodelay(ufd);
	p->end[0].fd = cfd;
	p->end[1].fd = ufd;
	for (int i = 0; i < 2; i++) {
		p->end[i].pair = p;
		p->end[i].peer = &p->end[1 - i];
	}
	p->next = r->pairs;
	if (r->pairs)
		r->pairs->prev = p;
	r->pairs = p;
	ru_arm_recv(r, &p->end[0]);
	ru_arm_recv(r, &p->end[1]);
}

static void ru_complete(struct ru_relay *r, const struct io_uring_cqe *cqe)
{
	uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);
	struct ru_end *e = (struct ru_end *)(data & ~RU_OP_MASK);
	enum ru_op op = (enum ru_op)(data & RU_OP_MASK);
	int res = cqe->res;

	if (op == RU_ACCEPT) {
		r->accepting = 0;
		if (!ru_stop)
			ru_arm_accept(r);
		if (res >= 0)
			ru_accepted(r, res);
		else if (!ru_stop && res != -EINTR && res != -ECONNABORTED)
			fprintf(stderr, "relay_floor_uring: accept: %s\n", strerror(-res));
		return;
	}
	struct ru_pair *p = e->pair;
	p->inflight--;
	if (op == RU_RECV && res > 0 && !p->closing) {
		/* MSG_WAITALL: the kernel sends the rest of a short send itself; the recv runs
		 * only after the send succeeded whole (a failed link cancels it). */
		struct io_uring_sqe *sqe = ru_sqe(r);
		e->sending = (unsigned)res;
		io_uring_prep_send(sqe, e->peer->fd, e->buf, (size_t)res,
				   MSG_NOSIGNAL | MSG_WAITALL);
		sqe->flags |= IOSQE_IO_LINK;
		ru_tag(sqe, e, RU_SEND);
		ru_arm_recv(r, e);
	} else if (op == RU_RECV || (op == RU_SEND && res != (int)e->sending)) {
		ru_pair_close(p); /* EOF, an error, a cancelled recv, a failed or short send */
	}
	if (p->closing && p->inflight == 0)
		ru_pair_free(r, p);
}

/* On SIGTERM, every socket is shut down so that each pending request completes and all is
 * freed before the ring goes (at most 1 s of waiting for that). */
static int ru_run(struct ru_relay *r)
{
	int draining = 0;
	ru_arm_accept(r);
	while (r->accepting || r->pairs) {
		struct __kernel_timespec limit = {.tv_sec = 1};
		struct io_uring_cqe *cqe;
		int rc;
		if (ru_stop && !draining) {
			draining = 1;
			shutdown(r->lfd, SHUT_RDWR);
			for (struct ru_pair *p = r->pairs; p; p = p->next)
				ru_pair_close(p);
		}
		if (draining)
			rc = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &limit, NULL);
		else
			rc = io_uring_submit_and_wait(&r->ring, 1);
		if (rc == -ETIME && draining)
			return -1;
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
			fprintf(stderr, "relay_floor_uring: io_uring_submit_and_wait: %s\n",
				strerror(-rc));
			return -1;
		}
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&r->ring, head, cqe)
		{
			ru_complete(r, cqe);
			seen++;
		}
		io_uring_cq_advance(&r->ring, seen);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int lport = argc == 3 ? ru_port(argv[1]) : -1, uport = argc == 3 ? ru_port(argv[2]) : -1;
	if (lport < 0 || uport < 0) {
		fprintf(stderr, "usage: %s LISTEN_PORT UPSTREAM_PORT\n", argv[0]);
		return 2;
	}
	struct ru_relay *r = calloc(1, sizeof(*r));
	if (!r) {
		perror("relay_floor_uring: calloc");
		return 1;
	}
	r->upstream.sin_family = AF_INET;
	r->upstream.sin_port = htons((uint16_t)uport);
	r->upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ru_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	r->lfd = ru_listen(lport);
	if (r->lfd == -1) {
		perror("relay_floor_uring: listen");
		free(r);
		return 1;
	}
	int err = io_uring_queue_init(RU_RING_SIZE, &r->ring, 0);
	if (err < 0) {
		fprintf(stderr, "relay_floor_uring: io_uring_queue_init: %s\n", strerror(-err));
		close(r->lfd);
		free(r);
		return 1;
	}
	int rc = ru_run(r) == 0 ? 0 : 1;
	io_uring_queue_exit(&r->ring);
	while (r->pairs)
		ru_pair_free(r, r->pairs);
	close(r->lfd);
	free(r);
	return rc;
}
