/*
 * test_rollout.c: the rollout's bucket function and flags (rollout.c),
 * including their re-reading when the configuration file changes, and
 * the pieces of server-side sessions that need no web server
 * (websession.c): the per-process lookup cache, Better Auth's cookie
 * signature and its expiresAt times.  The requests themselves are
 * tests/integration/rollout.sh and websession.sh.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/conf.h"
#include "core/tokens.h"
#include "util.h"

#define SECRET	"rollout-test-secret-0123456789-abcdefghijklmn"

static char	 conf[PATH_MAX];

/* Writes tu_dir/auth.conf (conf): the secret and extra. */
static void
write_conf(const char *extra)
{
	FILE	*f;

	tu_path(conf, sizeof(conf), "auth.conf");
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "JWT_SECRET=%s\n%s", SECRET, extra);
	fclose(f);
	ck_assert_int_eq(chmod(conf, 0600), 0);
}

/* An app whose configuration is the file alone, loaded with result want. */
static struct ac_app *
load_as(const char *extra, enum ac_reason want)
{
	struct ac_app	*app;

	tu_env_clear();
	write_conf(extra);
	setenv("AUTH_CONFIG", conf, 1);
	ck_assert_ptr_nonnull(app = ac_app_new());
	ck_assert_int_eq(ac_app_load_config(app), want);
	return app;
}

static struct ac_app *
load(const char *extra)
{

	return load_as(extra, AC_OK);
}

START_TEST(test_bucket_known)
{

	/* Python: int.from_bytes(sha256(id)[:4], "big") % 100. */
	ck_assert_int_eq(ac_rollout_bucket("alice", 5), 1);
	ck_assert_int_eq(ac_rollout_bucket(
	    "6f8ed215-55e8-44ef-b004-ec747e6bddee", 36), 66);
	ck_assert_int_eq(ac_rollout_bucket("", 0), 10);
}
END_TEST

/* Spread evenly: 10,000 ids, every decile holds 800 to 1,200. */
START_TEST(test_bucket_spread)
{
	char	 id[64];
	int	 dec[10], i, b;

	memset(dec, 0, sizeof(dec));
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "user-%d", i);
		b = ac_rollout_bucket(id, strlen(id));
		ck_assert_int_ge(b, 0);
		ck_assert_int_lt(b, 100);
		/* Stable: the same id, the same bucket. */
		ck_assert_int_eq(b, ac_rollout_bucket(id, strlen(id)));
		dec[b / 10]++;
	}
	for (i = 0; i < 10; i++) {
		ck_assert_int_ge(dec[i], 800);
		ck_assert_int_le(dec[i], 1200);
	}
}
END_TEST

/* bucket < percentage, and only while enabled; raising only adds. */
START_TEST(test_on_jwt)
{
	struct ac_app	*app;
	char		 id[64];
	int		 i, at10 = 0, at50 = 0;

	app = load("JWT_ROLLOUT_PERCENTAGE=10\n");
	ck_assert_int_eq(ac_rollout_percentage(app), 10);
	ck_assert_int_eq(ac_rollout_jwt_enabled(app), 1);
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "u%d", i);
		ck_assert_int_eq(ac_rollout_on_jwt(app, id),
		    ac_rollout_bucket(id, strlen(id)) < 10);
		at10 += ac_rollout_on_jwt(app, id);
	}
	ac_app_free(app);
	app = load("JWT_ROLLOUT_PERCENTAGE=50\n");
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "u%d", i);
		if (ac_rollout_bucket(id, strlen(id)) < 10)
			ck_assert(ac_rollout_on_jwt(app, id));
		at50 += ac_rollout_on_jwt(app, id);
	}
	ck_assert_int_gt(at50, at10);
	ac_app_free(app);
	/* Defaults: enabled, 100 %: everyone. */
	app = load("");
	ck_assert(ac_rollout_on_jwt(app, "anyone"));
	ac_app_free(app);
	app = load("JWT_AUTH_ENABLED=false\n");
	ck_assert(!ac_rollout_on_jwt(app, "anyone"));
	ac_app_free(app);
	app = load_as("JWT_ROLLOUT_PERCENTAGE=101\n", AC_CONFIG_INVALID);
	ac_app_free(app);
}
END_TEST

/* A changed file is re-read; an unchanged one is not; a bad one keeps. */
START_TEST(test_reload)
{
	struct ac_app	*app;

	app = load("JWT_ROLLOUT_PERCENTAGE=0\n");
	ck_assert_int_eq(ac_rollout_reload(app, 1), 0);	/* same values */
	write_conf("JWT_ROLLOUT_PERCENTAGE=25\nJWT_AUTH_ENABLED=true\n");
	ck_assert_int_eq(ac_rollout_reload(app, 1), 1);
	ck_assert_int_eq(ac_rollout_percentage(app), 25);
	/* Not forced: at most one look a second, and only at a change. */
	sleep(1);
	ck_assert_int_eq(ac_rollout_reload(app, 0), 0);
	write_conf("JWT_ROLLOUT_PERCENTAGE=5\nJWT_AUTH_ENABLED=false\n");
	sleep(1);
	ck_assert_int_eq(ac_rollout_reload(app, 0), 1);
	ck_assert_int_eq(ac_rollout_percentage(app), 5);
	ck_assert_int_eq(ac_rollout_jwt_enabled(app), 0);
	ck_assert(!ac_rollout_on_jwt(app, "alice"));
	/* A file with a problem: refused, the flags stay. */
	write_conf("JWT_ROLLOUT_PERCENTAGE=500\n");
	ck_assert_int_eq(ac_rollout_reload(app, 1), -1);
	ck_assert_int_eq(ac_rollout_percentage(app), 5);
	ck_assert_int_eq(ac_rollout_jwt_enabled(app), 0);
	/* The environment wins over the file, as at start-up. */
	setenv("JWT_ROLLOUT_PERCENTAGE", "70", 1);
	write_conf("JWT_ROLLOUT_PERCENTAGE=30\n");
	ck_assert_int_eq(ac_rollout_reload(app, 1), 1);
	ck_assert_int_eq(ac_rollout_percentage(app), 70);
	ck_assert_int_eq(ac_rollout_jwt_enabled(app), 1);
	unsetenv("JWT_ROLLOUT_PERCENTAGE");
	ac_app_free(app);
}
END_TEST

static struct ac_wsentry
entry(unsigned char b)
{
	struct ac_wsentry e;

	memset(&e, 0, sizeof(e));
	memset(e.hash, b, sizeof(e.hash));
	snprintf(e.uid, sizeof(e.uid), "user-%u", b);
	snprintf(e.sid, sizeof(e.sid), "sid-%u", b);
	e.expires = 2000000000;
	return e;
}

START_TEST(test_cache)
{
	struct ac_wsentry a = entry(1), b = entry(2), out;
	unsigned char	 h[32];

	ac_wscache_flush();
	ck_assert(!ac_wscache_get(a.hash, 1000, 1000, &out));
	ac_wscache_put(&a, 1000);
	/* A hit within the time, with what was put. */
	ck_assert(ac_wscache_get(a.hash, 1500, 1000, &out));
	ck_assert_str_eq(out.uid, "user-1");
	ck_assert_str_eq(out.sid, "sid-1");
	/* No longer once the time is over: revocation takes effect. */
	ck_assert(!ac_wscache_get(a.hash, 2000, 1000, &out));
	ck_assert(!ac_wscache_get(a.hash, 999, 1000, &out));
	/* Off when the time is 0. */
	ck_assert(!ac_wscache_get(a.hash, 1000, 0, &out));
	/* Another hash misses, even in the same slot. */
	memcpy(h, a.hash, sizeof(h));
	h[31] ^= 1;
	ck_assert(!ac_wscache_get(h, 1100, 1000, &out));
	ck_assert(!ac_wscache_get(b.hash, 1100, 1000, &out));
	ac_wscache_put(&b, 1100);
	ck_assert(ac_wscache_get(b.hash, 1100, 1000, &out));
	ck_assert_str_eq(out.uid, "user-2");
	ck_assert(ac_wscache_get(a.hash, 1100, 1000, &out));
	/* Logout drops its own entry at once. */
	ac_wscache_drop(a.hash);
	ck_assert(!ac_wscache_get(a.hash, 1100, 1000, &out));
	ck_assert(ac_wscache_get(b.hash, 1100, 1000, &out));
	ac_wscache_flush();
	ck_assert(!ac_wscache_get(b.hash, 1100, 1000, &out));
}
END_TEST

START_TEST(test_session_token)
{
	unsigned char	 h[32];

	ck_assert_int_eq(ac_websession_hash(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", h), 0);
	/* Non-zero padding bits, wrong lengths, other alphabets. */
	ck_assert_int_eq(ac_websession_hash(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", h), -1);
	ck_assert_int_eq(ac_websession_hash("AAAA", h), -1);
	ck_assert_int_eq(ac_websession_hash(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", h), -1);
	ck_assert_int_eq(ac_websession_hash("", h), -1);
}
END_TEST

/* Better Auth: "token.base64(HMAC-SHA256(secret, token))". */
START_TEST(test_better_auth_cookie)
{
	struct ac_config c;
	char	 v[256];

	memset(&c, 0, sizeof(c));
	c.secret = (char *)"0123456789abcdef0123456789abcdef";
	c.secretlen = strlen(c.secret);
	/* Python: base64.b64encode(hmac.new(secret, token, sha256)). */
	snprintf(v, sizeof(v), "AbCdEfGhIjKlMnOpQrStUvWxYz012345."
	    "VpKMwILzKQ6hTLa8RiRzrmLSiJ1NAzaH4Iwy9vevoCo=");
	ck_assert_int_eq(ac_websession_ba_check(&c, v), 0);
	ck_assert_str_eq(v, "AbCdEfGhIjKlMnOpQrStUvWxYz012345");
	/* Another token under that signature. */
	snprintf(v, sizeof(v), "AbCdEfGhIjKlMnOpQrStUvWxYz012346."
	    "VpKMwILzKQ6hTLa8RiRzrmLSiJ1NAzaH4Iwy9vevoCo=");
	ck_assert_int_eq(ac_websession_ba_check(&c, v), -2);
	/* Another secret. */
	snprintf(v, sizeof(v), "AbCdEfGhIjKlMnOpQrStUvWxYz012345."
	    "VpKMwILzKQ6hTLa8RiRzrmLSiJ1NAzaH4Iwy9vevoCo=");
	c.secret = (char *)"0123456789abcdef0123456789abcdeF";
	ck_assert_int_eq(ac_websession_ba_check(&c, v), -2);
	/* Malformed: no dot, short signature, no token. */
	snprintf(v, sizeof(v), "AbCdEfGhIjKlMnOpQrStUvWxYz012345");
	ck_assert_int_eq(ac_websession_ba_check(&c, v), -1);
	snprintf(v, sizeof(v), "abc.VpKMwILzKQ6hTLa8Ri=");
	ck_assert_int_eq(ac_websession_ba_check(&c, v), -1);
	snprintf(v, sizeof(v), ".VpKMwILzKQ6hTLa8RiRzrmLSiJ1NAzaH4Iwy9vevoCo=");
	ck_assert_int_eq(ac_websession_ba_check(&c, v), -1);
	snprintf(v, sizeof(v), "a.VpKMwILzKQ6hTLa8RiRzrmLSiJ1NAzaH4Iwy9vevo-o=");
	ck_assert_int_eq(ac_websession_ba_check(&c, v), -1);
}
END_TEST

START_TEST(test_times)
{

	ck_assert_int_eq(ac_websession_time("2026-12-05T08:22:26.123Z", 24),
	    1796458946);
	ck_assert_int_eq(ac_websession_time("2026-12-05 08:22:26.123+00", 26),
	    1796458946);
	ck_assert_int_eq(ac_websession_time("2026-12-05 09:22:26+01:00", 25),
	    1796458946);
	ck_assert_int_eq(ac_websession_time("1796458946123", 13), 1796458946);
	ck_assert_int_eq(ac_websession_time("tomorrow", 8), -1);
	ck_assert_int_eq(ac_websession_time("2026-12-05", 10), -1);
	ck_assert_int_eq(ac_websession_time("", 0), -1);
}
END_TEST

TU_SUITE("rollout", 30, NULL, NULL, test_bucket_known, test_bucket_spread,
    test_on_jwt, test_reload, test_cache, test_session_token,
    test_better_auth_cookie, test_times)
