/*
 * keypolicy.c: what a public key must be before the suite trusts it,
 * whichever way it arrives (PEM file, JWT_KEYS_DIR, a provider's JWK),
 * and the one spelling of the ECDSA signatures the suite issues.
 *
 * RSA: a modulus of 2048 to 8192 significant bits (counted with
 * BN_num_bits, so zero bytes in front of a small modulus do not count;
 * 8192 is the largest signature the verifier reads, AC_MAXSIG in
 * token.c) and an odd public exponent of at least 3 (with e = 1 every
 * message is its own signature).  keys.c calls this for every key it
 * loads; the JWK and PEM paths judge alike.  Also here: which algorithm a
 * key may serve (ac_key_fits, ac_key_pick_alg), so that a token can never
 * pick the kind of key, and the curve each ES algorithm needs.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "ac.h"
#include "base.h"

#define RSA_MINBITS	2048
#define RSA_MAXBITS	8192

int
ac_key_policy(const EVP_PKEY *pk, char *err, size_t errlen)
{
	BIGNUM	*n = NULL, *e = NULL;
	int	 bits, rc = -1;

	if (!EVP_PKEY_is_a(pk, "RSA"))
		return 0;
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e)) {
		snprintf(err, errlen, "RSA key without n and e");
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits < RSA_MINBITS || bits > RSA_MAXBITS) {
		snprintf(err, errlen, "RSA key of %d bits; use %d to %d", bits,
		    RSA_MINBITS, RSA_MAXBITS);
		goto out;
	}
	if (!BN_is_odd(e) || BN_cmp(e, BN_value_one()) <= 0) {
		snprintf(err, errlen, "RSA public exponent must be odd and at "
		    "least 3");
		goto out;
	}
	rc = 0;
out:
	BN_free(n);
	BN_free(e);
	return rc;
}

/* The orders of P-256, P-384 and P-521, fetched once. */
static BIGNUM *orders[3];
static pthread_once_t orders_once = PTHREAD_ONCE_INIT;

static void
orders_make(void)
{
	static const int nids[3] = { NID_X9_62_prime256v1, NID_secp384r1,
	    NID_secp521r1 };
	EC_GROUP	*g;
	size_t		 i;

	for (i = 0; i < 3; i++)
		if ((g = EC_GROUP_new_by_curve_name(nids[i])) != NULL) {
			orders[i] = BN_dup(EC_GROUP_get0_order(g));
			EC_GROUP_free(g);
		}
}

int
ac_ecdsa_low_s(unsigned char *sig, size_t slen)
{
	size_t		 flen = slen / 2, i;
	BIGNUM		*s = NULL, *half = NULL;
	int		 rc = -1;

	i = flen == 32 ? 0 : flen == 48 ? 1 : flen == 66 ? 2 : 3;
	if (i == 3 || slen % 2 != 0)
		return -1;
	pthread_once(&orders_once, orders_make);
	if (orders[i] == NULL ||
	    (s = BN_bin2bn(sig + flen, (int)flen, NULL)) == NULL ||
	    (half = BN_dup(orders[i])) == NULL || !BN_rshift1(half, half))
		goto out;
	if (BN_cmp(s, half) > 0 && (!BN_sub(s, orders[i], s) ||
	    BN_bn2binpad(s, sig + flen, (int)flen) != (int)flen))
		goto out;
	rc = 0;
out:
	BN_free(s);
	BN_free(half);
	return rc;
}

/* The curve an ES algorithm needs (OpenSSL's group name), or NULL. */
const char *
ac_key_curve(enum ac_alg a)
{

	switch (a) {
	case AC_ALG_ES256:
		return "prime256v1";
	case AC_ALG_ES384:
		return "secp384r1";
	case AC_ALG_ES512:
		return "secp521r1";
	default:
		return NULL;
	}
}

/* Non-zero when a key of pk's type may serve alg. */
int
ac_key_fits(EVP_PKEY *pk, enum ac_alg alg)
{
	char	 group[64];

	if (EVP_PKEY_is_a(pk, "RSA"))
		return ac_alg_is_rsa(alg);
	if (EVP_PKEY_is_a(pk, "ED25519"))
		return alg == AC_ALG_EDDSA;
	return ac_key_curve(alg) != NULL && EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) &&
	    strcmp(group, ac_key_curve(alg)) == 0;
}

/*
 * The first allowed algorithm a key of this type can serve, or -1.
 * An EC key serves only the ES algorithm of its own curve.
 */
int
ac_key_pick_alg(const struct ac_config *c, EVP_PKEY *pk)
{
	size_t	 i;

	for (i = 0; i < c->nalgs; i++)
		if (ac_key_fits(pk, c->algs[i]))
			return (int)c->algs[i];
	return -1;
}
