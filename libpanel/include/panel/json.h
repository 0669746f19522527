/* JSON forms of libpanel's objects (Jansson), shared by panel-api, panelctl --json and the audit
 * trail so that every front end shows the same fields. Each returns a new reference, or NULL
 * when out of memory. Secrets and hashes are never included. */
#ifndef PANEL_JSON_H
#define PANEL_JSON_H

#include <jansson.h>

#include "account.h"
#include "actions.h"
#include "files.h"
#include "audit.h"
#include "creator.h"
#include "auth.h"
#include "database.h"
#include "domain.h"
#include "ftp.h"
#include "hta.h"
#include "mail.h"
#include "policy.h"
#include "quota.h"
#include "rawstat.h"
#include "slave.h"
#include "variable.h"

/* {"uid", "login", "mail", "nom", "prenom", "type", "notes", "enabled", "admin", "canpass",
 *  "creator", "created", "renewed", "duration", "expiry", "expired", "lastlogin", "lastip",
 *  "lastfail", "etag"}; unset dates are null. */
PANEL_EXTERN json_t *panel_account_to_json(const panel_account *account);
/* {"name", "total", "used"} */
PANEL_EXTERN json_t *panel_quota_to_json(const panel_quota *quota);
/* {"uid", "login", "admin", "enabled", "members"} */
PANEL_EXTERN json_t *panel_creator_to_json(const panel_creator *creator);
/* {"type", "name", "value"} */
PANEL_EXTERN json_t *panel_quota_default_to_json(const panel_quota_default *def);
/* {"name", "minsize", "maxsize", "classcount", "allowlogin"} */
PANEL_EXTERN json_t *panel_policy_to_json(const panel_policy *policy);
/* {"name", "value", "comment" (null when none), "kind" ("text", "flag", "domain", "mail",
 *  "url")} */
PANEL_EXTERN json_t *panel_variable_to_json(const panel_variable *variable);
/* {"ip", "prefix"}: an address allowed to transfer the zones */
PANEL_EXTERN json_t *panel_slave_ip_to_json(const panel_slave_ip *ip);
/* {"login", "kind" ("dns" or "mx")}: never the password */
PANEL_EXTERN json_t *panel_slave_account_to_json(const panel_slave_account *account);
/* {"id", "at", "actor": {"kind", "uid", "login"}, "as": {"uid", "login"} or null, "ip",
 *  "action", "object_kind", "object_id", "before", "after"} */
PANEL_EXTERN json_t *panel_audit_entry_to_json(const panel_audit_entry *entry);
/* {"id", "owner", "name", "scope", "networks": [..], "expires", "created", "last_used",
 *  "revoked"} */
PANEL_EXTERN json_t *panel_apikey_to_json(const panel_apikey *key);
/* {"uid", "login", "admin", "via": "token"|"apikey", "apikey_id", "read_only", "kinds": [..],
 *  "expires"} */
PANEL_EXTERN json_t *panel_principal_to_json(const panel_principal *who);

/* {"domain", "owner", "dns", "mx", "noerase", "dns_action", "dns_result", "subdomains", "etag"} */
PANEL_EXTERN json_t *panel_domain_to_json(const panel_domain *domain);
/* {"domain", "sub" ("@" for the domain itself), "type", "target", "enabled", "enable",
 *  "web_action", "web_result"} */
PANEL_EXTERN json_t *panel_subdomain_to_json(const panel_subdomain *sub);
/* {"name", "description", "target", "entry", "compatibility": [..], "enable", "only_dns",
 *  "need_dns", "advanced"} */
PANEL_EXTERN json_t *panel_domain_type_to_json(const panel_domain_type *type);
/* {"domain", "result" ("ours", "none", "foreign"), "code" (AlternC's checkmx: 0, 1, 2),
 * "mx": [names]} */
PANEL_EXTERN json_t *panel_mx_check_to_json(const char *domain, const panel_mx_check *check);
/* {"address", "local", "domain", "mailbox", "recipients": [..], "expires", "size"} */
PANEL_EXTERN json_t *panel_mail_to_json(const panel_mail *mail);
/* {"id", "name", "prefix", "suffix", "owner", "dir"} */
PANEL_EXTERN json_t *panel_ftp_to_json(const panel_ftp *ftp);
/* {"name", "owner", "size"} */
PANEL_EXTERN json_t *panel_database_to_json(const panel_database *db);
/* {"address", "owner", "command"} */
PANEL_EXTERN json_t *panel_mail_wrapper_to_json(const panel_mail_wrapper *w);
/* {"dir", "users"} */
PANEL_EXTERN json_t *panel_hta_dir_to_json(const panel_hta_dir *dir);
/* {"id", "owner", "hostname", "folder"} */
PANEL_EXTERN json_t *panel_rawstat_to_json(const panel_rawstat *set);
/* {"name", "owner"} */
PANEL_EXTERN json_t *panel_dbuser_to_json(const panel_dbuser *user);
/* {"<database>": ["SELECT", ...], ...} for a list of grants */
PANEL_EXTERN json_t *panel_dbgrants_to_json(const panel_dbgrant *grants, size_t count);
/* {"tld", "mode"} */
PANEL_EXTERN json_t *panel_tld_to_json(const panel_tld *tld);

/* {"id", "action", "uid", "login", "args" (an object), "state", "attempts", "created",
 *  "next_try", "claimed_by", "claimed_at", "done_at", "result", "error", "age"}; unset dates and
 *  empty claimed_by, result and error are null. */
PANEL_EXTERN json_t *panel_action_to_json(const panel_action *action);

/* {"name", "type" ("file", "folder", "link" or "other"), "size", "mode" ("0660"), "mtime"
 *  (UTC, "2026-12-03T18:30:00Z"), "target" (a link's target, else null)} */
PANEL_EXTERN json_t *panel_file_to_json(const panel_file *file);
/* {"editsizex", "editsizey", "listmode", "showicons", "downfmt", "createfile", "showtype",
 *  "editor_font", "editor_size", "golastdir", "lastdir"}, the booleans as true/false */
PANEL_EXTERN json_t *panel_file_prefs_to_json(const panel_file_prefs *prefs);

#endif
