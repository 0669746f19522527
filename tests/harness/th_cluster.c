/* Test harness, C side: runs tests/harness/mariadb-cluster (fork/exec) to start, stop and
 * restart throwaway MariaDB servers, reads DIR/cluster.env and connects with Connector/C. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "th_cluster.h"

#define TH_SCRIPT_NAME	   "mariadb-cluster"
#define TH_SCRIPT_ENV	   "PANEL_MARIADB_CLUSTER"
#define TH_SHARED_ENV	   "PANEL_TEST_CLUSTER"
#define TH_MAX_ARGS	   12
#define TH_CONNECT_TIMEOUT 10
#define TH_SIGNAL_WAIT_MS  10000
#define TH_MAX_DB_NAME	   64

static void th_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void th_err(const char *fmt, ...)
{
	va_list ap;

	fputs("th_cluster: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* snprintf that reports truncation as an error instead of silently cutting. */
static int th_fmt(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int th_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		th_err("string too long (needs %d bytes, have %zu)", n, size);
		return -1;
	}
	return 0;
}

static int th_copy(char *dst, size_t size, const char *src)
{
	return th_fmt(dst, size, "%s", src);
}

static int th_parse_int(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int th_executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* The script: $PANEL_MARIADB_CLUSTER, else next to this source file as seen from the build
 * directory (the repo root), else found by walking up from the test binary. */
static int th_find_script(char *out, size_t size)
{
	const char *env = getenv(TH_SCRIPT_ENV);
	const char *file = __FILE__;
	const char *slash;
	char exe[PATH_MAX];
	ssize_t n;
	int level;

	if (env != NULL && env[0] != '\0') {
		if (th_copy(out, size, env) < 0)
			return -1;
		if (!th_executable(out)) {
			th_err("%s=%s is not an executable file", TH_SCRIPT_ENV, env);
			return -1;
		}
		return 0;
	}

	slash = strrchr(file, '/');
	if (slash != NULL) {
		if (th_fmt(out, size, "%.*s/%s", (int)(slash - file), file, TH_SCRIPT_NAME) < 0)
			return -1;
	} else if (th_copy(out, size, "./" TH_SCRIPT_NAME) < 0) {
		return -1;
	}
	if (th_executable(out))
		return 0;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n == -1) {
		th_err("readlink /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	exe[n] = '\0';
	for (level = 0; level < 8; level++) {
		char *cut = strrchr(exe, '/');

		if (cut == NULL || cut == exe)
			break;
		*cut = '\0';
		if (th_fmt(out, size, "%s/tests/harness/%s", exe, TH_SCRIPT_NAME) < 0)
			return -1;
		if (th_executable(out))
			return 0;
	}
	th_err("cannot find %s; set %s to its path", TH_SCRIPT_NAME, TH_SCRIPT_ENV);
	return -1;
}

/* In the child, before exec: nothing of the test process (client sockets above all) may
 * leak into the script and from there into long-lived mariadbd processes. */
static void th_close_inherited(long open_max)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	for (long fd = 3; fd < open_max; fd++)
		(void)close((int)fd);
}

/* Runs the script with args (NULL-terminated, not counting argv[0]); 0 when it exits 0.
 * Its stderr is ours; its stdout (the env path) is dropped: we read the folder instead. */
static int th_run_script(const char *const args[])
{
	char script[PATH_MAX];
	char *argv[TH_MAX_ARGS + 2];
	int nargs = 0, status, devnull, rc = -1;
	long open_max;
	pid_t pid;

	if (th_find_script(script, sizeof(script)) < 0)
		return -1;
	memset(argv, 0, sizeof(argv));
	/* execv wants char *const[]: private copies avoid casting away const. */
	argv[0] = strdup(script);
	if (argv[0] == NULL)
		goto out_nomem;
	for (nargs = 0; args[nargs] != NULL; nargs++) {
		if (nargs >= TH_MAX_ARGS) {
			th_err("too many arguments for %s", TH_SCRIPT_NAME);
			goto out;
		}
		argv[nargs + 1] = strdup(args[nargs]);
		if (argv[nargs + 1] == NULL)
			goto out_nomem;
	}

	open_max = sysconf(_SC_OPEN_MAX);
	if (open_max < 0 || open_max > 65536)
		open_max = 65536;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull == -1) {
		th_err("open /dev/null: %s", strerror(errno));
		goto out;
	}
	if (fflush(NULL) == EOF)
		th_err("fflush: %s", strerror(errno));

	pid = fork();
	if (pid == -1) {
		th_err("fork: %s", strerror(errno));
		(void)close(devnull);
		goto out;
	}
	if (pid == 0) {
		sigset_t none;

		/* Cleared first in case devnull is itself 0 or 1, where dup2 would be a no-op. */
		if (fcntl(devnull, F_SETFD, 0) == -1 || dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(devnull, STDOUT_FILENO) == -1)
			_exit(127);
		th_close_inherited(open_max);
		if (sigemptyset(&none) == -1 || sigprocmask(SIG_SETMASK, &none, NULL) == -1)
			_exit(127);
		if (signal(SIGPIPE, SIG_DFL) == SIG_ERR)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (close(devnull) == -1)
		th_err("close: %s", strerror(errno));

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			th_err("waitpid: %s", strerror(errno));
			goto out;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
	} else if (WIFEXITED(status)) {
		th_err("%s %s failed (exit %d)", TH_SCRIPT_NAME, args[0], WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		th_err("%s %s killed by signal %d", TH_SCRIPT_NAME, args[0], WTERMSIG(status));
	} else {
		th_err("%s %s ended oddly (status %d)", TH_SCRIPT_NAME, args[0], status);
	}
	goto out;

out_nomem:
	th_err("out of memory");
out:
	for (int i = 0; i < TH_MAX_ARGS + 2; i++)
		free(argv[i]);
	return rc;
}

/* ---------------------------------------------------------------- cluster.env */

/* Reads DIR/cluster.env line by line; calls fn(key, value, arg) for each. */
static int th_env_each(const char *dir, int (*fn)(const char *, const char *, void *), void *arg)
{
	char path[PATH_MAX], line[PATH_MAX + 128];
	FILE *f;
	int rc = 0, lineno = 0;

	if (th_fmt(path, sizeof(path), "%s/cluster.env", dir) < 0)
		return -1;
	f = fopen(path, "re");
	if (f == NULL) {
		th_err("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *eq;

		lineno++;
		if (len > 0 && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(f)) {
			th_err("%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		if (len == 0)
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			th_err("%s:%d: not KEY=VALUE", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		if (fn(line, eq + 1, arg) < 0) {
			th_err("%s:%d: bad value for %s", path, lineno, line);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		th_err("reading %s failed", path);
		rc = -1;
	}
	if (fclose(f) == EOF && rc == 0) {
		th_err("close %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* "SERVER12_PORT" -> idx 12, field "PORT"; -1 when key is not a server key. */
static int th_server_key(const char *key, int *idx, const char **field)
{
	char num[8];
	const char *p = key + strlen("SERVER");
	size_t n = 0;

	if (strncmp(key, "SERVER", strlen("SERVER")) != 0)
		return -1;
	while (p[n] >= '0' && p[n] <= '9' && n < sizeof(num) - 1) {
		num[n] = p[n];
		n++;
	}
	num[n] = '\0';
	if (n == 0 || p[n] != '_' || th_parse_int(num, 0, TH_MAX_SERVERS - 1, idx) < 0)
		return -1;
	*field = p + n + 1;
	return 0;
}

static int th_env_to_cluster(const char *key, const char *value, void *arg)
{
	th_cluster *c = arg;
	const char *field;
	int idx;

	if (strcmp(key, "CLUSTER_DIR") == 0)
		return th_copy(c->dir, sizeof(c->dir), value);
	if (strcmp(key, "CLUSTER_SERVERS") == 0)
		return th_parse_int(value, 1, TH_MAX_SERVERS, &c->nservers);
	if (strcmp(key, "CLUSTER_USER") == 0)
		return th_copy(c->user, sizeof(c->user), value);
	if (strcmp(key, "CLUSTER_PASSWORD") == 0)
		return th_copy(c->password, sizeof(c->password), value);
	if (strcmp(key, "CLUSTER_REPL_USER") == 0)
		return th_copy(c->repl_user, sizeof(c->repl_user), value);
	if (strcmp(key, "CLUSTER_REPL_PASSWORD") == 0)
		return th_copy(c->repl_password, sizeof(c->repl_password), value);
	if (strcmp(key, "CLUSTER_TLS") == 0)
		return th_parse_int(value, 0, 1, &c->tls);
	if (strcmp(key, "CLUSTER_TLS_CA") == 0)
		return th_copy(c->tls_ca, sizeof(c->tls_ca), value);
	if (strcmp(key, "CLUSTER_TLS_CERT") == 0)
		return th_copy(c->tls_cert, sizeof(c->tls_cert), value);
	if (th_server_key(key, &idx, &field) < 0)
		return 0; /* keys we do not need, and keys added later */

	th_server *s = &c->servers[idx];
	if (strcmp(field, "PORT") == 0)
		return th_parse_int(value, 1, 65535, &s->port);
	if (strcmp(field, "ID") == 0)
		return th_parse_int(value, 1, INT_MAX, &s->server_id);
	if (strcmp(field, "SOCKET") == 0)
		return th_copy(s->socket, sizeof(s->socket), value);
	if (strcmp(field, "DATADIR") == 0)
		return th_copy(s->datadir, sizeof(s->datadir), value);
	return 0;
}

struct th_env_lookup {
	const char *key;
	char *value;
	size_t size;
	int found;
};

static int th_env_find(const char *key, const char *value, void *arg)
{
	struct th_env_lookup *l = arg;

	if (strcmp(key, l->key) != 0)
		return 0;
	l->found = 1;
	return th_copy(l->value, l->size, value);
}

static int th_env_get(const char *dir, const char *key, char *value, size_t size)
{
	struct th_env_lookup l = {.key = key, .value = value, .size = size, .found = 0};

	if (th_env_each(dir, th_env_find, &l) < 0)
		return -1;
	if (!l.found) {
		th_err("%s/cluster.env has no %s", dir, key);
		return -1;
	}
	return 0;
}

int th_cluster_attach(th_cluster **out, const char *dir)
{
	th_cluster *c;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0') {
		th_err("attach: no folder given");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		th_err("out of memory");
		return -1;
	}
	if (th_env_each(dir, th_env_to_cluster, c) < 0)
		goto fail;
	if (c->dir[0] == '\0' || c->nservers == 0 || c->user[0] == '\0' ||
	    c->repl_user[0] == '\0' ||
	    (c->tls && (c->tls_ca[0] == '\0' || c->tls_cert[0] == '\0'))) {
		th_err("%s/cluster.env is incomplete", dir);
		goto fail;
	}
	for (int i = 0; i < c->nservers; i++) {
		th_server *s = &c->servers[i];

		s->index = i;
		if (s->port == 0 || s->server_id == 0 || s->socket[0] == '\0' ||
		    s->datadir[0] == '\0') {
			th_err("%s/cluster.env lacks settings of server %d", dir, i);
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	free(c);
	return -1;
}

/* ---------------------------------------------------------------- lifecycle */

int th_cluster_start(th_cluster **out, const th_options *opts)
{
	static const th_options defaults = {.replicas = 0, .semisync = 0, .tls = 0};
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], replicas[16], owner[32];
	const char *args[TH_MAX_ARGS + 1];
	int n = 0;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->replicas < 0 || opts->replicas > TH_MAX_SERVERS - 1) {
		th_err("replicas must be 0..%d", TH_MAX_SERVERS - 1);
		return -1;
	}
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (th_fmt(dir, sizeof(dir), "%s/th-cluster.XXXXXX", tmp) < 0 ||
	    th_fmt(replicas, sizeof(replicas), "%d", opts->replicas) < 0 ||
	    th_fmt(owner, sizeof(owner), "%ld", (long)getpid()) < 0)
		return -1;
	/* A fresh empty folder only we can enter; the script fills it. */
	if (mkdtemp(dir) == NULL) {
		th_err("mkdtemp %s: %s", dir, strerror(errno));
		return -1;
	}

	args[n++] = "start";
	args[n++] = dir;
	args[n++] = "--replicas";
	args[n++] = replicas;
	if (opts->semisync == TH_SEMISYNC_DEFAULTS)
		args[n++] = "--semisync-defaults";
	else if (opts->semisync)
		args[n++] = "--semisync";
	if (opts->tls)
		args[n++] = "--tls";
	if (opts->bind_any)
		args[n++] = "--bind-any";
	args[n++] = "--owner-pid";
	args[n++] = owner;
	args[n] = NULL;
	if (th_run_script(args) < 0) {
		/* The script removed what it created; an early refusal leaves our empty dir. */
		if (rmdir(dir) == -1 && errno != ENOENT)
			th_err("rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (th_cluster_attach(out, dir) < 0) {
		const char *stop[] = {"stop", dir, NULL};

		(void)th_run_script(stop);
		return -1;
	}
	(*out)->owned = 1;
	return 0;
}

int th_cluster_shared(th_cluster **out)
{
	const char *dir = getenv(TH_SHARED_ENV);
	th_options opts = {.replicas = 0, .semisync = 0};

	if (dir != NULL && dir[0] != '\0')
		return th_cluster_attach(out, dir);
	return th_cluster_start(out, &opts);
}

void th_cluster_free(th_cluster *c)
{
	if (c == NULL)
		return;
	if (c->owned) {
		const char *args[] = {"stop", c->dir, NULL};

		/* The guard started with the cluster still removes it if this fails. */
		if (th_run_script(args) < 0)
			th_err("could not stop the cluster in %s", c->dir);
	}
	free(c);
}

static int th_check_idx(const th_cluster *c, int idx)
{
	if (c == NULL || idx < 0 || idx >= c->nservers) {
		th_err("no server %d in this cluster", idx);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- processes */

/* Reads a small /proc file whole; bytes read or -1. */
static ssize_t th_read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	while ((size_t)total < size) {
		n = read(fd, buf + total, size - (size_t)total);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			total = -1;
			break;
		}
		if (n == 0)
			break;
		total += n;
	}
	(void)close(fd);
	return total;
}

/* The state letter of /proc/PID/stat (R, S, T, Z...), or 0 when there is no such process. */
static char th_pid_state(pid_t pid)
{
	char path[64], line[512];
	const char *paren;
	ssize_t n;

	if (th_fmt(path, sizeof(path), "/proc/%ld/stat", (long)pid) < 0)
		return 0;
	n = th_read_small(path, line, sizeof(line) - 1);
	if (n <= 0)
		return 0;
	line[n] = '\0';
	paren = strrchr(line, ')');
	if (paren == NULL || paren[1] != ' ' || paren[2] == '\0')
		return 0;
	return paren[2];
}

/* Running and not a zombie: killed servers may stay unreaped for a moment. */
static int th_pid_running(pid_t pid)
{
	char state = th_pid_state(pid);

	return state != 0 && state != 'Z' && state != 'X';
}

/* True when pid runs with "--datadir=DATADIR": a pid file can outlive its server and the
 * number be reused by an unrelated process. */
static int th_pid_is_server(pid_t pid, const char *datadir)
{
	char path[64], want[PATH_MAX + 16];
	char *cmdline;
	size_t cap = 64 * 1024;
	ssize_t n;
	int found = 0;

	if (!th_pid_running(pid))
		return 0;
	if (th_fmt(path, sizeof(path), "/proc/%ld/cmdline", (long)pid) < 0 ||
	    th_fmt(want, sizeof(want), "--datadir=%s", datadir) < 0)
		return 0;
	cmdline = malloc(cap + 1);
	if (cmdline == NULL)
		return 0;
	n = th_read_small(path, cmdline, cap);
	if (n > 0) {
		cmdline[n] = '\0';
		for (ssize_t i = 0; i < n && !found; i += (ssize_t)strlen(cmdline + i) + 1)
			found = strcmp(cmdline + i, want) == 0;
	}
	free(cmdline);
	return found;
}

int th_server_pid(const th_cluster *c, int idx)
{
	char key[32], pidfile[PATH_MAX], buf[32];
	ssize_t n;
	int pid;

	if (th_check_idx(c, idx) < 0)
		return -1;
	if (th_fmt(key, sizeof(key), "SERVER%d_PIDFILE", idx) < 0 ||
	    th_env_get(c->dir, key, pidfile, sizeof(pidfile)) < 0)
		return -1;
	n = th_read_small(pidfile, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (th_parse_int(buf, 1, INT_MAX, &pid) < 0)
		return -1;
	if (!th_pid_is_server((pid_t)pid, c->servers[idx].datadir))
		return -1;
	return pid;
}

static void th_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Whether the effect of sig on pid can be seen yet: signals are delivered asynchronously. */
static int th_signal_done(pid_t pid, int sig)
{
	char state = th_pid_state(pid);

	switch (sig) {
	case SIGKILL:
		return state == 0 || state == 'Z' || state == 'X';
	case SIGSTOP:
		return state == 0 || state == 'T';
	case SIGCONT:
		return state != 'T';
	default:
		return 1;
	}
}

int th_server_signal(const th_cluster *c, int idx, int sig)
{
	int pid = th_server_pid(c, idx);

	if (pid < 0) {
		th_err("server %d is not running", idx);
		return -1;
	}
	if (kill((pid_t)pid, sig) == -1) {
		th_err("kill(%d, %d) of server %d: %s", pid, sig, idx, strerror(errno));
		return -1;
	}
	/* When this returns after SIGKILL the server is gone (th_server_start may follow at
	 * once); after SIGSTOP it is stopped, after SIGCONT it runs. */
	for (long waited = 0; !th_signal_done((pid_t)pid, sig); waited += 10) {
		if (waited >= TH_SIGNAL_WAIT_MS) {
			th_err("server %d (pid %d) shows no effect of signal %d", idx, pid, sig);
			return -1;
		}
		th_sleep_ms(10);
	}
	return 0;
}

int th_server_start(const th_cluster *c, int idx)
{
	char num[16];
	const char *args[] = {"start-server", c->dir, num, NULL};

	if (th_check_idx(c, idx) < 0 || th_fmt(num, sizeof(num), "%d", idx) < 0)
		return -1;
	return th_run_script(args);
}

int th_server_replicate(const th_cluster *c, int idx, int primary_idx)
{
	char num[16], primary[16];
	const char *args[] = {"replicate", c->dir, num, primary, NULL};

	if (th_check_idx(c, idx) < 0 || th_check_idx(c, primary_idx) < 0 ||
	    th_fmt(num, sizeof(num), "%d", idx) < 0 ||
	    th_fmt(primary, sizeof(primary), "%d", primary_idx) < 0)
		return -1;
	return th_run_script(args);
}

/* ---------------------------------------------------------------- SQL */

MYSQL *th_connect(const th_cluster *c, int idx, const char *database)
{
	unsigned int timeout = TH_CONNECT_TIMEOUT;
	unsigned int protocol = MYSQL_PROTOCOL_TCP;
	MYSQL *m;

	if (th_check_idx(c, idx) < 0)
		return NULL;
	m = mysql_init(NULL);
	if (m == NULL) {
		th_err("mysql_init: out of memory");
		return NULL;
	}
	if (mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4") != 0 ||
	    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout) != 0 ||
	    mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol) != 0) {
		th_err("mysql_options: %s", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	if (mysql_real_connect(m, "127.0.0.1", c->user, c->password, database,
			       (unsigned int)c->servers[idx].port, NULL,
			       CLIENT_MULTI_STATEMENTS) == NULL) {
		th_err("connect to server %d (127.0.0.1:%d): %u %s", idx, c->servers[idx].port,
		       mysql_errno(m), mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

int th_sql(const th_cluster *c, int idx, const char *sql)
{
	MYSQL *m = th_connect(c, idx, NULL);
	int status;

	if (m == NULL)
		return -1;
	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		goto fail;
	/* Every result of every statement must be read before the next one reports. */
	do {
		MYSQL_RES *res = mysql_store_result(m);

		if (res != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(m) != 0)
			goto fail;
		status = mysql_next_result(m);
		if (status > 0)
			goto fail;
	} while (status == 0);
	mysql_close(m);
	return 0;
fail:
	th_err("server %d: %u %s (in: %.200s)", idx, mysql_errno(m), mysql_error(m), sql);
	mysql_close(m);
	return -1;
}

/* Database names are spliced into SQL (identifiers cannot be bound): keep them plain. */
static int th_plain_identifier(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return 0;
	}
	return n > 0 && n <= max;
}

int th_database_create(const th_cluster *c, const char *prefix, char *name, size_t namesz)
{
	static atomic_uint counter;
	char sql[TH_MAX_DB_NAME + 64];
	unsigned int n;

	if (prefix == NULL || name == NULL || !th_plain_identifier(prefix, TH_MAX_DB_NAME)) {
		th_err("database prefix must be 1..%d letters, digits or _", TH_MAX_DB_NAME);
		return -1;
	}
	n = atomic_fetch_add(&counter, 1U) + 1U;
	if (th_fmt(name, namesz, "%s_%ld_%u", prefix, (long)getpid(), n) < 0)
		return -1;
	if (strlen(name) > TH_MAX_DB_NAME) {
		th_err("database name %s is longer than %d", name, TH_MAX_DB_NAME);
		return -1;
	}
	if (th_fmt(sql, sizeof(sql), "CREATE DATABASE `%s`", name) < 0)
		return -1;
	return th_sql(c, 0, sql);
}

/* Sessions still in the database (handles a failed test left open, a transaction among them)
 * would hold DROP DATABASE on their metadata locks until the suite's timeout: they are killed. */
static void th_database_kill_sessions(const th_cluster *c, const char *name)
{
	char sql[TH_MAX_DB_NAME + 128];
	MYSQL *m = th_connect(c, 0, NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (m == NULL)
		return;
	if (th_fmt(sql, sizeof(sql),
		   "SELECT id FROM information_schema.processlist WHERE db = '%s'"
		   " AND id <> CONNECTION_ID()",
		   name) == 0 &&
	    mysql_real_query(m, sql, strlen(sql)) == 0 && (res = mysql_store_result(m)) != NULL) {
		while ((row = mysql_fetch_row(res)) != NULL)
			if (row[0] != NULL && th_fmt(sql, sizeof(sql), "KILL %s", row[0]) == 0)
				(void)mysql_real_query(m, sql, strlen(sql));
		mysql_free_result(res);
	}
	mysql_close(m);
}

int th_database_drop(const th_cluster *c, const char *name)
{
	char sql[TH_MAX_DB_NAME + 64];

	if (name == NULL || !th_plain_identifier(name, TH_MAX_DB_NAME)) {
		th_err("not a harness database name: %s", name != NULL ? name : "(null)");
		return -1;
	}
	th_database_kill_sessions(c, name);
	if (th_fmt(sql, sizeof(sql), "DROP DATABASE `%s`", name) < 0)
		return -1;
	return th_sql(c, 0, sql);
}
