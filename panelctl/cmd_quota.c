/* panelctl quota show|set|reset|defaults|default-set|type-del: an account's limits and usage,
 * and the default limits of each account type (AlternC's quotas and defquotas). */
#include <stdio.h>

#include "cli.h"

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

static int quota_row(cli_table *t, const void *item)
{
	const panel_quota *q = item;
	char used[24], total[24];

	snprintf(used, sizeof(used), "%llu", (unsigned long long)q->used);
	snprintf(total, sizeof(total), "%llu", (unsigned long long)q->total);
	const char *cells[] = {q->name, used, total, q->measured_at};
	return cli_table_add(t, cells);
}

static json_t *quota_json(const void *item)
{
	return panel_quota_to_json(item);
}

static const char *const quota_headers[] = {"NAME", "USED", "TOTAL", "MEASURED"};
static const cli_listing quota_rows = {4, quota_headers, quota_row, quota_json};

static int quota_show(cli *c, int argc, char **argv)
{
	panel_quota_list *list = NULL;
	panel_quota q;
	cli_args args;
	int rc, n;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
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
	rc = cli_listing_print(c, &quota_rows, CLI_LIST_VIEW(list));
	panel_quota_list_free(list);
	return rc;
}

static int quota_set(cli *c, int argc, char **argv)
{
	panel_quota q;
	cli_args args;
	uint64_t value;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
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

static int default_row(cli_table *t, const void *item)
{
	const panel_quota_default *d = item;
	char value[24];

	snprintf(value, sizeof(value), "%llu", (unsigned long long)d->value);
	const char *cells[] = {d->type, d->name, value};
	return cli_table_add(t, cells);
}

static json_t *default_json(const void *item)
{
	return panel_quota_default_to_json(item);
}

static const char *const default_headers[] = {"TYPE", "NAME", "VALUE"};
static const cli_listing default_rows = {3, default_headers, default_row, default_json};

static int quota_defaults(cli *c, int argc, char **argv)
{
	panel_quota_default_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) > 1)
		return cli_usage_error(c, "usage: panelctl quota defaults [TYPE]");
	if (cli_open(c) < 0 ||
	    panel_quota_defaults_get(&list, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &default_rows, CLI_LIST_VIEW(list));
	panel_quota_default_list_free(list);
	return rc;
}

static int quota_default_set(cli *c, int argc, char **argv)
{
	panel_quota_default d = {{0}, {0}, 0};
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
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

static int quota_reset(cli *c, int argc, char **argv)
{
	panel_quota_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl quota reset LOGIN");
	if (cli_open(c) < 0 ||
	    panel_quota_reset(&list, c->p, &c->actor, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &quota_rows, CLI_LIST_VIEW(list));
	panel_quota_list_free(list);
	return rc;
}

static int quota_type_del(cli *c, int argc, char **argv)
{
	const char *type;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl quota type-del TYPE");
	type = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_quota_type_delete(c->p, &c->actor, type) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "type", type, "deleted", 1),
			"account type %s deleted", type);
}

static const struct cli_verb quota_verbs[] = {
    {"show", quota_show, "LOGIN [NAME]", "an account's quotas: used and total"},
    {"set", quota_set, "LOGIN NAME VALUE", "set one limit of an account"},
    {"reset", quota_reset, "LOGIN", "set every limit of an account to its type's defaults"},
    {"defaults", quota_defaults, "[TYPE]", "the default limits per account type"},
    {"default-set", quota_default_set, "TYPE NAME VALUE",
     "set a default limit of an account type (for accounts created afterwards)"},
    {"type-del", quota_type_del, "TYPE",
     "delete an account type (its default limits); refused while accounts have it"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_quota = {"quota", quota_verbs};
