/* GET /api/v1/domain-types/{name}: one type of DNS entry (any caller); 404 for an unknown
 * name. */
#include <stdlib.h>
#include <string.h>

#include "papi.h"

void papi_domain_types_NAME_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	const char *name = papi_param(r, 0);
	panel_domain_type *types = NULL;
	size_t count = 0, i;
	int rc;

	if (papi_query_check(r, none) < 0)
		return;
	rc = panel_domain_type_list(&types, &count, r->p, &r->actor);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	for (i = 0; i < count && strcmp(types[i].name, name) != 0; i++)
		;
	if (i < count)
		papi_reply_ok(r, panel_domain_type_to_json(&types[i]));
	else
		papi_reply_error(r, PAPI_E_NOT_FOUND, "name", "no such domain type");
	free(types);
}
