/*
 * base.h: the core's bottom layers (tools/core-layers.sh, from clock.c
 * to errfmt.c, and totp.c): the application's structures behind ac.h's
 * names (struct ac_app, its mutable struct ac_live, the key set), the
 * clock, logging, reasons, algorithms, files, the problem list, .env
 * parsing, the request parsers, claims, AUTH_REQUIRE, key policy, error
 * bodies and TOTP.  Every file of src/core may include it; so may unit
 * tests, fuzz harnesses and benchmarks.  Programs in src/ include ac.h
 * only.
 */
#ifndef AC_BASE_H
#define AC_BASE_H

#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "ac.h"

/* clock.c: the monotonic clock, for durations and deadlines. */
long long	 ac_clock_ms(void);
uint64_t	 ac_clock_ns(void);

/* The application (app.c makes it, problem.c, config.c and keys.c fill it). */
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
/* The first problem, or "" (borrowed, lives as long as app). */
const char	*ac_app_error(const struct ac_app *);

/* reason.c */
/* HTTP status that fits the reason (401, 404 ...). */
int		 ac_reason_status(enum ac_reason);
/* Envelope code for an HTTP status ("UNAUTHORIZED"). */
const char	*ac_status_code(int);
/* Reason phrase for an HTTP status ("Unauthorized"). */
const char	*ac_status_text(int);

/* alg.c */
/* Non-zero for RS* and PS* (an RSA key). */
int		 ac_alg_is_rsa(enum ac_alg);
/* Non-zero for PS* (RSASSA-PSS). */
int		 ac_alg_is_pss(enum ac_alg);

/* log.c */
int		 ac_log_enabled(enum ac_loglevel);
/* An audit line (audit.c): info, and syslog's authpriv facility. */
void		 ac_log_audit(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/*
 * Where lines go without a sink (AUTH_LOG): "stderr"; "syslog" (facility
 * daemon, authpriv for audit lines, ident the program's name); an
 * absolute file path, appended to (created 0640); NULL or "" for the
 * default: syslog when stderr is /dev/null or closed (spawn-fcgi's
 * children), else stderr.  Returns 0, or -1 with err (n bytes) set.
 * ac_log_reopen: the file again (SIGHUP, after logrotate moved it).
 */
int		 ac_log_open(const char *dest, char *err, size_t n);
int		 ac_log_reopen(void);
/*
 * The calling thread's request id (borrowed; NULL: none): every line
 * logged until it is cleared ends with rid=ID.
 */
void		 ac_log_context(const char *rid);
/* Copies src into dst (size n), replacing bytes outside 0x21-0x7e. */
void		 ac_log_clean(char *dst, size_t n, const char *src);
/* The same for a value printed inside double quotes: spaces stay, '"'
 * and '\\' become '?' as other bytes outside 0x20-0x7e do. */
void		 ac_log_quote(char *dst, size_t n, const char *src);

/* b64.c */
/* base64url without padding.  Return the length written, or -1. */
long		 ac_b64url_decode(const char *, size_t,
		    unsigned char *out, size_t outsz);
int		 ac_b64url_tok32(const char *, unsigned char [32]);

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

/* parse.c: input parsers; no transport in them. */
/* The byte of a "%XX" escape at p, or -1. */
int		 ac_pct_byte(const char *p);
/* Percent-decodes in place; -1 on a bad escape or an encoded NUL. */
int		 ac_pct_decode(char *);
/* Non-zero when the n bytes at s are UTF-8 (RFC 3629). */
int		 ac_utf8_valid(const char *s, size_t n);
/* The bearer token of an Authorization header value (see ac_req_bearer). */
enum ac_reason	 ac_parse_bearer(const char *header, const char **tok,
		    size_t *len);
/* Non-zero when the Content-Type value ct is mime (parameters ignored). */
int		 ac_parse_content_type(const char *ct, const char *mime);
/* Looks name up in a "NAME=value" array (NULL-terminated). */
const char	*ac_parse_env(char **envp, const char *name);
/* Non-zero when origin is in list (comma or space separated). */
int		 ac_parse_origin_listed(const char *list, const char *origin);
/*
 * METRICS_ALLOW: 1 when addr is in list (addresses and CIDR blocks,
 * comma-separated), 0 when not (or addr is NULL), -1 when an entry of
 * list is malformed, whatever addr.
 */
int		 ac_parse_addr_listed(const char *list, const char *addr);

/* claims.c */
/*
 * JSON strings.  json-c keeps a "\u0000" escape as a NUL inside
 * a string, so strings from JSON are compared by length, never as C
 * strings.  ac_json_has_nul: non-zero when JSON text of n bytes holds a
 * NUL byte or a \u0000 escape.  ac_json_streq: non-zero when o is a
 * string of exactly the n bytes s.  ac_json_str: o's text (borrowed from
 * o) and *len (may be NULL), or NULL when o is not a string or holds a
 * NUL.
 */
int		 ac_json_has_nul(const char *, size_t n);
int		 ac_json_streq(json_object *o, const char *s, size_t n);
const char	*ac_json_str(json_object *o, size_t *len);
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

/* errfmt.c: the shapes of error bodies (AUTH_ERROR_FORMAT). */
enum ac_errfmt {
	AC_ERRFMT_ENVELOPE = 0,	/* {"error":{"code","reason","message","details"}} */
	AC_ERRFMT_DETAIL,	/* {"detail":"..."} */
	AC_ERRFMT_FLAT,		/* {"error","error_code","message"} */
	AC_ERRFMT_DETAIL_ENVELOPE /* {"detail":{"error":{...}}} */
};
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

#define AC_TOTP_DIGITS		6
/*
 * totp.c: RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s) and RFC 4648
 * base32.  ac_totp_code: the code of step counter into out; 0 or -1.
 * ac_totp_check: the step (one before, at or after now's) whose code is
 * code and that is later than after, or -1; all three are compared in
 * constant time.  base32: lengths, or -1 (bad input, no room).
 */
int		 ac_totp_code(const unsigned char *key, size_t klen,
		    uint64_t counter, char out[AC_TOTP_DIGITS + 1]);
int64_t		 ac_totp_check(const unsigned char *key, size_t klen,
		    const char *code, time_t now, int64_t after);
long		 ac_base32_encode(const unsigned char *, size_t, char *out,
		    size_t outsz);
long		 ac_base32_decode(const char *, unsigned char *out,
		    size_t outsz);
/*
 * TOTP keys at rest.  ac_totp_seal: key (1 to AC_TOTP_KEY_MAX bytes)
 * sealed for user uid under the 32-byte sealing key k, as text ("v1."
 * and base64url, at most AC_TOTP_SEALED_MAX bytes with its NUL) into out;
 * 0 or -1.  ac_totp_open: the key of a stored value into key (keysz):
 * *sealed 1 for a sealed one, opened under k (NULL: none to open with)
 * for uid; *sealed 0 for a base32 key from before sealing.  The key's
 * length, or -1: malformed, or sealed under another key or for another
 * user, or altered.
 */
#define AC_TOTP_KEY_MAX		64
#define AC_TOTP_SEALED_MAX	160
int		 ac_totp_seal(const unsigned char k[32], const char *uid,
		    const unsigned char *key, size_t klen, char *out,
		    size_t outsz);
long		 ac_totp_open(const unsigned char *k, const char *uid,
		    const char *stored, unsigned char *key, size_t keysz,
		    int *sealed);

#endif /* !AC_BASE_H */
