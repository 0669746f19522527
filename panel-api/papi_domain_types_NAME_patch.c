/* PATCH /api/v1/domain-types/{name} {"description", "entry", "compatibility", "enable",
 * "only_dns", "need_dns", "advanced"}: changes a type of DNS entry (admins). compatibility is
 * an array of type names or one comma-separated string. Answers the type. */
#include "papi.h"

void papi_domain_types_NAME_patch(papi_request *r)
{
	const char *description = NULL, *entry = NULL, *enable = NULL;
	json_t *compat_json = NULL;
	int only_dns = -1, need_dns = -1, advanced = -1;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("description", &description)),
	    papi_spec_optional(papi_spec_string("entry", &entry)),
	    papi_spec_optional(papi_spec_json("compatibility", &compat_json)),
	    papi_spec_optional(papi_spec_string("enable", &enable)),
	    papi_spec_optional(papi_spec_bool("only_dns", &only_dns)),
	    papi_spec_optional(papi_spec_bool("need_dns", &need_dns)),
	    papi_spec_optional(papi_spec_bool("advanced", &advanced)),
	    papi_spec_end(),
	};
	char compat[256];
	panel_domain_type type;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (compat_json &&
	    papi_comma_list(r, "compatibility", compat_json, compat, sizeof(compat)) < 0)
		return;
	rc = panel_domain_type_update(&type, r->p, &r->actor, papi_param(r, 0), description, entry,
				      compat_json ? compat : NULL, enable, only_dns, need_dns,
				      advanced);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_domain_type_to_json(&type));
}
