/* Resource exhaustion by one hostile member against a real panel-api: what a member can make
 * the service store or do without bound with its own login. Each test makes the attack as the
 * member and checks that what it leaves behind is bounded, and that other members still get
 * their work done.
 *
 * With PANEL_QUOTA_MEASURE=1 the measure_* tests also print what one member can grow (rows a
 * second) where no bound exists yet; they assert nothing about it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include "../api/api_support.h"

#define MEMBER_PASS "Quota-pass-2026"

static api_server srv;
static char root[] = "/tmp/papi-quotas-XXXXXX";
static char member[PANEL_TOKEN_MAX], other[PANEL_TOKEN_MAX];
static long long member_uid;

static const char *const owners[] = {"qmem", "qoth"};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long call(const char *token, const char *method, const char *path, const char *body,
		 const char *const *headers, char *code, size_t codesz)
{
	api_resp r;
	long status;

	if (api_request(&r, &srv, method, path, token, body, headers) < 0)
		return -1;
	status = r.status;
	if (code)
		snprintf(code, codesz, "%s", status >= 400 ? api_error_code(&r) : "");
	api_resp_free(&r);
	return status;
}

static void drop_leftovers(void)
{
	for (size_t i = 0; i < sizeof(owners) / sizeof(*owners); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
			 "DROP DATABASE IF EXISTS `%s`; DROP DATABASE IF EXISTS `%s_b`", owners[i],
			 owners[i]);
		th_sql(srv.cluster, 0, sql);
	}
}

static int setup(void **state)
{
	char conf[PATH_MAX + 128], cmd[2 * PATH_MAX + 64];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	/* Each bound here alone: the writes per member (test_api_ratelimit) are not limited. */
	snprintf(conf, sizeof(conf),
		 "member_write_rate = 0\n\n[member_database]\nclient_host = 127.0.0.1\n\n"
		 "[hosting]\nroot = %s\n",
		 root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/html/q/qmem' '%s/html/q/qoth'", root, root);
	if (system(cmd) != 0)
		return -1;
	if (api_group_start(&srv, conf) < 0)
		return -1;
	drop_leftovers();
	for (size_t i = 0; i < sizeof(owners) / sizeof(*owners); i++) {
		char path[128];
		if (api_create_account(&srv, srv.admin_token, owners[i], MEMBER_PASS, "") != 201)
			return -1;
		snprintf(path, sizeof(path), "/api/v1/accounts/%s/quotas/mysql", owners[i]);
		if (call(srv.admin_token, "PUT", path, "{\"value\": 2}", NULL, NULL, 0) != 200)
			return -1;
	}
	if (api_login(&srv, "qmem", MEMBER_PASS, member, sizeof(member), NULL) != 200 ||
	    api_login(&srv, "qoth", MEMBER_PASS, other, sizeof(other), NULL) != 200)
		return -1;
	member_uid = api_number(&srv, "SELECT uid FROM membres WHERE login = 'qmem'");
	if (call(member, "POST", "/api/v1/accounts/qmem/databases", "{}", NULL, NULL, 0) != 201 ||
	    call(member, "POST", "/api/v1/accounts/qmem/databases", "{\"suffix\": \"b\"}", NULL,
		 NULL, 0) != 201 ||
	    call(other, "POST", "/api/v1/accounts/qoth/databases", "{}", NULL, NULL, 0) != 201)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 32];
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(owners) / sizeof(*owners); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/api/v1/accounts/%s", owners[i]);
		call(srv.admin_token, "DELETE", path, NULL, NULL, NULL, 0);
	}
	drop_leftovers();
	rc = api_stop(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return rc == 0 ? 0 : -1;
}

/* The jobs of uid waiting or running, of one kind. */
static long long queued(long long uid, const char *action)
{
	return api_number(
	    &srv,
	    "SELECT COUNT(*) FROM panel_actions WHERE uid = %lld AND action = '%s' AND"
	    " state IN ('pending', 'running')",
	    uid, action);
}

/* Marks every queued dump and restore done, as the jobs runner would. */
static void run_queue(void)
{
	assert_int_equal(api_sql(&srv, "UPDATE panel_actions SET state = 'done', done_at = NOW(),"
				       " result = 'ok' WHERE action IN ('db_dump', 'db_restore')"
				       " AND state IN ('pending', 'running')"),
			 0);
}

/* ---------------------------------------------------------------- dumps and restores */

/* Each POST .../dump queued one more mariadb-dump of the whole database and one more file in
 * the member's web space: a member looping on it held the one jobs runner (every account's
 * dumps, restores and system work queue behind) and filled the disk. One dump or restore of a
 * database waits at a time; the next request is 409 conflict until it is done. */
static void repeated_dumps_queue_one_job(void **state)
{
	const int attempts = 200;
	int accepted = 0, refused = 0;
	char code[64];
	double t0;

	(void)state;
	run_queue();
	t0 = now_s();
	for (int i = 0; i < attempts; i++) {
		long st = call(member, "POST", "/api/v1/databases/qmem/dump", NULL, NULL, code,
			       sizeof(code));
		if (st == 202)
			accepted++;
		else if (st == 409 && strcmp(code, "conflict") == 0)
			refused++;
		else
			fail_msg("dump %d: %ld %s", i, st, code);
	}
	fprintf(stderr, "# %d dump requests in %.2f s: %d queued, %d refused\n", attempts,
		now_s() - t0, accepted, refused);
	assert_int_equal(queued(member_uid, "db_dump"), 1);
	assert_int_equal(accepted, 1);

	/* The member's other database, and another member's, are not held up by it. */
	assert_int_equal(call(member, "POST", "/api/v1/databases/qmem_b/dump", NULL, NULL, NULL, 0),
			 202);
	assert_int_equal(call(other, "POST", "/api/v1/databases/qoth/dump", NULL, NULL, NULL, 0),
			 202);
	/* Once the runner has done the dump, the next one is queued. */
	run_queue();
	assert_int_equal(call(member, "POST", "/api/v1/databases/qmem/dump", NULL, NULL, NULL, 0),
			 202);
	run_queue();
}

/* The same for restores: each reloads the whole database (the runner locks the account's
 * database for it); a member repeating the request of one recorded dump queued them all. */
static void repeated_restores_queue_one_job(void **state)
{
	const int attempts = 200;
	int accepted = 0;
	char code[64];

	(void)state;
	run_queue();
	assert_int_equal(
	    api_sql(&srv,
		    "INSERT IGNORE INTO panel_dumps (db, uid, file, sha256, size) VALUES"
		    " ('qmem', %lld, 'qmem-20260101-000000-000000.sql', REPEAT('0', 64),"
		    " 10)",
		    member_uid),
	    0);
	for (int i = 0; i < attempts; i++) {
		long st = call(member, "POST", "/api/v1/databases/qmem/restore",
			       "{\"file\": \"qmem-20260101-000000-000000.sql\"}", NULL, code,
			       sizeof(code));
		if (st == 202)
			accepted++;
		else if (st != 409 || strcmp(code, "conflict") != 0)
			fail_msg("restore %d: %ld %s", i, st, code);
	}
	assert_int_equal(queued(member_uid, "db_restore"), 1);
	assert_int_equal(accepted, 1);
	/* A dump waits for the restore too: one job of a database at a time. */
	assert_int_equal(call(member, "POST", "/api/v1/databases/qmem/dump", NULL, NULL, NULL, 0),
			 409);
	run_queue();
	assert_int_equal(call(member, "POST", "/api/v1/databases/qmem/restore",
			      "{\"file\": \"qmem-20260101-000000-000000.sql\"}", NULL, NULL, 0),
			 202);
	run_queue();
}

/* Many requests at once cannot slip several jobs in between the check and the insert: the
 * database's row is locked while its job is queued. */
struct burst {
	int accepted;
};

static void *dump_thread(void *arg)
{
	struct burst *b = arg;

	for (int i = 0; i < 25; i++)
		if (call(member, "POST", "/api/v1/databases/qmem/dump", NULL, NULL, NULL, 0) == 202)
			__atomic_add_fetch(&b->accepted, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void concurrent_dumps_queue_one_job(void **state)
{
	pthread_t t[4];
	struct burst b = {0};

	(void)state;
	run_queue();
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, dump_thread, &b), 0);
	for (size_t i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(b.accepted, 1);
	assert_int_equal(queued(member_uid, "db_dump"), 1);
	run_queue();
}

/* ---------------------------------------------------------------- request bodies */

/* panel-api's resident memory, in KiB. */
static long rss_kib(void)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)srv.pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

#define UPLOAD_SIZE (64L << 20) /* [files] upload_max_size's default */
#define UPLOADS	    8

/* Opens a connection and sends an upload's headers and all of its body but the last byte,
 * then leaves it open: the daemon holds what it read until the request ends. token NULL: no
 * credentials. The socket, or -1. */
static int upload_almost(const char *token, const char *path)
{
	static char chunk[1 << 20];
	struct sockaddr_in peer = {.sin_family = AF_INET};
	struct timeval tv = {5, 0};
	char head[1024];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long sent = 0;

	if (fd < 0)
		return -1;
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons((uint16_t)srv.port);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		close(fd);
		return -1;
	}
	int n = snprintf(head, sizeof(head),
			 "PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Type: "
			 "application/octet-stream\r\nContent-Length: %ld\r\n\r\n",
			 path, token ? "Authorization: Bearer " : "", token ? token : "",
			 token ? "\r\n" : "", UPLOAD_SIZE);
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n)
		return fd;
	memset(chunk, 'x', sizeof(chunk));
	while (sent < UPLOAD_SIZE - 1) {
		size_t want = (size_t)(UPLOAD_SIZE - 1 - sent) < sizeof(chunk)
				  ? (size_t)(UPLOAD_SIZE - 1 - sent)
				  : sizeof(chunk);
		ssize_t k = send(fd, chunk, want, MSG_NOSIGNAL);
		if (k <= 0)
			break; /* refused and closed by the daemon, or it stopped reading */
		sent += k;
	}
	return fd;
}

/* The growth of panel-api's memory while `count` connections hold an almost complete upload
 * each, in MiB. */
static long held_by_uploads(const char *token, const char *path, int count)
{
	int fds[UPLOADS];
	long before = rss_kib(), after;

	for (int i = 0; i < count; i++)
		fds[i] = upload_almost(token, path);
	api_sleep_ms(300);
	after = rss_kib();
	for (int i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	api_sleep_ms(300);
	return (after - before) / 1024;
}

/* An upload's body was kept in memory as it came, up to [files] upload_max_size (64 MiB,
 * grown by doubling to 128 MiB of buffer) before anyone checked who sent it: a client without
 * any credentials held that much of the daemon's memory per connection (32 per address, 1000
 * in all). The credentials are now checked when the headers are in, and an anonymous upload is
 * answered 401 without reading its body. */
static void an_anonymous_upload_holds_no_memory(void **state)
{
	long mib;

	(void)state;
	mib = held_by_uploads(NULL, "/api/v1/accounts/qmem/files/upload?path=/big", UPLOADS);
	fprintf(stderr, "# %d anonymous uploads of 64 MiB held open: panel-api grew %ld MiB\n",
		UPLOADS, mib);
	assert_true(mib < 32);
	/* Still answered as before. */
	assert_int_equal(
	    call(NULL, "PUT", "/api/v1/accounts/qmem/files/upload?path=/x", NULL, NULL, NULL, 0),
	    401);
}

/* ---------------------------------------------------------------- measures */

static int measuring(void)
{
	const char *m = getenv("PANEL_QUOTA_MEASURE");

	return m && *m && strcmp(m, "0") != 0;
}

/* Idempotency keys: every write of a member with a new key stores a row for a day, even a
 * refused one (4xx answers are stored); nothing counts them per principal. */
static void measure_idempotency_rows(void **state)
{
	const int n = 2000;
	char header[300];
	const char *headers[] = {header, NULL};
	long long before, after;
	double t0, dt;

	(void)state;
	if (!measuring())
		skip();
	before = api_number(&srv, "SELECT COUNT(*) FROM panel_idempotency");
	long long audit_before = api_number(&srv, "SELECT COUNT(*) FROM panel_audit");
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		snprintf(header, sizeof(header), "Idempotency-Key: flood-%d-%0200d", i, 0);
		call(member, "PUT", "/api/v1/accounts/qmem/file-preferences", "{\"editsizex\": 70}",
		     headers, NULL, 0);
	}
	dt = now_s() - t0;
	after = api_number(&srv, "SELECT COUNT(*) FROM panel_idempotency");
	fprintf(stderr,
		"# audit: %lld rows (kept for good) by the same requests; %lld bytes a stored "
		"answer and key\n",
		api_number(&srv, "SELECT COUNT(*) FROM panel_audit") - audit_before,
		api_number(&srv, "SELECT ROUND(AVG(LENGTH(idem_key) + LENGTH(body) + 64 +"
				 " LENGTH(principal))) FROM panel_idempotency"));
	fprintf(stderr,
		"# idempotency: %lld rows stored by one member in %.2f s (%.0f rows/s, %.1f M a "
		"day, one client connection)\n",
		after - before, dt, (double)(after - before) / dt,
		(double)(after - before) / dt * 86400 / 1e6);
}

/* Login tokens: a right password is never throttled, each login stores a token for
 * token_ttl, and costs a password hash on a worker thread. */
static void *login_thread(void *arg)
{
	int *count = arg;
	double end = now_s() + 10;

	while (now_s() < end)
		if (api_login(&srv, "qmem", MEMBER_PASS, NULL, 0, NULL) == 200)
			(*count)++;
	return NULL;
}

static void measure_login_tokens(void **state)
{
	pthread_t t[8];
	int counts[8] = {0}, total = 0;
	long long before, after;
	double worst = 0, t0;

	(void)state;
	if (!measuring())
		skip();
	t0 = now_s();
	for (int i = 0; i < 5; i++) {
		double s = now_s();
		call(other, "GET", "/api/v1/accounts/qoth", NULL, NULL, NULL, 0);
		if (now_s() - s > worst)
			worst = now_s() - s;
	}
	fprintf(stderr, "# victim GET idle: worst %.3f s (%.2f s for 5)\n", worst, now_s() - t0);
	before = api_number(&srv, "SELECT COUNT(*) FROM panel_tokens WHERE uid = %lld", member_uid);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, login_thread, &counts[i]);
	api_sleep_ms(1000);
	worst = 0;
	for (int i = 0; i < 5; i++) {
		double s = now_s();
		call(other, "GET", "/api/v1/accounts/qoth", NULL, NULL, NULL, 0);
		if (now_s() - s > worst)
			worst = now_s() - s;
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		total += counts[i];
	}
	after = api_number(&srv, "SELECT COUNT(*) FROM panel_tokens WHERE uid = %lld", member_uid);
	fprintf(stderr,
		"# login tokens: %d logins in 10 s, %lld new token rows (%.0f/s, %.2f M a day);"
		" victim GET under the flood: worst %.3f s\n",
		total, after - before, (double)(after - before) / 10,
		(double)(after - before) / 10 * 86400 / 1e6, worst);
}

/* A member's own uploads: each was bounded by upload_max_size, their number by the connections
 * (32 from one address) alone: eight held open took 512 MiB. What one account's uploads hold
 * is now bounded (api.member_upload_memory_mb), the others answered 429 before their body is
 * read; the daemon's total too (api.upload_memory_mb: test_api_uploads). */
static void a_member_s_uploads_hold_its_share(void **state)
{
	long mib;

	(void)state;
	mib = held_by_uploads(member, "/api/v1/accounts/qmem/files/upload?path=/big", UPLOADS);
	fprintf(stderr, "# %d member uploads of 64 MiB held open: panel-api grew %ld MiB\n",
		UPLOADS, mib);
	/* One of them (member_upload_memory_mb, 64 MiB by default), not eight (512 MiB). */
	assert_true(mib < 128);
	assert_int_equal(call(member, "PUT", "/api/v1/accounts/qmem/files/content?path=/small",
			      "{}", NULL, NULL, 0),
			 415); /* the route still answers */
}

/* A member's downloads of a 64 MiB file, read slowly: the answer stayed in memory until the
 * client had it all, twice at first (the reply's copy and libmicrohttpd's), then once per
 * connection (eight took 512 MiB). It is sent from the open file now: nothing held. */
static void a_slow_download_holds_no_copy(void **state)
{
	char cmd[PATH_MAX + 128], head[1024];
	struct sockaddr_in peer = {.sin_family = AF_INET};
	int fds[UPLOADS], rcvbuf = 4096;
	long before, after;

	(void)state;
	snprintf(cmd, sizeof(cmd), "head -c %ld /dev/zero > '%s/html/q/qmem/big'", UPLOAD_SIZE,
		 root);
	assert_int_equal(system(cmd), 0);
	before = rss_kib();
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons((uint16_t)srv.port);
	for (int i = 0; i < UPLOADS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		assert_int_equal(connect(fds[i], (struct sockaddr *)&peer, sizeof(peer)), 0);
		int n =
		    snprintf(head, sizeof(head),
			     "GET /api/v1/accounts/qmem/files/content?path=/big HTTP/1.1\r\nHost: "
			     "127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
			     member);
		assert_int_equal(send(fds[i], head, (size_t)n, MSG_NOSIGNAL), n);
	}
	api_sleep_ms(1500);
	after = rss_kib();
	for (int i = 0; i < UPLOADS; i++)
		close(fds[i]);
	fprintf(stderr, "# %d slow downloads of a 64 MiB file: panel-api grew %ld MiB\n", UPLOADS,
		(after - before) / 1024);
	/* No copy (one was 64 MiB a connection). */
	assert_true((after - before) / 1024 < 32);
	snprintf(cmd, sizeof(cmd), "rm -f '%s/html/q/qmem/big'", root);
	assert_int_equal(system(cmd), 0);
}

/* A member that truncates its file while it is being sent: the download ends short, its
 * connection closed (sent with sendfile, it waited for the missing bytes until the idle
 * timeout), and the daemon goes on answering. */
static void a_file_truncated_while_sent_ends_its_download(void **state)
{
	char cmd[PATH_MAX + 128], head[1024], buf[65536];
	struct sockaddr_in peer = {.sin_family = AF_INET};
	struct timeval tv = {20, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rcvbuf = 4096;
	long got = 0;
	ssize_t n;

	(void)state;
	snprintf(cmd, sizeof(cmd), "head -c %ld /dev/zero > '%s/html/q/qmem/shrinks'", UPLOAD_SIZE,
		 root);
	assert_int_equal(system(cmd), 0);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons((uint16_t)srv.port);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&peer, sizeof(peer)), 0);
	n = snprintf(head, sizeof(head),
		     "GET /api/v1/accounts/qmem/files/content?path=/shrinks HTTP/1.1\r\nHost: "
		     "127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
		     member);
	assert_int_equal(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
	assert_true(recv(fd, buf, sizeof(buf), 0) > 0);
	snprintf(cmd, sizeof(cmd), "truncate -s 1000 '%s/html/q/qmem/shrinks'", root);
	assert_int_equal(system(cmd), 0);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		got += n;
	close(fd);
	fprintf(stderr, "# a download truncated while sent: %ld more bytes, then %s\n", got,
		n == 0 ? "closed" : "timed out");
	assert_int_equal(n, 0);
	assert_true(got < UPLOAD_SIZE);
	assert_int_equal(
	    call(member, "GET", "/api/v1/accounts/qmem/files?path=/", NULL, NULL, NULL, 0), 200);
	snprintf(cmd, sizeof(cmd), "rm -f '%s/html/q/qmem/shrinks'", root);
	assert_int_equal(system(cmd), 0);
}

/* Each change of a protected folder (its protection, each user added, each password) queued
 * an hta_write, each rewriting the folder's whole .htaccess and .htpasswd from its rows: a
 * member repeating changes queued work for the one runner without bound. One waits per folder
 * now; the changes made meanwhile are in the rows it reads when it runs. */
static void repeated_folder_changes_queue_one_write(void **state)
{
	char body[256], path[128];

	(void)state;
	assert_int_equal(call(member, "POST", "/api/v1/accounts/qmem/protected-folders",
			      "{\"dir\": \"/h\"}", NULL, NULL, 0),
			 201);
	for (int i = 0; i < 20; i++) {
		snprintf(body, sizeof(body),
			 "{\"dir\": \"/h\", \"user\": \"h%d\", \"password\": \"Hta-pass-%d-xyz\"}",
			 i, i);
		assert_int_equal(call(member, "POST",
				      "/api/v1/accounts/qmem/protected-folders/users", body, NULL,
				      NULL, 0),
				 201);
	}
	snprintf(path, sizeof(path), "/api/v1/accounts/qmem/protected-folders/users/h0/password");
	for (int i = 0; i < 5; i++)
		assert_int_equal(call(member, "PUT", path,
				      "{\"dir\": \"/h\", \"password\": \"Other-pass-42-xyz\"}",
				      NULL, NULL, 0),
				 204);
	assert_int_equal(
	    api_number(&srv,
		       "SELECT COUNT(*) FROM panel_actions WHERE uid = %lld AND action ="
		       " 'hta_write' AND state = 'pending' AND args = '{\"dir\":\"/h\"}'",
		       member_uid),
	    1);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM panel_hta_users WHERE uid = %lld"
				    " AND dir = '/h'",
				    member_uid),
			 20);
	/* Once the runner has it, the next change queues a new one. */
	assert_int_equal(api_sql(&srv, "UPDATE panel_actions SET state = 'running' WHERE action ="
				       " 'hta_write' AND state = 'pending'"),
			 0);
	assert_int_equal(call(member, "PUT", path,
			      "{\"dir\": \"/h\", \"password\": \"Third-pass-42-xyz\"}", NULL, NULL,
			      0),
			 204);
	assert_int_equal(
	    api_number(&srv,
		       "SELECT COUNT(*) FROM panel_actions WHERE uid = %lld AND action ="
		       " 'hta_write' AND args = '{\"dir\":\"/h\"}'",
		       member_uid),
	    2);
	assert_int_equal(api_sql(&srv, "UPDATE panel_actions SET state = 'done', done_at = NOW()"
				       " WHERE action = 'hta_write'"),
			 0);
}

/* Protected folders and their users: no quota; each change queues an hta_write that rewrites
 * the folder's whole .htpasswd, and each user's password is hashed (bcrypt) on a worker. */
static void measure_protected_folders(void **state)
{
	const int n = 200;
	char body[256], code[64];
	long long users, folders, jobs;
	double t0, dt;
	long st;

	(void)state;
	if (!measuring())
		skip();
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "{\"dir\": \"/p%d\"}", i);
		st = call(member, "POST", "/api/v1/accounts/qmem/protected-folders", body, NULL,
			  code, sizeof(code));
		if (st != 201)
			fail_msg("protect %d: %ld %s", i, st, code);
	}
	dt = now_s() - t0;
	folders =
	    api_number(&srv, "SELECT COUNT(*) FROM panel_hta_dirs WHERE uid = %lld", member_uid);
	fprintf(stderr, "# protected folders: %lld made in %.2f s (%.0f/s)\n", folders, dt,
		(double)folders / dt);
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		snprintf(body, sizeof(body),
			 "{\"dir\": \"/p0\", \"user\": \"u%d\", \"password\": \"Hta-pass-%d-xyz\"}",
			 i, i);
		st = call(member, "POST", "/api/v1/accounts/qmem/protected-folders/users", body,
			  NULL, code, sizeof(code));
		if (st != 201)
			fail_msg("user %d: %ld %s", i, st, code);
	}
	dt = now_s() - t0;
	users =
	    api_number(&srv, "SELECT COUNT(*) FROM panel_hta_users WHERE uid = %lld", member_uid);
	jobs = api_number(&srv,
			  "SELECT COUNT(*) FROM panel_actions WHERE uid = %lld AND action ="
			  " 'hta_write' AND state = 'pending'",
			  member_uid);
	fprintf(stderr,
		"# protected-folder users: %lld added to one folder in %.2f s (%.0f/s, %.1f ms "
		"each); %lld hta_write jobs pending\n",
		users, dt, (double)users / dt, dt * 1000 / n, jobs);
}

/* Expensive file work on the worker threads: copies of a large tree, one per worker, while
 * another member waits for a plain read. */
struct copier {
	int index;
	long status;
};

static void *copy_thread(void *arg)
{
	struct copier *c = arg;
	char body[128];

	snprintf(body, sizeof(body), "{\"from\": \"/tree\", \"to\": \"/copy%d\"}", c->index);
	c->status = call(member, "POST", "/api/v1/accounts/qmem/files/copy", body, NULL, NULL, 0);
	return NULL;
}

static void measure_copies_hold_workers(void **state)
{
	char cmd[PATH_MAX + 256];
	pthread_t t[8];
	struct copier c[8];
	double worst = 0, t0;

	(void)state;
	if (!measuring())
		skip();
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/html/q/qmem/tree' && for i in 1 2 3 4; do head -c 67108864 "
		 "/dev/urandom > '%s/html/q/qmem/tree/f'$i; done",
		 root, root);
	assert_int_equal(system(cmd), 0);
	t0 = now_s();
	for (int i = 0; i < 8; i++) {
		c[i].index = i;
		pthread_create(&t[i], NULL, copy_thread, &c[i]);
	}
	api_sleep_ms(200);
	for (int i = 0; i < 5; i++) {
		double s = now_s();
		call(other, "GET", "/api/v1/accounts/qoth", NULL, NULL, NULL, 0);
		if (now_s() - s > worst)
			worst = now_s() - s;
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	fprintf(stderr,
		"# 8 copies of a 256 MiB tree: %.2f s in all (first status %ld); another member's "
		"GET meanwhile: worst %.3f s\n",
		now_s() - t0, c[0].status, worst);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/html/q/qmem/tree' '%s/html/q/qmem/copy'*", root,
		 root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(repeated_dumps_queue_one_job),
	    cmocka_unit_test(repeated_restores_queue_one_job),
	    cmocka_unit_test(concurrent_dumps_queue_one_job),
	    cmocka_unit_test(an_anonymous_upload_holds_no_memory),
	    cmocka_unit_test(a_member_s_uploads_hold_its_share),
	    cmocka_unit_test(a_slow_download_holds_no_copy),
	    cmocka_unit_test(a_file_truncated_while_sent_ends_its_download),
	    cmocka_unit_test(repeated_folder_changes_queue_one_write),
	    cmocka_unit_test(measure_idempotency_rows),
	    cmocka_unit_test(measure_login_tokens),
	    cmocka_unit_test(measure_protected_folders),
	    cmocka_unit_test(measure_copies_hold_workers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
