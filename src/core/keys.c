/*
 * keys.c: the key set.  A shared secret (HS*), a PEM private key (RS*,
 * ES*; signs and verifies) and a PEM public key (verifies only) are
 * loaded once at start-up.  Each key is bound to one algorithm, chosen
 * from the configured allow-list by the key's own type, so that a token
 * can never pick the kind of key.  Each key is named by its RFC 7638
 * thumbprint unless JWT_KEY_ID says otherwise, and exports as a JWK
 * (RFC 7517).  Generating keys for authctl lives here too.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ac.h"
#include "extern.h"

#define AC_MAXPEM	(64 * 1024)

static int
alg_is_rsa(enum ac_alg a)
{

	return a == AC_ALG_RS256 || a == AC_ALG_RS384 || a == AC_ALG_RS512 ||
	    a == AC_ALG_PS256 || a == AC_ALG_PS384 || a == AC_ALG_PS512;
}

/* The curve an ES algorithm needs (OpenSSL's group name). */
static const char *
alg_curve(enum ac_alg a)
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

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (k->pkey == NULL) {
		if (ac_b64url_encode(k->secret, k->secretlen, a, sizeof(a)) < 0)
			goto fail;
		json_object_object_add(o, "k", json_object_new_string(a));
		json_object_object_add(o, "kty", json_object_new_string("oct"));
		return o;
	}
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

/* RFC 7638 thumbprint into k->kid. */
static int
thumbprint(struct ac_key *k)
{
	json_object	*o;
	const char	*s;
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	int		 rc = -1;

	if ((o = jwk_members(k)) == NULL)
		return -1;
	/* Members were added in lexicographic order; no whitespace. */
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	SHA256((const unsigned char *)s, strlen(s), md);
	if (ac_b64url_encode(md, sizeof(md), k->kid, sizeof(k->kid)) > 0)
		rc = 0;
	OPENSSL_cleanse((void *)(uintptr_t)s, strlen(s));
	json_object_put(o);
	return rc;
}

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

/* Non-zero when a key of pk's type may serve alg. */
static int
alg_fits(EVP_PKEY *pk, enum ac_alg alg)
{
	char	 group[64];

	if (EVP_PKEY_is_a(pk, "RSA"))
		return alg_is_rsa(alg);
	if (EVP_PKEY_is_a(pk, "ED25519"))
		return alg == AC_ALG_EDDSA;
	return alg_curve(alg) != NULL && EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) &&
	    strcmp(group, alg_curve(alg)) == 0;
}

/*
 * The first allowed algorithm a key of this type can serve, or -1.
 * An EC key serves only the ES algorithm of its own curve.
 */
static int
pick_alg(const struct ac_config *c, EVP_PKEY *pk)
{
	size_t	 i;

	for (i = 0; i < c->nalgs; i++)
		if (alg_fits(pk, c->algs[i]))
			return (int)c->algs[i];
	return -1;
}

uint64_t
ac_keys_serial(void)
{
	static uint64_t	 serial;

	return __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED);
}

/* A keyed HMAC context that verification duplicates per thread. */
static int
mac_template(struct ac_key *k)
{
	EVP_MAC		*mac;
	OSSL_PARAM	 p[2];
	const char	*md = k->alg == AC_ALG_HS256 ? "SHA256" :
			    k->alg == AC_ALG_HS384 ? "SHA384" : "SHA512";

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	k->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)md, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (k->mac == NULL || !EVP_MAC_init(k->mac, k->secret, k->secretlen, p))
		return -1;
	return 0;
}

static void
key_clear(struct ac_key *k)
{

	EVP_MAC_CTX_free(k->mac);
	if (k->secret != NULL) {
		OPENSSL_cleanse(k->secret, k->secretlen);
		free(k->secret);
	}
	if (k->pem != NULL) {
		OPENSSL_cleanse(k->pem, k->pemlen);
		free(k->pem);
	}
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

static struct ac_key *
key_add(struct ac_app *app, struct ac_keyset *ks)
{

	if (ks->nkeys == AC_MAXKEYS) {
		ac_app_problemf(app, "too many keys (at most %d)", AC_MAXKEYS);
		return NULL;
	}
	memset(&ks->keys[ks->nkeys], 0, sizeof(ks->keys[0]));
	return &ks->keys[ks->nkeys++];
}

/* Reads a secret from a file: trailing white space is not part of it. */
static char *
secret_file(struct ac_app *app, const char *name, const char *path,
    size_t *len)
{
	char		*buf, err[256];
	struct stat	 st;

	if ((buf = ac_file_read(path, 4096, len, err, sizeof(err))) == NULL) {
		ac_app_problemf(app, "%s: %s", name, err);
		return NULL;
	}
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		ac_app_problemf(app, "%s: %s is world-readable: chmod 600 %s",
		    name, path, path);
	while (*len > 0 && (buf[*len - 1] == '\n' ||
	    buf[*len - 1] == '\r' || buf[*len - 1] == ' '))
		buf[--*len] = '\0';
	return buf;
}

/* Adds a secret (taking buf) as an HS key; kid may be NULL. */
static void
add_secret(struct ac_app *app, struct ac_keyset *ks, const char *name,
    char *buf, size_t len, enum ac_alg alg, const char *kid)
{
	struct ac_key	*k;

	if (len < 32) {
		ac_app_problemf(app, "%s: %zu bytes is too short for %s; use "
		    "at least 32 random bytes (`openssl rand -base64 48`)",
		    name, len, ac_alg_str(alg));
		goto fail;
	}
	if ((k = key_add(app, ks)) == NULL)
		goto fail;
	k->alg = alg;
	k->secret = (unsigned char *)buf;
	k->secretlen = len;
	k->can_sign = 1;
	if (kid != NULL)
		snprintf(k->kid, sizeof(k->kid), "%s", kid);
	if (mac_template(k) == -1)
		ac_app_problemf(app, "%s: OpenSSL HMAC unavailable", name);
	return;
fail:
	OPENSSL_cleanse(buf, len);
	free(buf);
}

static void
load_secret(struct ac_app *app, struct ac_keyset *ks, enum ac_alg alg)
{
	struct ac_config *c = &app->cfg;
	char		*buf;
	size_t		 len = 0;

	if (c->secret_file != NULL) {
		if ((buf = secret_file(app, "JWT_SECRET_FILE", c->secret_file,
		    &len)) == NULL)
			return;
	} else if (c->secret != NULL) {
		if ((buf = strdup(c->secret)) == NULL)
			return;
		len = c->secretlen;
	} else {
		if (c->keys_dir == NULL)
			ac_app_problemf(app, "JWT_ALGORITHM includes %s but no "
			    "secret is set: set JWT_SECRET (at least 32 bytes; "
			    "`authctl keygen --alg %s --out FILE` makes one "
			    "for JWT_SECRET_FILE)", ac_alg_str(alg),
			    ac_alg_str(alg));
		return;
	}
	add_secret(app, ks, "JWT_SECRET", buf, len, alg, NULL);
}

/*
 * Loads a PEM key file.  priv: a private key (signs), else a public key.
 * kid may be NULL (then the thumbprint names it).
 */
static void
load_pem(struct ac_app *app, struct ac_keyset *ks, const char *name,
    const char *path, int priv, const char *kid)
{
	struct ac_config *c = &app->cfg;
	struct ac_key	*k;
	struct stat	 st;
	char		*buf, err[256];
	size_t		 len;
	BIO		*bio = NULL;
	EVP_PKEY	*pk = NULL;
	int		 alg;

	if ((buf = ac_file_read(path, AC_MAXPEM, &len, err,
	    sizeof(err))) == NULL) {
		ac_app_problemf(app, "%s: %s", name, err);
		return;
	}
	if (priv && stat(path, &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH))) {
		ac_app_problemf(app, "%s: %s is world-accessible; a private "
		    "key must not be: chmod 600 %s", name, path, path);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto out;
	pk = priv ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) :
	    PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (pk == NULL) {
		ac_app_problemf(app, "%s: %s is not a PEM %s key", name, path,
		    priv ? "private (unencrypted PKCS#8 or traditional)" :
		    "public (SubjectPublicKeyInfo)");
		goto out;
	}
	if (ac_key_policy(pk, err, sizeof(err)) == -1) {
		ac_app_problemf(app, "%s: %s: %s", name, path, err);
		goto out;
	}
	if ((alg = pick_alg(c, pk)) == -1) {
		ac_app_problemf(app, "%s: a %s key fits none of the algorithms "
		    "in JWT_ALGORITHM", name, EVP_PKEY_get0_type_name(pk));
		goto out;
	}
	if ((k = key_add(app, ks)) == NULL)
		goto out;
	k->alg = (enum ac_alg)alg;
	k->pkey = pk;
	pk = NULL;
	if (kid != NULL)
		snprintf(k->kid, sizeof(k->kid), "%s", kid);
	if (priv) {
		k->pem = buf;
		k->pemlen = len;
		k->can_sign = 1;
		buf = NULL;
	}
out:
	BIO_free(bio);
	EVP_PKEY_free(pk);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
}

/*
 * JWT_KEYS_DIR: the keys `authctl key rotate` manages.  Each file is
 * named by its key's kid: KID.pem (a PEM private key) or KID.key (an HS
 * secret, which serves the first HMAC algorithm allowed); the file
 * "active" names the kid that signs.  Other files are ignored.  Returns
 * the active kid in active (or "").
 */
static void
load_dir(struct ac_app *app, struct ac_keyset *ks, char *active,
    size_t activesz)
{
	const struct ac_config *c = &app->cfg;
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX], kid[96], *buf, err[256];
	size_t		 n, len, i;
	int		 hmac = -1;

	*active = '\0';
	if ((d = opendir(c->keys_dir)) == NULL) {
		ac_app_problemf(app, "JWT_KEYS_DIR: %s: %s", c->keys_dir,
		    strerror(errno));
		return;
	}
	for (i = 0; i < c->nalgs; i++)
		if (ac_alg_is_hmac(c->algs[i]) && hmac == -1)
			hmac = (int)c->algs[i];
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5 || n - 4 >= sizeof(kid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->keys_dir, de->d_name);
		memcpy(kid, de->d_name, n - 4);
		kid[n - 4] = '\0';
		if (strcmp(de->d_name + n - 4, ".pem") == 0)
			load_pem(app, ks, "JWT_KEYS_DIR", path, 1, kid);
		else if (strcmp(de->d_name + n - 4, ".key") == 0 &&
		    hmac != -1 &&
		    (buf = secret_file(app, "JWT_KEYS_DIR", path, &len)) != NULL)
			add_secret(app, ks, path, buf, len, (enum ac_alg)hmac,
			    kid);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/active", c->keys_dir);
	if (access(path, F_OK) == 0) {
		if ((buf = ac_file_read(path, 256, &len, err,
		    sizeof(err))) == NULL) {
			ac_app_problemf(app, "JWT_KEYS_DIR: %s", err);
			return;
		}
		len = strcspn(buf, "\r\n");
		buf[len] = '\0';
		snprintf(active, activesz, "%s", buf);
		free(buf);
	}
}

/*
 * Adds the keys of the provider's cached set (jwksclient.c) to ks,
 * marked remote.  Bad keys are skipped and logged, never fatal: a
 * provider's odd key must not stop the suite.
 */
void
ac_keys_add_remote(const struct ac_config *c, struct ac_keyset *ks)
{
	char		 err[256], q[256];
	json_object	*keys;
	size_t		 i, n, first = ks->nkeys;

	if ((keys = ac_jwks_keys(c)) == NULL)
		return;
	n = json_object_array_length(keys);
	for (i = 0; i < n; i++)
		if (ac_keys_add_jwk(ks, c, json_object_array_get_idx(keys, i),
		    err, sizeof(err)) != AC_OK) {
			/* err may quote the provider's own text. */
			ac_log_quote(q, sizeof(q), err);
			ac_log(AC_LOG_WARN, "event=jwks_key_skipped "
			    "index=%zu why=\"%s\"", i, q);
		}
	for (i = first; i < ks->nkeys; i++)
		ks->keys[i].remote = 1;
	json_object_put(keys);
}

/*
 * Builds a key set from the configuration into ks, reporting problems on
 * app.  Used at start-up and by every reload, so both judge alike.
 */
static void
keys_build(struct ac_app *app, struct ac_keyset *ks)
{
	struct ac_config *c = &app->cfg;
	size_t		 i, j;
	int		 hmac = -1, pub = 0;
	char		 active[96] = "";

	memset(ks, 0, sizeof(*ks));
	ks->signer = -1;
	ks->gen = ac_keys_serial();
	for (i = 0; i < c->nalgs; i++) {
		if (ac_alg_is_hmac(c->algs[i]) && hmac == -1)
			hmac = (int)c->algs[i];
		if (!ac_alg_is_hmac(c->algs[i]))
			pub = 1;
	}
	if (hmac != -1)
		load_secret(app, ks, (enum ac_alg)hmac);
	if (c->private_key_file != NULL)
		load_pem(app, ks, "JWT_PRIVATE_KEY_FILE", c->private_key_file,
		    1, NULL);
	if (c->public_key_file != NULL)
		load_pem(app, ks, "JWT_PUBLIC_KEY_FILE", c->public_key_file,
		    0, NULL);
	if (c->keys_dir != NULL)
		load_dir(app, ks, active, sizeof(active));
	if (c->jwks_url != NULL)
		ac_keys_add_remote(c, ks);
	if (pub && c->private_key_file == NULL && c->public_key_file == NULL &&
	    c->keys_dir == NULL && c->jwks_url == NULL)
		ac_app_problemf(app, "JWT_ALGORITHM names a public-key "
		    "algorithm but neither JWT_PRIVATE_KEY_FILE nor "
		    "JWT_PUBLIC_KEY_FILE nor JWT_KEYS_DIR is set (`authctl "
		    "keygen --alg %s --out FILE` makes a key)",
		    ac_alg_str(c->algs[0]));

	for (i = 0; i < ks->nkeys; i++) {
		struct ac_key *k = &ks->keys[i];

		/* JWT_KEY_ID names the configured signing key only. */
		if (k->remote)
			continue;	/* named by the provider */
		if (k->kid[0] == '\0' && c->key_id != NULL && k->can_sign &&
		    k->alg == c->algs[0])
			snprintf(k->kid, sizeof(k->kid), "%s", c->key_id);
		else if (k->kid[0] == '\0' && thumbprint(k) == -1)
			ac_app_problemf(app, "cannot compute the key id of a "
			    "%s key", ac_alg_str(k->alg));
		k->serial = ac_keys_serial();
	}
	/* A private key and its public twin: keep one. */
	for (i = 0; i < ks->nkeys; i++)
		for (j = i + 1; j < ks->nkeys; j++)
			if (strcmp(ks->keys[i].kid, ks->keys[j].kid) == 0 &&
			    !ks->keys[j].can_sign) {
				key_clear(&ks->keys[j]);
				memmove(&ks->keys[j], &ks->keys[j + 1],
				    (ks->nkeys - j - 1) * sizeof(ks->keys[0]));
				ks->nkeys--;
				j--;
			}
	/* The active key of JWT_KEYS_DIR signs; else the first of algs[0]. */
	for (i = 0; i < ks->nkeys && active[0] != '\0'; i++)
		if (ks->keys[i].can_sign && strcmp(ks->keys[i].kid, active) == 0)
			ks->signer = (int)i;
	if (active[0] != '\0' && ks->signer == -1)
		ac_app_problemf(app, "JWT_KEYS_DIR: the active key %s is not "
		    "among the loaded keys", active);
	for (i = 0; i < ks->nkeys && ks->signer == -1; i++)
		if (ks->keys[i].can_sign && ks->keys[i].alg == c->algs[0])
			ks->signer = (int)i;
}

/* What identifies the state of JWT_KEYS_DIR: its mtime changes on every
 * rename into it, which is how `authctl key` writes. */
static void
dir_stamp(const struct ac_config *c, struct timespec *ts)
{
	struct stat	 st;

	memset(ts, 0, sizeof(*ts));
	if (c->keys_dir != NULL && stat(c->keys_dir, &st) == 0)
		*ts = st.st_mtim;
}

void
ac_keys_load(struct ac_app *app)
{

	pthread_rwlock_init(&app->keylock, NULL);
	pthread_mutex_init(&app->reloadlock, NULL);
	if (app->cfg.jwks_url != NULL && app->nproblems == 0) {
		ac_jwks_init();
		ac_jwks_refresh(&app->cfg, 0);
		app->jwksnext = time(NULL) + 60;
	}
	dir_stamp(&app->cfg, &app->keysstamp);
	ac_jwks_stamp(&app->cfg, &app->jwksstamp);
	keys_build(app, &app->keys);
}

void
ac_keys_lock(const struct ac_app *app)
{

	pthread_rwlock_rdlock((pthread_rwlock_t *)(uintptr_t)&app->keylock);
}

void
ac_keys_unlock(const struct ac_app *app)
{

	pthread_rwlock_unlock((pthread_rwlock_t *)(uintptr_t)&app->keylock);
}

/*
 * A reload that found problems keeps serving the old set, but never a key
 * the new one lacks: retirement (`authctl key retire` removes the file)
 * must win even while another file is broken, or a retired key would
 * keep verifying until the directory is fixed.  Old keys whose kid and
 * algorithm the partial new set ks still holds stay; the rest go now, and
 * the signer too if it went (issuing then fails until a reload succeeds).
 */
static void
keep_survivors(struct ac_app *app, const struct ac_keyset *ks)
{
	struct ac_keyset *kept, old;
	char		 kid[sizeof(kept->keys[0].kid)];
	size_t		 i, j;
	int		 gone = 0;

	if ((kept = calloc(1, sizeof(*kept))) == NULL)
		return;
	kept->signer = -1;
	for (i = 0; i < app->keys.nkeys; i++) {
		for (j = 0; j < ks->nkeys; j++)
			if (ks->keys[j].alg == app->keys.keys[i].alg &&
			    strcmp(ks->keys[j].kid, app->keys.keys[i].kid) == 0)
				break;
		if (j == ks->nkeys) {
			gone = 1;
			ac_log_clean(kid, sizeof(kid), app->keys.keys[i].kid);
			ac_log(AC_LOG_ERROR, "event=key_dropped kid=%s "
			    "why=not_in_new_key_set", kid);
			continue;
		}
		if (app->keys.signer == (int)i)
			kept->signer = (int)kept->nkeys;
		kept->keys[kept->nkeys++] = app->keys.keys[i];
	}
	if (gone) {
		kept->gen = ac_keys_serial();
		pthread_rwlock_wrlock(&app->keylock);
		old = app->keys;
		app->keys = *kept;
		pthread_rwlock_unlock(&app->keylock);
		/* Free what went; what stayed now belongs to app->keys. */
		for (i = 0; i < old.nkeys; i++)
			for (j = 0; j < app->keys.nkeys; j++)
				if (app->keys.keys[j].pkey == old.keys[i].pkey &&
				    app->keys.keys[j].mac == old.keys[i].mac &&
				    app->keys.keys[j].secret ==
				    old.keys[i].secret) {
					memset(&old.keys[i], 0,
					    sizeof(old.keys[i]));
					break;
				}
		ac_keys_free(&old);
	}
	free(kept);
}

int
ac_keys_reload(struct ac_app *app, int force)
{
	struct ac_app	*scratch;
	struct ac_keyset *ks = NULL, old;
	struct timespec	 ts, js;
	char		 qp[512];
	time_t		 now = time(NULL);
	size_t		 i;
	int		 rc = 0;

	if (app->cfg.keys_dir == NULL && app->cfg.jwks_url == NULL && !force)
		return 0;
	/* At most one look per second per process, by one thread. */
	if (!force && __atomic_exchange_n(&app->keyschecked, now,
	    __ATOMIC_RELAXED) == now)
		return 0;
	if (pthread_mutex_trylock(&app->reloadlock) != 0)
		return 0;
	/* The provider's set is due again after JWKS_CACHE_TTL. */
	if (app->cfg.jwks_url != NULL && now >= app->jwksnext) {
		app->jwksnext = now + (app->cfg.jwks_ttl < 60 ?
		    app->cfg.jwks_ttl : 60);
		ac_jwks_refresh(&app->cfg, 0);
	}
	dir_stamp(&app->cfg, &ts);
	ac_jwks_stamp(&app->cfg, &js);
	if (force != 1 && ts.tv_sec == app->keysstamp.tv_sec &&
	    ts.tv_nsec == app->keysstamp.tv_nsec &&
	    js.tv_sec == app->jwksstamp.tv_sec &&
	    js.tv_nsec == app->jwksstamp.tv_nsec)
		goto out;
	/* Build aside, judging problems on a scratch app; swap if clean. */
	if ((scratch = calloc(1, sizeof(*scratch))) == NULL ||
	    (ks = malloc(sizeof(*ks))) == NULL) {
		free(scratch);
		goto out;
	}
	scratch->cfg = app->cfg;		/* borrowed, read-only */
	keys_build(scratch, ks);
	if (scratch->nproblems > 0) {
		for (i = 0; i < scratch->nproblems; i++) {
			ac_log_quote(qp, sizeof(qp), scratch->problems[i] !=
			    NULL ? scratch->problems[i] : "out of memory");
			ac_log(AC_LOG_ERROR, "event=keys_reload_refused "
			    "problem=\"%s\"", qp);
		}
		keep_survivors(app, ks);
		ac_keys_free(ks);
		rc = -1;
		/* The stamps stay: the next look tries again. */
		goto done;
	} else {
		pthread_rwlock_wrlock(&app->keylock);
		old = app->keys;
		app->keys = *ks;
		pthread_rwlock_unlock(&app->keylock);
		ac_keys_free(&old);
		ac_log(AC_LOG_INFO, "event=keys_reloaded keys=%zu",
		    app->keys.nkeys);
		ac_audit(AC_AUDIT_KEYS_RELOAD, AC_OK, NULL, NULL, "keys=%zu",
		    app->keys.nkeys);
		rc = 1;
	}
	app->keysstamp = ts;
	app->jwksstamp = js;
done:
	for (i = 0; i < scratch->nproblems; i++)
		free(scratch->problems[i]);
	free(scratch);
	free(ks);
out:
	pthread_mutex_unlock(&app->reloadlock);
	return rc;
}

/* For jwk.c, which imports JWKs with the same rules. */
int
ac_key_fits(EVP_PKEY *pk, enum ac_alg alg)
{

	return alg_fits(pk, alg);
}

int
ac_key_pick_alg(const struct ac_config *c, EVP_PKEY *pk)
{

	return pick_alg(c, pk);
}

int
ac_key_thumbprint(struct ac_key *k)
{

	return thumbprint(k);
}

void
ac_key_clear(struct ac_key *k)
{

	key_clear(k);
}

void
ac_keys_free(struct ac_keyset *ks)
{
	size_t	 i;

	for (i = 0; i < ks->nkeys; i++)
		key_clear(&ks->keys[i]);
	ks->nkeys = 0;
	ks->signer = -1;
}

size_t
ac_keys_count(const struct ac_keyset *ks)
{

	return ks->nkeys;
}

const struct ac_key *
ac_keys_get(const struct ac_keyset *ks, size_t i)
{

	return i < ks->nkeys ? &ks->keys[i] : NULL;
}

const struct ac_key *
ac_keys_signer(const struct ac_keyset *ks)
{

	return ks->signer < 0 ? NULL : &ks->keys[ks->signer];
}

const char *
ac_key_kid(const struct ac_key *k)
{

	return k->kid;
}

enum ac_alg
ac_key_alg(const struct ac_key *k)
{

	return k->alg;
}

int
ac_key_is_public(const struct ac_key *k)
{

	return k->pkey != NULL;
}

/* Writes len bytes to a new file, atomically replacing when force. */
static int
write_new(const char *path, const char *data, size_t len, int force,
    char *err, size_t errlen)
{
	char	 tmp[4096];
	int	 fd, rc = -1;
	ssize_t	 n;
	size_t	 off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (!force && access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s exists; use --force to replace it",
		    path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (force ? rename(tmp, path) == -1 : link(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	unlink(tmp);
	return rc;
}

enum ac_reason
ac_keys_generate(enum ac_alg alg, const char *path, int force, char **kid,
    char *err, size_t errlen)
{
	struct ac_key	 k;
	unsigned char	 raw[64];
	char		 text[128], *pem = NULL;
	EVP_PKEY	*pk = NULL;
	BIO		*bio = NULL;
	long		 n;
	enum ac_reason	 rc = AC_INTERNAL;

	memset(&k, 0, sizeof(k));
	*kid = NULL;
	if (ac_alg_is_hmac(alg)) {
		if (RAND_bytes(raw, sizeof(raw)) != 1 ||
		    (n = ac_b64url_encode(raw, sizeof(raw), text,
		    sizeof(text) - 1)) < 0) {
			snprintf(err, errlen, "random bytes unavailable");
			goto out;
		}
		text[n] = '\n';
		if (write_new(path, text, (size_t)n + 1, force, err,
		    errlen) == -1)
			goto out;
		k.secret = (unsigned char *)text;
		k.secretlen = (size_t)n;
	} else {
		if (alg_is_rsa(alg))
			pk = EVP_RSA_gen(alg == AC_ALG_RS256 ||
			    alg == AC_ALG_PS256 ? 2048 : alg == AC_ALG_RS384 ||
			    alg == AC_ALG_PS384 ? 3072 : 4096);
		else if (alg == AC_ALG_EDDSA)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else
			pk = EVP_EC_gen(alg_curve(alg));
		if (pk == NULL || (bio = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL,
		    NULL)) {
			snprintf(err, errlen, "key generation failed");
			goto out;
		}
		n = BIO_get_mem_data(bio, &pem);
		if (write_new(path, pem, (size_t)n, force, err, errlen) == -1)
			goto out;
		k.pkey = pk;
	}
	k.alg = alg;
	if (thumbprint(&k) == -1 || (*kid = strdup(k.kid)) == NULL) {
		snprintf(err, errlen, "cannot compute the key id");
		goto out;
	}
	rc = AC_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return rc;
}
