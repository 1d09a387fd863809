/*
 * alg.c: the names of the signature algorithms and what kind each is.
 * config.c, keys.c, jwk.c and token.c all speak of algorithms; the
 * names live here, below all of them, so none of them calls another
 * for a name.  What an algorithm needs from OpenSSL (digests, curves)
 * stays with the code that signs and verifies.
 */
#include "config.h"

#include <string.h>

#include "ac.h"
#include "base.h"

static const char *const algnames[AC_ALG__MAX] = {
	[AC_ALG_HS256] = "HS256", [AC_ALG_HS384] = "HS384",
	[AC_ALG_HS512] = "HS512", [AC_ALG_RS256] = "RS256",
	[AC_ALG_RS384] = "RS384", [AC_ALG_RS512] = "RS512",
	[AC_ALG_ES256] = "ES256", [AC_ALG_ES384] = "ES384",
	[AC_ALG_ES512] = "ES512", [AC_ALG_PS256] = "PS256",
	[AC_ALG_PS384] = "PS384", [AC_ALG_PS512] = "PS512",
	[AC_ALG_EDDSA] = "EdDSA",
};

const char *
ac_alg_str(enum ac_alg a)
{

	return (int)a >= 0 && a < AC_ALG__MAX ? algnames[a] : "unknown";
}

int
ac_alg_parse(const char *s, enum ac_alg *out)
{
	size_t	 i;

	for (i = 0; i < AC_ALG__MAX; i++)
		if (strcmp(s, algnames[i]) == 0) {
			*out = (enum ac_alg)i;
			return 0;
		}
	return -1;
}

int
ac_alg_is_hmac(enum ac_alg a)
{

	return a == AC_ALG_HS256 || a == AC_ALG_HS384 || a == AC_ALG_HS512;
}

int
ac_alg_is_rsa(enum ac_alg a)
{

	return a == AC_ALG_RS256 || a == AC_ALG_RS384 || a == AC_ALG_RS512 ||
	    a == AC_ALG_PS256 || a == AC_ALG_PS384 || a == AC_ALG_PS512;
}

int
ac_alg_is_pss(enum ac_alg a)
{

	return a == AC_ALG_PS256 || a == AC_ALG_PS384 || a == AC_ALG_PS512;
}
