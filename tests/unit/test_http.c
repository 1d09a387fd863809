/*
 * test_http.c: the request parsers of parse.c (bearer, percent-decoding,
 * forms and query strings, cookies, Content-Type, parameter lookup, the
 * CORS origin list) and the router of route.c driven through an
 * in-memory transport: path variables, 404, 405 with Allow, OPTIONS,
 * HEAD, CORS, the error envelope, and a body read through the transport;
 * the route path rule (req.c) case by case, and routing under a script
 * path and AUTH_BASE_PATH.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/store.h"
#include "core/http.h"
#include "util.h"

#define SECRET	"http-test-secret-0123456789-abcdefghijklmnopq"

START_TEST(test_bearer)
{
	const char	*t;
	size_t		 n;

	ck_assert_int_eq(ac_parse_bearer(NULL, &t, &n), AC_TOKEN_MISSING);
	ck_assert_int_eq(ac_parse_bearer("", &t, &n), AC_TOKEN_MISSING);
	ck_assert_int_eq(ac_parse_bearer("Bearer abc.def-_~+/=", &t, &n),
	    AC_OK);
	ck_assert_uint_eq(n, 13);
	ck_assert(strncmp(t, "abc.def-_~+/=", 13) == 0);
	ck_assert_int_eq(ac_parse_bearer("  bEaReR   tok  ", &t, &n), AC_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert(strncmp(t, "tok", 3) == 0);
	ck_assert_int_eq(ac_parse_bearer("Bearer", &t, &n),
	    AC_AUTH_HEADER_MALFORMED);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(ac_parse_bearer("Bearer   ", &t, &n),
	    AC_AUTH_HEADER_MALFORMED);
	ck_assert_int_eq(ac_parse_bearer("Bearer a b", &t, &n),
	    AC_AUTH_HEADER_MALFORMED);
	ck_assert_int_eq(ac_parse_bearer("Bearer a\"b", &t, &n),
	    AC_AUTH_HEADER_MALFORMED);
	ck_assert_int_eq(ac_parse_bearer("Basic dXNlcjpwdw==", &t, &n),
	    AC_AUTH_SCHEME_UNSUPPORTED);
	ck_assert_int_eq(ac_parse_bearer("Basic", &t, &n),
	    AC_AUTH_SCHEME_UNSUPPORTED);
	ck_assert_int_eq(ac_parse_bearer("Bearerx tok", &t, &n),
	    AC_AUTH_SCHEME_UNSUPPORTED);
}
END_TEST

START_TEST(test_pct)
{
	char	 s[64];

	ck_assert_int_eq(ac_pct_byte("%41"), 'A');
	ck_assert_int_eq(ac_pct_byte("%ff"), 0xff);
	ck_assert_int_eq(ac_pct_byte("%fF"), 0xff);
	ck_assert_int_eq(ac_pct_byte("%4"), -1);
	ck_assert_int_eq(ac_pct_byte("%g1"), -1);
	ck_assert_int_eq(ac_pct_byte("41"), -1);
	strcpy(s, "a%40b%2Fc");
	ck_assert_int_eq(ac_pct_decode(s), 0);
	ck_assert_str_eq(s, "a@b/c");
	strcpy(s, "plain+kept");
	ck_assert_int_eq(ac_pct_decode(s), 0);
	ck_assert_str_eq(s, "plain+kept");
	strcpy(s, "nul%00tail");
	ck_assert_int_eq(ac_pct_decode(s), -1);
	strcpy(s, "bad%zz");
	ck_assert_int_eq(ac_pct_decode(s), -1);
	strcpy(s, "short%4");
	ck_assert_int_eq(ac_pct_decode(s), -1);
}
END_TEST

START_TEST(test_utf8)
{

	ck_assert(ac_utf8_valid("", 0));
	ck_assert(ac_utf8_valid("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80", 14));
	ck_assert(ac_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	ck_assert(!ac_utf8_valid("a\xff", 2));
	ck_assert(!ac_utf8_valid("\xc0\xaf", 2));		/* overlong */
	ck_assert(!ac_utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	ck_assert(!ac_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	ck_assert(!ac_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ck_assert(!ac_utf8_valid("\xc3", 1));		/* cut short */
	ck_assert(!ac_utf8_valid("\xe2\x98", 2));
}
END_TEST

/*
 * ac_kv_find cases: the text, its separator, the name and whether to
 * decode; the result and, unless NULL, the value found (out of 16 bytes).
 */
struct kvcase {
	const char	*text;
	char		 sep;
	const char	*name;
	int		 decode;
	long		 want;
	const char	*value;
};

static void
kv_cases(const struct kvcase *c, size_t n)
{
	char	 out[16];
	long	 got;
	size_t	 i;

	for (i = 0; i < n; i++) {
		got = ac_kv_find(c[i].text, c[i].sep, c[i].name, c[i].decode,
		    out, sizeof(out));
		ck_assert_msg(got == c[i].want, "%s in \"%s\" (decode %d): "
		    "%ld, not %ld", c[i].name, c[i].text ? c[i].text : "(null)",
		    c[i].decode, got, c[i].want);
		if (c[i].value != NULL)
			ck_assert_str_eq(out, c[i].value);
	}
}

START_TEST(test_forms)
{
	static const struct kvcase c[] = {
		{ "a=1&b=two&c=", '&', "b", 1, 3, "two" },
		{ "a=1&b=two&c=", '&', "c", 1, 0, "" },
		{ "a=1&b=two", '&', "d", 1, -1, NULL },
		/* A name is matched whole, not as a prefix or a suffix. */
		{ "email2=x&email=y", '&', "email", 1, 1, "y" },
		{ "xemail=y", '&', "email", 1, -1, NULL },
		/* The first occurrence wins. */
		{ "a=1&a=2", '&', "a", 1, 1, "1" },
		/* Decoding: '+' is a space, %XX a byte; a bad escape refuses. */
		{ "q=a+b%2Bc%40d", '&', "q", 1, 7, "a b+c@d" },
		{ "q=a%zz", '&', "q", 1, -1, NULL },
		{ "q=a+b%2B", '&', "q", 0, 6, "a+b%2B" },
		/* Too long for out: refused, not cut. */
		{ "q=0123456789abcdef", '&', "q", 1, -1, NULL },
		{ "q=0123456789abcde", '&', "q", 1, 15, NULL },
		{ "", '&', "q", 1, -1, NULL },
		/* An encoded NUL would cut the value short: refused (issue 10, 1). */
		{ "q=pw%00tail", '&', "q", 1, -1, NULL },
		{ "q=pw%00tail", '&', "q", 0, 9, NULL },
		{ NULL, '&', "q", 1, -1, NULL },
	};

	kv_cases(c, nitems(c));
}
END_TEST

START_TEST(test_cookies)
{
	static const struct kvcase c[] = {
		{ "a=1; refreshToken=abc-_; b=2", ';', "refreshToken", 0, 5,
		    "abc-_" },
		{ "refreshToken=x;other=y", ';', "other", 0, 1, "y" },
		{ "xrefreshToken=x", ';', "refreshToken", 0, -1, NULL },
		/* Cookies are not percent-decoded. */
		{ "t=a%41", ';', "t", 0, 4, "a%41" },
	};

	kv_cases(c, nitems(c));
}
END_TEST

START_TEST(test_content_type_env_origin)
{
	char	*env[] = { "CONTENT_TYPE=application/json", "X=", "XY=2",
		    "LONGNAME=v", NULL };

	ck_assert(ac_parse_content_type("application/json",
	    "application/json"));
	ck_assert(ac_parse_content_type(" Application/JSON; charset=utf-8",
	    "application/json"));
	ck_assert(!ac_parse_content_type("application/jsonx",
	    "application/json"));
	ck_assert(!ac_parse_content_type("text/plain", "application/json"));
	ck_assert(!ac_parse_content_type(NULL, "application/json"));
	ck_assert_str_eq(ac_parse_env(env, "CONTENT_TYPE"), "application/json");
	ck_assert_str_eq(ac_parse_env(env, "X"), "");
	ck_assert_str_eq(ac_parse_env(env, "XY"), "2");
	ck_assert_ptr_null(ac_parse_env(env, "LONG"));
	ck_assert_ptr_null(ac_parse_env(env, "NONE"));
	ck_assert_ptr_null(ac_parse_env(NULL, "X"));
	ck_assert(ac_parse_origin_listed("https://a.test, https://b.test",
	    "https://b.test"));
	ck_assert(ac_parse_origin_listed("https://a.test,https://b.test",
	    "https://a.test"));
	ck_assert(!ac_parse_origin_listed("https://a.test.evil",
	    "https://a.test"));
	ck_assert(!ac_parse_origin_listed("https://a.test",
	    "https://a.test.evil"));
	ck_assert(!ac_parse_origin_listed(NULL, "https://a.test"));
	/* METRICS_ALLOW: strict entries; a bad one is never "everyone". */
	ck_assert_int_eq(ac_parse_addr_listed("127.0.0.1,::1", "127.0.0.1"), 1);
	ck_assert_int_eq(ac_parse_addr_listed("127.0.0.1, ::1", "::1"), 1);
	ck_assert_int_eq(ac_parse_addr_listed("10.0.0.0/8", "10.200.1.2"), 1);
	ck_assert_int_eq(ac_parse_addr_listed("10.0.0.0/8", "11.0.0.1"), 0);
	ck_assert_int_eq(ac_parse_addr_listed("10.1.2.0/23", "10.1.3.9"), 1);
	ck_assert_int_eq(ac_parse_addr_listed("10.1.2.0/23", "10.1.4.0"), 0);
	ck_assert_int_eq(ac_parse_addr_listed("fd00::/8", "fd12::1"), 1);
	ck_assert_int_eq(ac_parse_addr_listed("0.0.0.0/0", "192.0.2.1"), 1);
	ck_assert_int_eq(ac_parse_addr_listed("127.0.0.1", "::1"), 0);
	ck_assert_int_eq(ac_parse_addr_listed("127.0.0.1", NULL), 0);
	ck_assert_int_eq(ac_parse_addr_listed("10.0.0.0/", "192.0.2.1"), -1);
	ck_assert_int_eq(ac_parse_addr_listed("10.0.0.0/", NULL), -1);
	ck_assert_int_eq(ac_parse_addr_listed("127.0.0.1/abc", "8.8.8.8"), -1);
	ck_assert_int_eq(ac_parse_addr_listed("127.0.0.1,/8", "127.0.0.1"), -1);
	ck_assert_int_eq(ac_parse_addr_listed("10.0.0.0/33", NULL), -1);
	ck_assert_int_eq(ac_parse_addr_listed("::1/129", NULL), -1);
	ck_assert_int_eq(ac_parse_addr_listed("10.0.0.0/+8", NULL), -1);
	ck_assert_int_eq(ac_parse_addr_listed("localhost", NULL), -1);
	ck_assert_int_eq(ac_parse_addr_listed("", "127.0.0.1"), 0);
}
END_TEST

/* The router, through an in-memory transport. */

struct mem {
	char		 out[8192];
	size_t		 outlen;
	const char	*in;
	size_t		 inlen, inoff;
};

static void
mem_write(void *io, const char *s, size_t n)
{
	struct mem	*m = io;

	ck_assert_uint_le(m->outlen + n, sizeof(m->out) - 1);
	memcpy(m->out + m->outlen, s, n);
	m->outlen += n;
	m->out[m->outlen] = '\0';
}

static size_t
mem_read(void *io, char *buf, size_t n)
{
	struct mem	*m = io;

	/* One byte at a time: the reader must loop. */
	if (m->inoff == m->inlen || n == 0)
		return 0;
	buf[0] = m->in[m->inoff++];
	return 1;
}

static enum ac_reason
h_var(struct ac_req *r, const struct ac_app *app)
{
	json_object	*o = json_object_new_object();

	(void)app;
	json_object_object_add(o, "uid",
	    json_object_new_string(ac_req_var(r, "uid")));
	json_object_object_add(o, "id",
	    json_object_new_string(ac_req_var(r, "id")));
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

static enum ac_reason
h_body(struct ac_req *r, const struct ac_app *app)
{
	json_object	*b;
	enum ac_reason	 rc;

	(void)app;
	if ((rc = ac_req_json_body(r, &b)) != AC_OK)
		return rc;
	ac_req_json(r, 201, b);
	return AC_OK;
}

static enum ac_reason
h_auth(struct ac_req *r, const struct ac_app *app)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_req_auth(r, app, &tok);
	ac_token_clear(&tok);
	return rc;
}

/*
 * Takes two secrets: each zeroed and aligned for any object; the request
 * frees them (the sanitizer build's leak check says so when it does not).
 */
static enum ac_reason
h_secret(struct ac_req *r, const struct ac_app *app)
{
	unsigned char	*a, *b;
	size_t		 i;

	(void)app;
	if ((a = ac_req_secret(r, 3000)) == NULL ||
	    (b = ac_req_secret(r, 1)) == NULL)
		return AC_NOMEM;
	for (i = 0; i < 3000; i++)
		if (a[i] != 0)
			return AC_INTERNAL;
	if (b[0] != 0 || (uintptr_t)a % _Alignof(max_align_t) != 0 ||
	    (uintptr_t)b % _Alignof(max_align_t) != 0)
		return AC_INTERNAL;
	memset(a, 'p', 3000);
	b[0] = 'q';
	ac_req_json(r, 204, NULL);
	return AC_OK;
}

static const struct ac_route routes[] = {
	{ AC_GET,	"/secret",		h_secret, AC_INLINE },
	{ AC_GET,	"/u/{uid}/t/{id}",	h_var, AC_INLINE },
	{ AC_DELETE,	"/u/{uid}/t/{id}",	h_var, AC_INLINE },
	{ AC_POST,	"/body",		h_body, AC_INLINE },
	{ AC_GET,	"/auth",		h_auth, AC_INLINE },
};

static struct ac_app	*app;

static void
setup(void)
{

	tu_env(SECRET);
	setenv("ALLOWED_ORIGINS", "https://app.test", 1);
	setenv("AUTH_MAX_BODY_BYTES", "256", 1);
	app = tu_app_load();
}

static void
teardown(void)
{

	ac_app_free(app);
	app = NULL;
}

/* Runs one request; env is a NULL-terminated "NAME=value" list. */
static void
run(struct mem *m, char **env, const char *body)
{
	struct ac_req	*r;
	struct ac_store	*store = NULL;

	memset(m, 0, sizeof(*m));
	m->in = body;
	m->inlen = body != NULL ? strlen(body) : 0;
	ck_assert_ptr_nonnull(r = calloc(1, sizeof(*r)));
	r->io = m;
	r->io_write = mem_write;
	r->io_read = mem_read;
	r->envp = env;
	r->app = app;
	r->storep = &store;
	ac_route_handle(r, routes, nitems(routes));
	ac_req_reset(r);
	free(r);
	ac_store_close(store);
}

/* Runs one request (run); its answer must have the status given. */
static void
run_status(struct mem *m, char **env, const char *body, const char *status)
{
	char	 want[16];

	run(m, env, body);
	snprintf(want, sizeof(want), "Status: %s", status);
	ck_assert_msg(strncmp(m->out, want, strlen(want)) == 0, "not %s: %s",
	    want, m->out);
}

START_TEST(test_route_vars)
{
	struct mem	 m;
	char		*env[] = { "REQUEST_METHOD=GET",
		    "REQUEST_URI=/u/a%40b/t/7?x=1", NULL };

	run(&m, env, NULL);
	ck_assert_msg(strncmp(m.out, "Status: 200 OK\r\n", 16) == 0, "%s",
	    m.out);
	ck_assert_ptr_nonnull(strstr(m.out, "X-Content-Type-Options: nosniff"));
	ck_assert_ptr_nonnull(strstr(m.out,
	    "Content-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(m.out, "\r\n\r\n{\"uid\":\"a@b\","
	    "\"id\":\"7\"}"));
	/* HEAD: the same headers, no body. */
	env[0] = "REQUEST_METHOD=HEAD";
	run_status(&m, env, NULL, "200");
	ck_assert_ptr_nonnull(strstr(m.out, "Content-Length: 22\r\n"));
	ck_assert_str_eq(strstr(m.out, "\r\n\r\n"), "\r\n\r\n");
}
END_TEST

START_TEST(test_route_errors)
{
	struct mem	 m;
	char		*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/nope",
		    NULL, NULL, NULL };

	run_status(&m, env, NULL, "404");
	ck_assert_ptr_nonnull(strstr(m.out, "\"reason\":\"not_found\""));
	/* An encoded NUL in a path variable matches no route. */
	env[1] = "REQUEST_URI=/u/a%00/t/1";
	run_status(&m, env, NULL, "404");
	/* Known path, other method: 405 with Allow. */
	env[0] = "REQUEST_METHOD=PUT";
	env[1] = "REQUEST_URI=/u/x/t/1";
	run_status(&m, env, NULL, "405");
	ck_assert_ptr_nonnull(strstr(m.out,
	    "Allow: GET, HEAD, DELETE, OPTIONS\r\n"));
	/* OPTIONS: 204; a CORS preflight from a listed origin. */
	env[0] = "REQUEST_METHOD=OPTIONS";
	env[2] = "HTTP_ORIGIN=https://app.test";
	env[3] = "HTTP_ACCESS_CONTROL_REQUEST_METHOD=DELETE";
	run_status(&m, env, NULL, "204");
	ck_assert_ptr_nonnull(strstr(m.out,
	    "Access-Control-Allow-Origin: https://app.test\r\n"));
	ck_assert_ptr_nonnull(strstr(m.out,
	    "Access-Control-Allow-Methods: GET, HEAD, DELETE, OPTIONS\r\n"));
	/* Another origin gets Vary and nothing else. */
	env[2] = "HTTP_ORIGIN=https://evil.test";
	run(&m, env, NULL);
	ck_assert_ptr_nonnull(strstr(m.out, "Vary: Origin\r\n"));
	ck_assert_ptr_null(strstr(m.out, "Access-Control-Allow-Origin"));
}
END_TEST

START_TEST(test_route_auth)
{
	struct mem	 m;
	char		*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/auth",
		    NULL, NULL };

	run_status(&m, env, NULL, "401");
	ck_assert_ptr_nonnull(strstr(m.out,
	    "WWW-Authenticate: Bearer realm=\"api\"\r\n"));
	ck_assert_ptr_nonnull(strstr(m.out, "\"reason\":\"token_missing\""));
	env[2] = "HTTP_AUTHORIZATION=Bearer";
	run_status(&m, env, NULL, "400");
	ck_assert_ptr_nonnull(strstr(m.out, "error=\"invalid_request\""));
	env[2] = "HTTP_AUTHORIZATION=Bearer a.b.c";
	run_status(&m, env, NULL, "401");
	ck_assert_ptr_nonnull(strstr(m.out, "error=\"invalid_token\""));
	ck_assert_ptr_null(strstr(m.out, "a.b.c"));
}
END_TEST

START_TEST(test_route_body)
{
	struct mem	 m;
	char		*env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/body",
		    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=9",
		    NULL };

	run_status(&m, env, "{\"a\":12}\n", "201");
	ck_assert_ptr_nonnull(strstr(m.out, "\r\n\r\n{\"a\":12}"));
	/* Shorter than Content-Length: malformed. */
	run_status(&m, env, "{\"a\":1}", "400");
	/* Over AUTH_MAX_BODY_BYTES: 413 before reading. */
	env[3] = "CONTENT_LENGTH=257";
	run_status(&m, env, NULL, "413");
	env[3] = "CONTENT_LENGTH=9";
	env[2] = "CONTENT_TYPE=text/plain";
	run_status(&m, env, "{\"a\":12}\n", "415");
	/* Text that is not UTF-8: 422 naming the member (issue 10, 17). */
	env[2] = "CONTENT_TYPE=application/json";
	env[3] = "CONTENT_LENGTH=17";
	run_status(&m, env, "{\"t\":\"a\xff" "b\",\"u\":1}", "422");
	ck_assert_ptr_nonnull(strstr(m.out, "\"field\":\"t\""));
	ck_assert_ptr_null(strstr(m.out, "\xff"));
	env[3] = "CONTENT_LENGTH=19";
	run_status(&m, env, "{\"t\":[\"\xed\xa0\x80\"],\"u\":1}", "422");
	/* \u0000 would cut a member name: the body is refused (item 1). */
	env[3] = "CONTENT_LENGTH=20";
	run_status(&m, env, "{\"a\":1,\"a\\u0000x\":2}", "400");
}
END_TEST

START_TEST(test_route_secret)
{
	struct mem	 m;
	char		*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/secret",
		    NULL };

	run_status(&m, env, NULL, "204");
}
END_TEST

/*
 * The route path rule (req.c's ac_req_route_path), one case a row: the
 * CGI variables a server sends (NULL: not sent), AUTH_BASE_PATH, and the
 * route path and mount point expected (path NULL: no usable path).
 */
static const struct pathcase {
	const char	*what, *uri, *sn, *pi, *sf, *basepath;
	const char	*path, *base;
} pathcases[] = {
	{ "a query string is not the path", "/u/x/t/1?a=b/c", NULL, NULL,
	    NULL, NULL, "/u/x/t/1", "" },
	{ "absolute-form loses scheme and host", "http://h.test/u/x?y", NULL,
	    NULL, NULL, NULL, "/u/x", "" },
	{ "CGI script path", "/cgi-bin/todos/api/v1/me", "/cgi-bin/todos",
	    "/api/v1/me", "@todos", NULL, "/api/v1/me",
	    "/cgi-bin/todos" },
	{ "script path, query, renamed .cgi", "/cgi-bin/todos.cgi/api/v1/me?x",
	    "/cgi-bin/todos.cgi", "/api/v1/me", "@todos.cgi", NULL,
	    "/api/v1/me", "/cgi-bin/todos.cgi" },
	{ "script path keeps escapes", "/cgi-bin/todos/u/a%40b/t/1",
	    "/cgi-bin/todos", "/u/a@b/t/1", "@todos", NULL, "/u/a%40b/t/1",
	    "/cgi-bin/todos" },
	{ "script path wins over AUTH_BASE_PATH", "/cgi-bin/todos/api/v1/me",
	    "/cgi-bin/todos", "/api/v1/me", "@todos", "/auth", "/api/v1/me",
	    "/cgi-bin/todos" },
	{ "PATH_INFO empty: the URL whole", "/cgi-bin/verify",
	    "/cgi-bin/verify", "", "@verify", NULL, "/cgi-bin/verify", "" },
	{ "rewrite to a script with PATH_INFO", "/api/v1/me?x=1",
	    "/cgi-bin/todos", "/api/v1/me", "@todos", NULL, "/api/v1/me",
	    "" },
	{ "rewrite to the script itself (SCRIPT_NAME the target)",
	    "/api/v1/me", "/cgi-bin/todos", NULL, "@todos", NULL,
	    "/api/v1/me", "" },
	{ "rewrite under AUTH_BASE_PATH", "/auth/api/v1/me",
	    "/cgi-bin/todos", "/api/v1/me", "@todos", "/auth", "/api/v1/me",
	    "/auth" },
	{ "Apache ScriptAliasMatch ^/api/v1", "/api/v1/me", "/api/v1", "/me",
	    "/usr/lib/cgi-bin/todos", NULL, "/api/v1/me", "" },
	{ "ScriptAliasMatch ^/api/auth/sessions", "/api/auth/sessions/abc",
	    "/api/auth/sessions", "/abc", "/usr/lib/cgi-bin/refresh", NULL,
	    "/api/auth/sessions/abc", "" },
	{ "nginx: SCRIPT_NAME is the whole URI", "/api/v1/me?x=1",
	    "/api/v1/me", NULL, NULL, NULL, "/api/v1/me", "" },
	{ "nginx under AUTH_BASE_PATH", "/auth/api/v1/me?x=1",
	    "/auth/api/v1/me", NULL, NULL, "/auth", "/api/v1/me", "/auth" },
	{ "nginx split_path_info, no SCRIPT_FILENAME", "/auth/api/v1/me",
	    "/auth", "/api/v1/me", NULL, "/auth", "/api/v1/me", "/auth" },
	{ "the same without AUTH_BASE_PATH", "/auth/api/v1/me", "/auth",
	    "/api/v1/me", NULL, NULL, "/auth/api/v1/me", "" },
	{ "lighttpd: SCRIPT_NAME the URI, PATH_INFO empty", "/api/v1/me",
	    "/api/v1/me", "", "/var/www/api/v1/me", NULL, "/api/v1/me", "" },
	{ "lighttpd prefix mount (no such file)", "/api/v1/me", "/api/v1",
	    "/me", "/var/www/api/v1", NULL, "/api/v1/me", "" },
	{ "mod_proxy_fcgi (no such file)", "/api/auth/signup", "/api",
	    "/auth/signup", "proxy:fcgi://jwt-refresh/var/www/api", NULL,
	    "/api/auth/signup", "" },
	{ "a file of that name, not executable", "/cgi-bin/plain/api/v1/me",
	    "/cgi-bin/plain", "/api/v1/me", "@-plain", NULL,
	    "/cgi-bin/plain/api/v1/me", "" },
	{ "lighttpd fix-root-scriptname", "/api/v1/me", "", "/api/v1/me",
	    "/var/www/", NULL, "/api/v1/me", "" },
	{ "AUTH_BASE_PATH itself is /", "/auth?x", "/auth", NULL, NULL,
	    "/auth", "/", "/auth" },
	{ "AUTH_BASE_PATH is a whole segment", "/authority/x", NULL, NULL,
	    NULL, "/auth", "/authority/x", "" },
	{ "outside AUTH_BASE_PATH: from the root", "/private/page", NULL,
	    NULL, NULL, "/auth", "/private/page", "" },
	{ "no REQUEST_URI: script path", NULL, "/cgi-bin/todos",
	    "/api/v1/me", "@todos", NULL, "/api/v1/me", "/cgi-bin/todos" },
	{ "no REQUEST_URI: SCRIPT_NAME alone", NULL, "/api/v1/me", NULL,
	    NULL, NULL, "/api/v1/me", "" },
	{ "no REQUEST_URI, nothing", NULL, NULL, NULL, NULL, NULL, "/", "" },
	{ "a quote in the script path: not a mount point",
	    "/cgi-bin/to\"dos/api/v1/me", "/cgi-bin/to\"dos", "/api/v1/me",
	    "@to\"dos", NULL, "/cgi-bin/to\"dos/api/v1/me", "" },
	{ "a bad escape: not a script path", "/cgi-bin/todos/%zz",
	    "/cgi-bin/todos", "/%zz", "@todos", NULL, "/cgi-bin/todos/%zz",
	    "" },
	{ "an encoded NUL: not a script path", "/cgi-bin/todos/a%00",
	    "/cgi-bin/todos", "/a", "@todos", NULL, "/cgi-bin/todos/a%00",
	    "" },
	{ "empty REQUEST_URI", "", NULL, NULL, NULL, NULL, NULL, NULL },
	{ "REQUEST_URI not a path", "*", NULL, NULL, NULL, NULL, NULL, NULL },
	{ "query only", "?x=1", NULL, NULL, NULL, NULL, NULL, NULL },
};

/*
 * A program's file for SCRIPT_FILENAME: name made in tu_dir, executable
 * (a name starting with '-': a plain file of the rest's name).  Its path
 * is returned (static).
 */
static const char *
program(const char *name)
{
	static char	 path[512];
	int		 exe = name[0] != '-';
	FILE		*f;

	tu_path(path, sizeof(path), exe ? name : name + 1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(chmod(path, exe ? 0755 : 0644), 0);
	return path;
}

START_TEST(test_route_path)
{
	const struct pathcase *c = &pathcases[_i];
	struct ac_req	*r;
	char		*env[8], buf[4][256], path[AC_MAXPATH], base[256];
	size_t		 n = 0;
	int		 rc;

	if (c->uri != NULL)
		env[n++] = (snprintf(buf[0], sizeof(buf[0]), "REQUEST_URI=%s",
		    c->uri), buf[0]);
	if (c->sn != NULL)
		env[n++] = (snprintf(buf[1], sizeof(buf[1]), "SCRIPT_NAME=%s",
		    c->sn), buf[1]);
	if (c->pi != NULL)
		env[n++] = (snprintf(buf[2], sizeof(buf[2]), "PATH_INFO=%s",
		    c->pi), buf[2]);
	if (c->sf != NULL && c->sf[0] == '@')
		env[n++] = (snprintf(buf[3], sizeof(buf[3]),
		    "SCRIPT_FILENAME=%s", program(c->sf + 1)), buf[3]);
	else if (c->sf != NULL)
		env[n++] = (snprintf(buf[3], sizeof(buf[3]),
		    "SCRIPT_FILENAME=%s", c->sf), buf[3]);
	env[n] = NULL;
	free(app->cfg.base_path);
	app->cfg.base_path = c->basepath != NULL ? strdup(c->basepath) : NULL;
	ck_assert_ptr_nonnull(r = calloc(1, sizeof(*r)));
	r->envp = env;
	r->app = app;
	rc = ac_req_route_path(r, path, sizeof(path), base, sizeof(base));
	free(r);
	if (c->path == NULL) {
		ck_assert_msg(rc == -1, "%s: a path (%s)", c->what, path);
		return;
	}
	ck_assert_msg(rc == 0, "%s: no path", c->what);
	ck_assert_msg(strcmp(path, c->path) == 0, "%s: path %s, not %s",
	    c->what, path, c->path);
	ck_assert_msg(strcmp(base, c->base) == 0, "%s: base %s, not %s",
	    c->what, base, c->base);
}
END_TEST

/* REQUEST_URI longer than any path: no path, a 404. */
START_TEST(test_route_path_long)
{
	struct mem	 m;
	char		*uri, *env[] = { "REQUEST_METHOD=GET", NULL, NULL };

	ck_assert_ptr_nonnull(uri = malloc(AC_MAXPATH + 32));
	strcpy(uri, "REQUEST_URI=/");
	memset(uri + 13, 'a', AC_MAXPATH);
	uri[13 + AC_MAXPATH] = '\0';
	env[1] = uri;
	run_status(&m, env, NULL, "404");
	free(uri);
}
END_TEST

/*
 * A match moves to the thread that answers it (loop.c copies it into the
 * pooled job): a copy answers alike after the original is overwritten.
 */
START_TEST(test_route_match_copy)
{
	struct mem	 m;
	struct ac_req	*r;
	struct ac_match	*a, *b;
	struct ac_store	*store = NULL;
	char		*env[] = { "REQUEST_METHOD=GET",
		    "REQUEST_URI=/cgi-bin/t/u/a%40b/t/7", "SCRIPT_NAME=/cgi-bin/t",
		    "PATH_INFO=/u/a@b/t/7", NULL, NULL };
	char		 sf[600];

	snprintf(sf, sizeof(sf), "SCRIPT_FILENAME=%s", program("t"));
	env[4] = sf;
	memset(&m, 0, sizeof(m));
	ck_assert_ptr_nonnull(r = calloc(1, sizeof(*r)));
	ck_assert_ptr_nonnull(a = malloc(sizeof(*a)));
	ck_assert_ptr_nonnull(b = malloc(sizeof(*b)));
	r->io = &m;
	r->io_write = mem_write;
	r->io_read = mem_read;
	r->envp = env;
	r->app = app;
	r->storep = &store;
	ck_assert_int_eq(ac_route_match(r, routes, nitems(routes), a),
	    AC_INLINE);
	memcpy(b, a, sizeof(*b));
	memset(a, 0xff, sizeof(*a));
	ac_route_answer(r, b);
	ck_assert_ptr_nonnull(strstr(m.out, "\r\n\r\n{\"uid\":\"a@b\","
	    "\"id\":\"7\"}"));
	ck_assert_str_eq(b->base, "/cgi-bin/t");
	ac_req_reset(r);
	free(r);
	free(a);
	free(b);
	ac_store_close(store);
}
END_TEST

/*
 * Matched once on the route path: path variables, the operations routes
 * and a 405's Allow under a script path and under AUTH_BASE_PATH.
 */
START_TEST(test_route_mounts)
{
	struct mem	 m;
	char		*env[] = { "REQUEST_METHOD=GET",
		    "REQUEST_URI=/cgi-bin/t/u/a%40b/t/7", "SCRIPT_NAME=/cgi-bin/t",
		    "PATH_INFO=/u/a@b/t/7", NULL, NULL };
	char		 sf[600];

	snprintf(sf, sizeof(sf), "SCRIPT_FILENAME=%s", program("t"));
	env[4] = sf;
	run(&m, env, NULL);
	ck_assert_ptr_nonnull(strstr(m.out, "\r\n\r\n{\"uid\":\"a@b\","
	    "\"id\":\"7\"}"));
	env[1] = "REQUEST_URI=/cgi-bin/t/healthz";
	env[3] = "PATH_INFO=/healthz";
	run_status(&m, env, NULL, "200");
	ck_assert_ptr_nonnull(strstr(m.out, "\"status\":\"ok\""));
	env[0] = "REQUEST_METHOD=POST";
	run_status(&m, env, NULL, "405");
	ck_assert_ptr_nonnull(strstr(m.out, "Allow: GET, HEAD, OPTIONS\r\n"));
	/* Under AUTH_BASE_PATH; outside it, from the root. */
	free(app->cfg.base_path);
	app->cfg.base_path = strdup("/auth");
	env[0] = "REQUEST_METHOD=GET";
	env[1] = "REQUEST_URI=/auth/u/x/t/1?q=/auth";
	env[2] = env[3] = NULL;
	run_status(&m, env, NULL, "200");
	env[1] = "REQUEST_URI=/auth/healthz";
	run_status(&m, env, NULL, "200");
	env[1] = "REQUEST_URI=/auth/auth/u/x/t/1";
	run_status(&m, env, NULL, "404");
	env[1] = "REQUEST_URI=/u/x/t/1";
	run_status(&m, env, NULL, "200");
	/* An authorization check is never an operations path. */
	env[1] = "REQUEST_URI=/auth/healthz";
	env[2] = "FCGI_ROLE=AUTHORIZER";
	run_status(&m, env, NULL, "404");
	free(app->cfg.base_path);
	app->cfg.base_path = NULL;
}
END_TEST

Suite *
tu_suite(void)
{
	Suite		*s = suite_create("http");
	const TTest	*parse[] = { test_bearer, test_pct, test_utf8,
			    test_forms, test_cookies,
			    test_content_type_env_origin, NULL };
	const TTest	*route[] = { test_route_vars, test_route_errors,
			    test_route_auth, test_route_body, test_route_secret,
			    NULL };

	tu_tcase(s, "parse", 0, NULL, NULL, parse);
	const TTest	*mounts[] = { test_route_path_long, test_route_mounts,
			    test_route_match_copy, NULL };
	TCase		*tc;

	tu_tcase(s, "route", 0, setup, teardown, route);
	tu_tcase(s, "mounts", 0, setup, teardown, mounts);
	tc = tcase_create("path rule");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_route_path, 0, (int)nitems(pathcases));
	suite_add_tcase(s, tc);
	return s;
}
