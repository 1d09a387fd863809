/*
 * provider.c: more identity providers than one (JWT_PROVIDERS=a,b).  Each
 * NAME has JWT_PROVIDER_<NAME>_ISSUER, _JWKS_URL, _AUDIENCE and
 * _ALGORITHMS (from the environment, else the file: config.c keeps those
 * lines aside, since the names are the operator's).  The single-issuer
 * settings (JWT_ISSUER, JWT_AUDIENCE, JWKS_URL, JWT_ALGORITHM and the
 * suite's own keys) stay the default provider, index 0.
 *
 * A provider is a copy of the application's configuration with its own
 * issuer, audience, key set URL and algorithms, and no JWKS_CACHE_FILE,
 * so that jwksclient.c serves it unchanged: its own cache file (named
 * by its URL), its own refetch spacing and its own metrics label
 * (provider_name).  keys.c marks each key with the provider it came from
 * and token.c picks the provider by the token's iss before it looks at
 * any key, so keys never cross providers, even with the same kid.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ac.h"
#include "base.h"
#include "conf.h"
#include "keys.h"

struct ac_provider {
	char		 name[33];	/* as in JWT_PROVIDERS */
	char		 up[33];	/* upper case, as in the settings */
	struct ac_config cfg;		/* the app's, with the fields below */
	char		*issuer;
	char		*audience;
	char		*jwks_url;
};

/* JWT_PROVIDER_<NAME>_<field>: the environment's, else the file's. */
static const char *
setting(const struct ac_config *c, const char *name, const char *field)
{
	char		 key[128], up[40];
	const char	*v;
	size_t		 i, n;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[i] = '\0';
	n = (size_t)snprintf(key, sizeof(key), "JWT_PROVIDER_%s_%s", up,
	    field);
	if ((v = getenv(key)) != NULL)
		return *v != '\0' ? v : NULL;
	for (i = 0; i < c->nprovider_kv; i++)
		if (strncmp(c->provider_kv[i], key, n) == 0 &&
		    c->provider_kv[i][n] == '=')
			return c->provider_kv[i][n + 1] != '\0' ?
			    c->provider_kv[i] + n + 1 : NULL;
	return NULL;
}

/* One provider's settings into p; problems on app. */
static void
one(struct ac_app *app, struct ac_provider *p, int index)
{
	const struct ac_config *c = &app->cfg;
	const char	*v, *a, *rest;
	char		 why[256], alg[16];
	size_t		 n;
	enum ac_alg	 x;
	int		 k;

	p->cfg = *c;
	p->cfg.jwks_cache_file = NULL;
	p->cfg.provider_name = p->name;
	p->cfg.provider_index = index;
	p->cfg.nprovider_kv = 0;
	p->cfg.provider_kv = NULL;
	if ((v = setting(c, p->name, "ISSUER")) == NULL)
		ac_app_problemf(app, "JWT_PROVIDERS: %s has no "
		    "JWT_PROVIDER_%s_ISSUER (a token's iss picks its provider)",
		    p->name, p->up);
	else if (strlen(v) > 256)
		ac_app_problemf(app, "JWT_PROVIDER_%s_ISSUER: longer than 256 "
		    "bytes", p->up);
	else
		p->issuer = strdup(v);
	if ((v = setting(c, p->name, "JWKS_URL")) == NULL)
		ac_app_problemf(app, "JWT_PROVIDERS: %s has no "
		    "JWT_PROVIDER_%s_JWKS_URL", p->name, p->up);
	else if ((k = ac_config_url_check(v, c->jwks_allow_http, why,
	    sizeof(why))) == -1)
		ac_app_problemf(app, "JWT_PROVIDER_%s_JWKS_URL: %s", p->up,
		    why);
	else {
		if (k == 1)
			ac_app_warnf(app, "JWT_PROVIDER_%s_JWKS_URL: %s",
			    p->up, why);
		p->jwks_url = strdup(v);
	}
	if ((v = setting(c, p->name, "AUDIENCE")) != NULL &&
	    strlen(v) > 256)
		ac_app_problemf(app, "JWT_PROVIDER_%s_AUDIENCE: longer than "
		    "256 bytes", p->up);
	else if (v != NULL)
		p->audience = strdup(v);
	/* Algorithms: the provider's list, else RS256 and EdDSA's kin. */
	p->cfg.nalgs = 0;
	a = setting(c, p->name, "ALGORITHMS");
	rest = a != NULL ? a : "RS256,ES256,EdDSA";
	while ((a = ac_list_next(&rest, &n)) != NULL) {
		snprintf(alg, sizeof(alg), "%.*s", (int)n, a);
		if (n >= sizeof(alg) || ac_alg_parse(alg, &x) == -1 ||
		    ac_alg_is_hmac(x))
			ac_app_problemf(app, "JWT_PROVIDER_%s_ALGORITHMS: '%.*s' "
			    "is not a public-key algorithm (RS*, PS*, ES*, "
			    "EdDSA)", p->up, (int)(n > 16 ? 16 : n), a);
		else if (p->cfg.nalgs < AC_ALG__MAX)
			p->cfg.algs[p->cfg.nalgs++] = x;
	}
	if (p->cfg.nalgs == 0)
		ac_app_problemf(app, "JWT_PROVIDER_%s_ALGORITHMS: no algorithm",
		    p->up);
	p->cfg.issuer = p->issuer;
	p->cfg.audience = p->audience;
	p->cfg.jwks_url = p->jwks_url;
}

void
ac_providers_load(struct ac_app *app)
{
	const char	*rest = app->cfg.providers, *l;
	struct ac_provider *p;
	size_t		 n, i, j;

	if (rest == NULL)
		return;
	if ((app->prov = calloc(AC_MAXPROVIDERS, sizeof(*app->prov))) ==
	    NULL) {
		ac_app_problemf(app, "JWT_PROVIDERS: out of memory");
		return;
	}
	while ((l = ac_list_next(&rest, &n)) != NULL) {
		if (app->nprov == AC_MAXPROVIDERS) {
			ac_app_problemf(app, "JWT_PROVIDERS: more than %d",
			    AC_MAXPROVIDERS);
			break;
		}
		p = &app->prov[app->nprov];
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)l[i]) && l[i] != '_')
				break;
		if (i < n || n >= sizeof(p->name)) {
			ac_app_problemf(app, "JWT_PROVIDERS: '%.*s' is not a "
			    "name of 1 to 32 letters, digits and '_'",
			    (int)(n > 32 ? 32 : n), l);
			continue;
		}
		memcpy(p->name, l, n);
		p->name[n] = '\0';
		for (i = 0; i <= n; i++)
			p->up[i] = (char)toupper((unsigned char)p->name[i]);
		for (j = 0; j < app->nprov; j++)
			if (strcasecmp(app->prov[j].name, p->name) == 0)
				break;
		if (j < app->nprov) {
			ac_app_problemf(app, "JWT_PROVIDERS: %s is named twice",
			    p->name);
			continue;
		}
		app->nprov++;
		one(app, p, (int)app->nprov);
	}
	/* A token's iss must name one provider only. */
	for (i = 0; i < app->nprov; i++) {
		if (app->prov[i].issuer == NULL)
			continue;
		if (app->cfg.issuer != NULL &&
		    strcmp(app->prov[i].issuer, app->cfg.issuer) == 0)
			ac_app_problemf(app, "JWT_PROVIDER_%s_ISSUER is "
			    "JWT_ISSUER: the default provider's", app->prov[i].up);
		for (j = i + 1; j < app->nprov; j++)
			if (app->prov[j].issuer != NULL &&
			    strcmp(app->prov[i].issuer, app->prov[j].issuer) == 0)
				ac_app_problemf(app, "JWT_PROVIDER_%s_ISSUER and "
				    "JWT_PROVIDER_%s_ISSUER are the same",
				    app->prov[i].up, app->prov[j].up);
	}
}

void
ac_providers_free(struct ac_app *app)
{
	size_t	 i;

	for (i = 0; i < app->nprov; i++) {
		free(app->prov[i].issuer);
		free(app->prov[i].audience);
		free(app->prov[i].jwks_url);
	}
	free(app->prov);
	app->prov = NULL;
	app->nprov = 0;
}

int
ac_provider_match(const struct ac_app *app, json_object *claims)
{
	json_object	*iss;
	size_t		 i;

	if (app->nprov == 0 ||
	    !json_object_object_get_ex(claims, "iss", &iss) ||
	    !json_object_is_type(iss, json_type_string))
		return 0;
	for (i = 0; i < app->nprov; i++)
		if (app->prov[i].issuer != NULL &&
		    ac_json_streq(iss, app->prov[i].issuer,
		    strlen(app->prov[i].issuer)))
			return (int)i + 1;
	return 0;
}

const struct ac_config *
ac_provider_config(const struct ac_app *app, int index)
{

	if (index <= 0 || (size_t)index > app->nprov)
		return &app->cfg;
	return &app->prov[index - 1].cfg;
}

const struct ac_config *
ac_app_provider(const struct ac_app *app, size_t i)
{

	return i < app->nprov ? &app->prov[i].cfg : NULL;
}

void
ac_providers_start(struct ac_app *app)
{
	size_t	 i;

	for (i = 0; i < app->nprov; i++) {
		ac_jwks_refresh(&app->prov[i].cfg, 0);
		app->live->provider[i].jwksnext = time(NULL) + 60;
	}
	ac_providers_stamped(app);
}

int
ac_providers_due(const struct ac_app *app, time_t now)
{
	const struct ac_config *c;
	struct timespec	 ts;
	size_t		 i;
	int		 changed = 0;

	for (i = 0; i < app->nprov; i++) {
		c = &app->prov[i].cfg;
		if (now >= app->live->provider[i].jwksnext) {
			app->live->provider[i].jwksnext = now +
			    (c->jwks_ttl < 60 ? c->jwks_ttl : 60);
			ac_jwks_refresh(c, 0);
		}
		ac_jwks_stamp(c, &ts);
		if (ts.tv_sec != app->live->provider[i].stamp.tv_sec ||
		    ts.tv_nsec != app->live->provider[i].stamp.tv_nsec)
			changed = 1;
	}
	return changed;
}

void
ac_providers_stamped(const struct ac_app *app)
{
	size_t	 i;

	for (i = 0; i < app->nprov; i++)
		ac_jwks_stamp(&app->prov[i].cfg, &app->live->provider[i].stamp);
}
