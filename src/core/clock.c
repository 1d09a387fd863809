/*
 * clock.c: the core's one reading of the monotonic clock, for durations
 * and deadlines (timeouts, waits, back-offs, caches' ages): milliseconds
 * or nanoseconds since an unspecified start, only ever subtracted or
 * compared.  Wall-clock time (token lifetimes, database timestamps) is
 * time(2)'s; the histograms' own cheaper clock is metrics.c's.
 */
#include "config.h"

#include <stdint.h>
#include <time.h>

#include "ac.h"
#include "base.h"

long long
ac_clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
ac_clock_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
