/* dbproxy servers: what the monitor knows about each MariaDB server (health, role, GTID
 * positions, replication and semi-sync state), and the one function that picks the server a
 * client is sent to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbproxy.h"
#include "dp_backend.h"
#include "dp_log.h"

int dp_server_new(dp_server **out, dp_proxy *px, int idx, const dp_server_conf *conf)
{
	dp_server *s = calloc(1, sizeof(*s));
	char name[96];
	if (!s)
		return -1;
	s->idx = idx;
	s->px = px;
	s->conf = *conf;
	dp_addr_host(&conf->addr, s->host, sizeof(s->host), &s->port);
	s->health = DP_H_UNKNOWN;
	s->role = DP_ROLE_NONE;
	s->slave.seconds_behind = -1;
	dp_enforce_init(s);
	snprintf(name, sizeof(name), "%s/probe", conf->name);
	if (dp_sqlc_new(&s->probe, px->loop, name) < 0)
		goto fail;
	snprintf(name, sizeof(name), "%s/cmd", conf->name);
	if (dp_sqlc_new(&s->cmd, px->loop, name) < 0)
		goto fail;
	snprintf(name, sizeof(name), "%s/coop", conf->name);
	if (dp_sqlc_new(&s->coop, px->loop, name) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	dp_sqlc_free(s->probe);
	dp_sqlc_free(s->cmd);
	free(s);
	return -1;
}

void dp_server_free(dp_server *s)
{
	if (!s)
		return;
	dp_timer_cancel(s->px->loop, &s->probe_timer);
	dp_timer_cancel(s->px->loop, &s->hb_timer);
	dp_sqlc_free(s->probe);
	dp_timer_cancel(s->px->loop, &s->coop_timer);
	dp_sqlc_free(s->cmd);
	dp_sqlc_free(s->coop);
	free(s);
}

const char *dp_health_name(int h)
{
	static const char *const names[] = {"unknown", "up", "suspect", "down"};
	return h >= 0 && h <= DP_H_DOWN ? names[h] : "?";
}

const char *dp_role_name(int r)
{
	static const char *const names[] = {"none", "primary", "replica", "standalone",
					    "quarantined"};
	return r >= 0 && r <= DP_ROLE_QUARANTINED ? names[r] : "?";
}

int dp_server_replicates_from(const dp_server *s, const dp_server *p)
{
	return s != p && s->slave.present && s->slave.master_port == p->port &&
	       strcmp(s->slave.master_host, p->host) == 0;
}

dp_server *dp_backend_pick(dp_proxy *px)
{
	dp_server *p = px->primary;
	/* Only the writer of the current epoch; never a server merely because it reports
	 * read_only=0. A writer an admin made read-only is still the writer: clients reach it and
	 * see its 1290 errors, as they would directly (dbproxy makes its own promotions
	 * writable). */
	if (!p || px->routing_paused || px->draining)
		return NULL;
	if (!dp_coop_routable(px)) /* cooperative: the writer is not published (yet) */
		return NULL;
	if (p->health != DP_H_UP && p->health != DP_H_SUSPECT)
		return NULL;
	if (!p->probed)
		return NULL;
	return p;
}

dp_server *dp_backend_find(dp_proxy *px, const char *name)
{
	for (int i = 0; i < px->nservers; i++) {
		dp_server *s = px->servers[i];
		if (strcmp(s->conf.name, name) == 0 || strcmp(s->conf.addr_text, name) == 0)
			return s;
	}
	return NULL;
}
