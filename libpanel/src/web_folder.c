/* Folders of a member's web space given by the member: see web_folder.h. */
#include <stdio.h>
#include <string.h>

#include "domain_validate.h"
#include "error.h"
#include "jobs_internal.h"
#include "web_folder.h"

int panel__web_folder(char *out, size_t size, panel *p, const char *login, const char *dir,
		      const char *field)
{
	char rooted[260], clean[260];
	int n;

	if (strlen(dir) > 240)
		return panel__error(PANEL_EINVALID, field, "the folder is 240 characters at most");
	snprintf(rooted, sizeof(rooted), "%s%s", dir[0] == '/' ? "" : "/", dir);
	if (panel__target_check(clean, sizeof(clean), PANEL_TARGET_DIRECTORY, rooted) < 0)
		return panel__error(PANEL_EINVALID, field, "%s", panel_error_last()->message);
	size_t len = strlen(clean);
	while (len > 1 && clean[len - 1] == '/')
		clean[--len] = '\0';
	n = snprintf(out, size, "%s/html/%c/%s%s", panel__job_root(p), login[0], login,
		     strcmp(clean, "/") == 0 ? "" : clean);
	if (n < 0 || (size_t)n >= size)
		return panel__error(PANEL_EINVALID, field, "the folder's path is too long");
	return 0;
}
