/*
 * issue.c: issuing access tokens with the signing key of the key set.
 * Issuing goes through libjwt (jwt_encode_str), except for what libjwt
 * 1.10.2 cannot sign (EdDSA, PS*), which OpenSSL signs here.  ECDSA
 * signatures leave in their low-S form only.  Verification is token.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "ac.h"
#include "base.h"
#include "tokens.h"

/* Claims the suite sets itself; --claim cannot override them. */
static const char *const reserved[] = {
	"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "type",
};

/*
 * Signs with OpenSSL what libjwt 1.10.2 cannot: EdDSA and PS*.  The
 * compact JWS is written to *out (caller frees).
 */
static enum ac_reason
sign_openssl(const struct ac_key *k, json_object *claims, char **out)
{
	json_object	*h;
	const char	*hs, *ps;
	char		*buf = NULL;
	unsigned char	*sig = NULL;
	size_t		 hl, pl, siglen = 0, cap, n;
	long		 w;
	EVP_MD_CTX	*ctx = NULL;
	EVP_PKEY_CTX	*pc = NULL;
	enum ac_reason	 rc = AC_INTERNAL;

	if ((h = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(h, "alg", json_object_new_string(ac_alg_str(k->alg)));
	json_object_object_add(h, "kid", json_object_new_string(k->kid));
	json_object_object_add(h, "typ", json_object_new_string("JWT"));
	hs = json_object_to_json_string_length(h, JSON_C_TO_STRING_PLAIN, &hl);
	ps = json_object_to_json_string_length(claims, JSON_C_TO_STRING_PLAIN,
	    &pl);
	cap = (hl + pl) * 4 / 3 + 1024;
	if ((buf = malloc(cap)) == NULL)
		goto out;
	if ((w = ac_b64url_encode((const unsigned char *)hs, hl, buf, cap)) < 0)
		goto out;
	n = (size_t)w;
	buf[n++] = '.';
	if ((w = ac_b64url_encode((const unsigned char *)ps, pl, buf + n,
	    cap - n)) < 0)
		goto out;
	n += (size_t)w;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, &pc, ac_token_md(k->alg), NULL, k->pkey) != 1)
		goto out;
	if (ac_alg_is_pss(k->alg) &&
	    (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (EVP_DigestSign(ctx, NULL, &siglen, (unsigned char *)buf, n) != 1 ||
	    (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)buf, n) != 1)
		goto out;
	buf[n++] = '.';
	if (ac_b64url_encode(sig, siglen, buf + n, cap - n) < 0)
		goto out;
	*out = buf;
	buf = NULL;
	rc = AC_OK;
out:
	free(buf);
	free(sig);
	EVP_MD_CTX_free(ctx);
	json_object_put(h);
	return rc;
}

static jwt_alg_t
jwt_alg(enum ac_alg a)
{

	switch (a) {
	case AC_ALG_HS256: return JWT_ALG_HS256;
	case AC_ALG_HS384: return JWT_ALG_HS384;
	case AC_ALG_HS512: return JWT_ALG_HS512;
	case AC_ALG_RS256: return JWT_ALG_RS256;
	case AC_ALG_RS384: return JWT_ALG_RS384;
	case AC_ALG_RS512: return JWT_ALG_RS512;
	case AC_ALG_ES256: return JWT_ALG_ES256;
	case AC_ALG_ES384: return JWT_ALG_ES384;
	default: return JWT_ALG_ES512;
	}
}

static size_t
alg_curve_size(enum ac_alg a)
{

	return a == AC_ALG_ES256 ? 32 : a == AC_ALG_ES384 ? 48 :
	    a == AC_ALG_ES512 ? 66 : 0;
}

/*
 * ECDSA's (r, s) and (r, n - s) both verify; the suite issues the low-S
 * one only, so that each of its tokens has one spelling (keypolicy.c).
 * Rewrites the signature segment of the compact JWS t in place (same
 * length).
 */
static int
es_low_s(char *t)
{
	unsigned char	 sig[2 * 66];
	char		*seg;
	long		 n;

	if ((seg = strrchr(t, '.')) == NULL ||
	    (n = ac_b64url_decode(seg + 1, strlen(seg + 1), sig,
	    sizeof(sig))) <= 0 || ac_ecdsa_low_s(sig, (size_t)n) == -1 ||
	    ac_b64url_encode(sig, (size_t)n, seg + 1, strlen(seg + 1) + 1) < 0)
		return -1;
	return 0;
}

static enum ac_reason
issue_locked(const struct ac_app *app, const char *sub, long ttl,
    json_object *extra, char **out)
{
	const struct ac_config *c = &app->cfg;
	const struct ac_key *k = ac_keys_signer(&app->live->keys);
	json_object	*claims = NULL;
	jwt_t		*jwt = NULL;
	unsigned char	 rnd[16];
	char		 jti[32], *end;
	long long	 isub = 0;
	time_t		 now = time(NULL);
	size_t		 i;
	enum ac_reason	 rc = AC_INTERNAL;

	*out = NULL;
	if (k == NULL)
		return AC_CONFIG_INVALID;
	if (sub == NULL || *sub == '\0' || strlen(sub) > 255)
		return AC_VALIDATION_FAILED;
	if (ttl <= 0)
		ttl = c->access_ttl;
	if (extra != NULL) {
		if (!json_object_is_type(extra, json_type_object))
			return AC_VALIDATION_FAILED;
		for (i = 0; i < nitems(reserved); i++)
			if (json_object_object_get_ex(extra, reserved[i], NULL))
				return AC_VALIDATION_FAILED;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    ac_b64url_encode(rnd, sizeof(rnd), jti, sizeof(jti)) < 0)
		return AC_INTERNAL;

	if ((claims = json_object_new_object()) == NULL)
		return AC_NOMEM;
	if (extra != NULL) {
		json_object_object_foreach(extra, key, val)
			json_object_object_add(claims, key,
			    json_object_get(val));
	}
	if (c->issuer != NULL)
		json_object_object_add(claims, "iss",
		    json_object_new_string(c->issuer));
	if (c->audience != NULL)
		json_object_object_add(claims, "aud",
		    json_object_new_string(c->audience));
	/*
	 * The subject goes under sub and, when JWT_SUBJECT_CLAIM names
	 * another claim, under that one too (unless extra gives it), so
	 * that the suite accepts the tokens it issues;
	 * JWT_SUBJECT_TYPE=integer makes it a number.
	 */
	if (c->subject_integer) {
		errno = 0;
		isub = strtoll(sub, &end, 10);
		if (errno != 0 || end == sub || *end != '\0') {
			rc = AC_VALIDATION_FAILED;
			goto out;
		}
		json_object_object_add(claims, "sub", json_object_new_int64(isub));
	} else
		json_object_object_add(claims, "sub", json_object_new_string(sub));
	if (strcmp(c->subject_claim, "sub") != 0 && (extra == NULL ||
	    !json_object_object_get_ex(extra, c->subject_claim, NULL)))
		json_object_object_add(claims, c->subject_claim,
		    c->subject_integer ? json_object_new_int64(isub) :
		    json_object_new_string(sub));
	json_object_object_add(claims, "iat", json_object_new_int64(now));
	json_object_object_add(claims, "nbf", json_object_new_int64(now));
	json_object_object_add(claims, "exp",
	    json_object_new_int64((int64_t)now + ttl));
	json_object_object_add(claims, "jti", json_object_new_string(jti));
	json_object_object_add(claims, "type", json_object_new_string("access"));

	if (k->alg == AC_ALG_EDDSA || ac_alg_is_pss(k->alg)) {
		rc = sign_openssl(k, claims, out);
		goto out;
	}
	if (jwt_new(&jwt) != 0) {
		rc = AC_NOMEM;
		goto out;
	}
	if (jwt_set_alg(jwt, jwt_alg(k->alg), k->secret != NULL ?
	    k->secret : (const unsigned char *)k->pem,
	    (int)(k->secret != NULL ? k->secretlen : k->pemlen)) != 0 ||
	    jwt_add_header(jwt, "kid", k->kid) != 0 ||
	    jwt_add_grants_json(jwt, json_object_to_json_string_ext(claims,
	    JSON_C_TO_STRING_PLAIN)) != 0)
		goto out;
	if ((*out = jwt_encode_str(jwt)) == NULL)
		goto out;
	if (alg_curve_size(k->alg) != 0 && es_low_s(*out) == -1) {
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = AC_OK;
out:
	jwt_free(jwt);
	json_object_put(claims);
	return rc;
}

enum ac_reason
ac_token_issue(const struct ac_app *app, const char *sub, long ttl,
    json_object *extra, char **out)
{
	enum ac_reason	 rc;

	ac_keys_lock(app);
	rc = issue_locked(app, sub, ttl, extra, out);
	ac_keys_unlock(app);
	return rc;
}
