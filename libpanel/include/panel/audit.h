/* The audit trail: every change made through libpanel, who made it (and as whom), from where,
 * and the values before and after (secrets never included). */
#ifndef PANEL_AUDIT_H
#define PANEL_AUDIT_H

#include "actor.h"
#include "common.h"

typedef struct panel_audit_entry {
	uint64_t id;
	char at[20];	    /* "YYYY-MM-DD HH:MM:SS" */
	char actor_kind[8]; /* "system", "admin", "member" */
	uint32_t actor_uid;
	char actor_login[PANEL_LOGIN_MAX + 1];
	uint32_t as_uid; /* the member an admin acted as, 0 when none */
	char as_login[PANEL_LOGIN_MAX + 1];
	char ip[64];
	char action[64];      /* "account.create", "quota.set", "apikey.revoke"... */
	char object_kind[32]; /* "account", "quota", "apikey"... */
	char object_id[256];  /* the login, "login/name", the key id... */
	char *before;	      /* JSON object or "null" */
	char *after;	      /* JSON object or "null" */
} panel_audit_entry;

/* 2: the cursor is the string next_cursor (version 1 had a numeric before_id). */
#define PANEL_AUDIT_FILTER_VERSION 2

typedef struct panel_audit_filter {
	unsigned version;	 /* PANEL_AUDIT_FILTER_VERSION */
	uint32_t actor_uid;	 /* 0 any */
	const char *object_kind; /* NULL any */
	const char *object_id;	 /* NULL any */
	const char *since;	 /* NULL, or entries at or after this date */
	size_t limit;		 /* 0 means 50; at most 500 */
	const char *cursor;	 /* next_cursor of the previous page; NULL for the newest */
} panel_audit_filter;

#define PANEL_AUDIT_FILTER_INIT                                                                    \
	{                                                                                          \
		PANEL_AUDIT_FILTER_VERSION, 0, NULL, NULL, NULL, 0, NULL                           \
	}

typedef struct panel_audit_list {
	panel_audit_entry *items; /* newest first */
	size_t count;
	uint64_t total;
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* "" on the last page */
} panel_audit_list;

/* The audit trail, newest first (admins; an admin who is not the super admin sees the entries
 * about accounts it created and its own actions); filter NULL: the newest page of all. *out is
 * freed with panel_audit_list_free. */
PANEL_EXTERN int panel_audit_list_get(panel_audit_list **out, panel *p, const panel_actor *who,
				      const panel_audit_filter *filter);

PANEL_EXTERN void panel_audit_list_free(panel_audit_list *list);

#endif
