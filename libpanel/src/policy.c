/* Password policies (AlternC policy table): reading, changing and checking them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/json.h"
#include "panel/policy.h"
#include "policy_internal.h"
#include "validate.h"

static const char *const policy_names[] = {"mem", "pop", "ftp", "mysql", "hta"};
#define N_POLICIES (sizeof(policy_names) / sizeof(policy_names[0]))

static int known(const char *name)
{
	for (size_t i = 0; i < N_POLICIES; i++)
		if (name && strcmp(name, policy_names[i]) == 0)
			return 1;
	return 0;
}

/* The policy name, with AlternC's defaults (0, 64, 0, 0) when it has no row. */
static int load(panel_policy *out, panel_db *db, const char *name)
{
	panel_db_rows *rows;
	uint64_t v[4] = {0, 64, 0, 0};
	int error;

	snprintf(out->name, sizeof(out->name), "%s", name);
	if ((error = panel__db_query(&rows, db,
				     "SELECT minsize, maxsize, classcount, allowlogin FROM policy"
				     " WHERE name = ?",
				     DB_ARGS(DB_STR(name)))) < 0)
		return error;
	for (size_t i = 0; i < 4 && panel__db_rows_count(rows) == 1; i++)
		panel__db_cell_u64(&v[i], rows, 0, i);
	panel__db_rows_free(rows);
	out->minsize = (unsigned)v[0];
	out->maxsize = v[1] ? (unsigned)v[1] : 64;
	out->classcount = (unsigned)v[2];
	out->allowlogin = v[3] != 0;
	return 0;
}

/* Characters, not bytes: a UTF-8 continuation byte does not start a character. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static unsigned character_classes(const char *s)
{
	int lower = 0, upper = 0, digit = 0, punct = 0, other = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'a' && c <= 'z')
			lower = 1;
		else if (c >= 'A' && c <= 'Z')
			upper = 1;
		else if (c >= '0' && c <= '9')
			digit = 1;
		else if (c < 0x80 && ispunct(c))
			punct = 1;
		else
			other = 1;
	}
	return (unsigned)(lower + upper + digit + punct + other);
}

/* Does password contain part (of length len)? */
static int contains(const char *password, const char *part, size_t len)
{
	size_t plen = strlen(password);

	if (len == 0 || len > plen)
		return 0;
	for (size_t i = 0; i + len <= plen; i++)
		if (strncmp(password + i, part, len) == 0)
			return 1;
	return 0;
}

/* Is password a line of the file at path (a list of breached passwords, one a line, such as
 * the most common ones of Have I Been Pwned)? -1 when the file cannot be read. */
static int breached(const char *path, const char *password)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, n = strlen(password);
	ssize_t len;
	int found = 0;

	if (!f)
		return -1;
	while (!found && (len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		found = (size_t)len == n && memcmp(line, password, n) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

int panel__policy_check(panel *p, panel_db *db, const char *name, const char *login,
			const char *password)
{
	panel_policy pol;
	size_t len;
	int error;

	if (!known(name))
		return panel__error(PANEL_ERROR, NULL, "internal: unknown password policy %s",
				    name ? name : "(null)");
	if (!password || !*password)
		return panel__error(PANEL_EINVALID, "password", "the password is empty");
	if (!panel__printable(password))
		return panel__error(PANEL_EINVALID, "password",
				    "the password contains control characters");
	if ((error = load(&pol, db, name)) < 0)
		return error;
	len = utf8_length(password);
	if (len < pol.minsize)
		return panel__error(PANEL_EINVALID, "password",
				    "the password must have at least %u characters", pol.minsize);
	if (len > pol.maxsize)
		return panel__error(PANEL_EINVALID, "password",
				    "the password must have at most %u characters", pol.maxsize);
	if (!pol.allowlogin && login && *login) {
		/* The whole login, and each part of it around '@' (mail addresses). */
		const char *part = login;
		if (contains(password, login, strlen(login)))
			return panel__error(PANEL_EINVALID, "password",
					    "the password must not contain the login");
		for (;;) {
			const char *at = strchr(part, '@');
			size_t plen = at ? (size_t)(at - part) : strlen(part);
			if (contains(password, part, plen))
				return panel__error(PANEL_EINVALID, "password",
						    "the password must not contain the login");
			if (!at)
				break;
			part = at + 1;
		}
	}
	unsigned classes = character_classes(password);
	if (classes < pol.classcount)
		return panel__error(PANEL_EINVALID, "password",
				    "the password must mix %u kinds of characters (lower case, "
				    "upper case, digits, punctuation, others); it has %u",
				    pol.classcount, classes);
	const char *list = p ? panel_setting(p, "accounts", "breached_passwords") : NULL;
	if (list && *list) {
		int found = breached(list, password);
		if (found < 0)
			return panel__error(PANEL_ERROR, NULL,
					    "cannot read the breached passwords list %s", list);
		if (found)
			return panel__error(PANEL_EINVALID, "password",
					    "this password is in a list of breached passwords: "
					    "choose another one");
	}
	return 0;
}

struct check_ctx {
	panel *p;
	const char *name, *login, *password;
};

static int check_body(panel_db *db, void *arg)
{
	struct check_ctx *ctx = arg;

	return panel__policy_check(ctx->p, db, ctx->name, ctx->login, ctx->password);
}

int panel_policy_check(panel *p, const char *name, const char *login, const char *password)
{
	struct check_ctx ctx = {p, name, login, password};

	if (!p)
		return panel__error(PANEL_EINVALID, NULL, "no handle");
	if (!known(name))
		return panel__error(PANEL_EINVALID, "name", "unknown password policy");
	return panel__db_transaction(p->db, check_body, &ctx);
}

struct list_ctx {
	const panel_actor *who;
	panel_policy items[N_POLICIES];
};

static int list_body(panel_db *db, void *arg)
{
	struct list_ctx *ctx = arg;
	int error;

	if ((error = panel__authz_actor(db, ctx->who)) < 0)
		return error;
	for (size_t i = 0; i < N_POLICIES; i++)
		if ((error = load(&ctx->items[i], db, policy_names[i])) < 0)
			return error;
	return 0;
}

int panel_policy_list_get(panel_policy_list **out, panel *p, const panel_actor *who)
{
	struct list_ctx ctx = {.who = who};
	panel_policy *items;
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0)
		return error;
	if (!(items = malloc(sizeof(ctx.items))))
		return panel__error_oom();
	memcpy(items, ctx.items, sizeof(ctx.items));
	return PANEL__LIST_TAKE(out, items, N_POLICIES);
}

void panel_policy_list_free(panel_policy_list *list)
{
	PANEL__LIST_FREE(list);
}

struct set_ctx {
	const panel_actor *who;
	const panel_policy *policy;
};

static int set_body(panel_db *db, void *arg)
{
	struct set_ctx *ctx = arg;
	const panel_policy *pol = ctx->policy;
	panel_policy before;
	int error;

	/* A policy reaches every member, like the other global settings. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	if ((error = load(&before, db, pol->name)) < 0)
		return error;
	if ((error = panel__db_exec(
		 NULL, db,
		 "INSERT INTO policy (name, minsize, maxsize, classcount, allowlogin)"
		 " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
		 " minsize = VALUES(minsize), maxsize = VALUES(maxsize),"
		 " classcount = VALUES(classcount), allowlogin = VALUES(allowlogin)",
		 DB_ARGS(DB_STR(pol->name), DB_U64(pol->minsize), DB_U64(pol->maxsize),
			 DB_U64(pol->classcount), DB_U64(pol->allowlogin ? 1 : 0)))) < 0)
		return error;
	return panel__audit(db, ctx->who, "policy.set", "policy", pol->name, 0,
			    panel_policy_to_json(&before), panel_policy_to_json(pol));
}

int panel_policy_set(panel *p, const panel_actor *who, const panel_policy *policy)
{
	struct set_ctx ctx = {who, policy};
	int error;

	if ((error = panel__enter(p, who)) < 0)
		return error;
	if (!policy)
		return panel__error(PANEL_EINVALID, NULL, "no policy");
	if (!panel__authz_is_admin(who) || who->as_uid)
		return panel__error(PANEL_EFORBIDDEN, NULL,
				    "only an administrator may change password policies");
	if (!known(policy->name))
		return panel__error(PANEL_EINVALID, "name",
				    "unknown password policy (mem, pop, ftp, mysql, hta)");
	/* 255: the column's limit (AlternC's panel offered 64; long passphrases deserve more). */
	if (policy->minsize > 255)
		return panel__error(PANEL_EINVALID, "minsize", "minsize must be 0 to 255");
	if (policy->maxsize < 1 || policy->maxsize > 255 || policy->maxsize < policy->minsize)
		return panel__error(PANEL_EINVALID, "maxsize", "maxsize must be minsize to 255");
	if (policy->classcount > 4)
		return panel__error(PANEL_EINVALID, "classcount", "classcount must be 0 to 4");
	return panel__db_transaction(p->db, set_body, &ctx);
}
