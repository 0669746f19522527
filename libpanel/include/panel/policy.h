/* Password policies per service (AlternC policy table): mem (panel accounts), pop (mail boxes),
 * ftp, mysql, hta. */
#ifndef PANEL_POLICY_H
#define PANEL_POLICY_H

#include "actor.h"
#include "common.h"

typedef struct panel_policy {
	char name[65];
	unsigned minsize;    /* 0..255 */
	unsigned maxsize;    /* minsize..255, at least 1 (a missing row reads as 64) */
	unsigned classcount; /* 0..4 character classes required among a-z, A-Z, 0-9, punctuation,
			      * other */
	int allowlogin;	     /* 0: the login (or a part of it split at '@') may not appear in it */
} panel_policy;

typedef struct panel_policy_list {
	panel_policy *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_policy_list;

/* The five policies, in the order mem, pop, ftp, mysql, hta (any actor may read them). *out is
 * freed with panel_policy_list_free. */
PANEL_EXTERN int panel_policy_list_get(panel_policy_list **out, panel *p, const panel_actor *who);

/* Changes a policy (admins). PANEL_EINVALID for an unknown name or values out of range. */
PANEL_EXTERN int panel_policy_set(panel *p, const panel_actor *who, const panel_policy *policy);

/* 0 when password satisfies the policy name for login; otherwise PANEL_EINVALID with field
 * "password" and a message saying which rule failed. */
PANEL_EXTERN int panel_policy_check(panel *p, const char *name, const char *login,
				    const char *password);

PANEL_EXTERN void panel_policy_list_free(panel_policy_list *list);

#endif
