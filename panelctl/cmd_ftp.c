/* panelctl ftp add|show|list|edit|passwd|del: FTP accounts named after a member's login or
 * domains, rooted in its web space; passwords prompted for or read from a file. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

enum {
	OPT_LOGIN = 256,
	OPT_PREFIX,
	OPT_SUFFIX,
	OPT_DIR,
	OPT_PASSWORD_FILE,
};

static void print_ftp(const cli *c, const panel_ftp *f)
{
	if (c->json) {
		cli_print_json(panel_ftp_to_json(f));
		return;
	}
	cli_kv_u64("id", f->id);
	cli_kv("name", f->name);
	cli_kv("prefix", f->prefix);
	cli_kv("suffix", f->suffix);
	cli_kv("owner", f->login);
	cli_kv("dir", f->dir);
	cli_kv("homedir", f->homedir);
}

static int finish(cli *c, int error, panel_ftp **f)
{
	if (error < 0)
		return cli_fail(c);
	print_ftp(c, *f);
	panel_ftp_free(*f);
	*f = NULL;
	return 0;
}

static int ftp_add(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {"prefix", required_argument, NULL, OPT_PREFIX},
	    {"suffix", required_argument, NULL, OPT_SUFFIX},
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {NULL, 0, NULL, 0},
	};
	panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;
	char password[CLI_PASSWORD_MAX + 1];
	const char *login = NULL, *file = NULL;
	panel_ftp *f = NULL;
	cli_args args;
	int opt, rc = 0, error;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_LOGIN:
			login = optarg;
			break;
		case OPT_PREFIX:
			spec.prefix = optarg;
			break;
		case OPT_SUFFIX:
			spec.suffix = optarg;
			break;
		case OPT_DIR:
			spec.dir = optarg;
			break;
		case OPT_PASSWORD_FILE:
			file = optarg;
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 0 || !spec.prefix)
		return cli_usage_error(c, "usage: panelctl ftp add [--login LOGIN] --prefix P "
					  "[--suffix S] [--dir D] [--password-file FILE|-]");
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, "FTP password", 1)) != 0)
		return rc;
	spec.password = password;
	error = panel_ftp_create(&f, c->p, &c->actor, login, &spec);
	cli_wipe(password, sizeof(password));
	return finish(c, error, &f);
}

static int ftp_show(cli *c, int argc, char **argv)
{
	panel_ftp *f = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl ftp show NAME");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_ftp_get(&f, c->p, &c->actor, cli_positional(&args, 0)), &f);
}

static int ftp_row(cli_table *t, const void *item)
{
	const panel_ftp *f = item;
	const char *cells[] = {f->name, f->login, f->dir};

	return cli_table_add(t, cells);
}

static json_t *ftp_json(const void *item)
{
	return panel_ftp_to_json(item);
}

static const char *const ftp_headers[] = {"NAME", "OWNER", "DIR"};
static const cli_listing ftp_rows = {3, ftp_headers, ftp_row, ftp_json};

static int ftp_list(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {NULL, 0, NULL, 0},
	};
	const char *login = NULL;
	panel_ftp_list *list = NULL;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_LOGIN)
			return rc;
		login = optarg;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "usage: panelctl ftp list [--login LOGIN]");
	if (cli_open(c) < 0 || panel_ftp_list_get(&list, c->p, &c->actor, login) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &ftp_rows, CLI_LIST_VIEW(list));
	panel_ftp_list_free(list);
	return rc;
}

static int ftp_edit(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"prefix", required_argument, NULL, OPT_PREFIX},
	    {"suffix", required_argument, NULL, OPT_SUFFIX},
	    {"dir", required_argument, NULL, OPT_DIR},
	    {NULL, 0, NULL, 0},
	};
	panel_ftp_spec changes = PANEL_FTP_SPEC_INIT;
	panel_ftp *f = NULL;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_PREFIX:
			changes.prefix = optarg;
			break;
		case OPT_SUFFIX:
			changes.suffix = optarg;
			break;
		case OPT_DIR:
			changes.dir = optarg;
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl ftp edit NAME [--prefix P] [--suffix S] "
					  "[--dir D]");
	if (!changes.prefix && !changes.suffix && !changes.dir)
		return cli_usage_error(c, "ftp edit: nothing to change");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_ftp_update(&f, c->p, &c->actor, cli_positional(&args, 0), &changes),
		      &f);
}

static int ftp_passwd(cli *c, int argc, char **argv)
{
	static const cli_passwd how = {"ftp passwd NAME [--password-file FILE|-]",
				       "New FTP password", "name", panel_ftp_password};

	return cli_passwd_verb(c, argc, argv, &how);
}

static int ftp_del(cli *c, int argc, char **argv)
{
	const char *name;
	cli_args args;
	int rc, yes;

	if ((rc = cli_name_and_yes(&name, &yes, &args, c, argc, argv, "ftp del NAME --yes")) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(c, "ftp del removes the FTP account %s: confirm with --yes",
				       name);
	if (cli_open(c) < 0 || panel_ftp_delete(c->p, &c->actor, name) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "name", name, "deleted", 1),
			"FTP account %s deleted", name);
}

static const struct cli_verb ftp_verbs[] = {
    {"add", ftp_add, "[--login LOGIN] --prefix P [--suffix S] [--dir D] [--password-file FILE|-]",
     "create an FTP account named P or P_S (P: the login or one of its domains)"},
    {"show", ftp_show, "NAME", "show an FTP account"},
    {"list", ftp_list, "[--login LOGIN]", "list the FTP accounts of a member"},
    {"edit", ftp_edit, "NAME [--prefix P] [--suffix S] [--dir D]",
     "rename an FTP account or change its folder"},
    {"passwd", ftp_passwd, "NAME [--password-file FILE|-]", "set an FTP account's password"},
    {"del", ftp_del, "NAME --yes", "delete an FTP account"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_ftp = {"ftp", ftp_verbs};
