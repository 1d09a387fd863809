/*
 * config.c: the suite's settings.  One table names every setting, its
 * alias, its kind, its default and its bounds; the file (config_path:
 * AUTH_CONFIG, the user's, the system's) is read first, the environment
 * wins.  Every problem is collected on the app, so that `authctl check-config`
 * reports them all at once.  JWKS_URL is judged with libcurl's URL
 * parser, the one jwksclient.c fetches it with (settings.c).  Keys are
 * loaded by keys.c afterwards.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "ac.h"
#include "base.h"
#include "conf.h"

#ifndef AC_SYSCONFDIR
#define AC_SYSCONFDIR "/usr/local/etc"
#endif
#define AC_DEFAULT_CONFIG AC_SYSCONFDIR "/jwt-auth-suite/auth.conf"

#define AC_MAXCONFIG	(64 * 1024)

enum kind {
	K_STR,		/* char * */
	K_LONG,		/* long, within [min, max] */
	K_BOOL,		/* int */
	K_ALGS,		/* comma list of algorithms */
	K_LEVEL,	/* log level */
	K_SECRET,	/* char * plus secretlen */
	K_PRIVATE	/* char *, secret: wiped, kept out of readable files */
};

/* alias and def: "" for none. */
static const struct setting {
	const char	*name;
	const char	*alias;
	enum kind	 kind;
	size_t		 off;
	const char	*def;
	long		 min, max, scale;
} settings[] = {
#define O(f) offsetof(struct ac_config, f)
	{ "JWT_SECRET_SOURCE", "", K_STR, O(secret_source), "", 0, 0, 1 },
	{ "JWT_SECRET", "BETTER_AUTH_SECRET", K_SECRET, O(secret), "", 0, 0, 1 },
	{ "JWT_SECRET_FILE", "", K_STR, O(secret_file), "", 0, 0, 1 },
	{ "JWT_ALGORITHM", "", K_ALGS, O(algs), "HS256", 0, 0, 1 },
	{ "JWT_PRIVATE_KEY_FILE", "", K_STR, O(private_key_file), "", 0, 0, 1 },
	{ "JWT_PUBLIC_KEY_FILE", "", K_STR, O(public_key_file), "", 0, 0, 1 },
	{ "JWT_KEY_ID", "", K_STR, O(key_id), "", 0, 0, 1 },
	{ "JWT_KEYS_DIR", "", K_STR, O(keys_dir), "", 0, 0, 1 },
	{ "JWKS_URL", "BETTER_AUTH_JWKS_URL", K_STR, O(jwks_url), "", 0, 0, 1 },
	{ "BETTER_AUTH_URL", "", K_STR, O(better_auth_url), "", 0, 0, 1 },
	{ "JWKS_ALLOW_HTTP", "", K_BOOL, O(jwks_allow_http), "false", 0, 0, 1 },
	{ "JWKS_CACHE_TTL", "", K_LONG, O(jwks_ttl), "3600", 10, 604800, 1 },
	{ "JWKS_CACHE_FILE", "", K_STR, O(jwks_cache_file), "", 0, 0, 1 },
	{ "JWKS_REFRESH_MIN_SECONDS", "", K_LONG, O(jwks_min_refresh), "30", 1, 3600, 1 },
	{ "JWKS_FETCH_TIMEOUT", "", K_LONG, O(jwks_timeout), "5", 1, 60, 1 },
	{ "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "", K_LONG, O(access_ttl), "30", 1, 60 * 24 * 30, 60 },
	{ "JWT_REFRESH_TOKEN_EXPIRE_DAYS", "", K_LONG, O(refresh_days), "7", 1, 365, 1 },
	{ "JWT_ISSUER", "", K_STR, O(issuer), "", 0, 0, 1 },
	{ "JWT_AUDIENCE", "", K_STR, O(audience), "", 0, 0, 1 },
	{ "JWT_LEEWAY_SECONDS", "", K_LONG, O(leeway), "30", 0, 300, 1 },
	{ "JWT_SUBJECT_CLAIM", "", K_STR, O(subject_claim), "sub", 0, 0, 1 },
	{ "JWT_SUBJECT_TYPE", "", K_STR, O(subject_type), "string", 0, 0, 1 },
	{ "JWT_MAX_TOKEN_BYTES", "", K_LONG, O(max_token), "8192", 256, 65536, 1 },
	{ "JWT_REQUIRE_TYPE", "", K_BOOL, O(require_type), "true", 0, 0, 1 },
	{ "JWT_VERIFY_CACHE_SIZE", "", K_LONG, O(verify_cache), "256", 0, 65536, 1 },
	{ "JWT_REVOCATION_CHECK", "", K_BOOL, O(revocation_check), "true", 0, 0, 1 },
	{ "JWT_REVOCATION_POLL_MS", "", K_LONG, O(revocation_poll_ms), "500", 50, 1000, 1 },
	{ "DATABASE_URL", "NEON_DATABASE_URL", K_STR, O(database_url), "auth.db", 0, 0, 1 },
	{ "ALLOWED_ORIGINS", "", K_STR, O(allowed_origins), "", 0, 0, 1 },
	{ "AUTH_MAX_BODY_BYTES", "", K_LONG, O(max_body), "16384", 256, 1048576, 1 },
	{ "AUTH_SOCKET", "", K_STR, O(socket), "", 0, 0, 1 },
	{ "AUTH_SOCKET_MODE", "", K_STR, O(socket_mode_str), "0660", 0, 0, 1 },
	{ "AUTH_WORKERS", "", K_LONG, O(workers), "0", 0, 256, 1 },
	{ "AUTH_MAX_CONNECTIONS", "", K_LONG, O(max_conns), "1024", 8, 65536, 1 },
	{ "AUTH_MAX_PARAMS_BYTES", "", K_LONG, O(max_params), "65536", 4096, 1048576, 1 },
	{ "AUTH_READ_TIMEOUT", "", K_LONG, O(read_timeout), "10", 1, 3600, 1 },
	{ "AUTH_POOL_THREADS", "", K_LONG, O(pool_threads), "4", 1, 64, 1 },
	{ "AUTH_HASH_CONCURRENCY", "", K_LONG, O(hash_concurrency), "2", 1, 64, 1 },
	{ "AUTH_DB_TIMEOUT_MS", "", K_LONG, O(db_timeout_ms), "2000", 100, 60000, 1 },
	{ "LOG_LEVEL", "", K_LEVEL, O(loglevel), "info", 0, 0, 1 },
	{ "REFRESH_TOKEN_SECRET_FILE", "", K_STR, O(refresh_secret_file), "", 0, 0, 1 },
	{ "REFRESH_GRACE_SECONDS", "", K_LONG, O(refresh_grace), "5", 0, 120, 1 },
	{ "AUTH_COOKIE_SECURE", "", K_BOOL, O(cookie_secure), "true", 0, 0, 1 },
	{ "AUTH_REFRESH_TOKEN_IN_BODY", "", K_BOOL, O(refresh_in_body), "false", 0, 0, 1 },
	{ "AUTH_COOKIE_NAME", "AUTH_REFRESH_COOKIE_NAME", K_STR, O(cookie_name), "", 0, 0, 1 },
	{ "AUTH_SIGNUP", "", K_BOOL, O(signup), "false", 0, 0, 1 },
	{ "AUTH_LOGIN_FREE_FAILURES", "", K_LONG, O(login_free), "5", 1, 1000, 1 },
	{ "AUTH_MAIL_COMMAND", "", K_STR, O(mail_command), "/usr/sbin/sendmail -t -i", 0, 0, 1 },
	{ "AUTH_MAIL_FROM", "", K_STR, O(mail_from), "", 0, 0, 1 },
	{ "AUTH_MAIL_TEMPLATES", "", K_STR, O(mail_templates), "", 0, 0, 1 },
	{ "AUTH_MAIL_TIMEOUT", "", K_LONG, O(mail_timeout), "10", 1, 300, 1 },
	{ "AUTH_MAIL_LINK_EXPIRE_MINUTES", "", K_LONG, O(link_ttl), "60", 5, 60 * 24 * 7, 60 },
	{ "AUTH_ERROR_FORMAT", "", K_STR, O(error_format_name), "envelope", 0, 0, 1 },
	{ "VERIFY_CLAIM_HEADERS", "", K_STR, O(claim_headers), "", 0, 0, 1 },
	{ "JWT_PROVIDERS", "", K_STR, O(providers), "", 0, 0, 1 },
	{ "AUTH_REQUIRE", "", K_STR, O(require), "", 0, 0, 1 },
	{ "AUTH_REQUIRE_WRITE", "", K_STR, O(require_write), "", 0, 0, 1 },
	{ "AUTH_TOKEN_COOKIE", "", K_STR, O(token_cookie), "", 0, 0, 1 },
	{ "AUTH_TOKEN_HEADER", "", K_STR, O(token_header), "", 0, 0, 1 },
	{ "JWT_AUTH_ENABLED", "", K_BOOL, O(jwt_enabled), "true", 0, 0, 1 },
	{ "JWT_ROLLOUT_PERCENTAGE", "", K_LONG, O(rollout_percentage), "100", 0, 100, 1 },
	{ "SESSION_CACHE_SECONDS", "", K_LONG, O(session_cache), "1", 0, 60, 1 },
	{ "BETTER_AUTH_SESSION_TABLE", "", K_STR, O(ba_session_table), "", 0, 0, 1 },
	{ "AUTH_PASSWORD_HASH_MEMORY_KIB", "", K_LONG, O(pwhash_kib), "65536", 8, 1048576, 1 },
	{ "AUTH_DOCS_ASSETS_URL", "", K_STR, O(docs_assets_url), "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0", 0, 0, 1 },
	{ "INTROSPECTION_CLIENT_ID", "", K_STR, O(introspect_id), "", 0, 0, 1 },
	{ "INTROSPECTION_CLIENT_SECRET", "", K_PRIVATE, O(introspect_secret), "", 0, 0, 1 },
	{ "JWKS_REQUIRED", "", K_BOOL, O(jwks_required), "true", 0, 0, 1 },
	{ "METRICS_ENABLED", "", K_BOOL, O(metrics), "false", 0, 0, 1 },
	{ "METRICS_PATH", "", K_STR, O(metrics_path), "/metrics", 0, 0, 1 },
	{ "METRICS_ALLOW", "", K_STR, O(metrics_allow), "127.0.0.1,::1", 0, 0, 1 },
	{ "METRICS_FILE", "", K_STR, O(metrics_file), "", 0, 0, 1 },
	{ "AUTH_BASE_PATH", "", K_STR, O(base_path), "", 0, 0, 1 },
	{ "AUTH_LOG", "", K_STR, O(log), "", 0, 0, 1 },
#undef O
};

const char *
ac_config_name(size_t i, const char **alias)
{

	if (i >= nitems(settings))
		return NULL;
	if (alias != NULL)
		*alias = settings[i].alias[0] != '\0' ? settings[i].alias : NULL;
	return settings[i].name;
}

static const char *const levelnames[] = { "error", "warn", "info", "debug" };

static const struct setting *
find(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < nitems(settings); i++) {
		if (strlen(settings[i].name) == len &&
		    strncmp(settings[i].name, name, len) == 0)
			return &settings[i];
		if (settings[i].alias[0] != '\0' &&
		    strlen(settings[i].alias) == len &&
		    strncmp(settings[i].alias, name, len) == 0)
			return &settings[i];
	}
	return NULL;
}

/*
 * Parses value into the field of s.  Problems name where the value came
 * from (origin: "environment" or "file:line").
 */
static void
assign(struct ac_app *app, const struct setting *s, const char *value,
    const char *origin)
{
	struct ac_config *c = &app->cfg;
	char		*p = (char *)c + s->off, *end, name[16];
	char		**sp = (char **)(void *)p;
	const char	*rest, *tok;
	long		 v;
	size_t		 i, n;

	switch (s->kind) {
	case K_SECRET:
	case K_PRIVATE:
	case K_STR:
		if (*sp != NULL) {
			if (s->kind != K_STR)
				OPENSSL_cleanse(*sp, strlen(*sp));
			free(*sp);
		}
		*sp = (*value == '\0') ? NULL : strdup(value);
		if (s->kind == K_SECRET)
			c->secretlen = *sp == NULL ? 0 : strlen(*sp);
		break;
	case K_LONG:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
		    v < s->min || v > s->max) {
			ac_app_problemf(app, "%s (%s): '%s' is not a whole "
			    "number from %ld to %ld", s->name, origin, value,
			    s->min, s->max);
			break;
		}
		*(long *)(void *)p = v * s->scale;
		break;
	case K_BOOL:
		if (strcasecmp(value, "true") == 0 ||
		    strcmp(value, "1") == 0 || strcasecmp(value, "yes") == 0)
			*(int *)(void *)p = 1;
		else if (strcasecmp(value, "false") == 0 ||
		    strcmp(value, "0") == 0 || strcasecmp(value, "no") == 0)
			*(int *)(void *)p = 0;
		else
			ac_app_problemf(app, "%s (%s): '%s' is not true or "
			    "false", s->name, origin, value);
		break;
	case K_LEVEL:
		for (i = 0; i < nitems(levelnames); i++)
			if (strcasecmp(value, levelnames[i]) == 0)
				break;
		if (i == nitems(levelnames))
			ac_app_problemf(app, "%s (%s): '%s' is not one of "
			    "error, warn, info, debug", s->name, origin, value);
		else
			c->loglevel = (enum ac_loglevel)i;
		break;
	case K_ALGS:
		c->nalgs = 0;
		for (rest = value; (tok = ac_list_next(&rest, &n)) != NULL; ) {
			enum ac_alg a;

			snprintf(name, sizeof(name), "%.*s", (int)n, tok);
			if (n >= sizeof(name) || ac_alg_parse(name, &a) == -1) {
				ac_app_problemf(app, "%s (%s): unknown "
				    "algorithm '%.*s' (use " AC_ALG_NAMES ")",
				    s->name, origin, (int)n, tok);
				continue;
			}
			for (i = 0; i < c->nalgs; i++)
				if (c->algs[i] == a)
					break;
			if (i == c->nalgs && c->nalgs < AC_ALG__MAX)
				c->algs[c->nalgs++] = a;
		}
		if (c->nalgs == 0)
			ac_app_problemf(app, "%s (%s): no algorithm given",
			    s->name, origin);
		break;
	}
}

/*
 * Values as they come in, before a name and its alias are reconciled:
 * val[0] under the setting's name, val[1] under its alias, each with
 * where it came from.
 */
struct raw {
	char	*val[2];
	char	 origin[2][48];
};

static void
raw_set(struct raw *r, int which, const char *v, const char *origin)
{

	if (r->val[which] != NULL) {
		OPENSSL_cleanse(r->val[which], strlen(r->val[which]));
		free(r->val[which]);
	}
	r->val[which] = strdup(v);
	snprintf(r->origin[which], sizeof(r->origin[which]), "%s", origin);
}

/* The suite's prefixes: a name with one of them should be a setting. */
static int
suite_prefix(const char *name)
{
	static const char *const pfx[] = { "JWT_", "AUTH_", "JWKS_",
	    "BETTER_AUTH_" };
	size_t	 i;

	for (i = 0; i < nitems(pfx); i++)
		if (strncmp(name, pfx[i], strlen(pfx[i])) == 0)
			return 1;
	return 0;
}

/* Levenshtein's distance between a and b, or 99 when either is long. */
static size_t
distance(const char *a, const char *b)
{
	size_t	 d[65], i, j, prev, cur, la = strlen(a), lb = strlen(b);

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = d[j];
			d[j] = d[j] + 1 < d[j - 1] + 1 ? d[j] + 1 : d[j - 1] + 1;
			if (prev + (a[i - 1] != b[j - 1]) < d[j])
				d[j] = prev + (a[i - 1] != b[j - 1]);
			prev = cur;
		}
	}
	return d[lb];
}

/*
 * The setting (or alias) a name that is none was probably meant to be:
 * the same in upper case (*lower set), else the nearest within a third
 * of the longer name's length (JWT_ENABLED: JWT_AUTH_ENABLED, one word
 * left out); NULL when none is that near.
 */
static const char *
suggest(const char *name, int *lower)
{
	char		 up[65];
	const char	*best = NULL, *n;
	size_t		 i, k, d, bd = 99, len = strlen(name);

	*lower = 0;
	if (len >= sizeof(up))
		return NULL;
	for (i = 0; i <= len; i++)
		up[i] = (name[i] >= 'a' && name[i] <= 'z') ?
		    (char)(name[i] - 'a' + 'A') : name[i];
	for (i = 0; i < nitems(settings); i++)
		for (k = 0; k < 2; k++) {
			n = k == 0 ? settings[i].name : settings[i].alias;
			if (*n == '\0')
				continue;
			if (strcmp(up, n) == 0) {
				*lower = 1;
				return n;
			}
			if ((d = distance(up, n)) < bd) {
				bd = d;
				best = n;
			}
		}
	if (best == NULL ||
	    bd * 3 > (strlen(best) > len ? strlen(best) : len))
		return NULL;
	return best;
}

/*
 * The file as .env files are written (dotenv.c).  A name that is no
 * setting is a problem when it looks like one (a suite prefix, or a
 * setting in lower case or misspelt: did you mean); any other name is
 * the application's own (PORT, NEXT_PUBLIC_API_URL) and only warned of.
 */
static void
read_file(struct ac_app *app, const char *path, int must, struct raw *raw)
{
	struct ac_dotenv *l;
	char		*buf, err[256], origin[48];
	const char	*name, *like;
	size_t		 len, n, j, i;
	int		 which, lower;
	const struct setting *s;
	struct stat	 st;

	if ((buf = ac_file_read(path, AC_MAXCONFIG, &len, err,
	    sizeof(err))) == NULL) {
		if (must)
			ac_app_problemf(app, "%s%s", must == 1 ?
			    "AUTH_CONFIG: " : "", err);
		return;
	}
	app->cfg.source = strdup(path);
	/* What rollout.c compares to see the file change (a scratch app
	 * judging a reload has no live state: rollout.c stamps it). */
	if (app->live != NULL) {
		app->live->flags.size = -1;
		if (stat(path, &st) == 0) {
			app->live->flags.stamp = st.st_mtim;
			app->live->flags.size = st.st_size;
		}
	}
	l = ac_dotenv_parse(app, path, buf, &n);
	OPENSSL_cleanse(buf, len);
	free(buf);
	for (j = 0; j < n; j++) {
		name = l[j].name;
		snprintf(origin, sizeof(origin), "config line %zu",
		    l[j].lineno);
		if ((s = find(name, strlen(name))) == NULL &&
		    ac_config_provider_name(name, strlen(name))) {
			ac_config_provider_kv(app, name, l[j].value, path,
			    l[j].lineno);
			continue;
		}
		if (s == NULL) {
			if ((like = suggest(name, &lower)) != NULL)
				ac_app_problemf(app, "%s line %zu: '%s' is not "
				    "a setting%s: did you mean %s?", path,
				    l[j].lineno, name, lower ? " (names are "
				    "upper case)" : "", like);
			else if (suite_prefix(name))
				ac_app_problemf(app, "%s line %zu: unknown "
				    "setting '%s'", path, l[j].lineno, name);
			else
				ac_app_warnf(app, "%s line %zu: '%s' is not a "
				    "setting of the suite; ignored", path,
				    l[j].lineno, name);
			continue;
		}
		i = (size_t)(s - settings);
		which = strcmp(name, s->name) == 0 ? 0 : 1;
		if (raw[i].val[which] != NULL) {
			ac_app_problemf(app, "%s line %zu: %s is set again "
			    "(first on %s): keep one", path, l[j].lineno, name,
			    raw[i].origin[which]);
			continue;
		}
		if ((s->kind == K_SECRET || s->kind == K_PRIVATE) &&
		    stat(path, &st) == 0 && (st.st_mode & S_IROTH))
			ac_app_problemf(app, "%s holds %s but is "
			    "world-readable: chmod o-r %s", path, s->name, path);
		raw_set(&raw[i], which, l[j].value, origin);
	}
	ac_dotenv_free(l, n);
}

/* Names in the environment that have a suite prefix yet are no setting. */
static void
check_environment(struct ac_app *app)
{
	extern char	**environ;
	/* Not settings, yet the suite's: the file's name, and CGI's. */
	static const char *const known[] = { "AUTH_CONFIG", "AUTH_TYPE",
	    "AUTH_REQUEST", "AUTH_SUBJECT" };
	char		**e, name[65];
	const char	*eq, *like;
	size_t		 i, len;
	int		 lower;

	for (e = environ; e != NULL && *e != NULL; e++) {
		if (!suite_prefix(*e) || (eq = strchr(*e, '=')) == NULL)
			continue;
		len = (size_t)(eq - *e);
		if (find(*e, len) != NULL || strncmp(*e, "AUTH_CLAIM_", 11) == 0 ||
		    ac_config_provider_name(*e, len))
			continue;
		for (i = 0; i < nitems(known); i++)
			if (strlen(known[i]) == len &&
			    strncmp(*e, known[i], len) == 0)
				break;
		if (i < nitems(known))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len > 64 ? 64 :
		    len), *e);
		like = suggest(name, &lower);
		ac_app_warnf(app, "environment variable %s is not a setting "
		    "of the suite (%s%s%s); ignored", name, like != NULL ?
		    "did you mean " : "a typo?", like != NULL ? like : "",
		    like != NULL ? "?" : "");
	}
}

/*
 * A name and its alias both set: the same value is fine; different
 * values are an error that says which to keep (JWT_SECRET_SOURCE picks
 * for the secret).  Returns the index of the value to use, or -1.
 */
static int
reconcile(struct ac_app *app, const struct setting *s, const struct raw *r)
{
	const char	*src = app->cfg.secret_source;

	if (s->kind == K_SECRET && src != NULL &&
	    (strcmp(src, s->name) == 0 || strcmp(src, s->alias) == 0) &&
	    r->val[strcmp(src, s->name) == 0 ? 0 : 1] == NULL) {
		ac_app_problemf(app, "JWT_SECRET_SOURCE names %s, which is "
		    "not set", src);
		return -1;
	}
	if (r->val[0] == NULL || r->val[1] == NULL)
		return r->val[0] != NULL ? 0 : 1;
	if (s->kind == K_SECRET && src != NULL)
		return strcmp(src, s->name) == 0 ? 0 : 1;
	if (strcmp(r->val[0], r->val[1]) == 0)
		return 0;
	if (s->kind == K_SECRET)
		app->cfg.secret_conflict = 1;
	if (s->kind == K_SECRET)
		ac_app_problemf(app, "%s (%s) and %s (%s) are both set and "
		    "differ: keep the one your token issuer signs with and "
		    "remove the other, or say which with "
		    "JWT_SECRET_SOURCE=%s or JWT_SECRET_SOURCE=%s", s->name,
		    r->origin[0], s->alias, r->origin[1], s->name, s->alias);
	else
		ac_app_problemf(app, "%s (%s) and %s (%s) are both set and "
		    "differ: keep one", s->name, r->origin[0], s->alias,
		    r->origin[1]);
	return -1;
}

/*
 * Better Auth's base URL gives what a Better Auth deployment implies:
 * its key set at /api/auth/jwks when the allow-list holds a public-key
 * algorithm and no local public key is configured, and, when a JWKS_URL
 * is in use, iss and aud (Better Auth's JWT plugin sets both to it).
 */
static void
better_auth_defaults(struct ac_app *app)
{
	struct ac_config *c = &app->cfg;
	size_t		 i, len;
	int		 pub = 0;

	if (c->better_auth_url == NULL)
		return;
	len = strlen(c->better_auth_url);
	while (len > 0 && c->better_auth_url[len - 1] == '/')
		len--;
	for (i = 0; i < c->nalgs; i++)
		if (!ac_alg_is_hmac(c->algs[i]))
			pub = 1;
	if (c->jwks_url == NULL && pub && c->private_key_file == NULL &&
	    c->public_key_file == NULL && c->keys_dir == NULL &&
	    asprintf(&c->jwks_url, "%.*s/api/auth/jwks", (int)len,
	    c->better_auth_url) == -1)
		c->jwks_url = NULL;
	if (c->jwks_url == NULL)
		return;
	if (c->issuer == NULL)
		c->issuer = strndup(c->better_auth_url, len);
	if (c->audience == NULL)
		c->audience = strndup(c->better_auth_url, len);
}

/*
 * The settings' file: AUTH_CONFIG (1: must be readable); else, when it
 * is there, the file of the user the program runs as (2: must be
 * readable; found under suEXEC, which passes no AUTH_CONFIG or HOME:
 * ac_file_home reads the password database, never $HOME or HTTP_*);
 * else the system file (0: may be absent).  *path: AUTH_CONFIG or buf.
 */
static int
config_path(char *buf, size_t n, const char **path)
{
	if ((*path = getenv("AUTH_CONFIG")) != NULL && **path != '\0')
		return 1;
	*path = AC_DEFAULT_CONFIG;
	if (ac_file_home(".config/jwt-auth-suite/auth.conf", buf, n) != 1)
		return 0;
	*path = buf;
	return 2;
}

/* AUTH_BASE_PATH, "/auth": into Set-Cookie's Path and URLs ("/": none). */
static void
base_path_check(struct ac_app *app)
{
	char	*b = app->cfg.base_path;
	size_t	 n;

	if (b == NULL)
		return;
	for (n = strlen(b); n > 1 && b[n - 1] == '/'; )
		b[--n] = '\0';
	if (b[0] != '/' || n > 200 || strstr(b, "//") != NULL ||
	    strstr(b, "/.") != NULL || strspn(b, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") != n)
		ac_app_problemf(app, "AUTH_BASE_PATH: a path such as /auth "
		    "(letters, digits, '-', '.', '_', '~', '/', no segment "
		    "starting with '.'; 200 bytes at most), not '%s'", b);
	else if (n == 1) {
		free(b);
		app->cfg.base_path = NULL;
	}
}

void
ac_config_load(struct ac_app *app)
{
	struct ac_config *c = &app->cfg;
	struct raw	 raw[nitems(settings)];
	const char	*path, *v, *n;
	char		*end = NULL;
	char		 home[PATH_MAX];
	size_t		 i;
	int		 which, k;

	memset(raw, 0, sizeof(raw));
	for (i = 0; i < nitems(settings); i++)
		if (settings[i].def[0] != '\0')
			assign(app, &settings[i], settings[i].def, "default");

	k = config_path(home, sizeof(home), &path);
	read_file(app, path, k, raw);

	/* The environment wins over the file, name by name. */
	for (i = 0; i < nitems(settings); i++)
		for (which = 0; which < 2; which++) {
			n = which == 0 ? settings[i].name : settings[i].alias;
			if (*n != '\0' && (v = getenv(n)) != NULL)
				raw_set(&raw[i], which, v, "environment");
		}
	check_environment(app);

	/* The table lists JWT_SECRET_SOURCE before the secret it picks. */
	for (i = 0; i < nitems(settings); i++) {
		if (raw[i].val[0] == NULL && raw[i].val[1] == NULL)
			continue;
		if ((k = reconcile(app, &settings[i], &raw[i])) != -1)
			assign(app, &settings[i], raw[i].val[k],
			    raw[i].origin[k]);
		for (which = 0; which < 2; which++)
			if (raw[i].val[which] != NULL) {
				OPENSSL_cleanse(raw[i].val[which],
				    strlen(raw[i].val[which]));
				free(raw[i].val[which]);
			}
	}
	if (c->secret_source != NULL &&
	    strcmp(c->secret_source, "JWT_SECRET") != 0 &&
	    strcmp(c->secret_source, "BETTER_AUTH_SECRET") != 0)
		ac_app_problemf(app, "JWT_SECRET_SOURCE: '%s' is neither "
		    "JWT_SECRET nor BETTER_AUTH_SECRET", c->secret_source);
	better_auth_defaults(app);

	if (c->secret != NULL && c->secret_file != NULL)
		ac_app_problemf(app, "JWT_SECRET and JWT_SECRET_FILE are both "
		    "set: keep one");
	if (c->issuer != NULL && strlen(c->issuer) > 256)
		ac_app_problemf(app, "JWT_ISSUER: longer than 256 bytes");
	if (c->audience != NULL && strlen(c->audience) > 256)
		ac_app_problemf(app, "JWT_AUDIENCE: longer than 256 bytes");
	if (c->subject_claim == NULL || strlen(c->subject_claim) > 64)
		ac_app_problemf(app, "JWT_SUBJECT_CLAIM: must be a claim name "
		    "of 1 to 64 bytes");
	if (c->error_format_name == NULL ||
	    (k = ac_errfmt_parse(c->error_format_name)) == -1)
		ac_app_problemf(app, "AUTH_ERROR_FORMAT: '%s' is not one of "
		    "envelope, detail, detail-envelope, flat",
		    c->error_format_name != NULL ? c->error_format_name : "");
	else
		c->error_format = k;
	c->subject_integer = c->subject_type != NULL &&
	    strcmp(c->subject_type, "integer") == 0;
	if (c->subject_type == NULL || (!c->subject_integer &&
	    strcmp(c->subject_type, "string") != 0))
		ac_app_problemf(app, "JWT_SUBJECT_TYPE: '%s' is neither string "
		    "nor integer", c->subject_type != NULL ? c->subject_type :
		    "");
	if (c->jwks_url != NULL) {
		char	 why[256];
		int	 rc;

		/* Parsed by libcurl, which fetches it (jwksclient.c). */
		if ((rc = ac_config_url_check(c->jwks_url, c->jwks_allow_http,
		    why, sizeof(why))) == -1)
			ac_app_problemf(app, "JWKS_URL: %s (e.g. https://auth."
			    "example.com/api/auth/jwks)", why);
		else if (rc == 1)
			ac_app_warnf(app, "JWKS_URL: %s", why);
	}
	if (c->ba_session_table != NULL &&
	    (strlen(c->ba_session_table) > 63 ||
	    strspn(c->ba_session_table, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	    "KLMNOPQRSTUVWXYZ0123456789_") != strlen(c->ba_session_table) ||
	    (*c->ba_session_table >= '0' && *c->ba_session_table <= '9')))
		ac_app_problemf(app, "BETTER_AUTH_SESSION_TABLE: a table name "
		    "of letters, digits and '_' (Better Auth's is session)");
	if (c->ba_session_table != NULL && c->secret == NULL)
		ac_app_problemf(app, "BETTER_AUTH_SESSION_TABLE needs "
		    "BETTER_AUTH_SECRET (Better Auth signs its session cookie "
		    "with it)");
	if (c->pwhash_kib < 19456)
		ac_app_warnf(app, "AUTH_PASSWORD_HASH_MEMORY_KIB=%ld is below "
		    "19456 (19 MiB), the least OWASP advises for argon2id: "
		    "for tests only", c->pwhash_kib);
	if (c->docs_assets_url != NULL &&
	    ((strncmp(c->docs_assets_url, "https://", 8) != 0 &&
	    strncmp(c->docs_assets_url, "http://", 7) != 0) ||
	    strlen(c->docs_assets_url) > 256 ||
	    strspn(c->docs_assets_url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	    "KLMNOPQRSTUVWXYZ0123456789-._~:/@%+") !=
	    strlen(c->docs_assets_url)))
		ac_app_problemf(app, "AUTH_DOCS_ASSETS_URL: an http(s) URL of "
		    "at most 256 bytes, without query, quotes, spaces, ';' or "
		    "',' (where swagger-ui.css and swagger-ui-bundle.js are)");
	if (c->key_id != NULL && strlen(c->key_id) >= 96)
		ac_app_problemf(app, "JWT_KEY_ID: longer than 95 bytes");
	if ((c->introspect_id == NULL) != (c->introspect_secret == NULL) ||
	    (c->introspect_secret != NULL && strlen(c->introspect_secret) < 32))
		ac_app_problemf(app, "INTROSPECTION_CLIENT_ID and "
		    "INTROSPECTION_CLIENT_SECRET: set both, the secret of at least "
		    "32 bytes");
	if (c->claim_headers != NULL && (strlen(c->claim_headers) > 512 ||
	    strspn(c->claim_headers, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ0123456789_-, ") != strlen(c->claim_headers)))
		ac_app_problemf(app, "VERIFY_CLAIM_HEADERS: a comma list of claim "
		    "names of letters, digits, '_' and '-' (512 bytes at most)");
	ac_config_check_more(app);
	if (c->cookie_name != NULL && (*c->cookie_name == '\0' ||
	    strlen(c->cookie_name) > 64 || strspn(c->cookie_name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "_-.") != strlen(c->cookie_name)))
		ac_app_problemf(app, "AUTH_COOKIE_NAME: 1 to 64 letters, digits, "
		    "'_', '-' and '.'");
	else if (c->cookie_name != NULL && (strncmp(c->cookie_name,
	    "__Host-", 7) == 0 || strncmp(c->cookie_name, "__Secure-",
	    9) == 0) && !c->cookie_secure)
		ac_app_problemf(app, "AUTH_COOKIE_NAME: a __Host- or __Secure- "
		    "cookie needs AUTH_COOKIE_SECURE=true (browsers drop it "
		    "otherwise)");
	if (c->metrics_path == NULL || c->metrics_path[0] != '/' ||
	    strlen(c->metrics_path) > 256 ||
	    strpbrk(c->metrics_path, "? \t\r\n{}") != NULL ||
	    strcmp(c->metrics_path, "/healthz") == 0 ||
	    strcmp(c->metrics_path, "/readyz") == 0)
		ac_app_problemf(app, "METRICS_PATH: a path of its own starting "
		    "with '/' (default /metrics)");
	c->socket_mode = c->socket_mode_str != NULL ?
	    strtol(c->socket_mode_str, &end, 8) : -1;
	if (c->socket_mode_str == NULL || *c->socket_mode_str == '\0' ||
	    strlen(c->socket_mode_str) > 4 || *end != '\0' ||
	    strspn(c->socket_mode_str, "01234567") !=
	    strlen(c->socket_mode_str) || (c->socket_mode & 0600) != 0600)
		ac_app_problemf(app, "AUTH_SOCKET_MODE: an octal mode of the "
		    "socket, at most 0777, with read and write for its owner "
		    "(default 0660: the owner and the group, e.g. the web "
		    "server's)");
	base_path_check(app);
	if (c->log != NULL && strcmp(c->log, "stderr") != 0 && strcmp(c->log,
	    "syslog") != 0 && (c->log[0] != '/' || strlen(c->log) > 1024))
		ac_app_problemf(app, "AUTH_LOG: stderr, syslog or a file's "
		    "absolute path, not '%s'", c->log);
	if (c->metrics_allow != NULL && (strlen(c->metrics_allow) > 1024 ||
	    ac_parse_addr_listed(c->metrics_allow, NULL) == -1))
		ac_app_problemf(app, "METRICS_ALLOW: '%.80s' is not a comma "
		    "list of IP addresses and CIDR blocks ADDR/BITS (default "
		    "127.0.0.1,::1)", c->metrics_allow);
}

void
ac_config_free(struct ac_config *c)
{
	size_t	 i;

	if (c->secret != NULL) {
		OPENSSL_cleanse(c->secret, c->secretlen);
		free(c->secret);
	}
	for (i = 0; i < nitems(settings); i++) {
		char	**sp = (char **)(void *)((char *)c + settings[i].off);

		if (settings[i].kind == K_PRIVATE && *sp != NULL)
			OPENSSL_cleanse(*sp, strlen(*sp));
		if (settings[i].kind == K_STR || settings[i].kind == K_PRIVATE)
			free(*sp);
	}
	free(c->source);
	for (i = 0; i < c->nprovider_kv; i++)
		free(c->provider_kv[i]);
	free(c->provider_kv);
	memset(c, 0, sizeof(*c));
}
