/* Answers: success bodies, the one error shape {"error": {code, message, field, request_id}}
 * with statuses from papi_errors.def, libpanel error mapping, and queuing on MHD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

static const struct {
	const char *code;
	unsigned status;
	const char *hint;
} errors[] = {
#define PAPI_ERROR(id, code, status, hint) {code, status, hint},
#include "papi_errors.def"
#undef PAPI_ERROR
};

const char *papi_error_code(papi_error_id id)
{
	return (unsigned)id < PAPI_E_COUNT ? errors[id].code : "internal";
}

unsigned papi_error_status(papi_error_id id)
{
	return (unsigned)id < PAPI_E_COUNT ? errors[id].status : 500;
}

const char *papi_error_hint(papi_error_id id)
{
	return (unsigned)id < PAPI_E_COUNT ? errors[id].hint : "";
}

static void reply_reset(papi_request *r)
{
	json_decref(r->reply.body);
	r->reply.body = NULL;
	r->reply.etag[0] = '\0';
	r->reply.location[0] = '\0';
	r->reply.retry_after = 0;
}

static void reply_set(papi_request *r, unsigned status, json_t *body)
{
	reply_reset(r);
	r->reply.status = status;
	r->reply.body = body;
}

void papi_reply_oom(papi_request *r)
{
	papi_reply_error(r, PAPI_E_INTERNAL, NULL, "out of memory");
}

void papi_reply_ok(papi_request *r, json_t *body)
{
	if (!body) {
		papi_reply_oom(r);
		return;
	}
	reply_set(r, MHD_HTTP_OK, body);
}

void papi_reply_created(papi_request *r, json_t *body, const char *location)
{
	if (!body) {
		papi_reply_oom(r);
		return;
	}
	reply_set(r, MHD_HTTP_CREATED, body);
	if (location)
		snprintf(r->reply.location, sizeof(r->reply.location), "%s", location);
}

void papi_reply_no_content(papi_request *r)
{
	reply_set(r, MHD_HTTP_NO_CONTENT, NULL);
}

void papi_reply_not_modified(papi_request *r)
{
	reply_set(r, MHD_HTTP_NOT_MODIFIED, NULL);
}

void papi_reply_list(papi_request *r, json_t *items, uint64_t total, const char *next_cursor)
{
	json_t *body;

	if (!items) {
		papi_reply_oom(r);
		return;
	}
	body = json_pack("{s:o, s:I, s:s?}", "items", items, "total", (json_int_t)total,
			 "next_cursor", next_cursor && *next_cursor ? next_cursor : NULL);
	papi_reply_ok(r, body);
}

void papi_reply_account(papi_request *r, const panel_account *a, int created)
{
	char location[320];
	json_t *body = panel_account_to_json(a);

	if (created) {
		snprintf(location, sizeof(location), "/api/v1/accounts/%s", a->login);
		papi_reply_created(r, body, location);
	} else {
		papi_reply_ok(r, body);
	}
	if (body)
		snprintf(r->reply.etag, sizeof(r->reply.etag), "%s", a->etag);
}

/* Length of the valid UTF-8 sequence at p (as Jansson checks strings: no overlong form, no
 * surrogate, nothing above U+10FFFF), or 0 when p does not start one. */
static size_t utf8_sequence(const unsigned char *p)
{
	unsigned cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) { /* stops at the terminating NUL */
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Messages and fields may quote the client (a method, a query parameter's name) or be cut in
 * the middle of a character: Jansson refuses strings that are not UTF-8, which would leave an
 * error without its body. Every byte outside a valid sequence becomes '?'. */
static void utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = utf8_sequence(p);
		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
}

void papi_reply_error(papi_request *r, papi_error_id id, const char *field, const char *fmt, ...)
{
	char message[512], field_buf[128];
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	utf8_clean(message);
	if (field) {
		snprintf(field_buf, sizeof(field_buf), "%s", field);
		utf8_clean(field_buf);
		field = field_buf;
	}
	body = json_pack("{s:{s:s, s:s, s:s?, s:s}}", "error", "code", papi_error_code(id),
			 "message", message, "field", field, "request_id", r->id);
	reply_set(r, papi_error_status(id), body);
	if (id == PAPI_E_UNAVAILABLE)
		r->reply.retry_after = PAPI_RETRY_AFTER;
	if (id == PAPI_E_RATE_LIMITED)
		r->reply.retry_after = 1;
}

/* Messages of the database layer carry the server's text (SQL, key names): never shown. */
static int from_database(const char *message)
{
	return strncmp(message, "database", 8) == 0;
}

void papi_reply_panel_error(papi_request *r, int code)
{
	const panel_error *e = panel_error_last();
	const char *msg = e->message && *e->message ? e->message : panel_error_name(code);
	const char *field = e->field;
	int hide = from_database(msg);
	papi_error_id id;

	switch (code) {
	case PANEL_EINVALID:
		id = PAPI_E_INVALID;
		break;
	case PANEL_EAUTH:
		/* From the database layer: the panel's own credentials, not the caller's. */
		id = hide ? PAPI_E_UNAVAILABLE : PAPI_E_UNAUTHENTICATED;
		break;
	case PANEL_EFORBIDDEN:
		id = PAPI_E_FORBIDDEN;
		break;
	case PANEL_ENOTFOUND:
		id = PAPI_E_NOT_FOUND;
		break;
	case PANEL_EEXISTS:
		id = PAPI_E_EXISTS;
		break;
	case PANEL_ECONFLICT:
		id = PAPI_E_CONFLICT;
		break;
	case PANEL_EQUOTA:
		id = PAPI_E_QUOTA_EXCEEDED;
		break;
	case PANEL_ELIMIT:
		id = PAPI_E_RATE_LIMITED;
		break;
	case PANEL_EUNAVAILABLE:
		id = PAPI_E_UNAVAILABLE;
		break;
	default:
		id = PAPI_E_INTERNAL;
		break;
	}
	if (id == PAPI_E_UNAVAILABLE) {
		papi_log(r->ctx, PAPI_LOG_WARNING, "request %s: %s", r->id, msg);
		papi_reply_error(r, id, NULL, "the database is unavailable, retry later");
	} else if (id == PAPI_E_INTERNAL) {
		papi_log(r->ctx, PAPI_LOG_ERR, "request %s: %s (%s)", r->id, msg,
			 panel_error_name(code));
		papi_reply_error(r, id, NULL, "internal error (request %s)", r->id);
	} else if (hide) {
		papi_log(r->ctx, PAPI_LOG_INFO, "request %s: %s", r->id, msg);
		papi_reply_error(r, id, NULL, "%s", papi_error_hint(id));
	} else {
		papi_reply_error(r, id, field, "%s", msg);
	}
	if (id == PAPI_E_RATE_LIMITED) {
		/* libpanel says how long: "... try again in N seconds". */
		const char *in = strstr(msg, " in ");
		unsigned long secs = in ? strtoul(in + 4, NULL, 10) : 0;
		if (secs > 0 && secs <= 86400)
			r->reply.retry_after = (unsigned)secs;
	}
}

static int add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	return MHD_add_response_header(resp, name, value) == MHD_YES ? 0 : -1;
}

enum MHD_Result papi_reply_queue(papi_request *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char buf[64];
	int bad = 0;

	if (r->reply.status == 0) /* a handler that set no answer is a bug */
		papi_reply_error(r, PAPI_E_INTERNAL, NULL, "internal error (request %s)", r->id);
	if (r->reply.body && !r->reply.text) {
		r->reply.text = json_dumps(r->reply.body, JSON_COMPACT);
		if (!r->reply.text)
			return MHD_NO;
	}
	/* A 200 text answer set by papi_reply_text (a zone) keeps its own type and bytes. */
	int text = r->reply.content_type && r->reply.text && !r->reply.body &&
		   r->reply.status == MHD_HTTP_OK;
	if (r->reply.text) {
		size_t len = strlen(r->reply.text);
		/* JSON gets a trailing newline, friendly to curl in a terminal. */
		char *copy = malloc(len + 2);
		if (!copy)
			return MHD_NO;
		memcpy(copy, r->reply.text, len);
		if (!text)
			copy[len++] = '\n';
		copy[len] = '\0';
		resp = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(copy);
			return MHD_NO;
		}
		bad |= add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				  text ? r->reply.content_type : "application/json");
	} else {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
	}
	bad |= add_header(resp, "X-Request-Id", r->id);
	bad |= add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	bad |= add_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->reply.etag[0]) {
		snprintf(buf, sizeof(buf), "\"%s\"", r->reply.etag);
		bad |= add_header(resp, MHD_HTTP_HEADER_ETAG, buf);
	}
	if (r->reply.location[0])
		bad |= add_header(resp, MHD_HTTP_HEADER_LOCATION, r->reply.location);
	if (r->reply.allow[0])
		bad |= add_header(resp, MHD_HTTP_HEADER_ALLOW, r->reply.allow);
	if (r->reply.retry_after) {
		snprintf(buf, sizeof(buf), "%u", r->reply.retry_after);
		bad |= add_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, buf);
	}
	if (r->reply.replayed)
		bad |= add_header(resp, "Idempotent-Replayed", "true");
	pthread_mutex_lock(&r->ctx->lock);
	if (r->ctx->draining) /* let the client reconnect to another daemon */
		bad |= add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	pthread_mutex_unlock(&r->ctx->lock);
	if (bad) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(r->conn, r->reply.status, resp);
	MHD_destroy_response(resp);
	r->queued = ret == MHD_YES;
	return ret;
}
