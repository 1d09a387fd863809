/*
 * http.h: the HTTP layers (req.c, body.c, docs.c, cookie.c,
 * reqauth.c, auth.c, ops.c, scrape.c, route.c): the request object
 * behind ac.h's struct ac_req, the response writer, the route path, the
 * token sources, the router and the operations routes.  Files of
 * src/core from req.c up may include it; so may tests.  It includes
 * metrics.h, whose enum ac_dbq a request carries.
 *
 * A request talks to its transport (FastCGI, plain CGI) through two
 * functions, so nothing above serve.c knows which one it is.
 */
#ifndef AC_HTTP_H
#define AC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ac.h"
#include "metrics.h"	/* enum ac_dbq, in struct ac_req */

#define AC_MAXVARS	4

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
	 * What the engine found wrong before the request ran (a log line's
	 * words, borrowed), logged by ac_ops_begin once the request has its
	 * id, so that the line carries its rid= too; NULL: nothing.
	 */
	const char	*why;
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

/*
 * req.c: the route path of the request (r->envp, r->app) into path (n
 * bytes) and its mount point into base (bn bytes): the rule is written
 * above the function.  0, or -1 when the request has no usable path.
 */
int		 ac_req_route_path(const struct ac_req *, char *path, size_t n,
		    char *base, size_t bn);

/* auth.c */
/*
 * Extracts the Bearer token of the Authorization header.  AC_OK sets
 * *tok and *len (borrowed); otherwise AC_TOKEN_MISSING,
 * AC_AUTH_SCHEME_UNSUPPORTED or AC_AUTH_HEADER_MALFORMED.
 */
enum ac_reason	 ac_req_bearer(const struct ac_req *, const char **tok,
		    size_t *len);
/* reqauth.c */
/*
 * AUTH_REQUIRE (and for a write AUTH_REQUIRE_WRITE), from the request's
 * parameters or the configured default, against tok's claims: AC_OK,
 * AC_INSUFFICIENT_SCOPE (the request then carries the challenge's
 * scope), AC_CONFIG_INVALID when malformed (logged) or AC_NOMEM.
 */
enum ac_reason	 ac_req_require(struct ac_req *, const struct ac_app *,
		    const struct ac_token *);

/* Non-zero when the request came over https (HTTPS=on, REQUEST_SCHEME). */
int		 ac_req_https(const struct ac_req *);

/* ops.c */
/*
 * The engine's calls around each request, on the thread that runs it:
 * begin sets the request's id, client, start and query method (struct
 * ac_req) and points the thread's log, audit and metrics at them; end
 * counts the answer and clears those pointers.  Always in pairs.
 */
void		 ac_ops_begin(struct ac_req *);
void		 ac_ops_end(struct ac_req *, int status);
/*
 * The start-up check of a serving program (JWKS_REQUIRED): NULL when it
 * may serve, else the problem, written into buf.
 */
const char	*ac_ops_start(const struct ac_app *, const char *prog,
		    char *buf, size_t n);
/*
 * ops.c: once the listening socket is known (lfd, or -1 for plain CGI)
 * and before workers are forked: maps the figures file.  -1: logged.
 */
int		 ac_ops_listen(const struct ac_app *, int lfd);
/*
 * ops.c: the operations routes (/healthz, /readyz, METRICS_PATH when
 * metrics are on) into out, matched before a program's own; returns how
 * many.  /readyz and metrics take the pool in a program with a database.
 */
#define AC_OPS_MAXROUTES	3
size_t		 ac_ops_routes(const struct ac_app *,
		    struct ac_route out[AC_OPS_MAXROUTES]);

/* scrape.c */
/* The exposition text (caller frees), or NULL. */
char		*ac_metrics_text(const struct ac_app *, size_t *len);

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

#endif /* !AC_HTTP_H */
