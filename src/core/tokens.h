/*
 * tokens.h: the token layers (revoke.c, websession.c, token.c,
 * issue.c): revocation's set, server-side sessions and their cache,
 * and verification's signature step.  Files of src/core from revoke.c
 * up may include it; so may tests.
 */
#ifndef AC_TOKENS_H
#define AC_TOKENS_H

#include <stdint.h>

#include <openssl/evp.h>

#include "ac.h"

/*
 * revoke.c: non-zero when tok's sid names a revoked session (and app
 * checks revocation).
 */
int		 ac_revoke_hit(const struct ac_app *, const struct ac_token *);
/* The first read of the set and the poller, now (an engine worker, before
 * it serves), so that no request's check waits for the database. */
void		 ac_revoke_prime(const struct ac_app *);
/* Ends and joins this process's poller (before the app is freed). */
void		 ac_revoke_stop(void);
/* When the set was last read from the database (0: never). */
time_t		 ac_revoke_lastread(void);

/*
 * websession.c.  A live session as the per-process cache keeps it: the
 * SHA-256 of its cookie, its user, id, email, end, and when it was read
 * (CLOCK_MONOTONIC milliseconds; 0: empty slot).
 */
struct ac_wsentry {
	unsigned char	 hash[32];
	char		 uid[64];
	char		 sid[64];
	char		 email[256];
	int		 verified;
	int		 ba;		/* Better Auth's session table */
	int64_t		 expires;
	long long	 at;
};
/* 1 and *out when h was cached less than ttl_ms before now; else 0. */
int		 ac_wscache_get(const unsigned char h[32], long long now,
		    long ttl_ms, struct ac_wsentry *out);
void		 ac_wscache_put(const struct ac_wsentry *, long long now);
void		 ac_wscache_drop(const unsigned char h[32]);
void		 ac_wscache_flush(void);
/* SHA-256 of a session token's 32 bytes; -1 when tok is not one. */
int		 ac_websession_hash(const char *tok, unsigned char h[32]);
/* Inside login's or refresh's transaction: session sid is a server-side
 * session whose cookie holds raw. */
enum ac_reason	 ac_websession_bind(struct ac_store *, const char *sid,
		    const unsigned char raw[32]);
/* 1 when live session sid's cookie holds raw. */
int		 ac_websession_is(struct ac_store *, const char *sid,
		    const unsigned char raw[32]);
/* Better Auth's expiresAt (ISO 8601, SQL timestamp, or ms) as Unix time. */
int64_t		 ac_websession_time(const char *, size_t);
/* 0 and the token left in v; -1 malformed; -2 signature wrong. */
int		 ac_websession_ba_check(const struct ac_config *, char *v);
/* The live session of cookie hash h, or of Better Auth token batok. */
enum ac_reason	 ac_websession_find(const struct ac_app *, struct ac_store *,
		    const char *batok, const unsigned char h[32], time_t now,
		    struct ac_wsentry *);

/* token.c */
void		 ac_token_cache_flush(void);
/* The digest of alg (NULL for EdDSA, which hashes internally). */
const EVP_MD	*ac_token_md(enum ac_alg);
/*
 * The signature step of verification: decodes the base64url signature
 * segment seg and checks it over msg with each key of ks that serves alg
 * (and whose kid equals the JSON string kid, when not NULL).  AC_OK,
 * AC_TOKEN_MALFORMED (segment), AC_KEY_UNKNOWN or AC_SIGNATURE_INVALID;
 * *remote tells whether the key came from JWKS_URL.  Only the keys of
 * provider prov are tried (0: the default's).
 */
enum ac_reason	 ac_token_sig_of(const struct ac_keyset *, int prov,
		    enum ac_alg, json_object *kid, const unsigned char *msg,
		    size_t mlen, const char *seg, size_t seglen, int *remote);

#endif /* !AC_TOKENS_H */
