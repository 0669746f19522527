/* The configuration: INI file reading (libinih), defaults, validation of libpanel's keys, and the
 * keys a front end claims in a section of its own. */
#include <errno.h>
#include <ini.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "error.h"
#include "validate.h"

enum value_kind {
	V_TEXT,	     /* printable text */
	V_HOST,	     /* host name or IP address */
	V_PORT,	     /* 1..65535 */
	V_SECONDS,   /* 1..3600 */
	V_PATH,	     /* absolute path, or empty */
	V_DBNAME,    /* [A-Za-z0-9_]{1,64} */
	V_IPV4,	     /* IPv4 address, or empty */
	V_IPV6,	     /* IPv6 address, or empty */
	V_FQDN,	     /* fully qualified name, or empty */
	V_GRANTHOST, /* host part of a MySQL account: an IP, a name, "%" or "localhost" */
	V_SCHEME,    /* sha512-crypt, bcrypt or argon2id */
	V_ROUNDS,    /* SHA512-crypt rounds: 5000..5000000 */
	V_COST,	     /* bcrypt cost: 10..15 */
	V_DAYS,	     /* 0..36500 */
	V_PERIOD,    /* seconds, 0..86400 (0: never) */
	V_COUNT,     /* 1..1000 */
	V_UID,	     /* a Unix user id: 0..4294967294 */
	V_BOOL,	     /* yes or no */
	V_BYTES,     /* a size in bytes: 1024..4294967296 */
	V_ENTRIES    /* a number of files and folders: 1..100000000 */
};

struct known_key {
	const char *section;
	const char *key;
	enum value_kind kind;
	const char *def;
};

/* Every key of the sections libpanel owns, with its default. An empty member_database value
 * means "same as [database]". */
static const struct known_key known_keys[] = {
    {"database", "host", V_HOST, "127.0.0.1"},
    {"database", "port", V_PORT, "3306"},
    {"database", "socket", V_PATH, ""},
    {"database", "user", V_TEXT, "panel"},
    {"database", "password", V_TEXT, ""},
    {"database", "password_file", V_PATH, ""},
    {"database", "name", V_DBNAME, "alternc"},
    {"database", "connect_timeout", V_SECONDS, "5"},
    {"database", "read_timeout", V_SECONDS, "30"},
    {"database", "write_timeout", V_SECONDS, "30"},
    {"member_database", "host", V_HOST, ""},
    {"member_database", "port", V_PORT, ""},
    {"member_database", "socket", V_PATH, ""},
    {"member_database", "user", V_TEXT, ""},
    {"member_database", "password", V_TEXT, ""},
    {"member_database", "password_file", V_PATH, ""},
    {"member_database", "client_host", V_GRANTHOST, "localhost"},
    {"hosting", "fqdn", V_FQDN, ""},
    {"hosting", "hosting_domain", V_FQDN, ""},
    {"hosting", "public_ip", V_IPV4, ""},
    {"hosting", "public_ipv6", V_IPV6, ""},
    {"hosting", "ns1", V_FQDN, ""},
    {"hosting", "ns2", V_FQDN, ""},
    {"hosting", "default_mx", V_FQDN, ""},
    {"hosting", "default_secondary_mx", V_FQDN, ""},
    {"hosting", "root", V_PATH, "/var/alternc"},
    /* AlternC 1.0's domain cron: its lock file (empty: <root>/bureau/cron.lock) and how long a
     * domain write waits while it runs (cron_lock.c). */
    {"alternc", "cron_lock", V_PATH, ""},
    {"alternc", "cron_wait", V_SECONDS, "10"},
    /* AlternC 1.0's flag file for its slave_dns cron (the runner's action slave_refresh). */
    {"alternc", "slave_flag", V_PATH, "/var/run/alternc/refresh_slave"},
    /* More logins to refuse, beside the built-in ones (account.c): the names of this site's
     * own database accounts, which a member's MySQL user of the same name would shadow. */
    {"accounts", "reserved_logins", V_TEXT, ""},
    /* How members' panel passwords are hashed. AlternC 1.0's PHP login verifies them with
     * crypt(): sha512-crypt and bcrypt work there, argon2id only through the API. 100,000
     * rounds take about 50 ms here (docs/architecture.md, "Passwords"). */
    {"accounts", "password_scheme", V_SCHEME, "sha512-crypt"},
    {"accounts", "sha512_rounds", V_ROUNDS, "100000"},
    {"accounts", "bcrypt_cost", V_COST, "11"},
    /* The most login tokens one account holds: a new login past it deletes the oldest
     * (auth.c), whose session ends. */
    {"accounts", "tokens_per_account", V_COUNT, "100"},
    /* A list of breached passwords (one a line) that no password may be; none by default. */
    {"accounts", "breached_passwords", V_PATH, ""},
    /* The actions runner (runner.c): days a deleted tree stays in <root>/trash, seconds after
     * which a claimed action whose runner died is taken again, the first retry delay (doubled
     * at each attempt), the attempts before giving up, and the owner of web and mail files
     * (AlternC 1.0: www-data, 33; the group is the member's uid). */
    {"runner", "trash_days", V_DAYS, "30"},
    /* Days the audit trail keeps an entry (0: for good); removed by the runner's passes. */
    {"runner", "audit_days", V_DAYS, "365"},
    /* Days a done action stays in the queue's table (0: for good; failed ones stay). */
    {"runner", "actions_days", V_DAYS, "30"},
    /* The panel's dumps kept per database: an older one goes when a new one is made. */
    {"runner", "dumps_kept", V_COUNT, "5"},
    {"runner", "lease", V_SECONDS, "300"},
    {"runner", "retry_base", V_SECONDS, "30"},
    {"runner", "max_attempts", V_COUNT, "10"},
    {"runner", "web_uid", V_UID, "33"},
    /* no: the runner makes folders but leaves their owners (when it cannot run as root, as in
     * `make run` on a developer's machine). */
    {"runner", "set_owners", V_BOOL, "yes"},
    /* Seconds after which a member's web usage (size_web) is measured again by a pass (0:
     * never; runner_usage.c). */
    {"runner", "usage_refresh", V_PERIOD, "300"},
    /* The most files and folders one member's walk counts (no disk quotas): a member with
     * millions of empty files (no inode quota) would hold the runner, and every other
     * member's actions, for as long as its walk took. Past it the walk stops and records what
     * it counted, a lower bound, with a warning. */
    {"runner", "usage_max_entries", V_ENTRIES, "1000000"},
    /* The programs mail may be delivered to (AlternC's wrappers), absolute paths between spaces
     * or commas; none by default (mail_wrapper.c). */
    {"mail", "wrappers", V_TEXT, ""},
    /* The mails the panel sends (sendmail.c): the local MTA's sendmail program, run with
     * "-t -i"; the sender (empty: postmaster@<fqdn>, as AlternC 1.0); the hosting's name in
     * subjects and texts (1.0's L_HOSTING; empty: the fqdn). */
    {"mail", "sendmail", V_PATH, "/usr/sbin/sendmail"},
    {"mail", "from", V_TEXT, ""},
    {"mail", "hosting_name", V_TEXT, ""},
    /* The file manager (files_*.c): the largest file written from the editor, and the largest
     * upload (also the largest file read). */
    {"files", "max_size", V_BYTES, "4194304"},
    {"files", "upload_max_size", V_BYTES, "67108864"},
    {"files", "copy_max_entries", V_ENTRIES, "100000"},
};

struct entry {
	char *section;
	char *key;
	char *value;
	int line;    /* in the file read, 0 when set otherwise */
	int claimed; /* read through panel_config_claim */
};

struct panel_config {
	struct entry *entries;
	size_t count;
	size_t cap;
	char *path; /* the file read, NULL when none */
};

static int owned_section(const char *section)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (strcmp(known_keys[i].section, section) == 0)
			return 1;
	return 0;
}

static const struct known_key *find_known(const char *section, const char *key)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (strcmp(known_keys[i].section, section) == 0 &&
		    strcmp(known_keys[i].key, key) == 0)
			return &known_keys[i];
	return NULL;
}

static int valid_value(enum value_kind kind, const char *v)
{
	unsigned long n;

	if (!panel__printable(v))
		return 0;
	switch (kind) {
	case V_TEXT:
		return 1;
	case V_HOST:
		return !*v || panel__valid_host(v);
	case V_PORT:
		return !*v || panel__parse_ulong(&n, v, 1, 65535);
	case V_SECONDS:
		return panel__parse_ulong(&n, v, 1, 3600);
	case V_PATH:
		return !*v || v[0] == '/';
	case V_DBNAME:
		return panel__valid_identifier(v, 64);
	case V_IPV4:
		return !*v || panel__valid_ipv4(v);
	case V_IPV6:
		return !*v || panel__valid_ipv6(v);
	case V_FQDN:
		return !*v || panel__valid_fqdn(v);
	case V_GRANTHOST:
		return strcmp(v, "%") == 0 || panel__valid_host(v);
	case V_SCHEME:
		return strcmp(v, "sha512-crypt") == 0 || strcmp(v, "bcrypt") == 0 ||
		       strcmp(v, "argon2id") == 0;
	case V_ROUNDS:
		return panel__parse_ulong(&n, v, 5000, 5000000);
	case V_COST:
		return panel__parse_ulong(&n, v, 10, 15);
	case V_DAYS:
		return panel__parse_ulong(&n, v, 0, 36500);
	case V_PERIOD:
		return panel__parse_ulong(&n, v, 0, 86400);
	case V_COUNT:
		return panel__parse_ulong(&n, v, 1, 1000);
	case V_UID:
		return panel__parse_ulong(&n, v, 0, 4294967294UL);
	case V_BOOL:
		return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
	case V_BYTES:
		return panel__parse_ulong(&n, v, 1024, 4294967296UL);
	case V_ENTRIES:
		return panel__parse_ulong(&n, v, 1, 100000000UL);
	}
	return 0;
}

static const char *kind_hint(enum value_kind kind)
{
	switch (kind) {
	case V_TEXT:
		return "printable text";
	case V_HOST:
		return "a host name or an IP address";
	case V_PORT:
		return "a port number (1-65535)";
	case V_SECONDS:
		return "a number of seconds (1-3600)";
	case V_PATH:
		return "an absolute path";
	case V_DBNAME:
		return "a database name of letters, digits and '_' (64 at most)";
	case V_IPV4:
		return "an IPv4 address";
	case V_IPV6:
		return "an IPv6 address";
	case V_FQDN:
		return "a fully qualified domain name";
	case V_GRANTHOST:
		return "a host name, an IP address or '%'";
	case V_SCHEME:
		return "sha512-crypt, bcrypt or argon2id";
	case V_ROUNDS:
		return "a number of rounds (5000-5000000)";
	case V_COST:
		return "a bcrypt cost (10-15)";
	case V_DAYS:
		return "a number of days (0-36500)";
	case V_PERIOD:
		return "a number of seconds (0-86400)";
	case V_COUNT:
		return "a number from 1 to 1000";
	case V_UID:
		return "a Unix user id";
	case V_BOOL:
		return "yes or no";
	case V_BYTES:
		return "a size in bytes (1024-4294967296)";
	case V_ENTRIES:
		return "a number of entries (1-100000000)";
	}
	return "a valid value";
}

static struct entry *find_entry(const panel_config *cfg, const char *section, const char *key)
{
	for (size_t i = 0; i < cfg->count; i++)
		if (strcmp(cfg->entries[i].section, section) == 0 &&
		    strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	return NULL;
}

static int store(panel_config *cfg, const char *section, const char *key, const char *value,
		 int line)
{
	struct entry *e = find_entry(cfg, section, key);
	char *copy = strdup(value);

	if (!copy)
		return panel__error_oom();
	if (e) {
		free(e->value);
		e->value = copy;
		e->line = line;
		return 0;
	}
	if (cfg->count == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 32;
		struct entry *grown = realloc(cfg->entries, cap * sizeof(*grown));
		if (!grown) {
			free(copy);
			return panel__error_oom();
		}
		cfg->entries = grown;
		cfg->cap = cap;
	}
	e = &cfg->entries[cfg->count];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = copy;
	e->line = line;
	e->claimed = 0;
	if (!e->section || !e->key) {
		free(e->section);
		free(e->key);
		free(copy);
		return panel__error_oom();
	}
	cfg->count++;
	return 0;
}

int panel_config_new(panel_config **out)
{
	panel_config *cfg = calloc(1, sizeof(*cfg));
	int error;

	*out = NULL;
	if (!cfg)
		return panel__error_oom();
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
		error = store(cfg, known_keys[i].section, known_keys[i].key, known_keys[i].def, 0);
		if (error < 0) {
			panel_config_free(cfg);
			return error;
		}
	}
	*out = cfg;
	return 0;
}

static int set_at(panel_config *cfg, const char *section, const char *key, const char *value,
		  int line)
{
	const struct known_key *k;
	char field[128];

	if (!cfg || !section || !key || !value)
		return panel__error(PANEL_EINVALID, NULL, "configuration: missing argument");
	snprintf(field, sizeof(field), "%s.%s", section, key);
	if (!panel__valid_identifier(section, 64) || !panel__valid_identifier(key, 64))
		return panel__error(PANEL_EINVALID, field,
				    "configuration: bad section or key name");
	if (owned_section(section)) {
		k = find_known(section, key);
		if (!k)
			return panel__error(PANEL_EINVALID, field, "configuration: unknown key %s",
					    field);
		if (!valid_value(k->kind, value))
			return panel__error(PANEL_EINVALID, field, "configuration: %s must be %s",
					    field, kind_hint(k->kind));
	} else if (!panel__printable(value)) {
		return panel__error(PANEL_EINVALID, field,
				    "configuration: %s has control characters", field);
	}
	return store(cfg, section, key, value, line);
}

int panel_config_set(panel_config *cfg, const char *section, const char *key, const char *value)
{
	return set_at(cfg, section, key, value, 0);
}

struct load_state {
	panel_config *cfg;
	FILE *f;
	int line;      /* of the text last read */
	int next_line; /* of the text read next */
	int error;
};

/* fgets for libinih, counting lines: its handler is not told the line of a value (the library
 * is built without INI_HANDLER_LINENO), which panel_config_check_claimed names. */
static char *read_line(char *buf, int size, void *stream)
{
	struct load_state *st = stream;
	char *got = fgets(buf, size, st->f);

	if (got) {
		st->line = st->next_line;
		if (strchr(buf, '\n'))
			st->next_line++;
	}
	return got;
}

static int on_ini_value(void *user, const char *section, const char *name, const char *value)
{
	struct load_state *st = user;

	if (st->error < 0)
		return 0;
	st->error = set_at(st->cfg, section, name, value, st->line);
	return st->error == 0;
}

int panel_config_load(panel_config **out, const char *path)
{
	struct load_state st = {.next_line = 1};
	int line, error;

	*out = NULL;
	if ((error = panel_config_new(&st.cfg)) < 0)
		return error;
	if (!(st.cfg->path = strdup(path))) {
		error = panel__error_oom();
		goto out;
	}
	st.f = fopen(path, "r");
	if (!st.f) {
		error = panel__error(PANEL_EINVALID, "config", "cannot read %s: %s", path,
				     strerror(errno));
		goto out;
	}
	line = ini_parse_stream(read_line, &st, on_ini_value, &st);
	fclose(st.f);
	if (st.error < 0) {
		const panel_error *e = panel_error_last();
		char field[128];
		snprintf(field, sizeof(field), "%s", e->field ? e->field : "config");
		error = panel__error(st.error, field, "%s:%d: %s", path, line, e->message);
		goto out;
	}
	if (line != 0) {
		error = panel__error(PANEL_EINVALID, "config", "%s:%d: syntax error", path, line);
		goto out;
	}
	*out = st.cfg;
	return 0;
out:
	panel_config_free(st.cfg);
	return error;
}

const char *panel_config_get(const panel_config *cfg, const char *section, const char *key)
{
	const struct entry *e;

	if (!cfg || !section || !key)
		return NULL;
	e = find_entry(cfg, section, key);
	return e ? e->value : NULL;
}

const char *panel_config_claim(panel_config *cfg, const char *section, const char *key)
{
	struct entry *e;

	if (!cfg || !section || !key)
		return NULL;
	e = find_entry(cfg, section, key);
	if (!e)
		return NULL;
	e->claimed = 1;
	return e->value;
}

int panel_config_check_claimed(const panel_config *cfg, const char *section)
{
	char field[128];

	if (!cfg || !section)
		return panel__error(PANEL_EINVALID, NULL, "configuration: missing argument");
	for (size_t i = 0; i < cfg->count; i++) {
		const struct entry *e = &cfg->entries[i];
		if (e->claimed || strcmp(e->section, section) != 0)
			continue;
		snprintf(field, sizeof(field), "%s.%s", e->section, e->key);
		if (cfg->path && e->line > 0)
			return panel__error(PANEL_EINVALID, field,
					    "%s:%d: configuration: unknown key %s", cfg->path,
					    e->line, field);
		return panel__error(PANEL_EINVALID, field, "configuration: unknown key %s", field);
	}
	return 0;
}

int panel_config_get_uint(unsigned long *out, const panel_config *cfg, const char *section,
			  const char *key)
{
	const char *v = panel_config_get(cfg, section, key);
	char field[128];

	snprintf(field, sizeof(field), "%s.%s", section ? section : "", key ? key : "");
	if (!v || !panel__parse_ulong(out, v, 0, ~0UL))
		return panel__error(PANEL_EINVALID, field, "configuration: %s is not a number",
				    field);
	return 0;
}

int panel__config_dup(panel_config **out, const panel_config *cfg)
{
	panel_config *copy = calloc(1, sizeof(*copy));
	int error;

	*out = NULL;
	if (!copy)
		return panel__error_oom();
	if (cfg->path && !(copy->path = strdup(cfg->path))) {
		panel_config_free(copy);
		return panel__error_oom();
	}
	for (size_t i = 0; i < cfg->count; i++) {
		const struct entry *e = &cfg->entries[i];
		if ((error = store(copy, e->section, e->key, e->value, e->line)) < 0) {
			panel_config_free(copy);
			return error;
		}
	}
	*out = copy;
	return 0;
}

static int read_first_line(char **out, const char *path, const char *field)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return panel__error(PANEL_EINVALID, field, "cannot read %s: %s", path,
				    strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	*out = strdup(buf);
	sodium_memzero(buf, sizeof(buf));
	return *out ? 0 : panel__error_oom();
}

int panel__config_secret(char **out, const panel_config *cfg, const char *section)
{
	const char *file = panel_config_get(cfg, section, "password_file");
	const char *value = panel_config_get(cfg, section, "password");
	char field[128];

	*out = NULL;
	if (file && *file) {
		snprintf(field, sizeof(field), "%s.password_file", section);
		return read_first_line(out, file, field);
	}
	*out = strdup(value ? value : "");
	return *out ? 0 : panel__error_oom();
}

void panel__secret_free(char *secret)
{
	if (!secret)
		return;
	sodium_memzero(secret, strlen(secret));
	free(secret);
}

void panel_config_free(panel_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->count; i++) {
		struct entry *e = &cfg->entries[i];
		if (strcmp(e->key, "password") == 0)
			sodium_memzero(e->value, strlen(e->value));
		free(e->section);
		free(e->key);
		free(e->value);
	}
	free(cfg->entries);
	free(cfg->path);
	free(cfg);
}
