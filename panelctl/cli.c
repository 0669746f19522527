/* Shared pieces of panelctl: opening the handle, error reporting, JSON output. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cli_open(cli *c)
{
	panel_config *cfg;
	int error;

	if (c->p)
		return 0;
	if ((error = panel_config_load(&cfg, c->config_path)) < 0)
		return error;
	error = panel_open(&c->p, cfg);
	panel_config_free(cfg);
	return error;
}

static int exit_code(int code)
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
	default:
		return EXIT_INTERNAL;
	}
}

static void report(const cli *c, const char *code, const char *message, const char *field)
{
	if (c->json) {
		json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
		if (err && field)
			json_object_set_new(err, "field", json_string(field));
		cli_print_json(json_pack("{s:o}", "error", err));
	} else if (field) {
		fprintf(stderr, "panelctl: %s (%s)\n", message, field);
	} else {
		fprintf(stderr, "panelctl: %s\n", message);
	}
}

int cli_fail(const cli *c)
{
	const panel_error *e = panel_error_last();

	report(c, panel_error_name(e->code), e->message, e->field);
	return exit_code(e->code);
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

void cli_print_json(json_t *value)
{
	if (!value) {
		fputs("{\"error\": {\"code\": \"internal\", \"message\": \"out of memory\"}}\n",
		      stdout);
		return;
	}
	json_dumpf(value, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(value);
}
