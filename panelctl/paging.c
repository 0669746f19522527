/* The paging of panelctl's list commands: the --limit, --cursor and --all options, the fetch
 * loop over the pages, and the printing of what was collected (a JSON list, or a table with how
 * to get the next page). */
#include <stdio.h>

#include "cli.h"

struct cli_pager {
	const cli_listing *listing;
	cli_table *t;  /* the rows so far, or */
	json_t *items; /* their JSON forms with --json */
	uint64_t total;
	char next[PANEL_CURSOR_MAX + 1];
};

/* 1 when opt is a paging option, taken into pg; *rc is then 0, or the exit code of a usage
 * error already reported. 0 when opt is another option. */
static int paging_option(const cli *c, cli_paging *pg, int opt, int *rc)
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

int cli_next_list_option(cli_args *a, const cli *c, const struct option *options, cli_paging *pg,
			 int *rc)
{
	int opt;

	while ((opt = cli_next_option(a, c, options, rc)) != -1 && opt != '?') {
		if (!paging_option(c, pg, opt, rc))
			return opt;
		if (*rc)
			return '?';
	}
	return opt;
}

int cli_pager_take(cli_pager *pager, cli_list_view page)
{
	pager->total = page.total;
	snprintf(pager->next, sizeof(pager->next), "%s", page.next_cursor);
	return cli_listing_add(pager->listing, pager->t, pager->items, page) < 0 ? -2 : 0;
}

/* What was collected: in JSON mode {"items", "total", "next_cursor"}, else the table and, when
 * cursor is not empty, how to ask for more `what`. */
static void print_pages(const cli *c, cli_pager *pager, uint64_t total, const char *cursor,
			const char *what)
{
	if (c->json) {
		cli_print_list(pager->items, total, cursor);
		return;
	}
	cli_table_print(pager->t, stdout);
	if (cursor[0])
		fprintf(stderr, "panelctl: more %s: add --cursor %s (or use --all)\n", what,
			cursor);
}

int cli_paging_run(cli *c, const cli_paging *pg, const cli_listing *l, cli_page_fn *fetch,
		   void *arg, const char *what)
{
	cli_pager pager = {.listing = l};
	char cursor[PANEL_CURSOR_MAX + 1] = "";
	const char *from = pg->from;
	uint64_t total = 0;
	int first = 1, error;

	if (c->json ? !(pager.items = json_array())
		    : !(pager.t = cli_table_new(l->columns, l->headers)))
		return cli_error(c, PANEL_ERROR, "out of memory");
	do {
		pager.next[0] = '\0';
		if ((error = fetch(&pager, c, arg, from)) < 0) {
			json_decref(pager.items);
			cli_table_free(pager.t);
			return error == -2 ? cli_error(c, PANEL_ERROR, "out of memory")
					   : cli_fail(c);
		}
		/* The total as the first page counts it. */
		if (first)
			total = pager.total;
		first = 0;
		snprintf(cursor, sizeof(cursor), "%s", pager.next);
		from = cursor;
	} while (pg->all && cursor[0]);
	print_pages(c, &pager, total, cursor, what);
	return 0;
}
