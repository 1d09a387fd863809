/*
 * problem.c: the start-up problem list.  config.c, keys.c and session.c
 * add a problem (a setting that stops the program) or a warning (one
 * that does not) while loading; the programs and `authctl check-config`
 * print them all at once.  The list lives in struct ac_app; app.c frees
 * it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ac.h"
#include "extern.h"

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
