/* panel-api's access log queue (papi_logq.c) under four writing threads: every line comes out
 * once and whole, each thread's lines in the order it wrote them, the lines written at once
 * (not queued) after the same thread's queued ones, across the writer's buffer swaps and the
 * workers' own flushes of a full buffer; nothing is left behind by the stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The writer pauses between a swap and its write, so that lines written at once meanwhile
 * would overtake the swapped batch if the write did not hold the output's lock already. */
#define LOGQ_BEFORE_WRITE() usleep(300)
#include "../../panel-api/papi_logq.c"

#define THREADS	      4
#define LINES	      30000
#define AT_ONCE_EVERY 97 /* one line in so many is written at once, not queued */
#define PAUSE_EVERY   50 /* a short pause now and then: the writer's batches swap meanwhile */

struct writer_arg {
	papi_ctx *ctx;
	int id;
};

static void *write_lines(void *arg)
{
	const struct writer_arg *w = arg;
	char line[64];

	for (int i = 0; i < LINES; i++) {
		int at_once = i % AT_ONCE_EVERY == 0;
		int n = snprintf(line, sizeof(line), "t%d %d%s\n", w->id, i, at_once ? " now" : "");
		papi_logq_write(w->ctx, line, (size_t)n, !at_once);
		if (i % PAUSE_EVERY == 0)
			usleep(20);
	}
	return NULL;
}

static void test_lines_whole_once_in_order(void **state)
{
	char path[] = "/tmp/test_papi_logq.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	pthread_t threads[THREADS];
	struct writer_arg args[THREADS];
	int next[THREADS] = {0};
	papi_ctx ctx;
	char line[128];
	FILE *f;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(papi_logq_start(&ctx), 0);
	for (int t = 0; t < THREADS; t++) {
		args[t] = (struct writer_arg){&ctx, t};
		assert_int_equal(pthread_create(&threads[t], NULL, write_lines, &args[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(threads[t], NULL);
	papi_logq_stop(&ctx);
	assert_null(ctx.logq);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	f = fdopen(fd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		int t, i, n = 0;
		assert_int_equal(sscanf(line, "t%d %d%n", &t, &i, &n), 2);
		assert_true(t >= 0 && t < THREADS);
		if (i != next[t])
			fail_msg("thread %d: line %d where %d was due: %s", t, i, next[t], line);
		assert_string_equal(line + n, i % AT_ONCE_EVERY == 0 ? " now\n" : "\n");
		next[t] = i + 1;
	}
	fclose(f);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(next[t], LINES);
}

/* Without a queue (syslog, or before it starts) a line is written at once. */
static void test_no_queue_writes_at_once(void **state)
{
	char path[] = "/tmp/test_papi_logq.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	papi_ctx ctx;
	char buf[32] = {0};

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	papi_logq_write(&ctx, "one\n", 4, 1);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), 4);
	assert_string_equal(buf, "one\n");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_whole_once_in_order),
	    cmocka_unit_test(test_no_queue_writes_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
