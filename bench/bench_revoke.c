/*
 * bench_revoke.c: what revocation checking (src/core/revoke.c) costs a
 * verification, in-process, one thread: ac_token_verify() of an HS256
 * and an ES256 access token carrying a live sid, with
 * JWT_REVOCATION_CHECK false and true, cold (JWT_VERIFY_CACHE_SIZE=0) and
 * cached, with -n revoked sessions in the set (default 1000).
 *
 * The database is a SQLite file in a temporary directory holding one user
 * and that many sessions revoked over the last half hour (one just now);
 * the poller thread runs as in a server (every JWT_REVOCATION_POLL_MS),
 * so its reads take the lock now and then as they would.  Rounds alternate off and on so that a loaded machine
 * hits both alike; the figure is the median of the rounds, CPU time of
 * the verifying thread per call (the poller's own time is printed apart:
 * one read of the whole set, and one incremental read).  Every timed
 * verification must succeed, and a revoked session's token must be
 * refused with the check on and accepted with it off, or the program
 * stops.
 *
 * usage: bench_revoke [-n revoked] [-s seconds] [-r rounds]
 */
#include "config.h"

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/store.h"

static double	 secs = 0.5;
static int	 rounds = 5;

struct run {
	struct ac_app	*app;
	const char	*token;
	size_t		 len;
};

static double
now_s(clockid_t clk)
{
	struct timespec	 ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum ac_reason
verify(const struct run *r)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_token_verify(r->app, r->token, r->len, time(NULL), &tok);
	ac_token_clear(&tok);
	return rc;
}

/* CPU microseconds per verification over secs of wall time. */
static double
timeit(const struct run *r)
{
	double		 w0, c0;
	uint64_t	 n = 0;
	int		 i;

	for (i = 0; i < 100; i++)
		if (verify(r) != AC_OK)
			errx(1, "verification failed");
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (i = 0; i < 64; i++)
			if (verify(r) != AC_OK)
				errx(1, "verification failed");
		n += 64;
	} while (now_s(CLOCK_MONOTONIC) - w0 < secs);
	return (now_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e6 / (double)n;
}

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{

	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct ac_app *
load(const char *check, const char *cache)
{
	struct ac_app	*app;

	setenv("JWT_REVOCATION_CHECK", check, 1);
	setenv("JWT_VERIFY_CACHE_SIZE", cache, 1);
	if ((app = ac_app_new()) == NULL)
		err(1, NULL);
	if (ac_app_load(app) != AC_OK)
		errx(1, "configuration refused: %s", ac_app_error(app));
	return app;
}

static char *
issue(struct ac_app *app, const char *sid)
{
	json_object	*x = json_object_new_object();
	char		*t = NULL;

	json_object_object_add(x, "sid", json_object_new_string(sid));
	json_object_object_add(x, "email",
	    json_object_new_string("alice@example.com"));
	if (ac_token_issue(app, "user-1", 3600, x, &t) != AC_OK)
		errx(1, "ac_token_issue failed");
	json_object_put(x);
	return t;
}

/* Adds n revoked sessions (ids rev-0 ...), rev-0 revoked now. */
static void
fill(struct ac_store *st, long n)
{
	struct ac_dbval	 p[3];
	char		 id[32];
	long		 i;
	int64_t		 now = (int64_t)time(NULL);

	if (ac_db_begin(st) != AC_OK)
		errx(1, "begin: %s", ac_store_error(st));
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "rev-%ld", i);
		p[0] = AC_DBS(id);
		p[1] = AC_DBI(now - i % 1800);
		p[2] = AC_DBI(now + 86400);
		if (ac_db_exec(st, "INSERT INTO sessions (id, user_id, created, "
		    "last_used, expires, revoked, revoke_reason) VALUES ($1, "
		    "'user-1', $2, $2, $3, $2, 'bench')", p, 3, NULL, NULL,
		    NULL) != AC_OK)
			errx(1, "insert: %s", ac_store_error(st));
	}
	if (ac_db_commit(st) != AC_OK)
		errx(1, "commit: %s", ac_store_error(st));
}

static int
count_row(void *arg, size_t n, const struct ac_dbval *v)
{

	(void)n;
	(void)v;
	(*(long *)arg)++;
	return 0;
}

/* Wall milliseconds of one read as the poller does it. */
static double
read_ms(struct ac_store *st, int64_t since, long *rows)
{
	struct ac_dbval	 p[1];
	double		 t0 = now_s(CLOCK_MONOTONIC);

	*rows = 0;
	p[0] = AC_DBI(since);
	if (ac_db_exec(st, "SELECT id, revoked FROM sessions WHERE "
	    "revoked >= $1", p, 1, count_row, rows, NULL) != AC_OK)
		errx(1, "select: %s", ac_store_error(st));
	return (now_s(CLOCK_MONOTONIC) - t0) * 1e3;
}

int
main(int argc, char *argv[])
{
	char		 dir[] = "/tmp/bench_revoke.XXXXXX", path[600], ebuf[256];
	char		*kid = NULL, *tok[2], *revtok[2];
	const char	*algs[2] = { "HS256", "ES256" };
	enum ac_alg	 alg[2] = { AC_ALG_HS256, AC_ALG_ES256 };
	struct ac_app	*off[2][2], *on[2][2];	/* [alg][cached] */
	struct ac_store	*st;
	struct run	 r;
	double		 voff[64], von[64], mo, mn;
	long		 rows, nrev = 1000;
	int		 ch, from, to, a, c, k;
	FILE		*f;

	while ((ch = getopt(argc, argv, "n:r:s:")) != -1)
		switch (ch) {
		case 'n':
			nrev = atol(optarg);
			if (nrev < 0 || nrev > 10000000)
				errx(2, "-n: 0 to 10000000");
			break;
		case 'r':
			rounds = atoi(optarg);
			if (rounds < 1 || rounds > 64)
				errx(2, "-r: 1 to 64");
			break;
		case 's':
			secs = strtod(optarg, NULL);
			if (secs < 0.05 || secs > 30)
				errx(2, "-s: 0.05 to 30");
			break;
		default:
			fprintf(stderr, "usage: bench_revoke [-n revoked] "
			    "[-s seconds] [-r rounds]\n");
			return 2;
		}

	ac_log_setup("bench_revoke", AC_LOG_ERROR, NULL, NULL);
	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	snprintf(path, sizeof(path), "%s/auth.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	fclose(f);
	setenv("AUTH_CONFIG", path, 1);
	snprintf(path, sizeof(path), "%s/auth.db", dir);
	setenv("DATABASE_URL", path, 1);
	setenv("JWT_ISSUER", "https://bench.example", 1);
	setenv("JWT_AUDIENCE", "bench", 1);

	for (a = 0; a < 2; a++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, algs[a]);
		if (ac_keys_generate(alg[a], path, 1, &kid, ebuf,
		    sizeof(ebuf)) != AC_OK)
			errx(1, "keygen: %s", ebuf);
		free(kid);
		unsetenv("JWT_SECRET_FILE");
		unsetenv("JWT_PRIVATE_KEY_FILE");
		setenv("JWT_ALGORITHM", algs[a], 1);
		setenv(a == 0 ? "JWT_SECRET_FILE" : "JWT_PRIVATE_KEY_FILE",
		    path, 1);
		for (c = 0; c < 2; c++) {
			off[a][c] = load("false", c ? "256" : "0");
			on[a][c] = load("true", c ? "256" : "0");
		}
		tok[a] = issue(on[a][0], "live-session");
		revtok[a] = issue(on[a][0], "rev-0");
	}

	if (ac_store_open(on[0][0], 0, &st, ebuf, sizeof(ebuf)) != AC_OK ||
	    ac_store_migrate(st, &from, &to) != AC_OK)
		errx(1, "database: %s", ebuf);
	if (ac_user_add(on[0][0], st, "alice@example.com", "pw-of-alice",
	    time(NULL), NULL, 0) != AC_OK)
		errx(1, "user add");
	if (ac_db_exec(st, "UPDATE users SET id = 'user-1'", NULL, 0, NULL,
	    NULL, NULL) != AC_OK)
		errx(1, "user id");
	fill(st, nrev);
	ac_revoke_enable(on[0][0], 1);

	printf("bench_revoke: CPU us per ac_token_verify, one thread, median "
	    "of %d alternating rounds of %.2f s, %ld revoked sessions\n",
	    rounds, secs, nrev);
	printf("%-6s %-7s %9s %9s %9s\n", "alg", "cache", "off", "on",
	    "on-off");
	for (a = 0; a < 2; a++) {
		r.token = revtok[a];
		r.len = strlen(revtok[a]);
		r.app = on[a][0];
		if (nrev > 0 && verify(&r) != AC_TOKEN_REVOKED)
			errx(1, "a revoked session's token verifies with the "
			    "check on");
		r.app = off[a][0];
		if (verify(&r) != AC_OK)
			errx(1, "check off: a revoked session's token is "
			    "refused");
		for (c = 0; c < 2; c++) {
			r.token = tok[a];
			r.len = strlen(tok[a]);
			for (k = 0; k < rounds; k++) {
				r.app = off[a][c];
				voff[k] = timeit(&r);
				r.app = on[a][c];
				von[k] = timeit(&r);
			}
			mo = median(voff, rounds);
			mn = median(von, rounds);
			printf("%-6s %-7s %9.3f %9.3f %+9.3f\n", algs[a],
			    c ? "cached" : "cold", mo, mn, mn - mo);
			fflush(stdout);
		}
	}
	mo = read_ms(st, (int64_t)time(NULL) - 86400, &rows);
	printf("poller: first read %.2f ms (%ld rows); ", mo, rows);
	mo = read_ms(st, (int64_t)time(NULL) - 60, &rows);
	printf("each later read %.2f ms (%ld rows, the last 60 s)\n", mo,
	    rows);
	ac_store_close(st);
	for (a = 0; a < 2; a++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, algs[a]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/auth.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/auth.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/auth.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/auth.db-shm", dir);
	unlink(path);
	if (rmdir(dir) == -1)
		warn("rmdir %s", dir);
	return 0;
}
