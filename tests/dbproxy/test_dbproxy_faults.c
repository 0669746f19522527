/* dbproxy under faults other than a clean crash: a replica restarted writable is never taken
 * as the writer; a hung primary (SIGSTOP) is failed over and, once it continues (SIGCONT),
 * fenced without receiving a routed write; with no primary left a client gets a well-formed
 * error packet; and the admin endpoint reports it all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

typedef struct fixture {
	th_cluster *c;
	dpt_proxy p;
	dpt_writer w; /* freed by the teardown too, in case an assertion failed */
	int ok;
} fixture;

static fixture F;

static int setup(void **state)
{
	static const char *const extra[] = {"--client-wait-ms", "4000", NULL};
	th_options opts = {.replicas = 2, .semisync = 1};
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
	dpt_writer_free(&f->w);
	int rc = dpt_proxy_stop(&f->p);
	if (rc != 0 || !f->ok) {
		fprintf(stderr, "dbproxy exit status %d; its log:\n", rc);
		dpt_proxy_dump_log(&f->p, 120);
	}
	th_cluster_free(f->c);
	return rc == 0 ? 0 : -1;
}

typedef struct srv_wait {
	th_cluster *c;
	dpt_proxy *p;
	int idx;
} srv_wait;

static int read_only_on(void *arg)
{
	srv_wait *w = arg;
	return dpt_number(w->c, w->idx, "SELECT @@global.read_only") == 1;
}

static int proxy_sees_up(void *arg)
{
	srv_wait *w = arg;
	char v[32];
	return dpt_server_field(w->p, w->idx, "health", v, sizeof(v)) == 0 && !strcmp(v, "up");
}

/* Removes --read-only=1 from a server's stored command line: it restarts writable. */
static int make_writable_on_restart(th_cluster *c, int idx)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 40], line[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/server%d/args", c->dir, idx);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *in = fopen(path, "r"), *out = fopen(tmp, "w");
	if (!in || !out)
		return -1;
	while (fgets(line, sizeof(line), in))
		if (strcmp(line, "--read-only=1\n") != 0)
			fputs(line, out);
	fclose(in);
	fclose(out);
	return rename(tmp, path);
}

static void test_writable_replica_never_writer(void **state)
{
	fixture *f = *state;
	uint64_t epoch0 = 0, epoch1 = 0;
	int primary = dpt_primary(&f->p, &epoch0);
	assert_int_equal(primary, 0);

	/* Replica s2 comes back from a crash with read_only=0 in its own configuration. */
	assert_int_equal(th_server_signal(f->c, 2, SIGKILL), 0);
	assert_int_equal(make_writable_on_restart(f->c, 2), 0);
	assert_int_equal(th_server_start(f->c, 2), 0);
	srv_wait w = {f->c, &f->p, 2};
	assert_true(dpt_until(10000, read_only_on, &w));
	dpt_log("restarted writable replica s2 was set read_only=1 by dbproxy");

	/* Also when someone flips it at runtime. */
	assert_int_equal(th_sql(f->c, 1, "SET GLOBAL read_only = 0"), 0);
	w.idx = 1;
	assert_true(dpt_until(10000, read_only_on, &w));

	/* The writer did not change and writes still land on it. */
	assert_int_equal(dpt_primary(&f->p, &epoch1), 0);
	assert_int_equal(epoch1, epoch0);
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(mysql_query(m, "SELECT @@server_id"), 0);
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = mysql_fetch_row(r);
		assert_string_equal(row[0], "1");
		mysql_free_result(r);
	}
	mysql_close(m);
}

static void test_brief_stall_is_not_a_failover(void **state)
{
	fixture *f = *state;
	uint64_t epoch0 = 0, epoch1 = 0;
	int p = dpt_primary(&f->p, &epoch0);
	/* A primary that stops answering for less than the confirmation window (its replicas
	 * keep hearing it, or not for long enough) keeps its role: no failover on a missed probe.
	 */
	assert_int_equal(th_server_signal(f->c, p, SIGSTOP), 0);
	dpt_sleep_ms(400);
	assert_int_equal(th_server_signal(f->c, p, SIGCONT), 0);
	srv_wait w = {f->c, &f->p, p};
	assert_true(dpt_until(10000, proxy_sees_up, &w));
	dpt_sleep_ms(1000);
	assert_int_equal(dpt_primary(&f->p, &epoch1), p);
	assert_int_equal(epoch1, epoch0);
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "SELECT 1"), 0);
	mysql_free_result(mysql_store_result(m));
	mysql_close(m);
}

typedef struct id_set {
	int *ids;
	size_t n;
} id_set;

static void test_hung_primary(void **state)
{
	fixture *f = *state;
	dpt_writer *w = &f->w;
	uint64_t epoch0 = 0, epoch1 = 0;
	int old = dpt_primary(&f->p, &epoch0), np;
	assert_true(old >= 0);
	assert_int_equal(dpt_writer_start(w, &f->p, 2), 0);
	assert_true(dpt_writer_wait(w, 50, 20000));

	assert_int_equal(th_server_signal(f->c, old, SIGSTOP), 0);
	/* Everything acknowledged up to here may be on the old primary; nothing after. */
	size_t acked_before_stop = dpt_writer_count(w);
	uint64_t t0 = dpt_ms();
	dpt_log("SIGSTOP s%d with %zu inserts acknowledged", old, acked_before_stop);
	if (!dpt_writer_wait(w, acked_before_stop + 50, 40000))
		dpt_proxy_dump_log(&f->p, 60);
	assert_true(dpt_writer_count(w) >= acked_before_stop + 50);
	np = dpt_primary(&f->p, &epoch1);
	dpt_log("writes resumed on s%d (epoch %llu) %llu ms after SIGSTOP", np,
		(unsigned long long)epoch1, (unsigned long long)(dpt_ms() - t0));
	assert_true(np >= 0 && np != old);
	assert_true(epoch1 > epoch0);

	/* The zombie continues: fenced at once, and it never gets a routed write. */
	assert_int_equal(th_server_signal(f->c, old, SIGCONT), 0);
	srv_wait sw = {f->c, &f->p, old};
	assert_true(dpt_until(10000, read_only_on, &sw));
	assert_true(dpt_until(10000, proxy_sees_up, &sw));
	size_t more = dpt_writer_count(w);
	assert_true(dpt_writer_wait(w, more + 50, 20000));
	dpt_writer_stop(w);

	char conns[32], role[32];
	assert_int_equal(dpt_server_field(&f->p, old, "connections", conns, sizeof(conns)), 0);
	assert_string_equal(conns, "0");
	assert_int_equal(dpt_server_field(&f->p, old, "role", role, sizeof(role)), 0);
	dpt_log("old primary s%d after SIGCONT: role %s, read_only=1, 0 connections", old, role);
	assert_string_not_equal(role, "primary");

	/* No id acknowledged after the SIGSTOP exists on the old primary. */
	MYSQL *m = th_connect(f->c, old, NULL);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "SELECT id FROM " DPT_APP_DB ".ledger"), 0);
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row;
	long routed_after = 0;
	pthread_mutex_lock(&w->mu);
	while ((row = mysql_fetch_row(r))) {
		int id = atoi(row[0]);
		for (size_t i = acked_before_stop; i < w->nacked; i++)
			if (w->acked[i] == id)
				routed_after++;
	}
	pthread_mutex_unlock(&w->mu);
	mysql_free_result(r);
	mysql_close(m);
	assert_int_equal(routed_after, 0);

	size_t checked = 0;
	long missing = dpt_ledger_missing(f->c, np, w, &checked);
	dpt_log("%zu acknowledged inserts checked on s%d: %ld missing", checked, np, missing);
	assert_int_equal(missing, 0);
	dpt_writer_free(w);
}

static void test_admin_endpoint(void **state)
{
	fixture *f = *state;
	char *body = NULL;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)f->p.admin_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	/* Without the token. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char buf[512];
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	const char *req = "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 12);
	buf[n] = 0;
	assert_non_null(strstr(buf, " 401 "));

	assert_int_equal(dpt_http(&f->p, "GET", "/nope", NULL), 404);
	assert_int_equal(dpt_http(&f->p, "GET", "/failover", NULL), 405);
	assert_int_equal(dpt_http(&f->p, "POST", "/rejoin?server=nosuch", NULL), 404);

	assert_int_equal(dpt_http(&f->p, "GET", "/metrics", &body), 200);
	assert_non_null(strstr(body, "dbproxy_epoch "));
	assert_non_null(strstr(body, "dbproxy_server_up{server=\"s0\"}"));
	assert_non_null(strstr(body, "dbproxy_failovers_total 1"));
	{ /* the exposition format and its lints (tests/api/prom-check.py; promtool if there) */
		char file[] = "/tmp/dbproxy-metrics-XXXXXX";
		int mfd = mkstemp(file), st;
		assert_true(mfd >= 0);
		assert_int_equal(write(mfd, body, strlen(body)), (ssize_t)strlen(body));
		close(mfd);
		char cmd[256];
		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/python3 tests/api/prom-check.py metrics %s && "
			 "{ ! command -v promtool >/dev/null || promtool check metrics < %s; }",
			 file, file);
		st = system(cmd);
		unlink(file);
		assert_int_equal(st, 0);
	}
	free(body);

	assert_int_equal(dpt_http(&f->p, "GET", "/history", &body), 200);
	json_t *h = json_loads(body, 0, NULL);
	free(body);
	assert_non_null(h);
	/* The hung primary's failover (the first event); any later one would be a false failover,
	 * which the history shows. */
	json_t *events = json_object_get(h, "events"), *ev = json_array_get(events, 0);
	if (json_array_size(events) != 1) {
		char *all = json_dumps(events, JSON_COMPACT);
		dpt_log("history holds %zu events: %s", json_array_size(events), all ? all : "");
		free(all);
	}
	assert_int_equal(json_array_size(events), 1);
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "failover");
	assert_string_equal(json_string_value(json_object_get(ev, "result")), "done");
	/* Every phase is there with a timestamp. */
	const char *want[] = {"suspect", "confirm", "fence",	"freeze", "select",
			      "catchup", "promote", "redirect", "route"};
	json_t *phases = json_object_get(ev, "phases");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int found = 0;
		size_t k;
		json_t *ph;
		json_array_foreach(phases, k, ph)
		{
			if (!strcmp(json_string_value(json_object_get(ph, "phase")), want[i]) &&
			    json_string_value(json_object_get(ph, "at")))
				found = 1;
		}
		if (!found)
			fprintf(stderr, "phase %s missing\n", want[i]);
		assert_true(found);
	}
	json_decref(h);

	/* Maintenance: not on the primary; on a replica, and back. */
	int p = dpt_primary(&f->p, NULL), r = -1;
	char path[64], v[16];
	for (int i = 0; i < f->c->nservers; i++)
		if (i != p)
			r = i;
	snprintf(path, sizeof(path), "/maintenance?server=s%d&on=1", p);
	assert_int_equal(dpt_http(&f->p, "POST", path, NULL), 409);
	snprintf(path, sizeof(path), "/maintenance?server=s%d&on=1", r);
	assert_int_equal(dpt_http(&f->p, "POST", path, NULL), 200);
	assert_int_equal(dpt_server_field(&f->p, r, "maintenance", v, sizeof(v)), 0);
	assert_string_equal(v, "true");
	snprintf(path, sizeof(path), "/maintenance?server=s%d&on=0", r);
	assert_int_equal(dpt_http(&f->p, "POST", path, NULL), 200);
}

typedef struct field_wait {
	dpt_proxy *p;
	int idx;
	const char *field, *want;
} field_wait;

static int semi_off(void *arg)
{
	field_wait *w = arg;
	json_t *st = dpt_status(w->p), *s;
	size_t i;
	int off = 0;
	char name[16];
	snprintf(name, sizeof(name), "s%d", w->idx);
	json_array_foreach(json_object_get(st, "servers"), i, s)
	{
		if (!strcmp(json_string_value(json_object_get(s, "name")), name))
			off = json_is_false(json_object_get(json_object_get(s, "semi_sync"), "on"));
	}
	json_decref(st);
	return off;
}

static int last_event_failed(void *arg)
{
	dpt_proxy *p = arg;
	char *body = NULL;
	int failed = 0;
	if (dpt_http(p, "GET", "/history", &body) == 200 && body) {
		json_t *h = json_loads(body, 0, NULL), *evs = json_object_get(h, "events");
		json_t *ev = json_array_get(evs, json_array_size(evs) - 1);
		failed = ev &&
			 !strcmp(json_string_value(json_object_get(ev, "kind")), "failover") &&
			 !strcmp(json_string_value(json_object_get(ev, "result")), "failed") &&
			 strstr(json_string_value(json_object_get(ev, "error")), "semi-sync");
		json_decref(h);
	}
	free(body);
	return failed;
}

static void test_async_failover_refused_until_allowed(void **state)
{
	fixture *f = *state;
	int p = dpt_primary(&f->p, NULL);
	assert_true(p >= 0);
	/* Semi-sync off on the primary: acknowledged commits may exist only there. */
	assert_int_equal(th_sql(f->c, p, "SET GLOBAL rpl_semi_sync_master_enabled = 0"), 0);
	field_wait w = {&f->p, p, NULL, NULL};
	assert_true(dpt_until(10000, semi_off, &w));
	assert_int_equal(th_server_signal(f->c, p, SIGKILL), 0);
	/* The automatic failover is refused (policy refuse), and nobody takes writes. */
	assert_true(dpt_until(15000, last_event_failed, &f->p));
	json_t *st = dpt_status(&f->p);
	assert_string_not_equal(json_string_value(json_object_get(st, "routing")), "open");
	json_decref(st);
	/* An admin accepts the possible loss: the failover runs and reports the gap. */
	char gap[2048];
	assert_int_equal(dpt_forced_failover(&f->p, gap, sizeof(gap)), 200);
	assert_non_null(strstr(gap, "semi-sync was OFF"));
	int np = dpt_primary(&f->p, NULL);
	assert_true(np >= 0 && np != p);
	MYSQL *m = dpt_connect(&f->p, 10);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "INSERT INTO ledger (id, at) VALUES (-77, NOW(6))"), 0);
	mysql_close(m);
}

static int routing_no_writer(void *arg)
{
	json_t *st = dpt_status(arg);
	const char *routing = json_string_value(json_object_get(st, "routing"));
	int done = routing && strcmp(routing, "no writer") == 0;
	json_decref(st);
	return done;
}

static void test_no_primary_error_packet(void **state)
{
	fixture *f = *state;
	MYSQL *idle = dpt_connect(&f->p, 10);
	assert_non_null(idle);
	/* Nothing left to promote. */
	for (int i = 0; i < f->c->nservers; i++)
		if (th_server_pid(f->c, i) > 0)
			assert_int_equal(th_server_signal(f->c, i, SIGKILL), 0);
	/* Once dbproxy knows (a client arriving before that may still reach a dying server's
	 * greeting and then lose the connection, 2013, as it would directly). */
	if (!dpt_until(15000, routing_no_writer, &f->p)) {
		char *body = NULL;
		dpt_http(&f->p, "GET", "/status", &body);
		dpt_log("routing never became \"no writer\": %s", body ? body : "(no answer)");
		free(body);
		fail();
	}

	MYSQL *m = mysql_init(NULL);
	unsigned t = 30;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
	assert_null(mysql_real_connect(m, "127.0.0.1", DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB,
				       (unsigned)f->p.port, NULL, 0));
	dpt_log("new client got: %u %s", mysql_errno(m), mysql_error(m));
	assert_int_equal(mysql_errno(m), 1927);
	assert_non_null(strstr(mysql_error(m), "no primary available"));
	mysql_close(m);

	/* A session that was idle gets an error on its next statement, not a hang. */
	assert_int_not_equal(mysql_query(idle, "SELECT 1"), 0);
	dpt_log("idle client got: %u %s", mysql_errno(idle), mysql_error(idle));
	mysql_close(idle);

	assert_true(routing_no_writer(&f->p));
	f->ok = 1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writable_replica_never_writer),
	    cmocka_unit_test(test_brief_stall_is_not_a_failover),
	    cmocka_unit_test(test_hung_primary),
	    cmocka_unit_test(test_admin_endpoint),
	    cmocka_unit_test(test_async_failover_refused_until_allowed),
	    cmocka_unit_test(test_no_primary_error_packet),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
