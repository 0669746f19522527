/* panelctl quota show|set|defaults|default-set: an account's limits and usage, and the default
 * limits of each account type (AlternC's quotas and defquotas). */
#include <stdio.h>

#include "cli.h"

static int no_options(cli_args *a, cli *c, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	int rc = 0;

	cli_args_init(a, argc, argv);
	if (cli_next_option(a, c, options, &rc) != -1)
		return rc;
	return 0;
}

/* A list as {"items": [...], "total": N, "next_cursor": null}, like the paged lists. */
static void print_items(json_t *items)
{
	cli_print_json(items ? json_pack("{s:o, s:I, s:n}", "items", items, "total",
					 (json_int_t)json_array_size(items), "next_cursor")
			     : NULL);
}

static int parse_value(uint64_t *out, const cli *c, const char *value)
{
	if (cli_parse_u64(out, value, (uint64_t)INT64_MAX) < 0)
		return cli_usage_error(c, "quota value '%s': a whole number, 0 or more", value);
	return 0;
}

static void print_quota(const cli *c, const panel_quota *q)
{
	if (c->json) {
		cli_print_json(panel_quota_to_json(q));
		return;
	}
	cli_kv("name", q->name);
	cli_kv_u64("used", q->used);
	cli_kv_u64("total", q->total);
	if (q->measured_at[0])
		cli_kv("measured_at", q->measured_at);
}

static int quota_show(cli *c, int argc, char **argv)
{
	static const char *const headers[] = {"NAME", "USED", "TOTAL", "MEASURED"};
	panel_quota_list *list = NULL;
	panel_quota q;
	cli_args args;
	int rc, n;

	if ((rc = no_options(&args, c, argc, argv)) != 0)
		return rc;
	n = cli_positional_count(&args);
	if (n != 1 && n != 2)
		return cli_usage_error(c, "usage: panelctl quota show LOGIN [NAME]");
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (n == 2) {
		if (panel_quota_get(&q, c->p, &c->actor, cli_positional(&args, 0),
				    cli_positional(&args, 1)) < 0)
			return cli_fail(c);
		print_quota(c, &q);
		return 0;
	}
	if (panel_quota_list_get(&list, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	if (c->json) {
		json_t *items = json_array();
		for (size_t i = 0; items && i < list->count; i++)
			if (json_array_append_new(items, panel_quota_to_json(&list->items[i])) <
			    0) {
				json_decref(items);
				items = NULL;
			}
		print_items(items);
	} else {
		cli_table *t = cli_table_new(4, headers);
		for (size_t i = 0; t && i < list->count; i++) {
			char used[24], total[24];
			snprintf(used, sizeof(used), "%llu",
				 (unsigned long long)list->items[i].used);
			snprintf(total, sizeof(total), "%llu",
				 (unsigned long long)list->items[i].total);
			const char *cells[] = {list->items[i].name, used, total,
					       list->items[i].measured_at};
			if (cli_table_add(t, cells) < 0) {
				cli_table_free(t);
				t = NULL;
			}
		}
		if (!t) {
			panel_quota_list_free(list);
			return cli_error(c, PANEL_ERROR, "out of memory");
		}
		cli_table_print(t, stdout);
	}
	panel_quota_list_free(list);
	return 0;
}

static int quota_set(cli *c, int argc, char **argv)
{
	panel_quota q;
	cli_args args;
	uint64_t value;
	int rc;

	if ((rc = no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 3)
		return cli_usage_error(c, "usage: panelctl quota set LOGIN NAME VALUE");
	if ((rc = parse_value(&value, c, cli_positional(&args, 2))) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_quota_set(&q, c->p, &c->actor, cli_positional(&args, 0),
					       cli_positional(&args, 1), value) < 0)
		return cli_fail(c);
	print_quota(c, &q);
	return 0;
}

static int quota_defaults(cli *c, int argc, char **argv)
{
	static const char *const headers[] = {"TYPE", "NAME", "VALUE"};
	panel_quota_default_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) > 1)
		return cli_usage_error(c, "usage: panelctl quota defaults [TYPE]");
	if (cli_open(c) < 0 ||
	    panel_quota_defaults_get(&list, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	if (c->json) {
		json_t *items = json_array();
		for (size_t i = 0; items && i < list->count; i++)
			if (json_array_append_new(
				items, panel_quota_default_to_json(&list->items[i])) < 0) {
				json_decref(items);
				items = NULL;
			}
		print_items(items);
	} else {
		cli_table *t = cli_table_new(3, headers);
		for (size_t i = 0; t && i < list->count; i++) {
			char value[24];
			snprintf(value, sizeof(value), "%llu",
				 (unsigned long long)list->items[i].value);
			const char *cells[] = {list->items[i].type, list->items[i].name, value};
			if (cli_table_add(t, cells) < 0) {
				cli_table_free(t);
				t = NULL;
			}
		}
		if (!t) {
			panel_quota_default_list_free(list);
			return cli_error(c, PANEL_ERROR, "out of memory");
		}
		cli_table_print(t, stdout);
	}
	panel_quota_default_list_free(list);
	return 0;
}

static int quota_default_set(cli *c, int argc, char **argv)
{
	panel_quota_default d = {{0}, {0}, 0};
	cli_args args;
	int rc;

	if ((rc = no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 3)
		return cli_usage_error(c, "usage: panelctl quota default-set TYPE NAME VALUE");
	if ((rc = parse_value(&d.value, c, cli_positional(&args, 2))) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_quota_default_set(c->p, &c->actor, cli_positional(&args, 0),
						       cli_positional(&args, 1), d.value) < 0)
		return cli_fail(c);
	snprintf(d.type, sizeof(d.type), "%s", cli_positional(&args, 0));
	snprintf(d.name, sizeof(d.name), "%s", cli_positional(&args, 1));
	if (c->json) {
		cli_print_json(panel_quota_default_to_json(&d));
	} else {
		cli_kv("type", d.type);
		cli_kv("name", d.name);
		cli_kv_u64("value", d.value);
	}
	return 0;
}

static const struct cli_verb quota_verbs[] = {
    {"show", quota_show, "LOGIN [NAME]", "an account's quotas: used and total"},
    {"set", quota_set, "LOGIN NAME VALUE", "set one limit of an account"},
    {"defaults", quota_defaults, "[TYPE]", "the default limits per account type"},
    {"default-set", quota_default_set, "TYPE NAME VALUE",
     "set a default limit of an account type (for accounts created afterwards)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_quota = {"quota", quota_verbs};
