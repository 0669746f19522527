/* Global settings (AlternC's variable table): read by admins, changed by the super admin; typed
 * for the names libpanel or AlternC 1.0's panel read, free text for the others. */
#ifndef PANEL_VARIABLE_H
#define PANEL_VARIABLE_H

#include "actor.h"
#include "common.h"

#define PANEL_VARIABLE_NAME_MAX	   48	 /* variable.name is VARCHAR(48) */
#define PANEL_VARIABLE_VALUE_MAX   65536 /* bytes of a value (the column is LONGTEXT) */
#define PANEL_VARIABLE_COMMENT_MAX 4096	 /* bytes of a comment */

/* What a value may hold. The names libpanel knows have a kind other than TEXT (the table of
 * docs/architecture.md, "Global settings", says who reads each and what it does). */
typedef enum panel_variable_kind {
	PANEL_VARIABLE_TEXT = 0, /* a name libpanel does not know: any text without control
				  * characters other than tab and newlines */
	PANEL_VARIABLE_FLAG,	 /* "", "0" or "1" */
	PANEL_VARIABLE_DOMAIN,	 /* "0" (off) or a host name, stored in lower case */
	PANEL_VARIABLE_MAIL,	 /* "0" (nobody) or an e-mail address */
	PANEL_VARIABLE_URL,	 /* "0" (none) or an http:// or https:// URL */
} panel_variable_kind;

typedef struct panel_variable {
	char name[PANEL_VARIABLE_NAME_MAX + 1];
	char *value;   /* never NULL */
	char *comment; /* NULL: none (AlternC's admin page then hides the setting) */
	panel_variable_kind kind;
} panel_variable;

typedef struct panel_variable_list {
	panel_variable *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_variable_list;

/* Every setting stored, ordered by name (the system and admins acting as themselves). *out is
 * freed, items included, with panel_variable_list_free. */
PANEL_EXTERN int panel_variable_list_get(panel_variable_list **out, panel *p,
					 const panel_actor *who);

/* One setting (same callers). PANEL_ENOTFOUND (field "name") when it is not stored, known names
 * included. *out is freed with panel_variable_free. */
PANEL_EXTERN int panel_variable_get(panel_variable **out, panel *p, const panel_actor *who,
				    const char *name);

/* Stores a setting, creating it if needed (the system and the super admin only: every member
 * and admin is affected, subadmin_restriction decides what sub-admins see). A known name's
 * value is checked against its kind (PANEL_EINVALID, field "value"); comment NULL keeps the
 * stored comment (none for a new setting). out (may be NULL) gets the setting as stored, freed
 * with panel_variable_free. */
PANEL_EXTERN int panel_variable_set(panel_variable **out, panel *p, const panel_actor *who,
				    const char *name, const char *value, const char *comment);

/* Deletes a setting (the system and the super admin): a known one then reads as its default.
 * PANEL_ENOTFOUND when it is not stored. */
PANEL_EXTERN int panel_variable_delete(panel *p, const panel_actor *who, const char *name);

/* The kind of a name ("subadmin_restriction": PANEL_VARIABLE_FLAG; unknown: TEXT), and its
 * spelling in the JSON form ("text", "flag", "domain", "mail", "url"). */
PANEL_EXTERN panel_variable_kind panel_variable_kind_of(const char *name);
PANEL_EXTERN const char *panel_variable_kind_name(panel_variable_kind kind);

PANEL_EXTERN void panel_variable_free(panel_variable *variable);
PANEL_EXTERN void panel_variable_list_free(panel_variable_list *list);

#endif
