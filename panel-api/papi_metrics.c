/* The daemon's own counters for GET /metrics: requests by route template, method and status,
 * latency histograms per route, database trouble; lock-free atomics on the request path. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* The statuses the daemon answers with (the error registry's and the successes); anything
 * else is counted under code="other". */
static const unsigned codes[] = {200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409,
				 412, 413, 414, 415, 422, 428, 429, 431, 500, 503};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

/* Upper bounds of the latency buckets, in microseconds (5 ms to 10 s; +Inf is the count). */
static const uint64_t bounds_us[] = {5000,   10000,   25000,   50000,	100000,	 250000,
				     500000, 1000000, 2500000, 5000000, 10000000};
#define NBOUNDS (sizeof(bounds_us) / sizeof(bounds_us[0]))

/* One route (or the slot of requests that matched none). Buckets are stored per interval
 * (bucket i: at most bounds_us[i], more than the one before; NBOUNDS: beyond the last) and
 * summed when shown, so that a request touches one counter of each kind. */
struct route_counters {
	atomic_uint_fast64_t by_code[NCODES + 1]; /* + other */
	atomic_uint_fast64_t buckets[NBOUNDS + 1];
	atomic_uint_fast64_t sum_us;
};

struct papi_metrics {
	const papi_route_table *const *tables;
	size_t ntables, nroutes;
	struct route_counters *routes; /* nroutes + 1: the last one for unmatched requests */
	atomic_uint_fast64_t db_unavailable;
	atomic_uint_fast64_t tx_retries;
	time_t started; /* wall clock, for process_start_time_seconds */
};

int papi_metrics_init(papi_ctx *ctx, const papi_route_table *const *tables, size_t ntables)
{
	papi_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	m->tables = tables;
	m->ntables = ntables;
	for (size_t t = 0; t < ntables; t++)
		m->nroutes += tables[t]->count;
	/* calloc: all-bits-zero is a valid zero for the lock-free atomic integers used here. */
	m->routes = calloc(m->nroutes + 1, sizeof(*m->routes));
	if (!m->routes) {
		free(m);
		return -1;
	}
	m->started = time(NULL);
	ctx->metrics = m;
	return 0;
}

void papi_metrics_free(papi_ctx *ctx)
{
	if (!ctx->metrics)
		return;
	free(ctx->metrics->routes);
	free(ctx->metrics);
	ctx->metrics = NULL;
}

void papi_metrics_request(papi_metrics *m, size_t route_index, unsigned status, uint64_t us)
{
	struct route_counters *c;
	size_t code = NCODES, b = 0;

	if (!m)
		return;
	c = &m->routes[route_index < m->nroutes ? route_index : m->nroutes];
	for (size_t i = 0; i < NCODES; i++)
		if (codes[i] == status)
			code = i;
	while (b < NBOUNDS && us > bounds_us[b])
		b++;
	/* Relaxed: each counter is monotonic on its own; a scrape needs no ordering between
	 * them (it derives the histogram's count from the buckets it read). */
	atomic_fetch_add_explicit(&c->by_code[code], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->sum_us, us, memory_order_relaxed);
}

void papi_metrics_db_unavailable(papi_metrics *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->db_unavailable, 1, memory_order_relaxed);
}

void papi_metrics_tx_retries(papi_metrics *m, unsigned retries)
{
	if (m && retries)
		atomic_fetch_add_explicit(&m->tx_retries, retries, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *v)
{
	return (uint64_t)atomic_load_explicit(v, memory_order_relaxed);
}

/* The route and method labels of slot i: a route template, never a concrete path. */
static void route_labels(const papi_metrics *m, size_t i, const char **pattern, const char **method)
{
	*pattern = "none";
	*method = "none";
	for (size_t t = 0; t < m->ntables; t++) {
		if (i < m->tables[t]->count) {
			*pattern = m->tables[t]->routes[i].pattern;
			*method = m->tables[t]->routes[i].method;
			return;
		}
		i -= m->tables[t]->count;
	}
}

static void print_requests(FILE *f, papi_metrics *m)
{
	fputs("# HELP panel_api_requests_total Requests answered, by route template, method and "
	      "HTTP status (route \"none\": no route matched).\n"
	      "# TYPE panel_api_requests_total counter\n",
	      f);
	for (size_t i = 0; i <= m->nroutes; i++) {
		const char *pattern, *method;
		route_labels(m, i, &pattern, &method);
		for (size_t k = 0; k <= NCODES; k++) {
			uint64_t n = get(&m->routes[i].by_code[k]);
			if (!n)
				continue;
			fprintf(f, "panel_api_requests_total{route=\"%s\",method=\"%s\",code=\"",
				pattern, method);
			if (k < NCODES)
				fprintf(f, "%u", codes[k]);
			else
				fputs("other", f);
			fprintf(f, "\"} %llu\n", (unsigned long long)n);
		}
	}
}

static void print_durations(FILE *f, papi_metrics *m)
{
	fputs("# HELP panel_api_request_duration_seconds Time from the request's headers to its "
	      "answer, by route template and method.\n"
	      "# TYPE panel_api_request_duration_seconds histogram\n",
	      f);
	for (size_t i = 0; i <= m->nroutes; i++) {
		struct route_counters *c = &m->routes[i];
		uint64_t seen[NBOUNDS + 1], total = 0, sum_us;
		const char *pattern, *method;

		for (size_t b = 0; b <= NBOUNDS; b++)
			total += seen[b] = get(&c->buckets[b]);
		if (!total)
			continue;
		sum_us = get(&c->sum_us);
		route_labels(m, i, &pattern, &method);
		total = 0;
		for (size_t b = 0; b < NBOUNDS; b++) {
			total += seen[b];
			fprintf(
			    f,
			    "panel_api_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
			    "le=\"%g\"} %llu\n",
			    pattern, method, (double)bounds_us[b] / 1e6, (unsigned long long)total);
		}
		total += seen[NBOUNDS];
		fprintf(
		    f,
		    "panel_api_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
		    "le=\"+Inf\"} %llu\n"
		    "panel_api_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n"
		    "panel_api_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
		    pattern, method, (unsigned long long)total, pattern, method,
		    (double)sum_us / 1e6, pattern, method, (unsigned long long)total);
	}
}

char *papi_metrics_text(papi_ctx *ctx, const panel_metrics *db)
{
	papi_metrics *m = ctx->metrics;
	unsigned long inflight;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!m || !(f = open_memstream(&text, &len)))
		return NULL;
	inflight = atomic_load(&ctx->inflight);
	print_requests(f, m);
	print_durations(f, m);
	fprintf(f,
		"# HELP panel_api_requests_in_flight Requests being served (this one included).\n"
		"# TYPE panel_api_requests_in_flight gauge\n"
		"panel_api_requests_in_flight %lu\n"
		"# HELP panel_api_db_unavailable_total Answers 503 because the panel database "
		"could not be reached.\n"
		"# TYPE panel_api_db_unavailable_total counter\n"
		"panel_api_db_unavailable_total %llu\n"
		"# HELP panel_api_db_transaction_retries_total Extra runs of a request's last "
		"database transaction (deadlock, lock wait timeout, reconnect).\n"
		"# TYPE panel_api_db_transaction_retries_total counter\n"
		"panel_api_db_transaction_retries_total %llu\n"
		"# HELP panel_api_upload_bytes_held Memory held by the files being uploaded "
		"until their requests run.\n"
		"# TYPE panel_api_upload_bytes_held gauge\n"
		"panel_api_upload_bytes_held %llu\n",
		inflight, (unsigned long long)get(&m->db_unavailable),
		(unsigned long long)get(&m->tx_retries),
		(unsigned long long)papi_uploads_held(ctx));
	fprintf(f,
		"# HELP panel_api_active_tokens Login tokens neither expired nor revoked, in the "
		"database (every daemon's).\n"
		"# TYPE panel_api_active_tokens gauge\n"
		"panel_api_active_tokens %llu\n"
		"# HELP panel_api_active_apikeys Application keys neither expired nor revoked.\n"
		"# TYPE panel_api_active_apikeys gauge\n"
		"panel_api_active_apikeys %llu\n",
		(unsigned long long)db->active_tokens, (unsigned long long)db->active_apikeys);
	fprintf(f,
		"# HELP panel_api_build_info The daemon's version (libpanel's), always 1.\n"
		"# TYPE panel_api_build_info gauge\n"
		"panel_api_build_info{version=\"%s\"} 1\n"
		"# HELP process_start_time_seconds Start time of the process since the Unix epoch "
		"in seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %lld\n",
		panel_version(), (long long)m->started);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
