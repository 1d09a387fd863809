/*
 * auth.c: who a request is (ac_req_auth).  A bearer token from
 * Authorization first, else from the header or cookie a deployment
 * names (AUTH_TOKEN_HEADER, AUTH_TOKEN_COOKIE), checked by token.c
 * unless the rollout turned tokens off; without one, the session cookie
 * (websession.c holds the sessions themselves): its checks (format,
 * Better Auth's signature, same site for a write: cookie.c), the
 * per-process cache, the lookup, and the claims a session hands on,
 * those of login's access tokens (sub, sid, email, exp).  Then what the
 * location requires of the token (reqauth.c).  In the Authorizer role
 * (verify behind an Authorizer) the request asked about is the page's,
 * its method and headers; a token cookie is then not held to same site.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "conf.h"
#include "store.h"
#include "tokens.h"
#include "http.h"

#define BA_COOKIE	"better-auth.session_token"
#define MAXCOOKIE	512

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

/* ac_req_auth's cookie half. */
static enum ac_reason
websession_auth(struct ac_req *r, const struct ac_app *app,
    struct ac_token *tok)
{
	struct ac_wsentry e;
	struct ac_store	*st;
	unsigned char	 h[32];
	char		 v[MAXCOOKIE], name[64];
	const char	*cname = ac_req_session_cookie_name(r, app), *c;
	time_t		 now = time(NULL);
	long long	 t = ac_clock_ms();
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

/*
 * A bearer token from AUTH_TOKEN_HEADER, else AUTH_TOKEN_COOKIE (same
 * site only for a write): AC_OK with *tok (borrowed for the request),
 * AC_TOKEN_MISSING when neither is set or sent, or why it is refused.
 */
static enum ac_reason
token_alt(struct ac_req *r, const struct ac_app *app,
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

enum ac_reason
ac_req_bearer(const struct ac_req *r, const char **tok, size_t *len)
{

	return ac_parse_bearer(ac_req_param(r, "HTTP_AUTHORIZATION"), tok,
	    len);
}

enum ac_reason
ac_req_auth(struct ac_req *r, const struct ac_app *app, struct ac_token *tok)
{
	const char	*t;
	size_t		 len;
	uint64_t	 t0;
	enum ac_reason	 rc;

	memset(tok, 0, sizeof(*tok));
	/* Authorization first, then AUTH_TOKEN_HEADER, AUTH_TOKEN_COOKIE. */
	if ((rc = ac_req_bearer(r, &t, &len)) == AC_TOKEN_MISSING)
		rc = token_alt(r, app, &t, &len);
	if (rc == AC_OK) {
		r->authmethod = "jwt";
		/* This request's statements count under its method. */
		r->dbq = AC_DBQ_JWT;
		/* The rollout's rollback (rollout.c). */
		rc = ac_rollout_jwt_enabled(app) ?
		    ac_token_verify(app, t, len, time(NULL), tok) :
		    AC_JWT_DISABLED;
		if (rc == AC_JWT_DISABLED)
			ac_metrics_refusal(rc);
	} else if (rc == AC_TOKEN_MISSING &&
	    ac_req_param(r, "HTTP_COOKIE") != NULL) {
		t0 = ac_metrics_clock();
		r->dbq = AC_DBQ_SESSION;
		if ((rc = websession_auth(r, app, tok)) !=
		    AC_TOKEN_MISSING) {
			r->authmethod = "session";
			ac_metrics_validation(AC_VIA_SESSION, rc, t0, 0);
		} else
			ac_metrics_refusal(rc);
	} else
		ac_metrics_refusal(rc);
	/* What this location requires of a valid token (reqauth.c). */
	if (rc == AC_OK && (rc = ac_req_require(r, app, tok)) != AC_OK) {
		ac_metrics_refusal(rc);
		r->authfail = rc;
		return rc;
	}
	if (rc != AC_OK) {
		r->authfail = rc;
		snprintf(r->authdetail, sizeof(r->authdetail), "%s",
		    tok->detail);
		/* Field-level details for the Authorization header and the
		 * subject claim (errfmt.c). */
		if (r->details != NULL ||
		    (r->details = json_object_new_array()) != NULL)
			ac_errfmt_auth_details(&app->cfg, rc, tok->detail,
			    r->details);
	}
	return rc;
}

const char *
ac_req_auth_method(const struct ac_req *r)
{

	return r->authmethod;
}
