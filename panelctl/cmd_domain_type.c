/* panelctl domain-type list|regen: the types of DNS entries (AlternC's domaines_type) and the
 * regeneration of every entry of one type. */
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
    {"regen", type_regen, "NAME",
     "regenerate every entry of a type: marked for AlternC's web and DNS crons (admins)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_domain_type = {"domain-type", type_verbs};
