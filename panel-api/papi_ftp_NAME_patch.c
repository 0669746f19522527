/* PATCH /api/v1/ftp/{name} {"prefix", "suffix", "password", "dir"}: renames an FTP account
 * (prefix, suffix), moves its root (dir) or sets its password. Answers the account; its name
 * may have changed. */
#include "papi.h"

void papi_ftp_NAME_patch(papi_request *r)
{
	panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;
	papi_spec specs[] = {
	    papi_spec_optional(papi_spec_string("prefix", &spec.prefix)),
	    papi_spec_optional(papi_spec_string("suffix", &spec.suffix)),
	    papi_spec_optional(papi_spec_string("password", &spec.password)),
	    papi_spec_optional(papi_spec_string("dir", &spec.dir)),
	    papi_spec_end(),
	};
	panel_ftp *f = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_ftp_update(&f, r->p, &r->actor, papi_param(r, 0), &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_ftp_to_json(f));
	panel_ftp_free(f);
}
