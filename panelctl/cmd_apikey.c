/* panelctl apikey add|list|revoke: application keys for the PHP panel and other programs,
 * created by an admin (--admin LOGIN); the secret is printed once and never stored. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

enum {
	OPT_SCOPE = 256,
	OPT_EXPIRES,
	OPT_NETWORKS,
};

/* Keys belong to an administrator: the system has none. libpanel would refuse (forbidden);
 * saying which option is missing helps more. */
static int need_admin(const cli *c)
{
	if (c->admin)
		return 0;
	return cli_usage_error(c,
			       "application keys belong to an administrator: give --admin LOGIN");
}

static void print_key(const cli *c, const panel_apikey *k, const char *secret)
{
	char id[24];

	if (c->json) {
		json_t *o = panel_apikey_to_json(k);
		if (o && secret)
			json_object_set_new(o, "secret", json_string(secret));
		cli_print_json(o);
		return;
	}
	snprintf(id, sizeof(id), "%llu", (unsigned long long)k->id);
	cli_kv("id", id);
	cli_kv("name", k->name);
	cli_kv("owner", k->login);
	cli_kv("scope", k->scope);
	cli_kv("networks", k->networks);
	cli_kv("expires", k->expires);
	cli_kv("created", k->created);
	cli_kv("last_used", k->last_used);
	cli_kv("revoked", k->revoked ? "yes" : "no");
	if (secret)
		cli_kv("secret", secret);
}

static int apikey_add(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"expires", required_argument, NULL, OPT_EXPIRES},
	    {"networks", required_argument, NULL, OPT_NETWORKS},
	    {NULL, 0, NULL, 0},
	};
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;
	char secret[PANEL_TOKEN_MAX];
	panel_apikey key;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_SCOPE:
			spec.scope = optarg;
			break;
		case OPT_EXPIRES:
			spec.expires = optarg;
			break;
		case OPT_NETWORKS:
			spec.networks = optarg;
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl --admin LOGIN apikey add NAME [--scope "
					  "S] [--expires DATE] [--networks CIDRS]");
	spec.name = cli_positional(&args, 0);
	if ((rc = need_admin(c)) != 0)
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (panel_apikey_create(&key, secret, sizeof(secret), c->p, &c->actor, &spec) < 0)
		return cli_fail(c);
	print_key(c, &key, secret);
	fflush(stdout);
	cli_wipe(secret, sizeof(secret));
	if (!c->json)
		fprintf(stderr, "panelctl: the secret is shown only now: store it\n");
	return 0;
}

static int apikey_row(cli_table *t, const void *item)
{
	const panel_apikey *k = item;
	char id[24];

	snprintf(id, sizeof(id), "%llu", (unsigned long long)k->id);
	const char *cells[] = {id,	    k->name,	k->login,     k->scope,
			       k->networks, k->expires, k->last_used, k->revoked ? "yes" : "no"};
	return cli_table_add(t, cells);
}

static json_t *apikey_json(const void *item)
{
	return panel_apikey_to_json(item);
}

static const char *const apikey_headers[] = {"ID",	 "NAME",    "OWNER",	 "SCOPE",
					     "NETWORKS", "EXPIRES", "LAST_USED", "REVOKED"};
static const cli_listing apikey_rows = {8, apikey_headers, apikey_row, apikey_json};

static int apikey_list(cli *c, int argc, char **argv)
{
	panel_apikey_list *keys = NULL;
	cli_args args;
	int rc = 0;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "apikey list takes no argument");
	if ((rc = need_admin(c)) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_apikey_list_get(&keys, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &apikey_rows, CLI_LIST_VIEW(keys));
	panel_apikey_list_free(keys);
	return rc;
}

static int apikey_revoke(cli *c, int argc, char **argv)
{
	cli_args args;
	uint64_t id;
	int rc = 0;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1 ||
	    cli_parse_u64(&id, cli_positional(&args, 0), UINT64_MAX) < 0 || id == 0)
		return cli_usage_error(c, "usage: panelctl apikey revoke ID (a key's number)");
	if ((rc = need_admin(c)) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_apikey_revoke(c->p, &c->actor, id) < 0)
		return cli_fail(c);
	if (c->json)
		cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
	else
		printf("key %llu revoked\n", (unsigned long long)id);
	return 0;
}

static const struct cli_verb apikey_verbs[] = {
    {"add", apikey_add, "NAME [--scope read|write|KINDS] [--expires DATE] [--networks CIDRS]",
     "create an application key for the --admin account; prints its secret once"},
    {"list", apikey_list, "", "the keys the admin owns (every key for the super admin)"},
    {"revoke", apikey_revoke, "ID", "revoke a key"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_apikey = {"apikey", apikey_verbs};
