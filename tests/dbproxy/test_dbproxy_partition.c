/* Two cooperative dbproxies that see different things (docs/ha.md §3): one runs in a network
 * namespace of its own, joined to the servers by a veth pair, so that its paths to single
 * servers can be cut (blackhole routes) while the other dbproxy sees everything. Cut from the
 * primary only, it causes no failover and comes back to the same writer; the leader cut from a
 * majority of the servers loses the lead to the other, which alone fails over when the primary
 * then dies, and the cut one never routes to the dead primary and follows the new writer once
 * healed. With five servers, a leader that cannot read the replica that acknowledged the last
 * writes steps down for the dbproxy that can. At every check at most one server is writable.
 * Skipped where network namespaces cannot be made (not root, no CAP_NET_ADMIN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

#define NS_NAME_MAX 16

typedef struct fixture {
	th_cluster *c;
	dpt_proxy a; /* in this namespace */
	pid_t b_pid; /* in its own namespace */
	int b_port, b_admin;
	char b_log[PATH_MAX];
	char ns[NS_NAME_MAX], veth[NS_NAME_MAX];
	int net; /* the third byte of 10.231.<net>.0/24 */
	int skip;
} fixture;

static dpt_writer W;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

static void server_ip(const fixture *f, int idx, char *out, size_t size)
{
	snprintf(out, size, "10.231.%d.%d", f->net, 10 + idx);
}

/* The users dbproxy and the application log in as, from the namespace's addresses too
 * (outside the binary log, on every server, as dpt_setup_users does). */
static int setup_remote_users(th_cluster *c)
{
	char sql[2048];
	for (int i = 0; i < c->nservers; i++) {
		snprintf(
		    sql, sizeof(sql),
		    "SET SESSION sql_log_bin = 0;"
		    "CREATE USER " DPT_MON_USER "@'10.231.%%' IDENTIFIED BY '" DPT_MON_PASS "';"
		    "GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION "
		    "MASTER ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD, BINLOG "
		    "ADMIN ON *.* TO " DPT_MON_USER "@'10.231.%%';"
		    "GRANT ALL ON dbproxy.* TO " DPT_MON_USER "@'10.231.%%';"
		    "GRANT SELECT ON mysql.global_priv TO " DPT_MON_USER "@'10.231.%%';"
		    "CREATE USER " DPT_APP_USER "@'10.231.%%' IDENTIFIED BY '" DPT_APP_PASS "';"
		    "GRANT ALL ON " DPT_APP_DB ".* TO " DPT_APP_USER "@'10.231.%%';"
		    "CREATE USER '%s'@'10.231.%%' IDENTIFIED BY '%s';"
		    "GRANT REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR, SLAVE MONITOR "
		    "ON *.* TO '%s'@'10.231.%%'",
		    c->repl_user, c->repl_password, c->repl_user);
		if (th_sql(c, i, sql) < 0)
			return -1;
	}
	return 0;
}

/* The namespace, the veth pair, and one address per server on this side of it. */
static int make_network(fixture *f, int nservers)
{
	char addrs[1024] = "", ip[32];
	size_t used = 0;
	f->net = 20 + (int)(getpid() % 200);
	snprintf(f->ns, sizeof(f->ns), "dpt%d", (int)(getpid() % 100000));
	snprintf(f->veth, sizeof(f->veth), "dpv%d", (int)(getpid() % 100000));
	for (int i = 0; i < nservers; i++) {
		server_ip(f, i, ip, sizeof(ip));
		used += (size_t)snprintf(addrs + used, sizeof(addrs) - used,
					 "ip addr add %s/32 dev %sa && ", ip, f->veth);
	}
	if (geteuid() != 0 || sh("ip netns add %s 2>/dev/null", f->ns) < 0)
		return -1;
	if (sh("ip link add %sa type veth peer name %sb && ip link set %sb netns %s && "
	       "ip addr add 10.231.%d.1/24 dev %sa && %s"
	       "ip link set %sa up && ip netns exec %s ip link set lo up && "
	       "ip netns exec %s ip addr add 10.231.%d.2/24 dev %sb && "
	       "ip netns exec %s ip link set %sb up",
	       f->veth, f->veth, f->veth, f->ns, f->net, f->veth, addrs, f->veth, f->ns, f->ns,
	       f->net, f->veth, f->ns, f->veth) < 0) {
		sh("ip netns del %s 2>/dev/null; ip link del %sa 2>/dev/null", f->ns, f->veth);
		return -1;
	}
	return 0;
}

/* The command line of a cooperative dbproxy in front of the servers, by their 10.231.x
 * addresses. */
static int proxy_argv(fixture *f, char *buf, size_t size, char **argv, int max, const char *listen,
		      int admin_port, const char *state)
{
	char bin[PATH_MAX], ip[32];
	int n = 0;
	size_t used = 0;
	if (dpt_binary(bin, sizeof(bin)) < 0)
		return -1;
#define ARG(...)                                                                                   \
	do {                                                                                       \
		int len = snprintf(buf + used, size - used, __VA_ARGS__);                          \
		if (len < 0 || (size_t)len >= size - used || n >= max - 1)                         \
			return -1;                                                                 \
		argv[n++] = buf + used;                                                            \
		used += (size_t)len + 1;                                                           \
	} while (0)
	ARG("%s", bin);
	ARG("--listen");
	ARG("%s", listen);
	for (int i = 0; i < f->c->nservers; i++) {
		server_ip(f, i, ip, sizeof(ip));
		ARG("--server");
		ARG("s%d=%s:%d", i, ip, f->c->servers[i].port);
	}
	ARG("--monitor-user");
	ARG(DPT_MON_USER);
	ARG("--monitor-password-file");
	ARG("%s/dbproxy-mon.pw", f->c->dir);
	ARG("--replication-user");
	ARG("%s", f->c->repl_user);
	ARG("--replication-password-file");
	ARG("%s/dbproxy-repl.pw", f->c->dir);
	ARG("--admin");
	ARG("127.0.0.1:%d", admin_port);
	ARG("--admin-token-file");
	ARG("%s/dbproxy-admin.token", f->c->dir);
	ARG("--cooperative-monitoring");
	ARG("majority");
	ARG("--state-file");
	ARG("%s", state);
#undef ARG
	argv[n] = NULL;
	return n;
}

/* dbproxy B's /status, read from inside its namespace. */
static json_t *b_status(const fixture *f)
{
	char cmd[512], buf[65536];
	size_t len = 0;
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s curl -s -m 2 -H 'Authorization: Bearer " DPT_TOKEN
		 "' http://127.0.0.1:%d/status",
		 f->ns, f->b_admin);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t n;
	while ((n = fread(buf + len, 1, sizeof(buf) - 1 - len, p)) > 0)
		len += n;
	pclose(p);
	buf[len] = 0;
	return json_loads(buf, 0, NULL);
}

typedef dpt_view view;

static view view_a(fixture *f)
{
	return dpt_view_of(dpt_status(&f->a));
}

static view view_b(fixture *f)
{
	return dpt_view_of(b_status(f));
}

static int b_leads(void *arg)
{
	return view_b(arg).leader;
}

static int a_leads(void *arg)
{
	fixture *f = arg;
	return view_a(f).leader && !view_b(f).leader;
}

/* @@server_id through dbproxy B, from this namespace to B's address. */
static int served_by_b(fixture *f)
{
	char host[32];
	unsigned t = 5;
	int id = -1;
	MYSQL *m = mysql_init(NULL);
	snprintf(host, sizeof(host), "10.231.%d.2", f->net);
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
	if (mysql_real_connect(m, host, DPT_APP_USER, DPT_APP_PASS, DPT_APP_DB, (unsigned)f->b_port,
			       NULL, 0))
		id = (int)dpt_query_number(m, "SELECT @@server_id");
	mysql_close(m);
	return id;
}

/* The server (@@server_id) B routes to once it is server idx, or within 15 s. */
static int b_lands_on(fixture *f, int idx)
{
	uint64_t deadline = dpt_ms() + 15000;
	int id;
	while ((id = served_by_b(f)) != f->c->servers[idx].server_id && dpt_ms() < deadline)
		dpt_sleep_ms(100);
	return id;
}

/* Servers that answer and are writable: never more than one. */
static int writable_servers(fixture *f)
{
	int n = 0;
	for (int i = 0; i < f->c->nservers; i++)
		if (th_server_pid(f->c, i) > 0 &&
		    dpt_number(f->c, i, "SELECT @@global.read_only") == 0)
			n++;
	return n;
}

static int setup_with(void **state, int replicas)
{
	static fixture f;
	char buf[4096], listen[64], state_file[PATH_MAX];
	th_options opts = {.replicas = replicas, .semisync = 1, .bind_any = 1};
	memset(&f, 0, sizeof(f));
	*state = &f;
	if (make_network(&f, replicas + 1) < 0) {
		f.skip = 1;
		return 0;
	}
	if (th_cluster_start(&f.c, &opts) < 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%.4000s/dbproxy-mon.pw", f.c->dir);
	if (dpt_setup_users(f.c) < 0 || setup_remote_users(f.c) < 0 ||
	    dpt_write_file(buf, DPT_MON_PASS) < 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%.4000s/dbproxy-repl.pw", f.c->dir);
	if (dpt_write_file(buf, f.c->repl_password) < 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%.4000s/dbproxy-admin.token", f.c->dir);
	if (dpt_write_file(buf, DPT_TOKEN) < 0)
		goto fail;
	/* Replication by the addresses the dbproxies know the servers by: dbproxy recognises a
	 * replica of its writer by Master_Host:Master_Port. */
	for (int i = 1; i < f.c->nservers; i++) {
		char ip[32];
		server_ip(&f, 0, ip, sizeof(ip));
		snprintf(buf, sizeof(buf),
			 "STOP SLAVE; CHANGE MASTER TO MASTER_HOST = '%s', MASTER_PORT = %d; START "
			 "SLAVE",
			 ip, f.c->servers[0].port);
		if (th_sql(f.c, i, buf) < 0)
			goto fail;
	}

	/* B first, in its namespace: it becomes the leader. */
	f.b_port = dpt_free_port();
	f.b_admin = dpt_free_port();
	snprintf(listen, sizeof(listen), "10.231.%d.2:%d", f.net, f.b_port);
	snprintf(state_file, sizeof(state_file), "%.4000s/state-b", f.c->dir);
	snprintf(f.b_log, sizeof(f.b_log), "%.4000s/dbproxy-b.log", f.c->dir);
	char *bargv[52] = {"ip", "netns", "exec", f.ns};
	if (proxy_argv(&f, buf, sizeof(buf), bargv + 4, 46, listen, f.b_admin, state_file) < 0)
		goto fail;
	fflush(NULL);
	if ((f.b_pid = fork()) == 0) {
		int fd = open(f.b_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp("ip", bargv);
		_exit(127);
	}
	if (f.b_pid < 0 || !dpt_until(20000, b_leads, &f)) {
		fprintf(stderr, "dbproxy B did not lead\n");
		goto fail;
	}
	/* A, here (its command line kept for a restart). */
	f.a.c = f.c;
	f.a.port = dpt_free_port();
	f.a.admin_port = dpt_free_port();
	snprintf(f.a.log, sizeof(f.a.log), "%.4000s/dbproxy-a.log", f.c->dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", f.a.port);
	snprintf(state_file, sizeof(state_file), "%.4000s/state-a", f.c->dir);
	if (proxy_argv(&f, f.a.argbuf, sizeof(f.a.argbuf), f.a.argv, 96, listen, f.a.admin_port,
		       state_file) < 0 ||
	    dpt_proxy_launch(&f.a, f.a.argv) < 0)
		goto fail;
	return 0;
fail:
	if (f.b_pid > 0) {
		kill(f.b_pid, SIGKILL);
		waitpid(f.b_pid, NULL, 0);
		f.b_pid = 0;
	}
	if (f.b_log[0])
		sh("tail -n 30 %s >&2", f.b_log);
	if (f.c) {
		th_cluster_free(f.c);
		f.c = NULL;
	}
	sh("ip netns del %s 2>/dev/null; ip link del %sa 2>/dev/null", f.ns, f.veth);
	return -1;
}

static int setup(void **state)
{
	return setup_with(state, 2);
}

static int setup_five(void **state)
{
	return setup_with(state, 4);
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc = 0;
	if (f->skip)
		return 0;
	dpt_writer_free(&W);
	if (dpt_proxy_stop(&f->a) != 0) {
		dpt_proxy_dump_log(&f->a, 60);
		rc = -1;
	}
	if (f->b_pid > 0) {
		int st = 0;
		const char *keep = getenv("DPT_KEEP_LOG"); /* debugging: B's beside A's */
		if (keep && keep[0])
			sh("cp '%s' '%s.b'", f->b_log, keep);
		kill(f->b_pid, SIGTERM);
		for (int i = 0; i < 200 && waitpid(f->b_pid, &st, WNOHANG) == 0; i++)
			dpt_sleep_ms(50);
		if (kill(f->b_pid, 0) == 0) {
			kill(f->b_pid, SIGKILL);
			waitpid(f->b_pid, &st, 0);
			rc = -1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			rc = -1;
		}
		if (rc < 0)
			sh("tail -n 60 %s >&2", f->b_log);
	}
	th_cluster_free(f->c);
	sh("ip netns del %s 2>/dev/null; ip link del %sa 2>/dev/null", f->ns, f->veth);
	return rc;
}

static void dump_logs(fixture *f)
{
	dpt_proxy_dump_log(&f->a, 40);
	sh("tail -n 40 %s >&2", f->b_log);
}

/* ---------------------------------------------------------------- the cases */

/* The leader (B) loses its path to the primary only: it sees the primary down, but its
 * replicas still hear from it, so nobody fails over; writes through A go on; healed, B routes
 * to the same primary. */
static void test_cut_from_primary_only(void **state)
{
	fixture *f = *state;
	char ip[32];
	if (f->skip)
		skip();
	assert_true(view_b(f).leader);
	assert_int_equal(view_a(f).primary, 0);
	assert_int_equal(dpt_writer_start(&W, &f->a, 2), 0);
	assert_true(dpt_writer_wait(&W, 30, 20000));

	server_ip(f, 0, ip, sizeof(ip));
	dpt_log("cut dbproxy B (the leader) from the primary s0 (%s)", ip);
	assert_int_equal(sh("ip netns exec %s ip route add blackhole %s/32", f->ns, ip), 0);
	size_t before = dpt_writer_count(&W);
	dpt_sleep_ms(4000);
	view a = view_a(f), b = view_b(f);
	if (a.failovers + b.failovers != 0 || a.primary != 0)
		dump_logs(f);
	assert_int_equal(a.failovers + b.failovers, 0);
	assert_int_equal(a.primary, 0);
	assert_true(dpt_writer_count(&W) >= before + 50); /* A's clients did not notice */
	assert_int_equal(writable_servers(f), 1);

	assert_int_equal(sh("ip netns exec %s ip route del blackhole %s/32", f->ns, ip), 0);
	assert_int_equal(b_lands_on(f, 0), f->c->servers[0].server_id);
	assert_int_equal(view_a(f).failovers + view_b(f).failovers, 0);
}

/* The leader (B) loses its paths to both replicas: it no longer holds a majority of the
 * locks, and A takes the lead. The primary dies: only A fails over; B, reading a single
 * server, routes nowhere (never to the dead primary); healed, it follows the new writer. */
static void test_leader_cut_from_majority(void **state)
{
	fixture *f = *state;
	char ip1[32], ip2[32];
	if (f->skip)
		skip();
	assert_true(view_b(f).leader);
	server_ip(f, 1, ip1, sizeof(ip1));
	server_ip(f, 2, ip2, sizeof(ip2));
	dpt_log("cut dbproxy B (the leader) from the replicas s1 and s2");
	assert_int_equal(sh("ip netns exec %s ip route add blackhole %s/32 && "
			    "ip netns exec %s ip route add blackhole %s/32",
			    f->ns, ip1, f->ns, ip2),
			 0);
	if (!dpt_until(15000, a_leads, f)) {
		dump_logs(f);
		fail_msg("A did not take the lead");
	}
	assert_int_equal(view_a(f).primary, 0);
	assert_int_equal(view_a(f).failovers + view_b(f).failovers, 0);

	size_t before = dpt_writer_count(&W);
	dpt_log("kill -9 primary s0");
	assert_int_equal(th_server_signal(f->c, 0, SIGKILL), 0);
	if (!dpt_writer_wait(&W, before + 50, 30000)) {
		dump_logs(f);
		fail_msg("writes through A did not resume");
	}
	view a = view_a(f), b = view_b(f);
	assert_int_not_equal(a.primary, 0);
	assert_int_equal(a.failovers, 1);
	assert_int_equal(b.failovers, 0);
	assert_false(b.open && b.primary == 0); /* never routes to the dead primary */
	assert_int_equal(writable_servers(f), 1);
	dpt_writer_stop(&W);
	size_t checked = 0;
	assert_int_equal(dpt_ledger_missing(f->c, a.primary, &W, &checked), 0);
	dpt_log("%zu acknowledged writes, none missing on s%d", checked, a.primary);

	assert_int_equal(sh("ip netns exec %s ip route del blackhole %s/32 && "
			    "ip netns exec %s ip route del blackhole %s/32",
			    f->ns, ip1, f->ns, ip2),
			 0);
	assert_int_equal(b_lands_on(f, a.primary), f->c->servers[a.primary].server_id);
	assert_int_equal(view_b(f).failovers, 0);
}

/* dbproxy a's /status says it holds the lock of server idx. */
static int holds_lock(json_t *st, int idx)
{
	json_t *regs = json_object_get(json_object_get(st, "cooperative"), "registers");
	int held = json_is_true(json_object_get(json_array_get(regs, (size_t)idx), "lock_held"));
	json_decref(st);
	return held;
}

typedef struct lock_wait {
	fixture *f;
	int idx;
} lock_wait;

static int a_holds(void *arg)
{
	lock_wait *l = arg;
	return holds_lock(dpt_status(&l->f->a), l->idx);
}

/* A sees server l->idx up and holds its lock (a rejoin needs both). */
static int a_holds_up(void *arg)
{
	lock_wait *l = arg;
	char health[32];
	return a_holds(arg) &&
	       dpt_server_field(&l->f->a, l->idx, "health", health, sizeof(health)) == 0 &&
	       strcmp(health, "up") == 0;
}

/* A leads and routes to a writer other than l->idx (the dead primary). */
static int a_failed_over(void *arg)
{
	lock_wait *l = arg;
	view a = view_a(l->f);
	return a.leader && a.open && a.primary >= 0 && a.primary != l->idx;
}

/* The end of the cases where B, the leader, is cut (at ipx) from replica x, the only one with
 * every acknowledged write, and A sees it: primary p is killed; A leads and fails over to x,
 * exactly once, B none; B routes to nothing the leader did not publish; one writable server; 0
 * acknowledged writes lost (before: the writer's count at the kill). Healed, B follows. Returns
 * B's view right after the failover. */
static view a_takes_over(fixture *f, int p, int x, size_t before, const char *ipx)
{
	assert_int_equal(th_server_signal(f->c, p, SIGKILL), 0);
	lock_wait lp = {f, p};
	if (!dpt_until(30000, a_failed_over, &lp)) {
		dump_logs(f);
		fail_msg("A did not take the lead and fail over");
	}
	if (!dpt_writer_wait(&W, before + 50, 30000)) {
		dump_logs(f);
		fail_msg("writes through A did not resume");
	}
	view a = view_a(f), b = view_b(f);
	dpt_log("A leads, writer s%d; B: leader %d, open %d, writer s%d, %lld refusal(s)",
		a.primary, b.leader, b.open, b.primary, b.refusals);
	assert_int_equal(a.primary, x);
	assert_int_equal(a.failovers, 1);
	assert_int_equal(b.failovers, 0);
	assert_false(b.leader);
	assert_false(b.open && b.primary != a.primary); /* nothing the leader did not publish */
	assert_int_equal(writable_servers(f), 1);
	dpt_writer_stop(&W);
	size_t checked = 0;
	assert_int_equal(dpt_ledger_missing(f->c, a.primary, &W, &checked), 0);
	dpt_log("%zu acknowledged writes, none missing on s%d", checked, a.primary);

	assert_int_equal(sh("ip netns exec %s ip route del blackhole %s/32", f->ns, ipx), 0);
	assert_int_equal(b_lands_on(f, a.primary), f->c->servers[a.primary].server_id);
	assert_int_equal(view_b(f).failovers, 0);
	assert_int_equal(writable_servers(f), 1);
	return b;
}

/* The two dbproxies see different candidates (docs/ha.md §3). The leader (B) is cut from the
 * most advanced replica X only: it holds the locks of the primary and of the other replica Y,
 * A holds X's. The primary dies: B keeps one lock, Y's, and sees no other server; it can never
 * lead again while cut, so it lets Y's lock go, and A, with X's and Y's, leads and fails over,
 * to X (Y lacks acknowledged writes). B, reading one server, routes to nothing the leader did
 * not publish; healed, it follows. Before the fix, B kept Y's lock and nobody failed over
 * while the cut lasted. */
static void test_leader_cut_from_advanced_replica(void **state)
{
	fixture *f = *state;
	char ipx[32];
	if (f->skip)
		skip();
	/* The old primary s0, killed by the previous case, comes back as a replica. */
	int p = view_a(f).primary;
	assert_true(view_a(f).leader);
	assert_int_equal(th_server_start(f->c, 0), 0);
	lock_wait l0 = {f, 0};
	assert_true(dpt_until(15000, a_holds_up, &l0));
	assert_true(dpt_rejoin_or_reprovision(f->c, &f->a, 0) >= 0);
	int x = -1, y = -1;
	for (int i = 0; i < f->c->nservers; i++)
		if (i != p) {
			if (x < 0)
				x = i;
			else
				y = i;
		}
	server_ip(f, x, ipx, sizeof(ipx));
	dpt_log("primary s%d; cut dbproxy B from replica s%d; then A restarts, B leads", p, x);
	assert_int_equal(sh("ip netns exec %s ip route add blackhole %s/32", f->ns, ipx), 0);
	kill(f->a.pid, SIGKILL);
	waitpid(f->a.pid, NULL, 0);
	f->a.pid = 0;
	if (!dpt_until(15000, b_leads, f)) {
		dump_logs(f);
		fail_msg("B did not take the lead");
	}
	assert_int_equal(dpt_proxy_launch(&f->a, f->a.argv), 0);
	lock_wait lx = {f, x};
	if (!dpt_until(15000, a_holds, &lx)) {
		dump_logs(f);
		fail_msg("A did not take the lock of s%d", x);
	}
	assert_true(view_b(f).leader);
	assert_false(view_a(f).leader);
	assert_int_equal(view_a(f).primary, p);

	/* Writes through A; Y stops receiving, so that X is the only candidate that has them
	 * all. */
	dpt_writer_free(&W); /* the previous case's */
	assert_int_equal(dpt_writer_start_at(&W, &f->a, 2, 5000000), 0);
	assert_true(dpt_writer_wait(&W, 30, 20000));
	assert_int_equal(th_sql(f->c, y, "STOP SLAVE IO_THREAD"), 0);
	/* No wait for B to see Y stop: B's probes may still count Y as a semi-sync client, but
	 * the primary's own list of connected replicas no longer names it (dp_failover.c
	 * was_semi_client). */
	size_t before = dpt_writer_count(&W);
	assert_true(dpt_writer_wait(&W, before + 50, 20000));
	before = dpt_writer_count(&W);
	long behind = dpt_ledger_missing(f->c, y, &W, NULL);
	dpt_log("replica s%d stopped receiving: %ld acknowledged writes not there; kill -9 "
		"primary s%d",
		y, behind, p);
	assert_true(behind > 0);
	a_takes_over(f, p, x, before, ipx);
}

/* Five servers: the two dbproxies each read a majority and see different candidates. The
 * leader (B) is cut from one replica X only and keeps four locks; A takes X's. The other
 * replicas stop receiving, so that X alone acknowledged the last writes, and the primary dies:
 * B still holds three locks of five, a majority, but cannot read X, which the primary listed
 * as its replica: it refuses its failover (it cannot tell what X acknowledged) and steps down,
 * letting its locks go; A, which reads every replica, leads and fails over to X. 0 acknowledged
 * writes lost; B routes to nothing the leader did not publish, and follows once healed. Before
 * the step-down, B kept the lead and refused every 2 s, and nobody failed over while the cut
 * lasted. */
static void test_five_leader_blind_to_acknowledger(void **state)
{
	fixture *f = *state;
	const int p = 0, x = 4;
	char ipx[32];
	if (f->skip)
		skip();
	assert_true(view_b(f).leader);
	server_ip(f, x, ipx, sizeof(ipx));
	dpt_log("five servers; cut dbproxy B (the leader) from replica s%d", x);
	assert_int_equal(sh("ip netns exec %s ip route add blackhole %s/32", f->ns, ipx), 0);
	lock_wait lx = {f, x};
	if (!dpt_until(15000, a_holds, &lx)) {
		dump_logs(f);
		fail_msg("A did not take the lock of s%d", x);
	}
	assert_true(view_b(f).leader);
	assert_false(view_a(f).leader);

	assert_int_equal(dpt_writer_start(&W, &f->a, 2), 0);
	assert_true(dpt_writer_wait(&W, 30, 20000));
	assert_int_equal(view_a(f).primary, p);
	for (int i = 1; i < x; i++)
		assert_int_equal(th_sql(f->c, i, "STOP SLAVE IO_THREAD"), 0);
	size_t before = dpt_writer_count(&W);
	assert_true(dpt_writer_wait(&W, before + 50, 20000));
	before = dpt_writer_count(&W);
	long behind = dpt_ledger_missing(f->c, 1, &W, NULL);
	dpt_log("s1-s3 stopped receiving: %ld acknowledged writes missing on s1; kill -9 primary "
		"s%d",
		behind, p);
	assert_true(behind > 0);
	view b = a_takes_over(f, p, x, before, ipx);
	assert_true(b.refusals >= 1); /* B tried, and let go */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_from_primary_only),
	    cmocka_unit_test(test_leader_cut_from_majority),
	    cmocka_unit_test(test_leader_cut_from_advanced_replica),
	};
	const struct CMUnitTest five[] = {
	    cmocka_unit_test(test_five_leader_blind_to_acknowledger),
	};
	int failed = cmocka_run_group_tests_name("three servers", tests, setup, teardown);
	return failed + cmocka_run_group_tests_name("five servers", five, setup_five, teardown);
}
