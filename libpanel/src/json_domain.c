/* JSON forms of domains, sub-domains, domain types and TLDs (panel/json.h). */
#include <string.h>

#include "panel/json.h"

json_t *panel_domain_to_json(const panel_domain *d)
{
	if (!d)
		return NULL;
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:s, s:s, s:i, s:s}", "domain", d->domain,
			 "owner", d->login, "dns", d->dns, "mx", d->mx, "noerase", d->noerase,
			 "dns_action", d->dns_action, "dns_result", d->dns_result, "subdomains",
			 (int)d->subdomains, "etag", d->etag);
}

json_t *panel_subdomain_to_json(const panel_subdomain *s)
{
	if (!s)
		return NULL;
	int enabled = strcmp(s->enable, "ENABLED") == 0 || strcmp(s->enable, "ENABLE") == 0;
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "domain", s->domain, "sub",
			 *s->sub ? s->sub : "@", "type", s->type, "target", s->target, "enabled",
			 enabled, "enable", s->enable, "web_action", s->web_action, "web_result",
			 s->web_result);
}

json_t *panel_domain_type_to_json(const panel_domain_type *t)
{
	json_t *compat;

	if (!t)
		return NULL;
	compat = json_array();
	for (const char *s = t->compatibility; compat && *s;) {
		while (*s == ',' || *s == ' ')
			s++;
		size_t len = strcspn(s, ", ");
		if (len)
			json_array_append_new(compat, json_stringn(s, len));
		s += len;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:b}", "name", t->name,
			 "description", t->description, "target", t->target, "entry", t->entry,
			 "compatibility", compat, "enable", t->enable, "only_dns", t->only_dns,
			 "need_dns", t->need_dns, "advanced", t->advanced);
}

json_t *panel_tld_to_json(const panel_tld *t)
{
	if (!t)
		return NULL;
	return json_pack("{s:s, s:i}", "tld", t->tld, "mode", t->mode);
}

json_t *panel_mx_check_to_json(const char *domain, const panel_mx_check *check)
{
	static const char *const results[] = {"ours", "none", "foreign"};
	json_t *mx = json_array();

	if (!check || !domain || !mx || check->result < 0 || check->result > 2) {
		json_decref(mx);
		return NULL;
	}
	for (size_t i = 0; i < check->count; i++)
		json_array_append_new(mx, json_string(check->hosts[i]));
	return json_pack("{s:s, s:s, s:i, s:o}", "domain", domain, "result", results[check->result],
			 "code", check->result, "mx", mx);
}
