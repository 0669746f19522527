/* Connections per client address: libmicrohttpd's accept policy refuses a peer that already
 * holds api.connections_per_address connections, except the trusted proxies, which carry many
 * clients' connections. IPv6 peers are counted per /64, as login throttling does. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "papi.h"

struct papi_peer {
	unsigned char key[16];
	unsigned count;
};

void papi_sockaddr_text(char *out, size_t outsz, const struct sockaddr *sa)
{
	snprintf(out, outsz, "unknown");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)outsz);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		/* An IPv4 client on a dual-stack socket is shown (and matched) as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], out, (socklen_t)outsz);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, out, (socklen_t)outsz);
	}
}

/* The counting key: an IPv4 address as ::ffff:a.b.c.d, an IPv6 one cut to its /64. */
static int peer_key(unsigned char key[16], const struct sockaddr *sa)
{
	memset(key, 0, 16);
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(key, sin6->sin6_addr.s6_addr, 16);
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			memset(key + 8, 0, 8);
		return 0;
	}
	return -1;
}

/* 1 when the peer is not limited: no limit set, or a trusted proxy. */
static int exempt(papi_ctx *ctx, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN];
	papi_conf *conf;
	int yes;

	if (!ctx->per_address)
		return 1;
	papi_sockaddr_text(ip, sizeof(ip), sa);
	conf = papi_conf_acquire(ctx);
	yes = conf->ntrusted && papi_cidr_match(conf->trusted, conf->ntrusted, ip);
	papi_conf_release(ctx, conf);
	return yes;
}

static struct papi_peer *find(papi_ctx *ctx, const unsigned char key[16])
{
	for (size_t i = 0; i < ctx->npeers; i++)
		if (memcmp(ctx->peers[i].key, key, 16) == 0)
			return &ctx->peers[i];
	return NULL;
}

int papi_conns_init(papi_ctx *ctx, unsigned max_connections, unsigned threads)
{
	/* Every counted connection is open, and libmicrohttpd opens at most max_connections (a
	 * few more may pass the policy at once, one per thread). */
	ctx->peers_cap = (size_t)max_connections + threads + 16;
	ctx->peers = calloc(ctx->peers_cap, sizeof(*ctx->peers));
	if (!ctx->peers || pthread_mutex_init(&ctx->peers_lock, NULL) != 0) {
		free(ctx->peers);
		ctx->peers = NULL;
		return -1;
	}
	return 0;
}

void papi_conns_free(papi_ctx *ctx)
{
	if (!ctx->peers)
		return;
	pthread_mutex_destroy(&ctx->peers_lock);
	free(ctx->peers);
	ctx->peers = NULL;
}

enum MHD_Result papi_conns_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	papi_ctx *ctx = cls;
	unsigned char key[16];
	struct papi_peer *peer;
	int full;

	(void)addrlen;
	if (exempt(ctx, addr) || peer_key(key, addr) < 0)
		return MHD_YES;
	pthread_mutex_lock(&ctx->peers_lock);
	peer = find(ctx, key);
	full = peer && peer->count >= ctx->per_address;
	pthread_mutex_unlock(&ctx->peers_lock);
	return full ? MHD_NO : MHD_YES;
}

void papi_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		       enum MHD_ConnectionNotificationCode code)
{
	papi_ctx *ctx = cls;
	const union MHD_ConnectionInfo *ci;
	struct papi_peer *peer;
	unsigned char key[16];

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = NULL;
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (!ci || exempt(ctx, ci->client_addr) || peer_key(key, ci->client_addr) < 0)
			return;
		pthread_mutex_lock(&ctx->peers_lock);
		peer = find(ctx, key);
		if (!peer && ctx->npeers < ctx->peers_cap) {
			peer = &ctx->peers[ctx->npeers++];
			memcpy(peer->key, key, 16);
			peer->count = 0;
		}
		if (peer) {
			peer->count++;
			*socket_context = ctx; /* counted: give it back when it closes */
		}
		pthread_mutex_unlock(&ctx->peers_lock);
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED || !*socket_context)
		return;
	*socket_context = NULL;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || peer_key(key, ci->client_addr) < 0)
		return;
	pthread_mutex_lock(&ctx->peers_lock);
	peer = find(ctx, key);
	if (peer && --peer->count == 0)
		*peer = ctx->peers[--ctx->npeers];
	pthread_mutex_unlock(&ctx->peers_lock);
}
