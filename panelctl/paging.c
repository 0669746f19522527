/* The paging of panelctl's list commands: the --limit, --cursor and --all options, and the
 * printing of what was collected (a JSON list, or a table with how to get the next page). */
#include <stdio.h>

#include "cli.h"

int cli_paging_option(const cli *c, cli_paging *pg, int opt, int *rc)
{
	uint64_t limit;
	*rc = 0;
	switch (opt) {
	case CLI_OPT_LIMIT:
		if (cli_parse_u64(&limit, optarg, 500) < 0 || limit == 0)
			*rc = cli_usage_error(c, "--limit: a number from 1 to 500");
		else
			pg->limit = (size_t)limit;
		return 1;
	case CLI_OPT_CURSOR:
		pg->from = optarg;
		return 1;
	case CLI_OPT_ALL:
		pg->all = 1;
		return 1;
	default:
		return 0;
	}
}

void cli_paging_print(const cli *c, json_t *items, cli_table *t, uint64_t total, const char *cursor,
		      const char *what)
{
	if (c->json) {
		cli_table_free(t);
		cli_print_list(items, total, cursor);
		return;
	}
	json_decref(items);
	cli_table_print(t, stdout);
	if (cursor[0])
		fprintf(stderr, "panelctl: more %s: add --cursor %s (or use --all)\n", what,
			cursor);
}
