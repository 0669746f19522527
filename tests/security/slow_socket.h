/* Slow clients for the connection-limit tests: a non-blocking TCP connection from a chosen
 * loopback address (127.0.0.2, 127.0.0.3... are distinct client addresses to the daemon). */
#ifndef TESTS_SECURITY_SLOW_SOCKET_H
#define TESTS_SECURITY_SLOW_SOCKET_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* A connection from local address src to 127.0.0.1:port, still connecting; -1 on failure. */
static inline int slow_socket(const char *src, int port)
{
	struct sockaddr_in local = {.sin_family = AF_INET}, peer = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &local.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
	peer.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
