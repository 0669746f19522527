/* Routes of the file manager (AlternC 1.0's m_bro): listing a folder of an account's web space,
 * reading and writing a file's bytes, making folders, renaming, copying, deleting, the owner's
 * write permission, and the
 * member's file manager preferences. Paths are query parameters (?path=/site/index.html): a
 * path holds slashes, which a path segment could not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

#define PATH_BUF (PANEL_FILE_PATH_MAX + 2)

/* The path query parameter into buf: required unless def is given. NULL with 400 set. */
static const char *path_query(papi_request *r, char *buf, const char *def)
{
	int err = 0;
	const char *path = papi_query(r, "path", buf, PATH_BUF, &err);

	if (err)
		return NULL;
	if (!path && !def) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "path",
				 "the path query parameter is"
				 " required");
		return NULL;
	}
	return path ? path : def;
}

/* GET /api/v1/accounts/{login}/files[?path=/site]: the folder's entries ordered by name, in the
 * list envelope (one page); the web root without path. */
static void files_get(papi_request *r)
{
	char buf[PATH_BUF];
	const char *path = path_query(r, buf, "/");
	panel_file_list *list = NULL;
	int rc;

	if (!path)
		return;
	if ((rc = panel_file_list_get(&list, r->p, &r->actor, papi_param(r, 0), path)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_file_to_json);
	panel_file_list_free(list);
}

/* GET /api/v1/accounts/{login}/files/content?path=: the regular file's bytes, as
 * application/octet-stream, sent from the open file (a slow reader holds no copy in memory). */
static void content_get(papi_request *r)
{
	char buf[PATH_BUF];
	const char *path = path_query(r, buf, NULL);
	uint64_t size = 0;
	int fd, rc;

	if (!path)
		return;
	if ((rc = panel_file_open(&fd, &size, r->p, &r->actor, papi_param(r, 0), path)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_file(r, "application/octet-stream", fd, size);
}

/* PUT /api/v1/accounts/{login}/files/content?path= (arg.flag PANEL_FILE_EDIT, [files] max_size)
 * and PUT .../files/upload?path= (PANEL_FILE_UPLOAD, [files] upload_max_size), the body the
 * file's bytes as application/octet-stream: creates (201) or replaces (200) the file;
 * {"path", "size", "created"}. */
static void content_put(papi_request *r)
{
	char buf[PATH_BUF];
	const char *path = path_query(r, buf, NULL);
	int created = 0, rc;

	if (!path)
		return;
	rc = panel_file_write(&created, r->p, &r->actor, papi_param(r, 0), path,
			      r->body ? r->body : "", r->body_len,
			      (panel_file_write_kind)r->route->arg.flag);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	json_t *body = json_pack("{s:s, s:I, s:b}", "path", path, "size", (json_int_t)r->body_len,
				 "created", created);
	if (created)
		papi_reply_created(r, body, NULL);
	else
		papi_reply_ok(r, body);
}

/* DELETE /api/v1/accounts/{login}/files?path=: the file, link or whole folder (a link is
 * removed, never followed). 204. */
static void files_delete(papi_request *r)
{
	char buf[PATH_BUF];
	const char *path = path_query(r, buf, NULL);
	int rc;

	if (!path)
		return;
	if ((rc = panel_file_delete(r->p, &r->actor, papi_param(r, 0), path)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/accounts/{login}/files/mkdir {"path"}: 201 {"path"}. */
static void mkdir_post(papi_request *r)
{
	const char *path = NULL;
	papi_spec specs[] = {papi_spec_string("path", &path), papi_spec_end()};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_file_mkdir(r->p, &r->actor, papi_param(r, 0), path)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created(r, json_pack("{s:s}", "path", path), NULL);
}

/* POST /api/v1/accounts/{login}/files/rename (arg.flag 0) and .../files/copy (1) {"from",
 * "to"}: 204; 409 when to exists. */
static void move_post(papi_request *r)
{
	const char *from = NULL, *to = NULL;
	papi_spec specs[] = {papi_spec_string("from", &from), papi_spec_string("to", &to),
			     papi_spec_end()};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (r->route->arg.flag)
		rc = panel_file_copy(r->p, &r->actor, papi_param(r, 0), from, to);
	else
		rc = panel_file_rename(r->p, &r->actor, papi_param(r, 0), from, to);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/accounts/{login}/files/chmod {"path", "writable"}: sets or clears the owner's
 * write permission (1.0's ChangePermissions); 200 {"path", "mode"}. */
static void chmod_post(papi_request *r)
{
	const char *path = NULL;
	int writable = 0, rc;
	unsigned mode = 0;
	char text[8];
	papi_spec specs[] = {papi_spec_string("path", &path), papi_spec_bool("writable", &writable),
			     papi_spec_end()};

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_file_chmod(&mode, r->p, &r->actor, papi_param(r, 0), path, writable);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	snprintf(text, sizeof(text), "%04o", mode);
	papi_reply_ok(r, json_pack("{s:s, s:s}", "path", path, "mode", text));
}

/* GET /api/v1/accounts/{login}/file-preferences: 1.0's defaults when none were set. */
static int prefs_json(json_t **out, papi_request *r)
{
	panel_file_prefs f;
	int rc = panel_file_prefs_get(&f, r->p, &r->actor, papi_param(r, 0));

	if (rc == 0)
		*out = panel_file_prefs_to_json(&f);
	return rc;
}

/* PUT /api/v1/accounts/{login}/file-preferences, any of the fields of the GET form: the fields
 * given replace the current ones; answers the preferences. */
static void prefs_put(papi_request *r)
{
	panel_file_prefs f;
	int rc;

	if ((rc = panel_file_prefs_get(&f, r->p, &r->actor, papi_param(r, 0))) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	long long x = f.editsizex, y = f.editsizey, list = f.listmode, down = f.downfmt;
	const char *font = f.editor_font, *size = f.editor_size, *dir = f.lastdir;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_int("editsizex", &x, 1, 1000)),
	    papi_spec_optional(papi_spec_int("editsizey", &y, 1, 1000)),
	    papi_spec_optional(papi_spec_int("listmode", &list, 0, 2)),
	    papi_spec_optional(papi_spec_bool("showicons", &f.showicons)),
	    papi_spec_optional(papi_spec_int("downfmt", &down, 0, 3)),
	    papi_spec_optional(papi_spec_bool("createfile", &f.createfile)),
	    papi_spec_optional(papi_spec_bool("showtype", &f.showtype)),
	    papi_spec_optional(papi_spec_string("editor_font", &font)),
	    papi_spec_optional(papi_spec_string("editor_size", &size)),
	    papi_spec_optional(papi_spec_bool("golastdir", &f.golastdir)),
	    papi_spec_optional(papi_spec_string("lastdir", &dir)),
	    papi_spec_end(),
	};
	if (papi_parse_body(r, specs) < 0)
		return;
	panel_file_prefs g = f;
	g.editsizex = (unsigned)x, g.editsizey = (unsigned)y;
	g.listmode = (unsigned)list, g.downfmt = (unsigned)down;
	/* Longer texts are cut here and refused by no rule: say so rather than store a prefix. */
	if (strlen(font) >= sizeof(g.editor_font) || strlen(size) >= sizeof(g.editor_size) ||
	    strlen(dir) >= sizeof(g.lastdir)) {
		papi_reply_error(r, PAPI_E_INVALID_FIELD,
				 strlen(font) >= sizeof(g.editor_font)	 ? "editor_font"
				 : strlen(size) >= sizeof(g.editor_size) ? "editor_size"
									 : "lastdir",
				 "too long");
		return;
	}
	snprintf(g.editor_font, sizeof(g.editor_font), "%s", font);
	snprintf(g.editor_size, sizeof(g.editor_size), "%s", size);
	snprintf(g.lastdir, sizeof(g.lastdir), "%s", dir);
	if ((rc = panel_file_prefs_set(r->p, &r->actor, papi_param(r, 0), &g)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_file_prefs_to_json(&g));
}

static const char *const path_param[] = {"path", NULL};

static const papi_route routes[] = {
    {"GET", "/api/v1/accounts/{login}/files", "files", 0, .handler = files_get,
     .query = path_param},
    {"DELETE", "/api/v1/accounts/{login}/files", "files", 0, .handler = files_delete,
     .query = path_param},
    {"GET", "/api/v1/accounts/{login}/files/content", "files", 0, .handler = content_get,
     .query = path_param},
    {"PUT", "/api/v1/accounts/{login}/files/content", "files", PAPI_RAW, .handler = content_put,
     .query = path_param, .arg.flag = PANEL_FILE_EDIT},
    {"PUT", "/api/v1/accounts/{login}/files/upload", "files", PAPI_RAW, .handler = content_put,
     .query = path_param, .arg.flag = PANEL_FILE_UPLOAD},
    {"POST", "/api/v1/accounts/{login}/files/mkdir", "files", PAPI_BODY, .handler = mkdir_post},
    {"POST", "/api/v1/accounts/{login}/files/rename", "files", PAPI_BODY, .handler = move_post},
    {"POST", "/api/v1/accounts/{login}/files/copy", "files", PAPI_BODY, .handler = move_post,
     .arg.flag = 1},
    {"POST", "/api/v1/accounts/{login}/files/chmod", "files", PAPI_BODY, .handler = chmod_post},
    {"GET", "/api/v1/accounts/{login}/file-preferences", "files", 0, .handler = papi_object_handler,
     .arg.json = prefs_json},
    {"PUT", "/api/v1/accounts/{login}/file-preferences", "files", PAPI_BODY, .handler = prefs_put},
};

const papi_route_table papi_routes_files = PAPI_ROUTE_TABLE(routes);
