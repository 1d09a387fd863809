/*
 * metrics.c: Prometheus metrics (text exposition format 0.0.4) for the
 * whole program, summed over every one of its worker processes on the
 * host.
 *
 * The counters and histogram buckets live in one small file mapped
 * MAP_SHARED by every process of the program, and are bumped with
 * relaxed atomic adds: a scrape that lands on any process reads the sum,
 * a worker that dies or is restarted loses nothing (the figures are in
 * the file, not in the process), and the hot path is one or two
 * lock-prefixed adds on memory already in cache, no system call and no
 * lock.  Why a file rather than anonymous shared memory or System V shm:
 * the workers of spawn-fcgi -F N are separate execs, not forks of one
 * parent, so they can only meet at a name; a file under a private
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
 * a socket share the figures.  A file of another layout (another build)
 * is reset.  Off (METRICS_ENABLED=false) nothing is mapped and every
 * update is one predictable branch.
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
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "ac.h"
#include "extern.h"

#define MET_MAGIC	0x31544d2d48545541ULL	/* "AUTH-MT1" */
#define NBUCKETS	16

/* Histograms: validation has its own buckets (5 us to 100 ms). */
enum hist {
	H_VALID_JWT_OK = 0,
	H_VALID_JWT_REFUSED,
	H_VALID_SESSION_OK,
	H_VALID_SESSION_REFUSED,
	H_REFRESH,
	H_HTTP,
	H__MAX
};

static const double valid_le[] = {
	0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1
};
static const double dur_le[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5
};
static uint64_t	 valid_ns[nitems(valid_le)], dur_ns[nitems(dur_le)];

struct hist_data {
	uint64_t	 b[NBUCKETS];	/* b[n] for n = nitems(le): +Inf */
	uint64_t	 sum_ns;
};

#define NSTATUS	600

struct seg {
	uint64_t	 magic;
	uint64_t	 size;		/* sizeof(struct seg): the layout */
	int64_t		 created;	/* Unix time the figures start from */
	struct hist_data h[H__MAX];
	uint64_t	 refusals[AC_REASON__MAX];
	uint64_t	 refresh_total;
	uint64_t	 refresh_errors[AC_REASON__MAX];
	uint64_t	 logins[AC_REASON__MAX];	/* [AC_OK]: success */
	uint64_t	 logouts;
	uint64_t	 signups;
	uint64_t	 dbq[AC_DBQ__MAX];
	uint64_t	 dberr;
	uint64_t	 jwks_hits;
	uint64_t	 jwks_misses;
	uint64_t	 jwks_fetch[2];		/* ok, error */
	uint64_t	 http[NSTATUS];
	/* Database gauges, refreshed by a scrape at most once a minute. */
	int64_t		 gauges_at;
	int64_t		 sessions_bytes;
	int64_t		 active_sessions;
	int		 gauges_busy;
};

static struct seg	*seg;
static char		 segprog[32];
static unsigned		 needs;
static __thread enum ac_dbq dbq_method = AC_DBQ_OTHER;

#define ADD(f, n)	__atomic_fetch_add(&(f), (n), __ATOMIC_RELAXED)
#define LOAD(f)		__atomic_load_n(&(f), __ATOMIC_RELAXED)

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

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

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
	t0 = mono_ns();
	c0 = tsc();
	nanosleep(&nap, NULL);
	t1 = mono_ns();
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
	return tsc_ns > 0 ? tsc() : mono_ns();
}

static void
observe(enum hist h, const uint64_t *le, size_t n, uint64_t ns)
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
	enum hist	 h;

	if (seg == NULL)
		return;
	if (m == AC_VIA_SESSION)
		h = rc == AC_OK ? H_VALID_SESSION_OK : H_VALID_SESSION_REFUSED;
	else
		h = rc == AC_OK ? H_VALID_JWT_OK : H_VALID_JWT_REFUSED;
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
	observe(H_REFRESH, dur_ns, nitems(dur_ns), since(t0));
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

enum ac_dbq
ac_metrics_dbmethod(enum ac_dbq m)
{
	enum ac_dbq	 old = dbq_method;

	dbq_method = m;
	return old;
}

void
ac_metrics_db(enum ac_reason rc)
{

	if (seg == NULL)
		return;
	ADD(seg->dbq[dbq_method], 1);
	if (rc != AC_OK && rc != AC_CONFLICT)
		ADD(seg->dberr, 1);
}

/* Fetches before the file is open (at start-up) count once it is. */
static uint64_t	 early_fetch[2];

void
ac_metrics_jwks_fetch(int ok)
{

	if (seg != NULL)
		ADD(seg->jwks_fetch[ok ? 0 : 1], 1);
	else
		ADD(early_fetch[ok ? 0 : 1], 1);
}

void
ac_metrics_http(int status, uint64_t t0)
{

	if (seg == NULL)
		return;
	ADD(seg->http[status >= 100 && status < NSTATUS ? status : 0], 1);
	observe(H_HTTP, dur_ns, nitems(dur_ns), since(t0));
}

/* Opening the file ---------------------------------------------------- */

/* What identifies the program's listening socket, into buf (or ""). */
static void
socket_name(char *buf, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t	 len = sizeof(ss);
	char		 a[INET6_ADDRSTRLEN];
	const char	*e;
	int		 fd = 0;

	buf[0] = '\0';
	if ((e = getenv("LISTEN_FDS")) != NULL && atoi(e) > 0)
		fd = 3;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		if ((e = getenv("AUTH_SOCKET")) != NULL)
			snprintf(buf, n, "unix:%s", e);
		return;
	}
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
default_path(const struct ac_config *c, const char *prog, char *out,
    size_t n)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	const char	*tmp = getenv("TMPDIR");
	char		 dir[512], id[1200], sock[300];
	struct stat	 st;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/jwt-auth-suite-%ld", tmp,
	    (long)getuid());
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077) != 0)
		return -1;
	socket_name(sock, sizeof(sock));
	snprintf(id, sizeof(id), "%s\n%s\n%s", prog,
	    c->source != NULL ? c->source : "-", sock);
	SHA256((const unsigned char *)id, strlen(id), md);
	snprintf(out, n, "%s/metrics-%s-%02x%02x%02x%02x%02x%02x%02x%02x", dir,
	    prog, md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	return 0;
}

int
ac_metrics_open(const struct ac_app *app, const char *prog)
{
	const struct ac_config *c = &app->cfg;
	char		 path[600];
	struct stat	 st;
	struct seg	*s;
	size_t		 i;
	int		 fd, fresh = 0;

	for (i = 0; i < nitems(valid_le); i++)
		valid_ns[i] = (uint64_t)(valid_le[i] * 1e9 + 0.5);
	for (i = 0; i < nitems(dur_le); i++)
		dur_ns[i] = (uint64_t)(dur_le[i] * 1e9 + 0.5);
	tsc_calibrate();
	snprintf(segprog, sizeof(segprog), "%s", prog);
	if (c->metrics_file != NULL)
		snprintf(path, sizeof(path), "%s", c->metrics_file);
	else if (default_path(c, prog, path, sizeof(path)) == -1) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable "
		    "error=\"no private directory under TMPDIR\"");
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable path=%s "
		    "error=\"%s\"", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable path=%s "
		    "error=\"not a regular file of ours\"", path);
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size != sizeof(*s)) {
		/* New, or another build's layout: start from zero. */
		if (ftruncate(fd, 0) == -1 ||
		    ftruncate(fd, (off_t)sizeof(*s)) == -1) {
			ac_log(AC_LOG_ERROR, "event=metrics_unavailable "
			    "path=%s error=\"%s\"", path, strerror(errno));
			close(fd);
			return -1;
		}
		fresh = 1;
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED) {
		ac_log(AC_LOG_ERROR, "event=metrics_unavailable path=%s "
		    "error=\"%s\"", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (fresh || s->magic != MET_MAGIC || s->size != sizeof(*s)) {
		memset(s, 0, sizeof(*s));
		s->created = (int64_t)time(NULL);
		s->size = sizeof(*s);
		__atomic_store_n(&s->magic, MET_MAGIC, __ATOMIC_RELEASE);
	}
	ADD(s->jwks_fetch[0], early_fetch[0]);
	ADD(s->jwks_fetch[1], early_fetch[1]);
	flock(fd, LOCK_UN);
	close(fd);
	seg = s;
	return 0;
}

/* Exposition ---------------------------------------------------------- */

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 nomem;
};

static void
bprintf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*np;

	if (b->nomem)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->nomem = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2 + (size_t)n)) == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{

	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One histogram series; labels is "" or `a="b",` (trailing comma). */
static void
hist_out(struct buf *b, const char *name, const char *labels, enum hist h,
    const double *le, size_t n)
{
	uint64_t	 cum = 0, v;
	size_t		 i;

	for (i = 0; i <= n; i++) {
		v = LOAD(seg->h[h].b[i]);
		cum += v;
		if (i < n)
			bprintf(b, "%s_bucket{%sle=\"%g\"} %llu\n", name,
			    labels, le[i], (unsigned long long)cum);
		else
			bprintf(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", name,
			    labels, (unsigned long long)cum);
	}
	i = strlen(labels);
	bprintf(b, "%s_sum%s%.*s%s %.9f\n", name, i ? "{" : "",
	    i ? (int)i - 1 : 0, labels, i ? "}" : "",
	    (double)LOAD(seg->h[h].sum_ns) / 1e9);
	bprintf(b, "%s_count%s%.*s%s %llu\n", name, i ? "{" : "",
	    i ? (int)i - 1 : 0, labels, i ? "}" : "",
	    (unsigned long long)cum);
}

/* A counter by reason: every reason seen, in the table's order. */
static void
by_reason(struct buf *b, const char *name, const char *label,
    const uint64_t *v, int with_ok)
{
	size_t	 i;

	for (i = with_ok ? 0 : 1; i < AC_REASON__MAX; i++)
		if (LOAD(v[i]) > 0)
			bprintf(b, "%s{%s=\"%s\"} %llu\n", name, label,
			    ac_reason_str((enum ac_reason)i),
			    (unsigned long long)LOAD(v[i]));
}

static int
gauge_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1 && v[0].type == AC_DB_INT)
		*(int64_t *)arg = v[0].i;
	else if (n >= 1 && v[0].type == AC_DB_TEXT && v[0].s != NULL)
		*(int64_t *)arg = strtoll(v[0].s, NULL, 10);
	return 1;
}

/*
 * The database gauges: at most once a minute for the whole program
 * (whichever process a scrape lands on first), never on a request's
 * path.  Table size: SQLite's dbstat over the session tables; on
 * PostgreSQL pg_total_relation_size.
 */
static void
db_gauges(const struct ac_app *app)
{
	struct ac_store	*st = NULL;
	struct ac_dbval	 p[1];
	char		 err[256];
	int64_t		 now = (int64_t)time(NULL), bytes = -1, active = -1;
	int		 zero = 0;

	if (now - LOAD(seg->gauges_at) < 60 ||
	    !__atomic_compare_exchange_n(&seg->gauges_busy, &zero, 1, 0,
	    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (ac_store_open(app, 1, &st, err, sizeof(err)) != AC_OK) {
		ac_log(AC_LOG_DEBUG, "event=metrics_db_gauges error=\"%s\"",
		    err);
		goto out;
	}
	p[0] = AC_DBI(now);
	if (ac_db_exec(st, "SELECT COUNT(*) FROM sessions WHERE revoked IS "
	    "NULL AND expires > $1", p, 1, gauge_row, &active, NULL) != AC_OK)
		active = -1;
	if (st->ops == &ac_store_sqlite) {
		if (ac_db_exec(st, "SELECT SUM(pgsize) FROM dbstat WHERE name "
		    "IN ('sessions', 'refresh_tokens')", NULL, 0, gauge_row,
		    &bytes, NULL) != AC_OK)
			bytes = -1;
	} else if (ac_db_exec(st, "SELECT pg_total_relation_size('sessions') "
	    "+ pg_total_relation_size('refresh_tokens')", NULL, 0, gauge_row,
	    &bytes, NULL) != AC_OK)
		bytes = -1;
	__atomic_store_n(&seg->sessions_bytes, bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&seg->active_sessions, active, __ATOMIC_RELAXED);
	__atomic_store_n(&seg->gauges_at, now, __ATOMIC_RELAXED);
out:
	ac_store_close(st);
	__atomic_store_n(&seg->gauges_busy, 0, __ATOMIC_RELEASE);
}

/* The JWKS cache file's figures: keys in the set, last good fetch. */
static void
jwks_figures(const struct ac_app *app, long *keys, int64_t *fetched)
{
	size_t	 i;

	*keys = 0;
	*fetched = 0;
	ac_keys_lock(app);
	for (i = 0; i < app->keys.nkeys; i++)
		if (app->keys.keys[i].remote)
			(*keys)++;
	ac_keys_unlock(app);
	ac_jwks_fetched(&app->cfg, fetched, NULL, 0);
}

char *
ac_metrics_text(const struct ac_app *app, size_t *len)
{
	struct buf	 b = { NULL, 0, 4096, 0 };
	char		 lab[64];
	long		 jkeys;
	int64_t		 fetched, v;
	size_t		 i;

	if (seg == NULL || (b.p = malloc(b.cap)) == NULL)
		return NULL;
	if (needs & AC_NEEDS_DB)
		db_gauges(app);

	head(&b, "auth_validation_seconds", "histogram",
	    "Time to validate a request's credentials, by method and result.");
	hist_out(&b, "auth_validation_seconds", "method=\"jwt\",result=\"ok\",",
	    H_VALID_JWT_OK, valid_le, nitems(valid_le));
	hist_out(&b, "auth_validation_seconds",
	    "method=\"jwt\",result=\"refused\",", H_VALID_JWT_REFUSED,
	    valid_le, nitems(valid_le));
	hist_out(&b, "auth_validation_seconds",
	    "method=\"session\",result=\"ok\",", H_VALID_SESSION_OK,
	    valid_le, nitems(valid_le));
	hist_out(&b, "auth_validation_seconds",
	    "method=\"session\",result=\"refused\",", H_VALID_SESSION_REFUSED,
	    valid_le, nitems(valid_le));
	head(&b, "auth_refusals_total", "counter",
	    "Credentials refused, by reason code.");
	by_reason(&b, "auth_refusals_total", "reason", seg->refusals, 0);

	head(&b, "token_refresh_total", "counter",
	    "Refresh-token rotations asked for.");
	bprintf(&b, "token_refresh_total %llu\n",
	    (unsigned long long)LOAD(seg->refresh_total));
	head(&b, "token_refresh_errors_total", "counter",
	    "Refresh-token rotations refused or failed, by reason code.");
	by_reason(&b, "token_refresh_errors_total", "reason",
	    seg->refresh_errors, 0);
	head(&b, "token_refresh_duration_seconds", "histogram",
	    "Time to answer a refresh-token rotation.");
	hist_out(&b, "token_refresh_duration_seconds", "", H_REFRESH, dur_le,
	    nitems(dur_le));

	head(&b, "auth_logins_total", "counter",
	    "Logins, by result: ok or the reason code.");
	by_reason(&b, "auth_logins_total", "result", seg->logins, 1);
	head(&b, "auth_logouts_total", "counter", "Logouts that revoked a "
	    "session.");
	bprintf(&b, "auth_logouts_total %llu\n",
	    (unsigned long long)LOAD(seg->logouts));
	head(&b, "auth_signups_total", "counter", "Accounts created by "
	    "signup.");
	bprintf(&b, "auth_signups_total %llu\n",
	    (unsigned long long)LOAD(seg->signups));

	head(&b, "auth_db_queries_total", "counter", "Database statements, "
	    "by the authentication method they served (other: the rest).");
	for (i = 0; i < AC_DBQ__MAX; i++)
		bprintf(&b, "auth_db_queries_total{method=\"%s\"} %llu\n",
		    i == AC_DBQ_JWT ? "jwt" : i == AC_DBQ_SESSION ? "session" :
		    "other", (unsigned long long)LOAD(seg->dbq[i]));
	head(&b, "auth_db_errors_total", "counter", "Database statements "
	    "that failed (unavailable, timeout, internal).");
	bprintf(&b, "auth_db_errors_total %llu\n",
	    (unsigned long long)LOAD(seg->dberr));
	if (needs & AC_NEEDS_DB) {
		/*
		 * In bytes, the base unit promtool's lint asks for; the
		 * rules record the quickstart's user_sessions_table_size_mb.
		 */
		head(&b, "user_sessions_table_size_bytes", "gauge", "Size of "
		    "the session and refresh-token tables (at most a minute "
		    "old).");
		v = LOAD(seg->sessions_bytes);
		if (v >= 0)
			bprintf(&b, "user_sessions_table_size_bytes %lld\n",
			    (long long)v);
		head(&b, "auth_active_sessions", "gauge", "Sessions neither "
		    "revoked nor expired (at most a minute old).");
		v = LOAD(seg->active_sessions);
		if (v >= 0)
			bprintf(&b, "auth_active_sessions %lld\n",
			    (long long)v);
	}

	if (app->cfg.jwks_url != NULL) {
		jwks_figures(app, &jkeys, &fetched);
		head(&b, "jwks_cache_hits_total", "counter", "Token kids found "
		    "in the key set.");
		bprintf(&b, "jwks_cache_hits_total %llu\n",
		    (unsigned long long)LOAD(seg->jwks_hits));
		head(&b, "jwks_cache_misses_total", "counter", "Token kids not "
		    "in the key set (each may ask the provider again).");
		bprintf(&b, "jwks_cache_misses_total %llu\n",
		    (unsigned long long)LOAD(seg->jwks_misses));
		head(&b, "jwks_fetch_total", "counter", "Fetches of JWKS_URL, by "
		    "result.");
		bprintf(&b, "jwks_fetch_total{result=\"ok\"} %llu\n"
		    "jwks_fetch_total{result=\"error\"} %llu\n",
		    (unsigned long long)LOAD(seg->jwks_fetch[0]),
		    (unsigned long long)LOAD(seg->jwks_fetch[1]));
		head(&b, "jwks_keys", "gauge", "Keys of the provider's set in "
		    "use.");
		bprintf(&b, "jwks_keys %ld\n", jkeys);
		head(&b, "jwks_last_success_timestamp_seconds", "gauge",
		    "When the provider's set was last fetched.");
		bprintf(&b, "jwks_last_success_timestamp_seconds %lld\n",
		    (long long)fetched);
	}

	head(&b, "http_requests_total", "counter", "Requests answered, by "
	    "program and status code.");
	for (i = 100; i < NSTATUS; i++)
		if (LOAD(seg->http[i]) > 0)
			bprintf(&b, "http_requests_total{program=\"%s\","
			    "code=\"%zu\"} %llu\n", segprog, i,
			    (unsigned long long)LOAD(seg->http[i]));
	head(&b, "http_request_duration_seconds", "histogram",
	    "Time from a request's arrival to its answer, by program.");
	snprintf(lab, sizeof(lab), "program=\"%s\",", segprog);
	hist_out(&b, "http_request_duration_seconds", lab, H_HTTP, dur_le,
	    nitems(dur_le));

	head(&b, "process_start_time_seconds", "gauge", "When these figures "
	    "started (the program's first process, since the figures file "
	    "was made).");
	bprintf(&b, "process_start_time_seconds %lld\n",
	    (long long)seg->created);
	head(&b, "auth_build_info", "gauge", "The suite's version.");
	bprintf(&b, "auth_build_info{version=\"%s\"} 1\n", VERSION);
	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
