/* panelctl domain|sub|zone|tld|forbidden: hosted domains and their DNS entries, the zone
 * rendered from them, and the admin tables of allowed TLDs and forbidden domains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

enum {
	OPT_LOGIN = 256,
	OPT_NO_DNS,
	OPT_NO_MX,
	OPT_NOERASE,
	OPT_FORCE,
	OPT_DNS,
	OPT_MX,
	OPT_IF_MATCH,
};

static int parse_yes_no(int *out, const cli *c, const char *option, const char *value)
{
	if ((*out = cli_parse_bool(value)) < 0)
		return cli_usage_error(c, "%s: yes or no", option);
	return 0;
}

/* ---------------------------------------------------------------- domain */

static void print_domain(const cli *c, const panel_domain *d)
{
	if (c->json) {
		cli_print_json(panel_domain_to_json(d));
		return;
	}
	cli_kv("domain", d->domain);
	cli_kv("owner", d->login);
	cli_kv("dns", yes_no(d->dns));
	cli_kv("mx", yes_no(d->mx));
	cli_kv("noerase", yes_no(d->noerase));
	cli_kv("dns_action", d->dns_action);
	cli_kv("dns_result", d->dns_result);
	cli_kv_u64("subdomains", d->subdomains);
	cli_kv("etag", d->etag);
}

/* Prints the domain a call returned in *d, or the error (see cmd_account.c's finish). */
static int finish(cli *c, int error, panel_domain **d)
{
	if (error < 0)
		return cli_fail(c);
	print_domain(c, *d);
	panel_domain_free(*d);
	*d = NULL;
	return 0;
}

static int domain_add(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {"no-dns", no_argument, NULL, OPT_NO_DNS},
	    {"no-mx", no_argument, NULL, OPT_NO_MX},
	    {"noerase", no_argument, NULL, OPT_NOERASE},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {NULL, 0, NULL, 0},
	};
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	const char *login = NULL;
	panel_domain *d = NULL;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_LOGIN:
			login = optarg;
			break;
		case OPT_NO_DNS:
			spec.dns = 0;
			break;
		case OPT_NO_MX:
			spec.mx = 0;
			break;
		case OPT_NOERASE:
			spec.noerase = 1;
			break;
		case OPT_FORCE:
			spec.force = 1;
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain add DOMAIN [--login LOGIN] "
					  "[--no-dns] [--no-mx] [--noerase] [--force]");
	spec.domain = cli_positional(&args, 0);
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_domain_add(&d, c->p, &c->actor, login, &spec), &d);
}

static int domain_show(cli *c, int argc, char **argv)
{
	panel_domain *d = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain show DOMAIN");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_domain_get(&d, c->p, &c->actor, cli_positional(&args, 0)), &d);
}

static int domain_row(cli_table *t, const void *item)
{
	const panel_domain *d = item;
	char entries[16];

	snprintf(entries, sizeof(entries), "%u", d->subdomains);
	const char *cells[] = {d->domain,	   d->login, yes_no(d->dns), yes_no(d->mx),
			       yes_no(d->noerase), entries,  d->dns_action};
	return cli_table_add(t, cells);
}

static json_t *domain_json(const void *item)
{
	return panel_domain_to_json(item);
}

static const char *const domain_headers[] = {"DOMAIN",	"OWNER",   "DNS",	"MX",
					     "NOERASE", "ENTRIES", "DNS_ACTION"};
static const cli_listing domain_rows = {7, domain_headers, domain_row, domain_json};

static int domain_page(cli_pager *pager, cli *c, void *arg, const char *cursor)
{
	panel_domain_filter *filter = arg;
	panel_domain_list *page = NULL;
	int error;

	filter->cursor = cursor;
	if (panel_domain_list_get(&page, c->p, &c->actor, filter) < 0)
		return -1;
	error = cli_pager_take(pager, CLI_LIST_VIEW(page));
	panel_domain_list_free(page);
	return error;
}

static int domain_list(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    CLI_PAGING_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	panel_domain_filter filter = PANEL_DOMAIN_FILTER_INIT;
	cli_paging pg = {0};
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_list_option(&args, c, options, &pg, &rc)) != -1) {
		if (opt != OPT_LOGIN)
			return rc;
		filter.login = optarg;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "domain list takes no positional argument");
	filter.limit = pg.limit;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return cli_paging_run(c, &pg, &domain_rows, domain_page, &filter, "domains");
}

static int domain_edit(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"dns", required_argument, NULL, OPT_DNS},
	    {"mx", required_argument, NULL, OPT_MX},
	    {"noerase", required_argument, NULL, OPT_NOERASE},
	    {"if-match", required_argument, NULL, OPT_IF_MATCH},
	    {NULL, 0, NULL, 0},
	};
	int dns = -1, mx = -1, noerase = -1, opt, rc = 0;
	const char *if_match = NULL;
	panel_domain *d = NULL;
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_DNS:
			if ((rc = parse_yes_no(&dns, c, "--dns", optarg)) != 0)
				return rc;
			break;
		case OPT_MX:
			if ((rc = parse_yes_no(&mx, c, "--mx", optarg)) != 0)
				return rc;
			break;
		case OPT_NOERASE:
			if ((rc = parse_yes_no(&noerase, c, "--noerase", optarg)) != 0)
				return rc;
			break;
		case OPT_IF_MATCH:
			if_match = optarg;
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain edit DOMAIN [--dns yes|no] "
					  "[--mx yes|no] [--noerase yes|no] [--if-match ETAG]");
	if (dns < 0 && mx < 0 && noerase < 0)
		return cli_usage_error(c, "domain edit: nothing to change");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c,
		      panel_domain_edit(&d, c->p, &c->actor, cli_positional(&args, 0), dns, mx,
					noerase, if_match),
		      &d);
}

static int domain_del(cli *c, int argc, char **argv)
{
	const char *domain;
	cli_args args;
	int rc, yes;

	if ((rc = cli_name_and_yes(&domain, &yes, &args, c, argc, argv,
				   "domain del DOMAIN --yes")) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(c,
				       "domain del removes %s, its entries, its mail addresses and "
				       "its FTP accounts: confirm with --yes",
				       domain);
	if (cli_open(c) < 0 || panel_domain_delete(c->p, &c->actor, domain) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "domain", domain, "deleted", 1),
			"domain %s deleted", domain);
}

static int domain_undel(cli *c, int argc, char **argv)
{
	panel_domain *d = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain undel DOMAIN");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_domain_undelete(&d, c->p, &c->actor, cli_positional(&args, 0)), &d);
}

static int domain_checkmx(cli *c, int argc, char **argv)
{
	static const char *const meaning[] = {"one of its MX is this host", "it has no MX record",
					      "none of its MX is this host"};
	panel_mx_check check;
	const char *domain;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain checkmx DOMAIN");
	domain = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_domain_checkmx(&check, c->p, &c->actor, domain) < 0)
		return cli_fail(c);
	if (c->json) {
		cli_print_json(panel_mx_check_to_json(domain, &check));
		return 0;
	}
	printf("%s: %s (%d)\n", domain, meaning[check.result], check.result);
	for (size_t i = 0; i < check.count; i++)
		cli_kv("mx", check.hosts[i]);
	return 0;
}

static const struct cli_verb domain_verbs[] = {
    {"add", domain_add, "DOMAIN [--login LOGIN] [--no-dns] [--no-mx] [--noerase] [--force]",
     "host a domain for a member (default: the --as member)"},
    {"show", domain_show, "DOMAIN", "show a hosted domain"},
    {"list", domain_list, "[--login LOGIN] [--limit N] [--cursor C] [--all]",
     "list the domains the actor may see"},
    {"edit", domain_edit,
     "DOMAIN [--dns yes|no] [--mx yes|no] [--noerase yes|no] [--if-match ETAG]",
     "turn DNS or mail hosting on or off, lock a domain"},
    {"del", domain_del, "DOMAIN --yes", "delete a domain with its entries, mail and FTP accounts"},
    {"checkmx", domain_checkmx, "DOMAIN",
     "does the domain's mail come here? its MX records as the DNS answers them now"},
    {"undel", domain_undel, "DOMAIN",
     "cancel a domain's pending deletion while AlternC's cron has not removed it"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_domain = {"domain", domain_verbs};

/* ---------------------------------------------------------------- sub */

static void print_subdomain(const cli *c, const panel_subdomain *s)
{
	if (c->json) {
		cli_print_json(panel_subdomain_to_json(s));
		return;
	}
	cli_kv("domain", s->domain);
	cli_kv("sub", *s->sub ? s->sub : "@");
	cli_kv("type", s->type);
	cli_kv("target", s->target);
	cli_kv("enable", s->enable);
	cli_kv("web_action", s->web_action);
	cli_kv("web_result", s->web_result);
}

/* DOMAIN SUB TYPE [TARGET]: 3 arguments, or 4 when target is wanted. */
static int entry_args(cli_args *a, cli *c, int argc, char **argv, int with_target,
		      const char *usage)
{
	int rc, n;

	if ((rc = cli_no_options(a, c, argc, argv)) != 0)
		return rc;
	n = cli_positional_count(a);
	if (n != 3 && !(with_target && n == 4))
		return cli_usage_error(c, "usage: panelctl sub %s", usage);
	return 0;
}

static int sub_set(cli *c, int argc, char **argv)
{
	panel_subdomain s;
	cli_args args;
	int rc;

	if ((rc = entry_args(&args, c, argc, argv, 1, "set DOMAIN SUB TYPE [TARGET]")) != 0)
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (panel_subdomain_set(&s, c->p, &c->actor, cli_positional(&args, 0),
				cli_positional(&args, 1), cli_positional(&args, 2),
				cli_positional_count(&args) == 4 ? cli_positional(&args, 3) : "") <
	    0)
		return cli_fail(c);
	print_subdomain(c, &s);
	return 0;
}

/* The sub as shown: "@" for the domain itself. */
static const char *shown_sub(const char *sub)
{
	return *sub ? sub : "@";
}

static int sub_del(cli *c, int argc, char **argv)
{
	const char *domain, *sub, *type, *value;
	cli_args args;
	int rc;

	if ((rc = entry_args(&args, c, argc, argv, 1, "del DOMAIN SUB TYPE [VALUE]")) != 0)
		return rc;
	domain = cli_positional(&args, 0);
	sub = cli_positional(&args, 1);
	type = cli_positional(&args, 2);
	value = cli_positional_count(&args) == 4 ? cli_positional(&args, 3) : NULL;
	if (cli_open(c) < 0 ||
	    panel_subdomain_delete(c->p, &c->actor, domain, sub, type, value) < 0)
		return cli_fail(c);
	return cli_done(c,
			json_pack("{s:s, s:s, s:s, s:b}", "domain", domain, "sub", shown_sub(sub),
				  "type", type, "deleted", 1),
			"entry %s %s of %s deleted", shown_sub(sub), type, domain);
}

static int enable_or_disable(cli *c, int argc, char **argv, int enabled)
{
	const char *domain, *sub, *type, *value;
	cli_args args;
	int rc;

	if ((rc = entry_args(&args, c, argc, argv, 1,
			     enabled ? "enable DOMAIN SUB TYPE [VALUE]"
				     : "disable DOMAIN SUB TYPE [VALUE]")) != 0)
		return rc;
	domain = cli_positional(&args, 0);
	sub = cli_positional(&args, 1);
	type = cli_positional(&args, 2);
	value = cli_positional_count(&args) == 4 ? cli_positional(&args, 3) : NULL;
	if (cli_open(c) < 0 ||
	    panel_subdomain_set_enabled(c->p, &c->actor, domain, sub, type, value, enabled) < 0)
		return cli_fail(c);
	return cli_done(c,
			json_pack("{s:s, s:s, s:s, s:b}", "domain", domain, "sub", shown_sub(sub),
				  "type", type, "enabled", enabled),
			"entry %s %s of %s %s", shown_sub(sub), type, domain,
			enabled ? "enabled" : "disabled");
}

static int sub_enable(cli *c, int argc, char **argv)
{
	return enable_or_disable(c, argc, argv, 1);
}

static int sub_disable(cli *c, int argc, char **argv)
{
	return enable_or_disable(c, argc, argv, 0);
}

static int subdomain_row(cli_table *t, const void *item)
{
	const panel_subdomain *s = item;
	const char *cells[] = {shown_sub(s->sub), s->type, s->target, s->enable, s->web_action};

	return cli_table_add(t, cells);
}

static json_t *subdomain_json(const void *item)
{
	return panel_subdomain_to_json(item);
}

static const char *const subdomain_headers[] = {"SUB", "TYPE", "TARGET", "ENABLE", "WEB_ACTION"};
static const cli_listing subdomain_rows = {5, subdomain_headers, subdomain_row, subdomain_json};

static int sub_list(cli *c, int argc, char **argv)
{
	panel_subdomain_list *subs = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl sub list DOMAIN");
	if (cli_open(c) < 0 ||
	    panel_subdomain_list_get(&subs, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &subdomain_rows, CLI_LIST_VIEW(subs));
	panel_subdomain_list_free(subs);
	return rc;
}

static const struct cli_verb sub_verbs[] = {
    {"set", sub_set, "DOMAIN SUB TYPE [TARGET]",
     "set a DNS entry (SUB @ for the domain itself, * for the wildcard)"},
    {"del", sub_del, "DOMAIN SUB TYPE [VALUE]",
     "delete the entries SUB of type TYPE (only the one of VALUE when given)"},
    {"enable", sub_enable, "DOMAIN SUB TYPE [VALUE]",
     "enable the entries SUB of type TYPE (only the one of VALUE when given)"},
    {"disable", sub_disable, "DOMAIN SUB TYPE [VALUE]",
     "disable the entries SUB of type TYPE (only the one of VALUE when given)"},
    {"list", sub_list, "DOMAIN", "list the entries of a domain"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_sub = {"sub", sub_verbs};

/* ---------------------------------------------------------------- zone */

static int zone_show(cli *c, int argc, char **argv)
{
	const char *domain;
	char *zone = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl zone show DOMAIN");
	domain = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_domain_zone(&zone, c->p, &c->actor, domain) < 0)
		return cli_fail(c);
	if (c->json)
		cli_print_json(json_pack("{s:s, s:s}", "domain", domain, "zone", zone));
	else
		fputs(zone, stdout); /* as is: the text a name server loads */
	free(zone);
	return 0;
}

static const struct cli_verb zone_verbs[] = {
    {"show", zone_show, "DOMAIN", "print the BIND zone of a domain"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_zone = {"zone", zone_verbs};

/* ---------------------------------------------------------------- tld */

static int tld_row(cli_table *t, const void *item)
{
	const panel_tld *tld = item;
	char mode[16];

	snprintf(mode, sizeof(mode), "%d", tld->mode);
	const char *cells[] = {tld->tld, mode};
	return cli_table_add(t, cells);
}

static json_t *tld_json(const void *item)
{
	return panel_tld_to_json(item);
}

static const char *const tld_headers[] = {"TLD", "MODE"};
static const cli_listing tld_rows = {2, tld_headers, tld_row, tld_json};

static int tld_list(cli *c, int argc, char **argv)
{
	panel_tld_list *tlds = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "tld list takes no positional argument");
	if (cli_open(c) < 0 || panel_tld_list_get(&tlds, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &tld_rows, CLI_LIST_VIEW(tlds));
	panel_tld_list_free(tlds);
	return rc;
}

static int tld_set(cli *c, int argc, char **argv)
{
	const char *tld;
	uint64_t mode;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c, "usage: panelctl tld set TLD MODE");
	if (cli_parse_u64(&mode, cli_positional(&args, 1), 5) < 0)
		return cli_usage_error(c, "tld mode: a number from 0 to 5");
	tld = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_tld_set(c->p, &c->actor, tld, (int)mode) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:i}", "tld", tld, "mode", (int)mode),
			"tld: %s\nmode: %d", tld, (int)mode);
}

static int tld_del(cli *c, int argc, char **argv)
{
	const char *tld;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl tld del TLD");
	tld = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_tld_delete(c->p, &c->actor, tld) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "tld", tld, "deleted", 1), "tld %s deleted",
			tld);
}

static const struct cli_verb tld_verbs[] = {
    {"list", tld_list, "", "the TLDs and their modes (0 forbidden, 1-4 allowed, 5 no DNS)"},
    {"set", tld_set, "TLD MODE", "allow a TLD or change its mode (admins)"},
    {"del", tld_del, "TLD", "remove a TLD: its domains can no longer be added (admins)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_tld = {"tld", tld_verbs};

/* ---------------------------------------------------------------- forbidden */

/* The forbidden domains are plain strings: items points to a char *. */
static int forbidden_row(cli_table *t, const void *item)
{
	const char *const *domain = item;

	return cli_table_add(t, domain);
}

static json_t *forbidden_json(const void *item)
{
	const char *const *domain = item;

	return json_pack("{s:s}", "domain", *domain);
}

static const char *const forbidden_headers[] = {"DOMAIN"};
static const cli_listing forbidden_rows = {1, forbidden_headers, forbidden_row, forbidden_json};

static int forbidden_list(cli *c, int argc, char **argv)
{
	panel_forbidden_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "forbidden list takes no positional argument");
	if (cli_open(c) < 0 || panel_forbidden_list_get(&list, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &forbidden_rows, CLI_LIST_VIEW(list));
	panel_forbidden_list_free(list);
	return rc;
}

static int forbidden_change(cli *c, int argc, char **argv, int add)
{
	const char *domain;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl forbidden %s DOMAIN",
				       add ? "add" : "del");
	domain = cli_positional(&args, 0);
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((add ? panel_forbidden_add(c->p, &c->actor, domain)
		 : panel_forbidden_delete(c->p, &c->actor, domain)) < 0)
		return cli_fail(c);
	return cli_done(c,
			json_pack("{s:s, s:b}", "domain", domain, add ? "forbidden" : "deleted", 1),
			add ? "%s is forbidden" : "%s is no longer forbidden", domain);
}

static int forbidden_add(cli *c, int argc, char **argv)
{
	return forbidden_change(c, argc, argv, 1);
}

static int forbidden_del(cli *c, int argc, char **argv)
{
	return forbidden_change(c, argc, argv, 0);
}

static const struct cli_verb forbidden_verbs[] = {
    {"list", forbidden_list, "", "the domains no member may host (admins)"},
    {"add", forbidden_add, "DOMAIN", "forbid a domain and everything under it (admins)"},
    {"del", forbidden_del, "DOMAIN", "allow a forbidden domain again (admins)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_forbidden = {"forbidden", forbidden_verbs};
