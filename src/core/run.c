/*
 * run.c: running one request, for the event loop (loop.c).  ac_run
 * answers it into a buffer of FastCGI records through the request
 * object's transport (the reserved record header, the answer, the empty
 * STDOUT and END_REQUEST): on the loop's thread for an inline route, or
 * on a pool thread (ac_run_pool), each thread with its own request
 * object and store connection.  A pool request that waited longer than
 * the refresh grace window or AUTH_DB_TIMEOUT_MS, whichever is shorter
 * (a hashing one: 10 s), answers 503 without touching the store.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "base.h"
#include "conf.h"
#include "store.h"
#include "keys.h"
#include "tokens.h"
#include "http.h"
#include "engine.h"

#define HASH_WAIT_MS	10000		/* a login waits at most */

struct ioctx {
	struct ac_buf		*out;
	const unsigned char	*in;
	size_t			 inlen, inoff;
	int			 oom;
};

static void
io_write(void *io, const char *s, size_t n)
{
	struct ioctx	*x = io;

	if (ac_buf_add(x->out, s, n) == -1)
		x->oom = 1;
}

static size_t
io_read(void *io, char *buf, size_t n)
{
	struct ioctx	*x = io;

	if (n > x->inlen - x->inoff)
		n = x->inlen - x->inoff;
	if (n > 0)
		memcpy(buf, x->in + x->inoff, n);
	x->inoff += n;
	return n;
}

/*
 * Runs one request into out: the reserved record header, the answer,
 * then the empty STDOUT and END_REQUEST.  reason non-OK answers it with
 * that error without routing.  why (NULL: none) is a warning's words,
 * logged with the request's id (ac_ops_begin).  Returns -1 when out of
 * memory.
 */
int
ac_run(struct ac_req *r, struct ac_store **storep, const struct ac_app *app,
    const struct ac_match *m, char **envp, const struct ac_buf *body,
    struct ac_buf *out, unsigned id, enum ac_reason reason, const char *why,
    uint64_t arrived)
{
	static char		*none[] = { NULL };
	static const unsigned char zero[AC_FCGI_HEADER];
	struct ioctx		 x = { out, body->p, body->len, 0, 0 };
	size_t			 off = out->len;

	if (ac_buf_add(out, zero, sizeof(zero)) == -1)
		return -1;
	ac_req_reset(r);
	r->io = &x;
	r->io_write = io_write;
	r->io_read = io_read;
	r->envp = envp != NULL ? envp : none;
	r->app = app;
	r->storep = storep;
	r->method = AC_METHOD__MAX;
	r->arrived = arrived;
	r->why = why;
	if (reason != AC_OK) {
		/* Counted and named like any answer (ops.c). */
		ac_ops_begin(r);
		ac_req_error(r, reason);
		ac_ops_end(r, r->status);
	} else
		ac_route_answer(r, m);
	ac_req_reset(r);
	if (x.oom) {
		/* Nothing half-written goes out: an empty answer. */
		out->len = off + AC_FCGI_HEADER;
		ac_log(AC_LOG_ERROR, "event=nomem where=response");
	}
	return ac_fcgi_seal(out, off, id);
}

/* The thread's own request object and store connection (pool threads). */
static __thread struct ac_req	*t_req;
static __thread struct ac_store	*t_store;

void
ac_run_pool_fini(void)
{

	free(t_req);
	t_req = NULL;
	ac_store_close(t_store);
	t_store = NULL;
	ac_token_cache_flush();
}

void
ac_run_pool(struct ac_job *job, void *arg)
{
	struct ac_loop	*l = arg;
	long long	 waited, limit;
	char		 path[256], stale[384];
	const char	*why = job->why[0] != '\0' ? job->why : NULL;
	enum ac_reason	 reason = AC_OK;

	if (t_req == NULL) {
		if ((t_req = calloc(1, sizeof(*t_req))) == NULL) {
			ac_log(AC_LOG_ERROR, "event=nomem where=pool");
			return;	/* empty out: the loop closes the connection */
		}
		/* A request parked here may wait for a JWKS fetch. */
		ac_jwks_may_wait(1);
	}
	waited = ac_clock_ms() - job->queued;
	/*
	 * A refresh or logout: the client may have retried meanwhile, and
	 * a state change this late could look like a replay
	 * (docs/refresh.md).  A login: nobody is likely to wait for it.
	 */
	limit = job->cls == AC_HASH ? (l->grace > HASH_WAIT_MS ? l->grace :
	    HASH_WAIT_MS) : l->grace;
	/* A database wait is bounded, the queue's for a thread included. */
	if (job->cls == AC_POOL && limit > l->app->cfg.db_timeout_ms)
		limit = l->app->cfg.db_timeout_ms;
	if (waited > limit) {
		ac_log_clean(path, sizeof(path), job->match->bad ? "-" :
		    job->match->path);
		snprintf(stale, sizeof(stale), "event=request_stale path=%s "
		    "waited_ms=%lld max_ms=%lld status=503", path, waited,
		    limit);
		why = stale;
		reason = AC_UNAVAILABLE;
	} else {
		ac_keys_reload(l->app, 0);
		ac_rollout_reload(l->app, 0);
	}
	if (ac_run(t_req, &t_store, l->app, job->match, job->envp,
	    &job->body, &job->out, job->id, reason, why, job->arrived) == -1)
		job->out.len = 0;
}
