/*
 * app.c: the application context, which owns the configuration, the
 * mutable shared state (struct ac_live: the key set, the reload stamps,
 * the rollout flags, with their locks) and the list of problems found
 * while loading them (problem.c fills and reads that list).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ac.h"
#include "base.h"
#include "conf.h"
#include "keys.h"
#include "accounts.h"

struct ac_app *
ac_app_new(void)
{
	struct ac_app	*app;

	if ((app = calloc(1, sizeof(*app))) == NULL)
		return NULL;
	if ((app->live = calloc(1, sizeof(*app->live))) == NULL) {
		free(app);
		return NULL;
	}
	app->live->keys.signer = -1;
	pthread_rwlock_init(&app->live->keylock, NULL);
	pthread_mutex_init(&app->live->reloadlock, NULL);
	pthread_mutex_init(&app->live->flags.lock, NULL);
	return app;
}

enum ac_reason
ac_app_load_config(struct ac_app *app)
{

	ac_config_load(app);
	return app->nproblems == 0 ? AC_OK : AC_CONFIG_INVALID;
}

enum ac_reason
ac_app_load(struct ac_app *app)
{

	ac_config_load(app);
	ac_keys_load(app);
	ac_session_keyinit(app);
	return app->nproblems == 0 ? AC_OK : AC_CONFIG_INVALID;
}

const struct ac_config *
ac_app_config(const struct ac_app *app)
{

	return &app->cfg;
}

const struct ac_keyset *
ac_app_keys(const struct ac_app *app)
{

	return &app->live->keys;
}

void
ac_app_free(struct ac_app *app)
{

	if (app == NULL)
		return;
	ac_keys_free(&app->live->keys);
	pthread_rwlock_destroy(&app->live->keylock);
	pthread_mutex_destroy(&app->live->reloadlock);
	pthread_mutex_destroy(&app->live->flags.lock);
	free(app->live);
	ac_providers_free(app);
	OPENSSL_cleanse(app->refresh_key, sizeof(app->refresh_key));
	ac_config_free(&app->cfg);
	ac_app_problems_free(app);
	free(app);
}
