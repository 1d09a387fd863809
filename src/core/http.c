/*
 * http.c: the FastCGI (and plain CGI) side of every program.
 *
 * ac_http_serve() owns the accept loop: a few threads per process, each
 * in its own FCGX_Accept_r() loop, so one process can hold several kept
 * connections; or, when the program was not started as FastCGI, one
 * request read from the environment and stdio.  For each request it
 * matches the route table on the path the client sent (REQUEST_URI),
 * answers 404, 405 and OPTIONS itself, calls the handler and turns a
 * non-OK reason into the JSON error envelope.  Responses always carry the
 * security headers; errors never carry any part of a token.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "ac.h"
#include "extern.h"

#define AC_MAXPATH	2048
#define AC_MAXHDRS	4096

extern char **environ;

struct ac_req {
	FCGX_Request	*fr;		/* NULL in CGI mode */
	char		**envp;
	const struct ac_app *app;
	enum ac_method	 method;
	int		 authorizer;	/* FCGI_ROLE=AUTHORIZER */
	char		 path[AC_MAXPATH];
	const char	*varname[AC_MAXVARS];
	char		*varval[AC_MAXVARS];
	char		 varnames[AC_MAXVARS][32];
	size_t		 nvars;
	char		 hdrs[AC_MAXHDRS];
	size_t		 hdrslen;
	json_object	*details;
	enum ac_reason	 authfail;	/* why ac_req_auth failed */
	char		 authdetail[128];
	int		 status;	/* sent, or 0 */
	struct ac_store	**storep;	/* this thread's connection */
	char		*body;		/* read on demand */
	size_t		 bodylen;
	int		 bodyread;
	json_object	*jsonbody;
	const char	*origin;	/* allowed CORS origin, or NULL */
};

static const char *const methods[AC_METHOD__MAX] = {
	[AC_GET] = "GET", [AC_HEAD] = "HEAD", [AC_POST] = "POST",
	[AC_PUT] = "PUT", [AC_PATCH] = "PATCH", [AC_DELETE] = "DELETE",
	[AC_OPTIONS] = "OPTIONS",
};

static const char security_headers[] =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
    "Referrer-Policy: no-referrer\r\n";

static void
put(struct ac_req *r, const char *s, size_t len)
{

	if (r->fr != NULL)
		FCGX_PutStr(s, (int)len, r->fr->out);
	else
		fwrite(s, 1, len, stdout);
}

enum ac_method
ac_req_method(const struct ac_req *r)
{

	return r->method;
}

const char *
ac_req_path(const struct ac_req *r)
{

	return r->path;
}

const char *
ac_req_param(const struct ac_req *r, const char *name)
{

	return FCGX_GetParam(name, r->envp);
}

const char *
ac_req_var(const struct ac_req *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->varname[i], name) == 0)
			return r->varval[i];
	return NULL;
}

int
ac_req_is_authorizer(const struct ac_req *r)
{

	return r->authorizer;
}

void
ac_req_header(struct ac_req *r, const char *name, const char *value)
{
	size_t	 i, n = r->hdrslen;
	int	 w;

	w = snprintf(r->hdrs + n, sizeof(r->hdrs) - n, "%s: %s\r\n", name,
	    value);
	if (w < 0 || (size_t)w >= sizeof(r->hdrs) - n) {
		r->hdrs[n] = '\0';
		ac_log(AC_LOG_WARN, "event=header_dropped name=%s", name);
		return;
	}
	/* No header splitting: control bytes in a value become spaces. */
	for (i = n + strlen(name) + 2; i < n + (size_t)w - 2; i++)
		if ((unsigned char)r->hdrs[i] < 0x20 || r->hdrs[i] == 0x7f)
			r->hdrs[i] = ' ';
	r->hdrslen += (size_t)w;
}

void
ac_req_detail(struct ac_req *r, const char *field, const char *message)
{
	json_object	*o;

	if (r->details == NULL && (r->details = json_object_new_array()) == NULL)
		return;
	if ((o = json_object_new_object()) == NULL)
		return;
	json_object_object_add(o, "field", json_object_new_string(field));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_array_add(r->details, o);
}

static void
respond(struct ac_req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	char	 head[256];
	int	 n;

	if (r->status != 0)
		return;
	r->status = status;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n", status,
	    ac_status_text(status));
	put(r, head, (size_t)n);
	put(r, security_headers, sizeof(security_headers) - 1);
	put(r, r->hdrs, r->hdrslen);
	if (ctype != NULL) {
		n = snprintf(head, sizeof(head), "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n", ctype, len);
		put(r, head, (size_t)n);
	}
	put(r, "\r\n", 2);
	if (body != NULL && r->method != AC_HEAD && status != 204 &&
	    status != 304)
		put(r, body, len);
}

void
ac_req_json(struct ac_req *r, int status, json_object *o)
{
	const char	*s;
	size_t		 len;

	if (o == NULL) {
		respond(r, status, NULL, NULL, 0);
		return;
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	respond(r, status, "application/json", s, len);
}

enum ac_reason
ac_req_store(struct ac_req *r, struct ac_store **out)
{
	char		 err[512];
	enum ac_reason	 rc;

	if (*r->storep != NULL) {
		*out = *r->storep;
		return AC_OK;
	}
	if ((rc = ac_store_open(r->app, 1, r->storep, err,
	    sizeof(err))) != AC_OK) {
		ac_log(AC_LOG_ERROR, "event=store_unavailable error=\"%s\"",
		    err);
		return rc == AC_CONFIG_INVALID ? AC_UNAVAILABLE : rc;
	}
	*out = *r->storep;
	return AC_OK;
}

enum ac_reason
ac_req_body(struct ac_req *r, const char **body, size_t *len)
{
	const char	*cl;
	char		*end;
	long long	 n;
	size_t		 off = 0;
	int		 got;

	if (!r->bodyread) {
		r->bodyread = 1;
		cl = ac_req_param(r, "CONTENT_LENGTH");
		n = 0;
		if (cl != NULL && *cl != '\0') {
			n = strtoll(cl, &end, 10);
			if (*end != '\0' || n < 0)
				return AC_BODY_MALFORMED;
		}
		if (n > r->app->cfg.max_body)
			return AC_BODY_TOO_LARGE;
		if ((r->body = malloc((size_t)n + 1)) == NULL)
			return AC_NOMEM;
		while (off < (size_t)n) {
			if (r->fr != NULL)
				got = FCGX_GetStr(r->body + off,
				    (int)((size_t)n - off), r->fr->in);
			else
				got = (int)fread(r->body + off, 1,
				    (size_t)n - off, stdin);
			if (got <= 0)
				break;
			off += (size_t)got;
		}
		if (off != (size_t)n) {
			free(r->body);
			r->body = NULL;
			return AC_BODY_MALFORMED;
		}
		r->body[off] = '\0';
		r->bodylen = off;
	} else if (r->body == NULL)
		return AC_BODY_MALFORMED;
	*body = r->body;
	*len = r->bodylen;
	return AC_OK;
}

/* Non-zero when CONTENT_TYPE is mime (parameters such as charset ignored). */
int
ac_req_content_type(const struct ac_req *r, const char *mime)
{
	const char	*ct = ac_req_param(r, "CONTENT_TYPE");
	size_t		 n = strlen(mime);

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, mime, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

enum ac_reason
ac_req_json_body(struct ac_req *r, json_object **out)
{
	json_tokener	*jt;
	const char	*b;
	size_t		 len;
	enum ac_reason	 rc;

	*out = NULL;
	if (r->jsonbody != NULL) {
		*out = r->jsonbody;
		return AC_OK;
	}
	if (!ac_req_content_type(r, "application/json"))
		return AC_MEDIA_TYPE_UNSUPPORTED;
	if ((rc = ac_req_body(r, &b, &len)) != AC_OK)
		return rc;
	if (len == 0 || memchr(b, '\0', len) != NULL ||
	    (jt = json_tokener_new_ex(16)) == NULL)
		return AC_BODY_MALFORMED;
	json_tokener_set_flags(jt, JSON_TOKENER_STRICT);
	r->jsonbody = json_tokener_parse_ex(jt, b, (int)len);
	if (r->jsonbody == NULL ||
	    json_tokener_get_error(jt) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(jt) != len ||
	    !json_object_is_type(r->jsonbody, json_type_object)) {
		json_object_put(r->jsonbody);
		r->jsonbody = NULL;
		json_tokener_free(jt);
		ac_req_detail(r, "body", "expected a JSON object");
		return AC_BODY_MALFORMED;
	}
	json_tokener_free(jt);
	*out = r->jsonbody;
	return AC_OK;
}

/* The byte of a "%XX" escape at p, or -1. */
static int
pct_byte(const char *p)
{
	int	 hi, lo;

	if (p[0] != '%' || !isxdigit((unsigned char)p[1]) ||
	    !isxdigit((unsigned char)p[2]))
		return -1;
	hi = isdigit((unsigned char)p[1]) ? p[1] - '0' : (p[1] | 0x20) - 'a' + 10;
	lo = isdigit((unsigned char)p[2]) ? p[2] - '0' : (p[2] | 0x20) - 'a' + 10;
	return hi << 4 | lo;
}

/*
 * Finds name in a "a=1&b=2" (sep '&') or "a=1; b=2" (sep ';') string and
 * copies its value, percent-decoded when decode, into out.  Returns the
 * value's length, or -1 when absent or too long.
 */
long
ac_kv_find(const char *s, char sep, const char *name, int decode, char *out,
    size_t outsz)
{
	size_t		 n = strlen(name), o = 0;
	const char	*p, *v;
	int		 c;

	for (p = s; p != NULL && *p != '\0';
	    p = (p = strchr(p, sep)) != NULL ? p + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (strncmp(p, name, n) != 0 || p[n] != '=')
			continue;
		for (v = p + n + 1; *v != '\0' && *v != sep; v++) {
			if (o + 1 >= outsz)
				return -1;
			if (decode && *v == '+')
				out[o++] = ' ';
			else if (decode && *v == '%') {
				if ((c = pct_byte(v)) == -1)
					return -1;
				out[o++] = (char)c;
				v += 2;
			} else
				out[o++] = *v;
		}
		out[o] = '\0';
		return (long)o;
	}
	return -1;
}

long
ac_req_query(const struct ac_req *r, const char *name, char *out,
    size_t outsz)
{
	const char	*q = ac_req_param(r, "QUERY_STRING");

	return q == NULL ? -1 : ac_kv_find(q, '&', name, 1, out, outsz);
}

long
ac_req_cookie(const struct ac_req *r, const char *name, char *out,
    size_t outsz)
{
	const char	*c = ac_req_param(r, "HTTP_COOKIE");

	return c == NULL ? -1 : ac_kv_find(c, ';', name, 0, out, outsz);
}

/* Quotes s for an auth-param value: only printable ASCII, no '"' or '\'. */
static void
quoted(char *dst, size_t n, const char *s)
{
	size_t	 i;

	for (i = 0; i + 1 < n && s[i] != '\0'; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' &&
		    s[i] != '\\') ? s[i] : ' ';
	dst[i] = '\0';
}

/*
 * The error envelope.  For 401 (and the 400 of a malformed Authorization
 * header) adds the RFC 6750 challenge: no error attribute when the client
 * sent no bearer credentials at all.
 */
static void
send_error(struct ac_req *r, enum ac_reason reason)
{
	json_object	*o, *e;
	char		 www[512], desc[256];
	int		 status = ac_reason_status(reason);

	/* A handler may have set its own challenge (introspection: Basic). */
	if ((status == 401 || reason == AC_AUTH_HEADER_MALFORMED) &&
	    strstr(r->hdrs, "WWW-Authenticate:") == NULL) {
		quoted(desc, sizeof(desc), ac_reason_message(reason));
		if (reason == AC_TOKEN_MISSING ||
		    reason == AC_AUTH_SCHEME_UNSUPPORTED)
			snprintf(www, sizeof(www), "Bearer realm=\"api\"");
		else
			snprintf(www, sizeof(www), "Bearer realm=\"api\", "
			    "error=\"%s\", error_description=\"%s\"",
			    reason == AC_AUTH_HEADER_MALFORMED ?
			    "invalid_request" : "invalid_token", desc);
		ac_req_header(r, "WWW-Authenticate", www);
	}
	/* A handler may have said how long already (login throttling). */
	if ((status == 503 || status == 429) &&
	    strstr(r->hdrs, "Retry-After:") == NULL)
		ac_req_header(r, "Retry-After", "1");
	ac_req_header(r, "Cache-Control", "no-store");
	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code",
	    json_object_new_string(ac_status_code(status)));
	json_object_object_add(e, "reason",
	    json_object_new_string(ac_reason_str(reason)));
	json_object_object_add(e, "message",
	    json_object_new_string(ac_reason_message(reason)));
	json_object_object_add(e, "details", r->details != NULL ?
	    json_object_get(r->details) : json_object_new_array());
	json_object_object_add(o, "error", e);
	ac_req_json(r, status, o);
	json_object_put(o);
}

enum ac_reason
ac_req_bearer(const struct ac_req *r, const char **tok, size_t *len)
{
	const char	*h, *p;
	size_t		 i, n;

	*tok = NULL;
	*len = 0;
	if ((h = ac_req_param(r, "HTTP_AUTHORIZATION")) == NULL ||
	    *h == '\0')
		return AC_TOKEN_MISSING;
	while (*h == ' ')
		h++;
	if ((p = strchr(h, ' ')) == NULL) {
		/* A bare scheme name: "Bearer" alone is malformed. */
		return strcasecmp(h, "Bearer") == 0 ?
		    AC_AUTH_HEADER_MALFORMED : AC_AUTH_SCHEME_UNSUPPORTED;
	}
	if ((size_t)(p - h) != 6 || strncasecmp(h, "Bearer", 6) != 0)
		return AC_AUTH_SCHEME_UNSUPPORTED;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return AC_AUTH_HEADER_MALFORMED;
	/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~+/=", c) != NULL))
			return AC_AUTH_HEADER_MALFORMED;
	}
	*tok = p;
	*len = n;
	return AC_OK;
}

enum ac_reason
ac_req_auth(struct ac_req *r, const struct ac_app *app, struct ac_token *tok)
{
	const char	*t;
	size_t		 len;
	enum ac_reason	 rc;

	memset(tok, 0, sizeof(*tok));
	if ((rc = ac_req_bearer(r, &t, &len)) == AC_OK)
		rc = ac_token_verify(app, t, len, time(NULL), tok);
	if (rc != AC_OK) {
		r->authfail = rc;
		snprintf(r->authdetail, sizeof(r->authdetail), "%s",
		    tok->detail);
	}
	return rc;
}

/*
 * Percent-decodes a path segment in place (RFC 3986).  Refuses a bad
 * escape and an encoded NUL, so "a%40b" is the subject "a@b" and nothing
 * can smuggle a terminator past the router.
 */
static int
pct_decode(char *v)
{
	char	*o = v;
	int	 c;

	for (; *v != '\0'; v++) {
		if (*v != '%') {
			*o++ = *v;
			continue;
		}
		if ((c = pct_byte(v)) <= 0)
			return -1;
		*o++ = (char)c;
		v += 2;
	}
	*o = '\0';
	return 0;
}

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
		if (pct_decode(r->varval[i]) == -1)
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
		if (strcmp(m, methods[i]) == 0)
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

/* Non-zero when origin is listed in ALLOWED_ORIGINS (comma separated). */
static int
origin_allowed(const struct ac_app *app, const char *origin)
{
	const char	*p = app->cfg.allowed_origins, *e;
	size_t		 n = strlen(origin);

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		e = p + strcspn(p, ", ");
		if ((size_t)(e - p) == n && strncmp(p, origin, n) == 0)
			return 1;
		p = e;
	}
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
	if (!origin_allowed(r->app, o))
		return;
	r->origin = o;
	ac_req_header(r, "Access-Control-Allow-Origin", o);
	ac_req_header(r, "Access-Control-Allow-Credentials", "true");
}

static long
elapsed_us(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void
handle(struct ac_req *r, const struct ac_route *routes, size_t nroutes)
{
	static __thread char scratch[AC_MAXPATH];
	char		 allow[128], path[256], remote[64];
	const char	*role;
	size_t		 i, n;
	int		 pathmatch = 0, seen[AC_METHOD__MAX];
	const struct ac_route *hit = NULL;
	enum ac_reason	 rc = AC_OK;
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
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
	for (i = 0; i < nroutes; i++) {
		if (!match(r, routes[i].pattern, scratch))
			continue;
		pathmatch = 1;
		if (routes[i].method == AC_ANY || r->authorizer ||
		    routes[i].method == r->method ||
		    (routes[i].method == AC_GET && r->method == AC_HEAD)) {
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
				    methods[i]);
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
			respond(r, 204, NULL, NULL, 0);
			goto out;
		}
		rc = AC_METHOD_NOT_ALLOWED;
		goto out;
	}
	rc = hit->handler(r, r->app);
out:
	if (rc != AC_OK && r->status == 0)
		send_error(r, rc);
	else if (r->status == 0)
		respond(r, 204, NULL, NULL, 0);
	if (ac_log_enabled(rc == AC_OK ? AC_LOG_DEBUG : AC_LOG_INFO)) {
		ac_log_clean(path, sizeof(path), r->path);
		ac_log_clean(remote, sizeof(remote),
		    ac_req_param(r, "REMOTE_ADDR"));
		ac_log(rc == AC_OK ? AC_LOG_DEBUG : AC_LOG_INFO,
		    "event=request method=%s path=%s status=%d reason=%s "
		    "remote=%s us=%ld",
		    r->method < AC_METHOD__MAX ? methods[r->method] : "other",
		    path, r->status, ac_reason_str(rc), remote,
		    elapsed_us(&t0));
	}
}

static void
req_reset(struct ac_req *r)
{

	json_object_put(r->details);
	r->details = NULL;
	r->nvars = 0;
	r->hdrslen = 0;
	r->hdrs[0] = '\0';
	r->status = 0;
	r->authfail = AC_OK;
	r->authdetail[0] = '\0';
	free(r->body);
	r->body = NULL;
	r->bodylen = 0;
	r->bodyread = 0;
	json_object_put(r->jsonbody);
	r->jsonbody = NULL;
	r->origin = NULL;
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
		req_reset(r);
		r->fr = &fr;
		r->envp = fr.envp;
		r->app = w->app;
		handle(r, w->routes, w->nroutes);
		FCGX_Finish_r(&fr);
		__atomic_sub_fetch(&inflight, 1, __ATOMIC_RELAXED);
	}
	req_reset(r);
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
		r->envp = environ;
		r->app = app;
		r->storep = &store;
		handle(r, routes, nroutes);
		fflush(stdout);
		req_reset(r);
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
	int		 rc = 1;

	ac_log_setup(prog, AC_LOG_INFO, NULL, NULL);
	if ((app = ac_app_new()) == NULL) {
		ac_log(AC_LOG_ERROR, "event=nomem");
		return 1;
	}
	if (ac_app_load(app) != AC_OK) {
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
	if (ac_http_serve(app, routes, nroutes) == -1)
		ac_log(AC_LOG_ERROR, "event=serve_failed");
	else
		rc = 0;
out:
	ac_app_free(app);
	return rc;
}
