/* panelctl slaveip, slaveaccount and mxaccount: the addresses allowed to transfer the zones and
 * the accounts slave DNS and backup MX servers fetch their domain lists with (AlternC 1.0's
 * tables of the same names). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* ---------------------------------------------------------------- slaveip */

static int ip_row(cli_table *t, const void *item)
{
	const panel_slave_ip *ip = item;
	char prefix[8];

	snprintf(prefix, sizeof(prefix), "%u", ip->prefix);
	const char *cells[] = {ip->ip, prefix};
	return cli_table_add(t, cells);
}

static json_t *ip_json(const void *item)
{
	return panel_slave_ip_to_json(item);
}

static const char *const ip_headers[] = {"IP", "PREFIX"};
static const cli_listing ip_rows = {2, ip_headers, ip_row, ip_json};

static int ip_list(cli *c, int argc, char **argv)
{
	panel_slave_ip_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "slaveip list takes no argument");
	if (cli_open(c) < 0 || panel_slave_ip_list_get(&list, c->p, &c->actor) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &ip_rows, CLI_LIST_VIEW(list));
	panel_slave_ip_list_free(list);
	return rc;
}

static int ip_add(cli *c, int argc, char **argv)
{
	static const char usage[] = "usage: panelctl slaveip add IP [PREFIX]";
	unsigned long prefix = 0;
	panel_slave_ip row;
	cli_args args;
	char *end;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) < 1 || cli_positional_count(&args) > 2)
		return cli_usage_error(c, usage);
	if (cli_positional_count(&args) == 2) {
		const char *text = cli_positional(&args, 1);
		prefix = strtoul(text, &end, 10);
		if (!*text || *end || prefix == 0 || prefix > 128)
			return cli_usage_error(c, "the prefix is a number from 1 to 128");
	}
	if (cli_open(c) < 0 || panel_slave_ip_add(&row, c->p, &c->actor, cli_positional(&args, 0),
						  (unsigned)prefix) < 0)
		return cli_fail(c);
	return cli_done(c, panel_slave_ip_to_json(&row),
			"%s/%u may transfer the zones (once bind's ACL is rewritten)", row.ip,
			row.prefix);
}

static int ip_del(cli *c, int argc, char **argv)
{
	const char *ip;
	cli_args args;
	int rc, yes;

	if ((rc = cli_name_and_yes(&ip, &yes, &args, c, argc, argv, "slaveip del IP --yes")) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(
		    c, "slaveip del removes every prefix of %s: confirm with --yes", ip);
	if (cli_open(c) < 0 || panel_slave_ip_delete(c->p, &c->actor, ip) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "ip", ip, "deleted", 1),
			"%s may no longer transfer the zones", ip);
}

static const struct cli_verb ip_verbs[] = {
    {"list", ip_list, "", "the addresses allowed to transfer the zones (admins)"},
    {"add", ip_add, "IP [PREFIX]", "allow an address or network (IPv4 /8-/32, IPv6 /16-/128)"},
    {"del", ip_del, "IP --yes", "stop allowing an address (every prefix of it)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_slaveip = {"slaveip", ip_verbs};

/* ---------------------------------------------------------------- slaveaccount, mxaccount */

static int account_row(cli_table *t, const void *item)
{
	const panel_slave_account *a = item;
	const char *cells[] = {a->login, panel_slave_kind_name(a->kind)};

	return cli_table_add(t, cells);
}

static json_t *account_json(const void *item)
{
	return panel_slave_account_to_json(item);
}

static const char *const account_headers[] = {"LOGIN", "KIND"};
static const cli_listing account_rows = {2, account_headers, account_row, account_json};

static int account_list(cli *c, int argc, char **argv, panel_slave_kind kind)
{
	panel_slave_account_list *list = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "list takes no argument");
	if (cli_open(c) < 0 || panel_slave_account_list_get(&list, c->p, &c->actor, kind) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &account_rows, CLI_LIST_VIEW(list));
	panel_slave_account_list_free(list);
	return rc;
}

static int account_add(cli *c, int argc, char **argv, panel_slave_kind kind)
{
	const char *usage = kind == PANEL_SLAVE_MX
				? "mxaccount add LOGIN [--password-file FILE|-]"
				: "slaveaccount add LOGIN [--password-file FILE|-]";
	char password[CLI_PASSWORD_MAX + 1];
	const char *file, *login;
	cli_args args;
	int rc, error;

	if ((rc = cli_password_file_args(&file, &args, c, argc, argv, 1, usage)) != 0)
		return rc;
	login = cli_positional(&args, 0);
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, "Password", 1)) != 0)
		return rc;
	error = panel_slave_account_add(c->p, &c->actor, kind, login, password);
	cli_wipe(password, sizeof(password));
	if (error < 0)
		return cli_fail(c);
	panel_slave_account a = {.kind = kind};
	snprintf(a.login, sizeof(a.login), "%s", login);
	return cli_done(c, panel_slave_account_to_json(&a), "%s account %s created",
			panel_slave_kind_name(kind), login);
}

static int account_del(cli *c, int argc, char **argv, panel_slave_kind kind)
{
	const char *login;
	cli_args args;
	int rc, yes;

	if ((rc = cli_name_and_yes(&login, &yes, &args, c, argc, argv,
				   kind == PANEL_SLAVE_MX ? "mxaccount del LOGIN --yes"
							  : "slaveaccount del LOGIN --yes")) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(c, "del removes the account %s: confirm with --yes", login);
	if (cli_open(c) < 0 || panel_slave_account_delete(c->p, &c->actor, kind, login) < 0)
		return cli_fail(c);
	return cli_done(c,
			json_pack("{s:s, s:s, s:b}", "login", login, "kind",
				  panel_slave_kind_name(kind), "deleted", 1),
			"%s account %s deleted", panel_slave_kind_name(kind), login);
}

static int dns_list(cli *c, int argc, char **argv)
{
	return account_list(c, argc, argv, PANEL_SLAVE_DNS);
}

static int dns_add(cli *c, int argc, char **argv)
{
	return account_add(c, argc, argv, PANEL_SLAVE_DNS);
}

static int dns_del(cli *c, int argc, char **argv)
{
	return account_del(c, argc, argv, PANEL_SLAVE_DNS);
}

static int mx_list(cli *c, int argc, char **argv)
{
	return account_list(c, argc, argv, PANEL_SLAVE_MX);
}

static int mx_add(cli *c, int argc, char **argv)
{
	return account_add(c, argc, argv, PANEL_SLAVE_MX);
}

static int mx_del(cli *c, int argc, char **argv)
{
	return account_del(c, argc, argv, PANEL_SLAVE_MX);
}

static const struct cli_verb dns_verbs[] = {
    {"list", dns_list, "", "the accounts slave DNS servers fetch /admin/domlist.php with"},
    {"add", dns_add, "LOGIN [--password-file FILE|-]",
     "create one (the password is stored in clear text, as in AlternC 1.0)"},
    {"del", dns_del, "LOGIN --yes", "delete one"},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_verb mx_verbs[] = {
    {"list", mx_list, "", "the accounts backup MX servers fetch /admin/mxlist.php with"},
    {"add", mx_add, "LOGIN [--password-file FILE|-]",
     "create one (the password is stored in clear text, as in AlternC 1.0)"},
    {"del", mx_del, "LOGIN --yes", "delete one"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_slaveaccount = {"slaveaccount", dns_verbs};
const struct cli_resource cli_mxaccount = {"mxaccount", mx_verbs};
