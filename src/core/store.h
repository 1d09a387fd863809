/*
 * store.h: the store's layers (migrations.c, store_sqlite.c,
 * store_pg.c, store.c): a back end's operations, the connection's base,
 * transactions and one-row lookups, and the embedded migrations.  The
 * calls programs make (ac_store_open, ac_db_exec ...) are in ac.h.
 * Files of src/core from the store up may include it; so may tests.
 */
#ifndef AC_STORE_H
#define AC_STORE_H

#include <stdio.h>

#include "ac.h"

/* store.c: parameters beyond ac.h's AC_DBI and AC_DBS. */
#define AC_DBB(p, n)	((struct ac_dbval){ .type = AC_DB_BLOB, \
			    .s = (const char *)(p), .len = (n) })
#define AC_DBNULL	((struct ac_dbval){ .type = AC_DB_NULL })

/* store.c: transactions. */
/*
 * A write transaction (SQLite: BEGIN IMMEDIATE, which serialises every
 * writer; PostgreSQL: BEGIN, read committed, where ac_db_lock serialises
 * the transactions that must see each other's work).
 */
enum ac_reason	 ac_db_begin(struct ac_store *);
enum ac_reason	 ac_db_commit(struct ac_store *);
void		 ac_db_rollback(struct ac_store *);
/*
 * Ends the transaction ac_db_begin opened, given how the work in it went:
 * commits when rc is AC_OK, rolls back otherwise or when the commit
 * fails.  Returns rc, or the commit's failure.
 */
enum ac_reason	 ac_db_end(struct ac_store *, enum ac_reason rc);
/*
 * Inside a transaction, locks the row of table (a literal) whose id
 * column is id until the transaction ends: a transaction that locks the
 * same row waits, then sees this one's committed work, on every host.
 * SQLite needs nothing more than its BEGIN IMMEDIATE; PostgreSQL runs
 * SELECT ... FOR UPDATE.
 */
enum ac_reason	 ac_db_lock(struct ac_store *, const char *table,
		    const char *id);

/* store.c: a back end's operations, and the base of its connection. */
struct ac_store_ops {
	/*
	 * ac_store_open allocates size zeroed bytes (the back end's struct,
	 * a struct ac_store first) and calls connect; on failure, close.
	 */
	size_t		  size;
	enum ac_reason	(*connect)(struct ac_store *, int create, char *,
			    size_t);
	void		(*close)(struct ac_store *);
	enum ac_reason	(*exec)(struct ac_store *, const char *,
			    const struct ac_dbval *, size_t, ac_dbrow, void *,
			    int64_t *);
	enum ac_reason	(*begin)(struct ac_store *);
	enum ac_reason	(*commit)(struct ac_store *);
	void		(*rollback)(struct ac_store *);
	/* Runs several statements (a migration). */
	enum ac_reason	(*script)(struct ac_store *, const char *);
	/*
	 * Locks one row until the transaction ends (ac_db_lock); NULL where
	 * the transaction already holds every lock (SQLite's BEGIN
	 * IMMEDIATE takes the database's one write lock).
	 */
	enum ac_reason	(*lock)(struct ac_store *, const char *table,
			    const char *id);
	/* This back end's flavour of the migrations (same versions). */
	const struct ac_migration *migrations;
	const size_t	*nmigrations;
};

struct ac_store {
	const struct ac_store_ops *ops;
	char		*url;		/* DATABASE_URL, to connect again */
	long		 timeout_ms;	/* AUTH_DB_TIMEOUT_MS: longest wait */
	char		 err[256];
};

/* store_sqlite.c */
extern const struct ac_store_ops ac_store_sqlite;
/* The file of a SQLite DATABASE_URL. */
const char	*ac_store_sqlite_path(const char *url);
/* store.c */
/* Non-zero when DATABASE_URL names a PostgreSQL server (a remote wait). */
int		 ac_store_remote(const struct ac_config *);
/* Non-zero when there is a database to read: PostgreSQL, or a SQLite
 * file that exists. */
int		 ac_store_present(const struct ac_config *);
#ifdef HAVE_POSTGRESQL
/* store_pg.c */
extern const struct ac_store_ops ac_store_pg;
#endif
/* store.c */
/* A back end's error text, for ac_store_error (a macro: the back ends
 * sit below store.c and call nothing of it). */
#define ac_store_seterr(s, ...) \
	snprintf((s)->err, sizeof((s)->err), __VA_ARGS__)
/* A column's text into dst (size n, truncated; "" unless text). */
void		 ac_db_text(char *dst, size_t n, const struct ac_dbval *);
/* A column's integer, or null when it is not one. */
int64_t		 ac_db_int(const struct ac_dbval *, int64_t null);

/*
 * One-row lookups as a table: each column of the query's first row, in
 * order, says how it lands in the caller's struct (at off, of size).
 */
enum ac_dbcolkind {
	AC_DBCOL_TEXT,		/* char[size], by ac_db_text */
	AC_DBCOL_INT,		/* int64_t, by ac_db_int (null when NULL) */
	AC_DBCOL_FLAG,		/* int: the integer is not 0 */
	AC_DBCOL_SET,		/* int: the column is not NULL */
	AC_DBCOL_CONV		/* int64_t, by the column's conv */
};
struct ac_dbcol {
	enum ac_dbcolkind kind;
	size_t		 off;
	size_t		 size;
	int64_t		 null;
	int64_t		(*conv)(const struct ac_dbval *);
};
#define AC_DBCOL(k, type, f)	.kind = (k), .off = offsetof(type, f), \
				.size = sizeof(((type *)0)->f)
#define AC_DBCOL_TEXT(type, f)	{ AC_DBCOL(AC_DBCOL_TEXT, type, f) }
#define AC_DBCOL_INT(type, f, n) { AC_DBCOL(AC_DBCOL_INT, type, f), .null = (n) }
#define AC_DBCOL_FLAG(type, f)	{ AC_DBCOL(AC_DBCOL_FLAG, type, f) }
#define AC_DBCOL_SET(type, f)	{ AC_DBCOL(AC_DBCOL_SET, type, f) }
#define AC_DBCOL_CONV(type, f, fn) { AC_DBCOL(AC_DBCOL_CONV, type, f), .conv = (fn) }
/*
 * Runs sql and copies the first row into dst by cols; *found is 1 when
 * there was a row with at least ncols columns, else 0 and dst untouched.
 */
enum ac_reason	 ac_db_row(struct ac_store *, const char *sql,
		    const struct ac_dbval *params, size_t nparams,
		    const struct ac_dbcol *cols, size_t ncols, void *dst,
		    int *found);

/* migrations.c (generated by db/embed.sh) */
struct ac_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct ac_migration ac_migrations[];
extern const size_t ac_nmigrations;
extern const struct ac_migration ac_migrations_pg[];
extern const size_t ac_nmigrations_pg;

#endif /* !AC_STORE_H */
