/* Routes of domains: hosting a domain, its DNS and mail switches, its entries (sub-domains) and
 * zone, and the admin tables behind them: entry types, TLDs, forbidden domains. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* A domain with its ETag; created: 201 with Location. */
static void reply_domain(papi_request *r, const panel_domain *d, int created)
{
	json_t *body = panel_domain_to_json(d);

	if (created)
		papi_reply_created_at(r, body, "/api/v1/domains/", d->domain);
	else
		papi_reply_ok(r, body);
	if (body)
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", d->etag);
}

/* For the domain write routes: loads the domain and checks If-Match. 1 to go on, 0 when
 * answered. etag gets the current ETag when If-Match was given, else "". */
static int domain_precondition(papi_request *r, const char *domain, char *etag, size_t etagsz)
{
	panel_domain *d = NULL;
	int rc;

	etag[0] = '\0';
	if (!papi_header(r, MHD_HTTP_HEADER_IF_MATCH))
		return 1;
	rc = panel_domain_get(&d, r->p, &r->actor, domain);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return 0;
	}
	snprintf(etag, etagsz, "%s", d->etag);
	panel_domain_free(d);
	return papi_if_match(r, etag) == 1;
}

/* GET /api/v1/accounts/{login}/domains: the domains an account hosts, ordered by name,
 * paginated (limit, cursor or offset). 404 for an account the caller may not see. */
static void account_domains_get(papi_request *r)
{
	panel_domain_filter f = PANEL_DOMAIN_FILTER_INIT;
	panel_domain_list *list = NULL;
	char cursor_buf[PANEL_DOMAIN_MAX * 4 + 1];
	int rc;

	if (papi_page_query(r, &f.limit, &f.cursor, cursor_buf, sizeof(cursor_buf), &f.offset) < 0)
		return;
	f.login = papi_param(r, 0);
	rc = panel_domain_list_get(&list, r->p, &r->actor, &f);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	PAPI_REPLY_LIST(r, list, panel_domain_to_json);
	panel_domain_list_free(list);
}

/* POST /api/v1/accounts/{login}/domains {"domain", "dns", "mx", "noerase", "force"}: hosts a
 * domain for the account (noerase and force: admins). 201 with the domain, ETag and Location;
 * 409 when it is taken, 422 when the dom quota is used up. */
static void account_domains_post(papi_request *r)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	papi_spec specs[] = {
	    papi_spec_string("domain", &spec.domain),
	    papi_spec_optional(papi_spec_bool("dns", &spec.dns)),
	    papi_spec_optional(papi_spec_bool("mx", &spec.mx)),
	    papi_spec_optional(papi_spec_bool("noerase", &spec.noerase)),
	    papi_spec_optional(papi_spec_bool("force", &spec.force)),
	    papi_spec_end(),
	};
	panel_domain *d = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_domain_add(&d, r->p, &r->actor, papi_param(r, 0), &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	reply_domain(r, d, 1);
	panel_domain_free(d);
}

/* GET /api/v1/domains/{domain}: one domain the caller may see (internationalized names in
 * UTF-8 or punycode), with its ETag; 304 when If-None-Match lists it. */
static void domain_get(papi_request *r)
{
	panel_domain *d = NULL;
	int rc;

	rc = panel_domain_get(&d, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (papi_if_none_match(r, d->etag)) {
		papi_reply_not_modified(r);
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", d->etag);
	} else {
		reply_domain(r, d, 0);
	}
	panel_domain_free(d);
}

/* PATCH /api/v1/domains/{domain} {"dns", "mx", "noerase"}: turns DNS or mail hosting on or off
 * (noerase: admins). With If-Match the change applies only if the domain still has that ETag. */
static void domain_patch(papi_request *r)
{
	int dns = -1, mx = -1, noerase = -1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_bool("dns", &dns)),
	    papi_spec_optional(papi_spec_bool("mx", &mx)),
	    papi_spec_optional(papi_spec_bool("noerase", &noerase)),
	    papi_spec_end(),
	};
	const char *domain = papi_param(r, 0);
	panel_domain *d = NULL;
	char etag[sizeof(d->etag)];
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	/* Compared here (any tag of the list, or *), then again by libpanel inside its
	 * transaction: a change in between still gives 412. */
	if (!domain_precondition(r, domain, etag, sizeof(etag)))
		return;
	rc =
	    panel_domain_edit(&d, r->p, &r->actor, domain, dns, mx, noerase, etag[0] ? etag : NULL);
	if (rc == PANEL_ECONFLICT && etag[0] && panel_error_last()->field &&
	    strcmp(panel_error_last()->field, "if_match") == 0) {
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the domain changed since it was read");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	reply_domain(r, d, 0);
	panel_domain_free(d);
}

/* DELETE /api/v1/domains/{domain}: marks the domain and its entries for deletion by the cron
 * side and removes its mail addresses and FTP accounts now. If-Match is honoured. 204. */
static void domain_delete(papi_request *r)
{
	const char *domain = papi_param(r, 0);
	char etag[sizeof(((panel_domain *)0)->etag)];
	int rc;

	if (!domain_precondition(r, domain, etag, sizeof(etag)))
		return;
	rc = panel_domain_delete_if_match(r->p, &r->actor, domain, etag[0] ? etag : NULL);
	if (rc == PANEL_ECONFLICT && etag[0] && panel_error_last()->field &&
	    strcmp(panel_error_last()->field, "if_match") == 0) {
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the domain changed since it was read");
		return;
	}
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/domains/{domain}/cancel-delete: cancels a pending deletion while AlternC's cron
 * has not removed the domain (whoever may delete it). 200 with the domain; 409 when no deletion
 * is pending; 404 once the cron removed it. */
static void domain_cancel_delete(papi_request *r)
{
	panel_domain *d = NULL;
	int rc = panel_domain_undelete(&d, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	reply_domain(r, d, 0);
	panel_domain_free(d);
}

/* GET /api/v1/domains/{domain}/mx-check: whether the domain's MX records, as the DNS answers
 * them now, name this host (AlternC's checkmx; whoever sees the domain). 503 when the DNS does
 * not answer. One lookup of an account at a time (papi_lookups.c). */
static void domain_mx_check(papi_request *r)
{
	panel_mx_check check;
	int rc;

	if (papi_lookup_enter(r) < 0)
		return;
	rc = panel_domain_checkmx(&check, r->p, &r->actor, papi_param(r, 0));
	papi_lookup_leave(r);

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_mx_check_to_json(papi_param(r, 0), &check));
}

/* GET /api/v1/domains/{domain}/subdomains: every entry of a domain (sub "@" for the domain
 * itself), ordered by sub, type and target, in the list envelope (one page). */
static int subdomains_json(json_t **out, papi_request *r)
{
	panel_subdomain_list *subs = NULL;
	int rc = panel_subdomain_list_get(&subs, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, subs, panel_subdomain_to_json);
	panel_subdomain_list_free(subs);
	return 0;
}

/* PUT /api/v1/domains/{domain}/subdomains {"sub", "type", "target"}: sets one entry (sub "" or
 * "@" for the domain itself, "*" for the wildcard). Types that may repeat on a name are added,
 * others replace the entry of that type. 200 with the entry; 409 when the types clash. */
static void subdomains_put(papi_request *r)
{
	const char *sub = NULL, *type = NULL, *target = "";
	papi_spec specs[] = {
	    papi_spec_string("sub", &sub),
	    papi_spec_string("type", &type),
	    papi_spec_optional(papi_spec_string("target", &target)),
	    papi_spec_end(),
	};
	panel_subdomain entry;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_subdomain_set(&entry, r->p, &r->actor, papi_param(r, 0), sub, type, target);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_subdomain_to_json(&entry));
}

/* ?value=: one value of a multi-value type (one TXT, one IP...); absent: every value. -1 when
 * the parameter is malformed (400 sent). */
static int one_value(const char **value, papi_request *r, char *buf, size_t size)
{
	int err = 0;

	*value = papi_query(r, "value", buf, size, &err);
	return err < 0 ? -1 : 0;
}

/* DELETE /api/v1/domains/{domain}/subdomains/{sub}/{type}[?value=V]: marks the entries (sub,
 * type), or the one of value V, for deletion by the cron side (sub "@" for the domain itself).
 * 204; 404 when there is none. */
static void subdomain_delete(papi_request *r)
{
	char buf[512];
	const char *value;
	int rc;

	if (one_value(&value, r, buf, sizeof(buf)) < 0)
		return;
	rc = panel_subdomain_delete(r->p, &r->actor, papi_param(r, 0), papi_param(r, 1),
				    papi_param(r, 2), value);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* POST /api/v1/domains/{domain}/subdomains/{sub}/{type}/enable and .../disable[?value=V]
 * (arg.flag: 1 to enable): asks the cron side to enable or disable the entries (sub, type), or
 * the one of value V. No body (or {}). 204; 404 when there is none. */
static void subdomain_enable_post(papi_request *r)
{
	char buf[512];
	const char *value;
	int rc;

	if (one_value(&value, r, buf, sizeof(buf)) < 0)
		return;
	rc = panel_subdomain_set_enabled(r->p, &r->actor, papi_param(r, 0), papi_param(r, 1),
					 papi_param(r, 2), value, r->route->arg.flag);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

/* GET /api/v1/domains/{domain}/zone: the BIND zone of a domain as the DNS server would load it,
 * rendered from its enabled entries; answered as text/dns (RFC 4027), not JSON. */
static void zone_get(papi_request *r)
{
	char *zone = NULL;
	int rc;

	rc = panel_domain_zone(&zone, r->p, &r->actor, papi_param(r, 0));
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_text(r, "text/dns", zone);
	free(zone);
}

/* GET /api/v1/domain-types: every type of DNS entry (any caller: members choose among them),
 * in the list envelope (one page). */
static int domain_types_json(json_t **out, papi_request *r)
{
	panel_domain_type_list *types = NULL;
	int rc = panel_domain_type_list_get(&types, r->p, &r->actor);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, types, panel_domain_type_to_json);
	panel_domain_type_list_free(types);
	return 0;
}

/* GET /api/v1/domain-types/{name}: one type of DNS entry (any caller); 404 for an unknown
 * name. */
static void domain_type_get(papi_request *r)
{
	const char *name = papi_param(r, 0);
	panel_domain_type_list *types = NULL;
	size_t i;
	int rc;

	rc = panel_domain_type_list_get(&types, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	for (i = 0; i < types->count && strcmp(types->items[i].name, name) != 0; i++)
		;
	if (i < types->count)
		papi_reply_ok(r, panel_domain_type_to_json(&types->items[i]));
	else
		papi_reply_error(r, PAPI_E_NOT_FOUND, "name", "no such domain type");
	panel_domain_type_list_free(types);
}

/* PATCH /api/v1/domain-types/{name} {"description", "entry", "compatibility", "enable",
 * "only_dns", "need_dns", "advanced"}: changes a type of DNS entry (admins). compatibility is
 * an array of type names or one comma-separated string. Answers the type. */
static void domain_type_patch(papi_request *r)
{
	const char *description = NULL, *entry = NULL, *enable = NULL;
	json_t *compat_json = NULL;
	int only_dns = -1, need_dns = -1, advanced = -1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("description", &description)),
	    papi_spec_optional(papi_spec_string("entry", &entry)),
	    papi_spec_optional(papi_spec_json("compatibility", &compat_json)),
	    papi_spec_optional(papi_spec_string("enable", &enable)),
	    papi_spec_optional(papi_spec_bool("only_dns", &only_dns)),
	    papi_spec_optional(papi_spec_bool("need_dns", &need_dns)),
	    papi_spec_optional(papi_spec_bool("advanced", &advanced)),
	    papi_spec_end(),
	};
	char compat[256];
	panel_domain_type type;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (compat_json &&
	    papi_comma_list(r, "compatibility", compat_json, compat, sizeof(compat)) < 0)
		return;
	rc = panel_domain_type_update(&type, r->p, &r->actor, papi_param(r, 0), description, entry,
				      compat_json ? compat : NULL, enable, only_dns, need_dns,
				      advanced);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_domain_type_to_json(&type));
}

/* POST /api/v1/domain-types/{name}/regenerate: marks every live entry of the type for the web
 * cron and the zones of their domains for the DNS cron (admins; AlternC's
 * domains_type_regenerate). 200 {"name", "domains", "entries"}: how many were marked. */
static void domain_type_regenerate(papi_request *r)
{
	unsigned domains = 0, entries = 0;
	int rc =
	    panel_domain_type_regenerate(&domains, &entries, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, json_pack("{s:s, s:I, s:I}", "name", papi_param(r, 0), "domains",
				   (json_int_t)domains, "entries", (json_int_t)entries));
}

/* GET /api/v1/tlds: the top-level domains and their modes (0 forbidden, 1-4 allowed, 5 allowed
 * without DNS hosting), ordered by name, in the list envelope (one page). */
static int tlds_json(json_t **out, papi_request *r)
{
	panel_tld_list *tlds = NULL;
	int rc = panel_tld_list_get(&tlds, r->p, &r->actor);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, tlds, panel_tld_to_json);
	panel_tld_list_free(tlds);
	return 0;
}

/* The TLD as libpanel stores it: lower case, without the leading dot. */
static void normalize(char *out, size_t outsz, const char *tld)
{
	size_t i = 0;

	if (*tld == '.')
		tld++;
	for (; tld[i] && i + 1 < outsz; i++)
		out[i] = (char)tolower((unsigned char)tld[i]);
	out[i] = '\0';
}

/* 1 when the list has name, 0 when not, a negative code on error. */
static int listed(papi_request *r, const char *name)
{
	panel_tld_list *tlds = NULL;
	int rc = panel_tld_list_get(&tlds, r->p, &r->actor), found = 0;

	for (size_t i = 0; rc == 0 && i < tlds->count; i++)
		found |= strcmp(tlds->items[i].tld, name) == 0;
	panel_tld_list_free(tlds);
	return rc < 0 ? rc : found;
}

/* POST /api/v1/tlds {"tld", "mode"}: allows a top-level domain, or changes its mode (admins).
 * 201 with {"tld", "mode"} for a new one, 200 when it existed. */
static void tlds_post(papi_request *r)
{
	const char *tld = NULL;
	long long mode = 0;
	papi_spec specs[] = {
	    papi_spec_string("tld", &tld),
	    papi_spec_int("mode", &mode, 0, 5),
	    papi_spec_end(),
	};
	panel_tld out;
	int rc, existed;

	if (papi_parse_body(r, specs) < 0)
		return;
	normalize(out.tld, sizeof(out.tld), tld);
	out.mode = (int)mode;
	existed = listed(r, out.tld);
	if (existed < 0) {
		papi_reply_panel_error(r, existed);
		return;
	}
	rc = panel_tld_set(r->p, &r->actor, tld, out.mode);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (existed)
		papi_reply_ok(r, panel_tld_to_json(&out));
	else
		papi_reply_created_at(r, panel_tld_to_json(&out), "/api/v1/tlds/", out.tld);
}

/* A forbidden domain's JSON form, {"domain"}. */
static json_t *forbidden_to_json(char *const *domain)
{
	return json_pack("{s:s}", "domain", *domain);
}

/* GET /api/v1/forbidden-domains: the domains no member may host, nor anything under them
 * (admins), ordered by name, in the list envelope (one page) of {"domain"} items. */
static int forbidden_json(json_t **out, papi_request *r)
{
	panel_forbidden_list *list = NULL;
	int rc = panel_forbidden_list_get(&list, r->p, &r->actor);

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, forbidden_to_json);
	panel_forbidden_list_free(list);
	return 0;
}

/* 1 when name is in list. */
static int has(const panel_forbidden_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], name) == 0)
			return 1;
	return 0;
}

/* POST /api/v1/forbidden-domains {"domain"}: forbids a domain and everything under it (admins).
 * 201 with {"domain"} as stored (punycode, lower case); 409 when it is already forbidden. */
static void forbidden_post(papi_request *r)
{
	const char *domain = NULL;
	papi_spec specs[] = {
	    papi_spec_string("domain", &domain),
	    papi_spec_end(),
	};
	panel_forbidden_list *before = NULL, *after = NULL;
	const char *stored = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	/* libpanel normalizes the name (IDN to punycode); the new row tells which it stored. */
	if ((rc = panel_forbidden_list_get(&before, r->p, &r->actor)) < 0 ||
	    (rc = panel_forbidden_add(r->p, &r->actor, domain)) < 0 ||
	    (rc = panel_forbidden_list_get(&after, r->p, &r->actor)) < 0) {
		papi_reply_panel_error(r, rc);
		goto out;
	}
	for (size_t i = 0; !stored && i < after->count; i++)
		if (!has(before, after->items[i]))
			stored = after->items[i];
	papi_reply_created_at(r, json_pack("{s:s}", "domain", stored ? stored : domain),
			      "/api/v1/forbidden-domains/", stored ? stored : domain);
out:
	panel_forbidden_list_free(before);
	panel_forbidden_list_free(after);
}

static const char *const page_query[] = {"limit", "cursor", "offset", NULL};
static const char *const value_query[] = {"value", NULL};

/* Sub-domain paths write the domain itself as "@". DELETE of a TLD: its names can no longer be
 * hosted (those already hosted stay); of a forbidden domain: it may be hosted again (admins). */
static const papi_route routes[] = {
    {"GET", "/api/v1/accounts/{login}/domains", "domains", 0, .handler = account_domains_get,
     .query = page_query},
    {"POST", "/api/v1/accounts/{login}/domains", "domains", PAPI_BODY,
     .handler = account_domains_post},
    {"GET", "/api/v1/domains/{domain}", "domains", 0, .handler = domain_get},
    {"PATCH", "/api/v1/domains/{domain}", "domains", PAPI_BODY, .handler = domain_patch},
    {"DELETE", "/api/v1/domains/{domain}", "domains", 0, .handler = domain_delete},
    {"POST", "/api/v1/domains/{domain}/cancel-delete", "domains", PAPI_EMPTY,
     .handler = domain_cancel_delete},
    {"GET", "/api/v1/domains/{domain}/subdomains", "domains", 0, .handler = papi_list_handler,
     .arg.json = subdomains_json},
    {"PUT", "/api/v1/domains/{domain}/subdomains", "domains", PAPI_BODY, .handler = subdomains_put},
    {"DELETE", "/api/v1/domains/{domain}/subdomains/{sub}/{type}", "domains", 0,
     .handler = subdomain_delete, .query = value_query},
    {"POST", "/api/v1/domains/{domain}/subdomains/{sub}/{type}/enable", "domains", PAPI_EMPTY,
     .handler = subdomain_enable_post, .arg.flag = 1, .query = value_query},
    {"POST", "/api/v1/domains/{domain}/subdomains/{sub}/{type}/disable", "domains", PAPI_EMPTY,
     .handler = subdomain_enable_post, .query = value_query},
    {"GET", "/api/v1/domains/{domain}/zone", "domains", 0, .handler = zone_get},
    {"GET", "/api/v1/domains/{domain}/mx-check", "domains", 0, .handler = domain_mx_check},
    {"GET", "/api/v1/domain-types", "domains", 0, .handler = papi_list_handler,
     .arg.json = domain_types_json},
    {"GET", "/api/v1/domain-types/{name}", "domains", 0, .handler = domain_type_get},
    {"PATCH", "/api/v1/domain-types/{name}", "domains", PAPI_BODY, .handler = domain_type_patch},
    {"POST", "/api/v1/domain-types/{name}/regenerate", "domains", PAPI_EMPTY,
     .handler = domain_type_regenerate},
    {"GET", "/api/v1/tlds", "domains", 0, .handler = papi_list_handler, .arg.json = tlds_json},
    {"POST", "/api/v1/tlds", "domains", PAPI_BODY | PAPI_ATOMIC, .handler = tlds_post},
    {"DELETE", "/api/v1/tlds/{tld}", "domains", PAPI_ATOMIC, .handler = papi_delete_handler,
     .arg.name = panel_tld_delete},
    {"GET", "/api/v1/forbidden-domains", "domains", 0, .handler = papi_list_handler,
     .arg.json = forbidden_json},
    {"POST", "/api/v1/forbidden-domains", "domains", PAPI_BODY | PAPI_ATOMIC,
     .handler = forbidden_post},
    {"DELETE", "/api/v1/forbidden-domains/{domain}", "domains", PAPI_ATOMIC,
     .handler = papi_delete_handler, .arg.name = panel_forbidden_delete},
};

const papi_route_table papi_routes_domains = PAPI_ROUTE_TABLE(routes);
