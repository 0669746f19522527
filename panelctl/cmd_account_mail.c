/* panelctl account mail-change, mail-confirm, reset-mail, reset-password: the mails the panel
 * sends about an account (a change of its contact address, a forgotten password), as the PHP
 * panel's pages would ask for them. */
#include <stdlib.h>

#include "cli.h"

/* account mail-change LOGIN MAIL: mails the link to MAIL and prints the key to give with it. */
int cli_account_mail_change(cli *c, int argc, char **argv)
{
	char key[PANEL_MAIL_CHANGE_KEY_MAX + 1];
	const char *login, *mail;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c, "usage: panelctl account mail-change LOGIN MAIL");
	login = cli_positional(&args, 0);
	mail = cli_positional(&args, 1);
	if (cli_open(c) < 0 ||
	    panel_account_mail_change_request(key, c->p, &c->actor, login, mail) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:s, s:s}", "login", login, "mail", mail, "key", key),
			"confirmation link mailed to %s; key: %s", mail, key);
}

/* account mail-confirm UID COOKIE KEY: what 1.0's mem_cm2.php does with the link and the key. */
int cli_account_mail_confirm(cli *c, int argc, char **argv)
{
	unsigned long uid;
	cli_args args;
	char *end;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 3)
		return cli_usage_error(c, "usage: panelctl account mail-confirm UID COOKIE KEY");
	uid = strtoul(cli_positional(&args, 0), &end, 10);
	if (*end || uid == 0 || uid > UINT32_MAX)
		return cli_usage_error(c, "UID is the usr number of the mailed link");
	if (cli_open(c) < 0 ||
	    panel_account_mail_change_confirm(c->p, (uint32_t)uid, cli_positional(&args, 1),
					      cli_positional(&args, 2), NULL) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:I, s:b}", "uid", (json_int_t)uid, "changed", 1),
			"the contact address of account %lu is changed", uid);
}

/* account reset-mail LOGIN: mails a password reset code to the account's contact address. */
int cli_account_reset_mail(cli *c, int argc, char **argv)
{
	const char *login;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl account reset-mail LOGIN");
	login = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_account_password_reset_request(c->p, login, NULL) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "login", login, "requested", 1),
			"a reset code is mailed to %s's contact address if the account may get one "
			"(enabled, canpass, once a day)",
			login);
}

/* account reset-password LOGIN CODE [--password-file FILE|-]: sets the password with a code. */
int cli_account_reset_password(cli *c, int argc, char **argv)
{
	char password[CLI_PASSWORD_MAX + 1];
	const char *file, *login;
	cli_args args;
	int rc, error;

	if ((rc = cli_password_file_args(&file, &args, c, argc, argv, 2,
					 "account reset-password LOGIN CODE "
					 "[--password-file FILE|-]")) != 0)
		return rc;
	login = cli_positional(&args, 0);
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, "New password", 1)) != 0)
		return rc;
	error = panel_account_password_reset(c->p, login, cli_positional(&args, 1), password, NULL);
	cli_wipe(password, sizeof(password));
	if (error < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "login", login, "changed", 1),
			"password of %s changed", login);
}
