/*
 * test_token.c: issuing and verifying access tokens (src/core/token.c),
 * key ids and JWK export (keys.c) and base64url (b64.c).
 *
 * Attack tokens are built here with OpenSSL directly (EVP_EncodeBlock,
 * HMAC, EVP_DigestSign), never with the core's own encoder or signer, so
 * that each differs from a valid token only in the part under attack.
 * The cases are data: tests/unit/data/attacks.tsv (found through the
 * TESTDATA environment variable or the TESTDATA define) gives for each a
 * description, a configuration, header and payload text, a signing
 * recipe, mutations and the expected reason; the format is described at
 * the top of that file.  Every case verifies at the fixed time NOW.
 *
 * AC_TOKEN_REVOKED is not reachable yet (no store is consulted by
 * ac_token_verify), so no case expects it.  AC_AUTH_SCHEME_UNSUPPORTED
 * and AC_AUTH_HEADER_MALFORMED come from the HTTP layer
 * (ac_req_bearer), which the integration tests drive.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/keys.h"
#include "util.h"

#define TESTDATA	TOP_SRCDIR "/tests/unit/data"

#define NOW		((time_t)1700000000)
#define SECRET		"unit-test-secret-0123456789-abcdefghijklmnopq"
#define SECRET2		"another-secret-0123456789-abcdefghijklmnopqrs"
#define ISSUER		"https://auth.example.test"
#define AUDIENCE	"api.example.test"


static const char *const pubalgs[] = {
	"RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
};

/* One row of attacks.tsv. */
struct attack {
	int	 line;
	char	*desc, *cfg, *header, *payload, *sign, *mutate, *expect;
};

static struct attack *attacks;
static size_t	 nattacks;

/* --- helpers: files, environment, apps ------------------------------ */

static void
keypath(char *buf, size_t sz, const char *alg)
{
	char	 name[64];

	snprintf(name, sizeof(name), "key-%s.pem", alg);
	tu_path(buf, sz, name);
}

/*
 * The configurations attacks.tsv names.  hs: HS256 with SECRET; hsia:
 * plus issuer and audience; hsnotype: type not required; hsl0: leeway 0;
 * hsuid: subject claim user_id; rs, es: RS256, ES256 private keys; rshs:
 * RS256 and HS256 together.
 */
static struct ac_app *
app_config(const char *name)
{
	char	 path[PATH_MAX];

	tu_env(NULL);
	if (strncmp(name, "hs", 2) == 0) {
		setenv("JWT_ALGORITHM", "HS256", 1);
		setenv("JWT_SECRET", SECRET, 1);
		if (strcmp(name, "hsia") == 0) {
			setenv("JWT_ISSUER", ISSUER, 1);
			setenv("JWT_AUDIENCE", AUDIENCE, 1);
		} else if (strcmp(name, "hsnotype") == 0)
			setenv("JWT_REQUIRE_TYPE", "false", 1);
		else if (strcmp(name, "hsl0") == 0)
			setenv("JWT_LEEWAY_SECONDS", "0", 1);
		else if (strcmp(name, "hsuid") == 0)
			setenv("JWT_SUBJECT_CLAIM", "user_id", 1);
		else if (strcmp(name, "hs") != 0)
			ck_abort_msg("unknown configuration %s", name);
	} else if (strcmp(name, "rs") == 0 || strcmp(name, "rshs") == 0) {
		keypath(path, sizeof(path), "RS256");
		setenv("JWT_PRIVATE_KEY_FILE", path, 1);
		setenv("JWT_ALGORITHM", "RS256", 1);
		if (strcmp(name, "rshs") == 0) {
			setenv("JWT_ALGORITHM", "RS256,HS256", 1);
			setenv("JWT_SECRET", SECRET, 1);
		}
	} else if (strcmp(name, "es") == 0) {
		keypath(path, sizeof(path), "ES256");
		setenv("JWT_PRIVATE_KEY_FILE", path, 1);
		setenv("JWT_ALGORITHM", "ES256", 1);
	} else
		ck_abort_msg("unknown configuration %s", name);
	return tu_app_load();
}

/* --- helpers: an independent base64url ----------------------------- */

/* base64url of n bytes, no padding; caller frees. */
static char *
b64u(const void *p, size_t n)
{
	char	*s;
	int	 k, i;

	s = malloc(4 * ((n + 2) / 3) + 1);
	ck_assert_ptr_nonnull(s);
	k = EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	while (k > 0 && s[k - 1] == '=')
		k--;
	s[k] = '\0';
	for (i = 0; i < k; i++)
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	return s;
}

/* Decodes base64url s into out; returns the length. */
static size_t
unb64u(const char *s, unsigned char *out, size_t outsz)
{
	char	*t;
	size_t	 n = strlen(s), i, pad = (4 - n % 4) % 4;
	int	 k;

	t = malloc(n + pad + 1);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	for (; i < n + pad; i++)
		t[i] = '=';
	t[i] = '\0';
	ck_assert_uint_le((n + pad) / 4 * 3, outsz);
	k = EVP_DecodeBlock(out, (unsigned char *)t, (int)(n + pad));
	free(t);
	ck_assert_int_ge(k, 0);
	return (size_t)k - pad;
}

/* s with every from replaced by to; caller frees. */
static char *
subst(const char *s, const char *from, const char *to)
{
	char	*out, *o;
	const char *p;
	size_t	 n = 0, fl = strlen(from), tl = strlen(to);

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = malloc(strlen(s) + n * tl + 1);
	ck_assert_ptr_nonnull(out);
	for (o = out; (p = strstr(s, from)) != NULL; s = p + fl) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tl);
		o += tl;
	}
	strcpy(o, s);
	return out;
}

static char *
join(const char *a, const char *b, const char *c)
{
	char	*s;

	s = malloc(strlen(a) + strlen(b) + strlen(c) + 3);
	ck_assert_ptr_nonnull(s);
	sprintf(s, "%s.%s.%s", a, b, c);
	return s;
}

/* --- helpers: signing with OpenSSL ---------------------------------- */

static const EVP_MD *
md_of(const char *alg)
{
	size_t	 n = strlen(alg);

	if (n >= 3 && strcmp(alg + n - 3, "384") == 0)
		return EVP_sha384();
	if (n >= 3 && strcmp(alg + n - 3, "512") == 0)
		return EVP_sha512();
	return EVP_sha256();
}

static EVP_PKEY *
load_pem(const char *path, int priv)
{
	FILE		*f;
	EVP_PKEY	*pk;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	pk = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL) :
	    PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_msg(pk != NULL, "%s: not a PEM key", path);
	return pk;
}

/* The SubjectPublicKeyInfo PEM of a key file; caller frees. */
static char *
public_pem(const char *path, size_t *len)
{
	EVP_PKEY	*pk = load_pem(path, 1);
	BIO		*bio = BIO_new(BIO_s_mem());
	char		*p, *s;
	long		 n;

	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, pk), 1);
	n = BIO_get_mem_data(bio, &p);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return s;
}

/*
 * Signs msg with the private key file for alg (key-ALG.pem, or file when
 * not NULL).  ECDSA signatures become raw R||S (JWS) unless der.
 */
static size_t
pkey_sign(const char *alg, const char *file, int der, const char *msg,
    unsigned char *out, size_t outsz)
{
	char		 path[PATH_MAX];
	unsigned char	 buf[1024];
	const unsigned char *p = buf;
	size_t		 n = sizeof(buf), flen;
	EVP_PKEY	*pk;
	EVP_MD_CTX	*ctx;
	ECDSA_SIG	*es;

	if (file == NULL)
		keypath(path, sizeof(path), alg);
	else
		tu_path(path, sizeof(path), file);
	pk = load_pem(path, 1);
	ctx = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, md_of(alg), NULL, pk),
	    1);
	ck_assert_int_eq(EVP_DigestSign(ctx, buf, &n,
	    (const unsigned char *)msg, strlen(msg)), 1);
	if (alg[0] == 'E' && !der) {
		flen = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
		es = d2i_ECDSA_SIG(NULL, &p, (long)n);
		ck_assert_ptr_nonnull(es);
		ck_assert_uint_le(2 * flen, outsz);
		BN_bn2binpad(ECDSA_SIG_get0_r(es), out, (int)flen);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), out + flen, (int)flen);
		ECDSA_SIG_free(es);
		n = 2 * flen;
	} else {
		ck_assert_uint_le(n, outsz);
		memcpy(out, buf, n);
	}
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return n;
}

static size_t
hmac(const char *alg, const void *key, size_t keylen, const char *msg,
    unsigned char *out)
{
	unsigned int	 n = 0;

	ck_assert_ptr_nonnull(HMAC(md_of(alg), key, (int)keylen,
	    (const unsigned char *)msg, strlen(msg), out, &n));
	return n;
}

/*
 * Signing recipes: none (empty signature), HS256/384/512 (HMAC with
 * SECRET), HS256-other (HMAC with SECRET2), RS* and ES* (key-ALG.pem),
 * RS256-other (a second RSA key), ES256-DER (ASN.1 instead of R||S),
 * PEM-HS256 (HMAC-SHA256 keyed with the RS256 key's public PEM: the
 * key-confusion attack).
 */
static size_t
sign(const char *how, const char *msg, unsigned char *out, size_t outsz)
{
	char	 path[PATH_MAX], *pem;
	size_t	 n;

	if (strcmp(how, "none") == 0)
		return 0;
	if (strcmp(how, "HS256-other") == 0)
		return hmac("HS256", SECRET2, strlen(SECRET2), msg, out);
	if (strncmp(how, "HS", 2) == 0)
		return hmac(how, SECRET, strlen(SECRET), msg, out);
	if (strcmp(how, "PEM-HS256") == 0) {
		keypath(path, sizeof(path), "RS256");
		pem = public_pem(path, &n);
		n = hmac("HS256", pem, n, msg, out);
		free(pem);
		return n;
	}
	if (strcmp(how, "RS256-other") == 0)
		return pkey_sign("RS256", "key-RS256-other.pem", 0, msg, out,
		    outsz);
	if (strcmp(how, "ES256-DER") == 0)
		return pkey_sign("ES256", NULL, 1, msg, out, outsz);
	if (how[0] == 'R' || how[0] == 'E')
		return pkey_sign(how, NULL, 0, msg, out, outsz);
	ck_abort_msg("unknown signing recipe %s", how);
	return 0;
}

/* --- building attack tokens ------------------------------------------ */

static int
has(const char *list, const char *word)
{
	const char	*p;
	size_t		 n = strlen(word);

	for (p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static const char b64alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Appends '=' padding; -1 when the segment needs none. */
static int
m_pad(char **seg)
{
	size_t	 n = strlen(*seg);
	char	*s;

	if (n % 4 == 0)
		return -1;
	s = malloc(n + 4);
	ck_assert_ptr_nonnull(s);
	sprintf(s, "%s%s", *seg, n % 4 == 2 ? "==" : "=");
	free(*seg);
	*seg = s;
	return 0;
}

/* Sets an unused low bit of the last character (same bytes decoded). */
static int
m_trailbits(char *seg)
{
	size_t	 n = strlen(seg);
	const char *p;

	if (n % 4 == 0 || n % 4 == 1)
		return -1;
	p = strchr(b64alpha, seg[n - 1]);
	ck_assert_ptr_nonnull(p);
	seg[n - 1] = b64alpha[(p - b64alpha) | 1];
	return 0;
}

/* The standard alphabet's '+' and '/' for '-' and '_'. */
static int
m_std(char *seg)
{
	int	 changed = 0;

	for (; *seg != '\0'; seg++)
		if (*seg == '-' || *seg == '_') {
			*seg = *seg == '-' ? '+' : '/';
			changed = 1;
		}
	return changed ? 0 : -1;
}

/*
 * Puts an ECDSA R||S signature of slen bytes into its high-S form (s >
 * n/2) when high, else its low-S form, using n - s: both verify under
 * plain ECDSA.  -1 when the signature is not one of P-256/384/521.
 */
static int
m_ecdsa_s(unsigned char *sig, size_t slen, int high)
{
	size_t		 flen = slen / 2;
	int		 nid = flen == 32 ? NID_X9_62_prime256v1 :
			    flen == 48 ? NID_secp384r1 :
			    flen == 66 ? NID_secp521r1 : NID_undef;
	EC_GROUP	*g;
	BIGNUM		*sv, *half, *alt;
	int		 ishigh;

	if (nid == NID_undef || slen % 2 != 0)
		return -1;
	g = EC_GROUP_new_by_curve_name(nid);
	ck_assert_ptr_nonnull(g);
	sv = BN_bin2bn(sig + flen, (int)flen, NULL);
	half = BN_dup(EC_GROUP_get0_order(g));
	alt = BN_new();
	ck_assert(sv != NULL && half != NULL && alt != NULL);
	ck_assert(BN_rshift1(half, half));
	ishigh = BN_cmp(sv, half) > 0;
	if (ishigh != high) {
		ck_assert(BN_sub(alt, EC_GROUP_get0_order(g), sv));
		ck_assert_int_eq(BN_bn2binpad(alt, sig + flen, (int)flen),
		    (int)flen);
	}
	BN_free(sv);
	BN_free(half);
	BN_free(alt);
	EC_GROUP_free(g);
	return 0;
}

/*
 * Builds the token of a row; NULL with why set when a mutation does not
 * apply to it (the row must then be fixed).  Mutations, comma-separated:
 * hdr-pad, pay-pad, sig-pad (base64 '=' padding), hdr-trailbits,
 * pay-trailbits, sig-trailbits (non-canonical last character), pay-std
 * ('+' '/'), pay-badchar ('*' inside), hdr-nul (a NUL byte after the
 * JSON), sig-flip (one signature bit), pay-tamper (alice -> admin after
 * signing), segs1, segs2, segs4 (segment count), sig-highs, sig-lows
 * (ECDSA s in its high or low form, n - s), sig-len1024, sig-len1025
 * (a signature of that many bytes).  Header $KID is the
 * signing key's kid; payload $BIG is 9000 bytes of filler.
 */
static char *
build(const struct ac_app *app, const struct attack *a, char *why,
    size_t whylen)
{
	const struct ac_key *k = ac_keys_signer(ac_app_keys(app));
	char		 big[9001], *htext, *ptext, *h = NULL, *p = NULL;
	char		*s = NULL, *input = NULL, *tok = NULL, *t;
	unsigned char	 sig[1025];
	size_t		 slen, hlen;
	const char	*bad = NULL;

	if (strcmp(a->sign, "literal") == 0)
		return strdup(a->header);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	htext = subst(a->header, "$KID", k != NULL ? ac_key_kid(k) : "");
	ptext = subst(a->payload, "$BIG", big);
	hlen = strlen(htext);
	if (has(a->mutate, "hdr-nul"))
		hlen++;		/* the terminating NUL goes in too */
	h = b64u(htext, hlen);
	p = b64u(ptext, strlen(ptext));
	if (has(a->mutate, "hdr-pad") && m_pad(&h) == -1)
		bad = "hdr-pad";
	if (has(a->mutate, "pay-pad") && m_pad(&p) == -1)
		bad = "pay-pad";
	if (has(a->mutate, "hdr-trailbits") && m_trailbits(h) == -1)
		bad = "hdr-trailbits";
	if (has(a->mutate, "pay-trailbits") && m_trailbits(p) == -1)
		bad = "pay-trailbits";
	if (has(a->mutate, "pay-std") && m_std(p) == -1)
		bad = "pay-std";
	if (has(a->mutate, "pay-badchar")) {
		if (strlen(p) < 10)
			bad = "pay-badchar";
		else
			p[8] = '*';
	}

	input = malloc(strlen(h) + strlen(p) + 2);
	ck_assert_ptr_nonnull(input);
	sprintf(input, "%s.%s", h, p);
	slen = sign(a->sign, input, sig, sizeof(sig));
	if ((has(a->mutate, "sig-highs") || has(a->mutate, "sig-lows")) &&
	    m_ecdsa_s(sig, slen, has(a->mutate, "sig-highs")) == -1)
		bad = "sig-highs";
	/* A signature of the largest size the verifier reads (RSA-8192's
	 * 1024 bytes: 1366 characters), and one byte more. */
	if (has(a->mutate, "sig-len1024") || has(a->mutate, "sig-len1025")) {
		slen = has(a->mutate, "sig-len1024") ? 1024 : 1025;
		memset(sig, 0x5a, slen);
	}
	if (has(a->mutate, "sig-flip")) {
		if (slen == 0)
			bad = "sig-flip";
		else
			sig[slen / 2] ^= 0x01;
	}
	s = b64u(sig, slen);
	if (has(a->mutate, "sig-pad") && m_pad(&s) == -1)
		bad = "sig-pad";
	if (has(a->mutate, "sig-trailbits") && m_trailbits(s) == -1)
		bad = "sig-trailbits";
	if (has(a->mutate, "pay-tamper")) {
		t = subst(ptext, "\"alice\"", "\"admin\"");
		if (strcmp(t, ptext) == 0)
			bad = "pay-tamper";
		free(p);
		p = b64u(t, strlen(t));
		free(t);
	}

	if (has(a->mutate, "segs1"))
		tok = strdup(h);
	else if (has(a->mutate, "segs2")) {
		tok = malloc(strlen(h) + strlen(p) + 2);
		ck_assert_ptr_nonnull(tok);
		sprintf(tok, "%s.%s", h, p);
	} else {
		tok = join(h, p, s);
		if (has(a->mutate, "segs4")) {
			t = malloc(strlen(tok) + strlen(s) + 2);
			ck_assert_ptr_nonnull(t);
			sprintf(t, "%s.%s", tok, s);
			free(tok);
			tok = t;
		}
	}
	if (bad != NULL) {
		snprintf(why, whylen, "mutation %s does not apply", bad);
		free(tok);
		tok = NULL;
	}
	free(htext);
	free(ptext);
	free(h);
	free(p);
	free(s);
	free(input);
	return tok;
}

/* --- the attack table -------------------------------------------------- */

START_TEST(test_attack)
{
	const struct attack *a = &attacks[_i];
	struct ac_app	*app;
	struct ac_token	 tok;
	char		*t, why[128];
	enum ac_reason	 rc;

	app = app_config(a->cfg);
	if ((t = build(app, a, why, sizeof(why))) == NULL)
		ck_abort_msg("attacks.tsv:%d (%s): %s", a->line, a->desc, why);
	rc = ac_token_verify(app, t, strlen(t), NOW, &tok);
	ck_assert_msg(strcmp(ac_reason_str(rc), a->expect) == 0,
	    "attacks.tsv:%d (%s): got %s (%s), expected %s", a->line,
	    a->desc, ac_reason_str(rc), tok.detail, a->expect);
	if (rc == AC_OK) {
		ck_assert_ptr_nonnull(tok.claims);
		ck_assert_ptr_nonnull(tok.sub);
	}
	ac_token_clear(&tok);
	free(t);
	ac_app_free(app);
}
END_TEST

static void
attacks_read(void)
{
	const char	*dir;
	char		 path[PATH_MAX], line[16384], *f[7], *p;
	FILE		*fp;
	int		 lineno = 0;
	size_t		 i;

	if ((dir = getenv("TESTDATA")) == NULL || *dir == '\0')
		dir = TESTDATA;
	snprintf(path, sizeof(path), "%s/attacks.tsv", dir);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		exit(EXIT_FAILURE);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (i = 0; i < 7; i++)
			f[i] = strsep(&p, "\t");
		if (f[6] == NULL || p != NULL) {
			fprintf(stderr, "%s:%d: expected 7 tab-separated "
			    "fields\n", path, lineno);
			exit(EXIT_FAILURE);
		}
		attacks = reallocarray(attacks, nattacks + 1, sizeof(*attacks));
		if (attacks == NULL)
			exit(EXIT_FAILURE);
		attacks[nattacks] = (struct attack){ lineno, strdup(f[0]),
		    strdup(f[1]), strdup(f[2]), strdup(f[3]), strdup(f[4]),
		    strdup(f[5]), strdup(f[6]) };
		nattacks++;
	}
	fclose(fp);
	if (nattacks == 0) {
		fprintf(stderr, "%s: no cases\n", path);
		exit(EXIT_FAILURE);
	}
}

/* Every verification reason the table should reach is reached. */
START_TEST(test_attacks_cover_reasons)
{
	static const enum ac_reason want[] = {
		AC_OK, AC_TOKEN_TOO_LARGE, AC_TOKEN_MALFORMED,
		AC_ALG_NOT_ALLOWED, AC_KEY_UNKNOWN, AC_SIGNATURE_INVALID,
		AC_TOKEN_EXPIRED, AC_TOKEN_NOT_YET_VALID,
		AC_TOKEN_ISSUED_IN_FUTURE, AC_ISSUER_INVALID,
		AC_AUDIENCE_INVALID, AC_CLAIM_MISSING, AC_CLAIM_INVALID,
		AC_TOKEN_TYPE_INVALID,
	};
	size_t	 i, j;

	for (i = 0; i < nitems(want); i++) {
		for (j = 0; j < nattacks; j++)
			if (strcmp(attacks[j].expect,
			    ac_reason_str(want[i])) == 0)
				break;
		ck_assert_msg(j < nattacks, "no case expects %s",
		    ac_reason_str(want[i]));
	}
}
END_TEST

/* --- verification cases easier in C ----------------------------------- */

START_TEST(test_missing)
{
	struct ac_app	*app = app_config("hs");
	struct ac_token	 tok;

	ck_assert_int_eq(ac_token_verify(app, NULL, 0, NOW, &tok),
	    AC_TOKEN_MISSING);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_verify(app, "", 0, NOW, &tok),
	    AC_TOKEN_MISSING);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_decode("", 0, 100, &tok), AC_TOKEN_MISSING);
	ac_token_clear(&tok);
	ac_app_free(app);
}
END_TEST

/* The lines logged at info and above, for the audience test. */
static char	 logged[4096];

static void
log_sink(enum ac_loglevel l, const char *line, void *arg)
{

	(void)l;
	(void)arg;
	strncat(logged, line, sizeof(logged) - strlen(logged) - 2);
	strcat(logged, "\n");
}

/*
 * A token refused for its audience: the log names the token's aud and
 * JWT_AUDIENCE (Better Auth's default audience surprised its users).
 */
START_TEST(test_audience_logged)
{
	struct ac_app	*app = app_config("hsia");
	struct ac_token	 tok;
	char		*h, *p, *in, *sg, *t;
	const char	*payload = "{\"sub\":\"alice\",\"exp\":1700000600,"
			    "\"type\":\"access\",\"iss\":\"" ISSUER "\","
			    "\"aud\":[\"web\",\"x y\"]}";
	unsigned char	 sig[64];
	size_t		 slen;

	h = b64u("{\"alg\":\"HS256\"}", 15);
	p = b64u(payload, strlen(payload));
	ck_assert_int_ge(asprintf(&in, "%s.%s", h, p), 0);
	slen = hmac("HS256", SECRET, strlen(SECRET), in, sig);
	sg = b64u(sig, slen);
	ck_assert_int_ge(asprintf(&t, "%s.%s", in, sg), 0);
	logged[0] = '\0';
	ac_log_setup("test_token", AC_LOG_INFO, log_sink, NULL);
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), NOW, &tok),
	    AC_AUDIENCE_INVALID);
	ac_token_clear(&tok);
	ac_log_setup("test_token", AC_LOG_ERROR, NULL, NULL);
	ck_assert_msg(strstr(logged, "event=audience_refused token_aud="
	    "[\"web\",\"x?y\"] JWT_AUDIENCE=" AUDIENCE
	    " audience_from=JWT_AUDIENCE") != NULL, "logged: %s", logged);
	free(h);
	free(p);
	free(in);
	free(sg);
	free(t);
	ac_app_free(app);
}
END_TEST

/* A valid HS256 token whose payload carries n filler bytes. */
static char *
valid_hs(size_t n)
{
	char		*pad, *payload, *h, *p, *in, *s, *tok;
	unsigned char	 sig[64];
	size_t		 slen;

	pad = malloc(n + 1);
	ck_assert_ptr_nonnull(pad);
	memset(pad, 'x', n);
	pad[n] = '\0';
	ck_assert_int_ge(asprintf(&payload, "{\"sub\":\"alice\",\"exp\":"
	    "1700000600,\"type\":\"access\",\"pad\":\"%s\"}", pad), 0);
	h = b64u("{\"alg\":\"HS256\"}", 15);
	p = b64u(payload, strlen(payload));
	ck_assert_int_ge(asprintf(&in, "%s.%s", h, p), 0);
	slen = hmac("HS256", SECRET, strlen(SECRET), in, sig);
	s = b64u(sig, slen);
	ck_assert_int_ge(asprintf(&tok, "%s.%s", in, s), 0);
	free(pad);
	free(payload);
	free(h);
	free(p);
	free(in);
	free(s);
	return tok;
}

/* JWT_MAX_TOKEN_BYTES: a token of exactly the limit passes, one more not. */
START_TEST(test_size_limit)
{
	struct ac_app	*app;
	struct ac_token	 tok;
	char		*t, lim[32];
	size_t		 len;

	t = valid_hs(200);
	len = strlen(t);
	ck_assert_uint_ge(len, 256);

	ac_app_free(app_config("hs"));	/* sets the environment */
	snprintf(lim, sizeof(lim), "%zu", len);
	setenv("JWT_MAX_TOKEN_BYTES", lim, 1);
	app = tu_app_load();
	ck_assert_int_eq(ac_token_verify(app, t, len, NOW, &tok), AC_OK);
	ac_token_clear(&tok);
	ac_app_free(app);

	snprintf(lim, sizeof(lim), "%zu", len - 1);
	setenv("JWT_MAX_TOKEN_BYTES", lim, 1);
	app = tu_app_load();
	ck_assert_int_eq(ac_token_verify(app, t, len, NOW, &tok),
	    AC_TOKEN_TOO_LARGE);
	ck_assert_ptr_null(tok.header);
	ac_token_clear(&tok);
	ac_app_free(app);
	free(t);
}
END_TEST

/* The length argument is honoured: bytes after len are not the token. */
START_TEST(test_length_honoured)
{
	struct ac_app	*app = app_config("hs");
	struct ac_token	 tok;
	char		*t, *u;
	size_t		 len;

	t = valid_hs(10);
	len = strlen(t);
	/* Three more zero bytes of signature. */
	ck_assert_int_ge(asprintf(&u, "%sAAAA", t), 0);
	ck_assert_int_eq(ac_token_verify(app, u, len, NOW, &tok), AC_OK);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_verify(app, u, strlen(u), NOW, &tok),
	    AC_SIGNATURE_INVALID);
	ac_token_clear(&tok);
	ck_assert_int_ne(ac_token_verify(app, t, len - 1, NOW, &tok), AC_OK);
	ac_token_clear(&tok);
	free(t);
	free(u);
	ac_app_free(app);
}
END_TEST

/* authctl decode's path: parses without verifying, still strict. */
START_TEST(test_decode)
{
	struct ac_token	 tok;
	char		*t;

	t = valid_hs(0);
	ck_assert_int_eq(ac_token_decode(t, strlen(t), 8192, &tok), AC_OK);
	ck_assert_ptr_nonnull(tok.header);
	ck_assert_ptr_nonnull(tok.claims);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_decode(t, strlen(t), 10, &tok),
	    AC_TOKEN_TOO_LARGE);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_decode("a.b", 3, 100, &tok),
	    AC_TOKEN_MALFORMED);
	ac_token_clear(&tok);
	free(t);
}
END_TEST

/* --- issuing ------------------------------------------------------------ */

/* Adds the key for alg to the environment (tu_env first) and loads. */
static struct ac_app *
app_alg(const char *alg, const char *keyfile)
{
	char	 path[PATH_MAX];

	setenv("JWT_ALGORITHM", alg, 1);
	if (alg[0] == 'H')
		setenv("JWT_SECRET", SECRET, 1);
	else {
		if (keyfile == NULL)
			keypath(path, sizeof(path), alg);
		else
			tu_path(path, sizeof(path), keyfile);
		setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	}
	return tu_app_load();
}

static const char *
str_claim(json_object *o, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
int_claim(json_object *o, const char *name)
{
	json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, name, &v), "no %s", name);
	ck_assert(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

START_TEST(test_issue_roundtrip)
{
	static const char *const algs[] = {
		"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA",
	};
	const char	*alg = algs[_i];
	struct ac_app	*app;
	struct ac_token	 tok;
	json_object	*extra;
	char		*t, *dot;
	unsigned char	 raw[1024];
	time_t		 now = time(NULL);
	enum ac_alg	 a;

	tu_env(NULL);
	setenv("JWT_ISSUER", ISSUER, 1);
	app = app_alg(alg, NULL);
	extra = json_object_new_object();
	json_object_object_add(extra, "email",
	    json_object_new_string("alice@example.test"));
	ck_assert_int_eq(ac_token_issue(app, "alice", 120, extra, &t), AC_OK);
	json_object_put(extra);

	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), now, &tok), AC_OK);
	ck_assert_int_eq(ac_alg_parse(alg, &a), 0);
	ck_assert_int_eq(tok.alg, a);
	ck_assert_str_eq(tok.sub, "alice");
	ck_assert_str_eq(str_claim(tok.header, "alg"), alg);
	ck_assert_str_eq(tok.kid,
	    ac_key_kid(ac_keys_signer(ac_app_keys(app))));
	ck_assert_str_eq(str_claim(tok.claims, "type"), "access");
	ck_assert_str_eq(str_claim(tok.claims, "iss"), ISSUER);
	ck_assert_str_eq(str_claim(tok.claims, "email"), "alice@example.test");
	ck_assert_ptr_nonnull(str_claim(tok.claims, "jti"));
	ck_assert_int_le(int_claim(tok.claims, "iat"), now + 1);
	ck_assert_int_ge(int_claim(tok.claims, "iat"), now - 5);
	ck_assert_int_eq(int_claim(tok.claims, "exp") -
	    int_claim(tok.claims, "iat"), 120);
	ck_assert_int_eq(tok.exp, int_claim(tok.claims, "exp"));
	ac_token_clear(&tok);

	/* The signature has the JWS size for the algorithm. */
	dot = strrchr(t, '.');
	ck_assert_ptr_nonnull(dot);
	if (alg[0] == 'H')
		ck_assert_uint_eq(unb64u(dot + 1, raw, sizeof(raw)),
		    (size_t)EVP_MD_get_size(md_of(alg)));
	else if (strcmp(alg, "EdDSA") == 0)
		ck_assert_uint_eq(unb64u(dot + 1, raw, sizeof(raw)), 64);
	else if (alg[0] == 'E')
		ck_assert_uint_eq(unb64u(dot + 1, raw, sizeof(raw)),
		    strcmp(alg, "ES256") == 0 ? 64 :
		    strcmp(alg, "ES384") == 0 ? 96 : 132);

	/* Expired once exp + leeway is reached. */
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), now + 120 + 30 + 5,
	    &tok), AC_TOKEN_EXPIRED);
	ac_token_clear(&tok);
	ac_app_free(app);

	/* Another key of the same algorithm does not accept it. */
	if (alg[0] == 'H') {
		setenv("JWT_SECRET", SECRET2, 1);
		app = tu_app_load();
	} else
		app = app_alg(alg, strcmp(alg, "RS256") == 0 ?
		    "key-RS256-other.pem" : strcmp(alg, "ES256") == 0 ?
		    "key-ES256-other.pem" : NULL);
	if (alg[0] == 'H' || strcmp(alg, "RS256") == 0 ||
	    strcmp(alg, "ES256") == 0) {
		ck_assert_int_ne(ac_token_verify(app, t, strlen(t), now, &tok),
		    AC_OK);
		ac_token_clear(&tok);
	}
	ac_app_free(app);
	free(t);
}
END_TEST

START_TEST(test_issue_refusals)
{
	struct ac_app	*app = app_config("hs");
	json_object	*extra;
	char		*t, longsub[300];

	ck_assert_int_eq(ac_token_issue(app, "", 0, NULL, &t),
	    AC_VALIDATION_FAILED);
	ck_assert_ptr_null(t);
	memset(longsub, 'a', sizeof(longsub) - 1);
	longsub[sizeof(longsub) - 1] = '\0';
	ck_assert_int_eq(ac_token_issue(app, longsub, 0, NULL, &t),
	    AC_VALIDATION_FAILED);
	extra = json_object_new_object();
	json_object_object_add(extra, "type", json_object_new_string("refresh"));
	ck_assert_int_eq(ac_token_issue(app, "alice", 0, extra, &t),
	    AC_VALIDATION_FAILED);
	json_object_put(extra);
	extra = json_object_new_object();
	json_object_object_add(extra, "exp", json_object_new_int64(1));
	ck_assert_int_eq(ac_token_issue(app, "alice", 0, extra, &t),
	    AC_VALIDATION_FAILED);
	json_object_put(extra);
	ac_app_free(app);
}
END_TEST

/*
 * JWT_SUBJECT_CLAIM applies to the tokens the suite issues; with
 * JWT_SUBJECT_TYPE=integer the subject must be a JSON integer; the
 * refusals name the claim and the setting.
 */
START_TEST(test_subject_claim)
{
	struct ac_app	*app, *plain;
	struct ac_token	 tok;
	json_object	*o;
	char		*t, *t2;

	plain = app_config("hs");
	ck_assert_int_eq(ac_token_issue(plain, "alice", 60, NULL, &t2), AC_OK);

	app = app_config("hsuid");
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t), AC_OK);
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ck_assert_str_eq(tok.sub, "alice");
	ck_assert(json_object_object_get_ex(tok.claims, "user_id", &o));
	ck_assert_str_eq(json_object_get_string(o), "alice");
	ac_token_clear(&tok);
	/* A token without the claim: the detail names claim and setting. */
	ck_assert_int_eq(ac_token_verify(app, t2, strlen(t2), time(NULL),
	    &tok), AC_CLAIM_MISSING);
	ck_assert_str_eq(tok.detail, "user_id (JWT_SUBJECT_CLAIM=user_id)");
	ac_token_clear(&tok);
	ac_app_free(app);

	setenv("JWT_SUBJECT_TYPE", "integer", 1);
	app = tu_app_load();
	/* "alice" under user_id, a string: refused. */
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_CLAIM_INVALID);
	ck_assert_str_eq(tok.detail,
	    "user_id must be an integer (JWT_SUBJECT_TYPE=integer)");
	ac_token_clear(&tok);
	free(t);
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t),
	    AC_VALIDATION_FAILED);
	ck_assert_int_eq(ac_token_issue(app, "123", 60, NULL, &t), AC_OK);
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ck_assert_str_eq(tok.sub, "123");
	ck_assert(json_object_object_get_ex(tok.claims, "user_id", &o));
	ck_assert(json_object_is_type(o, json_type_int));
	ck_assert_int_eq(json_object_get_int64(o), 123);
	ac_token_clear(&tok);
	free(t);
	ac_app_free(app);
	unsetenv("JWT_SUBJECT_TYPE");
	free(t2);
	ac_app_free(plain);
}
END_TEST

/*
 * ECDSA tokens the suite issues carry the low-S form of their signature
 * (one spelling per token; the verifier accepts both, see verify.8).
 * OpenSSL signs high-S about half the time, so 24 tokens per curve all
 * low-S cannot happen by chance.
 */
START_TEST(test_issue_low_s)
{
	static const char *const algs[] = { "ES256", "ES384", "ES512" };
	struct ac_app	*app;
	char		 path[PATH_MAX], *t, *t2, *hs;
	unsigned char	 sig[132], low[132];
	size_t		 n, i;

	tu_env(NULL);
	keypath(path, sizeof(path), algs[_i]);
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	setenv("JWT_ALGORITHM", algs[_i], 1);
	app = tu_app_load();
	for (i = 0; i < 24; i++) {
		ck_assert_int_eq(ac_token_issue(app, "bob", 0, NULL, &t), AC_OK);
		n = unb64u(strrchr(t, '.') + 1, sig, sizeof(sig));
		memcpy(low, sig, n);
		ck_assert_int_eq(m_ecdsa_s(low, n, 0), 0);
		ck_assert_msg(memcmp(low, sig, n) == 0,
		    "%s token %zu has a high-S signature", algs[_i], i);
		/* Its high-S twin verifies as well. */
		ck_assert_int_eq(m_ecdsa_s(sig, n, 1), 0);
		t2 = strdup(t);
		ck_assert_ptr_nonnull(t2);
		hs = b64u(sig, n);
		ck_assert_uint_eq(strlen(hs), strlen(strrchr(t2, '.') + 1));
		strcpy(strrchr(t2, '.') + 1, hs);
		free(hs);
		ck_assert_int_ne(strcmp(t, t2), 0);
		{
			struct ac_token	 tok;

			ck_assert_int_eq(ac_token_verify(app, t2, strlen(t2),
			    time(NULL), &tok), AC_OK);
			ac_token_clear(&tok);
		}
		free(t2);
		free(t);
	}
	ac_app_free(app);
}
END_TEST

/* Default TTL is JWT_ACCESS_TOKEN_EXPIRE_MINUTES. */
START_TEST(test_issue_default_ttl)
{
	struct ac_app	*app;
	struct ac_token	 tok;
	char		*t;

	tu_env(NULL);
	setenv("JWT_SECRET", SECRET, 1);
	setenv("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "7", 1);
	app = tu_app_load();
	ck_assert_int_eq(ac_token_issue(app, "bob", 0, NULL, &t), AC_OK);
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ck_assert_int_eq(int_claim(tok.claims, "exp") -
	    int_claim(tok.claims, "iat"), 7 * 60);
	ac_token_clear(&tok);
	free(t);
	ac_app_free(app);
}
END_TEST

/* A public key only verifies: no signer, tokens of the private key pass. */
START_TEST(test_public_only_and_rotation)
{
	struct ac_app	*app;
	struct ac_token	 tok;
	char		 path[PATH_MAX], *pem, *t, *t2;
	size_t		 len;
	FILE		*f;

	tu_env(NULL);
	app = app_alg("RS256", NULL);
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t), AC_OK);
	ac_app_free(app);
	app = app_alg("RS256", "key-RS256-other.pem");
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t2), AC_OK);
	ac_app_free(app);

	keypath(path, sizeof(path), "RS256");
	pem = public_pem(path, &len);
	tu_path(path, sizeof(path), "pub-RS256.pem");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(pem, 1, len, f);
	fclose(f);
	free(pem);

	tu_env(NULL);
	setenv("JWT_ALGORITHM", "RS256", 1);
	setenv("JWT_PUBLIC_KEY_FILE", path, 1);
	app = tu_app_load();
	ck_assert_ptr_null(ac_keys_signer(ac_app_keys(app)));
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_verify(app, t2, strlen(t2), time(NULL),
	    &tok), AC_KEY_UNKNOWN);
	ac_token_clear(&tok);
	free(t2);
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t2),
	    AC_CONFIG_INVALID);
	ac_app_free(app);

	/* Rotation: the new private key signs, the old public key verifies. */
	tu_path(path, sizeof(path), "key-RS256-other.pem");
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = tu_app_load();
	ck_assert_uint_eq(ac_keys_count(ac_app_keys(app)), 2);
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t2), AC_OK);
	ck_assert_int_eq(ac_token_verify(app, t2, strlen(t2), time(NULL),
	    &tok), AC_OK);
	ac_token_clear(&tok);
	free(t);
	free(t2);
	ac_app_free(app);
}
END_TEST

/* JWT_KEY_ID names the signing key and goes into the header. */
START_TEST(test_key_id_override)
{
	struct ac_app	*app;
	struct ac_token	 tok;
	char		*t;

	tu_env(NULL);
	setenv("JWT_KEY_ID", "2024-rotation-1", 1);
	app = app_alg("ES256", NULL);
	ck_assert_str_eq(ac_key_kid(ac_keys_signer(ac_app_keys(app))),
	    "2024-rotation-1");
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t), AC_OK);
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ck_assert_str_eq(tok.kid, "2024-rotation-1");
	ac_token_clear(&tok);
	free(t);
	ac_app_free(app);
}
END_TEST

/* --- keys: JWK export and RFC 7638 thumbprints ------------------------- */

/* A big number parameter as base64url, padded to pad bytes (0: minimal). */
static char *
bn_param(EVP_PKEY *pk, const char *name, size_t pad)
{
	BIGNUM		*bn = NULL;
	unsigned char	 buf[1024];
	int		 n;
	char		*s;

	ck_assert_int_eq(EVP_PKEY_get_bn_param(pk, name, &bn), 1);
	if (pad == 0)
		pad = (size_t)BN_num_bytes(bn);
	n = BN_bn2binpad(bn, buf, (int)pad);
	ck_assert_int_gt(n, 0);
	s = b64u(buf, (size_t)n);
	BN_free(bn);
	return s;
}

static char *
thumb(const char *canonical)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)canonical, strlen(canonical), md);
	return b64u(md, sizeof(md));
}

START_TEST(test_jwk_export)
{
	const char	*alg = pubalgs[_i];
	struct ac_app	*app;
	const struct ac_key *k;
	json_object	*jwk;
	EVP_PKEY	*pk;
	char		 path[PATH_MAX], *a, *b, *canon, *tp;
	const char	*crv;
	size_t		 flen;

	tu_env(NULL);
	app = app_alg(alg, NULL);
	k = ac_keys_signer(ac_app_keys(app));
	ck_assert_ptr_nonnull(k);
	ck_assert(ac_key_is_public(k));
	jwk = ac_key_jwk(k);
	ck_assert_ptr_nonnull(jwk);
	ck_assert_str_eq(str_claim(jwk, "kid"), ac_key_kid(k));
	ck_assert_str_eq(str_claim(jwk, "alg"), alg);
	ck_assert_str_eq(str_claim(jwk, "use"), "sig");
	ck_assert(!json_object_object_get_ex(jwk, "d", NULL));
	ck_assert(!json_object_object_get_ex(jwk, "p", NULL));

	keypath(path, sizeof(path), alg);
	pk = load_pem(path, 1);
	if (alg[0] == 'R') {
		a = bn_param(pk, OSSL_PKEY_PARAM_RSA_N, 0);
		b = bn_param(pk, OSSL_PKEY_PARAM_RSA_E, 0);
		ck_assert_str_eq(str_claim(jwk, "kty"), "RSA");
		ck_assert_str_eq(str_claim(jwk, "n"), a);
		ck_assert_str_eq(str_claim(jwk, "e"), b);
		ck_assert_int_ge(asprintf(&canon,
		    "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", b, a), 0);
	} else {
		crv = strcmp(alg, "ES256") == 0 ? "P-256" :
		    strcmp(alg, "ES384") == 0 ? "P-384" : "P-521";
		flen = strcmp(alg, "ES256") == 0 ? 32 :
		    strcmp(alg, "ES384") == 0 ? 48 : 66;
		a = bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, flen);
		b = bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, flen);
		ck_assert_str_eq(str_claim(jwk, "kty"), "EC");
		ck_assert_str_eq(str_claim(jwk, "crv"), crv);
		ck_assert_str_eq(str_claim(jwk, "x"), a);
		ck_assert_str_eq(str_claim(jwk, "y"), b);
		ck_assert_int_ge(asprintf(&canon, "{\"crv\":\"%s\","
		    "\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", crv, a, b), 0);
	}
	tp = thumb(canon);
	ck_assert_str_eq(ac_key_kid(k), tp);
	free(tp);
	free(canon);
	free(a);
	free(b);
	EVP_PKEY_free(pk);
	json_object_put(jwk);
	ac_app_free(app);
}
END_TEST

/* ac_keys_generate prints the same kid the key set later computes. */
START_TEST(test_generate_kid)
{
	struct ac_app	*app;
	char		 path[PATH_MAX], err[256], *kid;
	struct stat	 st;

	tu_path(path, sizeof(path), "gen-ES384.pem");
	unlink(path);
	ck_assert_int_eq(ac_keys_generate(AC_ALG_ES384, path, 0, &kid, err,
	    sizeof(err)), AC_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	tu_env(NULL);
	setenv("JWT_ALGORITHM", "ES384", 1);
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = tu_app_load();
	ck_assert_str_eq(ac_key_kid(ac_keys_signer(ac_app_keys(app))), kid);
	ac_app_free(app);
	free(kid);
	/* No overwrite without force. */
	ck_assert_int_ne(ac_keys_generate(AC_ALG_ES384, path, 0, &kid, err,
	    sizeof(err)), AC_OK);
	ck_assert_ptr_nonnull(strstr(err, "--force"));
	ck_assert_int_eq(ac_keys_generate(AC_ALG_ES384, path, 1, &kid, err,
	    sizeof(err)), AC_OK);
	free(kid);
	/* A secret key has no JWK. */
	app = app_config("hs");
	ck_assert_ptr_null(ac_key_jwk(ac_keys_signer(ac_app_keys(app))));
	ac_app_free(app);
}
END_TEST

/*
 * RFC 7638 section 3.1: the example RSA key's thumbprint is published.
 * The key is built from its n and e here and handed to the core as a
 * public key PEM.
 */
START_TEST(test_rfc7638_example)
{
	static const char n64[] =
	    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z"
	    "wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5J"
	    "sGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQM"
	    "icAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrd"
	    "kt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44"
	    "-csFCur-kEgU8awapJzKnqDKgw";
	unsigned char	 nbuf[512];
	size_t		 nlen;
	BIGNUM		*n;
	EVP_PKEY	*pk;
	char		 path[PATH_MAX];
	struct ac_app	*app;
	json_object	*jwk;

	nlen = unb64u(n64, nbuf, sizeof(nbuf));
	ck_assert_uint_eq(nlen, 256);
	n = BN_bin2bn(nbuf, (int)nlen, NULL);
	pk = tu_rsa_public(n, 65537);
	tu_write_pubkey(path, sizeof(path), "rfc7638.pub.pem", pk);

	tu_env(NULL);
	setenv("JWT_ALGORITHM", "RS256", 1);
	setenv("JWT_PUBLIC_KEY_FILE", path, 1);
	app = tu_app_load();
	ck_assert_uint_eq(ac_keys_count(ac_app_keys(app)), 1);
	ck_assert_str_eq(ac_key_kid(ac_keys_get(ac_app_keys(app), 0)),
	    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	jwk = ac_key_jwk(ac_keys_get(ac_app_keys(app), 0));
	ck_assert_str_eq(str_claim(jwk, "n"), n64);
	ck_assert_str_eq(str_claim(jwk, "e"), "AQAB");
	json_object_put(jwk);
	ac_app_free(app);
	EVP_PKEY_free(pk);
	BN_free(n);
}
END_TEST

/* --- base64url ------------------------------------------------------------ */

START_TEST(test_b64_vectors)
{
	/* RFC 4648 section 10, unpadded; plus the two url-safe characters. */
	static const struct {
		const char	*plain, *enc;
	} v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" }, { "\xfb\xff", "-_8" },
		{ "\xff\xff\xff", "____" }, { "\xf8", "-A" },
	};
	char		 out[32];
	unsigned char	 bin[32];
	size_t		 i, pl;

	for (i = 0; i < nitems(v); i++) {
		pl = strlen(v[i].plain);
		ck_assert_int_eq(ac_b64url_encode((const unsigned char *)
		    v[i].plain, pl, out, sizeof(out)), (long)strlen(v[i].enc));
		ck_assert_str_eq(out, v[i].enc);
		ck_assert_int_eq(ac_b64url_decode(v[i].enc, strlen(v[i].enc),
		    bin, sizeof(bin)), (long)pl);
		ck_assert_mem_eq(bin, v[i].plain, pl);
	}
}
END_TEST

START_TEST(test_b64_refusals)
{
	static const char *const bad[] = {
		"Zg==", "Zm8=", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v",
		"Zm9v\n", " Zm9v", "Zm.v", "Zm9v*", "Zm\x80v", "Zm=v",
	};
	unsigned char	 bin[32];
	char		 out[8];
	size_t		 i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(ac_b64url_decode(bad[i], strlen(bad[i]), bin,
		    sizeof(bin)) == -1,
		    "accepted '%s'", bad[i]);
	ck_assert_int_eq(ac_b64url_decode("Zm9v\0", 5, bin, sizeof(bin)), -1);
	/* Output buffers: exact size works, one less is refused. */
	ck_assert_int_eq(ac_b64url_decode("Zm9vYmFy", 8, bin, 6), 6);
	ck_assert_int_eq(ac_b64url_decode("Zm9vYmFy", 8, bin, 5), -1);
	ck_assert_int_eq(ac_b64url_decode("Zm9vYg", 6, bin, 4), 4);
	ck_assert_int_eq(ac_b64url_decode("Zm9vYg", 6, bin, 3), -1);
	ck_assert_int_eq(ac_b64url_encode((const unsigned char *)"foob", 4,
	    out, 7), 6);
	ck_assert_int_eq(ac_b64url_encode((const unsigned char *)"foob", 4,
	    out, 6), -1);
	ck_assert_int_eq(ac_b64url_encode((const unsigned char *)"", 0,
	    out, 1), 0);
	ck_assert_int_eq(ac_b64url_encode((const unsigned char *)"", 0,
	    out, 0), -1);
}
END_TEST

/* Every length and byte value round-trips, matching OpenSSL's base64. */
START_TEST(test_b64_roundtrip)
{
	unsigned char	 in[260], back[260];
	char		 enc[400], *ref;
	size_t		 len, i;
	long		 n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof(in); len++) {
		n = ac_b64url_encode(in, len, enc, sizeof(enc));
		ck_assert_int_ge(n, 0);
		ref = b64u(in, len);
		ck_assert_str_eq(enc, ref);
		free(ref);
		ck_assert_int_eq(ac_b64url_decode(enc, (size_t)n, back,
		    sizeof(back)), (long)len);
		ck_assert_mem_eq(back, in, len);
	}
}
END_TEST

/* --- set-up ------------------------------------------------------------------ */

static void
genkey(enum ac_alg alg, const char *name)
{
	char	 path[PATH_MAX], err[256] = "path too long", *kid;

	if (snprintf(path, sizeof(path), "%s/%s", tu_dir, name) >=
	    (int)sizeof(path) ||
	    ac_keys_generate(alg, path, 0, &kid, err, sizeof(err)) != AC_OK) {
		fprintf(stderr, "keygen %s: %s\n", name, err);
		tu_rmdir(tu_dir);
		exit(EXIT_FAILURE);
	}
	free(kid);
}

Suite *
tu_suite(void)
{
	Suite	*s = suite_create("token");
	char	 name[64];
	TCase	*tc;
	size_t	 i;
	enum ac_alg alg;

	attacks_read();
	for (i = 0; i < nitems(pubalgs); i++) {
		snprintf(name, sizeof(name), "key-%s.pem", pubalgs[i]);
		ac_alg_parse(pubalgs[i], &alg);
		genkey(alg, name);
	}
	genkey(AC_ALG_PS256, "key-PS256.pem");
	genkey(AC_ALG_PS384, "key-PS384.pem");
	genkey(AC_ALG_PS512, "key-PS512.pem");
	genkey(AC_ALG_EDDSA, "key-EdDSA.pem");
	genkey(AC_ALG_RS256, "key-RS256-other.pem");
	genkey(AC_ALG_ES256, "key-ES256-other.pem");

	tc = tcase_create("attacks");
	tcase_add_loop_test(tc, test_attack, 0, (int)nattacks);
	tcase_add_test(tc, test_attacks_cover_reasons);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_audience_logged);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_length_honoured);
	tcase_add_test(tc, test_decode);
	suite_add_tcase(s, tc);

	tc = tcase_create("issue");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_issue_roundtrip, 0, 13);
	tcase_add_test(tc, test_issue_refusals);
	tcase_add_test(tc, test_issue_default_ttl);
	tcase_add_test(tc, test_subject_claim);
	tcase_add_loop_test(tc, test_issue_low_s, 0, 3);
	tcase_add_test(tc, test_public_only_and_rotation);
	tcase_add_test(tc, test_key_id_override);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_jwk_export, 0, (int)nitems(pubalgs));
	tcase_add_test(tc, test_generate_kid);
	tcase_add_test(tc, test_rfc7638_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("b64url");
	tcase_add_test(tc, test_b64_vectors);
	tcase_add_test(tc, test_b64_refusals);
	tcase_add_test(tc, test_b64_roundtrip);
	suite_add_tcase(s, tc);

	return s;
}
