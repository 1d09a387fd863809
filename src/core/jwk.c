/*
 * jwk.c: keys as JWKs (RFC 7517) both ways.  Export: a loaded public key
 * as the JWK the jwks program serves (ac_key_jwk), and the RFC 7638
 * thumbprint that names a key (ac_key_thumbprint).  Import: RSA, EC
 * (P-256, P-384, P-521) and OKP (Ed25519) public keys, as an identity
 * provider's JWK Set serves them (jwksclient.c fetches it, keys.c adds
 * the keys to the set).  OpenSSL builds the key from n/e or x/y; the key
 * then meets the same rules as a PEM key (keypolicy.c) and is bound to
 * one algorithm of the allow-list.  Member strings are read by length
 * (claims.c): one holding a NUL is not a member.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "keys.h"


static const char *
jwk_curve(const char *group)
{

	if (strcmp(group, "prime256v1") == 0)
		return "P-256";
	if (strcmp(group, "secp384r1") == 0)
		return "P-384";
	if (strcmp(group, "secp521r1") == 0)
		return "P-521";
	return NULL;
}

/* Big number parameter as base64url, into out (size outsz); pad to len. */
static int
bn_b64(const EVP_PKEY *pk, const char *param, size_t pad, char *out,
    size_t outsz)
{
	BIGNUM		*bn = NULL;
	unsigned char	 buf[1024];
	int		 n, rc = -1;

	if (!EVP_PKEY_get_bn_param(pk, param, &bn))
		return -1;
	if (pad == 0)
		pad = (size_t)BN_num_bytes(bn);
	if (pad > sizeof(buf) || (n = BN_bn2binpad(bn, buf, (int)pad)) < 0)
		goto out;
	if (ac_b64url_encode(buf, (size_t)n, out, outsz) < 0)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/*
 * Builds the RFC 7638 members of a public key: a JSON object with only
 * the required members.  Caller owns the result.
 */
static json_object *
jwk_members(const struct ac_key *k)
{
	json_object	*o;
	char		 a[1400], b[200], group[64];
	size_t		 flen;

	if (k->pkey == NULL || (o = json_object_new_object()) == NULL)
		return NULL;
	if (EVP_PKEY_is_a(k->pkey, "RSA")) {
		if (bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_E, 0, b, sizeof(b)) ||
		    bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_N, 0, a, sizeof(a)))
			goto fail;
		json_object_object_add(o, "e", json_object_new_string(b));
		json_object_object_add(o, "kty", json_object_new_string("RSA"));
		json_object_object_add(o, "n", json_object_new_string(a));
		return o;
	}
	if (EVP_PKEY_is_a(k->pkey, "ED25519")) {
		unsigned char	 raw[32];
		size_t		 rawlen = sizeof(raw);

		if (!EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) ||
		    ac_b64url_encode(raw, rawlen, a, sizeof(a)) < 0)
			goto fail;
		json_object_object_add(o, "crv", json_object_new_string("Ed25519"));
		json_object_object_add(o, "kty", json_object_new_string("OKP"));
		json_object_object_add(o, "x", json_object_new_string(a));
		return o;
	}
	if (!EVP_PKEY_get_utf8_string_param(k->pkey,
	    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
	    jwk_curve(group) == NULL)
		goto fail;
	flen = ((size_t)EVP_PKEY_get_bits(k->pkey) + 7) / 8;
	if (bn_b64(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, flen, a, sizeof(a)) ||
	    bn_b64(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, flen, b, sizeof(b)))
		goto fail;
	json_object_object_add(o, "crv", json_object_new_string(jwk_curve(group)));
	json_object_object_add(o, "kty", json_object_new_string("EC"));
	json_object_object_add(o, "x", json_object_new_string(a));
	json_object_object_add(o, "y", json_object_new_string(b));
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/*
 * RFC 7638 thumbprint of a shared secret: its members {"k":...,"kty":"oct"}
 * (base64url needs no JSON escape) written into buffers of our own, so
 * that the secret's copies are wiped, into md.  0, or -1.
 */
static int
oct_thumbprint(const struct ac_key *k, unsigned char *md)
{
	char	 a[1400], m[1500];
	int	 n = -1;

	if (ac_b64url_encode(k->secret, k->secretlen, a, sizeof(a)) >= 0 &&
	    (n = snprintf(m, sizeof(m), "{\"k\":\"%s\",\"kty\":\"oct\"}",
	    a)) > 0 && (size_t)n < sizeof(m))
		SHA256((const unsigned char *)m, (size_t)n, md);
	else
		n = -1;
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(m, sizeof(m));
	return n > 0 ? 0 : -1;
}

/* RFC 7638 thumbprint into k->kid. */
int
ac_key_thumbprint(struct ac_key *k)
{
	json_object	*o;
	const char	*s;
	unsigned char	 md[SHA256_DIGEST_LENGTH];

	if (k->pkey == NULL) {
		if (oct_thumbprint(k, md) == -1)
			return -1;
	} else {
		/* Public members only, in lexicographic order; no spaces. */
		if ((o = jwk_members(k)) == NULL)
			return -1;
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		SHA256((const unsigned char *)s, strlen(s), md);
		json_object_put(o);
	}
	return ac_b64url_encode(md, sizeof(md), k->kid, sizeof(k->kid)) > 0 ?
	    0 : -1;
}

/* Export: see ac.h. */
json_object *
ac_key_jwk(const struct ac_key *k)
{
	json_object	*o;

	if (k->pkey == NULL || (o = jwk_members(k)) == NULL)
		return NULL;
	json_object_object_add(o, "kid", json_object_new_string(k->kid));
	json_object_object_add(o, "use", json_object_new_string("sig"));
	json_object_object_add(o, "alg",
	    json_object_new_string(ac_alg_str(k->alg)));
	return o;
}

/* A base64url member of a JWK, decoded into out; its length or -1. */
static long
jwk_bytes(json_object *jwk, const char *name, unsigned char *out,
    size_t outsz)
{
	json_object	*o;

	if (!json_object_object_get_ex(jwk, name, &o) ||
	    !json_object_is_type(o, json_type_string))
		return -1;
	return ac_b64url_decode(json_object_get_string(o),
	    (size_t)json_object_get_string_len(o), out, outsz);
}

/* A string member without NUL (claims.c), or NULL. */
static const char *
jwk_str(json_object *jwk, const char *name)
{
	json_object	*o;

	if (!json_object_object_get_ex(jwk, name, &o))
		return NULL;
	return ac_json_str(o, NULL);
}

/* The public key a JWK describes, or NULL (err says why). */
static EVP_PKEY *
jwk_pkey(json_object *jwk, char *err, size_t errlen)
{
	unsigned char	 a[1024], b[1024], pt[1 + 2 * 66];
	long		 na, nb;
	const char	*kty = jwk_str(jwk, "kty"), *crv = jwk_str(jwk, "crv");
	const char	*group = NULL;
	size_t		 flen = 0;
	BIGNUM		*n = NULL, *e = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;

	if (kty == NULL) {
		snprintf(err, errlen, "JWK without kty");
		return NULL;
	}
	if (strcmp(kty, "OKP") == 0) {
		if (crv == NULL || strcmp(crv, "Ed25519") != 0 ||
		    jwk_bytes(jwk, "x", a, sizeof(a)) != 32) {
			snprintf(err, errlen, "OKP JWK: only Ed25519 with a "
			    "32-byte x");
			return NULL;
		}
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a, 32);
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return NULL;
	if (strcmp(kty, "RSA") == 0) {
		na = jwk_bytes(jwk, "n", a, sizeof(a));
		nb = jwk_bytes(jwk, "e", b, sizeof(b));
		if (na < 1 || nb < 1 || nb > 8) {
			snprintf(err, errlen, "RSA JWK: n and e required");
			goto out;
		}
		if ((n = BN_bin2bn(a, (int)na, NULL)) == NULL ||
		    (e = BN_bin2bn(b, (int)nb, NULL)) == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else if (strcmp(kty, "EC") == 0) {
		if (crv != NULL && strcmp(crv, "P-256") == 0)
			group = "prime256v1", flen = 32;
		else if (crv != NULL && strcmp(crv, "P-384") == 0)
			group = "secp384r1", flen = 48;
		else if (crv != NULL && strcmp(crv, "P-521") == 0)
			group = "secp521r1", flen = 66;
		if (group == NULL ||
		    jwk_bytes(jwk, "x", pt + 1, flen) != (long)flen ||
		    jwk_bytes(jwk, "y", pt + 1 + flen, flen) != (long)flen) {
			snprintf(err, errlen, "EC JWK: crv P-256, P-384 or "
			    "P-521 with x and y of the curve's size");
			goto out;
		}
		pt[0] = 0x04;
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * flen))
			goto out;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else {
		snprintf(err, errlen, "JWK kty %s not supported", kty);
		goto out;
	}
	if (ctx == NULL || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		snprintf(err, errlen, "%s JWK: not a valid public key", kty);
		pk = NULL;
	} else if (ac_key_policy(pk, err, errlen) == -1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

enum ac_reason
ac_jwk_key(const struct ac_config *c, json_object *jwk, struct ac_key *k,
    char *err, size_t errlen)
{
	EVP_PKEY	*pk;
	const char	*s;
	enum ac_alg	 alg;
	size_t		 i;
	int		 a;

	if (!json_object_is_type(jwk, json_type_object)) {
		snprintf(err, errlen, "JWK is not an object");
		return AC_VALIDATION_FAILED;
	}
	if ((s = jwk_str(jwk, "use")) != NULL && strcmp(s, "sig") != 0) {
		snprintf(err, errlen, "JWK use is %s, not sig", s);
		return AC_VALIDATION_FAILED;
	}
	if ((pk = jwk_pkey(jwk, err, errlen)) == NULL)
		return AC_VALIDATION_FAILED;
	if ((s = jwk_str(jwk, "alg")) != NULL) {
		for (i = 0; i < c->nalgs; i++)
			if (strcmp(s, ac_alg_str(c->algs[i])) == 0)
				break;
		if (ac_alg_parse(s, &alg) == -1 || i == c->nalgs ||
		    !ac_key_fits(pk, alg)) {
			snprintf(err, errlen, "JWK alg %s is not allowed by "
			    "JWT_ALGORITHM or does not fit its key", s);
			EVP_PKEY_free(pk);
			return AC_ALG_NOT_ALLOWED;
		}
		a = (int)alg;
	} else if ((a = ac_key_pick_alg(c, pk)) == -1) {
		snprintf(err, errlen, "JWK of type %s fits no algorithm in "
		    "JWT_ALGORITHM", EVP_PKEY_get0_type_name(pk));
		EVP_PKEY_free(pk);
		return AC_ALG_NOT_ALLOWED;
	}
	memset(k, 0, sizeof(*k));
	k->alg = (enum ac_alg)a;
	k->pkey = pk;
	if ((s = jwk_str(jwk, "kid")) != NULL && *s != '\0' &&
	    strlen(s) < sizeof(k->kid))
		snprintf(k->kid, sizeof(k->kid), "%s", s);
	else if (ac_key_thumbprint(k) == -1) {
		snprintf(err, errlen, "cannot compute the JWK's thumbprint");
		EVP_PKEY_free(pk);
		memset(k, 0, sizeof(*k));
		return AC_INTERNAL;
	}
	return AC_OK;
}
