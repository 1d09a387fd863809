/*
 * users.c: accounts, over the neutral ac_db_ interface: adding (by
 * authctl or self-signup), verifying an email, passwords, disabling, the
 * list, and login.  Passwords are argon2id (libsodium, interactive
 * limits); an unknown email costs the same hash as a known one.  Login is
 * throttled per account and per address (throttle.c) and, on success,
 * opens a session with its first refresh token (ac_session_open:
 * session.c holds sessions from there on: rotation, revocation, prune).
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "ac.h"
#include "base.h"
#include "store.h"
#include "accounts.h"

#define MAXPW		1024

/* Normalises an email into out (lower case); -1 when unusable. */
static int
email_norm(const char *in, char *out, size_t n)
{
	size_t	 i, len, at = 0, nat = 0;

	if (in == NULL || (len = strlen(in)) < 3 || len > 254 || len >= n)
		return -1;
	for (i = 0; i < len; i++) {
		if ((unsigned char)in[i] <= 0x20 || in[i] == 0x7f)
			return -1;
		if (in[i] == '@') {
			at = i;
			nat++;
		}
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[len] = '\0';
	return nat == 1 && at > 0 && at < len - 1 ? 0 : -1;
}

static int
pw_ok(const char *pw)
{
	size_t	 n;

	return pw != NULL && (n = strlen(pw)) >= 8 && n <= MAXPW;
}

int
ac_user_invalid(const char *email, const char *password)
{
	char	 em[256];

	return (email_norm(email, em, sizeof(em)) == -1 ? AC_USER_BAD_EMAIL :
	    0) | (pw_ok(password) ? 0 : password != NULL &&
	    strlen(password) > MAXPW ? AC_USER_LONG_PASSWORD :
	    AC_USER_SHORT_PASSWORD);
}

/* argon2id's memory for new hashes: AUTH_PASSWORD_HASH_MEMORY_KIB. */
static size_t
hash_mem(const struct ac_app *app)
{

	return (size_t)app->cfg.pwhash_kib * 1024;
}

enum ac_reason
ac_password_hash(const struct ac_app *app, const char *pw, char *out)
{

	if (sodium_init() < 0)
		return AC_INTERNAL;
	if (crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, hash_mem(app)) != 0)
		return AC_NOMEM;
	return AC_OK;
}

/*
 * A hash of a random password, so that unknown emails cost the same:
 * made at the first login, with its app's cost (a process serves one).
 */
static char	 dummy[crypto_pwhash_STRBYTES];
static int	 dummy_ready;
static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
dummy_hash(const struct ac_app *app)
{
	unsigned char	 r[16];
	char		 pw[33];

	if (__atomic_load_n(&dummy_ready, __ATOMIC_ACQUIRE))
		return dummy;
	pthread_mutex_lock(&dummy_lock);
	if (!dummy_ready) {
		randombytes_buf(r, sizeof(r));
		sodium_bin2hex(pw, sizeof(pw), r, sizeof(r));
		if (ac_password_hash(app, pw, dummy) != AC_OK)
			dummy[0] = '\0';
		OPENSSL_cleanse(pw, sizeof(pw));
		__atomic_store_n(&dummy_ready, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&dummy_lock);
	return dummy;
}

/* A fresh random user id: a UUID. */
static void
new_uuid(char out[37])
{
	unsigned char	 r[16];

	randombytes_buf(r, sizeof(r));
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}


/* Users --------------------------------------------------------------- */

static enum ac_reason
user_insert(const struct ac_app *app, struct ac_store *s, const char *email,
    const char *password, time_t now, char *id, size_t idsz, int verified)
{
	char		 em[256], uid[37], hash[AC_PWHASH_MAX];
	struct ac_dbval	 p[6];
	enum ac_reason	 rc;

	if (email_norm(email, em, sizeof(em)) == -1 || !pw_ok(password))
		return AC_VALIDATION_FAILED;
	if ((rc = ac_password_hash(app, password, hash)) != AC_OK)
		return rc;
	new_uuid(uid);
	p[0] = AC_DBS(uid);
	p[1] = AC_DBS(em);
	p[2] = AC_DBS(hash);
	p[3] = AC_DBI((int64_t)now);
	p[4] = AC_DBI((int64_t)now);
	p[5] = AC_DBI(verified ? 1 : 0);
	rc = ac_db_exec(s, "INSERT INTO users (id, email, password_hash, "
	    "disabled, created, updated, email_verified) VALUES ($1, $2, $3, "
	    "0, $4, $5, $6)", p, 6, NULL, NULL, NULL);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (rc == AC_OK && id != NULL)
		snprintf(id, idsz, "%s", uid);
	return rc;
}

enum ac_reason
ac_user_add(const struct ac_app *app, struct ac_store *s, const char *email,
    const char *password, time_t now, char *id, size_t idsz)
{

	return user_insert(app, s, email, password, now, id, idsz, 1);
}

enum ac_reason
ac_user_signup(const struct ac_app *app, struct ac_store *s,
    const char *email, const char *password, time_t now, char *id,
    size_t idsz)
{

	return user_insert(app, s, email, password, now, id, idsz, 0);
}

/*
 * Sets one column of the account with the normalised email em, and its
 * updated time: sql has val as $1, now as $2 and em as $3.  AC_NOT_FOUND
 * when no account has that email.
 */
static enum ac_reason
user_set(struct ac_store *s, const char *sql, struct ac_dbval val,
    const char *em, time_t now)
{
	struct ac_dbval	 p[3];
	int64_t		 n = 0;
	enum ac_reason	 rc;

	p[0] = val;
	p[1] = AC_DBI((int64_t)now);
	p[2] = AC_DBS(em);
	rc = ac_db_exec(s, sql, p, 3, NULL, NULL, &n);
	if (rc == AC_OK && n == 0)
		rc = AC_NOT_FOUND;
	return rc;
}

enum ac_reason
ac_user_verify(struct ac_store *s, const char *email, time_t now)
{
	char		 em[256];

	if (email_norm(email, em, sizeof(em)) == -1)
		return AC_NOT_FOUND;
	return user_set(s, "UPDATE users SET email_verified = $1, "
	    "updated = $2 WHERE email = $3", AC_DBI(1), em, now);
}

/*
 * Inside a transaction: ends every session of the user with address em
 * (why: the revoke_reason), and with them their refresh tokens; their
 * access tokens are refused from the next revocation poll (revoke.c).
 * Sessions first: the order in which a refresh locks.
 */
static enum ac_reason
end_sessions(struct ac_store *s, const char *em, const char *why,
    time_t now)
{
	struct ac_dbval	 p[3];
	enum ac_reason	 rc;

	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(em);
	p[2] = AC_DBS(why);
	if ((rc = ac_db_exec(s, "UPDATE sessions SET revoked = $1, "
	    "revoke_reason = $3 WHERE revoked IS NULL AND "
	    "user_id IN (SELECT id FROM users WHERE email = $2)", p, 3,
	    NULL, NULL, NULL)) != AC_OK)
		return rc;
	return ac_db_exec(s, "UPDATE refresh_tokens SET revoked = $1 "
	    "WHERE revoked IS NULL AND user_id IN (SELECT id FROM users "
	    "WHERE email = $2)", p, 2, NULL, NULL, NULL);
}

/*
 * A new password ends every session of the user: whoever knew the old
 * one (the reason to change it) is logged out, their access tokens too.
 */
enum ac_reason
ac_user_passwd(const struct ac_app *app, struct ac_store *s,
    const char *email, const char *password, time_t now)
{
	char		 em[256], hash[AC_PWHASH_MAX];
	enum ac_reason	 rc;

	if (email_norm(email, em, sizeof(em)) == -1)
		return AC_NOT_FOUND;
	if (!pw_ok(password))
		return AC_VALIDATION_FAILED;
	if ((rc = ac_password_hash(app, password, hash)) != AC_OK)
		return rc;
	if ((rc = ac_db_begin(s)) == AC_OK) {
		if ((rc = user_set(s, "UPDATE users SET password_hash = $1, "
		    "updated = $2 WHERE email = $3", AC_DBS(hash), em,
		    now)) == AC_OK)
			rc = end_sessions(s, em, "password", now);
		rc = ac_db_end(s, rc);
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

enum ac_reason
ac_user_disable(struct ac_store *s, const char *email, int disabled,
    time_t now)
{
	char		 em[256];
	enum ac_reason	 rc;

	if (email_norm(email, em, sizeof(em)) == -1)
		return AC_NOT_FOUND;
	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	if ((rc = user_set(s, "UPDATE users SET disabled = $1, updated = $2 "
	    "WHERE email = $3", AC_DBI(disabled ? 1 : 0), em, now)) == AC_OK &&
	    disabled)
		rc = end_sessions(s, em, "disabled", now);
	return ac_db_end(s, rc);
}

enum ac_reason
ac_user_list(struct ac_store *s, ac_dbrow cb, void *arg)
{

	return ac_db_exec(s, "SELECT u.id, u.email, u.disabled, u.created, "
	    "(SELECT count(*) FROM sessions x WHERE x.user_id = u.id AND "
	    "x.revoked IS NULL) FROM users u ORDER BY u.created, u.email",
	    NULL, 0, cb, arg, NULL);
}

/*
 * An account's row (accounts.h's struct ac_acct): login reads it here, the
 * account routes (account.c, twofactor.c, through acct.c) too.
 */
static const struct ac_dbcol acct_cols[] = {
	AC_DBCOL_TEXT(struct ac_acct, id),
	AC_DBCOL_TEXT(struct ac_acct, email),
	AC_DBCOL_TEXT(struct ac_acct, hash),
	AC_DBCOL_FLAG(struct ac_acct, disabled),
	AC_DBCOL_FLAG(struct ac_acct, verified),
	AC_DBCOL_FLAG(struct ac_acct, totp),
	AC_DBCOL_TEXT(struct ac_acct, secret),
	AC_DBCOL_INT(struct ac_acct, step, 0),
};

enum ac_reason
ac_acct_get(struct ac_store *s, const char *uid, const char *email,
    struct ac_acct *a)
{
	struct ac_dbval	 p[1];

	memset(a, 0, sizeof(*a));
	if (uid != NULL) {
		p[0] = AC_DBS(uid);
		return ac_db_row(s, "SELECT id, email, password_hash, disabled, "
		    "email_verified, totp_enabled, totp_secret, totp_step FROM "
		    "users WHERE id = $1", p, 1, acct_cols, nitems(acct_cols),
		    a, &a->found);
	}
	/* Emails are stored in lower case (users.c). */
	p[0] = AC_DBS(email);
	return ac_db_row(s, "SELECT id, email, password_hash, disabled, "
	    "email_verified, totp_enabled, totp_secret, totp_step FROM users "
	    "WHERE email = lower($1)", p, 1, acct_cols, nitems(acct_cols), a,
	    &a->found);
}

void
ac_acct_clear(struct ac_acct *a)
{

	OPENSSL_cleanse(a, sizeof(*a));
}

enum ac_reason
ac_user_login(const struct ac_app *app, struct ac_store *s,
    const char *email, const char *password, const char *ip, const char *ua,
    time_t now, struct ac_grant *g, long *retry_after)
{
	const struct ac_config *c = &app->cfg;
	struct ac_acct	 u;
	char		 em[256], ekey[300], ikey[80];
	struct ac_dbval	 p[2];
	size_t		 pwlen;
	long long	 t0;
	int		 ok;
	enum ac_reason	 rc;

	memset(g, 0, sizeof(*g));
	memset(&u, 0, sizeof(u));
	*retry_after = 0;
	if (email_norm(email, em, sizeof(em)) == -1)
		em[0] = '\0';
	snprintf(ekey, sizeof(ekey), "email:%s", em);
	snprintf(ikey, sizeof(ikey), "ip:%.64s", ip != NULL ? ip : "-");

	/* Counted before the hash: see throttle.c. */
	if ((rc = ac_throttle_begin(s, em[0] != '\0' ? ekey : NULL, ikey,
	    c->login_free, now, retry_after)) != AC_OK)
		return rc;

	if (em[0] != '\0' && (rc = ac_acct_get(s, NULL, em, &u)) != AC_OK)
		return rc;
	pwlen = password != NULL ? strlen(password) : 0;
	if (pwlen > MAXPW)
		pwlen = MAXPW;
	t0 = ac_clock_ms();
	ok = crypto_pwhash_str_verify(u.found ? u.hash : dummy_hash(app),
	    password != NULL ? password : "", pwlen) == 0 && u.found &&
	    password != NULL && strlen(password) <= MAXPW;
	if (!ok) {
		if ((rc = ac_throttle_stretch(s, em[0] != '\0' ? ekey : NULL,
		    ikey, now, (long)(ac_clock_ms() / 1000 - t0 / 1000))) != AC_OK)
			return rc;
		/* For the audit line only: the account the attempt named. */
		if (u.found)
			snprintf(g->user_id, sizeof(g->user_id), "%s", u.id);
		ac_acct_clear(&u);
		return AC_CREDENTIALS_INVALID;
	}
	if (u.disabled || u.totp) {
		/* Two-factor: no session until a code (twofactor.c). */
		snprintf(g->user_id, sizeof(g->user_id), "%s", u.id);
		rc = u.disabled ? AC_ACCOUNT_DISABLED : AC_TWO_FACTOR_REQUIRED;
		ac_acct_clear(&u);
		return rc;
	}

	/*
	 * Success: clear the account's count (not the address's), open a
	 * session and its first token.
	 */
	snprintf(g->user_id, sizeof(g->user_id), "%s", u.id);
	snprintf(g->email, sizeof(g->email), "%s", u.email);
	g->email_verified = u.verified;
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	if ((rc = ac_throttle_success(s, ekey, ikey, now)) != AC_OK)
		goto out;
	if (crypto_pwhash_str_needs_rehash(u.hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, hash_mem(app)) != 0 &&
	    ac_password_hash(app, password, u.hash) == AC_OK) {
		p[0] = AC_DBS(u.hash);
		p[1] = AC_DBS(u.id);
		if ((rc = ac_db_exec(s, "UPDATE users SET password_hash = $1 "
		    "WHERE id = $2", p, 2, NULL, NULL, NULL)) != AC_OK)
			goto out;
	}
	rc = ac_session_open(app, s, u.id, ip, ua, now, g);
out:
	ac_acct_clear(&u);
	if ((rc = ac_db_end(s, rc)) != AC_OK)
		memset(g, 0, sizeof(*g));
	return rc;
}

