/* panelctl's shared pieces: the command table, the run context, output in text or JSON, and
 * the mapping of libpanel errors to exit codes that scripts can rely on. */
#ifndef PANELCTL_CLI_H
#define PANELCTL_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "panel/json.h"
#include "panel/panel.h"

/* Exit codes (documented in docs/man/panelctl.1). */
enum cli_exit {
	EXIT_OK_ = 0,
	EXIT_INTERNAL = 1,
	EXIT_INVALID = 2, /* bad usage or input */
	EXIT_NOTFOUND = 3,
	EXIT_CONFLICT = 4, /* exists, or changed concurrently */
	EXIT_QUOTA = 5,
	EXIT_DENIED = 6,      /* forbidden or bad credentials */
	EXIT_UNAVAILABLE = 7, /* database down or failing over: retry later */
	EXIT_LIMIT = 8,	      /* too many attempts: slow down, retry later */
};

typedef struct cli {
	const char *config_path;
	int json;
	panel *p;	   /* opened on demand by cli_open */
	panel_actor actor; /* the system, or the --admin / --as actor once cli_open resolved it */
	const char *admin; /* --admin LOGIN, or NULL */
	const char *as;	   /* --as LOGIN, or NULL */
	int actor_resolved;
	/* An error of panelctl's own (resolving --admin / --as), reported by cli_fail in place of
	 * libpanel's last error; 0 when none. */
	int error_code;
	char error_message[512];
} cli;

/* Opens the libpanel handle from the configuration file and resolves --admin / --as into
 * c->actor. 0, or a negative PANEL_E* code for cli_fail to report. */
int cli_open(cli *c);

/* The exit code for a libpanel error code. */
int cli_exit_code(int panel_code);

/* Prints the last error (panelctl's own from cli_open, else libpanel's) on stderr, or as a JSON
 * error object on stdout with --json, and returns the exit code for it. */
int cli_fail(const cli *c);

/* The last libpanel error as {"code", "message", "field"?} (a new reference, NULL on OOM). */
json_t *cli_error_json(const panel_error *e);

/* Reports an error of the given libpanel code with a message of ours and returns its exit
 * code. */
int cli_error(const cli *c, int panel_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports a usage error and returns EXIT_INVALID. */
int cli_usage_error(const cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a JSON value on stdout (steals the reference). */
void cli_print_json(json_t *value);

/* panelctl account import (account_import.c). */
int cli_account_import(cli *c, int argc, char **argv);

/* ---------------------------------------------------------------- verb arguments */

/* Parses the verb's options with getopt_long (long options only; options may come after the
 * positional arguments). Returns the next option's value, -1 at the end, or '?' after
 * reporting an unknown option or a missing value (*rc is then the exit code). The positional
 * arguments are then a->argv[a->next .. a->argc - 1]. */
typedef struct cli_args {
	int argc;
	char **argv; /* the verb's name, then its arguments (getopt's layout) */
	int next;    /* first positional argument, once cli_next_option returned -1 */
} cli_args;

/* argc, argv: as given to the verb (argv[-1] is the verb's name). */
void cli_args_init(cli_args *a, int argc, char **argv);
int cli_next_option(cli_args *a, const cli *c, const struct option *options, int *rc);
/* After getopt_long returned option o (with value, its optarg): the token used when it was an
 * abbreviation of o's name, NULL when spelled out (or a short option). */
const char *cli_abbreviated(char **argv, const struct option *o, const char *value);
/* The common shape of a verb: [--login LOGIN], also [--password-file FILE] when password_file
 * is not NULL, then exactly want positional arguments ("usage: panelctl <usage>" otherwise).
 * 0, or the exit code of a usage error. */
int cli_login_args(const char **login, const char **password_file, cli_args *a, const cli *c,
		   int argc, char **argv, int want, const char *usage);
/* Number of positional arguments left, and the i-th of them. */
int cli_positional_count(const cli_args *a);
const char *cli_positional(const cli_args *a, int i);

/* Strict number parsing: digits only, within max. 0 or -1. */
int cli_parse_u64(uint64_t *out, const char *s, uint64_t max);
/* "yes"/"no" (also "1"/"0", "true"/"false"): 1, 0, or -1 for anything else. */
int cli_parse_bool(const char *s);

/* ---------------------------------------------------------------- human output (table.c) */

/* A table printed with aligned columns and a header line; cells are copied. */
typedef struct cli_table cli_table;

cli_table *cli_table_new(size_t columns, const char *const *headers);
/* Adds a row of `columns` cells (NULL prints as "-"). -1 when out of memory. */
int cli_table_add(cli_table *t, const char *const *cells);
/* Prints the table on out and frees it. */
void cli_table_print(cli_table *t, FILE *out);
void cli_table_free(cli_table *t);

/* Prints "key: value", with control characters of value (C0, DEL, C1, bidirectional controls,
 * bytes that are not UTF-8) escaped (\n, \t, \xNN) so that data from the database cannot
 * drive the terminal. NULL or "" prints "-". */
void cli_kv(const char *key, const char *value);
void cli_kv_u64(const char *key, uint64_t value);

/* ---------------------------------------------------------------- passwords (password_input.c) */

#define CLI_PASSWORD_MAX 1024

/* Reads a password into buf (NUL-terminated, without its newline): from file ("-" is standard
 * input; the first line is used), or, when file is NULL, from a no-echo prompt on the
 * terminal (asked twice when confirm is set). Refuses a non-terminal stdin without a file.
 * Returns 0 or an exit code after reporting the error. The caller wipes buf (cli_wipe). */
int cli_password_read(char *buf, size_t size, const cli *c, const char *file, const char *prompt,
		      int confirm);

/* Overwrites memory in a way the compiler may not optimize away. */
void cli_wipe(void *buf, size_t size);

/* ---------------------------------------------------------------- shared results (results.c) */

/* Parses a verb that takes no option. 0, or the exit code after reporting one. */
int cli_no_options(cli_args *a, const cli *c, int argc, char **argv);

/* Codes of the options the shared verbs parse; clear of the commands' own and of paging's. */
enum { CLI_OPT_YES = 0x1100, CLI_OPT_PASSWORD_FILE };

/* Parses NAME [--yes], the arguments of the deleting verbs: 0 with *name and *yes set (the
 * caller refuses without --yes, saying what would go), or the exit code after a usage error
 * ("usage: panelctl <usage>"). */
int cli_name_and_yes(const char **name, int *yes, cli_args *a, const cli *c, int argc, char **argv,
		     const char *usage);

/* A verb NAME [--password-file FILE|-] that sets a password: read from the file or prompted
 * for (twice), set through `set`, confirmed as "password of NAME changed" or
 * {<key>: NAME, "changed": true}. 0 or the exit code. */
typedef struct cli_passwd {
	const char *usage;  /* "ftp passwd NAME [--password-file FILE|-]" */
	const char *prompt; /* "New FTP password" */
	const char *key;    /* "name" */
	int (*set)(panel *p, const panel_actor *who, const char *name, const char *password);
} cli_passwd;
int cli_passwd_verb(cli *c, int argc, char **argv, const cli_passwd *how);

/* Parses the arguments of a verb that takes [--password-file FILE|-] and exactly positionals
 * positional arguments: 0 with *file set (NULL: prompt), or the exit code after a usage error
 * ("usage: panelctl <usage>"). */
int cli_password_file_args(const char **file, cli_args *a, const cli *c, int argc, char **argv,
			   size_t positionals, const char *usage);

/* ---------------------------------------------------------------- lists (listing.c) */

/* A libpanel list seen through the fields every panel_<thing>_list has. */
typedef struct cli_list_view {
	const void *items;
	size_t item_size;
	size_t count;
	uint64_t total;
	const char *next_cursor; /* "" on the last page */
} cli_list_view;

/* The view of list, a panel_<thing>_list *. */
#define CLI_LIST_VIEW(list)                                                                        \
	((cli_list_view){(list)->items, sizeof(*(list)->items), (list)->count, (list)->total,      \
			 (list)->next_cursor})

/* How a list command shows one item: as a table row under its headers, or in JSON. item points
 * into the list's items. */
typedef struct cli_listing {
	size_t columns;
	const char *const *headers;
	/* Adds the item's cells to t with cli_table_add. -1 when out of memory. */
	int (*row)(cli_table *t, const void *item);
	/* The item's JSON form: a new reference, NULL when out of memory. */
	json_t *(*json)(const void *item);
} cli_listing;

/* Adds the items of v as rows to t, or in their JSON form to items (whichever is not NULL).
 * -1 when out of memory. */
int cli_listing_add(const cli_listing *l, cli_table *t, json_t *items, cli_list_view v);

/* Prints a list of one page: {"items", "total", "next_cursor"} with --json, else the table.
 * 0, or the exit code of an out-of-memory error. */
int cli_listing_print(const cli *c, const cli_listing *l, cli_list_view v);

/* Prints a list as {"items": [...], "total": N, "next_cursor": "..."|null} (steals items;
 * NULL prints the out-of-memory error). */
void cli_print_list(json_t *items, uint64_t total, const char *next_cursor);

/* Appends item (stolen) to items. -1 when either is NULL (out of memory). */
int cli_append(json_t *items, json_t *item);

/* ---------------------------------------------------------------- list paging (paging.c) */

/* The paging options of every list command; their codes stay clear of the commands' own. */
enum { CLI_OPT_LIMIT = 0x1000, CLI_OPT_CURSOR, CLI_OPT_ALL };
/* clang-format off */
#define CLI_PAGING_OPTIONS \
	{"limit", required_argument, NULL, CLI_OPT_LIMIT}, \
	{"cursor", required_argument, NULL, CLI_OPT_CURSOR}, \
	{"all", no_argument, NULL, CLI_OPT_ALL}
/* clang-format on */

typedef struct cli_paging {
	size_t limit;	  /* --limit N (1..500); 0: the library's default page */
	const char *from; /* --cursor C: the page to start from; NULL: the first */
	int all;	  /* --all: follow the cursors to the last page */
} cli_paging;

/* cli_next_option for a list command: takes the paging options into pg itself and returns the
 * others (options must include CLI_PAGING_OPTIONS); '?' with *rc the exit code after a usage
 * error. */
int cli_next_list_option(cli_args *a, const cli *c, const struct option *options, cli_paging *pg,
			 int *rc);

/* The pages collected so far by cli_paging_run. */
typedef struct cli_pager cli_pager;
/* Fetches the page at cursor (NULL: the first) with c's handle and actor, arg being the one
 * given to cli_paging_run (the command's filter), and hands it to cli_pager_take. 0, or -1 with
 * the library's error left for cli_fail, or -2 when out of memory. */
typedef int cli_page_fn(cli_pager *pager, cli *c, void *arg, const char *cursor);
/* Takes a page: its rows (as l of cli_paging_run shows them), its total and the cursor of the
 * page after. 0, or -2 when out of memory. The caller still frees the page. */
int cli_pager_take(cli_pager *pager, cli_list_view page);

/* The fetch loop of the list commands: the pages from pg->from (all of them with --all) through
 * fetch, then in JSON mode {"items", "total", "next_cursor"}, else the table and, when there is
 * a page after, how to ask for more `what`. 0 or the exit code. */
int cli_paging_run(cli *c, const cli_paging *pg, const cli_listing *l, cli_page_fn *fetch,
		   void *arg, const char *what);

/* Confirms a verb that returns no object: with --json, prints object (stolen), else the text
 * line. Returns 0 (or the exit code of an out-of-memory error). */
int cli_done(const cli *c, json_t *object, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- commands */

typedef int (*cli_verb_fn)(cli *c, int argc, char **argv);

struct cli_verb {
	const char *name;
	cli_verb_fn run;   /* argv: the arguments after the verb; argv[-1] is the verb itself */
	const char *usage; /* arguments, for the help text */
	const char *help;
};

struct cli_resource {
	const char *name;
	const struct cli_verb *verbs; /* terminated by a {NULL} entry */
};

extern const struct cli_resource cli_schema;
extern const struct cli_resource cli_account;
extern const struct cli_resource cli_quota;
extern const struct cli_resource cli_creator;
extern const struct cli_resource cli_apikey;
extern const struct cli_resource cli_policy;
extern const struct cli_resource cli_setting;
extern const struct cli_resource cli_slaveip, cli_slaveaccount, cli_mxaccount;

/* The account verbs about mails (cmd_account_mail.c). */
int cli_account_mail_change(cli *c, int argc, char **argv);
int cli_account_mail_confirm(cli *c, int argc, char **argv);
int cli_account_reset_mail(cli *c, int argc, char **argv);
int cli_account_reset_password(cli *c, int argc, char **argv);
extern const struct cli_resource cli_domain;
extern const struct cli_resource cli_sub;
extern const struct cli_resource cli_zone;
extern const struct cli_resource cli_domain_type;
extern const struct cli_resource cli_hta;
extern const struct cli_resource cli_wrapper;
extern const struct cli_resource cli_rawstat;
extern const struct cli_resource cli_tld;
extern const struct cli_resource cli_forbidden;
extern const struct cli_resource cli_mail;
extern const struct cli_resource cli_ftp;
extern const struct cli_resource cli_file;
extern const struct cli_resource cli_db;
extern const struct cli_resource cli_dbuser;
extern const struct cli_resource cli_jobs;
extern const struct cli_resource cli_actions;

#endif
