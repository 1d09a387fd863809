/*
 * metrics.c: the figures behind the Prometheus metrics, for the whole
 * program, summed over every one of its worker processes on the host
 * (scrape.c turns them into the exposition text).
 *
 * The counters and histogram buckets live in one small file mapped
 * MAP_SHARED by every process of the program, and are bumped with
 * relaxed atomic adds: a scrape that lands on any process reads the sum,
 * a worker that dies or is restarted loses nothing (the figures are in
 * the file, not in the process), and the hot path is one or two
 * lock-prefixed adds on memory already in cache, no system call and no
 * lock.  Why a file rather than anonymous shared memory or System V shm:
 * the workers of spawn-fcgi -F N are separate execs, not forks of one
 * parent, so they can only meet at a name (the engine's AUTH_WORKERS
 * workers are forks, of a parent that maps the file before it forks:
 * they share the mapping itself); a file under a private
 * directory (mode 0700, like the JWKS cache) has an owner and a mode,
 * needs no clean-up protocol, and outlives a crash.  One shared block
 * rather than a slot per process: two processes contending for a cache
 * line cost tens of nanoseconds, and a per-process slot would have to be
 * reclaimed when its process dies.
 *
 * Histograms store one count per bucket (not cumulative) and the sum in
 * nanoseconds; a scrape adds them up, so _count is always the sum of the
 * buckets however the adds of a concurrent observation interleave.
 *
 * The file is found by METRICS_FILE, or else under
 * $TMPDIR/jwt-auth-suite-UID/ with a name made from the program, the
 * configuration file and the listening socket: the processes that share
 * a socket share the figures.  The file is made whole under a temporary
 * name and linked into place, so an existing file is only ever one with
 * the header (magic, layout size): one of another layout (another build)
 * is reset, any other file (METRICS_FILE pointed at the wrong path) and
 * a truncated one are refused, never truncated nor mapped.  Off
 * (METRICS_ENABLED=false) nothing is mapped and every update is one
 * predictable branch.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"

static uint64_t	 valid_ns[nitems(ac_valid_le)], dur_ns[nitems(ac_dur_le)];

static struct ac_seg	*seg;
static char		 segprog[32];
static unsigned		 needs;
/* The method this thread's statements serve, borrowed; NULL: other. */
static __thread const enum ac_dbq *dbq_of;

#define ADD(f, n)	__atomic_fetch_add(&(f), (n), __ATOMIC_RELAXED)

struct ac_seg *
ac_metrics_seg(void)
{

	return seg;
}

const char *
ac_metrics_prog(void)
{

	return segprog;
}

void
ac_ops_needs(unsigned what)
{

	needs |= what;
}

unsigned
ac_ops_needed(void)
{

	return needs;
}

int
ac_metrics_enabled(void)
{

	return seg != NULL;
}

/*
 * The clock of the histograms.  clock_gettime(CLOCK_MONOTONIC) costs
 * about 200 ns on a KVM guest (kvm-clock), and a verification reads it
 * three times; the CPU's time-stamp counter costs about 15 ns.  Where the
 * CPU says the counter is invariant (constant_tsc and nonstop_tsc in
 * /proc/cpuinfo), durations are measured in its ticks and turned into
 * nanoseconds with a factor calibrated at start-up; elsewhere the
 * monotonic clock serves.  Values are only ever subtracted.
 */
static double	 tsc_ns;	/* nanoseconds per tick; 0: no TSC */

#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t
tsc(void)
{
	uint32_t	 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void
tsc_calibrate(void)
{
	FILE		*f;
	char		 line[4096];
	int		 constant = 0, nonstop = 0;
	uint64_t	 t0, c0, t1, c1;
	struct timespec	 nap = { 0, 20000000 };

	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "flags", 5) == 0) {
			constant = strstr(line, " constant_tsc") != NULL;
			nonstop = strstr(line, " nonstop_tsc") != NULL;
			break;
		}
	fclose(f);
	if (!constant || !nonstop)
		return;
	t0 = ac_clock_ns();
	c0 = tsc();
	nanosleep(&nap, NULL);
	t1 = ac_clock_ns();
	c1 = tsc();
	if (c1 > c0 && t1 > t0)
		tsc_ns = (double)(t1 - t0) / (double)(c1 - c0);
}
#else
static inline uint64_t
tsc(void)
{

	return 0;
}

static void
tsc_calibrate(void)
{
}
#endif

uint64_t
ac_metrics_clock(void)
{

	if (seg == NULL)
		return 0;
	return tsc_ns > 0 ? tsc() : ac_clock_ns();
}

static void
observe(enum ac_hist h, const uint64_t *le, size_t n, uint64_t ns)
{
	size_t	 i;

	for (i = 0; i < n && ns > le[i]; i++)
		;
	ADD(seg->h[h].b[i], 1);
	ADD(seg->h[h].sum_ns, ns);
}

/* Nanoseconds since t0 (from ac_metrics_clock). */
static uint64_t
since(uint64_t t0)
{
	uint64_t	 t1 = ac_metrics_clock();

	if (t1 <= t0)
		return 0;
	return tsc_ns > 0 ? (uint64_t)((double)(t1 - t0) * tsc_ns) : t1 - t0;
}

void
ac_metrics_validation(enum ac_via m, enum ac_reason rc, uint64_t t0,
    int jwks)
{
	enum ac_hist	 h;

	if (seg == NULL)
		return;
	if (m == AC_VIA_SESSION)
		h = rc == AC_OK ? AC_H_VALID_SESSION_OK :
		    AC_H_VALID_SESSION_REFUSED;
	else
		h = rc == AC_OK ? AC_H_VALID_JWT_OK : AC_H_VALID_JWT_REFUSED;
	observe(h, valid_ns, nitems(valid_ns), since(t0));
	if (rc != AC_OK && (unsigned)rc < AC_REASON__MAX)
		ADD(seg->refusals[rc], 1);
	if (jwks) {
		/* The kid was looked up: found, or not. */
		if (rc == AC_KEY_UNKNOWN)
			ADD(seg->jwks_misses, 1);
		else if (rc == AC_OK || rc > AC_KEY_UNKNOWN)
			ADD(seg->jwks_hits, 1);
	}
}

void
ac_metrics_refusal(enum ac_reason rc)
{

	if (seg != NULL && rc != AC_OK && (unsigned)rc < AC_REASON__MAX)
		ADD(seg->refusals[rc], 1);
}

void
ac_metrics_refresh(enum ac_reason rc, uint64_t t0)
{

	if (seg == NULL)
		return;
	ADD(seg->refresh_total, 1);
	if (rc != AC_OK && (unsigned)rc < AC_REASON__MAX)
		ADD(seg->refresh_errors[rc], 1);
	observe(AC_H_REFRESH, dur_ns, nitems(dur_ns), since(t0));
}

void
ac_metrics_login(enum ac_reason rc)
{

	if (seg != NULL && (unsigned)rc < AC_REASON__MAX)
		ADD(seg->logins[rc], 1);
}

void
ac_metrics_logout(void)
{

	if (seg != NULL)
		ADD(seg->logouts, 1);
}

void
ac_metrics_signup(void)
{

	if (seg != NULL)
		ADD(seg->signups, 1);
}

void
ac_metrics_account(enum ac_audit ev)
{

	if (seg == NULL || (unsigned)ev >= AC_AUDIT__MAX)
		return;
	ADD(seg->account[ev], 1);
	/*
	 * A deletion or a reset ends sessions (and removes a user): the
	 * database gauges, otherwise up to a minute old, are read again at
	 * the next scrape.
	 */
	if (ev == AC_AUDIT_USER_DELETE || ev == AC_AUDIT_PASSWORD_RESET)
		__atomic_store_n(&seg->gauges_at, 0, __ATOMIC_RELAXED);
}

void
ac_metrics_dbq(const enum ac_dbq *which)
{

	dbq_of = which;
}

void
ac_metrics_db(enum ac_reason rc)
{

	if (seg == NULL)
		return;
	ADD(seg->dbq[dbq_of != NULL ? *dbq_of : AC_DBQ_OTHER], 1);
	if (rc != AC_OK && rc != AC_CONFLICT)
		ADD(seg->dberr, 1);
}

/* Fetches before the file is open (at start-up) count once it is. */
static uint64_t	 early_fetch[2];

static void
jwks_fetch(int ok)
{

	if (seg != NULL)
		ADD(seg->jwks_fetch[ok ? 0 : 1], 1);
	else
		ADD(early_fetch[ok ? 0 : 1], 1);
}

static uint64_t	 early_fetch_prov[AC_METRICS_PROVIDERS][2];

void
ac_metrics_jwks_fetch_provider(int index, int ok)
{

	if (index <= 0 || index > AC_METRICS_PROVIDERS)
		jwks_fetch(ok);
	else if (seg != NULL)
		ADD(seg->jwks_fetch_prov[index - 1][ok ? 0 : 1], 1);
	else
		ADD(early_fetch_prov[index - 1][ok ? 0 : 1], 1);
}

void
ac_metrics_http(int status, uint64_t t0)
{

	if (seg == NULL)
		return;
	ADD(seg->http[status >= 100 && status < AC_NSTATUS ? status : 0], 1);
	observe(AC_H_HTTP, dur_ns, nitems(dur_ns), since(t0));
}

/* Opening the file ---------------------------------------------------- */

/* What identifies the program's listening socket, into buf (or ""). */
static void
socket_name(int fd, char *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t	 len = sizeof(ss);
	char		 a[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;

		snprintf(buf, n, "unix:%.*s", (int)(len - offsetof(struct
		    sockaddr_un, sun_path)), un->sun_path);
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(in6->sin6_port));
	}
}

/*
 * The default file: $TMPDIR/jwt-auth-suite-UID/metrics-PROG-HASH, in a
 * directory of our own (0700), HASH over the program, the configuration
 * file and the listening socket.
 */
static int
default_path(const struct ac_config *c, const char *prog, int lfd,
    char *out, size_t n)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 dir[512], id[1200], sock[300];

	if (ac_file_private_dir(dir, sizeof(dir)) == -1)
		return -1;
	socket_name(lfd, sock, sizeof(sock));
	snprintf(id, sizeof(id), "%s\n%s\n%s", prog,
	    c->source != NULL ? c->source : "-", sock);
	SHA256((const unsigned char *)id, strlen(id), md);
	snprintf(out, n, "%s/metrics-%s-%02x%02x%02x%02x%02x%02x%02x%02x", dir,
	    prog, md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	return 0;
}

/*
 * A new figures file at path: made whole (header, size) under a
 * temporary name beside it, then linked to path, which fails when path
 * exists: so nothing is ever truncated, and no process can see a figures
 * file without its header.  Returns its descriptor; -2 when path exists;
 * -1 on another error (errno).
 */
static int
met_create(const char *path)
{
	char		 tmp[640];
	struct ac_seg	*s;
	int		 fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return -1;
	if (fchmod(fd, 0600) == -1 || ftruncate(fd, (off_t)sizeof(*s)) == -1 ||
	    (s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) == MAP_FAILED)
		goto fail;
	s->created = (int64_t)time(NULL);
	s->size = sizeof(*s);
	s->magic = AC_MET_MAGIC;
	munmap(s, sizeof(*s));
	if (link(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		close(fd);
		errno = e;
		return e == EEXIST ? -2 : -1;
	}
	unlink(tmp);
	return fd;
fail:
	e = errno;
	unlink(tmp);
	close(fd);
	errno = e;
	return -1;
}

/*
 * Opens the existing figures file path, locked: a regular file of ours
 * that begins with the header (magic, layout size).  One of another
 * build's layout is reset to ours; anything else (no header: some other
 * file; shorter than its header says: truncated) is refused, never
 * changed nor mapped.  Returns the descriptor, -2 when there is no
 * file, or -1 with why in err.
 */
static int
met_existing(const char *path, char *err, size_t n)
{
	struct stat	 st;
	uint64_t	 hdr[2];
	int		 fd;

	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return -2;
		snprintf(err, n, "%s", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, n, "not a regular file of ours");
		goto fail;
	}
	if (st.st_size < (off_t)sizeof(hdr) ||
	    pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    hdr[0] != AC_MET_MAGIC) {
		snprintf(err, n, "not a metrics file (no AUTH-MT1 header), "
		    "left as it is: point METRICS_FILE at a new path");
		goto fail;
	}
	if (hdr[1] == sizeof(struct ac_seg) && st.st_size >= (off_t)hdr[1])
		return fd;
	if (hdr[1] != sizeof(struct ac_seg) && st.st_size == (off_t)hdr[1]) {
		/* Another build's figures: ours now, from zero. */
		if (ftruncate(fd, (off_t)sizeof(struct ac_seg)) == -1) {
			snprintf(err, n, "%s", strerror(errno));
			goto fail;
		}
		hdr[1] = 0;	/* mapped as a layout to reset */
		if (pwrite(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
			snprintf(err, n, "%s", strerror(errno));
			goto fail;
		}
		return fd;
	}
	snprintf(err, n, "a metrics file shorter (%lld bytes) than its "
	    "header says (%llu): truncated; remove it", (long long)st.st_size,
	    (unsigned long long)hdr[1]);
fail:
	close(fd);
	return -1;
}

/* The figures file, kept open: a forked worker checks it is whole. */
static int	 segfd = -1;

/*
 * In a worker just forked: the mapping is the parent's, and a file cut
 * short since (by hand, a full disk) would kill the worker with SIGBUS
 * at its first count, and every replacement after it.  Such a worker
 * counts nothing instead, and says so.
 */
static void
met_atfork_child(void)
{
	struct stat	 st;

	if (seg == NULL || segfd == -1)
		return;
	if (fstat(segfd, &st) == 0 && st.st_size >= (off_t)sizeof(*seg))
		return;
	munmap(seg, sizeof(*seg));
	seg = NULL;
	ac_log(AC_LOG_ERROR, "event=metrics_unavailable error=\"the metrics "
	    "file was cut short while in use; this worker counts nothing: "
	    "restart the program\"");
}

int
ac_metrics_open(const struct ac_app *app, const char *prog, int lfd)
{
	const struct ac_config *c = &app->cfg;
	char		 path[600], err[256] = "";
	struct ac_seg	*s;
	size_t		 i;
	int		 fd;
	static int	 atfork;

	for (i = 0; i < nitems(ac_valid_le); i++)
		valid_ns[i] = (uint64_t)(ac_valid_le[i] * 1e9 + 0.5);
	for (i = 0; i < nitems(ac_dur_le); i++)
		dur_ns[i] = (uint64_t)(ac_dur_le[i] * 1e9 + 0.5);
	tsc_calibrate();
	snprintf(segprog, sizeof(segprog), "%s", prog);
	if (c->metrics_file != NULL)
		snprintf(path, sizeof(path), "%s", c->metrics_file);
	else if (default_path(c, prog, lfd, path, sizeof(path)) == -1) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable "
		    "error=\"no private directory under TMPDIR\"");
		return -1;
	}
	/* Made by another process between the two looks: open that. */
	if ((fd = met_existing(path, err, sizeof(err))) == -2 &&
	    (fd = met_create(path)) == -2)
		fd = met_existing(path, err, sizeof(err));
	if (fd == -2)
		snprintf(err, sizeof(err), "removed while opening");
	else if (fd == -1 && err[0] == '\0')
		snprintf(err, sizeof(err), "%s", strerror(errno));
	else if (fd >= 0 && flock(fd, LOCK_EX) == -1) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
	if (fd == -2)
		fd = -1;
	if (fd == -1) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable path=%s "
		    "error=\"%s\"", path, err);
		return -1;
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable path=%s "
		    "error=\"%s\"", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (s->magic != AC_MET_MAGIC || s->size != sizeof(*s)) {
		memset(s, 0, sizeof(*s));
		s->created = (int64_t)time(NULL);
		s->size = sizeof(*s);
		__atomic_store_n(&s->magic, AC_MET_MAGIC, __ATOMIC_RELEASE);
	}
	ADD(s->jwks_fetch[0], early_fetch[0]);
	ADD(s->jwks_fetch[1], early_fetch[1]);
	for (i = 0; i < AC_METRICS_PROVIDERS; i++) {
		ADD(s->jwks_fetch_prov[i][0], early_fetch_prov[i][0]);
		ADD(s->jwks_fetch_prov[i][1], early_fetch_prov[i][1]);
	}
	flock(fd, LOCK_UN);
	if (segfd != -1)
		close(segfd);
	segfd = fd;
	seg = s;
	if (!atfork)
		atfork = pthread_atfork(NULL, NULL, met_atfork_child) == 0;
	return 0;
}
