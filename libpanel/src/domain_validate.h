/* Checks and normalization of domain names, sub-domain names and entry targets: everything that
 * ends up in a DNS zone or a vhost goes through here first. */
#ifndef PANEL_SRC_DOMAIN_VALIDATE_H
#define PANEL_SRC_DOMAIN_VALIDATE_H

#include <stddef.h>

/* The kinds of target of domaines_type.target. */
enum panel__target_kind {
	PANEL_TARGET_NONE,
	PANEL_TARGET_URL,
	PANEL_TARGET_DIRECTORY,
	PANEL_TARGET_IP,
	PANEL_TARGET_IPV6,
	PANEL_TARGET_DOMAIN,
	PANEL_TARGET_TXT,
	PANEL_TARGET_UNKNOWN,
};

enum panel__target_kind panel__target_kind(const char *name);

/* A domain name as typed (UTF-8 or ASCII, any case, optional trailing dot) into its stored form:
 * ASCII (IDNA2008 through libidn2), lower case, no trailing dot, at least two labels, 64
 * characters at most. PANEL_EINVALID (field) otherwise. */
int panel__domain_normalize(char *out, size_t size, const char *input, const char *field);

/* A sub-domain name: "" (also "@") for the domain itself, "*" for the wildcard, or labels of
 * [a-z0-9-] (a leading "*." is allowed), dots stripped at both ends, lower case, 100 at most. */
int panel__sub_normalize(char *out, size_t size, const char *input);

/* Checks (and normalizes into out) a target for kind: NONE must be empty; URL http(s)/ftp with a
 * host; DIRECTORY an absolute path inside the account (no "..", no control character); IP and
 * IPV6 addresses; DOMAIN a host name (trailing dot dropped); TXT one line of printable ASCII of
 * 255 bytes at most, without what AlternC's DNS cron reads or replaces in it. PANEL_EINVALID with
 * field "target". */
int panel__target_check(char *out, size_t size, enum panel__target_kind kind, const char *input);

/* A domain type's BIND entry template: one line, printable, no '$' (no directives), and only the
 * markers AlternC's DNS cron fills in: %SUB%, %TARGET%, @@PUBLIC_IP@@, @@DEFAULT_MX@@,
 * @@DEFAULT_SECONDARY_MX@@. */
int panel__entry_template_check(const char *entry);

#endif
