/* dbproxy messages: one timestamped log line per event, written with a single write(2) so lines
 * from the loop never interleave, levels filtering what reaches stderr; and error buffers. */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum { DP_LOG_DEBUG, DP_LOG_INFO, DP_LOG_WARN, DP_LOG_ERROR };

void dp_log_set_level(int level);
/* "debug", "info", "warn", "error" -> level, or -1. */
int dp_log_parse_level(const char *name);
void dp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dp_vlog(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Writes a message into the caller's error buffer and returns -1: `return dp_seterr(...)`. */
int dp_seterr(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies len bytes of in into out (NUL-terminated), control bytes (C0, DEL, C1), backslash,
 * bidirectional controls and bytes that are not UTF-8 written as \xNN so that nothing a client
 * sends can forge a log line or drive the terminal showing it. Returns the length written. */
size_t dp_log_escape(char *out, size_t size, const char *in, size_t len);

/* Wall-clock time as "2025-01-31T12:34:56.789Z" into buf (at least 32 bytes). */
void dp_log_timestamp(char *buf, size_t size, uint64_t wall_ms);
uint64_t dp_wall_ms(void);

#define dp_debug(...) dp_log(DP_LOG_DEBUG, __VA_ARGS__)
#define dp_info(...)  dp_log(DP_LOG_INFO, __VA_ARGS__)
#define dp_warn(...)  dp_log(DP_LOG_WARN, __VA_ARGS__)
#define dp_error(...) dp_log(DP_LOG_ERROR, __VA_ARGS__)

#endif
