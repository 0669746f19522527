/* panelctl creator list: the admins, and the accounts that created others, with the number of
 * accounts each created (AlternC's get_creator_list). */
#include <stdio.h>

#include "cli.h"

static int creator_row(cli_table *t, const void *item)
{
	const panel_creator *c = item;
	char uid[12], members[24];

	snprintf(uid, sizeof(uid), "%u", c->uid);
	snprintf(members, sizeof(members), "%llu", (unsigned long long)c->members);
	const char *cells[] = {c->login, uid, c->admin ? "yes" : "no", c->enabled ? "yes" : "no",
			       members};
	return cli_table_add(t, cells);
}

static json_t *creator_json(const void *item)
{
	return panel_creator_to_json(item);
}

static const char *const creator_headers[] = {"LOGIN", "UID", "ADMIN", "ENABLED", "MEMBERS"};
static const cli_listing creator_rows = {5, creator_headers, creator_row, creator_json};

static int creator_list(cli *c, int argc, char **argv)
{
	panel_creator_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "creator list takes no argument");
	if (cli_open(c) < 0 || panel_creator_list_get(&list, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &creator_rows, CLI_LIST_VIEW(list));
	panel_creator_list_free(list);
	return rc;
}

static const struct cli_verb creator_verbs[] = {
    {"list", creator_list, "",
     "the admins (and former ones) with the number of accounts each created"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_creator = {"creator", creator_verbs};
