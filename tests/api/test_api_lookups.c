/* DNS lookups on panel-api's worker threads (papi_lookups.c), against a real daemon whose
 * resolver is a UDP socket that never answers (a member's silent name servers): each
 * mx-check holds its worker for the resolver's time-outs, so a second one of the same account
 * while the first runs is 429 at once, an admin acting as that member counts as it, other
 * accounts go on up to half the worker threads (2 of 4), then 503 lookups_busy; and once the
 * lookups have ended, the account may ask again. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "api_domains.h"

static int silent = -1; /* the resolver that never answers */

static int setup(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char conf[sizeof(HOSTING) + 128];

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	silent = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (silent < 0 || bind(silent, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(silent, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s\n[dns]\nresolver = 127.0.0.1:%u\ntimeout = 2\n", HOSTING,
		 (unsigned)ntohs(sa.sin_port));
	if (api_cast_setup(conf, "[\"accounts\", \"mail\"]") < 0)
		return -1;
	(void)state;
	if (api_set_quota("mema", "dom", 5) != 200 || api_set_quota("memb", "dom", 5) != 200 ||
	    api_set_quota("memc", "dom", 5) != 200 || add_domain(MA, "mema", "look-a.org") != 201 ||
	    add_domain(MB, "memb", "look-b.org") != 201 ||
	    add_domain(MC, "memc", "look-c.org") != 201)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	close(silent);
	return api_domains_teardown(state);
}

struct lookup {
	int who;
	const char *domain;
	long status;
	char code[32], retry_after[16];
	atomic_int done;
	pthread_t thread;
};

static void *lookup_run(void *arg)
{
	struct lookup *l = arg;
	char path[128];
	api_resp r;

	snprintf(path, sizeof(path), "/api/v1/domains/%s/mx-check", l->domain);
	l->status = api_call(&r, l->who, "GET", path, NULL);
	snprintf(l->code, sizeof(l->code), "%s", l->status == 200 ? "" : api_error_code(&r));
	snprintf(l->retry_after, sizeof(l->retry_after), "%s", r.retry_after);
	api_resp_free(&r);
	atomic_store(&l->done, 1);
	return NULL;
}

static void lookup_start(struct lookup *l)
{
	assert_int_equal(pthread_create(&l->thread, NULL, lookup_run, l), 0);
}

/* Waits (10 s at most) for the first of two lookups to end; the other one. */
static struct lookup *other_of_first(struct lookup *x, struct lookup *y)
{
	for (int i = 0; i < 1000; i++) {
		if (atomic_load(&x->done))
			return y;
		if (atomic_load(&y->done))
			return x;
		api_sleep_ms(10);
	}
	fail_msg("no lookup ended");
	return NULL;
}

static void assert_refused(const struct lookup *l, long status, const char *code)
{
	assert_int_equal(l->status, status);
	assert_string_equal(l->code, code);
	assert_string_equal(l->retry_after, "5");
}

static void test_one_lookup_per_account_half_the_workers(void **state)
{
	struct lookup a1 = {.who = MA, .domain = "look-a.org"};
	struct lookup a2 = {.who = MA, .domain = "look-a.org"};
	struct lookup as = {.who = AB_MA, .domain = "look-a.org"};
	struct lookup b = {.who = MB, .domain = "look-b.org"};
	struct lookup c = {.who = MC, .domain = "look-c.org"};

	(void)state;
	/* Two of mema's: one waits for the silent resolver, the other is refused. (A moment
	 * apart: two connections accepted at once by one worker thread are served one after the
	 * other, and a worker held by a lookup accepts none meanwhile.) */
	lookup_start(&a1);
	api_sleep_ms(300);
	lookup_start(&a2);
	struct lookup *running = other_of_first(&a1, &a2);
	struct lookup *refused = running == &a1 ? &a2 : &a1;
	assert_refused(refused, 429, "rate_limited");
	assert_false(atomic_load(&running->done));
	/* An admin acting as mema counts as mema. */
	lookup_start(&as);
	pthread_join(as.thread, NULL);
	assert_refused(&as, 429, "rate_limited");
	/* Two other accounts: one more runs (2 of 4 workers, the most), the other is refused. */
	lookup_start(&b);
	api_sleep_ms(300);
	lookup_start(&c);
	struct lookup *second = other_of_first(&b, &c);
	struct lookup *busy = second == &b ? &c : &b;
	assert_refused(busy, 503, "lookups_busy");
	/* The other requests go on meanwhile. */
	assert_int_equal(api_call(NULL, MC, "GET", "/api/v1/domains/look-c.org", NULL), 200);
	assert_false(atomic_load(&running->done));
	pthread_join(a1.thread, NULL);
	pthread_join(a2.thread, NULL);
	pthread_join(b.thread, NULL);
	pthread_join(c.thread, NULL);
	/* The DNS did not answer: 503 unavailable, not "no MX". */
	assert_int_equal(running->status, 503);
	assert_string_equal(running->code, "unavailable");
	assert_int_equal(second->status, 503);
	assert_string_equal(second->code, "unavailable");
	/* Ended: the account may ask again (and waits for the resolver again). */
	struct lookup again = {.who = busy->who, .domain = busy->domain};
	lookup_start(&again);
	pthread_join(again.thread, NULL);
	assert_int_equal(again.status, 503);
	assert_string_equal(again.code, "unavailable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_lookup_per_account_half_the_workers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
