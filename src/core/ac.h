/*
 * ac.h: the auth core's front door (libauthcore.a): what a program
 * needs, and nothing else.  Programs (src/verify.c, src/authctl.c ...)
 * include this header only; they hold routes and command lines, the core
 * holds every policy of the suite: configuration, keys, issuing and
 * verifying tokens, the reason codes, and the FastCGI request loop.
 * Core functions return an enum ac_reason and hand results back through
 * out-parameters; they never exit and never print (they log through
 * ac_log, whose sink the program chooses).
 *
 * What only the core shares is in one internal header per layer group,
 * from the bottom up (tools/core-layers.sh): base.h, metrics.h, conf.h,
 * store.h, keys.h, tokens.h, accounts.h, http.h, engine.h.
 *
 * Lifetimes: a struct ac_app (config + keys) is loaded before the accept
 * loop and read-only afterwards, so any number of threads may share it;
 * what changes while serving (the key set on a reload, the rollout's
 * flags) is in its struct ac_live, each part under its own lock.
 * A struct ac_req lives for one request.  Everything else is per call.
 */
#ifndef AC_H
#define AC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * ======================================================================
 * Outcomes, algorithms and logging.
 * ======================================================================
 */

/*
 * Every outcome the suite can report.  reason.c maps each to its wire
 * string, HTTP status and message; tests/unit/test_reason.c walks the
 * table up to AC_REASON__MAX so that a missing row fails the build's
 * tests.
 */
enum ac_reason {
	AC_OK = 0,
	/* Token verification, in the order the verifier checks. */
	AC_TOKEN_MISSING,
	AC_AUTH_SCHEME_UNSUPPORTED,
	AC_AUTH_HEADER_MALFORMED,
	AC_TOKEN_TOO_LARGE,
	AC_TOKEN_MALFORMED,
	AC_ALG_NOT_ALLOWED,
	AC_KEY_UNKNOWN,
	AC_SIGNATURE_INVALID,
	AC_TOKEN_EXPIRED,
	AC_TOKEN_NOT_YET_VALID,
	AC_TOKEN_ISSUED_IN_FUTURE,
	AC_ISSUER_INVALID,
	AC_AUDIENCE_INVALID,
	AC_CLAIM_MISSING,
	AC_CLAIM_INVALID,
	AC_TOKEN_TYPE_INVALID,
	AC_TOKEN_REVOKED,
	/* Rollout and server-side sessions (rollout.c, websession.c). */
	AC_JWT_DISABLED,	/* JWT_AUTH_ENABLED=false: Bearer refused */
	AC_SESSION_MALFORMED,
	AC_SESSION_SIGNATURE_INVALID,	/* Better Auth cookie: bad HMAC */
	AC_SESSION_UNKNOWN,
	AC_SESSION_EXPIRED,
	AC_SESSION_REVOKED,
	/* Requests. */
	AC_NOT_FOUND,
	AC_METHOD_NOT_ALLOWED,
	AC_BODY_TOO_LARGE,
	AC_MEDIA_TYPE_UNSUPPORTED,
	AC_BODY_MALFORMED,
	AC_REQUEST_MALFORMED,
	AC_HEADERS_TOO_LARGE,
	AC_VALIDATION_FAILED,
	AC_FORBIDDEN,
	AC_INSUFFICIENT_SCOPE,	/* AUTH_REQUIRE not met (RFC 6750 3.1) */
	AC_CROSS_SITE,		/* cookie endpoints: Origin not the site's */
	AC_RATE_LIMITED,
	AC_CONFLICT,
	/* Login (users.c) and refresh tokens (session.c). */
	AC_CREDENTIALS_INVALID,
	AC_ACCOUNT_DISABLED,
	AC_REFRESH_TOKEN_MISSING,
	AC_REFRESH_TOKEN_MALFORMED,
	AC_REFRESH_TOKEN_UNKNOWN,
	AC_REFRESH_TOKEN_EXPIRED,
	AC_REFRESH_TOKEN_REVOKED,
	AC_REFRESH_TOKEN_REUSED,
	AC_CLIENT_INVALID,	/* introspection: HTTP Basic client auth */
	/* Accounts (account.c). */
	AC_LINK_TOKEN_INVALID,	/* a mailed link's token: unknown, spent, old */
	AC_TWO_FACTOR_REQUIRED,	/* password right; a code must follow */
	AC_TWO_FACTOR_INVALID,	/* wrong, spent or missing code */
	AC_TWO_FACTOR_NOT_ENABLED,
	/* The server's own trouble. */
	AC_CONFIG_INVALID,
	AC_NOMEM,
	AC_INTERNAL,
	AC_UNAVAILABLE,
	AC_REASON__MAX
};

/* reason.c */
/* Wire string ("token_expired"); never NULL. */
const char	*ac_reason_str(enum ac_reason);
/* Human message ("Token expired"); never NULL. */
const char	*ac_reason_message(enum ac_reason);

/* Signature algorithms.  AC_ALG__MAX sizes tables. */
enum ac_alg {
	AC_ALG_HS256 = 0,
	AC_ALG_HS384,
	AC_ALG_HS512,
	AC_ALG_RS256,
	AC_ALG_RS384,
	AC_ALG_RS512,
	AC_ALG_ES256,
	AC_ALG_ES384,
	AC_ALG_ES512,
	AC_ALG_PS256,		/* RSASSA-PSS: OpenSSL, not libjwt */
	AC_ALG_PS384,
	AC_ALG_PS512,
	AC_ALG_EDDSA,		/* Ed25519: OpenSSL, not libjwt */
	AC_ALG__MAX
};

/* The names of every algorithm, for messages. */
#define AC_ALG_NAMES	"HS256, HS384, HS512, RS256, RS384, RS512, " \
			"ES256, ES384, ES512, PS256, PS384, PS512 or EdDSA"

/* alg.c */
/* "HS256" for AC_ALG_HS256. */
const char	*ac_alg_str(enum ac_alg);
/* Exact, case-sensitive lookup: returns 0 and sets *out, or -1. */
int		 ac_alg_parse(const char *, enum ac_alg *out);
/* Non-zero for the HMAC family. */
int		 ac_alg_is_hmac(enum ac_alg);

/* log.c */
/* Logging: one line per event, key=value, to the sink the program sets. */
enum ac_loglevel {
	AC_LOG_ERROR = 0,
	AC_LOG_WARN,
	AC_LOG_INFO,
	AC_LOG_DEBUG
};
typedef void	(*ac_log_sink)(enum ac_loglevel, const char *line, void *arg);
void		 ac_log_setup(const char *prog, enum ac_loglevel,
		    ac_log_sink, void *arg);
void		 ac_log(enum ac_loglevel, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * ======================================================================
 * App start-up: the application, its configuration, its keys.
 * ======================================================================
 */

/*
 * The application context: configuration and keys.  Load it once;
 * afterwards it is read-only and may be shared by threads.
 */
struct ac_app;
struct ac_config;
struct ac_keyset;

/* app.c */
/* NULL when out of memory. */
struct ac_app	*ac_app_new(void);
/*
 * Reads AUTH_CONFIG (or the default file) and the environment, validates
 * everything and loads the keys.  On failure returns AC_CONFIG_INVALID
 * and every problem is listed by ac_app_problem().
 */
enum ac_reason	 ac_app_load(struct ac_app *);
/* Same, but loads configuration only: no keys (authctl keygen). */
enum ac_reason	 ac_app_load_config(struct ac_app *);
const struct ac_config *ac_app_config(const struct ac_app *);
const struct ac_keyset *ac_app_keys(const struct ac_app *);
void		 ac_app_free(struct ac_app *);

/* problem.c */
/* Number of problems collected; ac_app_problem(app, i) reads one. */
size_t		 ac_app_nproblems(const struct ac_app *);
const char	*ac_app_problem(const struct ac_app *, size_t);
/*
 * Warnings found while loading (an environment variable with the suite's
 * prefix that is no setting, a file line the suite ignores): they do not
 * stop a program, which logs them.  Warning i, or NULL past the last;
 * borrowed, lives as long as app.
 */
const char	*ac_app_warning(const struct ac_app *, size_t);

/*
 * Configuration.  Names are the ones quickstarts already use (JWT_SECRET,
 * DATABASE_URL ...); the same names
 * serve in the file (NAME=value) and in the environment, which wins.
 */
struct ac_config {
	char		*source;	/* file read, or NULL */
	char		*secret;	/* JWT_SECRET / BETTER_AUTH_SECRET */
	char		*secret_source;	/* JWT_SECRET_SOURCE: which of the two */
	size_t		 secretlen;
	int		 secret_conflict; /* both names set, told already */
	char		*secret_file;	/* JWT_SECRET_FILE */
	enum ac_alg	 algs[AC_ALG__MAX]; /* JWT_ALGORITHM; algs[0] signs */
	size_t		 nalgs;
	char		*private_key_file; /* JWT_PRIVATE_KEY_FILE */
	char		*public_key_file;  /* JWT_PUBLIC_KEY_FILE */
	char		*key_id;	/* JWT_KEY_ID, overrides thumbprint */
	char		*keys_dir;	/* JWT_KEYS_DIR, managed by authctl key */
	char		*jwks_url;	/* JWKS_URL / BETTER_AUTH_JWKS_URL */
	int		 jwks_allow_http; /* JWKS_ALLOW_HTTP: plain http beyond loopback */
	char		*better_auth_url; /* BETTER_AUTH_URL: JWKS_URL, iss, aud */
	long		 jwks_ttl;	/* JWKS_CACHE_TTL */
	char		*jwks_cache_file; /* JWKS_CACHE_FILE */
	long		 jwks_min_refresh; /* JWKS_REFRESH_MIN_SECONDS */
	long		 jwks_timeout;	/* JWKS_FETCH_TIMEOUT */
	long		 access_ttl;	/* seconds, JWT_ACCESS_TOKEN_EXPIRE_MINUTES */
	long		 refresh_days;	/* JWT_REFRESH_TOKEN_EXPIRE_DAYS */
	char		*issuer;	/* JWT_ISSUER */
	char		*audience;	/* JWT_AUDIENCE */
	long		 leeway;	/* JWT_LEEWAY_SECONDS */
	char		*subject_claim;	/* JWT_SUBJECT_CLAIM (sub) */
	char		*subject_type;	/* JWT_SUBJECT_TYPE: string, integer */
	int		 subject_integer; /* JWT_SUBJECT_TYPE=integer */
	long		 max_token;	/* JWT_MAX_TOKEN_BYTES */
	int		 require_type;	/* JWT_REQUIRE_TYPE: type must be "access" */
	long		 verify_cache;	/* JWT_VERIFY_CACHE_SIZE, per thread */
	int		 revocation_check; /* JWT_REVOCATION_CHECK */
	long		 revocation_poll_ms; /* JWT_REVOCATION_POLL_MS */
	char		*database_url;	/* DATABASE_URL */
	char		*allowed_origins; /* ALLOWED_ORIGINS */
	long		 max_body;	/* AUTH_MAX_BODY_BYTES */
	char		*socket;	/* AUTH_SOCKET */
	char		*socket_mode_str; /* AUTH_SOCKET_MODE, octal */
	long		 socket_mode;	/* its value */
	long		 workers;	/* AUTH_WORKERS (0: automatic) */
	long		 max_conns;	/* AUTH_MAX_CONNECTIONS per process */
	long		 max_params;	/* AUTH_MAX_PARAMS_BYTES */
	long		 read_timeout;	/* AUTH_READ_TIMEOUT, seconds */
	long		 pool_threads;	/* AUTH_POOL_THREADS */
	long		 hash_concurrency; /* AUTH_HASH_CONCURRENCY */
	long		 db_timeout_ms;	/* AUTH_DB_TIMEOUT_MS */
	enum ac_loglevel loglevel;	/* LOG_LEVEL */
	char		*refresh_secret_file; /* REFRESH_TOKEN_SECRET_FILE */
	long		 refresh_grace;	/* REFRESH_GRACE_SECONDS */
	int		 cookie_secure;	/* AUTH_COOKIE_SECURE */
	int		 refresh_in_body; /* AUTH_REFRESH_TOKEN_IN_BODY */
	char		*cookie_name;	/* AUTH_COOKIE_NAME */
	int		 signup;	/* AUTH_SIGNUP */
	long		 login_free;	/* AUTH_LOGIN_FREE_FAILURES */
	char		*mail_command;	/* AUTH_MAIL_COMMAND */
	char		*mail_from;	/* AUTH_MAIL_FROM */
	char		*mail_templates; /* AUTH_MAIL_TEMPLATES: a directory */
	long		 mail_timeout;	/* AUTH_MAIL_TIMEOUT, seconds */
	long		 link_ttl;	/* seconds, AUTH_MAIL_LINK_EXPIRE_MINUTES */
	char		*claim_headers;	/* VERIFY_CLAIM_HEADERS */
	char		*providers;	/* JWT_PROVIDERS: a,b (provider.c) */
	char		**provider_kv;	/* the file's JWT_PROVIDER_* lines */
	size_t		 nprovider_kv;
	const char	*provider_name;	/* a provider's copy: its name */
	int		 provider_index; /* a provider's copy: 1..; else 0 */
	char		*require;	/* AUTH_REQUIRE: default requirement */
	char		*require_write;	/* AUTH_REQUIRE_WRITE: and for writes */
	char		*token_cookie;	/* AUTH_TOKEN_COOKIE: a JWT in a cookie */
	char		*token_header;	/* AUTH_TOKEN_HEADER: a JWT in a header */
	char		*error_format_name; /* AUTH_ERROR_FORMAT */
	int		 error_format;	/* AC_ERRFMT_* */
	int		 jwt_enabled;	/* JWT_AUTH_ENABLED (live: rollout.c) */
	long		 rollout_percentage; /* JWT_ROLLOUT_PERCENTAGE (live) */
	long		 session_cache;	/* SESSION_CACHE_SECONDS */
	char		*ba_session_table; /* BETTER_AUTH_SESSION_TABLE */
	long		 pwhash_kib;	/* AUTH_PASSWORD_HASH_MEMORY_KIB */
	char		*docs_assets_url; /* AUTH_DOCS_ASSETS_URL (GET /docs) */
	char		*introspect_id;	/* INTROSPECTION_CLIENT_ID */
	char		*introspect_secret; /* INTROSPECTION_CLIENT_SECRET */
	int		 jwks_required;	/* JWKS_REQUIRED */
	int		 metrics;	/* METRICS_ENABLED */
	char		*metrics_path;	/* METRICS_PATH */
	char		*metrics_allow;	/* METRICS_ALLOW */
	char		*metrics_file;	/* METRICS_FILE */
	char		*base_path;	/* AUTH_BASE_PATH: NULL at the root */
	char		*log;		/* AUTH_LOG: NULL, stderr, syslog, a path */
};

/* provider.c: the providers of JWT_PROVIDERS, for reports. */
/* The i-th provider's configuration (provider_name, issuer, audience,
 * jwks_url, algs); NULL past the last.  Borrowed. */
const struct ac_config *ac_app_provider(const struct ac_app *, size_t i);

/* Keys. */
struct ac_key;

/* keys.c */

/*
 * The key set may be swapped by a reload (key rotation) while other
 * threads serve: hold ac_keys_lock() while using keys from
 * ac_app_keys() in a program that serves requests.  Verification and
 * issuing take it themselves.
 */
void		 ac_keys_lock(const struct ac_app *);
void		 ac_keys_unlock(const struct ac_app *);
/* Number of keys, and the i-th (borrowed). */
size_t		 ac_keys_count(const struct ac_keyset *);
const struct ac_key *ac_keys_get(const struct ac_keyset *, size_t);
/* The key that signs, or NULL when only verification keys are loaded. */
const struct ac_key *ac_keys_signer(const struct ac_keyset *);
const char	*ac_key_kid(const struct ac_key *);
enum ac_alg	 ac_key_alg(const struct ac_key *);

/* jwk.c */
/*
 * The public key as a JWK object (kty, kid, use, alg and the key
 * parameters), or NULL for a secret key.  Caller owns the result
 * (json_object_put).
 */
json_object	*ac_key_jwk(const struct ac_key *);
/* keygen.c */
/*
 * Writes a fresh key for alg to path with mode 0600 (a base64url secret
 * for HS*, a PEM private key otherwise), refusing to replace an existing
 * file unless force.  *kid (caller frees) names the key.  Detail goes to
 * err (size errlen).
 */
enum ac_reason	 ac_keys_generate(enum ac_alg, const char *path, int force,
		    char **kid, char *err, size_t errlen);
/*
 * JWT_KEYS_DIR: ac_keys_rotate writes a fresh key for alg
 * into the directory and makes it the active one, the key that signs
 * from the next reload on; *kid (caller frees) names it.  ac_keys_retire
 * removes the key kid, whose tokens then fail within a second; it refuses
 * the active signing key of app (AC_CONFLICT: rotate first), a name that
 * is no kid (AC_VALIDATION_FAILED) and a kid the directory lacks
 * (AC_NOT_FOUND).  Without JWT_KEYS_DIR both give AC_CONFIG_INVALID.
 * Detail goes to err (size errlen).
 */
enum ac_reason	 ac_keys_rotate(const struct ac_app *, enum ac_alg,
		    char **kid, char *err, size_t errlen);
enum ac_reason	 ac_keys_retire(const struct ac_app *, const char *kid,
		    char *err, size_t errlen);

/*
 * ======================================================================
 * Tokens: issuing and verifying, claims, base64url.
 * ======================================================================
 */

/*
 * A decoded token.  Claims and header are owned by the struct; sub and
 * kid point into them.  detail names the claim or check that failed.
 */
struct ac_token {
	json_object	*header;
	json_object	*claims;
	const char	*sub;
	const char	*kid;
	enum ac_alg	 alg;
	int64_t		 exp;
	int		 provider;	/* JWT_PROVIDERS index by iss; 0: default */
	char		 subbuf[24];	/* sub when the claim is a number */
	char		 detail[128];
};

/* issue.c */
/*
 * Issues an access token for sub, valid ttl seconds (0: configured
 * default), with extra claims (may be NULL; borrowed).  *out is the
 * compact JWS; caller frees it with free().
 */
enum ac_reason	 ac_token_issue(const struct ac_app *, const char *sub,
		    long ttl, json_object *extra, char **out);
/* token.c */
/*
 * Verifies a compact JWS of len bytes at time now: size, segments, header,
 * alg allow-list, kid, signature, then claims.  On AC_OK, tok holds header
 * and claims; on failure tok->detail says why.  Always ac_token_clear(tok)
 * afterwards.
 */
enum ac_reason	 ac_token_verify(const struct ac_app *, const char *token,
		    size_t len, time_t now, struct ac_token *tok);
/*
 * Decodes header and claims without verifying anything (authctl decode).
 * Never use the result for a decision.
 */
enum ac_reason	 ac_token_decode(const char *token, size_t len,
		    size_t max, struct ac_token *tok);
void		 ac_token_clear(struct ac_token *);

/* jwksclient.c */
/*
 * Fetches JWKS_URL now (no cache): the set when it is a JSON object with
 * a non-empty "keys" array (caller owns), else NULL with err set.
 */
json_object	*ac_jwks_fetch(const struct ac_config *, char *err,
		    size_t errlen);

/* claims.c */
/*
 * A user id of n bytes as the clients compare it: a JSON number under
 * JWT_SUBJECT_TYPE=integer (as the token carries it), else a string.
 */
json_object	*ac_json_subject(const struct ac_config *, const char *,
		    size_t n);
/*
 * The value of claim name of a verified token as header text into buf
 * (size bufsz): a string as it is, anything else (arrays included) as
 * compact JSON.  Returns -1 when absent, too long, or when the text holds
 * a control byte or starts or ends with a space: such a value is not
 * passed on at all rather than passed on altered.
 */
int		 ac_claim_header_text(const struct ac_token *, const char *name,
		    char *buf, size_t bufsz);

/* b64.c */
/* base64url without padding.  Return the length written, or -1. */
long		 ac_b64url_encode(const unsigned char *, size_t,
		    char *out, size_t outsz);

/*
 * ======================================================================
 * The route table and the program description (HTTP over FastCGI,
 * and plain CGI).
 * ======================================================================
 */
enum ac_method {
	AC_GET = 0,
	AC_HEAD,
	AC_POST,
	AC_PUT,
	AC_PATCH,
	AC_DELETE,
	AC_OPTIONS,
	AC_METHOD__MAX,
	AC_ANY = AC_METHOD__MAX
};

struct ac_req;

typedef enum ac_reason (*ac_handler)(struct ac_req *, const struct ac_app *);

/*
 * Where a route's handler runs.  AC_INLINE: on the event loop, so it
 * must not wait (verification, reads).  AC_POOL: on a pool thread
 * (AUTH_POOL_THREADS), for work that may wait on a lock (database
 * writes).  AC_HASH: on the password-hashing threads
 * (AUTH_HASH_CONCURRENCY), which bound the concurrent argon2id hashes.
 * AC_READ: a database read, inline with SQLite (in WAL mode a read waits
 * on no lock) and on a pool thread with PostgreSQL (a remote wait).
 */
enum ac_class {
	AC_INLINE = 0,
	AC_POOL,
	AC_HASH,
	AC_READ,
	AC_CLASS__MAX
};

/*
 * A route: method, path pattern, handler and class (AC_INLINE when left
 * out).  Patterns are literal segments and {name} segments (one segment
 * each); "*" alone matches any path.
 */
struct ac_route {
	enum ac_method	 method;
	const char	*pattern;
	ac_handler	 handler;
	enum ac_class	 cls;
};

/*
 * What a program needs beyond the common configuration: NULL when ready,
 * else the problem (borrowed), which stops the program at start-up.
 */
typedef const char *(*ac_startcheck)(const struct ac_app *);

/*
 * A FastCGI program described as data: its name, its route table, what
 * it needs (AC_NEEDS_*) and its start-up check (or NULL).  Each program
 * defines ac_program; main.c holds the one main() that hands it to
 * ac_main().  A program with its own main() (authctl, the tests) does
 * not define ac_program and does not link main.o.
 */
struct ac_program {
	const char		*name;
	const struct ac_route	*routes;
	size_t			 nroutes;
	unsigned		 needs;
	ac_startcheck		 check;
};

extern const struct ac_program ac_program;

/*
 * ======================================================================
 * The request: its accessors and its answer (req.c, parse.c,
 * body.c, cookie.c).
 * ======================================================================
 */

/* req.c */
/* Request accessors; strings are borrowed for the request's lifetime. */
enum ac_method	 ac_req_method(const struct ac_req *);
/*
 * ac_req_path: the route path (the mount point taken off; "-" when the
 * request had none).  ac_req_base: the mount point, "" at the root
 * (README, "Mount points"): what a printed URL or cookie path of the
 * suite starts with.
 */
const char	*ac_req_path(const struct ac_req *);
const char	*ac_req_base(const struct ac_req *);
const char	*ac_req_param(const struct ac_req *, const char *name);
const char	*ac_req_var(const struct ac_req *, const char *name);
int		 ac_req_is_authorizer(const struct ac_req *);

/*
 * The request body, read once on first use and kept for the request.
 * AC_BODY_TOO_LARGE past AUTH_MAX_BODY_BYTES (checked before reading).
 */
enum ac_reason	 ac_req_body(struct ac_req *, const char **body,
		    size_t *len);
/*
 * Zeroed memory for a secret a handler copies out of the request (a
 * password, a refresh token, the grant that carries a new one): wiped
 * and freed when the request ends, whichever way the handler returns, so
 * no handler has to remember to.  NULL when out of memory.
 */
void		*ac_req_secret(struct ac_req *, size_t);
/* Non-zero when Content-Type is mime (parameters ignored). */
int		 ac_req_content_type(const struct ac_req *, const char *mime);
/*
 * The body as a JSON object (borrowed; lives with the request): 415
 * unless application/json, 413 when too large, 400 when not one JSON
 * object, holding a NUL byte or a member name holding \u0000 (json-c
 * would cut it short), 422 with a detail per member whose text is not
 * UTF-8.
 */
enum ac_reason	 ac_req_json_body(struct ac_req *, json_object **);
/*
 * Copies the value of name from the query string (percent-decoded) or
 * the Cookie header into out.  Returns its length, or -1 when absent or
 * longer than outsz - 1.
 */
long		 ac_req_query(const struct ac_req *, const char *name,
		    char *out, size_t outsz);
/* cookie.c: the same for the Cookie header. */
long		 ac_req_cookie(const struct ac_req *, const char *name,
		    char *out, size_t outsz);
/* Adds a response header (copied). */
void		 ac_req_header(struct ac_req *, const char *name,
		    const char *value);
/* Sends status with a JSON body (borrowed; may be NULL for no body). */
void		 ac_req_json(struct ac_req *, int status, json_object *);
/* docs.c */
/*
 * GET /docs (docs.c): the API reference page, Swagger UI from
 * AUTH_DOCS_ASSETS_URL with a Content-Security-Policy allowing exactly it;
 * AC_NOT_FOUND when that setting is empty.
 */
enum ac_reason	 ac_docs_page(struct ac_req *, const struct ac_app *);
/* req.c */
/* Adds {"field","message"} to the error details of this request. */
void		 ac_req_detail(struct ac_req *, const char *field,
		    const char *message);
/*
 * A field that failed validation, told both ways: {"field","message"}
 * in the envelope's details, and the entry of FastAPI's 422 list
 * {"type","loc","msg","input","ctx"} that the detail formats send
 * (errfmt.c).  loc is where the field is: "body", "query", "path" or
 * "header"; field NULL names the place itself.  type is pydantic v2's
 * (missing, string_type, string_too_long, string_too_short, bool_type,
 * bool_parsing, int_parsing, greater_than_equal, less_than_equal,
 * extra_forbidden, model_attributes_type, string_unicode, json_invalid,
 * value_error), which gives msg; n is the bound of the _long, _short,
 * _equal types and the position of json_invalid.  message: the
 * envelope's detail (NULL: one that fits the type); for value_error
 * also the end of msg, for json_invalid the parser's error (ctx).
 * input (taken; NULL: none, for secrets) is the value refused.
 */
void		 ac_req_invalid(struct ac_req *, const char *loc,
		    const char *field, const char *type, json_object *input,
		    long long n, const char *message);
/* The calling worker thread's store, opened on first use (store.c). */
struct ac_store;
enum ac_reason	 ac_req_store(struct ac_req *, struct ac_store **);

/* parse.c */
/*
 * ac_req_query and ac_req_cookie over any "a=1&b=2" (sep '&') or
 * "a=1; b=2" (sep ';') string.
 */
long		 ac_kv_find(const char *s, char sep, const char *name,
		    int decode, char *out, size_t outsz);
/*
 * Percent-encodes s (RFC 3986: all but unreserved characters) into out
 * (size n); the length, or -1 when it does not fit.
 */
long		 ac_url_encode(const char *s, char *out, size_t n);
/*
 * Walks a list of items separated by commas and spaces (the settings'
 * lists: ALLOWED_ORIGINS, METRICS_ALLOW, JWT_ALGORITHMS, ...): the next
 * item after *p, its length in *n, *p moved past it; NULL at the end.
 *	while ((s = ac_list_next(&p, &n)) != NULL) ...
 */
const char	*ac_list_next(const char **p, size_t *n);

/* body.c */
/*
 * The JSON bodies of the programs, validated with one detail per
 * bad field (AC_VALIDATION_FAILED); errors of the body itself as
 * ac_req_json_body.  ac_body_string copies the string member name of o
 * (n bytes with the NUL) into out: -1 when absent, not a string, holding
 * a NUL or too long.  ac_body_credentials: {"email","password"} of login
 * and signup.  ac_body_text: member name's value v as a string field of
 * at most max characters (UTF-8 code points), trimmed of spaces and not
 * empty when trim: *s (borrowed from the request, not NUL-terminated)
 * and *n, or a detail on the request and -1.
 */
int		 ac_body_string(json_object *o, const char *name, char *out,
		    size_t n);
enum ac_reason	 ac_body_credentials(struct ac_req *, char *email,
		    size_t en, char *pw, size_t pn);
int		 ac_body_text(struct ac_req *, const char *name,
		    json_object *v, int trim, size_t max, const char **s,
		    size_t *n);
/*
 * The token= of an application/x-www-form-urlencoded body (RFC 7662
 * introspection, RFC 7009 revocation): *tok in memory the request wipes
 * when it ends, *len its length (0: empty, -1: longer than
 * JWT_MAX_TOKEN_BYTES).  AC_MEDIA_TYPE_UNSUPPORTED for another
 * Content-Type, AC_BODY_MALFORMED when there is no token member, or the
 * body's own errors.
 */
enum ac_reason	 ac_body_form_token(struct ac_req *, const struct ac_app *,
		    const char **tok, long *len);

/* cookie.c: the cookies and the CSRF rule */
/*
 * For endpoints that rely on a cookie.  AC_OK when the request
 * comes from the site itself (Origin = scheme://Host) or an origin in
 * ALLOWED_ORIGINS, or carries no Origin but Sec-Fetch-Site: same-origin;
 * else AC_CROSS_SITE, with a detail on the request.
 */
enum ac_reason	 ac_req_same_origin(struct ac_req *, const struct ac_app *);
/*
 * ac_req_link: the absolute
 * URL a mailed link may start with: target as it is when its origin is
 * the site's own or in ALLOWED_ORIGINS, or a path ("/x") under the
 * site's own origin; -1 for anything else (another host, a userinfo
 * part, spaces, quotes, control bytes), so a mail never carries a token
 * to someone else's host.
 */
int		 ac_req_link(const struct ac_req *, const struct ac_app *,
		    const char *target, char *out, size_t n);
/*
 * The refresh cookie's name: AUTH_COOKIE_NAME, else __Host-refreshToken
 * over https (with AUTH_COOKIE_SECURE), else refreshToken.  Borrowed.
 */
const char	*ac_req_cookie_name(const struct ac_req *,
		    const struct ac_app *);
/*
 * Server-side sessions (websession.c; their cookie here): the cookie's
 * name (sessionToken, __Host-sessionToken over https with
 * AUTH_COOKIE_SECURE; borrowed); its Set-Cookie is ac_req_set_cookie's,
 * and logout by cookie value is ac_websession_logout, with the session
 * functions below.
 */
const char	*ac_req_session_cookie_name(const struct ac_req *,
		    const struct ac_app *);
/*
 * Set-Cookie name=value, HttpOnly, SameSite=Strict, Secure with
 * AUTH_COOKIE_SECURE, Max-Age maxage (value "" and 0 clear it), Path the
 * mount point followed by sub ("/api/auth", or "" for the mount point
 * itself; / at the root, and always for a __Host- name).
 */
void		 ac_req_set_cookie(struct ac_req *, const struct ac_app *,
		    const char *name, const char *sub, const char *value,
		    long maxage);

/*
 * ======================================================================
 * Authentication: who the request is.
 * ======================================================================
 */

/* auth.c: who the request is */
/*
 * Verifies the request's bearer token into tok (ac_token_clear after);
 * a request without an Authorization header is judged by its session
 * cookie instead (websession.c), tok then holding the session's claims.
 * On failure records the reason so that the error answer carries the
 * right WWW-Authenticate header.
 */
enum ac_reason	 ac_req_auth(struct ac_req *, const struct ac_app *,
		    struct ac_token *tok);
/* How ac_req_auth judged the request: "jwt", "session", or NULL. */
const char	*ac_req_auth_method(const struct ac_req *);

/*
 * ======================================================================
 * The store: the calls programs make.
 * ======================================================================
 */

/*
 * The database: one neutral query interface that every back end (SQLite,
 * PostgreSQL) implements, so that domain code is written once
 * in portable SQL with $1, $2 ... parameters.  A store is one connection;
 * it belongs to one thread (ac_req_store gives each worker thread its
 * own, opened lazily).
 */
struct ac_store;

enum ac_dbtype {
	AC_DB_NULL = 0,
	AC_DB_INT,
	AC_DB_TEXT,
	AC_DB_BLOB
};

/* A parameter or column.  s is borrowed (column values: until the next row). */
struct ac_dbval {
	enum ac_dbtype	 type;
	int64_t		 i;
	const char	*s;
	size_t		 len;
};

#define AC_DBI(x)	((struct ac_dbval){ .type = AC_DB_INT, .i = (x) })
#define AC_DBS(x)	((struct ac_dbval){ .type = (x) != NULL ? \
			    AC_DB_TEXT : AC_DB_NULL, .s = (x), \
			    .len = (x) != NULL ? strlen(x) : 0 })

/* Called for each row; return non-zero to stop early. */
typedef int	(*ac_dbrow)(void *arg, size_t ncols, const struct ac_dbval *);

/* store.c */
/*
 * Opens DATABASE_URL.  With check 1, refuses (AC_UNAVAILABLE) a database
 * whose schema is older than this build needs, saying in err that
 * `authctl db migrate` fixes it.  With check 0 (authctl db migrate) the
 * SQLite file is created when missing; with AC_STORE_PEEK neither (a
 * look at what is there: authctl db version, check-config).
 */
#define AC_STORE_PEEK	2
enum ac_reason	 ac_store_open(const struct ac_app *, int check,
		    struct ac_store **, char *err, size_t errlen);
void		 ac_store_close(struct ac_store *);
/*
 * The least bound, in ms, on this process's database waits from now on
 * (AUTH_DB_TIMEOUT_MS when larger): authctl, an operator's command that
 * serves no requests, waits longer than a busy program should.
 */
void		 ac_store_patience(long ms);
/* Schema version of the database (0: empty), or -1 on error. */
int		 ac_store_version(struct ac_store *);
/* Schema version this build needs (its newest migration). */
int		 ac_store_latest(void);
/* Applies the missing migrations, each in its own transaction. */
enum ac_reason	 ac_store_migrate(struct ac_store *, int *from, int *to);
/* The last error's detail (borrowed; never holds parameter values). */
const char	*ac_store_error(const struct ac_store *);

/*
 * Runs one statement.  sql must be a string literal (its address keys the
 * prepared-statement cache).  cb may be NULL; *changes (may be NULL) gets
 * the number of rows changed.  Busy/locked past the timeout or a lost
 * connection: AC_UNAVAILABLE; a constraint violation: AC_CONFLICT.
 */
enum ac_reason	 ac_db_exec(struct ac_store *, const char *sql,
		    const struct ac_dbval *params, size_t nparams,
		    ac_dbrow cb, void *arg, int64_t *changes);

/*
 * ======================================================================
 * Users, sessions and accounts.
 * ======================================================================
 */

/*
 * Users (users.c), sessions and refresh tokens (session.c), written once
 * over the ac_db_ interface.  A session is one refresh-token family: the
 * token a login hands out and every token rotated from it.  Refresh
 * tokens are 32 random bytes, base64url (AC_REFRESH_LEN characters); only
 * their SHA-256 is stored.  A token's successor is HMAC-SHA256(K, token) with
 * the server's refresh key K, so a second refresh of the same token within
 * REFRESH_GRACE_SECONDS yields the very same successor (the family never
 * forks) without anything usable stored in clear.  Every change is one
 * transaction.  now is Unix time, passed in so that tests can move it.
 */
#define AC_REFRESH_LEN	43

#define AC_ACCESS_MAX	8192	/* an access token in a grant, NUL too */

struct ac_grant {
	char		 user_id[64];
	char		 email[256];
	char		 session_id[32];
	char		 refresh[AC_REFRESH_LEN + 1];
	int64_t		 expires;	/* of the refresh token */
	int		 replayed;	/* 1: grace-window repeat */
	int		 email_verified; /* 0: self-signup, not checked */
	int		 web;		/* 1: a server-side session (not on
					   JWT, rollout.c): refresh holds its
					   cookie, there is no refresh token */
	char		 access[AC_ACCESS_MAX]; /* the access token (not web),
					   signed before the grant commits */
};

/* users.c */
/*
 * What ac_user_add and ac_user_signup would refuse in email and password:
 * 0, or AC_USER_BAD_EMAIL or'd with one of the password's.
 */
#define AC_USER_BAD_EMAIL	1
#define AC_USER_SHORT_PASSWORD	2	/* fewer than 8 bytes */
#define AC_USER_LONG_PASSWORD	4	/* more than 1024 */
int		 ac_user_invalid(const char *email, const char *password);
/*
 * Adds a user; *id (size idsz, may be NULL) gets the new id.  Email is
 * stored in lower case.  AC_CONFLICT when the email exists,
 * AC_VALIDATION_FAILED for an unusable email or a password of fewer than
 * 8 or more than 1024 bytes.
 */
enum ac_reason	 ac_user_add(const struct ac_app *, struct ac_store *,
		    const char *email, const char *password, time_t now,
		    char *id, size_t idsz);
/*
 * The same for self-signup (AUTH_SIGNUP): the address is not verified,
 * so tokens carry email_verified: false and no email until
 * ac_user_verify (authctl user verify).
 */
enum ac_reason	 ac_user_signup(const struct ac_app *, struct ac_store *,
		    const char *email, const char *password, time_t now,
		    char *id, size_t idsz);
/* Marks a user's email verified; AC_NOT_FOUND for an unknown email. */
enum ac_reason	 ac_user_verify(struct ac_store *, const char *email,
		    time_t now);
/*
 * Sets a password and ends every session of the user (their access
 * tokens are refused from the next revocation poll); AC_NOT_FOUND for an
 * unknown email.
 */
enum ac_reason	 ac_user_passwd(const struct ac_app *, struct ac_store *,
		    const char *email, const char *password, time_t now);
/*
 * Disables (or enables) a user; disabling also revokes every session.
 * AC_NOT_FOUND for an unknown email.
 */
enum ac_reason	 ac_user_disable(struct ac_store *, const char *email,
		    int disabled, time_t now);
/* Calls cb with (id, email, disabled, created, sessions) per user. */
enum ac_reason	 ac_user_list(struct ac_store *, ac_dbrow cb, void *arg);
/*
 * Checks email and password and opens a session (ip and ua may be NULL;
 * borrowed).  Unknown email and wrong password both give
 * AC_CREDENTIALS_INVALID after the same work; failures are counted per
 * account and per address, and past AUTH_LOGIN_FREE_FAILURES give
 * AC_RATE_LIMITED with *retry_after seconds.  On a wrong password or a
 * disabled account g->user_id names the account, for the audit line only.
 * A right password of an account with two-factor on gives
 * AC_TWO_FACTOR_REQUIRED and g->user_id, no session: a code must follow
 * (ac_twofactor_pending, ac_twofactor_login).
 */
enum ac_reason	 ac_user_login(const struct ac_app *, struct ac_store *,
		    const char *email, const char *password, const char *ip,
		    const char *ua, time_t now, struct ac_grant *,
		    long *retry_after);
/*
 * Accounts people run themselves (account.c, twofactor.c, mail.c).  uid
 * is a user id (from a verified token); ip the client address (may be
 * NULL).  Functions that check a password or a code count the attempt
 * toward the login throttle, so they may give AC_RATE_LIMITED with
 * *retry seconds; a wrong password is AC_CREDENTIALS_INVALID, a wrong,
 * spent or missing code AC_TWO_FACTOR_INVALID.
 */
#define AC_LINK_RESET		"reset"
#define AC_LINK_VERIFY		"verify"
#define AC_BACKUP_CODES		10
#define AC_BACKUP_CODE_SIZE	12	/* "xxxxx-xxxxx" and the NUL */
#define AC_TWO_FACTOR_TTL	300	/* seconds a pending login waits */
/*
 * A one-time link token (purpose AC_LINK_RESET or AC_LINK_VERIFY) for
 * the account of email into tok, and its address as stored (where the
 * mail goes) into to: AC_OK; AC_NOT_FOUND (tok "") when there
 * is no such account, it is disabled, or (verify) already verified,
 * after the same work.  With limit, AC_RATE_LIMITED (tok "") when the
 * account got AC_LINK_MAX links of that purpose in the last
 * AC_LINK_WINDOW seconds, so that nobody can bury an address in mail.
 */
enum ac_reason	 ac_account_link(const struct ac_app *, struct ac_store *,
		    const char *email, const char *purpose, time_t now,
		    int limit, char tok[AC_REFRESH_LEN + 1], char to[256]);
/*
 * Spends reset token tok: sets password pw (8 to 1024 bytes, else
 * AC_VALIDATION_FAILED), ends every session of the user, spends the
 * user's other reset links; uid gets the user.  AC_LINK_TOKEN_INVALID
 * for a token that is malformed, unknown, spent or expired.
 */
enum ac_reason	 ac_account_reset(const struct ac_app *, struct ac_store *,
		    const char *tok, const char *pw, time_t now,
		    char uid[64]);
/* Spends verify token tok: the user's email is verified. */
enum ac_reason	 ac_account_verify(struct ac_store *, const char *tok,
		    time_t now, char uid[64]);
/*
 * Changes uid's password from cur to pw; with others, ends every other
 * session than keep (may be NULL: all).
 */
enum ac_reason	 ac_account_passwd(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *cur, const char *pw,
		    const char *keep, int others, const char *ip, time_t now,
		    long *retry);
/* The id of the account of email into uid; AC_NOT_FOUND. */
enum ac_reason	 ac_account_find(struct ac_store *, const char *email,
		    char uid[64]);
/*
 * Deletes uid with its sessions (their access tokens are refused from
 * then on), refresh tokens, todos and every other row.  With pw (the
 * owner) the password must be right, and code too when two-factor is on
 * (a TOTP code, or a backup code: longer than 8 characters);
 * pw NULL is the operator.
 */
enum ac_reason	 ac_account_delete(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *pw, const char *code,
		    const char *ip, time_t now, long *retry);
/*
 * Two-factor.  enable: checks pw, makes a new TOTP secret (the otpauth
 * URI into uri, naming issuer) and AC_BACKUP_CODES backup codes (shown
 * once; only hashes kept); AC_CONFLICT when on already.  confirm: checks
 * a code of that secret; *enabled is 1 when this turned two-factor on.
 * disable: checks pw (NULL: the operator) and removes secret and codes.
 * pending: a login waiting for a code, whose token (for the cookie) goes
 * to tok.  login: completes the pending login tok with a TOTP code (or a
 * backup code): a session as ac_user_login opens one, into g.
 */
enum ac_reason	 ac_twofactor_enable(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *pw, const char *issuer,
		    const char *ip, time_t now, long *retry, char *uri,
		    size_t urisz,
		    char codes[AC_BACKUP_CODES][AC_BACKUP_CODE_SIZE]);
enum ac_reason	 ac_twofactor_confirm(const struct ac_app *,
		    struct ac_store *, const char *uid, const char *code,
		    const char *ip, time_t now, int *enabled, long *retry);
enum ac_reason	 ac_twofactor_disable(const struct ac_app *,
		    struct ac_store *, const char *uid, const char *pw,
		    const char *ip, time_t now, long *retry);
/*
 * session.c: the keys K that path gave before a change of secret (authctl user
 * 2fa-seal --from): read as REFRESH_TOKEN_SECRET_FILE is and as the
 * signing key's file is (keys.c ac_keys_file_key), each reading that
 * takes it, the same key once, never the key in use now.  Returns how
 * many (1 or 2), or -1 with why in err: neither reading takes the file
 * (unreadable, world-readable, too short) or it gives the current K.
 */
int		 ac_session_oldkeys(const struct ac_app *, const char *path,
		    unsigned char k[2][32], char *err, size_t errlen);
/*
 * The operator's sealing of two-factor secrets (authctl user 2fa-seal):
 * every secret stored in clear (from before sealing) is sealed in place
 * (c->resealed); c->sealed counts those sealed already that open with
 * the current key, c->unreadable those that do not (each logged, as a
 * code for it would be: event=totp_secret_unreadable).  A sealed one
 * that opens under none of them but under one of the nold old refresh
 * keys old (session.c ac_session_oldkeys: K before a change of secret)
 * is sealed again under the current key (c->rekeyed).  Each row changes
 * only if it still holds what was read.  Nothing else changes.
 * AC_CONFIG_INVALID without a key to seal with.
 */
struct ac_sealcount {
	long		 resealed;
	long		 rekeyed;	/* opened only with an old K */
	long		 sealed;
	long		 unreadable;
};
enum ac_reason	 ac_twofactor_seal_all(const struct ac_app *,
		    struct ac_store *, time_t now,
		    const unsigned char (*old)[32], int nold,
		    struct ac_sealcount *);
enum ac_reason	 ac_twofactor_pending(struct ac_store *, const char *uid,
		    time_t now, char tok[AC_REFRESH_LEN + 1]);
enum ac_reason	 ac_twofactor_login(const struct ac_app *, struct ac_store *,
		    const char *tok, const char *code, int backup,
		    const char *ip, const char *ua, time_t now,
		    struct ac_grant *, long *retry);
/*
 * mail.c.  ac_mail_account: the mail of purpose (AC_LINK_*)
 * carrying url, from AUTH_MAIL_TEMPLATES/PURPOSE.txt or the built-in
 * text.
 */
enum ac_reason	 ac_mail_account(const struct ac_app *, const char *purpose,
		    const char *email, const char *url);

/* session.c */
/*
 * refresh's start-up check: a signing key, string subjects, a key for
 * deriving successor refresh tokens.  NULL, or what is missing.
 */
const char	*ac_session_check(const struct ac_app *);
/*
 * Rotates refresh token tok: its successor goes to g.  A spent token
 * presented again within the grace window, while its successor is still
 * current, gives that same successor (g->replayed); later, it revokes the
 * whole family and gives AC_REFRESH_TOKEN_REUSED.  Otherwise one of
 * AC_REFRESH_TOKEN_MALFORMED, _UNKNOWN, _EXPIRED, _REVOKED.
 */
enum ac_reason	 ac_session_refresh(const struct ac_app *, struct ac_store *,
		    const char *tok, time_t now, struct ac_grant *);
/* import.c */
/*
 * authctl session import: the CSV text buf (a header naming user_email,
 * token_hash, expires_at) brought in with ac_session_adopt, all rows or
 * none; every bad row is a problem on the app (AC_VALIDATION_FAILED).
 * Expired rows and tokens already present are skipped and counted.
 */
struct ac_import {
	size_t		 imported, present, expired;
};
enum ac_reason	 ac_session_import(struct ac_app *, struct ac_store *,
		    char *buf, time_t now, struct ac_import *);
/* websession.c */
/* Ends the server-side session whose cookie is tok (websession.c). */
enum ac_reason	 ac_websession_logout(struct ac_store *, const char *tok,
		    time_t now);
/* session.c */
/* Revokes the family of tok (idempotent); *user_id may be NULL. */
enum ac_reason	 ac_session_logout(struct ac_store *, const char *tok,
		    time_t now);
/* sessions.c */
/*
 * The user's active sessions as a JSON array (caller owns; put it), each
 * {id, created, lastUsed, expires, userAgent, ip, current}; current marks
 * session id cur (may be NULL).
 */
enum ac_reason	 ac_session_list(struct ac_store *, const char *user_id,
		    const char *cur, time_t now, json_object **out);
/* Revokes one of user_id's sessions; AC_NOT_FOUND for anyone else's. */
enum ac_reason	 ac_session_revoke(struct ac_store *, const char *user_id,
		    const char *session_id, time_t now);
/* tokrevoke.c */
/*
 * RFC 7009 (tokrevoke.c): ends what the token of len bytes stands for:
 * a refresh token's family, or the session (sid) of an access token that
 * verifies.  AC_OK for any token, known or not; only the store's own
 * trouble is an error.
 */
enum ac_reason	 ac_session_revoke_token(const struct ac_app *,
		    struct ac_store *, const char *tok, size_t len,
		    time_t now);
/* sessions.c */
/*
 * Deletes expired tokens and sessions, sessions revoked more than keep
 * seconds ago (deleted users' too), and stale login throttles.  *n gets
 * the rows deleted.
 */
enum ac_reason	 ac_session_prune(struct ac_store *, time_t now, long keep,
		    int64_t *n);

/* revoke.c */
/* Revokes every live session of user_id (log out everywhere); *n (may be
 * NULL) gets how many. */
enum ac_reason	 ac_session_revoke_all(struct ac_store *,
		    const char *user_id, time_t now, int64_t *n);
/*
 * Revocation of access tokens: with JWT_REVOCATION_CHECK on,
 * ac_token_verify refuses (AC_TOKEN_REVOKED) a token whose sid names a
 * revoked session, from a set each process reads from the database when
 * it first meets a sid and then every JWT_REVOCATION_POLL_MS on a thread
 * of its own (poll 0: read once, no thread, as for authctl).  Programs
 * call this once before serving; without it nothing is checked.
 */
void		 ac_revoke_enable(const struct ac_app *, int poll);

/*
 * ======================================================================
 * Operations: what a program needs, the audit trail, its figures.
 * ======================================================================
 */

/* What a program depends on, said by ac_main (readiness, gauges). */
#define AC_NEEDS_DB	0x1
/* Its revocation list (JWT_REVOCATION_CHECK) reads the database. */
#define AC_NEEDS_REVOCATIONS 0x2

/*
 * The audit trail: one info line per event, "event=audit action=login
 * result=ok|REASON user=ID session=ID remote=ADDR [extra]" (and rid=),
 * and the event's counter.  user, session and fmt's output may be NULL;
 * never pass a token, cookie, password or secret.
 */
enum ac_audit {		/* audit.c's actions[] names them in this order */
	AC_AUDIT_LOGIN = 0,
	AC_AUDIT_SIGNUP,
	AC_AUDIT_LOGOUT,
	AC_AUDIT_SESSION_REVOKE,
	AC_AUDIT_REFRESH_REUSE,
	AC_AUDIT_PASSWORD_CHANGE,
	AC_AUDIT_USER_DISABLE,
	AC_AUDIT_USER_ENABLE,
	AC_AUDIT_KEY_ROTATE,
	AC_AUDIT_KEY_RETIRE,
	AC_AUDIT_KEYS_RELOAD,
	AC_AUDIT_CONFIG_RELOAD,
	AC_AUDIT_SESSION_IMPORT,	/* authctl session import */
	/* Accounts (account.c): counted by auth_account_events_total. */
	AC_AUDIT_RESET_REQUEST,
	AC_AUDIT_PASSWORD_RESET,
	AC_AUDIT_VERIFY_REQUEST,
	AC_AUDIT_EMAIL_VERIFIED,
	AC_AUDIT_TWO_FACTOR_ON,
	AC_AUDIT_TWO_FACTOR_OFF,
	AC_AUDIT_USER_DELETE,
	AC_AUDIT__MAX
};
void		 ac_audit(enum ac_audit, enum ac_reason, const char *user,
		    const char *session, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));

/*
 * Figures (metrics.c): a refresh, counted by refresh.c (t0 from
 * ac_metrics_clock(), 0 when metrics are off).  The others are the
 * core's own (metrics.h).
 */
uint64_t	 ac_metrics_clock(void);
void		 ac_metrics_refresh(enum ac_reason, uint64_t t0);

#endif /* !AC_H */
