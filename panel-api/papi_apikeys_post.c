/* POST /api/v1/apikeys {"name", "scope"?, "expires"?, "networks"?}: a new application key for
 * the calling admin. 201 {"id", "key", ...}: the key is shown this once, never stored. */
#include <sodium.h>
#include <string.h>

#include "papi.h"

#define LIST_MAX 1024

/* ["a", "b"] -> "a,b" (each item non-empty, without commas). */
static int join(papi_request *r, const char *field, json_t *array, char *out, size_t outsz)
{
	size_t i, n = 0;
	json_t *item;

	out[0] = '\0';
	json_array_foreach(array, i, item)
	{
		const char *s = json_string_value(item);
		size_t len = strlen(s);
		if (len == 0 || strchr(s, ',') || n + len + 2 > outsz) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, field,
					 "%s must hold non-empty items without commas", field);
			return -1;
		}
		if (n)
			out[n++] = ',';
		memcpy(out + n, s, len + 1);
		n += len;
	}
	return 0;
}

void papi_apikeys_post(papi_request *r)
{
	panel_apikey_spec spec = PANEL_APIKEY_SPEC_INIT;
	json_t *scope = NULL, *networks = NULL, *body;
	papi_spec specs[] = {
	    papi_spec_string("name", &spec.name),
	    papi_spec_optional(papi_spec_json("scope", &scope)),
	    papi_spec_optional(papi_spec_string("expires", &spec.expires)),
	    papi_spec_optional(papi_spec_string_array("networks", &networks)),
	    papi_spec_end(),
	};
	char scope_buf[LIST_MAX], networks_buf[LIST_MAX], secret[PANEL_TOKEN_MAX];
	panel_apikey key;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (json_is_string(scope)) {
		spec.scope = json_string_value(scope);
	} else if (json_is_array(scope) && json_array_size(scope) > 0) {
		for (size_t i = 0; i < json_array_size(scope); i++)
			if (!json_is_string(json_array_get(scope, i)))
				scope = NULL;
		if (!scope || join(r, "scope", scope, scope_buf, sizeof(scope_buf)) < 0) {
			if (!scope)
				papi_reply_error(r, PAPI_E_INVALID_FIELD, "scope",
						 "scope must be \"read\", \"write\" or a list of "
						 "resource kinds");
			return;
		}
		spec.scope = scope_buf;
	} else if (scope) {
		papi_reply_error(r, PAPI_E_INVALID_FIELD, "scope",
				 "scope must be \"read\", \"write\" or a list of resource kinds");
		return;
	}
	if (networks) {
		if (join(r, "networks", networks, networks_buf, sizeof(networks_buf)) < 0)
			return;
		spec.networks = networks_buf[0] ? networks_buf : NULL;
	}
	rc = panel_apikey_create(&key, secret, sizeof(secret), r->p, &r->actor, &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	body = panel_apikey_to_json(&key);
	if (body && json_object_set_new(body, "key", json_string(secret)) < 0) {
		json_decref(body);
		body = NULL;
	}
	sodium_memzero(secret, sizeof(secret));
	papi_reply_created(r, body, NULL);
	r->reply.secret_field = "key";
}
