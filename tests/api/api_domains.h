/* Header-only support for the tests of panel-api's domain routes (test_api_domains*.c): the
 * [hosting] settings, a domain added through the API, and the common setup of the cast. */
#ifndef API_DOMAINS_H
#define API_DOMAINS_H

#include "api_matrix.h"

#define HOSTING                                                                                    \
	"\n[hosting]\nfqdn = panel.host.example\npublic_ip = 192.0.2.10\n"                         \
	"public_ipv6 = 2001:db8::10\nns1 = ns1.host.example\nns2 = ns2.host.example\n"             \
	"default_mx = mx1.host.example\ndefault_secondary_mx = mx2.host.example\n"

/* Adds domain to login as principal who; the status. */
static inline long add_domain(int who, const char *login, const char *domain)
{
	char path[128], body[256];

	snprintf(path, sizeof(path), "/api/v1/accounts/%s/domains", login);
	snprintf(body, sizeof(body), "{\"domain\": \"%s\"}", domain);
	return api_call(NULL, who, "POST", path, body);
}

/* The group setup: the daemon with [hosting], the cast, quotas of dom, and the victims of the
 * authorization checks. */
static inline int api_domains_setup(void **state)
{
	(void)state;
	if (api_cast_setup(HOSTING, "[\"accounts\", \"mail\"]") < 0)
		return -1;
	if (api_set_quota("mema", "dom", 30) != 200 || api_set_quota("memb", "dom", 30) != 200 ||
	    api_set_quota("memc", "dom", 5) != 200)
		return -1;
	/* The victims: memb's domain with one more entry, memc's domain; mema's own. */
	if (add_domain(MB, "memb", "bee-b.org") != 201 ||
	    api_call(NULL, MB, "PUT", "/api/v1/domains/bee-b.org/subdomains",
		     "{\"sub\": \"blog\", \"type\": \"vhost\", \"target\": \"/blog\"}") != 200 ||
	    add_domain(MC, "memc", "cee-c.org") != 201 ||
	    add_domain(MA, "mema", "own-a.org") != 201)
		return -1;
	return 0;
}

static inline int api_domains_teardown(void **state)
{
	(void)state;
	return api_cast_teardown();
}

#endif
