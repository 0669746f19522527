/* Routes of member databases and their users on the member server: creation, reading,
 * deletion, dumps and restores, repair against the server, passwords and grants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* [{"kind", "name", "problem", "action"}] for a repair report (NULL when out of memory). */
static json_t *problems_to_json(const panel_db_problem_list *problems)
{
	json_t *items = json_array();

	for (size_t i = 0; i < problems->count; i++) {
		const panel_db_problem *pb = &problems->items[i];
		papi_append(&items,
			    json_pack("{s:s, s:s, s:s, s:s}", "kind", pb->kind, "name", pb->name,
				      "problem", pb->problem, "action", pb->action));
	}
	return items;
}

/* GET /api/v1/accounts/{login}/databases: the account's MySQL databases with their sizes read
 * from the server, in the list envelope (one page). */
static int account_databases_json(json_t **out, papi_request *r)
{
	panel_database_list *list = NULL;
	int rc = panel_database_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_database_to_json);
	panel_database_list_free(list);
	return 0;
}

/* POST /api/v1/accounts/{login}/databases {"suffix"}: creates the database login (no suffix)
 * or login_suffix on the member server. 201 with Location; 409 when it exists, 422 when the
 * mysql quota is used up. */
static void account_databases_post(papi_request *r)
{
	const char *suffix = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("suffix", &suffix)),
	    papi_spec_end(),
	};
	panel_database *d = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_database_create(&d, r->p, &r->actor, papi_param(r, 0), suffix);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_database_to_json(d), "/api/v1/databases/", d->name);
	panel_database_free(d);
}

/* GET /api/v1/databases/{name}: one member database, with its size read from the server. */
static int database_json(json_t **out, papi_request *r)
{
	panel_database *d = NULL;
	int rc = panel_database_get(&d, r->p, &r->actor, papi_param(r, 0));

	if (rc == 0)
		*out = panel_database_to_json(d);
	panel_database_free(d);
	return rc;
}

/* POST /api/v1/databases/{name}/dump: queues a dump into the owner's backups folder, run off
 * the request path by the jobs runner. No body (or {}). 202 {"job", "database"}. */
static void database_dump_post(papi_request *r)
{
	const char *name = papi_param(r, 0);
	uint64_t job = 0;
	int rc = panel_database_dump(&job, r->p, &r->actor, name);

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_accepted(r, json_pack("{s:I, s:s}", "job", (json_int_t)job, "database", name));
}

/* POST /api/v1/databases/{name}/restore {"file", "unverified"}: queues a restore of one of the
 * database's own dumps (a file name of its backups folder, <db>-<date>.sql, that the panel
 * wrote; "unverified": true lets a super admin restore another file), run off the request
 * path. 202 {"job", "database", "file"}. */
static void database_restore_post(papi_request *r)
{
	const char *file = NULL;
	int unverified = 0;
	papi_spec specs[] = {
	    papi_spec_string("file", &file),
	    papi_spec_optional(papi_spec_bool("unverified", &unverified)),
	    papi_spec_end(),
	};
	const char *name = papi_param(r, 0);
	uint64_t job = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_database_restore(&job, r->p, &r->actor, name, file,
				    unverified ? PANEL_RESTORE_UNVERIFIED : 0);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_accepted(r, json_pack("{s:I, s:s, s:s}", "job", (json_int_t)job, "database",
					 name, "file", file));
}

/* GET /api/v1/databases-repair: the differences between the member server and the panel's
 * rows (admins), without changing anything. POST: repairs them (admins): adds the missing rows,
 * removes those whose database or user is gone; no body (or {}). Both answer what was found
 * (and done): {"kind", "name", "problem", "action"} items. */
static int repair_json(json_t **out, papi_request *r)
{
	panel_db_problem_list *problems = NULL;
	int rc = panel_database_repair(&problems, r->p, &r->actor, strcmp(r->method, "POST") == 0);

	if (rc == 0)
		*out = problems_to_json(problems);
	panel_db_problem_list_free(problems);
	return rc;
}

/* GET /api/v1/accounts/{login}/dbusers: the account's database users, in the list envelope
 * (one page). */
static int account_dbusers_json(json_t **out, papi_request *r)
{
	panel_dbuser_list *list = NULL;
	int rc = panel_dbuser_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_dbuser_to_json);
	panel_dbuser_list_free(list);
	return 0;
}

/* POST /api/v1/accounts/{login}/dbusers {"suffix", "password"}: creates the MySQL user login
 * (no suffix) or login_suffix, without rights (see .../grants). 201 with Location; 409 when
 * it exists, 422 when the mysql_users quota is used up. */
static void account_dbusers_post(papi_request *r)
{
	const char *suffix = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("suffix", &suffix)),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	panel_dbuser *u = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_dbuser_create(&u, r->p, &r->actor, papi_param(r, 0), suffix, password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_dbuser_to_json(u), "/api/v1/dbusers/", u->name);
	panel_dbuser_free(u);
}

/* GET /api/v1/dbusers/{name}: one database user. */
static int dbuser_json(json_t **out, papi_request *r)
{
	panel_dbuser *u = NULL;
	int rc = panel_dbuser_get(&u, r->p, &r->actor, papi_param(r, 0));

	if (rc == 0)
		*out = panel_dbuser_to_json(u);
	panel_dbuser_free(u);
	return rc;
}

/* GET /api/v1/dbusers/{name}/grants: the user's rights on each database of its owner, read from
 * the server's grant tables: {"name", "grants": {"<database>": ["SELECT", ...]}}. */
static int grants_json(json_t **out, papi_request *r)
{
	const char *name = papi_param(r, 0);
	panel_dbgrant_list *grants = NULL;
	int rc = panel_dbuser_grants_get(&grants, r->p, &r->actor, name);

	if (rc == 0)
		*out = json_pack("{s:s, s:o}", "name", name, "grants",
				 panel_dbgrants_to_json(grants->items, grants->count));
	panel_dbgrant_list_free(grants);
	return rc;
}

/* The body's grants as an array of panel_dbgrant; NULL with 400 (or 500) set. */
static panel_dbgrant *parse_grants(papi_request *r, json_t *obj, size_t *count)
{
	panel_dbgrant *grants;
	const char *database;
	json_t *rights;
	size_t n = 0;

	if (!json_is_object(obj)) {
		papi_reply_error(r, PAPI_E_INVALID_FIELD, "grants",
				 "grants must be an object: {\"<database>\": [\"SELECT\", ...]}");
		return NULL;
	}
	grants = calloc(json_object_size(obj) + 1, sizeof(*grants));
	if (!grants) {
		papi_reply_oom(r);
		return NULL;
	}
	json_object_foreach(obj, database, rights)
	{
		panel_dbgrant *g = &grants[n++];
		size_t i;
		json_t *right;

		if (!*database || strlen(database) >= sizeof(g->database) ||
		    !json_is_array(rights)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, "grants",
					 "grants maps database names to arrays of rights");
			goto bad;
		}
		snprintf(g->database, sizeof(g->database), "%s", database);
		json_array_foreach(rights, i, right)
		{
			unsigned bit = json_is_string(right)
					   ? panel_dbright_parse(json_string_value(right))
					   : 0;
			if (!bit) {
				papi_reply_error(r, PAPI_E_INVALID_FIELD, "grants",
						 "unknown right in grants of %s: rights are SQL "
						 "privileges such as SELECT, INSERT, UPDATE",
						 g->database);
				goto bad;
			}
			g->rights |= bit;
		}
	}
	*count = n;
	return grants;
bad:
	free(grants);
	return NULL;
}

/* PUT /api/v1/dbusers/{name}/grants {"grants": {"<database>": ["SELECT", ...]}}: each listed
 * database (of the user's owner) gets exactly those rights ([] : none); databases not listed
 * keep theirs. Answers the grants as the server now holds them. */
static void grants_put(papi_request *r)
{
	json_t *obj = NULL;
	papi_spec specs[] = {
	    papi_spec_json("grants", &obj),
	    papi_spec_end(),
	};
	const char *name = papi_param(r, 0);
	panel_dbgrant *grants;
	panel_dbgrant_list *now = NULL;
	size_t count = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0 || !(grants = parse_grants(r, obj, &count)))
		return;
	rc = panel_dbuser_grants_set(r->p, &r->actor, name, grants, count);
	free(grants);
	if (rc == 0)
		rc = panel_dbuser_grants_get(&now, r->p, &r->actor, name);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, json_pack("{s:s, s:o}", "name", name, "grants",
				   panel_dbgrants_to_json(now->items, now->count)));
	panel_dbgrant_list_free(now);
}

/* PUT /api/v1/databases/{name}/backup {"mode": "none"|"weekly"|"daily", "history", "gzip",
 * "dir"}: AlternC's put_mysql_backup (the owner or its admin); history is required unless mode
 * is none, dir is relative to the member's web space (absent: kept). Answers the database. */
static void database_backup_put(papi_request *r)
{
	static const char *const modes[] = {"none", "weekly", "daily"};
	const char *mode = NULL, *dir = NULL;
	long long history = 0;
	int gzip = 0;
	papi_spec specs[] = {
	    papi_spec_string("mode", &mode),
	    papi_spec_optional(papi_spec_int("history", &history, 0, 255)),
	    papi_spec_optional(papi_spec_bool("gzip", &gzip)),
	    papi_spec_optional(papi_spec_string("dir", &dir)),
	    papi_spec_end(),
	};
	panel_database *d = NULL;
	unsigned m = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	while (m < 3 && strcmp(mode, modes[m]) != 0)
		m++;
	if (m == 3) {
		papi_reply_error(r, PAPI_E_INVALID_FIELD, "mode", "none, weekly or daily");
		return;
	}
	rc = panel_database_backup_set(&d, r->p, &r->actor, papi_param(r, 0), m, (unsigned)history,
				       gzip, dir);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_database_to_json(d));
	panel_database_free(d);
}

/* DELETE /api/v1/databases/{name}: DROP DATABASE, the grants on it, and its row. DELETE
 * /api/v1/dbusers/{name}: DROP USER and its row. PUT .../password {"password"}: on the member
 * server, under the "mysql" password policy. */
static const papi_route routes[] = {
    {"GET", "/api/v1/accounts/{login}/databases", "databases", 0, .handler = papi_list_handler,
     .arg.json = account_databases_json},
    {"POST", "/api/v1/accounts/{login}/databases", "databases", PAPI_BODY,
     .handler = account_databases_post},
    {"GET", "/api/v1/databases/{name}", "databases", 0, .handler = papi_object_handler,
     .arg.json = database_json},
    {"DELETE", "/api/v1/databases/{name}", "databases", 0, .handler = papi_delete_handler,
     .arg.name = panel_database_delete},
    {"PUT", "/api/v1/databases/{name}/backup", "databases", PAPI_BODY,
     .handler = database_backup_put},
    {"POST", "/api/v1/databases/{name}/dump", "databases", PAPI_EMPTY,
     .handler = database_dump_post},
    {"POST", "/api/v1/databases/{name}/restore", "databases", PAPI_BODY,
     .handler = database_restore_post},
    {"GET", "/api/v1/databases-repair", "databases", 0, .handler = papi_list_handler,
     .arg.json = repair_json},
    {"POST", "/api/v1/databases-repair", "databases", PAPI_EMPTY, .handler = papi_list_handler,
     .arg.json = repair_json},
    {"GET", "/api/v1/accounts/{login}/dbusers", "dbusers", 0, .handler = papi_list_handler,
     .arg.json = account_dbusers_json},
    {"POST", "/api/v1/accounts/{login}/dbusers", "dbusers", PAPI_BODY,
     .handler = account_dbusers_post},
    {"GET", "/api/v1/dbusers/{name}", "dbusers", 0, .handler = papi_object_handler,
     .arg.json = dbuser_json},
    {"DELETE", "/api/v1/dbusers/{name}", "dbusers", 0, .handler = papi_delete_handler,
     .arg.name = panel_dbuser_delete},
    {"PUT", "/api/v1/dbusers/{name}/password", "dbusers", PAPI_BODY,
     .handler = papi_password_handler, .arg.password = panel_dbuser_password},
    {"GET", "/api/v1/dbusers/{name}/grants", "dbusers", 0, .handler = papi_object_handler,
     .arg.json = grants_json},
    {"PUT", "/api/v1/dbusers/{name}/grants", "dbusers", PAPI_BODY, .handler = grants_put},
};

const papi_route_table papi_routes_databases = PAPI_ROUTE_TABLE(routes);
