/* Routes of accounts and their quotas: listing, creation, reading with ETags, changes under
 * If-Match, lock, renew, passwords, deletion, the account's pending system work, the default
 * quotas of account types (and deleting a type, resetting an account to them), and the list of
 * account creators. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "papi.h"

/* An account with its ETag; created: 201 with Location. */
static void reply_account(papi_request *r, const panel_account *a, int created)
{
	char location[320];
	json_t *body = panel_account_to_json(a);

	if (created) {
		snprintf(location, sizeof(location), "/api/v1/accounts/%s", a->login);
		papi_reply_created(r, body, location);
	} else {
		papi_reply_ok(r, body);
	}
	if (body)
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", a->etag);
}

/* A write's failure; a change libpanel saw under the row lock after the If-Match check passed
 * (PANEL_ECONFLICT on if_match) is the same 412 as one seen before. */
static void reply_write_error(papi_request *r, int rc)
{
	const panel_error *e = panel_error_last();

	if (rc == PANEL_ECONFLICT && e->field && strcmp(e->field, "if_match") == 0)
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the account changed since it was read");
	else
		papi_reply_panel_error(r, rc);
}

/* For the account write routes: loads login and checks If-Match. 1 to go on, 0 when answered.
 * etag gets the ETag that matched ("" without If-Match), for libpanel to compare again under
 * the account's row lock (a change between the two is 412 too: reply_write_error). */
static int account_precondition(papi_request *r, const char *login, char *etag, size_t size)
{
	panel_account *a = NULL;
	int rc;

	etag[0] = '\0';
	if (!papi_header(r, MHD_HTTP_HEADER_IF_MATCH))
		return 1;
	rc = panel_account_get(&a, r->p, &r->actor, login);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return 0;
	}
	snprintf(etag, size, "%s", a->etag);
	rc = papi_if_match(r, a->etag);
	panel_account_free(a);
	return rc == 1;
}

/* GET /api/v1/accounts: the accounts the caller may see, ordered by login, paginated (limit,
 * cursor or offset), filtered by login_prefix, mail, type, enabled, creator, expiring_days. */
static void accounts_get(papi_request *r)
{
	panel_account_filter f = PANEL_ACCOUNT_FILTER_INIT;
	panel_account_list *list = NULL;
	char prefix[64], mail[256], type[256], enabled[8], cursor[128];
	unsigned long long n;
	const char *v;
	int err, rc;

	f.login_prefix = papi_query(r, "login_prefix", prefix, sizeof(prefix), &err);
	if (err)
		return;
	f.mail = papi_query(r, "mail", mail, sizeof(mail), &err);
	if (err)
		return;
	f.type = papi_query(r, "type", type, sizeof(type), &err);
	if (err)
		return;
	f.cursor = papi_query(r, "cursor", cursor, sizeof(cursor), &err);
	if (err)
		return;
	v = papi_query(r, "enabled", enabled, sizeof(enabled), &err);
	if (err)
		return;
	if (v) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
			f.enabled = 1;
		} else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
			f.enabled = 0;
		} else {
			papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "enabled",
					 "enabled must be true or false");
			return;
		}
	}
	if ((rc = papi_query_uint(r, "creator", &n, 1, UINT32_MAX)) < 0)
		return;
	if (rc)
		f.creator = (uint32_t)n;
	if ((rc = papi_query_uint(r, "expiring_days", &n, 0, 36500)) < 0)
		return;
	if (rc)
		f.expiring_days = (int)n;
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		f.limit = (size_t)n;
	if ((rc = papi_query_uint(r, "offset", &n, 0, 1000000000)) < 0)
		return;
	if (rc) {
		if (f.cursor) {
			papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "offset",
					 "give cursor or offset, not both");
			return;
		}
		f.offset = (size_t)n;
	}
	rc = panel_account_list_get(&list, r->p, &r->actor, &f);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_account_to_json);
	panel_account_list_free(list);
}

/* The fields POST and PATCH share, from specs[0] on, ended by papi_spec_end(). */
static void account_fields(papi_spec *specs, panel_account_spec *spec, long long *duration)
{
	size_t n = 0;

	specs[n++] = papi_spec_optional(papi_spec_string("mail", &spec->mail));
	specs[n++] = papi_spec_optional(papi_spec_string("nom", &spec->nom));
	specs[n++] = papi_spec_optional(papi_spec_string("prenom", &spec->prenom));
	specs[n++] = papi_spec_optional(papi_spec_string("type", &spec->type));
	specs[n++] =
	    papi_spec_optional(papi_spec_multiline(papi_spec_string("notes", &spec->notes)));
	specs[n++] = papi_spec_optional(papi_spec_int("duration", duration, 0, INT_MAX));
	specs[n++] = papi_spec_optional(papi_spec_bool("enabled", &spec->enabled));
	specs[n++] = papi_spec_optional(papi_spec_bool("canpass", &spec->canpass));
	specs[n++] = papi_spec_optional(papi_spec_bool("admin", &spec->admin));
	specs[n] = papi_spec_end();
}

#define ACCOUNT_FIELDS 10 /* account_fields' specs, papi_spec_end() included */

/* POST /api/v1/accounts: creates an account (admins), with what 1.0's page added when asked
 * ("ftp": the default FTP account, "install_domain": the domain <login>.<parent>), all or
 * nothing. 201 with the account, its ETag and Location; 409 when the login is taken. */
static void accounts_post(papi_request *r)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	long long duration = -1;
	papi_spec specs[4 + ACCOUNT_FIELDS] = {
	    papi_spec_string("login", &spec.login),
	    papi_spec_string("password", &spec.password),
	    papi_spec_optional(papi_spec_bool("ftp", &spec.ftp)),
	    papi_spec_optional(papi_spec_string("install_domain", &spec.install_domain)),
	};
	panel_account *a = NULL;
	int rc;

	account_fields(specs + 4, &spec, &duration);
	if (papi_parse_body(r, specs) < 0)
		return;
	spec.duration = (int)duration;
	rc = panel_account_create(&a, r->p, &r->actor, &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	reply_account(r, a, 1);
	panel_account_free(a);
}

/* GET /api/v1/accounts/{login}: one account the caller may see, with its ETag (304 when
 * If-None-Match lists it). */
static void account_get(papi_request *r)
{
	panel_account *a = NULL;
	int rc = panel_account_get(&a, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (papi_if_none_match(r, a->etag)) {
		papi_reply_not_modified(r);
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", a->etag);
	} else {
		reply_account(r, a, 0);
	}
	panel_account_free(a);
}

/* PATCH /api/v1/accounts/{login}: changes the given fields (a member: only mail, nom, prenom).
 * With If-Match the change applies only if the account still has that ETag (else 412). */
static void account_patch(papi_request *r)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	long long duration = -1;
	papi_spec specs[ACCOUNT_FIELDS];
	const char *login = papi_param(r, 0);
	panel_account *a = NULL;
	char etag[sizeof(a->etag)] = "";
	int rc, if_match = papi_header(r, MHD_HTTP_HEADER_IF_MATCH) != NULL;

	account_fields(specs, &spec, &duration);
	if (papi_parse_body(r, specs) < 0)
		return;
	spec.duration = (int)duration;
	if (if_match) {
		/* Compare here (any tag of the list, or *), then let libpanel compare again
		 * inside its transaction: a change in between still gives 412. */
		rc = panel_account_get(&a, r->p, &r->actor, login);
		if (rc < 0) {
			papi_reply_panel_error(r, rc);
			return;
		}
		snprintf(etag, sizeof(etag), "%s", a->etag);
		panel_account_free(a);
		a = NULL;
		if (papi_if_match(r, etag) != 1)
			return;
	}
	rc = panel_account_update(&a, r->p, &r->actor, login, &spec, if_match ? etag : NULL);
	if (rc == PANEL_ECONFLICT && if_match) {
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the account changed since it was read");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	reply_account(r, a, 0);
	panel_account_free(a);
}

/* DELETE /api/v1/accounts/{login}: deletes the account and everything it owns (admins; not
 * oneself, not the super admin). If-Match is honoured. */
static void account_delete(papi_request *r)
{
	const char *login = papi_param(r, 0);
	char etag[sizeof(((panel_account *)0)->etag)];
	int rc;

	if (!account_precondition(r, login, etag, sizeof(etag)))
		return;
	rc = panel_account_delete_if_match(r->p, &r->actor, login, etag[0] ? etag : NULL);
	if (rc < 0) {
		reply_write_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/accounts/{login}/lock and .../unlock (arg.flag: 1 to lock): sets enabled to
 * false (the account can no longer log in) or back to true (admins). No body (or {}); If-Match
 * is honoured. Answers the account. */
static void account_lock_post(papi_request *r)
{
	const char *login = papi_param(r, 0);
	char etag[sizeof(((panel_account *)0)->etag)];
	panel_account *a = NULL;
	int rc;

	if (!account_precondition(r, login, etag, sizeof(etag)))
		return;
	rc = (r->route->arg.flag ? panel_account_lock : panel_account_unlock)(
	    &a, r->p, &r->actor, login, etag[0] ? etag : NULL);
	if (rc < 0) {
		reply_write_error(r, rc);
		return;
	}
	reply_account(r, a, 0);
	panel_account_free(a);
}

/* POST /api/v1/accounts/{login}/renew {"periods"?}: extends the account's period by periods
 * (default 1) times its duration (admins). If-Match is honoured. Answers the account. */
static void account_renew_post(papi_request *r)
{
	long long periods = 1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_int("periods", &periods, 1, 1200)),
	    papi_spec_end(),
	};
	const char *login = papi_param(r, 0);
	char etag[sizeof(((panel_account *)0)->etag)];
	panel_account *a = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0 || !account_precondition(r, login, etag, sizeof(etag)))
		return;
	rc = panel_account_renew(&a, r->p, &r->actor, login, (unsigned)periods,
				 etag[0] ? etag : NULL);
	if (rc < 0) {
		reply_write_error(r, rc);
		return;
	}
	reply_account(r, a, 0);
	panel_account_free(a);
}

/* PUT /api/v1/accounts/{login}/password {"old_password"?, "password"}: a member changes its own
 * password (old_password required); an admin resets it. 204. */
static void account_password_put(papi_request *r)
{
	const char *old_password = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("old_password", &old_password)),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	const char *login = papi_param(r, 0);
	char etag[sizeof(((panel_account *)0)->etag)];
	int rc;

	if (papi_parse_body(r, specs) < 0 || !account_precondition(r, login, etag, sizeof(etag)))
		return;
	rc = panel_account_password(r->p, &r->actor, login, old_password, password);
	if (rc == PANEL_EAUTH) {
		/* A wrong old password is a bad field, not bad credentials: 401 would make
		 * clients drop a token that is fine. */
		papi_reply_error(r, PAPI_E_INVALID, "old_password", "the old password is wrong");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* GET /api/v1/accounts/{login}/quotas: every quota of the account (limit and current use), one
 * item per known quota name, in the list envelope. */
static int quotas_json(json_t **out, papi_request *r)
{
	panel_quota_list *list = NULL;
	int rc = panel_quota_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_quota_to_json);
	panel_quota_list_free(list);
	return 0;
}

/* GET /api/v1/accounts/{login}/quotas/{name}: one quota of the account, limit and current use.
 * 400 for a quota name libpanel does not know. */
static int quota_json(json_t **out, papi_request *r)
{
	panel_quota q;
	int rc = panel_quota_get(&q, r->p, &r->actor, papi_param(r, 0), papi_param(r, 1));

	if (rc == 0)
		*out = panel_quota_to_json(&q);
	return rc;
}

/* PUT /api/v1/accounts/{login}/quotas/{name} {"value"}: sets the account's limit (admins). A
 * limit below the current use is allowed: nothing is removed, new objects are refused. */
static void quota_put(papi_request *r)
{
	long long value = 0;
	papi_spec specs[] = {
	    papi_spec_int("value", &value, 0, INT64_MAX),
	    papi_spec_end(),
	};
	panel_quota q;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_quota_set(&q, r->p, &r->actor, papi_param(r, 0), papi_param(r, 1),
			     (uint64_t)value);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_quota_to_json(&q));
}

/* GET /api/v1/quotas/defaults[?type=T]: the default quotas copied to new accounts of each
 * account type (admins), ordered by type then name. */
static void quota_defaults_get(papi_request *r)
{
	panel_quota_default_list *list = NULL;
	char type[256];
	const char *t;
	int err, rc;

	t = papi_query(r, "type", type, sizeof(type), &err);
	if (err)
		return;
	rc = panel_quota_defaults_get(&list, r->p, &r->actor, t);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_quota_default_to_json);
	panel_quota_default_list_free(list);
}

/* PUT /api/v1/quotas/defaults {"type"?, "name", "value"}: sets the default of one quota for an
 * account type (default "default"), creating the type if needed (admins). */
static void quota_defaults_put(papi_request *r)
{
	const char *type = "default", *name = NULL;
	long long value = 0;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("type", &type)),
	    papi_spec_string("name", &name),
	    papi_spec_int("value", &value, 0, INT64_MAX),
	    papi_spec_end(),
	};
	panel_quota_default def = {.value = 0};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_quota_default_set(r->p, &r->actor, type, name, (uint64_t)value);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	snprintf(def.type, sizeof(def.type), "%s", type);
	snprintf(def.name, sizeof(def.name), "%s", name);
	def.value = (uint64_t)value;
	papi_reply_ok(r, panel_quota_default_to_json(&def));
}

/* GET /api/v1/accounts/{login}/actions: the account's queued system work (web root, maildirs,
 * folders, deletions, quotas, dumps), newest first, with state, attempts, age and errors;
 * filtered by state, paginated by cursor. The member itself or an admin who sees it. */
static void account_actions_get(papi_request *r)
{
	panel_action_filter f = PANEL_ACTION_FILTER_INIT;
	panel_action_list *list = NULL;
	char state[16], cursor[32];
	unsigned long long n;
	int err, rc;

	f.login = papi_param(r, 0);
	f.state = papi_query(r, "state", state, sizeof(state), &err);
	if (err)
		return;
	/* Query parameters: refused as such (libpanel would answer "invalid"). */
	if (f.state && strcmp(f.state, "pending") != 0 && strcmp(f.state, "running") != 0 &&
	    strcmp(f.state, "done") != 0 && strcmp(f.state, "failed") != 0) {
		papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "state",
				 "state is pending, running, done or failed");
		return;
	}
	/* The cursor is the id of the previous page's last action: a positive number. */
	if ((rc = papi_query_uint(r, "cursor", &n, 1, UINT64_MAX)) < 0)
		return;
	if (rc) {
		snprintf(cursor, sizeof(cursor), "%llu", n);
		f.cursor = cursor;
	}
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return;
	if (rc)
		f.limit = (size_t)n;
	if ((rc = panel_action_list_get(&list, r->p, &r->actor, &f)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_action_to_json);
	panel_action_list_free(list);
}

static const char *const list_query[] = {"login_prefix",  "mail",  "type",   "enabled", "creator",
					 "expiring_days", "limit", "cursor", "offset",	NULL};
static const char *const type_query[] = {"type", NULL};
static const char *const actions_query[] = {"state", "limit", "cursor", NULL};

/* POST /api/v1/accounts/{login}/reset-quotas: every quota back to the default of the account's
 * type (admins who manage it); the quotas after, in the list envelope. */
static void account_reset_quotas(papi_request *r)
{
	panel_quota_list *list = NULL;
	int rc = panel_quota_reset(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_quota_to_json);
	panel_quota_list_free(list);
}

/* GET /api/v1/creators: the admins and the accounts that created others, with how many each
 * created (the super admin). */
static int creators_json(json_t **out, papi_request *r)
{
	panel_creator_list *list = NULL;
	int rc = panel_creator_list_get(&list, r->p, &r->actor);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_creator_to_json);
	panel_creator_list_free(list);
	return 0;
}

static const papi_route routes[] = {
    {"GET", "/api/v1/accounts", "accounts", PAPI_TOKEN_IN_OP, .handler = accounts_get,
     .query = list_query},
    {"POST", "/api/v1/accounts", "accounts", PAPI_BODY | PAPI_ATOMIC, .handler = accounts_post},
    {"GET", "/api/v1/accounts/{login}", "accounts", PAPI_TOKEN_IN_OP, .handler = account_get},
    {"PATCH", "/api/v1/accounts/{login}", "accounts", PAPI_BODY | PAPI_TOKEN_IN_OP | PAPI_ATOMIC,
     .handler = account_patch},
    {"DELETE", "/api/v1/accounts/{login}", "accounts", 0, .handler = account_delete},
    {"POST", "/api/v1/accounts/{login}/lock", "accounts", PAPI_EMPTY | PAPI_ATOMIC,
     .handler = account_lock_post, .arg.flag = 1},
    {"POST", "/api/v1/accounts/{login}/unlock", "accounts", PAPI_EMPTY | PAPI_ATOMIC,
     .handler = account_lock_post},
    {"POST", "/api/v1/accounts/{login}/renew", "accounts", PAPI_BODY | PAPI_ATOMIC,
     .handler = account_renew_post},
    {"PUT", "/api/v1/accounts/{login}/password", "accounts", PAPI_BODY | PAPI_ATOMIC,
     .handler = account_password_put},
    {"GET", "/api/v1/accounts/{login}/actions", "accounts", 0, .handler = account_actions_get,
     .query = actions_query},
    {"GET", "/api/v1/accounts/{login}/quotas", "quotas", 0, .handler = papi_list_handler,
     .arg.json = quotas_json},
    {"GET", "/api/v1/accounts/{login}/quotas/{name}", "quotas", 0, .handler = papi_object_handler,
     .arg.json = quota_json},
    {"PUT", "/api/v1/accounts/{login}/quotas/{name}", "quotas", PAPI_BODY | PAPI_ATOMIC,
     .handler = quota_put},
    {"GET", "/api/v1/quotas/defaults", "quotas", 0, .handler = quota_defaults_get,
     .query = type_query},
    {"PUT", "/api/v1/quotas/defaults", "quotas", PAPI_BODY | PAPI_ATOMIC,
     .handler = quota_defaults_put},
    {"POST", "/api/v1/accounts/{login}/reset-quotas", "quotas", PAPI_EMPTY,
     .handler = account_reset_quotas},
    {"DELETE", "/api/v1/account-types/{type}", "quotas", PAPI_ATOMIC,
     .handler = papi_delete_handler, .arg.name = panel_quota_type_delete},
    {"GET", "/api/v1/creators", "accounts", 0, .handler = papi_list_handler,
     .arg.json = creators_json},
};

const papi_route_table papi_routes_accounts = PAPI_ROUTE_TABLE(routes);
