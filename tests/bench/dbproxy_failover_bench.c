/* Failover benchmark (not a test): N crash or hang trials through dbproxy. Each trial: a writer
 * inserts continuously with a ledger of acknowledged ids; the primary gets kill -9 (mode
 * "kill") or SIGSTOP (mode "stop"); we measure the time from the signal to the first
 * acknowledged insert sent after it, check that every acknowledged id is on the new primary,
 * then bring the old primary back (restart, or SIGCONT: it is fenced) and rejoin it. Mode
 * "saturate" runs no trial: 16 sysbench threads through dbproxy for N seconds saturate the
 * machine's cores, and no failover may happen. Built and run by tests/bench/dbproxy-failover.sh;
 * prints one line per trial and a summary. */
#include <math.h>

#include "dpt.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int seen_up(const dpt_proxy *p, int idx)
{
	char v[32];
	return dpt_server_field(p, idx, "health", v, sizeof(v)) == 0 && !strcmp(v, "up");
}

/* No failover while sysbench saturates the cores: the epoch and the failover count must not
 * move. 0 when none happened. */
static int saturate(th_cluster *c, dpt_proxy *p, int seconds)
{
	char cmd[2048], *metrics = NULL;
	uint64_t epoch0 = 0, epoch1 = 0;
	const char *common = "--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=sbtest "
			     "--mysql-password=sbtest-pw --mysql-db=sbtest --tables=4 "
			     "--table-size=10000";
	if (th_sql(c, 0,
		   "CREATE DATABASE sbtest; CREATE USER sbtest@'127.0.0.1' IDENTIFIED BY "
		   "'sbtest-pw'; GRANT ALL ON sbtest.* TO sbtest@'127.0.0.1'") < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sysbench oltp_read_write %s --mysql-port=%d prepare >/dev/null",
		 common, c->servers[0].port);
	if (system(cmd) != 0)
		return -1;
	int primary = dpt_primary(p, &epoch0);
	printf("saturating: 16 sysbench oltp_read_write threads through dbproxy for %d s\n",
	       seconds);
	fflush(stdout);
	snprintf(cmd, sizeof(cmd),
		 "sysbench oltp_read_write %s --mysql-port=%d --threads=16 --time=%d "
		 "--report-interval=10 --mysql-ignore-errors=all run | "
		 "grep -E '^\\[|transactions:|queries:|95th'",
		 common, p->port, seconds);
	int rc = system(cmd);
	int after = dpt_primary(p, &epoch1);
	int code = dpt_http(p, "GET", "/metrics", &metrics);
	const char *f = metrics ? strstr(metrics, "\ndbproxy_failovers_total ") : NULL;
	long failovers = f ? atol(f + strlen("\ndbproxy_failovers_total ")) : -1;
	free(metrics);
	printf(
	    "saturation: sysbench exit %d, primary s%d -> s%d, epoch %llu -> %llu, failovers %ld "
	    "(metrics %d)\n",
	    rc, primary, after, (unsigned long long)epoch0, (unsigned long long)epoch1, failovers,
	    code);
	return rc == 0 && primary == after && epoch0 == epoch1 && failovers == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int trials = argc > 1 ? atoi(argv[1]) : 20;
	const char *mode = argc > 2 ? argv[2] : "kill";
	int hang = strcmp(mode, "stop") == 0;
	th_options opts = {.replicas = 2, .semisync = 1};
	th_cluster *c;
	dpt_proxy p;
	dpt_writer w;
	uint64_t *ms = calloc((size_t)trials, sizeof(uint64_t));
	long lost_total = 0;
	int done = 0, rc = 1;

	if (!ms || th_cluster_start(&c, &opts) < 0)
		return 1;
	if (dpt_setup_users(c) < 0 || dpt_proxy_start(&p, c, NULL) < 0)
		goto out;
	if (strcmp(mode, "saturate") == 0) {
		rc = saturate(c, &p, trials);
		goto out;
	}
	if (dpt_writer_start(&w, &p, 0) < 0)
		goto out;
	srand((unsigned)time(NULL));
	printf("trial  %s  new-primary  %s->first-ack-ms  acked-so-far  lost\n",
	       hang ? "stopped" : "killed ", hang ? "stop" : "kill");
	for (int t = 0; t < trials; t++) {
		int old = dpt_primary(&p, NULL);
		if (old < 0 || !dpt_until(30000, dpt_replicas_ready, &p)) {
			fprintf(stderr, "cluster not ready before trial %d\n", t);
			break;
		}
		dpt_sleep_ms(300 +
			     (unsigned)(rand() % 700)); /* kill at a random point of the load */
		size_t before = dpt_writer_count(&w);
		uint64_t t0 = dpt_us();
		if (th_server_signal(c, old, hang ? SIGSTOP : SIGKILL) < 0)
			break;
		/* Inserts sent before the process was gone may still have been taken by it. */
		uint64_t t_dead = dpt_us();
		/* The first insert acknowledged after the kill was sent. */
		uint64_t first = 0;
		while (dpt_us() - t0 < 30000000) {
			pthread_mutex_lock(&w.mu);
			/* sent after the kill: not an insert the old primary took before dying */
			if (w.nacked > before && w.last_ack_sent_us > t_dead)
				first = w.last_ack_us;
			pthread_mutex_unlock(&w.mu);
			if (first)
				break;
			dpt_sleep_ms(1);
		}
		if (!first) {
			fprintf(stderr, "trial %d: no write within 30 s\n", t);
			break;
		}
		ms[done] = (first - t0 + 500) / 1000;
		int np = dpt_primary(&p, NULL);
		size_t checked = 0;
		long lost = dpt_ledger_missing(c, np, &w, &checked);
		lost_total += lost < 0 ? 1000000 : lost;
		printf("%5d  s%d       s%d           %18llu  %12zu  %4ld\n", t + 1, old, np,
		       (unsigned long long)ms[done], checked, lost);
		fflush(stdout);
		done++;
		/* Bring the old primary back as a replica for the next trial: continued (it is
		 * fenced at once), or restarted. */
		if (hang ? th_server_signal(c, old, SIGCONT) < 0 : th_server_start(c, old) < 0)
			break;
		for (int i = 0; i < 200 && !seen_up(&p, old); i++)
			dpt_sleep_ms(50);
		int r = dpt_rejoin_or_reprovision(c, &p, old);
		if (r < 0) {
			fprintf(stderr, "trial %d: could not bring s%d back\n", t + 1, old);
			break;
		}
		if (r == 1)
			printf("       s%d had diverged (quarantined): re-provisioned from a "
			       "replica\n",
			       old);
	}
	dpt_writer_stop(&w);
	if (done > 0) {
		qsort(ms, (size_t)done, sizeof(ms[0]), cmp_u64);
		double mean = 0;
		for (int i = 0; i < done; i++)
			mean += (double)ms[i];
		mean /= done;
		printf(
		    "\n%s: trials %d  median %llu ms  mean %.0f ms  min %llu ms  p99 %llu ms  max "
		    "%llu ms  lost acknowledged writes %ld  writer errors %d\n",
		    hang ? "SIGSTOP" : "kill -9", done, (unsigned long long)ms[done / 2], mean,
		    (unsigned long long)ms[0], (unsigned long long)ms[(done - 1) * 99 / 100],
		    (unsigned long long)ms[done - 1], lost_total, w.errors);
		rc = done == trials && lost_total == 0 ? 0 : 1;
	}
	dpt_writer_free(&w);
out:
	if (dpt_proxy_stop(&p) != 0)
		rc = 1;
	th_cluster_free(c);
	free(ms);
	return rc;
}
