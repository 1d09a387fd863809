/*
 * serve.c: the process model and the program skeleton.
 *
 * ac_http_serve() owns the accept loop: a few threads per process, each
 * in its own FCGX_Accept_r() loop, so one process can hold several kept
 * connections; or, when the program was not started as FastCGI, one
 * request read from the environment and stdio.  Each request goes to
 * the router (route.c) with this file's transport functions.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "ac.h"
#include "extern.h"
#include "http.h"

extern char **environ;

static void
fcgi_write(void *io, const char *s, size_t len)
{

	FCGX_PutStr(s, (int)len, ((FCGX_Request *)io)->out);
}

static size_t
fcgi_read(void *io, char *buf, size_t n)
{
	int	 got;

	got = FCGX_GetStr(buf, (int)n, ((FCGX_Request *)io)->in);
	return got > 0 ? (size_t)got : 0;
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

struct worker {
	struct ac_app		*app;
	const struct ac_route	*routes;
	size_t			 nroutes;
};

/* Requests between accept and finish, for a graceful stop. */
static int	inflight;

/*
 * SIGTERM and SIGINT, taken by one thread with sigwait(): libfcgi's own
 * handler only sets a flag that threads blocked in accept() never see,
 * so a stop would hang until the service manager's timeout.  Let
 * requests in flight finish (two seconds at most), then exit.
 */
static void *
stopper(void *arg)
{
	sigset_t	*set = arg;
	int		 sig = 0, i;

	if (sigwait(set, &sig) != 0)
		return NULL;
	ac_log(AC_LOG_INFO, "event=stop signal=%d inflight=%d", sig,
	    __atomic_load_n(&inflight, __ATOMIC_RELAXED));
	/*
	 * No shutdown() of the listening socket: sibling processes share
	 * it.  Threads blocked in accept() hold no request; _exit ends them.
	 */
	FCGX_ShutdownPending();
	for (i = 0; i < 200 && __atomic_load_n(&inflight,
	    __ATOMIC_RELAXED) > 0; i++)
		usleep(10000);
	_exit(0);
}

static void *
worker_main(void *arg)
{
	const struct worker *w = arg;
	FCGX_Request	 fr;
	struct ac_req	*r;
	struct ac_store	*store = NULL;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->storep = &store;
	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		free(r);
		return NULL;
	}
	while (FCGX_Accept_r(&fr) >= 0) {
		__atomic_add_fetch(&inflight, 1, __ATOMIC_RELAXED);
		ac_keys_reload(w->app, 0);
		ac_req_reset(r);
		r->io = &fr;
		r->io_write = fcgi_write;
		r->io_read = fcgi_read;
		r->envp = fr.envp;
		r->app = w->app;
		ac_route_handle(r, w->routes, w->nroutes);
		FCGX_Finish_r(&fr);
		__atomic_sub_fetch(&inflight, 1, __ATOMIC_RELAXED);
	}
	ac_req_reset(r);
	free(r);
	ac_store_close(store);
	ac_token_cache_flush();
	FCGX_Free(&fr, 1);
	return NULL;
}

int
ac_http_serve(struct ac_app *app, const struct ac_route *routes,
    size_t nroutes)
{
	struct worker	 w = { app, routes, nroutes };
	pthread_t	 tids[256];
	size_t		 i, n;
	struct ac_req	*r;
	struct ac_store	*store = NULL;
	static sigset_t	 stopset;
	pthread_t	 stoptid;

	signal(SIGPIPE, SIG_IGN);
	if (FCGX_IsCGI()) {
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
	if (FCGX_Init() != 0)
		return -1;
	/* Every thread inherits the blocked set; only stopper() takes them. */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);
	if (pthread_create(&stoptid, NULL, stopper, &stopset) != 0)
		ac_log(AC_LOG_WARN, "event=no_stop_thread");
	n = (size_t)app->cfg.threads;
	if (n > nitems(tids))
		n = nitems(tids);
	for (i = 1; i < n; i++)
		if (pthread_create(&tids[i], NULL, worker_main, &w) != 0) {
			ac_log(AC_LOG_WARN, "event=thread_failed started=%zu",
			    i);
			n = i;
			break;
		}
	ac_log(AC_LOG_INFO, "event=start threads=%zu keys=%zu", n,
	    app->keys.nkeys);
	worker_main(&w);
	for (i = 1; i < n; i++)
		pthread_join(tids[i], NULL);
	return 0;
}

int
ac_main(const char *prog, const struct ac_route *routes, size_t nroutes,
    ac_startcheck check)
{
	struct ac_app	*app;
	const char	*why;
	size_t		 i;
	int		 rc = 1, bad;

	ac_log_setup(prog, AC_LOG_INFO, NULL, NULL);
	if ((app = ac_app_new()) == NULL) {
		ac_log(AC_LOG_ERROR, "event=nomem");
		return 1;
	}
	bad = ac_app_load(app) != AC_OK;
	for (i = 0; i < ac_app_nwarnings(app); i++)
		ac_log(AC_LOG_WARN, "event=config_warning warning=\"%s\"",
		    ac_app_warning(app, i));
	if (bad) {
		for (i = 0; i < ac_app_nproblems(app); i++)
			ac_log(AC_LOG_ERROR, "event=config_invalid "
			    "problem=\"%s\"", ac_app_problem(app, i));
		ac_log(AC_LOG_ERROR, "event=exit hint=\"run authctl "
		    "check-config\"");
		goto out;
	}
	if (check != NULL && (why = check(app)) != NULL) {
		ac_log(AC_LOG_ERROR, "event=config_invalid problem=\"%s\"",
		    why);
		goto out;
	}
	ac_log_setup(prog, app->cfg.loglevel, NULL, NULL);
	ac_revoke_enable(app, 1);
	if (ac_http_serve(app, routes, nroutes) == -1)
		ac_log(AC_LOG_ERROR, "event=serve_failed");
	else
		rc = 0;
out:
	ac_app_free(app);
	return rc;
}
