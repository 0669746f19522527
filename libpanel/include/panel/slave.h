/* Slave DNS servers and backup MX servers (AlternC 1.0's slaveip, slaveaccount and mxaccount
 * tables): the addresses allowed to transfer zones, the accounts that fetch the domain lists,
 * and the lists they fetch. */
#ifndef PANEL_SLAVE_H
#define PANEL_SLAVE_H

#include "actor.h"
#include "common.h"

#define PANEL_SLAVE_IP_MAX	 39 /* the longest IPv6 text; slaveip.ip is VARCHAR(40) */
#define PANEL_SLAVE_LOGIN_MAX	 64 /* slaveaccount.login, mxaccount.login */
#define PANEL_SLAVE_PASSWORD_MIN 8
#define PANEL_SLAVE_PASSWORD_MAX 64 /* slaveaccount.pass, mxaccount.pass (clear text) */
#define PANEL_SLAVE_DOMAIN_MAX	 255

/* Which servers an account belongs to: slave DNS servers (slaveaccount, the domains with
 * gesdns = 1) or backup MX servers (mxaccount, the domains with gesmx = 1). */
typedef enum panel_slave_kind {
	PANEL_SLAVE_DNS = 0,
	PANEL_SLAVE_MX = 1,
} panel_slave_kind;

/* An address or network allowed to transfer the zones (bind's ACL "allslaves"). */
typedef struct panel_slave_ip {
	char ip[PANEL_SLAVE_IP_MAX + 1]; /* canonical text: IPv4 dotted, IPv6 compressed */
	unsigned prefix;		 /* slaveip.class: 8..32 for IPv4, 16..128 for IPv6 */
} panel_slave_ip;

typedef struct panel_slave_ip_list {
	panel_slave_ip *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_slave_ip_list;

/* An account of a slave DNS or backup MX server. Its password is never read back. */
typedef struct panel_slave_account {
	char login[PANEL_SLAVE_LOGIN_MAX + 1];
	panel_slave_kind kind;
} panel_slave_account;

typedef struct panel_slave_account_list {
	panel_slave_account *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_slave_account_list;

/* A domain of the list a slave server fetches. */
typedef struct panel_slave_domain {
	char domain[PANEL_SLAVE_DOMAIN_MAX + 1];
} panel_slave_domain;

typedef struct panel_slave_domain_list {
	panel_slave_domain *items;
	size_t count;
	uint64_t total;				/* count: one page */
	char next_cursor[PANEL_CURSOR_MAX + 1]; /* always "" */
} panel_slave_domain_list;

/* Every allowed address, ordered by address then prefix (admins acting as themselves). *out is
 * freed with panel_slave_ip_list_free. */
PANEL_EXTERN int panel_slave_ip_list_get(panel_slave_ip_list **out, panel *p,
					 const panel_actor *who);

/* Allows ip/prefix to transfer the zones (admins who may change global settings, as for the
 * TLDs). prefix 0 means the whole address (32 or 128). PANEL_EINVALID (field "ip" or "prefix")
 * for a malformed address, a prefix out of range or host bits set beyond the prefix (bind would
 * refuse the ACL); PANEL_EEXISTS when the pair is there. out (may be NULL) gets the row as
 * stored. The change queues the action slave_refresh: the runner sets 1.0's flag file
 * ([alternc] slave_flag), and 1.0's slave_dns cron rewrites bind's ACL. */
PANEL_EXTERN int panel_slave_ip_add(panel_slave_ip *out, panel *p, const panel_actor *who,
				    const char *ip, unsigned prefix);

/* Removes every prefix of ip, as AlternC 1.0 does (same callers as add), and queues
 * slave_refresh. PANEL_ENOTFOUND when the address has none. */
PANEL_EXTERN int panel_slave_ip_delete(panel *p, const panel_actor *who, const char *ip);

/* The accounts of one kind, ordered by login (admins acting as themselves). *out is freed with
 * panel_slave_account_list_free. */
PANEL_EXTERN int panel_slave_account_list_get(panel_slave_account_list **out, panel *p,
					      const panel_actor *who, panel_slave_kind kind);

/* Creates an account (same callers as panel_slave_ip_add). login: 1..64 of [A-Za-z0-9._-];
 * password: 8..64 printable ASCII characters, stored in clear text as AlternC 1.0's schema
 * wants (the slaves send it in HTTP Basic; see docs/architecture.md, "Slave servers").
 * PANEL_EEXISTS when the login is taken. */
PANEL_EXTERN int panel_slave_account_add(panel *p, const panel_actor *who, panel_slave_kind kind,
					 const char *login, const char *password);

/* Deletes an account (same callers). PANEL_ENOTFOUND when there is none. */
PANEL_EXTERN int panel_slave_account_delete(panel *p, const panel_actor *who, panel_slave_kind kind,
					    const char *login);

/* What a slave server fetches (AlternC 1.0's domlist.php and mxlist.php): checks login and
 * password against the accounts of kind, throttled like logins from ip (may be NULL), then
 * lists the domains with gesdns = 1 (DNS) or gesmx = 1 (MX), ordered by name. PANEL_EAUTH for
 * unknown credentials, PANEL_ELIMIT when throttled. *out is freed with
 * panel_slave_domain_list_free. */
PANEL_EXTERN int panel_slave_domain_list_get(panel_slave_domain_list **out, panel *p,
					     panel_slave_kind kind, const char *login,
					     const char *password, const char *ip);

/* "dns" or "mx". */
PANEL_EXTERN const char *panel_slave_kind_name(panel_slave_kind kind);

PANEL_EXTERN void panel_slave_ip_list_free(panel_slave_ip_list *list);
PANEL_EXTERN void panel_slave_account_list_free(panel_slave_account_list *list);
PANEL_EXTERN void panel_slave_domain_list_free(panel_slave_domain_list *list);

#endif
