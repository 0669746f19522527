/* dbproxy against malformed and hostile clients: garbage before the handshake, huge length
 * headers, half-open and reset connections, a client that never reads, 10,000 connections
 * that never speak, a flood of them that must not keep others from logging in, and admin
 * requests sent a byte at a time. The proxy must neither crash nor block: a normal client
 * keeps working. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "dpt.h"

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	int ok;
} fixture;

static fixture F;

static int setup(void **state)
{
	/* max_handshakes past max_clients: the silent connections fill max_clients and the
	 * refusal past it is tested; test_silent_flood_closes_the_oldest has a proxy of its own
	 * with the default behaviour. */
	static const char *const extra[] = {"--max-clients",
					    "1000",
					    "--max-handshakes",
					    "100000",
					    "--handshake-timeout-ms",
					    "1500",
					    "--client-wait-ms",
					    "3000",
					    "--log-level",
					    "warn",
					    NULL};
	th_options opts = {.replicas = 0};
	struct rlimit rl;
	/* 10,000 client sockets in this process. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (th_cluster_start(&F.c, &opts) < 0)
		return -1;
	if (dpt_setup_users(F.c) < 0 || dpt_proxy_start(&F.p, F.c, extra) < 0) {
		th_cluster_free(F.c);
		return -1;
	}
	*state = &F;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (!f)
		return 0; /* the setup failed and cleaned up (cmocka runs the teardown anyway) */
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0 || !f->ok) {
		fprintf(stderr, "dbproxy exit status %d; its log:\n", rc);
		dpt_proxy_dump_log(&f->p, 60);
	}
	th_cluster_free(f->c);
	return rc == 0 ? 0 : -1;
}

static int raw_connect(const dpt_proxy *p)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)p->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one MySQL packet (header + payload into buf). Payload length, or -1. */
static long read_packet(int fd, unsigned char *buf, size_t size)
{
	unsigned char h[4];
	size_t got = 0;
	while (got < 4) {
		ssize_t n = read(fd, h + got, 4 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
	if (len > size)
		return -1;
	for (got = 0; got < len;) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return (long)len;
}

/* Waits for the peer to close (read returns 0 or an error) within the socket timeout. */
static int drains_to_eof(int fd)
{
	char buf[4096];
	for (int i = 0; i < 100000; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return n == 0 || errno == ECONNRESET;
		if (n < 0)
			return 0; /* timed out */
	}
	return 0;
}

static int proxy_alive(const dpt_proxy *p)
{
	int st;
	return waitpid(p->pid, &st, WNOHANG) == 0;
}

static int legit_query(void *arg)
{
	const dpt_proxy *p = arg;
	MYSQL *m = dpt_connect(p, 10);
	int ok = 0;
	if (!m)
		return 0;
	if (mysql_query(m, "SELECT 40 + 2") == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		ok = row && strcmp(row[0], "42") == 0;
		mysql_free_result(r);
	}
	mysql_close(m);
	return ok;
}

static void still_serving(fixture *f)
{
	assert_true(proxy_alive(&f->p));
	assert_true(dpt_until(20000, legit_query, &f->p));
	json_t *st = dpt_status(&f->p);
	assert_non_null(st);
	json_decref(st);
}

static void test_garbage_before_handshake(void **state)
{
	fixture *f = *state;
	unsigned char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7919 + 13);
	for (int k = 0; k < 100; k++) {
		int fd = raw_connect(&f->p);
		assert_true(fd >= 0);
		/* Speaks first, with nonsense, and closes at once half the time. */
		ssize_t n = send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
		(void)n;
		if (k % 2)
			assert_true(drains_to_eof(fd));
		close(fd);
	}
	still_serving(f);
}

static void test_huge_length_headers(void **state)
{
	fixture *f = *state;
	unsigned char pkt[1 << 16];
	static unsigned char junk[1 << 16];

	/* In the handshake: the greeting, then a 16 MiB header with a little data, then closed. */
	int fd = raw_connect(&f->p);
	assert_true(fd >= 0);
	assert_true(read_packet(fd, pkt, sizeof(pkt)) > 0);
	unsigned char hdr[4] = {0xff, 0xff, 0xff, 0x01};
	assert_int_equal(send(fd, hdr, 4, MSG_NOSIGNAL), 4);
	assert_int_equal(send(fd, junk, sizeof(junk), MSG_NOSIGNAL), (ssize_t)sizeof(junk));
	close(fd);

	/* After login: a stream of 16 MiB chunks, 48 MiB in all (beyond max_allowed_packet);
	 * the server gives up on it, the proxy must only relay and apply backpressure. */
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	fd = (int)mysql_get_socket(m);
	hdr[3] = 0;
	size_t sent = 0;
	for (int chunk = 0; chunk < 3; chunk++) {
		hdr[3] = (unsigned char)chunk;
		if (send(fd, hdr, 4, MSG_NOSIGNAL) != 4)
			break;
		size_t left = 0xFFFFFF;
		while (left > 0) {
			size_t n = left < sizeof(junk) ? left : sizeof(junk);
			ssize_t w = send(fd, junk, n, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			left -= (size_t)w;
			sent += (size_t)w;
		}
		if (left > 0)
			break;
	}
	dpt_log("sent %zu bytes of oversized packets before the connection ended", sent);
	mysql_close(m);

	/* A header announcing 16 MiB and nothing after it, left hanging. */
	m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_int_equal(send((int)mysql_get_socket(m), hdr, 4, MSG_NOSIGNAL), 4);
	still_serving(f);
	mysql_close(m);
}

static void test_half_open_and_reset(void **state)
{
	fixture *f = *state;
	unsigned char pkt[4096];
	for (int k = 0; k < 50; k++) {
		int fd = raw_connect(&f->p);
		assert_true(fd >= 0);
		assert_true(read_packet(fd, pkt, sizeof(pkt)) > 0);
		shutdown(fd, SHUT_WR); /* half-closed: the proxy must end the session */
		assert_true(drains_to_eof(fd));
		close(fd);
	}
	for (int k = 0; k < 300; k++) {
		int fd = raw_connect(&f->p);
		struct linger lg = {1, 0};
		assert_true(fd >= 0);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd); /* RST right after connecting */
	}
	still_serving(f);
}

static long long sessions_total(const fixture *f)
{
	json_t *st = dpt_status(&f->p);
	long long n =
	    st ? json_integer_value(json_object_get(json_object_get(st, "sessions"), "total")) : -1;
	json_decref(st);
	return n;
}

struct sessions_back {
	const fixture *f;
	long long want;
};

static int sessions_are(void *arg)
{
	struct sessions_back *b = arg;
	return sessions_total(b->f) == b->want;
}

/* A client that resets its connection while what it sent waits behind a long statement (the
 * server reads it only when the statement ends): its session ends at once, the statement still
 * running. Before, the reset was reported at every pass of the loop with nothing to do, and
 * a core spun until the statement ended (the client chose how long). */
static void test_reset_behind_a_long_statement(void **state)
{
	fixture *f = *state;
	static char junk[1 << 16];
	struct sessions_back back = {f, sessions_total(f)};
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_true(back.want >= 0);
	const char *q = "SELECT SLEEP(30)";
	assert_int_equal(mysql_send_query(m, q, (unsigned long)strlen(q)), 0);
	int fd = (int)mysql_get_socket(m);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	memset(junk, 'q', sizeof(junk));
	size_t queued = 0;
	for (;;) { /* until the kernel and dbproxy hold all they will */
		ssize_t w = write(fd, junk, sizeof(junk));
		if (w > 0) {
			queued += (size_t)w;
			continue;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		if (w < 0 && errno == EAGAIN && poll(&pfd, 1, 300) == 1)
			continue;
		break;
	}
	dpt_log("%zu bytes queued behind the statement", queued);
	struct linger lg = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);			       /* RST */
	int nul = open("/dev/null", O_WRONLY); /* for mysql_close's COM_QUIT */
	assert_true(nul >= 0);
	if (nul != fd) {
		dup2(nul, fd);
		close(nul);
	}
	mysql_close(m);
	assert_true(dpt_until(5000, sessions_are, &back));
	still_serving(f);
}

/* The server's side of the same: a result the client does not read, and the server's
 * connection killed meanwhile (by the member itself, from another session), a statement
 * unread behind it. The session is lost as when the server closes; dbproxy does not spin on
 * the dead socket (it did, until the client was found dead after client_dead_ms). */
static void test_server_connection_killed_under_an_unread_result(void **state)
{
	fixture *f = *state;
	char kill_sql[64];
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	snprintf(kill_sql, sizeof(kill_sql), "KILL %lu", mysql_thread_id(m));
	const char *q = "SELECT REPEAT('x', 1000000) FROM seq_1_to_100";
	assert_int_equal(mysql_send_query(m, q, (unsigned long)strlen(q)), 0);
	/* A second statement behind it, unread by the server: its close is then a reset. */
	static const unsigned char next[] = {9, 0, 0, 0, 3, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1'};
	assert_int_equal(write((int)mysql_get_socket(m), next, sizeof(next)),
			 (ssize_t)sizeof(next));
	dpt_sleep_ms(500);
	MYSQL *k = dpt_connect(&f->p, 10);
	assert_non_null(k);
	assert_int_equal(mysql_query(k, kill_sql), 0);
	mysql_close(k);
	double used = dpt_cpu_used(f->p.pid, 2000);
	dpt_log("dbproxy used %.2f s of CPU in 2 s after the kill", used);
	assert_true(used >= 0 && used < 0.5);
	mysql_close(m);
	still_serving(f);
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *fp = fopen(path, "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (fp)
		fclose(fp);
	return kib;
}

static void test_client_that_never_reads(void **state)
{
	fixture *f = *state;
	long before = rss_kib(f->p.pid);
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	/* About 100 MB of result that this client never reads. */
	const char *q = "SELECT REPEAT('x', 1000000) FROM seq_1_to_100";
	assert_int_equal(mysql_send_query(m, q, (unsigned long)strlen(q)), 0);
	dpt_sleep_ms(1000);
	still_serving(f);
	long after = rss_kib(f->p.pid);
	dpt_log("dbproxy RSS %ld KiB before, %ld KiB with a stalled 100 MB result", before, after);
	/* Bounded buffers: the result waits in the server and the kernel, not in dbproxy. */
	assert_true(after - before < 32 * 1024);
	mysql_close(m);
}

/* Opens n TCP connections to p that never send a byte (non-blocking connects), checking every
 * 500 that the proxy is still alive; the count. Slots not opened hold -1. */
static int open_silent(const dpt_proxy *p, int *fds, int n)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)p->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int opened = 0;
	for (int i = 0; i < n; i++)
		fds[i] = -1;
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0)
			break;
		if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
			/* The backlog is full for a moment: wait and go on. */
			close(fds[i]);
			fds[i] = -1;
			dpt_sleep_ms(2);
			continue;
		}
		opened++;
		if (i % 500 == 499)
			assert_true(proxy_alive(p));
	}
	return opened;
}

static void test_ten_thousand_silent_connections(void **state)
{
	fixture *f = *state;
	enum { N = 10000 };
	static int fds[N];
	uint64_t t0 = dpt_ms();
	int opened = open_silent(&f->p, fds, N);
	dpt_log("%d silent connections opened in %llu ms", opened,
		(unsigned long long)(dpt_ms() - t0));
	assert_true(opened > N / 2);
	/* The admin endpoint answers meanwhile: the loop is not blocked. */
	json_t *st = dpt_status(&f->p);
	assert_non_null(st);
	dpt_log("dbproxy holds %lld sessions, RSS %ld KiB",
		(long long)json_integer_value(
		    json_object_get(json_object_get(st, "sessions"), "total")),
		rss_kib(f->p.pid));
	json_decref(st);

	/* Those past max_clients were refused cleanly: an ERR packet (1040), not a dropped socket.
	 * Any of them: which ones dbproxy accepted while it was full depends on the machine's load
	 * (the kernel's accept queue overflows, the last connects are only retried after a second,
	 * when the first sessions' handshake timeout has made room), so all of them are watched at
	 * once rather than only the last few. */
	static struct pollfd pfs[N];
	int npfs = 0, found_1040 = 0;
	for (int i = 1000; i < N; i++)
		if (fds[i] >= 0)
			pfs[npfs++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	uint64_t deadline = dpt_ms() + 5000;
	while (!found_1040 && dpt_ms() < deadline &&
	       poll(pfs, (nfds_t)npfs, (int)(deadline - dpt_ms())) > 0) {
		for (int i = 0; i < npfs && !found_1040; i++) {
			unsigned char buf[256];
			if (pfs[i].fd < 0 || !(pfs[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pfs[i].fd, buf, sizeof(buf));
			if (n >= 7 && buf[4] == 0xff && buf[5] == (1040 & 0xff) &&
			    buf[6] == (1040 >> 8))
				found_1040 = 1;
			pfs[i].fd =
			    -1; /* read once: a greeting or an end is not what is looked for */
		}
	}
	assert_true(found_1040);
	for (int i = 0; i < N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	still_serving(f);
	f->ok = 1;
}

typedef struct flood_seen {
	const dpt_proxy *p;
	long long want;
} flood_seen;

static int accepted_at_least(void *arg)
{
	const flood_seen *w = arg;
	return dpt_counter(w->p, "accepted") >= w->want;
}

/* A member's script opens connections and never logs in. Each would hold one of the server's
 * connections and one of max_clients until the handshake timeout (10 s), so enough of them
 * kept everyone else out. Past max_handshakes logins in progress, each new client now closes
 * the oldest: a client that logs in at once gets in while the flood is still held, sessions
 * already logged in are never closed, and the server sees at most max_handshakes of the
 * flood's connections. */
static void test_silent_flood_closes_the_oldest(void **state)
{
	fixture *f = *state;
	enum { N = 1500, MAX_CLIENTS = 300, MAX_HANDSHAKES = 16 };
	static int fds[N];
	static const char *const extra[] = {"--max-clients",
					    "300",
					    "--max-handshakes",
					    "16",
					    "--handshake-timeout-ms",
					    "10000",
					    "--log-level",
					    "warn",
					    NULL};
	dpt_proxy p2;
	assert_int_equal(dpt_proxy_start(&p2, f->c, extra), 0);
	MYSQL *before = dpt_connect(&p2, 10);
	assert_non_null(before);
	long long threads_before = dpt_number(
	    f->c, 0,
	    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
	    "'THREADS_CONNECTED'");

	int opened = open_silent(&p2, fds, N);
	assert_true(opened > MAX_CLIENTS * 2);
	/* Every one of them was accepted (none refused for max_clients) ... */
	flood_seen all = {&p2, (long long)opened + 1};
	assert_true(dpt_until(20000, accepted_at_least, &all));
	assert_int_equal(dpt_counter(&p2, "refused_full"), 0);
	/* ... and all but the last max_handshakes were closed to make room. */
	assert_true(dpt_counter(&p2, "handshakes_evicted") >= opened - MAX_HANDSHAKES);
	json_t *st = dpt_status(&p2);
	assert_non_null(st);
	long long logging_in =
	    json_integer_value(json_object_get(json_object_get(st, "sessions"), "logging_in"));
	json_decref(st);
	assert_true(logging_in <= MAX_HANDSHAKES);
	long long threads_during = dpt_number(
	    f->c, 0,
	    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
	    "'THREADS_CONNECTED'");
	dpt_log("flood of %d: %lld evicted, %lld logging in, server threads %lld -> %lld", opened,
		dpt_counter(&p2, "handshakes_evicted"), logging_in, threads_before, threads_during);
	assert_true(threads_during <= threads_before + MAX_HANDSHAKES + 2);

	/* The flood is still open: a client that logs in at once gets in, at its first try. */
	uint64_t t0 = dpt_ms();
	assert_true(legit_query(&p2));
	dpt_log("a new client logged in and answered in %llu ms during the flood",
		(unsigned long long)(dpt_ms() - t0));
	/* The session logged in before the flood was not touched. */
	assert_int_equal(dpt_query_number(before, "SELECT 7 * 6"), 42);
	mysql_close(before);

	for (int i = 0; i < N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	assert_int_equal(dpt_proxy_stop(&p2), 0);
	still_serving(f);
}

static int admin_connect(const dpt_proxy *p)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)p->admin_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void trickle(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		(void)!send(fds[i], "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* A local process (a member's script, where dbproxy runs on a web server) opens admin
 * connections and sends a header byte now and then. libmicrohttpd's timeout counts only
 * silence and every local process shares 127.0.0.1, so holding the eight connections an
 * address was allowed kept /status out of the operators' reach for as long as it went on.
 * Now past 8 requests still arriving a new connection closes the oldest, and a request must be
 * whole within 5 s. */
static void test_admin_trickle(void **state)
{
	fixture *f = *state;
	enum { HELD = 12 };
	int fds[HELD], closed = 0;
	for (int i = 0; i < HELD; i++) {
		fds[i] = admin_connect(&f->p);
		assert_true(fds[i] >= 0);
		assert_true(send(fds[i], "GET /status HTTP/1.1\r\nX-Slow: ", 30, MSG_NOSIGNAL) ==
			    30);
	}
	uint64_t t0 = dpt_ms();
	dpt_sleep_ms(1000);
	trickle(fds, HELD);
	/* The operators' status answers while the trickle goes on ... */
	json_t *st = dpt_status(&f->p);
	assert_non_null(st);
	json_decref(st);
	while (dpt_ms() - t0 < 7500) {
		dpt_sleep_ms(500);
		trickle(fds, HELD);
	}
	/* ... and none of the trickling connections is left after 5 s. */
	for (int i = 0; i < HELD; i++) {
		char c;
		struct pollfd pf = {.fd = fds[i], .events = POLLIN};
		if (poll(&pf, 1, 1000) == 1 && recv(fds[i], &c, 1, MSG_DONTWAIT) <= 0)
			closed++;
		close(fds[i]);
	}
	dpt_log("%d of %d trickling admin connections closed after 7.5 s", closed, HELD);
	assert_int_equal(closed, HELD);
}

/* Reads fd until the peer closes it or 3 s pass: the bytes read, NUL-ended (*closed: EOF
 * seen). */
static size_t read_until_closed(int fd, char *buf, size_t size, int *closed)
{
	size_t n = 0;
	uint64_t t0 = dpt_ms();
	*closed = 0;
	while (n + 1 < size && dpt_ms() - t0 < 3000) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, 200) != 1)
			continue;
		ssize_t r = recv(fd, buf + n, size - 1 - n, 0);
		if (r <= 0) {
			*closed = 1;
			break;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

/* A local process may not make the admin endpoint's single thread read a body (it read
 * gigabytes before the token check: none is used), nor pipeline the files that need no token
 * on a connection read slowly (thousands a connection kept the operators' /status out). */
static void test_admin_body_and_pipelining(void **state)
{
	fixture *f = *state;
	static char buf[1 << 20];
	int closed;

	/* A body announced: 413 from the headers alone, before a byte of it is sent. */
	int fd = admin_connect(&f->p);
	assert_true(fd >= 0);
	const char *big = "POST /switchover?to=s1 HTTP/1.1\r\nHost: x\r\n"
			  "Content-Length: 100000000\r\n\r\n";
	assert_true(send(fd, big, strlen(big), MSG_NOSIGNAL) == (ssize_t)strlen(big));
	read_until_closed(fd, buf, sizeof(buf), &closed);
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.1 413"));
	assert_true(closed); /* the body is not waited for */

	/* Two hundred pipelined requests for the page's script: one answer, then the end. */
	fd = admin_connect(&f->p);
	assert_true(fd >= 0);
	const char *one = "GET /ui.js HTTP/1.1\r\nHost: x\r\n\r\n";
	char *many = malloc(200 * strlen(one) + 1);
	assert_non_null(many);
	many[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(many, one);
	assert_true(send(fd, many, strlen(many), MSG_NOSIGNAL) == (ssize_t)strlen(many));
	free(many);
	read_until_closed(fd, buf, sizeof(buf), &closed);
	close(fd);
	int answers = 0;
	for (const char *at = buf; (at = strstr(at, "HTTP/1.1 200")); at++)
		answers++;
	dpt_log("200 pipelined GET /ui.js: %d answer(s), connection closed: %d", answers, closed);
	assert_int_equal(answers, 1);
	assert_true(closed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_garbage_before_handshake),
	    cmocka_unit_test(test_huge_length_headers),
	    cmocka_unit_test(test_half_open_and_reset),
	    cmocka_unit_test(test_reset_behind_a_long_statement),
	    cmocka_unit_test(test_server_connection_killed_under_an_unread_result),
	    cmocka_unit_test(test_client_that_never_reads),
	    cmocka_unit_test(test_ten_thousand_silent_connections),
	    cmocka_unit_test(test_silent_flood_closes_the_oldest),
	    cmocka_unit_test(test_admin_trickle),
	    cmocka_unit_test(test_admin_body_and_pipelining),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
