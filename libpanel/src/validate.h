/* Syntax checks shared by the configuration reader and the operations (host names, addresses,
 * identifiers). Each returns 1 when the text is acceptable, 0 otherwise. */
#ifndef PANEL_SRC_VALIDATE_H
#define PANEL_SRC_VALIDATE_H

#include <stddef.h>

int panel__valid_ipv4(const char *s);
int panel__valid_ipv6(const char *s);

/* A fully qualified host name: at least two labels of [a-z0-9-] (not starting or ending with
 * '-'), labels of 1..63 characters, 253 characters at most, case-insensitive, no trailing dot. */
int panel__valid_fqdn(const char *s);

/* A host for a client connection: an FQDN, a single label such as "localhost", or an IP. */
int panel__valid_host(const char *s);

/* An identifier made only of [A-Za-z0-9_], 1..maxlen characters. */
int panel__valid_identifier(const char *s, size_t maxlen);

/* An e-mail address as AlternC's checkmail accepts it: one '@', a local part of
 * [a-zA-Z0-9_.:+-] ending with [a-zA-Z0-9_], and an FQDN; 255 characters at most. */
int panel__valid_mail(const char *s);

/* Parses a decimal unsigned number in [min, max]; 1 on success. */
int panel__parse_ulong(unsigned long *out, const char *s, unsigned long min, unsigned long max);

/* True when s contains no byte below 0x20 and no DEL (no newline, tab, NUL tricks). */
int panel__printable(const char *s);

/* True when s is UTF-8 text as MariaDB's utf8mb4 stores it and JSON carries it: well-formed
 * (no overlong form, no surrogate, nothing above U+10FFFF) and without C0 control characters
 * or DEL; with newlines != 0, '\n', '\r' and '\t' are allowed. C1 controls (U+0080..U+009F)
 * and bidi overrides are valid text: migrated latin1 rows hold some, and panelctl and the pages
 * escape them when they show them. A free-text value
 * (a name, notes) that is not, a byte of another character set typed into panelctl or sent by
 * a C caller, got "database error 1366" from the server (or, a surrogate, was stored and then
 * made the account's JSON impossible to write): it is refused as invalid instead. */
int panel__utf8_text(const char *s, int newlines);

/* The length (2 to 4) of the well-formed UTF-8 sequence at u, a byte >= 0x80 with avail bytes
 * from it on; 0 when there is none (a continuation byte, an overlong form, a surrogate, past
 * U+10FFFF, cut short). */
size_t panel__utf8_sequence(const unsigned char *u, size_t avail);

/* True when s is printable and made of [A-Za-z0-9_-], commas and spaces (a list of names). */
int panel__printable_list(const char *s);

#endif
