/* dbproxy messages: one timestamped log line per event, written with a single write(2) so lines
 * from the loop never interleave, levels filtering what reaches stderr; and error buffers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dp_log.h"

/* The only process-wide mutable state besides the proxy context: the log threshold is read
 * from every module, and passing the context to each log call would add nothing. */
static int log_level = DP_LOG_INFO;

int dp_seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

void dp_log_set_level(int level)
{
	log_level = level;
}

int dp_log_parse_level(const char *name)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++)
		if (strcasecmp(name, names[i]) == 0)
			return i;
	return -1;
}

uint64_t dp_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void dp_log_timestamp(char *buf, size_t size, uint64_t wall_ms)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(wall_ms % 1000));
}

/* Copies the message into out, escaping what could forge or garble a line: control bytes
 * (a newline in a user name sent by a client would start a fake log line), DEL and backslash
 * become \xNN. Bytes of 0x80 and up (UTF-8) are kept. Returns the length written. */
size_t dp_log_escape(char *out, size_t size, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x20 && c != 0x7f && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (o + 4 >= size)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = 0;
	return o;
}

void dp_vlog(int level, const char *fmt, va_list ap)
{
	static const char *const tags[] = {"debug", "info", "warn", "error"};
	char line[2048], msg[1024];
	int n, m;

	if (level < log_level)
		return;
	if (level < DP_LOG_DEBUG || level > DP_LOG_ERROR)
		level = DP_LOG_ERROR;
	dp_log_timestamp(line, sizeof(line), dp_wall_ms());
	n = (int)strlen(line);
	m = snprintf(line + n, sizeof(line) - (size_t)n, " dbproxy[%d] %s: ", (int)getpid(),
		     tags[level]);
	if (m > 0)
		n += m;
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m < 0)
		m = 0;
	if (m >= (int)sizeof(msg))
		m = (int)sizeof(msg) - 1;
	n += (int)dp_log_escape(line + n, sizeof(line) - (size_t)n - 1, msg, (size_t)m);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* stderr is a file or a pipe to a supervisor; a short write of a log line is not worth
	 * blocking the loop for, so one attempt only (EINTR aside). */
	while (write(STDERR_FILENO, line, (size_t)n) == -1 && errno == EINTR)
		;
}

void dp_log(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dp_vlog(level, fmt, ap);
	va_end(ap);
}
