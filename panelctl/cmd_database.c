/* panelctl db|dbuser|jobs: members' MySQL databases and users with their grants, repair of the
 * rows against the server, and the dump and restore jobs that `jobs run` (cron) carries out. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_LOGIN = 256,
	OPT_PASSWORD_FILE,
	OPT_FIX,
	OPT_UNVERIFIED,
	OPT_HISTORY,
	OPT_GZIP,
	OPT_DIR,
};

/* [--login LOGIN] (and --password-file FILE when password_file is not NULL), then at most one
 * positional argument, the suffix: for db add and dbuser add. */
static int login_and_suffix(const char **login, const char **suffix, cli_args *a, const cli *c,
			    int argc, char **argv, const char **password_file)
{
	static const struct option with_password[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {NULL, 0, NULL, 0},
	};
	static const struct option without_password[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	cli_args_init(a, argc, argv);
	while ((opt = cli_next_option(a, c, password_file ? with_password : without_password,
				      &rc)) != -1) {
		if (opt == OPT_LOGIN)
			*login = optarg;
		else if (opt == OPT_PASSWORD_FILE)
			*password_file = optarg;
		else
			return rc;
	}
	if (cli_positional_count(a) > 1)
		return cli_usage_error(c, "%s takes at most one suffix", a->argv[0]);
	*suffix = cli_positional(a, 0);
	return 0;
}

/* ---------------------------------------------------------------- db */

static void print_database(const cli *c, const panel_database *d)
{
	if (c->json) {
		cli_print_json(panel_database_to_json(d));
		return;
	}
	static const char *const modes[] = {"none", "weekly", "daily"};

	cli_kv("name", d->name);
	cli_kv("owner", d->login);
	cli_kv_u64("size", d->size);
	cli_kv("backup", d->backup_mode <= PANEL_BACKUP_DAILY ? modes[d->backup_mode] : "none");
	cli_kv_u64("backup_history", d->backup_history);
	cli_kv("backup_gzip", d->backup_gzip ? "yes" : "no");
	cli_kv("backup_dir", d->backup_dir);
}

static int finish_database(cli *c, int error, panel_database **d)
{
	if (error < 0)
		return cli_fail(c);
	print_database(c, *d);
	panel_database_free(*d);
	*d = NULL;
	return 0;
}

static int db_add(cli *c, int argc, char **argv)
{
	const char *login = NULL, *suffix = NULL;
	panel_database *d = NULL;
	cli_args args;
	int rc;

	if ((rc = login_and_suffix(&login, &suffix, &args, c, argc, argv, NULL)) != 0)
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish_database(c, panel_database_create(&d, c->p, &c->actor, login, suffix), &d);
}

static int db_show(cli *c, int argc, char **argv)
{
	panel_database *d = NULL;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl db show NAME");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish_database(c, panel_database_get(&d, c->p, &c->actor, cli_positional(&args, 0)),
			       &d);
}

/* db backup NAME none|weekly|daily [--history N] [--gzip yes|no] [--dir DIR] */
static int db_backup(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"history", required_argument, NULL, OPT_HISTORY},
	    {"gzip", required_argument, NULL, OPT_GZIP},
	    {"dir", required_argument, NULL, OPT_DIR},
	    {NULL, 0, NULL, 0},
	};
	static const char *const modes[] = {"none", "weekly", "daily"};
	const char *dir = NULL;
	uint64_t history = 0;
	panel_database *d = NULL;
	unsigned mode = 0;
	int opt, rc = 0, gzip = 0;
	cli_args args;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt == OPT_HISTORY) {
			if (cli_parse_u64(&history, optarg, 255) < 0)
				return cli_usage_error(c, "--history: 0 to 255 dumps");
		} else if (opt == OPT_GZIP) {
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0)
				return cli_usage_error(c, "--gzip: yes or no");
			gzip = strcmp(optarg, "yes") == 0;
		} else if (opt == OPT_DIR) {
			dir = optarg;
		} else {
			return rc;
		}
	}
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c, "usage: panelctl db backup NAME none|weekly|daily "
					  "[--history N] [--gzip yes|no] [--dir DIR]");
	while (mode < 3 && strcmp(cli_positional(&args, 1), modes[mode]) != 0)
		mode++;
	if (mode == 3)
		return cli_usage_error(c, "backup mode: none, weekly or daily");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return finish_database(c,
			       panel_database_backup_set(&d, c->p, &c->actor,
							 cli_positional(&args, 0), mode,
							 (unsigned)history, gzip, dir),
			       &d);
}

/* --login LOGIN only, no positional argument. */
static int login_only(const char **login, cli_args *a, const cli *c, int argc, char **argv,
		      const char *resource)
{
	static const struct option options[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	cli_args_init(a, argc, argv);
	while ((opt = cli_next_option(a, c, options, &rc)) != -1) {
		if (opt != OPT_LOGIN)
			return rc;
		*login = optarg;
	}
	if (cli_positional_count(a) != 0)
		return cli_usage_error(c, "usage: panelctl %s list [--login LOGIN]", resource);
	return 0;
}

static int database_row(cli_table *t, const void *item)
{
	const panel_database *d = item;
	char size[24];

	snprintf(size, sizeof(size), "%llu", (unsigned long long)d->size);
	const char *cells[] = {d->name, d->login, size};
	return cli_table_add(t, cells);
}

static json_t *database_json(const void *item)
{
	return panel_database_to_json(item);
}

static const char *const database_headers[] = {"NAME", "OWNER", "SIZE"};
static const cli_listing database_rows = {3, database_headers, database_row, database_json};

static int db_list(cli *c, int argc, char **argv)
{
	panel_database_list *list = NULL;
	const char *login = NULL;
	cli_args args;
	int rc;

	if ((rc = login_only(&login, &args, c, argc, argv, "db")) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_database_list_get(&list, c->p, &c->actor, login) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &database_rows, CLI_LIST_VIEW(list));
	panel_database_list_free(list);
	return rc;
}

/* NAME --yes: the confirmation of the deleting verbs; what says what the verb does. */
static int name_and_yes(const char **name, cli_args *a, const cli *c, int argc, char **argv,
			const char *usage, const char *what)
{
	int rc, yes;

	if ((rc = cli_name_and_yes(name, &yes, a, c, argc, argv, usage)) != 0)
		return rc;
	if (!yes)
		return cli_usage_error(c, "%s %s: confirm with --yes", what, *name);
	return 0;
}

static int db_del(cli *c, int argc, char **argv)
{
	const char *name;
	cli_args args;
	int rc;

	if ((rc = name_and_yes(&name, &args, c, argc, argv, "db del NAME --yes",
			       "db del drops the database and its data:")) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_database_delete(c->p, &c->actor, name) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "name", name, "deleted", 1),
			"database %s deleted", name);
}

static int db_dump(cli *c, int argc, char **argv)
{
	uint64_t job = 0;
	const char *name;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl db dump NAME");
	name = cli_positional(&args, 0);
	if (cli_open(c) < 0 || panel_database_dump(&job, c->p, &c->actor, name) < 0)
		return cli_fail(c);
	if (!c->json) {
		printf("%llu\n", (unsigned long long)job); /* the job id alone, for scripts */
		return 0;
	}
	cli_print_json(json_pack("{s:s, s:I}", "database", name, "job", (json_int_t)job));
	return 0;
}

static int db_restore(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"unverified", no_argument, NULL, OPT_UNVERIFIED},
	    {NULL, 0, NULL, 0},
	};
	const char *name, *file;
	unsigned flags = 0;
	uint64_t job = 0;
	cli_args args;
	int opt, rc = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_UNVERIFIED)
			return rc;
		flags |= PANEL_RESTORE_UNVERIFIED;
	}
	if (cli_positional_count(&args) != 2)
		return cli_usage_error(c, "usage: panelctl db restore NAME FILE [--unverified]");
	name = cli_positional(&args, 0);
	file = cli_positional(&args, 1);
	if (cli_open(c) < 0 || panel_database_restore(&job, c->p, &c->actor, name, file, flags) < 0)
		return cli_fail(c);
	if (!c->json) {
		printf("%llu\n", (unsigned long long)job);
		return 0;
	}
	cli_print_json(
	    json_pack("{s:s, s:s, s:I}", "database", name, "file", file, "job", (json_int_t)job));
	return 0;
}

static int problem_row(cli_table *t, const void *item)
{
	const panel_db_problem *p = item;
	const char *cells[] = {p->kind, p->name, p->problem, p->action};

	return cli_table_add(t, cells);
}

static json_t *problem_json(const panel_db_problem *p, int fixed)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "kind", p->kind, "name", p->name, "problem",
			 p->problem, "action", p->action, "fixed", fixed);
}

/* With --fix, the problems were repaired: their JSON form says so. */
static json_t *problem_json_fixed(const void *item)
{
	return problem_json(item, 1);
}

static json_t *problem_json_found(const void *item)
{
	return problem_json(item, 0);
}

static const char *const problem_headers[] = {"KIND", "NAME", "PROBLEM", "ACTION"};
static const cli_listing problems_fixed = {4, problem_headers, problem_row, problem_json_fixed},
			 problems_found = {4, problem_headers, problem_row, problem_json_found};

static int db_repair(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"fix", no_argument, NULL, OPT_FIX},
	    {NULL, 0, NULL, 0},
	};
	panel_db_problem_list *list = NULL;
	cli_args args;
	int opt, rc = 0, fix = 0;

	cli_args_init(&args, argc, argv);
	while ((opt = cli_next_option(&args, c, options, &rc)) != -1) {
		if (opt != OPT_FIX)
			return rc;
		fix = 1;
	}
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "usage: panelctl db repair [--fix]");
	if (cli_open(c) < 0 || panel_database_repair(&list, c->p, &c->actor, fix) < 0)
		return cli_fail(c);
	if (!c->json && list->count == 0) {
		printf("the databases and users match their rows\n");
	} else {
		rc = cli_listing_print(c, fix ? &problems_fixed : &problems_found,
				       CLI_LIST_VIEW(list));
		if (rc == 0 && !c->json && !fix)
			fprintf(stderr, "panelctl: nothing changed: run with --fix to repair\n");
	}
	panel_db_problem_list_free(list);
	return rc;
}

static const struct cli_verb db_verbs[] = {
    {"add", db_add, "[--login LOGIN] [SUFFIX]",
     "create the database LOGIN or LOGIN_SUFFIX (default: the --as member)"},
    {"show", db_show, "NAME", "show a database and its size"},
    {"list", db_list, "[--login LOGIN]", "list a member's databases"},
    {"del", db_del, "NAME --yes", "drop a database"},
    {"backup", db_backup, "NAME none|weekly|daily [--history N] [--gzip yes|no] [--dir DIR]",
     "AlternC's backup settings of a database, read by its sqlbackup.sh"},
    {"dump", db_dump, "NAME", "queue a dump into the owner's backups folder; prints the job id"},
    {"restore", db_restore, "NAME FILE [--unverified]",
     "queue a restore of one of the database's dumps (--unverified: a file the panel did not "
     "write; super admin)"},
    {"repair", db_repair, "[--fix]",
     "compare the server with the rows; --fix adds or removes the rows (admins)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_db = {"db", db_verbs};

/* ---------------------------------------------------------------- dbuser */

/* The user and, when grants is set, its rights per database. */
static int print_dbuser(const cli *c, const panel_dbuser *u, const panel_dbgrant *grants,
			size_t count, int with_grants)
{
	if (c->json) {
		json_t *o = panel_dbuser_to_json(u);
		if (o && with_grants &&
		    json_object_set_new(o, "grants", panel_dbgrants_to_json(grants, count)) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (!o)
			return cli_error(c, PANEL_ERROR, "out of memory");
		cli_print_json(o);
		return 0;
	}
	cli_kv("name", u->name);
	cli_kv("owner", u->login);
	if (!with_grants)
		return 0;
	for (size_t i = 0; i < count; i++) {
		char rights[512] = "", key[96];
		size_t len = 0;
		for (unsigned r = 0; r < PANEL_DBRIGHT_COUNT; r++) {
			if (!(grants[i].rights & (1u << r)))
				continue;
			int n = snprintf(rights + len, sizeof(rights) - len, "%s%s", len ? "," : "",
					 panel_dbright_name(r));
			if (n < 0 || (size_t)n >= sizeof(rights) - len)
				break;
			len += (size_t)n;
		}
		snprintf(key, sizeof(key), "grant %s", grants[i].database);
		cli_kv(key, len ? rights : "none");
	}
	return 0;
}

static int show_user(cli *c, const char *name)
{
	panel_dbgrant_list *grants = NULL;
	panel_dbuser *u = NULL;
	int rc;

	if (panel_dbuser_get(&u, c->p, &c->actor, name) < 0 ||
	    panel_dbuser_grants_get(&grants, c->p, &c->actor, name) < 0) {
		panel_dbuser_free(u);
		return cli_fail(c);
	}
	rc = print_dbuser(c, u, grants->items, grants->count, 1);
	panel_dbuser_free(u);
	panel_dbgrant_list_free(grants);
	return rc;
}

static int dbuser_add(cli *c, int argc, char **argv)
{
	const char *login = NULL, *suffix = NULL, *file = NULL;
	char password[CLI_PASSWORD_MAX + 1];
	panel_dbuser *u = NULL;
	cli_args args;
	int rc, error;

	if ((rc = login_and_suffix(&login, &suffix, &args, c, argc, argv, &file)) != 0)
		return rc;
	if (cli_open(c) < 0)
		return cli_fail(c);
	if ((rc = cli_password_read(password, sizeof(password), c, file, "Database user password",
				    1)) != 0)
		return rc;
	error = panel_dbuser_create(&u, c->p, &c->actor, login, suffix, password);
	cli_wipe(password, sizeof(password));
	if (error < 0)
		return cli_fail(c);
	rc = print_dbuser(c, u, NULL, 0, 0);
	panel_dbuser_free(u);
	return rc;
}

static int dbuser_show(cli *c, int argc, char **argv)
{
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 1)
		return cli_usage_error(c, "usage: panelctl dbuser show USER");
	if (cli_open(c) < 0)
		return cli_fail(c);
	return show_user(c, cli_positional(&args, 0));
}

static int dbuser_row(cli_table *t, const void *item)
{
	const panel_dbuser *u = item;
	const char *cells[] = {u->name, u->login};

	return cli_table_add(t, cells);
}

static json_t *dbuser_json(const void *item)
{
	return panel_dbuser_to_json(item);
}

static const char *const dbuser_headers[] = {"NAME", "OWNER"};
static const cli_listing dbuser_rows = {2, dbuser_headers, dbuser_row, dbuser_json};

static int dbuser_list(cli *c, int argc, char **argv)
{
	panel_dbuser_list *list = NULL;
	const char *login = NULL;
	cli_args args;
	int rc;

	if ((rc = login_only(&login, &args, c, argc, argv, "dbuser")) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_dbuser_list_get(&list, c->p, &c->actor, login) < 0)
		return cli_fail(c);
	rc = cli_listing_print(c, &dbuser_rows, CLI_LIST_VIEW(list));
	panel_dbuser_list_free(list);
	return rc;
}

static int dbuser_passwd(cli *c, int argc, char **argv)
{
	static const cli_passwd how = {"dbuser passwd USER [--password-file FILE|-]",
				       "New database user password", "name", panel_dbuser_password};

	return cli_passwd_verb(c, argc, argv, &how);
}

/* RIGHT[,RIGHT...] (names as panel_dbright_name gives them, any case; spaces around commas
 * allowed) or "none", into bits. 0 or the exit code. */
static int parse_rights(unsigned *out, const cli *c, const char *text)
{
	char name[64];

	*out = 0;
	if (strcasecmp(text, "none") == 0)
		return 0;
	for (const char *s = text;;) {
		while (*s == ' ')
			s++;
		size_t len = strcspn(s, ",");
		while (len && s[len - 1] == ' ')
			len--;
		unsigned bit = 0;
		if (len && len < sizeof(name)) {
			memcpy(name, s, len);
			name[len] = '\0';
			bit = panel_dbright_parse(name);
		}
		if (!bit)
			return cli_usage_error(
			    c,
			    "rights: '%.*s' is not a right (SELECT, INSERT, UPDATE, "
			    "DELETE, CREATE, DROP, ALTER, INDEX, CREATE TEMPORARY "
			    "TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, CREATE "
			    "ROUTINE, ALTER ROUTINE, EXECUTE, EVENT, TRIGGER), nor none",
			    (int)(len > 64 ? 64 : len), s);
		*out |= bit;
		s += strcspn(s, ",");
		if (!*s)
			return 0;
		s++;
	}
}

static int dbuser_grant(cli *c, int argc, char **argv)
{
	panel_dbgrant grant;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 3)
		return cli_usage_error(c, "usage: panelctl dbuser grant USER DATABASE "
					  "RIGHT[,RIGHT...]|none");
	if (strlen(cli_positional(&args, 1)) >= sizeof(grant.database))
		return cli_usage_error(c, "database name too long");
	snprintf(grant.database, sizeof(grant.database), "%s", cli_positional(&args, 1));
	if ((rc = parse_rights(&grant.rights, c, cli_positional(&args, 2))) != 0)
		return rc;
	if (cli_open(c) < 0 ||
	    panel_dbuser_grants_set(c->p, &c->actor, cli_positional(&args, 0), &grant, 1) < 0)
		return cli_fail(c);
	return show_user(c, cli_positional(&args, 0));
}

static int dbuser_del(cli *c, int argc, char **argv)
{
	const char *name;
	cli_args args;
	int rc;

	if ((rc = name_and_yes(&name, &args, c, argc, argv, "dbuser del USER --yes",
			       "dbuser del drops the database user")) != 0)
		return rc;
	if (cli_open(c) < 0 || panel_dbuser_delete(c->p, &c->actor, name) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:s, s:b}", "name", name, "deleted", 1),
			"database user %s deleted", name);
}

static const struct cli_verb dbuser_verbs[] = {
    {"add", dbuser_add, "[--login LOGIN] [SUFFIX] [--password-file FILE|-]",
     "create the database user LOGIN or LOGIN_SUFFIX"},
    {"show", dbuser_show, "USER", "show a database user and its rights on each database"},
    {"list", dbuser_list, "[--login LOGIN]", "list a member's database users"},
    {"passwd", dbuser_passwd, "USER [--password-file FILE|-]", "set a database user's password"},
    {"grant", dbuser_grant, "USER DATABASE RIGHT[,RIGHT...]|none",
     "set exactly these rights of a user on one database"},
    {"del", dbuser_del, "USER --yes", "drop a database user"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_dbuser = {"dbuser", dbuser_verbs};

/* ---------------------------------------------------------------- jobs */

static int jobs_run(cli *c, int argc, char **argv)
{
	unsigned done = 0;
	cli_args args;
	int rc;

	if ((rc = cli_no_options(&args, c, argc, argv)) != 0)
		return rc;
	if (cli_positional_count(&args) != 0)
		return cli_usage_error(c, "jobs run takes no argument");
	/* The actor is the system unless --admin / --as were given: libpanel refuses those. */
	if (cli_open(c) < 0 || panel_jobs_run(&done, c->p, &c->actor) < 0)
		return cli_fail(c);
	return cli_done(c, json_pack("{s:i}", "done", (int)done), "%u job%s run", done,
			done == 1 ? "" : "s");
}

static const struct cli_verb jobs_verbs[] = {
    {"run", jobs_run, "", "run the queued database dumps and restores (system only; for cron)"},
    {NULL, NULL, NULL, NULL},
};

const struct cli_resource cli_jobs = {"jobs", jobs_verbs};
