/* dbproxy sockets: numeric address parsing, listeners (TCP and Unix), non-blocking accept and
 * connect, socket options. Never resolves names: nothing here may block the loop. */
#ifndef DP_NET_H
#define DP_NET_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct dp_addr {
	struct sockaddr_storage ss;
	socklen_t len;
} dp_addr;

/* "127.0.0.1:3306", "[::1]:3306" or "/path/to/socket" (when allow_unix). Numeric only.
 * 0, or -1 with a message in err. */
int dp_addr_parse(dp_addr *out, const char *text, int allow_unix, char *err, size_t errsz);
/* "127.0.0.1:3306" (or the path) into buf. */
const char *dp_addr_str(const dp_addr *a, char *buf, size_t size);
int dp_addr_is_loopback(const dp_addr *a);
/* Host part only ("127.0.0.1", "::1") and port, for CHANGE MASTER. */
void dp_addr_host(const dp_addr *a, char *host, size_t size, int *port);

/* A listening socket, non-blocking, close-on-exec: fd or -1 with err. */
int dp_listen(const dp_addr *a, int backlog, char *err, size_t errsz);
/* accept4 non-blocking: fd, or -1 with errno (EAGAIN when none is waiting). */
int dp_accept(int lfd, dp_addr *peer);
/* Starts a non-blocking connect: fd (connected or in progress), or -1 with errno. */
int dp_connect(const dp_addr *a);
/* SO_ERROR of a connecting socket: 0 once connected, else the errno value. */
int dp_socket_error(int fd);
void dp_socket_tune(int fd, int is_tcp);
/* A TCP peer that acknowledges nothing for about ms (idle: keepalive probes unanswered; busy:
 * data unacknowledged) is dropped by the kernel: the socket fails. 0 keeps the kernel's
 * defaults (hours). */
void dp_socket_dead_after(int fd, unsigned ms);
int dp_local_addr(int fd, dp_addr *out);

#endif
