/* panel-api reloading its configuration (SIGHUP) while its workers answer requests: every
 * request answers 200, every reload is taken, and the daemon exits 0 (under ThreadSanitizer, a
 * race between the reload and the workers' copies of the configuration makes it exit 66). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_support.h"

#define LOADERS 4  /* the daemon's worker threads (api_write_conf) */
#define RELOADS 12 /* each a new configuration: every worker reopens its handle */

static api_server srv;

static int setup(void **state)
{
	(void)state;
	return api_group_start(&srv, "token_ttl = 600");
}

static int teardown(void **state)
{
	(void)state;
	return api_stop(&srv) == 0 ? 0 : -1;
}

struct loader {
	pthread_t th;
	atomic_int *stop;
	unsigned requests, others; /* answered, of which not 200 */
	long last_other;
};

static void *load(void *arg)
{
	struct loader *l = arg;

	while (!atomic_load(l->stop)) {
		long st = api_status(&srv, "GET", "/api/v1/accounts", srv.admin_token, NULL, NULL);
		l->requests++;
		if (st != 200) {
			l->others++;
			l->last_other = st;
		}
	}
	return NULL;
}

static void test_reload_under_load(void **state)
{
	struct loader loaders[LOADERS];
	atomic_int stop = 0;
	int before = api_log_count(&srv, "configuration reloaded");

	(void)state;
	memset(loaders, 0, sizeof(loaders));
	for (int i = 0; i < LOADERS; i++) {
		loaders[i].stop = &stop;
		assert_int_equal(pthread_create(&loaders[i].th, NULL, load, &loaders[i]), 0);
	}
	for (int i = 0; i < RELOADS; i++) {
		assert_int_equal(
		    api_write_conf(&srv, i % 2 ? "token_ttl = 600" : "token_ttl = 1200"), 0);
		assert_int_equal(kill(srv.pid, SIGHUP), 0);
		/* The next file is written once this reload has read its own. */
		for (int w = 0;
		     w < 200 && api_log_count(&srv, "configuration reloaded") < before + i + 1; w++)
			api_sleep_ms(25);
		assert_int_equal(api_log_count(&srv, "configuration reloaded"), before + i + 1);
		api_sleep_ms(50); /* requests on the new configuration */
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < LOADERS; i++) {
		pthread_join(loaders[i].th, NULL);
		fprintf(stderr, "# loader %d: %u requests, %u not 200 (last %ld)\n", i,
			loaders[i].requests, loaders[i].others, loaders[i].last_other);
		assert_true(loaders[i].requests > 0);
		assert_int_equal(loaders[i].others, 0);
	}
	assert_int_equal(api_log_count(&srv, "reload refused"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reload_under_load),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
