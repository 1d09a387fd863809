/*
 * loop.c: one worker process's event loop.
 *
 * One epoll loop serves any number of web-server connections, kept
 * (FCGI_KEEP_CONN) or not, on non-blocking sockets.  Bytes are read as
 * they come and handed to the record layer (fcgi.c); a request is read
 * whole (PARAMS, and STDIN to its empty record) before it runs.  A
 * route's class says where: inline on the loop (verification, reads),
 * or on a pool thread (database writes, password hashing), whose answer
 * comes back through an eventfd.  An answer is written as STDOUT, the
 * empty STDOUT and END_REQUEST in one write; what the socket does not
 * take waits for EPOLLOUT, so a web server that reads slowly never holds
 * up the loop.  A connection that stops halfway through a request, or
 * does not read its answer, is closed after AUTH_READ_TIMEOUT; at
 * AUTH_MAX_CONNECTIONS the least recently used idle connection makes
 * room, else the loop stops accepting until one closes.
 *
 * A request whose connection closes, or that is aborted, before a pool
 * thread takes it is never run.  Running one request, inline or on a
 * pool thread, is run.c's; the list of connections (accepting, the
 * listening socket, closing, the sweep) is conn.c's; engine.h holds the
 * structures the three share.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "conf.h"
#include "store.h"
#include "keys.h"
#include "tokens.h"
#include "http.h"
#include "engine.h"

#define STOP_MS		2000		/* SIGTERM: finish within */
#define TICK_MS		250

/* epoll data for the fds that are not connections */
static char	 tag_signal, tag_done;

/*
 * A bearer token whose header names a kid the key set lacks.  Only a
 * look at the header: verification proper comes later, wherever the
 * request runs.
 */
static int
kid_unknown(struct ac_req *r, const struct ac_app *app)
{
	const char	*t, *dot;
	size_t		 len;
	char		 hdr[1024];
	long		 n;
	json_object	*o, *kid;
	int		 unknown = 0;

	if (ac_req_bearer(r, &t, &len) != AC_OK ||
	    (dot = memchr(t, '.', len)) == NULL ||
	    (size_t)(dot - t) > (sizeof(hdr) - 1) * 4 / 3 ||
	    (n = ac_b64url_decode(t, (size_t)(dot - t), (unsigned char *)hdr,
	    sizeof(hdr) - 1)) <= 0)
		return 0;
	hdr[n] = '\0';
	if ((o = json_tokener_parse(hdr)) == NULL)
		return 0;
	if (json_object_object_get_ex(o, "kid", &kid) &&
	    json_object_is_type(kid, json_type_string))
		unknown = !ac_keys_has_kid(app, json_object_get_string(kid));
	json_object_put(o);
	return unknown;
}

/*
 * Routes the request once, into l->match (the match goes with it to
 * wherever it runs), and says where it runs: its route's class, except
 * that nothing that
 * may wait on another host runs on the loop.  With PostgreSQL, reads
 * (AC_READ) and a session cookie's lookup go to a pool thread; a token
 * whose kid is unknown while the provider's set is due or being fetched
 * goes there too, to wait for that fetch (a bounded time) instead of
 * being refused while its key is on the way.
 */
/* Any key set (JWKS_URL's or a provider's) is due or being fetched. */
static int
jwks_due(const struct ac_app *app)
{
	const struct ac_config *pc;
	size_t		 i;

	if (ac_jwks_due(&app->cfg))
		return 1;
	for (i = 0; (pc = ac_app_provider(app, i)) != NULL; i++)
		if (ac_jwks_due(pc))
			return 1;
	return 0;
}

static enum ac_class
classify(struct ac_loop *l, char **envp)
{
	static char		*none[] = { NULL };
	const char		*c;
	enum ac_class		 cls;

	ac_req_reset(l->r);
	l->r->envp = envp != NULL ? envp : none;
	l->r->app = l->app;
	cls = ac_route_match(l->r, l->routes, l->nroutes, l->match);
	if (l->allinline)
		return AC_INLINE;
	if (cls == AC_READ)
		return l->remote ? AC_POOL : AC_INLINE;
	if (cls != AC_INLINE)
		return cls;
	if (l->remote && ac_req_param(l->r, "HTTP_AUTHORIZATION") == NULL &&
	    (c = ac_req_param(l->r, "HTTP_COOKIE")) != NULL &&
	    (strstr(c, ac_req_session_cookie_name(l->r, l->app)) != NULL ||
	    (l->app->cfg.ba_session_table != NULL &&
	    strstr(c, "better-auth.session_token") != NULL)))
		return AC_POOL;
	if ((l->app->cfg.jwks_url != NULL || ac_app_provider(l->app, 0) !=
	    NULL) && kid_unknown(l->r, l->app) && jwks_due(l->app))
		return AC_POOL;
	return AC_INLINE;
}

/* The request in hand is complete: run it or queue it.  -1: close. */
static int
dispatch(struct ac_loop *l, struct ac_conn *c)
{
	struct ac_fcgi	*fc = &c->fc;
	struct ac_job	*job;
	char		**envp;
	enum ac_class	 cls;
	enum ac_reason	 reason = AC_OK;
	char		 why[128] = "";

	/* Logged by ac_run with the request's id (why). */
	envp = ac_fcgi_envp(fc);
	if (fc->problem == AC_FCGI_PARAMS_TOO_LARGE) {
		snprintf(why, sizeof(why), "event=params_too_large bytes=%zu "
		    "max=%zu status=431", fc->paramslen, fc->max_params);
		reason = AC_HEADERS_TOO_LARGE;
	} else if (fc->problem == AC_FCGI_PARAMS_MALFORMED) {
		snprintf(why, sizeof(why), "event=params_malformed status=400");
		reason = AC_REQUEST_MALFORMED;
	} else if (envp == NULL) {
		ac_log(AC_LOG_ERROR, "event=nomem where=params");
		return -1;
	} else if (fc->problem == AC_FCGI_BODY_TOO_LARGE)
		snprintf(why, sizeof(why), "event=body_too_large bytes=%zu "
		    "max=%zu", fc->bodylen, fc->max_body);
	cls = reason == AC_OK ? classify(l, envp) : AC_INLINE;
	if (cls == AC_INLINE || l->pools[cls] == NULL) {
		ac_keys_reload(l->app, 0);
		ac_rollout_reload(l->app, 0);
		if (ac_run(l->r, &l->store, l->app, l->match, envp, &fc->body,
		    &c->out, fc->id, reason, why[0] != '\0' ? why : NULL,
		    0) == -1) {
			free(envp);
			return -1;
		}
		free(envp);
		if (!fc->keep)
			c->closing = 1;
		ac_fcgi_done(fc);
		return 0;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		free(envp);
		return -1;
	}
	job->conn = c;
	job->id = fc->id;
	job->cls = cls;
	job->envp = envp;
	if ((job->match = malloc(sizeof(*job->match))) == NULL) {
		free(job);
		free(envp);
		return -1;
	}
	memcpy(job->match, l->match, sizeof(*job->match));
	job->body = fc->body;
	memset(&fc->body, 0, sizeof(fc->body));
	job->queued = ac_clock_ms();
	job->arrived = ac_metrics_clock();
	memcpy(job->why, why, sizeof(job->why));
	c->job = job;
	l->njobs++;
	ac_pool_push(l->pools[cls], job);
	return 0;
}

/* FCGI_ABORT_REQUEST for the request in hand. */
static void
abort_job(struct ac_loop *l, struct ac_conn *c)
{
	struct ac_job	*job = c->job;

	if (job == NULL)
		return;
	if (!ac_pool_cancel(job->pool, job)) {
		job->aborted = 1;	/* running: END_REQUEST only, later */
		return;
	}
	ac_log(AC_LOG_INFO, "event=request_dropped why=aborted state=queued");
	ac_job_free(job);
	l->njobs--;
	c->job = NULL;
	if (ac_fcgi_end(&c->out, c->fc.id, AC_FCGI_REQUEST_COMPLETE) == -1)
		c->closing = 1;
	if (!c->fc.keep)
		c->closing = 1;
	ac_fcgi_done(&c->fc);
}

/*
 * Hands buf to the record layer and queues what it answers at once
 * (management records, refusals).  Returns the bytes taken, or -1 when
 * the connection was closed (not FastCGI, or out of memory).
 */
static long
feed(struct ac_loop *l, struct ac_conn *c, const unsigned char *buf, size_t len,
    enum ac_fcgi_event *ev)
{
	size_t	 n;

	n = ac_fcgi_feed(&c->fc, buf, len, ev);
	if (c->fc.out.len > 0) {
		if (ac_buf_add(&c->out, c->fc.out.p, c->fc.out.len) == -1)
			*ev = AC_FCGI_ERROR;
		c->fc.out.len = 0;
	}
	if (c->fc.closeafter)
		c->closing = 1;
	if (*ev == AC_FCGI_ERROR) {
		ac_conn_close(l, c, "protocol_error");
		return -1;
	}
	return (long)n;
}

/*
 * Parses buf: runs or queues each complete request.  Returns the bytes
 * taken, or -1 when the connection was closed.
 */
static long
parse(struct ac_loop *l, struct ac_conn *c, const unsigned char *buf,
    size_t len)
{
	enum ac_fcgi_event	 ev;
	size_t			 off = 0;
	long			 n;

	while (off < len && !c->closing && c->job == NULL &&
	    c->out.len - c->outoff < AC_OUT_HIGH) {
		if ((n = feed(l, c, buf + off, len - off, &ev)) == -1)
			return -1;
		off += (size_t)n;
		if (ev == AC_FCGI_READY && dispatch(l, c) == -1) {
			ac_conn_close(l, c, "nomem");
			return -1;
		}
		if (ev == AC_FCGI_MORE || ev == AC_FCGI_WAIT)
			break;
	}
	/*
	 * Held by a pool: still see an abort of the request in hand, and
	 * answer what the record layer answers at once (management records,
	 * unknown types) as above, so that those answers go out and, when
	 * the peer does not read them, parsing and then reading stop at
	 * AC_OUT_HIGH (ac_conn_events) instead of the buffers growing.
	 */
	while (off < len && c->job != NULL && !c->closing &&
	    c->out.len - c->outoff < AC_OUT_HIGH) {
		if ((n = feed(l, c, buf + off, len - off, &ev)) == -1)
			return -1;
		off += (size_t)n;
		if (ev == AC_FCGI_ABORTED)
			abort_job(l, c);
		else if (ev != AC_FCGI_MORE || n == 0)
			break;
	}
	return (long)off;
}

/*
 * Sends what it can; once all is sent, parses what waits in c->in (a
 * pipeline held back while answers were pending).  -1 when the
 * connection is gone.
 */
static int
flush(struct ac_loop *l, struct ac_conn *c)
{
	ssize_t	 n;
	long	 used;

	for (;;) {
		while (c->outoff < c->out.len) {
			n = write(c->fd, c->out.p + c->outoff,
			    c->out.len - c->outoff);
			if (n > 0) {
				c->outoff += (size_t)n;
				ac_conn_touch(l, c);
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				break;
			ac_conn_close(l, c, "write_failed");
			return -1;
		}
		if (c->outoff < c->out.len)
			break;
		c->out.len = c->outoff = 0;
		if (c->out.cap > AC_KEEP_BUF)
			ac_buf_free(&c->out);
		if (c->closing || (l->stopping && ac_conn_idle(c))) {
			ac_conn_close(l, c, "done");
			return -1;
		}
		if (c->in.len == 0 || c->job != NULL)
			break;
		if ((used = parse(l, c, c->in.p, c->in.len)) == -1)
			return -1;
		memmove(c->in.p, c->in.p + used, c->in.len - (size_t)used);
		c->in.len -= (size_t)used;
		if (c->in.len == 0 && c->in.cap > AC_KEEP_BUF)
			ac_buf_free(&c->in);
		if (used == 0 && c->out.len == 0)
			break;
	}
	ac_conn_events(l, c);
	return 0;
}

static void
receive(struct ac_loop *l, struct ac_conn *c)
{
	const unsigned char	*buf;
	ssize_t			 n;
	size_t			 len;
	long			 used;
	int			 i;

	for (i = 0; i < 4 && c->in.len < AC_IN_HIGH && !c->closing; i++) {
		if (c->in.len == 0) {
			n = read(c->fd, l->rbuf, sizeof(l->rbuf));
			buf = l->rbuf;
		} else {
			if (ac_buf_reserve(&c->in, AC_READSZ) == -1) {
				ac_conn_close(l, c, "nomem");
				return;
			}
			n = read(c->fd, c->in.p + c->in.len, AC_READSZ);
			if (n > 0)
				c->in.len += (size_t)n;
			buf = c->in.p;
		}
		if (n == 0) {
			ac_conn_close(l, c, c->job != NULL || !ac_conn_idle(c) ?
			    "peer_closed" : "closed");
			return;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			ac_conn_close(l, c, "read_failed");
			return;
		}
		ac_conn_touch(l, c);
		len = buf == l->rbuf ? (size_t)n : c->in.len;
		if ((used = parse(l, c, buf, len)) == -1)
			return;
		if (buf == l->rbuf) {
			if ((size_t)used < len && ac_buf_add(&c->in,
			    buf + used, len - (size_t)used) == -1) {
				ac_conn_close(l, c, "nomem");
				return;
			}
		} else {
			memmove(c->in.p, c->in.p + used, c->in.len -
			    (size_t)used);
			c->in.len -= (size_t)used;
		}
		if (c->out.len - c->outoff >= AC_OUT_HIGH)
			break;
		/*
		 * A read that did not fill what was asked for has emptied
		 * the socket for now: the epoll interest is level-triggered,
		 * so what arrives later is reported again, and reading on
		 * until EAGAIN would cost a system call per request for
		 * nothing (a third of this process's calls under load).
		 */
		if ((size_t)n < (buf == l->rbuf ? sizeof(l->rbuf) : AC_READSZ))
			break;
	}
	flush(l, c);
}

/* Answers come back from the pools. */
static void
jobs_back(struct ac_loop *l)
{
	struct ac_job	*job, *next;
	struct ac_conn	*c;
	struct ac_buf	 t;
	uint64_t	 v;

	while (read(l->done.efd, &v, sizeof(v)) == -1 && errno == EINTR)
		continue;
	for (job = ac_done_take(&l->done); job != NULL; job = next) {
		next = job->next;
		l->njobs--;
		if ((c = job->conn) == NULL) {
			ac_job_free(job);
			continue;
		}
		c->job = NULL;
		if (job->aborted || job->out.len == 0) {
			if (job->out.len == 0 || ac_fcgi_end(&c->out, c->fc.id,
			    AC_FCGI_REQUEST_COMPLETE) == -1)
				c->closing = 1;
		} else if (c->outoff == c->out.len) {
			t = c->out;
			c->out = job->out;
			job->out = t;
			c->outoff = 0;
		} else if (ac_buf_add(&c->out, job->out.p, job->out.len) == -1)
			c->closing = 1;
		if (!c->fc.keep)
			c->closing = 1;
		ac_fcgi_done(&c->fc);
		ac_job_free(job);
		flush(l, c);
	}
}

static void
on_signal(struct ac_loop *l)
{
	struct signalfd_siginfo	 si;

	if (read(l->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	/*
	 * SIGHUP: re-read the rollout flags now (rollout.c), and open the
	 * AUTH_LOG file again (logrotate moved it).
	 */
	if (si.ssi_signo == SIGHUP) {
		ac_log_reopen();
		ac_rollout_reload(l->app, 1);
		return;
	}
	if (l->stopping)
		return;
	ac_log(AC_LOG_INFO, "event=stop signal=%u connections=%zu "
	    "inflight=%zu", si.ssi_signo, l->nconns, l->njobs);
	l->stopping = 1;
	l->stopat = ac_clock_ms() + STOP_MS;
	ac_conn_listen(l, 0);
	ac_conn_sweep(l);
}

static int
loop_init(struct ac_loop *l)
{
	struct epoll_event	 ev;
	sigset_t		 set;
	size_t			 i;

	l->ep = l->sfd = l->done.efd = -1;
	if ((l->r = calloc(1, sizeof(*l->r))) == NULL ||
	    (l->match = calloc(1, sizeof(*l->match))) == NULL)
		return -1;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* An ignored signal never reaches the signalfd (nohup, daemons). */
	signal(SIGHUP, SIG_DFL);
	if ((l->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	if ((l->done.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	pthread_mutex_init(&l->done.mu, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &tag_signal;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sfd, &ev) == -1)
		return -1;
	ev.data.ptr = &tag_done;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->done.efd, &ev) == -1)
		return -1;
	l->remote = ac_store_remote(&l->app->cfg);
	l->allinline = l->app->cfg.jwks_url == NULL && !l->remote;
	for (i = 0; i < l->nroutes; i++)
		if (l->routes[i].cls != AC_INLINE &&
		    (l->routes[i].cls != AC_READ || l->remote))
			l->allinline = 0;
	return 0;
}

/* Starts the pools the route table needs, one per class off the loop. */
static int
pools_start(struct ac_loop *l)
{
	const long	 nthreads[AC_CLASS__MAX] = {
		[AC_POOL] = l->app->cfg.pool_threads,
		[AC_HASH] = l->app->cfg.hash_concurrency,
		[AC_READ] = 0,
	};
	int		 need[AC_CLASS__MAX] = { 0 };
	size_t		 i;
	int		 c;

	for (i = 0; i < l->nroutes; i++)
		need[l->routes[i].cls] = 1;
	/* Remote waits (classify) and /readyz, /metrics (ops.c). */
	if (!l->allinline)
		need[AC_POOL] = 1;
	need[AC_READ] = 0;
	for (c = AC_INLINE + 1; c < AC_CLASS__MAX; c++)
		if (need[c] && (l->pools[c] = ac_pool_start(ac_classes[c],
		    nthreads[c], &l->done, ac_run_pool, ac_run_pool_fini, l)) ==
		    NULL)
			return -1;
	return 0;
}

int
ac_loop_run(struct ac_app *app, int lfd, const struct ac_route *routes,
    size_t nroutes)
{
	struct epoll_event	 evs[64];
	struct ac_loop		*l;
	struct ac_conn		*c;
	struct ac_job		*job, *next;
	long long		 now, last = 0;
	int			 i, n, rc = -1, wait;

	if ((l = malloc(sizeof(*l))) == NULL)
		return -1;
	*l = (struct ac_loop){
		.app = app, .lfd = lfd, .routes = routes, .nroutes = nroutes,
		.maxconns = (size_t)app->cfg.max_conns,
		.timeout = app->cfg.read_timeout * 1000LL,
		.grace = (app->cfg.refresh_grace > 0 ?
		    app->cfg.refresh_grace : 1) * 1000LL,
	};
	TAILQ_INIT(&l->conns);
	/* Nothing remote on the loop: JWKS fetches on a thread of their own. */
	ac_jwks_background(&app->cfg);
	if (loop_init(l) == -1 || pools_start(l) == -1) {
		ac_log(AC_LOG_ERROR, "event=loop_failed error=\"%s\"",
		    strerror(errno));
		goto out;
	}
	/*
	 * The first read of the revoked sessions, before serving, by the
	 * programs that check access tokens (verify: its catch-all route;
	 * those that use the database; jwks checks none), when there is a
	 * database to read.  Without one the first check finds out at once.
	 * After loop_init: the poller thread inherits the blocked signals,
	 * which belong to the loop's signalfd (a SIGHUP delivered to a thread
	 * that does not block it would end the process).
	 */
	for (i = 0; i < (int)nroutes && ac_store_present(&app->cfg); i++)
		if (strcmp(routes[i].pattern, "*") == 0 ||
		    (ac_ops_needed() & AC_NEEDS_DB)) {
			ac_revoke_prime(app);
			break;
		}
	ac_conn_listen(l, 1);
	for (;;) {
		wait = l->nconns > 0 || l->stopping ? TICK_MS : -1;
		n = epoll_wait(l->ep, evs, (int)nitems(evs), wait);
		if (n == -1 && errno != EINTR) {
			ac_log(AC_LOG_ERROR, "event=epoll_failed error=\"%s\"",
			    strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &l->lfd) {
				if (l->accepting)
					ac_conn_accept(l);
				continue;
			}
			if (evs[i].data.ptr == &tag_signal) {
				on_signal(l);
				continue;
			}
			if (evs[i].data.ptr == &tag_done) {
				jobs_back(l);
				continue;
			}
			c = evs[i].data.ptr;
			/* Closed earlier in this batch? */
			if (c->fd < 0)
				continue;
			if (evs[i].events & EPOLLOUT) {
				if (flush(l, c) == -1)
					continue;
				if (c->outoff == c->out.len &&
				    flush(l, c) == -1)
					continue;
			}
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR))
				receive(l, c);
			/* The peer is gone: what it sent has been served. */
			if (c->fd >= 0 && (evs[i].events & (EPOLLRDHUP |
			    EPOLLHUP | EPOLLERR)))
				ac_conn_close(l, c, "peer_closed");
		}
		while ((c = l->dead) != NULL) {
			l->dead = c->nextdead;
			free(c);
		}
		now = ac_clock_ms();
		if (now - last >= TICK_MS) {
			ac_conn_sweep(l);
			last = now;
		}
		if (l->stopping && ((l->nconns == 0 && l->njobs == 0) ||
		    now >= l->stopat))
			break;
	}
	rc = 0;
out:
	if (l->stopping && l->njobs > 0) {
		/* A pool thread is still busy: it must not outlive app. */
		ac_log(AC_LOG_WARN, "event=stop_timeout inflight=%zu",
		    l->njobs);
		_exit(0);
	}
	while ((c = TAILQ_FIRST(&l->conns)) != NULL)
		ac_conn_close(l, c, "stop");
	while ((c = l->dead) != NULL) {
		l->dead = c->nextdead;
		free(c);
	}
	for (i = 0; i < AC_CLASS__MAX; i++)
		ac_pool_stop(l->pools[i]);
	/* Nothing of ours may outlive app: the poller, the JWKS fetch. */
	ac_revoke_stop();
	if (ac_jwks_stop() == -1) {
		ac_log(AC_LOG_WARN, "event=stop_timeout what=jwks_fetch");
		_exit(0);
	}
	for (job = ac_done_take(&l->done); job != NULL; job = next) {
		next = job->next;
		ac_job_free(job);
	}
	if (l->sfd != -1)
		close(l->sfd);
	if (l->done.efd != -1)
		close(l->done.efd);
	if (l->ep != -1)
		close(l->ep);
	ac_req_reset(l->r);
	free(l->r);
	free(l->match);
	ac_store_close(l->store);
	ac_token_cache_flush();
	free(l);
	return rc;
}
