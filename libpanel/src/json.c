/* JSON forms of accounts, creators, quotas, policies, settings and audit entries (panel/json.h),
 * shared by every front end and by the audit trail. */
#include <jansson.h>

#include "panel/json.h"

/* A date, or null when unset (""). */
static json_t *date_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *panel_account_to_json(const panel_account *a)
{
	if (!a)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:o, s:o, s:I,"
			 " s:o, s:b, s:o, s:s, s:I, s:s}",
			 "uid", (json_int_t)a->uid, "login", a->login, "mail", a->mail, "nom",
			 a->nom, "prenom", a->prenom, "type", a->type, "notes",
			 a->notes ? a->notes : "", "enabled", a->enabled, "admin", a->admin,
			 "canpass", a->canpass, "creator",
			 a->creator_login[0] ? json_string(a->creator_login) : json_null(),
			 "created", date_or_null(a->created), "renewed", date_or_null(a->renewed),
			 "duration", (json_int_t)a->duration, "expiry", date_or_null(a->expiry),
			 "expired", a->expired, "lastlogin", date_or_null(a->lastlogin), "lastip",
			 a->lastip, "lastfail", (json_int_t)a->lastfail, "etag", a->etag);
}

json_t *panel_quota_to_json(const panel_quota *q)
{
	if (!q)
		return NULL;
	return json_pack("{s:s, s:I, s:I, s:o}", "name", q->name, "total", (json_int_t)q->total,
			 "used", (json_int_t)q->used, "measured_at", date_or_null(q->measured_at));
}

json_t *panel_creator_to_json(const panel_creator *c)
{
	if (!c)
		return NULL;
	return json_pack("{s:I, s:s, s:b, s:b, s:I}", "uid", (json_int_t)c->uid, "login", c->login,
			 "admin", c->admin, "enabled", c->enabled, "members",
			 (json_int_t)c->members);
}

json_t *panel_quota_default_to_json(const panel_quota_default *d)
{
	if (!d)
		return NULL;
	return json_pack("{s:s, s:s, s:I}", "type", d->type, "name", d->name, "value",
			 (json_int_t)d->value);
}

json_t *panel_policy_to_json(const panel_policy *p)
{
	if (!p)
		return NULL;
	return json_pack("{s:s, s:i, s:i, s:i, s:b}", "name", p->name, "minsize", (int)p->minsize,
			 "maxsize", (int)p->maxsize, "classcount", (int)p->classcount, "allowlogin",
			 p->allowlogin);
}

json_t *panel_variable_to_json(const panel_variable *v)
{
	if (!v)
		return NULL;
	return json_pack("{s:s, s:s, s:o, s:s}", "name", v->name, "value", v->value ? v->value : "",
			 "comment", v->comment ? json_string(v->comment) : json_null(), "kind",
			 panel_variable_kind_name(v->kind));
}

/* A stored JSON text as a value (null when unreadable). */
static json_t *parsed(const char *text)
{
	json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	return v ? v : json_null();
}

json_t *panel_audit_entry_to_json(const panel_audit_entry *e)
{
	json_t *as;

	if (!e)
		return NULL;
	as = e->as_uid ? json_pack("{s:I, s:s}", "uid", (json_int_t)e->as_uid, "login", e->as_login)
		       : json_null();
	return json_pack("{s:I, s:s, s:{s:s, s:I, s:s}, s:o, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
			 (json_int_t)e->id, "at", e->at, "actor", "kind", e->actor_kind, "uid",
			 (json_int_t)e->actor_uid, "login", e->actor_login, "as", as, "ip", e->ip,
			 "action", e->action, "object_kind", e->object_kind, "object_id",
			 e->object_id, "before", parsed(e->before), "after", parsed(e->after));
}
