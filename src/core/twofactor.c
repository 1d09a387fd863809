/*
 * twofactor.c: two-factor login with TOTP (RFC 6238; totp.c computes the
 * codes) and backup codes, over the ac_db_ interface.
 *
 * Enrolment (ac_twofactor_enable) needs the password and gives a fresh
 * secret, as an otpauth:// URI for authenticator apps, and ten backup
 * codes; two-factor is on once a code from the secret is confirmed
 * (ac_twofactor_confirm).  From then on a login whose password is right
 * gets no session but a pending login (ac_twofactor_pending): a random
 * token, only its SHA-256 stored, valid AC_TWO_FACTOR_TTL seconds, which
 * the browser holds in an HttpOnly cookie; a code then completes it
 * (ac_twofactor_login).  A TOTP code is accepted from the step before,
 * at or after now, and only from a step later than the last one accepted
 * (users.totp_step), so each code works once; a backup code works once.
 * Every code attempt counts toward the login throttle (throttle.c), so
 * guessing codes is held back as guessing passwords is.
 *
 * The TOTP key is stored sealed (totp.c's ac_totp_seal) under a key of
 * its own, derived from the refresh key K (session.c) and so from
 * REFRESH_TOKEN_SECRET_FILE or the signing key: someone who reads the
 * database cannot compute anyone's codes.  A key stored in clear before
 * sealing is still taken, and sealed in place by the first code it
 * accepts.  A sealed key that does not open (K changed since, or a row
 * copied from another user) fails the code as a wrong one would, and the
 * log says why and what to do.  ac_twofactor_seal_all (authctl user
 * 2fa-seal) seals the clear ones at once and, given the K from before a
 * planned change of secret, seals again under the new K those that only
 * the old one opens.
 */
#include "config.h"

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

#define SECRET_BYTES	20	/* RFC 4226's recommended 160 bits */
#define BACKUP_LEN	10	/* characters of a backup code */
#define SEAL_CTX	"totpseal"	/* crypto_kdf context: 8 bytes */
#define SEAL_BATCH	100	/* rows ac_twofactor_seal_all reads at once */

_Static_assert(sizeof(((struct ac_acct *)0)->secret) >= AC_TOTP_SEALED_MAX,
    "struct ac_acct holds a sealed TOTP key");

/* The sealing key of refresh key K: a sub-key, never K itself. */
static void
sub_key(const unsigned char K[32], unsigned char k[32])
{

	crypto_kdf_derive_from_key(k, 32, 1, SEAL_CTX, K);
}

/*
 * The sealing key now, as stable as K is (no K, as on a host that cannot
 * sign: -1).  Wiped by the caller.
 */
static int
seal_key(const struct ac_app *app, unsigned char k[32])
{

	if (!app->has_refresh_key)
		return -1;
	sub_key(app->refresh_key, k);
	return 0;
}

/* One line about uid's secret: event, and hint when not NULL. */
static void
seal_log(enum ac_loglevel l, const char *event, const char *uid,
    const char *hint)
{
	char	 u[64];

	ac_log_clean(u, sizeof(u), uid);
	if (hint != NULL)
		ac_log(l, "event=%s user=%s hint=\"%s\"", event, u, hint);
	else
		ac_log(l, "event=%s user=%s", event, u);
}

/* The log line of a secret that does not open. */
static void
unreadable_log(const char *uid)
{

	seal_log(AC_LOG_ERROR, "totp_secret_unreadable", uid, "the "
	    "two-factor secret stored for this user does not open with the "
	    "current key: it was sealed under another "
	    "REFRESH_TOKEN_SECRET_FILE (or, without one, another JWT_SECRET "
	    "or signing key), or copied from another user's row; restore the "
	    "secret it was sealed under, or run authctl user 2fa-seal --from "
	    "OLDFILE, or the user signs in with a backup code, or an operator "
	    "runs authctl user 2fa-disable");
}

/*
 * a's TOTP key into key (AC_TOTP_KEY_MAX): its length, 0 when it does
 * not open (logged: the reason the client is not told), -1 when the
 * stored value is no key at all.  *legacy: it was stored in clear.
 */
static long
totp_key(const struct ac_app *app, const struct ac_acct *a,
    unsigned char key[AC_TOTP_KEY_MAX], int *legacy)
{
	unsigned char	 k[32];
	long		 n;
	int		 haskey, sealed = 0;

	haskey = seal_key(app, k) == 0;
	n = ac_totp_open(haskey ? k : NULL, a->id, a->secret, key,
	    AC_TOTP_KEY_MAX, &sealed);
	OPENSSL_cleanse(k, sizeof(k));
	*legacy = !sealed;
	if (n > 0 || !sealed)
		return n;
	unreadable_log(a->id);
	return 0;
}

/* SHA-256 of a backup code as typed: without '-' and spaces. */
static int
backup_hash(const char *code, unsigned char h[32])
{
	char	 c[BACKUP_LEN + 1];
	size_t	 n = 0;

	for (; code != NULL && *code != '\0'; code++) {
		if (*code == '-' || *code == ' ')
			continue;
		if (n == BACKUP_LEN)
			return -1;
		c[n++] = *code;
	}
	if (n != BACKUP_LEN)
		return -1;
	crypto_hash_sha256(h, (const unsigned char *)c, n);
	OPENSSL_cleanse(c, sizeof(c));
	return 0;
}

enum ac_reason
ac_twofactor_code(const struct ac_app *app, struct ac_store *s,
    const struct ac_acct *a, const char *code, int backup, const char *ip,
    time_t now, long *retry)
{
	unsigned char	 key[AC_TOTP_KEY_MAX], k[32], h[32];
	char		 sealed[AC_TOTP_SEALED_MAX];
	struct ac_dbval	 p[5];
	int64_t		 step, n = 0;
	long		 klen;
	int		 legacy = 0, reseal = 0;
	enum ac_reason	 rc;

	if (a->secret[0] == '\0')
		return AC_TWO_FACTOR_NOT_ENABLED;
	if ((rc = ac_acct_throttle(app, s, a, ip, -1, now, retry)) != AC_OK)
		return rc;
	p[0] = AC_DBI((int64_t)now);
	p[2] = AC_DBS(a->id);
	if (backup) {
		if (code == NULL || backup_hash(code, h) == -1)
			return AC_TWO_FACTOR_INVALID;
		p[1] = AC_DBB(h, sizeof(h));
		rc = ac_db_exec(s, "UPDATE backup_codes SET used = $1 WHERE "
		    "code_hash = $2 AND user_id = $3 AND used IS NULL", p, 3,
		    NULL, NULL, &n);
	} else {
		if ((klen = totp_key(app, a, key, &legacy)) < 0)
			return AC_INTERNAL;
		step = code == NULL || klen == 0 ? -1 :
		    ac_totp_check(key, (size_t)klen, code, now, a->step);
		/* A key stored in clear: sealed by its first right code. */
		if (step >= 0 && legacy && seal_key(app, k) == 0) {
			reseal = ac_totp_seal(k, a->id, key, (size_t)klen,
			    sealed, sizeof(sealed)) == 0;
			OPENSSL_cleanse(k, sizeof(k));
		}
		OPENSSL_cleanse(key, sizeof(key));
		if (step < 0)
			return AC_TWO_FACTOR_INVALID;
		/* Taken once, even by two requests at the same moment. */
		p[0] = AC_DBI(step);
		p[1] = AC_DBI((int64_t)now);
		if (reseal) {
			/* Unless enrolment stored a new key meanwhile. */
			p[3] = AC_DBS(a->secret);
			p[4] = AC_DBS(sealed);
			rc = ac_db_exec(s, "UPDATE users SET totp_step = $1, "
			    "updated = $2, totp_secret = CASE WHEN totp_secret "
			    "= $4 THEN $5 ELSE totp_secret END WHERE id = $3 "
			    "AND totp_step < $1", p, 5, NULL, NULL, &n);
			if (rc == AC_OK && n == 1)
				seal_log(AC_LOG_INFO, "totp_secret_sealed",
				    a->id, NULL);
		} else
			rc = ac_db_exec(s, "UPDATE users SET totp_step = $1, "
			    "updated = $2 WHERE id = $3 AND totp_step < $1", p,
			    3, NULL, NULL, &n);
		OPENSSL_cleanse(sealed, sizeof(sealed));
	}
	if (rc != AC_OK)
		return rc;
	if (n != 1)
		return AC_TWO_FACTOR_INVALID;
	return ac_acct_throttle(app, s, a, ip, 1, now, retry);
}

enum ac_reason
ac_twofactor_enable(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *pw, const char *issuer, const char *ip,
    time_t now, long *retry, char *uri, size_t urisz,
    char codes[AC_BACKUP_CODES][AC_BACKUP_CODE_SIZE])
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct ac_acct	 a;
	unsigned char	 key[SECRET_BYTES], sk[32], h[32];
	char		 b32[64], ei[400], ee[800], sealed[AC_TOTP_SEALED_MAX];
	struct ac_dbval	 p[3];
	size_t		 i, j;
	int		 k;
	enum ac_reason	 rc;

	memset(codes, 0, AC_BACKUP_CODES * AC_BACKUP_CODE_SIZE);
	if ((rc = ac_acct_password(app, s, uid, pw, ip, now, &a, retry)) !=
	    AC_OK)
		goto out;
	if (a.totp) {
		rc = AC_CONFLICT;	/* on already: disable first */
		goto out;
	}
	randombytes_buf(key, sizeof(key));
	ac_base32_encode(key, sizeof(key), b32, sizeof(b32));
	/* Stored sealed only: without a key to seal with, not at all. */
	if (seal_key(app, sk) == -1 || ac_totp_seal(sk, a.id, key,
	    sizeof(key), sealed, sizeof(sealed)) == -1) {
		ac_log(AC_LOG_ERROR, "event=no_refresh_key hint=\"two-factor "
		    "secrets are sealed under a key derived from "
		    "REFRESH_TOKEN_SECRET_FILE or the signing key; set one\"");
		rc = AC_CONFIG_INVALID;
		goto out;
	}
	/* otpauth://totp/ISSUER:EMAIL?secret=...&issuer=ISSUER ... */
	if (ac_url_encode(issuer, ei, sizeof(ei)) == -1 ||
	    ac_url_encode(a.email, ee, sizeof(ee)) == -1 ||
	    (k = snprintf(uri, urisz, "otpauth://totp/%s:%s?secret=%s&"
	    "issuer=%s&algorithm=SHA1&digits=%d&period=30", ei, ee, b32, ei,
	    AC_TOTP_DIGITS)) < 0 || (size_t)k >= urisz) {
		rc = AC_VALIDATION_FAILED;	/* an issuer too long */
		goto out;
	}
	for (i = 0; i < AC_BACKUP_CODES; i++) {
		for (j = 0; j < BACKUP_LEN; j++)
			codes[i][j < 5 ? j : j + 1] =
			    alnum[randombytes_uniform(sizeof(alnum) - 1)];
		codes[i][5] = '-';
	}
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	p[0] = AC_DBS(sealed);
	p[1] = AC_DBI((int64_t)now);
	p[2] = AC_DBS(uid);
	if ((rc = ac_db_exec(s, "UPDATE users SET totp_secret = $1, "
	    "totp_enabled = 0, totp_step = 0, updated = $2 WHERE id = $3", p,
	    3, NULL, NULL, NULL)) != AC_OK ||
	    (rc = ac_db_exec(s, "DELETE FROM backup_codes WHERE user_id = $1",
	    p + 2, 1, NULL, NULL, NULL)) != AC_OK)
		goto end;
	for (i = 0; i < AC_BACKUP_CODES && rc == AC_OK; i++) {
		backup_hash(codes[i], h);
		p[0] = AC_DBS(uid);
		p[1] = AC_DBB(h, sizeof(h));
		rc = ac_db_exec(s, "INSERT INTO backup_codes (user_id, "
		    "code_hash) VALUES ($1, $2)", p, 2, NULL, NULL, NULL);
	}
end:
	rc = ac_db_end(s, rc);
out:
	if (rc != AC_OK) {
		memset(codes, 0, AC_BACKUP_CODES * AC_BACKUP_CODE_SIZE);
		OPENSSL_cleanse(uri, urisz);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(sealed, sizeof(sealed));
	ac_acct_clear(&a);
	return rc;
}

enum ac_reason
ac_twofactor_confirm(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *code, const char *ip, time_t now,
    int *enabled, long *retry)
{
	struct ac_acct	 a;
	struct ac_dbval	 p[1];
	enum ac_reason	 rc;

	*enabled = 0;
	*retry = 0;
	if ((rc = ac_acct_get(s, uid, NULL, &a)) != AC_OK)
		goto out;
	if (!a.found)
		rc = AC_CREDENTIALS_INVALID;
	else if ((rc = ac_twofactor_code(app, s, &a, code, 0, ip, now,
	    retry)) == AC_OK && !a.totp) {
		p[0] = AC_DBS(uid);
		if ((rc = ac_db_exec(s, "UPDATE users SET totp_enabled = 1 "
		    "WHERE id = $1", p, 1, NULL, NULL, NULL)) == AC_OK)
			*enabled = 1;
	}
out:
	ac_acct_clear(&a);
	return rc;
}

enum ac_reason
ac_twofactor_disable(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *pw, const char *ip, time_t now,
    long *retry)
{
	struct ac_acct	 a;
	struct ac_dbval	 p[2];
	int64_t		 n = 0;
	enum ac_reason	 rc;

	*retry = 0;
	memset(&a, 0, sizeof(a));
	/* pw NULL: the operator (authctl user 2fa-disable). */
	if (pw != NULL && (rc = ac_acct_password(app, s, uid, pw, ip, now,
	    &a, retry)) != AC_OK)
		goto out;
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(uid);
	if ((rc = ac_db_exec(s, "UPDATE users SET totp_secret = NULL, "
	    "totp_enabled = 0, totp_step = 0, updated = $1 WHERE id = $2", p,
	    2, NULL, NULL, &n)) == AC_OK)
		rc = ac_db_exec(s, "DELETE FROM backup_codes WHERE user_id = $1",
		    p + 1, 1, NULL, NULL, NULL);
	if (rc == AC_OK && n != 1)
		rc = AC_NOT_FOUND;
	rc = ac_db_end(s, rc);
out:
	ac_acct_clear(&a);
	return rc;
}

enum ac_reason
ac_twofactor_pending(struct ac_store *s, const char *uid, time_t now,
    char tok[AC_REFRESH_LEN + 1])
{
	unsigned char	 raw[32], h[32];
	struct ac_dbval	 p[3];
	enum ac_reason	 rc;

	tok[0] = '\0';
	randombytes_buf(raw, sizeof(raw));
	crypto_hash_sha256(h, raw, sizeof(raw));
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	p[0] = AC_DBI((int64_t)now);
	if ((rc = ac_db_exec(s, "DELETE FROM two_factor_logins WHERE "
	    "expires <= $1", p, 1, NULL, NULL, NULL)) == AC_OK) {
		p[0] = AC_DBB(h, sizeof(h));
		p[1] = AC_DBS(uid);
		p[2] = AC_DBI((int64_t)now + AC_TWO_FACTOR_TTL);
		rc = ac_db_exec(s, "INSERT INTO two_factor_logins (token_hash, "
		    "user_id, expires) VALUES ($1, $2, $3)", p, 3, NULL, NULL,
		    NULL);
	}
	if ((rc = ac_db_end(s, rc)) == AC_OK)
		ac_b64url_encode(raw, sizeof(raw), tok, AC_REFRESH_LEN + 1);
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

enum ac_reason
ac_twofactor_login(const struct ac_app *app, struct ac_store *s,
    const char *tok, const char *code, int backup, const char *ip,
    const char *ua, time_t now, struct ac_grant *g, long *retry)
{
	struct ac_acct	 a;
	unsigned char	 raw[32], h[32];
	char		 uid[64] = "", ekey[300], ikey[80];
	struct ac_dbval	 p[2];
	int64_t		 n = 0;
	enum ac_reason	 rc;

	memset(g, 0, sizeof(*g));
	memset(&a, 0, sizeof(a));
	*retry = 0;
	if (tok == NULL || ac_b64url_tok32(tok, raw) == -1)
		return AC_TWO_FACTOR_INVALID;
	crypto_hash_sha256(h, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	p[0] = AC_DBB(h, sizeof(h));
	p[1] = AC_DBI((int64_t)now);
	if ((rc = ac_db_exec(s, "SELECT user_id FROM two_factor_logins WHERE "
	    "token_hash = $1 AND expires > $2", p, 2, ac_acct_uid_row, uid,
	    NULL)) !=
	    AC_OK)
		return rc;
	if (uid[0] == '\0')
		return AC_TWO_FACTOR_INVALID;	/* no login waits: log in */
	if ((rc = ac_acct_get(s, uid, NULL, &a)) != AC_OK)
		goto out;
	if (!a.found || !a.totp) {
		rc = AC_TWO_FACTOR_INVALID;
		goto out;
	}
	snprintf(g->user_id, sizeof(g->user_id), "%s", a.id);
	if (a.disabled) {
		rc = AC_ACCOUNT_DISABLED;
		goto out;
	}
	if ((rc = ac_twofactor_code(app, s, &a, code, backup, ip, now,
	    retry)) != AC_OK)
		goto out;
	snprintf(g->email, sizeof(g->email), "%s", a.email);
	g->email_verified = a.verified;
	if ((rc = ac_db_begin(s)) != AC_OK)
		goto out;
	if ((rc = ac_db_exec(s, "DELETE FROM two_factor_logins WHERE "
	    "token_hash = $1", p, 1, NULL, NULL, &n)) != AC_OK)
		goto end;
	if (n != 1) {
		rc = AC_TWO_FACTOR_INVALID;	/* another request took it */
		goto end;
	}
	/* The password's attempt, counted at login, goes back too. */
	snprintf(ekey, sizeof(ekey), "email:%s", a.email);
	snprintf(ikey, sizeof(ikey), "ip:%.64s", ip != NULL ? ip : "-");
	if ((rc = ac_throttle_success(s, ekey, ikey, now)) == AC_OK)
		rc = ac_session_open(app, s, a.id, ip, ua, now, g);
end:
	rc = ac_db_end(s, rc);
out:
	if (rc != AC_OK) {
		memset(g->refresh, 0, sizeof(g->refresh));
		g->email[0] = '\0';
	}
	ac_acct_clear(&a);
	return rc;
}

/* Rows of ac_twofactor_seal_all: id and secret, SEAL_BATCH at most. */
struct sealrows {
	size_t		 n;
	struct ac_acct	 a[SEAL_BATCH];
};

static int
seal_row(void *arg, size_t n, const struct ac_dbval *v)
{
	struct sealrows	*r = arg;

	if (n < 2 || r->n >= SEAL_BATCH)
		return 1;
	ac_db_text(r->a[r->n].id, sizeof(r->a[r->n].id), &v[0]);
	ac_db_text(r->a[r->n].secret, sizeof(r->a[r->n].secret), &v[1]);
	r->n++;
	return 0;
}

/*
 * The key of a sealed secret that does not open under the current key:
 * opened with the sealing key of one of the old Ks, else 0.
 */
static long
old_key(const struct ac_acct *a, const unsigned char (*old)[32], int nold,
    unsigned char key[AC_TOTP_KEY_MAX])
{
	unsigned char	 k[32];
	long		 n = 0;
	int		 i, sealed;

	for (i = 0; i < nold && n <= 0; i++) {
		sub_key(old[i], k);
		n = ac_totp_open(k, a->id, a->secret, key, AC_TOTP_KEY_MAX,
		    &sealed);
	}
	OPENSSL_cleanse(k, sizeof(k));
	return n > 0 ? n : 0;
}

enum ac_reason
ac_twofactor_seal_all(const struct ac_app *app, struct ac_store *s,
    time_t now, const unsigned char (*old)[32], int nold,
    struct ac_sealcount *c)
{
	struct sealrows	*r;
	struct ac_acct	*a;
	unsigned char	 key[AC_TOTP_KEY_MAX], k[32];
	char		 last[64] = "", sealed[AC_TOTP_SEALED_MAX];
	struct ac_dbval	 p[4];
	size_t		 i;
	int64_t		 n;
	long		 klen;
	int		 closed, rekey;
	enum ac_reason	 rc = AC_OK;

	memset(c, 0, sizeof(*c));
	if (seal_key(app, k) == -1)
		return AC_CONFIG_INVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	/* By id, a batch at a time, so a row that fails is passed once. */
	do {
		r->n = 0;
		p[0] = AC_DBS(last);
		p[1] = AC_DBI(SEAL_BATCH);
		if ((rc = ac_db_exec(s, "SELECT id, totp_secret FROM users "
		    "WHERE totp_secret IS NOT NULL AND totp_secret <> '' AND "
		    "id > $1 ORDER BY id LIMIT $2", p, 2, seal_row, r,
		    NULL)) != AC_OK)
			goto out;
		for (i = 0; i < r->n && rc == AC_OK; i++) {
			a = &r->a[i];
			snprintf(last, sizeof(last), "%s", a->id);
			closed = 0;
			klen = ac_totp_open(k, a->id, a->secret, key,
			    AC_TOTP_KEY_MAX, &closed);
			/* Sealed under an old K: sealed again, as clear. */
			rekey = klen <= 0 && closed &&
			    (klen = old_key(a, old, nold, key)) > 0;
			if (klen <= 0 && closed)
				unreadable_log(a->id);
			else if (klen <= 0)
				seal_log(AC_LOG_ERROR, "totp_secret_malformed",
				    a->id, "neither sealed nor base32");
			if (klen <= 0)
				c->unreadable++;
			else if (closed && !rekey)
				c->sealed++;
			else if (ac_totp_seal(k, a->id, key, (size_t)klen,
			    sealed, sizeof(sealed)) == -1)
				rc = AC_INTERNAL;
			else {
				/* Unless a code or enrolment changed it. */
				p[0] = AC_DBS(sealed);
				p[1] = AC_DBI((int64_t)now);
				p[2] = AC_DBS(a->id);
				p[3] = AC_DBS(a->secret);
				n = 0;
				if ((rc = ac_db_exec(s, "UPDATE users SET "
				    "totp_secret = $1, updated = $2 WHERE id = "
				    "$3 AND totp_secret = $4", p, 4, NULL, NULL,
				    &n)) == AC_OK && n == 1) {
					if (rekey)
						c->rekeyed++;
					else
						c->resealed++;
					seal_log(AC_LOG_INFO, rekey ?
					    "totp_secret_rekeyed" :
					    "totp_secret_sealed", a->id, NULL);
				}
			}
			OPENSSL_cleanse(key, sizeof(key));
			OPENSSL_cleanse(sealed, sizeof(sealed));
		}
	} while (rc == AC_OK && r->n == SEAL_BATCH);
out:
	if (r != NULL) {
		OPENSSL_cleanse(r, sizeof(*r));
		free(r);
	}
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}
