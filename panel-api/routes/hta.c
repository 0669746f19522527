/* Routes of protected folders (AlternC 1.0's m_hta): an account's folders, protecting and
 * unprotecting one, its users and their passwords. A folder is relative to the web space; in a
 * path it travels as ?dir= (it holds slashes). The runner writes the files (hta_write). */
#include <stdio.h>

#include "papi.h"

static const char *const dir_query[] = {"dir", NULL};

/* ?dir= of the request; -1 (400 set) when missing or malformed. */
static int query_dir(const char **dir, papi_request *r, char *buf, size_t size)
{
	int err = 0;

	*dir = papi_query(r, "dir", buf, size, &err);
	if (err < 0)
		return -1;
	if (!*dir) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "dir", "say which folder: ?dir=");
		return -1;
	}
	return 0;
}

/* GET /api/v1/accounts/{login}/protected-folders: {"dir", "users"} ordered by folder. */
static int folders_json(json_t **out, papi_request *r)
{
	panel_hta_dir_list *list = NULL;
	int rc = panel_hta_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_hta_dir_to_json);
	panel_hta_dir_list_free(list);
	return 0;
}

/* POST /api/v1/accounts/{login}/protected-folders {"dir"}: 201 {"dir", "users": 0}; 409 when
 * it is protected already. */
static void folders_post(papi_request *r)
{
	const char *dir = NULL;
	papi_spec specs[] = {papi_spec_string("dir", &dir), papi_spec_end()};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_hta_protect(r->p, &r->actor, papi_param(r, 0), dir)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created(r, json_pack("{s:s, s:i}", "dir", dir, "users", 0), NULL);
}

/* DELETE /api/v1/accounts/{login}/protected-folders?dir=D: the protection and its users. */
static void folders_delete(papi_request *r)
{
	char buf[512];
	const char *dir;
	int rc;

	if (query_dir(&dir, r, buf, sizeof(buf)) < 0)
		return;
	if ((rc = panel_hta_unprotect(r->p, &r->actor, papi_param(r, 0), dir)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* GET /api/v1/accounts/{login}/protected-folders/users?dir=D: {"user"} in order. */
static void users_get(papi_request *r)
{
	panel_hta_user_list *list = NULL;
	char buf[512];
	const char *dir;
	int rc;

	if (query_dir(&dir, r, buf, sizeof(buf)) < 0)
		return;
	if ((rc = panel_hta_user_list_get(&list, r->p, &r->actor, papi_param(r, 0), dir)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; items && i < list->count; i++)
		json_array_append_new(items, json_pack("{s:s}", "user", list->items[i]));
	papi_reply_ok(r, json_pack("{s:o, s:I, s:n}", "items", items, "total",
				   (json_int_t)list->count, "next_cursor"));
	panel_hta_user_list_free(list);
}

/* POST /api/v1/accounts/{login}/protected-folders/users {"dir", "user", "password"}: 201;
 * 409 when the folder has the user; the "hta" password policy applies. */
static void users_post(papi_request *r)
{
	const char *dir = NULL, *user = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("dir", &dir),
	    papi_spec_string("user", &user),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_hta_user_add(r->p, &r->actor, papi_param(r, 0), dir, user, password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created(r, json_pack("{s:s, s:s}", "dir", dir, "user", user), NULL);
}

/* PUT /api/v1/accounts/{login}/protected-folders/users/{user}/password {"dir", "password"}:
 * 204. */
static void user_password_put(papi_request *r)
{
	const char *dir = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("dir", &dir),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_hta_user_password(r->p, &r->actor, papi_param(r, 0), dir, papi_param(r, 1),
				     password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* DELETE /api/v1/accounts/{login}/protected-folders/users/{user}?dir=D: 204. */
static void user_delete(papi_request *r)
{
	char buf[512];
	const char *dir;
	int rc;

	if (query_dir(&dir, r, buf, sizeof(buf)) < 0)
		return;
	rc = panel_hta_user_delete(r->p, &r->actor, papi_param(r, 0), dir, papi_param(r, 1));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

static const papi_route routes[] = {
    {"GET", "/api/v1/accounts/{login}/protected-folders", "domains", 0,
     .handler = papi_list_handler, .arg.json = folders_json},
    {"POST", "/api/v1/accounts/{login}/protected-folders", "domains", PAPI_BODY,
     .handler = folders_post},
    {"DELETE", "/api/v1/accounts/{login}/protected-folders", "domains", 0,
     .handler = folders_delete, .query = dir_query},
    {"GET", "/api/v1/accounts/{login}/protected-folders/users", "domains", 0, .handler = users_get,
     .query = dir_query},
    {"POST", "/api/v1/accounts/{login}/protected-folders/users", "domains", PAPI_BODY,
     .handler = users_post},
    {"PUT", "/api/v1/accounts/{login}/protected-folders/users/{user}/password", "domains",
     PAPI_BODY, .handler = user_password_put},
    {"DELETE", "/api/v1/accounts/{login}/protected-folders/users/{user}", "domains", 0,
     .handler = user_delete, .query = dir_query},
};

const papi_route_table papi_routes_hta = PAPI_ROUTE_TABLE(routes);
