/* Domains and sub-domains (AlternC m_dom): hosting a domain for a member, its DNS entries of
 * every domaines_type, the zone rendered from them, and the admin tables (domain types, TLDs,
 * forbidden domains). */
#ifndef PANEL_DOMAIN_H
#define PANEL_DOMAIN_H

#include "actor.h"
#include "common.h"

#define PANEL_DOMAIN_MAX 64 /* domaines.domaine is VARCHAR(64) */

typedef struct panel_domain {
	char domain[PANEL_DOMAIN_MAX + 1]; /* ASCII (punycode), lower case, no trailing dot */
	uint32_t uid;			   /* owner */
	char login[PANEL_LOGIN_MAX + 1];
	int dns;	    /* gesdns: the host is authoritative (zone generated) */
	int mx;		    /* gesmx: the host receives the domain's mail */
	int noerase;	    /* admin lock: the member may not delete it or change its DNS */
	char dns_action[8]; /* OK, UPDATE or DELETE (the cron side's work order) */
	char dns_result[256];
	unsigned subdomains; /* entries not pending deletion */
	char etag[33];
} panel_domain;

typedef struct panel_domain_list {
	panel_domain *items;
	size_t count;
	uint64_t total;
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* "" on the last page */
} panel_domain_list;

#define PANEL_DOMAIN_FILTER_VERSION 1

/* Filters of panel_domain_list_get; zero/NULL fields do not filter. */
typedef struct panel_domain_filter {
	unsigned version;   /* PANEL_DOMAIN_FILTER_VERSION */
	const char *login;  /* the domains of this account; NULL: every domain the actor may see */
	size_t limit;	    /* page size: 0 means 50; at most 500 */
	const char *cursor; /* next_cursor of the previous page; NULL for the first */
	size_t offset;	    /* alternative to cursor: skip this many (ignored with a cursor) */
} panel_domain_filter;

#define PANEL_DOMAIN_FILTER_INIT                                                                   \
	{                                                                                          \
		PANEL_DOMAIN_FILTER_VERSION, NULL, 0, NULL, 0                                      \
	}

#define PANEL_DOMAIN_SPEC_VERSION 1

typedef struct panel_domain_spec {
	unsigned version;   /* PANEL_DOMAIN_SPEC_VERSION */
	const char *domain; /* UTF-8 (internationalized names are converted) or ASCII */
	int dns;	    /* -1 = default (1) */
	int mx;		    /* -1 = default (1) */
	int noerase;	    /* -1 = default (0); admins only */
	int force;	    /* 0 or 1; admins only: skip the TLD and forbidden-domain checks */
} panel_domain_spec;

#define PANEL_DOMAIN_SPEC_INIT                                                                     \
	{                                                                                          \
		PANEL_DOMAIN_SPEC_VERSION, NULL, -1, -1, -1, 0                                     \
	}

/* Hosts a domain for the member login (NULL: the actor's own account, or the member an admin
 * acts as). Checks: syntax (converted to punycode), not the panel's own name, TLD allowed by the
 * tld table, not forbidden, not hosted by anyone nor under a domain hosted by another account,
 * the dom quota. Creates AlternC's default entries ('' url http://www.<domain>, www vhost,
 * mail webmail, and the default MX when mx = 1) and sets the cron side's flags. PANEL_EEXISTS
 * when the domain is taken. */
PANEL_EXTERN int panel_domain_add(panel_domain **out, panel *p, const panel_actor *who,
				  const char *login, const panel_domain_spec *spec);

PANEL_EXTERN int panel_domain_get(panel_domain **out, panel *p, const panel_actor *who,
				  const char *domain);

/* The domains the actor may see, ordered by name, one page (filter NULL: the first page of
 * all). *out is freed with panel_domain_list_free. */
PANEL_EXTERN int panel_domain_list_get(panel_domain_list **out, panel *p, const panel_actor *who,
				       const panel_domain_filter *filter);

/* Turns DNS and mail hosting on or off (-1 = unchanged). A member cannot change a domain an
 * admin locked (noerase); noerase (-1 = unchanged) is for admins. PANEL_ECONFLICT with field
 * "if_match" when if_match is stale. */
PANEL_EXTERN int panel_domain_edit(panel_domain **out, panel *p, const panel_actor *who,
				   const char *domain, int dns, int mx, int noerase,
				   const char *if_match);

/* Marks a domain and its entries for deletion by the cron side, and removes the mail addresses
 * and FTP accounts of that domain now. */
PANEL_EXTERN int panel_domain_delete(panel *p, const panel_actor *who, const char *domain);

/* The same when the domain's etag is still if_match (NULL: always), compared under the domain
 * row's lock: PANEL_ECONFLICT, field if_match, when it changed since it was read. */
PANEL_EXTERN int panel_domain_delete_if_match(panel *p, const panel_actor *who, const char *domain,
					      const char *if_match);

/* Cancels a pending deletion (AlternC's del_domain_cancel), for whoever may delete the domain:
 * while AlternC's cron has not removed it, the domain and the entries it has not removed yet go
 * back to dns_action / web_action 'UPDATE', and a mail domain gets its marker row and postmaster
 * again (the addresses and FTP accounts removed with the deletion are not restored). Entries
 * deleted one by one before the domain, and still pending, come back too. PANEL_ECONFLICT when
 * no deletion is pending, when the owner's account was deleted, or when the cron removed the
 * domain during the call; PANEL_ENOTFOUND once the cron removed it. *out gets the domain. */
PANEL_EXTERN int panel_domain_undelete(panel_domain **out, panel *p, const panel_actor *who,
				       const char *domain);

/* The BIND zone of a domain, rendered from its enabled entries and the types' templates with
 * the configured public IP, name servers and default MX; *out is allocated (free()). */
PANEL_EXTERN int panel_domain_zone(char **out, panel *p, const panel_actor *who,
				   const char *domain);

/* ---------------------------------------------------------------- sub-domains */

typedef struct panel_subdomain {
	char domain[PANEL_DOMAIN_MAX + 1];
	char sub[101];	    /* "" = the domain itself, "*" = wildcard */
	char type[31];	    /* a domaines_type name, lower case */
	char target[256];   /* directory, URL, IP, host name, text... ("" for NONE types) */
	char enable[9];	    /* ENABLED, DISABLED, or ENABLE / DISABLE while the cron applies it */
	char web_action[7]; /* OK, UPDATE or DELETE */
	char web_result[256];
} panel_subdomain;

typedef struct panel_subdomain_list {
	panel_subdomain *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_subdomain_list;

/* The entries of a domain (those pending deletion excluded), ordered by sub, type, target.
 * *out is freed with panel_subdomain_list_free. */
PANEL_EXTERN int panel_subdomain_list_get(panel_subdomain_list **out, panel *p,
					  const panel_actor *who, const char *domain);

/* Sets one entry: sub ("" or "@" for the domain itself, "*" for the wildcard), a type of
 * domaines_type, and a target checked against the type's kind. A type that may appear several
 * times on a name (its compatibility lists itself: ip, txt, mx...) is added beside the others;
 * any other type replaces the entry of that type. Types that cannot share the name with the
 * existing ones give PANEL_ECONFLICT; admin-only types are refused to members. */
PANEL_EXTERN int panel_subdomain_set(panel_subdomain *out, panel *p, const panel_actor *who,
				     const char *domain, const char *sub, const char *type,
				     const char *target);

/* Marks the entries (sub, type) for deletion: every value, or only value (one TXT, one IP, one
 * MX among several, as AlternC 1.0 deletes them; given as panel_subdomain_set takes it).
 * PANEL_ENOTFOUND (field "sub", or "value" when a value was given) when nothing matches. */
PANEL_EXTERN int panel_subdomain_delete(panel *p, const panel_actor *who, const char *domain,
					const char *sub, const char *type, const char *value);

/* Asks the cron side to enable (1) or disable (0) the entries (sub, type): every value, or only
 * value (NULL: all). */
PANEL_EXTERN int panel_subdomain_set_enabled(panel *p, const panel_actor *who, const char *domain,
					     const char *sub, const char *type, const char *value,
					     int enabled);

/* ---------------------------------------------------------------- domain types (admins) */

typedef struct panel_domain_type {
	char name[31];
	char description[256];
	char target[10];	 /* NONE, URL, DIRECTORY, IP, IPV6, DOMAIN, TXT */
	char entry[256];	 /* BIND line template: %SUB%, %TARGET%, @@PUBLIC_IP@@... */
	char compatibility[256]; /* types allowed on the same name */
	char enable[6];		 /* ALL, ADMIN or NONE */
	int only_dns, need_dns, advanced;
} panel_domain_type;

typedef struct panel_domain_type_list {
	panel_domain_type *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_domain_type_list;

/* Every type (any actor: members choose among them). *out is freed with
 * panel_domain_type_list_free. */
PANEL_EXTERN int panel_domain_type_list_get(panel_domain_type_list **out, panel *p,
					    const panel_actor *who);

/* Changes a type (admins): the non-NULL strings and the flags that are not -1. The entry must
 * be one BIND record line; compatibility lists known types. */
PANEL_EXTERN int panel_domain_type_update(panel_domain_type *out, panel *p, const panel_actor *who,
					  const char *name, const char *description,
					  const char *entry, const char *compatibility,
					  const char *enable, int only_dns, int need_dns,
					  int advanced);

/* Regenerates every entry of a type (admins; AlternC's domains_type_regenerate): its live
 * entries are marked for the web cron and the zones of their domains for the DNS cron (serials
 * bumped). *domains and *entries (may be NULL) get how many were marked. */
PANEL_EXTERN int panel_domain_type_regenerate(unsigned *domains, unsigned *entries, panel *p,
					      const panel_actor *who, const char *name);

/* ---------------------------------------------------------------- MX check */

/* AlternC's checkmx codes. */
enum {
	PANEL_MX_OURS =
	    0, /* one of the domain's MX is the host's (default_mx, default_secondary_mx) */
	PANEL_MX_NONE = 1,    /* the domain has no MX record (or does not exist in the DNS) */
	PANEL_MX_FOREIGN = 2, /* it has MX records, none of them the host's */
};

#define PANEL_MX_CHECK_MAX 16

typedef struct panel_mx_check {
	int result;   /* PANEL_MX_* */
	size_t count; /* MX names the DNS gave (at most PANEL_MX_CHECK_MAX kept) */
	char hosts[PANEL_MX_CHECK_MAX][256]; /* lower case, no trailing dot */
} panel_mx_check;

/* Looks up the MX records of a domain the actor may see (AlternC's checkmx) through the
 * resolver ([dns] resolver, else /etc/resolv.conf) and compares them with the host's MX names.
 * PANEL_EUNAVAILABLE when the DNS does not answer (timeout, SERVFAIL). */
PANEL_EXTERN int panel_domain_checkmx(panel_mx_check *out, panel *p, const panel_actor *who,
				      const char *domain);

/* ---------------------------------------------------------------- TLDs and forbidden names */

typedef struct panel_tld {
	char tld[129]; /* without the leading dot; may have several labels ("asso.fr") */
	int mode;      /* 0 forbidden; 1-3 allowed (AlternC's WHOIS checks are not run); 4
			* allowed; 5 allowed without DNS hosting */
} panel_tld;

typedef struct panel_tld_list {
	panel_tld *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_tld_list;

/* Every TLD, ordered by name. *out is freed with panel_tld_list_free. */
PANEL_EXTERN int panel_tld_list_get(panel_tld_list **out, panel *p, const panel_actor *who);
/* Adds a TLD or changes its mode (admins). */
PANEL_EXTERN int panel_tld_set(panel *p, const panel_actor *who, const char *tld, int mode);
PANEL_EXTERN int panel_tld_delete(panel *p, const panel_actor *who, const char *tld);

typedef struct panel_forbidden_list {
	char **items; /* domain names, ASCII */
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_forbidden_list;

/* Domains no member may host (nor anything under them), admins only, ordered by name. *out is
 * freed with panel_forbidden_list_free. */
PANEL_EXTERN int panel_forbidden_list_get(panel_forbidden_list **out, panel *p,
					  const panel_actor *who);
PANEL_EXTERN int panel_forbidden_add(panel *p, const panel_actor *who, const char *domain);
PANEL_EXTERN int panel_forbidden_delete(panel *p, const panel_actor *who, const char *domain);

PANEL_EXTERN void panel_domain_free(panel_domain *domain);
PANEL_EXTERN void panel_domain_list_free(panel_domain_list *list);
PANEL_EXTERN void panel_subdomain_list_free(panel_subdomain_list *list);
PANEL_EXTERN void panel_domain_type_list_free(panel_domain_type_list *list);
PANEL_EXTERN void panel_tld_list_free(panel_tld_list *list);
PANEL_EXTERN void panel_forbidden_list_free(panel_forbidden_list *list);

#endif
