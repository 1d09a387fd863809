/*
 * bench_require.c: what a location's AUTH_REQUIRE adds to verify's hot
 * path, in-process and one thread: ac_token_verify() of an HS256 token
 * with the default configuration (the verified-token cache on, the
 * common case behind a web server), alone and followed by what
 * ac_req_require() does for a 3-term requirement (the per-thread cache
 * lookup of the text, then the check against the claims), and the
 * requirement alone.  Times are this thread's CPU time per call over
 * SECS seconds of wall-clock time, as in bench_verify.c, so that other
 * processes on a shared machine do not count.  Every timed call must
 * succeed, or the program stops.
 *
 * usage: bench_require [-s seconds]
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

#define REQ	"scope:bench.read role:user group:staff"

static double		 secs = 2.0;
static struct ac_app	*app;
static char		*token;
static size_t		 toklen;

static double
now_s(clockid_t clk)
{
	struct timespec	 ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Mean CPU microseconds per call of f over secs seconds (after warm-up). */
static double
timeit(const char *what, int (*f)(void))
{
	double		 w0, c0;
	uint64_t	 n = 0;
	int		 i;

	for (i = 0; i < 200; i++)
		if (f() != 0)
			errx(1, "%s: failed", what);
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		for (i = 0; i < 64; i++)
			if (f() != 0)
				errx(1, "%s: failed", what);
		n += 64;
	} while (now_s(CLOCK_MONOTONIC) - w0 < secs);
	return (now_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e6 / (double)n;
}

/* What ac_req_require does with the request's text, minus the lookup. */
static int
require(const struct ac_token *tok)
{
	const struct ac_require *rq;
	char		 why[160];
	int		 bad;

	if ((rq = ac_require_get(REQ, why, sizeof(why), &bad)) == NULL)
		return -1;
	return ac_require_check(rq, tok->claims) == NULL ? 0 : -1;
}

static int
op_verify(void)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_token_verify(app, token, toklen, time(NULL), &tok);
	ac_token_clear(&tok);
	return rc == AC_OK ? 0 : -1;
}

static int
op_verify_require(void)
{
	struct ac_token	 tok;
	int		 rc;

	rc = ac_token_verify(app, token, toklen, time(NULL), &tok) == AC_OK ?
	    require(&tok) : -1;
	ac_token_clear(&tok);
	return rc;
}

static struct ac_token	 held;

static int
op_require(void)
{

	return require(&held);
}

int
main(int argc, char *argv[])
{
	char		 dir[] = "/tmp/bench_require.XXXXXX", path[512];
	char		 errbuf[256], conf[512], *kid = NULL;
	FILE		*f;
	json_object	*extra, *g;
	double		 v[2], vr[2], r[2];
	int		 ch, i;

	while ((ch = getopt(argc, argv, "s:")) != -1)
		switch (ch) {
		case 's':
			secs = atof(optarg);
			if (secs <= 0 || secs > 30)
				errx(1, "-s: 0 to 30 seconds");
			break;
		default:
			fprintf(stderr, "usage: bench_require [-s seconds]\n");
			return 1;
		}
	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	snprintf(path, sizeof(path), "%s/HS256.key", dir);
	if (ac_keys_generate(AC_ALG_HS256, path, 1, &kid, errbuf,
	    sizeof(errbuf)) != AC_OK)
		errx(1, "keygen: %s", errbuf);
	free(kid);
	setenv("JWT_ALGORITHM", "HS256", 1);
	setenv("JWT_SECRET_FILE", path, 1);
	setenv("JWT_ISSUER", "https://bench.example", 1);
	setenv("JWT_AUDIENCE", "bench", 1);
	snprintf(conf, sizeof(conf), "%s/auth.conf", dir);
	if ((f = fopen(conf, "w")) == NULL || fclose(f) != 0)
		err(1, "%s", conf);
	setenv("AUTH_CONFIG", conf, 1);
	if ((app = ac_app_new()) == NULL)
		err(1, NULL);
	if (ac_app_load(app) != AC_OK)
		errx(1, "configuration refused: %s", ac_app_error(app));
	/* The claims engine.sh's tokens carry. */
	extra = json_object_new_object();
	g = json_object_new_array();
	json_object_array_add(g, json_object_new_string("staff"));
	json_object_object_add(extra, "email",
	    json_object_new_string("user-00000@example.com"));
	json_object_object_add(extra, "scope",
	    json_object_new_string("openid bench.read"));
	json_object_object_add(extra, "role", json_object_new_string("user"));
	json_object_object_add(extra, "groups", g);
	if (ac_token_issue(app, "user-00000", 3600, extra, &token) != AC_OK)
		errx(1, "ac_token_issue failed");
	json_object_put(extra);
	toklen = strlen(token);
	if (ac_token_verify(app, token, toklen, time(NULL), &held) != AC_OK)
		errx(1, "the token does not verify");

	/* Alternated, twice, so that a drift shows. */
	for (i = 0; i < 2; i++) {
		v[i] = timeit("verify", op_verify);
		vr[i] = timeit("verify + require", op_verify_require);
		r[i] = timeit("require", op_require);
	}
	printf("HS256, %zu-byte token, cache on, AUTH_REQUIRE=\"%s\"\n",
	    toklen, REQ);
	printf("%-34s %10s %10s\n", "us CPU per call", "run 1", "run 2");
	printf("%-34s %10.3f %10.3f\n", "verify", v[0], v[1]);
	printf("%-34s %10.3f %10.3f\n", "verify + 3-term requirement",
	    vr[0], vr[1]);
	printf("%-34s %10.3f %10.3f\n", "3-term requirement alone",
	    r[0], r[1]);
	ac_token_clear(&held);
	free(token);
	ac_app_free(app);
	unlink(path);
	unlink(conf);
	rmdir(dir);
	return 0;
}
