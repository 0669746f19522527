/* JSON forms of application keys and principals (the other objects are in json.c). Neither
 * carries a secret or a hash: only what the tables hold besides them. */
#include <string.h>

#include <jansson.h>

#include "panel/json.h"

/* Sets key to value (stolen); value NULL counts as out of memory. -1 on failure. */
static int set(json_t *obj, const char *key, json_t *value)
{
	if (!value)
		return -1;
	return json_object_set_new(obj, key, value);
}

static json_t *string_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* A comma list as an array of strings ("" gives []). */
static json_t *comma_list(const char *s)
{
	json_t *array = json_array();

	if (!array)
		return NULL;
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len > 0 && json_array_append_new(array, json_stringn(s, len)) != 0) {
			json_decref(array);
			return NULL;
		}
		s = comma ? comma + 1 : NULL;
	}
	return array;
}

json_t *panel_apikey_to_json(const panel_apikey *key)
{
	json_t *obj, *owner;

	if (!key || !(obj = json_object()))
		return NULL;
	owner = json_object();
	if (!owner || set(owner, "uid", json_integer(key->uid)) ||
	    set(owner, "login", json_string(key->login))) {
		json_decref(owner);
		json_decref(obj);
		return NULL;
	}
	if (set(obj, "id", json_integer((json_int_t)key->id)) || set(obj, "owner", owner) ||
	    set(obj, "name", json_string(key->name)) ||
	    set(obj, "scope", json_string(key->scope)) ||
	    set(obj, "networks", comma_list(key->networks)) ||
	    set(obj, "expires", string_or_null(key->expires)) ||
	    set(obj, "created", string_or_null(key->created)) ||
	    set(obj, "last_used", string_or_null(key->last_used)) ||
	    set(obj, "revoked", json_boolean(key->revoked))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *panel_principal_to_json(const panel_principal *who)
{
	json_t *obj;
	int is_key;

	if (!who || !(obj = json_object()))
		return NULL;
	is_key = who->apikey_id != 0;
	/* kinds: null when every kind is allowed, so that [] can never be read as "all". */
	if (set(obj, "uid", json_integer(who->uid)) || set(obj, "login", json_string(who->login)) ||
	    set(obj, "admin", json_boolean(who->admin)) ||
	    set(obj, "via", json_string(is_key ? "apikey" : "token")) ||
	    set(obj, "apikey_id",
		is_key ? json_integer((json_int_t)who->apikey_id) : json_null()) ||
	    set(obj, "read_only", json_boolean(who->read_only)) ||
	    set(obj, "kinds", who->kinds[0] ? comma_list(who->kinds) : json_null()) ||
	    set(obj, "expires", string_or_null(who->expires))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
