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
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(r->ip, sizeof(r->ip), "unknown");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, r->ip, sizeof(r->ip));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		/* An IPv4 client on a dual-stack socket is shown (and matched) as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], r->ip, sizeof(r->ip));
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, r->ip, sizeof(r->ip));
	}
}

/* Only a peer in api.trusted_proxies may tell us the client's address, through
 * X-Forwarded-For; we walk it from the right (the hop our proxy added) past any other trusted
 * proxy. Nothing else is believed: not CF-Connecting-IP, not X-Real-IP, not from anyone else. */
void papi_client_ip(papi_request *r)
{
	const char *xff;
	size_t end;

	peer_address(r);
	if (!r->conf->ntrusted || !papi_cidr_match(r->conf->trusted, r->conf->ntrusted, r->ip))
		return;
	xff = papi_header(r, "X-Forwarded-For");
	if (!xff)
		return;
	end = strlen(xff);
	while (end > 0) {
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
			return; /* malformed: keep the last address we could trust */
		memcpy(hop, xff + start, len);
		hop[len] = '\0';
		if (inet_pton(AF_INET, hop, tmp) != 1 && inet_pton(AF_INET6, hop, tmp) != 1)
			return;
		snprintf(r->ip, sizeof(r->ip), "%s", hop);
		if (!papi_cidr_match(r->conf->trusted, r->conf->ntrusted, hop))
			return; /* the first address no trusted proxy vouches for */
		while (end > 0 && xff[end - 1] != ',')
			end--;
		if (end > 0)
			end--; /* past the comma, onto the previous hop */
	}
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
	if (strncmp(cred, "pk_", 3) == 0)
		rc = panel_auth_apikey(&r->principal, r->p, cred, r->ip);
	else
		rc = panel_auth_token(&r->principal, r->p, cred);
	if (rc == PANEL_EAUTH)
		return unauthenticated(r, "invalid, expired or revoked credentials");
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return -1;
	}
	r->authenticated = 1;
	r->credential = cred;
	r->actor = panel_principal_actor(&r->principal, r->ip);

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
		len = strlen(as);
		if (len == 0 || len > PANEL_LOGIN_MAX) {
			papi_reply_error(r, PAPI_E_INVALID_HEADER, "X-Panel-Act-As",
					 "X-Panel-Act-As must name an account");
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
