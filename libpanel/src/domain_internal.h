/* Domains inside a transaction: loading, ownership, marking a zone changed, inserting entries,
 * and the mail purge a domain's deletion (or the end of its mail hosting) triggers. */
#ifndef PANEL_SRC_DOMAIN_INTERNAL_H
#define PANEL_SRC_DOMAIN_INTERNAL_H

#include "db/db.h"
#include "panel/domain.h"

int panel__domain_load(panel_domain **out, panel_db *db, const char *domain);

/* Normalizes domain into name, finds its owner (*uid) and checks that who may see it
 * (PANEL_ENOTFOUND otherwise). lock: SELECT ... FOR UPDATE the domain row. */
int panel__domain_owned(uint32_t *uid, char name[PANEL_DOMAIN_MAX + 1], panel_db *db,
			const panel_actor *who, const char *domain, int lock);

/* panel_domain_add's checks and rows inside the caller's transaction (a domain write: the
 * caller runs it through panel__domain_write). granted_parent (may be NULL): a domain of
 * another account the caller checked the new domain may sit under. */
int panel__domain_add_in(panel_db *db, panel *p, const panel_actor *who, const char *login,
			 const panel_domain_spec *spec, const char *granted_parent);

/* The zone of domain changed: bumps its serial and sets dns_action = 'UPDATE' for the cron. */
int panel__domain_changed(panel_db *db, const char *domain);

/* *taken > 0 when the entry sub (a wildcard too) of domain name, set by account uid, would
 * publish a name that another account hosts; fqdn gets the entry's name (its base for a
 * wildcard). */
int panel__subdomain_foreign(char *fqdn, size_t size, uint64_t *taken, panel_db *db, uint32_t uid,
			     const char *name, const char *sub);

/* Inserts an entry for the cron side (web_action 'UPDATE'), or revives the same entry pending
 * deletion. No check: callers have done them. */
/* Live entries of one domain at most (1.0 had no limit: each is a line of the zone, and a vhost
 * one of the web server's configuration, rewritten by its cron for every change). */
#define PANEL__ENTRIES_PER_DOMAIN 1000

int panel__subdomain_insert(panel_db *db, uint32_t uid, const char *domain, const char *sub,
			    const char *type, const char *target);

/* Removes the mail addresses, boxes and aliases of domain owned by uid; queues the maildirs'
 * removal for the cron side. */
int panel__mail_domain_purge(panel_db *db, uint32_t uid, const char *domain);

/* The settings a zone's entry templates may name (hosting.public_ip...); NULL or "" = unset. */
typedef struct panel__zone_settings {
	const char *public_ip, *public_ipv6, *mx, *mx2;
} panel__zone_settings;

/* One row of sub_domaines joined with its domaines_type, as the zone renderer reads it; any
 * field may be NULL (SQL NULL). */
typedef struct panel__zone_entry {
	const char *sub, *value, *entry, *target;
} panel__zone_entry;

/* The entry lines of a zone (zone.c): each row checked again (rows may come from elsewhere) and
 * expanded; "; an invalid entry was left out" for each bad row, then the lines sorted and without
 * duplicates. *out (free() it) is NULL when there is nothing. PANEL_EINVALID names a setting a
 * template needs and that is not configured. Database-free: the fuzz target calls it. */
int panel__zone_entries(char **out, const panel__zone_entry *entries, size_t n,
			const panel__zone_settings *set);

#endif
