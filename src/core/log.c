/*
 * log.c: one line per event, key=value, through the sink the program
 * chose at start-up (stderr by default).  Callers never pass tokens,
 * secrets, passwords or cookie values; ac_log_clean() makes any
 * client-supplied string safe to print.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ac.h"

static const char	*logprog = "auth";
static enum ac_loglevel	 loglevel = AC_LOG_INFO;
static ac_log_sink	 logsink;
static void		*logarg;
static __thread const char *logrid;	/* the request's id, borrowed */

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

void
ac_log(enum ac_loglevel level, const char *fmt, ...)
{
	char	 line[1024];
	int	 n;
	va_list	 ap;

	if (level > loglevel)
		return;
	n = snprintf(line, sizeof(line), "prog=%s level=%s ", logprog,
	    levels[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* Every line of a request names it (ops.c sets the id). */
	if (logrid != NULL && (n = (int)strlen(line)) < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " rid=%s", logrid);
	if (logsink != NULL)
		logsink(level, line, logarg);
	else
		fprintf(stderr, "%s\n", line);
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
