/*
 * keys.h: the key layers (jwksclient.c, jwk.c, provider.c, keys.c,
 * keygen.c): the JWKS cache, JWKs, the providers of JWT_PROVIDERS, and
 * the key set's loading and reloading.  Files of src/core from
 * jwksclient.c up may include it; so may tests.
 */
#ifndef AC_KEYS_H
#define AC_KEYS_H

#include <time.h>

#include "ac.h"

/* jwksclient.c */
void		 ac_jwks_init(void);
/*
 * Fetches the set when due: unknown_kid asks for a fetch before the TTL,
 * still no more than once per JWKS_REFRESH_MIN_SECONDS across the host.
 * Returns 1 when a new set was stored, 0 when nothing was due, -1 when
 * the fetch failed (the last good set stays).
 */
int		 ac_jwks_refresh(const struct ac_config *, int unknown_kid);
/*
 * ac_jwks_refresh off the caller's thread once ac_jwks_background was
 * called (an engine worker): kicks the process's fetcher and returns -1
 * (nothing new yet), or, for an unknown kid on a thread that may wait
 * (ac_jwks_may_wait), waits for the fetch in flight a bounded time: 0
 * when it ended (reload and look again), -1 past the bound.  Without
 * background fetching: ac_jwks_refresh itself.
 */
int		 ac_jwks_want(const struct ac_config *, int unknown_kid);
void		 ac_jwks_background(const struct ac_config *);
/* This thread may wait for a fetch (a pool thread), or not (on: 0). */
void		 ac_jwks_may_wait(int on);
/*
 * Background fetching off; waits for a fetch in flight a bounded time:
 * 0, or -1 when it still runs (it must not outlive the configuration).
 */
int		 ac_jwks_stop(void);
/* Non-zero when an unknown kid now would start or join a fetch. */
int		 ac_jwks_due(const struct ac_config *);
/* The cached set's keys array; caller owns it; NULL when none. */
json_object	*ac_jwks_keys(const struct ac_config *);
void		 ac_jwks_stamp(const struct ac_config *, struct timespec *);
/* The cache's last good fetch (0: none) and last error (/readyz, /metrics). */
int		 ac_jwks_fetched(const struct ac_config *, int64_t *fetched,
		    char *err, size_t errlen);

/* jwk.c */
/* The RFC 7638 thumbprint of k into k->kid: 0, or -1. */
int		 ac_key_thumbprint(struct ac_key *);
/*
 * The public key of a JWK into *k (alg, pkey, kid: the JWK's, else its
 * thumbprint), judged as ac_keys_add_jwk says; detail goes to err.
 */
enum ac_reason	 ac_jwk_key(const struct ac_config *, json_object *jwk,
		    struct ac_key *k, char *err, size_t errlen);

/* provider.c: JWT_PROVIDERS. */
struct ac_provider;
/* Reads JWT_PROVIDERS and each provider's settings; problems on app. */
void		 ac_providers_load(struct ac_app *);
void		 ac_providers_free(struct ac_app *);
/* The provider a token's (unverified) claims name by iss: 1..; 0: default. */
int		 ac_provider_match(const struct ac_app *, json_object *claims);
/* Provider index's configuration (0: the app's own); borrowed. */
const struct ac_config *ac_provider_config(const struct ac_app *, int);
/* Fetches every provider's set once (start-up) and records its stamp. */
void		 ac_providers_start(struct ac_app *);
/* Refetches the sets due (TTL); 1 when any cache file changed since the
 * keys were built. */
int		 ac_providers_due(const struct ac_app *, time_t now);
/* Records the cache files' stamps of the keys just built. */
void		 ac_providers_stamped(const struct ac_app *);

/*
 * JWT_KEYS_DIR's format: keys.c reads it, keygen.c writes it.  A key's
 * file is its kid and one of these endings (both 4 bytes long); the
 * file AC_KEYDIR_ACTIVE names the kid that signs.
 */
#define AC_KEYDIR_PEM		".pem"	/* a PEM private key */
#define AC_KEYDIR_SECRET	".key"	/* an HS secret, base64url */
#define AC_KEYDIR_ACTIVE	"active"

/* keys.c */
void		 ac_keys_load(struct ac_app *);
void		 ac_keys_free(struct ac_keyset *);
/*
 * The signing key path held (a PEM private key as JWT_PRIVATE_KEY_FILE
 * is read, else a secret as JWT_SECRET_FILE is) into ks, its signer:
 * 0, or -1 with why in err.  Free ks with ac_keys_free.
 */
int		 ac_keys_file_key(const struct ac_config *, const char *path,
		    struct ac_keyset *ks, char *err, size_t errlen);
/*
 * Reloads the key set when JWT_KEYS_DIR or the JWKS cache changed: force
 * 0 looks no more than once a second, 2 looks now, 1 rebuilds anyway.  A
 * set with problems is refused and logged; the old one keeps serving.
 * Returns 1 when swapped, 0 when unchanged, -1 when refused.
 */
int		 ac_keys_reload(const struct ac_app *, int force);
/* Non-zero when a key of the set has this kid (under the read lock). */
int		 ac_keys_has_kid(const struct ac_app *, const char *kid);
/* Adds the provider's cached keys (ac_jwks_keys) to the set, remote. */
void		 ac_keys_add_remote(const struct ac_config *, struct ac_keyset *);
int		 ac_key_is_public(const struct ac_key *); /* RS/ES */
/*
 * Adds the public key of a JWK (RFC 7517: kty RSA, EC or OKP/Ed25519) to
 * ks, verify-only.  Its algorithm is the JWK's alg when present, else the
 * first algorithm of the allow-list that fits the key type; a key whose
 * algorithm is not allowed, or whose use is not "sig", is refused.  Its
 * kid is the JWK's, else its RFC 7638 thumbprint.  Detail goes to err.
 */
enum ac_reason	 ac_keys_add_jwk(struct ac_keyset *, const struct ac_config *,
		    json_object *jwk, char *err, size_t errlen);

#endif /* !AC_KEYS_H */
