/*
 * test_wycheproof.c: Project Wycheproof's signature vectors through the
 * verifier's own signature step (ac_token_sig_of, token.c), with each
 * group's key imported both ways the suite takes keys: as a JWK
 * (ac_keys_add_jwk, as from JWKS_URL) and as a PEM public key file named
 * by JWT_PUBLIC_KEY_FILE (the whole configuration load); HMAC keys as a
 * JWT_SECRET_FILE.  The signature goes in as base64url text, as in a
 * token, so the segment bound and the decoder are on the path too.
 *
 * Every "invalid" vector must be refused, every "valid" one accepted
 * unless a documented policy refuses it, and the two key paths must
 * agree.  The policies (auth.conf(5), verify(8)):
 *   - RSA keys under 2048 bits are refused at load;
 *   - HMAC secrets under 32 bytes are refused at load, and a JWS tag is
 *     the whole HMAC (truncated tags are refused);
 *   - PS256/384/512 use MGF1 with the message's hash and a salt as long
 *     as the hash (RFC 7518 3.5): other PSS parameter sets are refused;
 *   - a secret file's trailing white space is not part of the secret, so
 *     an HMAC key ending in it cannot be configured (counted apart).
 * What happens to "acceptable" vectors is listed.
 *
 * The vector folder is the first argument, else $WYCHEPROOF_DIR, else
 * ../shared/wycheproof beside the source tree (TOP_SRCDIR, from the build).
 * Without it the test is skipped (exit 77).  The vectors are not part of
 * the project.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/keys.h"
#include "core/tokens.h"
#include "util.h"

#define WYCHEPROOF_DIR	TOP_SRCDIR "/../shared/wycheproof"

enum kind { K_ECDSA, K_EDDSA, K_HMAC, K_RSA, K_PSS };

static const struct file {
	const char	*name;
	enum kind	 kind;
} files[] = {
	{ "ecdsa_secp256r1_sha256_p1363_test.json", K_ECDSA },
	{ "ecdsa_secp384r1_sha384_p1363_test.json", K_ECDSA },
	{ "ecdsa_secp521r1_sha512_p1363_test.json", K_ECDSA },
	{ "ed25519_test.json", K_EDDSA },
	{ "hmac_sha256_test.json", K_HMAC },
	{ "hmac_sha384_test.json", K_HMAC },
	{ "hmac_sha512_test.json", K_HMAC },
	{ "rsa_pkcs1_1024_sig_gen_test.json", K_RSA },
	{ "rsa_pkcs1_1536_sig_gen_test.json", K_RSA },
	{ "rsa_pkcs1_2048_sig_gen_test.json", K_RSA },
	{ "rsa_pkcs1_3072_sig_gen_test.json", K_RSA },
	{ "rsa_pkcs1_4096_sig_gen_test.json", K_RSA },
	{ "rsa_signature_2048_sha256_test.json", K_RSA },
	{ "rsa_signature_2048_sha384_test.json", K_RSA },
	{ "rsa_signature_2048_sha512_test.json", K_RSA },
	{ "rsa_signature_3072_sha256_test.json", K_RSA },
	{ "rsa_signature_3072_sha384_test.json", K_RSA },
	{ "rsa_signature_3072_sha512_test.json", K_RSA },
	{ "rsa_signature_4096_sha256_test.json", K_RSA },
	{ "rsa_signature_4096_sha384_test.json", K_RSA },
	{ "rsa_signature_4096_sha512_test.json", K_RSA },
	{ "rsa_signature_8192_sha256_test.json", K_RSA },
	{ "rsa_signature_8192_sha384_test.json", K_RSA },
	{ "rsa_signature_8192_sha512_test.json", K_RSA },
	{ "rsa_pss_2048_sha256_mgf1_0_test.json", K_PSS },
	{ "rsa_pss_2048_sha256_mgf1_32_test.json", K_PSS },
	{ "rsa_pss_2048_sha384_mgf1_48_test.json", K_PSS },
	{ "rsa_pss_3072_sha256_mgf1_32_test.json", K_PSS },
	{ "rsa_pss_4096_sha256_mgf1_32_test.json", K_PSS },
	{ "rsa_pss_4096_sha384_mgf1_48_test.json", K_PSS },
	{ "rsa_pss_4096_sha512_mgf1_32_test.json", K_PSS },
	{ "rsa_pss_4096_sha512_mgf1_64_test.json", K_PSS },
	{ "rsa_pss_misc_test.json", K_PSS },
};

/* Why a group's valid vectors may be refused; NULL: they may not. */
enum policy { P_NONE, P_RSA_SMALL, P_HMAC_SHORT, P_HMAC_TRUNC,
    P_PSS_PARAMS, P_SECRET_WS, P_HASH, P__MAX };
static const char *const policynames[P__MAX] = {
	[P_NONE] = "none",
	[P_RSA_SMALL] = "RSA key under 2048 bits",
	[P_HMAC_SHORT] = "HMAC secret under 32 bytes",
	[P_HMAC_TRUNC] = "truncated HMAC tag",
	[P_PSS_PARAMS] = "PSS parameters other than JWS's",
	[P_SECRET_WS] = "secret ends in white space (not configurable)",
	[P_HASH] = "a hash no JWS algorithm uses (SHA-1, SHA-224)",
};

struct tally {
	size_t	 vectors, valid_ok, valid_policy[P__MAX], invalid_refused;
	size_t	 acc_ok, acc_refused, failures, other_params;
	char	 acceptable[2048], others[512];
};

static int	 verbose;

static int
hexval(int c)
{

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex to bytes into a new buffer (caller frees); *n its length. */
static unsigned char *
unhex(const char *h, size_t *n)
{
	size_t		 len = strlen(h), i;
	unsigned char	*b;

	if (len % 2 != 0 || (b = malloc(len / 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len / 2; i++) {
		if (hexval(h[2 * i]) < 0 || hexval(h[2 * i + 1]) < 0) {
			free(b);
			return NULL;
		}
		b[i] = (unsigned char)(hexval(h[2 * i]) << 4 |
		    hexval(h[2 * i + 1]));
	}
	*n = len / 2;
	return b;
}

/* base64url of hex text into a new string (caller frees). */
static char *
hex_b64u(const char *h, size_t *outlen)
{
	unsigned char	*b;
	size_t		 n;
	char		*s;
	long		 w;

	if ((b = unhex(h, &n)) == NULL)
		return NULL;
	if ((s = malloc(n / 3 * 4 + 5)) == NULL ||
	    (w = ac_b64url_encode(b, n, s, n / 3 * 4 + 5)) < 0) {
		free(b);
		free(s);
		return NULL;
	}
	free(b);
	*outlen = (size_t)w;
	return s;
}

/*
 * The big-endian number b (n bytes, maybe with zero bytes in front) at
 * exactly flen bytes, base64url (caller frees); NULL when it does not fit.
 */
static char *
fixed_b64u(const unsigned char *b, size_t n, size_t flen, unsigned char *pad)
{
	char	*s;

	while (n > flen && b[0] == 0) {
		b++;
		n--;
	}
	if (n > flen || (s = malloc(flen / 3 * 4 + 5)) == NULL)
		return NULL;
	memset(pad, 0, flen - n);
	memcpy(pad + flen - n, b, n);
	if (ac_b64url_encode(pad, flen, s, flen / 3 * 4 + 5) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static const char *
str(json_object *o, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, name, &v))
		return NULL;
	return json_object_get_string(v);
}

static int
hashbits(const char *sha)
{

	if (sha == NULL)
		return 0;
	if (strcmp(sha, "SHA-256") == 0)
		return 256;
	if (strcmp(sha, "SHA-384") == 0)
		return 384;
	if (strcmp(sha, "SHA-512") == 0)
		return 512;
	return 0;
}

/* The JWS algorithm a group's vectors are run under. */
static enum ac_alg
group_alg(enum kind k, json_object *g, const char *file)
{
	int	 h = hashbits(str(g, "sha"));

	switch (k) {
	case K_ECDSA:
		return strstr(file, "256r1") ? AC_ALG_ES256 :
		    strstr(file, "384r1") ? AC_ALG_ES384 : AC_ALG_ES512;
	case K_EDDSA:
		return AC_ALG_EDDSA;
	case K_HMAC:
		return strstr(file, "256") ? AC_ALG_HS256 :
		    strstr(file, "384") ? AC_ALG_HS384 : AC_ALG_HS512;
	case K_RSA:
		return h == 384 ? AC_ALG_RS384 : h == 512 ? AC_ALG_RS512 :
		    AC_ALG_RS256;
	default:
		return h == 384 ? AC_ALG_PS384 : h == 512 ? AC_ALG_PS512 :
		    AC_ALG_PS256;
	}
}

/* The JWK of a group's public key (caller puts), or NULL. */
static json_object *
group_jwk(enum kind k, json_object *g)
{
	json_object	*j, *pk;
	const char	*a, *b;
	char		*x, *y;
	size_t		 n;

	if ((json_object_object_get_ex(g, "publicKeyJwk", &j) ||
	    json_object_object_get_ex(g, "keyJwk", &j)) &&
	    (j = json_object_get(j)) != NULL) {
		/* The algorithm comes from the configuration, as for a JWK
		 * without one; the vectors' "kid" is not needed. */
		json_object_object_del(j, "alg");
		json_object_object_del(j, "kid");
		return j;
	}
	if (!json_object_object_get_ex(g, "publicKey", &pk) &&
	    !json_object_object_get_ex(g, "privateKey", &pk))
		return NULL;
	j = json_object_new_object();
	if (k == K_RSA || k == K_PSS) {
		a = str(pk, "modulus");
		b = str(pk, "publicExponent");
		while (a != NULL && a[0] == '0' && a[1] == '0')
			a += 2;		/* the ASN.1 sign byte */
		if (a == NULL || b == NULL || (x = hex_b64u(a, &n)) == NULL ||
		    (y = hex_b64u(b, &n)) == NULL) {
			json_object_put(j);
			return NULL;
		}
		json_object_object_add(j, "kty", json_object_new_string("RSA"));
		json_object_object_add(j, "n", json_object_new_string(x));
		json_object_object_add(j, "e", json_object_new_string(y));
		free(x);
		free(y);
		return j;
	}
	if (k == K_ECDSA) {
		const char	*crv = str(pk, "curve");
		size_t		 flen, nx, ny;
		unsigned char	*bx, *by, pad[66];

		flen = crv != NULL && strcmp(crv, "secp256r1") == 0 ? 32 :
		    crv != NULL && strcmp(crv, "secp384r1") == 0 ? 48 : 66;
		if ((bx = unhex(str(pk, "wx"), &nx)) == NULL ||
		    (by = unhex(str(pk, "wy"), &ny)) == NULL) {
			free(bx);
			json_object_put(j);
			return NULL;
		}
		json_object_object_add(j, "kty", json_object_new_string("EC"));
		json_object_object_add(j, "crv", json_object_new_string(
		    flen == 32 ? "P-256" : flen == 48 ? "P-384" : "P-521"));
		/* RFC 7518 6.2.1.2: x and y at the field size exactly. */
		x = fixed_b64u(bx, nx, flen, pad);
		y = fixed_b64u(by, ny, flen, pad);
		free(bx);
		free(by);
		if (x == NULL || y == NULL) {
			free(x);
			free(y);
			json_object_put(j);
			return NULL;
		}
		json_object_object_add(j, "x", json_object_new_string(x));
		json_object_object_add(j, "y", json_object_new_string(y));
		free(x);
		free(y);
		return j;
	}
	json_object_put(j);
	return NULL;
}

static int
write_file(const char *path, const void *p, size_t n)
{
	int	 fd, ok;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	ok = write(fd, p, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Loads the configuration the way a program does, with the group's key
 * as JWT_PUBLIC_KEY_FILE (or its HMAC key as JWT_SECRET_FILE).  Returns
 * the app, or NULL with the first problem in why.
 */
static struct ac_app *
load_app(enum kind k, json_object *g, enum ac_alg alg, char *why,
    size_t whylen)
{
	struct ac_app	*app;
	char		 path[PATH_MAX + 32];
	const char	*pem;

	tu_env_clear();
	tu_config_empty();
	setenv("JWT_ALGORITHM", ac_alg_str(alg), 1);
	if (k == K_HMAC) {
		/* The key is per test case here: set by the caller. */
		snprintf(path, sizeof(path), "%s/secret", tu_dir);
		setenv("JWT_SECRET_FILE", path, 1);
	} else {
		if ((pem = str(g, "publicKeyPem")) == NULL &&
		    (pem = str(g, "keyPem")) == NULL) {
			snprintf(why, whylen, "group without a PEM key");
			return NULL;
		}
		snprintf(path, sizeof(path), "%s/key.pem", tu_dir);
		if (write_file(path, pem, strlen(pem)) == -1) {
			snprintf(why, whylen, "key.pem: cannot write");
			return NULL;
		}
		setenv("JWT_PUBLIC_KEY_FILE", path, 1);
	}
	if ((app = ac_app_new()) == NULL)
		return NULL;
	if (ac_app_load(app) != AC_OK) {
		snprintf(why, whylen, "%s", ac_app_error(app));
		ac_app_free(app);
		return NULL;
	}
	return app;
}

/* 1 accepted, 0 refused. */
static int
run_sig(const struct ac_keyset *ks, enum ac_alg alg, const unsigned char *msg,
    size_t mlen, const char *seg, size_t seglen)
{
	int	 remote;

	return ac_token_sig_of(ks, 0, alg, NULL, msg, mlen, seg, seglen,
	    &remote) == AC_OK;
}

static void
note_acceptable(struct tally *t, int tcid, const char *what)
{
	size_t	 n = strlen(t->acceptable);

	snprintf(t->acceptable + n, sizeof(t->acceptable) - n, "%s%d:%s",
	    n > 0 ? " " : "", tcid, what);
}

static void
judge(struct tally *t, const char *file, int tcid, const char *result,
    int accepted, enum policy pol, const char *comment)
{
	size_t	 n;

	t->vectors++;
	if (strcmp(result, "valid") == 0) {
		if (accepted)
			t->valid_ok++;
		else if (pol != P_NONE)
			t->valid_policy[pol]++;
		else {
			t->failures++;
			printf("FAIL %s tcId %d (valid, %s): refused\n", file,
			    tcid, comment);
		}
	} else if (strcmp(result, "invalid") == 0) {
		if (!accepted)
			t->invalid_refused++;
		else if (pol == P_PSS_PARAMS) {
			/*
			 * Invalid under its group's PSS parameters, yet a
			 * correct signature under JWS's (the verifier knows
			 * no others, and the vector's comment says so): listed.
			 */
			t->other_params++;
			n = strlen(t->others);
			snprintf(t->others + n, sizeof(t->others) - n,
			    "%s%d (%s)", n > 0 ? ", " : "", tcid, comment);
		} else {
			t->failures++;
			printf("FAIL %s tcId %d (invalid, %s): accepted\n",
			    file, tcid, comment);
		}
	} else {
		if (accepted)
			t->acc_ok++;
		else
			t->acc_refused++;
		note_acceptable(t, tcid, accepted ? "accepted" : "refused");
	}
}

/* A group's HMAC vectors: the key is per vector. */
static void
hmac_group(const char *file, json_object *g, enum ac_alg alg,
    struct tally *t)
{
	json_object	*tests, *tc;
	struct ac_app	*app;
	unsigned char	*key, *msg;
	char		 path[PATH_MAX + 32], why[512], *seg;
	size_t		 i, klen, mlen, slen;
	int		 accepted, tagbits, full;
	enum policy	 pol;

	json_object_object_get_ex(g, "tests", &tests);
	tagbits = json_object_get_int(json_object_object_get(g, "tagSize"));
	full = alg == AC_ALG_HS256 ? 256 : alg == AC_ALG_HS384 ? 384 : 512;
	snprintf(path, sizeof(path), "%s/secret", tu_dir);
	for (i = 0; i < json_object_array_length(tests); i++) {
		tc = json_object_array_get_idx(tests, i);
		key = unhex(str(tc, "key"), &klen);
		msg = unhex(str(tc, "msg"), &mlen);
		seg = hex_b64u(str(tc, "tag"), &slen);
		if (key == NULL || msg == NULL || seg == NULL) {
			printf("FAIL %s: bad hex\n", file);
			exit(EXIT_FAILURE);
		}
		pol = tagbits != full ? P_HMAC_TRUNC :
		    klen < 32 ? P_HMAC_SHORT :
		    klen > 0 && strchr("\n\r ", key[klen - 1]) != NULL &&
		    key[klen - 1] != '\0' ? P_SECRET_WS : P_NONE;
		accepted = 0;
		if (write_file(path, key, klen) == -1) {
			printf("FAIL %s: cannot write %s\n", file, path);
			exit(EXIT_FAILURE);
		}
		if ((app = load_app(K_HMAC, g, alg, why, sizeof(why))) != NULL) {
			accepted = run_sig(ac_app_keys(app), alg, msg, mlen,
			    seg, slen);
			ac_app_free(app);
		} else if (pol == P_NONE) {
			printf("FAIL %s tcId %d: key refused: %s\n", file,
			    json_object_get_int(json_object_object_get(tc,
			    "tcId")), why);
			t->failures++;
		}
		judge(t, file, json_object_get_int(json_object_object_get(tc,
		    "tcId")), str(tc, "result"), accepted, pol,
		    str(tc, "comment"));
		free(key);
		free(msg);
		free(seg);
	}
}

static void
key_group(const struct file *f, json_object *g, struct tally *t)
{
	struct ac_keyset ks;
	struct ac_config cfg;
	struct ac_app	*app;
	json_object	*jwk, *tests, *tc;
	enum ac_alg	 alg = group_alg(f->kind, g, f->name);
	enum policy	 pol = P_NONE;
	unsigned char	*msg;
	char		 err[256], why[512], *seg;
	size_t		 i, mlen, slen;
	int		 a1, a2, jwk_ok, h, tcid;

	if (f->kind == K_HMAC) {
		hmac_group(f->name, g, alg, t);
		return;
	}
	if (f->kind == K_RSA && hashbits(str(g, "sha")) == 0)
		pol = P_HASH;
	if ((f->kind == K_RSA || f->kind == K_PSS) &&
	    json_object_get_int(json_object_object_get(g, "keySize")) < 2048)
		pol = P_RSA_SMALL;
	if (f->kind == K_PSS) {
		h = hashbits(str(g, "sha"));
		if (h == 0 || hashbits(str(g, "mgfSha")) != h ||
		    json_object_get_int(json_object_object_get(g, "sLen")) !=
		    h / 8)
			pol = P_PSS_PARAMS;
	}

	/* The JWK path. */
	memset(&ks, 0, sizeof(ks));
	ks.signer = -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.algs[0] = alg;
	cfg.nalgs = 1;
	jwk_ok = 0;
	if ((jwk = group_jwk(f->kind, g)) == NULL) {
		printf("FAIL %s: a group without a usable public key\n",
		    f->name);
		t->failures++;
	} else if (ac_keys_add_jwk(&ks, &cfg, jwk, err, sizeof(err)) == AC_OK)
		jwk_ok = 1;
	else if (pol != P_RSA_SMALL) {
		printf("FAIL %s: JWK refused: %s\n", f->name, err);
		t->failures++;
	}
	json_object_put(jwk);

	/* The PEM path, through the configuration. */
	if ((app = load_app(f->kind, g, alg, why, sizeof(why))) == NULL &&
	    pol != P_RSA_SMALL) {
		printf("FAIL %s: PEM key refused: %s\n", f->name, why);
		t->failures++;
	}
	if (pol == P_RSA_SMALL && (jwk_ok || app != NULL)) {
		printf("FAIL %s: an RSA key under 2048 bits was loaded\n",
		    f->name);
		t->failures++;
	}

	json_object_object_get_ex(g, "tests", &tests);
	for (i = 0; i < json_object_array_length(tests); i++) {
		tc = json_object_array_get_idx(tests, i);
		tcid = json_object_get_int(json_object_object_get(tc, "tcId"));
		msg = unhex(str(tc, "msg"), &mlen);
		seg = hex_b64u(str(tc, "sig"), &slen);
		if (msg == NULL || seg == NULL) {
			printf("FAIL %s tcId %d: bad hex\n", f->name, tcid);
			exit(EXIT_FAILURE);
		}
		a1 = jwk_ok && run_sig(&ks, alg, msg, mlen, seg, slen);
		a2 = app != NULL && run_sig(ac_app_keys(app), alg, msg, mlen,
		    seg, slen);
		if (a1 != a2) {
			printf("FAIL %s tcId %d: JWK key %s, PEM key %s\n",
			    f->name, tcid, a1 ? "accepts" : "refuses",
			    a2 ? "accepts" : "refuses");
			t->failures++;
		}
		if (verbose)
			printf("%s %d %s %s\n", f->name, tcid,
			    str(tc, "result"), a1 ? "accepted" : "refused");
		judge(t, f->name, tcid, str(tc, "result"), a1 && a2, pol,
		    str(tc, "comment"));
		free(msg);
		free(seg);
	}
	ac_keys_free(&ks);
	ac_app_free(app);
}

int
main(int argc, char *argv[])
{
	const char	*dir;
	char		 path[PATH_MAX + 64];
	json_object	*doc, *groups;
	struct tally	 all, tl;
	struct stat	 st;
	size_t		 i, j, p;

	verbose = getenv("WYCHEPROOF_VERBOSE") != NULL;
	if (argc > 1)
		dir = argv[1];
	else if ((dir = getenv("WYCHEPROOF_DIR")) == NULL || *dir == '\0')
		dir = WYCHEPROOF_DIR;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		printf("SKIP: no Wycheproof vectors at %s (give the folder as "
		    "the first argument or in WYCHEPROOF_DIR)\n", dir);
		return 77;
	}
	if (tu_mkdir("test_wycheproof") == -1)
		return EXIT_FAILURE;
	ac_log_setup("test_wycheproof", AC_LOG_ERROR, NULL, NULL);

	memset(&all, 0, sizeof(all));
	printf("Wycheproof vectors from %s\n", dir);
	for (i = 0; i < nitems(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if ((doc = json_object_from_file(path)) == NULL ||
		    !json_object_object_get_ex(doc, "testGroups", &groups)) {
			printf("FAIL %s: cannot read\n", path);
			all.failures++;
			json_object_put(doc);
			continue;
		}
		memset(&tl, 0, sizeof(tl));
		for (j = 0; j < json_object_array_length(groups); j++)
			key_group(&files[i], json_object_array_get_idx(groups,
			    j), &tl);
		json_object_put(doc);
		printf("%s: %zu run; valid: %zu accepted", files[i].name,
		    tl.vectors, tl.valid_ok);
		for (p = 1; p < P__MAX; p++)
			if (tl.valid_policy[p] > 0)
				printf(", %zu refused (%s)", tl.valid_policy[p],
				    policynames[p]);
		printf("; invalid: %zu refused", tl.invalid_refused);
		if (tl.other_params > 0)
			printf("; invalid for the group's PSS parameters but a "
			    "correct signature under JWS's, accepted: %s",
			    tl.others);
		if (tl.acc_ok + tl.acc_refused > 0)
			printf("; acceptable: %zu accepted, %zu refused (tcId: "
			    "%s)", tl.acc_ok, tl.acc_refused, tl.acceptable);
		printf("%s\n", tl.failures > 0 ? "; FAILURES" : "");
		all.vectors += tl.vectors;
		all.valid_ok += tl.valid_ok;
		for (p = 1; p < P__MAX; p++)
			all.valid_policy[p] += tl.valid_policy[p];
		all.invalid_refused += tl.invalid_refused;
		all.acc_ok += tl.acc_ok;
		all.acc_refused += tl.acc_refused;
		all.failures += tl.failures;
	}
	for (p = 0, j = 0; p < P__MAX; p++)
		j += all.valid_policy[p];
	printf("total: %zu vectors; valid %zu accepted, %zu refused by "
	    "policy; invalid %zu refused; acceptable %zu accepted, %zu "
	    "refused; %zu failures\n", all.vectors, all.valid_ok, j,
	    all.invalid_refused, all.acc_ok, all.acc_refused, all.failures);
	tu_rmdir(tu_dir);
	return all.failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
