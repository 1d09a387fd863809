/*
 * keys.c: the key set.  A shared secret (HS*), a PEM private key (RS*,
 * ES*; signs and verifies), a PEM public key (verifies only), the keys
 * of JWT_KEYS_DIR and a provider's JWKs are loaded at start-up and again
 * when the directory or the JWKS cache changes (ac_keys_reload).  Each
 * key is bound to one algorithm, chosen from the configured allow-list by
 * the key's own type (keypolicy.c), so that a token can never pick the
 * kind of key.  Each key is named by its RFC 7638 thumbprint (jwk.c)
 * unless JWT_KEY_ID or its file name says otherwise.  Writing keys
 * (authctl keygen, key rotate, key retire) is keygen.c's.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ac.h"
#include "base.h"
#include "keys.h"

#define AC_MAXPEM	(64 * 1024)

/* A number no other key or key set of this process had. */
static uint64_t
key_serial(void)
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
	/* The parameter's type is char *: a copy of our own, not a cast. */
	char		 md[8];

	snprintf(md, sizeof(md), "%s", k->alg == AC_ALG_HS256 ? "SHA256" :
	    k->alg == AC_ALG_HS384 ? "SHA384" : "SHA512");

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	k->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    md, 0);
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
		/* Told already: both secret names set, to different values. */
		if (c->secret_conflict)
			return;
		/* A provider's keys configured, yet HS256 (the default). */
		if (c->keys_dir == NULL && (c->jwks_url != NULL ||
		    c->better_auth_url != NULL)) {
			ac_app_problemf(app, "JWT_ALGORITHM is %s (the default "
			    "when unset), which needs a shared secret, but %s "
			    "names a provider whose tokens are signed with "
			    "public keys: set JWT_ALGORITHM to its algorithm "
			    "(Better Auth's JWT plugin: EdDSA unless told "
			    "otherwise; the RS256 quickstart: RS256); the "
			    "keys then come from %s", ac_alg_str(alg),
			    c->jwks_url != NULL ? "JWKS_URL" : "BETTER_AUTH_URL",
			    c->jwks_url != NULL ? "JWKS_URL" :
			    "BETTER_AUTH_URL/api/auth/jwks");
			return;
		}
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
	if ((alg = ac_key_pick_alg(c, pk)) == -1) {
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
 * JWT_KEYS_DIR: the keys `authctl key rotate` manages (keygen.c writes
 * them).  Each file is named by its key's kid: KID.pem (a PEM private
 * key) or KID.key (an HS secret, which serves the first HMAC algorithm
 * allowed); the file "active" names the kid that signs.  Other files are
 * ignored.  Returns the active kid in active (or "").
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
		if (strcmp(de->d_name + n - 4, AC_KEYDIR_PEM) == 0)
			load_pem(app, ks, "JWT_KEYS_DIR", path, 1, kid);
		else if (strcmp(de->d_name + n - 4, AC_KEYDIR_SECRET) == 0 &&
		    hmac != -1 &&
		    (buf = secret_file(app, "JWT_KEYS_DIR", path, &len)) != NULL)
			add_secret(app, ks, path, buf, len, (enum ac_alg)hmac,
			    kid);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/%s", c->keys_dir,
	    AC_KEYDIR_ACTIVE);
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

enum ac_reason
ac_keys_add_jwk(struct ac_keyset *ks, const struct ac_config *c,
    json_object *jwk, char *err, size_t errlen)
{
	enum ac_reason	 rc;

	if (ks->nkeys == AC_MAXKEYS) {
		snprintf(err, errlen, "too many keys (at most %d)", AC_MAXKEYS);
		return AC_VALIDATION_FAILED;
	}
	if ((rc = ac_jwk_key(c, jwk, &ks->keys[ks->nkeys], err,
	    errlen)) != AC_OK)
		return rc;
	ks->keys[ks->nkeys++].serial = key_serial();
	return AC_OK;
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
	ks->gen = key_serial();
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
	/* Each provider's keys, marked with it: they serve no other. */
	for (i = 0; i < app->nprov; i++) {
		j = ks->nkeys;
		ac_keys_add_remote(ac_provider_config(app, (int)i + 1), ks);
		for (; j < ks->nkeys; j++)
			ks->keys[j].provider = (int)i + 1;
	}
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
		else if (k->kid[0] == '\0' && ac_key_thumbprint(k) == -1)
			ac_app_problemf(app, "cannot compute the key id of a "
			    "%s key", ac_alg_str(k->alg));
		k->serial = key_serial();
	}
	/* A private key and its public twin: keep one. */
	for (i = 0; i < ks->nkeys; i++)
		for (j = i + 1; j < ks->nkeys; j++)
			if (strcmp(ks->keys[i].kid, ks->keys[j].kid) == 0 &&
			    ks->keys[i].provider == ks->keys[j].provider &&
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

	if (app->cfg.jwks_url != NULL && app->nproblems == 0) {
		ac_jwks_init();
		ac_jwks_refresh(&app->cfg, 0);
		app->live->jwksnext = time(NULL) + 60;
	}
	ac_providers_load(app);
	if (app->nprov > 0 && app->nproblems == 0) {
		ac_jwks_init();
		ac_providers_start(app);
	}
	dir_stamp(&app->cfg, &app->live->keysstamp);
	ac_jwks_stamp(&app->cfg, &app->live->jwksstamp);
	keys_build(app, &app->live->keys);
}

void
ac_keys_lock(const struct ac_app *app)
{

	pthread_rwlock_rdlock(&app->live->keylock);
}

void
ac_keys_unlock(const struct ac_app *app)
{

	pthread_rwlock_unlock(&app->live->keylock);
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
keep_survivors(const struct ac_app *app, const struct ac_keyset *ks)
{
	struct ac_live	*lv = app->live;
	struct ac_keyset *kept, old;
	char		 kid[sizeof(kept->keys[0].kid)];
	size_t		 i, j;
	int		 gone = 0;

	if ((kept = calloc(1, sizeof(*kept))) == NULL)
		return;
	kept->signer = -1;
	for (i = 0; i < lv->keys.nkeys; i++) {
		for (j = 0; j < ks->nkeys; j++)
			if (ks->keys[j].alg == lv->keys.keys[i].alg &&
			    ks->keys[j].provider ==
			    lv->keys.keys[i].provider &&
			    strcmp(ks->keys[j].kid, lv->keys.keys[i].kid) == 0)
				break;
		if (j == ks->nkeys) {
			gone = 1;
			ac_log_clean(kid, sizeof(kid), lv->keys.keys[i].kid);
			ac_log(AC_LOG_ERROR, "event=key_dropped kid=%s "
			    "why=not_in_new_key_set", kid);
			continue;
		}
		if (lv->keys.signer == (int)i)
			kept->signer = (int)kept->nkeys;
		kept->keys[kept->nkeys++] = lv->keys.keys[i];
	}
	if (gone) {
		kept->gen = key_serial();
		pthread_rwlock_wrlock(&lv->keylock);
		old = lv->keys;
		lv->keys = *kept;
		pthread_rwlock_unlock(&lv->keylock);
		/* Free what went; what stayed now belongs to the app's set. */
		for (i = 0; i < old.nkeys; i++)
			for (j = 0; j < lv->keys.nkeys; j++)
				if (lv->keys.keys[j].pkey == old.keys[i].pkey &&
				    lv->keys.keys[j].mac == old.keys[i].mac &&
				    lv->keys.keys[j].secret ==
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
ac_keys_reload(const struct ac_app *app, int force)
{
	struct ac_app	*scratch;
	struct ac_keyset *ks = NULL, old;
	struct timespec	 ts, js;
	time_t		 now = time(NULL);
	int		 rc = 0;

	if (app->cfg.keys_dir == NULL && app->cfg.jwks_url == NULL &&
	    app->nprov == 0 && !force)
		return 0;
	/* At most one look per second per process, by one thread. */
	if (!force && __atomic_exchange_n(&app->live->keyschecked, now,
	    __ATOMIC_RELAXED) == now)
		return 0;
	if (pthread_mutex_trylock(&app->live->reloadlock) != 0)
		return 0;
	/* The provider's set is due again after JWKS_CACHE_TTL. */
	if (app->cfg.jwks_url != NULL && now >= app->live->jwksnext) {
		app->live->jwksnext = now + (app->cfg.jwks_ttl < 60 ?
		    app->cfg.jwks_ttl : 60);
		ac_jwks_want(&app->cfg, 0);
	}
	dir_stamp(&app->cfg, &ts);
	ac_jwks_stamp(&app->cfg, &js);
	if (force != 1 && !ac_providers_due(app, now) &&
	    ts.tv_sec == app->live->keysstamp.tv_sec &&
	    ts.tv_nsec == app->live->keysstamp.tv_nsec &&
	    js.tv_sec == app->live->jwksstamp.tv_sec &&
	    js.tv_nsec == app->live->jwksstamp.tv_nsec)
		goto out;
	/* Build aside, judging problems on a scratch app; swap if clean. */
	if ((scratch = calloc(1, sizeof(*scratch))) == NULL ||
	    (ks = malloc(sizeof(*ks))) == NULL) {
		free(scratch);
		goto out;
	}
	scratch->cfg = app->cfg;		/* borrowed, read-only */
	scratch->prov = app->prov;		/* borrowed too */
	scratch->nprov = app->nprov;
	keys_build(scratch, ks);
	if (scratch->nproblems > 0) {
		ac_app_problems_log(scratch, "keys_reload_refused");
		keep_survivors(app, ks);
		ac_keys_free(ks);
		rc = -1;
		/* The stamps stay: the next look tries again. */
		goto done;
	} else {
		pthread_rwlock_wrlock(&app->live->keylock);
		old = app->live->keys;
		app->live->keys = *ks;
		pthread_rwlock_unlock(&app->live->keylock);
		ac_keys_free(&old);
		ac_log(AC_LOG_INFO, "event=keys_reloaded keys=%zu",
		    app->live->keys.nkeys);
		ac_audit(AC_AUDIT_KEYS_RELOAD, AC_OK, NULL, NULL, "keys=%zu",
		    app->live->keys.nkeys);
		rc = 1;
	}
	app->live->keysstamp = ts;
	app->live->jwksstamp = js;
	ac_providers_stamped(app);
done:
	ac_app_problems_free(scratch);
	free(scratch);
	free(ks);
out:
	pthread_mutex_unlock(&app->live->reloadlock);
	return rc;
}

int
ac_keys_has_kid(const struct ac_app *app, const char *kid)
{
	size_t	 i;
	int	 has = 0;

	ac_keys_lock(app);
	for (i = 0; i < app->live->keys.nkeys && !has; i++)
		has = strcmp(app->live->keys.keys[i].kid, kid) == 0;
	ac_keys_unlock(app);
	return has;
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

/*
 * The signing key one file held, read as keys_build reads
 * JWT_PRIVATE_KEY_FILE when it is a PEM private key, else as it reads
 * JWT_SECRET_FILE: into ks, whose signer it is.  Any algorithm that fits
 * the key is taken, as the configuration it served may have named
 * another one.  For session.c's K before a change of key (authctl user
 * 2fa-seal --from).  0, or -1 with the first problem in err (the file
 * unreadable, world-readable, too short).
 */
int
ac_keys_file_key(const struct ac_config *c, const char *path,
    struct ac_keyset *ks, char *err, size_t errlen)
{
	struct ac_app	*scratch;
	char		*buf;
	size_t		 i, len = 0;
	int		 rc = -1;

	memset(ks, 0, sizeof(*ks));
	ks->signer = -1;
	if ((scratch = calloc(1, sizeof(*scratch))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	scratch->cfg = *c;		/* borrowed, read-only */
	for (i = 0; i < AC_ALG__MAX; i++)
		scratch->cfg.algs[i] = (enum ac_alg)i;
	scratch->cfg.nalgs = AC_ALG__MAX;
	load_pem(scratch, ks, "JWT_PRIVATE_KEY_FILE", path, 1, NULL);
	if (ks->nkeys == 0) {
		ac_app_problems_free(scratch);
		if ((buf = secret_file(scratch, "JWT_SECRET_FILE", path,
		    &len)) != NULL)
			add_secret(scratch, ks, "JWT_SECRET_FILE", buf, len,
			    AC_ALG_HS256, NULL);
	}
	if (scratch->nproblems > 0 || ks->nkeys != 1) {
		snprintf(err, errlen, "%s", scratch->nproblems > 0 ?
		    ac_app_problem(scratch, 0) : "no key");
		ac_keys_free(ks);
	} else {
		ks->signer = 0;
		rc = 0;
	}
	ac_app_problems_free(scratch);
	free(scratch);
	return rc;
}
