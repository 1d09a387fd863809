/*
 * app.c: the application context, which owns the configuration, the key
 * set and the list of problems found while loading them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ac.h"
#include "extern.h"

struct ac_app *
ac_app_new(void)
{
	struct ac_app	*app;

	if ((app = calloc(1, sizeof(*app))) == NULL)
		return NULL;
	app->keys.signer = -1;
	return app;
}

void
ac_app_problemf(struct ac_app *app, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	if (app->nproblems == AC_MAXPROBLEMS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) == -1)
		p = NULL;
	va_end(ap);
	app->problems[app->nproblems++] = p;
}

void
ac_app_warnf(struct ac_app *app, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	if (app->nwarnings == AC_MAXPROBLEMS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) == -1)
		p = NULL;
	va_end(ap);
	app->warnings[app->nwarnings++] = p;
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

const char *
ac_app_error(const struct ac_app *app)
{

	if (app->nproblems == 0)
		return "";
	return app->problems[0] != NULL ? app->problems[0] : "out of memory";
}

size_t
ac_app_nproblems(const struct ac_app *app)
{

	return app->nproblems;
}

const char *
ac_app_problem(const struct ac_app *app, size_t i)
{

	if (i >= app->nproblems)
		return NULL;
	return app->problems[i] != NULL ? app->problems[i] : "out of memory";
}

size_t
ac_app_nwarnings(const struct ac_app *app)
{

	return app->nwarnings;
}

const char *
ac_app_warning(const struct ac_app *app, size_t i)
{

	if (i >= app->nwarnings)
		return NULL;
	return app->warnings[i] != NULL ? app->warnings[i] : "out of memory";
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
	size_t	 i;

	if (app == NULL)
		return;
	ac_keys_free(&app->keys);
	OPENSSL_cleanse(app->refresh_key, sizeof(app->refresh_key));
	ac_config_free(&app->cfg);
	for (i = 0; i < app->nproblems; i++)
		free(app->problems[i]);
	for (i = 0; i < app->nwarnings; i++)
		free(app->warnings[i]);
	free(app);
}
