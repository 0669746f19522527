/* The hosting part of an import line, as an export of AlternC 1.0 gives it: the member's
 * domains and their mail boxes, {"domains": [{"domain", "mail": [{"local", "password" or
 * "password_hash"}]}]}. Checked when the line is parsed; made after the account, each object
 * skipped when it exists already for that member (a rerun resumes). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "import_hosting.h"

static int shape_error(char *field, size_t size, const char *path, const char *message,
		       const char **why)
{
	snprintf(field, size, "%s", path);
	*why = message;
	return -1;
}

/* One mail object of domains[i].mail[j]. */
static int check_mail(json_t *m, char *field, size_t size, const char **why, size_t i, size_t j)
{
	char path[64];
	const char *key;
	json_t *v;

	snprintf(path, sizeof(path), "domains[%zu].mail[%zu]", i, j);
	if (!json_is_object(m))
		return shape_error(field, size, path, "must be an object", why);
	json_object_foreach(m, key, v)
	{
		if (strcmp(key, "local") && strcmp(key, "password") && strcmp(key, "password_hash"))
			return shape_error(field, size, path, "unknown field", why);
		if (!json_is_string(v))
			return shape_error(field, size, path, "fields are strings", why);
	}
	if (!json_is_string(json_object_get(m, "local")))
		return shape_error(field, size, path, "local is required", why);
	if (!json_object_get(m, "password") == !json_object_get(m, "password_hash"))
		return shape_error(field, size, path, "password or password_hash, one of them",
				   why);
	return 0;
}

int import_hosting_check(json_t *domains, char *field, size_t size, const char **why)
{
	size_t i, j;
	json_t *d, *m;

	if (!json_is_array(domains))
		return shape_error(field, size, "domains", "must be an array", why);
	json_array_foreach(domains, i, d)
	{
		char path[32];
		json_t *mail = json_object_get(d, "mail");

		snprintf(path, sizeof(path), "domains[%zu]", i);
		if (!json_is_object(d) || !json_is_string(json_object_get(d, "domain")))
			return shape_error(field, size, path, "an object with a domain", why);
		if (json_object_size(d) != (mail ? 2u : 1u))
			return shape_error(field, size, path, "only domain and mail", why);
		if (mail && !json_is_array(mail))
			return shape_error(field, size, path, "mail must be an array", why);
		json_array_foreach(mail, j,
				   m) if (check_mail(m, field, size, why, i, j) < 0) return -1;
	}
	return 0;
}

/* libpanel's last error, for the object at path. */
static int failed(import_hosting_error *e, const char *path)
{
	const panel_error *last = panel_error_last();

	e->code = last->code;
	snprintf(e->field, sizeof(e->field), "%s", path);
	snprintf(e->message, sizeof(e->message), "%s", last->message);
	return -1;
}

/* A box; PANEL_EEXISTS is a resumed run (the address is the member's: its domain is). */
static int add_mail(import_hosting_counts *n, import_hosting_error *e, cli *c, const char *domain,
		    json_t *m, const char *path)
{
	panel_mail_spec spec = PANEL_MAIL_SPEC_INIT;
	panel_mail *made = NULL;

	spec.local = json_string_value(json_object_get(m, "local"));
	spec.password = json_string_value(json_object_get(m, "password"));
	spec.password_hash = json_string_value(json_object_get(m, "password_hash"));
	if (panel_mail_create(&made, c->p, &c->actor, domain, &spec) == 0) {
		n->mail_created++;
		panel_mail_free(made);
		return 0;
	}
	if (panel_error_last()->code != PANEL_EEXISTS)
		return failed(e, path);
	n->mail_skipped++;
	panel_error_clear();
	return 0;
}

/* The domain, for login; an existing one counts when login owns it already. */
static int add_domain(import_hosting_counts *n, import_hosting_error *e, cli *c, const char *login,
		      const char *domain, const char *path)
{
	panel_domain_spec spec = PANEL_DOMAIN_SPEC_INIT;
	panel_domain *d = NULL;

	spec.domain = domain;
	if (panel_domain_add(&d, c->p, &c->actor, login, &spec) == 0) {
		n->domains_created++;
		panel_domain_free(d);
		return 0;
	}
	if (panel_error_last()->code != PANEL_EEXISTS)
		return failed(e, path);
	failed(e, path);
	int mine = panel_domain_get(&d, c->p, &c->actor, domain) == 0 && !strcmp(d->login, login);
	panel_domain_free(d);
	if (!mine)
		return -1;
	n->domains_skipped++;
	panel_error_clear();
	return 0;
}

int import_hosting_apply(import_hosting_counts *n, import_hosting_error *e, cli *c,
			 const char *login, json_t *domains)
{
	char path[64];
	size_t i, j;
	json_t *d, *m;

	json_array_foreach(domains, i, d)
	{
		const char *domain = json_string_value(json_object_get(d, "domain"));

		snprintf(path, sizeof(path), "domains[%zu]", i);
		if (add_domain(n, e, c, login, domain, path) < 0)
			return -1;
		json_array_foreach(json_object_get(d, "mail"), j, m)
		{
			snprintf(path, sizeof(path), "domains[%zu].mail[%zu]", i, j);
			if (add_mail(n, e, c, domain, m, path) < 0)
				return -1;
		}
	}
	return 0;
}
