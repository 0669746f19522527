/* Conditional requests: If-Match (412 when the object changed since the client read it) and
 * If-None-Match (304) against the ETag libpanel gives accounts and domains. */
#include <string.h>

#include "papi.h"

/* Walks a list of entity tags ("a", W/"b", c); 1 when one equals etag (strong comparison: weak
 * tags never match), 0 when none, -1 when malformed. "*" matches any existing object. */
static int etag_list_has(const char *list, const char *etag)
{
	const char *c = list;
	size_t n = strlen(etag);
	int found = 0, any = 0;

	while (*c) {
		const char *tag;
		size_t len;
		int weak = 0;

		c += strspn(c, " \t,");
		if (!*c)
			break;
		any = 1;
		if (*c == '*') {
			found = 1;
			c++;
			continue;
		}
		if (c[0] == 'W' && c[1] == '/') {
			weak = 1;
			c += 2;
		}
		if (*c == '"') {
			const char *close = strchr(c + 1, '"');
			if (!close)
				return -1;
			tag = c + 1;
			len = (size_t)(close - tag);
			c = close + 1;
		} else { /* unquoted: tolerated, some clients forget the quotes */
			tag = c;
			len = strcspn(c, " \t,");
			c += len;
		}
		if (!weak && len == n && memcmp(tag, etag, n) == 0)
			found = 1;
		c += strspn(c, " \t");
		if (*c && *c != ',')
			return -1;
	}
	return any ? found : -1;
}

int papi_if_match(papi_request *r, const char *current_etag)
{
	const char *h = papi_header(r, MHD_HTTP_HEADER_IF_MATCH);
	int rc;

	if (!h)
		return 1;
	rc = etag_list_has(h, current_etag);
	if (rc < 0) {
		papi_reply_error(r, PAPI_E_INVALID_HEADER, "If-Match",
				 "If-Match must list quoted ETags or be *");
		return -1;
	}
	if (rc == 0) {
		papi_reply_error(r, PAPI_E_PRECONDITION_FAILED, NULL,
				 "the object changed since it was read (ETag \"%s\")",
				 current_etag);
		return 0;
	}
	return 1;
}

int papi_if_none_match(const papi_request *r, const char *current_etag)
{
	const char *h = papi_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);

	return h && etag_list_has(h, current_etag) == 1;
}
