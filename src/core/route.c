/*
 * route.c: the router.  Matches the route table on the path the client
 * sent (REQUEST_URI), answers 404, 405 and OPTIONS itself, adds the CORS
 * headers, calls the handler, turns a non-OK reason into the JSON error
 * envelope and logs the request.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "extern.h"
#include "http.h"

const char *const ac_classes[AC_CLASS__MAX] = {
	[AC_INLINE] = "inline", [AC_POOL] = "pool", [AC_HASH] = "hash",
	[AC_READ] = "read"
};

/*
 * Matches r->path against pattern, segment by segment.  On a match the
 * path is copied to scratch, split there, and the {name} segments become
 * the request's variables.  Returns 1 on a match.
 */
static int
match(struct ac_req *r, const char *pattern, char *scratch)
{
	const char	*p = pattern;
	char		*s, *ends[AC_MAXVARS];
	size_t		 nv = 0, plen, slen, i;

	r->nvars = 0;
	if (strcmp(pattern, "*") == 0)
		return 1;
	strcpy(scratch, r->path);
	s = scratch;
	while (*p == '/' && *s == '/') {
		p++, s++;
		plen = strcspn(p, "/");
		slen = strcspn(s, "/");
		if (plen > 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || nv == AC_MAXVARS ||
			    plen - 2 >= sizeof(r->varnames[0]))
				return 0;
			memcpy(r->varnames[nv], p + 1, plen - 2);
			r->varnames[nv][plen - 2] = '\0';
			r->varval[nv] = s;
			ends[nv++] = s + slen;
		} else if (plen != slen || strncmp(p, s, plen) != 0)
			return 0;
		p += plen;
		s += slen;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	for (i = 0; i < nv; i++) {
		*ends[i] = '\0';
		r->varname[i] = r->varnames[i];
		if (ac_pct_decode(r->varval[i]) == -1)
			return 0;
	}
	r->nvars = nv;
	return 1;
}

static enum ac_method
parse_method(const char *m)
{
	size_t	 i;

	if (m == NULL)
		return AC_METHOD__MAX;
	for (i = 0; i < AC_METHOD__MAX; i++)
		if (strcmp(m, ac_methods[i]) == 0)
			return (enum ac_method)i;
	return AC_METHOD__MAX;
}

/* The path the client sent, without the query, into r->path. */
static int
fill_path(struct ac_req *r)
{
	const char	*u, *q;
	size_t		 n;

	if ((u = ac_req_param(r, "REQUEST_URI")) != NULL) {
		q = strchr(u, '?');
		n = q != NULL ? (size_t)(q - u) : strlen(u);
		if (n == 0 || n >= sizeof(r->path))
			return -1;
		memcpy(r->path, u, n);
		r->path[n] = '\0';
		return 0;
	}
	/* Plain CGI without REQUEST_URI: SCRIPT_NAME + PATH_INFO. */
	n = (size_t)snprintf(r->path, sizeof(r->path), "%s%s",
	    (u = ac_req_param(r, "SCRIPT_NAME")) != NULL ? u : "",
	    (q = ac_req_param(r, "PATH_INFO")) != NULL ? q : "");
	if (n >= sizeof(r->path))
		return -1;
	if (n == 0)
		strcpy(r->path, "/");
	return 0;
}

/*
 * CORS: a listed origin gets itself back with credentials; any other
 * origin gets nothing, so the browser refuses to share the answer.
 */
static void
cors(struct ac_req *r)
{
	const char	*o = ac_req_param(r, "HTTP_ORIGIN");

	if (o == NULL)
		return;
	ac_req_header(r, "Vary", "Origin");
	if (!ac_parse_origin_listed(r->app->cfg.allowed_origins, o))
		return;
	r->origin = o;
	ac_req_header(r, "Access-Control-Allow-Origin", o);
	ac_req_header(r, "Access-Control-Allow-Credentials", "true");
}

/* Non-zero when route rt answers a request with method m. */
static int
method_fits(const struct ac_route *rt, enum ac_method m, int authorizer)
{

	return rt->method == AC_ANY || authorizer || rt->method == m ||
	    (rt->method == AC_GET && m == AC_HEAD);
}

enum ac_class
ac_route_class(struct ac_req *r, const struct ac_route *routes,
    size_t nroutes)
{
	static __thread char scratch[AC_MAXPATH];
	const char	*role = ac_req_param(r, "FCGI_ROLE");
	enum ac_method	 m = parse_method(ac_req_param(r, "REQUEST_METHOD"));
	int		 authorizer;
	size_t		 i;

	authorizer = role != NULL && strcmp(role, "AUTHORIZER") == 0;
	if (fill_path(r) == -1)
		return AC_INLINE;
	if (ac_ops_class(r, r->app) != AC_INLINE)
		return AC_POOL;
	for (i = 0; i < nroutes; i++)
		if (match(r, routes[i].pattern, scratch) &&
		    method_fits(&routes[i], m, authorizer))
			return routes[i].cls;
	return AC_INLINE;
}

static long
elapsed_us(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

void
ac_route_handle(struct ac_req *r, const struct ac_route *routes,
    size_t nroutes)
{
	static __thread char scratch[AC_MAXPATH];
	char		 allow[128], path[256], remote[64];
	const char	*role;
	size_t		 i, n;
	int		 pathmatch = 0, seen[AC_METHOD__MAX];
	const struct ac_route *hit = NULL;
	enum ac_reason	 rc = AC_OK;
	enum ac_loglevel lvl;
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ac_ops_begin(r);
	/* auth_db_queries_total{method}: "other" until ac_req_auth says. */
	ac_metrics_dbmethod(AC_DBQ_OTHER);
	memset(seen, 0, sizeof(seen));
	role = ac_req_param(r, "FCGI_ROLE");
	r->authorizer = role != NULL && strcmp(role, "AUTHORIZER") == 0;
	r->method = parse_method(ac_req_param(r, "REQUEST_METHOD"));
	cors(r);
	if (fill_path(r) == -1) {
		strcpy(r->path, "-");
		rc = AC_NOT_FOUND;
		goto out;
	}
	/* /healthz, /readyz, /metrics: before any route (verify's "*"). */
	if (ac_ops_route(r, r->app, &rc))
		goto out;
	for (i = 0; i < nroutes; i++) {
		if (!match(r, routes[i].pattern, scratch))
			continue;
		pathmatch = 1;
		if (method_fits(&routes[i], r->method, r->authorizer)) {
			hit = &routes[i];
			break;
		}
		if (routes[i].method != AC_ANY)
			seen[routes[i].method] = 1;
	}
	if (hit == NULL) {
		r->nvars = 0;
		if (!pathmatch) {
			rc = AC_NOT_FOUND;
			goto out;
		}
		seen[AC_OPTIONS] = 1;
		if (seen[AC_GET])
			seen[AC_HEAD] = 1;
		for (i = 0, n = 0; i < AC_METHOD__MAX; i++)
			if (seen[i])
				n += (size_t)snprintf(allow + n,
				    sizeof(allow) - n, "%s%s", n ? ", " : "",
				    ac_methods[i]);
		ac_req_header(r, "Allow", allow);
		if (r->method == AC_OPTIONS && r->origin != NULL &&
		    ac_req_param(r, "HTTP_ACCESS_CONTROL_REQUEST_METHOD") !=
		    NULL) {
			ac_req_header(r, "Access-Control-Allow-Methods", allow);
			ac_req_header(r, "Access-Control-Allow-Headers",
			    "Authorization, Content-Type");
			ac_req_header(r, "Access-Control-Max-Age", "600");
		}
		if (r->method == AC_OPTIONS) {
			ac_req_respond(r, 204, NULL, NULL, 0);
			goto out;
		}
		rc = AC_METHOD_NOT_ALLOWED;
		goto out;
	}
	rc = hit->handler(r, r->app);
out:
	if (rc != AC_OK && r->status == 0)
		ac_req_error(r, rc);
	else if (r->status == 0)
		ac_req_respond(r, 204, NULL, NULL, 0);
	lvl = rc == AC_OK || ac_ops_quiet() ? AC_LOG_DEBUG : AC_LOG_INFO;
	if (ac_log_enabled(lvl)) {
		ac_log_clean(path, sizeof(path), r->path);
		ac_log_clean(remote, sizeof(remote),
		    ac_req_param(r, "REMOTE_ADDR"));
		ac_log(lvl,
		    "event=request method=%s path=%s status=%d reason=%s "
		    "remote=%s us=%ld%s%s",
		    r->method < AC_METHOD__MAX ? ac_methods[r->method] :
		    "other", path, r->status, ac_reason_str(rc), remote,
		    elapsed_us(&t0), r->authmethod != NULL ? " auth_method=" :
		    "", r->authmethod != NULL ? r->authmethod : "");
	}
	ac_ops_end(r, r->status);
}
