/* panelctl hta list|protect|unprotect|users|user-add|user-passwd|user-del: protected folders
 * (AlternC 1.0's m_hta), whose .htaccess and .htpasswd the actions runner writes. */
#include <stdio.h>

#include "cli.h"

static int folder_row(cli_table *t, const void *item)
{
	const panel_hta_dir *d = item;
	char users[24];

	snprintf(users, sizeof(users), "%llu", (unsigned long long)d->users);
	const char *cells[] = {d->dir, users};
	return cli_table_add(t, cells);
}

static json_t *folder_json(const void *item)
{
	return panel_hta_dir_to_json(item);
}

static const char *const folder_headers[] = {"FOLDER", "USERS"};
static const cli_listing folder_rows = {2, folder_headers, folder_row, folder_json};

static int hta_list(cli *c, int argc, char **argv)
{
	panel_hta_dir_list *list = NULL;
	const char *login = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_login_args(&login, NULL, &args, c, argc, argv, 0,
				 "hta list [--login LOGIN]")) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_hta_list_get(&list, c->p, &c->actor, login) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &folder_rows, CLI_LIST_VIEW(list));
	panel_hta_dir_list_free(list);
	return rc;
}

/* protect DIR and unprotect DIR (on: 1 to protect). */
static int protection(cli *c, int argc, char **argv, int on)
{
	const char *login = NULL, *dir;
	cli_args args;
	int rc;

	if ((rc = cli_login_args(&login, NULL, &args, c, argc, argv, 1,
				 on ? "hta protect DIR [--login LOGIN]"
				    : "hta unprotect DIR [--login LOGIN]")) != 0)
		return rc;
	dir = cli_positional(&args, 0);
	if (cli_open(c) < 0 || (on ? panel_hta_protect(c->p, &c->actor, login, dir)
				   : panel_hta_unprotect(c->p, &c->actor, login, dir)) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "dir", dir, "protected", on),
			on ? "%s protected" : "%s no longer protected", dir);
}

static int hta_protect(cli *c, int argc, char **argv)
{
	return protection(c, argc, argv, 1);
}

static int hta_unprotect(cli *c, int argc, char **argv)
{
	return protection(c, argc, argv, 0);
}

static int hta_users(cli *c, int argc, char **argv)
{
	panel_hta_user_list *list = NULL;
	const char *login = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_login_args(&login, NULL, &args, c, argc, argv, 1,
				 "hta users DIR [--login LOGIN]")) != 0)
		return rc;
	if (cli_open(c) < 0 ||
	    panel_hta_user_list_get(&list, c->p, &c->actor, login, cli_positional(&args, 0)) < 0)
		return cli_fail(c);
	if (c->json) {
		json_t *items = json_array();
		for (size_t i = 0; items && i < list->count; i++)
			json_array_append_new(items, json_pack("{s:s}", "user", list->items[i]));
		cli_print_json(json_pack("{s:o, s:I, s:n}", "items", items, "total",
					 (json_int_t)list->count, "next_cursor"));
	} else {
		for (size_t i = 0; i < list->count; i++)
			printf("%s\n", list->items[i]);
	}
	panel_hta_user_list_free(list);
	return 0;
}

/* user-add DIR USER and user-passwd DIR USER: the password prompted for or read from a file. */
static int user_password(cli *c, int argc, char **argv, int add)
{
	const char *login = NULL, *file = NULL, *dir, *user;
	char password[CLI_PASSWORD_MAX + 1];
	cli_args args;
	int rc, error;

	if ((rc = cli_login_args(
		 &login, &file, &args, c, argc, argv, 2,
		 add ? "hta user-add DIR USER [--login LOGIN] [--password-file F]"
		     : "hta user-passwd DIR USER [--login LOGIN] [--password-file F]")))
		return rc;
	dir = cli_positional(&args, 0);
	user = cli_positional(&args, 1);
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, "Password", 1)))
		return rc;
	error = add ? panel_hta_user_add(c->p, &c->actor, login, dir, user, password)
		    : panel_hta_user_password(c->p, &c->actor, login, dir, user, password);
	cli_wipe(password, sizeof(password));
	if (error < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:s}", "dir", dir, "user", user),
			add ? "user %s added to %s" : "password of %s in %s changed", user, dir);
}

static int hta_user_add(cli *c, int argc, char **argv)
{
	return user_password(c, argc, argv, 1);
}

static int hta_user_passwd(cli *c, int argc, char **argv)
{
	return user_password(c, argc, argv, 0);
}

static int hta_user_del(cli *c, int argc, char **argv)
{
	const char *login = NULL, *dir, *user;
	cli_args args;
	int rc;

	if ((rc = cli_login_args(&login, NULL, &args, c, argc, argv, 2,
				 "hta user-del DIR USER [--login LOGIN]")) != 0)
		return rc;
	dir = cli_positional(&args, 0);
	user = cli_positional(&args, 1);
	if (cli_open(c) < 0 || panel_hta_user_delete(c->p, &c->actor, login, dir, user) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:s, s:b}", "dir", dir, "user", user, "deleted", 1),
			"user %s removed from %s", user, dir);
}

static const struct cli_verb hta_verbs[] = {
    {"list", hta_list, "[--login LOGIN]", "an account's protected folders and their users"},
    {"protect", hta_protect, "DIR [--login LOGIN]",
     "protect a folder of the web space (HTTP Basic authentication; made when missing)"},
    {"unprotect", hta_unprotect, "DIR [--login LOGIN]",
     "remove a folder's protection and its users"},
    {"users", hta_users, "DIR [--login LOGIN]", "the users of a protected folder"},
    {"user-add", hta_user_add, "DIR USER [--login LOGIN] [--password-file FILE|-]",
     "add a user to a protected folder (password policy hta)"},
    {"user-passwd", hta_user_passwd, "DIR USER [--login LOGIN] [--password-file FILE|-]",
     "a protected folder user's new password"},
    {"user-del", hta_user_del, "DIR USER [--login LOGIN]", "remove a user of a protected folder"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_hta = {"hta", hta_verbs};
