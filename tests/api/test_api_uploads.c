/* The memory that files being uploaded hold in panel-api (api.upload_memory_mb in all,
 * api.member_upload_memory_mb for one account; papi_uploads.c), against a real daemon: bytes
 * are counted as they arrive, a MiB at a time; a member whose other uploads hold its share is
 * answered 429 before its body is read, and so is an admin acting as it; another member's
 * upload that passes the daemon's total is 503 uploads_busy at its end, and what it held is
 * given back as soon as it is refused; an upload alone passes a limit smaller than itself; what
 * a request held is given back when it has run or is cut (the metrics' gauge); a refused
 * upload writes nothing; a body that takes longer than api.upload_timeout is cut, and so is one
 * that brings less than api.upload_min_rate in a window of api.upload_rate_window, while a
 * slow upload that keeps the rate completes. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <cmocka.h>

#include "api_support.h"

#define MIB (1L << 20)

static api_server srv;
static char root[] = "/tmp/papi-uploads-XXXXXX";
static char tok_a[PANEL_TOKEN_MAX], tok_b[PANEL_TOKEN_MAX];

static void member(const char *login, char *token)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"login\": \"%s\", \"password\": \"Upload-pass-4242\", \"mail\": "
		 "\"%s@example.net\"}",
		 login, login);
	assert_api_request(&srv, "POST", "/api/v1/accounts", srv.admin_token, body, NULL, 201);
	assert_int_equal(api_login(&srv, login, "Upload-pass-4242", token, PANEL_TOKEN_MAX, NULL),
			 200);
}

static int setup(void **state)
{
	char conf[PATH_MAX + 256], cmd[2 * PATH_MAX + 64];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	/* 3 MiB in all, 2 for one account, files of up to 4 MiB, sent within 4 s at 16 KiB/s at
	 * least over each second. */
	snprintf(conf, sizeof(conf),
		 "upload_memory_mb = 3\nmember_upload_memory_mb = 2\nupload_timeout = 4\n"
		 "upload_min_rate = 16\nupload_rate_window = 1\n\n"
		 "[hosting]\nroot = %s\n\n[files]\nupload_max_size = 4194304\n",
		 root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/html/u/upa' '%s/html/u/upb'", root, root);
	if (system(cmd) != 0)
		return -1;
	return api_group_start(&srv, conf);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return api_stop(&srv) == 0 && system(cmd) == 0 ? 0 : -1;
}

static int dial(void)
{
	struct sockaddr_in peer = {.sin_family = AF_INET};
	struct timeval tv = {20, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons((uint16_t)srv.port);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends len bytes of 'x' (chunked: as chunks of 64 KiB); stops quietly when the daemon closes. */
static void send_body(int fd, long len, int chunked)
{
	static char block[64 * 1024];
	long sent = 0;

	memset(block, 'x', sizeof(block));
	while (sent < len) {
		size_t n =
		    (size_t)(len - sent) < sizeof(block) ? (size_t)(len - sent) : sizeof(block);
		char head[32];
		if (chunked) {
			int h = snprintf(head, sizeof(head), "%zx\r\n", n);
			if (send(fd, head, (size_t)h, MSG_NOSIGNAL) != h)
				return;
		}
		if (send(fd, block, n, MSG_NOSIGNAL) != (ssize_t)n)
			return;
		if (chunked && send(fd, "\r\n", 2, MSG_NOSIGNAL) != 2)
			return;
		sent += (long)n;
	}
}

/* Opens an upload of size bytes (-1: chunked) to login's file path as token, with one more
 * header line (or NULL), and sends sent bytes of its body. The socket, or -1. */
static int start_upload(const char *token, const char *login, const char *path, long size,
			const char *header, long sent)
{
	char head[2048], length[64];
	int fd = dial(), n;

	if (fd < 0)
		return -1;
	if (size >= 0)
		snprintf(length, sizeof(length), "Content-Length: %ld", size);
	else
		snprintf(length, sizeof(length), "Transfer-Encoding: chunked");
	n = snprintf(head, sizeof(head),
		     "PUT /api/v1/accounts/%s/files/upload?path=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		     "Authorization: Bearer %s\r\n%s%sContent-Type: application/octet-stream\r\n"
		     "%s\r\nConnection: close\r\n\r\n",
		     login, path, token, header ? header : "", header ? "\r\n" : "", length);
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return -1;
	}
	send_body(fd, sent, size < 0);
	return fd;
}

struct answer {
	long status;
	char code[64];
	int retry_after;
};

/* Reads the daemon's answer on fd (then closes it). */
static struct answer read_answer(int fd)
{
	static char buf[64 * 1024];
	struct answer a = {-1, "", 0};
	size_t len = 0;
	ssize_t n;
	const char *body, *ra;

	while (len < sizeof(buf) - 1 && (n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.1 %ld", &a.status);
	if ((ra = strstr(buf, "\r\nRetry-After: ")))
		a.retry_after = atoi(ra + strlen("\r\nRetry-After: "));
	if ((body = strstr(buf, "\r\n\r\n"))) {
		json_t *j = json_loads(body + 4, 0, NULL);
		json_t *e = json_object_get(json_object_get(j, "error"), "code");
		if (json_is_string(e))
			snprintf(a.code, sizeof(a.code), "%s", json_string_value(e));
		json_decref(j);
	}
	return a;
}

/* A whole upload of size bytes (-size bytes, chunked, when negative); its answer. */
static struct answer upload(const char *token, const char *login, const char *path, long size,
			    const char *header)
{
	long len = size < 0 ? -size : size;
	int fd = start_upload(token, login, path, size < 0 ? -1 : size, header, len);

	if (fd < 0)
		return (struct answer){-1, "", 0};
	if (size < 0)
		send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
	return read_answer(fd);
}

/* panel_api_upload_bytes_held, from the metrics. */
static long long held(void)
{
	api_resp r;
	long long v = -1;
	const char *line;

	api_request(&r, &srv, "GET", "/metrics", srv.admin_token, NULL, NULL);
	if (r.body && (line = strstr(r.body, "\npanel_api_upload_bytes_held ")))
		v = atoll(line + strlen("\npanel_api_upload_bytes_held "));
	api_resp_free(&r);
	return v;
}

/* Waits up to 5 s for the gauge to read want. */
static long long held_becomes(long long want)
{
	long long v = held();

	for (int i = 0; i < 100 && v != want; i++) {
		api_sleep_ms(50);
		v = held();
	}
	return v;
}

static int file_exists(const char *login, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/html/u/%s/%s", root, login, name);
	return access(path, F_OK) == 0;
}

static void assert_refused(struct answer a, long status, const char *code)
{
	assert_int_equal(a.status, status);
	assert_string_equal(a.code, code);
	assert_int_equal(a.retry_after, 5);
}

static void test_upload_memory_limits(void **state)
{
	static const char *const as_a = "X-Panel-Act-As: upa";
	struct answer a;
	int fd, fd2;

	(void)state;
	member("upa", tok_a);
	member("upb", tok_b);
	assert_int_equal(held(), 0);
	/* upa's upload of a declared 3 MiB, 2 MiB of it sent: 2 MiB counted (its share). */
	fd = start_upload(tok_a, "upa", "held", 3 * MIB, NULL, 2 * MIB - 1);
	assert_true(fd >= 0);
	assert_int_equal(held_becomes(2 * MIB), 2 * MIB);
	/* Its share has no room for another MiB: 429 before any of the body is read. */
	a = upload(tok_a, "upa", "second", MIB, NULL);
	assert_refused(a, 429, "rate_limited");
	/* An admin acting as upa draws from upa's share. */
	a = upload(srv.admin_token, "upa", "third", MIB, as_a);
	assert_refused(a, 429, "rate_limited");
	/* Another member is held by the daemon's total (3 MiB), not by upa's share: its first MiB
	 * fits, its second does not: refused, the rest dropped, answered at its end. */
	a = upload(tok_b, "upb", "big", 2 * MIB, NULL);
	assert_refused(a, 503, "uploads_busy");
	a = upload(tok_b, "upb", "small", MIB, NULL);
	assert_int_equal(a.status, 201);
	a = upload(tok_b, "upb", "chunked", -2 * MIB, NULL);
	assert_refused(a, 503, "uploads_busy");
	/* A refused upload gives back what it held as soon as it is refused: its client, still
	 * sending, holds nothing. */
	fd2 = start_upload(tok_b, "upb", "chunked2", -1, NULL, 2 * MIB);
	assert_true(fd2 >= 0);
	assert_int_equal(held_becomes(2 * MIB), 2 * MIB);
	send(fd2, "0\r\n\r\n", 5, MSG_NOSIGNAL);
	assert_refused(read_answer(fd2), 503, "uploads_busy");
	assert_false(file_exists("upb", "big"));
	assert_false(file_exists("upb", "chunked"));
	assert_true(file_exists("upb", "small"));
	/* Cut off: what it held is given back, and nothing was written. */
	close(fd);
	assert_int_equal(held_becomes(0), 0);
	assert_false(file_exists("upa", "held"));
	/* Alone, an upload larger than the account's share and the daemon's total passes. */
	a = upload(tok_a, "upa", "alone", 4 * MIB, NULL);
	assert_int_equal(a.status, 201);
	a = upload(tok_b, "upb", "chunked", -2 * MIB, NULL);
	assert_int_equal(a.status, 201);
	assert_true(file_exists("upa", "alone"));
	assert_true(file_exists("upb", "chunked"));
	assert_int_equal(held_becomes(0), 0);
}

/* A refused upload's connection takes no room: many of them leave the gauge as it was; the
 * one that holds the share completes, and what it held is free once it has run. */
static void test_refusals_hold_nothing(void **state)
{
	int fd, fds[8];

	(void)state;
	fd = start_upload(tok_a, "upa", "held2", 3 * MIB, NULL, 2 * MIB - 1);
	assert_true(fd >= 0);
	assert_int_equal(held_becomes(2 * MIB), 2 * MIB);
	for (int i = 0; i < 8; i++)
		fds[i] = start_upload(tok_a, "upa", "more", 2 * MIB, NULL, 0);
	for (int i = 0; i < 8; i++) {
		assert_true(fds[i] >= 0);
		assert_refused(read_answer(fds[i]), 429, "rate_limited");
	}
	assert_int_equal(held(), 2 * MIB);
	send_body(fd, MIB + 1, 0);
	assert_int_equal(read_answer(fd).status, 201);
	assert_true(file_exists("upa", "held2"));
	assert_int_equal(held_becomes(0), 0);
}

/* The connection fd was closed by the daemon, with no answer (not a time-out of ours). */
static void assert_cut(int fd)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	assert_true(n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK));
	close(fd);
}

/* A body that keeps the rate but never ends: cut once api.upload_timeout (4 s here) has
 * passed, and what it held given back. */
static void test_slow_body_is_cut(void **state)
{
	int fd;

	(void)state;
	fd = start_upload(tok_a, "upa", "slow", 2 * MIB, NULL, 100);
	assert_true(fd >= 0);
	assert_int_equal(held_becomes(MIB), MIB);
	for (int i = 0; i < 14; i++) { /* 200 KiB a second: 1.4 MiB at most, of 2 */
		send_body(fd, 100 * 1024, 0);
		api_sleep_ms(500);
	}
	assert_cut(fd);
	assert_true(api_log_wait(&srv, "upload cut after 4 s (upload_timeout)", 5000));
	assert_int_equal(held_becomes(0), 0);
	assert_false(file_exists("upa", "slow"));
}

/* Half a file at once, then a byte now and then, to keep the account's share of the memory
 * busy: cut at the end of the first window of api.upload_rate_window (1 s) that brought less
 * than api.upload_min_rate, long before the time-out, and what it held given back. */
static void test_trickle_is_cut(void **state)
{
	int fd;

	(void)state;
	fd = start_upload(tok_b, "upb", "trickle", MIB, NULL, MIB / 2);
	assert_true(fd >= 0);
	assert_int_equal(held_becomes(MIB), MIB);
	for (int i = 0; i < 20 && send(fd, "x", 1, MSG_NOSIGNAL) == 1; i++)
		api_sleep_ms(300);
	assert_cut(fd);
	assert_true(api_log_wait(&srv, "(upload_min_rate 16 KiB/s)", 5000));
	assert_int_equal(held_becomes(0), 0);
	assert_false(file_exists("upb", "trickle"));
}

/* A chunked file far past upload_max_size (4 MiB here): dropped up to a MiB past it, then its
 * connection is closed (before, it was read to its end, however long); what it held given
 * back. Just past the limit, still a 413. */
static void test_endless_chunked_body_is_cut(void **state)
{
	int fd;

	(void)state;
	fd = start_upload(tok_a, "upa", "endless", -1, NULL, 0);
	assert_true(fd >= 0);
	send_body(fd, 64 * MIB, 1); /* stops when the daemon closes */
	assert_cut(fd);
	assert_true(api_log_wait(&srv, "upload cut after", 5000));
	assert_int_equal(held_becomes(0), 0);
	assert_false(file_exists("upa", "endless"));
	assert_int_equal(upload(tok_a, "upa", "big", -(4 * MIB + 100 * 1024), NULL).status, 413);
	assert_int_equal(held_becomes(0), 0);
}

/* A slow upload that keeps the rate (400 KiB/s) across windows completes, whole. */
static void test_steady_slow_upload_passes(void **state)
{
	char path[PATH_MAX + 64];
	struct stat st;
	int fd;

	(void)state;
	fd = start_upload(tok_b, "upb", "steady", 1000 * 1024, NULL, 100 * 1024);
	assert_true(fd >= 0);
	for (int i = 0; i < 9; i++) {
		api_sleep_ms(250);
		send_body(fd, 100 * 1024, 0);
	}
	assert_int_equal(read_answer(fd).status, 201);
	snprintf(path, sizeof(path), "%s/html/u/upb/steady", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1000 * 1024);
	assert_int_equal(held_becomes(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_upload_memory_limits),
	    cmocka_unit_test(test_refusals_hold_nothing),
	    cmocka_unit_test(test_slow_body_is_cut),
	    cmocka_unit_test(test_trickle_is_cut),
	    cmocka_unit_test(test_steady_slow_upload_passes),
	    cmocka_unit_test(test_endless_chunked_body_is_cut),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
