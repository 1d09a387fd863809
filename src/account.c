/*
 * account.c (the refresh program): the routes people use to run their
 * own accounts, under Better Auth's names and bodies so that front ends
 * written for it work unchanged: request-password-reset, reset-password,
 * change-password, send-verification-email, verify-email, two-factor/
 * enable, verify-totp, verify-backup-code, disable, and delete-user.
 * This file reads requests and writes answers; the policy is the core's
 * (src/core/account.c, twofactor.c, mail.c).
 *
 * Every body is JSON (a cross-site page cannot send it without a CORS
 * preflight); a route that relies on a cookie (the two-factor cookie, a
 * server-side session) also wants the site's or an allowed Origin.
 * Links in mails start with the site's own origin or one of
 * ALLOWED_ORIGINS (ac_req_link), never a host the client names.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ac.h"
#include "account.h"

#define MAXPW		1024
#define TF_COOKIE	"twoFactor"

struct secrets {
	char		 email[256];
	char		 to[256];	/* the address as stored */
	char		 pw[MAXPW + 1];
	char		 pw2[MAXPW + 1];
	char		 tok[128];
	char		 code[32];
	char		 link[2048];
	char		 target[1024];
	char		 uri[2048];
	char		 codes[AC_BACKUP_CODES][AC_BACKUP_CODE_SIZE];
	struct ac_grant	 g;
};

/* The request's JSON body, from the site or an allowed origin. */
static enum ac_reason
body(struct ac_req *r, const struct ac_app *app, json_object **o)
{
	enum ac_reason	 rc;

	if ((rc = ac_req_json_body(r, o)) != AC_OK)
		return rc;
	if (ac_req_param(r, "HTTP_ORIGIN") != NULL)
		return ac_req_same_origin(r, app);
	return AC_OK;
}

/* The string member name of o into out, which must fit; else a detail. */
static enum ac_reason
member(struct ac_req *r, json_object *o, const char *name, char *out,
    size_t n, int required)
{

	out[0] = '\0';
	if (!json_object_object_get_ex(o, name, NULL) && !required)
		return AC_OK;
	if (ac_body_string(o, name, out, n) == -1 || out[0] == '\0') {
		ac_req_detail(r, name, "a non-empty string");
		return AC_VALIDATION_FAILED;
	}
	return AC_OK;
}

static int
flag(json_object *o, const char *name)
{
	json_object	*v;

	return json_object_object_get_ex(o, name, &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}

/* The caller's access token (or session) and the store. */
static enum ac_reason
caller(struct ac_req *r, const struct ac_app *app, struct ac_token *t,
    struct ac_store **st)
{
	enum ac_reason	 rc;

	ac_req_header(r, "Cache-Control", "no-store");
	if ((rc = ac_req_auth(r, app, t)) != AC_OK)
		return rc;
	/* A session cookie, unlike a Bearer token, is sent by browsers. */
	if (ac_req_auth_method(r) != NULL &&
	    strcmp(ac_req_auth_method(r), "session") == 0 &&
	    (rc = ac_req_same_origin(r, app)) != AC_OK)
		return rc;
	return ac_req_store(r, st);
}

/* The caller, the store, the JSON body and its password member name. */
static enum ac_reason
owner(struct ac_req *r, const struct ac_app *app, struct ac_token *t,
    struct ac_store **st, json_object **o, const char *name, char *pw)
{
	enum ac_reason	 rc;

	if ((rc = caller(r, app, t, st)) != AC_OK ||
	    (rc = body(r, app, o)) != AC_OK)
		return rc;
	return member(r, *o, name, pw, MAXPW + 1, 1);
}

static void
limited(struct ac_req *r, enum ac_reason rc, long retry)
{
	char	 ra[32];

	if (rc == AC_RATE_LIMITED) {
		snprintf(ra, sizeof(ra), "%ld", retry);
		ac_req_header(r, "Retry-After", ra);
	}
}

/* {"status":true} and the extra member name: value (may be NULL). */
static enum ac_reason
status_ok(struct ac_req *r, const char *name, const char *value)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(o, "status", json_object_new_boolean(1));
	if (name != NULL)
		json_object_object_add(o, name, json_object_new_string(value));
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

/* target + "?token=" (or "&token=") + tok into out. */
static int
with_token(char *out, size_t n, const char *target, const char *name,
    const char *tok)
{
	size_t	 tl = strlen(target), nl = strlen(name), kl = strlen(tok);

	if (tl + 1 + nl + 1 + kl + 1 > n)
		return -1;
	memmove(out, target, tl);
	out[tl] = strchr(target, '?') != NULL ? '&' : '?';
	memcpy(out + tl + 1, name, nl);
	out[tl + 1 + nl] = '=';
	memcpy(out + tl + nl + 2, tok, kl + 1);
	return 0;
}

/*
 * ac_req_link of target into out (size n), or the detail for the body's
 * or query's member field: where a mailed link may lead.
 */
static enum ac_reason
link_to(struct ac_req *r, const struct ac_app *app, const char *field,
    const char *target, char *out, size_t n)
{

	if (ac_req_link(r, app, target, out, n) == 0)
		return AC_OK;
	ac_req_detail(r, field, "a path, or a URL on this site or an origin "
	    "in ALLOWED_ORIGINS");
	return AC_VALIDATION_FAILED;
}

/* Password reset ------------------------------------------------------- */

enum ac_reason
h_reset_request(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	json_object	*o;
	enum ac_reason	 rc;

	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = body(r, app, &o)) != AC_OK ||
	    (rc = member(r, o, "email", s->email, sizeof(s->email), 1)) !=
	    AC_OK ||
	    (rc = member(r, o, "redirectTo", s->target, sizeof(s->target),
	    0)) != AC_OK)
		return rc;
	/* Judged before the account is looked at: the same for everyone. */
	if ((rc = link_to(r, app, "redirectTo", s->target[0] != '\0' ?
	    s->target : "/reset-password", s->link, sizeof(s->link) - 64)) !=
	    AC_OK || (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	rc = ac_account_link(app, st, s->email, AC_LINK_RESET, time(NULL), 1,
	    s->tok, s->to);
	ac_audit(AC_AUDIT_RESET_REQUEST, rc, NULL, NULL, NULL);
	if (rc == AC_OK && with_token(s->target, sizeof(s->target), s->link,
	    "token", s->tok) == 0)
		ac_mail_account(app, AC_LINK_RESET, s->to, s->target);
	else if (rc != AC_NOT_FOUND && rc != AC_RATE_LIMITED && rc != AC_OK)
		return rc;
	/*
	 * Whether or not the address has an account, and whether or not it
	 * got too many links lately (no enumeration).
	 */
	return status_ok(r, "message", "If this email exists in our system, "
	    "check your email for the reset link");
}

enum ac_reason
h_reset_password(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	json_object	*o;
	char		 uid[64];
	enum ac_reason	 rc;

	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = body(r, app, &o)) != AC_OK ||
	    (rc = member(r, o, "newPassword", s->pw, sizeof(s->pw), 1)) !=
	    AC_OK)
		return rc;
	/* The token in the body, or in the query as the link carried it. */
	if (member(r, o, "token", s->tok, sizeof(s->tok), 0) != AC_OK ||
	    (s->tok[0] == '\0' && ac_req_query(r, "token", s->tok,
	    sizeof(s->tok)) < 0))
		return AC_LINK_TOKEN_INVALID;
	if ((rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	rc = ac_account_reset(app, st, s->tok, s->pw, time(NULL), uid);
	ac_audit(AC_AUDIT_PASSWORD_RESET, rc, uid, NULL, NULL);
	if (rc == AC_VALIDATION_FAILED)
		ac_req_detail(r, "newPassword", "8 to 1024 bytes");
	if (rc != AC_OK)
		return rc;
	return status_ok(r, NULL, NULL);
}

/* The claim name of t copied into extra, when t has it. */
static void
copy_claim(const struct ac_token *t, json_object *extra, const char *name)
{
	json_object	*v;

	if (json_object_object_get_ex(t->claims, name, &v))
		json_object_object_add(extra, name, json_object_get(v));
}

enum ac_reason
h_change_password(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	struct ac_token	 t;
	json_object	*o, *extra = NULL, *a = NULL, *u;
	const char	*sid = NULL;
	char		*at = NULL;
	long		 retry = 0;
	enum ac_reason	 rc;

	memset(&t, 0, sizeof(t));
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = owner(r, app, &t, &st, &o, "currentPassword", s->pw)) !=
	    AC_OK ||
	    (rc = member(r, o, "newPassword", s->pw2, sizeof(s->pw2), 1)) !=
	    AC_OK)
		goto out;
	if (json_object_object_get_ex(t.claims, "sid", &u) &&
	    json_object_is_type(u, json_type_string))
		sid = json_object_get_string(u);
	rc = ac_account_passwd(app, st, t.sub, s->pw, s->pw2, sid,
	    flag(o, "revokeOtherSessions"), ac_req_param(r, "REMOTE_ADDR"),
	    time(NULL), &retry);
	ac_audit(AC_AUDIT_PASSWORD_CHANGE, rc, t.sub, sid, "others=%s",
	    flag(o, "revokeOtherSessions") ? "revoked" : "kept");
	limited(r, rc, retry);
	if (rc == AC_VALIDATION_FAILED)
		ac_req_detail(r, "newPassword", "8 to 1024 bytes");
	if (rc != AC_OK)
		goto out;
	/* A fresh access token for this session (a Bearer caller's). */
	if ((a = json_object_new_object()) == NULL ||
	    (extra = json_object_new_object()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	if (strcmp(ac_req_auth_method(r), "jwt") == 0) {
		copy_claim(&t, extra, "sid");
		copy_claim(&t, extra, "email");
		copy_claim(&t, extra, "email_verified");
		if ((rc = ac_token_issue(app, t.sub, 0, extra, &at)) != AC_OK)
			goto out;
	}
	json_object_object_add(a, "token", at != NULL ?
	    json_object_new_string(at) : NULL);
	if (at != NULL) {
		json_object_object_add(a, "accessToken",
		    json_object_new_string(at));
		json_object_object_add(a, "tokenType",
		    json_object_new_string("Bearer"));
		json_object_object_add(a, "expiresIn",
		    json_object_new_int64(ac_app_config(app)->access_ttl));
	}
	if ((u = json_object_new_object()) != NULL) {
		json_object_object_add(u, "id", json_object_new_string(t.sub));
		json_object_object_add(a, "user", u);
	}
	ac_req_header(r, "Pragma", "no-cache");
	ac_req_json(r, 200, a);
out:
	json_object_put(a);
	json_object_put(extra);
	free(at);
	ac_token_clear(&t);
	return rc;
}

/* Email verification --------------------------------------------------- */

enum ac_reason
h_send_verification(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	json_object	*o;
	char		 cb[1024];
	enum ac_reason	 rc;

	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = body(r, app, &o)) != AC_OK ||
	    (rc = member(r, o, "email", s->email, sizeof(s->email), 1)) !=
	    AC_OK ||
	    (rc = member(r, o, "callbackURL", s->target, sizeof(s->target),
	    0)) != AC_OK)
		return rc;
	if ((s->target[0] != '\0' && (rc = link_to(r, app, "callbackURL",
	    s->target, s->uri, sizeof(s->uri))) != AC_OK) ||
	    (rc = link_to(r, app, "callbackURL", "/api/auth/verify-email",
	    s->link, sizeof(s->link) - 700)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	rc = ac_account_link(app, st, s->email, AC_LINK_VERIFY, time(NULL), 1,
	    s->tok, s->to);
	ac_audit(AC_AUDIT_VERIFY_REQUEST, rc, NULL, NULL, NULL);
	if (rc != AC_OK && rc != AC_NOT_FOUND && rc != AC_RATE_LIMITED)
		return rc;
	if (rc == AC_OK && with_token(s->target, sizeof(s->target), s->link,
	    "token", s->tok) == 0) {
		/* The callback rides along, percent-encoded. */
		if (s->uri[0] != '\0' &&
		    ac_url_encode(s->uri, cb, sizeof(cb)) != -1)
			snprintf(s->target + strlen(s->target),
			    sizeof(s->target) - strlen(s->target),
			    "&callbackURL=%s", cb);
		ac_mail_account(app, AC_LINK_VERIFY, s->to, s->target);
	}
	return status_ok(r, NULL, NULL);
}

/*
 * GET /verify-email?token=...[&callbackURL=...]: 200 {"status":true}, or
 * a redirect to callbackURL (with ?error=invalid_token when the token is
 * no good), as Better Auth answers.  The next tokens of the user carry
 * the email and email_verified: true.
 */
enum ac_reason
h_verify_email(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	char		 uid[64] = "";
	enum ac_reason	 rc;

	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if (ac_req_query(r, "callbackURL", s->target, sizeof(s->target)) >= 0 &&
	    (rc = link_to(r, app, "callbackURL", s->target, s->link,
	    sizeof(s->link) - 64)) != AC_OK)
		return rc;
	if (ac_req_query(r, "token", s->tok, sizeof(s->tok)) < 0)
		rc = AC_LINK_TOKEN_INVALID;
	else if ((rc = ac_req_store(r, &st)) == AC_OK)
		rc = ac_account_verify(st, s->tok, time(NULL), uid);
	ac_audit(AC_AUDIT_EMAIL_VERIFIED, rc, uid, NULL, NULL);
	if (rc != AC_OK && rc != AC_LINK_TOKEN_INVALID)
		return rc;
	if (s->link[0] == '\0')
		return rc != AC_OK ? rc : status_ok(r, NULL, NULL);
	if (rc != AC_OK)
		with_token(s->target, sizeof(s->target), s->link, "error",
		    "invalid_token");
	ac_req_header(r, "Location", rc != AC_OK ? s->target : s->link);
	ac_req_json(r, 302, NULL);
	return AC_OK;
}

/* Two-factor ----------------------------------------------------------- */

enum ac_reason
account_two_factor(struct ac_req *r, const struct ac_app *app,
    struct ac_store *st, const struct ac_grant *g, time_t now)
{
	struct secrets	*s;
	json_object	*o, *m;
	enum ac_reason	 rc;

	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = ac_twofactor_pending(st, g->user_id, now, s->tok)) != AC_OK)
		return rc;
	ac_req_set_cookie(r, app, TF_COOKIE, "/api/auth", s->tok,
	    AC_TWO_FACTOR_TTL);
	ac_req_header(r, "Cache-Control", "no-store");
	if ((o = json_object_new_object()) == NULL ||
	    (m = json_object_new_array()) == NULL) {
		json_object_put(o);
		return AC_NOMEM;
	}
	json_object_array_add(m, json_object_new_string("totp"));
	json_object_object_add(o, "twoFactorRedirect",
	    json_object_new_boolean(1));
	json_object_object_add(o, "twoFactorMethods", m);
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

enum ac_reason
h_2fa_enable(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	struct ac_token	 t;
	json_object	*o, *a = NULL, *codes;
	const char	*issuer;
	char		 iss[128];
	long		 retry = 0;
	size_t		 i;
	enum ac_reason	 rc;

	memset(&t, 0, sizeof(t));
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = owner(r, app, &t, &st, &o, "password", s->pw)) != AC_OK ||
	    (rc = member(r, o, "issuer", iss, sizeof(iss), 0)) != AC_OK)
		goto out;
	/* The name authenticator apps show: asked for, JWT_ISSUER, Host. */
	if ((issuer = iss[0] != '\0' ? iss : ac_app_config(app)->issuer) ==
	    NULL && (issuer = ac_req_param(r, "HTTP_HOST")) == NULL)
		issuer = "jwt-auth-suite";
	rc = ac_twofactor_enable(app, st, t.sub, s->pw, issuer,
	    ac_req_param(r, "REMOTE_ADDR"), time(NULL), &retry, s->uri,
	    sizeof(s->uri), s->codes);
	limited(r, rc, retry);
	if (rc == AC_VALIDATION_FAILED)
		ac_req_detail(r, "issuer", "too long for an otpauth URI");
	if (rc != AC_OK)
		goto out;
	if ((a = json_object_new_object()) == NULL ||
	    (codes = json_object_new_array()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	for (i = 0; i < AC_BACKUP_CODES; i++)
		json_object_array_add(codes,
		    json_object_new_string(s->codes[i]));
	json_object_object_add(a, "totpURI", json_object_new_string(s->uri));
	json_object_object_add(a, "backupCodes", codes);
	ac_req_json(r, 200, a);
out:
	/* json-c's copies of the secret and codes: wiped before freed. */
	if (a != NULL) {
		if (json_object_object_get_ex(a, "totpURI", &o))
			json_object_set_string(o, "");
		if (json_object_object_get_ex(a, "backupCodes", &codes))
			for (i = 0; i < json_object_array_length(codes); i++)
				json_object_set_string(
				    json_object_array_get_idx(codes, i), "");
	}
	json_object_put(a);
	ac_token_clear(&t);
	return rc;
}

/*
 * verify-totp and verify-backup-code.  The two-factor cookie of a login
 * (and no Authorization header) names the login a right code completes,
 * as POST /login would have.  Otherwise the caller (a Bearer token, or a
 * server-side session) confirms enrolment with a TOTP code, and
 * two-factor is on.
 */
enum ac_reason
h_2fa_verify(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	struct ac_token	 t;
	json_object	*o;
	int		 backup, on = 0;
	long		 retry = 0;
	time_t		 now = time(NULL);
	enum ac_reason	 rc;

	memset(&t, 0, sizeof(t));
	backup = strstr(ac_req_path(r), "backup") != NULL;
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	ac_req_header(r, "Cache-Control", "no-store");
	if (ac_req_param(r, "HTTP_AUTHORIZATION") != NULL ||
	    ac_req_cookie(r, TF_COOKIE, s->tok, sizeof(s->tok)) < 0)
		s->tok[0] = '\0';
	if (s->tok[0] == '\0' && !backup) {
		if ((rc = caller(r, app, &t, &st)) != AC_OK ||
		    (rc = body(r, app, &o)) != AC_OK ||
		    (rc = member(r, o, "code", s->code, sizeof(s->code), 1)) !=
		    AC_OK)
			goto out;
		rc = ac_twofactor_confirm(app, st, t.sub, s->code,
		    ac_req_param(r, "REMOTE_ADDR"), now, &on, &retry);
		if (on || rc != AC_OK)
			ac_audit(AC_AUDIT_TWO_FACTOR_ON, rc, t.sub, NULL, NULL);
		limited(r, rc, retry);
		if (rc == AC_OK)
			rc = status_ok(r, NULL, NULL);
		goto out;
	}
	/* A login waiting for its code: the cookie, from the site. */
	if ((rc = body(r, app, &o)) != AC_OK ||
	    (rc = ac_req_same_origin(r, app)) != AC_OK ||
	    (rc = member(r, o, "code", s->code, sizeof(s->code), 1)) != AC_OK)
		goto out;
	if (s->tok[0] == '\0') {
		rc = AC_TWO_FACTOR_INVALID;
		goto out;
	}
	if ((rc = ac_req_store(r, &st)) != AC_OK)
		goto out;
	rc = ac_twofactor_login(app, st, s->tok, s->code, backup,
	    ac_req_param(r, "REMOTE_ADDR"), ac_req_param(r, "HTTP_USER_AGENT"),
	    now, &s->g, &retry);
	limited(r, rc, retry);
	if (rc == AC_OK) {
		ac_req_set_cookie(r, app, TF_COOKIE, "/api/auth", "", 0);
		rc = refresh_answer(r, app, &s->g, now);
	}
	/* Recorded as answered only once the answer is built. */
	ac_audit(AC_AUDIT_LOGIN, rc, s->g.user_id, s->g.session_id,
	    "factor=%s", backup ? "backup_code" : "totp");
out:
	ac_token_clear(&t);
	return rc;
}

enum ac_reason
h_2fa_disable(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	struct ac_token	 t;
	json_object	*o;
	long		 retry = 0;
	enum ac_reason	 rc;

	memset(&t, 0, sizeof(t));
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = owner(r, app, &t, &st, &o, "password", s->pw)) != AC_OK)
		goto out;
	rc = ac_twofactor_disable(app, st, t.sub, s->pw,
	    ac_req_param(r, "REMOTE_ADDR"), time(NULL), &retry);
	ac_audit(AC_AUDIT_TWO_FACTOR_OFF, rc, t.sub, NULL, NULL);
	limited(r, rc, retry);
	if (rc == AC_OK)
		rc = status_ok(r, NULL, NULL);
out:
	ac_token_clear(&t);
	return rc;
}

/* Deletion ------------------------------------------------------------- */

enum ac_reason
h_delete_user(struct ac_req *r, const struct ac_app *app)
{
	struct secrets	*s;
	struct ac_store	*st;
	struct ac_token	 t;
	json_object	*o, *a;
	long		 retry = 0;
	enum ac_reason	 rc;

	memset(&t, 0, sizeof(t));
	if ((s = ac_req_secret(r, sizeof(*s))) == NULL)
		return AC_NOMEM;
	if ((rc = owner(r, app, &t, &st, &o, "password", s->pw)) != AC_OK ||
	    (rc = member(r, o, "code", s->code, sizeof(s->code), 0)) != AC_OK)
		goto out;
	rc = ac_account_delete(app, st, t.sub, s->pw,
	    s->code[0] != '\0' ? s->code : NULL, ac_req_param(r, "REMOTE_ADDR"),
	    time(NULL), &retry);
	ac_audit(AC_AUDIT_USER_DELETE, rc, t.sub, NULL, "actor=self");
	limited(r, rc, retry);
	if (rc == AC_TWO_FACTOR_INVALID && s->code[0] == '\0')
		ac_req_detail(r, "code", "two-factor is on: the current code "
		    "is needed too");
	if (rc != AC_OK)
		goto out;
	refresh_clear(r, app);
	if ((a = json_object_new_object()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	json_object_object_add(a, "success", json_object_new_boolean(1));
	json_object_object_add(a, "message",
	    json_object_new_string("User deleted"));
	ac_req_json(r, 200, a);
	json_object_put(a);
out:
	ac_token_clear(&t);
	return rc;
}
