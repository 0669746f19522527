/* panelctl schema status|migrate: the database schema version and the migration runner. */
#include <stdio.h>

#include "cli.h"

static int schema_status(cli *c, int argc, char **argv)
{
	unsigned current, latest;

	(void)argv;
	if (argc > 0)
		return cli_usage_error(c, "schema status takes no argument");
	if (cli_open(c) < 0 || panel_schema_version(&current, &latest, c->p) < 0)
		return cli_fail(c);
	if (c->json)
		cli_print_json(json_pack("{s:i, s:i, s:b}", "current", current, "latest", latest,
					 "up_to_date", current == latest));
	else
		printf("schema version %u of %u%s\n", current, latest,
		       current == latest ? " (up to date)" : " (run: panelctl schema migrate)");
	return 0;
}

static int schema_migrate(cli *c, int argc, char **argv)
{
	unsigned from, to;

	(void)argv;
	if (argc > 0)
		return cli_usage_error(c, "schema migrate takes no argument");
	if (cli_open(c) < 0 || panel_schema_migrate(&from, &to, c->p, &c->actor) < 0)
		return cli_fail(c);
	if (c->json)
		cli_print_json(json_pack("{s:i, s:i}", "from", from, "to", to));
	else if (from == to)
		printf("schema already at version %u\n", to);
	else
		printf("schema migrated from version %u to %u\n", from, to);
	return 0;
}

static const struct cli_verb schema_verbs[] = {
    {"status", schema_status, "", "show the database's schema version and the latest one"},
    {"migrate", schema_migrate, "",
     "bring the database (empty, AlternC 1.0, or older) to the latest version"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_schema = {"schema", schema_verbs};
