/*
 * reqauth.c: the two halves of ac_req_auth (req.c) that a deployment
 * chooses: where a bearer token may come from besides Authorization
 * (AUTH_TOKEN_HEADER, AUTH_TOKEN_COOKIE), and what a location requires
 * of a valid token (AUTH_REQUIRE, AUTH_REQUIRE_WRITE; require.c holds
 * the grammar and the check).
 *
 * A requirement is read from the request's parameters: nginx
 * fastcgi_param, Apache SetEnv or SetEnvIf, lighttpd
 * setenv.add-environment, or the environment under CGI; a parameter
 * that is absent or empty leaves the configuration's default.  Request
 * headers reach the parameters as HTTP_*, so "Auth-Require: ..." from a
 * client is HTTP_AUTH_REQUIRE and never read.  A malformed requirement
 * refuses the request (500 config_invalid, logged): a typo never opens
 * the location.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ac.h"
#include "extern.h"
#include "http.h"

enum ac_reason
ac_req_token_alt(struct ac_req *r, const struct ac_app *app,
    const char **tok, size_t *len)
{
	const struct ac_config *c = &app->cfg;
	char		 name[80], *buf;
	const char	*v, *ck;
	size_t		 i, n;
	long		 k;

	if (c->token_header != NULL) {
		/* X-Forwarded-Access-Token: HTTP_X_FORWARDED_ACCESS_TOKEN. */
		n = strlen(c->token_header);
		memcpy(name, "HTTP_", 5);
		for (i = 0; i < n && i + 6 < sizeof(name); i++)
			name[5 + i] = c->token_header[i] == '-' ? '_' :
			    c->token_header[i] >= 'a' &&
			    c->token_header[i] <= 'z' ?
			    c->token_header[i] - 'a' + 'A' : c->token_header[i];
		name[5 + i] = '\0';
		if ((v = ac_req_param(r, name)) != NULL) {
			v += strspn(v, " \t");
			n = strcspn(v, " \t");
			if (n == 0 || v[n + strspn(v + n, " \t")] != '\0')
				return AC_TOKEN_MALFORMED;
			*tok = v;
			*len = n;
			return AC_OK;
		}
	}
	if (c->token_cookie == NULL ||
	    (ck = ac_req_param(r, "HTTP_COOKIE")) == NULL)
		return AC_TOKEN_MISSING;
	n = (size_t)c->max_token + 2;
	if ((buf = ac_req_secret(r, n)) == NULL)
		return AC_NOMEM;
	if ((k = ac_req_cookie(r, c->token_cookie, buf, n)) < 0) {
		/* Absent, or present and longer than any token we take. */
		snprintf(name, sizeof(name), "%s=", c->token_cookie);
		return strstr(ck, name) != NULL ? AC_TOKEN_TOO_LARGE :
		    AC_TOKEN_MISSING;
	}
	/* A cookie is sent by the browser on its own: same site only. */
	if (r->method != AC_GET && r->method != AC_HEAD &&
	    r->method != AC_OPTIONS && !r->authorizer &&
	    ac_req_same_origin(r, app) != AC_OK)
		return AC_CROSS_SITE;
	if (k == 0)
		return AC_TOKEN_MALFORMED;
	*tok = buf;
	*len = (size_t)k;
	return AC_OK;
}

/*
 * One requirement (setting name): the request's parameter, else the
 * configured default def.  AC_OK when it holds or there is none.
 */
static enum ac_reason
one(struct ac_req *r, const char *name, const char *def,
    const struct ac_token *tok)
{
	const struct ac_require *rq;
	const char	*s, *failed;
	char		 why[160], clean[256];
	int		 bad;

	if ((s = ac_req_param(r, name)) == NULL || *s == '\0')
		s = def;
	if (s == NULL)
		return AC_OK;
	if ((rq = ac_require_get(s, why, sizeof(why), &bad)) == NULL) {
		if (bad == -2)
			return AC_NOMEM;
		ac_log_quote(clean, sizeof(clean), why);
		ac_log(AC_LOG_ERROR, "event=config_invalid setting=%s "
		    "problem=\"%s\"", name, clean);
		return AC_CONFIG_INVALID;
	}
	if ((failed = ac_require_check(rq, tok->claims)) == NULL)
		return AC_OK;
	snprintf(r->reqscope, sizeof(r->reqscope), "%s",
	    ac_require_scopes(rq));
	snprintf(r->authdetail, sizeof(r->authdetail), "requires %s", failed);
	ac_req_detail(r, "token", r->authdetail);
	ac_log_clean(clean, sizeof(clean), failed);
	ac_log(AC_LOG_INFO, "event=insufficient_scope setting=%s term=%s",
	    name, clean);
	return AC_INSUFFICIENT_SCOPE;
}

enum ac_reason
ac_req_require(struct ac_req *r, const struct ac_app *app,
    const struct ac_token *tok)
{
	const struct ac_config *c = &app->cfg;
	enum ac_reason	 rc;

	if ((rc = one(r, "AUTH_REQUIRE", c->require, tok)) != AC_OK)
		return rc;
	if (r->method == AC_GET || r->method == AC_HEAD ||
	    r->method == AC_OPTIONS)
		return AC_OK;
	return one(r, "AUTH_REQUIRE_WRITE", c->require_write, tok);
}
