/* Logging to stderr (one line, with a UTC timestamp; or one JSON object per line) or to syslog.
 * Callers never pass secrets: no password, token, key or Authorization header ever reaches a
 * log line; request lines carry the request id. */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "papi.h"

#define LINE_MAX_BYTES 1024

static const char *const level_names[] = {"error", "warning", "info"};

/* "YYYY-MM-DDTHH:MM:SS.mmmZ": the seconds formatted once per second and thread (strftime for
 * every access line was a tenth of its cost). */
static void timestamp(char *out, size_t outsz)
{
	static __thread time_t last = -1;
	static __thread char stamp[64];
	struct timespec ts;
	struct tm tm;
	int ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		gmtime_r(&ts.tv_sec, &tm);
		if (strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			stamp[0] = '\0';
		last = ts.tv_sec;
	}
	ms = (int)(ts.tv_nsec / 1000000) % 1000;
	snprintf(out, outsz, "%.40s.%c%c%cZ", stamp, '0' + ms / 100, '0' + ms / 10 % 10,
		 '0' + ms % 10);
}

/* One write(2) per line or batch of lines, without stdio's lock on stderr (worker threads
 * queued on it, one futex call each, for every access line): up to PIPE_BUF bytes reach a pipe
 * whole. */
static void write_stderr(const papi_ctx *ctx, int queued, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void write_stderr(const papi_ctx *ctx, int queued, const char *fmt, ...)
{
	char buf[4096], *text = buf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) { /* rare and long (escapes in JSON): the whole line */
		if (!(text = malloc((size_t)n + 1)))
			return;
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	papi_logq_write(ctx, text, (size_t)n, queued);
	if (text != buf)
		free(text);
}

/* Writes one finished line (text, or a JSON object) where the logs go. */
static void emit(const papi_ctx *ctx, enum papi_log_level level, const char *line, int queued)
{
	static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO};
	char stamp[64];

	if (ctx && ctx->use_syslog) {
		syslog(priorities[level], "%s", line);
		return;
	}
	if (ctx && ctx->log_json) { /* the object has its own time and level */
		write_stderr(ctx, queued, "%s\n", line);
		return;
	}
	timestamp(stamp, sizeof(stamp));
	write_stderr(ctx, queued, "%s panel-api %s: %s\n", stamp, level_names[level], line);
}

/* Writes obj (stolen) as one JSON line, with time and level first. */
static void emit_json(const papi_ctx *ctx, enum papi_log_level level, json_t *obj, int queued)
{
	char stamp[64], *text;
	json_t *line = json_object();

	timestamp(stamp, sizeof(stamp));
	if (line) {
		json_object_set_new(line, "time", json_string(stamp));
		json_object_set_new(line, "level", json_string(level_names[level]));
		json_object_update(line, obj);
	}
	json_decref(obj);
	text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	emit(ctx, level, text ? text : "{\"msg\": \"(out of memory)\"}", queued);
	free(text);
}

/* The message, printf-style, as text safe for a log line: valid UTF-8 without line breaks or
 * escapes (anything the client controls may reach a log line). */
static void format_message(char *out, size_t outsz, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void format_message(char *out, size_t outsz, const char *fmt, va_list ap)
{
	char raw[LINE_MAX_BYTES];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	papi_utf8_clean(out, outsz, raw);
}

static void log_message(const papi_ctx *ctx, const char *request_id, enum papi_log_level level,
			const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void log_message(const papi_ctx *ctx, const char *request_id, enum papi_log_level level,
			const char *fmt, va_list ap)
{
	char msg[LINE_MAX_BYTES], line[LINE_MAX_BYTES + 64];

	format_message(msg, sizeof(msg), fmt, ap);
	if (ctx && ctx->log_json) {
		json_t *obj = json_pack("{s:s}", "msg", msg);
		if (obj && request_id)
			json_object_set_new(obj, "request_id", json_string(request_id));
		emit_json(ctx, level, obj ? obj : json_object(), 0);
		return;
	}
	if (request_id) {
		snprintf(line, sizeof(line), "request %s: %s", request_id, msg);
		emit(ctx, level, line, 0);
	} else {
		emit(ctx, level, msg, 0);
	}
}

void papi_log(const papi_ctx *ctx, enum papi_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_message(ctx, NULL, level, fmt, ap);
	va_end(ap);
}

void papi_rlog(const papi_request *r, enum papi_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_message(r->ctx, r->id, level, fmt, ap);
	va_end(ap);
}

/* The request's method or target as a log line shows it: ASCII without spaces, every other
 * byte as %XX (what a client sends on the wire). libmicrohttpd takes the request line's last
 * space as the end of the target, so a raw space in it ("GET /x 200 0.1ms uid=2000
 * ip=192.0.2.9 HTTP/1.1") wrote status, uid and ip fields of the client's choosing ahead of the
 * real ones, and a bidirectional control (U+202E) in either reversed the rest of the line on an
 * admin's terminal. */
static void log_token(char *out, size_t outsz, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *s = (const unsigned char *)in; *s; s++) {
		int plain = *s > 0x20 && *s < 0x7f;
		if (o + (plain ? 1 : 3) >= outsz)
			break; /* never half an escape */
		if (plain) {
			out[o++] = (char)*s;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[*s >> 4];
		out[o++] = hex[*s & 15];
	}
	out[o] = '\0';
}

void papi_log_access(const papi_request *r, double ms, int ended_early)
{
	char path[256], method[32], line[LINE_MAX_BYTES];
	json_t *obj;

	log_token(path, sizeof(path), r->url);
	log_token(method, sizeof(method), r->method);
	if (!r->ctx->log_json) {
		/* The duration in tenths of a millisecond as integers: %.1f formats through
		 * floating point, the largest part of the line's cost. */
		unsigned long long tenths = ms > 0 ? (unsigned long long)(ms * 10 + 0.5) : 0;
		char stamp[64];
		int n;
		if (r->ctx->use_syslog) {
			snprintf(line, sizeof(line),
				 "%s %s %u %llu.%llums uid=%u%s%s ip=%s req=%s%s%s", method, path,
				 r->reply.status, tenths / 10, tenths % 10, r->principal.uid,
				 r->act_as[0] ? " as=" : "", r->act_as, r->ip, r->id,
				 r->reply.replayed ? " replayed" : "",
				 ended_early ? " (connection ended early)" : "");
			emit(r->ctx, PAPI_LOG_INFO, line, 1);
			return;
		}
		/* emit's text line, written at once (one formatting instead of two) */
		timestamp(stamp, sizeof(stamp));
		n = snprintf(line, sizeof(line),
			     "%s panel-api %s: %s %s %u %llu.%llums uid=%u%s%s ip=%s req=%s%s%s\n",
			     stamp, level_names[PAPI_LOG_INFO], method, path, r->reply.status,
			     tenths / 10, tenths % 10, r->principal.uid, r->act_as[0] ? " as=" : "",
			     r->act_as, r->ip, r->id, r->reply.replayed ? " replayed" : "",
			     ended_early ? " (connection ended early)" : "");
		if (n < 0)
			return;
		if ((size_t)n >=
		    sizeof(line)) { /* cut, as emit's line would be: keep the newline */
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		papi_logq_write(r->ctx, line, (size_t)n, 1);
		return;
	}
	/* The route is the template ("/api/v1/accounts/{login}"), for grouping; path is what
	 * was asked. */
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i, s:f, s:I, s:s?, s:s, s:b, s:b}", "msg",
			"request", "request_id", r->id, "method", method, "path", path, "route",
			r->route ? r->route->pattern : NULL, "status", (int)r->reply.status,
			"duration_ms", ms, "uid", (json_int_t)r->principal.uid, "as",
			r->act_as[0] ? r->act_as : NULL, "ip", r->ip, "replayed", r->reply.replayed,
			"ended_early", ended_early);
	emit_json(r->ctx, PAPI_LOG_INFO, obj ? obj : json_object(), 1);
}
