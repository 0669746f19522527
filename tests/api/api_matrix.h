/* Header-only support for the resource tests of panel-api (domains, mail, databases): a cast of
 * principals, authorization-matrix rows checked against "no such object" answers, and races. */
#ifndef API_MATRIX_H
#define API_MATRIX_H

#include "api_support.h"

/* Principals: SA the super admin; AB, AC sub-admins; MA, MB members created by AB, MC one
 * created by AC; KB an application key of AB (write), KRO a read-only one, KOTHER one whose
 * scope names other kinds; AB_MA is AB acting as MA (X-Panel-Act-As). */
enum { SA, AB, AC, MA, MB, MC, KB, KRO, KOTHER, AB_MA, NPRINCIPALS };

static const char *const api_names[] = {"SA", "AB", "AC",  "MA",     "MB",
					"MC", "KB", "KRO", "KOTHER", "AB_MA"};
#define API_PASS "Matrix-pass-2026"

static api_server srv;
static char tokens[NPRINCIPALS][PANEL_TOKEN_MAX];

static const char *const api_as_mema[] = {"X-Panel-Act-As: mema", NULL};

/* An application key of AB with scope (JSON) into tokens[slot]. 0 or -1. */
static inline int api_make_key(int slot, const char *scope)
{
	char body[256];
	api_resp r;
	int ok;

	snprintf(body, sizeof(body), "{\"name\": \"key %d\", \"scope\": %s}", slot, scope);
	if (api_request(&r, &srv, "POST", "/api/v1/apikeys", tokens[AB], body, NULL) < 0)
		return -1;
	ok = r.status == 201 && *api_str(&r, "key");
	snprintf(tokens[slot], PANEL_TOKEN_MAX, "%s", api_str(&r, "key"));
	api_resp_free(&r);
	return ok ? 0 : -1;
}

/* Starts the daemon (conf_extra appended to the configuration: more sections may follow
 * [api]), creates the cast and logs everyone in. other_scope: KOTHER's scope (JSON), a list of
 * kinds this test's routes do not have. 0 or -1. */
static inline int api_cast_setup(const char *conf_extra, const char *other_scope)
{
	if (api_group_start(&srv, conf_extra) < 0)
		return -1;
	snprintf(tokens[SA], PANEL_TOKEN_MAX, "%s", srv.admin_token);
	if (api_create_account(&srv, tokens[SA], "adminb", API_PASS, ", \"admin\": true") != 201 ||
	    api_create_account(&srv, tokens[SA], "adminc", API_PASS, ", \"admin\": true") != 201 ||
	    api_login(&srv, "adminb", API_PASS, tokens[AB], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_login(&srv, "adminc", API_PASS, tokens[AC], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_create_account(&srv, tokens[AB], "mema", API_PASS, "") != 201 ||
	    api_create_account(&srv, tokens[AB], "memb", API_PASS, "") != 201 ||
	    api_create_account(&srv, tokens[AC], "memc", API_PASS, "") != 201 ||
	    api_login(&srv, "mema", API_PASS, tokens[MA], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_login(&srv, "memb", API_PASS, tokens[MB], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_login(&srv, "memc", API_PASS, tokens[MC], PANEL_TOKEN_MAX, NULL) != 200 ||
	    api_make_key(KB, "\"write\"") < 0 || api_make_key(KRO, "\"read\"") < 0 ||
	    api_make_key(KOTHER, other_scope) < 0)
		return -1;
	snprintf(tokens[AB_MA], PANEL_TOKEN_MAX, "%s", tokens[AB]);
	return 0;
}

static inline int api_cast_teardown(void)
{
	return api_stop(&srv) == 0 ? 0 : -1;
}

/* One call as principal who (AB_MA sends X-Panel-Act-As: mema). */
static inline long api_call(api_resp *out, int who, const char *method, const char *path,
			    const char *body)
{
	api_resp ignored;
	api_resp *r = out ? out : &ignored;
	long status;

	if (api_request(r, &srv, method, path, tokens[who], body,
			who == AB_MA ? api_as_mema : NULL) < 0)
		status = -1;
	else
		status = r->status;
	if (!out)
		api_resp_free(&ignored);
	return status;
}

/* api_call that fails the test unless the status is want, showing the request, the principal
 * and the answer (see assert_api_status). out may be NULL (the answer is thrown away). */
#define assert_api_call(out, who, method, path, body, want)                                        \
	api_assert_call((out), (who), (method), (path), (body), (want), __FILE__, __LINE__)
static inline void api_assert_call(api_resp *out, int who, const char *method, const char *path,
				   const char *body, long want, const char *file, int line)
{
	api_resp ignored;
	api_resp *r = out ? out : &ignored;
	int failed;

	if (api_call(r, who, method, path, body) < 0)
		r->status = -1;
	failed = api_status_report(r, want, api_names[who]);
	if (!out)
		api_resp_free(&ignored);
	if (failed)
		_fail(file, line);
}

/* Sets a quota of login through the API as the super admin. */
static inline long api_set_quota(const char *login, const char *name, int value)
{
	char path[128], body[64];

	snprintf(path, sizeof(path), "/api/v1/accounts/%s/quotas/%s", login, name);
	snprintf(body, sizeof(body), "{\"value\": %d}", value);
	return api_status(&srv, "PUT", path, tokens[SA], body, NULL);
}

/* s with every victim replaced by ghost, into out. */
static inline void api_replace(char *out, size_t outsz, const char *s, const char *victim,
			       const char *ghost)
{
	size_t o = 0, vl = strlen(victim), gl = strlen(ghost);

	while (*s && o + 1 < outsz) {
		if (vl && strncmp(s, victim, vl) == 0 && o + gl + 1 < outsz) {
			memcpy(out + o, ghost, gl);
			o += gl;
			s += vl;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

/* One row of an authorization matrix. */
typedef struct api_row {
	int who;
	const char *method;
	const char *path;
	const char *body;
	long expect; /* exact status */
	/* victim: a name in path or body that belongs to someone else; the same call with ghost
	 * (a name nobody has) instead must answer exactly the same (status, code, field, and
	 * message once the names are swapped), so that nothing tells "not yours" from "does not
	 * exist". NULL: no such check. */
	const char *victim, *ghost;
} api_row;

static inline const char *api_error_message(const api_resp *r)
{
	const char *v =
	    json_string_value(json_object_get(json_object_get(r->json, "error"), "message"));
	return v ? v : "";
}

/* Runs the rows; prints each mismatch; returns how many failed. */
static inline int api_run_matrix(const api_row *rows, size_t n)
{
	int failures = 0;

	for (size_t i = 0; i < n; i++) {
		const api_row *row = &rows[i];
		api_resp a, b;
		char path[1024], body[2048], msg[1024];
		long got = api_call(&a, row->who, row->method, row->path, row->body);

		if (got != row->expect) {
			fprintf(stderr, "%s %s %s %s: got %ld, want %ld: %s\n", api_names[row->who],
				row->method, row->path, row->body ? row->body : "", got,
				row->expect, a.body ? a.body : "");
			failures++;
		} else if (row->victim) {
			api_replace(path, sizeof(path), row->path, row->victim, row->ghost);
			api_replace(body, sizeof(body), row->body ? row->body : "", row->victim,
				    row->ghost);
			api_call(&b, row->who, row->method, path, row->body ? body : NULL);
			api_replace(msg, sizeof(msg), api_error_message(&a), row->victim,
				    row->ghost);
			if (b.status != a.status ||
			    strcmp(api_error_code(&a), api_error_code(&b)) != 0 ||
			    strcmp(api_error_field(&a), api_error_field(&b)) != 0 ||
			    strcmp(msg, api_error_message(&b)) != 0) {
				fprintf(stderr,
					"%s %s %s: not the answer for a missing object:\n  %s\n  "
					"%s\n",
					api_names[row->who], row->method, row->path,
					a.body ? a.body : "", b.body ? b.body : "");
				failures++;
			}
			api_resp_free(&b);
		}
		api_resp_free(&a);
	}
	return failures;
}

/* ---------------------------------------------------------------- races */

#define API_RACERS_MAX 16

typedef struct api_racer {
	pthread_barrier_t *start;
	int who;
	const char *method;
	char path[256];
	char body[512];
	api_resp resp;
} api_racer;

static inline void *api_race_one(void *arg)
{
	api_racer *r = arg;

	pthread_barrier_wait(r->start);
	api_call(&r->resp, r->who, r->method, r->path, r->body[0] ? r->body : NULL);
	return NULL;
}

/* Runs the n requests at once (threads released together); answers in racers[i].resp. */
static inline int api_race(api_racer *racers, size_t n)
{
	pthread_t threads[API_RACERS_MAX];
	pthread_barrier_t start;

	if (n > API_RACERS_MAX || pthread_barrier_init(&start, NULL, (unsigned)n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		racers[i].start = &start;
		if (pthread_create(&threads[i], NULL, api_race_one, &racers[i]) != 0)
			abort();
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	return 0;
}

/* How many racers got status. */
static inline int api_race_count(const api_racer *racers, size_t n, long status)
{
	int c = 0;

	for (size_t i = 0; i < n; i++)
		c += racers[i].resp.status == status;
	return c;
}

static inline void api_race_free(api_racer *racers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		api_resp_free(&racers[i].resp);
}

/* A JSON array "items" of a list answer holds an item whose key is value. */
static inline json_t *api_item(const api_resp *r, const char *key, const char *value)
{
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(r->json, "items"), i, item)
	{
		const char *v = json_string_value(json_object_get(item, key));
		if (v && strcmp(v, value) == 0)
			return item;
	}
	return NULL;
}

static inline size_t api_items(const api_resp *r)
{
	return json_array_size(json_object_get(r->json, "items"));
}

#endif
