/* Routes of raw web statistics (AlternC 1.0's m_sta2): an account's sets, creating one for a
 * host it publishes, moving one to another folder, deleting one. Key scope kind "domains": a
 * set is about the account's web hosts. */
#include <stdio.h>

#include "papi.h"

/* GET /api/v1/accounts/{login}/rawstats: the account's sets ordered by host name, in the list
 * envelope (one page). */
static int account_rawstats_json(json_t **out, papi_request *r)
{
	panel_rawstat_list *list = NULL;
	int rc = panel_rawstat_list_get(&list, r->p, &r->actor, papi_param(r, 0));

	if (rc < 0)
		return rc;
	PAPI_ITEMS_JSON(out, list, panel_rawstat_to_json);
	panel_rawstat_list_free(list);
	return 0;
}

/* POST /api/v1/accounts/{login}/rawstats {"hostname", "dir"}: a new set; 201 with Location,
 * 400 for a host the account does not publish or a folder outside its space, 422 when the
 * sta2 quota is used up. */
static void rawstats_post(papi_request *r)
{
	const char *hostname = NULL, *dir = NULL;
	papi_spec specs[] = {
	    papi_spec_string("hostname", &hostname),
	    papi_spec_string("dir", &dir),
	    papi_spec_end(),
	};
	panel_rawstat *set = NULL;
	char id[24];
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = panel_rawstat_create(&set, r->p, &r->actor, papi_param(r, 0), hostname, dir);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	snprintf(id, sizeof(id), "%llu", (unsigned long long)set->id);
	papi_reply_created_at(r, panel_rawstat_to_json(set), "/api/v1/rawstats/", id);
	panel_rawstat_free(set);
}

/* GET /api/v1/rawstats/{id}: one set the caller may see. */
static void rawstat_get(papi_request *r)
{
	panel_rawstat *set = NULL;
	uint64_t id;
	int rc;

	if (papi_param_id(&id, r, 0, "raw statistics set") < 0)
		return;
	if ((rc = panel_rawstat_get(&set, r->p, &r->actor, id)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_rawstat_to_json(set));
	panel_rawstat_free(set);
}

/* PATCH /api/v1/rawstats/{id} {"dir"}: moves the set to another folder of the space. */
static void rawstat_patch(papi_request *r)
{
	const char *dir = NULL;
	papi_spec specs[] = {
	    papi_spec_string("dir", &dir),
	    papi_spec_end(),
	};
	panel_rawstat *set = NULL;
	uint64_t id;
	int rc;

	if (papi_param_id(&id, r, 0, "raw statistics set") < 0 || papi_parse_body(r, specs) < 0)
		return;
	if ((rc = panel_rawstat_update(&set, r->p, &r->actor, id, dir)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_ok(r, panel_rawstat_to_json(set));
	panel_rawstat_free(set);
}

/* DELETE /api/v1/rawstats/{id}: 204; the logs already copied stay. */
static void rawstat_delete(papi_request *r)
{
	uint64_t id;
	int rc;

	if (papi_param_id(&id, r, 0, "raw statistics set") < 0)
		return;
	if ((rc = panel_rawstat_delete(r->p, &r->actor, id)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

static const papi_route routes[] = {
    {"GET", "/api/v1/accounts/{login}/rawstats", "domains", 0, .handler = papi_list_handler,
     .arg.json = account_rawstats_json},
    {"POST", "/api/v1/accounts/{login}/rawstats", "domains", PAPI_BODY | PAPI_ATOMIC,
     .handler = rawstats_post},
    {"GET", "/api/v1/rawstats/{id}", "domains", 0, .handler = rawstat_get},
    {"PATCH", "/api/v1/rawstats/{id}", "domains", PAPI_BODY | PAPI_ATOMIC,
     .handler = rawstat_patch},
    {"DELETE", "/api/v1/rawstats/{id}", "domains", PAPI_ATOMIC, .handler = rawstat_delete},
};

const papi_route_table papi_routes_rawstats = PAPI_ROUTE_TABLE(routes);
