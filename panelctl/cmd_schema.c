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

enum { OPT_ARCHIVE_LEGACY = 256 };

static int schema_migrate(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"archive-legacy-rows", no_argument, NULL, OPT_ARCHIVE_LEGACY},
	    {NULL, 0, NULL, 0},
	};
	unsigned from, to, flags = 0;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_ARCHIVE_LEGACY)
			return rc;
		flags |= PANEL_MIGRATE_ARCHIVE_LEGACY;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "usage: panelctl schema migrate [--archive-legacy-rows]");
	if (cli_open(c) < 0 || panel_schema_migrate_flags(&from, &to, c->p, &c->actor, flags) < 0)
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
    {"migrate", schema_migrate, "[--archive-legacy-rows]",
     "bring the database (empty, AlternC 1.0, or older) to the latest version; an AlternC 1.0 "
     "database's duplicate and orphan rows are archived only with --archive-legacy-rows"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_schema = {"schema", schema_verbs};
