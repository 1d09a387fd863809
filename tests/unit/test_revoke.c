/*
 * test_revoke.c: revocation reaches access tokens (revoke.c).  Against a
 * SQLite file in a temporary directory, with the real clock: a token
 * carrying a session's sid verifies, and once the session ends (logout,
 * revoking it, log out everywhere, disabling the user, refresh-token
 * reuse) the same token is refused with AC_TOKEN_REVOKED within a
 * second, also when the verified-token cache holds it; tokens without
 * sid, and other sessions' tokens, still verify; with
 * JWT_REVOCATION_CHECK=false nothing is refused; a set read once (no
 * poller, as authctl does) sees what was revoked before.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/store.h"
#include "core/tokens.h"
#include "util.h"

#define SECRET	"revoke-test-secret-0123456789-abcdefghijklmn"
#define GRACE	2

static struct ac_app	*app;
static struct ac_store	*st;

static void
setup_env(const char *check)
{

	tu_env(SECRET);
	tu_env_db("r");
	setenv("REFRESH_GRACE_SECONDS", "2", 1);
	setenv("JWT_REVOCATION_POLL_MS", "100", 1);
	setenv("JWT_REVOCATION_CHECK", check, 1);
	app = tu_app_load();
	st = tu_store(app);
	ck_assert_int_eq(ac_user_add(app, st, "alice@example.com",
	    "pw-of-alice", time(NULL), NULL, 0), AC_OK);
	ck_assert_int_eq(ac_user_add(app, st, "bob@example.com", "pw-of-bob-1",
	    time(NULL), NULL, 0), AC_OK);
}

static void
setup(void)
{

	setup_env("true");
	ac_revoke_enable(app, 1);
}

static void
teardown(void)
{

	ac_store_close(st);
	/* The poller thread still points at app: the test process ends. */
	st = NULL;
}

static void
login(const char *email, const char *pw, struct ac_grant *g)
{
	long	 retry = 0;

	ck_assert_int_eq(ac_user_login(app, st, email, pw, "192.0.2.1",
	    "test", time(NULL), g, &retry), AC_OK);
}

/* An access token for g, as refresh issues it (sid and email). */
static char *
access_token(const struct ac_grant *g)
{
	json_object	*x = json_object_new_object();
	char		*t = NULL;

	json_object_object_add(x, "sid", json_object_new_string(g->session_id));
	json_object_object_add(x, "email", json_object_new_string(g->email));
	ck_assert_int_eq(ac_token_issue(app, g->user_id, 0, x, &t), AC_OK);
	json_object_put(x);
	return t;
}

static enum ac_reason
verify(const char *t)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_token_verify(app, t, strlen(t), time(NULL), &tok);
	ac_token_clear(&tok);
	return rc;
}

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Verifies t every 10 ms until it is refused; fails unless it is refused
 * with AC_TOKEN_REVOKED within a second of t0.
 */
static void
refused_within_1s(const char *t, double t0, const char *what)
{
	enum ac_reason	 rc;

	while ((rc = verify(t)) == AC_OK && mono() - t0 < 3.0)
		usleep(10000);
	ck_assert_msg(rc == AC_TOKEN_REVOKED, "%s: %s", what,
	    ac_reason_str(rc));
	ck_assert_msg(mono() - t0 <= 1.0, "%s: refused after %.3f s", what,
	    mono() - t0);
}

START_TEST(test_logout)
{
	struct ac_grant	 g, h;
	char		*t, *other, *nosid;
	double		 t0;

	login("alice@example.com", "pw-of-alice", &g);
	login("alice@example.com", "pw-of-alice", &h);
	t = access_token(&g);
	other = access_token(&h);
	ck_assert_int_eq(ac_token_issue(app, g.user_id, 0, NULL, &nosid),
	    AC_OK);
	ck_assert_int_eq(verify(t), AC_OK);
	ck_assert_int_eq(verify(t), AC_OK);	/* now in the cache */
	ck_assert_int_eq(verify(nosid), AC_OK);
	t0 = mono();
	ck_assert_int_eq(ac_session_logout(st, g.refresh, time(NULL)), AC_OK);
	refused_within_1s(t, t0, "logout");
	ck_assert_int_eq(verify(t), AC_TOKEN_REVOKED);
	ck_assert_int_eq(verify(other), AC_OK);	/* another session */
	ck_assert_int_eq(verify(nosid), AC_OK);	/* no sid: not ours */
	free(t);
	free(other);
	free(nosid);
}
END_TEST

START_TEST(test_revoke_one_and_all)
{
	struct ac_grant	 g, h, b;
	char		*t, *u, *bt;
	double		 t0;

	login("alice@example.com", "pw-of-alice", &g);
	login("alice@example.com", "pw-of-alice", &h);
	login("bob@example.com", "pw-of-bob-1", &b);
	t = access_token(&g);
	u = access_token(&h);
	bt = access_token(&b);
	ck_assert_int_eq(verify(t), AC_OK);
	ck_assert_int_eq(verify(u), AC_OK);
	t0 = mono();
	ck_assert_int_eq(ac_session_revoke(st, g.user_id, g.session_id,
	    time(NULL)), AC_OK);
	refused_within_1s(t, t0, "revoke one");
	ck_assert_int_eq(verify(u), AC_OK);
	t0 = mono();
	ck_assert_int_eq(ac_session_revoke_all(st, g.user_id, time(NULL),
	    NULL), AC_OK);
	refused_within_1s(u, t0, "log out everywhere");
	ck_assert_int_eq(verify(bt), AC_OK);	/* bob is not alice */
	free(t);
	free(u);
	free(bt);
}
END_TEST

START_TEST(test_disable)
{
	struct ac_grant	 g;
	char		*t;
	double		 t0;

	login("bob@example.com", "pw-of-bob-1", &g);
	t = access_token(&g);
	ck_assert_int_eq(verify(t), AC_OK);
	t0 = mono();
	ck_assert_int_eq(ac_user_disable(st, "bob@example.com", 1, time(NULL)),
	    AC_OK);
	refused_within_1s(t, t0, "disable");
	free(t);
}
END_TEST

START_TEST(test_reuse)
{
	struct ac_grant	 g, g1, g2;
	char		*t, r0[AC_REFRESH_LEN + 1];
	double		 t0;
	enum ac_reason	 rc;

	login("alice@example.com", "pw-of-alice", &g);
	memcpy(r0, g.refresh, sizeof(r0));
	ck_assert_int_eq(ac_session_refresh(app, st, r0, time(NULL), &g1),
	    AC_OK);
	t = access_token(&g1);
	ck_assert_int_eq(verify(t), AC_OK);
	/* r0 again after the grace window: theft detected. */
	sleep(GRACE + 1);
	rc = ac_session_refresh(app, st, r0, time(NULL), &g2);
	t0 = mono();
	ck_assert_int_eq(rc, AC_REFRESH_TOKEN_REUSED);
	refused_within_1s(t, t0, "reuse");
	free(t);
}
END_TEST

/* Read once (authctl): what was revoked before is known at once. */
START_TEST(test_read_once)
{
	struct ac_grant	 g;
	char		*t;

	setup_env("true");
	login("alice@example.com", "pw-of-alice", &g);
	t = access_token(&g);
	ck_assert_int_eq(ac_session_logout(st, g.refresh, time(NULL)), AC_OK);
	ck_assert_int_eq(verify(t), AC_OK);	/* not enabled yet */
	ac_revoke_enable(app, 0);
	ck_assert_int_eq(verify(t), AC_TOKEN_REVOKED);
	ck_assert_int_ne(ac_revoke_lastread(), 0);
	free(t);
}
END_TEST

START_TEST(test_off)
{
	struct ac_grant	 g;
	char		*t;

	setup_env("false");
	ac_revoke_enable(app, 1);
	login("alice@example.com", "pw-of-alice", &g);
	t = access_token(&g);
	ck_assert_int_eq(ac_session_logout(st, g.refresh, time(NULL)), AC_OK);
	usleep(300000);
	ck_assert_int_eq(verify(t), AC_OK);
	ck_assert_int_eq(ac_revoke_lastread(), 0);
	free(t);
}
END_TEST

Suite *
tu_suite(void)
{
	Suite		*s = suite_create("revoke");
	const TTest	*tests[] = { test_logout, test_revoke_one_and_all,
			    test_disable, test_reuse, NULL };
	const TTest	*setups[] = { test_read_once, test_off, NULL };

	tu_tcase(s, "revoke", 60, setup, teardown, tests);
	tu_tcase(s, "revoke-setup", 60, NULL, teardown, setups);
	/* Each test in its own process: the revocation set is per process. */
	tu_fork = 1;
	return s;
}
