/* PUT /api/v1/dbusers/{name}/grants {"grants": {"<database>": ["SELECT", ...]}}: each listed
 * database (of the user's owner) gets exactly those rights ([] : none); databases not listed
 * keep theirs. Answers the grants as the server now holds them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* The body's grants as an array of panel_dbgrant; NULL with 400 (or 500) set. */
static panel_dbgrant *parse_grants(papi_request *r, json_t *obj, size_t *count)
{
	panel_dbgrant *grants;
	const char *database;
	json_t *rights;
	size_t n = 0;

	if (!json_is_object(obj)) {
		papi_reply_error(r, PAPI_E_INVALID_FIELD, "grants",
				 "grants must be an object: {\"<database>\": [\"SELECT\", ...]}");
		return NULL;
	}
	grants = calloc(json_object_size(obj) + 1, sizeof(*grants));
	if (!grants) {
		papi_reply_oom(r);
		return NULL;
	}
	json_object_foreach(obj, database, rights)
	{
		panel_dbgrant *g = &grants[n++];
		size_t i;
		json_t *right;

		if (!*database || strlen(database) >= sizeof(g->database) ||
		    !json_is_array(rights)) {
			papi_reply_error(r, PAPI_E_INVALID_FIELD, "grants",
					 "grants maps database names to arrays of rights");
			goto bad;
		}
		snprintf(g->database, sizeof(g->database), "%s", database);
		json_array_foreach(rights, i, right)
		{
			unsigned bit = json_is_string(right)
					   ? panel_dbright_parse(json_string_value(right))
					   : 0;
			if (!bit) {
				papi_reply_error(r, PAPI_E_INVALID_FIELD, "grants",
						 "unknown right in grants of %s: rights are SQL "
						 "privileges such as SELECT, INSERT, UPDATE",
						 g->database);
				goto bad;
			}
			g->rights |= bit;
		}
	}
	*count = n;
	return grants;
bad:
	free(grants);
	return NULL;
}

void papi_dbusers_NAME_grants_put(papi_request *r)
{
	json_t *obj = NULL;
	papi_spec specs[] = {
	    papi_spec_json("grants", &obj),
	    papi_spec_end(),
	};
	const char *name = papi_param(r, 0);
	panel_dbgrant *grants, *now = NULL;
	size_t count = 0, nnow = 0;
	int rc;

	if (papi_parse_body(r, specs) < 0 || !(grants = parse_grants(r, obj, &count)))
		return;
	rc = panel_dbuser_grants_set(r->p, &r->actor, name, grants, count);
	free(grants);
	if (rc == 0)
		rc = panel_dbuser_grants_get(&now, &nnow, r->p, &r->actor, name);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(
	    r, json_pack("{s:s, s:o}", "name", name, "grants", panel_dbgrants_to_json(now, nnow)));
	free(now);
}
