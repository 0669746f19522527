/* idle_clients: opens N MySQL sessions (handshake and authentication complete, one SELECT 1
 * each so that the session is fully set up on both sides) to HOST:PORT and keeps them open and
 * silent until SIGTERM or SIGINT. Prints "ready N" on stdout once all are open, for
 * tests/bench/dbproxy-idle-memory.sh. Raises RLIMIT_NOFILE to its hard limit.
 * usage: idle_clients HOST PORT USER PASSWORD N */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

#include <mysql.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s HOST PORT USER PASSWORD N\n", argv[0]);
		return 2;
	}
	const char *host = argv[1], *user = argv[3], *pw = argv[4];
	unsigned port = (unsigned)strtoul(argv[2], NULL, 10);
	long n = strtol(argv[5], NULL, 10);
	if (n < 1) {
		fprintf(stderr, "N must be at least 1\n");
		return 2;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	MYSQL **h = calloc((size_t)n, sizeof(*h));
	if (!h) {
		perror("calloc");
		return 1;
	}
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "mysql_library_init failed\n");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	double t0 = now_s();
	for (long i = 0; i < n && !stop; i++) {
		unsigned timeout = 30;
		h[i] = mysql_init(NULL);
		if (!h[i]) {
			fprintf(stderr, "mysql_init failed at %ld\n", i);
			return 1;
		}
		mysql_optionsv(h[i], MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
		mysql_optionsv(h[i], MYSQL_OPT_READ_TIMEOUT, &timeout);
		/* A refused connect (a full backlog for a moment) is retried a few times. */
		int ok = 0;
		for (int attempt = 0; attempt < 5 && !ok; attempt++) {
			if (mysql_real_connect(h[i], host, user, pw, NULL, port, NULL, 0))
				ok = 1;
			else if (attempt < 4)
				usleep(100000);
		}
		if (!ok) {
			fprintf(stderr, "connection %ld: %s\n", i, mysql_error(h[i]));
			return 1;
		}
		if (mysql_query(h[i], "SELECT 1")) {
			fprintf(stderr, "connection %ld: %s\n", i, mysql_error(h[i]));
			return 1;
		}
		MYSQL_RES *r = mysql_store_result(h[i]);
		if (r)
			mysql_free_result(r);
		if (i % 2000 == 1999)
			fprintf(stderr, "idle_clients: %ld open (%.1f s)\n", i + 1, now_s() - t0);
	}
	if (stop)
		return 1;
	printf("ready %ld %.1f\n", n, now_s() - t0);
	fflush(stdout);
	while (!stop)
		pause();
	/* Exit without closing one by one: the kernel closes the sockets. */
	return 0;
}
