/* Admin routes: the audit trail, the application keys, the password policies and the global
 * settings (AlternC's variable table). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* A `since` of "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" with real calendar values. MariaDB reads
 * anything else as no date, and the filter then kept every entry. */
static int since_valid(const char *s)
{
	static const char pattern[] = "dddd-dd-dd dd:dd:dd";
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t len = strlen(s);
	int y, mo, d, h = 0, mi = 0, sec = 0;

	if (len != 10 && len != 19)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (pattern[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i])
			return 0;
	if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 ||
	    (len == 19 && sscanf(s + 11, "%2d:%2d:%2d", &h, &mi, &sec) != 3))
		return 0;
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 59)
		return 0;
	return mo != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* GET /api/v1/audit: the audit trail, newest first, with before/after values (admins; an admin
 * other than the super admin sees its own actions and the accounts it created). */
static void audit_get(papi_request *r)
{
	panel_audit_filter f = PANEL_AUDIT_FILTER_INIT;
	panel_audit_list *list = NULL;
	char kind[64], id[256], since[32], cursor[32];
	unsigned long long n;
	int err, rc;

	f.object_kind = papi_query(r, "object_kind", kind, sizeof(kind), &err);
	if (err)
		return;
	f.object_id = papi_query(r, "object_id", id, sizeof(id), &err);
	if (err)
		return;
	f.since = papi_query(r, "since", since, sizeof(since), &err);
	if (err)
		return;
	if (f.since && !since_valid(f.since)) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "since",
				 "since is a date \"YYYY-MM-DD\" or \"YYYY-MM-DD HH:MM:SS\"");
		return;
	}
	if ((rc = papi_query_uint(r, "actor_uid", &n, 1, UINT32_MAX)) < 0)
		return;
	if (rc)
		f.actor_uid = (uint32_t)n;
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		f.limit = (size_t)n;
	/* The API's audit cursor has always been a positive number, refused otherwise as an
	 * invalid parameter (libpanel would answer "invalid"); passed on in libpanel's form. */
	if ((rc = papi_query_uint(r, "cursor", &n, 1, UINT64_MAX)) < 0)
		return;
	if (rc) {
		snprintf(cursor, sizeof(cursor), "%llu", n);
		f.cursor = cursor;
	}
	rc = panel_audit_list_get(&list, r->p, &r->actor, &f);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_audit_entry_to_json);
	panel_audit_list_free(list);
}

/* GET /api/v1/apikeys: the application keys the admin owns (all for the super admin), newest
 * first, revoked ones included; never their secrets. Paginated here (libpanel gives them all). */
static void apikeys_get(papi_request *r)
{
	panel_apikey_list *list = NULL;
	panel_apikey *keys;
	size_t count, start = 0, limit = 50, i;
	unsigned long long n, cursor = 0;
	char next[32] = "";
	json_t *items;
	int rc, has_cursor, has_offset;

	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		limit = (size_t)n;
	if ((has_cursor = papi_query_uint(r, "cursor", &cursor, 1, UINT64_MAX)) < 0)
		return;
	if ((has_offset = papi_query_uint(r, "offset", &n, 0, 1000000000)) < 0)
		return;
	if (has_cursor && has_offset) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "offset",
				 "give cursor or offset, not both");
		return;
	}
	rc = panel_apikey_list_get(&list, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	keys = list->items;
	count = list->count;
	if (has_offset)
		start = n < count ? (size_t)n : count;
	/* Newest first, so the page after a cursor holds the keys with smaller ids. */
	if (has_cursor)
		while (start < count && keys[start].id >= cursor)
			start++;
	items = json_array();
	for (i = start; items && i < count && i < start + limit; i++)
		if (json_array_append_new(items, panel_apikey_to_json(&keys[i])) < 0) {
			json_decref(items);
			items = NULL;
		}
	if (i < count && i > 0)
		snprintf(next, sizeof(next), "%llu", (unsigned long long)keys[i - 1].id);
	papi_reply_list(r, items, count, next);
	panel_apikey_list_free(list);
}

#define LIST_MAX 1024

/* ["a", "b"] -> "a,b" (each item non-empty, without commas). */
static int join(papi_request *r, const char *field, json_t *array, char *out, size_t outsz)
{
	size_t i, n = 0;
	json_t *item;

	out[0] = '\0';
	json_array_foreach(array, i, item)
	{
		const char *s = json_string_value(item);
		size_t len = strlen(s);
		if (len == 0 || strchr(s, ',') || n + len + 2 > outsz) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, field,
					 "%s must hold non-empty items without commas", field);
			return -1;
		}
		if (n)
			out[n++] = ',';
		memcpy(out + n, s, len + 1);
		n += len;
	}
	return 0;
}

/* POST /api/v1/apikeys {"name", "scope"?, "expires"?, "networks"?}: a new application key for
 * the calling admin. 201 {"id", "key", ...}: the key is shown this once, never stored. */
static void apikeys_post(papi_request *r)
{
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;
	json_t *scope = NULL, *networks = NULL, *body;
	papi_spec specs[] = {
	    papi_spec_string("name", &spec.name),
	    papi_spec_optional(papi_spec_json("scope", &scope)),
	    papi_spec_optional(papi_spec_string("expires", &spec.expires)),
	    papi_spec_optional(papi_spec_string_array("networks", &networks)),
	    papi_spec_end(),
	};
	char scope_buf[LIST_MAX], networks_buf[LIST_MAX], secret[PANEL_TOKEN_MAX];
	panel_apikey key;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (json_is_string(scope)) {
		spec.scope = json_string_value(scope);
	} else if (json_is_array(scope) && json_array_size(scope) > 0) {
		for (size_t i = 0; i < json_array_size(scope); i++)
			if (!json_is_string(json_array_get(scope, i)))
				scope = NULL;
		if (!scope || join(r, "scope", scope, scope_buf, sizeof(scope_buf)) < 0) {
			if (!scope)
				papi_reply_error(r, PAPI_E_INVALID_FIELD, "scope",
						 "scope must be \"read\", \"write\" or a list of "
						 "resource kinds");
			return;
		}
		spec.scope = scope_buf;
	} else if (scope) {
		papi_reply_error(r, PAPI_E_INVALID_FIELD, "scope",
				 "scope must be \"read\", \"write\" or a list of resource kinds");
		return;
	}
	if (networks) {
		if (join(r, "networks", networks, networks_buf, sizeof(networks_buf)) < 0)
			return;
		spec.networks = networks_buf[0] ? networks_buf : NULL;
	}
	rc = panel_apikey_create(&key, secret, sizeof(secret), r->p, &r->actor, &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	body = panel_apikey_to_json(&key);
	if (body && json_object_set_new(body, "key", json_string(secret)) < 0) {
		json_decref(body);
		body = NULL;
	}
	sodium_memzero(secret, sizeof(secret));
	papi_reply_created(r, body, NULL);
	r->reply.secret_field = "key";
}

/* DELETE /api/v1/apikeys/{id}: revokes an application key (its owner, or the super admin).
 * 204; 404 for a key the caller does not own. */
static void apikey_delete(papi_request *r)
{
	uint64_t id;
	int rc;

	if (papi_param_id(&id, r, 0, "application key") < 0)
		return;
	rc = panel_apikey_revoke(r->p, &r->actor, id);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* ---------------------------------------------------------------- password policies */

/* GET /api/v1/policies: the five password policies (mem, pop, ftp, mysql, hta), any actor. */
static int policies_json(json_t **out, papi_request *r)
{
	panel_policy_list *list = NULL;
	int rc = panel_policy_list_get(&list, r->p, &r->actor);

	if (rc < 0)
		return rc;
	*out = json_array();
	for (size_t i = 0; i < list->count; i++)
		papi_append(out, panel_policy_to_json(&list->items[i]));
	panel_policy_list_free(list);
	return 0;
}

/* The stored policy name into *out: 0, or -1 with 404 sent. */
static int policy_load(panel_policy *out, papi_request *r, const char *name)
{
	panel_policy_list *list = NULL;
	int rc = panel_policy_list_get(&list, r->p, &r->actor), found = 0;

	for (size_t i = 0; rc == 0 && i < list->count && !found; i++)
		if (strcmp(list->items[i].name, name) == 0) {
			*out = list->items[i];
			found = 1;
		}
	panel_policy_list_free(list);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return -1;
	}
	if (!found) {
		papi_reply_error(r, PAPI_E_NOT_FOUND, "name",
				 "no policy %s (mem, pop, ftp, mysql or hta)", name);
		return -1;
	}
	return 0;
}

/* GET /api/v1/policies/{name} */
static void policy_get(papi_request *r)
{
	panel_policy policy;

	if (policy_load(&policy, r, papi_param(r, 0)) == 0)
		papi_reply_ok(r, panel_policy_to_json(&policy));
}

/* PATCH /api/v1/policies/{name} {"minsize", "maxsize", "classcount", "allowlogin"}: the fields
 * given change (admins); the policy as stored after. */
static void policy_patch(papi_request *r)
{
	long long minsize = 0, maxsize = 0, classcount = 0;
	int allowlogin = 0, has_min = 0, has_max = 0, has_class = 0, has_allow = 0, rc;
	papi_spec specs[] = {
	    papi_spec_present(papi_spec_optional(papi_spec_int("minsize", &minsize, 0, 255)),
			      &has_min),
	    papi_spec_present(papi_spec_optional(papi_spec_int("maxsize", &maxsize, 1, 255)),
			      &has_max),
	    papi_spec_present(papi_spec_optional(papi_spec_int("classcount", &classcount, 0, 4)),
			      &has_class),
	    papi_spec_present(papi_spec_optional(papi_spec_bool("allowlogin", &allowlogin)),
			      &has_allow),
	    papi_spec_end(),
	};
	panel_policy policy;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (!has_min && !has_max && !has_class && !has_allow) {
		papi_reply_error(
		    r, PAPI_E_INVALID, NULL,
		    "nothing to change: give minsize, maxsize, classcount or allowlogin");
		return;
	}
	if (policy_load(&policy, r, papi_param(r, 0)) < 0)
		return;
	if (has_min)
		policy.minsize = (unsigned)minsize;
	if (has_max)
		policy.maxsize = (unsigned)maxsize;
	if (has_class)
		policy.classcount = (unsigned)classcount;
	if (has_allow)
		policy.allowlogin = allowlogin;
	if ((rc = panel_policy_set(r->p, &r->actor, &policy)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (policy_load(&policy, r, policy.name) == 0)
		papi_reply_ok(r, panel_policy_to_json(&policy));
}

/* POST /api/v1/policies/{name}/check {"password", "login"}: whether a password satisfies the
 * policy (for a form's live hint): 204, or 400 naming the rule it breaks. Nothing is stored. */
static void policy_check(papi_request *r)
{
	const char *password = NULL, *login = "";
	papi_spec specs[] = {
	    papi_spec_string("password", &password),
	    papi_spec_optional(papi_spec_string("login", &login)),
	    papi_spec_end(),
	};
	panel_policy policy;
	int rc;

	if (papi_parse_body(r, specs) < 0 || policy_load(&policy, r, papi_param(r, 0)) < 0)
		return;
	if ((rc = panel_policy_check(r->p, policy.name, login, password)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* ---------------------------------------------------------------- settings */

/* GET /api/v1/settings: every stored setting, ordered by name (admins). */
static int settings_json(json_t **out, papi_request *r)
{
	panel_variable_list *list = NULL;
	int rc = panel_variable_list_get(&list, r->p, &r->actor);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_variable_to_json);
	panel_variable_list_free(list);
	return 0;
}

/* GET /api/v1/settings/{name}: one setting (admins); 404 when it is not stored. */
static int setting_json(json_t **out, papi_request *r)
{
	panel_variable *v = NULL;
	int rc = panel_variable_get(&v, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	*out = panel_variable_to_json(v);
	panel_variable_free(v);
	return 0;
}

/* PUT /api/v1/settings/{name} {"value", "comment"?}: stores a setting (the super admin); the
 * setting as stored. A known name's value is checked against its kind (400 naming "value"). */
static void setting_put(papi_request *r)
{
	const char *value = NULL, *comment = NULL;
	papi_spec specs[] = {
	    papi_spec_multiline(papi_spec_string("value", &value)),
	    papi_spec_optional(papi_spec_multiline(papi_spec_string("comment", &comment))),
	    papi_spec_end(),
	};
	panel_variable *v = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_variable_set(&v, r->p, &r->actor, papi_param(r, 0), value, comment);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_variable_to_json(v));
	panel_variable_free(v);
}

static const char *const audit_query[] = {"actor_uid", "object_kind", "object_id", "since",
					  "limit",     "cursor",      NULL};
static const char *const page_query[] = {"limit", "cursor", "offset", NULL};

static const papi_route routes[] = {
    {"GET", "/api/v1/audit", "audit", 0, .handler = audit_get, .query = audit_query},
    {"GET", "/api/v1/apikeys", "apikeys", 0, .handler = apikeys_get, .query = page_query},
    {"POST", "/api/v1/apikeys", "apikeys", PAPI_BODY | PAPI_ATOMIC, .handler = apikeys_post},
    {"DELETE", "/api/v1/apikeys/{id}", "apikeys", PAPI_ATOMIC, .handler = apikey_delete},
    {"GET", "/api/v1/policies", "accounts", 0, .handler = papi_list_handler,
     .arg.json = policies_json},
    {"GET", "/api/v1/policies/{name}", "accounts", 0, .handler = policy_get},
    {"PATCH", "/api/v1/policies/{name}", "accounts", PAPI_BODY | PAPI_ATOMIC,
     .handler = policy_patch},
    {"POST", "/api/v1/policies/{name}/check", "accounts", PAPI_BODY, .handler = policy_check},
    {"GET", "/api/v1/settings", "accounts", 0, .handler = papi_list_handler,
     .arg.json = settings_json},
    {"GET", "/api/v1/settings/{name}", "accounts", 0, .handler = papi_object_handler,
     .arg.json = setting_json},
    {"PUT", "/api/v1/settings/{name}", "accounts", PAPI_BODY | PAPI_ATOMIC, .handler = setting_put},
    {"DELETE", "/api/v1/settings/{name}", "accounts", PAPI_ATOMIC, .handler = papi_delete_handler,
     .arg.name = panel_variable_delete},
};

const papi_route_table papi_routes_admin = PAPI_ROUTE_TABLE(routes);
