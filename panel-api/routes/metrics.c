/* GET /metrics: the daemon's counters in Prometheus' text format, for the super admin or an
 * application key whose scope names the kind "metrics". */
#include <stdlib.h>

#include "papi.h"

/* The exposition format's content type (text format 0.0.4). */
#define PROMETHEUS_TEXT "text/plain; version=0.0.4; charset=utf-8"

/* libpanel decides who may read them (the super admin, acting as itself) and counts the live
 * tokens and keys with the same call: one cheap read per scrape. */
static void metrics_get(papi_request *r)
{
	panel_metrics db;
	char *text;
	int rc;

	if ((rc = panel_metrics_get(&db, r->p, &r->actor)) < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	if (!(text = papi_metrics_text(r->ctx, &db))) {
		papi_reply_oom(r);
		return;
	}
	papi_reply_text(r, PROMETHEUS_TEXT, text);
	free(text);
}

static const papi_route routes[] = {
    {"GET", "/metrics", "metrics", 0, .handler = metrics_get},
};

const papi_route_table papi_routes_metrics = PAPI_ROUTE_TABLE(routes);
