/*
 * bench_metrics.c: what the Prometheus figures cost on the hot path, in
 * process: the updates one verification makes (a validation histogram
 * observation, with its two clock reads, and one answer's status counter
 * and duration histogram) with METRICS_ENABLED=false and =true, and the
 * same from two processes at once on one figures file (the shared cache
 * lines bounce between cores).  Prints nanoseconds per verification's
 * updates.  Not a test: nothing asserts a time.
 *
 * usage: bench/bench_metrics [iterations]   (default 10000000)
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/metrics.h"

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One verification's updates, as token.c and ops.c make them. */
static double
run(long n)
{
	double	 t0 = now();
	long	 i;

	for (i = 0; i < n; i++) {
		uint64_t r = ac_metrics_clock();

		ac_metrics_validation(AC_VIA_JWT, AC_OK, r, 0);
		ac_metrics_http(200, r);
	}
	return (now() - t0) * 1e9 / (double)n;
}

int
main(int argc, char *argv[])
{
	struct ac_app	*app;
	char		 path[] = "/tmp/bench_metrics.XXXXXX", env[64];
	long		 n = argc > 1 ? atol(argv[1]) : 10000000;
	int		 fd, p[2], st;
	double		 off, on, child;

	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	unlink(path);
	setenv("JWT_SECRET", "bench-secret-of-at-least-32-bytes-long", 1);
	setenv("METRICS_FILE", path, 1);
	unsetenv("AUTH_CONFIG");
	if ((app = ac_app_new()) == NULL || ac_app_load(app) != AC_OK) {
		fprintf(stderr, "bench_metrics: %s\n", ac_app_error(app));
		return 1;
	}
	off = run(n);
	if (ac_metrics_open(app, "bench", -1) == -1)
		return 1;
	on = run(n);
	/* Two processes on one file, as two workers of a program. */
	if (pipe(p) == -1)
		return 1;
	if (fork() == 0) {
		child = run(n);
		snprintf(env, sizeof(env), "%.1f", child);
		if (write(p[1], env, strlen(env) + 1) == -1)
			_exit(1);
		_exit(0);
	}
	child = run(n);
	wait(&st);
	memset(env, 0, sizeof(env));
	if (read(p[0], env, sizeof(env) - 1) == -1)
		env[0] = '\0';
	printf("metrics off:                 %6.1f ns per verification's updates\n",
	    off);
	printf("metrics on, one process:     %6.1f ns\n", on);
	printf("metrics on, two processes:   %6.1f ns and %s ns (same file)\n",
	    child, env);
	unlink(path);
	ac_app_free(app);
	return 0;
}
