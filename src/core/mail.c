/*
 * mail.c: sending the account mails (password reset, email verification)
 * through AUTH_MAIL_COMMAND, by default "/usr/sbin/sendmail -t -i": the
 * interface every MTA and shared host provides.  The command, run by
 * /bin/sh, reads one RFC 5322 message on standard input and finds the
 * recipient in its To: header (-t).
 *
 * A request never waits for the mail: the message goes to a detached
 * thread of its own, at most MAXFLIGHT at once per process (more are
 * dropped and logged), which runs the command and waits for it at most
 * AUTH_MAIL_TIMEOUT seconds (then kills it).  So the answer takes the
 * same time whether a mail went or not (no enumeration of addresses by
 * timing), and a slow or failing command slows no one; its exit status is
 * logged.  Plain CGI, whose process ends with the answer, sends before
 * answering instead.  What the mails say is account.c's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ac.h"
#include "base.h"
#include "conf.h"

#define MAXFLIGHT	8
#define MAXMSG		(64 * 1024)
#define DELAY_MS	100	/* before the command starts: see mail_thread */

extern char	**environ;

static int	 inflight;		/* atomic */

struct mail {
	char		*cmd;
	char		*msg;
	size_t		 len;
	long		 timeout;
	char		 to[256];	/* for the log, cleaned */
};

static void
mail_free(struct mail *m)
{

	if (m == NULL)
		return;
	free(m->cmd);
	if (m->msg != NULL)
		OPENSSL_cleanse(m->msg, m->len);	/* it carries a link */
	free(m->msg);
	free(m);
}

/*
 * Runs m->cmd with the message on its standard input and standard output
 * on /dev/null (under plain CGI it is the answer).  Returns the exit
 * status as waitpid gives it, or -1 (logged) when it could not run.
 */
static int
run(const struct mail *m)
{
	posix_spawn_file_actions_t fa;
	char		*argv[4];
	int		 fd[2], st = -1, killed = 0;
	pid_t		 pid, w;
	size_t		 off = 0;
	ssize_t		 n;
	long long	 end;

	if (pipe2(fd, O_CLOEXEC) == -1) {
		ac_log(AC_LOG_ERROR, "event=mail_failed to=%s error=\"pipe: "
		    "%s\"", m->to, strerror(errno));
		return -1;
	}
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = m->cmd;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	errno = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[0]);
	if (errno != 0) {
		ac_log(AC_LOG_ERROR, "event=mail_failed to=%s error=\"spawn: "
		    "%s\"", m->to, strerror(errno));
		close(fd[1]);
		return -1;
	}
	/* SIGPIPE is ignored where we serve: a command that stops reading
	 * gives EPIPE here. */
	while (off < m->len && (n = write(fd[1], m->msg + off,
	    m->len - off)) != 0) {
		if (n == -1 && errno != EINTR)
			break;
		if (n > 0)
			off += (size_t)n;
	}
	close(fd[1]);
	end = ac_clock_ms() + m->timeout * 1000;
	while ((w = waitpid(pid, &st, WNOHANG)) == 0) {
		if (!killed && ac_clock_ms() >= end) {
			kill(pid, SIGKILL);
			killed = 1;
			ac_log(AC_LOG_ERROR, "event=mail_timeout to=%s "
			    "seconds=%ld", m->to, m->timeout);
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	if (w == -1) {
		ac_log(AC_LOG_WARN, "event=mail_status_unknown to=%s "
		    "error=\"%s\"", m->to, strerror(errno));
		return -1;
	}
	return st;
}

/* Sends m and logs how it went; frees m. */
static void
deliver(struct mail *m)
{
	int	 st = run(m);

	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		ac_log(AC_LOG_INFO, "event=mail_sent to=%s bytes=%zu", m->to,
		    m->len);
	else if (st != -1 && WIFEXITED(st))
		ac_log(AC_LOG_ERROR, "event=mail_failed to=%s status=%d",
		    m->to, WEXITSTATUS(st));
	else if (st != -1 && WIFSIGNALED(st))
		ac_log(AC_LOG_ERROR, "event=mail_failed to=%s signal=%d",
		    m->to, WTERMSIG(st));
	mail_free(m);
}

static void *
mail_thread(void *arg)
{

	/*
	 * Not while this request's answer is being written: the command's
	 * start (a process, a shell) would otherwise slow that answer, and
	 * only the answers of addresses that have an account.
	 */
	nanosleep(&(struct timespec){ 0, DELAY_MS * 1000L * 1000L }, NULL);
	deliver(arg);
	__atomic_sub_fetch(&inflight, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* Copies s into b at *o without CR or LF (a header's text). */
static void
put_line(char *b, size_t sz, size_t *o, const char *name, const char *s)
{
	int	 n;

	n = snprintf(b + *o, sz - *o, "%s: ", name);
	if (n < 0 || (size_t)n >= sz - *o)
		return;
	*o += (size_t)n;
	for (; *s != '\0' && *o + 2 < sz; s++)
		if (*s != '\r' && *s != '\n')
			b[(*o)++] = *s;
	b[(*o)++] = '\n';
	b[*o] = '\0';
}

/*
 * Sends a text mail through AUTH_MAIL_COMMAND without waiting for it;
 * AC_UNAVAILABLE when it cannot be started (logged).
 */
static enum ac_reason
mail_send(const struct ac_app *app, const char *to, const char *subject,
    const char *body)
{
	const struct ac_config *c = &app->cfg;
	struct mail	*m;
	pthread_t	 t;
	pthread_attr_t	 at;
	char		 date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 o = 0, bl = strlen(body), hs;
	int		 e;

	if (c->mail_command == NULL) {
		ac_log(AC_LOG_WARN, "event=mail_skipped reason=\"AUTH_MAIL_COMMAND "
		    "is empty\"");
		return AC_UNAVAILABLE;
	}
	/* The headers' room: their texts and 256 for names and the rest. */
	hs = strlen(to) + strlen(subject) + 256 +
	    (c->mail_from != NULL ? strlen(c->mail_from) : 0);
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->cmd = strdup(c->mail_command)) == NULL ||
	    bl > MAXMSG || hs > MAXMSG || (m->msg = malloc(hs + bl)) == NULL) {
		mail_free(m);
		return AC_NOMEM;
	}
	ac_log_clean(m->to, sizeof(m->to), to);
	m->timeout = c->mail_timeout;
	m->msg[0] = '\0';
	if (c->mail_from != NULL && *c->mail_from != '\0')
		put_line(m->msg, hs, &o, "From", c->mail_from);
	put_line(m->msg, hs, &o, "To", to);
	put_line(m->msg, hs, &o, "Subject", subject);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    gmtime_r(&now, &tm));
	put_line(m->msg, hs, &o, "Date", date);
	put_line(m->msg, hs, &o, "MIME-Version", "1.0");
	put_line(m->msg, hs, &o, "Content-Type",
	    "text/plain; charset=utf-8");
	put_line(m->msg, hs, &o, "Content-Transfer-Encoding", "8bit");
	m->msg[o++] = '\n';
	memcpy(m->msg + o, body, bl);
	m->len = o + bl;
	if (getenv("GATEWAY_INTERFACE") != NULL) {	/* plain CGI */
		deliver(m);
		return AC_OK;
	}
	if (__atomic_add_fetch(&inflight, 1, __ATOMIC_RELAXED) > MAXFLIGHT) {
		__atomic_sub_fetch(&inflight, 1, __ATOMIC_RELAXED);
		ac_log(AC_LOG_ERROR, "event=mail_dropped to=%s reason=\"%d "
		    "mails already under way\"", m->to, MAXFLIGHT);
		mail_free(m);
		return AC_UNAVAILABLE;
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&t, &at, mail_thread, m);
	pthread_attr_destroy(&at);
	if (e != 0) {
		__atomic_sub_fetch(&inflight, 1, __ATOMIC_RELAXED);
		ac_log(AC_LOG_ERROR, "event=mail_failed to=%s error=\"thread: "
		    "%s\"", m->to, strerror(e));
		mail_free(m);
		return AC_UNAVAILABLE;
	}
	return AC_OK;
}

/* The built-in mails: a Subject: line, an empty line, the text. */
static const char *const builtin[][2] = {
	{ AC_LINK_RESET,
	  "Subject: Reset your password\n\n"
	  "Someone asked to reset the password of the account {email}.\n"
	  "To choose a new password, open this link within {minutes} "
	  "minutes:\n\n{url}\n\n"
	  "If it was not you, ignore this mail: your password stays as it "
	  "is.\n" },
	{ AC_LINK_VERIFY,
	  "Subject: Confirm your email address\n\n"
	  "To confirm that {email} is your address, open this link within "
	  "{minutes} minutes:\n\n{url}\n\n"
	  "If you did not sign up, ignore this mail.\n" },
};

/*
 * Fills a template's {url}, {email} and {minutes} into out (size n);
 * other text, braces included, stays as it is.  -1 when it does not fit.
 */
static int
fill(const char *t, const char *email, const char *url, long minutes,
    char *out, size_t n)
{
	char		 num[24];
	const char	*v;
	size_t		 o = 0, k, vl;

	snprintf(num, sizeof(num), "%ld", minutes);
	for (; *t != '\0'; t += k) {
		v = NULL;
		k = 1;
		if (strncmp(t, "{url}", 5) == 0)
			v = url, k = 5;
		else if (strncmp(t, "{email}", 7) == 0)
			v = email, k = 7;
		else if (strncmp(t, "{minutes}", 9) == 0)
			v = num, k = 9;
		vl = v != NULL ? strlen(v) : 1;
		if (o + vl + 1 > n)
			return -1;
		memcpy(out + o, v != NULL ? v : t, vl);
		o += vl;
	}
	out[o] = '\0';
	return 0;
}

enum ac_reason
ac_mail_account(const struct ac_app *app, const char *purpose,
    const char *email, const char *url)
{
	const struct ac_config *c = &app->cfg;
	char		 path[4096], err[256], *file = NULL, *msg, *body;
	const char	*t = NULL;
	size_t		 i, len, sz;
	enum ac_reason	 rc;

	for (i = 0; i < nitems(builtin); i++)
		if (strcmp(builtin[i][0], purpose) == 0)
			t = builtin[i][1];
	if (t == NULL)
		return AC_INTERNAL;
	/* AUTH_MAIL_TEMPLATES/reset.txt, verify.txt: read at each mail. */
	if (c->mail_templates != NULL) {
		snprintf(path, sizeof(path), "%s/%s.txt", c->mail_templates,
		    purpose);
		if ((file = ac_file_read(path, MAXMSG, &len, err,
		    sizeof(err))) != NULL)
			t = file;
		else if (access(path, F_OK) == 0)
			ac_log(AC_LOG_ERROR, "event=mail_template_unreadable "
			    "path=\"%s\" error=\"%s\": the built-in one is used",
			    path, err);
	}
	sz = strlen(t) + strlen(url) * 4 + strlen(email) * 4 + 64;
	if ((msg = malloc(sz)) == NULL) {
		free(file);
		return AC_NOMEM;
	}
	if (fill(t, email, url, c->link_ttl / 60, msg, sz) == -1 ||
	    strncmp(msg, "Subject: ", 9) != 0 ||
	    (body = strstr(msg, "\n\n")) == NULL) {
		ac_log(AC_LOG_ERROR, "event=mail_template_invalid purpose=%s "
		    "problem=\"must start with a Subject: line and an empty "
		    "line\"", purpose);
		rc = AC_CONFIG_INVALID;
	} else {
		*body = '\0';
		rc = mail_send(app, email, msg + 9, body + 2);
	}
	OPENSSL_cleanse(msg, sz);
	free(msg);
	free(file);
	return rc;
}
