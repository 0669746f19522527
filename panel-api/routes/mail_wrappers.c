/* Routes of mail wrappers (AlternC 1.0's add_wrapper): addresses of a domain delivered to a
 * program the host allows ([mail] wrappers). Admins create them; the owner lists and deletes. */
#include <stdio.h>

#include "papi.h"

/* GET /api/v1/domains/{domain}/wrappers: {"address", "owner", "command"} ordered by address. */
static int wrappers_json(json_t **out, papi_request *r)
{
	panel_mail_wrapper_list *list = NULL;
	int rc = panel_mail_wrapper_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_mail_wrapper_to_json);
	panel_mail_wrapper_list_free(list);
	return 0;
}

/* POST /api/v1/domains/{domain}/wrappers {"local", "command"}: 201 with Location; 400 for a
 * program the host does not allow or shell syntax in the arguments; 409 when the address is
 * taken. */
static void wrappers_post(papi_request *r)
{
	const char *local = NULL, *command = NULL;
	papi_spec specs[] = {
	    papi_spec_string("local", &local),
	    papi_spec_string("command", &command),
	    papi_spec_end(),
	};
	panel_mail_wrapper *w = NULL;
	char address[400];
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	snprintf(address, sizeof(address), "%s@%s", local, papi_param(r, 0));
	if ((rc = panel_mail_wrapper_create(&w, r->p, &r->actor, address, command)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_created_at(r, panel_mail_wrapper_to_json(w), "/api/v1/mail-wrappers/",
			      w->address);
	panel_mail_wrapper_free(w);
}

static const papi_route routes[] = {
    {"GET", "/api/v1/domains/{domain}/wrappers", "mail", 0, .handler = papi_list_handler,
     .arg.json = wrappers_json},
    {"POST", "/api/v1/domains/{domain}/wrappers", "mail", PAPI_BODY | PAPI_ATOMIC,
     .handler = wrappers_post},
    {"DELETE", "/api/v1/mail-wrappers/{address}", "mail", PAPI_ATOMIC,
     .handler = papi_delete_handler, .arg.name = panel_mail_wrapper_delete},
};

const papi_route_table papi_routes_mail_wrappers = PAPI_ROUTE_TABLE(routes);
