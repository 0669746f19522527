/* panelctl mail add|show|list|edit|passwd|del: mail addresses on a member's domains, with
 * mailboxes (their passwords prompted for or read from a file), forwards and expiry dates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_RECIPIENT = 256,
	OPT_NO_RECIPIENTS,
	OPT_MAILBOX,
	OPT_PASSWORD_FILE,
	OPT_EXPIRES,
	OPT_PREFIX,
};

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

/* The forwards joined by ", " (malloc'ed; NULL when out of memory). */
static char *joined(char *const *list, size_t n)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(list[i]) + 2;
	if (!(out = malloc(len)))
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, list[i]);
	}
	return out;
}

static void print_mail(const cli *c, const panel_mail *m)
{
	char *recipients;

	if (c->json) {
		cli_print_json(panel_mail_to_json(m));
		return;
	}
	recipients = joined(m->recipients, m->nrecipients);
	cli_kv("address", m->address);
	cli_kv("local", m->local);
	cli_kv("domain", m->domain);
	cli_kv("mailbox", yes_no(m->mailbox));
	cli_kv("recipients", recipients ? recipients : "?");
	cli_kv("expires", m->expires[0] ? m->expires : "never");
	cli_kv_u64("size", m->size);
	free(recipients);
}

static int finish(cli *c, int error, panel_mail **m)
{
	if (error < 0)
		return cli_fail(c);
	print_mail(c, *m);
	panel_mail_free(*m);
	*m = NULL;
	return 0;
}

/* Splits ADDRESS (local@domain, or @domain for the catch-all) at its last '@' into buf: *local
 * and *domain point into it. */
static int split_address(char *buf, size_t size, const char **local, const char **domain,
			 const cli *c, const char *address)
{
	char *at;

	if (strlen(address) >= size || !(at = strrchr(strcpy(buf, address), '@')) || !at[1])
		return cli_usage_error(c,
				       "'%s': an address is local@domain, or @domain for the "
				       "catch-all",
				       address);
	*at = '\0';
	*local = buf;
	*domain = at + 1;
	return 0;
}

/* The --recipient values collected, NULL-terminated, for the spec. */
typedef struct recipient_list {
	const char **list;
	size_t count;
} recipient_list;

static int add_recipient(recipient_list *r, const cli *c, const char *value)
{
	const char **grown;

	if (r->count >= PANEL_MAIL_RECIPIENTS_MAX)
		return cli_usage_error(c, "--recipient: %d recipients at most",
				       PANEL_MAIL_RECIPIENTS_MAX);
	if (!(grown = realloc(r->list, (r->count + 2) * sizeof(*grown))))
		return cli_error(c, PANEL_ERROR, "out of memory");
	r->list = grown;
	r->list[r->count++] = value;
	r->list[r->count] = NULL;
	return 0;
}

/* ---------------------------------------------------------------- add */

static int mail_add(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"recipient", required_argument, NULL, OPT_RECIPIENT},
	    {"mailbox", no_argument, NULL, OPT_MAILBOX},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {"expires", required_argument, NULL, OPT_EXPIRES},
	    {NULL, 0, NULL, 0},
	};
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	char password[CLI_PASSWORD_MAX + 1], address[256];
	const char *password_file = NULL, *domain = NULL;
	recipient_list r = {NULL, 0};
	panel_mail *m = NULL;
	int opt, rc = 0, mailbox = 0;
	cli_args args;

	password[0] = '\0';
	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_RECIPIENT:
			if ((rc = add_recipient(&r, c, optarg)) != 0)
				goto out;
			break;
		case OPT_MAILBOX:
			mailbox = 1;
			break;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			break;
		case OPT_EXPIRES:
			spec.expires = optarg;
			break;
		default:
			goto out;
		}
	}
	if (cli_positional_count(&args) != 1) {
		rc = cli_usage_error(c, "usage: panelctl mail add ADDRESS [--recipient ADDR]... "
					"[--mailbox] [--password-file FILE|-] [--expires DATE]");
		goto out;
	}
	if (password_file && !mailbox) {
		rc = cli_usage_error(c,
				     "--password-file is the password of a mailbox: add --mailbox");
		goto out;
	}
	if (!mailbox && !r.count) {
		rc = cli_usage_error(c, "mail add: give --mailbox, or --recipient (or both)");
		goto out;
	}
	if ((rc = split_address(address, sizeof(address), &spec.local, &domain, c,
				cli_positional(&args, 0))) != 0)
		goto out;
	spec.recipients = r.list;
	if (cli_open(c) < 0) {
		rc = cli_fail(c);
		goto out;
	}
	if (mailbox) {
		if ((rc = cli_password_read(password, sizeof(password), c, password_file,
					    "Mailbox password", 1)) != 0)
			goto out;
		spec.password = password;
	}
	rc = finish(c, panel_mail_create(&m, c->p, &c->actor, domain, &spec), &m);
out:
	cli_wipe(password, sizeof(password));
	free(r.list);
	return rc;
}

/* ---------------------------------------------------------------- show, list */

static int mail_show(cli *c, int argc, char **argv)
{
	panel_mail *m = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl mail show ADDRESS");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish(c, panel_mail_get(&m, c->p, &c->actor, cli_positional(&args, 0)), &m);
}

static int mail_row(cli_table *t, const void *item)
{
	const panel_mail *m = item;
	char size[24], *recipients = joined(m->recipients, m->nrecipients);
	int error;

	if (!recipients)
		return -1;
	snprintf(size, sizeof(size), "%llu", (unsigned long long)m->size);
	const char *cells[] = {m->address, yes_no(m->mailbox), recipients,
			       m->expires[0] ? m->expires : "never", size};
	error = cli_table_add(t, cells);
	free(recipients);
	return error;
}

static json_t *mail_json(const void *item)
{
	return panel_mail_to_json(item);
}

static const char *const mail_headers[] = {"ADDRESS", "MAILBOX", "RECIPIENTS", "EXPIRES", "SIZE"};
static const cli_listing mail_rows = {5, mail_headers, mail_row, mail_json};

struct mail_pages {
	const char *domain;
	panel_mail_filter filter;
};

static int mail_page(cli_pager *pager, cli *c, void *arg, const char *cursor)
{
	struct mail_pages *pages = arg;
	panel_mail_list *page = NULL;
	int error;

	pages->filter.cursor = cursor;
	if (panel_mail_list_get(&page, c->p, &c->actor, pages->domain, &pages->filter) < 0)
		return -1;
	error = cli_pager_take(pager, CLI_LIST_VIEW(page));
	panel_mail_list_free(page);
	return error;
}

static int mail_list(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"prefix", required_argument, NULL, OPT_PREFIX},
	    CLI_PAGING_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct mail_pages pages = {.filter = PANEL_MAIL_FILTER_INIT};
	cli_paging pg = {0};
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_list_option(&args, c, options, &pg, &rc)) != -1) {
		if (opt != OPT_PREFIX)
			return rc;
		pages.filter.prefix = optarg;
	}
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl mail list DOMAIN [--prefix P] "
					  "[--limit N] [--cursor C] [--all]");
	pages.domain = cli_positional(&args, 0);
	pages.filter.limit = pg.limit;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return cli_paging_run(c, &pg, &mail_rows, mail_page, &pages, "addresses");
}

/* ---------------------------------------------------------------- edit */

/* The options of mail edit that exclude each other, or that change nothing. 0 or the exit
 * code. */
static int check_edit(const cli *c, const panel_mail_spec *changes, size_t recipients,
		      int no_recipients, const char *password_file)
{
	if (no_recipients && recipients)
		return cli_usage_error(c, "--no-recipients and --recipient exclude each other");
	if (password_file && changes->mailbox != 1)
		return cli_usage_error(c, "--password-file goes with --mailbox yes (or use mail "
					  "passwd)");
	if (!recipients && !no_recipients && changes->mailbox < 0 && !changes->expires)
		return cli_usage_error(c, "mail edit: nothing to change");
	return 0;
}

/* --mailbox yes: a new box needs its password (into password, for changes); an existing one
 * keeps its own. 0 or the exit code. */
static int new_box_password(panel_mail_spec *changes, char *password, size_t size, cli *c,
			    const char *address, const char *password_file)
{
	panel_mail *m = NULL;
	int has_box, rc;

	if (panel_mail_get(&m, c->p, &c->actor, address) < 0)
		return cli_fail(c);
	has_box = m->mailbox;
	panel_mail_free(m);
	if (has_box && password_file)
		return cli_error(c, PANEL_ECONFLICT,
				 "%s has a mailbox already: change its password with mail passwd",
				 address);
	if (has_box)
		return 0;
	if ((rc = cli_password_read(password, size, c, password_file, "Mailbox password", 1)) != 0)
		return rc;
	changes->password = password;
	return 0;
}

static int mail_edit(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"recipient", required_argument, NULL, OPT_RECIPIENT},
	    {"no-recipients", no_argument, NULL, OPT_NO_RECIPIENTS},
	    {"mailbox", required_argument, NULL, OPT_MAILBOX},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {"expires", required_argument, NULL, OPT_EXPIRES},
	    {NULL, 0, NULL, 0},
	};
	static const char *const none[] = {NULL};
	panel_mail_spec changes = PANEL_MAIL_SPEC_INIT;
	char password[CLI_PASSWORD_MAX + 1];
	const char *password_file = NULL, *address;
	recipient_list r = {NULL, 0};
	panel_mail *m = NULL;
	int opt, rc = 0, no_recipients = 0;
	cli_args args;

	password[0] = '\0';
	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		switch (opt) {
		case OPT_RECIPIENT:
			if ((rc = add_recipient(&r, c, optarg)) != 0)
				goto out;
			break;
		case OPT_NO_RECIPIENTS:
			no_recipients = 1;
			break;
		case OPT_MAILBOX:
			if ((changes.mailbox = cli_parse_bool(optarg)) < 0) {
				rc = cli_usage_error(c, "--mailbox: yes or no");
				goto out;
			}
			break;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			break;
		case OPT_EXPIRES:
			changes.expires = strcmp(optarg, "never") == 0 ? "" : optarg;
			break;
		default:
			goto out;
		}
	}
	if (cli_positional_count(&args) != 1) {
		rc = cli_usage_error(c,
				     "usage: panelctl mail edit ADDRESS [--recipient ADDR]... "
				     "[--no-recipients] [--mailbox yes|no] [--expires DATE|never]");
		goto out;
	}
	address = cli_positional(&args, 0);
	if ((rc = check_edit(c, &changes, r.count, no_recipients, password_file)) != 0)
		goto out;
	changes.recipients = no_recipients ? none : r.list;
	if (cli_open(c) < 0) {
		rc = cli_fail(c);
		goto out;
	}
	if (changes.mailbox == 1 && (rc = new_box_password(&changes, password, sizeof(password), c,
							   address, password_file)) != 0)
		goto out;
	rc = finish(c, panel_mail_update(&m, c->p, &c->actor, address, &changes), &m);
out:
	cli_wipe(password, sizeof(password));
	free(r.list);
	return rc;
}

/* ---------------------------------------------------------------- passwd, del */

static int mail_passwd(cli *c, int argc, char **argv)
{
	static const cli_passwd how = {"mail passwd ADDRESS [--password-file FILE|-]",
				       "New mailbox password", "address", panel_mail_password};

	return cli_passwd_verb(c, argc, argv, &how);
}

static int mail_del(cli *c, int argc, char **argv)
{
	const char *address;
	cli_args args;
	int rc, yes;

	if ((rc = cli_name_and_yes(&address, &yes, &args, c, argc, argv,
				   "mail del ADDRESS --yes")) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(c,
				       "mail del removes %s and its mailbox with the mail in it: "
				       "confirm with --yes",
				       address);
	if (cli_open(c) < 0 || panel_mail_delete(c->p, &c->actor, address) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "address", address, "deleted", 1),
			"address %s deleted", address);
}

/* mail purge-expired: the temporary addresses whose expiry has passed (for a daily cron). */
static int mail_purge_expired(cli *c, int argc, char **argv)
{
	unsigned count = 0;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "mail purge-expired takes no argument");
	if (cli_open(c) < 0 || panel_mail_purge_expired(&count, c->p, &c->actor) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:I}", "deleted", (json_int_t)count),
			"%u expired address%s deleted", count, count == 1 ? "" : "es");
}

static const struct cli_verb mail_verbs[] = {
    {"add", mail_add,
     "ADDRESS [--recipient ADDR]... [--mailbox] [--password-file FILE|-] [--expires DATE]",
     "create an address (local@domain, @domain for the catch-all): a mailbox, forwards or both"},
    {"show", mail_show, "ADDRESS", "show an address"},
    {"list", mail_list, "DOMAIN [--prefix P] [--limit N] [--cursor C] [--all]",
     "list the addresses of a domain"},
    {"edit", mail_edit,
     "ADDRESS [--recipient ADDR]... [--no-recipients] [--mailbox yes|no] "
     "[--password-file FILE|-] [--expires DATE|never]",
     "change forwards, expiry, add or remove the mailbox"},
    {"passwd", mail_passwd, "ADDRESS [--password-file FILE|-]", "set a mailbox's password"},
    {"del", mail_del, "ADDRESS --yes", "delete an address and its mailbox"},
    {"purge-expired", mail_purge_expired, "",
     "delete the temporary addresses whose expiry has passed (system and admins; daily cron)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_mail = {"mail", mail_verbs};
