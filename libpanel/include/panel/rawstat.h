/* Raw web statistics (AlternC 1.0's m_sta2): a member asks for the access log of one of its
 * hosts to be copied every day into a folder of its web space, by 1.0's rawstat.daily, which
 * reads the stats2 table. Each set counts against the sta2 quota. */
#ifndef PANEL_RAWSTAT_H
#define PANEL_RAWSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "actor.h"
#include "common.h"

typedef struct panel_rawstat {
	uint64_t id;
	uint32_t uid; /* owner */
	char login[PANEL_LOGIN_MAX + 1];
	char hostname[256]; /* a host the owner publishes (a domain or one of its entries) */
	char folder[256];   /* absolute, inside the owner's web space */
} panel_rawstat;

typedef struct panel_rawstat_list {
	panel_rawstat *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_rawstat_list;

/* The sets of login (NULL: the actor's subject), ordered by host name. */
PANEL_EXTERN int panel_rawstat_list_get(panel_rawstat_list **out, panel *p, const panel_actor *who,
					const char *login);
PANEL_EXTERN void panel_rawstat_list_free(panel_rawstat_list *list);

/* A new set for login (NULL: the actor's subject): hostname must be a host the account
 * publishes (a hosted domain, or the name of one of its entries), dir a folder of its web
 * space (see panel_database_backup_set). The sta2 quota applies (PANEL_EQUOTA). */
PANEL_EXTERN int panel_rawstat_create(panel_rawstat **out, panel *p, const panel_actor *who,
				      const char *login, const char *hostname, const char *dir);
PANEL_EXTERN int panel_rawstat_get(panel_rawstat **out, panel *p, const panel_actor *who,
				   uint64_t id);
/* Moves a set to another folder (1.0's put_stats_details_raw). */
PANEL_EXTERN int panel_rawstat_update(panel_rawstat **out, panel *p, const panel_actor *who,
				      uint64_t id, const char *dir);
/* Deletes a set; the log files already copied stay. */
PANEL_EXTERN int panel_rawstat_delete(panel *p, const panel_actor *who, uint64_t id);
PANEL_EXTERN void panel_rawstat_free(panel_rawstat *set);

#endif
