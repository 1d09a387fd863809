/*
 * route.c: the router.  Matches a request once (ac_route_match) on its
 * route path (req.c's ac_req_route_path: the mount point taken off),
 * the operations routes of ops.c first, then the program's table; and
 * answers it along that match (ac_route_answer), on whichever thread
 * runs it: 404, 405 and OPTIONS itself, the CORS headers, the handler,
 * a non-OK reason turned into the JSON error envelope, the log line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "base.h"
#include "http.h"

const char *const ac_classes[AC_CLASS__MAX] = {
	[AC_INLINE] = "inline", [AC_POOL] = "pool", [AC_HASH] = "hash",
	[AC_READ] = "read"
};

/*
 * Matches m->path against pattern, segment by segment.  On a match the
 * path is copied to m->vals, split there, and the {name} segments
 * become the variables, decoded.  Returns 1 on a match.
 */
static int
match(struct ac_match *m, const char *pattern)
{
	const char	*p = pattern;
	char		*s, *ends[AC_MAXVARS];
	size_t		 nv = 0, plen, slen, i;

	m->nvars = 0;
	if (strcmp(pattern, "*") == 0)
		return 1;
	strcpy(m->vals, m->path);
	s = m->vals;
	while (*p == '/' && *s == '/') {
		p++, s++;
		plen = strcspn(p, "/");
		slen = strcspn(s, "/");
		if (plen > 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || nv == AC_MAXVARS ||
			    plen - 2 >= sizeof(m->varname[0]))
				return 0;
			memcpy(m->varname[nv], p + 1, plen - 2);
			m->varname[nv][plen - 2] = '\0';
			m->varoff[nv] = (size_t)(s - m->vals);
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
		if (ac_pct_decode(m->vals + m->varoff[i]) == -1)
			return 0;
	}
	m->nvars = nv;
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

/*
 * Looks for the route of m->path among n routes: the first whose path
 * and method fit is taken; the methods of those whose path fits are
 * noted for a 405's Allow.  1 when taken.
 */
static int
take(struct ac_match *m, const struct ac_route *routes, size_t n,
    enum ac_method meth, int authorizer)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (!match(m, routes[i].pattern))
			continue;
		m->pathmatch = 1;
		if (method_fits(&routes[i], meth, authorizer)) {
			m->hit = routes[i];
			m->found = 1;
			return 1;
		}
		if (routes[i].method != AC_ANY)
			m->seen |= 1u << routes[i].method;
	}
	m->nvars = 0;
	return 0;
}

enum ac_class
ac_route_match(struct ac_req *r, const struct ac_route *routes,
    size_t nroutes, struct ac_match *m)
{
	struct ac_route	 ops[AC_OPS_MAXROUTES];
	const char	*role = ac_req_param(r, "FCGI_ROLE");
	enum ac_method	 meth = parse_method(ac_req_param(r, "REQUEST_METHOD"));
	int		 authorizer;

	authorizer = role != NULL && strcmp(role, "AUTHORIZER") == 0;
	m->found = m->ops = m->bad = m->pathmatch = 0;
	m->seen = 0;
	m->nvars = 0;
	if (ac_req_route_path(r, m->path, sizeof(m->path), m->base,
	    sizeof(m->base)) == -1) {
		m->bad = 1;
		m->path[0] = m->base[0] = '\0';
		return AC_INLINE;
	}
	/*
	 * /healthz, /readyz, /metrics before any route (verify's "*"),
	 * never as an authorization check: a 200 there would open whatever
	 * the web server guards at /healthz.
	 */
	if (!authorizer && ac_req_param(r, "AUTH_REQUEST") == NULL &&
	    take(m, ops, ac_ops_routes(r->app, ops), meth, 0)) {
		m->ops = 1;
		return m->hit.cls;
	}
	if (m->pathmatch) {
		/* An operations path with another method: 405 there. */
		m->ops = 1;
		return AC_INLINE;
	}
	if (take(m, routes, nroutes, meth, authorizer))
		return m->hit.cls;
	return AC_INLINE;
}

static long
elapsed_us(uint64_t t0)
{

	return (long)((ac_clock_ns() - t0) / 1000);
}

void
ac_route_answer(struct ac_req *r, const struct ac_match *m)
{
	char		 allow[128], path[256];
	const char	*role;
	size_t		 i, n;
	enum ac_reason	 rc = AC_OK;
	enum ac_loglevel lvl;
	uint64_t	 t0 = ac_clock_ns();

	r->match = m;
	ac_ops_begin(r);
	role = ac_req_param(r, "FCGI_ROLE");
	r->authorizer = role != NULL && strcmp(role, "AUTHORIZER") == 0;
	r->method = parse_method(ac_req_param(r, "REQUEST_METHOD"));
	cors(r);
	if (m->bad) {
		rc = AC_NOT_FOUND;
		goto out;
	}
	if (!m->found) {
		if (!m->pathmatch) {
			rc = AC_NOT_FOUND;
			goto out;
		}
		n = 0;
		allow[0] = '\0';
		for (i = 0; i < AC_METHOD__MAX; i++)
			if ((m->seen & (1u << i)) || i == AC_OPTIONS ||
			    (i == AC_HEAD && (m->seen & (1u << AC_GET))))
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
	rc = m->hit.handler(r, r->app);
out:
	if (rc != AC_OK && r->status == 0)
		ac_req_error(r, rc);
	else if (r->status == 0)
		ac_req_respond(r, 204, NULL, NULL, 0);
	/* Operations paths are polled: at debug, whatever the answer. */
	lvl = rc == AC_OK || m->ops ? AC_LOG_DEBUG : AC_LOG_INFO;
	if (ac_log_enabled(lvl)) {
		ac_log_clean(path, sizeof(path), m->bad ? "-" : m->path);
		ac_log(lvl,
		    "event=request method=%s path=%s%s%s status=%d reason=%s "
		    "remote=%s us=%ld%s%s",
		    r->method < AC_METHOD__MAX ? ac_methods[r->method] :
		    "other", path, m->base[0] != '\0' ? " base=" : "",
		    m->base, r->status, ac_reason_str(rc), r->remote,
		    elapsed_us(t0), r->authmethod != NULL ? " auth_method=" :
		    "", r->authmethod != NULL ? r->authmethod : "");
	}
	ac_ops_end(r, r->status);
	r->match = NULL;
}

void
ac_route_handle(struct ac_req *r, const struct ac_route *routes,
    size_t nroutes)
{
	struct ac_match	*m;

	if ((m = malloc(sizeof(*m))) == NULL) {
		ac_log(AC_LOG_ERROR, "event=nomem where=route");
		ac_req_error(r, AC_NOMEM);
		return;
	}
	ac_route_match(r, routes, nroutes, m);
	ac_route_answer(r, m);
	free(m);
}
