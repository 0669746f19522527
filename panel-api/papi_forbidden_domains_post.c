/* POST /api/v1/forbidden-domains {"domain"}: forbids a domain and everything under it (admins).
 * 201 with {"domain"} as stored (punycode, lower case); 409 when it is already forbidden. */
#include <string.h>

#include "papi.h"

/* 1 when name is in list. */
static int has(char **list, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

void papi_forbidden_domains_post(papi_request *r)
{
	const char *domain = NULL;
	papi_spec specs[] = {
	    papi_spec_string("domain", &domain),
	    papi_spec_end(),
	};
	char **before = NULL, **after = NULL;
	size_t nbefore = 0, nafter = 0;
	const char *stored = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	/* libpanel normalizes the name (IDN to punycode); the new row tells which it stored. */
	if ((rc = panel_forbidden_list(&before, &nbefore, r->p, &r->actor)) < 0 ||
	    (rc = panel_forbidden_add(r->p, &r->actor, domain)) < 0 ||
	    (rc = panel_forbidden_list(&after, &nafter, r->p, &r->actor)) < 0) {
		papi_reply_panel_error(r, rc);
		goto out;
	}
	for (size_t i = 0; !stored && i < nafter; i++)
		if (!has(before, nbefore, after[i]))
			stored = after[i];
	papi_reply_created_at(r, json_pack("{s:s}", "domain", stored ? stored : domain),
			      "/api/v1/forbidden-domains/", stored ? stored : domain);
out:
	panel_forbidden_list_free(before, nbefore);
	panel_forbidden_list_free(after, nafter);
}
