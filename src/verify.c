/*
 * verify: the decision point for a web server, in three roles.
 *
 * - A responder (nginx auth_request, or a plain endpoint) on any path:
 *   200 with the subject in X-Auth-Subject and the claims named by
 *   VERIFY_CLAIM_HEADERS in X-Auth-Claim-<Name>, or 401 with the JSON
 *   error envelope and WWW-Authenticate.
 * - A FastCGI Authorizer (lighttpd "mode" => "authorizer", Apache
 *   FcgidAccessChecker/FcgidAuthorizer): the same, with the subject and
 *   claims as Variable-AUTH_SUBJECT and Variable-AUTH_CLAIM_<NAME>, which
 *   the server hands to the protected content's environment.  Routes
 *   match any method in this role, so every path lands in h_verify.
 * - RFC 7662 introspection (POST /api/auth/introspect, token=...), for a
 *   client that proves itself with HTTP Basic against
 *   INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET.
 *
 * Nothing here outlives a request: the configuration and keys are the
 * core's read-only state, everything else lives on the stack or with the
 * request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/ac.h"

#define MAXCLAIMVAL	1024	/* longer claim values are not passed on */

/*
 * For each claim named in VERIFY_CLAIM_HEADERS (letters, digits, '_'
 * and '-', checked at start-up) that the token carries, adds
 * X-Auth-Claim-Email (from "email"), or in the Authorizer role
 * Variable-AUTH_CLAIM_EMAIL.
 */
static void
claim_headers(struct ac_req *r, const struct ac_config *c,
    const struct ac_token *tok)
{
	char		 name[80], hdr[80], out[128], val[MAXCLAIMVAL];
	const char	*p = c->claim_headers, *s;
	size_t		 n, i;

	while ((s = ac_list_next(&p, &n)) != NULL) {
		if (n >= sizeof(name))
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		if (ac_claim_header_text(tok, name, val, sizeof(val)) == -1)
			continue;
		for (i = 0; i < n; i++)
			hdr[i] = (i == 0 || name[i - 1] == '-' ||
			    name[i - 1] == '_') && name[i] >= 'a' &&
			    name[i] <= 'z' ? name[i] - 'a' + 'A' :
			    name[i] == '_' ? '-' : name[i];
		hdr[n] = '\0';
		if (ac_req_is_authorizer(r)) {
			for (i = 0; i < n; i++)
				hdr[i] = hdr[i] == '-' ? '_' :
				    hdr[i] >= 'a' && hdr[i] <= 'z' ?
				    hdr[i] - 'a' + 'A' : hdr[i];
			snprintf(out, sizeof(out), "Variable-AUTH_CLAIM_%s",
			    hdr);
		} else
			snprintf(out, sizeof(out), "X-Auth-Claim-%s", hdr);
		ac_req_header(r, out, val);
	}
}

static enum ac_reason
h_verify(struct ac_req *r, const struct ac_app *app)
{
	struct ac_token	 tok;
	json_object	*o;
	enum ac_reason	 rc;

	if ((rc = ac_req_auth(r, app, &tok)) != AC_OK) {
		/* nginx auth_request knows only 2xx, 401 and 403. */
		if (rc == AC_AUTH_HEADER_MALFORMED &&
		    ac_req_param(r, "AUTH_REQUEST") != NULL)
			rc = AC_TOKEN_MALFORMED;
		goto out;
	}
	/* Security headers first: a header that does not fit is a 500. */
	ac_req_header(r, "Cache-Control", "no-store");
	/* The servers of the Authorizer role pass on Variable-* only. */
	ac_req_header(r, ac_req_is_authorizer(r) ? "Variable-AUTH_SUBJECT" :
	    "X-Auth-Subject", tok.sub);
	claim_headers(r, ac_app_config(app), &tok);
	if ((o = json_object_new_object()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	json_object_object_add(o, "active", json_object_new_boolean(1));
	json_object_object_add(o, "sub", json_object_new_string(tok.sub));
	json_object_object_add(o, "claims", json_object_get(tok.claims));
	ac_req_json(r, 200, o);
	json_object_put(o);
out:
	ac_token_clear(&tok);
	return rc;
}

/* SHA-256 of s, so that values of any length compare in constant time. */
static void
digest(const char *s, size_t len, unsigned char md[32])
{
	unsigned int	 n = 32;

	if (EVP_Digest(s, len, md, &n, EVP_sha256(), NULL) != 1)
		memset(md, 0, 32);
}

/*
 * Checks "Authorization: Basic base64(id:secret)" against the configured
 * client, comparing digests of both parts in constant time.  Returns 1
 * when they match.
 */
static int
client_ok(const struct ac_req *r, const struct ac_config *c)
{
	unsigned char	 buf[512], a[32], b[32], x[32], y[32];
	const char	*h, *colon;
	size_t		 n, len;
	int		 dec, ok;

	if ((h = ac_req_param(r, "HTTP_AUTHORIZATION")) == NULL)
		return 0;
	h += strspn(h, " ");
	if (strncasecmp(h, "Basic ", 6) != 0)
		return 0;
	h += 6;
	h += strspn(h, " ");
	n = strcspn(h, " ");
	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= sizeof(buf))
		return 0;
	if ((dec = EVP_DecodeBlock(buf, (const unsigned char *)h,
	    (int)n)) < 0)
		return 0;
	len = (size_t)dec;
	if (h[n - 1] == '=')
		len--;
	if (h[n - 2] == '=')
		len--;
	buf[len] = '\0';
	if ((colon = memchr(buf, ':', len)) == NULL)
		return 0;
	digest((const char *)buf, (size_t)(colon - (const char *)buf), a);
	digest(colon + 1, len - (size_t)(colon + 1 - (const char *)buf), b);
	digest(c->introspect_id, strlen(c->introspect_id), x);
	digest(c->introspect_secret, strlen(c->introspect_secret), y);
	ok = (CRYPTO_memcmp(a, x, 32) == 0) & (CRYPTO_memcmp(b, y, 32) == 0);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok;
}

/*
 * RFC 7662.  Any token that does not verify is {"active": false}, with
 * the reason in the log only; an active one gets its claims, with sub as
 * the subject the verifier chose and token_type "access_token".
 */
static enum ac_reason
h_introspect(struct ac_req *r, const struct ac_app *app)
{
	const struct ac_config *c = ac_app_config(app);
	struct ac_token	 tok;
	json_object	*o = NULL;
	const char	*t;
	long		 tlen;
	enum ac_reason	 rc, vr;

	memset(&tok, 0, sizeof(tok));
	/* The Authorizer role judges the path, whatever it is. */
	if (ac_req_is_authorizer(r))
		return h_verify(r, app);
	if (ac_req_method(r) != AC_POST) {
		ac_req_header(r, "Allow", "POST, OPTIONS");
		return AC_METHOD_NOT_ALLOWED;
	}
	if (c->introspect_id == NULL || c->introspect_secret == NULL)
		return AC_NOT_FOUND;
	if (!client_ok(r, c)) {
		ac_req_header(r, "WWW-Authenticate",
		    "Basic realm=\"introspection\", charset=\"UTF-8\"");
		return AC_CLIENT_INVALID;
	}
	ac_req_header(r, "Cache-Control", "no-store");
	ac_req_header(r, "Pragma", "no-cache");
	if ((rc = ac_body_form_token(r, app, &t, &tlen)) != AC_OK)
		return rc;
	vr = tlen <= 0 ? AC_TOKEN_MALFORMED :
	    ac_token_verify(app, t, (size_t)tlen, time(NULL), &tok);
	if ((o = json_object_new_object()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	if (vr == AC_OK) {
		json_object_object_foreach(tok.claims, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_object_object_add(o, "sub",
		    json_object_new_string(tok.sub));
		json_object_object_add(o, "token_type",
		    json_object_new_string("access_token"));
	} else
		ac_log(AC_LOG_INFO, "event=introspect active=false reason=%s",
		    ac_reason_str(vr));
	json_object_object_add(o, "active", json_object_new_boolean(vr ==
	    AC_OK));
	ac_req_json(r, 200, o);
out:
	json_object_put(o);
	ac_token_clear(&tok);
	return rc;
}

/*
 * Introspection first, at the path jwks publishes and at /introspect for
 * a server that mounts verify under its own prefix; every other path is
 * a verification.
 */
static const struct ac_route routes[] = {
	{ AC_ANY, "/api/auth/introspect", h_introspect, AC_INLINE },
	{ AC_ANY, "/introspect", h_introspect, AC_INLINE },
	{ AC_ANY, "*", h_verify, AC_INLINE },
};

const struct ac_program ac_program = {
	"verify", routes, nitems(routes), AC_NEEDS_REVOCATIONS, NULL
};
