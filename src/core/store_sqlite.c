/*
 * store_sqlite.c: the SQLite back end.  One connection per worker thread,
 * in WAL mode with a busy timeout so that several FastCGI processes share
 * one file; statements are prepared once per connection and cached by the
 * address of their SQL literal.  Busy or locked past the timeout maps to
 * AC_UNAVAILABLE (503), a constraint to AC_CONFLICT.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ac.h"
#include "extern.h"

#define MAXSTMT		64
#define BUSY_MS		5000

struct sqlite_store {
	struct ac_store	 base;		/* first: cast to and fro */
	sqlite3		*db;
	struct {
		const char	*sql;
		sqlite3_stmt	*st;
	}		 cache[MAXSTMT];
	size_t		 ncache;
};

static enum ac_reason
map(struct ac_store *s, sqlite3 *db, int rc)
{

	ac_store_seterr(s, "sqlite: %s", sqlite3_errmsg(db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
		return AC_UNAVAILABLE;
	case SQLITE_CONSTRAINT:
		return AC_CONFLICT;
	case SQLITE_NOMEM:
		return AC_NOMEM;
	default:
		return AC_INTERNAL;
	}
}

/* "sqlite:///abs", "sqlite://rel", "sqlite:rel", "file:..." or a path. */
static const char *
url_path(const char *url)
{

	if (strncmp(url, "sqlite:///", 10) == 0)
		return url + 9;
	if (strncmp(url, "sqlite://", 9) == 0)
		return url + 9;
	if (strncmp(url, "sqlite:", 7) == 0)
		return url + 7;
	return url;
}

/*
 * Waiting for another process's write lock.  SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ... 100 ms between tries, but a rotation holds the
 * lock for well under a millisecond, so short sleeps let waiting processes
 * in sooner: 100 us for the first 100 tries, then 1 ms, up to BUSY_MS in
 * all (then SQLITE_BUSY, which is a 503).
 */
static int
busy(void *arg, int n)
{
	long	 waited_us;

	(void)arg;
	waited_us = n < 100 ? n * 100L : 10000L + (n - 100) * 1000L;
	if (waited_us >= BUSY_MS * 1000L)
		return 0;
	usleep(n < 100 ? 100 : 1000);
	return 1;
}

static void
sq_close(struct ac_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	size_t	 i;

	for (i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_close_v2(s->db);
	free(s);
}

static enum ac_reason
sq_open(const struct ac_app *app, const char *url, int create,
    struct ac_store **out, char *err, size_t errlen)
{
	struct sqlite_store *s;
	const char	*path = url_path(url);
	int		 rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
			    SQLITE_OPEN_URI;
	char		*msg = NULL;

	(void)app;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AC_NOMEM;
	s->base.ops = &ac_store_sqlite;
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if ((rc = sqlite3_open_v2(path, &s->db, flags, NULL)) != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_URL: cannot open %s: %s%s",
		    path, s->db != NULL ? sqlite3_errmsg(s->db) : "no memory",
		    create ? "" : " (create it with `authctl db migrate`)");
		sq_close(&s->base);
		return AC_UNAVAILABLE;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_handler(s->db, busy, NULL);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
	    NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_URL: %s: %s", path,
		    msg != NULL ? msg : "cannot set WAL mode");
		sqlite3_free(msg);
		sq_close(&s->base);
		return AC_UNAVAILABLE;
	}
	*out = &s->base;
	return AC_OK;
}

static sqlite3_stmt *
stmt(struct sqlite_store *s, const char *sql, int *rc)
{
	sqlite3_stmt	*st;
	size_t		 i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			return s->cache[i].st;
	if ((*rc = sqlite3_prepare_v3(s->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &st, NULL)) != SQLITE_OK)
		return NULL;
	if (s->ncache < MAXSTMT) {
		s->cache[s->ncache].sql = sql;
		s->cache[s->ncache++].st = st;
	}
	return st;
}

static enum ac_reason
sq_exec(struct ac_store *base, const char *sql, const struct ac_dbval *p,
    size_t np, ac_dbrow cb, void *arg, int64_t *changes)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct ac_dbval	 cols[32];
	sqlite3_stmt	*st;
	int		 rc = SQLITE_OK, i, n, k, cached;
	size_t		 j;
	char		 name[24];
	enum ac_reason	 r = AC_OK;

	if ((st = stmt(s, sql, &rc)) == NULL)
		return map(base, s->db, rc);
	for (cached = 0, j = 0; j < s->ncache; j++)
		if (s->cache[j].st == st)
			cached = 1;
	/*
	 * To SQLite "$N" is a named parameter, numbered by first appearance
	 * in the statement, so "SET a = $2 WHERE id = $1" would bind p[0] to
	 * $2.  Bind each p[j] to the parameter named "$<j+1>" instead.
	 */
	for (j = 0; j < np && rc == SQLITE_OK; j++) {
		snprintf(name, sizeof(name), "$%zu", j + 1);
		if ((k = sqlite3_bind_parameter_index(st, name)) == 0)
			continue;
		switch (p[j].type) {
		case AC_DB_INT:
			rc = sqlite3_bind_int64(st, k, p[j].i);
			break;
		case AC_DB_TEXT:
			rc = sqlite3_bind_text(st, k, p[j].s,
			    (int)p[j].len, SQLITE_STATIC);
			break;
		case AC_DB_BLOB:
			rc = sqlite3_bind_blob(st, k, p[j].s,
			    (int)p[j].len, SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(st, k);
			break;
		}
	}
	if (rc != SQLITE_OK) {
		r = map(base, s->db, rc);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb == NULL)
			continue;
		n = sqlite3_column_count(st);
		if (n > (int)nitems(cols))
			n = (int)nitems(cols);
		for (i = 0; i < n; i++) {
			memset(&cols[i], 0, sizeof(cols[i]));
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				cols[i].type = AC_DB_INT;
				cols[i].i = sqlite3_column_int64(st, i);
				break;
			case SQLITE_TEXT:
			case SQLITE_FLOAT:
				cols[i].type = AC_DB_TEXT;
				cols[i].s = (const char *)
				    sqlite3_column_text(st, i);
				cols[i].len = (size_t)sqlite3_column_bytes(st, i);
				break;
			case SQLITE_BLOB:
				cols[i].type = AC_DB_BLOB;
				cols[i].s = sqlite3_column_blob(st, i);
				cols[i].len = (size_t)sqlite3_column_bytes(st, i);
				break;
			default:
				cols[i].type = AC_DB_NULL;
				break;
			}
		}
		if (cb(arg, (size_t)n, cols) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		r = map(base, s->db, rc);
	else if (changes != NULL)
		*changes = sqlite3_changes64(s->db);
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!cached)
		sqlite3_finalize(st);
	return r;
}

static enum ac_reason
simple(struct ac_store *base, const char *sql)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int	 rc;

	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return map(base, s->db, rc);
	return AC_OK;
}

static enum ac_reason
sq_begin(struct ac_store *s)
{

	return simple(s, "BEGIN IMMEDIATE");
}

static enum ac_reason
sq_commit(struct ac_store *s)
{
	enum ac_reason	 rc;

	if ((rc = simple(s, "COMMIT")) != AC_OK)
		simple(s, "ROLLBACK");
	return rc;
}

static void
sq_rollback(struct ac_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static enum ac_reason
sq_script(struct ac_store *s, const char *sql)
{

	return simple(s, sql);
}

/* BEGIN IMMEDIATE already holds the database's one write lock. */
static enum ac_reason
sq_lock(struct ac_store *s, const char *table, const char *id)
{

	(void)s;
	(void)table;
	(void)id;
	return AC_OK;
}

const struct ac_store_ops ac_store_sqlite = {
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.script = sq_script,
	.lock = sq_lock,
	.migrations = ac_migrations,
	.nmigrations = &ac_nmigrations,
};
