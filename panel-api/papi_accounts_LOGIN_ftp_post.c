/* POST /api/v1/accounts/{login}/ftp {"prefix", "suffix", "password", "dir"}: a new FTP account
 * named prefix (the login or one of its domains) or prefix_suffix, rooted at dir inside the
 * account's web space. 201 with Location; 409 when taken, 422 when the ftp quota is used up. */
#include "papi.h"

void papi_accounts_LOGIN_ftp_post(papi_request *r)
{
	panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;
	papi_spec specs[] = {
	    papi_spec_string("prefix", &spec.prefix),
	    papi_spec_optional(papi_spec_string("suffix", &spec.suffix)),
	    papi_spec_string("password", &spec.password),
	    papi_spec_optional(papi_spec_string("dir", &spec.dir)),
	    papi_spec_end(),
	};
	panel_ftp *f = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_ftp_create(&f, r->p, &r->actor, papi_param(r, 0), &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_ftp_to_json(f), "/api/v1/ftp/", f->name);
	panel_ftp_free(f);
}
