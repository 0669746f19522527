/* The security issue's item 5 for dbproxy's admin endpoint: half-open connections from one
 * address neither fill it (past 8 requests still arriving, a new connection closes the oldest)
 * nor stay (closed after 5 s, checked within 15 s; the old timeout was 30 s). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../dbproxy/dpt.h"
#include "slow_socket.h"

#define SLOW_SOCKETS 200

static dpt_fixture fx;

static int setup(void **state)
{
	th_options opts = {.replicas = 0};
	struct rlimit rl;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024) {
		rl.rlim_cur =
		    rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 1024 ? 1024 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return dpt_fixture_start(&fx, &opts, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return dpt_fixture_stop(&fx);
}

static void slow_send(int fd, const char *text)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	if (poll(&pfd, 1, 50) == 1)
		(void)!send(fd, text, strlen(text), MSG_NOSIGNAL);
}

static int closed_by_server(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char buf[512];

	while (poll(&pfd, 1, ms) == 1) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return 1;
	}
	return 0;
}

/* GET /status from 127.0.0.1, waiting 10 s at most (dpt_http waits a minute, longer than the
 * old 30 s timeout that eventually freed the endpoint): the status code or -1. */
static int quick_status(int port)
{
	static const char req[] =
	    "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer " DPT_TOKEN "\r\nConnection: close\r\n\r\n";
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {10, 0};
	char buf[256];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), code = -1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1 &&
	    (n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
			code = -1;
	}
	close(fd);
	return code;
}

/* Before: 40 such connections made /status unreachable for everyone until they gave up. */
static void test_item5_admin_slow_sockets(void **state)
{
	static const char partial[] = "GET /status HTTP/1.1\r\nHost: slow\r\n";
	int fds[SLOW_SOCKETS], opened = 0, left = 0;
	json_t *status;

	(void)state;
	for (int i = 0; i < SLOW_SOCKETS; i++) {
		fds[i] = slow_socket("127.0.0.2", fx.p.admin_port);
		opened += fds[i] >= 0;
	}
	assert_true(opened > SLOW_SOCKETS / 2);
	for (int i = 0; i < SLOW_SOCKETS; i++)
		if (fds[i] >= 0)
			slow_send(fds[i], partial);
	assert_int_equal(quick_status(fx.p.admin_port), 200);
	status = dpt_status(&fx.p);
	assert_non_null(status);
	assert_non_null(json_object_get(status, "servers"));
	json_decref(status);
	for (int i = 0; i < SLOW_SOCKETS; i++) {
		if (fds[i] < 0)
			continue;
		if (!closed_by_server(fds[i], left ? 0 : 15000))
			left++;
		close(fds[i]);
	}
	assert_int_equal(left, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_item5_admin_slow_sockets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
