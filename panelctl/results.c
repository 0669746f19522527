/* Output and argument pieces shared by the object commands (domains, mail, FTP, databases):
 * verbs without options, JSON lists, and the confirmations of verbs that return no object. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cli_no_options(cli_args *a, const cli *c, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	int rc = 0;

	cli_args_init(a, argc, argv);
	if (cli_next_option(a, c, options, &rc) != -1)
		return rc;
	return 0;
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

int cli_append(json_t *items, json_t *item)
{
	if (!items || !item) {
		json_decref(item);
		return -1;
	}
	return json_array_append_new(items, item);
}

int cli_done(const cli *c, json_t *object, const char *fmt, ...)
{
	va_list ap;

	if (c->json) {
		if (!object)
			return cli_error(c, PANEL_ERROR, "out of memory");
		cli_print_json(object);
		return 0;
	}
	json_decref(object);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}
