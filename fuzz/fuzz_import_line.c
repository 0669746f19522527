/* Fuzz target: one line of `panelctl account import` (parse_line of account_import.c, with
 * import_hosting.c's check of the domains and boxes; both included here, with cli.c), the checks
 * that need no database. Checks: an accepted line has a login, a contact address and a password
 * or a hash, not both; a refused one has a code and a message; and a refusal never quotes the
 * line's secrets (a JSON error's message is cut before Jansson's "near '...'": no run of 8 bytes
 * from inside a string of the line shows in it). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../panelctl/account_import.c"
#include "../panelctl/cli.c"
#include "../panelctl/import_hosting.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* password_input.c's (not linked: it reads a terminal). */
void cli_wipe(void *buf, size_t size)
{
	explicit_bzero(buf, size);
}

/* 1 when message holds 8 bytes in a row from inside a double-quoted run of the line. */
static int quotes_line(const char *message, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (data[i] != '"')
			continue;
		size_t end = i + 1;
		while (end < size && data[end] != '"')
			end++;
		for (size_t k = i + 1; k + 8 <= end; k++) {
			char run[9];
			memcpy(run, data + k, 8);
			run[8] = '\0';
			if (!memchr(run, '\0', 8) && strstr(message, run))
				return 1;
		}
		i = end;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	import_line l;

	if (size > 4096)
		return 0;
	memset(&l, 0, sizeof(l));
	int rc = parse_line(&l, (const char *)data, size);
	if (rc == 0) {
		assert(l.code == 0);
		assert(l.spec.login && l.spec.mail && *l.spec.mail);
		assert(!(l.spec.password && l.spec.password_hash));
		assert((l.spec.password && *l.spec.password) || l.spec.password_hash);
		assert(!l.domains || json_is_array(l.domains));
	} else {
		assert(rc < 0 && l.code == rc && l.message[0]);
		if (!l.obj) /* not JSON: the message is Jansson's, cut */
			assert(!quotes_line(l.message, data, size));
	}
	json_decref(l.obj);
	panel_error_clear();
	return 0;
}
