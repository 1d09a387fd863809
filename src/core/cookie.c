/*
 * cookie.c: the browser's side of the suite.  The cookies' names, their
 * reading and their Set-Cookie, and the rule that keeps another site
 * from using them.
 *
 * The refresh cookie's name: AUTH_COOKIE_NAME, else __Host-refreshToken
 * when the request came over https (the browser then refuses the cookie
 * unless it is Secure, Path=/ and without Domain, so no subdomain can
 * plant or shadow it), else refreshToken.  The session cookie's:
 * __Host-sessionToken or sessionToken, the same way.  Both are HttpOnly,
 * SameSite=Strict and live under the mount point.
 *
 * The CSRF rule: SameSite=Strict is not enough, since a site on the same
 * registrable domain (another subdomain) is "same-site" to a browser,
 * and old browsers ignore SameSite.  So every state-changing request
 * that relies on a cookie must come from the site itself or from an
 * origin in ALLOWED_ORIGINS: browsers send Origin on every POST, and
 * Sec-Fetch-Site where they do not.  Login needs no cookie but sets one:
 * it takes JSON only, which a cross-site page cannot send without a CORS
 * preflight that only allowed origins pass (a form could log a victim
 * into the attacker's account).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ac.h"
#include "base.h"
#include "http.h"

int
ac_req_https(const struct ac_req *r)
{
	const char	*v;

	return ((v = ac_req_param(r, "HTTPS")) != NULL &&
	    strcasecmp(v, "on") == 0) ||
	    ((v = ac_req_param(r, "REQUEST_SCHEME")) != NULL &&
	    strcasecmp(v, "https") == 0);
}

const char *
ac_req_cookie_name(const struct ac_req *r, const struct ac_app *app)
{
	const struct ac_config *c = ac_app_config(app);

	if (c->cookie_name != NULL)
		return c->cookie_name;
	return ac_req_https(r) && c->cookie_secure ? "__Host-refreshToken" :
	    "refreshToken";
}

const char *
ac_req_session_cookie_name(const struct ac_req *r, const struct ac_app *app)
{

	return app->cfg.cookie_secure && ac_req_https(r) ?
	    "__Host-sessionToken" : "sessionToken";
}

long
ac_req_cookie(const struct ac_req *r, const char *name, char *out,
    size_t outsz)
{
	const char	*c = ac_req_param(r, "HTTP_COOKIE");

	return c == NULL ? -1 : ac_kv_find(c, ';', name, 0, out, outsz);
}

void
ac_req_set_cookie(struct ac_req *r, const struct ac_app *app,
    const char *name, const char *sub, const char *value, long maxage)
{
	const char	*base = ac_req_base(r);
	char		 buf[512];

	/*
	 * Under the mount point (AUTH_BASE_PATH, or the script path), or
	 * / at the root.  __Host-: Secure, Path=/ and no Domain, or
	 * browsers drop it.
	 */
	if (strncmp(name, "__Host-", 7) == 0)
		base = "", sub = "/";
	else if (*base == '\0' && *sub == '\0')
		sub = "/";
	snprintf(buf, sizeof(buf), "%s=%s; Max-Age=%ld; Path=%s%s; "
	    "HttpOnly;%s SameSite=Strict", name, value, maxage, base, sub,
	    ac_app_config(app)->cookie_secure ? " Secure;" : "");
	ac_req_header(r, "Set-Cookie", buf);
}

/* Non-zero when origin is listed in ALLOWED_ORIGINS. */
static int
listed(const struct ac_app *app, const char *origin)
{

	return ac_parse_origin_listed(ac_app_config(app)->allowed_origins,
	    origin);
}

/*
 * Non-zero when origin is this request's own scheme://Host.  Debian's
 * nginx fastcgi_params passes HTTP_HOST as $host, without the port, so a
 * Host without one also matches origin's host:SERVER_PORT (a site on
 * 127.0.0.1:8080 sends Origin http://127.0.0.1:8080).
 */
static int
own(const struct ac_req *r, const char *origin)
{
	const char	*host = ac_req_param(r, "HTTP_HOST");
	const char	*port = ac_req_param(r, "SERVER_PORT");
	const char	*scheme = ac_req_https(r) ? "https://" : "http://";
	size_t		 n = strlen(scheme), hl;

	if (host == NULL || *host == '\0' || strncmp(origin, scheme, n) != 0)
		return 0;
	if (strcasecmp(origin + n, host) == 0)
		return 1;
	hl = strlen(host);
	return strchr(host, ':') == NULL && port != NULL && *port != '\0' &&
	    strncasecmp(origin + n, host, hl) == 0 && origin[n + hl] == ':' &&
	    strcmp(origin + n + hl + 1, port) == 0;
}

enum ac_reason
ac_req_same_origin(struct ac_req *r, const struct ac_app *app)
{
	const char	*o = ac_req_param(r, "HTTP_ORIGIN");
	const char	*sfs = ac_req_param(r, "HTTP_SEC_FETCH_SITE");
	const char	*host, *port, *sep = "";
	char		 msg[400];

	if (o != NULL) {
		if (own(r, o) || listed(app, o))
			return AC_OK;
		ac_req_detail(r, "Origin", "not this site and not in "
		    "ALLOWED_ORIGINS");
		return AC_CROSS_SITE;
	}
	if (sfs != NULL && strcmp(sfs, "same-origin") == 0)
		return AC_OK;
	/* Say what to send: this site's own origin, as a browser would. */
	host = ac_req_param(r, "HTTP_HOST");
	port = ac_req_param(r, "SERVER_PORT");
	if (host != NULL && strchr(host, ':') == NULL && port != NULL &&
	    *port != '\0' && strspn(port, "0123456789") == strlen(port) &&
	    strcmp(port, ac_req_https(r) ? "443" : "80") != 0)
		sep = ":";
	else
		port = "";
	if (host != NULL && *host != '\0' && strlen(host) < 256 &&
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]") == strlen(host))
		snprintf(msg, sizeof(msg), "required for a request that relies "
		    "on the cookie: send Origin: %s%s%s%s (or Sec-Fetch-Site: "
		    "same-origin)", ac_req_https(r) ? "https://" : "http://",
		    host, sep, port);
	else
		snprintf(msg, sizeof(msg), "required for a request that relies "
		    "on the cookie (or Sec-Fetch-Site: same-origin)");
	ac_req_detail(r, "Origin", msg);
	return AC_CROSS_SITE;
}

/*
 * Links in mails (account routes): the base a link may have.  The
 * site's own origin, scheme://Host[:port], into out (size n): -1 when
 * the request names no host or it does not fit.
 */
static int
site_origin(const struct ac_req *r, char *out, size_t n)
{
	const char	*host = ac_req_param(r, "HTTP_HOST");
	const char	*port = ac_req_param(r, "SERVER_PORT");
	int		 https = ac_req_https(r), k;

	if (host == NULL || *host == '\0' || strpbrk(host, "/?#@\\ ") != NULL)
		return -1;
	if (strchr(host, ':') == NULL && port != NULL && *port != '\0' &&
	    strcmp(port, https ? "443" : "80") != 0)
		k = snprintf(out, n, "%s://%s:%s", https ? "https" : "http",
		    host, port);
	else
		k = snprintf(out, n, "%s://%s", https ? "https" : "http", host);
	return k > 0 && (size_t)k < n ? 0 : -1;
}

int
ac_req_link(const struct ac_req *r, const struct ac_app *app,
    const char *target, char *out, size_t n)
{
	char		 origin[512];
	size_t		 ol;
	const char	*p;
	int		 k;

	if (target == NULL || *target == '\0' ||
	    strpbrk(target, " \t\r\n\\\"<>") != NULL)
		return -1;
	for (p = target; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return -1;
	/* A path: under the site itself ("//host" is another host). */
	if (target[0] == '/' && target[1] != '/') {
		if (site_origin(r, origin, sizeof(origin)) == -1)
			return -1;
		k = snprintf(out, n, "%s%s", origin, target);
		return k > 0 && (size_t)k < n ? 0 : -1;
	}
	if (strncmp(target, "http://", 7) != 0 &&
	    strncmp(target, "https://", 8) != 0)
		return -1;
	/* The origin ends where the path, query or fragment starts. */
	p = strchr(target, ':') + 3;
	ol = (size_t)(p + strcspn(p, "/?#") - target);
	if (ol >= sizeof(origin) || memchr(target, '@', ol) != NULL)
		return -1;
	memcpy(origin, target, ol);
	origin[ol] = '\0';
	if (!own(r, origin) && !listed(app, origin))
		return -1;
	k = snprintf(out, n, "%s", target);
	return k > 0 && (size_t)k < n ? 0 : -1;
}
