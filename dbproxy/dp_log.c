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

/* The length of the character at in[0..left) to keep as is: 1 for printable ASCII but the
 * backslash, the UTF-8 length of a character that is valid and harmless on a terminal; 0 for a
 * byte to escape: not UTF-8 (0x9b is CSI to an 8-bit terminal), a C1 control (U+009B is CSI,
 * U+009D OSC to xterm, which obeys them in UTF-8), a bidirectional control (U+202E reverses
 * the rest of the line as shown). */
static size_t kept(const unsigned char *in, size_t left)
{
	size_t n = (*in & 0xe0) == 0xc0	  ? 2
		   : (*in & 0xf0) == 0xe0 ? 3
		   : (*in & 0xf8) == 0xf0 ? 4
					  : 0;
	uint32_t cp = n == 2 ? *in & 0x1fu : n == 3 ? *in & 0x0fu : *in & 0x07u;

	if (*in < 0x80)
		return *in >= 0x20 && *in != 0x7f && *in != '\\';
	if (!n || n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((in[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (in[i] & 0x3fu);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp <= 0x9f || cp == 0x61c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

/* Copies the message into out, escaping what could forge or garble a line: control bytes
 * (a newline in a user name sent by a client would start a fake log line), DEL, backslash,
 * C1 and bidirectional controls and bytes that are not UTF-8 become \xNN. Other UTF-8 is
 * kept. Returns the length written. */
size_t dp_log_escape(char *out, size_t size, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)in;
	size_t o = 0, n;
	for (size_t i = 0; i < len && o + 1 < size; i += n ? n : 1) {
		if ((n = kept(u + i, len - i))) {
			if (o + n >= size)
				break;
			memcpy(out + o, u + i, n);
			o += n;
			continue;
		}
		if (o + 4 >= size)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
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
