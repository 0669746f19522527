/* Fuzz target: the libpanel and panel-api configuration loaders. Feeds an INI file to
 * papi_conf_load, which reads it with panel_config_load (libpanel's sections and checks) and then
 * parses [api] (listen address, threads, token lifetime, trusted proxy ranges). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_file.h"
#include "papi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	papi_conf *conf = NULL;
	unsigned long v;
	char path[64], err[512];

	if (size > 65536)
		return 0;
	if (fuzz_file(0, path, sizeof(path), data, size) < 0)
		return 0;
	err[0] = '\0';
	if (papi_conf_load(&conf, path, NULL, err, sizeof(err)) < 0) {
		assert(!conf && err[0] && memchr(err, 0, sizeof(err)));
		return 0;
	}
	assert(conf->threads >= 1 && conf->listen_host[0]);
	for (size_t i = 0; i < conf->ntrusted; i++)
		assert(conf->trusted[i].prefix <=
		       (conf->trusted[i].family == AF_INET ? 32u : 128u));
	(void)papi_cidr_match(conf->trusted, conf->ntrusted, "192.0.2.1");
	(void)papi_cidr_match(conf->trusted, conf->ntrusted, "2001:db8::1");
	(void)panel_config_get(conf->cfg, "database", "host");
	(void)panel_config_get_uint(&v, conf->cfg, "database", "port");
	papi_conf_free(conf);
	return 0;
}
