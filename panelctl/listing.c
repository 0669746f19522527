/* The printing of panelctl's lists: any libpanel list as a table or as {"items", "total",
 * "next_cursor"}, each command saying only how one row looks (a cli_listing). */
#include <stdio.h>

#include "cli.h"

int cli_append(json_t *items, json_t *item)
{
	if (!items || !item) {
		json_decref(item);
		return -1;
	}
	return json_array_append_new(items, item);
}

void cli_print_list(json_t *items, uint64_t total, const char *next_cursor)
{
	if (!items) {
		cli_print_json(NULL);
		return;
	}
	cli_print_json(json_pack("{s:o, s:I, s:s?}", "items", items, "total", (json_int_t)total,
				 "next_cursor", next_cursor && *next_cursor ? next_cursor : NULL));
}

int cli_listing_add(const cli_listing *l, cli_table *t, json_t *items, cli_list_view v)
{
	const char *item = v.items;

	for (size_t i = 0; i < v.count; i++, item += v.item_size) {
		if (items ? cli_append(items, l->json(item)) < 0 : l->row(t, item) < 0)
			return -1;
	}
	return 0;
}

int cli_listing_print(const cli *c, const cli_listing *l, cli_list_view v)
{
	json_t *items = NULL;
	cli_table *t = NULL;

	if (c->json ? !(items = json_array()) : !(t = cli_table_new(l->columns, l->headers)))
		return cli_error(c, PANEL_ERROR, "out of memory");
	if (cli_listing_add(l, t, items, v) < 0) {
		json_decref(items);
		cli_table_free(t);
		return cli_error(c, PANEL_ERROR, "out of memory");
	}
	if (items)
		cli_print_list(items, v.total, v.next_cursor);
	else
		cli_table_print(t, stdout);
	return 0;
}
