/* DELETE /api/v1/apikeys/{id}: revokes an application key (its owner, or the super admin).
 * 204; 404 for a key the caller does not own. */
#include <errno.h>
#include <stdlib.h>

#include "papi.h"

void papi_apikeys_ID_delete(papi_request *r)
{
	const char *text = papi_param(r, 0);
	unsigned long long id;
	char *end;
	int rc;

	errno = 0;
	id = strtoull(text, &end, 10);
	if (!*text || *end || errno || id == 0 || *text < '0' || *text > '9') {
		papi_reply_error(r, PAPI_E_NOT_FOUND, "id", "no application key %s", text);
		return;
	}
	rc = panel_apikey_revoke(r->p, &r->actor, (uint64_t)id);
	if (rc < 0) {
		papi_reply_panel_error(r, rc);
		return;
	}
	papi_reply_no_content(r);
}
