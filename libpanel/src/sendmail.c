/* Sending the panel's mails through the local MTA's sendmail interface: the headers built from
 * checked values only, the program run without a shell ("-t -i", the message on its stdin),
 * and its exit status waited for with a time limit. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "handle.h"
#include "sendmail.h"
#include "validate.h"

extern char **environ;

#define DEFAULT_SENDMAIL "/usr/sbin/sendmail"
#define HEADER_MAX	 1024

const char *panel__sendmail_hosting(const panel *p)
{
	const char *name = panel_config_get(p->cfg, "mail", "hosting_name");

	if (!name || !*name)
		name = panel_config_get(p->cfg, "hosting", "fqdn");
	return name && *name ? name : "AlternC";
}

/* A header value: printable, without CR or LF (nor any control character) whatever its source:
 * a newline would end the header and start another (Bcc:...) of the caller's choosing. */
static int header_safe(const char *value, const char *field)
{
	if (!value || !*value || strlen(value) > 900 || !panel__printable(value))
		return panel__error(PANEL_EINVALID, field,
				    "a mail header value may not hold a line break or a control "
				    "character");
	return 0;
}

/* The subject as an encoded-word when it is not ASCII (RFC 2047). */
static int encode_subject(char *out, size_t outsz, const char *subject)
{
	size_t n = strlen(subject), i;
	char b64[HEADER_MAX];

	for (i = 0; i < n && (unsigned char)subject[i] < 0x80; i++)
		;
	if (i == n)
		return snprintf(out, outsz, "%s", subject) < (int)outsz ? 0 : -1;
	if (sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL) > sizeof(b64))
		return -1;
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)subject, n,
			  sodium_base64_VARIANT_ORIGINAL);
	return snprintf(out, outsz, "=?UTF-8?B?%s?=", b64) < (int)outsz ? 0 : -1;
}

/* The whole message: headers, a blank line, the body ending with a newline. */
static int build_message(char **out, const panel *p, const char *to, const char *subject,
			 const char *body)
{
	const char *from = panel_config_get(p->cfg, "mail", "from");
	const char *fqdn = panel_config_get(p->cfg, "hosting", "fqdn");
	char from_buf[300], subj[HEADER_MAX], date[64], id[33];
	unsigned char rnd[16];
	time_t now = time(NULL);
	struct tm tm;
	char *msg = NULL;
	size_t len;

	if (!fqdn || !*fqdn)
		fqdn = "localhost";
	if (!from || !*from) {
		snprintf(from_buf, sizeof(from_buf), "postmaster@%s", fqdn);
		from = from_buf;
	}
	if (!panel__valid_mail(from))
		return panel__error(PANEL_EINVALID, "from", "[mail] from is not a mail address");
	if (encode_subject(subj, sizeof(subj), subject) < 0)
		return panel__error(PANEL_EINVALID, "subject", "the subject is too long");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	len = strlen(body);
	int n = asprintf(&msg,
			 "From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s@%s>\n"
			 "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
			 "Content-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n\n%s%s",
			 from, to, subj, date, id, fqdn, body,
			 len && body[len - 1] == '\n' ? "" : "\n");
	if (n < 0)
		return panel__error_oom();
	*out = msg;
	return 0;
}

/* Writes all of msg to fd; SIGPIPE (the program died early) is blocked here and taken back,
 * so that it cannot kill the daemon. 0 or -1. */
static int write_all(int fd, const char *msg)
{
	sigset_t pipe_set, old;
	size_t left = strlen(msg);
	int failed = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (left > 0 && !failed) {
		ssize_t w = write(fd, msg, left);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			failed = 1;
			break;
		}
		msg += w;
		left -= (size_t)w;
	}
	if (failed && errno == EPIPE) {
		const struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) == -1 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return failed ? -1 : 0;
}

/* Waits for pid at most PANEL__SENDMAIL_TIMEOUT seconds, then kills it. Its exit status, or
 * -1 when it did not exit normally. */
static int wait_child(pid_t pid)
{
	const struct timespec step = {0, 10 * 1000 * 1000};
	int status = 0;

	for (long waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return -1;
		if (waited >= PANEL__SENDMAIL_TIMEOUT * 1000L) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			return -1;
		}
		nanosleep(&step, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs program -t -i with msg on its stdin, nothing else of ours open in it. */
static int run_sendmail(const char *program, const char *msg)
{
	char path[4096], opt_t[] = "-t", opt_i[] = "-i";
	char *const argv[] = {path, opt_t, opt_i, NULL};
	posix_spawn_file_actions_t fa;
	int fds[2], rc, status;
	pid_t pid;

	if (snprintf(path, sizeof(path), "%s", program) >= (int)sizeof(path))
		return panel__error(PANEL_EINVALID, "sendmail", "the sendmail path is too long");
	if (pipe2(fds, O_CLOEXEC) == -1)
		return panel__error(PANEL_ERROR, NULL, "cannot send mail: pipe: %s",
				    strerror(errno));
	if ((rc = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((rc = posix_spawn_file_actions_adddup2(&fa, fds[0], 0)) == 0 &&
		    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0)
			rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		return panel__error(PANEL_ERROR, NULL, "cannot run %s: %s", program, strerror(rc));
	}
	int wrote = write_all(fds[1], msg);
	close(fds[1]);
	status = wait_child(pid);
	if (wrote < 0 || status != 0)
		return panel__error(PANEL_ERROR, NULL, "the mail was not sent: %s %s", program,
				    status < 0 ? "failed or timed out" : "exited with an error");
	return 0;
}

int panel__sendmail(const panel *p, const char *to, const char *subject, const char *body)
{
	const char *program = panel_config_get(p->cfg, "mail", "sendmail");
	char *msg = NULL;
	int error;

	if (!to || !panel__valid_mail(to))
		return panel__error(PANEL_EINVALID, "mail", "not a mail address");
	if ((error = header_safe(subject, "subject")) < 0)
		return error;
	if (!program || !*program)
		program = DEFAULT_SENDMAIL;
	if ((error = build_message(&msg, p, to, subject, body ? body : "")) < 0)
		return error;
	error = run_sendmail(program, msg);
	sodium_memzero(msg, strlen(msg)); /* it may carry a key */
	free(msg);
	return error;
}
