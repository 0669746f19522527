/* panelctl's shared pieces: the command table, the run context, output in text or JSON, and
 * the mapping of libpanel errors to exit codes that scripts can rely on. */
#ifndef PANELCTL_CLI_H
#define PANELCTL_CLI_H

#include <jansson.h>

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
};

typedef struct cli {
	const char *config_path;
	int json;
	panel *p;	   /* opened on demand by cli_open */
	panel_actor actor; /* the system actor for admin scripts */
} cli;

/* Opens the libpanel handle from the configuration file. */
int cli_open(cli *c);

/* Prints the last libpanel error (stderr, or a JSON error object on stdout with --json) and
 * returns the exit code for it. */
int cli_fail(const cli *c);

/* Reports a usage error and returns EXIT_INVALID. */
int cli_usage_error(const cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a JSON value on stdout (steals the reference). */
void cli_print_json(json_t *value);

typedef int (*cli_verb_fn)(cli *c, int argc, char **argv);

struct cli_verb {
	const char *name;
	cli_verb_fn run;
	const char *usage; /* arguments, for the help text */
	const char *help;
};

struct cli_resource {
	const char *name;
	const struct cli_verb *verbs; /* terminated by a {NULL} entry */
};

extern const struct cli_resource cli_schema;

#endif
