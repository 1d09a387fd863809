/*
 * jwksclient.c: keys from an identity provider's JWK Set (JWKS_URL).
 *
 * The set is fetched with libcurl into a cache file shared by every
 * process of the host (JWKS_CACHE_FILE): {"url","fetched","attempted",
 * "jwks"}.  Fetches are single-flight across processes (an exclusive
 * flock on FILE.lock; whoever waited re-reads the file and finds it
 * fresh) and spaced: at most one attempt per JWKS_REFRESH_MIN_SECONDS,
 * however many unknown kids arrive, and one per JWKS_CACHE_TTL otherwise.
 * A failed fetch keeps the last good set and only records the attempt.
 * ac_jwks_keys hands the cached keys to keys.c, which adds them to the
 * key set; a changed file is a changed key set, reloaded like a rotation.
 * ac_jwks_fetched reads the last fetch for /readyz and /metrics.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "keys.h"

#define JWKS_MAXBODY	(1024 * 1024)

struct body {
	char	*buf;
	size_t	 len;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body	*b = arg;
	char		*nb;

	n *= size;
	if (b->len + n > JWKS_MAXBODY ||
	    (nb = realloc(b->buf, b->len + n + 1)) == NULL)
		return 0;		/* aborts the transfer */
	b->buf = nb;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

void
ac_jwks_init(void)
{

	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * Default cache file: $TMPDIR/jwt-auth-suite-UID/jwks-HASH.json, in a
 * directory of our own (mode 0700, owned by us), so that no other user
 * can plant or read it.
 */
static int
cache_path(const struct ac_config *c, char *out, size_t n)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 dir[512];

	int		 len;

	if (c->jwks_cache_file != NULL)
		len = snprintf(out, n, "%s", c->jwks_cache_file);
	else {
		if (ac_file_private_dir(dir, sizeof(dir)) == -1)
			return -1;
		SHA256((const unsigned char *)c->jwks_url,
		    strlen(c->jwks_url), md);
		len = snprintf(out, n,
		    "%s/jwks-%02x%02x%02x%02x%02x%02x%02x%02x.json", dir,
		    md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	}
	/* A path cut short would name another file. */
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/*
 * Reads the cache file; NULL when absent, unreadable, or not to be
 * trusted: a symbolic link, not a regular file, not owned by the
 * effective user, or writable by group or others (anyone who can write
 * it can hand out keys).
 */
static json_object *
cache_read(const char *path)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;
	json_object	*o = NULL;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0 ||
	    st.st_size > 2 * JWKS_MAXBODY ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_uid != geteuid() || (st.st_mode & 022) != 0))
			ac_log(AC_LOG_ERROR, "event=jwks_cache_untrusted "
			    "why=owner_or_mode");
		goto out;
	}
	while (off < (size_t)st.st_size &&
	    (n = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	o = json_tokener_parse(buf);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
out:
	free(buf);
	close(fd);
	return o;
}

/*
 * The cache when it is the set of today's JWKS_URL with sane times (in
 * [0, now + 60]), else NULL (and the cache is put).  A cache fetched from
 * another URL is never used: changing JWKS_URL stops trusting the old
 * provider at once.
 */
static json_object *
cache_check(const struct ac_config *c, json_object *cache, time_t now)
{
	json_object	*v;
	int64_t		 t;
	const char	*names[] = { "attempted", "fetched" };
	size_t		 i;

	if (cache == NULL)
		return NULL;
	if (!json_object_object_get_ex(cache, "url", &v) ||
	    !ac_json_streq(v, c->jwks_url, strlen(c->jwks_url)))
		goto bad;
	for (i = 0; i < nitems(names); i++) {
		if (!json_object_object_get_ex(cache, names[i], &v))
			continue;
		if (!json_object_is_type(v, json_type_int))
			goto bad;
		t = json_object_get_int64(v);
		if (t < 0 || t > (int64_t)now + 60)
			goto bad;
	}
	return cache;
bad:
	json_object_put(cache);
	return NULL;
}

static int64_t
num(json_object *o, const char *name)
{
	json_object	*v;

	return json_object_object_get_ex(o, name, &v) ?
	    json_object_get_int64(v) : 0;
}

static int
cache_write(const char *path, json_object *o)
{
	char		 tmp[700];
	unsigned char	 rnd[8];
	const char	*s;
	size_t		 len, off = 0;
	ssize_t		 n;
	int		 fd;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld.%02x%02x%02x%02x%02x%02x%02x%02x"
	    ".tmp", path, (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3],
	    rnd[4], rnd[5], rnd[6], rnd[7]);
	/* A fresh file of ours: never a planted one, never a link. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	while (off < len && (n = write(fd, s + off, len - off)) > 0)
		off += (size_t)n;
	if (off < len || fchmod(fd, 0600) == -1 || close(fd) == -1) {
		if (off < len)
			close(fd);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Fetches the JWK Set.  Returns the parsed set (caller owns) when it is
 * an object with a non-empty "keys" array, else NULL with err set.
 */
json_object *
ac_jwks_fetch(const struct ac_config *c, char *err, size_t errlen)
{
	CURL		*curl;
	struct body	 b = { NULL, 0 };
	long		 status = 0;
	CURLcode	 cc;
	json_object	*o = NULL, *keys;

	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl unavailable");
		return NULL;
	}
	curl_easy_setopt(curl, CURLOPT_URL, c->jwks_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, c->jwks_timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, c->jwks_timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "jwt-auth-suite/" VERSION);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
	else if (status != 200)
		snprintf(err, errlen, "HTTP status %ld", status);
	else if ((o = json_tokener_parse(b.buf != NULL ? b.buf : "")) == NULL ||
	    !json_object_object_get_ex(o, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		snprintf(err, errlen, "not a JWK Set (no \"keys\" array)");
		json_object_put(o);
		o = NULL;
	} else if (json_object_array_length(keys) == 0) {
		snprintf(err, errlen, "the JWK Set has no keys");
		json_object_put(o);
		o = NULL;
	}
	free(b.buf);
	return o;
}

/*
 * The times of the trusted cache, parsed once per version of the file
 * (its inode, size and mtime): an unknown kid on every request costs a
 * stat, not a parse.  Returns 1 with *att and *fet, or 0 without a
 * usable cache.
 */
static pthread_mutex_t	 memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int		 valid;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
	char		 url[2048];
	int64_t		 att, fet;
} memo;

static int
cache_times(const struct ac_config *c, const char *path, time_t now,
    int64_t *att, int64_t *fet)
{
	struct stat	 st;
	json_object	*cache;
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return 0;
	pthread_mutex_lock(&memo_lock);
	if (memo.valid && memo.dev == st.st_dev && memo.ino == st.st_ino &&
	    memo.size == st.st_size && memo.mtim.tv_sec == st.st_mtim.tv_sec &&
	    memo.mtim.tv_nsec == st.st_mtim.tv_nsec &&
	    strcmp(memo.url, c->jwks_url) == 0 &&
	    memo.att <= (int64_t)now + 60 && memo.fet <= (int64_t)now + 60) {
		*att = memo.att;
		*fet = memo.fet;
		rc = 1;
		goto out;
	}
	memo.valid = 0;
	if ((cache = cache_check(c, cache_read(path), now)) == NULL)
		goto out;
	*att = num(cache, "attempted");
	*fet = num(cache, "fetched");
	json_object_put(cache);
	memo.valid = strlen(c->jwks_url) < sizeof(memo.url);
	memo.dev = st.st_dev;
	memo.ino = st.st_ino;
	memo.size = st.st_size;
	memo.mtim = st.st_mtim;
	snprintf(memo.url, sizeof(memo.url), "%s", c->jwks_url);
	memo.att = *att;
	memo.fet = *fet;
	rc = 1;
out:
	pthread_mutex_unlock(&memo_lock);
	return rc;
}

/* Non-zero when the cache's times say nothing is due. */
static int
fresh(const struct ac_config *c, int unknown_kid, time_t now, int64_t att,
    int64_t fet)
{

	/* Both times are in [0, now + 60]: no difference can wrap. */
	return (int64_t)now - att < c->jwks_min_refresh ||
	    (!unknown_kid && (int64_t)now - fet < c->jwks_ttl);
}

int
ac_jwks_refresh(const struct ac_config *c, int unknown_kid)
{
	char		 path[512], lock[600], err[256], q[300];
	json_object	*cache, *set, *nc;
	time_t		 now;
	int64_t		 att, fet;
	int		 fd, rc = 0;

	if (c->jwks_url == NULL ||
	    cache_path(c, path, sizeof(path)) == -1)
		return -1;
	now = time(NULL);
	/* Cheap look first: nothing to do for most requests. */
	if (cache_times(c, path, now, &att, &fet) &&
	    fresh(c, unknown_kid, now, att, fet))
		return 0;
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	/*
	 * Never wait: whoever holds the lock is fetching, and a request
	 * must not stall for up to JWKS_FETCH_TIMEOUT behind it.  Its new
	 * set is picked up by the next look.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return 0;
	}
	/* Whoever held the lock may have just fetched: look again. */
	now = time(NULL);
	cache = cache_check(c, cache_read(path), now);
	if (cache != NULL && fresh(c, unknown_kid, now,
	    num(cache, "attempted"), num(cache, "fetched")))
		goto out;
	set = ac_jwks_fetch(c, err, sizeof(err));
	ac_metrics_jwks_fetch_provider(c->provider_index, set != NULL);
	nc = json_object_new_object();
	json_object_object_add(nc, "url", json_object_new_string(c->jwks_url));
	json_object_object_add(nc, "attempted", json_object_new_int64(now));
	if (set != NULL) {
		json_object_object_add(nc, "fetched", json_object_new_int64(now));
		json_object_object_add(nc, "jwks", set);
		ac_log(AC_LOG_INFO, "event=jwks_fetched keys=%zu",
		    json_object_array_length(json_object_object_get(set,
		    "keys")));
		rc = 1;
	} else {
		/* Keep serving the last good set; say why (readyz, start). */
		json_object_object_add(nc, "error", json_object_new_string(err));
		json_object_object_add(nc, "fetched", json_object_new_int64(
		    cache != NULL ? num(cache, "fetched") : 0));
		if (cache != NULL && json_object_object_get(cache, "jwks"))
			json_object_object_add(nc, "jwks", json_object_get(
			    json_object_object_get(cache, "jwks")));
		ac_log_quote(q, sizeof(q), err);
		ac_log(AC_LOG_WARN, "event=jwks_fetch_failed error=\"%s\" "
		    "serving=%s", q, cache != NULL ? "cached" : "none");
		rc = -1;
	}
	if (cache_write(path, nc) == -1) {
		ac_log_clean(q, sizeof(q), path);
		ac_log(AC_LOG_ERROR, "event=jwks_cache_write_failed path=%s",
		    q);
	}
	json_object_put(nc);
out:
	json_object_put(cache);
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

/*
 * The keys array of the cached set, parsed: the caller owns it
 * (json_object_put) and keys.c adds its members to the key set.  NULL
 * when there is no set.
 */
json_object *
ac_jwks_keys(const struct ac_config *c)
{
	char		 path[512];
	json_object	*cache, *jwks, *keys, *out = NULL;

	if (c->jwks_url == NULL ||
	    cache_path(c, path, sizeof(path)) == -1 ||
	    (cache = cache_check(c, cache_read(path),
	    time(NULL))) == NULL)
		return NULL;
	if (json_object_object_get_ex(cache, "jwks", &jwks) &&
	    json_object_object_get_ex(jwks, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array))
		out = json_object_get(keys);
	json_object_put(cache);
	return out;
}

/* The cache file's mtime, to notice a new set (zero when absent). */
void
ac_jwks_stamp(const struct ac_config *c, struct timespec *ts)
{
	char		 path[512];
	struct stat	 st;

	memset(ts, 0, sizeof(*ts));
	if (c->jwks_url != NULL &&
	    cache_path(c, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0)
		*ts = st.st_mtim;
}

/*
 * Off the event loop.  A worker process of the engine turns on
 * background fetching (ac_jwks_background): from then on ac_jwks_want
 * hands the fetch to one thread of the process, started on first use,
 * and returns at once, so that no request waits on the provider on the
 * loop.  Kicks while a fetch is in flight fold into it (single-flight in
 * the process; the cache file's lock keeps it single-flight on the
 * host).  A thread that may wait (a pool thread holding a request whose
 * kid is unknown) waits for the fetch in flight, at most PARK_MS; the
 * loop decides which requests go there (ac_jwks_due).  Without
 * background fetching (CGI, authctl) the fetch runs in the caller, as it
 * always did: one request is one process there.
 */
#define PARK_MS		2000	/* a parked request waits at most */

#define BG_SETS		17	/* JWKS_URL's and each provider's (16) */

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a fetch ended, or want was set */
	pthread_once_t	 once;
	int		 on;		/* background fetching */
	int		 started;	/* the thread runs */
	int		 busy;		/* a fetch in flight */
	unsigned long	 ended;		/* fetches that ended */
	/* Each key set asked for: its settings, 0/1 (TTL)/2 (unknown kid). */
	struct {
		const struct ac_config *cfg;
		int		 want;
	} sets[BG_SETS];
} bg = { .mu = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT };

static __thread int	 t_may_wait;

static void
bg_init(void)
{
	pthread_condattr_t	 a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&bg.cv, &a);
	pthread_condattr_destroy(&a);
}

/* The slot of a wanted set, or -1 (under bg.mu). */
static int
bg_wanted(void)
{
	int	 i;

	for (i = 0; i < BG_SETS && bg.sets[i].cfg != NULL; i++)
		if (bg.sets[i].want != 0)
			return i;
	return -1;
}

static void *
fetcher(void *arg)
{
	const struct ac_config *c;
	int	 i, w;

	(void)arg;
	pthread_mutex_lock(&bg.mu);
	for (;;) {
		while ((i = bg_wanted()) == -1)
			pthread_cond_wait(&bg.cv, &bg.mu);
		c = bg.sets[i].cfg;
		w = bg.sets[i].want;
		bg.sets[i].want = 0;
		bg.busy = 1;
		pthread_mutex_unlock(&bg.mu);
		ac_jwks_refresh(c, w == 2);
		pthread_mutex_lock(&bg.mu);
		bg.busy = 0;
		bg.ended++;
		pthread_cond_broadcast(&bg.cv);
	}
	return NULL;
}

void
ac_jwks_background(const struct ac_config *c)
{

	/* Any key set may be asked for: JWKS_URL's, or a provider's. */
	(void)c;
	pthread_once(&bg.once, bg_init);
	pthread_mutex_lock(&bg.mu);
	bg.on = 1;
	pthread_mutex_unlock(&bg.mu);
}

void
ac_jwks_may_wait(int on)
{

	t_may_wait = on;
}

int
ac_jwks_stop(void)
{
	struct timespec	 until;
	int		 late = 0, i;

	pthread_mutex_lock(&bg.mu);
	bg.on = 0;
	for (i = 0; i < BG_SETS; i++)
		bg.sets[i].want = 0;
	if (bg.busy) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += PARK_MS / 1000;
		while (bg.busy && !late)
			late = pthread_cond_timedwait(&bg.cv, &bg.mu,
			    &until) == ETIMEDOUT;
	}
	late = bg.busy;
	pthread_mutex_unlock(&bg.mu);
	return late ? -1 : 0;
}

int
ac_jwks_due(const struct ac_config *c)
{
	char		 path[512];
	int64_t		 att, fet;
	int		 busy;

	if (c->jwks_url == NULL)
		return 0;
	pthread_mutex_lock(&bg.mu);
	busy = bg.busy || bg_wanted() != -1;
	pthread_mutex_unlock(&bg.mu);
	if (busy)
		return 1;
	if (cache_path(c, path, sizeof(path)) == -1)
		return 0;
	return !cache_times(c, path, time(NULL), &att, &fet) ||
	    !fresh(c, 1, time(NULL), att, fet);
}

int
ac_jwks_want(const struct ac_config *c, int unknown_kid)
{
	pthread_attr_t	 attr;
	pthread_t	 tid;
	struct timespec	 until;
	unsigned long	 seen;
	int		 rc = -1, late = 0, i;

	if (c->jwks_url == NULL)
		return -1;
	pthread_mutex_lock(&bg.mu);
	if (!bg.on) {
		pthread_mutex_unlock(&bg.mu);
		return ac_jwks_refresh(c, unknown_kid);
	}
	if (!bg.started) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&tid, &attr, fetcher, NULL) == 0)
			bg.started = 1;
		else
			ac_log(AC_LOG_ERROR, "event=jwks_no_thread");
		pthread_attr_destroy(&attr);
		if (!bg.started) {
			pthread_mutex_unlock(&bg.mu);
			return -1;
		}
	}
	for (i = 0; i < BG_SETS && bg.sets[i].cfg != NULL &&
	    bg.sets[i].cfg != c; i++)
		;
	if (i == BG_SETS) {
		pthread_mutex_unlock(&bg.mu);
		ac_log(AC_LOG_ERROR, "event=jwks_too_many_sets max=%d",
		    BG_SETS);
		return -1;
	}
	bg.sets[i].cfg = c;
	if (bg.sets[i].want < (unknown_kid ? 2 : 1))
		bg.sets[i].want = unknown_kid ? 2 : 1;
	pthread_cond_broadcast(&bg.cv);
	if (unknown_kid && t_may_wait) {
		/* Parked: until the fetch in flight (or the next) ends. */
		seen = bg.ended;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += PARK_MS / 1000;
		until.tv_nsec += (PARK_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (bg.ended == seen && !late)
			late = pthread_cond_timedwait(&bg.cv, &bg.mu,
			    &until) == ETIMEDOUT;
		if (bg.ended != seen)
			rc = 0;
		else
			ac_log(AC_LOG_WARN, "event=jwks_wait_timeout "
			    "after_ms=%d", PARK_MS);
	}
	pthread_mutex_unlock(&bg.mu);
	return rc;
}

/*
 * The JWKS cache's last good fetch (0: never) and its last error (may be
 * "").  Returns 0, or -1 when there is no cache file.
 */
int
ac_jwks_fetched(const struct ac_config *c, int64_t *fetched, char *err,
    size_t errlen)
{
	char		 path[512];
	json_object	*o, *v;

	*fetched = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (c->jwks_url == NULL ||
	    cache_path(c, path, sizeof(path)) == -1 ||
	    (o = cache_read(path)) == NULL)
		return -1;
	if (json_object_object_get_ex(o, "jwks", NULL) &&
	    json_object_object_get_ex(o, "fetched", &v))
		*fetched = json_object_get_int64(v);
	if (err != NULL && errlen > 0 &&
	    json_object_object_get_ex(o, "error", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(err, errlen, "%s", json_object_get_string(v));
	json_object_put(o);
	return 0;
}
