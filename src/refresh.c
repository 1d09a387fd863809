/*
 * refresh: the token lifecycle under /api/auth/: login, refresh-token
 * rotation, logout, and the caller's sessions.  This file only reads
 * requests and writes answers; users, sessions, rotation, theft detection
 * and throttling live in the core (src/core/users.c, session.c).
 *
 * The refresh token travels in the cookie refreshToken (browsers; named
 * by ac_req_cookie_name: __Host-refreshToken over https) or, for other
 * clients, in the OAuth 2 form grant_type=refresh_token&
 * refresh_token=... or JSON {"refreshToken"}; then the new one comes back
 * in the body as well.  Every token answer carries Cache-Control: no-store.
 * A refresh or logout that relies on the cookie must come from the site
 * itself or an allowed origin, and login takes JSON only (cookie.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ac.h"
#include "account.h"

#define MAXTOK		256
#define MAXPW		1024

enum src {
	SRC_NONE = 0,
	SRC_COOKIE,
	SRC_JSON,
	SRC_FORM
};

/*
 * What a handler copies out of the request or gets from the core and
 * must not outlive it: in ac_req_secret memory, which the core wipes
 * when the request ends.
 */
struct secrets {
	char		 email[256];
	char		 pw[MAXPW + 1];
	char		 tok[MAXTOK];	/* the presented refresh token */
	char		 wtok[MAXTOK];	/* a server-side session's */
	struct ac_grant	 g;		/* a new refresh token */
};

/*
 * The refresh cookie, under the mount point's /api/auth, and a
 * server-side session's cookie, at the mount point itself (cookie.c):
 * each is set and cleared (tok "", maxage 0) at one path.
 */
static void
set_cookie(struct ac_req *r, const struct ac_app *app, const char *tok,
    long maxage)
{

	ac_req_set_cookie(r, app, ac_req_cookie_name(r, app), "/api/auth",
	    tok, maxage);
}

static void
session_cookie(struct ac_req *r, const struct ac_app *app, const char *tok,
    long maxage)
{

	ac_req_set_cookie(r, app, ac_req_session_cookie_name(r, app), "", tok,
	    maxage);
}

/* Email and password from a JSON body sent by the site or an allowed origin. */
static enum ac_reason
credentials(struct ac_req *r, const struct ac_app *app, struct secrets *s)
{
	enum ac_reason	 rc;

	/*
	 * JSON only: a cross-site page can post a form or text/plain without
	 * asking, and so log a victim into the attacker's account.  JSON
	 * needs a CORS preflight, which only ALLOWED_ORIGINS pass.
	 */
	if (!ac_req_content_type(r, "application/json")) {
		ac_req_detail(r, "Content-Type", "must be application/json");
		return AC_CROSS_SITE;
	}
	if (ac_req_param(r, "HTTP_ORIGIN") != NULL &&
	    (rc = ac_req_same_origin(r, app)) != AC_OK)
		return rc;
	return ac_body_credentials(r, s->email, sizeof(s->email), s->pw,
	    sizeof(s->pw));
}

/*
 * The presented refresh token: from the body when the body carries one
 * (JSON refreshToken, or the OAuth form), else from the cookie.
 */
static enum ac_reason
presented(struct ac_req *r, const struct ac_app *app, char *tok, size_t n,
    enum src *src)
{
	json_object	*o;
	const char	*b, *c, *name = ac_req_cookie_name(r, app);
	char		 gt[32], eq[80];
	size_t		 len;
	enum ac_reason	 rc;

	*src = SRC_NONE;
	tok[0] = '\0';
	if (ac_req_content_type(r, "application/json")) {
		if ((rc = ac_req_json_body(r, &o)) != AC_OK)
			return rc;
		if (json_object_object_get_ex(o, "refreshToken", NULL)) {
			*src = SRC_JSON;
			if (ac_body_string(o, "refreshToken", tok, n) == -1)
				return AC_REFRESH_TOKEN_MALFORMED;
			return AC_OK;
		}
	} else if (ac_req_content_type(r,
	    "application/x-www-form-urlencoded")) {
		if ((rc = ac_req_body(r, &b, &len)) != AC_OK)
			return rc;
		if (ac_kv_find(b, '&', "grant_type", 1, gt, sizeof(gt)) >= 0 &&
		    strcmp(gt, "refresh_token") != 0) {
			ac_req_detail(r, "grant_type", "must be refresh_token");
			return AC_BODY_MALFORMED;
		}
		if (strstr(b, "refresh_token=") != NULL) {
			*src = SRC_FORM;
			if (ac_kv_find(b, '&', "refresh_token", 1, tok, n) < 0)
				return AC_REFRESH_TOKEN_MALFORMED;
			return AC_OK;
		}
	}
	*src = SRC_COOKIE;
	if (ac_req_cookie(r, name, tok, n) >= 0)
		return AC_OK;
	c = ac_req_param(r, "HTTP_COOKIE");
	snprintf(eq, sizeof(eq), "%s=", name);
	if (c != NULL && strstr(c, eq) != NULL)
		return AC_REFRESH_TOKEN_MALFORMED;
	tok[0] = '\0';
	return AC_OK;
}

/*
 * Answers o, which holds credentials: never cached (RFC 6749 5.1).
 * Takes o; the handler's answer is then AC_OK.
 */
static enum ac_reason
answer_nostore(struct ac_req *r, json_object *o)
{

	ac_req_header(r, "Cache-Control", "no-store");
	ac_req_header(r, "Pragma", "no-cache");
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

/*
 * The answer of a user the rollout keeps off JWT (JWT_AUTH_ENABLED,
 * JWT_ROLLOUT_PERCENTAGE): a server-side session.  Its cookie goes as the
 * refresh token's would (and in the body where that would); a refresh
 * cookie the browser still holds is cleared.
 */
static enum ac_reason
session_answer(struct ac_req *r, const struct ac_app *app,
    const struct ac_grant *g, enum src src, time_t now)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(o, "authMethod",
	    json_object_new_string("session"));
	json_object_object_add(o, "expiresIn",
	    json_object_new_int64(g->expires - now));
	session_cookie(r, app, g->refresh, (long)(g->expires - now));
	if (src == SRC_COOKIE)
		set_cookie(r, app, "", 0);
	if (src != SRC_COOKIE || ac_app_config(app)->refresh_in_body)
		json_object_object_add(o, "sessionToken",
		    json_object_new_string(g->refresh));
	return answer_nostore(r, o);
}

/*
 * The token answer: the access token the core signed before it stored
 * the grant, and the refresh token where it goes.
 */
static enum ac_reason
tokens(struct ac_req *r, const struct ac_app *app, const struct ac_grant *g,
    enum src src, time_t now)
{
	json_object	*o;
	const char	*at = g->access;
	long		 ttl = ac_app_config(app)->access_ttl;

	if (g->web)
		return session_answer(r, app, g, src, now);
	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(o, "accessToken", json_object_new_string(at));
	json_object_object_add(o, "tokenType", json_object_new_string("Bearer"));
	json_object_object_add(o, "expiresIn", json_object_new_int64(ttl));
	if (src == SRC_COOKIE)
		set_cookie(r, app, g->refresh, (long)(g->expires - now));
	/*
	 * AUTH_REFRESH_TOKEN_IN_BODY: a front end on another site, which
	 * cannot read or send the cookie, gets the token in the body too
	 * (and must keep it from scripts itself: README).
	 */
	if (src != SRC_COOKIE || ac_app_config(app)->refresh_in_body) {
		json_object_object_add(o, "refreshToken",
		    json_object_new_string(g->refresh));
		json_object_object_add(o, "refreshTokenExpiresIn",
		    json_object_new_int64(g->expires - now));
	}
	if (src == SRC_FORM) {
		/* RFC 6749 section 5.1 names, for OAuth 2 clients. */
		json_object_object_add(o, "access_token",
		    json_object_new_string(at));
		json_object_object_add(o, "token_type",
		    json_object_new_string("Bearer"));
		json_object_object_add(o, "expires_in",
		    json_object_new_int64(ttl));
		json_object_object_add(o, "refresh_token",
		    json_object_new_string(g->refresh));
	}
	return answer_nostore(r, o);
}

static enum ac_reason
h_login(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	char		 ra[32];
	long		 retry = 0;
	time_t		 now = time(NULL);
	enum ac_reason	 rc;

	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = credentials(r, app, s)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	rc = ac_user_login(app, st, s->email, s->pw,
	    ac_req_param(r, "REMOTE_ADDR"), ac_req_param(r, "HTTP_USER_AGENT"),
	    now, &s->g, &retry);
	if (rc == AC_RATE_LIMITED) {
		snprintf(ra, sizeof(ra), "%ld", retry);
		ac_req_header(r, "Retry-After", ra);
	}
	/* The token was signed before the session was stored. */
	if (rc == AC_OK)
		rc = tokens(r, app, &s->g, SRC_COOKIE, now);
	else if (rc == AC_TWO_FACTOR_REQUIRED) {
		ac_audit(AC_AUDIT_LOGIN, rc, s->g.user_id, NULL, NULL);
		return account_two_factor(r, app, st, &s->g, now);
	}
	ac_audit(AC_AUDIT_LOGIN, rc, s->g.user_id, s->g.session_id, NULL);
	return rc;
}

/* Which of the two signup refused, and only that one (never the password). */
static void
signup_details(struct ac_req *r, const struct secrets *s)
{
	int	 bad = ac_user_invalid(s->email, s->pw);

	if (bad & AC_USER_BAD_EMAIL)
		ac_req_invalid(r, "body", "email", "value_error",
		    json_object_new_string(s->email), 0,
		    "must be a valid email address");
	if (bad & AC_USER_SHORT_PASSWORD)
		ac_req_invalid(r, "body", "password", "string_too_short", NULL,
		    8, "must be 8 to 1024 bytes");
	if (bad & AC_USER_LONG_PASSWORD)
		ac_req_invalid(r, "body", "password", "string_too_long", NULL,
		    1024, "must be 8 to 1024 bytes");
}

static enum ac_reason
h_signup(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	json_object	*o;
	char		 id[64];
	enum ac_reason	 rc;

	if (!ac_app_config(app)->signup)
		return AC_NOT_FOUND;
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = credentials(r, app, s)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	rc = ac_user_signup(app, st, s->email, s->pw, time(NULL), id,
	    sizeof(id));
	ac_audit(AC_AUDIT_SIGNUP, rc, rc == AC_OK ? id : NULL, NULL, NULL);
	if (rc == AC_VALIDATION_FAILED)
		signup_details(r, s);
	if (rc != AC_OK)
		return rc;
	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "email", json_object_new_string(s->email));
	ac_req_json(r, 201, o);
	json_object_put(o);
	return AC_OK;
}

static enum ac_reason
h_refresh(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	enum src	 src = SRC_NONE;
	time_t		 now = time(NULL);
	uint64_t	 t0 = ac_metrics_clock();
	enum ac_reason	 rc;

	ac_req_header(r, "Cache-Control", "no-store");
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	if ((rc = presented(r, app, s->tok, sizeof(s->tok), &src)) != AC_OK)
		goto out;
	if (s->tok[0] == '\0') {
		rc = AC_REFRESH_TOKEN_MISSING;
		goto out;
	}
	if (src == SRC_COOKIE && (rc = ac_req_same_origin(r, app)) != AC_OK) {
		src = SRC_NONE;		/* the cookie stays: not ours to drop */
		goto out;
	}
	if ((rc = ac_req_store(r, &st)) != AC_OK)
		goto out;
	if ((rc = ac_session_refresh(app, st, s->tok, now, &s->g)) == AC_OK)
		rc = tokens(r, app, &s->g, src, now);
out:
	/* A dead cookie is of no use to the browser: drop it. */
	if (src == SRC_COOKIE && (rc == AC_REFRESH_TOKEN_MALFORMED ||
	    rc == AC_REFRESH_TOKEN_UNKNOWN || rc == AC_REFRESH_TOKEN_EXPIRED ||
	    rc == AC_REFRESH_TOKEN_REVOKED || rc == AC_REFRESH_TOKEN_REUSED))
		set_cookie(r, app, "", 0);
	ac_metrics_refresh(rc, t0);
	return rc;
}

static enum ac_reason
h_logout(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	enum src	 src;
	enum ac_reason	 rc;

	ac_req_header(r, "Cache-Control", "no-store");
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = presented(r, app, s->tok, sizeof(s->tok), &src)) != AC_OK)
		return rc;
	/* A server-side session's cookie (websession.c) ends too. */
	if (ac_req_cookie(r, ac_req_session_cookie_name(r, app), s->wtok,
	    sizeof(s->wtok)) < 0)
		s->wtok[0] = '\0';
	if (((src == SRC_COOKIE && s->tok[0] != '\0') || s->wtok[0] != '\0') &&
	    (rc = ac_req_same_origin(r, app)) != AC_OK)
		return rc;
	set_cookie(r, app, "", 0);
	if (s->wtok[0] != '\0') {
		session_cookie(r, app, "", 0);
		if ((rc = ac_req_store(r, &st)) != AC_OK ||
		    ((rc = ac_websession_logout(st, s->wtok, time(NULL))) !=
		    AC_OK && rc != AC_SESSION_MALFORMED))
			return rc;
	}
	/* No refresh token came: nothing to revoke, already logged out. */
	if (s->tok[0] != '\0' && ((rc = ac_req_store(r, &st)) != AC_OK ||
	    (rc = ac_session_logout(st, s->tok, time(NULL))) != AC_OK))
		return rc;
	ac_req_json(r, 204, NULL);
	return AC_OK;
}

/*
 * RFC 7009 revocation: form token= (and token_type_hint=, which the
 * token's shape makes unnecessary: tokrevoke.c).  200 with no body for
 * any token, so that the answer says nothing about it; a refresh token's
 * family ends, and so does the session an access token names (sid).  No
 * client authentication: holding the token is the right to end it, and
 * no cookie is read, so another site gains nothing by posting here.
 */
static enum ac_reason
h_revoke(struct ac_req *r, const struct ac_app *app)
{
	struct ac_store	*st;
	const char	*t;
	long		 n;
	enum ac_reason	 rc;

	ac_req_header(r, "Cache-Control", "no-store");
	if ((rc = ac_body_form_token(r, app, &t, &n)) != AC_OK)
		return rc;
	if (n > 0 && ((rc = ac_req_store(r, &st)) != AC_OK ||
	    (rc = ac_session_revoke_token(app, st, t, (size_t)n,
	    time(NULL))) != AC_OK))
		return rc;
	ac_req_json(r, 200, NULL);
	return AC_OK;
}

/* The sid claim of a verified access token, or NULL. */
static const char *
token_sid(const struct ac_token *t)
{
	json_object	*v;

	if (!json_object_object_get_ex(t->claims, "sid", &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The caller's sessions as JSON: {"sessions": [...]}. */
static enum ac_reason
sessions_list(struct ac_req *r, struct ac_store *st,
    const struct ac_token *t)
{
	json_object	*list, *o;
	enum ac_reason	 rc;

	if ((rc = ac_session_list(st, t->sub, token_sid(t), time(NULL),
	    &list)) != AC_OK)
		return rc;
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(list);
		return AC_NOMEM;
	}
	json_object_object_add(o, "sessions", list);
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

/*
 * The caller's sessions, one handler for the three routes that share the
 * access token and the store: GET lists them, DELETE with an id revokes
 * that one, DELETE without one logs out everywhere: every session of the
 * caller, this one too, so the refresh cookie goes as well.  Revoked
 * sessions' access tokens are refused within JWT_REVOCATION_POLL_MS on
 * every process (revoke.c).
 */
static enum ac_reason
h_sessions(struct ac_req *r, const struct ac_app *app)
{
	struct ac_token	 t;
	struct ac_store	*st;
	const char	*id = ac_req_var(r, "id");
	time_t		 now = time(NULL);
	enum ac_reason	 rc;

	ac_req_header(r, "Cache-Control", "no-store");
	if ((rc = ac_req_auth(r, app, &t)) != AC_OK)
		goto out;
	if (id != NULL && strlen(id) >= 32) {
		rc = AC_NOT_FOUND;
		goto out;
	}
	if ((rc = ac_req_store(r, &st)) != AC_OK)
		goto out;
	if (ac_req_method(r) == AC_GET) {
		rc = sessions_list(r, st, &t);
		goto out;
	}
	if (id != NULL)
		rc = ac_session_revoke(st, t.sub, id, now);
	else
		rc = ac_session_revoke_all(st, t.sub, now, NULL);
	ac_audit(AC_AUDIT_SESSION_REVOKE, rc, t.sub, id,
	    id == NULL ? "sessions=all" : NULL);
	if (rc != AC_OK)
		goto out;
	if (id == NULL) {
		set_cookie(r, app, "", 0);
		session_cookie(r, app, "", 0);
	}
	ac_req_json(r, 204, NULL);
out:
	ac_token_clear(&t);
	return rc;
}

enum ac_reason
refresh_answer(struct ac_req *r, const struct ac_app *app,
    const struct ac_grant *g, time_t now)
{

	return tokens(r, app, g, SRC_COOKIE, now);
}

void
refresh_clear(struct ac_req *r, const struct ac_app *app)
{

	set_cookie(r, app, "", 0);
	session_cookie(r, app, "", 0);
}

static const struct ac_route routes[] = {
	{ AC_POST,   "/api/auth/login",		h_login, AC_HASH },
	{ AC_POST,   "/api/auth/signup",	h_signup, AC_HASH },
	{ AC_POST,   "/api/auth/refresh",	h_refresh, AC_POOL },
	{ AC_POST,   "/api/auth/logout",	h_logout, AC_POOL },
	{ AC_POST,   "/api/auth/revoke",	h_revoke, AC_POOL },
	{ AC_GET,    "/api/auth/sessions",	h_sessions, AC_READ },
	{ AC_DELETE, "/api/auth/sessions",	h_sessions, AC_POOL },
	{ AC_DELETE, "/api/auth/sessions/{id}",	h_sessions, AC_POOL },
	/* The account routes (account.c), by Better Auth's names. */
	{ AC_POST, "/api/auth/request-password-reset", h_reset_request, AC_POOL },
	{ AC_POST, "/api/auth/reset-password",	h_reset_password, AC_HASH },
	{ AC_POST, "/api/auth/change-password",	h_change_password, AC_HASH },
	{ AC_POST, "/api/auth/send-verification-email", h_send_verification,
	    AC_POOL },
	{ AC_GET,  "/api/auth/verify-email",	h_verify_email, AC_POOL },
	{ AC_POST, "/api/auth/two-factor/enable", h_2fa_enable, AC_HASH },
	{ AC_POST, "/api/auth/two-factor/verify-totp", h_2fa_verify, AC_POOL },
	{ AC_POST, "/api/auth/two-factor/verify-backup-code", h_2fa_verify,
	    AC_POOL },
	{ AC_POST, "/api/auth/two-factor/disable", h_2fa_disable, AC_HASH },
	{ AC_POST, "/api/auth/delete-user",	h_delete_user, AC_HASH },
};

const struct ac_program ac_program = {
	"refresh", routes, nitems(routes), AC_NEEDS_DB, ac_session_check
};
