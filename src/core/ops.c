/*
 * ops.c: what an operator needs from every program, around the routes:
 *
 * - the request id: X-Request-Id from the web server when it is a sane
 *   token, else one made here; it is in every log line of the request
 *   (log.c appends rid=) and in the answer's X-Request-Id header;
 * - GET /healthz (the process answers), GET /readyz (keys loaded, the
 *   database answers within a second, a configured JWKS fresher than its
 *   TTL; else 503 naming what is not ready) and GET /metrics
 *   (METRICS_PATH, METRICS_ENABLED, METRICS_ALLOW), none of which needs a
 *   token or is logged at info;
 * - the start-up checks of operations: JWKS_REQUIRED (ac_ops_start,
 *   before the socket), the metrics file (ac_ops_listen, once the
 *   listening socket is known and before any worker is forked, so that
 *   every worker of the program maps the same figures).
 *
 * The engine calls ac_ops_begin and ac_ops_end around each request, on
 * the thread that runs it (the event loop's, or the pool thread's that
 * took it); the request's id, client and start are kept on the request
 * (struct ac_req), and the thread's log, audit and metrics pointers
 * borrow them from begin to end.  The
 * operations paths are routes (ac_ops_routes) that route.c matches with
 * the program's, on the same route path; /readyz and the metrics path of
 * a program with a database run on a pool thread, so a slow database
 * never holds the loop.
 * Figures are kept by metrics.c, the audit lines by audit.c.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "store.h"
#include "keys.h"
#include "http.h"

static char		 opsprog[32] = "auth";
static uint32_t		 rid_prefix;
static int		 rid_ready;
static uint64_t		 rid_count;

/* A fresh random prefix of generated request ids for this process. */
static void
rid_new(void)
{
	uint32_t x;

	if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x))
		x = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	__atomic_store_n(&rid_prefix, x, __ATOMIC_RELAXED);
	__atomic_store_n(&rid_count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&rid_ready, 1, __ATOMIC_RELEASE);
}

/* No system call per request: a forked worker draws its own at fork. */
static uint32_t
prefix(void)
{

	if (!__atomic_load_n(&rid_ready, __ATOMIC_ACQUIRE))
		rid_new();
	return __atomic_load_n(&rid_prefix, __ATOMIC_RELAXED);
}

/* 1 when s may serve as a request id: 1..64 of [A-Za-z0-9._:-]. */
static int
rid_ok(const char *s)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > AC_MAXRID)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") == n;
}

void
ac_ops_begin(struct ac_req *r)
{
	const char	*h = ac_req_param(r, "HTTP_X_REQUEST_ID");

	/* From its arrival: a pool's request waited in the queue. */
	r->t0 = r->arrived != 0 ? r->arrived : ac_metrics_clock();
	if (rid_ok(h))
		memcpy(r->rid, h, strlen(h) + 1);
	else
		snprintf(r->rid, sizeof(r->rid), "%08x%08llx", prefix(),
		    (unsigned long long)__atomic_add_fetch(&rid_count, 1,
		    __ATOMIC_RELAXED));
	ac_log_clean(r->remote, sizeof(r->remote),
	    ac_req_param(r, "REMOTE_ADDR"));
	/* auth_db_queries_total{method}: "other" until ac_req_auth says. */
	r->dbq = AC_DBQ_OTHER;
	/* What the layers below borrow of this request until its end. */
	ac_log_context(r->rid);
	ac_audit_remote(r->remote);
	ac_metrics_dbq(&r->dbq);
	ac_req_header(r, "X-Request-Id", r->rid);
	if (r->why != NULL)
		ac_log(AC_LOG_WARN, "%s", r->why);
}

void
ac_ops_end(struct ac_req *r, int status)
{

	ac_metrics_http(status, r->t0);
	ac_metrics_dbq(NULL);
	ac_audit_remote(NULL);
	ac_log_context(NULL);
	r->rid[0] = '\0';
	r->remote[0] = '\0';
}

/* Health, readiness, metrics ----------------------------------------- */

static int
send_json(struct ac_req *r, int status, json_object *o)
{

	ac_req_header(r, "Cache-Control", "no-store");
	ac_req_json(r, status, o);
	json_object_put(o);
	return 1;
}

/* The JWKS is fresh when its last good fetch is younger than the TTL. */
static int
jwks_fresh(const struct ac_config *c, time_t now, int64_t *age)
{
	int64_t	 fetched;

	ac_jwks_fetched(c, &fetched, NULL, 0);
	*age = fetched > 0 ? (int64_t)now - fetched : -1;
	return fetched > 0 && (int64_t)now - fetched < c->jwks_ttl;
}

/*
 * /readyz opens the database when the program works on it, and when its
 * revocation list polls it (verify with JWT_REVOCATION_CHECK on).
 */
static int
ready_db(const struct ac_app *app)
{

	return (ac_ops_needed() & AC_NEEDS_DB) ||
	    ((ac_ops_needed() & AC_NEEDS_REVOCATIONS) &&
	    app->cfg.revocation_check);
}

/*
 * The check of a key set (JWKS_URL's, or a provider's) named name on
 * checks: "ok" when its last good fetch is younger than its TTL, after
 * asking for a fetch when stale (spaced, single-flight, off the loop).  0 when not fresh.
 */
static int
jwks_check(const struct ac_config *c, json_object *checks, const char *name)
{
	char		 what[96];
	int64_t		 age;
	int		 ok;

	if (!jwks_fresh(c, time(NULL), &age))
		ac_jwks_want(c, 0);
	if ((ok = jwks_fresh(c, time(NULL), &age)))
		snprintf(what, sizeof(what), "ok");
	else if (age < 0)
		snprintf(what, sizeof(what), "never fetched");
	else
		snprintf(what, sizeof(what), "stale: fetched %lld s ago, "
		    "TTL %ld s", (long long)age, c->jwks_ttl);
	json_object_object_add(checks, name, json_object_new_string(what));
	return ok;
}

/* Each provider of JWT_PROVIDERS: its own check, "jwks:NAME". */
static int
providers_ready(const struct ac_app *app, json_object *checks)
{
	const struct ac_config *pc;
	char		 name[64];
	size_t		 i;
	int		 ready = 1;

	for (i = 0; (pc = ac_app_provider(app, i)) != NULL; i++) {
		snprintf(name, sizeof(name), "jwks:%s", pc->provider_name);
		if (!jwks_check(pc, checks, name))
			ready = 0;
	}
	return ready;
}

static int
readyz(struct ac_req *r, const struct ac_app *app)
{
	const struct ac_config *c = &app->cfg;
	json_object	*o, *checks;
	struct ac_store	*st = NULL;
	long long	 t0;
	char		 err[512], what[96];
	size_t		 nkeys;
	long		 ms;
	int		 ready = 1;

	if ((o = json_object_new_object()) == NULL ||
	    (checks = json_object_new_object()) == NULL) {
		json_object_put(o);
		return 0;
	}
	ac_keys_lock(app);
	nkeys = app->live->keys.nkeys;
	ac_keys_unlock(app);
	json_object_object_add(checks, "keys", json_object_new_string(
	    nkeys > 0 ? "ok" : "none loaded"));
	if (nkeys == 0)
		ready = 0;
	if (ready_db(app)) {
		/*
		 * A connection of its own, opened now: a worker's open
		 * connection would still answer for a file moved away.
		 */
		t0 = ac_clock_ms();
		if (ac_store_open(app, 1, &st, err, sizeof(err)) != AC_OK) {
			ac_log(AC_LOG_DEBUG, "event=not_ready check=database "
			    "error=\"%s\"", err);
			snprintf(what, sizeof(what), "unavailable");
			ready = 0;
		} else {
			ms = (long)(ac_clock_ms() - t0);
			if (ms >= 1000) {
				snprintf(what, sizeof(what), "slow (%ld ms)",
				    ms);
				ready = 0;
			} else
				snprintf(what, sizeof(what), "ok");
		}
		ac_store_close(st);
		json_object_object_add(checks, "database",
		    json_object_new_string(what));
	}
	if (c->jwks_url != NULL && !jwks_check(c, checks, "jwks"))
		ready = 0;
	if (app->nprov > 0 && !providers_ready(app, checks))
		ready = 0;
	json_object_object_add(o, "status", json_object_new_string(ready ?
	    "ready" : "not ready"));
	json_object_object_add(o, "checks", checks);
	return send_json(r, ready ? 200 : 503, o);
}

/*
 * 1 when addr (text) is in METRICS_ALLOW: addresses or CIDR blocks.  A
 * list with a malformed entry allows nobody (config.c refuses it at
 * start: this is for a list that got past that).
 */
static int
allowed(const char *list, const char *addr)
{

	return ac_parse_addr_listed(list, addr) == 1;
}

static int
metrics(struct ac_req *r, const struct ac_app *app, enum ac_reason *rc)
{
	char	*text;
	size_t	 len;

	if (!allowed(app->cfg.metrics_allow, ac_req_param(r, "REMOTE_ADDR"))) {
		*rc = AC_FORBIDDEN;
		ac_req_detail(r, "REMOTE_ADDR", "not in METRICS_ALLOW");
		return 1;
	}
	if ((text = ac_metrics_text(app, &len)) == NULL) {
		*rc = AC_NOMEM;
		return 1;
	}
	ac_req_header(r, "Cache-Control", "no-store");
	ac_req_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, len);
	free(text);
	return 1;
}

static enum ac_reason
h_healthz(struct ac_req *r, const struct ac_app *app)
{
	json_object	*o;

	(void)app;
	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(o, "status", json_object_new_string("ok"));
	send_json(r, 200, o);
	return AC_OK;
}

static enum ac_reason
h_readyz(struct ac_req *r, const struct ac_app *app)
{

	return readyz(r, app) ? AC_OK : AC_NOMEM;
}

static enum ac_reason
h_metrics(struct ac_req *r, const struct ac_app *app)
{
	enum ac_reason	 rc = AC_OK;

	metrics(r, app, &rc);
	return rc;
}

size_t
ac_ops_routes(const struct ac_app *app, struct ac_route out[AC_OPS_MAXROUTES])
{
	/* A slow database must not hold the event loop. */
	enum ac_class	 db = ac_ops_needed() & AC_NEEDS_DB ? AC_POOL :
			    AC_INLINE;
	size_t		 n = 0;

	out[n++] = (struct ac_route){ AC_GET, "/healthz", h_healthz,
	    AC_INLINE };
	out[n++] = (struct ac_route){ AC_GET, "/readyz", h_readyz, db };
	if (ac_metrics_enabled() && app->cfg.metrics_path != NULL)
		out[n++] = (struct ac_route){ AC_GET, app->cfg.metrics_path,
		    h_metrics, db };
	return n;
}

/* Start-up ------------------------------------------------------------ */

const char *
ac_ops_start(const struct ac_app *app, const char *prog, char *buf,
    size_t n)
{
	const struct ac_config *c = &app->cfg, *pc;
	char		 err[256];
	int64_t		 fetched, age;
	time_t		 now = time(NULL);
	size_t		 i;

	if (c->jwks_url != NULL && c->jwks_required &&
	    !jwks_fresh(c, now, &age)) {
		ac_jwks_fetched(c, &fetched, err, sizeof(err));
		snprintf(buf, n, "JWKS_URL %s: no key set (%s) and no cached "
		    "set younger than JWKS_CACHE_TTL (%ld s); fix the URL or "
		    "the provider, or set JWKS_REQUIRED=false to start without "
		    "it", c->jwks_url, err[0] != '\0' ? err :
		    fetched > 0 ? "the cached set is stale" : "never fetched",
		    c->jwks_ttl);
		return buf;
	}
	/* Each provider of JWT_PROVIDERS likewise. */
	for (i = 0; c->jwks_required && (pc = ac_app_provider(app, i)) !=
	    NULL; i++) {
		if (jwks_fresh(pc, now, &age))
			continue;
		ac_jwks_fetched(pc, &fetched, err, sizeof(err));
		snprintf(buf, n, "JWT_PROVIDERS: %s's key set %s: no key set "
		    "(%s) and no cached set younger than JWKS_CACHE_TTL (%ld "
		    "s); fix the URL or the provider, or set "
		    "JWKS_REQUIRED=false to start without it",
		    pc->provider_name, pc->jwks_url, err[0] != '\0' ? err :
		    fetched > 0 ? "the cached set is stale" : "never fetched",
		    pc->jwks_ttl);
		return buf;
	}
	snprintf(opsprog, sizeof(opsprog), "%s", prog);
	return NULL;
}

int
ac_ops_listen(const struct ac_app *app, int lfd)
{
	static int	 atfork;

	if (app->cfg.metrics && ac_metrics_open(app, opsprog, lfd) == -1) {
		ac_log(AC_LOG_ERROR, "event=config_invalid problem=\"METRICS_"
		    "ENABLED: the metrics file cannot be opened (see the line "
		    "above); set METRICS_FILE or METRICS_ENABLED=false\"");
		return -1;
	}
	rid_new();
	if (!atfork)
		atfork = pthread_atfork(NULL, NULL, rid_new) == 0;
	return 0;
}
