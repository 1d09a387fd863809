/*
 * extern.h: declarations shared inside the auth core only.  Programs
 * include ac.h and never see these structures.
 */
#ifndef AC_EXTERN_H
#define AC_EXTERN_H

#include <sys/types.h>

#include <pthread.h>
#include <time.h>

#include <openssl/evp.h>

/* clock.c: the monotonic clock, for durations and deadlines. */
long long	 ac_clock_ms(void);
uint64_t	 ac_clock_ns(void);

#define AC_MAXPROBLEMS	32
#define AC_MAXKEYS	16

struct ac_key {
	enum ac_alg	 alg;
	char		 kid[96];
	unsigned char	*secret;	/* HS*: the shared secret */
	size_t		 secretlen;
	EVP_PKEY	*pkey;		/* RS*, ES*: public (and maybe private) */
	char		*pem;		/* private PEM, for libjwt signing */
	size_t		 pemlen;
	int		 can_sign;
	uint64_t	 serial;	/* unique per loaded key, never reused */
	int		 remote;	/* from JWKS_URL: type claim optional */
	int		 provider;	/* JWT_PROVIDERS index, 1..; 0: default */
	EVP_MAC_CTX	*mac;		/* HS*: keyed template, read-only */
};

struct ac_keyset {
	struct ac_key	 keys[AC_MAXKEYS];
	size_t		 nkeys;
	int		 signer;	/* index, or -1 */
	uint64_t	 gen;		/* changes whenever the set does */
};

#define AC_MAXPROVIDERS	8	/* JWT_PROVIDERS' names (provider.c) */

/*
 * The app's mutable shared state: what changes while the program
 * serves, from any thread.  ac_app_new allocates it and app->live points
 * at it, so that a `const struct ac_app *` reads a configuration that
 * nothing changes, and what does change is here, each part under its
 * lock.  A scratch app that only judges a configuration or a key set
 * (the reloads of keys.c and rollout.c) has none: live is NULL.
 *
 * - keylock (rwlock) guards keys: readers hold ac_keys_lock (verifying,
 *   issuing, the JWKS document, /readyz, /metrics); keys.c's reload is
 *   the one writer, swapping the whole set.  ac_keys_load fills keys
 *   before any other thread runs.
 * - reloadlock (mutex, taken with trylock: one reload at a time, the
 *   others go on with the set they have) guards the stamps below and
 *   provider[]; keys.c's ac_keys_reload and, under it, provider.c write
 *   them.  keyschecked is an atomic exchange instead (one look per
 *   second per process, before the lock).
 * - flags.lock (mutex, trylock) guards flags.stamp and flags.size;
 *   rollout.c's ac_rollout_reload writes them and the flags, which are
 *   atomics read without the lock (set last, with release order).
 *   config.c records the stamp of the file it loads, before serving.
 */
struct ac_live {
	pthread_rwlock_t keylock;
	struct ac_keyset keys;		/* under keylock */
	pthread_mutex_t	 reloadlock;
	struct timespec	 keysstamp;	/* JWT_KEYS_DIR's mtime when loaded */
	struct timespec	 jwksstamp;	/* the JWKS cache file's mtime */
	time_t		 jwksnext;	/* next look at the JWKS TTL */
	time_t		 keyschecked;	/* atomic: the last look */
	struct {			/* provider.c: JWT_PROVIDERS' sets */
		time_t		 jwksnext; /* next look at its TTL */
		struct timespec	 stamp;	/* its cache, keys built */
	} provider[AC_MAXPROVIDERS];
	struct {			/* rollout.c: flags re-read live */
		pthread_mutex_t	 lock;
		int		 set;	/* 1: the values below win over cfg */
		int		 jwt_enabled;
		int		 percentage;
		time_t		 checked; /* atomic: the last look */
		struct timespec	 stamp;	/* the config file's mtime ... */
		off_t		 size;	/* ... and size when last read */
	} flags;
};

/*
 * The application: its configuration, set while it loads and read-only
 * once it serves, and its mutable shared state (live).
 */
struct ac_app {
	struct ac_config cfg;
	struct ac_live	*live;		/* NULL in a scratch app */
	struct ac_provider *prov;	/* JWT_PROVIDERS (provider.c) */
	size_t		 nprov;
	char		*problems[AC_MAXPROBLEMS];
	size_t		 nproblems;
	char		*warnings[AC_MAXPROBLEMS]; /* not fatal: logged */
	size_t		 nwarnings;
	unsigned char	 refresh_key[32]; /* K of session.c (start-up) */
	int		 has_refresh_key;
};

/*
 * problem.c: the start-up problem list (see ac_app_problem).  A problem
 * stops the program; a warning (warn != 0) is only logged.
 */
void		 ac_app_notef(struct ac_app *, int warn, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
#define ac_app_problemf(app, ...)	ac_app_notef((app), 0, __VA_ARGS__)
#define ac_app_warnf(app, ...)		ac_app_notef((app), 1, __VA_ARGS__)
/* Logs each problem as event=EVENT problem="..." (a refused reload). */
void		 ac_app_problems_log(const struct ac_app *, const char *event);
/* Frees the problems and warnings (not the app). */
void		 ac_app_problems_free(struct ac_app *);

/* config.c */
void		 ac_config_load(struct ac_app *);
void		 ac_config_free(struct ac_config *);

/* jwksclient.c */
void		 ac_jwks_init(void);
int		 ac_jwks_cache_path(const struct ac_config *, char *, size_t);
json_object	*ac_jwks_cache_read(const char *path);
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

/* dotenv.c: the NAME=value lines of a .env file, ${VAR} expanded. */
struct ac_dotenv {
	size_t		 lineno;
	char		*name;
	char		*value;
};
/*
 * Parses the NUL-terminated text buf (rewritten) of the file path; the
 * lines that parse in order (*n of them; caller frees), problems of the
 * others on app, naming path and line.
 */
struct ac_dotenv *ac_dotenv_parse(struct ac_app *, const char *path,
		    char *buf, size_t *n);
void		 ac_dotenv_free(struct ac_dotenv *, size_t n);

/* errfmt.c: error bodies in the shape AUTH_ERROR_FORMAT names. */
/* AC_ERRFMT_* for "envelope", "detail", "flat", "detail-envelope";
 * -1 otherwise. */
int		 ac_errfmt_parse(const char *);
/* The status of an error answer (malformed Authorization: 401 but in
 * the envelope; in the detail formats a body that is no JSON is 422, as
 * FastAPI answers it). */
int		 ac_errfmt_status(const struct ac_config *, enum ac_reason);
/* Appends the field-level details of an authentication failure (detail
 * is the token's) to the array a. */
void		 ac_errfmt_auth_details(const struct ac_config *,
		    enum ac_reason, const char *detail, json_object *a);
/* The error body (caller owns); details and FastAPI's list vdetails
 * (both borrowed) may be NULL. */
json_object	*ac_errfmt_body(const struct ac_config *, enum ac_reason,
		    int status, json_object *details, json_object *vdetails);

/* token.c */
void		 ac_token_cache_flush(void);
/* The digest of alg (NULL for EdDSA, which hashes internally). */
const EVP_MD	*ac_token_md(enum ac_alg);
/*
 * The signature step of verification: decodes the base64url signature
 * segment seg and checks it over msg with each key of ks that serves alg
 * (and whose kid equals the JSON string kid, when not NULL).  AC_OK,
 * AC_TOKEN_MALFORMED (segment), AC_KEY_UNKNOWN or AC_SIGNATURE_INVALID;
 * *remote tells whether the key came from JWKS_URL.
 */
enum ac_reason	 ac_token_sig(const struct ac_keyset *, enum ac_alg,
		    json_object *kid, const unsigned char *msg, size_t mlen,
		    const char *seg, size_t seglen, int *remote);
/* The same with the keys of provider prov only (0: the default's). */
enum ac_reason	 ac_token_sig_of(const struct ac_keyset *, int prov,
		    enum ac_alg, json_object *kid, const unsigned char *msg,
		    size_t mlen, const char *seg, size_t seglen, int *remote);

/* claims.c */
/*
 * Reads a NumericDate claim: 1 and *v when present, 0 when absent, -1
 * when not a JSON number in [0, 9999-12-31].
 */
int		 ac_claim_date(json_object *claims, const char *name,
		    int64_t *v);
/*
 * The claims of a token whose signature verified, in order (exp, nbf,
 * iat, iss, aud, subject, type); sets tok->exp and tok->sub.  remote: the
 * key came from JWKS_URL, whose tokens need not carry type.
 */
enum ac_reason	 ac_claims_check(const struct ac_config *, time_t now,
		    int remote, struct ac_token *);

/* require.c: AUTH_REQUIRE's grammar, cache and check. */
struct ac_require;
/*
 * Parses a requirement text into *out (caller frees with
 * ac_require_free; "" or blanks: no terms).  0; -1 when malformed, why
 * saying how; -2 out of memory.
 */
int		 ac_require_parse(const char *, struct ac_require **out,
		    char *why, size_t whysz);
void		 ac_require_free(struct ac_require *);
/*
 * The parsed requirement of text s from this thread's cache (parsed on
 * first sight; borrowed, lives until the thread has seen eight other
 * texts since, so use it at once).  NULL with *bad -1 and why when s is
 * malformed, NULL with *bad -2 when out of memory.
 */
const struct ac_require *ac_require_get(const char *s, char *why,
		    size_t whysz, int *bad);
/* The first term claims do not satisfy (borrowed), or NULL when all do. */
const char	*ac_require_check(const struct ac_require *,
		    json_object *claims);
/* The values of its scope: terms, space-separated ("" when none). */
const char	*ac_require_scopes(const struct ac_require *);
/* Frees this thread's cache (ac_token_cache_flush calls it). */
void		 ac_require_flush(void);

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

/* settings.c: for config.c, and provider.c's names. */
/* Non-zero for a JWT_PROVIDER_<NAME>_<FIELD> name of len bytes. */
int		 ac_config_provider_name(const char *, size_t len);
/* Keeps the file's line NAME=value (a provider setting) on app->cfg. */
void		 ac_config_provider_kv(struct ac_app *, const char *name,
		    const char *value, const char *path, size_t lineno);
/* AUTH_REQUIRE*, AUTH_TOKEN_HEADER, AUTH_TOKEN_COOKIE: problems on app. */
void		 ac_config_check_more(struct ac_app *);
/* config.c, for provider.c. */
/* JWKS_URL's judgement of url: 0 fine, 1 fine with a warning, -1 not. */
int		 ac_config_url_check(const char *url, int allow_http,
		    char *why, size_t whylen);

/* auth.c: the token sources a deployment names. */
/*
 * A bearer token from AUTH_TOKEN_HEADER, else AUTH_TOKEN_COOKIE (same
 * site only for a write): AC_OK with *tok (borrowed for the request),
 * AC_TOKEN_MISSING when neither is set or sent, or why it is refused.
 */
enum ac_reason	 ac_req_token_alt(struct ac_req *, const struct ac_app *,
		    const char **tok, size_t *len);
/*
 * AUTH_REQUIRE (and for a write AUTH_REQUIRE_WRITE), from the request's
 * parameters or the configured default, against tok's claims: AC_OK,
 * AC_INSUFFICIENT_SCOPE (the request then carries the challenge's
 * scope), AC_CONFIG_INVALID when malformed (logged) or AC_NOMEM.
 */
enum ac_reason	 ac_req_require(struct ac_req *, const struct ac_app *,
		    const struct ac_token *);

/* jwk.c */
/* The RFC 7638 thumbprint of k into k->kid: 0, or -1. */
int		 ac_key_thumbprint(struct ac_key *);
/*
 * The public key of a JWK into *k (alg, pkey, kid: the JWK's, else its
 * thumbprint), judged as ac_keys_add_jwk says; detail goes to err.
 */
enum ac_reason	 ac_jwk_key(const struct ac_config *, json_object *jwk,
		    struct ac_key *k, char *err, size_t errlen);

/* keypolicy.c */
/*
 * 0 when pk may be trusted, else -1 with the reason in err: RSA keys need
 * 2048 to 8192 significant bits of n and an odd e >= 3.
 */
int		 ac_key_policy(const EVP_PKEY *, char *err, size_t errlen);
/*
 * Puts an ECDSA R||S signature (P-256, P-384 or P-521 sizes) into its
 * low-S form in place.  0, or -1 for another size.
 */
int		 ac_ecdsa_low_s(unsigned char *sig, size_t slen);
/* The curve an ES algorithm needs (OpenSSL's group name), or NULL. */
const char	*ac_key_curve(enum ac_alg);
/* Non-zero when a key of pk's type may serve alg. */
int		 ac_key_fits(EVP_PKEY *, enum ac_alg);
/* The first algorithm of the allow-list that pk serves, or -1. */
int		 ac_key_pick_alg(const struct ac_config *, EVP_PKEY *);

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

/*
 * JWT_KEYS_DIR's format: keys.c reads it, keygen.c writes it.  A key's
 * file is its kid and one of these endings (both 4 bytes long); the
 * file AC_KEYDIR_ACTIVE names the kid that signs.
 */
#define AC_KEYDIR_PEM		".pem"	/* a PEM private key */
#define AC_KEYDIR_SECRET	".key"	/* an HS secret, base64url */
#define AC_KEYDIR_ACTIVE	"active"

/* keys.c */
uint64_t	 ac_keys_serial(void);
void		 ac_keys_load(struct ac_app *);
void		 ac_keys_free(struct ac_keyset *);
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
/* file.c: reads a whole small file (limit bytes); NUL-terminated;
 * caller frees. */
int		 ac_file_private_dir(char *, size_t);
/*
 * The path rel under the home directory of the effective user (from the
 * password database, never $HOME) into buf (n bytes).  1 when a file is
 * there, or cannot be looked at (unreadable: the caller says so); 0 when
 * there is none (or no home).
 */
int		 ac_file_home(const char *rel, char *buf, size_t n);
char		*ac_file_read(const char *path, size_t limit, size_t *len,
		    char *err, size_t errlen);

/* throttle.c: login throttling (see there). */
#define AC_THROTTLE_FORGET 3600	/* failures older than this are forgotten */
/* Counts an attempt (ekey may be NULL) or answers AC_RATE_LIMITED. */
enum ac_reason	 ac_throttle_begin(struct ac_store *, const char *ekey,
		    const char *ikey, long free, time_t, long *retry_after);
/* After a failed hash that took secs: the blocks it set start later. */
enum ac_reason	 ac_throttle_stretch(struct ac_store *, const char *ekey,
		    const char *ikey, time_t, long secs);
/* Inside the login's transaction: clears ekey, takes back ikey's attempt. */
enum ac_reason	 ac_throttle_success(struct ac_store *, const char *ekey,
		    const char *ikey, time_t);
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
/* auth.c: ac_req_auth's cookie half. */
enum ac_reason	 ac_websession_auth(struct ac_req *, const struct ac_app *,
		    struct ac_token *);

/*
 * acct.c, for account.c and twofactor.c: an account as they need it.
 * ac_acct_get (users.c, whose login reads the same row): by uid, or by
 * email when uid is NULL; a->found.
 * ac_acct_throttle: ok -1 counts an attempt against the account and ip
 * (AC_RATE_LIMITED when blocked), 1 takes it back after a success, 0
 * nothing.  ac_acct_password: a's row for uid and its password checked,
 * counted.  ac_twofactor_code (twofactor.c): a's TOTP (or backup) code,
 * counted, spent.  ac_acct_clear (users.c) wipes a.
 */
#define AC_ACCT_MAXPW	1024	/* the longest password taken */
struct ac_acct {
	int		 found;
	char		 id[64];
	char		 email[256];
	char		 hash[AC_PWHASH_MAX];
	int		 disabled;
	int		 verified;
	int		 totp;		/* two-factor on */
	char		 secret[64];	/* base32, "" when none */
	int64_t		 step;		/* last TOTP step taken */
};
enum ac_reason	 ac_acct_get(struct ac_store *, const char *uid,
		    const char *email, struct ac_acct *);
void		 ac_acct_clear(struct ac_acct *);
/* An ac_dbrow that copies the first column into arg (64 bytes). */
int		 ac_acct_uid_row(void *arg, size_t, const struct ac_dbval *);
enum ac_reason	 ac_acct_throttle(const struct ac_app *, struct ac_store *,
		    const struct ac_acct *, const char *ip, int ok, time_t,
		    long *retry);
enum ac_reason	 ac_acct_password(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *pw, const char *ip, time_t,
		    struct ac_acct *, long *retry);
enum ac_reason	 ac_twofactor_code(const struct ac_app *, struct ac_store *,
		    const struct ac_acct *, const char *code, int backup,
		    const char *ip, time_t, long *retry);

/* session.c: derives the refresh key K (after the keys are loaded). */
void		 ac_session_keyinit(struct ac_app *);
/*
 * session.c, for users.c: inside the login's transaction, opens a session
 * of user uid (ip, ua may be NULL) and its first token into g.
 */
enum ac_reason	 ac_session_open(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *ip, const char *ua,
		    time_t now, struct ac_grant *g);

/* store.c: a back end's operations, and the base of its connection. */
struct ac_store_ops {
	/*
	 * ac_store_open allocates size zeroed bytes (the back end's struct,
	 * a struct ac_store first) and calls connect; on failure, close.
	 */
	size_t		  size;
	enum ac_reason	(*connect)(struct ac_store *, int create, char *,
			    size_t);
	void		(*close)(struct ac_store *);
	enum ac_reason	(*exec)(struct ac_store *, const char *,
			    const struct ac_dbval *, size_t, ac_dbrow, void *,
			    int64_t *);
	enum ac_reason	(*begin)(struct ac_store *);
	enum ac_reason	(*commit)(struct ac_store *);
	void		(*rollback)(struct ac_store *);
	/* Runs several statements (a migration). */
	enum ac_reason	(*script)(struct ac_store *, const char *);
	/*
	 * Locks one row until the transaction ends (ac_db_lock); NULL where
	 * the transaction already holds every lock (SQLite's BEGIN
	 * IMMEDIATE takes the database's one write lock).
	 */
	enum ac_reason	(*lock)(struct ac_store *, const char *table,
			    const char *id);
	/* This back end's flavour of the migrations (same versions). */
	const struct ac_migration *migrations;
	const size_t	*nmigrations;
};

struct ac_store {
	const struct ac_store_ops *ops;
	char		*url;		/* DATABASE_URL, to connect again */
	long		 timeout_ms;	/* AUTH_DB_TIMEOUT_MS: longest wait */
	char		 err[256];
};

extern const struct ac_store_ops ac_store_sqlite;
/* The file of a SQLite DATABASE_URL. */
const char	*ac_store_sqlite_path(const char *url);
/* Non-zero when DATABASE_URL names a PostgreSQL server (a remote wait). */
int		 ac_store_remote(const struct ac_config *);
/* Non-zero when there is a database to read: PostgreSQL, or a SQLite
 * file that exists. */
int		 ac_store_present(const struct ac_config *);
#ifdef HAVE_POSTGRESQL
extern const struct ac_store_ops ac_store_pg;
#endif
/* A back end's error text, for ac_store_error (a macro: the back ends
 * sit below store.c and call nothing of it). */
#define ac_store_seterr(s, ...) \
	snprintf((s)->err, sizeof((s)->err), __VA_ARGS__)
/* A column's text into dst (size n, truncated; "" unless text). */
void		 ac_db_text(char *dst, size_t n, const struct ac_dbval *);
/* A column's integer, or null when it is not one. */
int64_t		 ac_db_int(const struct ac_dbval *, int64_t null);

/*
 * One-row lookups as a table: each column of the query's first row, in
 * order, says how it lands in the caller's struct (at off, of size).
 */
enum ac_dbcolkind {
	AC_DBCOL_TEXT,		/* char[size], by ac_db_text */
	AC_DBCOL_INT,		/* int64_t, by ac_db_int (null when NULL) */
	AC_DBCOL_FLAG,		/* int: the integer is not 0 */
	AC_DBCOL_SET,		/* int: the column is not NULL */
	AC_DBCOL_CONV		/* int64_t, by the column's conv */
};
struct ac_dbcol {
	enum ac_dbcolkind kind;
	size_t		 off;
	size_t		 size;
	int64_t		 null;
	int64_t		(*conv)(const struct ac_dbval *);
};
#define AC_DBCOL(k, type, f)	.kind = (k), .off = offsetof(type, f), \
				.size = sizeof(((type *)0)->f)
#define AC_DBCOL_TEXT(type, f)	{ AC_DBCOL(AC_DBCOL_TEXT, type, f) }
#define AC_DBCOL_INT(type, f, n) { AC_DBCOL(AC_DBCOL_INT, type, f), .null = (n) }
#define AC_DBCOL_FLAG(type, f)	{ AC_DBCOL(AC_DBCOL_FLAG, type, f) }
#define AC_DBCOL_SET(type, f)	{ AC_DBCOL(AC_DBCOL_SET, type, f) }
#define AC_DBCOL_CONV(type, f, fn) { AC_DBCOL(AC_DBCOL_CONV, type, f), .conv = (fn) }
/*
 * Runs sql and copies the first row into dst by cols; *found is 1 when
 * there was a row with at least ncols columns, else 0 and dst untouched.
 */
enum ac_reason	 ac_db_row(struct ac_store *, const char *sql,
		    const struct ac_dbval *params, size_t nparams,
		    const struct ac_dbcol *cols, size_t ncols, void *dst,
		    int *found);

/* migrations.c (generated by db/embed.sh) */
struct ac_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct ac_migration ac_migrations[];
extern const size_t ac_nmigrations;
extern const struct ac_migration ac_migrations_pg[];
extern const size_t ac_nmigrations_pg;

/* fcgi.c: the FastCGI record layer, socket-free (ac_fcgi_parse, ac_fcgi_feed). */
#include "fcgi.h"

/*
 * audit.c: the calling thread's request's client address, cleaned
 * (ac_log_clean), borrowed until cleared with NULL (NULL: none).
 */
void		 ac_audit_remote(const char *);

/*
 * ops.c: once the listening socket is known (lfd, or -1 for plain CGI)
 * and before workers are forked: maps the figures file.  -1: logged.
 */
int		 ac_ops_listen(const struct ac_app *, int lfd);

#endif /* !AC_EXTERN_H */
