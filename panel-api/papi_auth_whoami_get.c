/* GET /api/v1/auth/whoami: the principal of the credentials (account, admin flag, key scope)
 * and, with X-Panel-Act-As, the member acted as. */
#include "papi.h"

void papi_auth_whoami_get(papi_request *r)
{
	static const char *const none[] = {NULL};
	json_t *me;

	if (papi_query_check(r, none) < 0)
		return;
	me = panel_principal_to_json(&r->principal);
	if (me && json_object_set_new(me, "acting_as",
				      r->act_as[0] ? json_pack("{s:I, s:s}", "uid",
							       (json_int_t)r->actor.as_uid, "login",
							       r->act_as)
						   : json_null()) < 0) {
		json_decref(me);
		me = NULL;
	}
	papi_reply_ok(r, me);
}
