/*
 * config.c: the suite's settings.  One table names every setting, its
 * alias, its kind, its default and its bounds; the file (AUTH_CONFIG, or
 * the default under sysconfdir) is read first and the environment wins.
 * Every problem is collected on the app, so that `authctl check-config`
 * reports them all at once.  Keys are loaded by keys.c afterwards.
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
#include "extern.h"

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

static const struct setting {
	const char	*name;
	const char	*alias;
	enum kind	 kind;
	size_t		 off;
	const char	*def;
	long		 min, max, scale;
} settings[] = {
#define O(f) offsetof(struct ac_config, f)
	{ "JWT_SECRET", "BETTER_AUTH_SECRET", K_SECRET, O(secret), NULL, 0, 0, 1 },
	{ "JWT_SECRET_FILE", NULL, K_STR, O(secret_file), NULL, 0, 0, 1 },
	{ "JWT_ALGORITHM", NULL, K_ALGS, O(algs), "HS256", 0, 0, 1 },
	{ "JWT_PRIVATE_KEY_FILE", NULL, K_STR, O(private_key_file), NULL, 0, 0, 1 },
	{ "JWT_PUBLIC_KEY_FILE", NULL, K_STR, O(public_key_file), NULL, 0, 0, 1 },
	{ "JWT_KEY_ID", NULL, K_STR, O(key_id), NULL, 0, 0, 1 },
	{ "JWT_KEYS_DIR", NULL, K_STR, O(keys_dir), NULL, 0, 0, 1 },
	{ "JWKS_URL", "BETTER_AUTH_JWKS_URL", K_STR, O(jwks_url), NULL, 0, 0, 1 },
	{ "JWKS_CACHE_TTL", NULL, K_LONG, O(jwks_ttl), "3600", 10, 604800, 1 },
	{ "JWKS_CACHE_FILE", NULL, K_STR, O(jwks_cache_file), NULL, 0, 0, 1 },
	{ "JWKS_REFRESH_MIN_SECONDS", NULL, K_LONG, O(jwks_min_refresh), "30", 1, 3600, 1 },
	{ "JWKS_FETCH_TIMEOUT", NULL, K_LONG, O(jwks_timeout), "5", 1, 60, 1 },
	{ "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", NULL, K_LONG, O(access_ttl), "30", 1, 60 * 24 * 30, 60 },
	{ "JWT_REFRESH_TOKEN_EXPIRE_DAYS", NULL, K_LONG, O(refresh_days), "7", 1, 365, 1 },
	{ "JWT_ISSUER", NULL, K_STR, O(issuer), NULL, 0, 0, 1 },
	{ "JWT_AUDIENCE", NULL, K_STR, O(audience), NULL, 0, 0, 1 },
	{ "JWT_LEEWAY_SECONDS", NULL, K_LONG, O(leeway), "30", 0, 300, 1 },
	{ "JWT_SUBJECT_CLAIM", NULL, K_STR, O(subject_claim), "sub", 0, 0, 1 },
	{ "JWT_MAX_TOKEN_BYTES", NULL, K_LONG, O(max_token), "8192", 256, 65536, 1 },
	{ "JWT_REQUIRE_TYPE", NULL, K_BOOL, O(require_type), "true", 0, 0, 1 },
	{ "JWT_VERIFY_CACHE_SIZE", NULL, K_LONG, O(verify_cache), "256", 0, 65536, 1 },
	{ "DATABASE_URL", NULL, K_STR, O(database_url), "auth.db", 0, 0, 1 },
	{ "ALLOWED_ORIGINS", NULL, K_STR, O(allowed_origins), NULL, 0, 0, 1 },
	{ "AUTH_THREADS", NULL, K_LONG, O(threads), "32", 1, 256, 1 },
	{ "AUTH_MAX_BODY_BYTES", NULL, K_LONG, O(max_body), "16384", 256, 1048576, 1 },
	{ "LOG_LEVEL", NULL, K_LEVEL, O(loglevel), "info", 0, 0, 1 },
	{ "REFRESH_TOKEN_SECRET_FILE", NULL, K_STR, O(refresh_secret_file), NULL, 0, 0, 1 },
	{ "REFRESH_GRACE_SECONDS", NULL, K_LONG, O(refresh_grace), "5", 0, 120, 1 },
	{ "AUTH_COOKIE_SECURE", NULL, K_BOOL, O(cookie_secure), "true", 0, 0, 1 },
	{ "AUTH_SIGNUP", NULL, K_BOOL, O(signup), "false", 0, 0, 1 },
	{ "AUTH_LOGIN_FREE_FAILURES", NULL, K_LONG, O(login_free), "5", 1, 1000, 1 },
	{ "VERIFY_CLAIM_HEADERS", NULL, K_STR, O(claim_headers), NULL, 0, 0, 1 },
	{ "INTROSPECTION_CLIENT_ID", NULL, K_STR, O(introspect_id), NULL, 0, 0, 1 },
	{ "INTROSPECTION_CLIENT_SECRET", NULL, K_PRIVATE, O(introspect_secret), NULL, 0, 0, 1 },
#undef O
};

const char *
ac_config_name(size_t i, const char **alias)
{

	if (i >= nitems(settings))
		return NULL;
	if (alias != NULL)
		*alias = settings[i].alias;
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
		if (settings[i].alias != NULL &&
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
	char		*p = (char *)c + s->off, *end, *list, *tok, *save;
	char		**sp = (char **)(void *)p;
	long		 v;
	size_t		 i;

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
		if ((list = strdup(value)) == NULL) {
			ac_app_problemf(app, "out of memory");
			break;
		}
		c->nalgs = 0;
		for (tok = strtok_r(list, ", ", &save); tok != NULL;
		    tok = strtok_r(NULL, ", ", &save)) {
			enum ac_alg a;

			if (ac_alg_parse(tok, &a) == -1) {
				ac_app_problemf(app, "%s (%s): unknown "
				    "algorithm '%s' (use " AC_ALG_NAMES ")",
				    s->name, origin, tok);
				continue;
			}
			for (i = 0; i < c->nalgs; i++)
				if (c->algs[i] == a)
					break;
			if (i == c->nalgs && c->nalgs < AC_ALG__MAX)
				c->algs[c->nalgs++] = a;
		}
		free(list);
		if (c->nalgs == 0)
			ac_app_problemf(app, "%s (%s): no algorithm given",
			    s->name, origin);
		break;
	}
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void
read_file(struct ac_app *app, const char *path, int must)
{
	char		*buf, *line, *next, *eq, *name, *value, err[256];
	char		 origin[64];
	size_t		 len, lineno = 0;
	const struct setting *s;
	struct stat	 st;

	if ((buf = ac_file_read(path, AC_MAXCONFIG, &len, err,
	    sizeof(err))) == NULL) {
		if (must)
			ac_app_problemf(app, "AUTH_CONFIG: %s", err);
		return;
	}
	app->cfg.source = strdup(path);
	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		snprintf(origin, sizeof(origin), "config line %zu", lineno);
		if ((eq = strchr(line, '=')) == NULL) {
			ac_app_problemf(app, "%s line %zu: expected NAME=value",
			    path, lineno);
			continue;
		}
		*eq = '\0';
		name = trim(line);
		value = trim(eq + 1);
		len = strlen(value);
		if (len >= 2 && (value[0] == '"' || value[0] == '\'') &&
		    value[len - 1] == value[0]) {
			value[len - 1] = '\0';
			value++;
		}
		if ((s = find(name, strlen(name))) == NULL) {
			ac_app_problemf(app, "%s line %zu: unknown setting "
			    "'%s'", path, lineno, name);
			continue;
		}
		if ((s->kind == K_SECRET || s->kind == K_PRIVATE) &&
		    stat(path, &st) == 0 && (st.st_mode & S_IROTH))
			ac_app_problemf(app, "%s holds %s but is "
			    "world-readable: chmod o-r %s", path, s->name, path);
		assign(app, s, value, origin);
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
}

void
ac_config_load(struct ac_app *app)
{
	struct ac_config *c = &app->cfg;
	const char	*path, *v;
	size_t		 i;

	for (i = 0; i < nitems(settings); i++)
		if (settings[i].def != NULL)
			assign(app, &settings[i], settings[i].def, "default");

	if ((path = getenv("AUTH_CONFIG")) != NULL && *path != '\0')
		read_file(app, path, 1);
	else
		read_file(app, AC_DEFAULT_CONFIG, 0);

	/* The environment wins; a name beats its alias. */
	for (i = 0; i < nitems(settings); i++) {
		v = getenv(settings[i].name);
		if (v == NULL && settings[i].alias != NULL)
			v = getenv(settings[i].alias);
		if (v != NULL)
			assign(app, &settings[i], v, "environment");
	}

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
	if (c->jwks_url != NULL && ((strncmp(c->jwks_url, "https://", 8) != 0 &&
	    strncmp(c->jwks_url, "http://", 7) != 0) ||
	    strlen(c->jwks_url) > 2000 ||
	    strpbrk(c->jwks_url, " \t\r\n\"<>") != NULL ||
	    strchr(c->jwks_url + 8, '/') == NULL))
		ac_app_problemf(app, "JWKS_URL: '%s' is not an http(s) URL "
		    "with a path (e.g. https://auth.example.com/api/auth/jwks)",
		    c->jwks_url);
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
	memset(c, 0, sizeof(*c));
}
