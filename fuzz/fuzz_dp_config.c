/* Fuzz target: dbproxy's configuration loader. Feeds a configuration file to
 * dp_config_load_file, then validates it with dp_config_finish (secret files all pointed at one
 * harmless file, so that no input makes the target read the machine's files). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_config.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[] = "a-secret-of-24-characters\n";
	static char secret_path[64];
	static dp_config c;
	char path[64], err[512];

	if (size > 65536)
		return 0;
	if (!secret_path[0] &&
	    fuzz_file(1, secret_path, sizeof(secret_path), secret, sizeof(secret) - 1) < 0)
		return 0;
	if (fuzz_file(0, path, sizeof(path), data, size) < 0)
		return 0;
	dp_config_defaults(&c);
	err[0] = '\0';
	if (dp_config_load_file(&c, path, err, sizeof(err)) < 0) {
		assert(err[0] && memchr(err, 0, sizeof(err)));
		return 0;
	}
	assert(c.nservers >= 0 && c.nservers <= DP_MAX_SERVERS);
	if (c.monitor_password_file[0])
		snprintf(c.monitor_password_file, sizeof(c.monitor_password_file), "%s",
			 secret_path);
	if (c.replication_password_file[0])
		snprintf(c.replication_password_file, sizeof(c.replication_password_file), "%s",
			 secret_path);
	if (c.admin_token_file[0])
		snprintf(c.admin_token_file, sizeof(c.admin_token_file), "%s", secret_path);
	if (dp_config_finish(&c, err, sizeof(err)) < 0)
		assert(err[0]);
	dp_config_wipe(&c);
	return 0;
}
