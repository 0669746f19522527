/* dbproxy loses no acknowledged write, whatever the servers' semi-sync settings and whatever
 * dbproxy is doing when the primary dies. Each scenario starts its own cluster, a writer that
 * keeps a ledger of acknowledged ids, and kills the primary (-9); every acknowledged id must
 * then be on the new primary:
 *   (a) every node alike with MariaDB's own semi-sync defaults (wait_no_slave=ON): the
 *       replicas' SQL threads stall on the first replicated write, made before dbproxy starts;
 *       killed a few seconds after dbproxy started;
 *   (b) the harness's settings (wait_no_slave=OFF);
 *   (c) replicas whose SQL thread lags far behind the IO thread at the crash;
 *   (d) killed within the first second, while dbproxy is still configuring the replicas;
 *   (e) killed while an enforcement step (the heartbeat change) is in flight on a replica;
 *   (f) dbproxy itself killed and restarted under write load, then the primary killed.
 * (r) A failover that cannot tell whether an unread replica acknowledged more is refused until
 * the admin accepts the loss; (t) also when a replica stopped just before the last probe; (v) also
 * when the primary may have turned to asynchronous commits after its last probe, (w) but not a
 * failover run long after a crash under load. (s) The checks
 * dbproxy makes of the servers' settings: a replica that would stall its SQL thread (semi-sync
 * master with wait_no_slave=ON) is fixed and reported, and unsafe settings (sync_binlog=0,
 * log_slave_updates off...) are reported in /status with their fix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpt.h"

typedef struct scenario {
	const char *name;
	int semisync;		   /* TH_SEMISYNC or TH_SEMISYNC_DEFAULTS */
	int wait_configured;	   /* the load starts once dbproxy has configured the replicas */
	unsigned kill_after_ms;	   /* after routing opened (or after the configuration) */
	int lag_sql;		   /* replicas' SQL threads held back from before the crash */
	unsigned release_after_ms; /* ... until this long after it */
	int block_before_proxy; /* ... from before dbproxy starts: its enforcement waits on them */
	int restart_proxy;	/* dbproxy killed -9 and restarted under load first */
	int stalled_at_start;	/* a first write replicated before dbproxy starts */
} scenario;

/* A session on a replica that holds LOCK TABLES on the ledger: the replica's SQL thread waits
 * behind it while its IO thread keeps receiving (and acknowledging) everything. */
static MYSQL *hold_sql_thread(th_cluster *c, int idx)
{
	MYSQL *m = th_connect(c, idx, NULL);
	if (m && mysql_query(m, "LOCK TABLES " DPT_APP_DB ".ledger WRITE") != 0) {
		fprintf(stderr, "LOCK TABLES on s%d: %s\n", idx, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

static int ledger_replicated(void *arg)
{
	th_cluster *c = arg;
	for (int i = 1; i < c->nservers; i++)
		if (dpt_number(c, i,
			       "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA "
			       "= '" DPT_APP_DB "' AND TABLE_NAME = 'ledger'") != 1)
			return 0;
	return 1;
}

static void release_sql_thread(MYSQL *m)
{
	if (m) {
		if (mysql_query(m, "UNLOCK TABLES") != 0)
			fprintf(stderr, "UNLOCK TABLES: %s\n", mysql_error(m));
		mysql_close(m);
	}
}

/* Events received but not applied on server idx (bytes of the primary's binary log). */
static long long relay_backlog(th_cluster *c, int idx)
{
	MYSQL *m = th_connect(c, idx, NULL);
	long long backlog = -1;
	if (!m)
		return -1;
	if (mysql_query(m, "SHOW SLAVE STATUS") == 0) {
		MYSQL_RES *r = mysql_store_result(m);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		int read_pos = -1, exec_pos = -1;
		for (unsigned i = 0; r && i < mysql_num_fields(r); i++) {
			const char *name = mysql_fetch_field_direct(r, i)->name;
			if (!strcmp(name, "Read_Master_Log_Pos"))
				read_pos = (int)i;
			else if (!strcmp(name, "Exec_Master_Log_Pos"))
				exec_pos = (int)i;
		}
		if (row && read_pos >= 0 && exec_pos >= 0 && row[read_pos] && row[exec_pos])
			backlog = atoll(row[read_pos]) - atoll(row[exec_pos]);
		mysql_free_result(r);
	}
	mysql_close(m);
	return backlog;
}

/* True while dbproxy reports an enforcement step in flight on some server. */
static int enforcing(void *arg)
{
	const dpt_proxy *p = arg;
	json_t *st = dpt_status(p), *s;
	size_t i;
	int busy = 0;
	json_array_foreach(json_object_get(st, "servers"), i, s)
	{
		const char *e = json_string_value(json_object_get(s, "enforcing"));
		if (e && e[0])
			busy = 1;
	}
	json_decref(st);
	return busy;
}

/* One scenario's cluster, dbproxy and writer; the teardown releases whatever an assertion
 * left behind. */
static struct run {
	th_cluster *c;
	dpt_proxy p;
	dpt_writer w;
	int writing;
	MYSQL *held[TH_MAX_SERVERS];
} R;

static int run_teardown(void **state)
{
	(void)state;
	if (R.writing) {
		dpt_writer_stop(&R.w);
		dpt_writer_free(&R.w);
	}
	for (int i = 0; i < TH_MAX_SERVERS; i++)
		release_sql_thread(R.held[i]);
	if (R.p.pid > 0 && dpt_proxy_stop(&R.p) != 0)
		dpt_proxy_dump_log(&R.p, 80);
	th_cluster_free(R.c);
	memset(&R, 0, sizeof(R));
	return 0;
}

static void run_scenario(const scenario *sc)
{
	th_cluster *c;
	dpt_proxy *pp = &R.p;
	dpt_writer *wp = &R.w;
	MYSQL **held = R.held;
	char state[PATH_MAX + 32];
	const char *extra[] = {"--state-file", state, NULL};
	th_options opts = {.replicas = 2, .semisync = sc->semisync};

	dpt_log("scenario %s", sc->name);
	assert_int_equal(th_cluster_start(&R.c, &opts), 0);
	c = R.c;
	assert_int_equal(dpt_setup_users(c), 0);
	snprintf(state, sizeof(state), "%s/dbproxy.state", c->dir);
	if (sc->block_before_proxy) {
		assert_true(dpt_until(20000, ledger_replicated, c));
		for (int i = 1; i < c->nservers; i++)
			assert_non_null(held[i] = hold_sql_thread(c, i));
	}
	if (sc->stalled_at_start) {
		/* With wait_no_slave=ON, the replicas' SQL threads wait 10 s on this one. */
		assert_int_equal(
		    th_sql(c, 0, "INSERT INTO " DPT_APP_DB ".ledger VALUES (0, NOW())"), 0);
	}
	assert_int_equal(dpt_proxy_start(pp, c, extra), 0);
	if (sc->wait_configured)
		assert_true(dpt_until(20000, dpt_replicas_ready, pp));
	assert_int_equal(dpt_writer_start(wp, pp, 0), 0);
	R.writing = 1;
	assert_true(dpt_writer_wait(wp, 20, 20000));

	if (sc->restart_proxy) {
		size_t n = dpt_writer_count(wp);
		dpt_log("%s: kill -9 of dbproxy with %zu acknowledged", sc->name, n);
		assert_int_equal(dpt_proxy_restart(pp, SIGKILL), 0);
		assert_true(dpt_writer_wait(wp, n + 200, 20000));
	}
	if (sc->lag_sql && !sc->block_before_proxy) {
		assert_true(dpt_until(20000, ledger_replicated, c));
		for (int i = 1; i < c->nservers; i++)
			assert_non_null(held[i] = hold_sql_thread(c, i));
		size_t n = dpt_writer_count(wp);
		assert_true(dpt_writer_wait(wp, n + 300, 20000));
		for (int i = 1; i < c->nservers; i++) {
			long long backlog = relay_backlog(c, i);
			dpt_log("%s: s%d has %lld bytes received and not applied", sc->name, i,
				backlog);
			assert_true(backlog > 10000);
		}
	}
	if (sc->block_before_proxy) {
		/* The heartbeat change waits for the SQL thread: kill the primary meanwhile. */
		assert_true(dpt_until(10000, enforcing, pp));
		dpt_log("%s: an enforcement step is in flight", sc->name);
	}
	dpt_sleep_ms(sc->kill_after_ms);

	size_t before = dpt_writer_count(wp), checked = 0;
	uint64_t t0 = dpt_ms();
	dpt_log("%s: kill -9 of the primary s0 with %zu acknowledged", sc->name, before);
	assert_int_equal(th_server_signal(c, 0, SIGKILL), 0);
	if (sc->lag_sql) {
		dpt_sleep_ms(sc->release_after_ms); /* the failover waits for the relay logs */
		for (int i = 1; i < c->nservers; i++) {
			release_sql_thread(held[i]);
			held[i] = NULL;
		}
	}
	if (!dpt_writer_wait(wp, before + 50, 60000))
		dpt_proxy_dump_log(pp, 80);
	assert_true(dpt_writer_count(wp) >= before + 50);
	uint64_t epoch = 0;
	int np = dpt_primary(pp, &epoch);
	/* The soak (tests/bench/dbproxy-noloss-soak.sh) reads this line. */
	dpt_log("%s: writes resumed on s%d (epoch %llu) %llu ms after the kill; write gap %llu ms",
		sc->name, np, (unsigned long long)epoch, (unsigned long long)(dpt_ms() - t0),
		(unsigned long long)(dpt_writer_max_gap_us(wp, before ? before - 1 : 0) / 1000));
	assert_true(np > 0);

	dpt_writer_stop(wp);
	R.writing = 0;
	long missing = dpt_ledger_missing(c, np, wp, &checked);
	dpt_log("%s: %zu acknowledged ids checked on s%d, %ld missing (soak: lost=%ld)", sc->name,
		checked, np, missing, missing);
	dpt_writer_free(wp);
	if (missing != 0)
		dpt_proxy_dump_log(pp, 120);
	assert_int_equal(missing, 0);
	int rc = dpt_proxy_stop(pp);
	if (rc != 0)
		dpt_proxy_dump_log(pp, 80);
	assert_int_equal(rc, 0);
}

static void test_a_mariadb_defaults(void **state)
{
	static const scenario sc = {.name = "(a) MariaDB semi-sync defaults",
				    .semisync = TH_SEMISYNC_DEFAULTS,
				    .stalled_at_start = 1,
				    .kill_after_ms = 3000};
	(void)state;
	run_scenario(&sc);
}

static void test_b_harness_settings(void **state)
{
	static const scenario sc = {.name = "(b) harness settings",
				    .semisync = TH_SEMISYNC,
				    .wait_configured = 1,
				    .kill_after_ms = 1500};
	(void)state;
	run_scenario(&sc);
}

static void test_c_lagging_sql_threads(void **state)
{
	static const scenario sc = {.name = "(c) lagging SQL threads",
				    .semisync = TH_SEMISYNC_DEFAULTS,
				    .wait_configured = 1,
				    .lag_sql = 1,
				    .release_after_ms = 1500};
	(void)state;
	run_scenario(&sc);
}

static void test_d_kill_while_configuring(void **state)
{
	static const scenario sc = {.name = "(d) kill while dbproxy configures the replicas",
				    .semisync = TH_SEMISYNC_DEFAULTS,
				    .kill_after_ms = 300};
	(void)state;
	run_scenario(&sc);
}

static void test_e_kill_during_enforcement(void **state)
{
	static const scenario sc = {.name = "(e) kill during an enforcement step",
				    .semisync = TH_SEMISYNC,
				    .lag_sql = 1,
				    .block_before_proxy = 1,
				    .kill_after_ms = 200};
	(void)state;
	run_scenario(&sc);
}

static void test_f_proxy_restarted(void **state)
{
	static const scenario sc = {.name = "(f) dbproxy restarted under load",
				    .semisync = TH_SEMISYNC_DEFAULTS,
				    .wait_configured = 1,
				    .restart_proxy = 1,
				    .kill_after_ms = 500};
	(void)state;
	run_scenario(&sc);
}

/* ---------------------------------------------------------------- unread replicas */

/* Whether the newest failover in /history failed with an error that contains text (logged
 * once seen). */
static int failover_refused_with(const dpt_proxy *p, const char *text)
{
	char *body = NULL;
	int refused = 0;
	if (dpt_http(p, "GET", "/history", &body) == 200 && body) {
		json_t *h = json_loads(body, 0, NULL), *evs = json_object_get(h, "events");
		json_t *ev = json_array_get(evs, json_array_size(evs) - 1);
		const char *err = json_string_value(json_object_get(ev, "error"));
		refused = ev &&
			  !strcmp(json_string_value(json_object_get(ev, "result")), "failed") &&
			  err && strstr(err, text);
		if (refused)
			dpt_log("failover: %s", err);
		json_decref(h);
	}
	free(body);
	return refused;
}

/* Refused because s2 could not be read ((r), (t)). */
static int last_failover_refused(void *arg)
{
	return failover_refused_with(arg, "cannot tell whether s2");
}

/* Refused because semi-sync was, or may have been, off ((v)). */
static int last_failover_refused_async(void *arg)
{
	return failover_refused_with(arg, "refused: semi-sync replication");
}

static int s0_seen_up(void *arg)
{
	char health[32];
	return dpt_server_field(arg, 0, "health", health, sizeof(health)) == 0 &&
	       !strcmp(health, "up");
}

/* (r) A replica that may hold acknowledged writes and cannot be read: a hung one (SIGSTOP, it
 * is still the primary's semi-sync client) makes the automatic failover refuse, with the
 * reason in the history, until the admin accepts the loss; a crashed one (the primary counted
 * one client fewer before it died) does not. */
static void test_r_unread_replica(void **state)
{
	th_options opts = {.replicas = 2, .semisync = TH_SEMISYNC};
	char state_file[PATH_MAX + 32];
	const char *extra[] = {"--state-file", state_file, "--client-wait-ms", "2000", NULL};
	(void)state;
	assert_int_equal(th_cluster_start(&R.c, &opts), 0);
	th_cluster *c = R.c;
	assert_int_equal(dpt_setup_users(c), 0);
	snprintf(state_file, sizeof(state_file), "%s/dbproxy.state", c->dir);
	assert_int_equal(dpt_proxy_start(&R.p, c, extra), 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &R.p));
	assert_int_equal(dpt_writer_start(&R.w, &R.p, 2), 0);
	R.writing = 1;
	assert_true(dpt_writer_wait(&R.w, 50, 20000));

	/* Hung replica, then the primary dies: refused. */
	assert_int_equal(th_server_signal(c, 2, SIGSTOP), 0);
	dpt_sleep_ms(600); /* the primary's next probe still counts two clients */
	assert_int_equal(th_server_signal(c, 0, SIGKILL), 0);
	assert_true(dpt_until(20000, last_failover_refused, &R.p));
	assert_int_equal(dpt_primary(&R.p, NULL), 0);
	json_t *st = dpt_status(&R.p);
	assert_string_not_equal(json_string_value(json_object_get(st, "routing")), "open");
	json_decref(st);

	/* The admin accepts it: the failover runs and records why it might lose. */
	char gap[2048];
	assert_int_equal(dpt_forced_failover(&R.p, gap, sizeof(gap)), 200);
	assert_non_null(strstr(gap, "cannot tell whether s2"));
	assert_int_equal(dpt_primary(&R.p, NULL), 1);
	size_t n = dpt_writer_count(&R.w);
	assert_true(dpt_writer_wait(&R.w, n + 50, 20000));

	/* s2 continues and rejoins s1 (it is redirected); s0 comes back and is rejoined. */
	assert_int_equal(th_server_signal(c, 2, SIGCONT), 0);
	assert_int_equal(th_server_start(c, 0), 0);
	assert_true(dpt_until(10000, s0_seen_up, &R.p));
	assert_true(dpt_rejoin_or_reprovision(c, &R.p, 0) >= 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &R.p));

	/* A crashed replica: the primary (s1) stops counting it; then the primary dies. */
	assert_int_equal(th_server_signal(c, 2, SIGKILL), 0);
	n = dpt_writer_count(&R.w);
	assert_true(dpt_writer_wait(&R.w, n + 50, 20000));
	dpt_sleep_ms(600); /* a probe of the primary after it counted one client */
	assert_int_equal(th_server_signal(c, 1, SIGKILL), 0);
	n = dpt_writer_count(&R.w);
	if (!dpt_writer_wait(&R.w, n + 50, 20000))
		dpt_proxy_dump_log(&R.p, 60);
	assert_int_equal(dpt_primary(&R.p, NULL), 0);
	dpt_writer_stop(&R.w);
	R.writing = 0;
	size_t checked = 0;
	long missing = dpt_ledger_missing(c, 0, &R.w, &checked);
	dpt_log("(r) %zu acknowledged ids checked on s0, %ld missing", checked, missing);
	dpt_writer_free(&R.w);
	assert_int_equal(missing, 0);
}

/* (t) A replica that stopped replicating a moment before the primary's last probe is no client
 * of it then, although dbproxy saw it as one a probe ago: s1 stops receiving, s2 alone
 * acknowledges what follows, then s2 hangs and the primary dies. s1, the only replica that
 * can be read, lacks acknowledged writes; the failover must refuse, not take s1 for the
 * client that acknowledged them. */
static void test_t_replica_stopped_before_last_probe(void **state)
{
	th_options opts = {.replicas = 2, .semisync = TH_SEMISYNC};
	(void)state;
	assert_int_equal(th_cluster_start(&R.c, &opts), 0);
	th_cluster *c = R.c;
	assert_int_equal(dpt_setup_users(c), 0);
	assert_int_equal(dpt_proxy_start(&R.p, c, NULL), 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &R.p));
	assert_int_equal(dpt_writer_start(&R.w, &R.p, 2), 0);
	R.writing = 1;
	assert_true(dpt_writer_wait(&R.w, 50, 20000));

	uint64_t stopped = dpt_ms();
	assert_int_equal(th_sql(c, 1, "STOP SLAVE IO_THREAD"), 0);
	size_t n = dpt_writer_count(&R.w);
	assert_true(dpt_writer_wait(&R.w, n + 20, 20000)); /* acknowledged by s2 alone */
	while (dpt_ms() < stopped + 200)
		dpt_sleep_ms(10); /* a probe of the primary, likely, counts s2 alone */
	assert_int_equal(th_server_signal(c, 2, SIGSTOP), 0);
	assert_int_equal(th_server_signal(c, 0, SIGKILL), 0);
	assert_true(dpt_until(20000, last_failover_refused, &R.p));
	assert_int_equal(dpt_primary(&R.p, NULL), 0);
	long behind = dpt_ledger_missing(c, 1, &R.w, NULL);
	dpt_log("(t) s1 lacks %ld acknowledged write(s); the failover refused", behind);
	assert_true(behind > 0);
	assert_int_equal(th_server_signal(c, 2, SIGCONT), 0);
}

/* For (v) and (w): a primary and two semi-sync replicas, the primary with MariaDB's default
 * wait_no_slave=ON and a 1.5 s rpl_semi_sync_master_timeout, dbproxy (extra flags), a writer
 * with 50 acknowledged writes; then both replicas stop receiving, so that the writes wait. */
static th_cluster *start_stalled_replicas(const char *const *extra)
{
	th_options opts = {.replicas = 2, .semisync = TH_SEMISYNC};
	assert_int_equal(th_cluster_start(&R.c, &opts), 0);
	th_cluster *c = R.c;
	assert_int_equal(dpt_setup_users(c), 0);
	assert_int_equal(th_sql(c, 0,
				"SET GLOBAL rpl_semi_sync_master_timeout = 1500, "
				"GLOBAL rpl_semi_sync_master_wait_no_slave = ON"),
			 0);
	assert_int_equal(dpt_proxy_start(&R.p, c, extra), 0);
	assert_true(dpt_until(20000, dpt_replicas_ready, &R.p));
	assert_int_equal(dpt_writer_start(&R.w, &R.p, 2), 0);
	R.writing = 1;
	assert_true(dpt_writer_wait(&R.w, 50, 20000));
	assert_int_equal(th_sql(c, 1, "STOP SLAVE IO_THREAD"), 0);
	assert_int_equal(th_sql(c, 2, "STOP SLAVE IO_THREAD"), 0);
	return c;
}

/* (v) The primary turns to asynchronous commits between two probes: both replicas stop
 * receiving (STOP SLAVE IO_THREAD; the primary has MariaDB's default wait_no_slave=ON), its
 * writes wait rpl_semi_sync_master_timeout (1.5 s here) and are then acknowledged without any
 * replica, and it dies at once, before a probe can see semi-sync off. The failover must refuse:
 * before, the last probe had seen semi-sync on, and the failover promoted a replica that lacked
 * those writes. (A hung replica, SIGSTOP, does not show the loss: the kernel still takes the
 * events into its socket buffer, and it reads them once it continues.) */
static void test_v_async_switch_before_next_probe(void **state)
{
	(void)state;
	th_cluster *c = start_stalled_replicas(NULL);
	dpt_sleep_ms(500); /* what was acknowledged before is counted; the rest waits */
	size_t stalled = dpt_writer_count(&R.w);
	uint64_t t0 = dpt_ms();
	while (dpt_writer_count(&R.w) == stalled && dpt_ms() < t0 + 10000)
		dpt_sleep_ms(1);
	uint64_t resumed = dpt_ms();
	assert_true(dpt_writer_count(&R.w) > stalled); /* acknowledged without a replica */
	assert_int_equal(th_server_signal(c, 0, SIGKILL), 0);
	dpt_log("(v) writes stalled for %llu ms, s0 killed %llu ms after they resumed",
		(unsigned long long)(resumed - t0 + 500), (unsigned long long)(dpt_ms() - resumed));
	if (!dpt_until(20000, last_failover_refused_async, &R.p))
		dpt_proxy_dump_log(&R.p, 40);
	assert_int_equal(dpt_primary(&R.p, NULL), 0);
	dpt_writer_stop(&R.w);
	R.writing = 0;
	long behind = dpt_ledger_missing(c, 1, &R.w, NULL);
	dpt_log("(v) s1 lacks %ld acknowledged write(s); the failover refused", behind);
	dpt_writer_free(&R.w);
	assert_true(behind > 0);
}

/* (w) A failover decided long after the crash is not refused for the time it waited: as in
 * (v) the replicas stop receiving and the writes wait, but the primary dies 400 ms into the
 * wait, long before its 1.5 s rpl_semi_sync_master_timeout: nothing was acknowledged without a
 * replica. The admin runs the failover 3 s later (automatic failover off); it goes through and
 * loses nothing. (A first version of (v)'s check counted that wait against the primary and
 * refused every failover decided a timeout after a probe that saw commits waiting.) */
static void test_w_late_failover_after_crash(void **state)
{
	const char *extra[] = {"--auto-failover", "off", NULL};
	char *body = NULL;
	(void)state;
	th_cluster *c = start_stalled_replicas(extra);
	dpt_sleep_ms(400); /* probes see commits waiting, none acknowledged */
	assert_int_equal(th_server_signal(c, 0, SIGKILL), 0);
	dpt_sleep_ms(3000);
	int code = dpt_http(&R.p, "POST", "/failover", &body);
	if (code != 200)
		fprintf(stderr, "failover answered %d: %s\n", code, body ? body : "");
	free(body);
	assert_int_equal(code, 200);
	int np = dpt_primary(&R.p, NULL);
	assert_true(np == 1 || np == 2);
	size_t n = dpt_writer_count(&R.w);
	assert_true(dpt_writer_wait(&R.w, n + 50, 20000));
	dpt_writer_stop(&R.w);
	R.writing = 0;
	size_t checked = 0;
	long missing = dpt_ledger_missing(c, np, &R.w, &checked);
	dpt_log("(w) %zu acknowledged ids checked on s%d, %ld missing", checked, np, missing);
	dpt_writer_free(&R.w);
	assert_int_equal(missing, 0);
}

typedef struct mention_wait {
	const dpt_proxy *p;
	const char *text;
} mention_wait;

static int log_mentions(const dpt_proxy *p, const char *text);

static int mentioned(void *arg)
{
	mention_wait *m = arg;
	return log_mentions(m->p, m->text) > 0;
}

/* (u) A monitoring account that may not run SHOW SLAVE HOSTS (no REPLICATION MASTER ADMIN):
 * dbproxy says what to grant and keeps probing without it; its servers stay up and clients
 * reach the primary. */
static void test_u_probe_without_replica_hosts(void **state)
{
	th_options opts = {.replicas = 1, .semisync = TH_SEMISYNC};
	(void)state;
	assert_int_equal(th_cluster_start(&R.c, &opts), 0);
	th_cluster *c = R.c;
	assert_int_equal(dpt_setup_users(c), 0);
	assert_int_equal(th_sql(c, 0,
				"REVOKE REPLICATION MASTER ADMIN ON *.* FROM " DPT_MON_USER
				"@'127.0.0.1'"),
			 0);
	assert_int_equal(dpt_proxy_start(&R.p, c, NULL), 0);
	mention_wait m = {&R.p, "SHOW SLAVE HOSTS refused"};
	assert_true(dpt_until(10000, mentioned, &m));
	assert_true(dpt_until(10000, dpt_replicas_ready, &R.p));
	assert_int_equal(dpt_served_by(&R.p), c->servers[0].server_id);
	json_t *st = dpt_status(&R.p);
	assert_string_equal(json_string_value(json_object_get(st, "routing")), "open");
	json_decref(st);
}

/* ---------------------------------------------------------------- settings checks */

/* The settings findings of server idx in /status: a string of the "setting" names. */
static void findings(const dpt_proxy *p, int idx, char *out, size_t size, int *fixed)
{
	json_t *st = dpt_status(p), *s, *f;
	size_t i, k;
	char name[16];
	out[0] = 0;
	snprintf(name, sizeof(name), "s%d", idx);
	json_array_foreach(json_object_get(st, "servers"), i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "name")), name) != 0)
			continue;
		json_array_foreach(json_object_get(s, "settings"), k, f)
		{
			size_t len = strlen(out);
			snprintf(out + len, size - len, "%s ",
				 json_string_value(json_object_get(f, "setting")));
		}
		if (fixed)
			*fixed = json_is_true(json_object_get(json_object_get(s, "semi_sync"),
							      "master_off_by_dbproxy"));
	}
	json_decref(st);
}

typedef struct finding_wait {
	const dpt_proxy *p;
	int idx;
	const char *want; /* present, or absent when NULL and `gone` is set */
	const char *gone;
} finding_wait;

static int finding_matches(void *arg)
{
	finding_wait *w = arg;
	char f[1024];
	findings(w->p, w->idx, f, sizeof(f), NULL);
	return (!w->want || strstr(f, w->want)) && (!w->gone || !strstr(f, w->gone));
}

static int log_mentions(const dpt_proxy *p, const char *text)
{
	char buf[65536];
	FILE *f = fopen(p->log, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	int count = 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	for (const char *at = buf; (at = strstr(at, text)); at++)
		count++;
	return count;
}

/* (s) Settings that can stall or lose are reported with their fix, in /status and the log
 * (again on SIGHUP); the stalling one on replicas is fixed by dbproxy and undone at
 * promotion; a fixed setting disappears from the report. */
static void test_s_settings_checks(void **state)
{
	th_options opts = {.replicas = 2, .semisync = TH_SEMISYNC_DEFAULTS};
	char f[1024];
	int fixed = 0;
	(void)state;
	assert_int_equal(th_cluster_start(&R.c, &opts), 0);
	th_cluster *c = R.c;
	assert_int_equal(dpt_setup_users(c), 0);
	assert_int_equal(
	    th_sql(c, 2, "SET GLOBAL gtid_strict_mode = 0; SET GLOBAL sync_binlog = 1"), 0);
	assert_int_equal(dpt_proxy_start(&R.p, c, NULL), 0);

	/* The replicas' semi-sync master (wait_no_slave=ON) is switched off by dbproxy. */
	assert_true(dpt_until(10000, dpt_replicas_ready, &R.p));
	for (int i = 1; i < c->nservers; i++) {
		assert_int_equal(dpt_number(c, i, "SELECT @@global.rpl_semi_sync_master_enabled"),
				 0);
		findings(&R.p, i, f, sizeof(f), &fixed);
		dpt_log("(s) s%d findings: %s(semi-sync master switched off by dbproxy: %d)", i, f,
			fixed);
		assert_non_null(strstr(f, "rpl_semi_sync_master_wait_no_slave"));
		assert_true(fixed);
	}
	findings(&R.p, 0, f, sizeof(f), NULL);
	dpt_log("(s) s0 findings: %s", f);
	assert_non_null(strstr(f, "sync_binlog"));
	assert_null(strstr(f, "rpl_semi_sync_master_wait_no_slave")); /* the primary: fine */
	assert_null(strstr(f, "gtid_strict_mode"));
	/* MariaDB's default binlog_format, MIXED: temporary tables replicate. */
	assert_non_null(strstr(f, "binlog_format"));
	assert_int_equal(th_sql(c, 0, "SET GLOBAL binlog_format = 'ROW'"), 0);
	finding_wait row = {&R.p, 0, NULL, "binlog_format"};
	assert_true(dpt_until(5000, finding_matches, &row));
	findings(&R.p, 2, f, sizeof(f), NULL);
	assert_non_null(strstr(f, "gtid_strict_mode"));
	assert_null(strstr(f, "sync_binlog"));

	/* Fixed by the admin: gone from the report; reported again when it comes back. */
	assert_int_equal(th_sql(c, 0, "SET GLOBAL sync_binlog = 1"), 0);
	finding_wait gone = {&R.p, 0, NULL, "sync_binlog"};
	assert_true(dpt_until(5000, finding_matches, &gone));
	assert_int_equal(th_sql(c, 0, "SET GLOBAL innodb_flush_log_at_trx_commit = 2"), 0);
	finding_wait back = {&R.p, 0, "innodb_flush_log_at_trx_commit", NULL};
	assert_true(dpt_until(5000, finding_matches, &back));
	assert_true(log_mentions(&R.p, "server s0: setting innodb_flush_log_at_trx_commit") == 1);

	/* SIGHUP: every finding is logged again. */
	int before = log_mentions(&R.p, "server s2: setting gtid_strict_mode");
	assert_true(before >= 1);
	kill(R.p.pid, SIGHUP);
	for (int i = 0;
	     i < 100 && log_mentions(&R.p, "server s2: setting gtid_strict_mode") == before; i++)
		dpt_sleep_ms(50);
	assert_int_equal(log_mentions(&R.p, "server s2: setting gtid_strict_mode"), before + 1);

	/* Promotion switches semi-sync master on again on the new primary. */
	int code = dpt_http(&R.p, "POST", "/switchover?to=s1", NULL);
	assert_int_equal(code, 200);
	assert_int_equal(dpt_number(c, 1, "SELECT @@global.rpl_semi_sync_master_enabled"), 1);
	/* The old primary, now a replica, would stall: switched off there. */
	finding_wait off = {&R.p, 0, "rpl_semi_sync_master_wait_no_slave", NULL};
	assert_true(dpt_until(5000, finding_matches, &off));
	assert_int_equal(dpt_number(c, 0, "SELECT @@global.rpl_semi_sync_master_enabled"), 0);
}

int main(void)
{
	/* DPT_ONLY=a runs scenario (a) alone; DPT_REPEAT=N runs the chosen ones N times (the
	 * soak in tests/bench/dbproxy-noloss-soak.sh). */
	const char *only = getenv("DPT_ONLY");
	int repeat = getenv("DPT_REPEAT") ? atoi(getenv("DPT_REPEAT")) : 1;
	const struct CMUnitTest all[] = {
	    cmocka_unit_test_teardown(test_a_mariadb_defaults, run_teardown),
	    cmocka_unit_test_teardown(test_b_harness_settings, run_teardown),
	    cmocka_unit_test_teardown(test_c_lagging_sql_threads, run_teardown),
	    cmocka_unit_test_teardown(test_d_kill_while_configuring, run_teardown),
	    cmocka_unit_test_teardown(test_e_kill_during_enforcement, run_teardown),
	    cmocka_unit_test_teardown(test_f_proxy_restarted, run_teardown),
	    cmocka_unit_test_teardown(test_r_unread_replica, run_teardown),
	    cmocka_unit_test_teardown(test_t_replica_stopped_before_last_probe, run_teardown),
	    cmocka_unit_test_teardown(test_v_async_switch_before_next_probe, run_teardown),
	    cmocka_unit_test_teardown(test_w_late_failover_after_crash, run_teardown),
	    cmocka_unit_test_teardown(test_u_probe_without_replica_hosts, run_teardown),
	    cmocka_unit_test_teardown(test_s_settings_checks, run_teardown),
	};
	enum { NALL = sizeof(all) / sizeof(all[0]), MAX_RUNS = 1000 };
	static struct CMUnitTest chosen[MAX_RUNS];
	size_t n = 0;
	for (int r = 0; r < (repeat > 0 ? repeat : 1); r++)
		for (size_t i = 0; i < NALL && n < MAX_RUNS; i++) {
			/* test_<letter>_...: the letter names the scenario */
			if (only && only[0] && !strchr(only, all[i].name[5]))
				continue;
			chosen[n++] = all[i];
		}
	return _cmocka_run_group_tests("dbproxy no-loss", chosen, n, NULL, NULL);
}
