/* The account creators (AlternC m_admin::get_creator_list): every admin, and every account that
 * created others, with the number of accounts each created. */
#ifndef PANEL_CREATOR_H
#define PANEL_CREATOR_H

#include "actor.h"
#include "common.h"

typedef struct panel_creator {
	uint32_t uid;
	char login[PANEL_LOGIN_MAX + 1];
	int admin;	  /* membres.su: 0 for a former admin whose accounts remain */
	int enabled;	  /* 0: locked */
	uint64_t members; /* accounts whose creator it is */
} panel_creator;

typedef struct panel_creator_list {
	panel_creator *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_creator_list;

/* Every admin and every account that created others, ordered by login, with how many accounts
 * each created: for the system and the super admin (as in AlternC, where only uid 2000 may
 * list them: the list names the other admins and their customer counts). *out is freed with
 * panel_creator_list_free. */
PANEL_EXTERN int panel_creator_list_get(panel_creator_list **out, panel *p, const panel_actor *who);

PANEL_EXTERN void panel_creator_list_free(panel_creator_list *list);

#endif
