/* panelctl domain-type list|regen: the types of DNS entries (AlternC's domaines_type) and the
 * regeneration of every entry of one type. */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "panel/domain.h"
#include "panel/json.h"

static int type_row(cli_table *t, const void *item)
{
	const panel_domain_type *type = item;
	const char *cells[] = {type->name, type->target, type->enable, type->description};
	return cli_table_add(t, cells);
}

static json_t *type_json(const void *item)
{
	return panel_domain_type_to_json(item);
}

static const char *const type_headers[] = {"NAME", "TARGET", "ENABLE", "DESCRIPTION"};
static const cli_listing type_rows = {4, type_headers, type_row, type_json};

static int type_list(cli *c, int argc, char **argv)
{
	panel_domain_type_list *types = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "domain-type list takes no positional argument");
	if (cli_open(c) < 0 || panel_domain_type_list_get(&types, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &type_rows, CLI_LIST_VIEW(types));
	panel_domain_type_list_free(types);
	return rc;
}

static int print_type(cli *c, const panel_domain_type *t)
{
	if (c->json) {
		cli_print_json(panel_domain_type_to_json(t));
		return 0;
	}
	cli_kv("name", t->name);
	cli_kv("description", t->description);
	cli_kv("target", t->target);
	cli_kv("entry", t->entry);
	cli_kv("compatibility", t->compatibility);
	cli_kv("enable", t->enable);
	cli_kv("only_dns", t->only_dns ? "yes" : "no");
	cli_kv("need_dns", t->need_dns ? "yes" : "no");
	cli_kv("advanced", t->advanced ? "yes" : "no");
	return 0;
}

/* A yes/no option into *flag; 0, or the exit code of a usage error. */
static int flag_option(int *flag, cli *c, const char *name, const char *value)
{
	if ((*flag = cli_parse_bool(value)) < 0)
		return cli_usage_error(c, "--%s: yes or no", name);
	return 0;
}

/* domain-type set NAME [--description D] [--entry E] [--compatibility a,b] [--enable E]
 * [--only-dns yes|no] [--need-dns yes|no] [--advanced yes|no] */
static int type_set(cli *c, int argc, char **argv)
{
	enum { DESC = 256, ENTRY, COMPAT, ENABLE, ONLY_DNS, NEED_DNS, ADVANCED };
	static const struct option options[] = {
	    {"description", required_argument, NULL, DESC},
	    {"entry", required_argument, NULL, ENTRY},
	    {"compatibility", required_argument, NULL, COMPAT},
	    {"enable", required_argument, NULL, ENABLE},
	    {"only-dns", required_argument, NULL, ONLY_DNS},
	    {"need-dns", required_argument, NULL, NEED_DNS},
	    {"advanced", required_argument, NULL, ADVANCED},
	    {NULL, 0, NULL, 0},
	};
	const char *text[4] = {NULL, NULL, NULL, NULL}; /* description, entry, compat, enable */
	int flags[3] = {-1, -1, -1}, opt, rc = 0;
	panel_domain_type t;
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt >= DESC && opt <= ENABLE)
			text[opt - DESC] = optarg;
		else if (opt >= ONLY_DNS && opt <= ADVANCED) {
			if ((rc = flag_option(&flags[opt - ONLY_DNS], c, options[opt - DESC].name,
					      optarg)) != 0)
				return rc;
		} else
			return rc;
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain-type set NAME [options]");
	if (cli_open(c) < 0 ||
	    panel_domain_type_update(&t, c->p, &c->actor, cli_positional(&args, 0), text[0],
				     text[1], text[2], text[3], flags[0], flags[1], flags[2]) < 0)
		return cli_fail(c);
	return print_type(c, &t);
}

static int type_regen(cli *c, int argc, char **argv)
{
	unsigned domains = 0, entries = 0;
	const char *name;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl domain-type regen NAME");
	name = cli_positional(&args, 0);
	if (cli_open(c) < 0 ||
	    panel_domain_type_regenerate(&domains, &entries, c->p, &c->actor, name) < 0)
		return cli_fail(c);
	return cli_done(c,
			json_pack("{s:s, s:I, s:I}", "name", name, "domains", (json_int_t)domains,
				  "entries", (json_int_t)entries),
			"%u entries of type %s and the zones of %u domains marked for the cron",
			entries, name, domains);
}

static const struct cli_verb type_verbs[] = {
    {"list", type_list, "", "the types of DNS entries, their targets and who may use them"},
    {"set", type_set,
     "NAME [--description D] [--entry LINE] [--compatibility a,b] [--enable ALL|ADMIN|NONE] "
     "[--only-dns yes|no] [--need-dns yes|no] [--advanced yes|no]",
     "change a type of DNS entry (admins): its BIND template, who may use it, its flags"},
    {"regen", type_regen, "NAME",
     "regenerate every entry of a type: marked for AlternC's web and DNS crons (admins)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_domain_type = {"domain-type", type_verbs};
