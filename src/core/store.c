/*
 * store.c: the back-end-neutral side of the database.  DATABASE_URL picks
 * the back end (postgresql:// or postgres://: PostgreSQL, anything else:
 * SQLite); every public ac_store_ and ac_db_ call dispatches through its
 * operations table.  Migrations are applied here, once for all back ends,
 * each in its own transaction, from the back end's own flavour of them.
 * Also the column readers of the domain files (ac_db_text, ac_db_int)
 * and their table-driven one-row lookup (ac_db_row).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "store.h"

int
ac_store_remote(const struct ac_config *c)
{

	return c->database_url != NULL &&
	    (strncmp(c->database_url, "postgresql://", 13) == 0 ||
	    strncmp(c->database_url, "postgres://", 11) == 0);
}

int
ac_store_present(const struct ac_config *c)
{

	return ac_store_remote(c) || (c->database_url != NULL &&
	    access(ac_store_sqlite_path(c->database_url), F_OK) == 0);
}

static long	 patience;	/* ac_store_patience */

void
ac_store_patience(long ms)
{

	patience = ms;
}

enum ac_reason
ac_store_open(const struct ac_app *app, int check, struct ac_store **out,
    char *err, size_t errlen)
{
	const char	*url = app->cfg.database_url;
	const struct ac_store_ops *ops = &ac_store_sqlite;
	enum ac_reason	 rc;
	int		 v;

	*out = NULL;
	if (url == NULL) {
		snprintf(err, errlen, "DATABASE_URL is not set");
		return AC_CONFIG_INVALID;
	}
	if (ac_store_remote(&app->cfg)) {
#ifdef HAVE_POSTGRESQL
		ops = &ac_store_pg;
#else
		snprintf(err, errlen, "DATABASE_URL: PostgreSQL is not "
		    "built into this version (configure --with-postgresql, "
		    "which needs libpq-dev); use a SQLite path");
		return AC_CONFIG_INVALID;
#endif
	}
	if ((*out = calloc(1, ops->size)) == NULL)
		return AC_NOMEM;
	(*out)->ops = ops;
	(*out)->timeout_ms = app->cfg.db_timeout_ms > 0 ?
	    app->cfg.db_timeout_ms : 2000;
	if ((*out)->timeout_ms < patience)
		(*out)->timeout_ms = patience;
	if (((*out)->url = strdup(url)) == NULL)
		rc = AC_NOMEM;
	else
		rc = ops->connect(*out, check == 0, err, errlen);
	if (rc != AC_OK) {
		ac_store_close(*out);
		*out = NULL;
		return rc;
	}
	if (check != 1)
		return AC_OK;
	if ((v = ac_store_version(*out)) < ac_store_latest()) {
		if (v < 0)
			snprintf(err, errlen, "cannot read the schema version: "
			    "%s", ac_store_error(*out));
		else
			snprintf(err, errlen, "database schema is version %d, "
			    "this build needs %d: run `authctl db migrate`",
			    v, ac_store_latest());
		ac_store_close(*out);
		*out = NULL;
		return AC_UNAVAILABLE;
	}
	return AC_OK;
}

void
ac_store_close(struct ac_store *s)
{

	if (s == NULL)
		return;
	free(s->url);
	s->ops->close(s);
}

const char *
ac_store_error(const struct ac_store *s)
{

	return s->err;
}

int
ac_store_latest(void)
{

	return ac_nmigrations == 0 ? 0 :
	    ac_migrations[ac_nmigrations - 1].version;
}

static int
version_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n == 1 && v[0].type == AC_DB_INT)
		*(int *)arg = (int)v[0].i;
	return 0;
}

int
ac_store_version(struct ac_store *s)
{
	int	 v = 0;

	if (s->ops->exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied BIGINT NOT NULL)", NULL, 0, NULL, NULL, NULL) != AC_OK)
		return -1;
	if (s->ops->exec(s, "SELECT max(version) FROM schema_migrations",
	    NULL, 0, version_row, &v, NULL) != AC_OK)
		return -1;
	return v;
}

enum ac_reason
ac_store_migrate(struct ac_store *s, int *from, int *to)
{
	const struct ac_migration *m = s->ops->migrations;
	size_t		 i, n = *s->ops->nmigrations;
	enum ac_reason	 rc;
	struct ac_dbval	 p[3];

	if ((*from = *to = ac_store_version(s)) < 0)
		return AC_UNAVAILABLE;
	for (i = 0; i < n; i++) {
		if (m[i].version <= *to)
			continue;
		if ((rc = ac_db_begin(s)) != AC_OK)
			return rc;
		/* Another process may have migrated meanwhile. */
		if (ac_store_version(s) >= m[i].version) {
			ac_db_rollback(s);
			*to = m[i].version;
			continue;
		}
		p[0] = AC_DBI(m[i].version);
		p[1] = AC_DBS(m[i].name);
		p[2] = AC_DBI((int64_t)time(NULL));
		if ((rc = s->ops->script(s, m[i].sql)) != AC_OK ||
		    (rc = ac_db_exec(s, "INSERT INTO schema_migrations "
		    "(version, name, applied) VALUES ($1, $2, $3)", p, 3,
		    NULL, NULL, NULL)) != AC_OK) {
			ac_db_rollback(s);
			return rc;
		}
		if ((rc = ac_db_commit(s)) != AC_OK)
			return rc;
		*to = m[i].version;
	}
	return AC_OK;
}

/*
 * Anything that answers 503 logs the back end's own message (SQLite's
 * errmsg, PostgreSQL's primary message: neither quotes a bound value),
 * so that a full disk, a read-only file and a busy database can be told
 * apart in the log.
 */
static enum ac_reason
logged(struct ac_store *s, enum ac_reason rc)
{
	char	 msg[sizeof(s->err)];
	size_t	 i;

	if (rc == AC_UNAVAILABLE && ac_log_enabled(AC_LOG_WARN)) {
		/* Printable, spaces kept, nothing that could end the quotes. */
		for (i = 0; i + 1 < sizeof(msg) && s->err[i] != '\0'; i++)
			msg[i] = s->err[i] >= 0x20 && s->err[i] < 0x7f &&
			    s->err[i] != '"' && s->err[i] != '\\' ?
			    s->err[i] : '?';
		msg[i] = '\0';
		ac_log(AC_LOG_WARN, "event=db_unavailable error=\"%s\"", msg);
	}
	return rc;
}

enum ac_reason
ac_db_exec(struct ac_store *s, const char *sql, const struct ac_dbval *p,
    size_t np, ac_dbrow cb, void *arg, int64_t *changes)
{
	enum ac_reason	 rc;

	rc = logged(s, s->ops->exec(s, sql, p, np, cb, arg, changes));
	ac_metrics_db(rc);
	return rc;
}

enum ac_reason
ac_db_begin(struct ac_store *s)
{

	return logged(s, s->ops->begin(s));
}

enum ac_reason
ac_db_commit(struct ac_store *s)
{

	return logged(s, s->ops->commit(s));
}

void
ac_db_rollback(struct ac_store *s)
{

	s->ops->rollback(s);
}

enum ac_reason
ac_db_end(struct ac_store *s, enum ac_reason rc)
{

	if (rc == AC_OK)
		rc = ac_db_commit(s);
	if (rc != AC_OK)
		ac_db_rollback(s);
	return rc;
}

enum ac_reason
ac_db_lock(struct ac_store *s, const char *table, const char *id)
{

	if (s->ops->lock == NULL)
		return AC_OK;
	return logged(s, s->ops->lock(s, table, id));
}

void
ac_db_text(char *dst, size_t n, const struct ac_dbval *v)
{
	size_t	 len = 0;

	if (v->type == AC_DB_TEXT) {
		len = v->len < n - 1 ? v->len : n - 1;
		memcpy(dst, v->s, len);
	}
	dst[len] = '\0';
}

int64_t
ac_db_int(const struct ac_dbval *v, int64_t null)
{

	return v->type == AC_DB_INT ? v->i : null;
}

struct rowfill {
	const struct ac_dbcol	*cols;
	size_t			 ncols;
	char			*dst;
	int			*found;
};

static int
fill_row(void *arg, size_t n, const struct ac_dbval *v)
{
	struct rowfill		*f = arg;
	const struct ac_dbcol	*c;
	char			*d;
	size_t			 i;

	if (n < f->ncols)
		return 1;
	*f->found = 1;
	for (i = 0; i < f->ncols; i++) {
		c = &f->cols[i];
		d = f->dst + c->off;
		switch (c->kind) {
		case AC_DBCOL_TEXT:
			ac_db_text(d, c->size, &v[i]);
			break;
		case AC_DBCOL_INT:
			*(int64_t *)(void *)d = ac_db_int(&v[i], c->null);
			break;
		case AC_DBCOL_FLAG:
			*(int *)(void *)d = ac_db_int(&v[i], 0) != 0;
			break;
		case AC_DBCOL_SET:
			*(int *)(void *)d = v[i].type != AC_DB_NULL;
			break;
		case AC_DBCOL_CONV:
			*(int64_t *)(void *)d = c->conv(&v[i]);
			break;
		}
	}
	return 1;
}

enum ac_reason
ac_db_row(struct ac_store *s, const char *sql, const struct ac_dbval *p,
    size_t np, const struct ac_dbcol *cols, size_t ncols, void *dst,
    int *found)
{
	struct rowfill	 f = { cols, ncols, dst, found };

	*found = 0;
	return ac_db_exec(s, sql, p, np, fill_row, &f, NULL);
}
