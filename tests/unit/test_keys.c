/*
 * test_keys.c: what a key must be before the suite trusts it
 * (keypolicy.c, jwk.c, keys.c), reloads that must not keep a retired key,
 * and secrets wiped in full (config.c).
 *
 * OPENSSL_cleanse is defined here, over OpenSSL's: it records the length
 * of every wipe and then wipes, so a test can see how much of a buffer
 * the core cleared.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/keys.h"
#include "util.h"

static EVP_PKEY	*rsa1024, *rsa2048;

/* --- OPENSSL_cleanse, recorded -------------------------------------- */

static int	 recording;
static size_t	 maxwipe;

void
OPENSSL_cleanse(void *p, size_t n)
{
	volatile unsigned char *v = p;

	if (recording && n > maxwipe)
		maxwipe = n;
	while (n-- > 0)
		*v++ = 0;
}

/* --- helpers ----------------------------------------------------------- */

static void
write_file(const char *path, const void *p, size_t n)
{
	int	 fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static char *
b64u(const unsigned char *p, size_t n)
{
	char	*s = malloc(n / 3 * 4 + 5);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_ge(ac_b64url_encode(p, n, s, n / 3 * 4 + 5), 0);
	return s;
}

/* An RSA JWK of n (padded with zeros to nlen bytes) and e. */
static json_object *
rsa_jwk(const EVP_PKEY *pk, size_t nlen, const unsigned char *e, size_t elen)
{
	BIGNUM		*n = NULL;
	unsigned char	 buf[1024];
	json_object	*j = json_object_new_object();
	char		*s;

	ck_assert(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n));
	ck_assert_int_eq(BN_bn2binpad(n, buf, (int)nlen), (int)nlen);
	BN_free(n);
	json_object_object_add(j, "kty", json_object_new_string("RSA"));
	s = b64u(buf, nlen);
	json_object_object_add(j, "n", json_object_new_string(s));
	free(s);
	s = b64u(e, elen);
	json_object_object_add(j, "e", json_object_new_string(s));
	free(s);
	return j;
}

static struct ac_config *
rs256_config(void)
{
	static struct ac_config c;

	memset(&c, 0, sizeof(c));
	c.algs[0] = AC_ALG_RS256;
	c.nalgs = 1;
	return &c;
}

/*
 * A token "signed" with no private key: with e = 1 a signature is its
 * own message representative, the EMSA-PKCS1-v1_5 encoding of the hash.
 */
static char *
e1_token(size_t k)
{
	static const unsigned char di[] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
	    0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
	    0x00, 0x04, 0x20 };
	const char	*h = "{\"alg\":\"RS256\"}", *p = "{\"sub\":\"admin\","
			    "\"exp\":4102444800,\"type\":\"access\"}";
	char		*hs, *ps, *ss, *t, *in;
	unsigned char	 em[512];

	hs = b64u((const unsigned char *)h, strlen(h));
	ps = b64u((const unsigned char *)p, strlen(p));
	ck_assert_int_ge(asprintf(&in, "%s.%s", hs, ps), 0);
	memset(em, 0xff, k);
	em[0] = 0x00;
	em[1] = 0x01;
	em[k - 32 - sizeof(di) - 1] = 0x00;
	memcpy(em + k - 32 - sizeof(di), di, sizeof(di));
	SHA256((const unsigned char *)in, strlen(in), em + k - 32);
	ss = b64u(em, k);
	ck_assert_int_ge(asprintf(&t, "%s.%s", in, ss), 0);
	free(hs);
	free(ps);
	free(ss);
	free(in);
	return t;
}

/* --- RSA keys: size and exponent (JWK and PEM alike) ---------------- */

/* A 1024-bit modulus padded to 256 bytes is still 1024 bits. */
START_TEST(test_jwk_rsa_padded_small)
{
	struct ac_keyset ks;
	json_object	*j;
	char		 err[256] = "";
	static const unsigned char e[] = { 1, 0, 1 };

	memset(&ks, 0, sizeof(ks));
	j = rsa_jwk(rsa1024, 256, e, sizeof(e));
	ck_assert_int_ne(ac_keys_add_jwk(&ks, rs256_config(), j, err,
	    sizeof(err)), AC_OK);
	ck_assert_uint_eq(ks.nkeys, 0);
	ck_assert_ptr_nonnull(strstr(err, "1024 bits"));
	json_object_put(j);
	/* The same modulus unpadded: refused too. */
	j = rsa_jwk(rsa1024, 128, e, sizeof(e));
	ck_assert_int_ne(ac_keys_add_jwk(&ks, rs256_config(), j, err,
	    sizeof(err)), AC_OK);
	json_object_put(j);
	ac_keys_free(&ks);
}
END_TEST

/* e = 1 (a token verifies without any private key), even e: refused. */
START_TEST(test_jwk_rsa_exponent)
{
	static const struct {
		unsigned char	 e[3];
		size_t		 len;
		int		 ok;
	} cases[] = {
		{ { 1 }, 1, 0 }, { { 2 }, 1, 0 }, { { 0 }, 1, 0 },
		{ { 1, 0, 0 }, 3, 0 }, { { 3 }, 1, 1 }, { { 1, 0, 1 }, 3, 1 },
	};
	struct ac_keyset ks;
	struct ac_token	 tok;
	struct ac_app	*app;
	json_object	*j;
	char		 err[256], *t;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		memset(&ks, 0, sizeof(ks));
		snprintf(err, sizeof(err), "accepted");
		j = rsa_jwk(rsa2048, 256, cases[i].e, cases[i].len);
		ck_assert_msg((ac_keys_add_jwk(&ks, rs256_config(), j, err,
		    sizeof(err)) == AC_OK) == cases[i].ok,
		    "case %zu: %s", i, err);
		json_object_put(j);
		ac_keys_free(&ks);
	}

	/* The forgery e = 1 allows, through a whole app. */
	tu_env(NULL);
	setenv("JWT_ALGORITHM", "RS256", 1);
	setenv("JWT_PUBLIC_KEY_FILE", "/nonexistent", 1);
	app = ac_app_new();
	ac_app_load(app);		/* refused: no key file; keys added below */
	j = rsa_jwk(rsa2048, 256, (const unsigned char *)"\1", 1);
	ac_keys_add_jwk(&app->live->keys, rs256_config(), j, err, sizeof(err));
	json_object_put(j);
	t = e1_token(256);
	ck_assert_int_ne(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ac_token_clear(&tok);
	free(t);
	ac_app_free(app);
}
END_TEST

/* The same rules for a PEM public key file. */
START_TEST(test_pem_rsa_policy)
{
	EVP_PKEY	*pk;
	BIGNUM		*n = NULL;
	struct ac_app	*app;
	char		 path[PATH_MAX];

	ck_assert(EVP_PKEY_get_bn_param(rsa2048, OSSL_PKEY_PARAM_RSA_N, &n));
	pk = tu_rsa_public(n, _i == 0 ? 1 : 65537);
	tu_write_pubkey(path, sizeof(path), "pub.pem", _i == 2 ? rsa1024 : pk);

	tu_env(NULL);
	setenv("JWT_ALGORITHM", "RS256", 1);
	setenv("JWT_PUBLIC_KEY_FILE", path, 1);
	app = ac_app_new();
	/* 0: e = 1, refused; 1: e = 65537, loads; 2: 1024 bits, refused. */
	ck_assert_int_eq(ac_app_load(app) == AC_OK, _i == 1);
	ac_app_free(app);
	EVP_PKEY_free(pk);
	BN_free(n);
}
END_TEST

/* --- reload: retirement wins over a broken file --------------------- */

static void
put_secret(const char *dir, const char *kid, char c)
{
	char	 path[PATH_MAX], secret[49];

	memset(secret, c, 48);
	secret[48] = '\n';
	snprintf(path, sizeof(path), "%s/%s.key", dir, kid);
	write_file(path, secret, sizeof(secret));
}

static void
set_active(const char *dir, const char *kid)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];

	snprintf(path, sizeof(path), "%s/active", dir);
	snprintf(tmp, sizeof(tmp), "%s/active.tmp", dir);
	write_file(tmp, kid, strlen(kid));
	ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(test_reload_retired_wins)
{
	struct ac_app	*app;
	struct ac_token	 tok;
	char		 dir[1100], path[PATH_MAX], *t1, *t2;

	tu_path(dir, sizeof(dir), "keys.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put_secret(dir, "k1", 'a');
	put_secret(dir, "k2", 'b');
	set_active(dir, "k2");
	tu_env(NULL);
	setenv("JWT_ALGORITHM", "HS256", 1);
	setenv("JWT_KEYS_DIR", dir, 1);
	app = tu_app_load();
	ck_assert_int_eq(ac_token_issue(app, "alice", 600, NULL, &t2), AC_OK);

	/* k1 signs from now on; k2's tokens still verify. */
	set_active(dir, "k1");
	ck_assert_int_eq(ac_keys_reload(app, 2), 1);
	ck_assert_int_eq(ac_token_issue(app, "alice", 600, NULL, &t1), AC_OK);
	ck_assert_int_eq(ac_token_verify(app, t2, strlen(t2), time(NULL),
	    &tok), AC_OK);
	ac_token_clear(&tok);

	/* k2 retired while a new file is broken: the reload is refused... */
	snprintf(path, sizeof(path), "%s/k2.key", dir);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/k3.pem", dir);
	write_file(path, "not a key\n", 10);
	ck_assert_int_eq(ac_keys_reload(app, 2), -1);
	/* ...but k2 is gone at once, and k1 still serves. */
	ck_assert_int_eq(ac_token_verify(app, t2, strlen(t2), time(NULL),
	    &tok), AC_KEY_UNKNOWN);
	ac_token_clear(&tok);
	ck_assert_int_eq(ac_token_verify(app, t1, strlen(t1), time(NULL),
	    &tok), AC_OK);
	ac_token_clear(&tok);
	free(t1);
	ck_assert_int_eq(ac_token_issue(app, "alice", 600, NULL, &t1), AC_OK);

	/* The next look tries again, though the directory did not change. */
	ck_assert_int_eq(ac_keys_reload(app, 2), -1);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(ac_keys_reload(app, 2), 1);
	ck_assert_int_eq(ac_token_verify(app, t1, strlen(t1), time(NULL),
	    &tok), AC_OK);
	ac_token_clear(&tok);
	free(t1);
	free(t2);
	ac_app_free(app);
	snprintf(path, sizeof(path), "%s/k1.key", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/active", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* --- secrets wiped in full -------------------------------------------- */

/* The configuration file's buffer is wiped whole, not by the length of
 * the last value read. */
START_TEST(test_config_wipe)
{
	struct ac_app	*app;
	char		 path[PATH_MAX];
	const char	*text = "JWT_SECRET=0123456789abcdef0123456789abcdef"
			    "0123456789abcdef\nLOG_LEVEL=info\n";

	tu_path(path, sizeof(path), "secret.conf");
	write_file(path, text, strlen(text));
	tu_env_clear();
	setenv("AUTH_CONFIG", path, 1);
	app = ac_app_new();
	maxwipe = 0;
	recording = 1;
	ck_assert_int_eq(ac_app_load_config(app), AC_OK);
	recording = 0;
	ck_assert_uint_ge(maxwipe, strlen(text));
	ac_app_free(app);
}
END_TEST

Suite *
tu_suite(void)
{
	Suite		*s = suite_create("keys");
	const TTest	*policy[] = { test_jwk_rsa_padded_small,
			    test_jwk_rsa_exponent, NULL };
	const TTest	*reload[] = { test_reload_retired_wins, NULL };
	const TTest	*wipe[] = { test_config_wipe, NULL };

	ac_log_setup("test_keys", AC_LOG_ERROR, NULL, NULL);
	if ((rsa1024 = EVP_RSA_gen(1024)) == NULL ||
	    (rsa2048 = EVP_RSA_gen(2048)) == NULL) {
		fprintf(stderr, "RSA key generation failed\n");
		tu_rmdir(tu_dir);
		exit(EXIT_FAILURE);
	}

	tcase_add_loop_test(tu_tcase(s, "policy", 30, NULL, NULL, policy),
	    test_pem_rsa_policy, 0, 3);
	tu_tcase(s, "reload", 0, NULL, NULL, reload);
	tu_tcase(s, "wipe", 0, NULL, NULL, wipe);

	return s;
}
