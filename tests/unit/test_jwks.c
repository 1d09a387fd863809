/*
 * test_jwks.c: the JWKS client's cache file and JWKS_URL (jwksclient.c,
 * config.c).  No provider is reached: JWKS_URL names a closed port on
 * 127.0.0.1, so every fetch fails at once, and the cache files are
 * written here as a planted or a corrupt one would be.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/keys.h"
#include "util.h"

#define URL	"http://127.0.0.1:9/api/auth/jwks"
/* An Ed25519 JWK (RFC 8037's example public key). */
#define JWK	"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k1\"," \
		"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"

static char	 logbuf[8192];

static void
sink(enum ac_loglevel l, const char *line, void *arg)
{
	size_t	 n = strlen(logbuf);

	(void)l;
	(void)arg;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", line);
}

static void
cache_file(char *buf, size_t sz)
{

	ck_assert_int_lt(snprintf(buf, sz, "%s/jwks.json", tu_dir), (int)sz);
}

/* Writes the cache as a file of mode mode: url, attempted, fetched, keys. */
static void
plant(const char *url, const char *att, const char *fet, const char *keys,
    mode_t mode)
{
	char	 path[PATH_MAX];
	FILE	*f;

	cache_file(path, sizeof(path));
	unlink(path);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"url\":\"%s\",\"attempted\":%s,\"fetched\":%s,"
	    "\"jwks\":{\"keys\":[%s]}}", url, att, fet, keys);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static struct ac_app *
app_jwks(void)
{
	struct ac_app	*app;
	char		 path[PATH_MAX];

	tu_env(NULL);
	setenv("JWT_ALGORITHM", "EdDSA", 1);
	setenv("JWKS_URL", URL, 1);
	cache_file(path, sizeof(path));
	setenv("JWKS_CACHE_FILE", path, 1);
	app = ac_app_new();
	ck_assert_ptr_nonnull(app);
	ck_assert_int_eq(ac_app_load_config(app), AC_OK);
	return app;
}

static size_t
loaded(const struct ac_app *app)
{
	struct ac_keyset ks;
	size_t		 n;

	memset(&ks, 0, sizeof(ks));
	ks.signer = -1;
	ac_keys_add_remote(ac_app_config(app), &ks);
	n = ks.nkeys;
	ac_keys_free(&ks);
	return n;
}

static char *
now_str(long delta)
{
	static char	 buf[4][32];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%lld", (long long)time(NULL) + delta);
	return buf[i];
}

/* Item 4: a cache of another URL is not today's provider. */
START_TEST(test_cache_other_url)
{
	struct ac_app	*app = app_jwks();

	plant(URL, now_str(0), now_str(0), JWK, 0600);
	ck_assert_uint_eq(loaded(app), 1);
	plant("https://evil.example/jwks", now_str(0), now_str(0), JWK, 0600);
	ck_assert_uint_eq(loaded(app), 0);
	ac_app_free(app);
}
END_TEST

/* Item 4: a cache others can write is not trusted. */
START_TEST(test_cache_mode)
{
	struct ac_app	*app = app_jwks();
	char		 path[PATH_MAX], link[PATH_MAX + 8];

	plant(URL, now_str(0), now_str(0), JWK, 0666);
	ck_assert_uint_eq(loaded(app), 0);
	plant(URL, now_str(0), now_str(0), JWK, 0620);
	ck_assert_uint_eq(loaded(app), 0);
	/* Nor a symbolic link to a good one. */
	plant(URL, now_str(0), now_str(0), JWK, 0600);
	cache_file(path, sizeof(path));
	snprintf(link, sizeof(link), "%s.real", path);
	ck_assert_int_eq(rename(path, link), 0);
	ck_assert_int_eq(symlink(link, path), 0);
	ck_assert_uint_eq(loaded(app), 0);
	unlink(path);
	unlink(link);
	ac_app_free(app);
}
END_TEST

/* Item 4: the cache is written 0600, as a new file. */
START_TEST(test_cache_written_0600)
{
	struct ac_app	*app = app_jwks();
	char		 path[PATH_MAX];
	struct stat	 st;
	mode_t		 old = umask(0);

	cache_file(path, sizeof(path));
	unlink(path);
	ck_assert_int_eq(ac_jwks_refresh(ac_app_config(app), 1), -1);
	umask(old);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ac_app_free(app);
}
END_TEST

/* Item 20: times outside [0, now + leeway] do not make a cache fresh. */
START_TEST(test_cache_times)
{
	static const char *const bad[] = { "-9223372036854775808",
	    "9223372036854775807", "-1", "99999999999" };
	struct ac_app	*app = app_jwks();
	size_t		 i;

	/* A fresh cache: nothing is due. */
	plant(URL, now_str(0), now_str(0), JWK, 0600);
	ck_assert_int_eq(ac_jwks_refresh(ac_app_config(app), 0), 0);
	for (i = 0; i < nitems(bad); i++) {
		plant(URL, bad[i], bad[i], JWK, 0600);
		/* The fetch is tried (and fails: nothing listens). */
		ck_assert_msg(ac_jwks_refresh(ac_app_config(app), 0) == -1,
		    "attempted %s taken as fresh", bad[i]);
		ck_assert_uint_eq(loaded(app), 0);
	}
	ac_app_free(app);
}
END_TEST

/* Item 12: another process fetching never holds a request up. */
static void
on_alarm(int sig)
{

	(void)sig;
	_exit(3);
}

START_TEST(test_refresh_never_waits)
{
	struct ac_app	*app = app_jwks();
	char		 path[PATH_MAX], lock[PATH_MAX + 8];
	int		 fd;

	plant(URL, now_str(-3600), now_str(-7200), JWK, 0600);
	cache_file(path, sizeof(path));
	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	signal(SIGALRM, on_alarm);
	alarm(3);
	ck_assert_int_eq(ac_jwks_refresh(ac_app_config(app), 1), 0);
	alarm(0);
	close(fd);
	ac_app_free(app);
}
END_TEST

/* Item 10: the provider's text never makes a log line of its own. */
START_TEST(test_log_injection)
{
	struct ac_app	*app = app_jwks();
	char		*p;

	plant(URL, now_str(0), now_str(0), "{\"kty\":\"oct\\nprog=verify "
	    "level=error event=forged_line\",\"k\":\"AAAA\"}", 0600);
	logbuf[0] = '\0';
	ac_log_setup("test_jwks", AC_LOG_DEBUG, sink, NULL);
	ck_assert_uint_eq(loaded(app), 0);
	ac_log_setup("test_jwks", AC_LOG_ERROR, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(logbuf, "event=jwks_key_skipped"));
	for (p = logbuf; (p = strchr(p, '\n')) != NULL; p++)
		ck_assert_msg(strncmp(p + 1, "prog=verify", 11) != 0,
		    "forged line: %s", logbuf);
	ac_app_free(app);
}
END_TEST

/* Items 5 and 19: JWKS_URL through libcurl's parser; https required. */
START_TEST(test_url)
{
	static const struct {
		const char	*url;
		const char	*allow;
		int		 ok;
	} cases[] = {
		{ "https://auth.example.com/api/auth/jwks", NULL, 1 },
		{ "http://auth.example.com/api/auth/jwks", NULL, 0 },
		{ "http://auth.example.com/api/auth/jwks", "true", 1 },
		{ "http://127.0.0.1:3000/api/auth/jwks", NULL, 1 },
		{ "http://localhost:3000/api/auth/jwks", NULL, 1 },
		{ "http://[::1]:3000/api/auth/jwks", NULL, 1 },
		{ "http://127.0.0.1.evil.example/jwks", NULL, 0 },
		{ "http://", NULL, 0 },
		{ "https://", NULL, 0 },
		{ "http://a", NULL, 0 },
		{ "https://auth.example.com", NULL, 0 },
		{ "ftp://auth.example.com/jwks", NULL, 0 },
		{ "https://auth.example.com/a b", NULL, 0 },
	};
	struct ac_app	*app;
	size_t		 i;
	int		 ok;

	for (i = 0; i < nitems(cases); i++) {
		tu_env(NULL);
		setenv("JWT_ALGORITHM", "EdDSA", 1);
		setenv("JWKS_URL", cases[i].url, 1);
		if (cases[i].allow != NULL)
			setenv("JWKS_ALLOW_HTTP", cases[i].allow, 1);
		app = ac_app_new();
		ok = ac_app_load_config(app) == AC_OK;
		ck_assert_msg(ok == cases[i].ok, "%s: %s", cases[i].url,
		    ok ? "accepted" : ac_app_error(app));
		ac_app_free(app);
	}
}
END_TEST

Suite *
tu_suite(void)
{
	Suite		*s = suite_create("jwks");
	const TTest	*tests[] = { test_cache_other_url, test_cache_mode,
			    test_cache_written_0600, test_cache_times,
			    test_refresh_never_waits, test_log_injection,
			    test_url, NULL };

	ac_log_setup("test_jwks", AC_LOG_ERROR, NULL, NULL);
	ac_jwks_init();
	tu_tcase(s, "cache", 20, NULL, NULL, tests);

	return s;
}
