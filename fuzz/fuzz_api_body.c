/* Fuzz target: panel-api's JSON bodies. Loads the input as read_body does (json_loadb, duplicate
 * keys refused, an object) and runs it through papi_parse_body with the body specs of several
 * endpoints (every field type, optional, multi-line, presence flags), then through the list
 * helpers (papi_comma_list, papi_string_list); every refusal must be a 400 with an error body. */
#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

/* papi_httpd.c (the daemon, not linked here) answers these from the connection: there is none. */
const char *papi_header(const papi_request *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

const char *papi_param(const papi_request *r, size_t i)
{
	return i < r->nparams ? r->params[i] : "";
}

/* A refusal is a 400 naming its error in a JSON body; a success sets no answer. */
static void check_answer(papi_request *r, int rc)
{
	if (rc < 0) {
		assert(r->reply.status == 400);
		assert(r->reply.body != NULL);
		assert(json_is_string(
		    json_object_get(json_object_get(r->reply.body, "error"), "code")));
	} else {
		assert(r->reply.status == 0);
	}
	json_decref(r->reply.body);
	memset(&r->reply, 0, sizeof(r->reply));
}

static void account_post(papi_request *r)
{
	const char *login = NULL, *password = NULL, *mail = NULL, *notes = NULL;
	long long duration = -1;
	int enabled = 0, admin = 0, has_mail = 0;
	papi_spec specs[] = {
	    papi_spec_string("login", &login),
	    papi_spec_string("password", &password),
	    papi_spec_present(papi_spec_optional(papi_spec_string("mail", &mail)), &has_mail),
	    papi_spec_optional(papi_spec_multiline(papi_spec_string("notes", &notes))),
	    papi_spec_optional(papi_spec_int("duration", &duration, 0, INT_MAX)),
	    papi_spec_optional(papi_spec_bool("enabled", &enabled)),
	    papi_spec_optional(papi_spec_bool("admin", &admin)),
	    papi_spec_end(),
	};
	int rc = papi_parse_body(r, specs);

	if (rc == 0) {
		assert(login && password && strlen(login) <= PAPI_BODY_MAX);
		assert(duration == -1 || (duration >= 0 && duration <= INT_MAX));
		assert(!has_mail || mail);
	}
	check_answer(r, rc);
}

static void subdomain_put(papi_request *r)
{
	const char *sub = NULL, *type = NULL, *target = "";
	papi_spec specs[] = {
	    papi_spec_string("sub", &sub),
	    papi_spec_string("type", &type),
	    papi_spec_optional(papi_spec_string("target", &target)),
	    papi_spec_end(),
	};
	int rc = papi_parse_body(r, specs);

	if (rc == 0)
		for (const char *c = target; *c; c++)
			assert((unsigned char)*c >= 0x20 && *c != 0x7f);
	check_answer(r, rc);
}

static void mail_post(papi_request *r)
{
	const char *local = NULL, *password = NULL, *expires = NULL;
	json_t *recipients = NULL;
	papi_spec specs[] = {
	    papi_spec_string("local", &local),
	    papi_spec_optional(papi_spec_string("password", &password)),
	    papi_spec_optional(papi_spec_string_array("recipients", &recipients)),
	    papi_spec_optional(papi_spec_string("expires", &expires)),
	    papi_spec_end(),
	};
	int rc = papi_parse_body(r, specs);

	check_answer(r, rc);
	if (rc == 0 && recipients) {
		const char **list = papi_string_list(r, recipients);
		assert(list);
		for (size_t i = 0; list[i]; i++)
			assert(i < json_array_size(recipients));
		free(list);
	}
}

static void apikey_post(papi_request *r)
{
	const char *name = NULL, *expires = NULL;
	json_t *scope = NULL, *networks = NULL;
	papi_spec specs[] = {
	    papi_spec_string("name", &name),
	    papi_spec_optional(papi_spec_json("scope", &scope)),
	    papi_spec_optional(papi_spec_string("expires", &expires)),
	    papi_spec_optional(papi_spec_string_array("networks", &networks)),
	    papi_spec_end(),
	};
	char buf[256];
	int rc = papi_parse_body(r, specs);

	check_answer(r, rc);
	if (rc < 0)
		return;
	if (scope) {
		rc = papi_comma_list(r, "scope", scope, buf, sizeof(buf));
		assert(rc < 0 || strlen(buf) < sizeof(buf));
		check_answer(r, rc);
	}
	if (networks) {
		rc = papi_comma_list(r, "networks", networks, buf, sizeof(buf));
		check_answer(r, rc);
	}
}

static void quota_put(papi_request *r)
{
	long long total = 0;
	papi_spec specs[] = {
	    papi_spec_int("total", &total, 0, 1000000000),
	    papi_spec_end(),
	};
	int rc = papi_parse_body(r, specs);

	assert(rc < 0 || (total >= 0 && total <= 1000000000));
	check_answer(r, rc);
}

static void empty(papi_request *r)
{
	papi_spec specs[] = {papi_spec_end()};

	check_answer(r, papi_parse_body(r, specs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	papi_request r;
	json_error_t jerr;

	if (size > PAPI_BODY_MAX)
		return 0;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "0123456789abcdef");
	r.json = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!r.json)
		return 0;
	if (json_is_object(r.json)) {
		account_post(&r);
		subdomain_put(&r);
		mail_post(&r);
		apikey_post(&r);
		quota_put(&r);
		empty(&r);
	}
	json_decref(r.json);
	return 0;
}
