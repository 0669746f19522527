/* The thread-local last error and the stable names of the error codes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static _Thread_local struct {
	char message[512];
	char field[64];
	panel_error pub;
} last = {.pub = {PANEL_OK, "", NULL, PANEL_CLASS_NONE}};

/* The class of an error raised by libpanel's own rules. */
static panel_error_class class_of(int code)
{
	switch (code) {
	case PANEL_OK:
		return PANEL_CLASS_NONE;
	case PANEL_EINVALID:
		return PANEL_CLASS_INPUT;
	case PANEL_EAUTH:
	case PANEL_EFORBIDDEN:
	case PANEL_ELIMIT:
		return PANEL_CLASS_AUTH;
	case PANEL_ENOTFOUND:
		return PANEL_CLASS_NOT_FOUND;
	case PANEL_EEXISTS:
	case PANEL_ECONFLICT:
	case PANEL_EQUOTA:
		return PANEL_CLASS_CONFLICT;
	case PANEL_EUNAVAILABLE:
		return PANEL_CLASS_DATABASE;
	default:
		return PANEL_CLASS_INTERNAL;
	}
}

__attribute__((format(printf, 4, 0))) static int
set_last(int code, panel_error_class cls, const char *field, const char *fmt, va_list ap)
{
	char message[sizeof(last.message)];

	/* Formatted aside first: the arguments may point into last.message itself. */
	vsnprintf(message, sizeof(message), fmt, ap);
	memcpy(last.message, message, sizeof(message));
	last.pub.code = code;
	last.pub.message = last.message;
	last.pub.error_class = cls;
	if (field) {
		snprintf(last.field, sizeof(last.field), "%s", field);
		last.pub.field = last.field;
	} else {
		last.pub.field = NULL;
	}
	return code;
}

int panel__error(int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = set_last(code, class_of(code), field, fmt, ap);
	va_end(ap);
	return code;
}

int panel__error_db(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = set_last(code, PANEL_CLASS_DATABASE, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int panel__error_oom(void)
{
	return panel__error(PANEL_ERROR, NULL, "out of memory");
}

const panel_error *panel_error_last(void)
{
	return &last.pub;
}

void panel_error_clear(void)
{
	last.message[0] = '\0';
	last.pub.code = PANEL_OK;
	last.pub.message = last.message;
	last.pub.field = NULL;
	last.pub.error_class = PANEL_CLASS_NONE;
}

const char *panel_error_name(int code)
{
	switch (code) {
	case PANEL_OK:
		return "ok";
	case PANEL_ERROR:
		return "internal";
	case PANEL_EINVALID:
		return "invalid";
	case PANEL_ENOTFOUND:
		return "not_found";
	case PANEL_EEXISTS:
		return "exists";
	case PANEL_EQUOTA:
		return "quota";
	case PANEL_EFORBIDDEN:
		return "forbidden";
	case PANEL_EAUTH:
		return "auth";
	case PANEL_EUNAVAILABLE:
		return "unavailable";
	case PANEL_ECONFLICT:
		return "conflict";
	case PANEL_ELIMIT:
		return "too_many_attempts";
	default:
		return "unknown";
	}
}

int panel_error_is_retryable(int code)
{
	return code == PANEL_EUNAVAILABLE || code == PANEL_ELIMIT;
}

void panel__error_save(panel__error_saved *saved)
{
	saved->code = last.pub.code;
	saved->error_class = last.pub.error_class;
	snprintf(saved->message, sizeof(saved->message), "%s", last.message);
	saved->has_field = last.pub.field != NULL;
	snprintf(saved->field, sizeof(saved->field), "%s", saved->has_field ? last.field : "");
}

__attribute__((format(printf, 2, 3))) static int raise_saved(const panel__error_saved *saved,
							     const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = set_last(saved->code, saved->error_class, saved->has_field ? saved->field : NULL,
			fmt, ap);
	va_end(ap);
	return code;
}

int panel__error_restore(const panel__error_saved *saved)
{
	return raise_saved(saved, "%s", saved->message);
}
