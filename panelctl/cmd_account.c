/* panelctl account add|show|list|edit|lock|unlock|renew|admin|passwd|del|import: member
 * accounts through libpanel; the bulk import from JSON lines is in account_import.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static void print_account(const cli *c, const panel_account *a)
{
	char months[32];

	if (c->json) {
		cli_print_json(panel_account_to_json(a));
		return;
	}
	if (a->duration)
		snprintf(months, sizeof(months), "%u months", a->duration);
	else
		snprintf(months, sizeof(months), "never expires");
	cli_kv("login", a->login);
	cli_kv_u64("uid", a->uid);
	cli_kv("mail", a->mail);
	cli_kv("nom", a->nom);
	cli_kv("prenom", a->prenom);
	cli_kv("type", a->type);
	cli_kv("enabled", yes_no(a->enabled));
	cli_kv("admin", yes_no(a->admin));
	cli_kv("canpass", yes_no(a->canpass));
	cli_kv("creator", a->creator_login);
	cli_kv("created", a->created);
	cli_kv("renewed", a->renewed);
	cli_kv("duration", months);
	cli_kv("expiry", a->expiry);
	cli_kv("expired", yes_no(a->expired));
	cli_kv("lastlogin", a->lastlogin);
	cli_kv("lastip", a->lastip);
	cli_kv_u64("lastfail", a->lastfail);
	cli_kv("etag", a->etag);
	cli_kv("notes", a->notes);
}

/* Prints the account a call returned in *a, or the error. A pointer to the pointer: the call
 * is an argument of ours, and C leaves the order of evaluating arguments open. */
static int finish(cli *c, int error, panel_account **a)
{
	if (error < 0)
		return cli_fail(c);
	print_account(c, *a);
	panel_account_free(*a);
	*a = NULL;
	return 0;
}

/* Exactly one positional argument, the login. */
static const char *one_login(const cli_args *a, const cli *c, const char *usage, int *rc)
{
	if (cli_positional_count(a) != 1) {
		*rc = cli_usage_error(c, "usage: panelctl account %s", usage);
		return NULL;
	}
	return cli_positional(a, 0);
}

static int parse_int(int *out, const cli *c, const char *option, const char *value)
{
	uint64_t v;

	if (cli_parse_u64(&v, value, INT_MAX) < 0)
		return cli_usage_error(c, "%s: not a number from 0 to %d", option, INT_MAX);
	*out = (int)v;
	return 0;
}

static int parse_yes_no(int *out, const cli *c, const char *option, const char *value)
{
	if ((*out = cli_parse_bool(value)) < 0)
		return cli_usage_error(c, "%s: yes or no", option);
	return 0;
}

enum {
	OPT_MAIL = 256,
	OPT_NOM,
	OPT_PRENOM,
	OPT_TYPE,
	OPT_DURATION,
	OPT_NOTES,
	OPT_ADMIN,
	OPT_LOCKED,
	OPT_NO_CANPASS,
	OPT_CANPASS,
	OPT_PASSWORD_FILE,
	OPT_OLD_PASSWORD_FILE,
	OPT_IF_MATCH,
	OPT_PREFIX,
	OPT_ENABLED,
	OPT_CREATOR,
	OPT_EXPIRING,
	OPT_PERIODS,
	OPT_FTP,
	OPT_INSTALL_DOMAIN,
};

/* ---------------------------------------------------------------- add */

/* account add's options into spec; 0, or the exit code of a usage error. */
static int add_options(panel_account_spec *spec, const char **password_file, cli_args *args, cli *c)
{
	static const struct option options[] = {
	    {"mail", required_argument, NULL, OPT_MAIL},
	    {"nom", required_argument, NULL, OPT_NOM},
	    {"prenom", required_argument, NULL, OPT_PRENOM},
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"notes", required_argument, NULL, OPT_NOTES},
	    {"admin", no_argument, NULL, OPT_ADMIN},
	    {"locked", no_argument, NULL, OPT_LOCKED},
	    {"no-canpass", no_argument, NULL, OPT_NO_CANPASS},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {"ftp", no_argument, NULL, OPT_FTP},
	    {"install-domain", required_argument, NULL, OPT_INSTALL_DOMAIN},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	while ((opt = cli_next_option(args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_MAIL:
			spec->mail = optarg;
			break;
		case OPT_NOM:
			spec->nom = optarg;
			break;
		case OPT_PRENOM:
			spec->prenom = optarg;
			break;
		case OPT_TYPE:
			spec->type = optarg;
			break;
		case OPT_DURATION:
			if ((rc = parse_int(&spec->duration, c, "--duration", optarg)) != 0)
				return rc;
			break;
		case OPT_NOTES:
			spec->notes = optarg;
			break;
		case OPT_ADMIN:
			spec->admin = 1;
			break;
		case OPT_LOCKED:
			spec->enabled = 0;
			break;
		case OPT_NO_CANPASS:
			spec->canpass = 0;
			break;
		case OPT_PASSWORD_FILE:
			*password_file = optarg;
			break;
		case OPT_FTP:
			spec->ftp = 1;
			break;
		case OPT_INSTALL_DOMAIN:
			spec->install_domain = optarg;
			break;
		default:
			return rc;
		}
	}
	return 0;
}

static int account_add(cli *c, int argc, char **argv)
{
	panel_account_spec spec = PANEL_ACCOUNT_SPEC_INIT;
	char password[CLI_PASSWORD_MAX + 1];
	const char *password_file = NULL;
	panel_account *a = NULL;
	cli_args args;
	int rc, error;

	cli_args_init(&args, argc, argv);
	if ((rc = add_options(&spec, &password_file, &args, c)) != 0)
		return rc;
	if (!(spec.login = one_login(&args, c, "add LOGIN --mail M [options]", &rc)))
		return rc;
	if (!spec.mail)
		return cli_usage_error(c, "account add: --mail is required");
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, password_file, "Password", 1)))
		return rc;
	spec.password = password;
	error = panel_account_create(&a, c->p, &c->actor, &spec);
	cli_wipe(password, sizeof(password));
	return finish(c, error, &a);
}

/* ---------------------------------------------------------------- show */

static int account_show(cli *c, int argc, char **argv)
{
	panel_account *a = NULL;
	const char *login;
	cli_args args;
	int rc = 0;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (!(login = one_login(&args, c, "show LOGIN", &rc)))
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_account_get(&a, c->p, &c->actor, login), &a);
}

/* ---------------------------------------------------------------- list */

static int account_row(cli_table *t, const void *item)
{
	const panel_account *a = item;
	char uid[16];

	snprintf(uid, sizeof(uid), "%u", (unsigned)a->uid);
	const char *cells[] = {a->login,	 uid,	  a->type,	    yes_no(a->enabled),
			       yes_no(a->admin), a->mail, a->creator_login, a->expiry};
	return cli_table_add(t, cells);
}

static json_t *account_json(const void *item)
{
	return panel_account_to_json(item);
}

static const char *const account_headers[] = {"LOGIN", "UID",  "TYPE",	  "ENABLED",
					      "ADMIN", "MAIL", "CREATOR", "EXPIRY"};
static const cli_listing account_rows = {8, account_headers, account_row, account_json};

static int account_page(cli_pager *pager, cli *c, void *arg, const char *cursor)
{
	panel_account_filter *filter = arg;
	panel_account_list *page = NULL;
	int error;

	filter->cursor = cursor;
	if (panel_account_list_get(&page, c->p, &c->actor, filter) < 0)
		return -1;
	error = cli_pager_take(pager, CLI_LIST_VIEW(page));
	panel_account_list_free(page);
	return error;
}

static int account_list(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"prefix", required_argument, NULL, OPT_PREFIX},
	    {"mail", required_argument, NULL, OPT_MAIL},
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"enabled", required_argument, NULL, OPT_ENABLED},
	    {"creator", required_argument, NULL, OPT_CREATOR},
	    {"expiring", required_argument, NULL, OPT_EXPIRING},
	    CLI_PAGING_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	panel_account_filter filter = PANEL_ACCOUNT_FILTER_INIT;
	const char *creator = NULL;
	cli_paging pg = {0};
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_list_option(&args, c, options, &pg, &rc)) != -1) {
		switch (opt) {
		case OPT_PREFIX:
			filter.login_prefix = optarg;
			break;
		case OPT_MAIL:
			filter.mail = optarg;
			break;
		case OPT_TYPE:
			filter.type = optarg;
			break;
		case OPT_ENABLED:
			if ((rc = parse_yes_no(&filter.enabled, c, "--enabled", optarg)) != 0)
				return rc;
			break;
		case OPT_CREATOR:
			creator = optarg;
			break;
		case OPT_EXPIRING:
			if ((rc = parse_int(&filter.expiring_days, c, "--expiring", optarg)) != 0)
				return rc;
			break;
		default:
			return rc;
		}
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "account list takes no positional argument");
	filter.limit = pg.limit;
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (creator) {
		panel_account *a = NULL;
		if (panel_account_get(&a, c->p, &c->actor, creator) < 0)
			return cli_fail(c);
		filter.creator = a->uid;
		panel_account_free(a);
	}
	return cli_paging_run(c, &pg, &account_rows, account_page, &filter, "accounts");
}

/* ---------------------------------------------------------------- edit */

static int account_edit(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"mail", required_argument, NULL, OPT_MAIL},
	    {"nom", required_argument, NULL, OPT_NOM},
	    {"prenom", required_argument, NULL, OPT_PRENOM},
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"notes", required_argument, NULL, OPT_NOTES},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"canpass", required_argument, NULL, OPT_CANPASS},
	    {"if-match", required_argument, NULL, OPT_IF_MATCH},
	    {NULL, 0, NULL, 0},
	};
	panel_account_spec changes = PANEL_ACCOUNT_SPEC_INIT;
	const char *login, *if_match = NULL;
	panel_account *a = NULL;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_MAIL:
			changes.mail = optarg;
			break;
		case OPT_NOM:
			changes.nom = optarg;
			break;
		case OPT_PRENOM:
			changes.prenom = optarg;
			break;
		case OPT_TYPE:
			changes.type = optarg;
			break;
		case OPT_NOTES:
			changes.notes = optarg;
			break;
		case OPT_DURATION:
			if ((rc = parse_int(&changes.duration, c, "--duration", optarg)) != 0)
				return rc;
			break;
		case OPT_CANPASS:
			if ((rc = parse_yes_no(&changes.canpass, c, "--canpass", optarg)) != 0)
				return rc;
			break;
		case OPT_IF_MATCH:
			if_match = optarg;
			break;
		default:
			return rc;
		}
	}
	if (!(login = one_login(&args, c, "edit LOGIN [--mail M] [--nom N] ...", &rc)))
		return rc;
	if (!changes.mail && !changes.nom && !changes.prenom && !changes.type && !changes.notes &&
	    changes.duration < 0 && changes.canpass < 0)
		return cli_usage_error(c, "account edit: nothing to change");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_account_update(&a, c->p, &c->actor, login, &changes, if_match), &a);
}

/* ---------------------------------------------------------------- lock, unlock, renew, admin */

static int lock_or_unlock(cli *c, int argc, char **argv, int lock)
{
	panel_account *a = NULL;
	const char *login;
	cli_args args;
	int rc = 0;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (!(login = one_login(&args, c, lock ? "lock LOGIN" : "unlock LOGIN", &rc)))
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	if (lock)
		return finish(c, panel_account_lock(&a, c->p, &c->actor, login, NULL), &a);
	return finish(c, panel_account_unlock(&a, c->p, &c->actor, login, NULL), &a);
}

static int account_lock(cli *c, int argc, char **argv)
{
	return lock_or_unlock(c, argc, argv, 1);
}

static int account_unlock(cli *c, int argc, char **argv)
{
	return lock_or_unlock(c, argc, argv, 0);
}

static int account_renew(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"periods", required_argument, NULL, OPT_PERIODS},
	    {NULL, 0, NULL, 0},
	};
	panel_account *a = NULL;
	const char *login;
	uint64_t periods = 1;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_PERIODS)
			return rc;
		if (cli_parse_u64(&periods, optarg, 1000) < 0 || periods == 0)
			return cli_usage_error(c, "--periods: a number from 1 to 1000");
	}
	if (!(login = one_login(&args, c, "renew LOGIN [--periods N]", &rc)))
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_account_renew(&a, c->p, &c->actor, login, (unsigned)periods, NULL),
		      &a);
}

static int account_admin(cli *c, int argc, char **argv)
{
	panel_account *a = NULL;
	cli_args args;
	int rc = 0, admin;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 2 ||
	    (admin = cli_parse_bool(cli_positional(&args, 1))) < 0)
		return cli_usage_error(c, "usage: panelctl account admin LOGIN yes|no");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(
	    c, panel_account_set_admin(&a, c->p, &c->actor, cli_positional(&args, 0), admin), &a);
}

/* ---------------------------------------------------------------- passwd */

static int account_passwd(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {"old-password-file", required_argument, NULL, OPT_OLD_PASSWORD_FILE},
	    {NULL, 0, NULL, 0},
	};
	char password[CLI_PASSWORD_MAX + 1], old[CLI_PASSWORD_MAX + 1];
	const char *login, *file = NULL, *old_file = NULL;
	panel_actor who;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt == OPT_PASSWORD_FILE)
			file = optarg;
		else if (opt == OPT_OLD_PASSWORD_FILE)
			old_file = optarg;
		else
			return rc;
	}
	if (!(login = one_login(&args, c,
				"passwd LOGIN [--password-file FILE|-] "
				"[--old-password-file FILE|-]",
				&rc)))
		return rc;
	if (file && old_file && !strcmp(file, "-") && !strcmp(old_file, "-"))
		return cli_usage_error(c, "only one of the passwords can come from standard input");
	if (cli_open(c) < 0)
		return cli_fail(c);
	who = c->actor;
	if (old_file) {
		/* With the old password this is the member's own change, as in the panel: libpanel
		 * then checks the old password and canpass, which an admin's reset skips. */
		panel_account *a = NULL;
		if (panel_account_get(&a, c->p, &c->actor, login) < 0)
			return cli_fail(c);
		who = panel_actor_member(a->uid);
		panel_account_free(a);
	}
	old[0] = '\0';
	if (old_file && (rc = cli_password_read(old, sizeof(old), c, old_file, "Old password", 0)))
		return rc;
	if ((rc = cli_password_read(password, sizeof(password), c, file, "New password", 1)) == 0) {
		if (panel_account_password(c->p, &who, login, old_file ? old : NULL, password) < 0)
			rc = cli_fail(c);
		else if (c->json)
			cli_print_json(json_pack("{s:s, s:b}", "login", login, "changed", 1));
		else
			printf("password of %s changed\n", login);
	}
	cli_wipe(password, sizeof(password));
	cli_wipe(old, sizeof(old));
	return rc;
}

/* ---------------------------------------------------------------- del */

static int account_del(cli *c, int argc, char **argv)
{
	const char *login;
	cli_args args;
	int rc, yes;

	if ((rc = cli_name_and_yes(&login, &yes, &args, c, argc, argv,
				   "account del LOGIN --yes")) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(c,
				       "account del deletes %s and everything it owns: confirm "
				       "with --yes",
				       login);
	if (cli_open(c) < 0 || panel_account_delete(c->p, &c->actor, login) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "login", login, "deleted", 1),
			"account %s deleted", login);
}

static const struct cli_verb account_verbs[] = {
    {"add", account_add,
     "LOGIN --mail M [--nom N] [--prenom P] [--type T] [--duration MONTHS] [--notes TEXT] "
     "[--admin] [--locked] [--no-canpass] [--ftp] [--install-domain PARENT] "
     "[--password-file FILE|-]",
     "create an account (the password is prompted for, or read from the file); --ftp: its "
     "default FTP account, --install-domain: the domain LOGIN.PARENT, as AlternC's page"},
    {"show", account_show, "LOGIN", "show an account"},
    {"list", account_list,
     "[--prefix P] [--mail M] [--type T] [--enabled yes|no] [--creator LOGIN] [--expiring DAYS] "
     "[--limit N] [--cursor C] [--all]",
     "list the accounts the actor may see"},
    {"edit", account_edit,
     "LOGIN [--mail M] [--nom N] [--prenom P] [--type T] [--notes TEXT] [--duration MONTHS] "
     "[--canpass yes|no] [--if-match ETAG]",
     "change an account"},
    {"lock", account_lock, "LOGIN", "lock an account (it can no longer log in)"},
    {"unlock", account_unlock, "LOGIN", "unlock an account"},
    {"renew", account_renew, "LOGIN [--periods N]", "extend an account by N periods"},
    {"admin", account_admin, "LOGIN yes|no", "grant or remove admin rights"},
    {"passwd", account_passwd, "LOGIN [--password-file FILE|-] [--old-password-file FILE|-]",
     "change or reset a password"},
    {"del", account_del, "LOGIN --yes", "delete an account and everything it owns"},
    {"import", cli_account_import, "FILE|- [--dry-run] [--jobs N]",
     "create accounts from JSON lines, one report per line"},
    {"mail-change", cli_account_mail_change, "LOGIN MAIL",
     "mail MAIL a link to confirm it as the contact address; prints the key to give with it"},
    {"mail-confirm", cli_account_mail_confirm, "UID COOKIE KEY",
     "apply a change of contact address with the mailed link's usr and cookie, and the key"},
    {"reset-mail", cli_account_reset_mail, "LOGIN",
     "mail a password reset code to the account's contact address (once a day)"},
    {"reset-password", cli_account_reset_password, "LOGIN CODE [--password-file FILE|-]",
     "set a password with a mailed reset code"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_account = {"account", account_verbs};
