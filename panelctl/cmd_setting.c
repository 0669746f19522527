/* panelctl setting list|get|set|del: the global settings of AlternC's variable table
 * (subadmin_restriction, hosting_tld, new_email, rss_feed and free-text ones). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { OPT_COMMENT = 256 };

static void print_setting(const cli *c, const panel_variable *v)
{
	if (c->json) {
		cli_print_json(panel_variable_to_json(v));
		return;
	}
	cli_kv("name", v->name);
	cli_kv("kind", panel_variable_kind_name(v->kind));
	cli_kv("value", v->value);
	if (v->comment)
		cli_kv("comment", v->comment);
}

/* A value shown on one table line: control characters as spaces, 60 bytes at most. */
static void one_line(char *out, size_t size, const char *value)
{
	size_t n = 0;

	for (; value[n] && n + 1 < size && n < 60; n++)
		out[n] = (unsigned char)value[n] < 0x20 ? ' ' : value[n];
	out[n] = '\0';
	if (value[n] && n >= 3)
		memcpy(out + n - 3, "...", 3);
}

static int setting_row(cli_table *t, const void *item)
{
	const panel_variable *v = item;
	char value[64];

	one_line(value, sizeof(value), v->value);
	const char *cells[] = {v->name, panel_variable_kind_name(v->kind), value};
	return cli_table_add(t, cells);
}

static json_t *setting_json(const void *item)
{
	return panel_variable_to_json(item);
}

static const char *const setting_headers[] = {"NAME", "KIND", "VALUE"};
static const cli_listing setting_rows = {3, setting_headers, setting_row, setting_json};

static int setting_list(cli *c, int argc, char **argv)
{
	panel_variable_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "setting list takes no argument");
	if (cli_open(c) < 0 || panel_variable_list_get(&list, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &setting_rows, CLI_LIST_VIEW(list));
	panel_variable_list_free(list);
	return rc;
}

static int setting_get(cli *c, int argc, char **argv)
{
	panel_variable *v = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl setting get NAME");
	if (cli_open(c) < 0 ||
	    panel_variable_get(&v, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	print_setting(c, v);
	panel_variable_free(v);
	return 0;
}

static int setting_set(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"comment", required_argument, NULL, OPT_COMMENT},
	    {NULL, 0, NULL, 0},
	};
	const char *comment = NULL;
	panel_variable *v = NULL;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_COMMENT)
			return rc;
		comment = optarg;
	}
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c,
				       "usage: panelctl setting set NAME VALUE [--comment TEXT]");
	if (cli_open(c) < 0 || panel_variable_set(&v, c->p, &c->actor, cli_positional(&args, 0),
						  cli_positional(&args, 1), comment) < 0)
		return cli_fail(c);
	print_setting(c, v);
	panel_variable_free(v);
	return 0;
}

static int setting_del(cli *c, int argc, char **argv)
{
	const char *name;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl setting del NAME");
	name = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_variable_delete(c->p, &c->actor, name) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "name", name, "deleted", 1),
			"setting %s deleted", name);
}

static const struct cli_verb setting_verbs[] = {
    {"list", setting_list, "", "the global settings (AlternC's variable table)"},
    {"get", setting_get, "NAME", "one setting"},
    {"set", setting_set, "NAME VALUE [--comment TEXT]",
     "store a setting (the super admin or the system; known names are checked)"},
    {"del", setting_del, "NAME", "delete a setting (a known one reads as its default again)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_setting = {"setting", setting_verbs};
