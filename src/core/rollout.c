/*
 * rollout.c: the gradual rollout of JWT (JWT_AUTH_ENABLED,
 * JWT_ROLLOUT_PERCENTAGE), and the re-reading of those flags without a
 * restart.
 *
 * A user is on JWT when JWT_AUTH_ENABLED is true and the user's bucket is
 * below JWT_ROLLOUT_PERCENTAGE.  The bucket is the first four bytes of
 * SHA-256(user id), read as a big-endian unsigned 32-bit number, modulo
 * 100: it depends on the id's bytes only, so a user has the same bucket on
 * every host, in every process and after every restart, and raising the
 * percentage only ever adds users (bucket < p stays true for every p'
 * > p).  Users on JWT get an access token and a refresh cookie at login;
 * the others get a server-side session (websession.c).
 *
 * The flags live in the app's mutable state (struct ac_live, under its
 * flags.lock), beside the configuration that is read-only once serving:
 * each process looks at the configuration file at most once
 * a second (from its event loop, as keys.c looks at JWT_KEYS_DIR) and
 * re-reads it when its modification time or size changed, and at once on
 * SIGHUP.  The whole file and the environment are read and judged as at
 * start-up; a file with problems is refused (logged) and the flags keep
 * their values.  Only JWT_AUTH_ENABLED and JWT_ROLLOUT_PERCENTAGE take
 * effect without a restart.  The environment wins over the file as ever,
 * so flags meant to change at run time belong in the file.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "conf.h"

int
ac_rollout_bucket(const char *uid, size_t len)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	uint32_t	 v;

	SHA256((const unsigned char *)uid, len, md);
	v = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | (uint32_t)md[3];
	return (int)(v % 100);
}

int
ac_rollout_jwt_enabled(const struct ac_app *app)
{

	if (__atomic_load_n(&app->live->flags.set, __ATOMIC_ACQUIRE))
		return __atomic_load_n(&app->live->flags.jwt_enabled,
		    __ATOMIC_RELAXED);
	return app->cfg.jwt_enabled;
}

int
ac_rollout_percentage(const struct ac_app *app)
{

	if (__atomic_load_n(&app->live->flags.set, __ATOMIC_ACQUIRE))
		return __atomic_load_n(&app->live->flags.percentage,
		    __ATOMIC_RELAXED);
	return (int)app->cfg.rollout_percentage;
}

int
ac_rollout_on_jwt(const struct ac_app *app, const char *uid)
{

	return ac_rollout_jwt_enabled(app) &&
	    ac_rollout_bucket(uid, strlen(uid)) < ac_rollout_percentage(app);
}

static void
stamp(const char *path, struct timespec *ts, off_t *size)
{
	struct stat	 st;

	memset(ts, 0, sizeof(*ts));
	*size = -1;
	if (path != NULL && stat(path, &st) == 0) {
		*ts = st.st_mtim;
		*size = st.st_size;
	}
}

int
ac_rollout_reload(const struct ac_app *app, int force)
{
	struct ac_app	*scratch;
	struct timespec	 ts;
	off_t		 size;
	time_t		 now = time(NULL);
	int		 en, pct, rc = 0;

	if (!force && (app->cfg.source == NULL ||
	    __atomic_exchange_n(&app->live->flags.checked, now,
	    __ATOMIC_RELAXED) == now))
		return 0;
	if (pthread_mutex_trylock(&app->live->flags.lock) != 0)
		return 0;
	stamp(app->cfg.source, &ts, &size);
	if (!force && ts.tv_sec == app->live->flags.stamp.tv_sec &&
	    ts.tv_nsec == app->live->flags.stamp.tv_nsec &&
	    size == app->live->flags.size)
		goto out;
	/* Judged on a scratch app, as at start-up (config.c only). */
	if ((scratch = calloc(1, sizeof(*scratch))) == NULL)
		goto out;
	ac_config_load(scratch);
	if (scratch->nproblems > 0) {
		ac_app_problems_log(scratch, "config_reload_refused");
		rc = -1;
	} else {
		en = scratch->cfg.jwt_enabled;
		pct = (int)scratch->cfg.rollout_percentage;
		if (en != ac_rollout_jwt_enabled(app) ||
		    pct != ac_rollout_percentage(app)) {
			__atomic_store_n(&app->live->flags.jwt_enabled, en,
			    __ATOMIC_RELAXED);
			__atomic_store_n(&app->live->flags.percentage, pct,
			    __ATOMIC_RELAXED);
			__atomic_store_n(&app->live->flags.set, 1,
			    __ATOMIC_RELEASE);
			ac_log(AC_LOG_INFO, "event=flags_reloaded "
			    "jwt_enabled=%s rollout_percentage=%d",
			    en ? "true" : "false", pct);
			rc = 1;
		}
	}
	/* Refused too: the next change of the file is looked at again. */
	app->live->flags.stamp = ts;
	app->live->flags.size = size;
	ac_config_free(&scratch->cfg);
	ac_app_problems_free(scratch);
	free(scratch);
out:
	pthread_mutex_unlock(&app->live->flags.lock);
	return rc;
}
