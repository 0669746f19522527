/* Routes of FTP accounts: listing and creating an account's, reading, renaming or moving,
 * deleting one, and setting its password. */
#include <stdlib.h>

#include "papi.h"

/* GET /api/v1/accounts/{login}/ftp: the account's FTP accounts ordered by name, in the list
 * envelope (one page). */
static int account_ftp_json(json_t **out, papi_request *r)
{
	panel_ftp_list *list = NULL;
	int rc = panel_ftp_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_ftp_to_json);
	panel_ftp_list_free(list);
	return 0;
}

/* GET /api/v1/ftp/{name}: one FTP account the caller may see. */
static int ftp_json(json_t **out, papi_request *r)
{
	panel_ftp *f = NULL;
	int rc = panel_ftp_get(&f, r->p, &r->actor, papi_param(r, 0));

	if (rc == 0)
		*out = panel_ftp_to_json(f);
	panel_ftp_free(f);
	return rc;
}

/* POST /api/v1/accounts/{login}/ftp {"prefix", "suffix", "password", "dir"} (arg.flag 1): a new
 * FTP account named prefix (the login or one of its domains) or prefix_suffix, rooted at dir
 * inside the account's web space; prefix and password required. 201 with Location; 409 when
 * taken, 422 when the ftp quota is used up.
 * PATCH /api/v1/ftp/{name}, the same fields: renames an FTP account (prefix, suffix), moves its
 * root (dir) or sets its password. Answers the account; its name may have changed. */
static void ftp_write(papi_request *r)
{
	int create = r->route->arg.flag;
	panel_ftp_spec spec = PANEL_FTP_SPEC_INIT;
	papi_spec prefix = papi_spec_string("prefix", &spec.prefix),
		  password = papi_spec_string("password", &spec.password);
	papi_spec specs[] = {
	    create ? prefix : papi_spec_optional(prefix),
	    papi_spec_optional(papi_spec_string("suffix", &spec.suffix)),
	    create ? password : papi_spec_optional(password),
	    papi_spec_optional(papi_spec_string("dir", &spec.dir)),
	    papi_spec_end(),
	};
	panel_ftp *f = NULL;
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	if (create)
		rc = panel_ftp_create(&f, r->p, &r->actor, papi_param(r, 0), &spec);
	else
		rc = panel_ftp_update(&f, r->p, &r->actor, papi_param(r, 0), &spec);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (create)
		papi_reply_created_at(r, panel_ftp_to_json(f), "/api/v1/ftp/", f->name);
	else
		papi_reply_ok(r, panel_ftp_to_json(f));
	panel_ftp_free(f);
}

/* DELETE /api/v1/ftp/{name}: its files stay in the web space. PUT .../password {"password"}:
 * under the "ftp" password policy. */
static const papi_route routes[] = {
    {"GET", "/api/v1/accounts/{login}/ftp", "ftp", 0, .handler = papi_list_handler,
     .arg.json = account_ftp_json},
    {"POST", "/api/v1/accounts/{login}/ftp", "ftp", PAPI_BODY | PAPI_ATOMIC, .handler = ftp_write,
     .arg.flag = 1},
    {"GET", "/api/v1/ftp/{name}", "ftp", 0, .handler = papi_object_handler, .arg.json = ftp_json},
    {"PATCH", "/api/v1/ftp/{name}", "ftp", PAPI_BODY | PAPI_ATOMIC, .handler = ftp_write},
    {"DELETE", "/api/v1/ftp/{name}", "ftp", PAPI_ATOMIC, .handler = papi_delete_handler,
     .arg.name = panel_ftp_delete},
    {"PUT", "/api/v1/ftp/{name}/password", "ftp", PAPI_BODY | PAPI_ATOMIC,
     .handler = papi_password_handler, .arg.password = panel_ftp_password},
};

const papi_route_table papi_routes_ftp = PAPI_ROUTE_TABLE(routes);
