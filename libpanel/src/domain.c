/* Domains (AlternC m_dom): hosting a domain for an account with AlternC's checks and default
 * entries, reading and listing them, DNS/mail hosting switches, deletion and its cascades. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "domain_internal.h"
#include "domain_validate.h"
#include "cron_lock.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "mail_internal.h"
#include "panel/json.h"
#include "quota_internal.h"

#define DOMAIN_SELECT                                                                              \
	"SELECT d.compte, COALESCE(m.login, ''), d.domaine, d.gesdns, d.gesmx, d.noerase,"         \
	" d.dns_action, d.dns_result, (SELECT COUNT(*) FROM sub_domaines s WHERE"                  \
	" s.compte = d.compte AND s.domaine = d.domaine AND s.web_action <> 'DELETE')"             \
	" FROM domaines d LEFT JOIN membres m ON m.uid = d.compte"

static void compute_etag(panel_domain *d)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char text[512];

	snprintf(text, sizeof(text), "%s/%u/%d/%d/%d/%s", d->domain, d->uid, d->dns, d->mx,
		 d->noerase, d->dns_action);
	crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(d->etag, sizeof(d->etag), digest, 16);
}

static void parse_domain(panel_domain *d, const panel_db_rows *rows, size_t i)
{
	uint64_t v = 0;

	memset(d, 0, sizeof(*d));
	panel__db_cell_u64(&v, rows, i, 0);
	d->uid = (uint32_t)v;
	snprintf(d->login, sizeof(d->login), "%s", panel__db_cell(rows, i, 1));
	snprintf(d->domain, sizeof(d->domain), "%s", panel__db_cell(rows, i, 2));
	d->dns = panel__db_cell_u64(&v, rows, i, 3) == 0 && v != 0;
	d->mx = panel__db_cell_u64(&v, rows, i, 4) == 0 && v != 0;
	d->noerase = panel__db_cell_u64(&v, rows, i, 5) == 0 && v != 0;
	snprintf(d->dns_action, sizeof(d->dns_action), "%s", panel__db_cell(rows, i, 6));
	snprintf(d->dns_result, sizeof(d->dns_result), "%s", panel__db_cell(rows, i, 7));
	panel__db_cell_u64(&v, rows, i, 8);
	d->subdomains = (unsigned)v;
	compute_etag(d);
}

int panel__domain_load(panel_domain **out, panel_db *db, const char *domain)
{
	panel_db_rows *rows;
	int error;

	*out = NULL;
	if ((error = panel__db_query(&rows, db, DOMAIN_SELECT " WHERE d.domaine = ?",
				     DB_ARGS(DB_STR(domain)))) < 0)
		return error;
	if (panel__db_rows_count(rows) != 1) {
		panel__db_rows_free(rows);
		return panel__error(PANEL_ENOTFOUND, "domain", "no such domain");
	}
	*out = calloc(1, sizeof(**out));
	if (*out)
		parse_domain(*out, rows, 0);
	panel__db_rows_free(rows);
	return *out ? 0 : panel__error_oom();
}

int panel__domain_owned(uint32_t *uid, char name[PANEL_DOMAIN_MAX + 1], panel_db *db,
			const panel_actor *who, const char *domain, int lock)
{
	uint64_t owner;
	int error;

	if ((error = panel__domain_normalize(name, PANEL_DOMAIN_MAX + 1, domain, "domain")) < 0)
		return error;
	error =
	    panel__db_query_u64(&owner, db,
				lock ? "SELECT compte FROM domaines WHERE domaine = ? FOR UPDATE"
				     : "SELECT compte FROM domaines WHERE domaine = ?",
				DB_ARGS(DB_STR(name)));
	if (error == PANEL_ENOTFOUND)
		return panel__error(PANEL_ENOTFOUND, "domain", "no such domain");
	if (error < 0)
		return error;
	if ((error = panel__authz_owner(db, who, (uint32_t)owner, "domain", "domain")) < 0)
		return error;
	*uid = (uint32_t)owner;
	return 0;
}

int panel__domain_changed(panel_db *db, const char *domain)
{
	int error;

	/* YYYYMMDD00, or one more than the last serial when that is higher. */
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO panel_dns_serials (domaine, serial) VALUES (?,"
		 " CAST(DATE_FORMAT(NOW(), '%Y%m%d00') AS UNSIGNED)) ON DUPLICATE KEY UPDATE"
		 " serial = GREATEST(serial + 1, VALUES(serial)), changed_at = NOW()",
		 DB_ARGS(DB_STR(domain)))) < 0)
		return error;
	return panel__db_exec(NULL, db,
			      "UPDATE domaines SET dns_action = 'UPDATE' WHERE domaine = ? AND"
			      " dns_action <> 'DELETE'",
			      DB_ARGS(DB_STR(domain)));
}

/* The default MX entries on the domain itself, when the host receives its mail. */
static int add_default_mx(panel_db *db, panel *p, uint32_t uid, const char *domain)
{
	const char *secondary = panel_setting(p, "hosting", "default_secondary_mx");
	int error;

	if ((error = panel__subdomain_insert(db, uid, domain, "", "defmx", "")) < 0)
		return error;
	if (secondary && *secondary)
		return panel__subdomain_insert(db, uid, domain, "", "defmx2", "");
	return 0;
}

/* ---------------------------------------------------------------- add */

struct add_ctx {
	panel *p;
	const panel_actor *who;
	const char *login;
	const panel_domain_spec *spec;
	const char *granted_parent; /* see check_available */
	int asked_force;	    /* the caller's force, not the library's own (account_extras) */
	char name[PANEL_DOMAIN_MAX + 1];
	panel_domain *result;
};

/* Forcing passes the forbidden domains and the TLD table, which are global settings: only
 * those who change them force (AlternC 1.0: "force should be used by the super admin only"). */
static int may_force(panel_db *db, const panel_actor *who)
{
	if (panel__authz_global(db, who) < 0)
		return panel__error(
		    PANEL_EFORBIDDEN, "force",
		    "force passes the forbidden domains and the TLD table: only the "
		    "administrators who change global settings force a domain");
	return 0;
}

/* AlternC's tld table: the longest TLD the name ends with decides. */
static int check_tld(int *dns, panel_db *db, const char *name, int force)
{
	panel_db_rows *rows;
	uint64_t mode = 0;
	int error;

	if ((error =
		 panel__db_query(&rows, db,
				 "SELECT tld, mode FROM tld WHERE RIGHT(?, CHAR_LENGTH(tld) + 1)"
				 " = CONCAT('.', tld) ORDER BY CHAR_LENGTH(tld) DESC LIMIT 1",
				 DB_ARGS(DB_STR(name)))) < 0)
		return error;
	int found = panel__db_rows_count(rows) == 1;
	const char *tld = found ? panel__db_cell(rows, 0, 0) : NULL;
	size_t tldlen = tld ? strlen(tld) : 0;
	if (found)
		panel__db_cell_u64(&mode, rows, 0, 1);
	panel__db_rows_free(rows);
	if (force)
		return 0;
	if (!found || mode == 0)
		return panel__error(PANEL_EINVALID, "domain",
				    "this top-level domain is not allowed");
	/* A suffix the table lists (eu.org under org) is where members' domains go: whoever
	 * hosted the suffix itself would hold every name under it (hosted_above). AlternC 1.0
	 * matched only the suffixes a name ends with, so it let eu.org in. */
	uint64_t is_tld = 0;
	if ((error = panel__db_query_u64(&is_tld, db, "SELECT COUNT(*) FROM tld WHERE tld = ?",
					 DB_ARGS(DB_STR(name)))) < 0)
		return error;
	if (is_tld)
		return panel__error(PANEL_EINVALID, "domain",
				    "%s is a top-level domain (the tld table): domains are hosted "
				    "under it, not it",
				    name);
	if (mode == 5)
		*dns = 0;
	/* Without our DNS, only a domain directly under its TLD (AlternC checkhostallow_nodns). */
	if (!*dns) {
		size_t labels = strlen(name) - tldlen - 1;
		if (memchr(name, '.', labels))
			return panel__error(PANEL_EINVALID, "domain",
					    "without DNS hosting, only a domain directly under its "
					    "TLD can be hosted");
	}
	return 0;
}

/* The most labels a name splits at: a 64-character name has at most 32 dots. */
#define NAME_SPLITS 32

/* *n > 0 when a domain above name (one of its parent domains, granted apart) is hosted by
 * another account than owner. The parents are listed, so the lookup uses domaines' index
 * whatever the number of domains. */
static int hosted_above(uint64_t *n, panel_db *db, const char *name, uint32_t owner,
			const char *granted)
{
	char sql[512] = "SELECT COUNT(*) FROM domaines WHERE compte <> ? AND domaine <>"
			" COALESCE(?, '') AND domaine IN (";
	panel_db_param params[NAME_SPLITS + 2];
	size_t k = 0;

	params[k++] = DB_U64(owner);
	params[k++] = DB_STR(granted);
	for (const char *dot = strchr(name, '.'); dot && k < NAME_SPLITS + 2;
	     dot = strchr(dot + 1, '.')) {
		strcat(sql, k > 2 ? ", ?" : "?");
		params[k++] = DB_STR(dot + 1);
	}
	*n = 0;
	if (k == 2)
		return 0;
	strcat(sql, ")");
	return panel__db_query_u64(n, db, sql, params, k);
}

/* Waits for the additions of the domains above name that other transactions have inserted and
 * not committed yet: a locking read by the unique key alone (with another condition the
 * optimizer may scan the primary key, and the read would wait for every domain being added).
 * A plain read misses such a domain: example.org and www.example.org added at once by two
 * members would both pass. default_entry takes the same lock on the names it adds. */
static int wait_above(panel_db *db, const char *name)
{
	char sql[512] = "SELECT COUNT(*) FROM domaines WHERE domaine IN (";
	panel_db_param params[NAME_SPLITS];
	uint64_t n = 0;
	size_t k = 0;

	for (const char *dot = strchr(name, '.'); dot && k < NAME_SPLITS;
	     dot = strchr(dot + 1, '.')) {
		strcat(sql, k ? ", ?" : "?");
		params[k++] = DB_STR(dot + 1);
	}
	if (k == 0)
		return 0;
	strcat(sql, ") LOCK IN SHARE MODE");
	return panel__db_query_u64(&n, db, sql, params, k);
}

/* *n > 0 when name is already the name of a live entry (sub.domaine) of a hosted domain: each
 * way of splitting name into sub and domaine is looked up by sub_domaines' (domaine, sub)
 * index. */
static int entry_named(uint64_t *n, panel_db *db, const char *name)
{
	char sql[2048] = "SELECT COUNT(*) FROM sub_domaines WHERE web_action <> 'DELETE' AND (";
	char subs[NAME_SPLITS][PANEL_DOMAIN_MAX + 1];
	panel_db_param params[NAME_SPLITS * 2];
	size_t k = 0, i = 0;

	for (const char *dot = strchr(name, '.'); dot && i < NAME_SPLITS;
	     dot = strchr(dot + 1, '.'), i++) {
		snprintf(subs[i], sizeof(subs[i]), "%.*s", (int)(dot - name), name);
		strcat(sql, k ? " OR (domaine = ? AND sub = ?)" : "(domaine = ? AND sub = ?)");
		params[k++] = DB_STR(dot + 1);
		params[k++] = DB_STR(subs[i]);
	}
	*n = 0;
	if (k == 0)
		return 0;
	strcat(sql, ")");
	return panel__db_query_u64(n, db, sql, params, k);
}

/* granted: a parent whose owner let the new owner under it (NULL: none), as the hosting_tld
 * domain or an admin's own domain for an account it creates. */
/* *n > 0 when another account hosts a domain that name matches, or that matches name, once
 * every dot is read as any one character. AlternC 1.0's cron removes a deleted domain's zone
 * from BIND's configuration with grep -v "\"$domain\"" (functions_dns.sh), a regular
 * expression: deleting victim.shop.fr would drop victim-shop.fr's zone, another member's. */
static int dots_collide(uint64_t *n, panel_db *db, const char *name, uint32_t owner)
{
	char pattern[PANEL_DOMAIN_MAX + 1];
	size_t len = strlen(name);

	if (len >= sizeof(pattern))
		return panel__error(PANEL_EINVALID, "domain", "the name is too long");
	for (size_t i = 0; i <= len; i++)
		pattern[i] = name[i] == '.' ? '_' : name[i]; /* LIKE's one character */
	return panel__db_query_u64(
	    n, db,
	    "SELECT COUNT(*) FROM domaines WHERE compte <> ? AND"
	    " CHAR_LENGTH(domaine) = ? AND (domaine LIKE ? OR"
	    " ? LIKE REPLACE(domaine, '.', '_'))",
	    DB_ARGS(DB_U64(owner), DB_U64(len), DB_STR(pattern), DB_STR(name)));
}

/* *n > 0 when another account hosts a domain under name: the new owner would be the parent of
 * another account's names, and AlternC 1.0's rawstat.daily appends each host's access log to
 * its nearest listed parent's too (a member's statistics set on parent.example got the log
 * lines of another's shop.parent.example). */
static int hosted_below(uint64_t *n, panel_db *db, const char *name, uint32_t owner)
{
	return panel__db_query_u64(n, db,
				   "SELECT COUNT(*) FROM domaines WHERE compte <> ? AND"
				   " RIGHT(domaine, CHAR_LENGTH(?) + 1) = CONCAT('.', ?)",
				   DB_ARGS(DB_U64(owner), DB_STR(name), DB_STR(name)));
}

/* A domain and another account's domain under it (hosted_below, hosted_above) added at once
 * could both pass, each checked before the other's insert: x.org and shop.x.org. Each
 * addition locks its own name in panel_name_locks exclusively and its parents' names shared,
 * before its checks and until its commit: x.org's exclusive lock and shop.x.org's shared lock
 * on x.org make the later one wait, and its plain reads then see the earlier one's domain;
 * siblings (a.example.org, b.example.org) share only shared locks and do not wait. Locking
 * reads only ever name existing rows (record locks alone, under READ COMMITTED), and parents
 * are inserted only when missing: an insert that meets an existing key locks the gap below
 * it too, and every sibling inserting its own name there would wait. Names that read alike
 * once each dot stands for any character (dots_collide) share no key: two such additions at
 * the same moment may both pass (docs/architecture.md). */
/* Locks the row of each name (verb: "FOR UPDATE" or "LOCK IN SHARE MODE"), one equality
 * lookup each: a list (IN) is read by a scan of the whole index on a small table, which locks
 * every row it passes. *found: how many exist. */
static int lock_rows(panel_db *db, const char *verb, const panel_db_param *params, size_t k,
		     uint64_t *found)
{
	char sql[128];
	int error;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM panel_name_locks WHERE name = ? %s", verb);
	*found = 0;
	for (size_t i = 0; i < k; i++) {
		uint64_t n = 0;
		if ((error = panel__db_query_u64(&n, db, sql, &params[i], 1)) < 0)
			return error;
		*found += n;
	}
	return 0;
}

static int lock_names(panel_db *db, const char *name)
{
	char sql[1024] = "INSERT IGNORE INTO panel_name_locks (name) VALUES ";
	char count[1024] = "SELECT COUNT(*) FROM panel_name_locks WHERE name IN (";
	panel_db_param self = DB_STR(name), params[NAME_SPLITS];
	uint64_t found = 0;
	size_t k = 0;
	int error;

	/* The name itself, exclusive: inserted (a new key locks nothing else), or found. */
	if ((error =
		 panel__db_exec(NULL, db, "INSERT IGNORE INTO panel_name_locks (name) VALUES (?)",
				&self, 1)) < 0 ||
	    (error = lock_rows(db, "FOR UPDATE", &self, 1, &found)) < 0)
		return error;
	for (const char *dot = strchr(name, '.'); dot && k < NAME_SPLITS;
	     dot = strchr(dot + 1, '.')) {
		strcat(sql, k ? ", (?)" : "(?)");
		strcat(count, k ? ", ?" : "?");
		params[k++] = DB_STR(dot + 1);
	}
	if (k == 0)
		return 0;
	strcat(count, ")");
	/* The parents, shared. Counted without a lock first (a plain read locks nothing, and a
	 * locking read of a missing key waits for whoever holds the next one); missing ones are
	 * made the first time. */
	if ((error = panel__db_query_u64(&found, db, count, params, k)) < 0 ||
	    (found < k && (error = panel__db_exec(NULL, db, sql, params, k)) < 0))
		return error;
	return lock_rows(db, "LOCK IN SHARE MODE", params, k, &found);
}

static int check_available(panel_db *db, const char *name, uint32_t owner, const char *granted,
			   int force)
{
	uint64_t n = 0;
	int error;

	if ((error = panel__db_query_u64(&n, db, "SELECT COUNT(*) FROM domaines WHERE domaine = ?",
					 DB_ARGS(DB_STR(name)))) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EEXISTS, "domain", "%s is already hosted", name);
	if ((error = hosted_above(&n, db, name, owner, granted)) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EEXISTS, "domain",
				    "%s is under a domain hosted by another account", name);
	if (!force && (error = hosted_below(&n, db, name, owner)) < 0)
		return error;
	if (!force && n)
		return panel__error(PANEL_EEXISTS, "domain",
				    "another account hosts a domain under %s", name);
	if ((error = entry_named(&n, db, name)) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EEXISTS, "domain",
				    "%s is already an entry of a hosted domain", name);
	if ((error = dots_collide(&n, db, name, owner)) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EEXISTS, "domain",
				    "%s reads like a domain of another account where a dot stands "
				    "for any character, which AlternC's DNS cron confuses with it",
				    name);
	return 0;
}

/* name is reserved, a, or above, or under (one dot), a: the host's own names and those of its
 * mail and DNS. */
static int names_one(const char *name, const char *a)
{
	size_t n = strlen(name), m = a ? strlen(a) : 0;

	if (!m)
		return 0;
	return strcasecmp(name, a) == 0 ||
	       (m > n && a[m - n - 1] == '.' && strcasecmp(a + m - n, name) == 0) ||
	       (n > m && name[n - m - 1] == '.' && strcasecmp(name + n - m, a) == 0);
}

/* For an owner who is not an administrator who changes global settings (a sub-admin under
 * subadmin_restriction is not one): the names of the host itself (its fqdn, default_mx
 * and default_secondary_mx, ns1 and ns2, and the domains above them: the operator's own), the
 * hosting_tld setting and the domains above it, and the domains of other accounts' contact
 * addresses (and those above them). A member hosting one gets the mail the server sends
 * there: its catch-all took the panel's password reset codes of the account whose address it
 * was, the super admin's among them; or cron's mail to root@<default_mx>. */
static int check_reserved(panel_db *db, panel *p, const char *name, uint32_t owner, int force)
{
	static const char *const keys[] = {"fqdn", "default_mx", "default_secondary_mx", "ns1",
					   "ns2"};
	uint64_t admin = 0, n = 0;
	int error;

	if (force)
		return 0;
	if ((error = panel__db_query_u64(&admin, db,
					 "SELECT COUNT(*) FROM membres WHERE uid = ? AND su = 1",
					 DB_ARGS(DB_U64(owner)))) < 0)
		return error;
	if (admin) {
		panel_actor as_owner = panel_actor_admin(owner);
		panel__error_saved saved;
		panel__error_save(&saved);
		error = panel__authz_global(db, &as_owner);
		if (error == 0 || error != PANEL_EFORBIDDEN)
			return error;
		panel__error_restore(&saved);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const char *v = panel_setting(p, "hosting", keys[i]);
		if (v && names_one(name, v))
			return panel__error(PANEL_EINVALID, "domain",
					    "%s is a name of this host's own (%s): only an "
					    "administrator hosts it",
					    name, keys[i]);
	}
	if ((error = panel__db_query_u64(
		 &n, db,
		 "SELECT COUNT(*) FROM variable WHERE name = 'hosting_tld' AND (value = ? OR"
		 " RIGHT(value, CHAR_LENGTH(?) + 1) = CONCAT('.', ?))",
		 DB_ARGS(DB_STR(name), DB_STR(name), DB_STR(name)))) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EINVALID, "domain",
				    "%s is the hosting_tld setting or above it: only an "
				    "administrator hosts it",
				    name);
	if ((error = panel__db_query_u64(
		 &n, db,
		 "SELECT COUNT(*) FROM membres WHERE uid <> ? AND"
		 " (LOWER(SUBSTRING_INDEX(mail, '@', -1)) = ? OR"
		 " RIGHT(LOWER(SUBSTRING_INDEX(mail, '@', -1)), CHAR_LENGTH(?) + 1) ="
		 " CONCAT('.', ?))",
		 DB_ARGS(DB_U64(owner), DB_STR(name), DB_STR(name), DB_STR(name)))) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EINVALID, "domain",
				    "%s is the domain of another account's contact address: the "
				    "mail the panel sends there would reach this account",
				    name);
	return 0;
}

static int check_forbidden(panel_db *db, panel *p, const char *name, int force)
{
	const char *fqdn = panel_setting(p, "hosting", "fqdn");
	char www[80];
	uint64_t n = 0;
	int error;

	snprintf(www, sizeof(www), "www.%s", fqdn ? fqdn : "");
	if (fqdn && *fqdn && (strcmp(name, fqdn) == 0 || strcmp(name, www) == 0))
		return panel__error(PANEL_EINVALID, "domain", "%s is the panel's own name", name);
	if (force)
		return 0;
	if ((error =
		 panel__db_query_u64(&n, db,
				     "SELECT COUNT(*) FROM forbidden_domains WHERE domain = ? OR"
				     " RIGHT(?, CHAR_LENGTH(domain) + 1) = CONCAT('.', domain)",
				     DB_ARGS(DB_STR(name), DB_STR(name)))) < 0)
		return error;
	if (n)
		return panel__error(PANEL_EINVALID, "domain", "%s may not be hosted here", name);
	return 0;
}

/* AlternC's web folder of a domain: the name without dots and dashes. */
static void short_name(char *out, size_t size, const char *domain)
{
	size_t o = 0;

	for (const char *s = domain; *s && o + 1 < size; s++)
		if (*s != '.' && *s != '-')
			out[o++] = *s;
	out[o] = '\0';
}

/* A default entry of a new domain, left out when another account hosts its name (B hosts
 * www.example.org before A adds example.org: no second vhost for that name). */
static int default_entry(panel_db *db, uint32_t owner, const char *name, const char *sub,
			 const char *type, const char *target)
{
	char fqdn[PANEL_DOMAIN_MAX + 110];
	uint64_t taken = 0;
	int error;

	/* The name as a domain, by a locking read of the unique key: another member's addition of
	 * it, not committed yet, is waited for, then seen below (hosted_above's lock, the other
	 * way round). */
	snprintf(fqdn, sizeof(fqdn), "%s%s%s", sub, *sub ? "." : "", name);
	if (strchr(fqdn, '*') == NULL &&
	    (error = panel__db_query_u64(&taken, db,
					 "SELECT COUNT(*) FROM domaines WHERE domaine = ?"
					 " LOCK IN SHARE MODE",
					 DB_ARGS(DB_STR(fqdn)))) < 0)
		return error;
	if ((error = panel__subdomain_foreign(fqdn, sizeof(fqdn), &taken, db, owner, name, sub)) <
	    0)
		return error;
	return taken ? 0 : panel__subdomain_insert(db, owner, name, sub, type, target);
}

static int add_body(panel_db *db, void *arg)
{
	struct add_ctx *ctx = arg;
	const panel_domain_spec *s = ctx->spec;
	int dns = s->dns == 0 ? 0 : 1, mx = s->mx == 0 ? 0 : 1;
	char url[128], dir[80], shortn[PANEL_DOMAIN_MAX + 1];
	uint32_t owner = panel_actor_subject(ctx->who);
	panel_account *acct = NULL;
	int error;

	panel_domain_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->login && (error = panel__authz_account(&owner, db, ctx->who, ctx->login,
							PANEL__AUTHZ_OBJECTS)) < 0)
		return error;
	if (!owner && ctx->who->kind == PANEL_ACTOR_ADMIN)
		owner = ctx->who->uid;
	if (!owner)
		return panel__error(PANEL_EINVALID, "login", "say which account hosts the domain");
	if (ctx->asked_force && (error = may_force(db, ctx->who)) < 0)
		return error;
	if ((error = check_forbidden(db, ctx->p, ctx->name, s->force == 1)) < 0 ||
	    (error = check_tld(&dns, db, ctx->name, s->force == 1)) < 0 ||
	    (error = check_reserved(db, ctx->p, ctx->name, owner, s->force == 1)) < 0 ||
	    (error = lock_names(db, ctx->name)) < 0 ||
	    (error = check_available(db, ctx->name, owner, ctx->granted_parent, s->force == 1)) <
		0 ||
	    (error = panel__quota_reserve(db, owner, "dom")) < 0)
		return error;
	error = panel__db_exec(NULL, db,
			       "INSERT INTO domaines (compte, domaine, gesdns, gesmx, noerase,"
			       " dns_action) VALUES (?, ?, ?, ?, ?, 'UPDATE')",
			       DB_ARGS(DB_U64(owner), DB_STR(ctx->name), DB_I64(dns), DB_I64(mx),
				       DB_I64(s->noerase == 1 ? 1 : 0)));
	if (error == PANEL_EEXISTS)
		return panel__error(PANEL_EEXISTS, "domain", "%s is already hosted", ctx->name);
	if (error < 0)
		return error;
	/* Once more with the name inserted: another member adding a domain above this one after
	 * check_available ran has either committed it (seen now) or holds it uncommitted (waited
	 * for; if it waits for this name in its default_entry, InnoDB ends one of the two as a
	 * deadlock and the transaction runs again). Checked before only, both could pass. */
	uint64_t above = 0;
	if ((error = wait_above(db, ctx->name)) < 0 ||
	    (error = hosted_above(&above, db, ctx->name, owner, ctx->granted_parent)) < 0)
		return error;
	if (above)
		return panel__error(PANEL_EEXISTS, "domain",
				    "%s is under a domain hosted by another account", ctx->name);
	short_name(shortn, sizeof(shortn), ctx->name);
	snprintf(url, sizeof(url), "http://www.%s", ctx->name);
	snprintf(dir, sizeof(dir), "/%s", shortn);
	if ((error = panel__subdomain_insert(db, owner, ctx->name, "", "url", url)) < 0 ||
	    (error = default_entry(db, owner, ctx->name, "www", "vhost", dir)) < 0 ||
	    (error = default_entry(db, owner, ctx->name, "mail", "webmail", "")) < 0 ||
	    (mx && (error = add_default_mx(db, ctx->p, owner, ctx->name)) < 0) ||
	    (mx && (error = panel__mail_domain_enable(db, owner, ctx->name)) < 0) ||
	    (error = panel__account_load(&acct, db, owner)) < 0 ||
	    (error = panel__action(db, "mkdir", owner, acct->login,
				   json_pack("{s:s}", "dir", dir))) < 0 ||
	    (error = panel__domain_changed(db, ctx->name)) < 0 ||
	    (error = panel__domain_load(&ctx->result, db, ctx->name)) < 0) {
		panel_account_free(acct);
		return error;
	}
	panel_account_free(acct);
	return panel__audit(db, ctx->who, "domain.add", "domain", ctx->name, owner, NULL,
			    panel_domain_to_json(ctx->result));
}

int panel__domain_add_in(panel_db *db, panel *p, const panel_actor *who, const char *login,
			 const panel_domain_spec *spec, const char *granted_parent)
{
	struct add_ctx ctx = {
	    .p = p, .who = who, .login = login, .spec = spec, .granted_parent = granted_parent};
	int error;

	if ((error = panel__domain_normalize(ctx.name, sizeof(ctx.name), spec->domain, "domain")) <
	    0)
		return error;
	error = add_body(db, &ctx);
	panel_domain_free(ctx.result);
	return error;
}

int panel_domain_add(panel_domain **out, panel *p, const panel_actor *who, const char *login,
		     const panel_domain_spec *spec)
{
	struct add_ctx ctx = {.p = p,
			      .who = who,
			      .login = login,
			      .spec = spec,
			      .asked_force = spec && spec->force == 1};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!spec)
		return panel__error(PANEL_EINVALID, NULL, "no spec");
	if (spec->version != PANEL_DOMAIN_SPEC_VERSION)
		return panel__error(PANEL_EINVALID, "spec", "unknown domain spec version");
	if (spec->dns < -1 || spec->dns > 1 || spec->mx < -1 || spec->mx > 1 ||
	    spec->noerase < -1 || spec->noerase > 1 || spec->force < 0 || spec->force > 1)
		return panel__error(PANEL_EINVALID, "spec",
				    "dns, mx, noerase and force are 0 or 1");
	if ((spec->noerase == 1 || spec->force == 1) && !panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, spec->force ? "force" : "noerase",
				    "only an administrator may force or lock a domain");
	if ((error = panel__domain_normalize(ctx.name, sizeof(ctx.name), spec->domain, "domain")) <
	    0)
		return error;
	if ((error = panel__domain_write(p, add_body, &ctx, NULL)) < 0) {
		panel_domain_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- get, list */

struct get_ctx {
	const panel_actor *who;
	const char *domain;
	panel_domain *result;
};

static int get_body(panel_db *db, void *arg)
{
	struct get_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1];
	uint32_t uid;
	int error;

	panel_domain_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 0)) < 0)
		return error;
	return panel__domain_load(&ctx->result, db, name);
}

int panel_domain_get(panel_domain **out, panel *p, const panel_actor *who, const char *domain)
{
	struct get_ctx ctx = {.who = who, .domain = domain};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, get_body, &ctx)) < 0) {
		panel_domain_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

struct list_ctx {
	const panel_actor *who;
	const char *login;
	size_t limit, offset;
	const char *cursor;
	panel_domain_list *out;
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	panel_db_param params[8];
	char where[512] = "1 = 1", sql[1536];
	panel_db_rows *rows;
	uint64_t total;
	uint32_t uid;
	size_t n = 0;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	if (ctx->login) {
		if ((error = panel__authz_account(&uid, db, ctx->who, ctx->login,
						  PANEL__AUTHZ_OBJECTS)) < 0)
			return error;
		strcat(where, " AND d.compte = ?");
		params[n++] = DB_U64(uid);
	} else if (ctx->who->kind == PANEL_ACTOR_MEMBER || ctx->who->as_uid) {
		strcat(where, " AND d.compte = ?");
		params[n++] = DB_U64(panel_actor_subject(ctx->who));
	} else if (ctx->who->kind == PANEL_ACTOR_ADMIN && ctx->who->uid != PANEL_SUPER_ADMIN_UID) {
		uint64_t all = 0;
		error = panel__db_query_u64(&all, db,
					    "SELECT COUNT(*) FROM variable WHERE name ="
					    " 'subadmin_restriction' AND value = '1'",
					    DB_NOARGS);
		if (error < 0)
			return error;
		if (!all) {
			strcat(where, " AND d.compte IN (SELECT uid FROM membres WHERE creator = ?"
				      " OR uid = ?)");
			params[n++] = DB_U64(ctx->who->uid);
			params[n++] = DB_U64(ctx->who->uid);
		}
	}
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM domaines d WHERE %s", where);
	if ((error = panel__db_query_u64(&total, db, sql, params, n)) < 0)
		return error;
	if (ctx->cursor && *ctx->cursor) {
		strcat(where, " AND d.domaine > ?");
		params[n++] = DB_STR(ctx->cursor);
	}
	params[n++] = DB_U64(ctx->limit + 1);
	params[n++] = DB_U64(ctx->cursor && *ctx->cursor ? 0 : ctx->offset);
	snprintf(sql, sizeof(sql), DOMAIN_SELECT " WHERE %s ORDER BY d.domaine LIMIT ? OFFSET ?",
		 where);
	if ((error = panel__db_query(&rows, db, sql, params, n)) < 0)
		return error;
	size_t count = panel__db_rows_count(rows);
	int more = count > ctx->limit;
	if (more)
		count = ctx->limit;
	panel_domain_list *list = calloc(1, sizeof(*list));
	if (!list || (count && !(list->items = calloc(count, sizeof(*list->items))))) {
		free(list);
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < count; i++)
		parse_domain(&list->items[i], rows, i);
	list->count = count;
	list->total = total;
	if (more && count)
		snprintf(list->next_cursor, sizeof(list->next_cursor), "%s",
			 list->items[count - 1].domain);
	panel__db_rows_free(rows);
	panel_domain_list_free(ctx->out);
	ctx->out = list;
	return 0;
}

int panel_domain_list_get(panel_domain_list **out, panel *p, const panel_actor *who,
			  const panel_domain_filter *filter)
{
	panel_domain_filter none = PANEL_DOMAIN_FILTER_INIT;
	const panel_domain_filter *f = filter ? filter : &none;
	struct list_ctx ctx = {who, f->login, f->limit ? f->limit : 50, f->offset, f->cursor, NULL};
	char name[PANEL_DOMAIN_MAX + 1];
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (f->version != PANEL_DOMAIN_FILTER_VERSION)
		return panel__error(PANEL_EINVALID, "filter", "unknown filter version");
	if (ctx.limit > 500)
		return panel__error(PANEL_EINVALID, "limit", "limit is 500 at most");
	if (ctx.cursor && *ctx.cursor &&
	    panel__domain_normalize(name, sizeof(name), ctx.cursor, "cursor") < 0)
		return panel__error(PANEL_EINVALID, "cursor", "invalid cursor");
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		panel_domain_list_free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}

/* ---------------------------------------------------------------- edit */

struct edit_ctx {
	panel *p;
	const panel_actor *who;
	const char *domain, *if_match;
	int dns, mx, noerase;
	panel_domain *result;
};

static int edit_body(panel_db *db, void *arg)
{
	struct edit_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1];
	panel_domain *before = NULL;
	uint32_t uid;
	int error, dns, mx, noerase;

	panel_domain_free(ctx->result);
	ctx->result = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = panel__domain_load(&before, db, name)) < 0)
		return error;
	if (ctx->if_match && strcmp(ctx->if_match, before->etag) != 0) {
		error = panel__error(PANEL_ECONFLICT, "if_match",
				     "the domain was changed since it was read");
		goto out;
	}
	if (strcmp(before->dns_action, "DELETE") == 0) {
		error = panel__error(PANEL_ECONFLICT, "domain", "the domain is being deleted");
		goto out;
	}
	if (before->noerase && !panel__authz_is_admin(ctx->who)) {
		error =
		    panel__error(PANEL_EFORBIDDEN, "domain", "an administrator locked this domain");
		goto out;
	}
	dns = ctx->dns >= 0 ? ctx->dns : before->dns;
	mx = ctx->mx >= 0 ? ctx->mx : before->mx;
	noerase = ctx->noerase >= 0 ? ctx->noerase : before->noerase;
	if (dns && !before->dns) {
		int allowed = 1;
		if ((error = check_tld(&allowed, db, name, 0)) < 0)
			goto out;
		if (!allowed) {
			error = panel__error(PANEL_EINVALID, "dns",
					     "DNS cannot be hosted for this top-level domain");
			goto out;
		}
	}
	if (mx && !before->mx &&
	    ((error = add_default_mx(db, ctx->p, uid, name)) < 0 ||
	     (error = panel__mail_domain_enable(db, uid, name)) < 0))
		goto out;
	if (!mx && before->mx &&
	    ((error =
		  panel__db_exec(NULL, db,
				 "UPDATE sub_domaines SET web_action = 'DELETE' WHERE compte = ?"
				 " AND domaine = ? AND sub = '' AND LOWER(type) IN ('defmx',"
				 " 'defmx2')",
				 DB_ARGS(DB_U64(uid), DB_STR(name)))) < 0 ||
	     (error = panel__mail_domain_purge(db, uid, name)) < 0))
		goto out;
	if ((error = panel__db_exec(
		 NULL, db,
		 "UPDATE domaines SET gesdns = ?, gesmx = ?, noerase = ? WHERE"
		 " domaine = ?",
		 DB_ARGS(DB_I64(dns), DB_I64(mx), DB_I64(noerase), DB_STR(name)))) < 0 ||
	    (error = panel__domain_changed(db, name)) < 0 ||
	    (error = panel__domain_load(&ctx->result, db, name)) < 0)
		goto out;
	error = panel__audit(db, ctx->who, "domain.edit", "domain", name, uid,
			     panel_domain_to_json(before), panel_domain_to_json(ctx->result));
out:
	panel_domain_free(before);
	return error;
}

int panel_domain_edit(panel_domain **out, panel *p, const panel_actor *who, const char *domain,
		      int dns, int mx, int noerase, const char *if_match)
{
	struct edit_ctx ctx = {p, who, domain, if_match, dns, mx, noerase, NULL};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (dns < -1 || dns > 1 || mx < -1 || mx > 1 || noerase < -1 || noerase > 1)
		return panel__error(PANEL_EINVALID, "dns", "dns, mx and noerase are 0 or 1");
	if (noerase >= 0 && !panel__authz_is_admin(who))
		return panel__error(PANEL_EFORBIDDEN, "noerase",
				    "only an administrator locks a domain");
	if ((error = panel__domain_write(p, edit_body, &ctx, NULL)) < 0) {
		panel_domain_free(ctx.result);
		return error;
	}
	*out = ctx.result;
	return 0;
}

/* ---------------------------------------------------------------- delete */

/* FTP accounts named after the domain (AlternC: prefix or prefix_login). */
static int purge_ftp(panel_db *db, uint32_t uid, const char *name)
{
	return panel__db_exec(NULL, db,
			      "DELETE FROM ftpusers WHERE uid = ? AND (name = ? OR"
			      " LEFT(name, CHAR_LENGTH(?) + 1) = CONCAT(?, '_'))",
			      DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(name), DB_STR(name)));
}

/* Raw statistics sets of the domain and its sub-domains (1.0 took every host ending with the
 * name, "otherexample.org" with "example.org"). */
static int purge_rawstats(panel_db *db, uint32_t uid, const char *name)
{
	return panel__db_exec(NULL, db,
			      "DELETE FROM stats2 WHERE mid = ? AND (hostname = ? OR"
			      " RIGHT(hostname, CHAR_LENGTH(?) + 1) = CONCAT('.', ?))",
			      DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(name), DB_STR(name)));
}

int panel__mail_domain_purge(panel_db *db, uint32_t uid, const char *name)
{
	int error;

	if ((error = panel__mail_wrappers_purge(db, uid, name)) < 0)
		return error;
	/* Suffix tests with RIGHT(): a domain may contain '_'-free dots only, but LIKE would
	 * still need escaping; RIGHT() compares exactly. */
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO panel_actions (action, uid, login, args) SELECT 'mail_del', u.uid,"
		 " COALESCE(m.login, ''), JSON_OBJECT('box', u.alias, 'path', u.path)"
		 " FROM mail_users u LEFT JOIN membres m ON m.uid = u.uid WHERE u.uid = ? AND"
		 " RIGHT(u.alias, CHAR_LENGTH(?) + 1) = CONCAT('_', ?)",
		 DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(name)))) < 0 ||
	    (error =
		 panel__db_exec(NULL, db,
				"DELETE FROM mail_alias WHERE RIGHT(mail, CHAR_LENGTH(?) + 1) ="
				" CONCAT('_', ?) AND mail IN (SELECT alias FROM mail_users WHERE"
				" uid = ?)",
				DB_ARGS(DB_STR(name), DB_STR(name), DB_U64(uid)))) < 0 ||
	    (error =
		 panel__db_exec(NULL, db,
				"DELETE FROM size_mail WHERE RIGHT(alias, CHAR_LENGTH(?) + 1) ="
				" CONCAT('_', ?) AND alias IN (SELECT alias FROM mail_users WHERE"
				" uid = ?)",
				DB_ARGS(DB_STR(name), DB_STR(name), DB_U64(uid)))) < 0 ||
	    (error = panel__db_exec(
		 NULL, db,
		 "DELETE FROM mail_users WHERE uid = ? AND (RIGHT(alias,"
		 " CHAR_LENGTH(?) + 1) = CONCAT('_', ?) OR RIGHT(alias,"
		 " CHAR_LENGTH(?) + 1) = CONCAT('@', ?))",
		 DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(name), DB_STR(name), DB_STR(name)))) < 0)
		return error;
	return panel__db_exec(NULL, db,
			      "DELETE FROM mail_domain WHERE uid = ? AND (mail = ? OR RIGHT(mail,"
			      " CHAR_LENGTH(?) + 1) = CONCAT('@', ?))",
			      DB_ARGS(DB_U64(uid), DB_STR(name), DB_STR(name), DB_STR(name)));
}

struct delete_ctx {
	const panel_actor *who;
	const char *domain;
	const char *if_match;		 /* NULL: no condition */
	char name[PANEL_DOMAIN_MAX + 1]; /* as stored, for delete_remark */
};

/* After AlternC's cron marked the domain done over its deletion (it was regenerating it): the
 * deletion again. */
static int delete_remark(panel_db *db, void *arg)
{
	struct delete_ctx *ctx = arg;

	return panel__db_exec(NULL, db,
			      "UPDATE domaines SET dns_action = 'DELETE' WHERE domaine = ? AND"
			      " dns_action = 'OK'",
			      DB_ARGS(DB_STR(ctx->name)));
}

static int delete_body(panel_db *db, void *arg)
{
	struct delete_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1];
	panel_domain *before = NULL;
	uint32_t uid;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 1)) < 0 ||
	    (error = panel__domain_load(&before, db, name)) < 0)
		return error;
	/* Under the row's lock: a change since the caller read the domain is seen here. */
	if (ctx->if_match && strcmp(ctx->if_match, before->etag) != 0)
		error = panel__error(PANEL_ECONFLICT, "if_match",
				     "the domain was changed since it was read (etag %s)",
				     ctx->if_match);
	else if (strcmp(before->dns_action, "DELETE") == 0)
		error =
		    panel__error(PANEL_ECONFLICT, "domain", "the domain is already being deleted");
	else if (before->noerase && !panel__authz_is_admin(ctx->who))
		error =
		    panel__error(PANEL_EFORBIDDEN, "domain", "an administrator locked this domain");
	if (error < 0)
		goto out;
	snprintf(ctx->name, sizeof(ctx->name), "%s", name);
	if ((error = panel__db_exec(NULL, db,
				    "UPDATE sub_domaines SET web_action = 'DELETE' WHERE compte = ?"
				    " AND domaine = ?",
				    DB_ARGS(DB_U64(uid), DB_STR(name)))) < 0 ||
	    (error = panel__db_exec(NULL, db,
				    "UPDATE domaines SET dns_action = 'DELETE' WHERE domaine = ?",
				    DB_ARGS(DB_STR(name)))) < 0 ||
	    (error = purge_ftp(db, uid, name)) < 0 || (error = purge_rawstats(db, uid, name)) < 0 ||
	    (error = panel__mail_domain_purge(db, uid, name)) < 0)
		goto out;
	error = panel__audit(db, ctx->who, "domain.delete", "domain", name, uid,
			     panel_domain_to_json(before), NULL);
out:
	panel_domain_free(before);
	return error;
}

int panel_domain_delete_if_match(panel *p, const panel_actor *who, const char *domain,
				 const char *if_match)
{
	struct delete_ctx ctx = {.who = who, .domain = domain, .if_match = if_match};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	return panel__domain_write(p, delete_body, &ctx, delete_remark);
}

int panel_domain_delete(panel *p, const panel_actor *who, const char *domain)
{
	return panel_domain_delete_if_match(p, who, domain, NULL);
}

void panel_domain_free(panel_domain *domain)
{
	free(domain);
}

void panel_domain_list_free(panel_domain_list *list)
{
	PANEL__LIST_FREE(list);
}
