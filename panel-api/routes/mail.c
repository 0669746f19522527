/* Routes of mail addresses: listing and creating them under a domain, reading, changing and
 * deleting one, its password set by the owner or changed by the mail user (self-service). */
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* GET /api/v1/domains/{domain}/mail: the mail addresses of a domain ordered by address,
 * filtered by prefix (of the local part), paginated (limit, cursor or offset). */
static void domain_mail_get(papi_request *r)
{
	panel_mail_filter f = PANEL_MAIL_FILTER_INIT;
	panel_mail_list *list = NULL;
	char prefix_buf[130], cursor_buf[260];
	int err, rc;

	f.prefix = papi_query(r, "prefix", prefix_buf, sizeof(prefix_buf), &err);
	if (err ||
	    papi_page_query(r, &f.limit, &f.cursor, cursor_buf, sizeof(cursor_buf), &f.offset) < 0)
		return;
	rc = panel_mail_list_get(&list, r->p, &r->actor, papi_param(r, 0), &f);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_mail_to_json);
	panel_mail_list_free(list);
}

/* What POST .../mail and PATCH /mail/{address} share once their specs are set: recipients as
 * a list, then create (under the domain of the path) or update (the address of the path). */
static void mail_write(papi_request *r, const papi_spec *specs, panel_mail_spec *spec,
		       json_t *const *recipients, int create)
{
	const char **list = NULL;
	panel_mail *m = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (*recipients) {
		list = papi_string_list(r, *recipients);
		if (!list)
			return;
		spec->recipients = list;
	}
	if (create)
		rc = panel_mail_create(&m, r->p, &r->actor, papi_param(r, 0), spec);
	else
		rc = panel_mail_update(&m, r->p, &r->actor, papi_param(r, 0), spec);
	free(list);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (create)
		papi_reply_created_at(r, panel_mail_to_json(m), "/api/v1/mail/", m->address);
	else
		papi_reply_ok(r, panel_mail_to_json(m));
	panel_mail_free(m);
}

/* POST /api/v1/domains/{domain}/mail {"local", "password", "recipients", "expires"}: a new
 * address: a mailbox when password is given, forwards to recipients, "" local for the
 * catch-all. 201 with the address and Location; 409 when taken, 422 when the mail quota is
 * used up. */

static void domain_mail_post(papi_request *r)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	json_t *recipients = NULL;
	papi_spec specs[] = {
	    papi_spec_string("local", &spec.local),
	    papi_spec_optional(papi_spec_string("password", &spec.password)),
	    papi_spec_optional(papi_spec_string_array("recipients", &recipients)),
	    papi_spec_optional(papi_spec_string("expires", &spec.expires)),
	    papi_spec_end(),
	};

	mail_write(r, specs, &spec, &recipients, 1);
}

/* GET /api/v1/mail/{address}: one mail address the caller may see ("@domain" for the
 * catch-all, also as %40domain). */
static int mail_json(json_t **out, papi_request *r)
{
	panel_mail *m = NULL;
	int rc = panel_mail_get(&m, r->p, &r->actor, papi_param(r, 0));

	if (rc == 0)
		*out = panel_mail_to_json(m);
	panel_mail_free(m);
	return rc;
}

/* PATCH /api/v1/mail/{address} {"recipients", "password", "expires", "mailbox"}: changes the
 * forwards, the expiry ("" never), the box's password (creating the box when there is none),
 * or removes the box (mailbox false; forwards must remain). Answers the address. */

static void mail_patch(papi_request *r)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	json_t *recipients = NULL;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string_array("recipients", &recipients)),
	    papi_spec_optional(papi_spec_string("password", &spec.password)),
	    papi_spec_optional(papi_spec_string("expires", &spec.expires)),
	    papi_spec_optional(papi_spec_bool("mailbox", &spec.mailbox)),
	    papi_spec_end(),
	};

	mail_write(r, specs, &spec, &recipients, 0);
}

/* POST /api/v1/mail/{address}/password {"old_password", "password"}: a mail user's
 * self-service, without an account or a bearer token. Failures are throttled per address and
 * per client address, like logins: 401 login_failed, then 429 with Retry-After. 204. */
static void mail_password_post(papi_request *r)
{
	const char *old_password = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("old_password", &old_password),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	const panel_error *e;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_mail_password_self(r->p, papi_param(r, 0), old_password, password, r->ip);
	e = panel_error_last();
	/* An unknown address, an address without a box and a wrong password answer alike. */
	if (rc == PANEL_EAUTH && e->field && strcmp(e->field, "old_password") == 0) {
		papi_reply_error(r, PAPI_E_LOGIN_FAILED, NULL, "wrong address or password");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

static const char *const list_query[] = {"prefix", "limit", "cursor", "offset", NULL};

/* The catch-all address is "@domain". DELETE /api/v1/mail/{address}: its maildir is removed by
 * the cron side. PUT .../password {"password"}: by the box's owner or an admin, under the "pop"
 * password policy (409 for an address without a box). */
static const papi_route routes[] = {
    {"GET", "/api/v1/domains/{domain}/mail", "mail", 0, .handler = domain_mail_get,
     .query = list_query},
    {"POST", "/api/v1/domains/{domain}/mail", "mail", PAPI_BODY | PAPI_ATOMIC,
     .handler = domain_mail_post},
    {"GET", "/api/v1/mail/{address}", "mail", 0, .handler = papi_object_handler,
     .arg.json = mail_json},
    {"PATCH", "/api/v1/mail/{address}", "mail", PAPI_BODY | PAPI_ATOMIC, .handler = mail_patch},
    {"DELETE", "/api/v1/mail/{address}", "mail", PAPI_ATOMIC, .handler = papi_delete_handler,
     .arg.name = panel_mail_delete},
    {"PUT", "/api/v1/mail/{address}/password", "mail", PAPI_BODY | PAPI_ATOMIC,
     .handler = papi_password_handler, .arg.password = panel_mail_password},
    /* the mail user's self-service: no token, the old password instead (throttled) */
    {"POST", "/api/v1/mail/{address}/password", "mail", PAPI_PUBLIC | PAPI_BODY,
     .handler = mail_password_post},
};

const papi_route_table papi_routes_mail = PAPI_ROUTE_TABLE(routes);
