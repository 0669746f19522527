/* Quotas (AlternC m_quota): limits per member and name, defaults per account type, usage
 * counted from the real rows. */
#ifndef PANEL_QUOTA_H
#define PANEL_QUOTA_H

#include "actor.h"
#include "common.h"

/* The quota names libpanel knows: dom, mail, ftp, mysql, mysql_users, sta2 (objects counted from
 * their tables) and web (disk, in KB, used = size_web, measured by the actions runner every
 * [runner] usage_refresh seconds: reading another group's disk quota needs privileges that the
 * front ends do not have). */
#define PANEL_QUOTA_NAME_MAX 64

typedef struct panel_quota {
	char name[PANEL_QUOTA_NAME_MAX + 1];
	uint64_t total; /* the limit */
	uint64_t used;	/* counted now; web: when measured_at says */
	/* web: when used was measured, "YYYY-MM-DD HH:MM:SS" (server time), "" when never; the
	 * other quotas: "" (counted at the time of asking) */
	char measured_at[20];
} panel_quota;

typedef struct panel_quota_list {
	panel_quota *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_quota_list;

/* Every quota of an account (the member itself, or an admin who may see it), one entry per
 * known name, total 0 where the account has no row. *out is freed with panel_quota_list_free. */
PANEL_EXTERN int panel_quota_list_get(panel_quota_list **out, panel *p, const panel_actor *who,
				      const char *login);

/* One quota of an account. PANEL_EINVALID (field "name") for an unknown name. */
PANEL_EXTERN int panel_quota_get(panel_quota *out, panel *p, const panel_actor *who,
				 const char *login, const char *name);

/* Sets a limit (admins). A limit below the current usage is allowed: nothing is removed, new
 * objects are refused. */
PANEL_EXTERN int panel_quota_set(panel_quota *out, panel *p, const panel_actor *who,
				 const char *login, const char *name, uint64_t total);

typedef struct panel_quota_default {
	char type[129]; /* account type */
	char name[PANEL_QUOTA_NAME_MAX + 1];
	uint64_t value;
} panel_quota_default;

typedef struct panel_quota_default_list {
	panel_quota_default *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_quota_default_list;

/* The default quotas (defquotas) of one account type, or of all types when type is NULL
 * (admins). Ordered by type, then name. *out is freed with panel_quota_default_list_free. */
PANEL_EXTERN int panel_quota_defaults_get(panel_quota_default_list **out, panel *p,
					  const panel_actor *who, const char *type);

/* Sets the default of name for an account type (admins); creates the type if needed. */
PANEL_EXTERN int panel_quota_default_set(panel *p, const panel_actor *who, const char *type,
					 const char *name, uint64_t value);

/* Deletes an account type, that is its default quotas (AlternC m_quota::deltype), for the
 * admins who change global settings (panel__authz_global). PANEL_ECONFLICT while accounts have
 * this type (AlternC moved them to "default" silently: here the admin moves them first),
 * PANEL_EINVALID for "default", PANEL_ENOTFOUND when the type has no default quotas. */
PANEL_EXTERN int panel_quota_type_delete(panel *p, const panel_actor *who, const char *type);

/* Sets every quota of the account login to the default of its account type, 0 where the type
 * has none (AlternC m_quota::addquotas), for the admins who manage the account; queues the disk
 * quota when the web quota changes. out (may be NULL) gets the quotas after, freed with
 * panel_quota_list_free. */
PANEL_EXTERN int panel_quota_reset(panel_quota_list **out, panel *p, const panel_actor *who,
				   const char *login);

PANEL_EXTERN void panel_quota_list_free(panel_quota_list *list);
PANEL_EXTERN void panel_quota_default_list_free(panel_quota_default_list *list);

#endif
