/* dbproxy: MySQL-protocol proxy in front of replicated MariaDB servers. Sends clients to the
 * writer it decided on, watches the servers, fails over, fences. main, signals, reload. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <mysql.h>
#include <sodium.h>

#include "dbproxy.h"
#include "dp_log.h"
#include "dp_session.h"

void dp_proxy_stop(dp_proxy *px)
{
	dp_loop_stop(px->loop);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void on_drain_timer(dp_loop *loop, dp_timer *t)
{
	dp_proxy *px = t->arg;
	(void)loop;
	dp_warn("drain timeout: closing %u busy session(s)", px->nsessions);
	dp_sessions_close_all(px, "shutting down (drain timeout)");
	dp_proxy_stop(px);
}

static void start_drain(dp_proxy *px)
{
	if (px->draining) {
		dp_warn("second stop signal: closing everything now");
		dp_sessions_close_all(px, "shutting down");
		dp_proxy_stop(px);
		return;
	}
	px->draining = 1;
	dp_info("draining: no new clients; %u session(s) end when idle (at most %u ms)",
		px->nsessions, px->cfg.drain_timeout_ms);
	dp_listen_stop(px);
	dp_sessions_drain(px);
	if (px->nsessions == 0) {
		dp_proxy_stop(px);
		return;
	}
	dp_timer_init(&px->drain_timer, on_drain_timer, px);
	dp_timer_set(px->loop, &px->drain_timer, px->cfg.drain_timeout_ms);
}

/* The flags and the configuration file they name: 0, 1 (--help was printed) or -1 with a
 * message in err. */
static int load_config(dp_config *c, int argc, char **argv, char *err, size_t errsz)
{
	int r;
	dp_config_defaults(c);
	r = dp_config_from_args(c, argc, argv, err, errsz);
	if (r == 0 && dp_config_finish(c, err, errsz) < 0)
		r = -1;
	return r;
}

/* Servers stay the same list in the same order while running; new ones may be appended. */
static int servers_kept(const dp_proxy *px, const dp_config *nc)
{
	if (nc->nservers < px->nservers) {
		dp_error(
		    "reload refused: servers cannot be removed while running (restart dbproxy)");
		return 0;
	}
	for (int i = 0; i < px->nservers; i++) {
		if (strcmp(nc->servers[i].addr_text, px->cfg.servers[i].addr_text) != 0 ||
		    strcmp(nc->servers[i].name, px->cfg.servers[i].name) != 0) {
			dp_error("reload refused: server %d changed (%s -> %s); only appending "
				 "servers is supported",
				 i + 1, px->cfg.servers[i].name, nc->servers[i].name);
			return 0;
		}
	}
	return 1;
}

/* The settings a reload cannot change keep their running values in nc. */
static void keep_restart_settings(const dp_proxy *px, dp_config *nc)
{
	if (strcmp(nc->listen, px->cfg.listen) ||
	    strcmp(nc->listen_socket, px->cfg.listen_socket) || strcmp(nc->admin, px->cfg.admin) ||
	    nc->buffer_kib != px->cfg.buffer_kib) {
		dp_warn("reload: listen, listen_socket, admin and buffer_kib changes need a "
			"restart; kept");
		snprintf(nc->listen, sizeof(nc->listen), "%s", px->cfg.listen);
		nc->listen_addr = px->cfg.listen_addr;
		snprintf(nc->listen_socket, sizeof(nc->listen_socket), "%s", px->cfg.listen_socket);
		snprintf(nc->admin, sizeof(nc->admin), "%s", px->cfg.admin);
		nc->admin_addr = px->cfg.admin_addr;
		nc->buffer_kib = px->cfg.buffer_kib;
	}
	/* The cooperative checks and the lock are set up at start: switched by a reload, routing
	 * stopped for good (waiting for a register no cycle read). */
	if (nc->cooperative != px->cfg.cooperative ||
	    strcmp(nc->cooperative_database, px->cfg.cooperative_database) != 0) {
		dp_warn("reload: cooperative_monitoring and cooperative_database changes need a "
			"restart; kept");
		nc->cooperative = px->cfg.cooperative;
		snprintf(nc->cooperative_database, sizeof(nc->cooperative_database), "%s",
			 px->cfg.cooperative_database);
	}
	/* The monitor lock's name comes from the key (or the monitoring password) read at start
	 * (dp_coop.c): it stays, and another dbproxy started now would name another lock. */
	if (nc->cooperative && (strcmp(nc->cooperative_key, px->cfg.cooperative_key) != 0 ||
				(!nc->cooperative_key[0] &&
				 strcmp(nc->monitor_password, px->cfg.monitor_password) != 0))) {
		if (nc->cooperative_key[0] || px->cfg.cooperative_key[0])
			dp_warn("reload: the cooperative key changed; the monitor lock keeps its "
				"name until every dbproxy of the cluster restarts together");
		else
			dp_warn(
			    "reload: the monitoring password changed and names the monitor lock "
			    "(no cooperative_key_file): the lock keeps its old name, and a "
			    "dbproxy started with the new password would lead apart: restart "
			    "every dbproxy of the cluster together, or set cooperative_key_file");
		snprintf(nc->cooperative_key_file, sizeof(nc->cooperative_key_file), "%s",
			 px->cfg.cooperative_key_file);
		snprintf(nc->cooperative_key, sizeof(nc->cooperative_key), "%s",
			 px->cfg.cooperative_key);
	}
}

/* SIGHUP: the file and the flags again; what can change without dropping clients does. */
static void reload(dp_proxy *px)
{
	dp_config *nc = calloc(1, sizeof(*nc));
	char err[512];
	int r;
	if (!nc)
		return;
	r = load_config(nc, px->argc, px->argv, err, sizeof(err));
	if (r != 0) {
		dp_error("reload refused: %s (keeping the running configuration)",
			 r < 0 ? err : "help");
		goto out;
	}
	if (!servers_kept(px, nc))
		goto out;
	keep_restart_settings(px, nc);
	for (int i = px->nservers; i < nc->nservers; i++) {
		dp_server *s;
		if (dp_server_new(&s, px, i, &nc->servers[i]) < 0) {
			dp_error("reload: out of memory adding %s", nc->servers[i].name);
			nc->nservers = i;
			break;
		}
		px->servers[px->nservers++] = s;
		dp_info("reload: server %s added", s->conf.name);
	}
	dp_config_wipe(&px->cfg);
	px->cfg = *nc;
	dp_config_wipe(nc);
	for (int i = 0; i < px->nservers; i++)
		px->servers[i]->conf = px->cfg.servers[i];
	dp_log_set_level(px->cfg.log_level);
	dp_loop_set_busy_poll(px->loop, px->cfg.busy_poll_us);
	dp_monitor_reload(px);
	for (int i = 0; i < px->nservers; i++)
		if (!dp_timer_armed(&px->servers[i]->probe_timer) &&
		    !dp_sqlc_busy(px->servers[i]->probe))
			dp_monitor_probe_now(px, px->servers[i]);
	dp_info("configuration reloaded (%d servers)", px->nservers);
out:
	free(nc);
}

static void on_signal(dp_loop *loop, dp_io *io, unsigned events)
{
	dp_proxy *px = io->arg;
	struct signalfd_siginfo si;
	(void)loop;
	(void)events;
	while (read(px->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			dp_info("SIGHUP: reloading %s",
				px->cfg.config_file[0] ? px->cfg.config_file : "the flags");
			reload(px);
		} else {
			dp_info("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			start_drain(px);
		}
	}
}

static void write_pid(const char *path)
{
	FILE *f;
	if (!path[0])
		return;
	f = fopen(path, "we");
	if (!f) {
		dp_warn("pid file %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

/* Everything the loop runs on: signals, pools, servers, listeners, the admin endpoint, the
 * monitor. 0, or -1 with a message on stderr. */
static int prepare(dp_proxy *px)
{
	char err[512];
	sigset_t mask;

	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (dp_loop_new(&px->loop) < 0 ||
	    dp_bufpool_new(&px->pool, px->cfg.buffer_kib * 1024u, 256) < 0 ||
	    dp_pipepool_new(&px->pipes, 64) < 0) {
		fprintf(stderr, "dbproxy: out of memory\n");
		return -1;
	}
	dp_loop_set_busy_poll(px->loop, px->cfg.busy_poll_us);
	for (int i = 0; i < px->cfg.nservers; i++) {
		if (dp_server_new(&px->servers[i], px, i, &px->cfg.servers[i]) < 0) {
			fprintf(stderr, "dbproxy: out of memory\n");
			return -1;
		}
		px->nservers++;
	}
	px->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	dp_io_init(&px->signal_io, on_signal, px);
	if (px->signal_fd < 0 ||
	    dp_io_add(px->loop, &px->signal_io, px->signal_fd, DP_EV_READ) < 0) {
		fprintf(stderr, "dbproxy: signalfd: %s\n", strerror(errno));
		return -1;
	}
	if (dp_listen_start(px, err, sizeof(err)) < 0 || dp_admin_start(px, err, sizeof(err)) < 0) {
		fprintf(stderr, "dbproxy: %s\n", err);
		return -1;
	}
	dp_monitor_start(px);
	write_pid(px->cfg.pid_file);
	return 0;
}

/* Undoes prepare, however far it went; the pid file goes only after a clean stop (rc 0). */
static void clean_up(dp_proxy *px, int rc)
{
	if (px->loop) {
		dp_op_abort_all(px);
		dp_admin_stop(px);
		dp_sessions_free_all(px);
		dp_listen_stop(px);
		dp_monitor_stop(px);
		dp_timer_cancel(px->loop, &px->drain_timer);
		dp_timer_cancel(px->loop, &px->wake_timer);
		if (px->signal_fd >= 0) {
			dp_io_del(px->loop, &px->signal_io);
			close(px->signal_fd);
		}
	}
	for (int i = 0; i < px->nservers; i++)
		dp_server_free(px->servers[i]);
	dp_loop_free(px->loop); /* runs the deferred frees of the sessions */
	dp_bufpool_free(px->pool);
	dp_pipepool_free(px->pipes);
	if (px->cfg.pid_file[0] && rc == 0)
		unlink(px->cfg.pid_file);
	dp_config_wipe(&px->cfg);
	free(px);
}

/* Options, prepare, run, clean up. */
int main(int argc, char **argv)
{
	dp_proxy *px;
	char err[512];
	int r, rc = 1;

	px = calloc(1, sizeof(*px));
	if (!px)
		return 1;
	px->listen_fd = px->unix_fd = px->signal_fd = -1;
	px->argc = argc;
	px->argv = argv;
	px->started_wall_ms = dp_wall_ms();
	r = load_config(&px->cfg, argc, argv, err, sizeof(err));
	if (r != 0) {
		if (r < 0)
			fprintf(stderr, "dbproxy: %s\n", err);
		dp_config_wipe(&px->cfg);
		free(px);
		return r < 0 ? 2 : 0;
	}
	dp_log_set_level(px->cfg.log_level);
	if (sodium_init() < 0 || mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "dbproxy: library initialisation failed\n");
		free(px);
		return 1;
	}

	if (prepare(px) == 0) {
		dp_info("dbproxy 0.1.0 listening on %s%s%s, %d server(s), probe every %u ms",
			px->cfg.listen, px->cfg.listen_socket[0] ? " and " : "",
			px->cfg.listen_socket, px->nservers, px->cfg.probe_interval_ms);
		dp_loop_run(px->loop);
		dp_info("stopped");
		rc = 0;
	}
	clean_up(px, rc);
	mysql_library_end();
	return rc;
}
