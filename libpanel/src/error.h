/* Internal side of the error model: raising errors with a message and the field at fault. */
#ifndef PANEL_SRC_ERROR_H
#define PANEL_SRC_ERROR_H

#include "panel/errors.h"

/* Records code, field (may be NULL) and a printf-style message as this thread's last error and
 * returns code, so that `return panel__error(PANEL_EINVALID, "login", "...")` reads naturally. */
int panel__error(int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same for an error the database server reported (class PANEL_CLASS_DATABASE, no field):
 * front ends log its message and show a generic one. */
int panel__error_db(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Out of memory: records it and returns PANEL_ERROR. */
int panel__error_oom(void);

/* A copy of the last error, to keep it across cleanup calls that may raise their own. */
typedef struct panel__error_saved {
	int code;
	panel_error_class error_class;
	int has_field;
	char message[512];
	char field[64];
} panel__error_saved;

void panel__error_save(panel__error_saved *saved);
/* Makes saved the last error again and returns its code. */
int panel__error_restore(const panel__error_saved *saved);

#endif
