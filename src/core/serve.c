/*
 * serve.c: the process model and the program skeleton.
 *
 * Where the listening socket comes from, in this order: --socket PATH
 * or AUTH_SOCKET (the program binds it), systemd socket activation
 * (LISTEN_FDS), or fd 0 when it is a listening socket (spawn-fcgi,
 * Apache mod_fcgid).  Otherwise the program was started as plain CGI
 * and serves the one request in its environment and stdin.
 *
 * AUTH_WORKERS worker processes each run one event loop (loop.c) on the
 * shared socket.  By default that is one per core when the program owns
 * its socket or got it from systemd, and one (this process, no parent)
 * on fd 0, where spawn-fcgi -F or mod_fcgid already chose the number of
 * processes.  With more than one, this process only supervises: it
 * restarts a worker that dies (with a log line, and a back-off when
 * workers die young), passes SIGTERM on and waits for them; a worker
 * dies with its parent (PR_SET_PDEATHSIG).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "store.h"
#include "tokens.h"
#include "http.h"
#include "engine.h"

#define MAXWORKERS	256

extern char **environ;

static const char *argsocket;	/* --socket */

/* --routes: the route table, one route a line. */
static void
print_routes(const struct ac_route *routes, size_t nroutes)
{
	size_t	 i;

	for (i = 0; i < nroutes; i++)
		printf("%-7s %-30s %s\n", routes[i].method == AC_ANY ? "ANY" :
		    ac_methods[routes[i].method], routes[i].pattern,
		    ac_classes[routes[i].cls]);
}

static void
usage(FILE *f, const char *prog)
{

	fprintf(f, "usage: %s [--socket PATH]\n"
	    "       %s --routes | --help\n", prog, prog);
}

/*
 * The command line: --socket PATH, --routes, --help.  Returns 0 to serve,
 * 1 when the program is done (exit 0), -1 on a usage error (exit 2).
 * Under CGI it is not ours: a server may pass there the words of a query
 * string without "=" (RFC 3875 section 4.4; Apache's mod_cgi does), which
 * QUERY_STRING holds anyway.
 */
static int
main_args(int argc, char *argv[], const char *prog,
    const struct ac_route *routes, size_t nroutes)
{
	int	 i;

	if (getenv("GATEWAY_INTERFACE") != NULL)
		return 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			argsocket = argv[++i];
		else if (strncmp(argv[i], "--socket=", 9) == 0)
			argsocket = argv[i] + 9;
		else if (strcmp(argv[i], "--socket") == 0) {
			fprintf(stderr, "%s: --socket needs a PATH\n", prog);
			usage(stderr, prog);
			return -1;
		} else if (strcmp(argv[i], "--routes") == 0) {
			print_routes(routes, nroutes);
			return 1;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout, prog);
			printf("\n"
"Answers its routes over FastCGI: on the unix socket PATH (or AUTH_SOCKET),\n"
"on the socket systemd passes, or on a listening socket as standard input\n"
"(spawn-fcgi).  Started with none of these, as by a web server's CGI, it\n"
"answers the one request in its environment.  Settings come from the\n"
"environment and the file AUTH_CONFIG names, else ~/.config/jwt-auth-suite/\n"
"auth.conf of the user it runs as, else the system's (auth.conf(5));\n"
"`authctl check-config` checks them.  Lines go where AUTH_LOG says.\n"
"\n"
"  --socket PATH  bind the unix socket PATH and listen on it\n"
"  --routes       print the routes it answers (method, path, and where the\n"
"                 handler runs: inline on the event loop, or on the pool or\n"
"                 hash threads) and exit\n"
"  --help         print this and exit\n"
"\n"
"See %s(8).\n", prog);
			return 1;
		} else {
			fprintf(stderr, "%s: unknown argument: %s\n", prog,
			    argv[i]);
			usage(stderr, prog);
			return -1;
		}
	}
	return 0;
}

static void
cgi_write(void *io, const char *s, size_t len)
{

	(void)io;
	fwrite(s, 1, len, stdout);
}

static size_t
cgi_read(void *io, char *buf, size_t n)
{

	(void)io;
	return fread(buf, 1, n, stdin);
}

/*
 * Plain CGI: one request from the environment and stdin.  The
 * revocation set is read once, when the request meets a sid, with no
 * poller thread: one would outlive the request and read the app that
 * ac_main frees before the process exits.
 */
static int
serve_cgi(struct ac_app *app, const struct ac_route *routes, size_t nroutes)
{
	struct ac_req	*r;
	struct ac_store	*store = NULL;

	ac_revoke_enable(app, 0);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->io_write = cgi_write;
	r->io_read = cgi_read;
	r->envp = environ;
	r->app = app;
	r->storep = &store;
	ac_route_handle(r, routes, nroutes);
	fflush(stdout);
	ac_req_reset(r);
	free(r);
	ac_store_close(store);
	return 0;
}

/*
 * Binds and listens on a unix socket path (a stale socket is replaced),
 * mode AUTH_SOCKET_MODE whatever the umask: bound with every permission
 * masked (nobody can connect in between), then given its mode.
 */
static int
bind_path(const char *path, mode_t mode)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 um;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ac_log(AC_LOG_ERROR, "event=socket_failed error=\"path too "
		    "long\"");
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	um = umask(0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(um);
	if (rc == -1 || chmod(path, mode) == -1 || listen(fd, 1024) == -1) {
fail:
		ac_log(AC_LOG_ERROR, "event=socket_failed error=\"%s\"",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Non-zero when fd is a listening socket. */
static int
is_listener(int fd)
{
	struct stat	 st;
	int		 v = 0;
	socklen_t	 len = sizeof(v);

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

enum source {
	SRC_CGI = 0,
	SRC_PATH,	/* --socket, AUTH_SOCKET */
	SRC_SYSTEMD,	/* LISTEN_FDS */
	SRC_STDIN	/* fd 0: spawn-fcgi, mod_fcgid */
};

static const char *const sources[] = { "cgi", "path", "systemd", "fd0" };

static int
listener(const struct ac_app *app, enum source *src)
{
	const char	*path = argsocket != NULL ? argsocket :
			    app->cfg.socket;
	const char	*fds, *pid;
	int		 fd;

	*src = SRC_CGI;
	if (path != NULL && *path != '\0') {
		*src = SRC_PATH;
		return bind_path(path, (mode_t)app->cfg.socket_mode);
	}
	fds = getenv("LISTEN_FDS");
	pid = getenv("LISTEN_PID");
	if (fds != NULL && pid != NULL && strtol(pid, NULL, 10) ==
	    (long)getpid() && strtol(fds, NULL, 10) >= 1) {
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDNAMES");
		if (strtol(fds, NULL, 10) > 1)
			ac_log(AC_LOG_WARN, "event=listen_fds count=%s "
			    "using=3", fds);
		fd = 3;		/* SD_LISTEN_FDS_START */
		if (!is_listener(fd)) {
			ac_log(AC_LOG_ERROR, "event=socket_failed "
			    "error=\"LISTEN_FDS: fd 3 is not a listening "
			    "socket\"");
			return -1;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		*src = SRC_SYSTEMD;
		return fd;
	}
	if (is_listener(0)) {
		*src = SRC_STDIN;
		return 0;
	}
	return -1;
}

struct worker {
	pid_t		 pid;		/* 0: not running */
	long long	 started;	/* ms */
	long long	 restart;	/* ms: when to start again */
	long		 backoff;	/* ms */
};

/*
 * Forks worker w.  Returns 1 in the parent, 0 in the child, -1 when
 * fork failed.
 */
static int
spawn(struct worker *w, pid_t parent, const sigset_t *old)
{
	sigset_t mask;
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		ac_log(AC_LOG_ERROR, "event=fork_failed error=\"%s\"",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		signal(SIGCHLD, SIG_DFL);
		/* SIGHUP stays blocked: the loop reads it (loop.c). */
		mask = *old;
		sigaddset(&mask, SIGHUP);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		return 0;
	}
	w->pid = pid;
	w->started = ac_clock_ms();
	return 1;
}

/*
 * The parent of n workers.  Returns in the parent when stopped (*child
 * 0), and in each worker (*child 1) to run the loop.
 */
static int
supervise(size_t n, int *child)
{
	struct worker	 ws[MAXWORKERS];
	sigset_t	 set, old;
	siginfo_t	 si;
	struct timespec	 ts;
	pid_t		 parent = getpid(), pid;
	long long	 now, next, deadline;
	size_t		 i, alive;
	int		 sig, status;

	*child = 0;
	memset(ws, 0, sizeof(ws));
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGHUP, SIG_DFL);	/* blocked, waited for: never default */
	for (i = 0; i < n; i++)
		switch (spawn(&ws[i], parent, &old)) {
		case 0:
			*child = 1;
			return 0;
		case -1:
			ws[i].restart = ac_clock_ms() + 1000;
			break;
		}
	ac_log(AC_LOG_INFO, "event=supervise workers=%zu", n);
	for (;;) {
		now = ac_clock_ms();
		next = now + 1000;
		for (i = 0; i < n; i++)
			if (ws[i].pid == 0 && ws[i].restart < next)
				next = ws[i].restart;
		if (next < now)
			next = now;
		ts.tv_sec = (next - now) / 1000;
		ts.tv_nsec = (next - now) % 1000 * 1000000;
		sig = sigtimedwait(&set, &si, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		/*
		 * SIGHUP: each worker re-reads the rollout flags; every
		 * process opens the AUTH_LOG file again.
		 */
		if (sig == SIGHUP) {
			ac_log_reopen();
			for (i = 0; i < n; i++)
				if (ws[i].pid > 0)
					kill(ws[i].pid, SIGHUP);
		}
		/* Reap, and plan restarts. */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n && ws[i].pid != pid; i++)
				continue;
			if (i == n)
				continue;
			now = ac_clock_ms();
			/* Died young: back off, doubling up to 10 s. */
			if (now - ws[i].started < 5000)
				ws[i].backoff = ws[i].backoff == 0 ? 100 :
				    ws[i].backoff * 2 > 10000 ? 10000 :
				    ws[i].backoff * 2;
			else
				ws[i].backoff = 0;
			ws[i].pid = 0;
			ws[i].restart = now + ws[i].backoff;
			if (WIFSIGNALED(status))
				ac_log(AC_LOG_ERROR, "event=worker_died pid=%d "
				    "signal=%d restart_ms=%ld", (int)pid,
				    WTERMSIG(status), ws[i].backoff);
			else
				ac_log(AC_LOG_ERROR, "event=worker_died pid=%d "
				    "status=%d restart_ms=%ld", (int)pid,
				    WEXITSTATUS(status), ws[i].backoff);
		}
		now = ac_clock_ms();
		for (i = 0; i < n; i++) {
			if (ws[i].pid != 0 || ws[i].restart > now)
				continue;
			switch (spawn(&ws[i], parent, &old)) {
			case 0:
				*child = 1;
				return 0;
			case 1:
				ac_log(AC_LOG_INFO, "event=worker_started "
				    "pid=%d", (int)ws[i].pid);
				break;
			default:
				ws[i].restart = now + 1000;
			}
		}
	}
	/* Stop: pass it on, wait for them (a worker takes 2 s at most). */
	ac_log(AC_LOG_INFO, "event=stop signal=%d workers=%zu", sig, n);
	for (i = 0; i < n; i++)
		if (ws[i].pid != 0)
			kill(ws[i].pid, SIGTERM);
	deadline = ac_clock_ms() + 3000;
	for (;;) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < n; i++)
				if (ws[i].pid == pid)
					ws[i].pid = 0;
		for (i = 0, alive = 0; i < n; i++)
			alive += ws[i].pid != 0;
		if (alive == 0 || (now = ac_clock_ms()) >= deadline)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = 50 * 1000000;
		sigtimedwait(&set, &si, &ts);
	}
	for (i = 0; i < n; i++)
		if (ws[i].pid != 0) {
			ac_log(AC_LOG_WARN, "event=worker_killed pid=%d",
			    (int)ws[i].pid);
			kill(ws[i].pid, SIGKILL);
			waitpid(ws[i].pid, NULL, 0);
		}
	return 0;
}

/* Enough descriptors for AUTH_MAX_CONNECTIONS. */
static void
raise_nofile(long conns)
{
	struct rlimit	 rl;
	rlim_t		 want = (rlim_t)conns + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ?
	    want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		ac_log(AC_LOG_WARN, "event=nofile_limit max=%llu "
		    "connections=%ld", (unsigned long long)rl.rlim_cur, conns);
}

/*
 * Serves requests until stopped (SIGTERM): FastCGI on the socket from
 * --socket/AUTH_SOCKET, systemd (LISTEN_FDS) or fd 0, with AUTH_WORKERS
 * event-loop processes; or one request in CGI mode.  Matches routes,
 * answers 404, 405 and OPTIONS, and turns a handler's non-OK reason into
 * the JSON error envelope.  Returns 0, or -1 when it could not start.
 */
static int
http_serve(struct ac_app *app, const struct ac_route *routes,
    size_t nroutes)
{
	enum source	 src;
	long		 n;
	int		 lfd, child, rc, fl;
	const char	*path = argsocket != NULL ? argsocket : app->cfg.socket;

	signal(SIGPIPE, SIG_IGN);
	if ((lfd = listener(app, &src)) == -1) {
		if (src != SRC_CGI || ac_ops_listen(app, -1) == -1)
			return -1;
		return serve_cgi(app, routes, nroutes);
	}
	if ((fl = fcntl(lfd, F_GETFL)) == -1 ||
	    fcntl(lfd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	raise_nofile(app->cfg.max_conns);
	/* Before the fork: every worker maps the same figures. */
	if (ac_ops_listen(app, lfd) == -1) {
		if (src == SRC_PATH)
			unlink(path);
		return -1;
	}
	if ((n = app->cfg.workers) == 0)
		n = src == SRC_STDIN ? 1 : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > MAXWORKERS)
		n = MAXWORKERS;
	ac_log(AC_LOG_INFO, "event=start socket=%s workers=%ld "
	    "max_connections=%ld pool_threads=%ld hash_concurrency=%ld "
	    "keys=%zu", sources[src], n, app->cfg.max_conns,
	    app->cfg.pool_threads, app->cfg.hash_concurrency,
	    app->live->keys.nkeys);
	if (n == 1)
		rc = ac_loop_run(app, lfd, routes, nroutes);
	else {
		supervise((size_t)n, &child);
		if (child)
			return ac_loop_run(app, lfd, routes, nroutes);
		rc = 0;
	}
	if (src == SRC_PATH)
		unlink(path);
	return rc;
}

int
ac_main(int argc, char *argv[], const char *prog,
    const struct ac_route *routes, size_t nroutes, unsigned needs,
    ac_startcheck check)
{
	struct ac_app	*app;
	const char	*why, *w;
	char		 buf[1024];
	size_t		 i;
	int		 rc = 1, bad;

	switch (main_args(argc, argv, prog, routes, nroutes)) {
	case -1:
		return 2;
	case 1:
		return fflush(stdout) == 0 ? 0 : 1;
	}
	ac_ops_needs(needs);
	ac_log_setup(prog, AC_LOG_INFO, NULL, NULL);
	/* Until AUTH_LOG is known: stderr, or syslog when that is /dev/null. */
	ac_log_open(NULL, buf, sizeof(buf));
	if ((app = ac_app_new()) == NULL) {
		ac_log(AC_LOG_ERROR, "event=nomem");
		return 1;
	}
	bad = ac_app_load(app) != AC_OK;
	/* Even a refused configuration's lines go where AUTH_LOG says. */
	if (app->cfg.log != NULL && ac_log_open(app->cfg.log, buf,
	    sizeof(buf)) == -1) {
		ac_log(AC_LOG_ERROR, "event=config_invalid problem=\"%s\"",
		    buf);
		bad = 1;
	}
	for (i = 0; (w = ac_app_warning(app, i)) != NULL; i++)
		ac_log(AC_LOG_WARN, "event=config_warning warning=\"%s\"", w);
	if (bad) {
		for (i = 0; i < ac_app_nproblems(app); i++)
			ac_log(AC_LOG_ERROR, "event=config_invalid "
			    "problem=\"%s\"", ac_app_problem(app, i));
		ac_log(AC_LOG_ERROR, "event=exit hint=\"run authctl "
		    "check-config\"");
		goto out;
	}
	if ((check != NULL && (why = check(app)) != NULL) ||
	    (why = ac_ops_start(app, prog, buf, sizeof(buf))) != NULL) {
		ac_log(AC_LOG_ERROR, "event=config_invalid problem=\"%s\"",
		    why);
		goto out;
	}
	ac_log_setup(prog, app->cfg.loglevel, NULL, NULL);
	ac_revoke_enable(app, 1);
	if (http_serve(app, routes, nroutes) == -1)
		ac_log(AC_LOG_ERROR, "event=serve_failed");
	else
		rc = 0;
out:
	/* The revocation poller (CGI too) must not outlive app. */
	ac_revoke_stop();
	ac_app_free(app);
	return rc;
}
