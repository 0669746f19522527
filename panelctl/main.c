/* panelctl: the admin command line on libpanel, `panelctl [options] <resource> <verb> ...`.
 * It talks to the database directly, so it works when panel-api is down. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DEFAULT_CONFIG "/etc/panel/panel.conf"

static const struct cli_resource *const resources[] = {
    &cli_account,   &cli_creator, &cli_quota,	  &cli_domain,	&cli_domain_type, &cli_sub,
    &cli_zone,	    &cli_tld,	  &cli_forbidden, &cli_mail,	&cli_wrapper,	  &cli_ftp,
    &cli_file,	    &cli_hta,	  &cli_rawstat,	  &cli_db,	&cli_dbuser,	  &cli_jobs,
    &cli_actions,   &cli_apikey,  &cli_policy,	  &cli_setting, &cli_slaveip,	  &cli_slaveaccount,
    &cli_mxaccount, &cli_schema};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: panelctl [-c FILE] [--json] [--admin LOGIN] [--as LOGIN] <resource> <verb> "
		"[arguments]\n\n"
		"options:\n"
		"  -c, --config FILE  configuration (default $PANEL_CONFIG or " DEFAULT_CONFIG ")\n"
		"      --json         machine-readable output (errors too, on stdout)\n"
		"      --admin LOGIN  act as this administrator (default: the system)\n"
		"      --as LOGIN     act as this member, through --admin or the super admin\n"
		"  -h, --help         this help\n"
		"      --version      libpanel's version\n\n"
		"commands:\n");
	for (size_t r = 0; r < sizeof(resources) / sizeof(resources[0]); r++)
		for (const struct cli_verb *v = resources[r]->verbs; v->name; v++)
			fprintf(out, "  %s %s%s%s\n        %s\n", resources[r]->name, v->name,
				*v->usage ? " " : "", v->usage, v->help);
	fprintf(out, "\nPasswords are never taken from the command line: they are prompted for, "
		     "or read\nfrom the first line of --password-file FILE (- for standard input)."
		     "\n\nexit codes: 0 ok, 1 internal, 2 invalid, 3 not found, 4 exists or "
		     "conflict,\n            5 quota, 6 denied, 7 unavailable (retry later), 8 too "
		     "many attempts\n");
}

/* Parses the global options (before the resource name; verbs parse their own). -1 when the
 * command goes on, else the exit code to end with (0 after --help or --version). */
static int global_options(cli *c, int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"admin", required_argument, NULL, 'A'},
	    {"as", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int opt, index = -1;

	/* '+': options stop at the resource name; verbs parse their own. */
	opterr = 0; /* reported by us, as JSON with --json */
	while ((opt = getopt_long(argc, argv, "+:c:h", options, &index)) != -1) {
		const char *token = NULL;
		if (opt != '?' && opt != ':' && index >= 0)
			token = cli_abbreviated(argv, &options[index], optarg);
		index = -1;
		if (token) {
			int len = (int)strcspn(token, "=");
			return cli_usage_error(c,
					       "unknown option '%.*s' (options cannot be "
					       "abbreviated)",
					       len > 64 ? 64 : len, token);
		}
		switch (opt) {
		case 'c':
			c->config_path = optarg;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'A':
			c->admin = optarg;
			break;
		case 'a':
			c->as = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("panelctl %s\n", panel_version());
			return 0;
		default: {
			/* Named without any "=value": it could be a secret put in the wrong place.
			 */
			const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
			int len = (int)strcspn(arg, "=");
			return cli_usage_error(c, "%s option '%.*s' (see panelctl --help)",
					       opt == ':' ? "missing value for" : "unknown",
					       len > 64 ? 64 : len, arg);
		}
		}
	}
	return -1;
}

/* Runs the verb of the resource with its arguments (argv[-1] is the verb). */
static int run_verb(cli *c, const char *resource, const char *verb, int argc, char **argv)
{
	int rc;

	for (size_t r = 0; r < sizeof(resources) / sizeof(resources[0]); r++) {
		if (strcmp(resources[r]->name, resource) != 0)
			continue;
		for (const struct cli_verb *v = resources[r]->verbs; v->name; v++) {
			if (strcmp(v->name, verb) != 0)
				continue;
			rc = v->run(c, argc, argv);
			panel_close(c->p);
			return rc;
		}
		return cli_usage_error(c, "unknown verb '%s' for %s (see panelctl --help)", verb,
				       resource);
	}
	return cli_usage_error(c, "unknown resource '%s' (see panelctl --help)", resource);
}

int main(int argc, char **argv)
{
	cli c = {.actor = panel_actor_system()};
	int rc;

	c.config_path = getenv("PANEL_CONFIG");
	if (!c.config_path || !*c.config_path)
		c.config_path = DEFAULT_CONFIG;
	if ((rc = global_options(&c, argc, argv)) >= 0)
		return rc;
	if (argc - optind < 2) {
		usage(stderr);
		return EXIT_INVALID;
	}
	return run_verb(&c, argv[optind], argv[optind + 1], argc - optind - 2, argv + optind + 2);
}
