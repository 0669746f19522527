/* panel-api's file manager routes against a real daemon, database and hosting root: a file's
 * bytes written (raw application/octet-stream bodies, NUL bytes included) and read back, folders
 * listed, made, renamed, copied and deleted, the size limits (413 past upload_max_size, 400 past
 * max_size for an edit), a hostile member's paths and links refused with the files outside
 * untouched, the preferences, and the authorization matrix (others' spaces are 404, exactly as
 * a login nobody has). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "api_matrix.h"

static char root[] = "/tmp/panel-apifiles-XXXXXX";
static char outside[] = "/tmp/panel-apiout-XXXXXX";

static void shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shell(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

static int setup(void **state)
{
	char extra[512];

	(void)state;
	if (!mkdtemp(root) || !mkdtemp(outside))
		return -1;
	snprintf(extra, sizeof(extra),
		 "\n[hosting]\nroot = %s\n\n[files]\nmax_size = 2048\nupload_max_size = 100000\n",
		 root);
	if (api_cast_setup(extra, "[\"accounts\", \"domains\"]") < 0)
		return -1;
	shell("mkdir -p %s/html/m/mema %s/html/m/memb %s/html/m/memc && echo secret > %s/secret"
	      " && echo bobs > %s/html/m/memb/private",
	      root, root, root, outside, root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	return api_cast_teardown() == 0 && system(cmd) == 0 ? 0 : -1;
}

/* PUT of raw bytes as who, with content_type (NULL: application/octet-stream). */
static long put_bytes(api_resp *out, int who, const char *path, const char *data, size_t len,
		      const char *content_type)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[4096], line[PANEL_TOKEN_MAX + 64];
	api_resp ignored;
	api_resp *r = out ? out : &ignored;

	api_resp_start(r, &srv, "PUT", path);
	snprintf(url, sizeof(url), "%s%s", srv.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, api_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	snprintf(line, sizeof(line), "Authorization: Bearer %s", tokens[who]);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Content-Type: %s",
		 content_type ? content_type : "application/octet-stream");
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	if (who == AB_MA)
		h = curl_slist_append(h, api_as_mema[0]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = -1;
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (r->body && r->len)
		r->json = json_loads(r->body, 0, NULL);
	long status = r->status;
	if (!out)
		api_resp_free(&ignored);
	return status;
}

static const char *content(const char *rel)
{
	static char buf[4096];
	char full[1024];
	FILE *f;
	size_t n;

	snprintf(full, sizeof(full), "%s/%s", root, rel);
	buf[0] = '\0';
	if (!(f = fopen(full, "rb")))
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

#define FILES "/api/v1/accounts/mema/files"

static void test_files_flow(void **state)
{
	api_resp r;

	(void)state;
	assert_int_equal(put_bytes(&r, MA, FILES "/content?path=/site/a.txt", "x", 1, NULL), 404);
	assert_string_equal(api_error_field(&r), "path");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", FILES "/mkdir", "{\"path\": \"/site\"}", 201);
	assert_api_call(NULL, MA, "POST", FILES "/mkdir", "{\"path\": \"/site\"}", 409);
	assert_int_equal(put_bytes(&r, MA, FILES "/content?path=/site/a.txt", "hello\n", 6, NULL),
			 201);
	assert_true(json_is_true(json_object_get(r.json, "created")));
	api_resp_free(&r);
	assert_int_equal(put_bytes(NULL, MA, FILES "/content?path=/site/a.txt", "hi\n", 3, NULL),
			 200);
	assert_string_equal(content("html/m/mema/site/a.txt"), "hi\n");
	/* Bytes with NULs, through the upload route, come back exactly. */
	assert_int_equal(put_bytes(NULL, MA, FILES "/upload?path=site/b.bin", "a\0b", 3, NULL),
			 201);
	assert_api_call(&r, MA, "GET", FILES "/content?path=site/b.bin", NULL, 200);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.body, "a\0b", 3);
	assert_non_null(strstr(r.content_type, "application/octet-stream"));
	api_resp_free(&r);
	assert_api_call(&r, MA, "GET", FILES "?path=/site", NULL, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
			    "a.txt");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "type")),
			    "file");
	api_resp_free(&r);
	assert_api_call(&r, MA, "GET", FILES, NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", FILES "/copy", "{\"from\": \"site\", \"to\": \"site2\"}",
			204);
	assert_string_equal(content("html/m/mema/site2/a.txt"), "hi\n");
	assert_api_call(NULL, MA, "POST", FILES "/rename",
			"{\"from\": \"site2/a.txt\", \"to\": \"site/c.txt\"}", 204);
	assert_api_call(NULL, MA, "POST", FILES "/rename",
			"{\"from\": \"site\", \"to\": \"site2\"}", 409);
	assert_api_call(&r, MA, "POST", FILES "/chmod",
			"{\"path\": \"site2/b.bin\", \"writable\": false}", 200);
	assert_string_equal(api_str(&r, "mode"), "0460");
	api_resp_free(&r);
	assert_api_call(NULL, MA, "POST", FILES "/chmod", "{\"path\": \"site2/b.bin\"}", 400);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=site2", NULL, 204);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=site2", NULL, 404);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=/", NULL, 400);
	assert_api_call(NULL, MA, "DELETE", FILES, NULL, 400);
	assert_api_call(NULL, AB_MA, "GET", FILES "/content?path=site/c.txt", NULL, 200);
	assert_api_call(NULL, AB, "DELETE", FILES "?path=site", NULL, 204);
}

static void test_bodies_and_limits(void **state)
{
	static char big[100001];
	api_resp r;

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(put_bytes(&r, MA, FILES "/content?path=j", "{}", 2, "application/json"),
			 415);
	api_resp_free(&r);
	assert_int_equal(put_bytes(&r, MA, FILES "/content", "x", 1, NULL), 400);
	assert_string_equal(api_error_field(&r), "path");
	api_resp_free(&r);
	assert_int_equal(put_bytes(&r, MA, FILES "/content?path=e", big, 3000, NULL), 400);
	assert_string_equal(api_error_field(&r), "size");
	api_resp_free(&r);
	assert_int_equal(put_bytes(NULL, MA, FILES "/upload?path=u", big, 70000, NULL), 201);
	assert_int_equal(put_bytes(&r, MA, FILES "/upload?path=u", big, 100001, NULL), 413);
	assert_string_equal(api_error_code(&r), "body_too_large");
	api_resp_free(&r);
	assert_api_call(&r, MA, "GET", FILES "/content?path=u", NULL, 200);
	assert_int_equal(r.len, 70000);
	api_resp_free(&r);
	/* A JSON route still takes JSON only, within its own limit. */
	assert_api_call(NULL, MA, "POST", FILES "/mkdir", "{\"path\": \"d\", \"x\": 1}", 400);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=u", NULL, 204);
	/* The web quota. */
	assert_int_equal(api_set_quota("mema", "web", 10), 200);
	assert_int_equal(put_bytes(&r, MA, FILES "/upload?path=q", big, 20000, NULL), 422);
	assert_string_equal(api_error_code(&r), "quota_exceeded");
	api_resp_free(&r);
	assert_int_equal(api_set_quota("mema", "web", 0), 200);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {"..", "../memb/private", "a/../../memb/private", "-x",
					  "a//b"};
	char path[512];
	api_resp r;

	(void)state;
	shell("ln -s %s %s/html/m/mema/out && ln -s %s/html/m/memb %s/html/m/mema/bob"
	      " && ln -s %s/secret %s/html/m/mema/sec && mkfifo %s/html/m/mema/fifo",
	      outside, root, root, root, outside, root, root);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), FILES "/content?path=%s", bad[i]);
		assert_api_call(&r, MA, "GET", path, NULL, 400);
		assert_string_equal(api_error_field(&r), "path");
		api_resp_free(&r);
		assert_int_equal(put_bytes(NULL, MA, path, "pwned", 5, NULL), 400);
	}
	assert_api_call(NULL, MA, "GET", FILES "/content?path=a%0Ab", NULL, 400);
	assert_api_call(NULL, MA, "GET", FILES "/content?path=out/secret", NULL, 400);
	assert_api_call(NULL, MA, "GET", FILES "/content?path=sec", NULL, 400);
	assert_api_call(NULL, MA, "GET", FILES "/content?path=fifo", NULL, 400);
	assert_api_call(NULL, MA, "GET", FILES "?path=bob", NULL, 400);
	assert_int_equal(put_bytes(NULL, MA, FILES "/content?path=bob/private", "x", 1, NULL), 400);
	assert_int_equal(put_bytes(NULL, MA, FILES "/content?path=sec", "x", 1, NULL), 400);
	assert_api_call(NULL, MA, "POST", FILES "/copy", "{\"from\": \"out\", \"to\": \"o2\"}",
			204);
	assert_api_call(NULL, MA, "POST", FILES "/rename",
			"{\"from\": \"bob/private\", \"to\": \"mine\"}", 400);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=out/secret", NULL, 400);
	assert_api_call(NULL, MA, "POST", FILES "/chmod",
			"{\"path\": \"sec\", \"writable\": false}", 400);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=out", NULL, 204);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=o2", NULL, 204);
	assert_api_call(NULL, MA, "DELETE", FILES "?path=bob", NULL, 204);
	/* A name that is not UTF-8 is refused before anything is written: no JSON answer could
	 * hold it (before, the file was written, then the answer failed with a 500). */
	assert_int_equal(put_bytes(&r, MA, FILES "/content?path=x%FF.txt", "x", 1, NULL), 400);
	assert_string_equal(api_error_field(&r), "path");
	api_resp_free(&r);
	assert_int_equal(put_bytes(NULL, MA, FILES "/upload?path=y%C3%28.txt", "x", 1, NULL), 400);
	assert_int_equal(put_bytes(NULL, MA, FILES "/content?path=z%C2%85.txt", "x", 1, NULL), 400);
	shell("test -z \"$(ls %s/html/m/mema | grep -E '^(x|y|z).')\"", root);
	assert_int_equal(put_bytes(NULL, MA, FILES "/content?path=caf%C3%A9.txt", "x", 1, NULL),
			 201);
	assert_string_equal(content("html/m/mema/caf\xc3\xa9.txt"), "x");
	assert_api_call(NULL, MA, "DELETE", FILES "?path=caf%C3%A9.txt", NULL, 204);
	/* Listed as links, never followed; a name that is not UTF-8 does not break the list. */
	shell("touch %s/html/m/mema/$(printf 'bad\\377')", root);
	assert_api_call(&r, MA, "GET", FILES, NULL, 200);
	assert_non_null(strstr(r.body, "\"type\":\"link\""));
	assert_non_null(strstr(r.body, "\"name\":\"bad?\""));
	api_resp_free(&r);
	char full[512];
	snprintf(full, sizeof(full), "%s/secret", outside);
	FILE *f = fopen(full, "r");
	char line[32] = "";
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "secret\n");
	assert_string_equal(content("html/m/memb/private"), "bobs\n");
	struct stat st;
	snprintf(full, sizeof(full), "%s/html/m/mema/mine", root);
	assert_int_equal(lstat(full, &st), -1);
}

static void test_prefs(void **state)
{
	api_resp r;

	(void)state;
	assert_api_call(&r, MA, "GET", "/api/v1/accounts/mema/file-preferences", NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "editsizex")), 70);
	assert_string_equal(api_str(&r, "editor_size"), "12px");
	api_resp_free(&r);
	assert_api_call(&r, MA, "PUT", "/api/v1/accounts/mema/file-preferences",
			"{\"listmode\": 1, \"golastdir\": true, \"lastdir\": \"/site\"}", 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "listmode")), 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "editsizey")), 21);
	api_resp_free(&r);
	assert_int_equal(api_number(&srv, "SELECT golastdir FROM browser b JOIN membres m ON"
					  " m.uid = b.uid WHERE m.login = 'mema'"),
			 1);
	assert_api_call(NULL, MA, "PUT", "/api/v1/accounts/mema/file-preferences",
			"{\"listmode\": 7}", 400);
	assert_api_call(NULL, MA, "PUT", "/api/v1/accounts/mema/file-preferences",
			"{\"lastdir\": \"/../etc\"}", 400);
}

/* Others' spaces: 404, as a login nobody has. */
static const api_row rows[] = {
    {MA, "GET", "/api/v1/accounts/memb/files", NULL, 404, "memb", "ghost"},
    {MA, "GET", "/api/v1/accounts/memb/files/content?path=private", NULL, 404, "memb", "ghost"},
    {MA, "DELETE", "/api/v1/accounts/memb/files?path=private", NULL, 404, "memb", "ghost"},
    {MA, "POST", "/api/v1/accounts/memb/files/mkdir", "{\"path\": \"x\"}", 404, "memb", "ghost"},
    {MA, "POST", "/api/v1/accounts/memb/files/rename", "{\"from\": \"private\", \"to\": \"x\"}",
     404, "memb", "ghost"},
    {MA, "POST", "/api/v1/accounts/memb/files/copy", "{\"from\": \"private\", \"to\": \"x\"}", 404,
     "memb", "ghost"},
    {MA, "POST", "/api/v1/accounts/memb/files/chmod",
     "{\"path\": \"private\", \"writable\": false}", 404, "memb", "ghost"},
    {MA, "GET", "/api/v1/accounts/memb/file-preferences", NULL, 404, "memb", "ghost"},
    {MA, "PUT", "/api/v1/accounts/memb/file-preferences", "{\"listmode\": 1}", 404, "memb",
     "ghost"},
    {MB, "GET", "/api/v1/accounts/memb/files/content?path=private", NULL, 200, NULL, NULL},
    {AB, "GET", "/api/v1/accounts/memb/files", NULL, 200, NULL, NULL},
    {AB, "GET", "/api/v1/accounts/memc/files", NULL, 404, "memc", "ghost"},
    {AC, "GET", "/api/v1/accounts/memb/files/content?path=private", NULL, 404, "memb", "ghost"},
    {KB, "GET", "/api/v1/accounts/memb/files", NULL, 200, NULL, NULL},
    {KB, "DELETE", "/api/v1/accounts/memc/files?path=x", NULL, 404, "memc", "ghost"},
    {KRO, "GET", "/api/v1/accounts/memb/files", NULL, 200, NULL, NULL},
    {KRO, "DELETE", "/api/v1/accounts/memb/files?path=private", NULL, 403, NULL, NULL},
    {KOTHER, "GET", "/api/v1/accounts/memb/files", NULL, 403, NULL, NULL},
    {AB_MA, "GET", "/api/v1/accounts/mema/files", NULL, 200, NULL, NULL},
    {AB_MA, "GET", "/api/v1/accounts/memb/files", NULL, 404, "memb", "ghost"},
    {AB_MA, "GET", "/api/v1/accounts/memb/file-preferences", NULL, 404, "memb", "ghost"},
};

static void test_matrix(void **state)
{
	(void)state;
	assert_int_equal(api_run_matrix(rows, sizeof(rows) / sizeof(rows[0])), 0);
	assert_int_equal(put_bytes(NULL, MA, "/api/v1/accounts/memb/files/content?path=private",
				   "pwned", 5, NULL),
			 404);
	assert_int_equal(put_bytes(NULL, KRO, "/api/v1/accounts/memb/files/content?path=private",
				   "pwned", 5, NULL),
			 403);
	assert_string_equal(content("html/m/memb/private"), "bobs\n");
	assert_int_equal(api_number(&srv, "SELECT COUNT(*) FROM browser b JOIN membres m ON m.uid ="
					  " b.uid WHERE m.login = 'memb'"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_files_flow), cmocka_unit_test(test_bodies_and_limits),
	    cmocka_unit_test(test_hostile),    cmocka_unit_test(test_prefs),
	    cmocka_unit_test(test_matrix),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
