/* panel-api's mail and FTP routes against a real daemon and database: mailboxes whose stored
 * hash doveadm accepts, forwards, catch-alls, self-service with throttling, FTP accounts with
 * crypt(3) hashes, refusals, the authorization matrix and a race for the last mail slot. */
#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_matrix.h"

/* 127.0.0.1 (the tests) is a trusted proxy, so that self-service attempts can come from
 * addresses of their own (X-Forwarded-For) and their throttling does not reach the logins. */
#define CONF_EXTRA "trusted_proxies = 127.0.0.1/32\n\n[hosting]\nroot = /srv/alternc\n"

#define MAILBOX_PASS "Mail-Box-Pass-7"

static long add_domain(int who, const char *login, const char *domain)
{
	char path[128], body[256];

	snprintf(path, sizeof(path), "/api/v1/accounts/%s/domains", login);
	snprintf(body, sizeof(body), "{\"domain\": \"%s\"}", domain);
	return api_call(NULL, who, "POST", path, body);
}

static int setup(void **state)
{
	(void)state;
	if (api_cast_setup(CONF_EXTRA, "[\"accounts\", \"domains\"]") < 0)
		return -1;
	/* AlternC ships empty policies; the routes must apply whatever is configured. */
	if (api_sql(&srv, "UPDATE policy SET minsize = 8, classcount = 2 WHERE name IN ('pop', "
			  "'ftp')") != 0)
		return -1;
	if (api_set_quota("mema", "mail", 30) != 200 || api_set_quota("memb", "mail", 30) != 200 ||
	    api_set_quota("mema", "ftp", 10) != 200 || api_set_quota("memb", "ftp", 10) != 200 ||
	    add_domain(MA, "mema", "mail-a.org") != 201 ||
	    add_domain(MB, "memb", "mail-b.org") != 201 ||
	    add_domain(MC, "memc", "mail-c.org") != 201)
		return -1;
	/* The victims: memb's mailbox, catch-all and FTP account. */
	if (api_call(NULL, MB, "POST", "/api/v1/domains/mail-b.org/mail",
		     "{\"local\": \"jack\", \"password\": \"" MAILBOX_PASS
		     "\", \"recipients\": [\"jack@example.net\"]}") != 201 ||
	    api_call(NULL, MB, "POST", "/api/v1/domains/mail-b.org/mail",
		     "{\"local\": \"\", \"recipients\": [\"jack@mail-b.org\"]}") != 201 ||
	    api_call(NULL, MB, "POST", "/api/v1/accounts/memb/ftp",
		     "{\"prefix\": \"memb\", \"suffix\": \"site\", \"password\": "
		     "\"Ftp-pass-2026-b\"}") != 201)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return api_cast_teardown();
}

/* The first column of the first row, as text ("" when none): the panel database. */
static const char *text_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *text_of(const char *fmt, ...)
{
	static char value[1024];
	char sql[1024];
	va_list ap;
	MYSQL *m = th_connect(srv.cluster, 0, srv.db);
	MYSQL_RES *res;
	MYSQL_ROW row;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_non_null(m);
	if (mysql_query(m, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(m));
	res = mysql_store_result(m);
	row = res ? mysql_fetch_row(res) : NULL;
	snprintf(value, sizeof(value), "%s", row && row[0] ? row[0] : "");
	mysql_free_result(res);
	mysql_close(m);
	return value;
}

/* The hash dovecot reads for a login (its passdb query on mail_users). */
static const char *dovecot_hash(const char *address)
{
	return text_of("SELECT password FROM mail_users WHERE alias = '%s'", address);
}

/* doveadm pw -t: does dovecot itself accept password for this stored hash? */
static int dovecot_verifies(const char *hash, const char *password)
{
	int status = -1;
	pid_t pid;

	if (!*hash)
		return 0;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("doveadm", "doveadm", "pw", "-t", hash, "-p", password, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* crypt(3), as proftpd's SQL module checks the FTP password. */
static int crypt_verifies(const char *hash, const char *password)
{
	struct crypt_data data;
	const char *out;

	memset(&data, 0, sizeof(data));
	out = crypt_r(password, hash, &data);
	return *hash && out && strcmp(out, hash) == 0;
}

static const char *const *from_ip(const char *ip)
{
	static char header[96];
	static const char *headers[2];

	snprintf(header, sizeof(header), "X-Forwarded-For: %s", ip);
	headers[0] = header;
	headers[1] = NULL;
	return headers;
}

/* ---------------------------------------------------------------- mail */

static void test_mailbox_lifecycle(void **state)
{
	char hash[512];
	api_resp r;

	(void)state;
	api_call(&r, MA, "POST", "/api/v1/domains/mail-a.org/mail",
		 "{\"local\": \"john\", \"password\": \"" MAILBOX_PASS "\", \"recipients\": "
		 "[\"john.doe@example.net\", \"@example.org\"]}");
	assert_api_status(&r, 201);
	assert_string_equal(r.location, "/api/v1/mail/john@mail-a.org");
	assert_string_equal(api_str(&r, "address"), "john@mail-a.org");
	assert_string_equal(api_str(&r, "local"), "john");
	assert_string_equal(api_str(&r, "domain"), "mail-a.org");
	assert_true(json_is_true(json_object_get(r.json, "mailbox")));
	assert_int_equal(json_array_size(json_object_get(r.json, "recipients")), 2);
	assert_true(json_is_null(json_object_get(r.json, "expires")));
	assert_null(strstr(r.body, MAILBOX_PASS));
	assert_null(json_object_get(r.json, "password"));
	api_resp_free(&r);
	/* dovecot accepts the stored hash, under both login forms. */
	snprintf(hash, sizeof(hash), "%s", dovecot_hash("john@mail-a.org"));
	assert_true(dovecot_verifies(hash, MAILBOX_PASS));
	assert_false(dovecot_verifies(hash, "Mail-Box-Pass-8"));
	assert_true(dovecot_verifies(dovecot_hash("john_mail-a.org"), MAILBOX_PASS));

	api_call(&r, MA, "GET", "/api/v1/mail/john@mail-a.org", NULL);
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "address"), "john@mail-a.org");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/JOHN@Mail-A.org", NULL, 200);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/john%40mail-a.org", NULL, 200);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/nobody@mail-a.org", NULL, 404);

	/* PATCH: forwards, expiry, the box's password. */
	api_call(&r, MA, "PATCH", "/api/v1/mail/john@mail-a.org",
		 "{\"recipients\": [\"other@example.net\"], \"expires\": \"2099-01-31\"}");
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "recipients")), 1);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.json, "recipients"), 0)),
	    "other@example.net");
	assert_true(strncmp(api_str(&r, "expires"), "2099-01-31", 10) == 0);
	api_resp_free(&r);
	api_call(&r, MA, "PATCH", "/api/v1/mail/john@mail-a.org", "{\"expires\": \"\"}");
	assert_api_status(&r, 200);
	assert_true(json_is_null(json_object_get(r.json, "expires")));
	api_resp_free(&r);
	assert_api_call(NULL, MA, "PATCH", "/api/v1/mail/john@mail-a.org",
			"{\"password\": \"Patched-Box-Pass-1\"}", 200);
	assert_true(dovecot_verifies(dovecot_hash("john@mail-a.org"), "Patched-Box-Pass-1"));
	assert_false(dovecot_verifies(dovecot_hash("john@mail-a.org"), MAILBOX_PASS));
	assert_api_call(NULL, MA, "PUT", "/api/v1/mail/john@mail-a.org/password",
			"{\"password\": \"Put-Box-Pass-22\"}", 204);
	assert_true(dovecot_verifies(dovecot_hash("john@mail-a.org"), "Put-Box-Pass-22"));
	/* The admin resets it too; weak passwords and unknown fields are refused. */
	assert_api_call(NULL, AB, "PUT", "/api/v1/mail/john@mail-a.org/password",
			"{\"password\": \"Admin-Set-Pass-3\"}", 204);
	assert_true(dovecot_verifies(dovecot_hash("john@mail-a.org"), "Admin-Set-Pass-3"));
	api_call(&r, MA, "PUT", "/api/v1/mail/john@mail-a.org/password", "{\"password\": \"a\"}");
	assert_api_status(&r, 400);
	assert_string_equal(api_error_field(&r), "password");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "PUT", "/api/v1/mail/john@mail-a.org/password",
			"{\"password\": \"Admin-Set-Pass-4\", \"old_password\": \"x\"}", 400);
	assert_true(dovecot_verifies(dovecot_hash("john@mail-a.org"), "Admin-Set-Pass-3"));

	/* Removing the box: forwards must remain. */
	assert_int_equal(api_call(NULL, MA, "PATCH", "/api/v1/mail/john@mail-a.org",
				  "{\"mailbox\": false, \"recipients\": []}") /
			     100,
			 4);
	api_call(&r, MA, "PATCH", "/api/v1/mail/john@mail-a.org", "{\"mailbox\": false}");
	assert_api_status(&r, 200);
	assert_true(json_is_false(json_object_get(r.json, "mailbox")));
	api_resp_free(&r);
	assert_string_equal(dovecot_hash("john@mail-a.org"), "");
	assert_api_call(NULL, MA, "PUT", "/api/v1/mail/john@mail-a.org/password",
			"{\"password\": \"No-Box-Pass-55\"}", 409);
	/* ... and a password gives it a box again. */
	assert_api_call(NULL, MA, "PATCH", "/api/v1/mail/john@mail-a.org",
			"{\"password\": \"Box-Again-Pass-6\"}", 200);
	assert_true(dovecot_verifies(dovecot_hash("john@mail-a.org"), "Box-Again-Pass-6"));

	assert_api_call(NULL, MA, "DELETE", "/api/v1/mail/john@mail-a.org", NULL, 204);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/john@mail-a.org", NULL, 404);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/mail/john@mail-a.org", NULL, 404);
	assert_string_equal(dovecot_hash("john@mail-a.org"), "");
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, MAILBOX_PASS));
	assert_false(api_log_contains(&srv, "Put-Box-Pass-22"));
}

static void test_forwards_catchall_list(void **state)
{
	api_resp r;

	(void)state;
	/* A forward-only address, a catch-all ("" local, "@domain" in URLs). */
	api_call(&r, MA, "POST", "/api/v1/domains/mail-a.org/mail",
		 "{\"local\": \"fwd\", \"recipients\": [\"a@example.net\"]}");
	assert_api_status(&r, 201);
	assert_true(json_is_false(json_object_get(r.json, "mailbox")));
	api_resp_free(&r);
	assert_string_equal(dovecot_hash("fwd@mail-a.org"), "");
	api_call(&r, MA, "POST", "/api/v1/domains/mail-a.org/mail",
		 "{\"local\": \"\", \"recipients\": [\"fwd@mail-a.org\"]}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "address"), "@mail-a.org");
	assert_string_equal(r.location, "/api/v1/mail/@mail-a.org");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/@mail-a.org", NULL, 200);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/%40mail-a.org", NULL, 200);
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/mail-a.org/mail",
			"{\"local\": \"\", \"recipients\": [\"x@example.net\"]}", 409);
	/* A temporary address. */
	api_call(&r, MA, "POST", "/api/v1/domains/mail-a.org/mail",
		 "{\"local\": \"temp\", \"recipients\": [\"a@example.net\"], \"expires\": "
		 "\"2099-12-31 12:00:00\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "expires"), "2099-12-31 12:00:00");
	api_resp_free(&r);
	for (int i = 0; i < 4; i++) {
		char body[128];
		snprintf(body, sizeof(body),
			 "{\"local\": \"list%d\", \"recipients\": [\"a@b.org\"]}", i);
		assert_api_call(NULL, MA, "POST", "/api/v1/domains/mail-a.org/mail", body, 201);
	}

	/* Lists: ordered by address, prefix, pages. */
	api_call(&r, MA, "GET", "/api/v1/domains/mail-a.org/mail?limit=500", NULL);
	assert_api_status(&r, 200);
	assert_non_null(api_item(&r, "address", "@mail-a.org"));
	assert_non_null(api_item(&r, "address", "fwd@mail-a.org"));
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), api_items(&r));
	api_resp_free(&r);
	api_call(&r, MA, "GET", "/api/v1/domains/mail-a.org/mail?prefix=list", NULL);
	assert_int_equal(api_items(&r), 4);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 4);
	api_resp_free(&r);
	api_call(&r, MA, "GET", "/api/v1/domains/mail-a.org/mail?prefix=list&limit=3", NULL);
	assert_int_equal(api_items(&r), 3);
	assert_true(json_is_string(json_object_get(r.json, "next_cursor")));
	char path[256];
	snprintf(path, sizeof(path),
		 "/api/v1/domains/mail-a.org/mail?prefix=list&limit=3&cursor=%s",
		 json_string_value(json_object_get(r.json, "next_cursor")));
	api_resp_free(&r);
	api_call(&r, MA, "GET", path, NULL);
	assert_api_status(&r, 200);
	assert_int_equal(api_items(&r), 1);
	assert_non_null(api_item(&r, "address", "list3@mail-a.org"));
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	api_resp_free(&r);
	api_call(&r, MA, "GET", "/api/v1/domains/mail-a.org/mail?prefix=list&offset=2", NULL);
	assert_int_equal(api_items(&r), 2);
	assert_non_null(api_item(&r, "address", "list2@mail-a.org"));
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/mail-a.org/mail?prefix=zzz", NULL, 200);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/mail-a.org/mail?letter=a", NULL, 400);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/mail-a.org/mail?offset=1&cursor=a", NULL,
			400);
	assert_api_call(NULL, MA, "GET", "/api/v1/domains/mail-a.org/mail?limit=9999", NULL, 400);

	/* Deleting the catch-all by its encoded name. */
	assert_api_call(NULL, MA, "DELETE", "/api/v1/mail/%40mail-a.org", NULL, 204);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/@mail-a.org", NULL, 404);
}

static void test_mail_refusals(void **state)
{
	static const struct {
		const char *body;
		long status;
		const char *code, *field;
	} cases[] = {
	    {"{}", 400, "missing_field", "local"},
	    {"{\"local\": \"a\", \"recipient\": [\"x@y.org\"]}", 400, "unknown_field", "recipient"},
	    {"{\"local\": \"a\", \"recipients\": \"x@y.org\"}", 400, "invalid_field", "recipients"},
	    {"{\"local\": \"a\", \"recipients\": [1]}", 400, "invalid_field", "recipients"},
	    {"{\"local\": \"a\", \"recipients\": [\"not an address\"]}", 400, "invalid",
	     "recipients"},
	    /* Postfix's local delivery reads a leading :include: as a file of addresses. */
	    {"{\"local\": \"a\", \"recipients\": [\":include:x@y.org\"]}", 400, "invalid",
	     "recipients"},
	    {"{\"local\": \"a\", \"recipients\": [\"x@y.org\\r\\nBcc: z@y.org\"]}", 400,
	     "invalid_field", "recipients"},
	    {"{\"local\": \"a b\", \"password\": \"Good-Pass-2026\"}", 400, "invalid", "local"},
	    {"{\"local\": \"a@b\", \"password\": \"Good-Pass-2026\"}", 400, "invalid", "local"},
	    {"{\"local\": \"weak\", \"password\": \"abc\"}", 400, "invalid", "password"},
	    {"{\"local\": \"old\", \"recipients\": [\"x@y.org\"], \"expires\": \"2001-01-01\"}",
	     400, "invalid", "expires"},
	    {"{\"local\": \"bad\", \"recipients\": [\"x@y.org\"], \"expires\": \"soon\"}", 400,
	     "invalid", "expires"},
	    {"{\"local\": \"nothing\"}", 400, "invalid", NULL},
	    {"{\"local\": \"postmaster\", \"recipients\": [\"x@y.org\"]}", 409, "exists", NULL},
	};
	api_resp r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		api_call(&r, MA, "POST", "/api/v1/domains/mail-a.org/mail", cases[i].body);
		if (r.status != cases[i].status || strcmp(api_error_code(&r), cases[i].code) != 0 ||
		    (cases[i].field && strcmp(api_error_field(&r), cases[i].field) != 0))
			fail_msg("%s: %ld %s", cases[i].body, r.status, r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM mail_domain WHERE mail LIKE "
					  "'weak@%%' OR mail LIKE 'old@%%' OR mail LIKE 'a@%%'"),
			 0);
	/* A domain of someone else, a domain nobody has. */
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/nowhere-z.org/mail",
			"{\"local\": \"x\", \"recipients\": [\"a@b.org\"]}", 404);
	assert_api_call(NULL, MA, "PATCH", "/api/v1/mail/fwd@mail-a.org",
			"{\"local\": \"renamed\"}", 400);
	assert_api_call(NULL, MA, "PATCH", "/api/v1/mail/fwd@mail-a.org", "{\"mailbox\": \"no\"}",
			400);
	assert_int_equal(api_call(NULL, MA, "GET", "/api/v1/mail/not-an-address", NULL) / 100, 4);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/a%0d%0a@mail-a.org", NULL, 400);
	assert_api_call(NULL, MA, "GET", "/api/v1/mail/fwd@mail-a.org?x=1", NULL, 400);
}

/* The mail user's self-service: no token, its old password, throttled. */
static void test_self_service(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/mail-a.org/mail",
			"{\"local\": \"self\", \"password\": \"Self-Pass-Old-1\"}", 201);
	api_request(&r, &srv, "POST", "/api/v1/mail/self@mail-a.org/password", NULL,
		    "{\"old_password\": \"Self-Pass-Old-1\", \"password\": \"Self-Pass-New-2\"}",
		    from_ip("198.51.100.10"));
	assert_api_status(&r, 204);
	api_resp_free(&r);
	assert_true(dovecot_verifies(dovecot_hash("self@mail-a.org"), "Self-Pass-New-2"));
	assert_false(dovecot_verifies(dovecot_hash("self@mail-a.org"), "Self-Pass-Old-1"));
	/* The change is audited as the mail user, from the client's address. */
	assert_true(api_number(&srv,
			       "SELECT COUNT(*) FROM panel_audit WHERE action = "
			       "'mail.password_self' AND object_id = 'self@mail-a.org' AND ip ="
			       " '198.51.100.10'") >= 1);

	/* A wrong old password, an unknown address and an address without a box: the same 401. */
	char first[512] = "";
	static const char *const tries[][2] = {
	    {"/api/v1/mail/self@mail-a.org/password", "Wrong-Pass-000"},
	    {"/api/v1/mail/ghost@mail-a.org/password", "Self-Pass-New-2"},
	    {"/api/v1/mail/fwd@mail-a.org/password", "Self-Pass-New-2"},
	    {"/api/v1/mail/jack@mail-b.org/password", "Wrong-Pass-000"},
	};
	for (size_t i = 0; i < 4; i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "{\"old_password\": \"%s\", \"password\": \"Self-Pass-New-3\"}",
			 tries[i][1]);
		api_request(&r, &srv, "POST", tries[i][0], NULL, body, from_ip("198.51.100.11"));
		assert_api_status(&r, 401);
		assert_string_equal(api_error_code(&r), "login_failed");
		if (!first[0])
			snprintf(first, sizeof(first), "%s", api_error_message(&r));
		assert_string_equal(api_error_message(&r), first);
		api_resp_free(&r);
	}
	assert_true(dovecot_verifies(dovecot_hash("self@mail-a.org"), "Self-Pass-New-2"));
	assert_true(dovecot_verifies(dovecot_hash("jack@mail-b.org"), MAILBOX_PASS));
	/* Bodies are checked like any other; a token is not needed, nor used. */
	assert_api_request(&srv, "POST", "/api/v1/mail/self@mail-a.org/password", NULL,
			   "{\"password\": \"Self-Pass-New-3\"}", from_ip("198.51.100.12"), 400);
	assert_api_request(&srv, "POST", "/api/v1/mail/self@mail-a.org/password", NULL,
			   "{\"old_password\": \"Self-Pass-New-2\", \"password\": \"x\", "
			   "\"login\": \"mema\"}",
			   from_ip("198.51.100.12"), 400);
	assert_api_request(&srv, "POST", "/api/v1/mail/self@mail-a.org/password", NULL,
			   "{\"old_password\": \"Self-Pass-New-2\", \"password\": \"x\"}",
			   from_ip("198.51.100.12"), 400); /* policy "pop" */

	/* Throttling: repeated failures on one address from one client end in 429 with
	 * Retry-After, which then holds even for the right password from there. */
	assert_api_call(NULL, MA, "POST", "/api/v1/domains/mail-a.org/mail",
			"{\"local\": \"brute\", \"password\": \"Brute-Pass-Ok-1\"}", 201);
	long last = 0;
	int limited_at = -1;
	for (int i = 0; i < 12 && limited_at < 0; i++) {
		api_request(&r, &srv, "POST", "/api/v1/mail/brute@mail-a.org/password", NULL,
			    "{\"old_password\": \"Not-The-Pass-0\", \"password\": "
			    "\"Brute-Pass-New-2\"}",
			    from_ip("203.0.113.10"));
		last = r.status;
		if (r.status == 429) {
			limited_at = i;
			assert_string_equal(api_error_code(&r), "rate_limited");
			assert_true(atoi(r.retry_after) >= 1);
		} else {
			assert_api_status(&r, 401);
		}
		api_resp_free(&r);
	}
	assert_int_equal(last, 429);
	assert_true(limited_at >= 3);
	api_request(&r, &srv, "POST", "/api/v1/mail/brute@mail-a.org/password", NULL,
		    "{\"old_password\": \"Brute-Pass-Ok-1\", \"password\": \"Brute-Pass-New-2\"}",
		    from_ip("203.0.113.10"));
	assert_api_status(&r, 429);
	api_resp_free(&r);
	assert_true(dovecot_verifies(dovecot_hash("brute@mail-a.org"), "Brute-Pass-Ok-1"));
	/* Other addresses and the logins are not affected. */
	assert_api_request(&srv, "POST", "/api/v1/mail/self@mail-a.org/password", NULL,
			   "{\"old_password\": \"Self-Pass-New-2\", \"password\": "
			   "\"Self-Pass-New-4\"}",
			   from_ip("203.0.113.201"), 204);
	assert_int_equal(api_login(&srv, "mema", API_PASS, NULL, 0, NULL), 200);
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "Self-Pass-New-4"));

	/* Ten changes of a box's own password an hour (two so far): the eleventh is 429 with the
	 * wait until the oldest is an hour old (nearly all of it here). */
	for (int i = 4; i <= 12; i++) {
		char body[256];
		snprintf(
		    body, sizeof(body),
		    "{\"old_password\": \"Self-Pass-New-%d\", \"password\": \"Self-Pass-New-%d\"}",
		    i, i + 1);
		api_request(&r, &srv, "POST", "/api/v1/mail/self@mail-a.org/password", NULL, body,
			    from_ip("198.51.100.13"));
		assert_api_status(&r, i < 12 ? 204 : 429);
		if (i == 12) {
			assert_string_equal(api_error_code(&r), "rate_limited");
			assert_true(atoi(r.retry_after) > 3000);
		}
		api_resp_free(&r);
	}
	assert_true(dovecot_verifies(dovecot_hash("self@mail-a.org"), "Self-Pass-New-12"));
}

/* ---------------------------------------------------------------- FTP */

static void test_ftp(void **state)
{
	api_resp r;

	(void)state;
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/ftp",
		 "{\"prefix\": \"mema\", \"suffix\": \"web\", \"password\": \"Ftp-Pass-2026-a\", "
		 "\"dir\": \"/www\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "name"), "mema_web");
	assert_string_equal(api_str(&r, "owner"), "mema");
	assert_string_equal(api_str(&r, "dir"), "/www");
	assert_string_equal(r.location, "/api/v1/ftp/mema_web");
	assert_true(json_integer_value(json_object_get(r.json, "id")) > 0);
	assert_null(strstr(r.body, "Ftp-Pass"));
	api_resp_free(&r);
	assert_true(crypt_verifies(
	    text_of("SELECT encrypted_password FROM ftpusers WHERE name = 'mema_web'"),
	    "Ftp-Pass-2026-a"));
	/* Named after one of its domains, at the root of the web space. */
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/ftp",
		 "{\"prefix\": \"mail-a.org\", \"password\": \"Ftp-Pass-2026-c\"}");
	assert_api_status(&r, 201);
	assert_string_equal(api_str(&r, "name"), "mail-a.org");
	assert_string_equal(api_str(&r, "dir"), "/");
	api_resp_free(&r);

	api_call(&r, MA, "GET", "/api/v1/accounts/mema/ftp", NULL);
	assert_api_status(&r, 200);
	assert_int_equal(api_items(&r), 2);
	assert_non_null(api_item(&r, "name", "mema_web"));
	assert_null(api_item(&r, "name", "memb_site"));
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/ftp/mema_web", NULL, 200);

	/* PATCH moves and renames; the password through PUT or PATCH. */
	api_call(&r, MA, "PATCH", "/api/v1/ftp/mema_web", "{\"dir\": \"/www/site\"}");
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "dir"), "/www/site");
	api_resp_free(&r);
	api_call(&r, MA, "PATCH", "/api/v1/ftp/mema_web", "{\"suffix\": \"site\"}");
	assert_api_status(&r, 200);
	assert_string_equal(api_str(&r, "name"), "mema_site");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "GET", "/api/v1/ftp/mema_web", NULL, 404);
	assert_true(crypt_verifies(
	    text_of("SELECT encrypted_password FROM ftpusers WHERE name = 'mema_site'"),
	    "Ftp-Pass-2026-a"));
	assert_api_call(NULL, MA, "PUT", "/api/v1/ftp/mema_site/password",
			"{\"password\": \"Ftp-Pass-2026-d\"}", 204);
	assert_true(crypt_verifies(
	    text_of("SELECT encrypted_password FROM ftpusers WHERE name = 'mema_site'"),
	    "Ftp-Pass-2026-d"));
	assert_api_call(NULL, MA, "PATCH", "/api/v1/ftp/mema_site",
			"{\"password\": \"Ftp-Pass-2026-e\"}", 200);
	assert_true(crypt_verifies(
	    text_of("SELECT encrypted_password FROM ftpusers WHERE name = 'mema_site'"),
	    "Ftp-Pass-2026-e"));

	/* Refusals. */
	static const struct {
		const char *method, *path, *body;
		long status;
		const char *field;
	} bad[] = {
	    {"POST", "/api/v1/accounts/mema/ftp", "{\"prefix\": \"mema\", \"suffix\": \"x\"}", 400,
	     "password"},
	    {"POST", "/api/v1/accounts/mema/ftp",
	     "{\"suffix\": \"x\", \"password\": \"Ftp-Ok-2026\"}", 400, "prefix"},
	    {"POST", "/api/v1/accounts/mema/ftp",
	     "{\"prefix\": \"mema\", \"suffix\": \"x\", \"password\": \"a\"}", 400, "password"},
	    {"POST", "/api/v1/accounts/mema/ftp",
	     "{\"prefix\": \"mema\", \"suffix\": \"x\", \"password\": \"Ftp-Ok-2026\", \"dir\": "
	     "\"../../etc\"}",
	     400, "dir"},
	    {"POST", "/api/v1/accounts/mema/ftp",
	     "{\"prefix\": \"mema\", \"suffix\": \"a b\", \"password\": \"Ftp-Ok-2026\"}", 400,
	     "suffix"},
	    {"POST", "/api/v1/accounts/mema/ftp",
	     "{\"prefix\": \"mema\", \"suffix\": \"site\", \"password\": \"Ftp-Ok-2026\"}", 409,
	     "name"},
	    {"POST", "/api/v1/accounts/mema/ftp",
	     "{\"prefix\": \"mema\", \"password\": \"Ftp-Ok-2026\", \"uid\": 0}", 400, "uid"},
	    {"PATCH", "/api/v1/ftp/mema_site", "{\"dir\": \"/../..\"}", 400, "dir"},
	    {"PATCH", "/api/v1/ftp/mema_site", "{\"homedir\": \"/\"}", 400, "homedir"},
	    {"PUT", "/api/v1/ftp/mema_site/password", "{}", 400, "password"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_call(&r, MA, bad[i].method, bad[i].path, bad[i].body);
		if (r.status != bad[i].status || strcmp(api_error_field(&r), bad[i].field) != 0)
			fail_msg("%s %s: %ld %s", bad[i].path, bad[i].body, r.status,
				 r.body ? r.body : "");
		api_resp_free(&r);
	}
	assert_non_null(
	    strstr(text_of("SELECT homedir FROM ftpusers WHERE name = 'mema_site'"), "/www/site"));
	/* Quota: 10 allowed; set it to the use, then one more is 422. */
	assert_int_equal(api_set_quota("mema", "ftp", 2), 200);
	api_call(&r, MA, "POST", "/api/v1/accounts/mema/ftp",
		 "{\"prefix\": \"mema\", \"suffix\": \"more\", \"password\": \"Ftp-Ok-2026\"}");
	assert_api_status(&r, 422);
	assert_string_equal(api_error_code(&r), "quota_exceeded");
	api_resp_free(&r);
	assert_int_equal(api_set_quota("mema", "ftp", 10), 200);

	assert_api_call(NULL, MA, "DELETE", "/api/v1/ftp/mema_site", NULL, 204);
	assert_api_call(NULL, MA, "DELETE", "/api/v1/ftp/mema_site", NULL, 404);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM ftpusers WHERE name = 'mema_site'"),
			 0);
	api_log_settle(&srv);
	assert_false(api_log_contains(&srv, "Ftp-Pass-2026"));
}

/* ---------------------------------------------------------------- authorization */

#define JACK "jack@mail-b.org"
#define GJ   "jack@ghost-z.org"

static const api_row rows[] = {
#define DENIED(who)                                                                                \
	{who, "GET", "/api/v1/domains/mail-b.org/mail", NULL, 404, "mail-b.org", "ghost-z.org"},   \
	    {who,	   "GET",	 "/api/v1/domains/mail-b.org/mail?prefix=j", NULL, 404,    \
	     "mail-b.org", "ghost-z.org"},                                                         \
	    {who,                                                                                  \
	     "POST",                                                                               \
	     "/api/v1/domains/mail-b.org/mail",                                                    \
	     "{\"local\": \"pwn\", \"recipients\": [\"pwn@example.net\"]}",                        \
	     404,                                                                                  \
	     "mail-b.org",                                                                         \
	     "ghost-z.org"},                                                                       \
	    {who, "GET", "/api/v1/mail/" JACK, NULL, 404, JACK, GJ},                               \
	    {who, "GET", "/api/v1/mail/JACK@MAIL-B.ORG", NULL, 404, "MAIL-B", "GHOST-Z"},          \
	    {who, "GET", "/api/v1/mail/jack%40mail-b.org", NULL, 404, "mail-b", "ghost-z"},        \
	    {who,  "PATCH", "/api/v1/mail/" JACK, "{\"recipients\": [\"pwn@example.net\"]}", 404,  \
	     JACK, GJ},                                                                            \
	    {who,  "PATCH", "/api/v1/mail/" JACK, "{\"password\": \"Pwned-pass-2026\"}", 404,      \
	     JACK, GJ},                                                                            \
	    {who, "DELETE", "/api/v1/mail/" JACK, NULL, 404, JACK, GJ},                            \
	    {who,                                                                                  \
	     "PUT",                                                                                \
	     "/api/v1/mail/" JACK "/password",                                                     \
	     "{\"password\": \"Pwned-pass-2026\"}",                                                \
	     404,                                                                                  \
	     JACK,                                                                                 \
	     GJ},                                                                                  \
	    {who, "GET", "/api/v1/mail/@mail-b.org", NULL, 404, "mail-b.org", "ghost-z.org"},      \
	    {who, "DELETE", "/api/v1/mail/%40mail-b.org", NULL, 404, "mail-b.org", "ghost-z.org"}, \
	    {who, "GET", "/api/v1/accounts/memb/ftp", NULL, 404, "memb", "ghostacct"},             \
	    {who,                                                                                  \
	     "POST",                                                                               \
	     "/api/v1/accounts/memb/ftp",                                                          \
	     "{\"prefix\": \"memb\", \"suffix\": \"pwn\", \"password\": \"Pwned-pass-2026\"}",     \
	     404,                                                                                  \
	     "memb",                                                                               \
	     "ghostacct"},                                                                         \
	    {who, "GET", "/api/v1/ftp/memb_site", NULL, 404, "memb_site", "ghost_site"},           \
	    {who,	  "PATCH",     "/api/v1/ftp/memb_site", "{\"dir\": \"/\"}", 404,           \
	     "memb_site", "ghost_site"},                                                           \
	    {who, "DELETE", "/api/v1/ftp/memb_site", NULL, 404, "memb_site", "ghost_site"},        \
	{                                                                                          \
		who, "PUT", "/api/v1/ftp/memb_site/password",                                      \
		    "{\"password\": \"Pwned-pass-2026\"}", 404, "memb_site", "ghost_site"          \
	}
    DENIED(MA),
    DENIED(MC),
    DENIED(AC),
    DENIED(AB_MA),
    /* parameters naming someone else's objects on one's own routes */
    {MA, "POST", "/api/v1/accounts/mema/ftp",
     "{\"prefix\": \"memb\", \"suffix\": \"pwn\", \"password\": \"Pwned-pass-2026\"}", 400, "memb",
     "ghostacct"},
    {MA, "POST", "/api/v1/accounts/mema/ftp",
     "{\"prefix\": \"mail-b.org\", \"password\": \"Pwned-pass-2026\"}", 400, "mail-b.org",
     "ghost-z.org"},
    {MA, "PATCH", "/api/v1/ftp/mail-a.org", "{\"prefix\": \"mail-b.org\"}", 400, "mail-b.org",
     "ghost-z.org"},
    {MA, "PATCH", "/api/v1/ftp/mail-a.org", "{\"prefix\": \"memb\", \"suffix\": \"pwn\"}", 400,
     "memb", "ghostacct"},
    /* the owner, its admin and its keys */
    {MB, "GET", "/api/v1/mail/" JACK, NULL, 200, NULL, NULL},
    {AB, "GET", "/api/v1/domains/mail-b.org/mail", NULL, 200, NULL, NULL},
    {KB, "GET", "/api/v1/ftp/memb_site", NULL, 200, NULL, NULL},
    {KRO, "GET", "/api/v1/mail/" JACK, NULL, 200, NULL, NULL},
    {KRO, "PATCH", "/api/v1/mail/" JACK, "{\"recipients\": [\"pwn@example.net\"]}", 403, NULL,
     NULL},
    {KRO, "PUT", "/api/v1/ftp/memb_site/password", "{\"password\": \"Pwned-pass-2026\"}", 403, NULL,
     NULL},
    {KOTHER, "GET", "/api/v1/mail/" JACK, NULL, 403, NULL, NULL},
    {KOTHER, "GET", "/api/v1/accounts/memb/ftp", NULL, 403, NULL, NULL},
    {KOTHER, "DELETE", "/api/v1/ftp/memb_site", NULL, 403, NULL, NULL},
    {AC, "GET", "/api/v1/domains/mail-c.org/mail", NULL, 200, NULL, NULL},
    {AB, "GET", "/api/v1/domains/mail-c.org/mail", NULL, 404, "mail-c.org", "ghost-z.org"},
};

static void test_matrix(void **state)
{
	char homedir[1024];
	api_resp r;

	(void)state;
	snprintf(homedir, sizeof(homedir), "%s",
		 text_of("SELECT homedir FROM ftpusers WHERE name = 'memb_site'"));
	assert_true(homedir[0] != '\0');
	/* A bearer token is refused everywhere but on the self-service route. */
	assert_api_request(&srv, "GET", "/api/v1/mail/" JACK, NULL, NULL, NULL, 401);
	assert_api_request(&srv, "PUT", "/api/v1/mail/" JACK "/password", NULL,
			   "{\"password\": \"Pwned-pass-2026\"}", NULL, 401);
	assert_int_equal(api_run_matrix(rows, sizeof(rows) / sizeof(rows[0])), 0);
	/* Nothing the refused calls tried happened. */
	assert_true(dovecot_verifies(dovecot_hash(JACK), MAILBOX_PASS));
	api_call(&r, MB, "GET", "/api/v1/mail/" JACK, NULL);
	assert_api_status(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "recipients")), 1);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.json, "recipients"), 0)),
	    "jack@example.net");
	api_resp_free(&r);
	assert_int_equal(
	    api_number(&srv, "SELECT COUNT(*) FROM mail_domain WHERE mail = '@mail-b.org'"), 1);
	assert_int_equal(api_number(&srv,
				    "SELECT COUNT(*) FROM mail_domain WHERE mail LIKE 'pwn%%' "
				    "OR alias LIKE '%%pwn%%'"),
			 0);
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM ftpusers WHERE name LIKE '%%pwn%%' "
					  "OR name LIKE 'mail-b.org%%'"),
			 0);
	assert_true(crypt_verifies(
	    text_of("SELECT encrypted_password FROM ftpusers WHERE name = 'memb_site'"),
	    "Ftp-pass-2026-b"));
	assert_string_equal(text_of("SELECT homedir FROM ftpusers WHERE name = 'memb_site'"),
			    homedir);
}

/* ---------------------------------------------------------------- races */

/* Posts racing for the last free slots of the mail quota: exactly the free slots succeed. */
static void test_race_quota(void **state)
{
	enum { N = 12, FREE = 4 };
	api_racer racers[N];
	api_resp r;

	(void)state;
	assert_int_equal(api_create_account(&srv, tokens[AB], "quotam", API_PASS, ""), 201);
	assert_int_equal(add_domain(AB, "quotam", "race-m.org"), 201);
	api_call(&r, AB, "GET", "/api/v1/accounts/quotam/quotas/mail", NULL);
	long long used = json_integer_value(json_object_get(r.json, "used"));
	api_resp_free(&r);
	assert_int_equal(api_set_quota("quotam", "mail", (int)used + FREE), 200);
	memset(racers, 0, sizeof(racers));
	for (int i = 0; i < N; i++) {
		racers[i].who = i % 2 ? AB : KB;
		racers[i].method = "POST";
		snprintf(racers[i].path, sizeof(racers[i].path), "/api/v1/domains/race-m.org/mail");
		snprintf(racers[i].body, sizeof(racers[i].body),
			 i % 3 ? "{\"local\": \"box%d\", \"password\": \"Race-Box-Pass-%d\"}"
			       : "{\"local\": \"box%d\", \"recipients\": [\"r%d@example.net\"]}",
			 i, i);
	}
	assert_int_equal(api_race(racers, N), 0);
	int created = api_race_count(racers, N, 201), refused = api_race_count(racers, N, 422);
	for (int i = 0; i < N; i++)
		if (racers[i].resp.status == 422)
			assert_string_equal(api_error_code(&racers[i].resp), "quota_exceeded");
	api_race_free(racers, N);
	assert_int_equal(created, FREE);
	assert_int_equal(refused, N - FREE);
	api_call(&r, AB, "GET", "/api/v1/domains/race-m.org/mail?prefix=box", NULL);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), FREE);
	api_resp_free(&r);
	api_call(&r, AB, "GET", "/api/v1/accounts/quotam/quotas/mail", NULL);
	assert_int_equal(json_integer_value(json_object_get(r.json, "used")), used + FREE);
	api_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mailbox_lifecycle),
	    cmocka_unit_test(test_forwards_catchall_list),
	    cmocka_unit_test(test_mail_refusals),
	    cmocka_unit_test(test_self_service),
	    cmocka_unit_test(test_ftp),
	    cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_race_quota),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
