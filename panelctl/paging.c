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

int cli_paging_run(cli *c, const cli_paging *pg, cli_page_fn *fetch, void *arg, size_t columns,
		   const char *const *headers, const char *what)
{
	char cursor[PANEL_CURSOR_MAX + 1] = "", next[PANEL_CURSOR_MAX + 1];
	const char *from = pg->from;
	json_t *items = NULL;
	cli_table *t = NULL;
	uint64_t total = 0, page_total = 0;
	int first = 1, error;

	if (c->json ? !(items = json_array()) : !(t = cli_table_new(columns, headers)))
		return cli_error(c, PANEL_ERROR, "out of memory");
	do {
		next[0] = '\0';
		if ((error = fetch(arg, from, t, items, &page_total, next)) < 0) {
			json_decref(items);
			cli_table_free(t);
			return error == -2 ? cli_error(c, PANEL_ERROR, "out of memory")
					   : cli_fail(c);
		}
		/* The total as the first page counts it. */
		if (first)
			total = page_total;
		first = 0;
		snprintf(cursor, sizeof(cursor), "%s", next);
		from = cursor;
	} while (pg->all && cursor[0]);
	cli_paging_print(c, items, t, total, cursor, what);
	return 0;
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
