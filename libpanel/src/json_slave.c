/* JSON forms of the slave servers' objects: the allowed addresses and the accounts (never their
 * passwords). */
#include "panel/json.h"

json_t *panel_slave_ip_to_json(const panel_slave_ip *ip)
{
	return json_pack("{s:s, s:i}", "ip", ip->ip, "prefix", (int)ip->prefix);
}

json_t *panel_slave_account_to_json(const panel_slave_account *account)
{
	return json_pack("{s:s, s:s}", "login", account->login, "kind",
			 panel_slave_kind_name(account->kind));
}
