/* Shared pieces of panelctl: opening the handle and resolving the actor, error reporting and
 * exit codes, JSON output, and the parsing of a verb's options and numbers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The super admin of AlternC, through which --as acts when no --admin is given. */
#define SUPER_ADMIN_UID 2000

static int own_error(cli *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int own_error(cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error_message, sizeof(c->error_message), fmt, ap);
	va_end(ap);
	c->error_code = code;
	return code;
}

/* --admin LOGIN: that account, looked up by the system, must be an enabled admin. */
static int resolve_admin(cli *c)
{
	panel_actor system = panel_actor_system();
	panel_account *a = NULL;
	int error;

	if ((error = panel_account_get(&a, c->p, &system, c->admin)) < 0) {
		const panel_error *e = panel_error_last();
		return own_error(c, error, "--admin %s: %s", c->admin, e->message);
	}
	if (!a->admin)
		error =
		    own_error(c, PANEL_EFORBIDDEN, "--admin %s: not an administrator", c->admin);
	else if (!a->enabled)
		error = own_error(c, PANEL_EFORBIDDEN, "--admin %s: account locked", c->admin);
	else
		c->actor = panel_actor_admin(a->uid);
	panel_account_free(a);
	return error;
}

/* --as LOGIN: the admin (--admin, else the super admin) acting as that member; libpanel checks
 * that the admin may manage it. */
static int resolve_as(cli *c)
{
	panel_actor system = panel_actor_system(), admin, as;
	panel_account *member = NULL;
	int error;

	if (c->admin) {
		admin = c->actor;
	} else {
		/* Without --admin the system would act as the member, which libpanel does not
		 * define: go through the super admin, the one account that may manage every
		 * member, as long as it exists and is an enabled admin. */
		if ((error = panel_account_get(&member, c->p, &system, c->as)) < 0) {
			const panel_error *e = panel_error_last();
			return own_error(c, error, "--as %s: %s", c->as, e->message);
		}
		panel_account_free(member);
		admin = panel_actor_admin(SUPER_ADMIN_UID);
	}
	if ((error = panel_account_act_as(&as, c->p, &admin, c->as)) < 0) {
		const panel_error *e = panel_error_last();
		if (!c->admin && (error == PANEL_EFORBIDDEN || error == PANEL_EAUTH))
			return own_error(
			    c, PANEL_EINVALID,
			    "--as %s: without --admin, panelctl acts through the super "
			    "admin (uid %d), which is missing or not an enabled "
			    "administrator (%s); give --admin LOGIN",
			    c->as, SUPER_ADMIN_UID, e->message);
		return own_error(c, error, "--as %s: %s", c->as, e->message);
	}
	c->actor = as;
	return 0;
}

int cli_open(cli *c)
{
	panel_config *cfg;
	int error;

	if (!c->p) {
		if ((error = panel_config_load(&cfg, c->config_path)) < 0)
			return error;
		error = panel_open(&c->p, cfg);
		panel_config_free(cfg);
		if (error < 0)
			return error;
	}
	if (c->actor_resolved)
		return 0;
	if (c->admin && (error = resolve_admin(c)) < 0)
		return error;
	if (c->as && (error = resolve_as(c)) < 0)
		return error;
	c->actor_resolved = 1;
	return 0;
}

int cli_exit_code(int code)
{
	switch (code) {
	case PANEL_OK:
		return EXIT_OK_;
	case PANEL_EINVALID:
		return EXIT_INVALID;
	case PANEL_ENOTFOUND:
		return EXIT_NOTFOUND;
	case PANEL_EEXISTS:
	case PANEL_ECONFLICT:
		return EXIT_CONFLICT;
	case PANEL_EQUOTA:
		return EXIT_QUOTA;
	case PANEL_EFORBIDDEN:
	case PANEL_EAUTH:
		return EXIT_DENIED;
	case PANEL_EUNAVAILABLE:
		return EXIT_UNAVAILABLE;
	case PANEL_ELIMIT:
		return EXIT_LIMIT;
	default:
		return EXIT_INTERNAL;
	}
}

static json_t *error_object(const char *code, const char *message, const char *field)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);

	if (err && field)
		json_object_set_new(err, "field", json_string(field));
	return err;
}

json_t *cli_error_json(const panel_error *e)
{
	return error_object(panel_error_name(e->code), e->message, e->field);
}

static void report(const cli *c, const char *code, const char *message, const char *field)
{
	if (c->json) {
		json_t *err = error_object(code, message, field);
		cli_print_json(err ? json_pack("{s:o}", "error", err) : NULL);
	} else if (field) {
		fprintf(stderr, "panelctl: %s (%s)\n", message, field);
	} else {
		fprintf(stderr, "panelctl: %s\n", message);
	}
}

int cli_fail(const cli *c)
{
	const panel_error *e = panel_error_last();

	if (c->error_code) {
		report(c, panel_error_name(c->error_code), c->error_message, NULL);
		return cli_exit_code(c->error_code);
	}
	report(c, panel_error_name(e->code), e->message, e->field);
	return cli_exit_code(e->code);
}

int cli_error(const cli *c, int panel_code, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report(c, panel_error_name(panel_code), message, NULL);
	return cli_exit_code(panel_code);
}

int cli_usage_error(const cli *c, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report(c, "invalid", message, NULL);
	return EXIT_INVALID;
}

/* The code point of a C1 control (U+0080..U+009F) or a bidirectional control (U+061C,
 * U+200E/F, U+202A..U+202E, U+2066..U+2069) that the UTF-8 at s starts with, and its length in
 * *len; 0 for anything else. */
static unsigned terminal_control(const unsigned char *s, size_t *len)
{
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return *len = 2, s[1];
	if (s[0] == 0xd8 && s[1] == 0x9c)
		return *len = 2, 0x61c;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae)))
		return *len = 3, 0x2000u + (s[2] & 0x3fu);
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return *len = 3, 0x2040u + (s[2] & 0x3fu);
	return 0;
}

/* JSON as Jansson writes it (valid UTF-8; C0 controls escaped), with C1 and bidirectional
 * controls written as \uXXXX too: a member's name holding U+009B (CSI) or U+009D (OSC: the
 * clipboard, to xterm) must not reach an admin's terminal. They can only be inside strings,
 * where the escape means the same character. */
void cli_print_json(json_t *value)
{
	char *text = value ? json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;

	json_decref(value);
	if (!text) {
		fputs("{\"error\": {\"code\": \"internal\", \"message\": \"out of memory\"}}\n",
		      stdout);
		return;
	}
	for (const unsigned char *s = (const unsigned char *)text; *s;) {
		size_t len = 0;
		unsigned cp = terminal_control(s, &len);
		if (cp) {
			printf("\\u%04x", cp);
			s += len;
		} else {
			fputc(*s++, stdout);
		}
	}
	fputc('\n', stdout);
	free(text);
}

void cli_args_init(cli_args *a, int argc, char **argv)
{
	/* getopt wants the program's name in argv[0]: the verb's name is there. */
	a->argc = argc + 1;
	a->argv = argv - 1;
	a->next = 1;
	optind = 0; /* glibc: start over (main's options were parsed with the same state) */
	opterr = 0; /* we report, so that --json gets a JSON error */
}

/* getopt_long takes unambiguous prefixes (--pass for --password-file). We want options spelled
 * out: a later option can then never change what a script's abbreviation means, and a value
 * meant for a mistyped option is never taken as, say, a file name. The token getopt consumed
 * for option o is the last element before optind, or the one before when its value followed
 * separately. */
const char *cli_abbreviated(char **argv, const struct option *o, const char *value)
{
	const char *token = argv[optind - 1];
	size_t n;

	if (o->has_arg != no_argument && value == argv[optind - 1] && optind >= 2)
		token = argv[optind - 2];
	if (strncmp(token, "--", 2) != 0)
		return NULL; /* a short option */
	n = strcspn(token + 2, "=");
	return n == strlen(o->name) && !strncmp(token + 2, o->name, n) ? NULL : token;
}

int cli_next_option(cli_args *a, const cli *c, const struct option *options, int *rc)
{
	int index = -1;
	int opt = getopt_long(a->argc, a->argv, ":", options, &index);
	const char *token;

	if (opt == -1) {
		a->next = optind;
		return -1;
	}
	if (opt == '?' || opt == ':') {
		/* Name the option without any "=value" part: it could be a secret typed in the
		 * wrong place. */
		const char *arg = optind > 0 && optind <= a->argc ? a->argv[optind - 1] : "?";
		int len = (int)strcspn(arg, "=");
		if (len > 64)
			len = 64;
		if (opt == ':')
			*rc = cli_usage_error(c, "option '%.*s' needs a value", len, arg);
		else
			*rc = cli_usage_error(c, "unknown option '%.*s' for %s", len, arg,
					      a->argv[0]);
		return '?';
	}
	if (index >= 0 && (token = cli_abbreviated(a->argv, &options[index], optarg))) {
		int len = (int)strcspn(token, "=");
		*rc = cli_usage_error(c, "unknown option '%.*s' (options cannot be abbreviated)",
				      len > 64 ? 64 : len, token);
		return '?';
	}
	return opt;
}

int cli_positional_count(const cli_args *a)
{
	return a->argc - a->next;
}

const char *cli_positional(const cli_args *a, int i)
{
	return i < cli_positional_count(a) ? a->argv[a->next + i] : NULL;
}

int cli_parse_u64(uint64_t *out, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_bool(const char *s)
{
	if (!strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true"))
		return 1;
	if (!strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false"))
		return 0;
	return -1;
}

int cli_login_args(const char **login, const char **password_file, cli_args *a, const cli *c,
		   int argc, char **argv, int want, const char *usage)
{
	enum { OPT_LOGIN = 256, OPT_PASSWORD_FILE };
	static const struct option login_only[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {NULL, 0, NULL, 0},
	};
	static const struct option with_password[] = {
	    {"login", required_argument, NULL, OPT_LOGIN},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	cli_args_init(a, argc, argv);
	while ((opt = cli_next_option(a, c, password_file ? with_password : login_only, &rc)) !=
	       -1) {
		if (opt == OPT_LOGIN)
			*login = optarg;
		else if (opt == OPT_PASSWORD_FILE)
			*password_file = optarg;
		else
			return rc;
	}
	if (cli_positional_count(a) != want)
		return cli_usage_error(c, "usage: panelctl %s", usage);
	return 0;
}
