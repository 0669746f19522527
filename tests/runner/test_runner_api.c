/* End to end through panel-api and the actions runner: a member, its domain, mailbox and FTP
 * account created over HTTP, the member seeing its pending system work, one pass of the runner
 * making the tree (checked with stat) and measuring its web usage (read back with its time), then
 * the account deleted over HTTP and its trees found in the trash after the next pass. */
#include "../api/api_support.h"

static api_server srv;
static char root[] = "/tmp/panel-runapi-XXXXXX";
static char member_token[PANEL_TOKEN_MAX];

#define PASS "Member-Pass-2026"

static int setup(void **state)
{
	char extra[256];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	snprintf(extra, sizeof(extra), "\n[hosting]\nroot = %s\n", root);
	if (api_start(&srv, extra) < 0)
		return -1;
	if (api_create_account(&srv, srv.admin_token, "rnapi", PASS, "") != 201 ||
	    api_create_account(&srv, srv.admin_token, "rnother", PASS, "") != 201)
		return -1;
	static const char *const quotas[] = {"dom", "mail", "ftp"};
	for (size_t i = 0; i < 3; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/api/v1/accounts/rnapi/quotas/%s", quotas[i]);
		if (api_status(&srv, "PUT", path, srv.admin_token, "{\"value\": 5}", NULL) != 200)
			return -1;
	}
	return api_login(&srv, "rnapi", PASS, member_token, sizeof(member_token), NULL) == 200 ? 0
											       : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	api_stop(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* One pass of the runner, as the cron job or `panelctl actions watch` would run it. */
static void run_pass(void)
{
	panel_config *cfg = ts_config(srv.cluster, 0, srv.db);
	panel_actor sys = panel_actor_system();
	panel_runner_report r;
	panel *p = NULL;

	assert_int_equal(panel_config_set(cfg, "hosting", "root", root), 0);
	assert_panel_ok(panel_open(&p, cfg));
	panel_config_free(cfg);
	assert_panel_ok(panel_actions_run(&r, p, &sys, NULL));
	assert_int_equal(r.failed, 0);
	panel_close(p);
}

static void assert_dir(const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	char full[512];
	struct stat st;

	snprintf(full, sizeof(full), "%s/%s", root, rel);
	if (lstat(full, &st) != 0)
		fail_msg("%s: %s", full, strerror(errno));
	assert_true(S_ISDIR(st.st_mode));
	if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode)
		fail_msg("%s: %u:%u %o, want %u:%u %o", rel, (unsigned)st.st_uid,
			 (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777), (unsigned)uid,
			 (unsigned)gid, (unsigned)mode);
}

/* The total of GET .../actions?state=state as token. */
static long long actions_total(const char *token, const char *state)
{
	char path[128];
	api_resp r;

	snprintf(path, sizeof(path), "/api/v1/accounts/rnapi/actions?state=%s", state);
	assert_int_equal(api_request(&r, &srv, "GET", path, token, NULL, NULL), 0);
	assert_api_status(&r, 200);
	long long total = json_integer_value(json_object_get(r.json, "total"));
	api_resp_free(&r);
	return total;
}

static void test_member_to_tree_to_trash(void **state)
{
	api_resp r;
	char other[PANEL_TOKEN_MAX], full[600];
	(void)state;
	long long uid = api_number(&srv, "SELECT uid FROM membres WHERE login = 'rnapi'");

	assert_api_request(&srv, "POST", "/api/v1/accounts/rnapi/domains", member_token,
			   "{\"domain\": \"rnapi-site.org\"}", NULL, 201);
	assert_api_request(&srv, "POST", "/api/v1/domains/rnapi-site.org/mail", member_token,
			   "{\"local\": \"info\", \"password\": \"Mail-Box-Pass-7\"}", NULL, 201);
	assert_api_request(&srv, "POST", "/api/v1/accounts/rnapi/ftp", member_token,
			   "{\"prefix\": \"rnapi\", \"suffix\": \"web\", \"password\": "
			   "\"Ftp-pass-2026-x\", \"dir\": \"/www/public\"}",
			   NULL, 201);

	/* The member sees its pending work, newest first; another member sees nothing of it. */
	assert_int_equal(api_request(&r, &srv, "GET", "/api/v1/accounts/rnapi/actions",
				     member_token, NULL, NULL),
			 0);
	assert_api_status(&r, 200);
	json_t *items = json_object_get(r.json, "items");
	assert_true(json_array_size(items) >= 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "state")),
			    "pending");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(items, json_array_size(items) - 1), "action")),
			    "mem_add");
	api_resp_free(&r);
	assert_true(actions_total(member_token, "pending") >= 4);
	assert_int_equal(api_login(&srv, "rnother", PASS, other, sizeof(other), NULL), 200);
	assert_api_request(&srv, "GET", "/api/v1/accounts/rnapi/actions", other, NULL, NULL, 404);
	/* Malformed query parameters are invalid_parameter, as on every other list. */
	api_request(&r, &srv, "GET", "/api/v1/accounts/rnapi/actions?state=asleep", member_token,
		    NULL, NULL);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_code(&r), "invalid_parameter");
	assert_string_equal(api_error_field(&r), "state");
	api_resp_free(&r);
	api_request(&r, &srv, "GET", "/api/v1/accounts/rnapi/actions?cursor=x", member_token, NULL,
		    NULL);
	assert_api_status(&r, 400);
	assert_string_equal(api_error_code(&r), "invalid_parameter");
	assert_string_equal(api_error_field(&r), "cursor");
	api_resp_free(&r);

	run_pass();
	assert_int_equal(actions_total(member_token, "pending"), 0);
	assert_true(actions_total(srv.admin_token, "done") >= 4);
	assert_dir("html/r/rnapi", 33, (gid_t)uid, 02770);
	assert_dir("html/r/rnapi/rnapisiteorg", 33, (gid_t)uid, 02770);
	assert_dir("html/r/rnapi/www/public", 33, (gid_t)uid, 02770);
	assert_dir("mail/i/info_rnapi-site.org/Maildir/new", 33, (gid_t)uid, 0700);

	/* The pass measured the web space: the member reads its usage and when it was measured. */
	snprintf(full, sizeof(full),
		 "dd if=/dev/urandom of=%s/html/r/rnapi/www/public/big bs=1k count=300 2>/dev/null",
		 root);
	assert_int_equal(system(full), 0);
	assert_int_equal(
	    api_sql(&srv, "UPDATE size_web SET ts = NOW() - INTERVAL 1 HOUR WHERE uid = %lld", uid),
	    0);
	run_pass();
	assert_int_equal(api_request(&r, &srv, "GET", "/api/v1/accounts/rnapi/quotas/web",
				     member_token, NULL, NULL),
			 0);
	assert_api_status(&r, 200);
	long long used = json_integer_value(json_object_get(r.json, "used"));
	const char *at = json_string_value(json_object_get(r.json, "measured_at"));
	assert_true(used >= 300);
	assert_int_equal(used, api_number(&srv, "SELECT size FROM size_web WHERE uid = %lld", uid));
	assert_non_null(at);
	assert_int_equal(
	    api_number(&srv, "SELECT TIMESTAMPDIFF(SECOND, '%s', NOW()) BETWEEN 0 AND 30", at), 1);
	api_resp_free(&r);
	/* In the list too; the counted quotas have none. */
	assert_int_equal(
	    api_request(&r, &srv, "GET", "/api/v1/accounts/rnapi/quotas", member_token, NULL, NULL),
	    0);
	assert_api_status(&r, 200);
	items = json_object_get(r.json, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *q = json_array_get(items, i);
		const char *name = json_string_value(json_object_get(q, "name"));
		json_t *m = json_object_get(q, "measured_at");
		assert_true(strcmp(name, "web") == 0 ? json_is_string(m) : json_is_null(m));
	}
	api_resp_free(&r);

	/* Deleted: the web root and the mailbox go to the trash at the next pass. */
	assert_api_request(&srv, "DELETE", "/api/v1/accounts/rnapi", srv.admin_token, NULL, NULL,
			   204);
	run_pass();
	snprintf(full, sizeof(full), "%s/html/r/rnapi", root);
	assert_int_equal(access(full, F_OK), -1);
	snprintf(full, sizeof(full), "%s/mail/i/info_rnapi-site.org", root);
	assert_int_equal(access(full, F_OK), -1);
	char day[16];
	time_t now = time(NULL);
	strftime(day, sizeof(day), "%Y%m%d", localtime(&now));
	long long del = api_number(&srv,
				   "SELECT id FROM panel_actions WHERE action = 'mem_del' AND"
				   " uid = %lld",
				   uid);
	snprintf(full, sizeof(full), "%s/trash/%s/%lld-html-rnapi/www/public", root, day, del);
	assert_int_equal(access(full, F_OK), 0);
	long long box = api_number(&srv,
				   "SELECT id FROM panel_actions WHERE action = 'mail_del' AND"
				   " uid = %lld",
				   uid);
	snprintf(full, sizeof(full), "%s/trash/%s/%lld-mail-info_rnapi-site.org/Maildir", root, day,
		 box);
	assert_int_equal(access(full, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_member_to_tree_to_trash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
