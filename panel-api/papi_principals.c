/* Each worker thread's cache of bearer-token principals: who a token belongs to, so that a
 * request need not ask the database before its operation. Never a decision: the actor built
 * from a cached principal carries the token's hash, and libpanel checks the token (revoked,
 * expired, account locked or its admin flag changed) in the operation's own first statement. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "papi.h"

#define PRINCIPALS_MAX 64 /* per thread; the least recently used goes */

struct papi_principals {
	struct entry {
		char hash[65]; /* "" = free */
		panel_principal who;
		uint64_t used;
	} entries[PRINCIPALS_MAX];
	uint64_t tick;
};

papi_principals *papi_principals_new(void)
{
	return calloc(1, sizeof(papi_principals));
}

void papi_principals_free(papi_principals *c)
{
	if (!c)
		return;
	sodium_memzero(c, sizeof(*c));
	free(c);
}

void papi_principals_hash(char hash[65], const char *token)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hash, 65, h, sizeof(h));
}

static struct entry *find(papi_principals *c, const char *hash)
{
	for (size_t i = 0; i < PRINCIPALS_MAX; i++)
		if (c->entries[i].hash[0] && memcmp(c->entries[i].hash, hash, 64) == 0)
			return &c->entries[i];
	return NULL;
}

int papi_principals_get(papi_principals *c, panel_principal *out, const char *hash)
{
	struct entry *e = c ? find(c, hash) : NULL;

	if (!e)
		return 0;
	e->used = ++c->tick;
	*out = e->who;
	return 1;
}

void papi_principals_put(papi_principals *c, const panel_principal *who, const char *hash)
{
	struct entry *e;

	if (!c || who->apikey_id)
		return;
	if (!(e = find(c, hash))) {
		e = &c->entries[0];
		for (size_t i = 1; i < PRINCIPALS_MAX && e->hash[0]; i++)
			if (!c->entries[i].hash[0] || c->entries[i].used < e->used)
				e = &c->entries[i];
		memcpy(e->hash, hash, 65);
	}
	e->who = *who;
	e->used = ++c->tick;
}

void papi_principals_drop(papi_principals *c, const char *hash)
{
	struct entry *e = c ? find(c, hash) : NULL;

	if (e)
		sodium_memzero(e, sizeof(*e));
}
