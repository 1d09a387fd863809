/*
 * http.h: the HTTP side of the core, shared by req.c (the request object
 * and response writer), parse.c (input parsers), route.c (the router and
 * CORS) and serve.c (the process model).  Programs include ac.h only.
 *
 * A request talks to its transport (FastCGI, plain CGI) through two
 * functions, so nothing above serve.c knows which one it is.
 */
#ifndef AC_HTTP_H
#define AC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define AC_MAXPATH	2048
#define AC_MAXHDRS	4096
#define AC_MAXRID	64	/* a request id's bytes (ops.c) */

struct ac_store;

/*
 * A request's route, worked out once where the request arrives
 * (ac_route_match) and carried to the thread that answers it (loop.c):
 * the route path and mount point (ac_req_route_path), the route taken
 * and its path variables.  It holds no pointer into itself, so a copy
 * is as good as the original.
 */
struct ac_match {
	struct ac_route	 hit;		/* the route taken, when found */
	int		 found;
	int		 ops;		/* hit is an operations route (ops.c) */
	int		 bad;		/* no usable path: 404 */
	unsigned	 seen;		/* bit per method of routes on the path */
	int		 pathmatch;	/* some route has this path */
	size_t		 nvars;
	char		 varname[AC_MAXVARS][32];
	size_t		 varoff[AC_MAXVARS];	/* into vals */
	char		 base[256];	/* the mount point; "" at the root */
	char		 path[AC_MAXPATH];	/* the route path */
	char		 vals[AC_MAXPATH];	/* path split, variables decoded */
};

struct ac_req {
	/* The transport, set by serve.c. */
	void		*io;
	/* Appends response bytes. */
	void		(*io_write)(void *io, const char *, size_t);
	/* Reads up to n body bytes; 0 at the end or on error. */
	size_t		(*io_read)(void *io, char *, size_t n);
	char		**envp;		/* "NAME=value", NULL-terminated */
	const struct ac_app *app;
	enum ac_method	 method;
	int		 authorizer;	/* FCGI_ROLE=AUTHORIZER */
	const struct ac_match *match;	/* the route; NULL before routing */
	char		 hdrs[AC_MAXHDRS];
	size_t		 hdrslen;
	int		 hdrsfull;	/* a header did not fit: answer 500 */
	json_object	*details;
	json_object	*vdetails;	/* FastAPI's list (ac_req_invalid) */
	enum ac_reason	 authfail;	/* why ac_req_auth failed */
	char		 authdetail[128];
	char		 reqscope[256];	/* insufficient_scope: scope="..." */
	const char	*authmethod;	/* "jwt", "session" or NULL */
	const char	*csp;		/* a page's own CSP, or NULL */
	int		 status;	/* sent, or 0 */
	struct ac_store	**storep;	/* this thread's connection */
	char		*body;		/* read on demand */
	size_t		 bodylen;
	int		 bodyread;
	json_object	*jsonbody;
	struct ac_secret *secrets;	/* ac_req_secret's, newest first */
	const char	*origin;	/* allowed CORS origin, or NULL */
	uint64_t	 arrived;	/* ac_metrics_clock() at arrival; 0: now */
	/*
	 * The request's own state, set by ac_ops_begin and cleared by
	 * ac_ops_end (ops.c).  The layers below that log or count without
	 * the request in hand borrow these fields through the thread's one
	 * pointer each (log.c, audit.c, metrics.c) while it runs.
	 */
	char		 rid[AC_MAXRID + 1]; /* its id (log lines' rid=) */
	char		 remote[64];	/* REMOTE_ADDR, cleaned; "-": none */
	uint64_t	 t0;		/* the metrics clock at its arrival */
	enum ac_dbq	 dbq;		/* what its statements serve (metrics) */
};

/* req.c */
extern const char *const ac_methods[AC_METHOD__MAX];
/* Sends the status line, headers and body (once per request). */
void		 ac_req_respond(struct ac_req *, int status,
		    const char *ctype, const char *body, size_t len);
/* The JSON error envelope for reason, with its challenge headers. */
void		 ac_req_error(struct ac_req *, enum ac_reason);
/* Releases what the request holds, ready for the next one. */
void		 ac_req_reset(struct ac_req *);

/* parse.c: input parsers; no transport in them. */
/* The byte of a "%XX" escape at p, or -1. */
int		 ac_pct_byte(const char *p);
/* Percent-decodes in place; -1 on a bad escape or an encoded NUL. */
int		 ac_pct_decode(char *);
/* Non-zero when the n bytes at s are UTF-8 (RFC 3629). */
int		 ac_utf8_valid(const char *s, size_t n);
/* The bearer token of an Authorization header value (see ac_req_bearer). */
enum ac_reason	 ac_parse_bearer(const char *header, const char **tok,
		    size_t *len);
/* Non-zero when the Content-Type value ct is mime (parameters ignored). */
int		 ac_parse_content_type(const char *ct, const char *mime);
/* Looks name up in a "NAME=value" array (NULL-terminated). */
const char	*ac_parse_env(char **envp, const char *name);
/* Non-zero when origin is in list (comma or space separated). */
int		 ac_parse_origin_listed(const char *list, const char *origin);
/*
 * METRICS_ALLOW: 1 when addr is in list (addresses and CIDR blocks,
 * comma-separated), 0 when not (or addr is NULL), -1 when an entry of
 * list is malformed, whatever addr.
 */
int		 ac_parse_addr_listed(const char *list, const char *addr);

/*
 * req.c: the route path of the request (r->envp, r->app) into path (n
 * bytes) and its mount point into base (bn bytes): the rule is written
 * above the function.  0, or -1 when the request has no usable path.
 */
int		 ac_req_route_path(const struct ac_req *, char *path, size_t n,
		    char *base, size_t bn);

/* route.c: matches the route table and answers the request. */
/* Each class's name: its threads' (loop.c) and `--routes` (serve.c). */
extern const char *const ac_classes[AC_CLASS__MAX];
/*
 * Works out the request's route once, into m: its path, then the
 * operations routes (ops.c) and the program's.  Returns the class of
 * the route taken (AC_INLINE when none: a 404 or 405 is answered
 * inline).  r needs envp and app only.
 */
enum ac_class	 ac_route_match(struct ac_req *, const struct ac_route *,
		    size_t nroutes, struct ac_match *m);
/* Answers the request along m (borrowed until it returns). */
void		 ac_route_answer(struct ac_req *, const struct ac_match *m);
/* Both in one (plain CGI, the tests). */
void		 ac_route_handle(struct ac_req *, const struct ac_route *,
		    size_t nroutes);

/*
 * ops.c: the operations routes (/healthz, /readyz, METRICS_PATH when
 * metrics are on) into out, matched before a program's own; returns how
 * many.  /readyz and metrics take the pool in a program with a database.
 */
#define AC_OPS_MAXROUTES	3
size_t		 ac_ops_routes(const struct ac_app *,
		    struct ac_route out[AC_OPS_MAXROUTES]);

/* loop.c: one worker process's event loop on listening socket fd. */
int		 ac_loop_run(struct ac_app *, int fd, const struct ac_route *,
		    size_t nroutes);

#endif /* !AC_HTTP_H */
