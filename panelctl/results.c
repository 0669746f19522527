/* Output and argument pieces shared by the object commands (domains, mail, FTP, databases):
 * verbs without options, and the confirmations of verbs that return no object. */
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
