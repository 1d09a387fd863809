/*
 * test_session.c: the token lifecycle of session.c against a SQLite file
 * in a temporary directory, with time passed in: users, login, rotation,
 * the grace window (a repeat gets the same successor while it is
 * current), reuse after the window (the family is revoked, its newest
 * token too), expiry, logout, session confinement, login throttling;
 * the refresh key K an old file gave (ac_session_oldkeys) is the K that
 * file gave at start-up, whichever kind of file it was.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/store.h"
#include "core/accounts.h"
#include "util.h"

#define SECRET	"session-test-secret-0123456789-abcdefghijklmn"
#define T0	1800000000
#define GRACE	5

static struct ac_app	*app;
static struct ac_store	*st;

static void
setup(void)
{

	tu_env(SECRET);
	tu_env_db("s");
	setenv("REFRESH_GRACE_SECONDS", "5", 1);
	setenv("AUTH_LOGIN_FREE_FAILURES", "3", 1);
	setenv("JWT_REFRESH_TOKEN_EXPIRE_DAYS", "7", 1);
	app = tu_app_load();
	ck_assert_ptr_null(ac_session_check(app));
	st = tu_store(app);
	ck_assert_int_eq(ac_user_add(app, st, "Alice@Example.com",
	    "pw-of-alice", T0, NULL, 0), AC_OK);
	ck_assert_int_eq(ac_user_add(app, st, "bob@example.com", "pw-of-bob-1",
	    T0, NULL, 0), AC_OK);
}

static void
teardown(void)
{

	ac_store_close(st);
	ac_app_free(app);
	st = NULL;
	app = NULL;
}

static void
login(const char *email, const char *pw, time_t now, struct ac_grant *g)
{
	long	 retry = 0;

	ck_assert_int_eq(ac_user_login(app, st, email, pw, "192.0.2.1",
	    "test", now, g, &retry), AC_OK);
	ck_assert_uint_eq(strlen(g->refresh), AC_REFRESH_LEN);
}

START_TEST(test_users)
{
	ck_assert_int_eq(ac_user_add(app, st, "alice@example.com", "another-pw",
	    T0, NULL, 0), AC_CONFLICT);
	ck_assert_int_eq(ac_user_add(app, st, "not-an-email", "long-enough",
	    T0, NULL, 0), AC_VALIDATION_FAILED);
	ck_assert_int_eq(ac_user_add(app, st, "carol@example.com", "short",
	    T0, NULL, 0), AC_VALIDATION_FAILED);
	ck_assert_int_eq(ac_user_passwd(app, st, "nobody@example.com",
	    "long-enough", T0), AC_NOT_FOUND);
}
END_TEST

START_TEST(test_login)
{
	struct ac_grant	 g;
	long		 retry = 0;

	login("ALICE@example.com", "pw-of-alice", T0, &g);
	ck_assert_str_eq(g.email, "alice@example.com");
	ck_assert_int_eq(g.expires, T0 + 7 * 86400);
	ck_assert_int_eq(ac_user_login(app, st, "alice@example.com", "wrong-pw",
	    "192.0.2.2", NULL, T0, &g, &retry), AC_CREDENTIALS_INVALID);
	ck_assert_int_eq(ac_user_login(app, st, "nobody@example.com",
	    "pw-of-alice", "192.0.2.3", NULL, T0, &g, &retry),
	    AC_CREDENTIALS_INVALID);
	ck_assert_int_eq(ac_user_disable(st, "alice@example.com", 1, T0), AC_OK);
	ck_assert_int_eq(ac_user_login(app, st, "alice@example.com",
	    "pw-of-alice", "192.0.2.4", NULL, T0, &g, &retry),
	    AC_ACCOUNT_DISABLED);
}
END_TEST

START_TEST(test_rotation_and_reuse)
{
	struct ac_grant	 g0, g1, g1b, g2, g;
	char		 r0[AC_REFRESH_LEN + 1], r1[AC_REFRESH_LEN + 1];

	login("alice@example.com", "pw-of-alice", T0, &g0);
	memcpy(r0, g0.refresh, sizeof(r0));

	ck_assert_int_eq(ac_session_refresh(app, st, r0, T0 + 10, &g1), AC_OK);
	ck_assert_str_ne(g1.refresh, r0);
	ck_assert_int_eq(g1.replayed, 0);
	ck_assert_str_eq(g1.session_id, g0.session_id);
	memcpy(r1, g1.refresh, sizeof(r1));

	/* A second tab within the window gets the same successor. */
	ck_assert_int_eq(ac_session_refresh(app, st, r0, T0 + 10 + GRACE - 1,
	    &g1b), AC_OK);
	ck_assert_int_eq(g1b.replayed, 1);
	ck_assert_str_eq(g1b.refresh, r1);

	ck_assert_int_eq(ac_session_refresh(app, st, r1, T0 + 20, &g2), AC_OK);
	ck_assert_str_ne(g2.refresh, r1);

	/* r0's successor is spent now: its repeat is reuse, window or not. */
	ck_assert_int_eq(ac_session_refresh(app, st, r0, T0 + 21, &g),
	    AC_REFRESH_TOKEN_REUSED);
	/* The family is revoked: the newest token stops working too. */
	ck_assert_int_eq(ac_session_refresh(app, st, g2.refresh, T0 + 22, &g),
	    AC_REFRESH_TOKEN_REVOKED);
}
END_TEST

START_TEST(test_reuse_after_window)
{
	struct ac_grant	 g0, g1, g;

	login("alice@example.com", "pw-of-alice", T0, &g0);
	ck_assert_int_eq(ac_session_refresh(app, st, g0.refresh, T0 + 1, &g1),
	    AC_OK);
	ck_assert_int_eq(ac_session_refresh(app, st, g0.refresh,
	    T0 + 1 + GRACE + 1, &g), AC_REFRESH_TOKEN_REUSED);
	ck_assert_int_eq(ac_session_refresh(app, st, g1.refresh,
	    T0 + 1 + GRACE + 2, &g), AC_REFRESH_TOKEN_REVOKED);
}
END_TEST

START_TEST(test_bad_tokens)
{
	struct ac_grant	 g0, g;

	ck_assert_int_eq(ac_session_refresh(app, st, "", T0, &g),
	    AC_REFRESH_TOKEN_MISSING);
	ck_assert_int_eq(ac_session_refresh(app, st, "abc", T0, &g),
	    AC_REFRESH_TOKEN_MALFORMED);
	ck_assert_int_eq(ac_session_refresh(app, st,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", T0, &g),
	    AC_REFRESH_TOKEN_UNKNOWN);
	login("alice@example.com", "pw-of-alice", T0, &g0);
	ck_assert_int_eq(ac_session_refresh(app, st, g0.refresh,
	    T0 + 7 * 86400 + 1, &g), AC_REFRESH_TOKEN_EXPIRED);
}
END_TEST

START_TEST(test_logout_and_sessions)
{
	struct ac_grant	 a, b, g, h;
	json_object	*list;

	login("alice@example.com", "pw-of-alice", T0, &a);
	login("bob@example.com", "pw-of-bob-1", T0, &b);
	ck_assert_int_eq(ac_session_list(st, a.user_id, a.session_id, T0 + 1,
	    &list), AC_OK);
	ck_assert_uint_eq(json_object_array_length(list), 1);
	json_object_put(list);
	/* Bob cannot revoke Alice's session. */
	ck_assert_int_eq(ac_session_revoke(st, b.user_id, a.session_id,
	    T0 + 2), AC_NOT_FOUND);
	ck_assert_int_eq(ac_session_refresh(app, st, a.refresh, T0 + 3, &g),
	    AC_OK);
	ck_assert_int_eq(ac_session_logout(st, g.refresh, T0 + 4), AC_OK);
	ck_assert_int_eq(ac_session_refresh(app, st, g.refresh, T0 + 5, &h),
	    AC_REFRESH_TOKEN_REVOKED);
	ck_assert_int_eq(ac_session_list(st, a.user_id, NULL, T0 + 6, &list),
	    AC_OK);
	ck_assert_uint_eq(json_object_array_length(list), 0);
	json_object_put(list);
	/* Bob's session is untouched. */
	ck_assert_int_eq(ac_session_refresh(app, st, b.refresh, T0 + 7, &h),
	    AC_OK);
}
END_TEST

START_TEST(test_throttle)
{
	struct ac_grant	 g;
	long		 retry = 0;
	int		 i;
	enum ac_reason	 rc = AC_OK;

	for (i = 0; i < 10 && rc != AC_RATE_LIMITED; i++)
		rc = ac_user_login(app, st, "alice@example.com", "wrong-pw",
		    "198.51.100.7", NULL, T0, &g, &retry);
	ck_assert_int_eq(rc, AC_RATE_LIMITED);
	ck_assert_int_le(i, 4);
	ck_assert_int_gt(retry, 0);
	/* Even the right password waits while blocked... */
	ck_assert_int_eq(ac_user_login(app, st, "alice@example.com",
	    "pw-of-alice", "198.51.100.7", NULL, T0, &g, &retry),
	    AC_RATE_LIMITED);
	/* ...and succeeds, clearing the count, once the delay has passed. */
	ck_assert_int_eq(ac_user_login(app, st, "alice@example.com",
	    "pw-of-alice", "198.51.100.7", NULL, T0 + 901, &g, &retry), AC_OK);
	ck_assert_int_eq(ac_user_login(app, st, "alice@example.com", "wrong-pw",
	    "198.51.100.7", NULL, T0 + 902, &g, &retry),
	    AC_CREDENTIALS_INVALID);
}
END_TEST

/*
 * Self-signup (issue 10, item 15): the address is unverified until
 * ac_user_verify, and grants say so (refresh.c then leaves the email out
 * of tokens); operator-added users are verified.
 */
START_TEST(test_signup_unverified)
{
	struct ac_grant	 g, h;

	ck_assert_int_eq(ac_user_signup(app, st, "Eve@Example.com",
	    "pw-of-eve-1", T0, NULL, 0), AC_OK);
	login("eve@example.com", "pw-of-eve-1", T0, &g);
	ck_assert_int_eq(g.email_verified, 0);
	ck_assert_int_eq(ac_session_refresh(app, st, g.refresh, T0 + 1, &h),
	    AC_OK);
	ck_assert_int_eq(h.email_verified, 0);
	ck_assert_int_eq(ac_user_verify(st, "EVE@example.com", T0), AC_OK);
	ck_assert_int_eq(ac_session_refresh(app, st, h.refresh, T0 + 10, &g),
	    AC_OK);
	ck_assert_int_eq(g.email_verified, 1);
	login("alice@example.com", "pw-of-alice", T0, &g);
	ck_assert_int_eq(g.email_verified, 1);
	ck_assert_int_eq(ac_user_verify(st, "nobody@example.com", T0),
	    AC_NOT_FOUND);
}
END_TEST

/*
 * Password spraying from one address: failures against many accounts
 * with the attacker's own successful login in between.  A success clears
 * the account's count only, so the address still reaches 429 (issue 10,
 * item 3: the old code cleared the address too and never blocked).
 */
START_TEST(test_throttle_spray)
{
	struct ac_grant	 g;
	char		 em[64];
	long		 retry = 0;
	int		 i, round;
	enum ac_reason	 rc = AC_OK;

	for (round = 0; round < 8 && rc != AC_RATE_LIMITED; round++) {
		for (i = 0; i < 2 && rc != AC_RATE_LIMITED; i++) {
			snprintf(em, sizeof(em), "victim%d-%d@example.com",
			    round, i);
			rc = ac_user_login(app, st, em, "guess-guess",
			    "203.0.113.9", NULL, T0, &g, &retry);
		}
		if (rc == AC_RATE_LIMITED)
			break;
		/* The attacker's own account, from the same address. */
		rc = ac_user_login(app, st, "bob@example.com", "pw-of-bob-1",
		    "203.0.113.9", NULL, T0, &g, &retry);
		ck_assert(rc == AC_OK || rc == AC_RATE_LIMITED);
	}
	/* 3 free failures x 4 for an address: blocked after the 12th. */
	ck_assert_int_eq(rc, AC_RATE_LIMITED);
	ck_assert_int_gt(retry, 0);
	/* The account's own count is cleared by its success, though. */
	ck_assert_int_eq(ac_user_login(app, st, "bob@example.com",
	    "pw-of-bob-1", "203.0.113.10", NULL, T0, &g, &retry), AC_OK);
}
END_TEST

/*
 * Free failures set no block: concurrent wrong passwords within the free
 * count, one of them a second later than the other, whose hash then took
 * seconds, must not block the address (the stretch of the earlier one
 * took the later one's "now" for a block of its own and 429'd everyone).
 */
START_TEST(test_throttle_free_no_stretch)
{
	struct ac_grant	 g;
	long		 retry = 0;

	ck_assert_int_eq(ac_throttle_begin(st, "email:x@example.com",
	    "ip:192.0.2.5", 3, T0 + 1, &retry), AC_OK);
	ck_assert_int_eq(ac_throttle_stretch(st, "email:y@example.com",
	    "ip:192.0.2.5", T0, 5), AC_OK);
	ck_assert_int_eq(ac_user_login(app, st, "alice@example.com",
	    "pw-of-alice", "192.0.2.5", NULL, T0 + 1, &g, &retry), AC_OK);
	ck_assert_int_eq(retry, 0);
}
END_TEST

struct racer {
	pthread_barrier_t *bar;
	enum ac_reason	 rc;
};

static void *
race_login(void *arg)
{
	struct racer	*r = arg;
	struct ac_store	*s;
	struct ac_grant	 g;
	char		 err[256];
	long		 retry = 0;

	if (ac_store_open(app, 1, &s, err, sizeof(err)) != AC_OK) {
		r->rc = AC_INTERNAL;
		return NULL;
	}
	pthread_barrier_wait(r->bar);
	r->rc = ac_user_login(app, s, "alice@example.com", "wrong-guess",
	    "198.51.100.20", NULL, T0, &g, &retry);
	ac_store_close(s);
	return NULL;
}

/*
 * The attempt is counted before the password is hashed: of NRACE wrong
 * guesses that arrive at once, only the free ones (3) get an answer;
 * the rest wait (429).  Counting after the hash let them all through.
 */
#define NRACE	6
START_TEST(test_throttle_race)
{
	pthread_t	 t[NRACE];
	pthread_barrier_t bar;
	struct racer	 r[NRACE];
	int		 i, invalid = 0, limited = 0;

	pthread_barrier_init(&bar, NULL, NRACE);
	for (i = 0; i < NRACE; i++) {
		r[i].bar = &bar;
		r[i].rc = AC_OK;
		ck_assert_int_eq(pthread_create(&t[i], NULL, race_login,
		    &r[i]), 0);
	}
	for (i = 0; i < NRACE; i++) {
		pthread_join(t[i], NULL);
		if (r[i].rc == AC_CREDENTIALS_INVALID)
			invalid++;
		else if (r[i].rc == AC_RATE_LIMITED)
			limited++;
	}
	pthread_barrier_destroy(&bar);
	ck_assert_int_eq(invalid, 3);
	ck_assert_int_eq(limited, NRACE - 3);
}
END_TEST

/* Writes text to tu_dir/name with mode; its path in buf. */
static void
put(char *buf, size_t sz, const char *name, const char *text, mode_t mode)
{
	int	 fd;

	tu_path(buf, sz, name);
	unlink(buf);
	ck_assert_int_ne(fd = open(buf, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

/* K of a fresh app loaded under the environment: into k. */
static void
k_now(unsigned char k[32])
{
	struct ac_app	*a = tu_app_load();

	ck_assert_int_eq(a->has_refresh_key, 1);
	memcpy(k, a->refresh_key, 32);
	ac_app_free(a);
}

/* Whether one of the n keys in k is want. */
static int
has_key(unsigned char k[2][32], int n, const unsigned char want[32])
{
	int	 i;

	for (i = 0; i < n; i++)
		if (memcmp(k[i], want, 32) == 0)
			return 1;
	return 0;
}

/*
 * ac_session_oldkeys: the K each kind of old file gave at start-up
 * (REFRESH_TOKEN_SECRET_FILE; without it JWT_SECRET_FILE or a PEM
 * JWT_PRIVATE_KEY_FILE) is among the keys it derives from that file under
 * another configuration (HS256, another REFRESH_TOKEN_SECRET_FILE); a
 * file that cannot serve, or that gives the current K, gives none.
 */
START_TEST(test_oldkeys)
{
	struct ac_app	*now;
	unsigned char	 k[2][32], want[32];
	char		 sec[PATH_MAX], ref[PATH_MAX], cur[PATH_MAX], pem[PATH_MAX];
	char		 bad[PATH_MAX], err[512];
	EVP_PKEY	*pk;
	FILE		*f;
	int		 n;

	/* A trailing tab: the two readings keep different bytes. */
	put(sec, sizeof(sec), "old-jwt.key", SECRET "-old\t\n", 0600);
	put(ref, sizeof(ref), "old-refresh.key", SECRET "-refresh\n", 0600);
	put(cur, sizeof(cur), "cur-refresh.key", SECRET "-current\n", 0600);
	ck_assert_ptr_nonnull(pk = EVP_EC_gen("P-256"));
	tu_path(pem, sizeof(pem), "old.pem");
	unlink(pem);
	ck_assert_ptr_nonnull(f = fopen(pem, "w"));
	ck_assert_int_eq(chmod(pem, 0600), 0);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
	EVP_PKEY_free(pk);

	/* Now: HS256 from JWT_SECRET, REFRESH_TOKEN_SECRET_FILE cur. */
	setenv("REFRESH_TOKEN_SECRET_FILE", cur, 1);
	now = tu_app_load();

	/* K from JWT_SECRET_FILE sec, no refresh file. */
	tu_env(NULL);
	tu_env_db("s");
	setenv("JWT_SECRET_FILE", sec, 1);
	k_now(want);
	n = ac_session_oldkeys(now, sec, k, err, sizeof(err));
	ck_assert_msg(n == 2, "%d: %s", n, n == -1 ? err : "");
	ck_assert(has_key(k, n, want));
	ck_assert(!has_key(k, n, now->refresh_key));

	/* K from the PEM of an ES256 setup. */
	tu_env(NULL);
	tu_env_db("s");
	setenv("JWT_ALGORITHM", "ES256", 1);
	setenv("JWT_PRIVATE_KEY_FILE", pem, 1);
	k_now(want);
	n = ac_session_oldkeys(now, pem, k, err, sizeof(err));
	ck_assert_msg(n >= 1, "%d: %s", n, n == -1 ? err : "");
	ck_assert(has_key(k, n, want));

	/* K from another REFRESH_TOKEN_SECRET_FILE. */
	setenv("REFRESH_TOKEN_SECRET_FILE", ref, 1);
	k_now(want);
	n = ac_session_oldkeys(now, ref, k, err, sizeof(err));
	ck_assert_msg(n == 1, "%d: %s", n, n == -1 ? err : "");
	ck_assert(has_key(k, n, want));

	/* Files that cannot serve. */
	ck_assert_int_eq(ac_session_oldkeys(now, cur, k, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "in use now"));
	put(bad, sizeof(bad), "open.key", SECRET "-open\n", 0644);
	ck_assert_int_eq(ac_session_oldkeys(now, bad, k, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "world-readable"));
	put(bad, sizeof(bad), "short.key", "31-bytes-0123456789-0123456789\n",
	    0600);
	ck_assert_int_eq(ac_session_oldkeys(now, bad, k, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "at least 32"));
	tu_path(bad, sizeof(bad), "missing.key");
	unlink(bad);
	ck_assert_int_eq(ac_session_oldkeys(now, bad, k, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, bad));
	ac_app_free(now);
}
END_TEST

TU_SUITE("session", 60, setup, teardown, test_users, test_login,
    test_rotation_and_reuse, test_reuse_after_window, test_bad_tokens,
    test_logout_and_sessions, test_throttle, test_throttle_spray,
    test_signup_unverified, test_throttle_race, test_throttle_free_no_stretch,
    test_oldkeys)
