/* Who is calling: the client address (X-Forwarded-For only from trusted proxies), bearer
 * tokens and application keys, key scopes, and X-Panel-Act-As for admins. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "papi.h"

static void peer_address(papi_request *r)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	papi_sockaddr_text(r->ip, sizeof(r->ip), ci ? ci->client_addr : NULL);
}

#define XFF_LINES_MAX 32

struct xff_lines {
	const char *line[XFF_LINES_MAX];
	size_t n;
};

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct xff_lines *x = cls;

	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	if (x->n == XFF_LINES_MAX) {
		/* Keep the right-most lines: those are the ones our proxies wrote. */
		memmove(x->line, x->line + 1, sizeof(x->line[0]) * (XFF_LINES_MAX - 1));
		x->n--;
	}
	x->line[x->n++] = value ? value : "";
	return MHD_YES;
}

/* Walks one X-Forwarded-For line from the right. 1: go on with the line before it (every hop
 * was a trusted proxy); 0: done, r->ip is the client. */
static int walk_xff(papi_request *r, const char *xff)
{
	size_t end = strlen(xff);

	for (;;) {
		size_t start = end, len;
		char hop[64];
		unsigned char tmp[16];

		while (start > 0 && xff[start - 1] != ',')
			start--;
		len = end - start;
		while (len && (xff[start] == ' ' || xff[start] == '\t')) {
			start++;
			len--;
		}
		while (len && (xff[start + len - 1] == ' ' || xff[start + len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(hop))
			return 0; /* malformed: keep the last address we could trust */
		memcpy(hop, xff + start, len);
		hop[len] = '\0';
		if (inet_pton(AF_INET, hop, tmp) != 1 && inet_pton(AF_INET6, hop, tmp) != 1)
			return 0;
		snprintf(r->ip, sizeof(r->ip), "%s", hop);
		if (!papi_cidr_match(r->conf->trusted, r->conf->ntrusted, hop))
			return 0; /* the first address no trusted proxy vouches for */
		end = start;
		while (end > 0 && xff[end - 1] != ',')
			end--;
		if (end == 0)
			return 1; /* that was the line's first hop */
		end--;		  /* onto the comma: the previous hop ends there */
	}
}

/* Only a peer in api.trusted_proxies may tell us the client's address, through
 * X-Forwarded-For; we walk it from the right (the hop our proxy added) past any other trusted
 * proxy. Several X-Forwarded-For lines are one list in their order (RFC 9110 section 5.3): a
 * proxy that appends a line of its own must not leave the client's line first and believed.
 * Nothing else is believed: not Forwarded, not CF-Connecting-IP, not X-Real-IP, not from
 * anyone else. */
void papi_client_ip(papi_request *r)
{
	struct xff_lines x = {.n = 0};

	peer_address(r);
	if (!r->conf->ntrusted || !papi_cidr_match(r->conf->trusted, r->conf->ntrusted, r->ip))
		return;
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_xff, &x);
	for (size_t i = x.n; i > 0; i--)
		if (!walk_xff(r, x.line[i - 1]))
			return;
}

static int kind_allowed(const char *kinds, const char *kind)
{
	size_t n = strlen(kind);

	for (const char *c = kinds; *c;) {
		size_t len;
		c += strspn(c, ", ");
		len = strcspn(c, ", ");
		if (len == n && memcmp(c, kind, n) == 0)
			return 1;
		c += len;
	}
	return 0;
}

static int unauthenticated(papi_request *r, const char *why)
{
	papi_reply_error(r, PAPI_E_UNAUTHENTICATED, NULL, "%s", why);
	return -1;
}

int papi_auth(papi_request *r)
{
	const char *h = papi_header(r, MHD_HTTP_HEADER_AUTHORIZATION), *cred, *as;
	size_t len;
	int rc;

	if (!h)
		return unauthenticated(r, "send Authorization: Bearer <token or application key>");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return unauthenticated(r, "only Bearer credentials are accepted");
	cred = h + 7;
	while (*cred == ' ')
		cred++;
	len = strlen(cred);
	if (len == 0 || len >= PANEL_TOKEN_MAX)
		return unauthenticated(r, "invalid, expired or revoked credentials");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)cred[i] <= 0x20 || (unsigned char)cred[i] >= 0x7f)
			return unauthenticated(r, "invalid, expired or revoked credentials");
	r->principal_cached = 0;
	r->token_hash[0] = '\0';
	if (strncmp(cred, "pk_", 3) == 0) {
		rc = panel_auth_apikey(&r->principal, r->p, cred, r->ip);
	} else {
		/* A token seen before by this thread: its operation checks it (papi_principals.c).
		 */
		papi_principals_hash(r->token_hash, cred);
		/* Not with an Idempotency-Key: a stored answer is replayed without any operation.
		 */
		r->principal_cached =
		    !r->credential_refused && (r->route->flags & PAPI_TOKEN_IN_OP) &&
		    !papi_header(r, "Idempotency-Key") &&
		    papi_principals_get(r->principals, &r->principal, r->token_hash);
		rc = r->principal_cached ? 0 : panel_auth_token(&r->principal, r->p, cred);
		if (rc == 0 && !r->principal_cached)
			papi_principals_put(r->principals, &r->principal, r->token_hash);
	}
	if (rc == PANEL_EAUTH)
		return unauthenticated(r, "invalid, expired or revoked credentials");
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return -1;
	}
	r->authenticated = 1;
	r->credential = cred;
	r->actor = panel_principal_actor(&r->principal, r->ip);
	if (r->principal_cached)
		r->actor.token_hash = r->token_hash;

	if (r->principal.apikey_id) {
		if (r->principal.read_only && strcmp(r->method, "GET") != 0) {
			papi_reply_error(r, PAPI_E_SCOPE_FORBIDDEN, NULL,
					 "this application key is read-only");
			return -1;
		}
		if (r->principal.kinds[0] && r->route->kind &&
		    !kind_allowed(r->principal.kinds, r->route->kind)) {
			papi_reply_error(r, PAPI_E_SCOPE_FORBIDDEN, NULL,
					 "this application key does not cover %s", r->route->kind);
			return -1;
		}
	}

	as = papi_header(r, "X-Panel-Act-As");
	if (as) {
		panel_actor admin = r->actor;
		char clean[PANEL_LOGIN_MAX + 1];
		len = strlen(as);
		if (len <= PANEL_LOGIN_MAX)
			papi_utf8_clean(clean, sizeof(clean), as);
		/* Only a login can name an account: anything else is a malformed header (400),
		 * not an account that does not exist (404). */
		if (len == 0 || len > PANEL_LOGIN_MAX || strcmp(clean, as) != 0 ||
		    strspn(as, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
			len) {
			papi_reply_error(r, PAPI_E_INVALID_HEADER, "X-Panel-Act-As",
					 "X-Panel-Act-As must name an account: a login of 1 to %d "
					 "letters and digits",
					 PANEL_LOGIN_MAX);
			return -1;
		}
		rc = panel_account_act_as(&r->actor, r->p, &admin, as);
		if (rc < 0) {
			papi_reply_panel_error(r, rc);
			return -1;
		}
		memcpy(r->act_as, as, len + 1);
	}
	return 0;
}
