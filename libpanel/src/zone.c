/* DNS zone rendering: a BIND zone from a domain's enabled entries and the domain types'
 * templates, every value checked again and escaped, with a serial that grows on each change. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "domain_internal.h"
#include "domain_validate.h"
#include "error.h"
#include "handle.h"

struct buf {
	char *data;
	size_t len, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown)
			return panel__error_oom();
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int puts_(struct buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

/* The value substituted for %TARGET%: TXT escaped inside its quotes, host names absolute. */
static int target_text(struct buf *b, enum panel__target_kind kind, const char *target)
{
	int error = 0;

	if (kind == PANEL_TARGET_TXT) {
		for (const char *s = target; *s && error == 0; s++) {
			if (*s == '"' || *s == '\\')
				error = put(b, "\\", 1);
			if (error == 0)
				error = put(b, s, 1);
		}
		return error;
	}
	if ((error = puts_(b, target)) < 0)
		return error;
	/* Stored absolute since the final dot is kept (domain_validate.c); rows written before
	 * have none. */
	size_t n = strlen(target);
	return kind == PANEL_TARGET_DOMAIN && (n == 0 || target[n - 1] != '.') ? put(b, ".", 1) : 0;
}

/* Expands one entry template into line; PANEL_EINVALID names a missing setting. */
static int expand(struct buf *line, const char *entry, const char *sub,
		  enum panel__target_kind kind, const char *target, const panel__zone_settings *set)
{
	static const struct {
		const char *marker, *field;
		size_t offset;
		int absolute;
	} markers[] = {
	    {"@@PUBLIC_IP@@", "hosting.public_ip", offsetof(panel__zone_settings, public_ip), 0},
	    {"@@PUBLIC_IPV6@@", "hosting.public_ipv6", offsetof(panel__zone_settings, public_ipv6),
	     0},
	    {"@@DEFAULT_MX@@", "hosting.default_mx", offsetof(panel__zone_settings, mx), 1},
	    {"@@DEFAULT_SECONDARY_MX@@", "hosting.default_secondary_mx",
	     offsetof(panel__zone_settings, mx2), 1},
	};
	int error = 0;

	for (const char *s = entry; *s && error == 0;) {
		if (strncmp(s, "%SUB%", 5) == 0) {
			error = puts_(line, *sub ? sub : "@");
			s += 5;
			continue;
		}
		if (strncmp(s, "%TARGET%", 8) == 0) {
			error = target_text(line, kind, target);
			s += 8;
			continue;
		}
		size_t i, n = sizeof(markers) / sizeof(markers[0]);
		for (i = 0; i < n; i++)
			if (strncmp(s, markers[i].marker, strlen(markers[i].marker)) == 0)
				break;
		if (i == n) {
			error = put(line, s++, 1);
			continue;
		}
		const char *value = *(const char *const *)((const char *)set + markers[i].offset);
		if (!value || !*value)
			return panel__error(PANEL_EINVALID, markers[i].field,
					    "%s must be configured to render this zone",
					    markers[i].field);
		if ((error = puts_(line, value)) == 0 && markers[i].absolute)
			error = put(line, ".", 1);
		s += strlen(markers[i].marker);
	}
	return error;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct zone_ctx {
	panel *p;
	const panel_actor *who;
	const char *domain;
	char *out;
};

static int render(struct buf *z, panel_db *db, panel *p, const char *name, uint32_t uid)
{
	const char *fqdn = panel_setting(p, "hosting", "fqdn");
	const char *ns1 = panel_setting(p, "hosting", "ns1"),
		   *ns2 = panel_setting(p, "hosting", "ns2");
	panel__zone_settings set = {panel_setting(p, "hosting", "public_ip"),
				    panel_setting(p, "hosting", "public_ipv6"),
				    panel_setting(p, "hosting", "default_mx"),
				    panel_setting(p, "hosting", "default_secondary_mx")};
	char head[1024], serial[16];
	panel_db_rows *rows;
	uint64_t s = 0;
	int error;

	if (!fqdn || !*fqdn)
		return panel__error(PANEL_EINVALID, "hosting.fqdn",
				    "hosting.fqdn must be configured");
	if (!ns1 || !*ns1)
		return panel__error(PANEL_EINVALID, "hosting.ns1",
				    "hosting.ns1 must be configured");
	error =
	    panel__db_query_u64(&s, db, "SELECT serial FROM panel_dns_serials WHERE domaine = ?",
				DB_ARGS(DB_STR(name)));
	if (error == PANEL_ENOTFOUND) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(serial, sizeof(serial), "%Y%m%d00", &tm);
	} else if (error < 0) {
		return error;
	} else {
		snprintf(serial, sizeof(serial), "%llu", (unsigned long long)s);
	}
	snprintf(head, sizeof(head),
		 "; zone of %s, rendered by libpanel from its entries\n"
		 "$TTL 86400\n"
		 "@ IN SOA %s. hostmaster.%s. ( %s 21600 3600 604800 86400 )\n"
		 "@ IN NS %s.\n",
		 name, fqdn, fqdn, serial, ns1);
	if ((error = puts_(z, head)) < 0)
		return error;
	if (ns2 && *ns2) {
		snprintf(head, sizeof(head), "@ IN NS %s.\n", ns2);
		if ((error = puts_(z, head)) < 0)
			return error;
	}
	if ((error =
		 panel__db_query(&rows, db,
				 "SELECT s.sub, LOWER(s.type), s.valeur, dt.entry, dt.target FROM"
				 " sub_domaines s JOIN domaines_type dt ON dt.name = s.type"
				 " WHERE s.compte = ? AND s.domaine = ? AND s.web_action <>"
				 " 'DELETE' AND s.enable IN ('ENABLED', 'ENABLE')"
				 " ORDER BY s.sub, s.type, s.valeur",
				 DB_ARGS(DB_U64(uid), DB_STR(name)))) < 0)
		return error;
	size_t n = panel__db_rows_count(rows);
	panel__zone_entry *entries = n ? calloc(n, sizeof(*entries)) : NULL;
	char *text = NULL;
	if (n && !entries) {
		panel__db_rows_free(rows);
		return panel__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		entries[i].sub = panel__db_cell(rows, i, 0);
		entries[i].value = panel__db_cell(rows, i, 2);
		entries[i].entry = panel__db_cell(rows, i, 3);
		entries[i].target = panel__db_cell(rows, i, 4);
	}
	error = panel__zone_entries(&text, entries, n, &set);
	free(entries);
	panel__db_rows_free(rows);
	if (error == 0 && text)
		error = puts_(z, text);
	free(text);
	return error;
}

int panel__zone_entries(char **out, const panel__zone_entry *entries, size_t n,
			const panel__zone_settings *set)
{
	struct buf z = {0};
	char **lines = n ? calloc(n, sizeof(*lines)) : NULL;
	size_t nlines = 0;
	int error = 0;

	*out = NULL;
	if (n && !lines)
		return panel__error_oom();
	for (size_t i = 0; i < n && error == 0; i++) {
		const char *sub = entries[i].sub, *entry = entries[i].entry;
		enum panel__target_kind kind = panel__target_kind(entries[i].target);
		char nsub[101], target[256];
		struct buf line = {0};
		/* Rows may come from elsewhere (the PHP panel, old data): check them again and
		 * leave out what could break or inject into the zone. */
		if (panel__sub_normalize(nsub, sizeof(nsub), sub) < 0 || strcmp(nsub, sub) != 0 ||
		    panel__target_check(target, sizeof(target), kind, entries[i].value) < 0 ||
		    panel__entry_template_check(entry) < 0) {
			error = puts_(&z, "; an invalid entry was left out\n");
			continue;
		}
		if ((error = expand(&line, entry, nsub, kind, target, set)) == 0 &&
		    (error = put(&line, "\n", 1)) == 0)
			lines[nlines++] = line.data;
		else
			free(line.data);
	}
	/* Sorted and without duplicates, as AlternC's cron writes them. */
	if (error == 0 && nlines)
		qsort(lines, nlines, sizeof(*lines), compare_lines);
	for (size_t i = 0; i < nlines && error == 0; i++)
		if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
			error = puts_(&z, lines[i]);
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	if (error < 0) {
		free(z.data);
		return error;
	}
	*out = z.data;
	return 0;
}

static int zone_body(panel_db *db, void *arg)
{
	struct zone_ctx *ctx = arg;
	char name[PANEL_DOMAIN_MAX + 1];
	panel_domain *d = NULL;
	struct buf z = {0};
	uint32_t uid;
	int error;

	free(ctx->out);
	ctx->out = NULL;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__domain_owned(&uid, name, db, ctx->who, ctx->domain, 0)) < 0 ||
	    (error = panel__domain_load(&d, db, name)) < 0)
		return error;
	if (!d->dns)
		error = panel__error(PANEL_ECONFLICT, "domain",
				     "the host does not manage this domain's DNS");
	panel_domain_free(d);
	if (error < 0 || (error = render(&z, db, ctx->p, name, uid)) < 0) {
		free(z.data);
		return error;
	}
	ctx->out = z.data;
	return 0;
}

int panel_domain_zone(char **out, panel *p, const panel_actor *who, const char *domain)
{
	struct zone_ctx ctx = {p, who, domain, NULL};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, zone_body, &ctx)) < 0) {
		free(ctx.out);
		return error;
	}
	*out = ctx.out;
	return 0;
}
