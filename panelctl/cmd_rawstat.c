/* panelctl rawstat list|add|show|edit|del: raw web statistics (AlternC 1.0's m_sta2), a host's
 * daily access log copied into a folder of its owner's web space by 1.0's rawstat.daily. */
#include <stdio.h>

#include "cli.h"

static void print_set(const cli *c, const panel_rawstat *s)
{
	if (c->json) {
		cli_print_json(panel_rawstat_to_json(s));
		return;
	}
	cli_kv_u64("id", s->id);
	cli_kv("owner", s->login);
	cli_kv("hostname", s->hostname);
	cli_kv("folder", s->folder);
}

static int finish(cli *c, int error, panel_rawstat **s)
{
	if (error < 0)
		return cli_fail(c);
	print_set(c, *s);
	panel_rawstat_free(*s);
	*s = NULL;
	return 0;
}

/* The positional argument i as a set id; 0, or the exit code of a usage error. */
static int set_id(uint64_t *id, cli *c, const cli_args *args, size_t i)
{
	if (cli_parse_u64(id, cli_positional(args, i), UINT64_MAX) < 0 || *id == 0)
		return cli_usage_error(c, "a raw statistics set is named by its id (a number)");
	return 0;
}

static int row(cli_table *t, const void *item)
{
	const panel_rawstat *s = item;
	char id[24];

	snprintf(id, sizeof(id), "%llu", (unsigned long long)s->id);
	const char *cells[] = {id, s->login, s->hostname, s->folder};
	return cli_table_add(t, cells);
}

static json_t *row_json(const void *item)
{
	return panel_rawstat_to_json(item);
}

static const char *const headers[] = {"ID", "OWNER", "HOSTNAME", "FOLDER"};
static const cli_listing rows = {4, headers, row, row_json};

static int rawstat_list(cli *c, int argc, char **argv)
{
	panel_rawstat_list *list = NULL;
	const char *login = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_login_args(&login, NULL, &args, c, argc, argv, 0,
				 "rawstat list [--login LOGIN]")) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_rawstat_list_get(&list, c->p, &c->actor, login) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &rows, CLI_LIST_VIEW(list));
	panel_rawstat_list_free(list);
	return rc;
}

static int rawstat_add(cli *c, int argc, char **argv)
{
	panel_rawstat *s = NULL;
	const char *login = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_login_args(&login, NULL, &args, c, argc, argv, 2,
				 "rawstat add HOSTNAME DIR [--login LOGIN]")))
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c,
		      panel_rawstat_create(&s, c->p, &c->actor, login, cli_positional(&args, 0),
					   cli_positional(&args, 1)),
		      &s);
}

/* show ID, edit ID DIR and del ID: want 1 or 2 positional arguments, op 0, 1 or 2. */
static int rawstat_one(cli *c, int argc, char **argv, size_t want, int op)
{
	static const char *const usages[] = {"show ID", "edit ID DIR", "del ID"};
	panel_rawstat *s = NULL;
	uint64_t id;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != (int)want)
		return cli_usage_error(c, "usage: panelctl rawstat %s", usages[op]);
	if ((rc = set_id(&id, c, &args, 0)) != 0)
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (op == 0)
		return finish(c, panel_rawstat_get(&s, c->p, &c->actor, id), &s);
	if (op == 1)
		return finish(
		    c, panel_rawstat_update(&s, c->p, &c->actor, id, cli_positional(&args, 1)), &s);
	if (panel_rawstat_delete(c->p, &c->actor, id) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1),
			"raw statistics set %llu deleted", (unsigned long long)id);
}

static int rawstat_show(cli *c, int argc, char **argv)
{
	return rawstat_one(c, argc, argv, 1, 0);
}

static int rawstat_edit(cli *c, int argc, char **argv)
{
	return rawstat_one(c, argc, argv, 2, 1);
}

static int rawstat_del(cli *c, int argc, char **argv)
{
	return rawstat_one(c, argc, argv, 1, 2);
}

static const struct cli_verb rawstat_verbs[] = {
    {"list", rawstat_list, "[--login LOGIN]", "an account's raw statistics sets"},
    {"add", rawstat_add, "HOSTNAME DIR [--login LOGIN]",
     "copy a host's daily access log into a folder of the web space (quota sta2)"},
    {"show", rawstat_show, "ID", "show a raw statistics set"},
    {"edit", rawstat_edit, "ID DIR", "move a raw statistics set to another folder"},
    {"del", rawstat_del, "ID", "delete a raw statistics set (the logs already copied stay)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_rawstat = {"rawstat", rawstat_verbs};
