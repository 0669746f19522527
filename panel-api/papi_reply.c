/* Answers: success bodies, the one error shape {"error": {code, message, field, request_id}}
 * with statuses from papi_errors.def, libpanel error mapping, and queuing on MHD. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <sodium.h>

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

/* A file set by papi_reply_file and not sent: closed. */
static void drop_file(papi_request *r)
{
	if (r->reply.has_file)
		close(r->reply.file_fd);
	r->reply.has_file = 0;
}

static void reply_reset(papi_request *r)
{
	drop_file(r);
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

void papi_reply_clear(papi_request *r)
{
	json_decref(r->reply.body);
	if (r->reply.text) {
		sodium_memzero(r->reply.text, strlen(r->reply.text));
		free(r->reply.text);
	}
	drop_file(r);
	memset(&r->reply, 0, sizeof(r->reply));
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

/* The length of the valid UTF-8 sequence at s (at most n bytes), without control characters
 * (C0, DEL, C1); 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

int papi_utf8_valid(const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), len;

	for (; n > 0; s += len, n -= len)
		if ((len = utf8_seq(s, n)) == 0)
			return 0;
	return 1;
}

/* A bidirectional control (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069) of len bytes at
 * s: what follows it in a log line would show reversed ("txt.exe" as "exe.txt"). */
static int bidi_control(const unsigned char *s, size_t len)
{
	if (len == 2)
		return s[0] == 0xd8 && s[1] == 0x9c;
	return len == 3 && s[0] == 0xe2 &&
	       ((s[1] == 0x80 &&
		 (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae))) ||
		(s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));
}

void papi_utf8_clean(char *dst, size_t dstsz, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), o = 0;

	if (dstsz == 0)
		return;
	while (n > 0) {
		size_t len = utf8_seq(s, n);
		if (len && bidi_control(s, len)) {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = '?';
			s += len;
			n -= len;
			continue;
		}
		if (len == 0) {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = '?';
			s++;
			n--;
			continue;
		}
		if (o + len >= dstsz)
			break; /* never half a character */
		memcpy(dst + o, s, len);
		o += len;
		s += len;
		n -= len;
	}
	dst[o] = '\0';
}

void papi_reply_error(papi_request *r, papi_error_id id, const char *field, const char *fmt, ...)
{
	char raw[512], message[512], shown_field[128];
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages and fields may quote the client's bytes (a path, a header, a field name):
	 * Jansson refuses invalid UTF-8, and the answer would have no body at all. */
	papi_utf8_clean(message, sizeof(message), raw);
	if (field)
		papi_utf8_clean(shown_field, sizeof(shown_field), field);
	body =
	    json_pack("{s:{s:s, s:s, s:s?, s:s}}", "error", "code", papi_error_code(id), "message",
		      message, "field", field ? shown_field : NULL, "request_id", r->id);
	if (!body) /* out of memory: still the documented shape if at all possible */
		body = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "code", papi_error_code(id),
				 "message", papi_error_hint(id), "field", "request_id", r->id);
	reply_set(r, papi_error_status(id), body);
	if (id == PAPI_E_UNAVAILABLE) {
		r->reply.retry_after = PAPI_RETRY_AFTER;
		papi_metrics_db_unavailable(r->ctx->metrics);
	}
	if (id == PAPI_E_RATE_LIMITED)
		r->reply.retry_after = 1;
}

/* libpanel's codes and the errors of the registry they answer with. */
static const struct {
	int code;
	papi_error_id id;
} panel_codes[] = {
    {PANEL_EINVALID, PAPI_E_INVALID},	      {PANEL_EAUTH, PAPI_E_UNAUTHENTICATED},
    {PANEL_EFORBIDDEN, PAPI_E_FORBIDDEN},     {PANEL_ENOTFOUND, PAPI_E_NOT_FOUND},
    {PANEL_EEXISTS, PAPI_E_EXISTS},	      {PANEL_ECONFLICT, PAPI_E_CONFLICT},
    {PANEL_EQUOTA, PAPI_E_QUOTA_EXCEEDED},    {PANEL_ELIMIT, PAPI_E_RATE_LIMITED},
    {PANEL_EUNAVAILABLE, PAPI_E_UNAVAILABLE},
};

/* The registry's error for a libpanel error, by its code and class. */
static papi_error_id panel_error_id(int code, panel_error_class cls)
{
	/* The database refusing the panel's own credentials is not the caller's fault. */
	if (code == PANEL_EAUTH && cls == PANEL_CLASS_DATABASE)
		return PAPI_E_UNAVAILABLE;
	for (size_t i = 0; i < sizeof(panel_codes) / sizeof(panel_codes[0]); i++)
		if (panel_codes[i].code == code)
			return panel_codes[i].id;
	return PAPI_E_INTERNAL;
}

/* Whether libpanel's refusal of field is about a list's cursor or name filter that the route
 * takes as a query parameter: a malformed parameter (invalid_parameter), as the API's own
 * checks answer, not a value the panel's rules refused. */
static int query_refused(const papi_request *r, const char *field)
{
	if (!field || !r->route || !r->route->query ||
	    (strcmp(field, "cursor") != 0 && strcmp(field, "login_prefix") != 0 &&
	     strcmp(field, "prefix") != 0))
		return 0;
	for (const char *const *q = r->route->query; *q; q++)
		if (strcmp(*q, field) == 0)
			return 1;
	return 0;
}

void papi_reply_panel_error(papi_request *r, int code)
{
	const panel_error *e = panel_error_last();
	const char *msg = e->message && *e->message ? e->message : panel_error_name(code);
	/* The database server's messages quote SQL, keys and users: logged, never shown. */
	int hide = e->error_class == PANEL_CLASS_DATABASE;
	papi_error_id id = panel_error_id(code, e->error_class);

	if (id == PAPI_E_INVALID && query_refused(r, e->field))
		id = PAPI_E_INVALID_PARAMETER;

	/* libpanel refused the token of a cached principal: answered 401 unless the request is
	 * run again after a full check (papi_httpd.c). */
	if (code == PANEL_EAUTH && r->principal_cached && e->field &&
	    strcmp(e->field, "credential") == 0)
		r->credential_refused = 1;

	if (id == PAPI_E_UNAVAILABLE) {
		papi_rlog(r, PAPI_LOG_WARNING, "%s", msg);
		papi_reply_error(r, id, NULL, "the database is unavailable, retry later");
	} else if (id == PAPI_E_INTERNAL) {
		papi_rlog(r, PAPI_LOG_ERR, "%s (%s)", msg, panel_error_name(code));
		papi_reply_error(r, id, NULL, "internal error (request %s)", r->id);
	} else if (hide) {
		papi_rlog(r, PAPI_LOG_INFO, "%s", msg);
		papi_reply_error(r, id, NULL, "%s", papi_error_hint(id));
	} else {
		papi_reply_error(r, id, e->field, "%s", msg);
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

#define FILE_BLOCK (64 * 1024) /* a file is read and sent this much at a time */

/* A file's bytes at pos for libmicrohttpd. Not sent from the descriptor with sendfile: a file
 * cut short while sent (its owner truncating it) would leave the connection waiting for bytes
 * that never come, where a short read here ends it. */
static ssize_t read_file(void *cls, uint64_t pos, char *buf, size_t max)
{
	int fd = (int)(intptr_t)cls;
	ssize_t n;

	do
		n = pread(fd, buf, max, (off_t)pos);
	while (n == -1 && errno == EINTR);
	return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void close_file(void *cls)
{
	close((int)(intptr_t)cls);
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
	if (r->reply.has_file && !r->reply.body && !r->reply.text &&
	    r->reply.status == MHD_HTTP_OK) {
		/* A file (papi_reply_file) is read as it is sent; the response owns (and closes)
		 * its descriptor from now on. */
		resp = MHD_create_response_from_callback(r->reply.file_size, FILE_BLOCK, read_file,
							 (void *)(intptr_t)r->reply.file_fd,
							 close_file);
		if (!resp)
			return MHD_NO;
		r->reply.has_file = 0;
		bad |= add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->reply.content_type);
	} else if (r->reply.text) {
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
	if (r->reply.challenge && r->reply.status == MHD_HTTP_UNAUTHORIZED)
		bad |= add_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->reply.challenge);
	if (atomic_load(&r->ctx->draining)) /* let the client reconnect to another daemon */
		bad |= add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (bad) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(r->conn, r->reply.status, resp);
	MHD_destroy_response(resp);
	r->queued = ret == MHD_YES;
	return ret;
}
