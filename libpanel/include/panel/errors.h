/* The libpanel error model: a short fixed set of codes and a thread-local last error that
 * carries the message and the field at fault. */
#ifndef PANEL_ERRORS_H
#define PANEL_ERRORS_H

#include "common.h"

/* Every libpanel function returns 0 (PANEL_OK) or one of these negative codes. The codes are
 * stable: front ends map them to HTTP statuses and exit codes. */
typedef enum panel_error_code {
	PANEL_OK = 0,
	PANEL_ERROR = -1,	 /* unexpected failure (server error, out of memory, bug) */
	PANEL_EINVALID = -2,	 /* bad input; the field at fault is named */
	PANEL_ENOTFOUND = -3,	 /* no such object (or not visible to the actor) */
	PANEL_EEXISTS = -4,	 /* the object already exists */
	PANEL_EQUOTA = -5,	 /* the member's quota is used up */
	PANEL_EFORBIDDEN = -6,	 /* the actor may not do this */
	PANEL_EAUTH = -7,	 /* wrong credentials, locked account */
	PANEL_EUNAVAILABLE = -8, /* database down or failing over: retry later */
	PANEL_ECONFLICT = -9,	 /* changed concurrently, or a state that forbids the change */
	PANEL_ELIMIT = -10,	 /* too many attempts (failed logins): slow down, retry later */
} panel_error_code;

/* Where an error comes from, set where it is raised. The code says what went wrong; the class
 * says who may read the message: a login refused by the rules and a duplicate key reported by
 * the server are both PANEL_EEXISTS, but only the first message is meant for the caller. */
typedef enum panel_error_class {
	PANEL_CLASS_NONE = 0,  /* no error (PANEL_OK) */
	PANEL_CLASS_INPUT,     /* the caller's input was refused (PANEL_EINVALID) */
	PANEL_CLASS_AUTH,      /* credentials, rights, throttling (EAUTH, EFORBIDDEN, ELIMIT) */
	PANEL_CLASS_NOT_FOUND, /* PANEL_ENOTFOUND */
	PANEL_CLASS_CONFLICT,  /* the objects' state (EEXISTS, ECONFLICT, EQUOTA) */
	PANEL_CLASS_DATABASE,  /* reported by a database server, any code: the message quotes the
				  server (SQL, key and user names) and is for logs, not callers */
	PANEL_CLASS_INTERNAL,  /* PANEL_ERROR: out of memory, a bug */
} panel_error_class;

typedef struct panel_error {
	int code;		       /* one of panel_error_code */
	const char *message;	       /* human readable, never NULL */
	const char *field;	       /* the input at fault, or NULL */
	panel_error_class error_class; /* where it comes from */
} panel_error;

/* The last error raised on this thread. Never NULL: PANEL_OK with an empty message when none. */
PANEL_EXTERN const panel_error *panel_error_last(void);

/* Forgets the last error of this thread. */
PANEL_EXTERN void panel_error_clear(void);

/* The stable snake_case name of a code ("invalid", "not_found", ...), or "unknown". */
PANEL_EXTERN const char *panel_error_name(int code);

/* True when the operation may succeed if retried unchanged (PANEL_EUNAVAILABLE). */
PANEL_EXTERN int panel_error_is_retryable(int code);

#endif
