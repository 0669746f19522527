/* panelctl schema status|migrate|repair-utf8: the database schema version, the migration
 * runner, and the opt-in repair of double-encoded text. */
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

enum { OPT_DRY_RUN = 256 };

static int schema_repair_utf8(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {NULL, 0, NULL, 0},
	};
	panel_schema_utf8_report report;
	unsigned flags = 0;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_DRY_RUN)
			return rc;
		flags |= PANEL_REPAIR_UTF8_DRY_RUN;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "usage: panelctl schema repair-utf8 [--dry-run]");
	if (cli_open(c) < 0 || panel_schema_repair_utf8(&report, c->p, &c->actor, flags) < 0)
		return cli_fail(c);
	if (c->json) {
		json_t *columns = json_object();
		for (size_t i = 0; i < PANEL_SCHEMA_UTF8_COLUMNS; i++)
			json_object_set_new(columns, report.columns[i].column,
					    json_integer((json_int_t)report.columns[i].changed));
		cli_print_json(json_pack("{s:b, s:I, s:o}", "dry_run",
					 (flags & PANEL_REPAIR_UTF8_DRY_RUN) != 0, "total",
					 (json_int_t)report.total, "columns", columns));
		return 0;
	}
	if (!report.total) {
		printf("no double-encoded text to repair\n");
		return 0;
	}
	printf("%s",
	       flags & PANEL_REPAIR_UTF8_DRY_RUN ? "would re-read as UTF-8:" : "re-read as UTF-8:");
	for (size_t i = 0, n = 0; i < PANEL_SCHEMA_UTF8_COLUMNS; i++)
		if (report.columns[i].changed)
			printf("%s %llu %s", n++ ? ";" : "",
			       (unsigned long long)report.columns[i].changed,
			       report.columns[i].column);
	printf("%s\n", flags & PANEL_REPAIR_UTF8_DRY_RUN
			   ? " (dry run: nothing changed)"
			   : " (values before: panel_legacy_rows, reason double_utf8:<column>)");
	return 0;
}

static const struct cli_verb schema_verbs[] = {
    {"status", schema_status, "", "show the database's schema version and the latest one"},
    {"migrate", schema_migrate, "[--archive-legacy-rows]",
     "bring the database (empty, AlternC 1.0, or older) to the latest version; an AlternC 1.0 "
     "database's duplicate and orphan rows are archived only with --archive-legacy-rows"},
    {"repair-utf8", schema_repair_utf8, "[--dry-run]",
     "re-read as UTF-8 the text AlternC 1.0's French pages stored in latin1 and migration 0002 "
     "encoded twice (\"HervÃ©\"); values before kept in panel_legacy_rows; opt-in, see "
     "docs/operations.md"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_schema = {"schema", schema_verbs};
