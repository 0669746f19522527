/* dbproxy sockets: numeric address parsing, listeners (TCP and Unix), non-blocking accept and
 * connect, socket options. Never resolves names: nothing here may block the loop. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dp_log.h"
#include "dp_net.h"

int dp_addr_parse(dp_addr *out, const char *text, int allow_unix, char *err, size_t errsz)
{
	char host[128];
	const char *colon, *port_text;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (text[0] == '/') {
		struct sockaddr_un *un = (struct sockaddr_un *)&out->ss;
		if (!allow_unix)
			return dp_seterr(err, errsz, "%s: a Unix socket is not allowed here", text);
		if (strlen(text) >= sizeof(un->sun_path))
			return dp_seterr(err, errsz, "%s: socket path too long", text);
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, text);
		out->len = (socklen_t)sizeof(*un);
		return 0;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			return dp_seterr(err, errsz, "%s: expected [IPv6]:PORT", text);
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = 0;
		port_text = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon || (size_t)(colon - text) >= sizeof(host))
			return dp_seterr(err, errsz, "%s: expected HOST:PORT", text);
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = 0;
		port_text = colon + 1;
	}
	errno = 0;
	port = strtol(port_text, &end, 10);
	if (errno || *end || end == port_text || port < 1 || port > 65535)
		return dp_seterr(err, errsz, "%s: bad port", text);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		out->len = (socklen_t)sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		out->len = (socklen_t)sizeof(*in6);
	} else {
		return dp_seterr(err, errsz, "%s: the host must be a numeric IPv4 or IPv6 address",
				 text);
	}
	return 0;
}

void dp_addr_host(const dp_addr *a, char *host, size_t size, int *port)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->ss;
	host[0] = 0;
	*port = 0;
	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &in4->sin_addr, host, (socklen_t)size);
		*port = ntohs(in4->sin_port);
	} else if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, (socklen_t)size);
		*port = ntohs(in6->sin6_port);
	} else if (a->ss.ss_family == AF_UNIX) {
		snprintf(host, size, "%s", ((const struct sockaddr_un *)&a->ss)->sun_path);
	}
}

const char *dp_addr_str(const dp_addr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN + 1];
	int port;
	if (a->ss.ss_family == AF_UNIX) {
		/* A client's socket is usually unnamed: the address holds the family alone, and
		 * whatever follows it is not ours to print. */
		const struct sockaddr_un *un = (const struct sockaddr_un *)&a->ss;
		size_t off = offsetof(struct sockaddr_un, sun_path), n = 0;
		if (a->len > off)
			n = strnlen(un->sun_path, a->len - off);
		if (n && un->sun_path[0])
			snprintf(buf, size, "unix:%.*s", (int)n, un->sun_path);
		else
			snprintf(buf, size, "unix");
		return buf;
	}
	dp_addr_host(a, host, sizeof(host), &port);
	if (a->ss.ss_family == AF_INET6)
		snprintf(buf, size, "[%s]:%d", host, port);
	else if (a->ss.ss_family == AF_INET)
		snprintf(buf, size, "%s:%d", host, port);
	else
		snprintf(buf, size, "?");
	return buf;
}

int dp_addr_is_loopback(const dp_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return a->ss.ss_family == AF_UNIX;
}

int dp_listen(const dp_addr *a, int backlog, char *err, size_t errsz)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	char name[160];

	if (fd == -1)
		return dp_seterr(err, errsz, "socket: %s", strerror(errno));
	if (a->ss.ss_family == AF_UNIX) {
		/* A stale socket file from a previous run would make bind fail; remove it only if
		 * it is a socket. */
		const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    /* Every local user may connect, as to MariaDB's own socket, whatever the umask
	     * (systemd's UMask=0077): logins are checked by the servers; the folder's mode is
	     * where access is narrowed. */
	    (a->ss.ss_family == AF_UNIX &&
	     chmod(((const struct sockaddr_un *)&a->ss)->sun_path, 0777) == -1) ||
	    listen(fd, backlog) == -1) {
		snprintf(err, errsz, "%s: %s", dp_addr_str(a, name, sizeof(name)), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int dp_accept(int lfd, dp_addr *peer)
{
	int fd;
	memset(&peer->ss, 0, sizeof(peer->ss));
	peer->len = sizeof(peer->ss);
	do
		fd = accept4(lfd, (struct sockaddr *)&peer->ss, &peer->len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	return fd;
}

int dp_connect(const dp_addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == -1 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	dp_socket_tune(fd, a->ss.ss_family != AF_UNIX);
	return fd;
}

int dp_socket_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return errno;
	return e;
}

void dp_socket_tune(int fd, int is_tcp)
{
	int one = 1;
	if (!is_tcp)
		return;
	/* MySQL packets are small request/response pairs: Nagle would add 40 ms stalls. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

void dp_socket_dead_after(int fd, unsigned ms)
{
	if (!ms)
		return;
	/* Idle: the first probe after half the time, then three more a sixth apart. */
	int idle = (int)(ms / 2000), intvl = (int)(ms / 6000), cnt = 3;
	unsigned user_timeout = ms;
	if (idle < 1)
		idle = 1;
	if (intvl < 1)
		intvl = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	/* Busy: data sent and not acknowledged that long (a peer that still acknowledges zero
	 * window probes, a slow reader, is not dropped). */
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
}

int dp_local_addr(int fd, dp_addr *out)
{
	out->len = sizeof(out->ss);
	return getsockname(fd, (struct sockaddr *)&out->ss, &out->len);
}
