/*
 * revoke.c: revocation that reaches access tokens.
 *
 * Access tokens that login and refresh hand out carry sid, the session
 * (refresh-token family) they belong to.  Whatever ends a session writes
 * sessions.revoked (logout, revoking one session or all of a user's,
 * disabling the user (users.c), refresh-token reuse: see session.c and
 * ac_session_revoke_all below), so the revoked sessions of the last
 * access-token lifetime are the set of sids whose tokens must be refused.
 *
 * Each process keeps that set in memory, a hash table under a
 * reader-writer lock, and a thread of its own polls the database every
 * JWT_REVOCATION_POLL_MS (500 ms by default) for sessions revoked since
 * its last look, minus OVERLAP seconds re-read every time (a revocation
 * committed late, or written by a host whose clock is a little behind, is
 * still seen).  A verification costs a claim lookup and a hash probe,
 * never a query; the verified-token cache of token.c is consulted before
 * this check, never instead of it, so a cached token is refused as soon
 * as its sid arrives here.  Entries leave the set once no token of the
 * session can still be valid: login and refresh record the expiry of the
 * newest access token each session was handed (sessions.access_exp,
 * written before the grant commits: session.c), and an entry lasts until
 * then + JWT_LEEWAY_SECONDS, whatever lifetime this process is
 * configured with.  A session without that record (a server-side one, or
 * tokens issued by an older build) falls back to this process's access
 * lifetime + leeway + OVERLAP after the revocation.
 *
 * An engine worker reads the set before it serves (ac_revoke_prime, at
 * most AUTH_DB_TIMEOUT_MS), so that a process started after a revocation
 * knows it from its first answer and no request waits for that read.
 * Elsewhere (CGI, authctl) nothing starts until the first token with a
 * sid is verified, which loads the set synchronously.  When the database
 * cannot be read, tokens are checked
 * against the last set read (fail open: verification keeps working
 * without the database) and the log says so, once per outage.  A process
 * that forks after starting gets a poller of its own in the child.
 *
 * Also here: ac_session_revoke_all (DELETE /api/auth/sessions).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "store.h"
#include "tokens.h"

#define OVERLAP		60	/* seconds re-read on every poll */
#define MAXSID		63	/* longer sids are not ours */
#define MAXENTRIES	(4 * 1024 * 1024)
#define WARN_EVERY	60	/* seconds between "still failing" lines */

struct rent {
	int64_t		 until;		/* 0: empty slot */
	char		 sid[MAXSID + 1];
};

static struct {
	pthread_rwlock_t lock;		/* tab, cap, n */
	struct rent	*tab;		/* open addressing, linear probing */
	size_t		 cap;		/* power of two, or 0 */
	size_t		 n;
	pthread_mutex_t	 startlock;	/* below */
	const struct ac_app *app;	/* armed by ac_revoke_enable */
	int		 poll;		/* 1: a poller thread */
	int		 loaded;	/* this process read the set */
	int64_t		 since;		/* next poll: revoked >= since */
	time_t		 lastok;	/* last successful read */
	pthread_mutex_t	 stoplock;	/* stop, cv */
	pthread_cond_t	 cv;		/* stop was set */
	int		 stop;		/* the poller is to end */
	int		 running;	/* tid is a poller to join */
	pthread_t	 tid;
} rv = {
	.lock = PTHREAD_RWLOCK_INITIALIZER,
	.startlock = PTHREAD_MUTEX_INITIALIZER,
	.stoplock = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The slot of sid in tab (cap > 0): its entry, or the empty slot. */
static struct rent *
probe(struct rent *tab, size_t cap, const char *sid, size_t len)
{
	size_t	 i = (size_t)hash(sid, len) & (cap - 1);

	while (tab[i].until != 0 && (strncmp(tab[i].sid, sid, len) != 0 ||
	    tab[i].sid[len] != '\0'))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/*
 * Rebuilds the table with room for want entries, dropping those whose
 * time is over.  Under the write lock.  -1 when out of memory (the old
 * table stays).
 */
static int
rebuild(size_t want, int64_t now)
{
	struct rent	*nt, *e;
	size_t		 ncap = 64, i, n = 0;

	while (ncap < want * 2)
		ncap *= 2;
	if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < rv.cap; i++) {
		if (rv.tab[i].until == 0 || rv.tab[i].until <= now)
			continue;
		e = probe(nt, ncap, rv.tab[i].sid, strlen(rv.tab[i].sid));
		*e = rv.tab[i];
		n++;
	}
	free(rv.tab);
	rv.tab = nt;
	rv.cap = ncap;
	__atomic_store_n(&rv.n, n, __ATOMIC_RELEASE);
	return 0;
}

/* Adds sid until then.  Under the write lock. */
static void
add(const char *sid, int64_t until, int64_t now)
{
	struct rent	*e;
	size_t		 len = strlen(sid);

	if (len == 0 || len > MAXSID || until <= now)
		return;
	if ((rv.n + 1) * 2 > rv.cap) {
		if (rv.n >= MAXENTRIES) {
			ac_log(AC_LOG_ERROR, "event=revocation_full "
			    "entries=%zu", rv.n);
			return;
		}
		if (rebuild(rv.n + 1, now) == -1)
			return;
	}
	e = probe(rv.tab, rv.cap, sid, len);
	if (e->until == 0) {
		memcpy(e->sid, sid, len + 1);
		__atomic_store_n(&rv.n, rv.n + 1, __ATOMIC_RELEASE);
	}
	if (until > e->until)
		e->until = until;
}

struct rows {
	struct {
		char	 sid[MAXSID + 1];
		int64_t	 revoked;
		int64_t	 access_exp;	/* 0: not recorded */
	}		*v;
	size_t		 n, cap;
	int		 nomem;
};

static int
row(void *arg, size_t n, const struct ac_dbval *v)
{
	struct rows	*r = arg;
	void		*p;
	size_t		 len;

	if (n < 2 || v[0].type != AC_DB_TEXT || v[1].type != AC_DB_INT ||
	    (len = v[0].len) == 0 || len > MAXSID)
		return 0;
	if (r->n == r->cap) {
		if ((p = reallocarray(r->v, r->cap ? r->cap * 2 : 64,
		    sizeof(*r->v))) == NULL) {
			r->nomem = 1;
			return 1;
		}
		r->v = p;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	memcpy(r->v[r->n].sid, v[0].s, len);
	r->v[r->n].sid[len] = '\0';
	r->v[r->n].revoked = v[1].i;
	r->v[r->n].access_exp = n >= 3 && v[2].type == AC_DB_INT ? v[2].i : 0;
	r->n++;
	return 0;
}

/*
 * How long a revoked sid stays in the set after its revocation when the
 * session's last access-token expiry is not recorded.
 */
static int64_t
keep(const struct ac_app *app)
{

	return (int64_t)app->cfg.access_ttl + app->cfg.leeway + OVERLAP;
}

/*
 * Until when a session revoked at revoked, whose newest access token
 * expires at access_exp (0: not recorded), stays in the set: past the
 * last moment claims.c accepts that token (exp + leeway).
 */
static int64_t
until(const struct ac_app *app, int64_t revoked, int64_t access_exp)
{

	if (access_exp <= 0)
		return revoked + keep(app);
	return access_exp + app->cfg.leeway + 1;
}

/*
 * One look at the database: every session revoked at or after rv.since;
 * the first look (since 0) also takes every revoked session whose newest
 * access token is still valid, however long ago it was revoked.  The
 * query runs without the lock; only the merge takes it.
 */
static enum ac_reason
poll_once(struct ac_store *st)
{
	struct rows	 r;
	struct ac_dbval	 p[2];
	time_t		 t0 = time(NULL);
	int64_t		 since;
	static time_t	 nextprune;
	size_t		 i;
	enum ac_reason	 rc;

	memset(&r, 0, sizeof(r));
	since = __atomic_load_n(&rv.since, __ATOMIC_RELAXED);
	/* Deleted users' sessions left their ids in revoked_sessions. */
	if (since == 0) {
		p[0] = AC_DBI((int64_t)t0 - keep(rv.app));
		p[1] = AC_DBI((int64_t)t0 - rv.app->cfg.leeway - 1);
		rc = ac_db_exec(st, "SELECT id, revoked, access_exp FROM "
		    "sessions WHERE revoked >= $1 OR (revoked IS NOT NULL AND "
		    "access_exp >= $2) UNION ALL SELECT id, revoked, "
		    "access_exp FROM revoked_sessions WHERE revoked >= $1 OR "
		    "access_exp >= $2", p, 2, row, &r, NULL);
	} else {
		p[0] = AC_DBI(since);
		rc = ac_db_exec(st, "SELECT id, revoked, access_exp FROM "
		    "sessions WHERE revoked >= $1 UNION ALL SELECT id, revoked, "
		    "access_exp FROM revoked_sessions WHERE revoked >= $1", p, 1,
		    row, &r, NULL);
	}
	if (rc == AC_OK && r.nomem)
		rc = AC_NOMEM;
	if (rc == AC_OK) {
		pthread_rwlock_wrlock(&rv.lock);
		for (i = 0; i < r.n; i++)
			add(r.v[i].sid, until(rv.app, r.v[i].revoked,
			    r.v[i].access_exp), (int64_t)t0);
		/* Drop what has run out, now and then. */
		if (t0 >= nextprune && rv.n > 0 &&
		    rebuild(rv.n, (int64_t)t0) == 0)
			nextprune = t0 + OVERLAP;
		pthread_rwlock_unlock(&rv.lock);
		__atomic_store_n(&rv.since, (int64_t)t0 - OVERLAP,
		    __ATOMIC_RELAXED);
		__atomic_store_n(&rv.lastok, t0, __ATOMIC_RELAXED);
	}
	free(r.v);
	return rc;
}

/* Opens the store when needed and polls; logs a failure once per outage. */
static enum ac_reason
poll_store(struct ac_store **st, int *failing, time_t *warned)
{
	char		 err[256];
	time_t		 now = time(NULL);
	enum ac_reason	 rc;

	err[0] = '\0';
	if (*st == NULL &&
	    (rc = ac_store_open(rv.app, 1, st, err, sizeof(err))) != AC_OK)
		goto fail;
	if ((rc = poll_once(*st)) != AC_OK) {
		snprintf(err, sizeof(err), "%s", ac_store_error(*st));
		ac_store_close(*st);
		*st = NULL;
		goto fail;
	}
	if (*failing)
		ac_log(AC_LOG_WARN, "event=revocation_list_ok "
		    "after_seconds=%lld", (long long)(now - *warned));
	*failing = 0;
	return AC_OK;
fail:
	if (!*failing || now - *warned >= WARN_EVERY) {
		ac_log(AC_LOG_WARN, "event=revocation_list_unavailable "
		    "reason=%s last_read_seconds_ago=%lld problem=\"%s\"",
		    ac_reason_str(rc), rv.lastok ?
		    (long long)(now - rv.lastok) : -1LL, err);
		if (!*failing)
			*warned = now;
	}
	*failing = 1;
	return rc;
}

static void *
poller(void *arg)
{
	static const enum ac_dbq jwt = AC_DBQ_JWT;
	struct ac_store	*st = NULL;
	struct timespec	 next, ts, until;
	long		 ms = rv.app->cfg.revocation_poll_ms;
	long long	 left;
	int		 failing = 0, stop = 0;
	time_t		 warned = 0;

	(void)arg;
	/* The poll serves the checks of access tokens (sid). */
	ac_metrics_dbq(&jwt);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		next.tv_nsec += (ms % 1000) * 1000000L;
		next.tv_sec += ms / 1000 + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		/* Until next (monotonic), or until told to stop. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = (next.tv_sec - ts.tv_sec) * 1000000000LL +
		    (next.tv_nsec - ts.tv_nsec);
		clock_gettime(CLOCK_REALTIME, &until);
		if (left > 0) {
			until.tv_sec += left / 1000000000LL;
			until.tv_nsec += left % 1000000000LL;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
		}
		pthread_mutex_lock(&rv.stoplock);
		while (!rv.stop && left > 0 && pthread_cond_timedwait(&rv.cv,
		    &rv.stoplock, &until) != ETIMEDOUT)
			continue;
		stop = rv.stop;
		pthread_mutex_unlock(&rv.stoplock);
		if (stop)
			break;
		poll_store(&st, &failing, &warned);
		/* Fell behind (a slow database): do not poll in a burst. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec > next.tv_sec + 1)
			next = ts;
	}
	ac_store_close(st);
	return NULL;
}

void
ac_revoke_stop(void)
{
	pthread_t	 tid;
	int		 running;

	pthread_mutex_lock(&rv.startlock);
	running = rv.running;
	tid = rv.tid;
	rv.running = 0;
	pthread_mutex_unlock(&rv.startlock);
	if (!running)
		return;
	pthread_mutex_lock(&rv.stoplock);
	rv.stop = 1;
	pthread_cond_broadcast(&rv.cv);
	pthread_mutex_unlock(&rv.stoplock);
	/* A poll in flight ends within AUTH_DB_TIMEOUT_MS. */
	pthread_join(tid, NULL);
}

/* A forked child has the parent's set but no poller: start again. */
static void
atfork_prepare(void)
{

	pthread_mutex_lock(&rv.startlock);
	pthread_rwlock_wrlock(&rv.lock);
}

static void
atfork_parent(void)
{

	pthread_rwlock_unlock(&rv.lock);
	pthread_mutex_unlock(&rv.startlock);
}

/*
 * The child is single-threaded and holds what the parent's thread took:
 * it starts both locks afresh rather than unlocking them, since glibc
 * tells a write unlock from a read unlock by the writer's thread id,
 * which is not the child's (an unlock here left the set write-locked, and
 * the child's first read of it hung).
 */
static void
atfork_child(void)
{

	pthread_rwlock_init(&rv.lock, NULL);
	pthread_mutex_init(&rv.startlock, NULL);
	pthread_mutex_init(&rv.stoplock, NULL);
	pthread_cond_init(&rv.cv, NULL);
	rv.running = rv.stop = 0;
	__atomic_store_n(&rv.loaded, 0, __ATOMIC_RELEASE);
}

static void
atfork_setup(void)
{

	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

void
ac_revoke_enable(const struct ac_app *app, int poll)
{

	if (!app->cfg.revocation_check)
		return;
	pthread_once(&atfork_once, atfork_setup);
	pthread_mutex_lock(&rv.startlock);
	rv.poll = poll;
	__atomic_store_n(&rv.app, app, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&rv.startlock);
}

/* The first check in this process: read the set, start the poller. */
static void
start(void)
{
	struct ac_store	*st = NULL;
	time_t		 warned = 0;
	int		 failing = 0;

	pthread_mutex_lock(&rv.startlock);
	if (__atomic_load_n(&rv.loaded, __ATOMIC_ACQUIRE))
		goto out;
	poll_store(&st, &failing, &warned);
	ac_store_close(st);
	/* Joinable: ac_revoke_stop ends it before the app is freed. */
	if (rv.poll) {
		if (pthread_create(&rv.tid, NULL, poller, NULL) != 0)
			ac_log(AC_LOG_ERROR, "event=revocation_no_thread");
		else
			rv.running = 1;
	}
	ac_log(AC_LOG_INFO, "event=revocation_start revoked=%zu poll_ms=%ld",
	    __atomic_load_n(&rv.n, __ATOMIC_RELAXED),
	    rv.poll ? rv.app->cfg.revocation_poll_ms : 0L);
	__atomic_store_n(&rv.loaded, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&rv.startlock);
}

void
ac_revoke_prime(const struct ac_app *app)
{

	if (app->cfg.revocation_check &&
	    __atomic_load_n(&rv.app, __ATOMIC_ACQUIRE) != NULL &&
	    !__atomic_load_n(&rv.loaded, __ATOMIC_ACQUIRE))
		start();
}

int
ac_revoke_hit(const struct ac_app *app, const struct ac_token *tok)
{
	json_object	*o;
	const char	*sid;
	size_t		 len;
	int		 hit = 0;

	if (!app->cfg.revocation_check ||
	    __atomic_load_n(&rv.app, __ATOMIC_ACQUIRE) == NULL ||
	    !json_object_object_get_ex(tok->claims, "sid", &o) ||
	    !json_object_is_type(o, json_type_string))
		return 0;
	if (!__atomic_load_n(&rv.loaded, __ATOMIC_ACQUIRE))
		start();
	if (__atomic_load_n(&rv.n, __ATOMIC_ACQUIRE) == 0)
		return 0;
	sid = json_object_get_string(o);
	len = (size_t)json_object_get_string_len(o);
	if (len == 0 || len > MAXSID)
		return 0;
	pthread_rwlock_rdlock(&rv.lock);
	if (rv.cap > 0)
		hit = probe(rv.tab, rv.cap, sid, len)->until != 0;
	pthread_rwlock_unlock(&rv.lock);
	return hit;
}

time_t
ac_revoke_lastread(void)
{

	return __atomic_load_n(&rv.lastok, __ATOMIC_RELAXED);
}

enum ac_reason
ac_session_revoke_all(struct ac_store *s, const char *user_id, time_t now,
    int64_t *n)
{
	struct ac_dbval	 p[2];
	enum ac_reason	 rc;

	if (n != NULL)
		*n = 0;
	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(user_id);
	if ((rc = ac_db_exec(s, "UPDATE sessions SET revoked = $1, "
	    "revoke_reason = 'everywhere' WHERE user_id = $2 AND "
	    "revoked IS NULL", p, 2, NULL, NULL, n)) == AC_OK)
		rc = ac_db_exec(s, "UPDATE refresh_tokens SET revoked = $1 "
		    "WHERE user_id = $2 AND revoked IS NULL", p, 2, NULL, NULL,
		    NULL);
	return ac_db_end(s, rc);
}
