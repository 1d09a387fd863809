/*
 * settings.c: the settings whose names or values need more than
 * config.c's table: the operator-named JWT_PROVIDER_<NAME>_* lines of
 * the file (kept aside for provider.c), and the checks of AUTH_REQUIRE,
 * AUTH_REQUIRE_WRITE (require.c's grammar), AUTH_TOKEN_HEADER and
 * AUTH_TOKEN_COOKIE, and the judgement of a key set's URL (JWKS_URL and
 * the providers').  config.c calls these while it loads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "ac.h"
#include "base.h"
#include "conf.h"

/*
 * Non-zero when the len bytes at name are JWT_PROVIDER_<NAME>_<FIELD>:
 * NAME of letters, digits and '_' (upper case as written), FIELD one of
 * provider.c's.  They are not in the table, since the names are the
 * operator's; provider.c reads them.
 */
int
ac_config_provider_name(const char *name, size_t len)
{
	static const char *const fields[] = { "_ISSUER", "_JWKS_URL",
	    "_AUDIENCE", "_ALGORITHMS" };
	size_t		 i, n, f;

	if (len <= 13 || strncmp(name, "JWT_PROVIDER_", 13) != 0)
		return 0;
	for (i = 0; i < nitems(fields); i++) {
		f = strlen(fields[i]);
		if (len <= 13 + f || strncmp(name + len - f, fields[i], f) != 0)
			continue;
		for (n = 13; n < len - f; n++)
			if (!((name[n] >= 'A' && name[n] <= 'Z') ||
			    (name[n] >= '0' && name[n] <= '9') || name[n] == '_'))
				return 0;
		return 1;
	}
	return 0;
}

/* Keeps a JWT_PROVIDER_* line of the file for provider.c. */
void
ac_config_provider_kv(struct ac_app *app, const char *name, const char *value,
    const char *path, size_t lineno)
{
	struct ac_config *c = &app->cfg;
	size_t		 i, n = strlen(name);
	char		**nv;

	for (i = 0; i < c->nprovider_kv; i++)
		if (strncmp(c->provider_kv[i], name, n) == 0 &&
		    c->provider_kv[i][n] == '=') {
			ac_app_problemf(app, "%s line %zu: %s is set again: "
			    "keep one", path, lineno, name);
			return;
		}
	if (c->nprovider_kv >= 64) {
		ac_app_problemf(app, "%s line %zu: more than 64 JWT_PROVIDER_ "
		    "settings", path, lineno);
		return;
	}
	if ((nv = realloc(c->provider_kv, (c->nprovider_kv + 1) *
	    sizeof(*nv))) == NULL)
		return;
	c->provider_kv = nv;
	if (asprintf(&nv[c->nprovider_kv], "%s=%s", name, value) != -1)
		c->nprovider_kv++;
}

/* A requirement's default (AUTH_REQUIRE, AUTH_REQUIRE_WRITE) must parse. */
static void
require_check(struct ac_app *app, const char *name, const char *v)
{
	struct ac_require *rq;
	char		 why[160];

	if (v == NULL)
		return;
	if (ac_require_parse(v, &rq, why, sizeof(why)) != 0)
		ac_app_problemf(app, "%s: %s (terms KIND:V1,V2 separated by "
		    "blanks, KIND one of scope, role, group, claim; e.g. "
		    "scope:todos.read role:admin,editor claim:tenant=acme)",
		    name, why);
	ac_require_free(rq);
}

/*
 * Where else a token may come from: a cookie name as AUTH_COOKIE_NAME's,
 * and a header name of letters, digits and '-' that is not one the
 * suite reads for something else.
 */
static void
token_source_check(struct ac_app *app, const struct ac_config *c)
{
	const char	*h = c->token_header, *k = c->token_cookie;

	if (k != NULL && (strlen(k) > 64 || strspn(k, "abcdefghijklmnopqrst"
	    "uvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(k)))
		ac_app_problemf(app, "AUTH_TOKEN_COOKIE: 1 to 64 letters, "
		    "digits, '_', '-' and '.'");
	else if (k != NULL && (strcmp(k, "refreshToken") == 0 ||
	    strcmp(k, "__Host-refreshToken") == 0 || (c->cookie_name != NULL &&
	    strcmp(k, c->cookie_name) == 0)))
		ac_app_problemf(app, "AUTH_TOKEN_COOKIE: '%s' is the refresh "
		    "token's cookie; name the cookie that holds an access "
		    "token", k);
	if (h != NULL && (strlen(h) > 64 || strspn(h, "abcdefghijklmnopqrst"
	    "uvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(h) ||
	    strcasecmp(h, "Authorization") == 0 || strcasecmp(h, "Cookie") ==
	    0 || strncasecmp(h, "Auth-Require", 12) == 0))
		ac_app_problemf(app, "AUTH_TOKEN_HEADER: a header name of 1 to "
		    "64 letters, digits and '-', other than Authorization and "
		    "Cookie (e.g. X-Forwarded-Access-Token)");
}

void
ac_config_check_more(struct ac_app *app)
{
	const struct ac_config *c = &app->cfg;

	require_check(app, "AUTH_REQUIRE", c->require);
	require_check(app, "AUTH_REQUIRE_WRITE", c->require_write);
	token_source_check(app, c);
}

static int
loopback(const char *host)
{

	return strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcmp(host, "::1") == 0 || (strncmp(host, "127.", 4) == 0 &&
	    strspn(host + 4, "0123456789.") == strlen(host + 4));
}

/*
 * Judges a JWKS_URL with libcurl's URL parser, the one that fetches it
 * (jwksclient.c): -1 (why says it) unless an https URL with a host and a
 * path, or http to a loopback host (127/8, ::1, localhost); http
 * elsewhere is 1 (a warning) when allow_http, else -1.  0 when fine.
 */
int
ac_config_url_check(const char *url, int allow_http, char *why, size_t whylen)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *path = NULL;
	int	 rc = -1;

	if (strlen(url) > 2000 || strpbrk(url, " \t\r\n\"<>") != NULL) {
		snprintf(why, whylen, "not a URL");
		return -1;
	}
	if ((u = curl_url()) == NULL) {
		snprintf(why, whylen, "libcurl unavailable");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
	    *host == '\0') {
		snprintf(why, whylen, "not a URL with a host");
		goto out;
	}
	if (strcmp(path, "/") == 0 || *path == '\0') {
		snprintf(why, whylen, "no path (the key set's own path)");
		goto out;
	}
	if (strcmp(scheme, "https") == 0)
		rc = 0;
	else if (strcmp(scheme, "http") != 0)
		snprintf(why, whylen, "scheme %s: use https", scheme);
	else if (loopback(host))
		rc = 0;
	else if (allow_http) {
		snprintf(why, whylen, "plain http to %s: anyone on the path "
		    "can hand out keys (JWKS_ALLOW_HTTP=true)", host);
		rc = 1;
	} else
		snprintf(why, whylen, "plain http to %s: anyone on the path "
		    "could hand out keys; use https (or JWKS_ALLOW_HTTP=true)",
		    host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}
