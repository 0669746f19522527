/* panelctl wrapper list|add|del: mail addresses delivered to a program the host allows
 * (AlternC 1.0's add_wrapper, for list managers), [mail] wrappers in the configuration. */
#include <stdio.h>

#include "cli.h"

static int row(cli_table *t, const void *item)
{
	const panel_mail_wrapper *w = item;
	const char *cells[] = {w->address, w->login, w->command};
	return cli_table_add(t, cells);
}

static json_t *row_json(const void *item)
{
	return panel_mail_wrapper_to_json(item);
}

static const char *const headers[] = {"ADDRESS", "OWNER", "COMMAND"};
static const cli_listing rows = {3, headers, row, row_json};

static int wrapper_list(cli *c, int argc, char **argv)
{
	panel_mail_wrapper_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl wrapper list DOMAIN");
	if (cli_open(c) < 0 ||
	    panel_mail_wrapper_list_get(&list, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &rows, CLI_LIST_VIEW(list));
	panel_mail_wrapper_list_free(list);
	return rc;
}

static int wrapper_add(cli *c, int argc, char **argv)
{
	panel_mail_wrapper *w = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c, "usage: panelctl wrapper add ADDRESS 'PROGRAM ARGS...'");
	if (cli_open(c) < 0 ||
	    panel_mail_wrapper_create(&w, c->p, &c->actor, cli_positional(&args, 0),
				      cli_positional(&args, 1)) < 0)
		return cli_fail(c);
	if (c->json) {
		cli_print_json(panel_mail_wrapper_to_json(w));
	} else {
		cli_kv("address", w->address);
		cli_kv("owner", w->login);
		cli_kv("command", w->command);
	}
	panel_mail_wrapper_free(w);
	return 0;
}

static int wrapper_del(cli *c, int argc, char **argv)
{
	const char *address;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl wrapper del ADDRESS");
	address = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_mail_wrapper_delete(c->p, &c->actor, address) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "address", address, "deleted", 1),
			"wrapper %s deleted", address);
}

static const struct cli_verb wrapper_verbs[] = {
    {"list", wrapper_list, "DOMAIN", "a domain's addresses delivered to a program"},
    {"add", wrapper_add, "ADDRESS 'PROGRAM ARGS...'",
     "deliver an address to a program listed in [mail] wrappers (admins)"},
    {"del", wrapper_del, "ADDRESS", "delete a wrapper"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_wrapper = {"wrapper", wrapper_verbs};
