/* panel-api under concurrent requests, continued, with two daemons on one database (as behind a
 * load balancer): an account deleted while creations of its objects are in flight must not
 * leave any of them behind (rows of a deleted account, or a database or user on the member
 * server that nothing deletes any more); two members adding a domain and a name under it at
 * once must not both get them; a login in flight with the old password while an administrator
 * resets it must not end with a working token; and a member with one slot left gets one object
 * however many requests it sends to both daemons at once. The interleavings are forced: the
 * test holds a row the first request needs, in a transaction of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

#define RACERS 8

static api_server srv, srv2; /* two daemons on one database, as behind a load balancer */
static char root[] = "/tmp/papi-race2-XXXXXX";
static char conf_extra[1024];

/* The member server is the shared cluster: what an earlier, interrupted run left of ours. */
static void drop_leftovers(th_cluster *cluster)
{
	MYSQL *m = th_connect(cluster, 0, NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (!m)
		return;
	if (mysql_query(m, "SELECT CONCAT('DROP DATABASE `', schema_name, '`') FROM"
			   " information_schema.schemata WHERE schema_name LIKE 'orph%'"
			   " UNION ALL SELECT CONCAT('DROP USER `', User, '`@`', Host, '`') FROM"
			   " mysql.user WHERE User LIKE 'orph%'") == 0 &&
	    (res = mysql_store_result(m))) {
		while ((row = mysql_fetch_row(res)))
			if (mysql_query(m, row[0]) != 0)
				fprintf(stderr, "%s: %s\n", row[0], mysql_error(m));
		mysql_free_result(res);
	}
	mysql_close(m);
}

/* A second panel-api process on the first one's configuration and database. */
static int spawn_second(void)
{
	char tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	srv2 = srv;
	snprintf(tmpl, sizeof(tmpl), "%s/papi-test2.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(srv2.dir, sizeof(srv2.dir), "%s", tmpl);
	snprintf(srv2.log, sizeof(srv2.log), "%s/panel-api.log", srv2.dir);
	return api_spawn(&srv2);
}

static int setup(void **state)
{
	th_cluster *cluster = NULL;

	(void)state;
	if (!mkdtemp(root))
		return -1;
	snprintf(conf_extra, sizeof(conf_extra),
		 "\n[member_database]\nclient_host = 127.0.0.1\n\n[hosting]\nroot = %s\n"
		 "fqdn = panel.host.example\npublic_ip = 192.0.2.10\n"
		 "ns1 = ns1.host.example\nns2 = ns2.host.example\n"
		 "default_mx = mx1.host.example\n",
		 root);
	if (th_cluster_shared(&cluster) == 0) {
		drop_leftovers(cluster);
		th_cluster_free(cluster);
	}
	if (api_group_start(&srv, conf_extra) < 0)
		return -1;
	if (spawn_second() < 0) {
		api_dump_log(&srv2, 40);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[2 * PATH_MAX + 64];
	int rc2 = api_terminate(&srv2);

	(void)state;
	if (rc2 != 0)
		api_dump_log(&srv2, 80);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", srv2.dir, root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", srv2.dir);
	drop_leftovers(srv.cluster);
	return api_stop(&srv) == 0 && rc2 == 0 ? 0 : -1;
}

struct racer {
	pthread_barrier_t *start; /* NULL: go at once */
	const api_server *server;
	const char *method, *path, *body;
	const char *token; /* NULL: the admin's; "": none */
	api_resp resp;
	int done; /* set (atomically) once resp holds the answer */
};

static void *race_one(void *arg)
{
	struct racer *r = arg;

	if (r->start)
		pthread_barrier_wait(r->start);
	api_request(&r->resp, r->server, r->method, r->path,
		    !r->token	? srv.admin_token
		    : *r->token ? r->token
				: NULL,
		    r->body, NULL);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Statements of the daemons in the test's database running for more than 300 ms: they are
 * quick, so such a one waits for a lock. (information_schema.innodb_trx does not list every
 * waiting transaction: an INSERT waiting on a duplicate key is missing.) */
static long long lock_waits(void)
{
	return api_number(&srv, "SELECT COUNT(*) FROM information_schema.processlist WHERE"
				" db = DATABASE() AND command IN ('Query', 'Execute') AND"
				" time_ms > 300 AND id <> CONNECTION_ID()");
}

/* Waits (up to 10 s) until at least n statements wait; 1 when they do. */
static int await_lock_waits(long long n)
{
	for (int i = 0; i < 500; i++) {
		if (lock_waits() >= n)
			return 1;
		api_sleep_ms(20);
	}
	return 0;
}

static void make_account(const char *login, const char *quota)
{
	char path[128];

	assert_int_equal(api_create_account(&srv, srv.admin_token, login, "Orphan-pass-123", ""),
			 201);
	snprintf(path, sizeof(path), "/api/v1/accounts/%s/quotas/%s", login, quota);
	assert_api_request(&srv, "PUT", path, srv.admin_token, "{\"value\": 5}", NULL, 200);
}

/* One case of creation against deletion. */
struct orphan_case {
	const char *login, *quota;
	const char *blocker; /* SQL holding the unique key the creation will insert */
	const char *path, *body;
	const char *left_sql;	/* counts what the account left behind, the uid appended */
	const char *server_sql; /* counts what it left on the member server, or NULL */
};

/* The creation (on one daemon) gets past its quota check, then waits on a row the test holds
 * with the unique key it inserts; meanwhile the account is deleted (on the other daemon). The
 * test lets the creation go: whichever order the two end in, nothing of the account may be
 * left once it is deleted. */
static void orphan_race(const struct orphan_case *c)
{
	struct racer create = {0}, del = {0};
	pthread_t tc, td;
	char path[128];
	long long uid, rows, on_server;
	MYSQL *m;

	make_account(c->login, c->quota);
	uid = api_number(&srv, "SELECT uid FROM membres WHERE login = '%s'", c->login);
	assert_true(uid > 0);
	m = th_connect(srv.cluster, 0, srv.db);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "START TRANSACTION"), 0);
	if (mysql_query(m, c->blocker) != 0)
		fail_msg("blocker: %s", mysql_error(m));

	create.server = &srv;
	create.method = "POST";
	create.path = c->path;
	create.body = c->body;
	assert_int_equal(pthread_create(&tc, NULL, race_one, &create), 0);
	/* The creation passed its quota check and waits on the test's row. */
	assert_true(await_lock_waits(1));
	snprintf(path, sizeof(path), "/api/v1/accounts/%s", c->login);
	del.server = &srv2;
	del.method = "DELETE";
	del.path = path;
	assert_int_equal(pthread_create(&td, NULL, race_one, &del), 0);
	/* The deletion waits too: for the creation (or, serialized, for its lock). */
	assert_true(await_lock_waits(2));
	mysql_query(m, "ROLLBACK");
	mysql_close(m);
	pthread_join(tc, NULL);
	pthread_join(td, NULL);
	rows = api_number(&srv, "%s%lld", c->left_sql, uid);
	on_server = c->server_sql ? api_number(&srv, "%s", c->server_sql) : 0;
	fprintf(stderr, "%s: create %ld, delete %ld; left: %lld row(s), %lld on the server\n",
		c->login, create.resp.status, del.resp.status, rows, on_server);
	if (create.resp.status != 201)
		fprintf(stderr, "  create: %s\n", create.resp.body ? create.resp.body : "");
	assert_int_equal(del.resp.status, 204);
	assert_int_equal(
	    api_number(&srv, "SELECT COUNT(*) FROM membres WHERE login = '%s'", c->login), 0);
	/* Nothing of the deleted account is left: no row that nothing will remove, and nothing on
	 * the member server that its deletion should have dropped. */
	assert_int_equal(rows, 0);
	assert_int_equal(on_server, 0);
	api_resp_free(&create.resp);
	api_resp_free(&del.resp);
}

static void test_delete_vs_database_create(void **state)
{
	static const struct orphan_case c = {
	    .login = "orphdb",
	    .quota = "mysql",
	    .blocker = "INSERT INTO db (uid, login, pass, db, bck_mode) VALUES (1, 'nobody', '',"
		       " 'orphdb_x', 0)",
	    .path = "/api/v1/accounts/orphdb/databases",
	    .body = "{\"suffix\": \"x\"}",
	    .left_sql = "SELECT COUNT(*) FROM db WHERE uid = ",
	    .server_sql = "SELECT COUNT(*) FROM information_schema.schemata WHERE"
			  " schema_name = 'orphdb_x'",
	};
	(void)state;
	orphan_race(&c);
}

static void test_delete_vs_dbuser_create(void **state)
{
	static const struct orphan_case c = {
	    .login = "orphdu",
	    .quota = "mysql_users",
	    .blocker = "INSERT INTO dbusers (uid, name) VALUES (1, 'orphdu_x')",
	    .path = "/api/v1/accounts/orphdu/dbusers",
	    .body = "{\"suffix\": \"x\", \"password\": \"Orphdu-db-pass-1\"}",
	    .left_sql = "SELECT COUNT(*) FROM dbusers WHERE uid = ",
	    .server_sql = "SELECT COUNT(*) FROM mysql.user WHERE User = 'orphdu_x'",
	};
	(void)state;
	orphan_race(&c);
}

static void test_delete_vs_ftp_create(void **state)
{
	static const struct orphan_case c = {
	    .login = "orphftp",
	    .quota = "ftp",
	    .blocker = "INSERT INTO ftpusers (name, password, encrypted_password, homedir, uid)"
		       " VALUES ('orphftp_x', '', 'x', '/nowhere/', 1)",
	    .path = "/api/v1/accounts/orphftp/ftp",
	    .body = "{\"prefix\": \"orphftp\", \"suffix\": \"x\", \"password\": "
		    "\"Orphftp-pass-123\"}",
	    .left_sql = "SELECT COUNT(*) FROM ftpusers WHERE uid = ",
	};
	(void)state;
	orphan_race(&c);
}

static void test_delete_vs_domain_create(void **state)
{
	static const struct orphan_case c = {
	    .login = "orphdom",
	    .quota = "dom",
	    .blocker = "INSERT INTO domaines (compte, domaine, gesdns, gesmx, noerase, dns_action)"
		       " VALUES (1, 'orphan-race.org', 1, 1, 0, 'OK')",
	    .path = "/api/v1/accounts/orphdom/domains",
	    .body = "{\"domain\": \"orphan-race.org\"}",
	    /* A domain of a deleted account not marked for deletion stays hosted for ever. */
	    .left_sql = "SELECT COUNT(*) FROM domaines WHERE dns_action <> 'DELETE' AND compte = ",
	};
	(void)state;
	orphan_race(&c);
}

/* A login in flight with the old password while an administrator resets it (after a theft:
 * "whoever held a token must log in with the new password") must not end with a token. The
 * login reads the account's hash, then waits on its throttling rows, which the test holds;
 * the reset (on the other daemon) commits meanwhile; then the login checks the old password
 * against the hash it read. */
static void test_login_vs_password_reset(void **state)
{
	char token[PANEL_TOKEN_MAX] = "", body[256];
	struct racer login = {0};
	pthread_t tl;
	long long users;
	api_resp r;
	MYSQL *m;

	(void)state;
	assert_int_equal(
	    api_create_account(&srv, srv.admin_token, "pwrace", "Pwrace-old-pass-1", ""), 201);
	/* A first login: the throttling rows of the login and the address exist. */
	assert_int_equal(api_login(&srv, "pwrace", "Pwrace-old-pass-1", NULL, 0, NULL), 200);
	m = th_connect(srv.cluster, 0, srv.db);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "START TRANSACTION"), 0);
	assert_int_equal(mysql_query(m, "SELECT COUNT(*) FROM panel_login_failures FOR UPDATE"), 0);
	mysql_free_result(mysql_store_result(m));
	users = api_number(&srv, "SELECT COUNT(*) FROM panel_login_failures");
	assert_true(users >= 1);

	snprintf(body, sizeof(body), "{\"login\": \"pwrace\", \"password\": \"%s\"}",
		 "Pwrace-old-pass-1");
	login.server = &srv;
	login.method = "POST";
	login.path = "/api/v1/auth/login";
	login.body = body;
	login.token = "";
	assert_int_equal(pthread_create(&tl, NULL, race_one, &login), 0);
	/* The login read the old hash and waits for its throttling rows. */
	assert_true(await_lock_waits(1));
	assert_api_request(&srv2, "PUT", "/api/v1/accounts/pwrace/password", srv.admin_token,
			   "{\"password\": \"Pwrace-new-pass-2\"}", NULL, 204);
	mysql_query(m, "ROLLBACK");
	mysql_close(m);
	pthread_join(tl, NULL);
	fprintf(stderr, "login with the old password during the reset: %ld\n", login.resp.status);
	if (login.resp.status == 200) {
		snprintf(token, sizeof(token), "%s", api_str(&login.resp, "token"));
		api_request(&r, &srv, "GET", "/api/v1/accounts/pwrace", token, NULL, NULL);
		fprintf(stderr, "its token after the reset: %ld\n", r.status);
		/* A token issued for the old password must not work after the reset. */
		assert_int_equal(r.status, 401);
		api_resp_free(&r);
	} else {
		assert_int_equal(login.resp.status, 401);
	}
	api_resp_free(&login.resp);
	/* The new password works. */
	assert_int_equal(api_login(&srv, "pwrace", "Pwrace-new-pass-2", NULL, 0, NULL), 200);
}

/* Protected folders have no quota: nothing in their creation waited for the account's
 * deletion. The test holds a session row of the account, so that the deletion has removed
 * the account's folders and waits there while the protection runs. */
static void test_delete_vs_protected_folder(void **state)
{
	struct racer del = {0}, protect = {0};
	pthread_t td, tp;
	long long uid, rows;
	MYSQL *m;

	(void)state;
	make_account("orphhta", "ftp");
	uid = api_number(&srv, "SELECT uid FROM membres WHERE login = 'orphhta'");
	assert_true(uid > 0);
	assert_int_equal(api_sql(&srv,
				 "INSERT INTO sessions (sid, uid, ip) VALUES"
				 " ('orphhta0123456789abcdef01234567', %lld, '')",
				 uid),
			 0);
	m = th_connect(srv.cluster, 0, srv.db);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "START TRANSACTION"), 0);
	assert_int_equal(mysql_query(m, "SELECT uid FROM sessions WHERE sid ="
					" 'orphhta0123456789abcdef01234567' FOR UPDATE"),
			 0);
	mysql_free_result(mysql_store_result(m));

	del.server = &srv2;
	del.method = "DELETE";
	del.path = "/api/v1/accounts/orphhta";
	assert_int_equal(pthread_create(&td, NULL, race_one, &del), 0);
	assert_true(await_lock_waits(1));
	protect.server = &srv;
	protect.method = "POST";
	protect.path = "/api/v1/accounts/orphhta/protected-folders";
	protect.body = "{\"dir\": \"/private\"}";
	assert_int_equal(pthread_create(&tp, NULL, race_one, &protect), 0);
	/* The protection ends, or waits behind the deletion. */
	for (int i = 0; i < 500 && !__atomic_load_n(&protect.done, __ATOMIC_ACQUIRE); i++) {
		if (lock_waits() >= 2)
			break;
		api_sleep_ms(20);
	}
	mysql_query(m, "ROLLBACK");
	mysql_close(m);
	pthread_join(tp, NULL);
	pthread_join(td, NULL);
	rows = api_number(&srv, "SELECT COUNT(*) FROM panel_hta_dirs WHERE uid = %lld", uid);
	fprintf(stderr, "orphhta: protect %ld, delete %ld; left: %lld folder(s)\n",
		protect.resp.status, del.resp.status, rows);
	assert_api_status(&del.resp, 204);
	api_resp_free(&protect.resp);
	api_resp_free(&del.resp);
	assert_int_equal(rows, 0);
}

/* Two members add, at the same time, a domain and a name under it: done one after the other,
 * the second is refused ("another account hosts a domain under"), never both accounts hosting
 * www.parent-race.org. The test
 * holds the second member's quota row, so that its addition has passed its name checks while
 * the first one's runs. */
static void test_domain_under_another_members(void **state)
{
	struct racer a = {0}, b = {0};
	pthread_t ta, tb;
	long long uid_b, www_a, child_b;
	MYSQL *m;
	char sql[160];

	(void)state;
	make_account("doma", "dom");
	make_account("domb", "dom");
	uid_b = api_number(&srv, "SELECT uid FROM membres WHERE login = 'domb'");
	assert_true(uid_b > 0);
	m = th_connect(srv.cluster, 0, srv.db);
	assert_non_null(m);
	assert_int_equal(mysql_query(m, "START TRANSACTION"), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT total FROM quotas WHERE uid = %lld AND name = 'dom' FOR UPDATE", uid_b);
	assert_int_equal(mysql_query(m, sql), 0);
	mysql_free_result(mysql_store_result(m));

	b.server = &srv2;
	b.method = "POST";
	b.path = "/api/v1/accounts/domb/domains";
	b.body = "{\"domain\": \"www.parent-race.org\"}";
	assert_int_equal(pthread_create(&tb, NULL, race_one, &b), 0);
	assert_true(await_lock_waits(1));
	a.server = &srv;
	a.method = "POST";
	a.path = "/api/v1/accounts/doma/domains";
	a.body = "{\"domain\": \"parent-race.org\"}";
	assert_int_equal(pthread_create(&ta, NULL, race_one, &a), 0);
	/* doma's addition ends, or waits behind domb's. */
	for (int i = 0; i < 500 && !__atomic_load_n(&a.done, __ATOMIC_ACQUIRE); i++) {
		if (lock_waits() >= 2)
			break;
		api_sleep_ms(20);
	}
	mysql_query(m, "ROLLBACK");
	mysql_close(m);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	www_a = api_number(&srv, "SELECT COUNT(*) FROM sub_domaines s JOIN membres m ON m.uid ="
				 " s.compte WHERE m.login = 'doma' AND s.domaine ="
				 " 'parent-race.org' AND s.sub = 'www'");
	child_b = api_number(&srv,
			     "SELECT COUNT(*) FROM domaines WHERE domaine ="
			     " 'www.parent-race.org' AND compte = %lld",
			     uid_b);
	fprintf(stderr,
		"doma's parent-race.org: %ld, domb's www.parent-race.org: %ld; doma's www "
		"entries: %lld, domb's domains there: %lld\n",
		a.resp.status, b.resp.status, www_a, child_b);
	/* The additions run one after the other (they lock the same key, panel_name_locks):
	 * domb's, first, is made; doma's then sees a domain of another account under its name. */
	assert_api_status(&b.resp, 201);
	assert_api_status(&a.resp, 409);
	api_resp_free(&a.resp);
	api_resp_free(&b.resp);
	/* Never both: another account's domain under doma's, and doma's own www entry there. */
	assert_false(www_a == 1 && child_b == 1);
}

/* A member with one FTP slot left sends creations to both daemons at once: one is made. */
static void test_last_slot_two_daemons(void **state)
{
	struct racer racers[RACERS];
	char bodies[RACERS][128];
	pthread_barrier_t start;
	pthread_t threads[RACERS];
	int created = 0;

	(void)state;
	make_account("slotftp", "ftp");
	assert_api_request(&srv, "PUT", "/api/v1/accounts/slotftp/quotas/ftp", srv.admin_token,
			   "{\"value\": 1}", NULL, 200);
	memset(racers, 0, sizeof(racers));
	assert_int_equal(pthread_barrier_init(&start, NULL, RACERS), 0);
	for (size_t i = 0; i < RACERS; i++) {
		snprintf(bodies[i], sizeof(bodies[i]),
			 "{\"prefix\": \"slotftp\", \"suffix\": \"s%zu\", \"password\": "
			 "\"Slotftp-pass-123\"}",
			 i);
		racers[i].start = &start;
		racers[i].server = i % 2 ? &srv2 : &srv;
		racers[i].method = "POST";
		racers[i].path = "/api/v1/accounts/slotftp/ftp";
		racers[i].body = bodies[i];
		assert_int_equal(pthread_create(&threads[i], NULL, race_one, &racers[i]), 0);
	}
	for (size_t i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	for (size_t i = 0; i < RACERS; i++) {
		if (racers[i].resp.status == 201)
			created++;
		else if (racers[i].resp.status != 422)
			fprintf(stderr, "unexpected %ld %s\n", racers[i].resp.status,
				racers[i].resp.body ? racers[i].resp.body : "");
		api_resp_free(&racers[i].resp);
	}
	assert_int_equal(created, 1);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM ftpusers f JOIN membres m USING"
					  " (uid) WHERE m.login = 'slotftp'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delete_vs_database_create),
	    cmocka_unit_test(test_delete_vs_dbuser_create),
	    cmocka_unit_test(test_delete_vs_ftp_create),
	    cmocka_unit_test(test_delete_vs_domain_create),
	    cmocka_unit_test(test_delete_vs_protected_folder),
	    cmocka_unit_test(test_domain_under_another_members),
	    cmocka_unit_test(test_last_slot_two_daemons),
	    cmocka_unit_test(test_login_vs_password_reset),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
