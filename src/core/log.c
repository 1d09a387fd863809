/*
 * log.c: one line per event, key=value, through the sink the program
 * chose at start-up, else to the destination AUTH_LOG names
 * (ac_log_open): stderr, syslog, or a file appended to.  Every
 * destination gets the same lines.  Callers never pass tokens, secrets,
 * passwords or cookie values; ac_log_clean() makes any client-supplied
 * string safe to print.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ac.h"
#include "base.h"

static const char	*logprog = "auth";
static enum ac_loglevel	 loglevel = AC_LOG_INFO;
static ac_log_sink	 logsink;
static void		*logarg;
static __thread const char *logrid;	/* the request's id, borrowed */

/* Where lines go when no sink is set. */
static enum { DEST_STDERR, DEST_SYSLOG, DEST_FILE } logdest = DEST_STDERR;
static int		 logfd = 2;	/* DEST_FILE's; dup2'd over on reopen */
static char		 logpath[1100];
static char		 logident[32];
static const int	 sysprio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
			    LOG_DEBUG };

static const char *const levels[] = { "error", "warn", "info", "debug" };

void
ac_log_setup(const char *prog, enum ac_loglevel level, ac_log_sink sink,
    void *arg)
{

	logprog = prog;
	loglevel = level;
	logsink = sink;
	logarg = arg;
}

/* Non-zero when fd is open to /dev/null (spawn-fcgi's children's stderr). */
static int
devnull(int fd)
{
	struct stat	 a, b;

	return fstat(fd, &a) == 0 && S_ISCHR(a.st_mode) &&
	    stat("/dev/null", &b) == 0 && S_ISCHR(b.st_mode) &&
	    a.st_rdev == b.st_rdev;
}

static int
open_file(const char *path)
{

	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0640);
}

int
ac_log_open(const char *dest, char *err, size_t n)
{
	int	 fd;

	if (dest == NULL || *dest == '\0')
		dest = devnull(2) || fcntl(2, F_GETFD) == -1 ? "syslog" :
		    "stderr";
	if (strcmp(dest, "stderr") == 0) {
		if (logdest == DEST_SYSLOG)
			closelog();
		logdest = DEST_STDERR;
		return 0;
	}
	if (strcmp(dest, "syslog") == 0) {
		snprintf(logident, sizeof(logident), "%s", logprog);
		openlog(logident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		logdest = DEST_SYSLOG;
		return 0;
	}
	if (dest[0] != '/' || strlen(dest) >= sizeof(logpath) ||
	    (fd = open_file(dest)) == -1) {
		snprintf(err, n, "AUTH_LOG %s: %s", dest, dest[0] != '/' ?
		    "stderr, syslog or an absolute path" : strlen(dest) >=
		    sizeof(logpath) ? "path too long" : strerror(errno));
		return -1;
	}
	if (logdest == DEST_SYSLOG)
		closelog();
	memcpy(logpath, dest, strlen(dest) + 1);
	if (logdest == DEST_FILE && logfd != 2) {
		dup2(fd, logfd);
		close(fd);
	} else
		logfd = fd;
	logdest = DEST_FILE;
	return 0;
}

int
ac_log_reopen(void)
{
	int	 fd, e;

	if (logdest != DEST_FILE)
		return 0;
	/*
	 * The new file takes the old descriptor's number: a thread writing
	 * now writes to one or the other, whole lines either way.
	 */
	if ((fd = open_file(logpath)) == -1) {
		e = errno;
		ac_log(AC_LOG_ERROR, "event=log_reopen_failed error=\"%s\"",
		    strerror(e));
		return -1;
	}
	dup2(fd, logfd);
	close(fd);
	return 0;
}

void
ac_log_context(const char *rid)
{

	logrid = rid;
}

int
ac_log_enabled(enum ac_loglevel level)
{

	return level <= loglevel;
}

/* One line to its destination; audit lines to syslog's authpriv. */
static void
vlog(enum ac_loglevel level, int audit, const char *fmt, va_list ap)
{
	char	 line[1024];
	int	 n;

	if (level > loglevel)
		return;
	n = snprintf(line, sizeof(line), "prog=%s level=%s ", logprog,
	    levels[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	/* Every line of a request names it (ops.c sets the id). */
	if (logrid != NULL && (n = (int)strlen(line)) < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " rid=%s", logrid);
	if (logsink != NULL) {
		logsink(level, line, logarg);
		return;
	}
	if (logdest == DEST_SYSLOG) {
		syslog((audit ? LOG_AUTHPRIV : LOG_DAEMON) | sysprio[level],
		    "%s", line);
		return;
	}
	/* One write a line: lines of threads and workers never mix. */
	n = (int)strlen(line);
	if (n == (int)sizeof(line) - 1)
		n--;
	line[n++] = '\n';
	if (write(logdest == DEST_FILE ? logfd : 2, line, (size_t)n) == -1)
		return;
}

void
ac_log(enum ac_loglevel level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(level, 0, fmt, ap);
	va_end(ap);
}

void
ac_log_audit(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(AC_LOG_INFO, 1, fmt, ap);
	va_end(ap);
}

/*
 * Copy src into dst (n bytes, always terminated), each byte that keep()
 * refuses replaced by '?'; NULL becomes "-".
 */
static void
filter(char *dst, size_t n, const char *src, int (*keep)(char))
{
	size_t	 i;

	if (n == 0)
		return;
	if (src == NULL)
		src = "-";
	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = keep(src[i]) ? src[i] : '?';
	dst[i] = '\0';
}

/* A bare key=value word: printable, no space. */
static int
keep_word(char c)
{

	return c > 0x20 && c < 0x7f;
}

/* Inside a double-quoted value: printable, no quote or backslash. */
static int
keep_quoted(char c)
{

	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void
ac_log_clean(char *dst, size_t n, const char *src)
{

	filter(dst, n, src, keep_word);
}

void
ac_log_quote(char *dst, size_t n, const char *src)
{

	filter(dst, n, src, keep_quoted);
}
