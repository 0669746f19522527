/* panelctl policy list|set: the password policies of the panel accounts (mem), mail boxes
 * (pop), ftp, mysql and hta, which libpanel applies to every new password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_MINSIZE = 256,
	OPT_MAXSIZE,
	OPT_CLASSCOUNT,
	OPT_ALLOWLOGIN,
};

static void print_policy(const cli *c, const panel_policy *p)
{
	if (c->json) {
		cli_print_json(panel_policy_to_json(p));
		return;
	}
	cli_kv("name", p->name);
	cli_kv_u64("minsize", p->minsize);
	cli_kv_u64("maxsize", p->maxsize);
	cli_kv_u64("classcount", p->classcount);
	cli_kv("allowlogin", p->allowlogin ? "yes" : "no");
}

static int policy_row(cli_table *t, const void *item)
{
	const panel_policy *p = item;
	char minsize[12], maxsize[12], classcount[12];

	snprintf(minsize, sizeof(minsize), "%u", p->minsize);
	snprintf(maxsize, sizeof(maxsize), "%u", p->maxsize);
	snprintf(classcount, sizeof(classcount), "%u", p->classcount);
	const char *cells[] = {p->name, minsize, maxsize, classcount, p->allowlogin ? "yes" : "no"};
	return cli_table_add(t, cells);
}

static json_t *policy_json(const void *item)
{
	return panel_policy_to_json(item);
}

static const char *const policy_headers[] = {"NAME", "MINSIZE", "MAXSIZE", "CLASSCOUNT",
					     "ALLOWLOGIN"};
static const cli_listing policy_rows = {5, policy_headers, policy_row, policy_json};

static int policy_list(cli *c, int argc, char **argv)
{
	panel_policy_list *list = NULL;
	cli_args args;
	int rc = 0;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "policy list takes no argument");
	if (cli_open(c) < 0 || panel_policy_list_get(&list, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &policy_rows, CLI_LIST_VIEW(list));
	panel_policy_list_free(list);
	return rc;
}

static int parse_small(unsigned *out, const cli *c, const char *option, const char *value)
{
	uint64_t v;

	if (cli_parse_u64(&v, value, 255) < 0)
		return cli_usage_error(c, "%s: a number from 0 to 255", option);
	*out = (unsigned)v;
	return 0;
}

static int policy_set(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"minsize", required_argument, NULL, OPT_MINSIZE},
	    {"maxsize", required_argument, NULL, OPT_MAXSIZE},
	    {"classcount", required_argument, NULL, OPT_CLASSCOUNT},
	    {"allowlogin", required_argument, NULL, OPT_ALLOWLOGIN},
	    {NULL, 0, NULL, 0},
	};
	/* Only the options given change: start from the stored policy. */
	unsigned minsize = 0, maxsize = 0, classcount = 0;
	int set_min = 0, set_max = 0, set_class = 0, allowlogin = -1;
	panel_policy_list *list = NULL;
	panel_policy policy;
	const char *name;
	size_t i;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_MINSIZE:
			if ((rc = parse_small(&minsize, c, "--minsize", optarg)) != 0)
				return rc;
			set_min = 1;
			break;
		case OPT_MAXSIZE:
			if ((rc = parse_small(&maxsize, c, "--maxsize", optarg)) != 0)
				return rc;
			set_max = 1;
			break;
		case OPT_CLASSCOUNT:
			if ((rc = parse_small(&classcount, c, "--classcount", optarg)) != 0)
				return rc;
			set_class = 1;
			break;
		case OPT_ALLOWLOGIN:
			if ((allowlogin = cli_parse_bool(optarg)) < 0)
				return cli_usage_error(c, "--allowlogin: yes or no");
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c,
				       "usage: panelctl policy set NAME [--minsize N] [--maxsize "
				       "N] [--classcount N] [--allowlogin yes|no]");
	name = cli_positional(&args, 0);
	if (!set_min && !set_max && !set_class && allowlogin < 0)
		return cli_usage_error(c, "policy set: nothing to change");
	if (cli_open(c) < 0 || panel_policy_list_get(&list, c->p, &c->actor) < 0)
		return cli_fail(c);
	for (i = 0; i < list->count && strcmp(list->items[i].name, name) != 0; i++)
		;
	if (i == list->count) {
		panel_policy_list_free(list);
		return cli_error(c, PANEL_EINVALID, "no policy '%s' (mem, pop, ftp, mysql or hta)",
				 name);
	}
	policy = list->items[i];
	panel_policy_list_free(list);
	if (set_min)
		policy.minsize = minsize;
	if (set_max)
		policy.maxsize = maxsize;
	if (set_class)
		policy.classcount = classcount;
	if (allowlogin >= 0)
		policy.allowlogin = allowlogin;
	if (panel_policy_set(c->p, &c->actor, &policy) < 0)
		return cli_fail(c);
	print_policy(c, &policy);
	return 0;
}

/* policy check NAME LOGIN [--password-file F]: would the password pass (1.0's checkPolicy)? */
static int policy_check(cli *c, int argc, char **argv)
{
	char password[CLI_PASSWORD_MAX + 1];
	const char *login = NULL, *file = NULL, *name, *who;
	cli_args args;
	int rc, error;

	if ((rc = cli_login_args(&login, &file, &args, c, argc, argv, 2,
				 "policy check NAME LOGIN [--password-file FILE|-]")) != 0)
		return rc;
	name = cli_positional(&args, 0);
	who = cli_positional(&args, 1);
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, "Password", 0)))
		return rc;
	error = panel_policy_check(c->p, name, who, password);
	cli_wipe(password, sizeof(password));
	if (error < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:s, s:b}", "policy", name, "login", who, "ok", 1),
			"the password meets the %s policy", name);
}

static const struct cli_verb policy_verbs[] = {
    {"list", policy_list, "", "the password policies (mem, pop, ftp, mysql, hta)"},
    {"set", policy_set, "NAME [--minsize N] [--maxsize N] [--classcount N] [--allowlogin yes|no]",
     "change a password policy"},
    {"check", policy_check, "NAME LOGIN [--password-file FILE|-]",
     "whether a password meets a policy for that login (exit 2 with the rule it breaks)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_policy = {"policy", policy_verbs};
