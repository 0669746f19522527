/* Slave DNS and backup MX servers: the admin routes for the addresses allowed to transfer the
 * zones and for the servers' accounts, and the two lists the servers poll with those accounts,
 * at AlternC 1.0's paths (/admin/domlist.php, /admin/mxlist.php) in 1.0's plain-text form. */
#include <sodium.h>
#include <string.h>

#include "papi.h"

/* ---------------------------------------------------------------- administration */

/* GET /api/v1/slaves/ips: the addresses allowed to transfer the zones (admins). */
static int ips_json(json_t **out, papi_request *r)
{
	panel_slave_ip_list *list = NULL;
	int rc = panel_slave_ip_list_get(&list, r->p, &r->actor);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_slave_ip_to_json);
	panel_slave_ip_list_free(list);
	return 0;
}

/* POST /api/v1/slaves/ips {"ip", "prefix"?}: allows an address or network; 201 with the row. */
static void ips_post(papi_request *r)
{
	const char *ip = NULL;
	long long prefix = 0;
	papi_spec specs[] = {
	    papi_spec_string("ip", &ip),
	    papi_spec_optional(papi_spec_int("prefix", &prefix, 1, 128)),
	    papi_spec_end(),
	};
	panel_slave_ip row;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_slave_ip_add(&row, r->p, &r->actor, ip, (unsigned)prefix)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_slave_ip_to_json(&row), "/api/v1/slaves/ips/", row.ip);
}

static int accounts_json(json_t **out, papi_request *r, panel_slave_kind kind)
{
	panel_slave_account_list *list = NULL;
	int rc = panel_slave_account_list_get(&list, r->p, &r->actor, kind);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_slave_account_to_json);
	panel_slave_account_list_free(list);
	return 0;
}

/* GET /api/v1/slaves/dns-accounts, /api/v1/slaves/mx-accounts (admins): logins only. */
static int dns_accounts_json(json_t **out, papi_request *r)
{
	return accounts_json(out, r, PANEL_SLAVE_DNS);
}

static int mx_accounts_json(json_t **out, papi_request *r)
{
	return accounts_json(out, r, PANEL_SLAVE_MX);
}

/* POST /api/v1/slaves/{dns,mx}-accounts {"login", "password"}: 201 {"login", "kind"}. */
static void accounts_post(papi_request *r)
{
	const char *login = NULL, *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("login", &login),
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	panel_slave_account account = {.kind = (panel_slave_kind)r->route->arg.flag};
	const char *prefix = account.kind == PANEL_SLAVE_MX ? "/api/v1/slaves/mx-accounts/"
							    : "/api/v1/slaves/dns-accounts/";
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_slave_account_add(r->p, &r->actor, account.kind, login, password)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	snprintf(account.login, sizeof(account.login), "%s", login);
	papi_reply_created_at(r, panel_slave_account_to_json(&account), prefix, account.login);
}

/* DELETE /api/v1/slaves/{dns,mx}-accounts/{login}: 204. */
static int dns_account_delete(panel *p, const panel_actor *who, const char *login)
{
	return panel_slave_account_delete(p, who, PANEL_SLAVE_DNS, login);
}

static int mx_account_delete(panel *p, const panel_actor *who, const char *login)
{
	return panel_slave_account_delete(p, who, PANEL_SLAVE_MX, login);
}

/* ---------------------------------------------------------------- what the slaves poll */

#define BASIC_MAX 256 /* decoded "login:password" (64 + 1 + 64 is enough) */

/* The login and password of "Authorization: Basic <base64>" into buf (login, then password
 * after the NUL that replaces the first colon). 0, or -1 when absent or malformed. */
static int basic_credentials(const char **login, const char **password, char *buf, size_t bufsz,
			     const papi_request *r)
{
	const char *h = papi_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t len = 0;
	char *colon;

	if (!h || strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	if (sodium_base642bin((unsigned char *)buf, bufsz - 1, h, strlen(h), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	buf[len] = '\0';
	if (strlen(buf) != len || !(colon = strchr(buf, ':')))
		return -1;
	*colon = '\0';
	*login = buf;
	*password = colon + 1;
	return 0;
}

/* One domain a line, each followed by "\n", as 1.0's echo_domain_list; "" when none. */
static char *domain_lines(const panel_slave_domain_list *list)
{
	size_t size = 1, n = 0;
	char *text;

	for (size_t i = 0; i < list->count; i++)
		size += strlen(list->items[i].domain) + 1;
	if (!(text = malloc(size)))
		return NULL;
	for (size_t i = 0; i < list->count; i++) {
		size_t len = strlen(list->items[i].domain);
		memcpy(text + n, list->items[i].domain, len);
		n += len;
		text[n++] = '\n';
	}
	text[n] = '\0';
	return text;
}

/* GET /admin/domlist.php (arg: PANEL_SLAVE_DNS) and /admin/mxlist.php (PANEL_SLAVE_MX), HTTP
 * Basic with a slave account: text/plain, the domains with gesdns = 1 (or gesmx = 1). A missing
 * or wrong password answers 401 with 1.0's challenge; failures are throttled like logins. */
static void domain_list_get(papi_request *r)
{
	panel_slave_kind kind = (panel_slave_kind)r->route->arg.flag;
	const char *login = NULL, *password = NULL;
	panel_slave_domain_list *list = NULL;
	char buf[BASIC_MAX], *text;
	int rc;

	if (basic_credentials(&login, &password, buf, sizeof(buf), r) < 0) {
		papi_reply_error(r, PAPI_E_UNAUTHENTICATED, NULL,
				 "HTTP Basic credentials of a slave account are required");
		rc = 0;
	} else {
		rc = panel_slave_domain_list_get(&list, r->p, kind, login, password, r->ip);
		if (rc < 0)
			papi_reply_panel_error(r, rc);
	}
	sodium_memzero(buf, sizeof(buf));
	r->reply.challenge = kind == PANEL_SLAVE_MX ? "Basic realm=\"MX List Authentication\""
						    : "Basic realm=\"Domain List Authentication\"";
	if (!list)
		return;
	text = domain_lines(list);
	panel_slave_domain_list_free(list);
	if (!text) {
		papi_reply_oom(r);
		return;
	}
	papi_reply_text(r, "text/plain; charset=utf-8", text);
	free(text);
}

static const papi_route routes[] = {
    {"GET", "/api/v1/slaves/ips", "slaves", 0, .handler = papi_list_handler, .arg.json = ips_json},
    {"POST", "/api/v1/slaves/ips", "slaves", PAPI_BODY | PAPI_ATOMIC, .handler = ips_post},
    {"DELETE", "/api/v1/slaves/ips/{ip}", "slaves", PAPI_ATOMIC, .handler = papi_delete_handler,
     .arg.name = panel_slave_ip_delete},
    {"GET", "/api/v1/slaves/dns-accounts", "slaves", 0, .handler = papi_list_handler,
     .arg.json = dns_accounts_json},
    {"POST", "/api/v1/slaves/dns-accounts", "slaves", PAPI_BODY | PAPI_ATOMIC,
     .handler = accounts_post, .arg.flag = PANEL_SLAVE_DNS},
    {"DELETE", "/api/v1/slaves/dns-accounts/{login}", "slaves", PAPI_ATOMIC,
     .handler = papi_delete_handler, .arg.name = dns_account_delete},
    {"GET", "/api/v1/slaves/mx-accounts", "slaves", 0, .handler = papi_list_handler,
     .arg.json = mx_accounts_json},
    {"POST", "/api/v1/slaves/mx-accounts", "slaves", PAPI_BODY | PAPI_ATOMIC,
     .handler = accounts_post, .arg.flag = PANEL_SLAVE_MX},
    {"DELETE", "/api/v1/slaves/mx-accounts/{login}", "slaves", PAPI_ATOMIC,
     .handler = papi_delete_handler, .arg.name = mx_account_delete},
    {"GET", "/admin/domlist.php", NULL, PAPI_PUBLIC, .handler = domain_list_get,
     .arg.flag = PANEL_SLAVE_DNS},
    {"GET", "/admin/mxlist.php", NULL, PAPI_PUBLIC, .handler = domain_list_get,
     .arg.flag = PANEL_SLAVE_MX},
};

const papi_route_table papi_routes_slaves = PAPI_ROUTE_TABLE(routes);
