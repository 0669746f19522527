/* The addresses allowed to transfer the zones from the panel's bind (AlternC 1.0's slaveip
 * table, m_dom's add_slave_ip, del_slave_ip and enum_slave_ip), administered by admins; each
 * change queues slave_refresh for the runner. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_internal.h"
#include "audit_internal.h"
#include "authz.h"
#include "error.h"
#include "handle.h"
#include "list.h"
#include "panel/json.h"
#include "panel/slave.h"

/* The address in canonical text and its family's full prefix. 1.0 took IPv4 only (its column
 * was VARCHAR(15) before 0.9.10); the VARCHAR(40) column holds IPv6 as well. */
static int parse_ip(char out[PANEL_SLAVE_IP_MAX + 1], unsigned char bin[16], unsigned *bits,
		    const char *ip)
{
	int v4 = ip && strchr(ip, ':') == NULL;

	memset(bin, 0, 16);
	if (!ip || !*ip || strlen(ip) > PANEL_SLAVE_IP_MAX ||
	    inet_pton(v4 ? AF_INET : AF_INET6, ip, bin) != 1)
		return panel__error(PANEL_EINVALID, "ip", "not an IPv4 or IPv6 address");
	if (!inet_ntop(v4 ? AF_INET : AF_INET6, bin, out, PANEL_SLAVE_IP_MAX + 1))
		return panel__error(PANEL_EINVALID, "ip", "not an IPv4 or IPv6 address");
	*bits = v4 ? 32 : 128;
	return 0;
}

/* The prefix against the family (1.0's range 8..32 for IPv4; 16..128 for IPv6), and no host
 * bit set beyond it: bind refuses "10.0.0.1/8" and would then load no ACL at all. */
static int check_prefix(unsigned *prefix, const unsigned char bin[16], unsigned bits)
{
	unsigned min = bits == 32 ? 8 : 16;

	if (*prefix == 0)
		*prefix = bits;
	if (*prefix < min || *prefix > bits)
		return panel__error(PANEL_EINVALID, "prefix",
				    "the prefix is %u to %u for this address", min, bits);
	for (unsigned i = *prefix; i < bits; i++)
		if (bin[i / 8] & (0x80u >> (i % 8)))
			return panel__error(PANEL_EINVALID, "prefix",
					    "the address has bits set beyond /%u: give the "
					    "network's first address",
					    *prefix);
	return 0;
}

struct ip_ctx {
	const panel_actor *who;
	panel_slave_ip row;
	int add; /* 1 add, 0 delete, -1 list */
	panel_slave_ip *items;
	size_t count;
};

static void fill_ip(void *item, const panel_db_rows *rows, size_t row)
{
	panel_slave_ip *ip = item;
	uint64_t prefix = 0;

	snprintf(ip->ip, sizeof(ip->ip), "%s", panel__db_cell(rows, row, 0));
	panel__db_cell_u64(&prefix, rows, row, 1);
	ip->prefix = (unsigned)prefix;
}

static int list_body(panel_db *db, void *arg)
{
	struct ip_ctx *ctx = arg;
	panel_db_rows *rows;
	void *items = NULL;
	int error;

	free(ctx->items);
	ctx->items = NULL;
	ctx->count = 0;
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__db_query(&rows, db, "SELECT ip, class FROM slaveip ORDER BY ip, class",
				     DB_NOARGS)) < 0)
		return error;
	error = panel__rows_items(&items, &ctx->count, sizeof(*ctx->items), rows, fill_ip);
	ctx->items = items;
	panel__db_rows_free(rows);
	return error;
}

static int change_body(panel_db *db, void *arg)
{
	struct ip_ctx *ctx = arg;
	uint64_t affected = 0;
	int error;

	/* The ACL lets these hosts read every member's zone. */
	if ((error = panel__authz_actor(db, ctx->who)) < 0 ||
	    (error = panel__authz_global(db, ctx->who)) < 0)
		return error;
	json_t *value = json_pack("{s:s, s:i}", "ip", ctx->row.ip, "prefix", (int)ctx->row.prefix);
	if (ctx->add) {
		error = panel__db_exec(NULL, db, "INSERT INTO slaveip (ip, class) VALUES (?, ?)",
				       DB_ARGS(DB_STR(ctx->row.ip), DB_U64(ctx->row.prefix)));
		if (error == PANEL_EEXISTS)
			error = panel__error(PANEL_EEXISTS, "ip", "%s/%u is already allowed",
					     ctx->row.ip, ctx->row.prefix);
	} else {
		json_object_del(value, "prefix");
		error = panel__db_exec(&affected, db, "DELETE FROM slaveip WHERE ip = ?",
				       DB_ARGS(DB_STR(ctx->row.ip)));
		if (error == 0 && affected == 0)
			error =
			    panel__error(PANEL_ENOTFOUND, "ip", "%s is not allowed", ctx->row.ip);
	}
	/* 1.0 flags its slave_dns cron to rewrite bind's ACL; the runner does it for us. */
	if (error < 0 || (error = panel__action(db, "slave_refresh", 0, "", NULL)) < 0) {
		json_decref(value);
		return error;
	}
	return panel__audit(db, ctx->who, ctx->add ? "slave_ip.add" : "slave_ip.delete", "slave_ip",
			    ctx->row.ip, 0, ctx->add ? NULL : value, ctx->add ? value : NULL);
}

int panel_slave_ip_list_get(panel_slave_ip_list **out, panel *p, const panel_actor *who)
{
	struct ip_ctx ctx = {.who = who, .add = -1};
	int error;

	*out = NULL;
	if ((error = panel__enter(p, who)) < 0 || (error = panel__authz_admin_self(who)) < 0)
		return error;
	if ((error = panel__db_transaction(p->db, list_body, &ctx)) < 0) {
		free(ctx.items);
		return error;
	}
	return PANEL__LIST_TAKE(out, ctx.items, ctx.count);
}

int panel_slave_ip_add(panel_slave_ip *out, panel *p, const panel_actor *who, const char *ip,
		       unsigned prefix)
{
	struct ip_ctx ctx = {.who = who, .add = 1};
	unsigned char bin[16];
	unsigned bits = 0;
	int error;

	if ((error = panel__enter(p, who)) < 0 || (error = panel__authz_admin_self(who)) < 0 ||
	    (error = parse_ip(ctx.row.ip, bin, &bits, ip)) < 0 ||
	    (error = check_prefix(&prefix, bin, bits)) < 0)
		return error;
	ctx.row.prefix = prefix;
	if ((error = panel__db_transaction(p->db, change_body, &ctx)) < 0)
		return error;
	if (out)
		*out = ctx.row;
	return 0;
}

int panel_slave_ip_delete(panel *p, const panel_actor *who, const char *ip)
{
	struct ip_ctx ctx = {.who = who, .add = 0};
	unsigned char bin[16];
	unsigned bits = 0;
	int error;

	if ((error = panel__enter(p, who)) < 0 || (error = panel__authz_admin_self(who)) < 0 ||
	    (error = parse_ip(ctx.row.ip, bin, &bits, ip)) < 0)
		return error;
	return panel__db_transaction(p->db, change_body, &ctx);
}

void panel_slave_ip_list_free(panel_slave_ip_list *list)
{
	PANEL__LIST_FREE(list);
}
