/* dbproxy operations: started from a configuration file alone, SIGHUP reloads it without
 * dropping clients (and refuses a broken file), the writer state file, and SIGTERM drains:
 * idle sessions end, a transaction in progress may finish, then the process exits cleanly. A
 * client that vanishes silently is dropped after client_dead_ms, its server session with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <netinet/tcp.h>

#include "dpt.h"

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	char conf[PATH_MAX + 32], state_file[PATH_MAX + 32], sock[PATH_MAX + 32], base[20000];
	int ok;
} fixture;

static fixture F;

static int write_conf(fixture *f, const char *extra)
{
	FILE *fp = fopen(f->conf, "w");
	if (!fp)
		return -1;
	fprintf(fp, "%s%s", f->base, extra ? extra : "");
	return fclose(fp);
}

static int setup(void **state)
{
	th_options opts = {.replicas = 1, .semisync = 1};
	fixture *f = &F;
	char bin[PATH_MAX], path[PATH_MAX + 64];
	if (th_cluster_start(&f->c, &opts) < 0)
		return -1;
	if (dpt_setup_users(f->c) < 0 || dpt_binary(bin, sizeof(bin)) < 0)
		goto fail;
	snprintf(f->conf, sizeof(f->conf), "%s/dbproxy.conf", f->c->dir);
	snprintf(f->state_file, sizeof(f->state_file), "%s/dbproxy.state", f->c->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/dbproxy.sock", f->c->dir);
	snprintf(path, sizeof(path), "%s/mon.pw", f->c->dir);
	dpt_write_file(path, DPT_MON_PASS);
	snprintf(path, sizeof(path), "%s/admin.token", f->c->dir);
	dpt_write_file(path, DPT_TOKEN);
	f->p.c = f->c;
	f->p.port = dpt_free_port();
	f->p.admin_port = dpt_free_port();
	snprintf(f->p.log, sizeof(f->p.log), "%.4000s/dbproxy.log", f->c->dir);
	snprintf(f->base, sizeof(f->base),
		 "# written by test_dbproxy_ops\n"
		 "listen = 127.0.0.1:%d\n"
		 "listen_socket = %.100s\n"
		 "server = s0=127.0.0.1:%d\n"
		 "server = s1=127.0.0.1:%d\n"
		 "monitor_user = " DPT_MON_USER "\n"
		 "monitor_password_file = %.1000s/mon.pw\n"
		 "admin = 127.0.0.1:%d\n"
		 "admin_token_file = %.1000s/admin.token\n"
		 "state_file = %.1000s\n"
		 "drain_timeout_ms = 20000\n",
		 f->p.port, f->sock, f->c->servers[0].port, f->c->servers[1].port, f->c->dir,
		 f->p.admin_port, f->c->dir, f->state_file);
	if (write_conf(f, NULL) < 0)
		goto fail;
	/* A link planted where the state file's new copy is written: never followed. */
	char tmp[PATH_MAX + 64], victim[PATH_MAX + 64];
	snprintf(tmp, sizeof(tmp), "%.4000s.tmp", f->state_file);
	snprintf(victim, sizeof(victim), "%.4000s/victim", f->c->dir);
	if (dpt_write_file(victim, "untouched") < 0 || symlink(victim, tmp) < 0)
		goto fail;
	char *argv[] = {bin, "--config", f->conf, NULL};
	if (dpt_proxy_launch(&f->p, argv) < 0)
		goto fail;
	*state = f;
	return 0;
fail:
	th_cluster_free(f->c);
	return -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0 || !f->ok) {
		fprintf(stderr, "dbproxy exit status %d; its log:\n", rc);
		dpt_proxy_dump_log(&f->p, 60);
	}
	th_cluster_free(f->c);
	return rc == 0 ? 0 : -1;
}

static int query_ok(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql) != 0)
		return 0;
	MYSQL_RES *r = mysql_store_result(m);
	mysql_free_result(r);
	return 1;
}

typedef struct grep_arg {
	const char *file, *needle;
	int min;
} grep_arg;

static int log_has(void *arg)
{
	grep_arg *g = arg;
	char line[2048];
	int n = 0;
	FILE *fp = fopen(g->file, "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (strstr(line, g->needle))
			n++;
	if (fp)
		fclose(fp);
	return n >= g->min;
}

static void test_config_file_and_state(void **state)
{
	fixture *f = *state;
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_true(query_ok(m, "SELECT 1"));
	mysql_close(m);
	/* The same through the Unix socket listener. */
	m = mysql_init(NULL);
	assert_non_null(mysql_real_connect(m, "localhost", DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB,
					   0, f->sock, 0));
	assert_true(query_ok(m, "SELECT 2"));
	mysql_close(m);
	char text[256] = "";
	FILE *fp = fopen(f->state_file, "r");
	assert_non_null(fp);
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = 0;
	assert_string_equal(text, "epoch=1\nprimary=s0\n");
	char victim[PATH_MAX + 64];
	snprintf(victim, sizeof(victim), "%.4000s/victim", f->c->dir);
	fp = fopen(victim, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = 0;
	assert_string_equal(text, "untouched\n");
}

static void test_sighup_reload(void **state)
{
	fixture *f = *state;
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_true(query_ok(m, "SELECT 1"));

	/* A broken file is refused; the running configuration stays. */
	assert_int_equal(write_conf(f, "probe_interval_ms = soon\n"), 0);
	assert_int_equal(kill(f->p.pid, SIGHUP), 0);
	grep_arg g = {f->p.log, "reload refused", 1};
	assert_true(dpt_until(10000, log_has, &g));
	assert_true(query_ok(m, "SELECT 2"));

	/* A good one applies; the client connection is untouched. */
	assert_int_equal(write_conf(f, "probe_interval_ms = 200\nclient_wait_ms = 5000\n"), 0);
	assert_int_equal(kill(f->p.pid, SIGHUP), 0);
	grep_arg g2 = {f->p.log, "configuration reloaded", 1};
	assert_true(dpt_until(10000, log_has, &g2));
	assert_true(query_ok(m, "SELECT 3"));

	/* A step limit of 0 ms failed every failover step (no replica left to promote): refused,
	 * at a reload as at a start. */
	assert_int_equal(write_conf(f, "op_step_timeout_ms = 0\n"), 0);
	assert_int_equal(kill(f->p.pid, SIGHUP), 0);
	grep_arg g3 = {f->p.log, "op_step_timeout_ms must be at least 100", 1};
	assert_true(dpt_until(10000, log_has, &g3));

	/* Cooperative monitoring switched on by a reload stopped all routing for good (its checks
	 * start with the process): kept until a restart, said in the log. */
	assert_int_equal(write_conf(f, "cooperative_monitoring = majority\n"), 0);
	assert_int_equal(kill(f->p.pid, SIGHUP), 0);
	grep_arg g4 = {f->p.log, "cooperative_database changes need a restart; kept", 1};
	assert_true(dpt_until(10000, log_has, &g4));
	grep_arg g5 = {f->p.log, "configuration reloaded", 2};
	assert_true(dpt_until(10000, log_has, &g5));
	usleep(1500 * 1000); /* several probe cycles */
	assert_true(query_ok(m, "SELECT 4"));
	mysql_close(m);
	m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_true(query_ok(m, "SELECT 5"));
	mysql_close(m);
	json_t *st = dpt_status(&f->p);
	assert_non_null(st);
	assert_string_equal(json_string_value(json_object_get(st, "routing")), "open");
	json_decref(st);
}

static void test_sigterm_drains(void **state)
{
	fixture *f = *state;
	MYSQL *busy = dpt_connect(&f->p, 20), *idle = dpt_connect(&f->p, 20);
	assert_non_null(busy);
	assert_non_null(idle);
	assert_true(query_ok(busy, "BEGIN"));
	assert_true(query_ok(busy, "INSERT INTO ledger (id, at) VALUES (424242, NOW(6))"));

	assert_int_equal(kill(f->p.pid, SIGTERM), 0);
	grep_arg g = {f->p.log, "draining", 1};
	assert_true(dpt_until(10000, log_has, &g));
	/* The idle session is gone; no new client is taken. */
	assert_false(query_ok(idle, "SELECT 1"));
	mysql_close(idle);
	MYSQL *late = dpt_connect(&f->p, 5);
	assert_null(late);
	/* The transaction finishes normally. */
	assert_true(query_ok(busy, "INSERT INTO ledger (id, at) VALUES (424243, NOW(6))"));
	assert_int_equal(mysql_query(busy, "COMMIT"), 0);
	mysql_close(busy);
	assert_int_equal(
	    dpt_number(f->c, 0, "SELECT COUNT(*) FROM " DPT_APP_DB ".ledger WHERE id >= 424242"),
	    2);

	/* Then the process exits by itself, cleanly. */
	int st = -1;
	for (int i = 0; i < 200 && waitpid(f->p.pid, &st, WNOHANG) == 0; i++)
		dpt_sleep_ms(50);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	f->p.pid = 0;
	assert_int_equal(access(f->sock, F_OK), -1); /* the socket file is removed */
}

static void test_proxy_protocol(void **state)
{
	fixture *f = *state;
	static const char *const extra[] = {"--proxy-protocol", "on", NULL};
	char who[256] = "";
	/* The servers accept PROXY headers from dbproxy's address; the client comes from
	 * 127.0.0.2 and the server must see that address, not dbproxy's. */
	for (int i = 0; i < f->c->nservers; i++)
		assert_int_equal(
		    th_sql(f->c, i, "SET GLOBAL proxy_protocol_networks = '127.0.0.1'"), 0);
	assert_int_equal(th_sql(f->c, 0, "CREATE USER pp@'127.0.0.2' IDENTIFIED BY 'pp-secret'"),
			 0);
	assert_int_equal(dpt_proxy_start(&f->p, f->c, extra), 0);
	MYSQL *m = mysql_init(NULL);
	mysql_options(m, MYSQL_OPT_BIND, "127.0.0.2");
	assert_non_null(mysql_real_connect(m, "127.0.0.1", "pp", "pp-secret", NULL,
					   (unsigned)f->p.port, NULL, 0));
	assert_int_equal(mysql_query(m, "SELECT USER()"), 0);
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row = mysql_fetch_row(r);
	snprintf(who, sizeof(who), "%s", row[0]);
	mysql_free_result(r);
	mysql_close(m);
	dpt_log("through dbproxy with the PROXY protocol the server sees %s", who);
	assert_string_equal(who, "pp@127.0.0.2");
	f->ok = 1;
}

/* The session through a dbproxy started with --client-dead-ms dead_ms takes a named lock,
 * then its client vanishes without a word: its socket is destroyed in TCP repair mode, which
 * sends neither FIN nor RST (a frozen or cut-off machine says nothing either). How long until
 * the server sees the lock free (ms), -1 if still held after wait_ms, -2 if the client socket
 * cannot be put in repair mode (it needs CAP_NET_ADMIN). */
static long long lock_freed_after(fixture *f, const char *dead_ms, unsigned wait_ms)
{
	static const char *extra[] = {"--client-dead-ms", NULL, NULL};
	const char *held = "SELECT IS_USED_LOCK('dpt_vanish') IS NOT NULL";
	int one = 1;
	extra[1] = dead_ms;
	assert_int_equal(dpt_proxy_stop(&f->p), 0);
	assert_int_equal(dpt_proxy_start(&f->p, f->c, extra), 0);
	MYSQL *m = dpt_connect(&f->p, 5);
	assert_non_null(m);
	assert_int_equal(dpt_query_number(m, "SELECT GET_LOCK('dpt_vanish', 0)"), 1);
	assert_int_equal(dpt_number(f->c, 0, held), 1);
	dpt_sleep_ms(500); /* our delayed ACK of the answer goes out: nothing left to resend */
	int fd = (int)mysql_get_socket(m);
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)) != 0) {
		mysql_close(m);
		return -2;
	}
	close(fd);	/* in repair mode: the socket is gone, its peer is not told */
	mysql_close(m); /* what is left of the handle (its socket is closed already) */
	uint64_t start = dpt_ms();
	while (dpt_ms() - start < wait_ms) {
		if (dpt_number(f->c, 0, held) == 0)
			return (long long)(dpt_ms() - start);
		dpt_sleep_ms(100);
	}
	return -1;
}

/* A TCP client that vanishes is dropped after client_dead_ms (keepalive probes, answered here by
 * a reset; unanswered on a cut, the same after the probes), and its server session with it:
 * its locks and its transaction do not outlive it for the kernel's two hours of keepalive. */
static void test_vanished_client_dropped(void **state)
{
	fixture *f = *state;
	long long ms = lock_freed_after(f, "2000", 8000);
	if (ms == -2)
		skip(); /* no CAP_NET_ADMIN: no silent close to make */
	dpt_log("client_dead_ms 2000: the vanished client's lock freed after %lld ms", ms);
	assert_true(ms >= 0);
	ms = lock_freed_after(f, "0", 4000);
	dpt_log("client_dead_ms 0: %s", ms < 0 ? "still held after 4 s" : "freed");
	assert_true(ms == -1);
	f->ok = 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_file_and_state),   cmocka_unit_test(test_sighup_reload),
	    cmocka_unit_test(test_sigterm_drains),	    cmocka_unit_test(test_proxy_protocol),
	    cmocka_unit_test(test_vanished_client_dropped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
