/*
 * store_pg.c: the PostgreSQL back end (libpq), chosen by a DATABASE_URL
 * of postgresql:// or postgres://.  One connection per worker thread,
 * opened lazily by ac_req_store, with a statement timeout; statements are
 * prepared once per connection and cached by the address of their SQL
 * literal.  Parameters go as int8 (text), text or bytea (binary); columns
 * come back as AC_DB_INT for int2/int4/int8/bool, AC_DB_BLOB for bytea
 * (decoded) and AC_DB_TEXT otherwise.
 *
 * A lost connection is re-established: before the next statement outside
 * a transaction, and the statement is run again once when it cannot have
 * changed anything (a SELECT, or one the server reports it cut short).
 * Inside a transaction the transaction fails with AC_UNAVAILABLE and the
 * next ac_db_begin reconnects: PostgreSQL rolled it back, nothing is half
 * written.  A unique or other constraint violation is AC_CONFLICT; a
 * serialization failure, deadlock, statement timeout or a server that is
 * down or shutting down is AC_UNAVAILABLE (503).
 *
 * No wait is longer than AUTH_DB_TIMEOUT_MS: it is the statement_timeout
 * and the connect timeout, and libpq is driven asynchronously so that a
 * server that stopped answering at all (a frozen host, a lost network)
 * also fails the statement after it, plus a little for the server's own
 * timeout to arrive first.  Such a connection is dropped, and the
 * process backs off: no new connection for 250 ms, doubling up to 5 s
 * while the server keeps not answering, every statement meanwhile
 * AC_UNAVAILABLE at once, so that a queue of requests does not wait the
 * bound out one by one.  A server that refuses at once (stopped) costs
 * nothing to try again: no back-off, so it is used the moment it is
 * back.  A COMMIT dropped so is refused by the server should it read it
 * later (commit_by_deadline): what the program answered 503 for does not
 * happen behind its back.
 */
#include "config.h"

#include <errno.h>		/* program_invocation_short_name */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "ac.h"
#include "base.h"
#include "store.h"

#define MAXSTMT		64
#define MAXPARAM	32
#define SLACK_MS	250		/* the server's own timeout first */
#define BACKOFF_MIN	250		/* ms, doubling */
#define BACKOFF_MAX	5000

/* Type OIDs (pg_type.h is not part of libpq-dev's client headers). */
#define BOOLOID		16
#define BYTEAOID	17
#define INT8OID		20
#define INT2OID		21
#define INT4OID		23
#define TEXTOID		25

struct pg_store {
	struct ac_store	 base;		/* first: cast to and fro */
	PGconn		*conn;
	int		 intx;		/* between begin and commit/rollback */
	int		 broken;	/* lost: reconnect before next use */
	int		 late;		/* the last wait ran out */
	uint64_t	 begun;		/* when BEGIN was sent (ns, monotonic) */
	uint64_t	 beginrtt;	/* and how long its answer took */
	int		 nodeadline;	/* no plpgsql: a plain COMMIT */
	const char	*cache[MAXSTMT];	/* prepared as "ac0", "ac1" ... */
	size_t		 ncache;		/* on this connection */
};

static int	 ok(const PGresult *);
static PGresult	*answer(struct pg_store *, int);
static enum ac_reason map(struct pg_store *, const PGresult *);
static enum ac_reason can_deadline(struct pg_store *, char *, size_t);

static void
quiet(void *arg, const char *msg)
{

	/* NOTICEs (CREATE TABLE IF NOT EXISTS ...) are not for the log. */
	(void)arg;
	(void)msg;
}

/* The back-off of this process (see above), under its lock. */
static pthread_mutex_t	 bo_lock = PTHREAD_MUTEX_INITIALIZER;
static long long	 bo_until, bo_ms;

/* The server failed us: no new connection for a while. */
static void
backoff_fail(void)
{

	pthread_mutex_lock(&bo_lock);
	bo_ms = bo_ms == 0 ? BACKOFF_MIN : bo_ms * 2 > BACKOFF_MAX ?
	    BACKOFF_MAX : bo_ms * 2;
	bo_until = ac_clock_ms() + bo_ms;
	pthread_mutex_unlock(&bo_lock);
}

static void
backoff_ok(void)
{

	pthread_mutex_lock(&bo_lock);
	bo_ms = bo_until = 0;
	pthread_mutex_unlock(&bo_lock);
}

/* Milliseconds left to wait before the next try (0: go). */
static long long
backoff_left(void)
{
	long long	 left;

	pthread_mutex_lock(&bo_lock);
	left = bo_until - ac_clock_ms();
	pthread_mutex_unlock(&bo_lock);
	return left > 0 ? left : 0;
}

/*
 * Waits until the connection's socket is readable (or writable), at most
 * until deadline: 0, or -1 past it.
 */
static int
sockwait(PGconn *conn, int wr, long long deadline)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 n;

	pfd.fd = PQsocket(conn);
	pfd.events = wr ? POLLOUT : POLLIN;
	if (pfd.fd < 0)
		return -1;
	for (;;) {
		if ((left = deadline - ac_clock_ms()) <= 0)
			return -1;
		if ((n = poll(&pfd, 1, (int)left)) > 0)
			return 0;
		if (n == 0 || errno != EINTR)
			return -1;
	}
}

/* The first line of a libpq message, for ac_store_error. */
static void
seterr(struct pg_store *s, const char *what, const char *msg)
{
	size_t	 n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	n = strcspn(msg, "\n");
	ac_store_seterr(&s->base, "postgresql: %s%s%.*s", what,
	    *what != '\0' ? ": " : "", (int)n, msg);
}

/*
 * Connects (again), within AUTH_DB_TIMEOUT_MS.  Defaults before the URL's
 * own settings, so that the URL may override them: application_name is
 * the program's name, and the statement_timeout is AUTH_DB_TIMEOUT_MS.
 */
static enum ac_reason
connect_db(struct pg_store *s, char *err, size_t errlen)
{
	const char	*kw[] = { "fallback_application_name",
			    "connect_timeout", "options", "dbname", NULL };
	const char	*val[5], *msg;
	char		 cto[24], opts[64];
	long long	 deadline, left;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	s->ncache = 0;
	s->broken = 1;
	if ((left = backoff_left()) > 0) {
		snprintf(err, errlen, "postgresql: not answering, next try "
		    "in %lld ms", left);
		return AC_UNAVAILABLE;
	}
	/* libpq's own bound, in whole seconds (the poll below is exact). */
	snprintf(cto, sizeof(cto), "%ld", (s->base.timeout_ms + 999) / 1000);
	snprintf(opts, sizeof(opts), "-c statement_timeout=%ld",
	    s->base.timeout_ms);
	val[0] = program_invocation_short_name;
	val[1] = cto;
	val[2] = opts;
	val[3] = s->base.url;
	val[4] = NULL;
	deadline = ac_clock_ms() + s->base.timeout_ms;
	if ((s->conn = PQconnectStartParams(kw, val, 1)) == NULL) {
		snprintf(err, errlen, "postgresql: out of memory");
		return AC_NOMEM;
	}
	while (PQstatus(s->conn) != CONNECTION_BAD &&
	    st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		if (sockwait(s->conn, st == PGRES_POLLING_WRITING,
		    deadline) == -1) {
			snprintf(err, errlen, "postgresql: cannot connect: "
			    "no answer within %ld ms", s->base.timeout_ms);
			backoff_fail();
			return AC_UNAVAILABLE;
		}
		st = PQconnectPoll(s->conn);
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		msg = PQerrorMessage(s->conn);
		snprintf(err, errlen, "postgresql: cannot connect: %.*s",
		    (int)strcspn(msg, "\n"), msg);
		/* Refused at once: trying again costs nothing, no back-off. */
		return AC_UNAVAILABLE;
	}
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	backoff_ok();
	s->broken = 0;
	return can_deadline(s, err, errlen);
}

/*
 * A COMMIT's deadline is a plpgsql DO block (commit_by_deadline), and
 * every database createdb makes has plpgsql.  Without it (dropped, or
 * USAGE revoked) COMMITs go plain, as they did before there was one,
 * and the log says so once a process: the writes work, but one the
 * program gave up on may still happen when a frozen server wakes.
 */
static enum ac_reason
can_deadline(struct pg_store *s, char *err, size_t errlen)
{
	static int	 warned;
	PGresult	*res;
	enum ac_reason	 rc;

	res = answer(s, PQsendQuery(s->conn, "SELECT 1 FROM pg_language "
	    "WHERE lanname = 'plpgsql' AND "
	    "has_language_privilege(oid, 'USAGE')"));
	if (!ok(res)) {
		rc = map(s, res);
		snprintf(err, errlen, "%s", s->base.err);
		PQclear(res);
		s->broken = 1;
		return rc;
	}
	s->nodeadline = PQntuples(res) == 0;
	PQclear(res);
	if (s->nodeadline &&
	    !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		ac_log(AC_LOG_WARN, "event=db_no_plpgsql hint=\"the database "
		    "has no plpgsql to check a COMMIT's deadline: run CREATE "
		    "EXTENSION plpgsql as its owner (or GRANT USAGE ON "
		    "LANGUAGE plpgsql), or a write answered 503 while the "
		    "server was frozen may still happen when it wakes\"");
	return AC_OK;
}

/*
 * The answer to what was just sent (sent: PQsend* said yes), waiting at
 * most AUTH_DB_TIMEOUT_MS (and a little): its first failed result, else
 * its last, which the caller clears.  NULL when nothing was sent, when
 * out of memory, or past the bound (late is then set and the connection
 * is dropped: the server rolls back what it had of the transaction).
 */
static PGresult *
answer(struct pg_store *s, int sent)
{
	PGresult	*res, *keep = NULL;
	long long	 deadline = ac_clock_ms() + s->base.timeout_ms + SLACK_MS;

	s->late = 0;
	if (!sent)
		return NULL;
	for (;;) {
		while (PQisBusy(s->conn)) {
			if (sockwait(s->conn, 0, deadline) == -1) {
				PQclear(keep);
				s->late = 1;
				s->broken = 1;
				PQfinish(s->conn);
				s->conn = NULL;
				backoff_fail();
				return NULL;
			}
			if (!PQconsumeInput(s->conn))
				break;
		}
		if ((res = PQgetResult(s->conn)) == NULL)
			break;
		if (keep != NULL && !ok(keep))
			PQclear(res);
		else {
			PQclear(keep);
			keep = res;
		}
		if (PQstatus(s->conn) == CONNECTION_BAD)
			break;
	}
	return keep;
}

/* Reconnects when the connection was lost (and no transaction is open). */
static enum ac_reason
ready(struct pg_store *s)
{
	char		 err[256];
	enum ac_reason	 rc;

	if (!s->broken && s->conn != NULL &&
	    PQstatus(s->conn) == CONNECTION_OK)
		return AC_OK;
	if (s->intx) {
		ac_store_seterr(&s->base, "postgresql: connection lost in "
		    "a transaction");
		s->broken = 1;
		return AC_UNAVAILABLE;
	}
	if ((rc = connect_db(s, err, sizeof(err))) != AC_OK)
		ac_store_seterr(&s->base, "%s", err);
	return rc;
}

static const char *
state(const PGresult *res)
{
	const char	*st;

	if (res == NULL ||
	    (st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return "";
	return st;
}

/*
 * The connection is gone: no result, libpq says so, or the server said
 * so (class 08 connection exception; 57P01-57P03 shutting down).
 */
static int
lost(struct pg_store *s, const PGresult *res)
{
	const char	*st = state(res);

	if (res == NULL || s->conn == NULL ||
	    PQstatus(s->conn) != CONNECTION_OK ||
	    strncmp(st, "08", 2) == 0 || strncmp(st, "57P0", 4) == 0) {
		s->broken = 1;
		return 1;
	}
	return 0;
}

static int
ok(const PGresult *res)
{
	ExecStatusType	 t;

	if (res == NULL)
		return 0;
	t = PQresultStatus(res);
	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

/* Maps a failed result (NULL: the connection's error) to a reason. */
static enum ac_reason
map(struct pg_store *s, const PGresult *res)
{
	const char	*st = state(res), *msg;

	if (s->late) {
		ac_store_seterr(&s->base, "postgresql: no answer within "
		    "%ld ms", s->base.timeout_ms);
		s->broken = 1;
		return AC_UNAVAILABLE;
	}
	msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	if (msg == NULL)
		msg = PQerrorMessage(s->conn);
	/* The primary message only: the detail may quote values. */
	seterr(s, st, msg);
	if (lost(s, res))
		return AC_UNAVAILABLE;
	if (strncmp(st, "23", 2) == 0)		/* integrity constraint */
		return AC_CONFLICT;
	if (strcmp(st, "40001") == 0 ||		/* serialization failure */
	    strcmp(st, "40P01") == 0 ||		/* deadlock */
	    strcmp(st, "57014") == 0 ||		/* statement timeout */
	    strcmp(st, "55P03") == 0 ||		/* lock not available */
	    strncmp(st, "53", 2) == 0)		/* insufficient resources */
		return AC_UNAVAILABLE;
	return AC_INTERNAL;
}

static void
pg_close(struct ac_store *base)
{
	struct pg_store	*s = (struct pg_store *)base;

	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s);
}

static enum ac_reason
pg_connect(struct ac_store *base, int create, char *err, size_t errlen)
{

	(void)create;		/* the database must exist: createdb */
	return connect_db((struct pg_store *)base, err, errlen);
}

/*
 * One run of sql: prepared (and cached) when cache is set, else sent
 * with its parameters unnamed.  Returns the result (NULL: no memory or
 * no connection), which the caller clears.
 */
static PGresult *
run(struct pg_store *s, const char *sql, int cache, const struct ac_dbval *p,
    size_t np)
{
	Oid		 types[MAXPARAM];
	const char	*vals[MAXPARAM];
	int		 lens[MAXPARAM], fmts[MAXPARAM];
	char		 ints[MAXPARAM][24], name[24];
	PGresult	*res;
	size_t		 i;

	for (i = 0; i < np; i++) {
		switch (p[i].type) {
		case AC_DB_INT:
			/* Text, so that any integer type the server infers fits. */
			snprintf(ints[i], sizeof(ints[i]), "%lld",
			    (long long)p[i].i);
			types[i] = INT8OID;
			vals[i] = ints[i];
			lens[i] = 0;
			fmts[i] = 0;
			break;
		case AC_DB_TEXT:
		case AC_DB_BLOB:
			/* Binary text is the bytes themselves: no NUL needed. */
			types[i] = p[i].type == AC_DB_TEXT ? TEXTOID : BYTEAOID;
			vals[i] = p[i].s != NULL ? p[i].s : "";
			lens[i] = (int)p[i].len;
			fmts[i] = 1;
			break;
		default:
			types[i] = 0;	/* the server infers it */
			vals[i] = NULL;
			lens[i] = 0;
			fmts[i] = 0;
			break;
		}
	}
	if (!cache || s->ncache >= MAXSTMT)
		return answer(s, PQsendQueryParams(s->conn, sql, (int)np, types,
		    vals, lens, fmts, 0));
	for (i = 0; i < s->ncache && s->cache[i] != sql; i++)
		continue;
	snprintf(name, sizeof(name), "ac%zu", i);
	if (i == s->ncache) {
		res = answer(s, PQsendPrepare(s->conn, name, sql, (int)np,
		    types));
		if (!ok(res))
			return res;
		PQclear(res);
		s->cache[s->ncache++] = sql;
	}
	return answer(s, PQsendQueryPrepared(s->conn, name, (int)np, vals,
	    lens, fmts, 0));
}

/* May sql run again after the connection was lost while it ran? */
static int
rerun(const char *sql, const PGresult *res)
{

	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	/* Read only, or the server says it stopped it (not committed). */
	return strncasecmp(sql, "SELECT", 6) == 0 || *state(res) != '\0';
}

/* Hands each row to cb; column values live until the next row. */
static int
rows(const PGresult *res, ac_dbrow cb, void *arg)
{
	struct ac_dbval	 cols[32];
	unsigned char	*blob[32];
	size_t		 blen;
	int		 r, i, n, nr, stop = 0;

	if ((n = PQnfields(res)) > (int)nitems(cols))
		n = (int)nitems(cols);
	nr = PQntuples(res);
	for (r = 0; r < nr && !stop; r++) {
		for (i = 0; i < n; i++) {
			memset(&cols[i], 0, sizeof(cols[i]));
			blob[i] = NULL;
			if (PQgetisnull(res, r, i)) {
				cols[i].type = AC_DB_NULL;
				continue;
			}
			switch (PQftype(res, i)) {
			case INT2OID:
			case INT4OID:
			case INT8OID:
				cols[i].type = AC_DB_INT;
				cols[i].i = strtoll(PQgetvalue(res, r, i),
				    NULL, 10);
				break;
			case BOOLOID:
				cols[i].type = AC_DB_INT;
				cols[i].i = PQgetvalue(res, r, i)[0] == 't';
				break;
			case BYTEAOID:
				blob[i] = PQunescapeBytea((const unsigned char *)
				    PQgetvalue(res, r, i), &blen);
				if (blob[i] == NULL) {
					while (i-- > 0)
						PQfreemem(blob[i]);
					return -1;
				}
				cols[i].type = AC_DB_BLOB;
				cols[i].s = (const char *)blob[i];
				cols[i].len = blen;
				break;
			default:
				cols[i].type = AC_DB_TEXT;
				cols[i].s = PQgetvalue(res, r, i);
				cols[i].len = (size_t)PQgetlength(res, r, i);
				break;
			}
		}
		stop = cb(arg, (size_t)n, cols) != 0;
		for (i = 0; i < n; i++)
			PQfreemem(blob[i]);
	}
	return 0;
}

static enum ac_reason
query(struct pg_store *s, const char *sql, int cache,
    const struct ac_dbval *p, size_t np, ac_dbrow cb, void *arg,
    int64_t *changes)
{
	PGresult	*res = NULL;
	enum ac_reason	 rc;
	int		 try;

	if (np > MAXPARAM) {
		ac_store_seterr(&s->base, "postgresql: too many parameters");
		return AC_INTERNAL;
	}
	for (try = 0; ; try++) {
		if ((rc = ready(s)) != AC_OK)
			return rc;
		res = run(s, sql, cache, p, np);
		if (ok(res) || !lost(s, res) || s->intx || try > 0 ||
		    s->late || !rerun(sql, res))
			break;
		PQclear(res);
	}
	if (!ok(res)) {
		rc = map(s, res);
		PQclear(res);
		return rc;
	}
	if (cb != NULL && rows(res, cb, arg) == -1) {
		PQclear(res);
		ac_store_seterr(&s->base, "postgresql: out of memory");
		return AC_NOMEM;
	}
	if (changes != NULL)
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return AC_OK;
}

static enum ac_reason
pg_exec(struct ac_store *base, const char *sql, const struct ac_dbval *p,
    size_t np, ac_dbrow cb, void *arg, int64_t *changes)
{

	return query((struct pg_store *)base, sql, 1, p, np, cb, arg, changes);
}

/* A statement without parameters or rows (BEGIN, COMMIT, a script). */
static enum ac_reason
simple(struct pg_store *s, const char *sql, PGresult **out)
{
	PGresult	*res;
	enum ac_reason	 rc = AC_OK;

	res = answer(s, PQsendQuery(s->conn, sql));
	if (!ok(res))
		rc = map(s, res);
	if (out != NULL && rc == AC_OK)
		*out = res;
	else
		PQclear(res);
	return rc;
}

/* BEGIN starts nothing yet, so a lost connection is retried once. */
static enum ac_reason
pg_begin(struct ac_store *base)
{
	struct pg_store	*s = (struct pg_store *)base;
	enum ac_reason	 rc;
	int		 try;

	if (s->intx) {
		ac_store_seterr(base, "postgresql: transaction already open");
		return AC_INTERNAL;
	}
	for (try = 0; try < 2; try++) {
		if ((rc = ready(s)) != AC_OK)
			return rc;
		s->begun = ac_clock_ns();
		if ((rc = simple(s, "BEGIN", NULL)) == AC_OK) {
			s->beginrtt = ac_clock_ns() - s->begun;
			s->intx = 1;
			return AC_OK;
		}
		if (!s->broken)
			break;
	}
	return rc;
}

static void
pg_rollback(struct ac_store *base)
{
	struct pg_store	*s = (struct pg_store *)base;
	PGresult	*res;

	s->intx = 0;
	if (s->broken || s->conn == NULL ||
	    PQstatus(s->conn) != CONNECTION_OK ||
	    PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		return;
	if ((res = answer(s, PQsendQuery(s->conn, "ROLLBACK"))) == NULL ||
	    !ok(res))
		s->broken = 1;
	PQclear(res);
}

/*
 * A COMMIT is sent with its deadline, and the server refuses it past
 * that.  Otherwise a server that stops answering (a frozen host, a
 * network that holds the packets) with the COMMIT unread would commit
 * it when it wakes, after this process gave up on it and answered 503:
 * a refresh answered 503 would have rotated its token all the same, at a
 * time long past by the client's retry, which then looks like theft
 * (docs/refresh.md).  The deadline is on the server's clock, from its
 * own transaction start (now(), stamped when it read BEGIN): the time
 * since BEGIN was sent, less BEGIN's round trip, plus the bound.  So it
 * falls no later than when this COMMIT was sent plus the bound, while
 * this process waits that plus SLACK_MS; and no clock of another host is
 * compared with ours.  A server stopped after it passed the check, and
 * before its answer arrived, still commits what it was answered 503 for;
 * that is the answer lost on the way of any store (a few microseconds of
 * the server's commit, where the whole transaction was before).
 */
static enum ac_reason
commit_by_deadline(struct pg_store *s, PGresult **out)
{
	char		 sql[384];
	long long	 us;

	if (s->nodeadline)
		return simple(s, "COMMIT", out);
	us = (long long)((ac_clock_ns() - s->begun) / 1000) -
	    (long long)(s->beginrtt / 1000) + s->base.timeout_ms * 1000LL;
	snprintf(sql, sizeof(sql), "DO $$BEGIN IF clock_timestamp() > now() "
	    "+ interval '%lld microseconds' THEN RAISE EXCEPTION USING "
	    "ERRCODE = 'query_canceled', MESSAGE = 'COMMIT arrived after "
	    "its deadline (AUTH_DB_TIMEOUT_MS): rolled back'; END IF; "
	    "END$$; COMMIT", us);
	return simple(s, sql, out);
}

/*
 * COMMIT of a transaction that failed earlier answers ROLLBACK without
 * an error: that is a failure too.
 */
static enum ac_reason
pg_commit(struct ac_store *base)
{
	struct pg_store	*s = (struct pg_store *)base;
	PGresult	*res = NULL;
	enum ac_reason	 rc;

	if (s->broken) {
		s->intx = 0;
		ac_store_seterr(base, "postgresql: connection lost in a "
		    "transaction");
		return AC_UNAVAILABLE;
	}
	if ((rc = commit_by_deadline(s, &res)) == AC_OK) {
		if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
			ac_store_seterr(base, "postgresql: the transaction "
			    "was rolled back");
			rc = AC_INTERNAL;
		}
		PQclear(res);
	}
	if (rc != AC_OK)
		pg_rollback(base);
	s->intx = 0;
	return rc;
}

static enum ac_reason
pg_script(struct ac_store *base, const char *sql)
{
	struct pg_store	*s = (struct pg_store *)base;
	enum ac_reason	 rc;

	if ((rc = ready(s)) != AC_OK)
		return rc;
	return simple(s, sql, NULL);
}

static enum ac_reason
pg_lock(struct ac_store *base, const char *table, const char *id)
{
	struct pg_store	*s = (struct pg_store *)base;
	struct ac_dbval	 p[1];
	char		 sql[128];
	size_t		 i;

	/* table is a literal of the core's; refuse anything but a name. */
	for (i = 0; table[i] != '\0'; i++)
		if ((table[i] < 'a' || table[i] > 'z') && table[i] != '_')
			return AC_INTERNAL;
	if (i == 0 || !s->intx) {
		ac_store_seterr(base, "postgresql: lock outside a transaction");
		return AC_INTERNAL;
	}
	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = $1 "
	    "FOR UPDATE", table);
	p[0] = AC_DBS(id);
	return query(s, sql, 0, p, 1, NULL, NULL, NULL);
}

const struct ac_store_ops ac_store_pg = {
	.size = sizeof(struct pg_store), .connect = pg_connect,
	.close = pg_close, .exec = pg_exec,
	.begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback,
	.script = pg_script, .lock = pg_lock,
	.migrations = ac_migrations_pg, .nmigrations = &ac_nmigrations_pg,
};
