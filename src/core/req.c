/*
 * req.c: the request object and the response writer.  A request reads
 * its parameters and body, and writes its answer, through the transport
 * serve.c gave it (struct ac_req's io functions).  Responses always
 * carry the security headers; errors never carry any part of a token.
 */
#include "config.h"

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ac.h"
#include "base.h"
#include "store.h"
#include "http.h"

const char *const ac_methods[AC_METHOD__MAX] = {
	[AC_GET] = "GET", [AC_HEAD] = "HEAD", [AC_POST] = "POST",
	[AC_PUT] = "PUT", [AC_PATCH] = "PATCH", [AC_DELETE] = "DELETE",
	[AC_OPTIONS] = "OPTIONS",
};

static const char security_headers[] =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n";
/* Every answer's, unless a page sets its own (r->csp: docs.c). */
static const char default_csp[] =
    "default-src 'none'; frame-ancestors 'none'";

static void
put(struct ac_req *r, const char *s, size_t len)
{

	r->io_write(r->io, s, len);
}

enum ac_method
ac_req_method(const struct ac_req *r)
{

	return r->method;
}

const char *
ac_req_path(const struct ac_req *r)
{

	return r->match != NULL && !r->match->bad ? r->match->path : "-";
}

const char *
ac_req_base(const struct ac_req *r)
{

	if (r->match != NULL)
		return r->match->base;
	return r->app != NULL && r->app->cfg.base_path != NULL ?
	    r->app->cfg.base_path : "";
}

/*
 * The length of the prefix of the raw URL path u that, percent-decoded,
 * is sn, when all of u decoded is sn followed by pi; else -1.
 */
static long
script_prefix(const char *u, const char *sn, const char *pi)
{
	size_t	 sl = strlen(sn), pl = strlen(pi), i, j;
	long	 k = sl == 0 ? 0 : -1;
	int	 c;

	for (i = 0, j = 0; u[i] != '\0'; j++) {
		if (j == sl)
			k = (long)i;
		if (u[i] == '%') {
			if ((c = ac_pct_byte(u + i)) <= 0)
				return -1;
			i += 3;
		} else
			c = (unsigned char)u[i++];
		if (j >= sl + pl || c != (unsigned char)(j < sl ? sn[j] :
		    pi[j - sl]))
			return -1;
	}
	return j == sl + pl ? k : -1;
}

/* The file name of a path: what follows its last '/'. */
static const char *
last_segment(const char *p)
{
	const char	*s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/*
 * 1 when SCRIPT_FILENAME sf is a program's file: an executable regular
 * file.  lighttpd's prefix mounts and Apache's mod_proxy_fcgi send a
 * SCRIPT_NAME/SCRIPT_FILENAME pair that ends alike (/api/v1 and
 * DOCROOT/api/v1, or proxy:fcgi://...) though no program is named in the
 * URL; no such file exists there.  The last answer is kept per thread:
 * a server sends the same SCRIPT_FILENAME again and again.
 */
static int
program_file(const char *sf)
{
	static __thread char	 last[256];
	static __thread int	 lastok;
	struct stat		 st;
	int			 ok;

	if (strlen(sf) >= sizeof(last))
		return stat(sf, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) != 0;
	if (last[0] != '\0' && strcmp(last, sf) == 0)
		return lastok;
	ok = stat(sf, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0111) != 0;
	snprintf(last, sizeof(last), "%s", sf);
	lastok = ok;
	return ok;
}

/*
 * The route path, the one rule of every program (README, "Mount
 * points"); computed once per request (route.c):
 *
 * 1. The URL path U: REQUEST_URI up to '?' (an absolute-form URI
 *    loses its scheme and host).  It is what the client asked for, also
 *    after the server rewrote the request (mod_rewrite, nginx's
 *    rewrite).  Without REQUEST_URI: SCRIPT_NAME followed by PATH_INFO.
 * 2. A script path: when PATH_INFO is not empty, U decoded is exactly
 *    SCRIPT_NAME followed by PATH_INFO, and SCRIPT_NAME ends with the
 *    program's file name (SCRIPT_FILENAME's, an executable file), the
 *    client named the program in the URL (CGI or mod_fcgid:
 *    /cgi-bin/todos/api/v1/me).
 *    The mount point is SCRIPT_NAME and the route path the rest of U.
 *    Not a script path, so U whole: a rewrite (U is not SCRIPT_NAME +
 *    PATH_INFO), Apache's ScriptAliasMatch ^/api/v1 (SCRIPT_NAME /api/v1
 *    is no file name), nginx's stock SCRIPT_NAME=$fastcgi_script_name
 *    and lighttpd's (the whole URI, PATH_INFO empty), lighttpd's prefix
 *    mounts and mod_proxy_fcgi (SCRIPT_FILENAME names no program file).
 * 3. Otherwise, with AUTH_BASE_PATH set (/auth) and U under it (/auth
 *    or /auth/...), the mount point is AUTH_BASE_PATH and the route
 *    path the rest of U ("/" when nothing is left).  A U outside it is
 *    routed whole from the root (verify's catch-all as nginx's
 *    auth_request target sees the guarded page's URI).
 *
 * The route path keeps U's percent-escapes: path variables are decoded
 * once, when matched.  A mount point holds URL characters only
 * ([A-Za-z0-9-._~/%+]; else the script path is not taken), as it goes
 * into Set-Cookie and pages.  -1: no REQUEST_URI path starting with '/', or
 * longer than the buffers.
 */
int
ac_req_route_path(const struct ac_req *r, char *path, size_t n, char *base,
    size_t bn)
{
	const char	*u = ac_req_param(r, "REQUEST_URI");
	const char	*sn = ac_req_param(r, "SCRIPT_NAME");
	const char	*pi = ac_req_param(r, "PATH_INFO");
	const char	*sf = ac_req_param(r, "SCRIPT_FILENAME");
	const char	*bp = r->app != NULL ? r->app->cfg.base_path : NULL;
	char		 url[AC_MAXPATH];
	size_t		 len, bl;
	long		 k = -1;

	if (sn == NULL)
		sn = "";
	if (pi == NULL)
		pi = "";
	base[0] = '\0';
	if (u != NULL) {
		if (strncasecmp(u, "http://", 7) == 0 ||
		    strncasecmp(u, "https://", 8) == 0) {
			u += strcspn(u, ":") + 3;
			u += strcspn(u, "/?#");
		}
		len = strcspn(u, "?#");
		if (len == 0 || u[0] != '/' || len >= sizeof(url))
			return -1;
		memcpy(url, u, len);
		url[len] = '\0';
		if (*pi != '\0')
			k = script_prefix(url, sn, pi);
	} else {
		len = (size_t)snprintf(url, sizeof(url), "%s%s", sn, pi);
		if (len >= sizeof(url))
			return -1;
		if (len == 0)
			strcpy(url, "/");
		if (*pi != '\0')
			k = (long)strlen(sn);
	}
	/*
	 * A script path: SCRIPT_NAME names the program's file.  It becomes
	 * the mount point in cookie paths and pages: URL characters only.
	 */
	if (k >= 0 && (sf == NULL || *sn == '\0' ||
	    strcmp(last_segment(sn), last_segment(sf)) != 0 ||
	    !program_file(sf) ||
	    (size_t)k >= bn || strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%+") < (size_t)k))
		k = -1;
	if (k < 0 && bp != NULL && (bl = strlen(bp)) > 0 &&
	    strncmp(url, bp, bl) == 0 && (url[bl] == '/' || url[bl] == '\0'))
		k = (long)bl;
	if (k < 0)
		k = 0;
	if ((size_t)k >= bn || strlen(url + k) >= n)
		return -1;
	memcpy(base, url, (size_t)k);
	base[k] = '\0';
	snprintf(path, n, "%s", url[k] == '\0' ? "/" : url + k);
	return 0;
}

const char *
ac_req_param(const struct ac_req *r, const char *name)
{

	return ac_parse_env(r->envp, name);
}

const char *
ac_req_var(const struct ac_req *r, const char *name)
{
	size_t	 i;

	if (r->match == NULL)
		return NULL;
	for (i = 0; i < r->match->nvars; i++)
		if (strcmp(r->match->varname[i], name) == 0)
			return r->match->vals + r->match->varoff[i];
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
	char	*p;
	char	 clean[64];

	if (r->hdrsfull)
		return;

	w = snprintf(r->hdrs + n, sizeof(r->hdrs) - n, "%s: %s\r\n", name,
	    value);
	if (w < 0 || (size_t)w >= sizeof(r->hdrs) - n) {
		/*
		 * Never drop a header silently: the one lost may be the
		 * Cache-Control of a token answer.  The whole answer becomes
		 * a 500 instead (ac_req_respond).
		 */
		r->hdrs[n] = '\0';
		r->hdrsfull = 1;
		ac_log_clean(clean, sizeof(clean), name);
		ac_log(AC_LOG_ERROR, "event=headers_full name=%s status=500",
		    clean);
		return;
	}
	/* No header splitting: control bytes in a value become spaces. */
	for (i = n + strlen(name) + 2; i < n + (size_t)w - 2; i++)
		if ((unsigned char)r->hdrs[i] < 0x20 || r->hdrs[i] == 0x7f)
			r->hdrs[i] = ' ';
	/*
	 * The same header line twice says nothing more (a handler's
	 * Cache-Control: no-store, then the answer's): sent once.
	 */
	for (i = 0; i < n; i = (size_t)(p - r->hdrs) + 1) {
		if (strncmp(r->hdrs + i, r->hdrs + n, (size_t)w) == 0) {
			r->hdrs[n] = '\0';
			return;
		}
		if ((p = strchr(r->hdrs + i, '\n')) == NULL)
			break;
	}
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

/* pydantic v2's error types: its message, the envelope's, the ctx key. */
static const struct vtype {
	const char	*type, *msg, *message, *ctx;
} vtypes[] = {
	{ "missing", "Field required", "is required", NULL },
	{ "string_type", "Input should be a valid string", "must be a string",
	    NULL },
	{ "string_too_long", "String should have at most %lld character%s",
	    "must be at most %lld character%s", "max_length" },
	{ "string_too_short", "String should have at least %lld character%s",
	    "must not be empty", "min_length" },
	{ "bool_type", "Input should be a valid boolean",
	    "must be true or false", NULL },
	{ "bool_parsing", "Input should be a valid boolean, unable to "
	    "interpret input", "must be true or false", NULL },
	{ "int_parsing", "Input should be a valid integer, unable to parse "
	    "string as an integer", "must be an integer", NULL },
	{ "greater_than_equal", "Input should be greater than or equal to "
	    "%lld", "must be at least %lld", "ge" },
	{ "less_than_equal", "Input should be less than or equal to %lld",
	    "must be at most %lld", "le" },
	{ "extra_forbidden", "Extra inputs are not permitted",
	    "unknown field", NULL },
	{ "model_attributes_type", "Input should be a valid dictionary or "
	    "object to extract fields from", "expected a JSON object", NULL },
	{ "string_unicode", "Input should be a valid string, unable to parse "
	    "raw data as a unicode string", "must be valid UTF-8", NULL },
	{ "json_invalid", "JSON decode error", "expected a JSON object",
	    "error" },
	{ "value_error", "Value error, %s", "%s", NULL },
};

void
ac_req_invalid(struct ac_req *r, const char *loc, const char *field,
    const char *type, json_object *input, long long n, const char *message)
{
	const struct vtype *t = &vtypes[nitems(vtypes) - 1];
	json_object	*o = NULL, *l, *x;
	char		 msg[320], env[320];
	const char	*pl = n == 1 ? "" : "s";
	size_t		 i;

	for (i = 0; i < nitems(vtypes); i++)
		if (strcmp(vtypes[i].type, type) == 0)
			t = &vtypes[i];
	if (message == NULL)
		message = "";
	/* The formats are the table's own: %lld, %s, or %s alone. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strcmp(t->type, "value_error") == 0) {
		snprintf(msg, sizeof(msg), t->msg, message);
		snprintf(env, sizeof(env), "%s", message);
	} else {
		snprintf(msg, sizeof(msg), t->msg, n, pl);
		snprintf(env, sizeof(env), t->message, n, pl);
		if (*message != '\0' && strcmp(t->type, "json_invalid") != 0)
			snprintf(env, sizeof(env), "%s", message);
	}
#pragma GCC diagnostic pop
	ac_req_detail(r, field != NULL ? field : loc, env);
	if (r->vdetails == NULL &&
	    (r->vdetails = json_object_new_array()) == NULL)
		goto out;
	if ((o = json_object_new_object()) == NULL ||
	    (l = json_object_new_array()) == NULL)
		goto out;
	json_object_array_add(l, json_object_new_string(loc));
	if (strcmp(t->type, "json_invalid") == 0)
		json_object_array_add(l, json_object_new_int64(n));
	else if (field != NULL)
		json_object_array_add(l, json_object_new_string(field));
	json_object_object_add(o, "type", json_object_new_string(t->type));
	json_object_object_add(o, "loc", l);
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (input != NULL)
		json_object_object_add(o, "input", input);
	input = NULL;
	if (t->ctx != NULL && (x = json_object_new_object()) != NULL) {
		json_object_object_add(x, t->ctx,
		    strcmp(t->type, "json_invalid") == 0 ?
		    json_object_new_string(message) : json_object_new_int64(n));
		json_object_object_add(o, "ctx", x);
	}
	json_object_array_add(r->vdetails, o);
	o = NULL;
out:
	json_object_put(o);
	json_object_put(input);
}

void
ac_req_respond(struct ac_req *r, int status, const char *ctype,
    const char *body, size_t len)
{
	char	 head[256];
	int	 n;

	if (r->status != 0)
		return;
	if (r->hdrsfull) {
		/* What was asked for cannot be sent whole: a bare 500. */
		status = 500;
		r->hdrslen = 0;
		r->hdrs[0] = '\0';
		ctype = "application/json";
		body = "{\"error\":{\"code\":\"INTERNAL_ERROR\",\"reason\":"
		    "\"internal_error\",\"message\":\"Response headers too "
		    "large\",\"details\":[]}}";
		len = strlen(body);
		r->hdrsfull = 0;
		ac_req_header(r, "Cache-Control", "no-store");
	}
	r->status = status;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n", status,
	    ac_status_text(status));
	put(r, head, (size_t)n);
	put(r, security_headers, sizeof(security_headers) - 1);
	put(r, "Content-Security-Policy: ", 25);
	put(r, r->csp != NULL ? r->csp : default_csp, r->csp != NULL ?
	    strlen(r->csp) : sizeof(default_csp) - 1);
	put(r, "\r\n", 2);
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
		ac_req_respond(r, status, NULL, NULL, 0);
		return;
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	ac_req_respond(r, status, "application/json", s, len);
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
	size_t		 off = 0, got;

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
			got = r->io_read(r->io, r->body + off,
			    (size_t)n - off);
			if (got == 0)
				break;
			off += got;
		}
		if (off != (size_t)n) {
			explicit_bzero(r->body, off);
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

	return ac_parse_content_type(ac_req_param(r, "CONTENT_TYPE"), mime);
}

/*
 * Walks the strings of o, member names too: returns 0 when one is not
 * UTF-8, and adds to *nuls the NUL bytes of its string values.
 */
static int
json_text(json_object *o, size_t *nuls)
{
	const char	*s;
	size_t		 i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		s = json_object_get_string(o);
		n = (size_t)json_object_get_string_len(o);
		for (i = 0; i < n; i++)
			*nuls += s[i] == '\0';
		return ac_utf8_valid(s, n);
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!json_text(json_object_array_get_idx(o, i), nuls))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v)
			if (!ac_utf8_valid(k, strlen(k)) || !json_text(v, nuls))
				return 0;
		return 1;
	}
	default:
		return 1;
	}
}

/* The \u0000 escapes of JSON text s[0..n). */
static size_t
nul_escapes(const char *s, size_t n)
{
	size_t	 i, c = 0;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '\\') {
			if (s[i + 1] == 'u' && i + 5 < n &&
			    memcmp(s + i + 2, "0000", 4) == 0)
				c++;
			i++;
		}
	return c;
}

enum ac_reason
ac_req_json_body(struct ac_req *r, json_object **out)
{
	json_tokener	*jt;
	const char	*b;
	size_t		 len;
	enum ac_reason	 rc;
	size_t		 nuls = 0;
	int		 bad = 0;

	*out = NULL;
	if (r->jsonbody != NULL) {
		*out = r->jsonbody;
		return AC_OK;
	}
	if (!ac_req_content_type(r, "application/json"))
		return AC_MEDIA_TYPE_UNSUPPORTED;
	if ((rc = ac_req_body(r, &b, &len)) != AC_OK)
		return rc;
	if (len == 0) {
		ac_req_invalid(r, "body", NULL, "missing", NULL, 0,
		    "expected a JSON object");
		return AC_BODY_MALFORMED;
	}
	if (memchr(b, '\0', len) != NULL ||
	    (jt = json_tokener_new_ex(16)) == NULL)
		return AC_BODY_MALFORMED;
	json_tokener_set_flags(jt, JSON_TOKENER_STRICT);
	r->jsonbody = json_tokener_parse_ex(jt, b, (int)len);
	if (r->jsonbody != NULL &&
	    json_tokener_get_error(jt) == json_tokener_success &&
	    (size_t)json_tokener_get_parse_end(jt) == len &&
	    !json_object_is_type(r->jsonbody, json_type_object)) {
		/* JSON, but not an object: pydantic's model_attributes_type. */
		ac_req_invalid(r, "body", NULL, "model_attributes_type",
		    r->jsonbody, 0, NULL);
		r->jsonbody = NULL;
		json_tokener_free(jt);
		return AC_BODY_MALFORMED;
	}
	if (r->jsonbody == NULL ||
	    json_tokener_get_error(jt) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(jt) != len) {
		json_object_put(r->jsonbody);
		r->jsonbody = NULL;
		ac_req_invalid(r, "body", NULL, "json_invalid",
		    json_object_new_object(),
		    (long long)json_tokener_get_parse_end(jt),
		    json_tokener_get_error(jt) == json_tokener_success ?
		    "Extra data" : json_tokener_get_error(jt) ==
		    json_tokener_continue ? "Expecting value" :
		    json_tokener_error_desc(json_tokener_get_error(jt)));
		json_tokener_free(jt);
		return AC_BODY_MALFORMED;
	}
	json_tokener_free(jt);
	/* Text that is not UTF-8 is no JSON (RFC 8259): 422, per member. */
	json_object_object_foreach(r->jsonbody, k, v)
		if (!ac_utf8_valid(k, strlen(k)) || !json_text(v, &nuls)) {
			ac_req_invalid(r, "body", ac_utf8_valid(k, strlen(k)) ?
			    k : NULL, "string_unicode", NULL, 0, NULL);
			bad = 1;
		}
	/* A member json-c dropped (a name given twice) counts too. */
	if (!bad && !ac_utf8_valid(b, len)) {
		ac_req_invalid(r, "body", NULL, "string_unicode", NULL, 0,
		    NULL);
		bad = 1;
	}
	/*
	 * json-c keeps a \u0000 in a string value (the fields refuse it
	 * there, 422) but cuts a member name at it, which would make
	 * "email\u0000x" a second "email": refused whole.
	 */
	if (!bad && nuls != nul_escapes(b, len)) {
		ac_req_detail(r, "body", "member names must not hold NUL");
		rc = AC_BODY_MALFORMED;
	} else
		rc = bad ? AC_VALIDATION_FAILED : AC_OK;
	if (rc != AC_OK) {
		json_object_put(r->jsonbody);
		r->jsonbody = NULL;
		return rc;
	}
	*out = r->jsonbody;
	return AC_OK;
}

long
ac_req_query(const struct ac_req *r, const char *name, char *out,
    size_t outsz)
{
	const char	*q = ac_req_param(r, "QUERY_STRING");

	return q == NULL ? -1 : ac_kv_find(q, '&', name, 1, out, outsz);
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
void
ac_req_error(struct ac_req *r, enum ac_reason reason)
{
	json_object	*o;
	char		 www[768], desc[256];
	int		 status = ac_errfmt_status(&r->app->cfg, reason);

	/* RFC 6750 3.1: the token is fine, its scope is not. */
	if (reason == AC_INSUFFICIENT_SCOPE &&
	    strstr(r->hdrs, "WWW-Authenticate:") == NULL) {
		quoted(desc, sizeof(desc), r->authdetail);
		snprintf(www, sizeof(www), "Bearer realm=\"api\", "
		    "error=\"insufficient_scope\", error_description=\"%s\"%s%s%s",
		    desc, r->reqscope[0] != '\0' ? ", scope=\"" : "",
		    r->reqscope, r->reqscope[0] != '\0' ? "\"" : "");
		ac_req_header(r, "WWW-Authenticate", www);
	}
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
	/* The body in the shape the clients expect (errfmt.c). */
	o = ac_errfmt_body(&r->app->cfg, reason, status, r->details,
	    r->vdetails);
	ac_req_json(r, status, o);
	json_object_put(o);
}

/* An ac_req_secret block: its size, then the caller's bytes. */
struct ac_secret {
	struct ac_secret	*next;
	size_t			 len;
	max_align_t		 p[];
};

void *
ac_req_secret(struct ac_req *r, size_t len)
{
	struct ac_secret	*s;

	if (len > SIZE_MAX - sizeof(*s) ||
	    (s = calloc(1, sizeof(*s) + len)) == NULL)
		return NULL;
	s->len = len;
	s->next = r->secrets;
	r->secrets = s;
	return s->p;
}

void
ac_req_reset(struct ac_req *r)
{
	struct ac_secret	*s;

	while ((s = r->secrets) != NULL) {
		r->secrets = s->next;
		explicit_bzero(s->p, s->len);
		free(s);
	}
	json_object_put(r->details);
	r->details = NULL;
	json_object_put(r->vdetails);
	r->vdetails = NULL;
	r->match = NULL;
	r->hdrslen = 0;
	r->hdrs[0] = '\0';
	r->hdrsfull = 0;
	r->status = 0;
	r->authfail = AC_OK;
	r->authdetail[0] = '\0';
	r->reqscope[0] = '\0';
	r->authmethod = NULL;
	/* The body may hold a password or a refresh token. */
	if (r->body != NULL)
		explicit_bzero(r->body, r->bodylen);
	free(r->body);
	r->body = NULL;
	r->bodylen = 0;
	r->bodyread = 0;
	json_object_put(r->jsonbody);
	r->jsonbody = NULL;
	r->origin = NULL;
	r->why = NULL;
}
