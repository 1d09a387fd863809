/*
 * sessauth.c: ac_req_auth's cookie half (websession.c holds the sessions
 * themselves): which cookie a request carries, its checks (format, Better
 * Auth's signature, same site for a write), the per-process cache, the
 * lookup, and the claims a session hands on, those of login's access
 * tokens (sub, sid, email, exp).  Also the session cookie's name and its
 * Set-Cookie.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "ac.h"
#include "extern.h"
#include "http.h"

#define BA_COOKIE	"better-auth.session_token"
#define MAXCOOKIE	512

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
ac_req_session_cookie_name(const struct ac_req *r, const struct ac_app *app)
{

	return app->cfg.cookie_secure && ac_req_https(r) ?
	    "__Host-sessionToken" : "sessionToken";
}

void
ac_req_session_cookie(struct ac_req *r, const struct ac_app *app,
    const char *tok, long maxage)
{
	const char	*name = ac_req_session_cookie_name(r, app);
	const char	*base = ac_req_base(r);
	char		 buf[512];

	/*
	 * The mount point (AUTH_BASE_PATH), or / at the root.  __Host-:
	 * Secure, Path=/ and no Domain, or browsers drop it.
	 */
	if (strncmp(name, "__Host-", 7) == 0 || *base == '\0')
		base = "/";
	snprintf(buf, sizeof(buf), "%s=%s; Max-Age=%ld; Path=%s; HttpOnly;%s "
	    "SameSite=Strict", name, tok, maxage, base,
	    app->cfg.cookie_secure ? " Secure;" : "");
	ac_req_header(r, "Set-Cookie", buf);
}

/* The claims of a session, as login's access tokens carry them. */
static enum ac_reason
claims(const struct ac_app *app, const struct ac_wsentry *e,
    struct ac_token *tok)
{
	json_object	*o, *v;

	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(o, "sub", json_object_new_string(e->uid));
	if (strcmp(app->cfg.subject_claim, "sub") != 0)
		json_object_object_add(o, app->cfg.subject_claim,
		    json_object_new_string(e->uid));
	json_object_object_add(o, "sid", json_object_new_string(e->sid));
	if (e->verified && e->email[0] != '\0')
		json_object_object_add(o, "email",
		    json_object_new_string(e->email));
	else if (!e->ba)
		json_object_object_add(o, "email_verified",
		    json_object_new_boolean(0));
	json_object_object_add(o, "exp", json_object_new_int64(e->expires));
	json_object_object_add(o, "auth_method",
	    json_object_new_string("session"));
	tok->claims = o;
	tok->exp = e->expires;
	if (!json_object_object_get_ex(o, "sub", &v))
		return AC_NOMEM;
	tok->sub = json_object_get_string(v);
	return AC_OK;
}

enum ac_reason
ac_websession_auth(struct ac_req *r, const struct ac_app *app,
    struct ac_token *tok)
{
	struct ac_wsentry e;
	struct ac_store	*st;
	unsigned char	 h[32];
	char		 v[MAXCOOKIE], name[64];
	const char	*cname = ac_req_session_cookie_name(r, app), *c;
	time_t		 now = time(NULL);
	long long	 t = now_ms();
	long		 n;
	int		 ba = 0, k;
	enum ac_reason	 rc;

	memset(&e, 0, sizeof(e));
	if ((n = ac_req_cookie(r, cname, v, sizeof(v))) < 0 &&
	    app->cfg.ba_session_table != NULL) {
		snprintf(name, sizeof(name), "%s%s", ac_req_https(r) ?
		    "__Secure-" : "", BA_COOKIE);
		if ((n = ac_req_cookie(r, name, v, sizeof(v))) < 0 &&
		    ac_req_https(r))
			n = ac_req_cookie(r, BA_COOKIE, v, sizeof(v));
		ba = n >= 0;
	}
	if (n < 0) {
		/* Present but too long for us, or absent. */
		c = ac_req_param(r, "HTTP_COOKIE");
		snprintf(name, sizeof(name), "%s=", cname);
		if (c != NULL && strstr(c, name) != NULL)
			rc = AC_SESSION_MALFORMED;
		else
			rc = AC_TOKEN_MISSING;
		goto out;
	}
	/*
	 * A cookie is sent by the browser on its own: same site only, for
	 * a request of ours or, in the Authorizer role, the page's request
	 * that the server asks about (its method and headers).
	 */
	if (r->method != AC_GET && r->method != AC_HEAD &&
	    r->method != AC_OPTIONS &&
	    (rc = ac_req_same_origin(r, app)) != AC_OK)
		goto out;
	if (ba) {
		if (ac_pct_decode(v) == -1 || (k = ac_websession_ba_check(
		    &app->cfg, v)) == -1) {
			rc = AC_SESSION_MALFORMED;
			goto out;
		}
		if (k == -2) {
			rc = AC_SESSION_SIGNATURE_INVALID;
			goto out;
		}
		/* Keyed apart from our own tokens' hashes in the cache. */
		SHA256((unsigned char *)v, strlen(v), h);
		h[31] ^= 0x5a;
	} else if (ac_websession_hash(v, h) == -1) {
		rc = AC_SESSION_MALFORMED;
		goto out;
	}
	if (ac_wscache_get(h, t, app->cfg.session_cache * 1000, &e) &&
	    e.expires > (int64_t)now) {
		rc = AC_OK;
		goto found;
	}
	memset(&e, 0, sizeof(e));
	if ((rc = ac_req_store(r, &st)) != AC_OK)
		goto out;
	rc = ac_websession_find(app, st, ba ? v : NULL, h, now, &e);
	if (rc != AC_OK)
		goto out;
	memcpy(e.hash, h, sizeof(h));
	e.ba = ba;
	if (app->cfg.session_cache > 0)
		ac_wscache_put(&e, t);
found:
	rc = claims(app, &e, tok);
out:
	/* auth_validation_seconds{method="session"}: ac_req_auth feeds it. */
	OPENSSL_cleanse(v, sizeof(v));
	return rc;
}
