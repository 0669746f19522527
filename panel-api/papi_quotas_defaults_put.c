/* PUT /api/v1/quotas/defaults {"type"?, "name", "value"}: sets the default of one quota for an
 * account type (default "default"), creating the type if needed (admins). */
#include <stdint.h>
#include <stdio.h>

#include "papi.h"

void papi_quotas_defaults_put(papi_request *r)
{
	const char *type = "default", *name = NULL;
	long long value = 0;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("type", &type)),
	    papi_spec_string("name", &name),
	    papi_spec_int("value", &value, 0, INT64_MAX),
	    papi_spec_end(),
	};
	panel_quota_default def = {.value = 0};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_quota_default_set(r->p, &r->actor, type, name, (uint64_t)value);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	snprintf(def.type, sizeof(def.type), "%s", type);
	snprintf(def.name, sizeof(def.name), "%s", name);
	def.value = (uint64_t)value;
	papi_reply_ok(r, panel_quota_default_to_json(&def));
}
