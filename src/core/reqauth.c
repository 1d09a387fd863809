/*
 * reqauth.c: the half of ac_req_auth (auth.c) that a location chooses:
 * what it requires of a valid token (AUTH_REQUIRE, AUTH_REQUIRE_WRITE;
 * require.c holds the grammar and the check).
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
#include "base.h"
#include "http.h"

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
