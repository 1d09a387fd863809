/*
 * settings.c: the settings whose names or values need more than
 * config.c's table: the operator-named JWT_PROVIDER_<NAME>_* lines of
 * the file (kept aside for provider.c), and the checks of AUTH_REQUIRE,
 * AUTH_REQUIRE_WRITE (require.c's grammar), AUTH_TOKEN_HEADER and
 * AUTH_TOKEN_COOKIE.  config.c calls these while it loads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ac.h"
#include "extern.h"

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
