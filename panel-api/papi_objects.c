/* Helpers shared by the endpoints: list building, Location, 202 and text answers, string
 * lists, pagination parameters, and the handlers several routes share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "papi.h"

void papi_append(json_t **items, json_t *item)
{
	if (!*items) {
		json_decref(item);
		return;
	}
	if (json_array_append_new(*items, item) < 0) {
		json_decref(*items);
		*items = NULL;
	}
}

void papi_reply_all(papi_request *r, json_t *items)
{
	papi_reply_list(r, items, items ? json_array_size(items) : 0, NULL);
}

/* Unreserved characters and '@' (mail addresses) stay; everything else is %XX. -1 when out
 * does not have the room. */
static int percent_encode(char *out, size_t outsz, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (o + 4 > outsz)
			return -1;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~@", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

void papi_reply_created_at(papi_request *r, json_t *body, const char *prefix, const char *name)
{
	char location[sizeof(r->reply.location)];
	size_t n = strlen(prefix);

	/* Without room for the whole name, no Location rather than a wrong one. */
	if (n >= sizeof(location) || percent_encode(location + n, sizeof(location) - n, name) < 0) {
		papi_reply_created(r, body, NULL);
		return;
	}
	memcpy(location, prefix, n);
	papi_reply_created(r, body, location);
}

void papi_reply_accepted(papi_request *r, json_t *body)
{
	papi_reply_ok(r, body);
	if (r->reply.status == MHD_HTTP_OK)
		r->reply.status = MHD_HTTP_ACCEPTED;
}

void papi_reply_text(papi_request *r, const char *content_type, const char *text)
{
	char *copy = strdup(text);

	if (!copy) {
		papi_reply_oom(r);
		return;
	}
	json_decref(r->reply.body);
	r->reply.body = NULL;
	free(r->reply.text);
	r->reply.text = copy;
	r->reply.status = MHD_HTTP_OK;
	r->reply.content_type = content_type;
}

void papi_reply_file(papi_request *r, const char *content_type, int fd, uint64_t size)
{
	papi_reply_clear(r);
	r->reply.has_file = 1;
	r->reply.file_fd = fd;
	r->reply.file_size = size;
	r->reply.status = MHD_HTTP_OK;
	r->reply.content_type = content_type;
}

size_t papi_raw_body_max(const papi_request *r)
{
	unsigned long n;

	if (r->conf && panel_config_get_uint(&n, r->conf->cfg, "files", "upload_max_size") == 0 &&
	    n > 0)
		return (size_t)n;
	return 64UL << 20;
}

const char **papi_string_list(papi_request *r, json_t *array)
{
	size_t n = json_array_size(array);
	const char **list = calloc(n + 1, sizeof(*list));

	if (!list) {
		papi_reply_oom(r);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		list[i] = json_string_value(json_array_get(array, i));
	return list;
}

int papi_comma_list(papi_request *r, const char *field, json_t *value, char *out, size_t outsz)
{
	size_t n = 0, i;
	json_t *item;

	out[0] = '\0';
	if (json_is_string(value)) {
		const char *s = json_string_value(value);
		if (json_string_length(value) >= outsz || strlen(s) != json_string_length(value))
			goto bad;
		memcpy(out, s, json_string_length(value) + 1);
		return 0;
	}
	if (!json_is_array(value))
		goto bad;
	json_array_foreach(value, i, item)
	{
		const char *s = json_string_value(item);
		size_t len = s ? strlen(s) : 0;
		if (len == 0 || strchr(s, ',') || n + len + 2 > outsz)
			goto bad;
		if (n)
			out[n++] = ',';
		memcpy(out + n, s, len + 1);
		n += len;
	}
	return 0;
bad:
	papi_reply_error(r, PAPI_E_INVALID_FIELD, field,
			 "%s must be a list of names (an array of strings, or one string with "
			 "commas), %zu bytes at most",
			 field, outsz - 1);
	return -1;
}

int papi_page_query(papi_request *r, size_t *limit, const char **cursor, char *cursor_buf,
		    size_t cursor_bufsz, size_t *offset)
{
	unsigned long long n;
	int err, rc;

	*cursor = papi_query(r, "cursor", cursor_buf, cursor_bufsz, &err);
	if (err)
		return -1;
	if ((rc = papi_query_uint(r, "limit", &n, 1, 500)) < 0)
		return -1;
	if (rc)
		*limit = (size_t)n;
	if ((rc = papi_query_uint(r, "offset", &n, 0, 1000000000)) < 0)
		return -1;
	if (rc) {
		if (*cursor) {
			papi_reply_error(r, PAPI_E_INVALID_PARAMETER, "offset",
					 "give cursor or offset, not both");
			return -1;
		}
		*offset = (size_t)n;
	}
	return 0;
}

/* ---------------------------------------------------------------- shared handlers */

static void json_handler(papi_request *r, int list)
{
	json_t *body = NULL;
	int rc = r->route->arg.json(&body, r);

	if (rc < 0) {
		json_decref(body);
		papi_reply_panel_error(r, rc);
	} else if (list) {
		papi_reply_all(r, body);
	} else {
		papi_reply_ok(r, body);
	}
}

void papi_object_handler(papi_request *r)
{
	json_handler(r, 0);
}

void papi_list_handler(papi_request *r)
{
	json_handler(r, 1);
}

void papi_delete_handler(papi_request *r)
{
	int rc = r->route->arg.name(r->p, &r->actor, papi_param(r, 0));

	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}

void papi_password_handler(papi_request *r)
{
	const char *password = NULL;
	papi_spec specs[] = {
	    papi_spec_string("password", &password),
	    papi_spec_end(),
	};
	int rc;

	if (papi_parse_body(r, specs) < 0)
		return;
	rc = r->route->arg.password(r->p, &r->actor, papi_param(r, 0), password);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
