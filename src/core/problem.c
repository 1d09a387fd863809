/*
 * problem.c: the start-up problem list.  config.c, keys.c and session.c
 * add a problem (a setting that stops the program) or a warning (one
 * that does not) while loading; the programs and `authctl check-config`
 * print them all at once; a reload (keys.c, rollout.c) judges a scratch
 * app and logs what it found.  The list lives in struct ac_app.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ac.h"
#include "base.h"

/* Appends a formatted line to a list (a NULL entry when out of memory). */
void
ac_app_notef(struct ac_app *app, int warn, const char *fmt, ...)
{
	char	**list = warn ? app->warnings : app->problems;
	size_t	 *n = warn ? &app->nwarnings : &app->nproblems;
	char	 *p;
	va_list	  ap;

	if (*n == AC_MAXPROBLEMS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) == -1)
		p = NULL;
	va_end(ap);
	list[(*n)++] = p;
}

/* Entry i of list, "out of memory" for a line that could not be made. */
static const char *
entry(char *const *list, size_t n, size_t i)
{

	if (i >= n)
		return NULL;
	return list[i] != NULL ? list[i] : "out of memory";
}

const char *
ac_app_error(const struct ac_app *app)
{

	if (app->nproblems == 0)
		return "";
	return entry(app->problems, app->nproblems, 0);
}

size_t
ac_app_nproblems(const struct ac_app *app)
{

	return app->nproblems;
}

const char *
ac_app_problem(const struct ac_app *app, size_t i)
{

	return entry(app->problems, app->nproblems, i);
}

const char *
ac_app_warning(const struct ac_app *app, size_t i)
{

	return entry(app->warnings, app->nwarnings, i);
}

void
ac_app_problems_log(const struct ac_app *app, const char *event)
{
	char	 qp[512];
	size_t	 i;

	for (i = 0; i < app->nproblems; i++) {
		ac_log_quote(qp, sizeof(qp), entry(app->problems,
		    app->nproblems, i));
		ac_log(AC_LOG_ERROR, "event=%s problem=\"%s\"", event, qp);
	}
}

void
ac_app_problems_free(struct ac_app *app)
{
	size_t	 i;

	for (i = 0; i < app->nproblems; i++)
		free(app->problems[i]);
	for (i = 0; i < app->nwarnings; i++)
		free(app->warnings[i]);
	app->nproblems = app->nwarnings = 0;
}
