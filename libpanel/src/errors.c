/* The thread-local last error and the stable names of the error codes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static _Thread_local struct {
	char message[512];
	char field[64];
	panel_error pub;
} last = {.pub = {PANEL_OK, "", NULL}};

int panel__error(int code, const char *field, const char *fmt, ...)
{
	char message[sizeof(last.message)];
	va_list ap;

	/* Formatted aside first: the arguments may point into last.message itself. */
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	memcpy(last.message, message, sizeof(message));
	last.pub.code = code;
	last.pub.message = last.message;
	if (field) {
		snprintf(last.field, sizeof(last.field), "%s", field);
		last.pub.field = last.field;
	} else {
		last.pub.field = NULL;
	}
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
	snprintf(saved->message, sizeof(saved->message), "%s", last.message);
	saved->has_field = last.pub.field != NULL;
	snprintf(saved->field, sizeof(saved->field), "%s", saved->has_field ? last.field : "");
}

int panel__error_restore(const panel__error_saved *saved)
{
	return panel__error(saved->code, saved->has_field ? saved->field : NULL, "%s",
			    saved->message);
}
