/* Output and argument pieces shared by the object commands (domains, mail, FTP, databases):
 * verbs without options, NAME --yes, the password verbs, and the confirmations of verbs that
 * return no object. */
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

int cli_name_and_yes(const char **name, int *yes, cli_args *a, const cli *c, int argc, char **argv,
		     const char *usage)
{
	static const struct option options[] = {
	    {"yes", no_argument, NULL, CLI_OPT_YES},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	*yes = 0;
	cli_args_init(a, argc, argv);
	while ((opt = cli_next_option(a, c, options, &rc)) != -1) {
		if (opt != CLI_OPT_YES)
			return rc;
		*yes = 1;
	}
	if (cli_positional_count(a) != 1)
		return cli_usage_error(c, "usage: panelctl %s", usage);
	*name = cli_positional(a, 0);
	return 0;
}

int cli_password_file_args(const char **file, cli_args *a, const cli *c, int argc, char **argv,
			   size_t positionals, const char *usage)
{
	static const struct option options[] = {
	    {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	*file = NULL;
	cli_args_init(a, argc, argv);
	while ((opt = cli_next_option(a, c, options, &rc)) != -1) {
		if (opt != CLI_OPT_PASSWORD_FILE)
			return rc;
		*file = optarg;
	}
	if (cli_positional_count(a) != (int)positionals)
		return cli_usage_error(c, "usage: panelctl %s", usage);
	return 0;
}

int cli_passwd_verb(cli *c, int argc, char **argv, const cli_passwd *how)
{
	char password[CLI_PASSWORD_MAX + 1];
	const char *file, *name;
	cli_args args;
	int rc;

	if ((rc = cli_password_file_args(&file, &args, c, argc, argv, 1, how->usage)) != 0)
		return rc;
	name = cli_positional(&args, 0);
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, how->prompt, 1)) == 0) {
		if (how->set(c->p, &c->actor, name, password) < 0)
			rc = cli_fail(c);
		else
			rc = cli_done(c, json_pack("{s:s, s:b}", how->key, name, "changed", 1),
				      "password of %s changed", name);
	}
	cli_wipe(password, sizeof(password));
	return rc;
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
