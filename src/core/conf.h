/*
 * conf.h: the configuration layers (config.c, settings.c, mail.c,
 * rollout.c): loading and checking the settings, sending mail, and the
 * JWT rollout's live flags.  Files of src/core from config.c up may
 * include it; so may tests.
 */
#ifndef AC_CONF_H
#define AC_CONF_H

#include "ac.h"

/* config.c */
void		 ac_config_load(struct ac_app *);
void		 ac_config_free(struct ac_config *);
/*
 * The i-th setting's name, and its alias (NULL when none) in *alias; NULL
 * past the last.  Borrowed, static.
 */
const char	*ac_config_name(size_t i, const char **alias);

/* settings.c: for config.c, and provider.c's names. */
/* Non-zero for a JWT_PROVIDER_<NAME>_<FIELD> name of len bytes. */
int		 ac_config_provider_name(const char *, size_t len);
/* Keeps the file's line NAME=value (a provider setting) on app->cfg. */
void		 ac_config_provider_kv(struct ac_app *, const char *name,
		    const char *value, const char *path, size_t lineno);
/* AUTH_REQUIRE*, AUTH_TOKEN_HEADER, AUTH_TOKEN_COOKIE: problems on app. */
void		 ac_config_check_more(struct ac_app *);
/* JWKS_URL's judgement of url: 0 fine, 1 fine with a warning, -1 not. */
int		 ac_config_url_check(const char *url, int allow_http,
		    char *why, size_t whylen);

/*
 * The gradual rollout of JWT (rollout.c).  ac_rollout_bucket: the user's
 * bucket, 0-99, the first four bytes of SHA-256(uid) as a big-endian
 * number modulo 100.  ac_rollout_on_jwt: non-zero when JWT_AUTH_ENABLED
 * and bucket(uid) < JWT_ROLLOUT_PERCENTAGE, as the flags stand now (they
 * are re-read without a restart: ac_rollout_reload).
 */
int		 ac_rollout_bucket(const char *uid, size_t len);
int		 ac_rollout_on_jwt(const struct ac_app *, const char *uid);
int		 ac_rollout_jwt_enabled(const struct ac_app *);
int		 ac_rollout_percentage(const struct ac_app *);
/*
 * Re-reads the configuration file when it changed (force 0: at most one
 * look a second; 1: now, as on SIGHUP) and takes its JWT_AUTH_ENABLED and
 * JWT_ROLLOUT_PERCENTAGE.  A file with problems is refused and logged.
 * Returns 1 when a flag changed, 0 when not, -1 when refused.
 */
int		 ac_rollout_reload(const struct ac_app *, int force);

#endif /* !AC_CONF_H */
