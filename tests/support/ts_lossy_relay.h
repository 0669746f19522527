/* A relay in front of a MariaDB server that loses one answer: every connection is relayed as
 * is, until a client sends a statement (COM_QUERY) starting with the armed text; that statement
 * reaches the server and runs, then the relay closes the connection before its answer reaches
 * the client. The client sees a lost connection for a statement that ran: what a failover or a
 * cut link can do to any statement in flight. Armed with a function instead, the relay calls it
 * just before it passes the statement on (another client acting at that moment), and loses
 * nothing. One relay thread per connection. */
#ifndef TESTS_SUPPORT_TS_LOSSY_RELAY_H
#define TESTS_SUPPORT_TS_LOSSY_RELAY_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct ts_lossy_relay {
	int listener, port, server_port;
	pthread_t acceptor;
	pthread_mutex_t lock;
	char armed[64];		   /* the statement's start, "" when disarmed */
	void (*before)(void *arg); /* NULL: lose the answer */
	void *before_arg;
	atomic_int lost;  /* answers lost so far */
	atomic_int stop;  /* set by ts_lossy_stop */
	atomic_int pumps; /* relayed connections still open */
} ts_lossy_relay;

struct ts_lossy_pair {
	ts_lossy_relay *relay;
	int client, server;
};

static inline int ts_lossy_dial(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int ts_lossy_send_all(int fd, const unsigned char *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Whether the packet (4-byte header, then payload) is the armed statement, to lose its answer;
 * disarms it then, and runs the armed function instead, if any (0 then: nothing lost). */
static inline int ts_lossy_hit(ts_lossy_relay *r, const unsigned char *packet, size_t len)
{
	void (*before)(void *) = NULL;
	void *arg = NULL;
	int hit = 0;

	pthread_mutex_lock(&r->lock);
	size_t n = strlen(r->armed);
	if (n && len >= 5 + n && packet[3] == 0 && packet[4] == 0x03 &&
	    strncasecmp((const char *)packet + 5, r->armed, n) == 0) {
		hit = 1;
		r->armed[0] = '\0';
		before = r->before;
		arg = r->before_arg;
	}
	pthread_mutex_unlock(&r->lock);
	if (before) {
		before(arg);
		return 0;
	}
	return hit;
}

static inline void *ts_lossy_pump(void *arg)
{
	struct ts_lossy_pair *pair = arg;
	ts_lossy_relay *r = pair->relay;
	unsigned char up[1 << 16], down[1 << 16];
	size_t have = 0, skip = 0; /* skip: the rest of a packet too large to look at */
	struct pollfd fds[2] = {{pair->client, POLLIN, 0}, {pair->server, POLLIN, 0}};

	while (!atomic_load(&r->stop) && poll(fds, 2, 200) >= 0) {
		if (fds[1].revents) { /* server to client, as is */
			ssize_t n = recv(pair->server, down, sizeof(down), 0);
			if (n <= 0 || ts_lossy_send_all(pair->client, down, (size_t)n) < 0)
				break;
		}
		if (!fds[0].revents)
			continue;
		ssize_t n = recv(pair->client, up + have, sizeof(up) - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		if (skip) { /* the rest of a large packet, as is */
			size_t k = skip < have ? skip : have;
			if (ts_lossy_send_all(pair->server, up, k) < 0)
				break;
			memmove(up, up + k, have - k);
			have -= k;
			skip -= k;
		}
		/* Whole packets, one at a time; one larger than the buffer is passed on without
		 * being looked at. */
		while (have >= 4 && !skip) {
			size_t len = 4 + (size_t)(up[0] | up[1] << 8 | up[2] << 16);
			if (len > sizeof(up)) {
				if (ts_lossy_send_all(pair->server, up, have) < 0)
					goto out;
				skip = len - have;
				have = 0;
				break;
			}
			if (have < len)
				break;
			int hit = ts_lossy_hit(r, up, len);
			if (ts_lossy_send_all(pair->server, up, len) < 0)
				goto out;
			if (hit) {
				/* The statement has run when its answer comes: dropped. */
				struct pollfd answer = {pair->server, POLLIN, 0};
				for (int i = 0; i < 50 && !atomic_load(&r->stop); i++)
					if (poll(&answer, 1, 200) != 0)
						break;
				atomic_fetch_add(&r->lost, 1);
				goto out;
			}
			memmove(up, up + len, have - len);
			have -= len;
		}
	}
out:
	close(pair->client);
	close(pair->server);
	free(pair);
	atomic_fetch_sub(&r->pumps, 1);
	return NULL;
}

static inline void *ts_lossy_accept(void *arg)
{
	ts_lossy_relay *r = arg;

	while (!atomic_load(&r->stop)) {
		struct pollfd pfd = {r->listener, POLLIN, 0};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		int client = accept(r->listener, NULL, NULL);
		if (client < 0)
			continue;
		fcntl(client, F_SETFD, FD_CLOEXEC);
		struct ts_lossy_pair *pair = malloc(sizeof(*pair));
		pthread_t t;
		if (!pair || (pair->server = ts_lossy_dial(r->server_port)) < 0) {
			free(pair);
			close(client);
			continue;
		}
		pair->relay = r;
		pair->client = client;
		atomic_fetch_add(&r->pumps, 1);
		if (pthread_create(&t, NULL, ts_lossy_pump, pair) != 0) {
			atomic_fetch_sub(&r->pumps, 1);
			close(pair->server);
			close(client);
			free(pair);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

/* Starts a relay to 127.0.0.1:server_port on a free loopback port (r->port). 0 or -1. */
static inline int ts_lossy_start(ts_lossy_relay *r, int server_port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);

	memset(r, 0, sizeof(*r));
	r->server_port = server_port;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((r->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(r->listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(r->listener, 16) < 0 ||
	    getsockname(r->listener, (struct sockaddr *)&a, &alen) < 0) {
		close(r->listener);
		return -1;
	}
	r->port = ntohs(a.sin_port);
	pthread_mutex_init(&r->lock, NULL);
	if (pthread_create(&r->acceptor, NULL, ts_lossy_accept, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		close(r->listener);
		return -1;
	}
	return 0;
}

/* Loses the answer of the next statement that starts with text (before NULL), or calls
 * before(arg) just before that statement is passed on. */
static inline void ts_lossy_arm(ts_lossy_relay *r, const char *text, void (*before)(void *),
				void *arg)
{
	pthread_mutex_lock(&r->lock);
	snprintf(r->armed, sizeof(r->armed), "%s", text);
	r->before = before;
	r->before_arg = arg;
	pthread_mutex_unlock(&r->lock);
}

/* Stops accepting and waits for the relayed connections to end (200 ms each at most). */
static inline void ts_lossy_stop(ts_lossy_relay *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->acceptor, NULL);
	close(r->listener);
	while (atomic_load(&r->pumps))
		usleep(20 * 1000);
	pthread_mutex_destroy(&r->lock);
}

#endif
