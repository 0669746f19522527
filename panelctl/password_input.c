/* Reading passwords without ever taking them from argv: the first line of a file or of standard
 * input (--password-file FILE|-), or a no-echo prompt on the terminal, asked twice to confirm. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

void cli_wipe(void *buf, size_t size)
{
	explicit_bzero(buf, size);
}

/* Reads one line from fd into buf, one byte at a time so that nothing past the newline is
 * consumed and no stdio buffer keeps a copy. 0, 1 at end of file before any byte, -1 on a read
 * error, -2 when the line does not fit. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;
	int too_long = 0;

	for (;;) {
		char ch;
		ssize_t n = read(fd, &ch, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			if (len == 0 && !too_long)
				return 1;
			break;
		}
		if (ch == '\n')
			break;
		if (len + 1 >= size) {
			too_long = 1; /* keep reading up to the newline, keep nothing */
			continue;
		}
		buf[len++] = ch;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (too_long) {
		cli_wipe(buf, size);
		return -2;
	}
	return 0;
}

static int from_file(char *buf, size_t size, const cli *c, const char *file)
{
	int fd = STDIN_FILENO, rc;

	if (strcmp(file, "-") != 0) {
		do
			fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		while (fd == -1 && errno == EINTR);
		if (fd == -1)
			return cli_usage_error(c, "password file %s: %s", file, strerror(errno));
	}
	rc = read_line(fd, buf, size);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc == -1)
		return cli_usage_error(c, "password file %s: %s", file, strerror(errno));
	if (rc == -2)
		return cli_usage_error(c, "password file %s: the password is longer than %zu bytes",
				       file, size - 1);
	if (rc == 1 || buf[0] == '\0')
		return cli_usage_error(c, "password file %s: no password on the first line", file);
	return 0;
}

/* The terminal's settings while echo is off, restored by the signal handler when the prompt is
 * interrupted. A signal handler can only reach them through static storage. */
static struct termios saved_termios;
static volatile sig_atomic_t echo_off;

static void restore_and_reraise(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Prints prompt on stderr and reads a line from the terminal with echo off. */
static int prompt_once(char *buf, size_t size, const cli *c, const char *prompt)
{
	struct sigaction sa, old[sizeof(prompt_signals) / sizeof(prompt_signals[0])];
	struct termios quiet;
	int rc, read_errno;

	if (tcgetattr(STDIN_FILENO, &saved_termios) == -1)
		return cli_usage_error(c, "cannot read the terminal's settings: %s",
				       strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_reraise;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(prompt_signals) / sizeof(prompt_signals[0]); i++)
		sigaction(prompt_signals[i], &sa, &old[i]);
	quiet = saved_termios;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	/* Echo goes off before the prompt shows, so nothing typed after it is ever echoed;
	 * TCSAFLUSH drops what was typed before the prompt. */
	echo_off = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1) {
		echo_off = 0;
		rc = cli_usage_error(c, "cannot turn the terminal's echo off: %s", strerror(errno));
		goto out;
	}
	fputs(prompt, stderr);
	fflush(stderr);
	rc = read_line(STDIN_FILENO, buf, size);
	read_errno = errno;
	while (tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios) == -1 && errno == EINTR)
		;
	echo_off = 0;
	if (rc == -1)
		rc = cli_usage_error(c, "reading the password: %s", strerror(read_errno));
	else if (rc == -2)
		rc = cli_usage_error(c, "the password is longer than %zu bytes", size - 1);
	else if (rc == 1 || buf[0] == '\0')
		rc = cli_usage_error(c, "no password given");
out:
	for (size_t i = 0; i < sizeof(prompt_signals) / sizeof(prompt_signals[0]); i++)
		sigaction(prompt_signals[i], &old[i], NULL);
	return rc;
}

int cli_password_read(char *buf, size_t size, const cli *c, const char *file, const char *prompt,
		      int confirm)
{
	char again[CLI_PASSWORD_MAX + 1];
	char line[128];
	int rc;

	if (size < 2)
		return cli_usage_error(c, "no room for a password");
	buf[0] = '\0';
	if (file)
		return from_file(buf, size, c, file);
	if (!isatty(STDIN_FILENO))
		return cli_usage_error(c,
				       "no password: use --password-file FILE, or - for standard "
				       "input (standard input is not a terminal)");
	snprintf(line, sizeof(line), "%s: ", prompt);
	if ((rc = prompt_once(buf, size, c, line)) != 0)
		return rc;
	if (!confirm)
		return 0;
	snprintf(line, sizeof(line), "%s (again): ", prompt);
	if ((rc = prompt_once(again, size < sizeof(again) ? size : sizeof(again), c, line)) == 0 &&
	    strcmp(buf, again) != 0)
		rc = cli_usage_error(c, "the two passwords differ");
	cli_wipe(again, sizeof(again));
	if (rc != 0)
		cli_wipe(buf, size);
	return rc;
}
