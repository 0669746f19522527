/* Logging to stderr (one line, with a UTC timestamp) or to syslog. Callers never pass secrets:
 * no password, token or key ever reaches a log line. */
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "papi.h"

void papi_log(const papi_ctx *ctx, enum papi_log_level level, const char *fmt, ...)
{
	static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO};
	static const char *const names[] = {"error", "warning", "info"};
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Anything the client controls may reach a log line: no line breaks or escapes. */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (ctx && ctx->use_syslog) {
		syslog(priorities[level], "%s", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ panel-api %s: %s\n", stamp, ts.tv_nsec / 1000000, names[level],
		line);
}
