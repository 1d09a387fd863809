/*
 * bench_verify.c: access tokens verified per second in-process with
 * ac_token_verify(), one thread, for HS256, RS256 (2048 bits) and ES256,
 * printed beside `openssl speed`'s figure for the same primitive on the
 * same machine, and a breakdown of where the time goes.
 *
 * Each algorithm gets a fresh key (ac_keys_generate) in a temporary
 * directory and a token from ac_token_issue() with an issuer, an audience
 * and one extra claim, as a deployment would have.  Every timed operation
 * must succeed: a verification that fails is a fatal error, never a fast
 * number.  The stage columns repeat, with the same OpenSSL and json-c
 * calls, the steps token.c takes (its helpers are static), so that the
 * cost of each can be read apart; "sig-old" and "sig-dup" time other ways
 * to make the same signature check.  bench/README.md explains the output.
 *
 * usage: bench_verify [-nv] [-s seconds] [alg ...]
 *	-n	do not run `openssl speed`
 *	-v	time ac_token_verify only, no cache (for perf record)
 *	-s	seconds per measurement (default 2, at most 30)
 */
#include "config.h"

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "core/ac.h"
#include "core/base.h"

/* One algorithm under test and what we learnt about it. */
struct alg {
	const char	*name;
	enum ac_alg	 alg;
	const char	*speed;		/* openssl speed argument */
	struct ac_app	*app;		/* JWT_VERIFY_CACHE_SIZE=0 */
	struct ac_app	*capp;		/* default configuration */
	char		*token;
	size_t		 len;
	size_t		 d1, d2;	/* the two dots */
	unsigned char	 secret[4096];	/* HS: the shared secret */
	size_t		 secretlen;
	EVP_PKEY	*pkey;		/* RS, ES */
	unsigned char	 sig[1024];	/* decoded signature */
	size_t		 siglen;
	unsigned char	*der;		/* ES: DER form of sig */
	int		 derlen;
	unsigned char	 dgst[32];	/* SHA-256 of the signing input */
	/* Contexts made once, as the core's per-thread slots are. */
	EVP_MAC_CTX	*mac;		/* keyed, re-initialised per call */
	EVP_MAC_CTX	*mac0;		/* keyed, never used: dup source */
	EVP_MD		*md;
	EVP_MD_CTX	*vtmpl;
	EVP_PKEY_CTX	*pctx;
};

static double	 secs = 2.0;

static double
now_s(clockid_t clk)
{
	struct timespec	 ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Calls f(a) for secs seconds of wall-clock time (after a short warm-up)
 * and returns the mean CPU microseconds (this thread's user + system
 * time) per call: like `openssl speed`, which divides by user time, it
 * then does not count what other processes on the machine take.  f returns 0 on success; any
 * failure ends the program, so that no failing path is ever timed.
 */
static double
timeit(const char *what, int (*f)(struct alg *), struct alg *a)
{
	double		 w0, c0;
	uint64_t	 n = 0;
	int		 i;

	for (i = 0; i < 200; i++)
		if (f(a) != 0)
			errx(1, "%s %s: failed", a->name, what);
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (i = 0; i < 64; i++)
			if (f(a) != 0)
				errx(1, "%s %s: failed", a->name, what);
		n += 64;
	} while (now_s(CLOCK_MONOTONIC) - w0 < secs);
	return (now_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e6 / (double)n;
}

/* The operation under test: the whole verification. */
static int
op_verify(struct alg *a)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_token_verify(a->app, a->token, a->len, time(NULL), &tok);
	ac_token_clear(&tok);
	return rc == AC_OK ? 0 : -1;
}

/* The same with the default configuration (the verified-token cache). */
static int
op_verify_cached(struct alg *a)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_token_verify(a->capp, a->token, a->len, time(NULL), &tok);
	ac_token_clear(&tok);
	return rc == AC_OK ? 0 : -1;
}

/* Stage: base64url-decode the three segments, as token.c does. */
static int
op_b64(struct alg *a)
{
	unsigned char	 buf[4096];
	long		 n1, n2, n3;

	n1 = ac_b64url_decode(a->token, a->d1, buf, sizeof(buf));
	n2 = ac_b64url_decode(a->token + a->d1 + 1, a->d2 - a->d1 - 1, buf,
	    sizeof(buf));
	n3 = ac_b64url_decode(a->token + a->d2 + 1, a->len - a->d2 - 1, buf,
	    sizeof(buf));
	return n1 > 0 && n2 > 0 && n3 > 0 ? 0 : -1;
}

/* One segment into a json-c object, with token.c's calls. */
static json_object *
seg_json(const char *seg, size_t len)
{
	unsigned char	*buf;
	json_tokener	*jt;
	json_object	*o = NULL;
	long		 n;

	if ((buf = malloc(len / 4 * 3 + 3)) == NULL)
		return NULL;
	n = ac_b64url_decode(seg, len, buf, len / 4 * 3 + 3);
	if (n > 0 && (jt = json_tokener_new_ex(16)) != NULL) {
		json_tokener_set_flags(jt, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(jt, (const char *)buf, (int)n);
		json_tokener_free(jt);
	}
	free(buf);
	return o;
}

/* Stage: decode and parse header and claims, then free them. */
static int
op_json(struct alg *a)
{
	json_object	*h, *c;
	int		 ok;

	h = seg_json(a->token, a->d1);
	c = seg_json(a->token + a->d1 + 1, a->d2 - a->d1 - 1);
	ok = h != NULL && c != NULL;
	json_object_put(h);
	json_object_put(c);
	return ok ? 0 : -1;
}

/* Raw R||S to DER, as token.c's ecdsa_der(). */
static int
es_der(struct alg *a, unsigned char **der, int *derlen)
{
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;

	r = BN_bin2bn(a->sig, (int)a->siglen / 2, NULL);
	s = BN_bin2bn(a->sig + a->siglen / 2, (int)a->siglen / 2, NULL);
	if ((es = ECDSA_SIG_new()) == NULL || r == NULL || s == NULL ||
	    !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -1;
	}
	*der = NULL;
	*derlen = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	return *derlen > 0 ? 0 : -1;
}

/*
 * Stage: the signature check as the core makes it since 5835780: HS
 * re-initialises a kept keyed EVP_MAC_CTX; RS/ES hash with a digest
 * fetched once (EVP_Digest) and verify with a kept, verify-initialised
 * EVP_PKEY_CTX, ES after converting R||S to DER.
 */
static int
op_sig(struct alg *a)
{
	unsigned char	 md[EVP_MAX_MD_SIZE], *der = NULL;
	size_t		 maclen = 0;
	unsigned int	 dlen = 0;
	int		 derlen, ok;

	if (a->secretlen > 0) {
		if (!EVP_MAC_init(a->mac, NULL, 0, NULL) ||
		    !EVP_MAC_update(a->mac, (const unsigned char *)a->token,
		    a->d2) || !EVP_MAC_final(a->mac, md, &maclen, sizeof(md)))
			return -1;
		return maclen == a->siglen &&
		    CRYPTO_memcmp(md, a->sig, maclen) == 0 ? 0 : -1;
	}
	if (!EVP_Digest(a->token, a->d2, md, &dlen, a->md, NULL))
		return -1;
	if (a->der != NULL) {
		if (es_der(a, &der, &derlen) == -1)
			return -1;
		ok = EVP_PKEY_verify(a->pctx, der, (size_t)derlen, md,
		    dlen) == 1;
		OPENSSL_free(der);
	} else
		ok = EVP_PKEY_verify(a->pctx, a->sig, a->siglen, md,
		    dlen) == 1;
	return ok ? 0 : -1;
}

/* Stage (ES only): the raw-to-DER conversion by itself. */
static int
op_der(struct alg *a)
{
	unsigned char	*der;
	int		 derlen;

	if (es_der(a, &der, &derlen) == -1)
		return -1;
	OPENSSL_free(der);
	return 0;
}

/*
 * The signature check as the first core (eeabf87) made it: one-shot
 * HMAC(), which fetches SHA-256 and keys a new context on every call, or
 * a new EVP_MD_CTX with EVP_DigestVerifyInit(EVP_sha256()) per call.
 */
static int
op_sig_old(struct alg *a)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	EVP_MD_CTX	*ctx;
	int		 ok = 0;

	if (a->secretlen > 0) {
		if (HMAC(EVP_sha256(), a->secret, (int)a->secretlen,
		    (const unsigned char *)a->token, a->d2, mac,
		    &maclen) == NULL)
			return -1;
		return maclen == a->siglen &&
		    CRYPTO_memcmp(mac, a->sig, maclen) == 0 ? 0 : -1;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, a->pkey) == 1)
		ok = EVP_DigestVerify(ctx, a->der != NULL ? a->der : a->sig,
		    a->der != NULL ? (size_t)a->derlen : a->siglen,
		    (const unsigned char *)a->token, a->d2) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * Another way: HS with EVP_MAC_CTX_dup of the keyed template per call
 * (thread-safe without per-thread contexts); RS/ES with
 * EVP_MD_CTX_copy_ex from a DigestVerify context initialised once.
 */
static int
op_dup(struct alg *a)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	size_t		 maclen = 0;
	EVP_MAC_CTX	*m;
	EVP_MD_CTX	*ctx;
	int		 ok = 0;

	if (a->secretlen > 0) {
		if ((m = EVP_MAC_CTX_dup(a->mac0)) == NULL)
			return -1;
		ok = EVP_MAC_update(m, (const unsigned char *)a->token, a->d2) &&
		    EVP_MAC_final(m, mac, &maclen, sizeof(mac)) &&
		    maclen == a->siglen &&
		    CRYPTO_memcmp(mac, a->sig, maclen) == 0;
		EVP_MAC_CTX_free(m);
		return ok ? 0 : -1;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_MD_CTX_copy_ex(ctx, a->vtmpl) == 1)
		ok = EVP_DigestVerify(ctx, a->der != NULL ? a->der : a->sig,
		    a->der != NULL ? (size_t)a->derlen : a->siglen,
		    (const unsigned char *)a->token, a->d2) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * The bare primitive in this process, as `openssl speed` measures it:
 * HS a kept keyed HMAC over the signing input (the same as op_sig); RS/ES
 * a kept EVP_PKEY_CTX verifying a precomputed SHA-256 digest.
 */
static int
op_prim(struct alg *a)
{

	if (a->secretlen > 0)
		return op_sig(a);
	return EVP_PKEY_verify(a->pctx, a->der != NULL ? a->der : a->sig,
	    a->der != NULL ? (size_t)a->derlen : a->siglen, a->dgst,
	    sizeof(a->dgst)) == 1 ? 0 : -1;
}

/*
 * Runs `openssl speed -mr` for the primitive and returns microseconds
 * per verification, or -1.  HMAC is timed over exactly our signing
 * input's length (-bytes).
 */
static double
openssl_speed(const struct alg *a)
{
	char		 cmd[256], line[512];
	FILE		*p;
	double		 v = -1, x, y;
	int		 idx, bits;

	if (a->secretlen > 0)
		snprintf(cmd, sizeof(cmd), "openssl speed -mr -seconds %d "
		    "-bytes %zu -hmac sha256 2>/dev/null", (int)(secs + 0.5),
		    a->d2);
	else
		snprintf(cmd, sizeof(cmd), "openssl speed -mr -seconds %d "
		    "%s 2>/dev/null", (int)(secs + 0.5), a->speed);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		/* +F:idx:hmac(sha256):bytes per second */
		if (a->secretlen > 0 && sscanf(line,
		    "+F:%d:hmac(sha256):%lf", &idx, &x) == 2 && x > 0)
			v = 1e6 * (double)a->d2 / x;
		/* +F2 (RSA) or +F4 (ECDSA):idx:bits:sign/s:verify/s */
		if (a->secretlen == 0 && (sscanf(line, "+F2:%d:%d:%lf:%lf",
		    &idx, &bits, &x, &y) == 4 || sscanf(line,
		    "+F4:%d:%d:%lf:%lf", &idx, &bits, &x, &y) == 4) && y > 0)
			v = 1e6 / y;
	}
	pclose(p);
	return v;
}

static void
setenv_or_die(const char *name, const char *value)
{

	if (setenv(name, value, 1) == -1)
		err(1, "setenv %s", name);
}

static struct ac_app *
load(const struct alg *a)
{
	struct ac_app	*app;
	size_t		 i;

	if ((app = ac_app_new()) == NULL)
		err(1, NULL);
	if (ac_app_load(app) != AC_OK) {
		for (i = 0; i < ac_app_nproblems(app); i++)
			warnx("%s", ac_app_problem(app, i));
		errx(1, "%s: configuration refused", a->name);
	}
	return app;
}

/* Key, configuration, token and the OpenSSL templates for a. */
static void
setup(struct alg *a, const char *dir)
{
	char		 path[512], errbuf[256], *kid = NULL;
	json_object	*extra;
	FILE		*f;
	long		 n;
	size_t		 dlen;
	OSSL_PARAM	 params[2];
	EVP_MAC		*hmac;
	char		 sha256[] = "SHA256"; /* OSSL_PARAM: char * */

	snprintf(path, sizeof(path), "%s/%s.key", dir, a->name);
	if (ac_keys_generate(a->alg, path, 1, &kid, errbuf,
	    sizeof(errbuf)) != AC_OK)
		errx(1, "%s: keygen: %s", a->name, errbuf);
	free(kid);

	unsetenv("JWT_SECRET");
	unsetenv("BETTER_AUTH_SECRET");
	unsetenv("JWT_SECRET_FILE");
	unsetenv("JWT_PRIVATE_KEY_FILE");
	unsetenv("JWT_PUBLIC_KEY_FILE");
	unsetenv("JWT_KEY_ID");
	setenv_or_die("JWT_ALGORITHM", a->name);
	setenv_or_die(a->alg == AC_ALG_HS256 ? "JWT_SECRET_FILE" :
	    "JWT_PRIVATE_KEY_FILE", path);
	unsetenv("JWT_VERIFY_CACHE_SIZE");
	a->capp = load(a);
	/* A configuration without the cache, where the core has one. */
	setenv_or_die("JWT_VERIFY_CACHE_SIZE", "0");
	a->app = load(a);
	unsetenv("JWT_VERIFY_CACHE_SIZE");

	if ((extra = json_object_new_object()) == NULL)
		err(1, NULL);
	json_object_object_add(extra, "email",
	    json_object_new_string("alice@example.com"));
	if (ac_token_issue(a->app, "user-1234", 3600, extra, &a->token) !=
	    AC_OK)
		errx(1, "%s: ac_token_issue failed", a->name);
	json_object_put(extra);
	a->len = strlen(a->token);
	a->d1 = (size_t)(strchr(a->token, '.') - a->token);
	a->d2 = (size_t)(strrchr(a->token, '.') - a->token);
	n = ac_b64url_decode(a->token + a->d2 + 1, a->len - a->d2 - 1,
	    a->sig, sizeof(a->sig));
	if (n <= 0)
		errx(1, "%s: bad signature segment", a->name);
	a->siglen = (size_t)n;

	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	if (a->alg == AC_ALG_HS256) {
		a->secretlen = fread(a->secret, 1, sizeof(a->secret), f);
		while (a->secretlen > 0 &&
		    (a->secret[a->secretlen - 1] == '\n' ||
		    a->secret[a->secretlen - 1] == '\r' ||
		    a->secret[a->secretlen - 1] == ' '))
			a->secretlen--;
		if ((hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
		    (a->mac = EVP_MAC_CTX_new(hmac)) == NULL)
			errx(1, "EVP_MAC");
		EVP_MAC_free(hmac);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, sha256, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_MAC_init(a->mac, a->secret, a->secretlen, params) ||
		    (a->mac0 = EVP_MAC_CTX_dup(a->mac)) == NULL)
			errx(1, "EVP_MAC_init");
	} else {
		if ((a->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL)) ==
		    NULL)
			errx(1, "%s: PEM_read_PrivateKey", path);
		if (a->alg == AC_ALG_ES256 && es_der(a, &a->der,
		    &a->derlen) == -1)
			errx(1, "%s: DER", a->name);
		/* As the core's thread_ctx() and alg_md(). */
		if ((a->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
		    (a->vtmpl = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestVerifyInit_ex(a->vtmpl, NULL, "SHA256", NULL,
		    NULL, a->pkey, NULL) != 1)
			errx(1, "%s: verify template", a->name);
		dlen = sizeof(a->dgst);
		if (EVP_Q_digest(NULL, "SHA256", NULL, a->token, a->d2,
		    a->dgst, &dlen) != 1 ||
		    (a->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, a->pkey,
		    NULL)) == NULL || EVP_PKEY_verify_init(a->pctx) != 1 ||
		    (a->alg == AC_ALG_RS256 &&
		    EVP_PKEY_CTX_set_rsa_padding(a->pctx,
		    RSA_PKCS1_PADDING) != 1) ||
		    EVP_PKEY_CTX_set_signature_md(a->pctx, a->md) != 1)
			errx(1, "%s: verify context", a->name);
	}
	fclose(f);
}

static void
teardown(struct alg *a)
{

	ac_app_free(a->app);
	ac_app_free(a->capp);
	free(a->token);
	OPENSSL_cleanse(a->secret, sizeof(a->secret));
	EVP_PKEY_free(a->pkey);
	OPENSSL_free(a->der);
	EVP_MAC_CTX_free(a->mac);
	EVP_MAC_CTX_free(a->mac0);
	EVP_MD_free(a->md);
	EVP_MD_CTX_free(a->vtmpl);
	EVP_PKEY_CTX_free(a->pctx);
}

static void
usage(void)
{

	fprintf(stderr, "usage: bench_verify [-nv] [-s seconds] "
	    "[HS256 | RS256 | ES256 ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct alg	 algs[] = {
		{ .name = "HS256", .alg = AC_ALG_HS256, .speed = "hmac" },
		{ .name = "RS256", .alg = AC_ALG_RS256, .speed = "rsa2048" },
		{ .name = "ES256", .alg = AC_ALG_ES256, .speed = "ecdsap256" },
	};
	struct {
		double	 verify, cached, b64, json, sig, der, old, dup;
		double	 prim, speed;
		int	 run;
	} r[nitems(algs)];
	char		 dir[] = "/tmp/bench_verify.XXXXXX", cfg[600];
	const char	*errstr = NULL;
	size_t		 i, j;
	int		 ch, nospeed = 0, vonly = 0, any = 0;
	FILE		*f;

	while ((ch = getopt(argc, argv, "ns:v")) != -1)
		switch (ch) {
		case 'n':
			nospeed = 1;
			break;
		case 'v':
			vonly = nospeed = 1;
			break;
		case 's':
			secs = strtod(optarg, NULL);
			if (secs < 0.1 || secs > 30)
				errstr = "seconds must be 0.1 to 30";
			break;
		default:
			usage();
		}
	if (errstr != NULL)
		errx(2, "-s: %s", errstr);
	argc -= optind;
	argv += optind;
	memset(r, 0, sizeof(r));
	for (i = 0; i < nitems(algs); i++) {
		r[i].run = argc == 0;
		for (j = 0; j < (size_t)argc; j++)
			if (strcmp(argv[j], algs[i].name) == 0)
				r[i].run = 1;
		any |= r[i].run;
	}
	if (!any)
		usage();

	ac_log_setup("bench_verify", AC_LOG_ERROR, NULL, NULL);
	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	/* An empty configuration file: only what we set below counts. */
	snprintf(cfg, sizeof(cfg), "%s/auth.conf", dir);
	if ((f = fopen(cfg, "w")) == NULL)
		err(1, "%s", cfg);
	fclose(f);
	setenv_or_die("AUTH_CONFIG", cfg);
	setenv_or_die("JWT_ISSUER", "https://bench.example");
	setenv_or_die("JWT_AUDIENCE", "bench");

	printf("bench_verify: %.1f s per measurement, one thread, CPU time "
	    "per call, %s\n",
	    secs, OpenSSL_version(OPENSSL_VERSION));
	for (i = 0; i < nitems(algs); i++) {
		if (!r[i].run)
			continue;
		setup(&algs[i], dir);
		printf("%s: token %zu bytes, signing input %zu bytes\n",
		    algs[i].name, algs[i].len, algs[i].d2);
		fflush(stdout);
		r[i].verify = timeit("verify", op_verify, &algs[i]);
		if (vonly) {
			printf("%s: %.3f us per ac_token_verify\n",
			    algs[i].name, r[i].verify);
			teardown(&algs[i]);
			continue;
		}
		r[i].cached = timeit("verify-cached", op_verify_cached,
		    &algs[i]);
		r[i].b64 = timeit("b64", op_b64, &algs[i]);
		r[i].json = timeit("json", op_json, &algs[i]);
		r[i].sig = timeit("sig", op_sig, &algs[i]);
		if (algs[i].der != NULL)
			r[i].der = timeit("der", op_der, &algs[i]);
		r[i].old = timeit("sig-old", op_sig_old, &algs[i]);
		r[i].dup = timeit("sig-dup", op_dup, &algs[i]);
		r[i].prim = timeit("primitive", op_prim, &algs[i]);
		r[i].speed = nospeed ? -1 : openssl_speed(&algs[i]);
		teardown(&algs[i]);
	}
	/* Remove the keys and the directory. */
	for (i = 0; i < nitems(algs); i++) {
		snprintf(cfg, sizeof(cfg), "%s/%s.key", dir, algs[i].name);
		unlink(cfg);
	}
	snprintf(cfg, sizeof(cfg), "%s/auth.conf", dir);
	unlink(cfg);
	if (rmdir(dir) == -1)
		warn("rmdir %s", dir);
	if (vonly)
		return 0;

	printf("\n%-6s %12s %10s | %-24s %10s %10s | %7s %s\n", "alg",
	    "verify/s", "us/verify", "openssl speed", "prim/s", "us/prim",
	    "ratio", "(target <= 1.5)");
	for (i = 0; i < nitems(algs); i++) {
		if (!r[i].run)
			continue;
		if (r[i].speed > 0)
			printf("%-6s %12.0f %10.2f | %-24s %10.0f %10.2f | "
			    "%7.2f %s\n", algs[i].name, 1e6 / r[i].verify,
			    r[i].verify, algs[i].secretlen > 0 ?
			    "hmac sha256 -bytes input" : algs[i].speed,
			    1e6 / r[i].speed, r[i].speed,
			    r[i].verify / r[i].speed,
			    r[i].verify / r[i].speed <= 1.5 ? "met" :
			    "not met");
		else
			printf("%-6s %12.0f %10.2f | %-24s\n", algs[i].name,
			    1e6 / r[i].verify, r[i].verify,
			    "(openssl speed not run)");
	}
	printf("\nwhere the time goes (us per call; stages use the calls "
	    "token.c makes):\n");
	printf("%-6s %8s %8s | %8s %8s %8s %8s %8s | %8s %8s %8s\n", "alg",
	    "verify", "cached", "b64url", "json", "sig", "es-der", "rest",
	    "sig-old", "sig-dup", "prim");
	for (i = 0; i < nitems(algs); i++)
		if (r[i].run)
			printf("%-6s %8.3f %8.3f | %8.3f %8.3f %8.3f %8.3f %8.3f"
			    " | %8.3f %8.3f %8.3f\n", algs[i].name, r[i].verify,
			    r[i].cached, r[i].b64, r[i].json, r[i].sig,
			    r[i].der, r[i].verify - r[i].json - r[i].sig,
			    r[i].old, r[i].dup, r[i].prim);
	return 0;
}
