/* The cooperative monitor lock's name, against a real cluster: two dbproxies that log in with
 * different monitoring passwords (one rotated it and reloaded or restarted, the other not yet)
 * but share a cooperative_key_file name the same lock, and one of them leads. Before, the name
 * came from the monitoring password alone: each held a majority of its own lock, both led,
 * and each fenced the writer the other made (found by a review). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dpt_group.h"

#define NPROXY 2

static th_cluster *cluster;
static dpt_proxy proxies[NPROXY];

/* A second monitoring account: the first one's password after a rotation. */
#define ROTATED_USER "dbmon2"
#define ROTATED_PASS "monitor-rotated-secret"

static int setup(void **state)
{
	th_options opts = {.replicas = 2, .semisync = 1};

	(void)state;
	if (th_cluster_start(&cluster, &opts) < 0)
		return -1;
	if (dpt_setup_users(cluster) < 0)
		return -1;
	for (int i = 0; i < cluster->nservers; i++)
		if (th_sql(cluster, i,
			   "SET SESSION sql_log_bin = 0;"
			   "CREATE USER " ROTATED_USER "@'127.0.0.1' IDENTIFIED BY '" ROTATED_PASS
			   "';"
			   "GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, "
			   "REPLICATION MASTER ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, "
			   "RELOAD, BINLOG ADMIN ON *.* TO " ROTATED_USER "@'127.0.0.1';"
			   "GRANT ALL ON dbproxy.* TO " ROTATED_USER "@'127.0.0.1';"
			   "GRANT SELECT ON mysql.global_priv TO " ROTATED_USER "@'127.0.0.1'") < 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NPROXY; i++)
		if (proxies[i].pid > 0)
			dpt_proxy_stop(&proxies[i]);
	th_cluster_free(cluster);
	return 0;
}

/* Starts dbproxy i in cooperative mode with the shared key; the second one with the rotated
 * monitoring account. */
static int start(int i, const char *key)
{
	char state[PATH_MAX], mon[PATH_MAX];
	const char *rotated[] = {"--cooperative-monitoring",
				 "majority",
				 "--state-file",
				 state,
				 "--cooperative-key-file",
				 key,
				 "--monitor-user",
				 ROTATED_USER,
				 "--monitor-password-file",
				 mon,
				 NULL};

	snprintf(state, sizeof(state), "%.*s/state-%d", PATH_MAX - 16, cluster->dir, i);
	snprintf(mon, sizeof(mon), "%.*s/rotated.pw", PATH_MAX - 16, cluster->dir);
	if (dpt_write_file(mon, ROTATED_PASS) < 0)
		return -1;
	if (i == 1)
		return dpt_proxy_start(&proxies[i], cluster, rotated);
	rotated[6] = NULL; /* the first: its own monitoring account */
	return dpt_proxy_start(&proxies[i], cluster, rotated);
}

static int agreed(void *arg)
{
	(void)arg;
	return dpt_group_agreed(proxies, NPROXY);
}

static void test_one_leader_across_a_password_rotation(void **state)
{
	char key[PATH_MAX];
	int which;

	(void)state;
	snprintf(key, sizeof(key), "%.*s/coop.key", PATH_MAX - 16, cluster->dir);
	assert_int_equal(dpt_write_file(key, "cluster-key-0123456789abcdef"), 0);
	assert_int_equal(start(0, key), 0);
	assert_int_equal(start(1, key), 0);
	assert_true(dpt_until(20000, agreed, NULL));
	/* Over a few seconds of lock cycles, never two leaders. */
	for (int i = 0; i < 20; i++) {
		assert_true(dpt_group_leaders(proxies, NPROXY, &which) <= 1);
		usleep(150 * 1000);
	}
	assert_int_equal(dpt_group_leaders(proxies, NPROXY, &which), 1);
}

/* Whether a file holds a text. */
static int file_has(const char *path, const char *text)
{
	char line[4096];
	int found = 0;
	FILE *fp = fopen(path, "r");
	while (fp && !found && fgets(line, sizeof(line), fp))
		found = strstr(line, text) != NULL;
	if (fp)
		fclose(fp);
	return found;
}

static int split_said(void *arg)
{
	(void)arg;
	for (int i = 0; i < NPROXY; i++)
		if (file_has(proxies[i].log, "two leaders, each with its own lock"))
			return 1;
	return 0;
}

/* The misconfiguration itself, different keys: both lead (nothing can tell them apart), and
 * the log says why; they do not publish epoch after epoch over each other's. */
static void test_different_keys_are_said_not_fought(void **state)
{
	char key0[PATH_MAX], key1[PATH_MAX];
	int which;

	(void)state;
	for (int i = 0; i < NPROXY; i++)
		if (proxies[i].pid > 0)
			assert_int_equal(dpt_proxy_stop(&proxies[i]), 0);
	snprintf(key0, sizeof(key0), "%.*s/coop0.key", PATH_MAX - 16, cluster->dir);
	snprintf(key1, sizeof(key1), "%.*s/coop1.key", PATH_MAX - 16, cluster->dir);
	assert_int_equal(dpt_write_file(key0, "cluster-key-one-0123456789"), 0);
	assert_int_equal(dpt_write_file(key1, "cluster-key-two-0123456789"), 0);
	assert_int_equal(start(0, key0), 0);
	assert_int_equal(start(1, key1), 0);
	assert_int_equal(dpt_group_leaders(proxies, NPROXY, &which), 2);
	/* One of them switches over: the other reads a newer epoch it did not publish. */
	int primary = dpt_group_view(&proxies[0]).primary;
	char path[64], *body = NULL;
	snprintf(path, sizeof(path), "/switchover?to=s%d", primary == 1 ? 2 : 1);
	assert_int_equal(dpt_http(&proxies[0], "POST", path, &body), 200);
	free(body);
	assert_true(dpt_until(20000, split_said, NULL));
	usleep(1000 * 1000);
	uint64_t before = dpt_group_view(&proxies[0]).epoch + dpt_group_view(&proxies[1]).epoch;
	usleep(2000 * 1000); /* eight lock cycles */
	uint64_t after = dpt_group_view(&proxies[0]).epoch + dpt_group_view(&proxies[1]).epoch;
	assert_true(after == before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_leader_across_a_password_rotation),
	    cmocka_unit_test(test_different_keys_are_said_not_fought),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
