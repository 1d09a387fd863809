/*
 * account.c: what people do with their own accounts, over the neutral
 * ac_db_ interface: the one-time tokens of mailed links (password reset,
 * email verification), resetting and changing a password, and deleting
 * the account.  The account's row, throttle and password check are
 * acct.c's; two-factor login is twofactor.c's; mails are mail.c's;
 * routes are the refresh program's (src/account.c).
 *
 * A link's token is 32 random bytes, base64url, like a refresh token;
 * only its SHA-256 is stored, it works once and for
 * AUTH_MAIL_LINK_EXPIRE_MINUTES.  Asking for a link costs the same
 * whether the address has an account or not: both run a write
 * transaction (which clears spent and old links), so neither the answer
 * nor its time tells who has an account.  Password checks here count
 * toward the login throttle (throttle.c) as logins do.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "ac.h"
#include "base.h"
#include "store.h"
#include "accounts.h"

/*
 * Inside a transaction: ends the user's sessions but except (may be
 * NULL), their refresh tokens with them; revoke.c then refuses their
 * access tokens.
 */
static enum ac_reason
end_sessions(struct ac_store *s, const char *uid, const char *except,
    const char *why, time_t now)
{
	struct ac_dbval	 p[4];
	enum ac_reason	 rc;

	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(uid);
	p[2] = AC_DBS(except != NULL ? except : "");
	p[3] = AC_DBS(why);
	if ((rc = ac_db_exec(s, "UPDATE sessions SET revoked = $1, "
	    "revoke_reason = $4 WHERE user_id = $2 AND id <> $3 AND "
	    "revoked IS NULL", p, 4, NULL, NULL, NULL)) != AC_OK)
		return rc;
	return ac_db_exec(s, "UPDATE refresh_tokens SET revoked = $1 WHERE "
	    "user_id = $2 AND session_id <> $3 AND revoked IS NULL", p, 3,
	    NULL, NULL, NULL);
}

/* Links ----------------------------------------------------------------- */

static int
count_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1)
		*(int64_t *)arg = ac_db_int(&v[0], 0);
	return 1;
}

enum ac_reason
ac_account_link(const struct ac_app *app, struct ac_store *s,
    const char *email, const char *purpose, time_t now, int limit,
    char tok[AC_REFRESH_LEN + 1], char to[256])
{
	struct ac_acct	 a;
	unsigned char	 raw[32], h[32];
	struct ac_dbval	 p[5];
	int64_t		 recent = 0;
	int		 want;
	enum ac_reason	 rc;

	tok[0] = to[0] = '\0';
	if ((rc = ac_acct_get(s, NULL, email != NULL ? email : "", &a)) !=
	    AC_OK)
		return rc;
	want = a.found && !a.disabled &&
	    (strcmp(purpose, AC_LINK_VERIFY) != 0 || !a.verified);
	/* The same work either way, up to the one INSERT. */
	randombytes_buf(raw, sizeof(raw));
	crypto_hash_sha256(h, raw, sizeof(raw));
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	p[0] = AC_DBI((int64_t)now);
	if ((rc = ac_db_exec(s, "DELETE FROM account_tokens WHERE expires "
	    "<= $1", p, 1, NULL, NULL, NULL)) != AC_OK || !want) {
		rc = ac_db_end(s, rc);
		if (rc == AC_OK)
			rc = AC_NOT_FOUND;
		goto out;
	}
	p[0] = AC_DBB(h, sizeof(h));
	p[1] = AC_DBS(a.id);
	p[2] = AC_DBS(purpose);
	p[3] = AC_DBI((int64_t)now);
	p[4] = AC_DBI((int64_t)now + app->cfg.link_ttl);
	if (limit) {
		p[0] = AC_DBI((int64_t)now - AC_LINK_WINDOW);
		if ((rc = ac_db_exec(s, "SELECT count(*) FROM account_tokens "
		    "WHERE created > $1 AND user_id = $2 AND purpose = $3", p,
		    3, count_row, &recent, NULL)) != AC_OK ||
		    recent >= AC_LINK_MAX) {
			rc = ac_db_end(s, rc);
			if (rc == AC_OK)
				rc = AC_RATE_LIMITED;
			goto out;
		}
		p[0] = AC_DBB(h, sizeof(h));
	}
	rc = ac_db_end(s, ac_db_exec(s, "INSERT INTO account_tokens "
	    "(token_hash, user_id, purpose, created, expires) VALUES ($1, $2, "
	    "$3, $4, $5)", p, 5, NULL, NULL, NULL));
	if (rc == AC_OK) {
		ac_b64url_encode(raw, sizeof(raw), tok, AC_REFRESH_LEN + 1);
		snprintf(to, 256, "%s", a.email);
	}
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	ac_acct_clear(&a);
	return rc;
}

/*
 * Inside a transaction: spends the link token tok of purpose; its user
 * goes to uid (64 bytes).  AC_LINK_TOKEN_INVALID for a token that is
 * malformed, unknown, spent or expired.
 */
static enum ac_reason
consume(struct ac_store *s, const char *tok, const char *purpose,
    time_t now, char uid[64])
{
	unsigned char	 raw[32], h[32];
	struct ac_dbval	 p[3];
	int64_t		 n = 0;
	enum ac_reason	 rc;

	uid[0] = '\0';
	if (ac_b64url_tok32(tok, raw) == -1)
		return AC_LINK_TOKEN_INVALID;
	crypto_hash_sha256(h, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBB(h, sizeof(h));
	p[2] = AC_DBS(purpose);
	if ((rc = ac_db_exec(s, "UPDATE account_tokens SET used = $1 WHERE "
	    "token_hash = $2 AND purpose = $3 AND used IS NULL AND "
	    "expires > $1", p, 3, NULL, NULL, &n)) != AC_OK)
		return rc;
	if (n != 1)
		return AC_LINK_TOKEN_INVALID;
	if ((rc = ac_db_exec(s, "SELECT user_id FROM account_tokens WHERE "
	    "token_hash = $1", p + 1, 1, ac_acct_uid_row, uid,
	    NULL)) != AC_OK)
		return rc;
	return uid[0] != '\0' ? AC_OK : AC_LINK_TOKEN_INVALID;
}

static int
pw_ok(const char *pw)
{
	size_t	 n;

	return pw != NULL && (n = strlen(pw)) >= 8 && n <= AC_ACCT_MAXPW;
}

enum ac_reason
ac_account_reset(const struct ac_app *app, struct ac_store *s,
    const char *tok, const char *pw, time_t now, char uid[64])
{
	char		 hash[AC_PWHASH_MAX];
	struct ac_dbval	 p[3];
	enum ac_reason	 rc;

	uid[0] = '\0';
	if (!pw_ok(pw))
		return AC_VALIDATION_FAILED;
	/* Hashed before the transaction, which must not wait on argon2. */
	if ((rc = ac_password_hash(app, pw, hash)) != AC_OK)
		return rc;
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	if ((rc = consume(s, tok, AC_LINK_RESET, now, uid)) != AC_OK)
		goto end;
	p[0] = AC_DBS(hash);
	p[1] = AC_DBI((int64_t)now);
	p[2] = AC_DBS(uid);
	if ((rc = ac_db_exec(s, "UPDATE users SET password_hash = $1, "
	    "updated = $2 WHERE id = $3", p, 3, NULL, NULL, NULL)) != AC_OK)
		goto end;
	/* Every other reset link of the user dies with this one. */
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(uid);
	if ((rc = ac_db_exec(s, "UPDATE account_tokens SET used = $1 WHERE "
	    "user_id = $2 AND purpose = 'reset' AND used IS NULL", p, 2, NULL,
	    NULL, NULL)) != AC_OK)
		goto end;
	rc = end_sessions(s, uid, NULL, "password_reset", now);
end:
	rc = ac_db_end(s, rc);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

enum ac_reason
ac_account_verify(struct ac_store *s, const char *tok, time_t now,
    char uid[64])
{
	struct ac_dbval	 p[2];
	enum ac_reason	 rc;

	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	if ((rc = consume(s, tok, AC_LINK_VERIFY, now, uid)) == AC_OK) {
		p[0] = AC_DBI((int64_t)now);
		p[1] = AC_DBS(uid);
		rc = ac_db_exec(s, "UPDATE users SET email_verified = 1, "
		    "updated = $1 WHERE id = $2", p, 2, NULL, NULL, NULL);
	}
	return ac_db_end(s, rc);
}

/* Passwords and deletion ------------------------------------------------ */

enum ac_reason
ac_account_passwd(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *cur, const char *pw, const char *keep,
    int others, const char *ip, time_t now, long *retry)
{
	struct ac_acct	 a;
	char		 hash[AC_PWHASH_MAX] = "";
	struct ac_dbval	 p[3];
	enum ac_reason	 rc;

	*retry = 0;
	memset(&a, 0, sizeof(a));
	if (!pw_ok(pw))
		return AC_VALIDATION_FAILED;
	if ((rc = ac_acct_password(app, s, uid, cur, ip, now, &a, retry)) !=
	    AC_OK || (rc = ac_password_hash(app, pw, hash)) != AC_OK)
		goto out;
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	p[0] = AC_DBS(hash);
	p[1] = AC_DBI((int64_t)now);
	p[2] = AC_DBS(uid);
	if ((rc = ac_db_exec(s, "UPDATE users SET password_hash = $1, "
	    "updated = $2 WHERE id = $3", p, 3, NULL, NULL, NULL)) == AC_OK &&
	    others)
		rc = end_sessions(s, uid, keep, "password_changed", now);
	rc = ac_db_end(s, rc);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	ac_acct_clear(&a);
	return rc;
}

enum ac_reason
ac_account_find(struct ac_store *s, const char *email, char uid[64])
{
	struct ac_acct	 a;
	enum ac_reason	 rc;

	uid[0] = '\0';
	if ((rc = ac_acct_get(s, NULL, email, &a)) == AC_OK && !a.found)
		rc = AC_NOT_FOUND;
	if (rc == AC_OK)
		snprintf(uid, 64, "%s", a.id);
	ac_acct_clear(&a);
	return rc;
}

enum ac_reason
ac_account_delete(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *pw, const char *code, const char *ip,
    time_t now, long *retry)
{
	struct ac_acct	 a;
	struct ac_dbval	 p[2];
	char		 key[300];
	int64_t		 n = 0;
	enum ac_reason	 rc;

	*retry = 0;
	memset(&a, 0, sizeof(a));
	if (pw != NULL) {
		/* The owner: password, and the code when two-factor is on. */
		if ((rc = ac_acct_password(app, s, uid, pw, ip, now, &a,
		    retry)) != AC_OK)
			goto out;
		if (a.totp && (rc = ac_twofactor_code(app, s, &a, code,
		    code != NULL && strlen(code) > AC_TOTP_DIGITS + 2, ip, now,
		    retry)) != AC_OK)
			goto out;
	} else if ((rc = ac_acct_get(s, uid, NULL, &a)) != AC_OK)
		goto out;
	else if (!a.found) {
		rc = AC_NOT_FOUND;
		goto out;
	}
	snprintf(key, sizeof(key), "email:%s", a.email);
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(uid);
	/*
	 * The sessions go with the user (ON DELETE CASCADE): their ids stay
	 * behind, revoked, so that their access tokens are refused.
	 */
	if ((rc = ac_db_exec(s, "INSERT INTO revoked_sessions (id, revoked, "
	    "access_exp) SELECT id, $1, access_exp FROM sessions WHERE "
	    "user_id = $2", p, 2, NULL, NULL,
	    NULL)) != AC_OK ||
	    (rc = ac_db_exec(s, "DELETE FROM todos WHERE user_id = $1", p + 1,
	    1, NULL, NULL, NULL)) != AC_OK ||
	    (rc = ac_db_exec(s, "DELETE FROM refresh_tokens WHERE user_id = "
	    "$1", p + 1, 1, NULL, NULL, NULL)) != AC_OK)
		goto end;
	p[0] = AC_DBS(key);
	if ((rc = ac_db_exec(s, "DELETE FROM login_throttle WHERE key = $1",
	    p, 1, NULL, NULL, NULL)) != AC_OK ||
	    (rc = ac_db_exec(s, "DELETE FROM users WHERE id = $1", p + 1, 1,
	    NULL, NULL, &n)) != AC_OK)
		goto end;
	if (n != 1)
		rc = AC_NOT_FOUND;
end:
	rc = ac_db_end(s, rc);
out:
	ac_acct_clear(&a);
	return rc;
}
