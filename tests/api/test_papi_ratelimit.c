/* panel-api's write buckets (papi_ratelimit.c) on a clock the test sets: a drained bucket stays
 * drained when a worker's clock reading is older than the bucket's last one, refills at the
 * rate up to its burst, keeps one account's bucket apart from another's, and survives the
 * sweep that makes room for more accounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static uint64_t fake_ms = 1000000;

static int fake_clock_gettime(clockid_t clock, struct timespec *ts)
{
	(void)clock;
	ts->tv_sec = (time_t)(fake_ms / 1000);
	ts->tv_nsec = (long)(fake_ms % 1000) * 1000000;
	return 0;
}

#define clock_gettime fake_clock_gettime
#include "../../panel-api/papi_ratelimit.c"
#undef clock_gettime

static void drain(papi_ctx *ctx, uint32_t uid)
{
	while (papi_rate_take(ctx, uid, 20, 200, 1) == 0)
		;
}

static void test_buckets(void **state)
{
	papi_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(papi_rate_init(&ctx), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);
	assert_int_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 1); /* retry in 1 s at most */
	/* A worker that read the clock 1 ms before the last one: no refill (before, the
	 * difference wrapped around and the bucket was full again). */
	fake_ms -= 1;
	assert_int_not_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);
	fake_ms += 1;
	/* 20 a second: one write each 50 ms. */
	fake_ms += 50;
	assert_int_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);
	assert_int_not_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);
	/* Another account has its own bucket. */
	assert_int_equal(papi_rate_take(&ctx, 2002, 20, 200, 1), 0);
	/* Up to the burst, no more, however long the wait. */
	fake_ms += 3600 * 1000;
	for (int i = 0; i < 200; i++)
		assert_int_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);
	assert_int_not_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);

	/* 3,100 more accounts write once: the sweep keeps the buckets that are not full, so the
	 * drained one stays drained; once every bucket has refilled, a sweep empties the table. */
	for (uint32_t uid = 10000; uid < 13100; uid++)
		papi_rate_take(&ctx, uid, 20, 200, 1);
	assert_int_not_equal(papi_rate_take(&ctx, 2001, 20, 200, 1), 0);
	fake_ms += 60 * 1000;
	drain(&ctx, 20000);
	assert_true(ctx.rate->used < 10);
	assert_int_not_equal(papi_rate_take(&ctx, 20000, 20, 200, 1), 0);
	/* No limit: rate 0, or no account. */
	assert_int_equal(papi_rate_take(&ctx, 20000, 0, 200, 1), 0);
	assert_int_equal(papi_rate_take(&ctx, 0, 20, 200, 1), 0);
	/* A write of cost 17 (a 16 KiB body) takes 17: eleven from a full bucket of 200, then a
	 * wait of 17 writes' time (0.85 s: 1 s); a cost above the burst counts as the burst, so
	 * a full bucket always lets one through. */
	fake_ms += 3600 * 1000;
	for (int i = 0; i < 11; i++)
		assert_int_equal(papi_rate_take(&ctx, 3001, 20, 200, 17), 0);
	assert_int_equal(papi_rate_take(&ctx, 3001, 20, 200, 17), 1);
	assert_int_equal(papi_rate_take(&ctx, 3001, 20, 200, 13), 0); /* 13 of 13 left */
	assert_int_equal(papi_rate_take(&ctx, 3002, 20, 200, 1000), 0);
	assert_int_not_equal(papi_rate_take(&ctx, 3002, 20, 200, 1), 0);
	papi_rate_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
