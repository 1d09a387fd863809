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
 * keys.c reads the file into the key set; a changed file is a changed
 * key set, reloaded like a rotation.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/sha.h>

#include "ac.h"
#include "extern.h"

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
int
ac_jwks_cache_path(const struct ac_config *c, char *out, size_t n)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	const char	*tmp = getenv("TMPDIR");
	char		 dir[512];
	struct stat	 st;

	if (c->jwks_cache_file != NULL) {
		snprintf(out, n, "%s", c->jwks_cache_file);
		return 0;
	}
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/jwt-auth-suite-%ld", tmp,
	    (long)getuid());
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077) != 0)
		return -1;
	SHA256((const unsigned char *)c->jwks_url, strlen(c->jwks_url), md);
	snprintf(out, n, "%s/jwks-%02x%02x%02x%02x%02x%02x%02x%02x.json", dir,
	    md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	return 0;
}

/* Reads the cache file; NULL when absent or unreadable. */
json_object *
ac_jwks_cache_read(const char *path)
{
	char		*buf, err[256];
	size_t		 len;
	json_object	*o;

	if ((buf = ac_file_read(path, 2 * JWKS_MAXBODY, &len, err,
	    sizeof(err))) == NULL)
		return NULL;
	o = json_tokener_parse(buf);
	free(buf);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
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
	char		 tmp[600];
	const char	*s;
	FILE		*f;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (fputs(s, f) == EOF || fflush(f) != 0) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	return rename(tmp, path);
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

int
ac_jwks_refresh(const struct ac_config *c, int unknown_kid)
{
	char		 path[512], lock[600], err[256];
	json_object	*cache, *set, *nc;
	time_t		 now;
	int		 fd, rc = 0;

	if (c->jwks_url == NULL ||
	    ac_jwks_cache_path(c, path, sizeof(path)) == -1)
		return -1;
	now = time(NULL);
	/* Cheap look first: nothing to do for most requests. */
	if ((cache = ac_jwks_cache_read(path)) != NULL) {
		if (now - num(cache, "attempted") < c->jwks_min_refresh ||
		    (!unknown_kid && now - num(cache, "fetched") < c->jwks_ttl)) {
			json_object_put(cache);
			return 0;
		}
		json_object_put(cache);
	}
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return -1;
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return -1;
	}
	/* Whoever held the lock may have just fetched: look again. */
	cache = ac_jwks_cache_read(path);
	now = time(NULL);
	if (cache != NULL && (now - num(cache, "attempted") <
	    c->jwks_min_refresh || (!unknown_kid &&
	    now - num(cache, "fetched") < c->jwks_ttl)))
		goto out;
	set = ac_jwks_fetch(c, err, sizeof(err));
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
		/* Keep serving the last good set. */
		json_object_object_add(nc, "fetched", json_object_new_int64(
		    cache != NULL ? num(cache, "fetched") : 0));
		if (cache != NULL && json_object_object_get(cache, "jwks"))
			json_object_object_add(nc, "jwks", json_object_get(
			    json_object_object_get(cache, "jwks")));
		ac_log(AC_LOG_WARN, "event=jwks_fetch_failed error=\"%s\" "
		    "serving=%s", err, cache != NULL ? "cached" : "none");
		rc = -1;
	}
	if (cache_write(path, nc) == -1)
		ac_log(AC_LOG_ERROR, "event=jwks_cache_write_failed path=%s",
		    path);
	json_object_put(nc);
out:
	json_object_put(cache);
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

/*
 * Adds the keys of the cached set to ks, marked remote.  Bad keys are
 * skipped and logged, never fatal: a provider's odd key must not stop
 * the suite.
 */
void
ac_jwks_load(const struct ac_config *c, struct ac_keyset *ks)
{
	char		 path[512], err[256];
	json_object	*cache, *keys, *jwk;
	size_t		 i, n, first = ks->nkeys;

	if (c->jwks_url == NULL ||
	    ac_jwks_cache_path(c, path, sizeof(path)) == -1 ||
	    (cache = ac_jwks_cache_read(path)) == NULL)
		return;
	if (json_object_object_get_ex(cache, "jwks", &jwk) &&
	    json_object_object_get_ex(jwk, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array)) {
		n = json_object_array_length(keys);
		for (i = 0; i < n; i++)
			if (ac_keys_add_jwk(ks, c, json_object_array_get_idx(
			    keys, i), err, sizeof(err)) != AC_OK)
				ac_log(AC_LOG_WARN, "event=jwks_key_skipped "
				    "index=%zu why=\"%s\"", i, err);
	}
	for (i = first; i < ks->nkeys; i++)
		ks->keys[i].remote = 1;
	json_object_put(cache);
}

/* The cache file's mtime, to notice a new set (zero when absent). */
void
ac_jwks_stamp(const struct ac_config *c, struct timespec *ts)
{
	char		 path[512];
	struct stat	 st;

	memset(ts, 0, sizeof(*ts));
	if (c->jwks_url != NULL &&
	    ac_jwks_cache_path(c, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0)
		*ts = st.st_mtim;
}
