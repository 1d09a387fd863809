/*
 * store_sqlite.c: the SQLite back end.  One connection per worker thread,
 * in WAL mode with a busy timeout so that several FastCGI processes share
 * one file; statements are prepared once per connection and cached by the
 * address of their SQL literal.  Busy or locked past the timeout maps to
 * AC_UNAVAILABLE (503), a constraint to AC_CONFLICT.
 *
 * The database holds password hashes, emails and client addresses: it is
 * created 0600 (its -wal and -shm take its mode), and a database that
 * other users can read or write is refused, as keys are.  SQLite opens a
 * file it cannot write read-only without saying so; such a connection
 * is refused, and one that reports SQLITE_READONLY later is opened again
 * before its next statement, so that the suite recovers by itself once
 * the file can be written again.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ac.h"
#include "base.h"
#include "store.h"

#define MAXSTMT		64

struct sqlite_store {
	struct ac_store	 base;		/* first: cast to and fro */
	sqlite3		*db;
	int		 flags;
	int		 stale;		/* reported SQLITE_READONLY: reopen */
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
	if ((rc & 0xff) == SQLITE_READONLY)
		((struct sqlite_store *)s)->stale = 1;
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
const char *
ac_store_sqlite_path(const char *url)
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
 * in sooner: 100 us for the first 100 tries, then 1 ms, up to
 * AUTH_DB_TIMEOUT_MS in all (then SQLITE_BUSY, which is a 503).  A wait
 * that ran out backs the process off for BACKOFF_MS: meanwhile a request
 * tries the lock once and, finding it held, answers 503 at once, so that
 * a queue of requests does not wait the bound out one after the other
 * while another process holds the lock.
 */
#define BACKOFF_MS	1000

static long long	 busy_until;	/* ms, atomic */
static __thread long long t_busy0;	/* when this wait began */

static int
busy(void *arg, int n)
{
	const struct ac_store *s = arg;
	long long	 now = ac_clock_ms();

	if (n == 0) {
		if (now < __atomic_load_n(&busy_until, __ATOMIC_RELAXED))
			return 0;
		t_busy0 = now;
	}
	if (now - t_busy0 >= s->timeout_ms) {
		__atomic_store_n(&busy_until, now + BACKOFF_MS,
		    __ATOMIC_RELAXED);
		return 0;
	}
	usleep(n < 100 ? 100 : 1000);
	return 1;
}

static void
finish(struct sqlite_store *s)
{
	size_t	 i;

	for (i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	s->ncache = 0;
	sqlite3_close_v2(s->db);
	s->db = NULL;
}

static void
sq_close(struct ac_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	finish(s);
	free(s);
}

/*
 * Refuses a database, -wal or -shm that other users may read or write
 * (a "file:" URI or ":memory:" names no file to look at).
 */
static int
private_files(const char *path, char *err, size_t errlen)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char		 p[PATH_MAX];
	struct stat	 st;
	size_t		 i;

	for (i = 0; i < nitems(sfx); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s%s", path, sfx[i]) >=
		    sizeof(p) || stat(p, &st) == -1)
			continue;
		if (st.st_mode & (S_IROTH | S_IWOTH)) {
			snprintf(err, errlen, "DATABASE_URL: %s is open to other "
			    "users (mode %04o) and holds password hashes: "
			    "chmod o-rw %s", p, (unsigned)(st.st_mode & 07777),
			    p);
			return -1;
		}
	}
	return 0;
}

/* (Re)opens s->db from DATABASE_URL's path and s->flags. */
static enum ac_reason
connect_db(struct sqlite_store *s, char *err, size_t errlen)
{
	const char	*path = ac_store_sqlite_path(s->base.url);
	char		*msg = NULL;
	mode_t		 old = 0;
	int		 rc;

	if (s->db != NULL)
		finish(s);
	s->stale = 0;
	if (private_files(path, err, errlen) == -1)
		return AC_CONFIG_INVALID;
	/*
	 * Created 0600.  Only `authctl db migrate` (one thread) creates;
	 * the programs open an existing file, so umask is not raced.
	 */
	if (s->flags & SQLITE_OPEN_CREATE)
		old = umask(077);
	rc = sqlite3_open_v2(path, &s->db, s->flags, NULL);
	if (s->flags & SQLITE_OPEN_CREATE)
		umask(old);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_URL: cannot open %s: %s%s",
		    path, s->db != NULL ? sqlite3_errmsg(s->db) :
		    "no memory", (s->flags & SQLITE_OPEN_CREATE) ? "" :
		    " (create it with `authctl db migrate`)");
		return AC_UNAVAILABLE;
	}
	/* SQLite falls back to reading only, silently: say so, loudly. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		snprintf(err, errlen, "DATABASE_URL: %s can only be read "
		    "(permissions, or a read-only file system): the suite "
		    "needs to write it", path);
		return AC_UNAVAILABLE;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_handler(s->db, busy, &s->base);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
	    NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_URL: %s: %s", path,
		    msg != NULL ? msg : "cannot set WAL mode");
		sqlite3_free(msg);
		return AC_UNAVAILABLE;
	}
	return AC_OK;
}

static enum ac_reason
sq_connect(struct ac_store *base, int create, char *err, size_t errlen)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	s->flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_URI | (create ? SQLITE_OPEN_CREATE : 0);
	return connect_db(s, err, errlen);
}

/*
 * Before a statement outside a transaction: a connection that reported
 * SQLITE_READONLY is opened again (the file may be writable by now).
 */
static enum ac_reason
ready(struct sqlite_store *s)
{
	char		 err[256];
	enum ac_reason	 rc;

	if (!s->stale && s->db != NULL)
		return AC_OK;
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		return AC_OK;
	if ((rc = connect_db(s, err, sizeof(err))) != AC_OK) {
		/* What fits of err after the prefix, as before. */
		ac_store_seterr(&s->base, "sqlite: %.247s", err);
		s->stale = 1;
		if (rc == AC_CONFIG_INVALID)
			rc = AC_UNAVAILABLE;
	}
	return rc;
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

	if ((r = ready(s)) != AC_OK)
		return r;
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
	enum ac_reason	 r;
	int	 rc;

	if ((r = ready(s)) != AC_OK)
		return r;
	if ((rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return map(base, s->db, rc);
	return AC_OK;
}

static enum ac_reason
sq_begin(struct ac_store *s)
{

	return simple(s, "BEGIN IMMEDIATE");
}

/*
 * Ends a transaction; never records an error, so that the one that made
 * the caller roll back stays the one logged (a COMMIT that failed on a
 * full disk has rolled back by itself: a ROLLBACK of our own then only
 * says "no transaction is active").
 */
static void
sq_rollback(struct ac_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static enum ac_reason
sq_commit(struct ac_store *s)
{
	enum ac_reason	 rc;

	if ((rc = simple(s, "COMMIT")) != AC_OK)
		sq_rollback(s);
	return rc;
}

static enum ac_reason
sq_script(struct ac_store *s, const char *sql)
{

	return simple(s, sql);
}

const struct ac_store_ops ac_store_sqlite = {
	.size = sizeof(struct sqlite_store), .connect = sq_connect,
	.close = sq_close, .exec = sq_exec,
	.begin = sq_begin, .commit = sq_commit, .rollback = sq_rollback,
	.script = sq_script,	/* no .lock: BEGIN IMMEDIATE holds it */
	.migrations = ac_migrations, .nmigrations = &ac_nmigrations,
};
