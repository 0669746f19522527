/* Header-only support for the panel-api tests: a fresh database of the shared cluster, a real
 * panel-api process on a free loopback port, and a small libcurl client with JSON answers. */
#ifndef API_SUPPORT_H
#define API_SUPPORT_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "panel/panel.h"
#include "th_cluster.h"
#include "ts_panel.h"

#define API_ADMIN_PASSWORD "Admin-Pass-2000"

typedef struct api_server {
	th_cluster *cluster;
	char db[128];
	char dir[PATH_MAX];
	char conf[PATH_MAX + 32];
	char log[PATH_MAX + 32];
	pid_t pid;
	int port;
	char base[64];
	char admin_token[PANEL_TOKEN_MAX];
} api_server;

typedef struct api_resp {
	long status;
	char *body;
	size_t len;
	json_t *json;
	char etag[80];
	char location[256];
	char allow[80];
	char retry_after[16];
	char request_id[40];
	char content_type[80];
	char www_authenticate[128];
	int replayed;
	/* The request, for assert_api_status's report. */
	const api_server *server;
	char method[16];
	char path[256];
} api_resp;

static inline void api_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static inline const char *api_binary(void)
{
	static char path[PATH_MAX];
	const char *build = getenv("PANEL_BUILD");
	snprintf(path, sizeof(path), "%s/bin/panel-api", build && *build ? build : "build/release");
	return path;
}

/* Runs SQL in the server's database (multi-statement). */
static inline int api_sql(const api_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline int api_sql(const api_server *s, const char *fmt, ...)
{
	char text[4096], full[4400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "USE `%s`; %s", s->db, text);
	return th_sql(s->cluster, 0, full);
}

static inline long long api_number(const api_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline long long api_number(const api_server *s, const char *fmt, ...)
{
	char text[4096], full[4400];
	va_list ap;
	MYSQL *m;
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long v = -1;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s", text);
	m = th_connect(s->cluster, 0, s->db);
	if (!m)
		return -1;
	if (mysql_query(m, full) == 0 && (res = mysql_store_result(m))) {
		if ((row = mysql_fetch_row(res)) && row[0])
			v = strtoll(row[0], NULL, 10);
		mysql_free_result(res);
	} else {
		fprintf(stderr, "api_number: %s: %s\n", full, mysql_error(m));
	}
	mysql_close(m);
	return v;
}

/* ---------------------------------------------------------------- HTTP client */

static inline size_t api_on_body(char *data, size_t size, size_t n, void *arg)
{
	api_resp *r = arg;
	size_t len = size * n;
	char *grown = realloc(r->body, r->len + len + 1);

	if (!grown)
		return 0;
	r->body = grown;
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static inline void api_copy_header(char *dst, size_t dstsz, const char *value, size_t len)
{
	while (len && (value[len - 1] == '\r' || value[len - 1] == '\n' || value[len - 1] == ' '))
		len--;
	while (len && *value == ' ') {
		value++;
		len--;
	}
	if (len >= dstsz)
		len = dstsz - 1;
	memcpy(dst, value, len);
	dst[len] = '\0';
}

static inline size_t api_on_header(char *data, size_t size, size_t n, void *arg)
{
	static const struct {
		const char *name;
		size_t off, size;
	} wanted[] = {
	    {"etag:", offsetof(api_resp, etag), sizeof(((api_resp *)0)->etag)},
	    {"location:", offsetof(api_resp, location), sizeof(((api_resp *)0)->location)},
	    {"allow:", offsetof(api_resp, allow), sizeof(((api_resp *)0)->allow)},
	    {"retry-after:", offsetof(api_resp, retry_after), sizeof(((api_resp *)0)->retry_after)},
	    {"x-request-id:", offsetof(api_resp, request_id), sizeof(((api_resp *)0)->request_id)},
	    {"content-type:", offsetof(api_resp, content_type),
	     sizeof(((api_resp *)0)->content_type)},
	    {"www-authenticate:", offsetof(api_resp, www_authenticate),
	     sizeof(((api_resp *)0)->www_authenticate)},
	};
	api_resp *r = arg;
	size_t len = size * n;

	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t nl = strlen(wanted[i].name);
		if (len > nl && strncasecmp(data, wanted[i].name, nl) == 0)
			api_copy_header((char *)r + wanted[i].off, wanted[i].size, data + nl,
					len - nl);
	}
	if (len > 20 && strncasecmp(data, "idempotent-replayed:", 20) == 0)
		r->replayed = strstr(data + 20, "true") != NULL;
	return len;
}

/* Clears out and notes the request it will hold the answer to. */
static inline void api_resp_start(api_resp *out, const api_server *s, const char *method,
				  const char *path)
{
	memset(out, 0, sizeof(*out));
	out->server = s;
	snprintf(out->method, sizeof(out->method), "%s", method);
	snprintf(out->path, sizeof(out->path), "%s", path);
}

/* With PANEL_API_RECORD=FILE (tests/run-tests sets it), every answer received is appended to
 * FILE as one JSON line {test, method, path, status, content_type, body, request_id}:
 * tests/api/openapi-check.py then checks each one against docs/openapi.yaml (the document is a
 * contract: an undocumented status or a body off its schema fails the run). One write(2) per
 * line on an O_APPEND file: threads and processes of a run never interleave their lines. */
static inline void api_record(const api_resp *r, const char *path)
{
	const char *file = getenv("PANEL_API_RECORD"), *test = getenv("PANEL_TEST_NAME");
	json_t *line, *body = NULL;
	char *text;
	int fd;

	if (!file || !*file || r->status <= 0)
		return;
	if (r->body && r->len) {
		body = json_stringn(r->body, r->len);
		if (!body) /* not UTF-8: the checker reports it */
			body = json_string("(the body is not valid UTF-8)");
	}
	line = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:s}", "test", test ? test : "", "method",
			 r->method, "path", path, "status", (int)r->status, "content_type",
			 r->content_type, "body", body ? body : json_null(), "request_id",
			 r->request_id);
	text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (!text)
		return;
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t len = strlen(text);
		text[len] = '\n'; /* over the NUL: written with its length */
		if (write(fd, text, len + 1) != (ssize_t)(len + 1))
			fprintf(stderr, "api_record: cannot write %s\n", file);
		close(fd);
	}
	free(text);
}

/* One request. token may be NULL; body may be NULL (no body) and is sent as JSON; headers is a
 * NULL-terminated list of extra "Name: value" lines (may be NULL). Returns 0 or -1 (transport
 * failure). */
static inline int api_request(api_resp *out, const api_server *s, const char *method,
			      const char *path, const char *token, const char *body,
			      const char *const *headers)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[8192], auth[PANEL_TOKEN_MAX + 32];
	CURLcode rc;

	api_resp_start(out, s, method, path);
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "%s%s", s->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, api_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	h = curl_slist_append(h, "Expect:");
	for (const char *const *x = headers; x && *x; x++)
		h = curl_slist_append(h, *x);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	else
		fprintf(stderr, "api_request %s %s: %s\n", method, path, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out->body && out->len)
		out->json = json_loads(out->body, 0, NULL);
	if (rc == CURLE_OK)
		api_record(out, path);
	return rc == CURLE_OK ? 0 : -1;
}

static inline void api_resp_free(api_resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Status of one call, the answer thrown away. */
static inline long api_status(const api_server *s, const char *method, const char *path,
			      const char *token, const char *body, const char *const *headers)
{
	api_resp r;
	long status;

	if (api_request(&r, s, method, path, token, body, headers) < 0)
		status = -1;
	else
		status = r.status;
	api_resp_free(&r);
	return status;
}

/* A string member of the answer (top level), or "" when absent. */
static inline const char *api_str(const api_resp *r, const char *key)
{
	const char *v = json_string_value(json_object_get(r->json, key));
	return v ? v : "";
}

/* error.code of an error answer, or "". */
static inline const char *api_error_code(const api_resp *r)
{
	const char *v =
	    json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));
	return v ? v : "";
}

static inline const char *api_error_field(const api_resp *r)
{
	const char *v =
	    json_string_value(json_object_get(json_object_get(r->json, "error"), "field"));
	return v ? v : "";
}

/* Logs in and copies the token; returns the status. */
static inline long api_login(const api_server *s, const char *login, const char *password,
			     char *token, size_t tokensz, const char *const *headers)
{
	char body[512];
	api_resp r;
	long status;

	snprintf(body, sizeof(body), "{\"login\": \"%s\", \"password\": \"%s\"}", login, password);
	if (api_request(&r, s, "POST", "/api/v1/auth/login", NULL, body, headers) < 0)
		return -1;
	status = r.status;
	if (token)
		snprintf(token, tokensz, "%s", api_str(&r, "token"));
	api_resp_free(&r);
	return status;
}

/* Creates an account through the API as token; returns the status. extra: more JSON members
 * (", \"admin\": true") or "". */
static inline long api_create_account(const api_server *s, const char *token, const char *login,
				      const char *password, const char *extra)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"login\": \"%s\", \"password\": \"%s\", \"mail\": \"%s@example.net\"%s}", login,
		 password, login, extra ? extra : "");
	return api_status(s, "POST", "/api/v1/accounts", token, body, NULL);
}

/* ---------------------------------------------------------------- the daemon */

static inline int api_write_conf(api_server *s, const char *api_extra)
{
	FILE *f = fopen(s->conf, "w");

	if (!f)
		return -1;
	fprintf(f,
		"[database]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword = %s\nname = %s\n\n"
		"[api]\nlisten = 127.0.0.1:0\nthreads = 4\n%s\n",
		s->cluster->servers[0].port, s->cluster->user, s->cluster->password, s->db,
		api_extra ? api_extra : "");
	return fclose(f) == 0 ? 0 : -1;
}

/* Starts panel-api on the server's configuration; waits until it listens. 0 or -1. */
static inline int api_spawn(api_server *s)
{
	char portfile[PATH_MAX + 32];
	FILE *f;

	snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
	unlink(portfile);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execl(api_binary(), "panel-api", "-c", s->conf, "--port-file", portfile,
		      (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", api_binary(), strerror(errno));
		_exit(127);
	}
	for (int i = 0; i < 600; i++) { /* 30 s: ASan builds start slowly */
		int st;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			fprintf(stderr, "panel-api exited at start (status %d), see %s\n", st,
				s->log);
			s->pid = 0;
			return -1;
		}
		f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;
			fclose(f);
			if (ok) {
				snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
				return 0;
			}
		}
		api_sleep_ms(50);
	}
	fprintf(stderr, "panel-api did not start in time\n");
	return -1;
}

/* SIGTERM, then the exit status (-1 when it did not exit normally). */
static inline int api_terminate(api_server *s)
{
	int st = 0;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	if (waitpid(s->pid, &st, 0) != s->pid)
		return -1;
	s->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A fresh database (migrated, with the super admin "admin", uid 2000) on cluster (NULL: the
 * shared one; otherwise it becomes the server's and api_stop frees it), a configuration with
 * api_extra appended to [api], and a running panel-api with the admin logged in. */
static inline int api_start_on(api_server *s, th_cluster *cluster, const char *api_extra)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	panel_actor sys = panel_actor_system();
	panel_account *a = NULL;
	panel *p;
	char tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	memset(s, 0, sizeof(*s));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s->cluster = cluster;
	if ((!s->cluster && th_cluster_shared(&s->cluster) < 0) ||
	    th_database_create(s->cluster, "api", s->db, sizeof(s->db)) < 0)
		return -1;
	p = ts_panel_open(s->cluster, s->db);
	if (panel_schema_migrate(NULL, NULL, p, &sys) < 0) {
		fprintf(stderr, "migrate: %s\n", panel_error_last()->message);
		panel_close(p);
		return -1;
	}
	spec.login = "admin";
	spec.password = API_ADMIN_PASSWORD;
	spec.mail = "admin@example.net";
	spec.admin = 1;
	if (panel_account_create(&a, p, &sys, &spec) < 0 || a->uid != 2000) {
		fprintf(stderr, "first admin: %s\n", panel_error_last()->message);
		panel_account_free(a);
		panel_close(p);
		return -1;
	}
	panel_account_free(a);
	panel_close(p);
	snprintf(tmpl, sizeof(tmpl), "%s/papi-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(s->dir, sizeof(s->dir), "%s", tmpl);
	snprintf(s->conf, sizeof(s->conf), "%s/panel.conf", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/panel-api.log", s->dir);
	if (api_write_conf(s, api_extra) < 0 || api_spawn(s) < 0)
		return -1;
	if (api_login(s, "admin", API_ADMIN_PASSWORD, s->admin_token, sizeof(s->admin_token),
		      NULL) != 200) {
		fprintf(stderr, "admin login failed\n");
		return -1;
	}
	return 0;
}

static inline int api_start(api_server *s, const char *api_extra)
{
	return api_start_on(s, NULL, api_extra);
}

static inline void api_dump_log(const api_server *s, int lines)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "tail -n %d '%s' >&2", lines, s->log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}

/* api_start for a group setup: when the daemon does not start, the end of its log is shown. */
static inline int api_group_start(api_server *s, const char *api_extra)
{
	if (api_start(s, api_extra) < 0) {
		api_dump_log(s, 40);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- assertions */

/* When the answer's status is not want, prints the request (as: the principal, or NULL), the
 * status, the answer's body and the tail of the daemon's log, and returns 1; else 0. */
static inline int api_status_report(const api_resp *r, long want, const char *as)
{
	size_t len = r->body ? r->len : 0;

	if (r->status == want)
		return 0;
	print_error("%s %s%s%s: status %ld%s, expected %ld\n", r->method[0] ? r->method : "?",
		    r->path[0] ? r->path : "?", as ? " as " : "", as ? as : "", r->status,
		    r->status == -1 ? " (transport failure)" : "", want);
	while (len && (r->body[len - 1] == '\n' || r->body[len - 1] == '\r'))
		len--;
	if (len)
		print_error("  body: %.*s%s\n", len > 2000 ? 2000 : (int)len, r->body,
			    len > 2000 ? "..." : "");
	else
		print_error("  no body\n");
	if (r->server && r->server->log[0]) {
		print_error("  panel-api log, last lines:\n");
		api_dump_log(r->server, 10);
	}
	return 1;
}

/* Fails the test unless the answer's status is want, showing the request and the answer
 * rather than "400 != 201" (libgit2's clar cl_git_pass is the model). */
#define assert_api_status(r, want) api_assert_status((r), (want), __FILE__, __LINE__)
static inline void api_assert_status(const api_resp *r, long want, const char *file, int line)
{
	if (api_status_report(r, want, NULL))
		_fail(file, line);
}

/* api_status that fails the test unless the status is want, showing the answer. */
#define assert_api_request(s, method, path, token, body, headers, want)                            \
	api_assert_request((s), (method), (path), (token), (body), (headers), (want), __FILE__,    \
			   __LINE__)
static inline void api_assert_request(const api_server *s, const char *method, const char *path,
				      const char *token, const char *body,
				      const char *const *headers, long want, const char *file,
				      int line)
{
	api_resp r;
	int failed;

	if (api_request(&r, s, method, path, token, body, headers) < 0)
		r.status = -1;
	failed = api_status_report(&r, want, NULL);
	api_resp_free(&r);
	if (failed)
		_fail(file, line);
}

/* Stops the daemon (its exit status must be 0: a leak under ASan makes it fail), drops the
 * database and removes the folder. Returns the daemon's exit status. */
static inline int api_stop(api_server *s)
{
	int rc = api_terminate(s);
	char cmd[PATH_MAX + 32];

	if (rc != 0)
		api_dump_log(s, 80);
	if (getenv("PANEL_TEST_KEEP")) { /* debugging: leave the database and the log */
		fprintf(stderr, "kept database %s and folder %s\n", s->db, s->dir);
		th_cluster_free(s->cluster);
		s->cluster = NULL;
		curl_global_cleanup();
		return rc;
	}
	if (s->cluster && s->db[0])
		th_database_drop(s->cluster, s->db);
	th_cluster_free(s->cluster);
	s->cluster = NULL;
	if (s->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", s->dir);
	}
	curl_global_cleanup();
	return rc;
}

/* The lines of the daemon's log that contain text. */
static inline int api_log_count(const api_server *s, const char *text)
{
	FILE *f = fopen(s->log, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

/* A log file contains text (for "never a password in the log" checks). */
static inline int api_log_contains(const api_server *s, const char *text)
{
	return api_log_count(s, text) > 0;
}

/* api_log_contains, waiting up to ms for the line: the daemon logs a request after it has
 * queued its answer, so the client may read the log first. */
static inline int api_log_wait(const api_server *s, const char *text, long ms)
{
	for (long waited = 0; !api_log_contains(s, text); waited += 20) {
		if (waited >= ms)
			return 0;
		api_sleep_ms(20);
	}
	return 1;
}

/* Before a check that something is NOT in the log: a marker request, its line awaited, then a
 * pause, so that the lines of the requests made before it (logged after their answers, by
 * any thread) are written. */
static inline void api_log_settle(const api_server *s)
{
	static int counter;
	char id[64], header[96];
	api_resp r;

	snprintf(id, sizeof(id), "log-settle-%d-%d", (int)getpid(), ++counter);
	snprintf(header, sizeof(header), "X-Request-Id: %s", id);
	const char *headers[] = {header, NULL};
	if (api_request(&r, s, "GET", "/healthz", NULL, NULL, headers) == 0)
		api_resp_free(&r);
	(void)api_log_wait(s, id, 5000);
	api_sleep_ms(100);
}

#endif
