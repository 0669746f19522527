/* dbproxy against a hostile server, or whoever answers on a server's address: a fake MariaDB
 * server greets dbproxy's monitoring connection with mysql_native_password, then asks it to
 * switch to mysql_clear_password (and, on the next connection, to dialog). dbproxy must never
 * send its monitoring password in clear. No MariaDB server is needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <poll.h>

#include <cmocka.h>

#include "dpt.h"

#define FAKE_TRIES 4

typedef struct fake_server {
	int lfd, port;
	atomic_int logins;   /* handshake responses read */
	atomic_int answered; /* answers to the switch read */
	atomic_int leaked;   /* answers holding the password */
	atomic_int stop;
} fake_server;

static int read_full(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 3000) <= 0)
			return -1;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* One packet into buf (at most size bytes): its length, or -1. */
static int read_packet(int fd, uint8_t *buf, size_t size, uint8_t *seq)
{
	uint8_t h[4];
	if (read_full(fd, h, 4) < 0)
		return -1;
	size_t n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
	if (n > size || read_full(fd, buf, n) < 0)
		return -1;
	*seq = h[3];
	return (int)n;
}

static void send_packet(int fd, uint8_t seq, const void *payload, size_t n)
{
	uint8_t out[512] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), seq};
	memcpy(out + 4, payload, n);
	if (write(fd, out, n + 4) != (ssize_t)(n + 4))
		return;
}

static int holds(const uint8_t *buf, size_t n, const char *what)
{
	size_t w = strlen(what);
	for (size_t i = 0; i + w <= n; i++)
		if (memcmp(buf + i, what, w) == 0)
			return 1;
	return 0;
}

/* A MariaDB 10.11-like greeting: protocol 10, 20-byte scramble, mysql_native_password. */
static size_t greeting(uint8_t *g)
{
	static const char version[] = "10.11.19-MariaDB";
	/* PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, MULTI_STATEMENTS/RESULTS, LONG_PASSWORD */
	uint32_t caps = 0x1u | 0x200u | 0x8000u | 0x10000u | 0x20000u | 0x80000u;
	size_t n = 0;
	g[n++] = 10;
	memcpy(g + n, version, sizeof(version));
	n += sizeof(version);
	memcpy(g + n, "\x07\0\0\0", 4); /* connection id */
	n += 4;
	memcpy(g + n, "abcdefgh", 8);
	n += 8;
	g[n++] = 0;
	g[n++] = (uint8_t)caps;
	g[n++] = (uint8_t)(caps >> 8);
	g[n++] = 45; /* utf8mb4 */
	g[n++] = 2;  /* SERVER_STATUS_AUTOCOMMIT */
	g[n++] = 0;
	g[n++] = (uint8_t)(caps >> 16);
	g[n++] = (uint8_t)(caps >> 24);
	g[n++] = 21;
	memset(g + n, 0, 10);
	n += 10;
	memcpy(g + n, "ijklmnopqrst", 13); /* the scramble's second part and its NUL */
	n += 13;
	memcpy(g + n, "mysql_native_password", 22);
	return n + 22;
}

static void *fake_server_run(void *arg)
{
	fake_server *f = arg;
	static const char *const plugins[] = {"mysql_clear_password", "dialog"};
	uint8_t buf[4096], g[128];
	size_t glen = greeting(g);
	for (int i = 0; i < FAKE_TRIES && !atomic_load(&f->stop); i++) {
		struct pollfd p = {.fd = f->lfd, .events = POLLIN};
		uint8_t seq, sw[64];
		int n, fd;
		if (poll(&p, 1, 200) <= 0) {
			i--;
			continue;
		}
		if ((fd = accept(f->lfd, NULL, NULL)) < 0)
			continue;
		send_packet(fd, 0, g, glen);
		if (read_packet(fd, buf, sizeof(buf), &seq) >= 32) {
			const char *plugin = plugins[i % 2];
			size_t pl = strlen(plugin) + 1;
			atomic_fetch_add(&f->logins, 1);
			sw[0] = 0xFE;
			memcpy(sw + 1, plugin, pl);
			send_packet(fd, (uint8_t)(seq + 1), sw, 1 + pl);
			if ((n = read_packet(fd, buf, sizeof(buf), &seq)) >= 0) {
				atomic_fetch_add(&f->answered, 1);
				if (holds(buf, (size_t)n, DPT_MON_PASS))
					atomic_fetch_add(&f->leaked, 1);
			}
		}
		close(fd);
	}
	return NULL;
}

static int fake_server_listen(fake_server *f)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		f->port = dpt_free_port();
		a.sin_port = htons((uint16_t)f->port);
		f->lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (f->lfd < 0)
			return -1;
		if (bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(f->lfd, 8) == 0)
			return 0;
		close(f->lfd);
	}
	return -1;
}

/* The monitoring connection is asked for mysql_clear_password, then dialog: the password
 * never reaches the fake server. */
static void test_monitor_never_sends_password_in_clear(void **state)
{
	(void)state;
	static fake_server f;
	char dir[] = "/tmp/dpt-hostile-server-XXXXXX", mon[PATH_MAX], repl[PATH_MAX], tok[PATH_MAX],
	     bin[PATH_MAX], server[64], listen_at[32], admin[32];
	dpt_proxy p = {0};
	pthread_t th;

	assert_non_null(mkdtemp(dir));
	snprintf(mon, sizeof(mon), "%s/mon.pw", dir);
	snprintf(repl, sizeof(repl), "%s/repl.pw", dir);
	snprintf(tok, sizeof(tok), "%s/admin.token", dir);
	snprintf(p.log, sizeof(p.log), "%s/dbproxy.log", dir);
	assert_int_equal(dpt_write_file(mon, DPT_MON_PASS), 0);
	assert_int_equal(dpt_write_file(repl, "repl-secret"), 0);
	assert_int_equal(dpt_write_file(tok, DPT_TOKEN), 0);
	assert_int_equal(dpt_binary(bin, sizeof(bin)), 0);
	assert_int_equal(fake_server_listen(&f), 0);
	snprintf(server, sizeof(server), "fake=127.0.0.1:%d", f.port);
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", dpt_free_port());
	snprintf(admin, sizeof(admin), "127.0.0.1:%d", dpt_free_port());
	char *const argv[] = {bin,	    "--listen",
			      listen_at,    "--server",
			      server,	    "--monitor-user",
			      DPT_MON_USER, "--monitor-password-file",
			      mon,	    "--replication-user",
			      "repl",	    "--replication-password-file",
			      repl,	    "--admin",
			      admin,	    "--admin-token-file",
			      tok,	    NULL};
	assert_int_equal(pthread_create(&th, NULL, fake_server_run, &f), 0);
	assert_int_equal(dpt_proxy_spawn(&p, argv), 0);
	/* Its probes reconnect every probe interval: a few tries within seconds. */
	uint64_t deadline = dpt_ms() + 8000;
	while (atomic_load(&f.logins) < FAKE_TRIES && dpt_ms() < deadline)
		dpt_sleep_ms(50);
	atomic_store(&f.stop, 1);
	pthread_join(th, NULL);
	close(f.lfd);
	dpt_proxy_stop(&p);
	dpt_log("fake server: %d logins, %d answers to the switch, %d with the password",
		atomic_load(&f.logins), atomic_load(&f.answered), atomic_load(&f.leaked));
	assert_true(atomic_load(&f.logins) >= 2); /* both plugins were asked for */
	assert_int_equal(atomic_load(&f.leaked), 0);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		dpt_log("could not remove %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_monitor_never_sends_password_in_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
