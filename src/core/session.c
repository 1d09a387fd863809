/*
 * session.c: sessions and refresh tokens, over the neutral ac_db_
 * interface so that every back end runs the same portable SQL: opening
 * one at login (ac_session_open, for users.c, which holds accounts,
 * passwords and login), rotation and logout (sessions.c: the list,
 * revocation and prune).
 *
 * A session is one refresh-token family: the token a login hands out and
 * every token rotated from it.  Only SHA-256 hashes of tokens are stored.
 * The successor of token T is HMAC-SHA256(K, T), K being the refresh key
 * derived at start-up (ac_session_keyinit).  So when two tabs present the
 * same T within REFRESH_GRACE_SECONDS, the second one is handed the very
 * successor the first one got, recomputed rather than stored: the family
 * never forks and nothing usable sits in the database.  After the window,
 * or for any older token, the family is revoked (theft detection).
 *
 * Every change is one transaction (SQLite: BEGIN IMMEDIATE); no state is
 * kept in the process, so any number of processes may share a store.  A
 * refresh or logout first locks its family's sessions row (ac_db_lock:
 * SELECT ... FOR UPDATE on PostgreSQL, nothing more on SQLite), so that
 * changes to one family run one after the other on any number of hosts
 * and each sees what the one before it committed.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "ac.h"
#include "base.h"
#include "conf.h"
#include "store.h"
#include "tokens.h"
#include "accounts.h"
#include "keys.h"

#define HKDF_INFO	"jwt-auth-suite refresh-token successor v1"

/*
 * HKDF-SHA256 (RFC 5869) with an empty salt and HKDF_INFO, 32 bytes out.
 * libsodium 1.0.18 has no HKDF, but its HMAC is all HKDF needs.
 */
static void
hkdf(unsigned char out[32], const unsigned char *ikm, size_t n)
{
	crypto_auth_hmacsha256_state st;
	unsigned char	 salt[32], prk[32];
	static const unsigned char one = 1;

	memset(salt, 0, sizeof(salt));
	crypto_auth_hmacsha256_init(&st, salt, sizeof(salt));
	crypto_auth_hmacsha256_update(&st, ikm, n);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)HKDF_INFO,
	    strlen(HKDF_INFO));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(&st, sizeof(st));
}

/*
 * K from the contents of a REFRESH_TOKEN_SECRET_FILE, trailing white
 * space trimmed: 0, or -1 with why in err (-2: too short).
 */
static int
secret_key(const char *path, unsigned char k[32], char *err, size_t errlen)
{
	char		*buf;
	size_t		 len;
	struct stat	 st;
	int		 rc = -1;

	if ((buf = ac_file_read(path, 4096, &len, err, errlen)) == NULL)
		return -1;
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		snprintf(err, errlen, "%s is world-readable: chmod o-r %s",
		    path, path);
	else if (len < 32) {
		snprintf(err, errlen, "%s holds %zu bytes; at least 32 are "
		    "needed", path, len);
		rc = -2;
	} else {
		hkdf(k, (unsigned char *)buf, len);
		rc = 0;
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

/* K from a signing key: 0, or -1 when it has no bytes of its own. */
static int
signer_key(const struct ac_key *k, unsigned char out[32])
{

	if (k == NULL)
		return -1;
	if (k->secret != NULL)
		hkdf(out, k->secret, k->secretlen);
	else if (k->pem != NULL)
		hkdf(out, (const unsigned char *)k->pem, k->pemlen);
	else
		return -1;
	return 0;
}

/*
 * K comes from REFRESH_TOKEN_SECRET_FILE when set (at least 32 bytes),
 * else from the signing key's material under a label of its own.  A host
 * without a signing key (verify only) has no K and cannot rotate.
 */
void
ac_session_keyinit(struct ac_app *app)
{
	const char	*path = app->cfg.refresh_secret_file;
	char		 err[512];
	int		 rc;

	app->has_refresh_key = 0;
	if (sodium_init() < 0) {
		ac_app_problemf(app, "libsodium: cannot initialise");
		return;
	}
	if (path != NULL) {
		if ((rc = secret_key(path, app->refresh_key, err,
		    sizeof(err))) == 0)
			app->has_refresh_key = 1;
		else
			ac_app_problemf(app, "REFRESH_TOKEN_SECRET_FILE: %s%s",
			    err, rc == -2 ? " (authctl keygen --out FILE "
			    "writes one)" : "");
		return;
	}
	/*
	 * Derived from the signing key only when that key never changes: with
	 * JWT_KEYS_DIR a rotation would give processes started before and
	 * after it different keys, and a second refresh within the grace
	 * window would then look like reuse and revoke the session.
	 */
	if (app->cfg.keys_dir != NULL)
		return;
	if (signer_key(ac_keys_signer(&app->live->keys),
	    app->refresh_key) == 0)
		app->has_refresh_key = 1;
}

int
ac_session_oldkeys(const struct ac_app *app, const char *path,
    unsigned char k[2][32], char *err, size_t errlen)
{
	struct ac_keyset *ks;
	unsigned char	 t[32];
	char		 kerr[512];
	int		 n = 0, same = 0, i;

	err[0] = '\0';
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium: cannot initialise");
		return -1;
	}
	if ((ks = malloc(sizeof(*ks))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The two readings: err keeps the first one's reason. */
	if (secret_key(path, k[n], err, errlen) == 0)
		n++;
	if (ac_keys_file_key(&app->cfg, path, ks, kerr, sizeof(kerr)) == 0) {
		if (signer_key(ac_keys_signer(ks), t) == 0 &&
		    (n == 0 || sodium_memcmp(t, k[0], 32) != 0))
			memcpy(k[n++], t, 32);
		ac_keys_free(ks);
	} else if (n == 0 && err[0] == '\0')
		snprintf(err, errlen, "%s", kerr);
	OPENSSL_cleanse(t, sizeof(t));
	free(ks);
	/* Not the key in use now. */
	for (i = 0; app->has_refresh_key && i < n; i++)
		if (sodium_memcmp(k[i], app->refresh_key, 32) == 0) {
			memmove(k[i], k[i + 1], (size_t)(n - i - 1) * 32);
			n--;
			i--;
			same = 1;
		}
	if (n == 0 && same)
		snprintf(err, errlen, "%s gives the key in use now: give the "
		    "file the secret came from before the change", path);
	return n > 0 ? n : -1;
}

/* Helpers ------------------------------------------------------------- */

static void
tok_encode(const unsigned char raw[32], char out[AC_REFRESH_LEN + 1])
{

	ac_b64url_encode(raw, 32, out, AC_REFRESH_LEN + 1);
}

/*
 * Inside the transaction that hands g out, before it commits: signs g's
 * access token (sub, sid, and the address unless nobody has checked it)
 * into g->access, and puts its expiry in *exp for the statement that
 * records it as the session's access_exp, so that a revocation of the
 * session lasts until the token has expired (revoke.c).  A grant that
 * cannot be answered is thus never stored.  A server-side session
 * (g->web) has no access token: *exp is 0.
 */
static enum ac_reason
grant_access(const struct ac_app *app, struct ac_grant *g, int64_t *exp)
{
	json_object	*extra;
	char		*at = NULL;
	size_t		 len;
	enum ac_reason	 rc;

	g->access[0] = '\0';
	*exp = 0;
	if (g->web)
		return AC_OK;
	if ((extra = json_object_new_object()) == NULL)
		return AC_NOMEM;
	json_object_object_add(extra, "sid",
	    json_object_new_string(g->session_id));
	/* A self-signup address nobody has checked is not passed on. */
	if (g->email_verified) {
		json_object_object_add(extra, "email",
		    json_object_new_string(g->email));
		json_object_object_add(extra, "email_verified",
		    json_object_new_boolean(1));
	} else
		json_object_object_add(extra, "email_verified",
		    json_object_new_boolean(0));
	rc = ac_token_issue(app, g->user_id, 0, extra, &at);
	json_object_put(extra);
	if (rc != AC_OK)
		return rc;
	/* Read after signing: never earlier than the token's exp. */
	*exp = (int64_t)time(NULL) + app->cfg.access_ttl;
	if ((len = strlen(at)) >= sizeof(g->access))
		rc = AC_INTERNAL;
	else
		memcpy(g->access, at, len + 1);
	free(at);
	return rc;
}

/* The end of a touch: access_exp raised to the last parameter. */
#define SET_ACCESS_EXP(n) "access_exp = CASE WHEN access_exp IS NULL OR " \
	"access_exp < $" #n " THEN $" #n " ELSE access_exp END"

/*
 * The end of a refresh that hands out next: signs the access token, runs
 * touch (the family's last use and, from its last parameter $np+1, the
 * access token's expiry: SET_ACCESS_EXP; NULL: nothing to touch) with its
 * np params, commits, and gives g the token and its expiry.  The caller
 * rolls back on failure.
 */
static enum ac_reason
hand_out(const struct ac_app *app, struct ac_store *s, const char *touch,
    const struct ac_dbval *p, size_t np, const unsigned char next[32],
    int64_t expires, struct ac_grant *g)
{
	struct ac_dbval	 q[4];
	int64_t		 exp;
	enum ac_reason	 rc;

	if ((rc = grant_access(app, g, &exp)) != AC_OK)
		return rc;
	if (touch != NULL) {
		if (np >= nitems(q))
			return AC_INTERNAL;
		memcpy(q, p, np * sizeof(*p));
		q[np] = exp > 0 ? AC_DBI(exp) : AC_DBNULL;
		if ((rc = ac_db_exec(s, touch, q, np + 1, NULL, NULL,
		    NULL)) != AC_OK)
			return rc;
	}
	if ((rc = ac_db_commit(s)) == AC_OK) {
		tok_encode(next, g->refresh);
		g->expires = expires;
	}
	return rc;
}

/* A fresh session id: 16 random bytes, base64url. */
static void
new_sid(char out[32])
{
	unsigned char	 r[16];

	randombytes_buf(r, sizeof(r));
	ac_b64url_encode(r, sizeof(r), out, 32);
}

/* Sessions and tokens ------------------------------------------------- */

/* A refresh token of family sid whose hash is h (parent 0: the first). */
static enum ac_reason
insert_hash(struct ac_store *s, const unsigned char h[32], const char *sid,
    int64_t parent, const char *uid, time_t now, int64_t expires)
{
	struct ac_dbval	 p[6];

	p[0] = AC_DBB(h, 32);
	p[1] = AC_DBS(sid);
	p[2] = parent > 0 ? AC_DBI(parent) : AC_DBNULL;
	p[3] = AC_DBS(uid);
	p[4] = AC_DBI((int64_t)now);
	p[5] = AC_DBI(expires);
	return ac_db_exec(s, "INSERT INTO refresh_tokens (token_hash, "
	    "session_id, parent_id, user_id, created, expires) VALUES "
	    "($1, $2, $3, $4, $5, $6)", p, 6, NULL, NULL, NULL);
}

static enum ac_reason
insert_token(struct ac_store *s, const unsigned char raw[32], const char *sid,
    int64_t parent, const char *uid, time_t now, int64_t expires)
{
	unsigned char	 h[32];

	crypto_hash_sha256(h, raw, 32);
	return insert_hash(s, h, sid, parent, uid, now, expires);
}

/* A sessions row (ua: cleaned already; ua and ip may be NULL). */
static enum ac_reason
insert_session(struct ac_store *s, const char *sid, const char *uid,
    time_t now, int64_t expires, const char *ua, const char *ip,
    int64_t access_exp)
{
	struct ac_dbval	 p[8];

	p[0] = AC_DBS(sid);
	p[1] = AC_DBS(uid);
	p[2] = AC_DBI((int64_t)now);
	p[3] = AC_DBI((int64_t)now);
	p[4] = AC_DBI(expires);
	p[5] = ua != NULL ? AC_DBS(ua) : AC_DBNULL;
	p[6] = ip != NULL ? AC_DBS(ip) : AC_DBNULL;
	p[7] = access_exp > 0 ? AC_DBI(access_exp) : AC_DBNULL;
	return ac_db_exec(s, "INSERT INTO sessions (id, user_id, created, "
	    "last_used, expires, user_agent, ip, access_exp) VALUES ($1, $2, "
	    "$3, $4, $5, $6, $7, $8)", p, 8, NULL, NULL, NULL);
}

static enum ac_reason
revoke_family(struct ac_store *s, const char *sid, const char *why,
    time_t now)
{
	struct ac_dbval	 p[3];
	enum ac_reason	 rc;

	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(sid);
	if ((rc = ac_db_exec(s, "UPDATE refresh_tokens SET revoked = $1 "
	    "WHERE session_id = $2 AND revoked IS NULL", p, 2, NULL, NULL,
	    NULL)) != AC_OK)
		return rc;
	p[1] = AC_DBS(why);
	p[2] = AC_DBS(sid);
	return ac_db_exec(s, "UPDATE sessions SET revoked = $1, "
	    "revoke_reason = $2 WHERE id = $3 AND revoked IS NULL", p, 3,
	    NULL, NULL, NULL);
}

/*
 * Inside the login's transaction (users.c): opens a session for user uid
 * (ip and ua may be NULL; borrowed) with its first refresh token, which
 * goes to g (session_id, refresh, expires), and its first access token
 * (g->access, for g->user_id and g->email, which the caller has set).
 */
enum ac_reason
ac_session_open(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *ip, const char *ua, time_t now,
    struct ac_grant *g)
{
	unsigned char	 raw[32];
	char		 uabuf[256];
	int64_t		 expires, exp;
	enum ac_reason	 rc;

	new_sid(g->session_id);
	/* Outside the JWT rollout: a server-side session (websession.c). */
	g->web = !ac_rollout_on_jwt(app, uid);
	if ((rc = grant_access(app, g, &exp)) != AC_OK)
		return rc;
	randombytes_buf(raw, sizeof(raw));
	expires = (int64_t)now + app->cfg.refresh_days * 86400;
	/* Spaces kept (the sessions list shows it); no control bytes. */
	if (ua != NULL)
		ac_log_quote(uabuf, sizeof(uabuf), ua);
	if ((rc = insert_session(s, g->session_id, uid, now, expires,
	    ua != NULL ? uabuf : NULL, ip, exp)) == AC_OK &&
	    (rc = g->web ? ac_websession_bind(s, g->session_id, raw) :
	    insert_token(s, raw, g->session_id, 0, uid, now,
	    expires)) == AC_OK) {
		tok_encode(raw, g->refresh);
		g->expires = expires;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

static int
sid_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1)
		ac_db_text(arg, 32, &v[0]);
	return 1;
}

/*
 * Inside a transaction: finds the family (session) of the token with
 * hash h and locks it; sid stays empty when the token is unknown.  A
 * token's family never changes, so it may be read before the lock.
 */
static enum ac_reason
lock_family(struct ac_store *s, const unsigned char h[32], char sid[32])
{
	struct ac_dbval	 p[1];
	enum ac_reason	 rc;

	sid[0] = '\0';
	p[0] = AC_DBB(h, 32);
	if ((rc = ac_db_exec(s, "SELECT session_id FROM refresh_tokens "
	    "WHERE token_hash = $1", p, 1, sid_row, sid, NULL)) != AC_OK)
		return rc;
	if (sid[0] == '\0')
		return AC_OK;
	return ac_db_lock(s, "sessions", sid);
}

/*
 * A session brought in by authctl session import (ac_session_adopt)
 * stores the SHA-256 of its token's text, as the quickstart's back end
 * did: printable ASCII without blanks, quotes, ';' or ',' (a cookie
 * value), 16 to 255 bytes (shorter is no secret: malformed).
 */
static int
imported_text(const char *tok)
{
	size_t	 i;

	for (i = 0; tok[i] != '\0'; i++)
		if (tok[i] <= 0x20 || tok[i] >= 0x7f || tok[i] == '"' ||
		    tok[i] == ';' || tok[i] == ',' || tok[i] == '\\' ||
		    i >= 255)
			return 0;
	return i >= 16;
}

/*
 * Inside a transaction: the family of token tok, locked (lock_family),
 * and what it is hashed and chained from (*m, *mlen): its 32 bytes (raw,
 * NULL when tok is not in the suite's format), else, for a session
 * imported from another back end, the token's text.  h gets the hash
 * that was found (or the last one tried).
 */
static enum ac_reason
find_family(struct ac_store *s, const char *tok, const unsigned char *raw,
    unsigned char h[32], char sid[32], const unsigned char **m,
    size_t *mlen)
{
	enum ac_reason	 rc;

	sid[0] = '\0';
	if (raw != NULL) {
		*m = raw;
		*mlen = 32;
		crypto_hash_sha256(h, raw, 32);
		if ((rc = lock_family(s, h, sid)) != AC_OK || sid[0] != '\0')
			return rc;
	}
	if (!imported_text(tok))
		return AC_OK;
	*m = (const unsigned char *)tok;
	*mlen = strlen(tok);
	crypto_hash_sha256(h, *m, *mlen);
	return lock_family(s, h, sid);
}

enum ac_reason
ac_session_adopt(struct ac_store *s, const char *uid,
    const unsigned char h[32], int64_t expires, time_t now)
{
	char		 sid[32];
	enum ac_reason	 rc;

	new_sid(sid);
	if ((rc = insert_session(s, sid, uid, now, expires, "(imported)",
	    NULL, 0)) != AC_OK)
		return rc;
	return insert_hash(s, h, sid, 0, uid, now, expires);
}

struct tokrow {
	int		 found;
	int64_t		 id;
	char		 sid[32];
	char		 uid[64];
	int64_t		 expires;
	int64_t		 rotated;	/* -1: not rotated */
	int		 revoked;
	int		 srevoked;
	int		 disabled;
	char		 email[256];
	int		 verified;
};

/* The columns of the token lookup in ac_session_refresh, in order. */
static const struct ac_dbcol tok_cols[] = {
	AC_DBCOL_INT(struct tokrow, id, 0),
	AC_DBCOL_TEXT(struct tokrow, sid),
	AC_DBCOL_TEXT(struct tokrow, uid),
	AC_DBCOL_INT(struct tokrow, expires, 0),
	AC_DBCOL_INT(struct tokrow, rotated, -1),
	AC_DBCOL_SET(struct tokrow, revoked),
	AC_DBCOL_SET(struct tokrow, srevoked),
	AC_DBCOL_FLAG(struct tokrow, disabled),
	AC_DBCOL_TEXT(struct tokrow, email),
	AC_DBCOL_FLAG(struct tokrow, verified),
};

/* A spent token's successor: current when neither rotated nor revoked. */
struct childrow {
	int		 found;
	int64_t		 expires;
	int		 rotated;
	int		 revoked;
};

static const struct ac_dbcol child_cols[] = {
	AC_DBCOL_INT(struct childrow, expires, 0),
	AC_DBCOL_SET(struct childrow, rotated),
	AC_DBCOL_SET(struct childrow, revoked),
};

/*
 * A slow store never turns into theft.  The grace window is counted from
 * when the refresh holds its family's lock, not from when it started
 * (now): the time a refresh spends, and its stamps, are those of the
 * moment it can change the family.  And a refresh whose wait for the
 * store (to that moment) outlasted the window spends nothing and answers
 * 503: its client has likely given up and sent the same token again,
 * and a rotation it never received would make that retry, or the next,
 * look like a replay (docs/refresh.md).
 */
enum ac_reason
ac_session_refresh(const struct ac_app *app, struct ac_store *s,
    const char *tok, time_t now, struct ac_grant *g)
{
	unsigned char	 raw[32], next[32], h[32], nh[32];
	const unsigned char *m;
	size_t		 mlen;
	char		 sid[32];
	int		 israw;
	struct tokrow	 t;
	struct childrow	 ch;
	struct ac_dbval	 p[3];
	int64_t		 expires, n = 0;
	long long	 t0 = ac_clock_ms(), waited;
	enum ac_reason	 rc;

	memset(g, 0, sizeof(*g));
	memset(&t, 0, sizeof(t));
	memset(&ch, 0, sizeof(ch));
	if (tok == NULL || *tok == '\0')
		return AC_REFRESH_TOKEN_MISSING;
	israw = ac_b64url_tok32(tok, raw) == 0;
	if (!israw && !imported_text(tok))
		return AC_REFRESH_TOKEN_MALFORMED;
	if (!app->has_refresh_key) {
		ac_log(AC_LOG_ERROR, "event=no_refresh_key hint=\"set a "
		    "signing key or REFRESH_TOKEN_SECRET_FILE\"");
		return AC_CONFIG_INVALID;
	}
	if ((rc = ac_db_begin(s)) != AC_OK ||
	    (rc = find_family(s, tok, israw ? raw : NULL, h, sid, &m,
	    &mlen)) != AC_OK)
		goto out;
	/* As the pool's queue (loop.c): a window of 0 still waits 1 s. */
	if ((waited = ac_clock_ms() - t0) > (app->cfg.refresh_grace > 0 ?
	    app->cfg.refresh_grace : 1) * 1000LL) {
		ac_log(AC_LOG_WARN, "event=refresh_store_late waited_ms=%lld "
		    "status=503", waited);
		rc = AC_UNAVAILABLE;
		goto out;
	}
	/* The window and the stamps count from here. */
	now += (time_t)((waited + 500) / 1000);
	crypto_auth_hmacsha256(next, m, mlen, app->refresh_key);
	crypto_hash_sha256(nh, next, sizeof(next));
	p[0] = AC_DBB(h, sizeof(h));
	if ((rc = ac_db_row(s, "SELECT t.id, t.session_id, t.user_id, "
	    "t.expires, t.rotated, t.revoked, s.revoked, u.disabled, u.email, "
	    "u.email_verified "
	    "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id "
	    "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1", p, 1,
	    tok_cols, nitems(tok_cols), &t, &t.found)) != AC_OK)
		goto out;
	if (!t.found)
		rc = AC_REFRESH_TOKEN_UNKNOWN;
	else if (t.revoked || t.srevoked || t.disabled)
		rc = AC_REFRESH_TOKEN_REVOKED;
	else if (t.expires <= (int64_t)now)
		rc = AC_REFRESH_TOKEN_EXPIRED;
	if (rc != AC_OK)
		goto out;
	snprintf(g->user_id, sizeof(g->user_id), "%s", t.uid);
	snprintf(g->email, sizeof(g->email), "%s", t.email);
	g->email_verified = t.verified;
	snprintf(g->session_id, sizeof(g->session_id), "%s", t.sid);

	if (t.rotated < 0) {
		/*
		 * The current token: spend it, store its successor.  A user
		 * the rollout no longer puts on JWT gets a server-side session
		 * instead, whose cookie is that successor: a second refresh
		 * within the grace window finds it (below).
		 */
		expires = (int64_t)now + app->cfg.refresh_days * 86400;
		g->web = !ac_rollout_on_jwt(app, t.uid);
		p[0] = AC_DBI((int64_t)now);
		p[1] = AC_DBI(t.id);
		if ((rc = ac_db_exec(s, "UPDATE refresh_tokens SET rotated = $1, "
		    "last_used = $1 WHERE id = $2 AND rotated IS NULL", p, 2,
		    NULL, NULL, &n)) != AC_OK)
			goto out;
		if (n != 1) {
			rc = AC_INTERNAL;
			goto out;
		}
		if ((rc = g->web ? ac_websession_bind(s, t.sid, next) :
		    insert_token(s, next, t.sid, t.id, t.uid, now,
		    expires)) != AC_OK)
			goto out;
		p[0] = AC_DBI((int64_t)now);
		p[1] = AC_DBI(expires);
		p[2] = AC_DBS(t.sid);
		rc = hand_out(app, s, "UPDATE sessions SET last_used = $1, "
		    "expires = $2, " SET_ACCESS_EXP(4) " WHERE id = $3", p, 3,
		    next, expires, g);
		goto out;
	}

	/* Spent.  Within the window, its successor must still be current. */
	if ((int64_t)now - t.rotated <= app->cfg.refresh_grace) {
		p[0] = AC_DBI(t.id);
		p[1] = AC_DBB(nh, sizeof(nh));
		if ((rc = ac_db_row(s, "SELECT expires, rotated, revoked FROM "
		    "refresh_tokens WHERE parent_id = $1 AND token_hash = $2",
		    p, 2, child_cols, nitems(child_cols), &ch, &ch.found)) !=
		    AC_OK)
			goto out;
		if (ch.found && !ch.rotated && !ch.revoked &&
		    ch.expires > (int64_t)now) {
			p[0] = AC_DBI((int64_t)now);
			p[1] = AC_DBS(t.sid);
			g->replayed = 1;
			rc = hand_out(app, s, "UPDATE sessions SET last_used = "
			    "$1, " SET_ACCESS_EXP(3) " WHERE id = $2", p, 2,
			    next, ch.expires, g);
			goto out;
		}
	}

	/* Spent into a server-side session within the window: the same. */
	if ((int64_t)now - t.rotated <= app->cfg.refresh_grace &&
	    ac_websession_is(s, t.sid, next)) {
		g->replayed = 1;
		g->web = 1;
		rc = hand_out(app, s, NULL, NULL, 0, next, t.expires, g);
		goto out;
	}

	/* Reuse of a spent token: theft is assumed, the family goes. */
	if ((rc = revoke_family(s, t.sid, "reuse", now)) != AC_OK ||
	    (rc = ac_db_commit(s)) != AC_OK)
		goto out;
	ac_log(AC_LOG_WARN, "event=refresh_token_reused user=%s session=%s "
	    "rotated_ago=%lld", t.uid, t.sid,
	    (long long)((int64_t)now - t.rotated));
	ac_audit(AC_AUDIT_REFRESH_REUSE, AC_REFRESH_TOKEN_REUSED, t.uid, t.sid,
	    "family=revoked");
	rc = AC_REFRESH_TOKEN_REUSED;
out:
	if (rc != AC_OK) {
		ac_db_rollback(s);
		if (rc != AC_REFRESH_TOKEN_REUSED)
			memset(g, 0, sizeof(*g));
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}

enum ac_reason
ac_session_logout(struct ac_store *s, const char *tok, time_t now)
{
	unsigned char	 raw[32], h[32];
	const unsigned char *m;
	size_t		 mlen;
	char		 sid[32] = "";
	int		 israw;
	enum ac_reason	 rc;

	if (tok == NULL || *tok == '\0')
		return AC_REFRESH_TOKEN_MISSING;
	israw = ac_b64url_tok32(tok, raw) == 0;
	if (!israw && !imported_text(tok))
		return AC_REFRESH_TOKEN_MALFORMED;
	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	rc = find_family(s, tok, israw ? raw : NULL, h, sid, &m, &mlen);
	OPENSSL_cleanse(raw, sizeof(raw));
	if (rc != AC_OK)
		goto out;
	if (sid[0] == '\0') {
		rc = AC_REFRESH_TOKEN_UNKNOWN;
		goto out;
	}
	rc = revoke_family(s, sid, "logout", now);
out:
	rc = ac_db_end(s, rc);
	ac_audit(AC_AUDIT_LOGOUT, rc, NULL, sid[0] != '\0' ? sid : NULL,
	    NULL);
	return rc;
}

/*
 * What keeps refresh from doing its job with app's configuration, or
 * NULL: it signs access tokens for its own users, whose ids are UUIDs,
 * and derives successor refresh tokens.
 */
const char *
ac_session_check(const struct ac_app *app)
{

	if (ac_keys_signer(&app->live->keys) == NULL)
		return "no signing key: refresh issues access tokens, and this "
		    "configuration can only verify them (a public key or "
		    "JWKS_URL); set JWT_SECRET, JWT_PRIVATE_KEY_FILE or "
		    "JWT_KEYS_DIR with a private key";
	if (app->cfg.subject_integer)
		return "JWT_SUBJECT_TYPE=integer: refresh issues tokens for its "
		    "own users, whose ids are UUIDs, not integers; integer "
		    "subjects are for verifying tokens of another issuer "
		    "(set JWT_SUBJECT_TYPE=string for refresh)";
	if (app->has_refresh_key)
		return NULL;
	if (app->cfg.keys_dir != NULL)
		return "JWT_KEYS_DIR rotates the signing key: set "
		    "REFRESH_TOKEN_SECRET_FILE to a secret of its own "
		    "(`authctl keygen --out FILE` writes one), so that refresh "
		    "tokens outlive a rotation";
	return "no key for refresh tokens: set REFRESH_TOKEN_SECRET_FILE "
	    "(`authctl keygen --out FILE` writes one) or a local signing key";
}
