/* POST /api/v1/tlds {"tld", "mode"}: allows a top-level domain, or changes its mode (admins).
 * 201 with {"tld", "mode"} for a new one, 200 when it existed. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* The TLD as libpanel stores it: lower case, without the leading dot. */
static void normalize(char *out, size_t outsz, const char *tld)
{
	size_t i = 0;

	if (*tld == '.')
		tld++;
	for (; tld[i] && i + 1 < outsz; i++)
		out[i] = (char)tolower((unsigned char)tld[i]);
	out[i] = '\0';
}

/* 1 when the list has name, 0 when not, a negative code on error. */
static int listed(papi_request *r, const char *name)
{
	panel_tld *tlds = NULL;
	size_t count = 0;
	int rc = panel_tld_list(&tlds, &count, r->p, &r->actor), found = 0;

	for (size_t i = 0; rc == 0 && i < count; i++)
		found |= strcmp(tlds[i].tld, name) == 0;
	free(tlds);
	return rc < 0 ? rc : found;
}

void papi_tlds_post(papi_request *r)
{
	const char *tld = NULL;
	long long mode = 0;
	papi_spec specs[] = {
	    papi_spec_string("tld", &tld),
	    papi_spec_int("mode", &mode, 0, 5),
	    papi_spec_end(),
	};
	panel_tld out;
	int rc, existed;

	if (papi_parse_body(r, specs) < 0)
		return;
	normalize(out.tld, sizeof(out.tld), tld);
	out.mode = (int)mode;
	existed = listed(r, out.tld);
	if (existed < 0) {
		papi_reply_panel_error(r, existed);
		return;
	}
	rc = panel_tld_set(r->p, &r->actor, tld, out.mode);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (existed)
		papi_reply_ok(r, panel_tld_to_json(&out));
	else
		papi_reply_created_at(r, panel_tld_to_json(&out), "/api/v1/tlds/", out.tld);
}
