/*
 * app.c: the application context, which owns the configuration, the key
 * set and the list of problems found while loading them (problem.c
 * fills and reads that list).
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
	app->keys.signer = -1;
	pthread_mutex_init(&app->flags.lock, NULL);
	return app;
}

enum ac_reason
ac_app_load_config(struct ac_app *app)
{

	ac_config_load(app);
	ac_pwhash_mem = (size_t)app->cfg.pwhash_kib * 1024;
	return app->nproblems == 0 ? AC_OK : AC_CONFIG_INVALID;
}

enum ac_reason
ac_app_load(struct ac_app *app)
{

	ac_config_load(app);
	/* The process-wide hash cost: from the app, never from a reload. */
	ac_pwhash_mem = (size_t)app->cfg.pwhash_kib * 1024;
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

	return &app->keys;
}

void
ac_app_free(struct ac_app *app)
{

	if (app == NULL)
		return;
	ac_keys_free(&app->keys);
	ac_providers_free(app);
	OPENSSL_cleanse(app->refresh_key, sizeof(app->refresh_key));
	ac_config_free(&app->cfg);
	ac_app_problems_free(app);
	free(app);
}
