/*
 * websession.c: server-side sessions, the fallback of the JWT rollout
 * (rollout.c), and Better Auth's session cookie: their rows, lookups and
 * per-process cache.  Reading the cookie off a request is auth.c's.
 *
 * A user outside the rollout logs in to a server-side session: a row of
 * the same sessions table a refresh-token family uses, revoked by the
 * same logout, "log out everywhere", revocation of one session and user
 * disable, but with no refresh tokens and no rotation.  Its cookie
 * (sessionToken, __Host-sessionToken over https) holds 32 random bytes in
 * base64url; only their SHA-256 is stored (sessions.token_hash), and the
 * session lives as long as a refresh token would
 * (JWT_REFRESH_TOKEN_EXPIRE_DAYS).
 *
 * verify and todos accept the cookie wherever they accept a Bearer token
 * (ac_req_auth): a request with an Authorization header is judged by its
 * token only; one without it, by its session cookie.  A cookie is looked
 * up in the store, and a session found live is kept in a small
 * per-process cache for SESSION_CACHE_SECONDS (1 by default; 0: no
 * cache), so a busy session costs one query a second per process and an
 * ended one is refused within that time everywhere.  Only live sessions
 * are cached; a cookie that fails is looked up again the next time.  The
 * subject is the user id, as in the access tokens login issues, and the
 * claims handed on are those tokens' (sub, sid, email, exp).
 *
 * With BETTER_AUTH_SESSION_TABLE, the cookie better-auth.session_token
 * (__Secure-better-auth.session_token over https) is honoured too, for a
 * suite that shares Better Auth's database: its value is
 * "TOKEN.SIGNATURE", percent-encoded, the signature being the standard
 * base64 of HMAC-SHA256(BETTER_AUTH_SECRET, TOKEN) (better-call's signed
 * cookies).  The signature is checked before anything is looked up; then
 * the row of Better Auth's session table whose token is TOKEN gives the
 * user (userId) and the end (expiresAt, an ISO 8601 text in SQLite).
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "ac.h"
#include "base.h"
#include "store.h"
#include "tokens.h"

#define CACHE_SLOTS	1024		/* power of two */
#define BA_MAXTOKEN	255

/* The cache ----------------------------------------------------------- */

static struct {
	pthread_mutex_t	 lock;
	struct ac_wsentry slot[CACHE_SLOTS];
	int		 ready;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t
slot_of(const unsigned char h[32])
{

	return ((size_t)h[0] | (size_t)h[1] << 8) & (CACHE_SLOTS - 1);
}

int
ac_wscache_get(const unsigned char h[32], long long now, long ttl_ms,
    struct ac_wsentry *out)
{
	struct ac_wsentry *e;
	int		 hit = 0;

	if (ttl_ms <= 0)
		return 0;
	pthread_mutex_lock(&cache.lock);
	e = &cache.slot[slot_of(h)];
	if (e->at != 0 && CRYPTO_memcmp(e->hash, h, 32) == 0 &&
	    now - e->at < ttl_ms && now >= e->at) {
		*out = *e;
		hit = 1;
	}
	pthread_mutex_unlock(&cache.lock);
	return hit;
}

void
ac_wscache_put(const struct ac_wsentry *in, long long now)
{
	struct ac_wsentry *e;

	pthread_mutex_lock(&cache.lock);
	e = &cache.slot[slot_of(in->hash)];
	*e = *in;
	e->at = now != 0 ? now : 1;
	pthread_mutex_unlock(&cache.lock);
}

void
ac_wscache_drop(const unsigned char h[32])
{
	struct ac_wsentry *e;

	pthread_mutex_lock(&cache.lock);
	e = &cache.slot[slot_of(h)];
	if (CRYPTO_memcmp(e->hash, h, 32) == 0)
		memset(e, 0, sizeof(*e));
	pthread_mutex_unlock(&cache.lock);
}

void
ac_wscache_flush(void)
{

	pthread_mutex_lock(&cache.lock);
	memset(cache.slot, 0, sizeof(cache.slot));
	pthread_mutex_unlock(&cache.lock);
}

/* Helpers ------------------------------------------------------------- */

int
ac_websession_hash(const char *tok, unsigned char h[32])
{
	unsigned char	 raw[32];

	if (ac_b64url_tok32(tok, raw) == -1)
		return -1;
	SHA256(raw, sizeof(raw), h);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* Opening and ending -------------------------------------------------- */

enum ac_reason
ac_websession_bind(struct ac_store *s, const char *sid,
    const unsigned char raw[32])
{
	unsigned char	 h[32];
	struct ac_dbval	 p[2];

	SHA256(raw, 32, h);
	p[0] = AC_DBB(h, sizeof(h));
	p[1] = AC_DBS(sid);
	return ac_db_exec(s, "UPDATE sessions SET token_hash = $1 WHERE "
	    "id = $2", p, 2, NULL, NULL, NULL);
}

static int
one_row(void *arg, size_t n, const struct ac_dbval *v)
{

	(void)v;
	if (n >= 1)
		*(int *)arg = 1;
	return 1;
}

int
ac_websession_is(struct ac_store *s, const char *sid,
    const unsigned char raw[32])
{
	unsigned char	 h[32];
	struct ac_dbval	 p[2];
	int		 found = 0;

	SHA256(raw, 32, h);
	p[0] = AC_DBS(sid);
	p[1] = AC_DBB(h, sizeof(h));
	if (ac_db_exec(s, "SELECT 1 FROM sessions WHERE id = $1 AND "
	    "token_hash = $2 AND revoked IS NULL", p, 2, one_row, &found,
	    NULL) != AC_OK)
		return 0;
	return found;
}

enum ac_reason
ac_websession_logout(struct ac_store *s, const char *tok, time_t now)
{
	unsigned char	 h[32];
	struct ac_dbval	 p[2];

	if (tok == NULL || *tok == '\0')
		return AC_SESSION_UNKNOWN;
	if (ac_websession_hash(tok, h) == -1)
		return AC_SESSION_MALFORMED;
	ac_wscache_drop(h);
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBB(h, sizeof(h));
	return ac_db_exec(s, "UPDATE sessions SET revoked = $1, "
	    "revoke_reason = 'logout' WHERE token_hash = $2 AND revoked IS "
	    "NULL", p, 2, NULL, NULL, NULL);
}

/* Looking up ---------------------------------------------------------- */

/* A lookup's row: the entry it fills, and what decides whether it holds. */
struct wsrow {
	int		 found;
	int		 revoked;
	int		 disabled;
	struct ac_wsentry e;
};

/* The columns of lookup_own's query, in order. */
static const struct ac_dbcol ws_cols[] = {
	AC_DBCOL_TEXT(struct wsrow, e.sid),
	AC_DBCOL_TEXT(struct wsrow, e.uid),
	AC_DBCOL_INT(struct wsrow, e.expires, 0),
	AC_DBCOL_SET(struct wsrow, revoked),
	AC_DBCOL_FLAG(struct wsrow, disabled),
	AC_DBCOL_TEXT(struct wsrow, e.email),
	AC_DBCOL_FLAG(struct wsrow, e.verified),
};

static enum ac_reason
lookup_own(struct ac_store *s, const unsigned char h[32], time_t now,
    struct ac_wsentry *e)
{
	struct wsrow	 w;
	struct ac_dbval	 p[1];
	enum ac_reason	 rc;

	memset(&w, 0, sizeof(w));
	p[0] = AC_DBB(h, 32);
	if ((rc = ac_db_row(s, "SELECT s.id, s.user_id, s.expires, "
	    "s.revoked, u.disabled, u.email, u.email_verified FROM sessions s "
	    "JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", p, 1,
	    ws_cols, nitems(ws_cols), &w, &w.found)) != AC_OK)
		return rc;
	if (!w.found)
		return AC_SESSION_UNKNOWN;
	if (w.revoked || w.disabled)
		return AC_SESSION_REVOKED;
	if (w.e.expires <= (int64_t)now)
		return AC_SESSION_EXPIRED;
	*e = w.e;
	return AC_OK;
}

/*
 * An ISO 8601 / SQL timestamp as Better Auth stores expiresAt:
 * "2026-12-05T08:22:26.123Z" (SQLite), "2026-12-05 08:22:26.123+00"
 * (PostgreSQL), or milliseconds since 1970.  -1 when unreadable.
 */
int64_t
ac_websession_time(const char *s, size_t len)
{
	char		 buf[64], *p, *end;
	struct tm	 tm;
	long		 off = 0, oh, om = 0;
	int64_t		 t;
	int		 sign;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strspn(buf, "0123456789") == len)
		return strtoll(buf, NULL, 10) / 1000;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(buf, "%Y-%m-%d", &tm)) == NULL ||
	    (*p != 'T' && *p != ' ') ||
	    (p = strptime(p + 1, "%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			continue;
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		oh = strtol(p + 1, &end, 10);
		if (end == p + 1)
			return -1;
		if (end - (p + 1) == 4) {
			om = oh % 100;
			oh /= 100;
		} else if (*end == ':')
			om = strtol(end + 1, &end, 10);
		off = sign * (oh * 3600 + om * 60);
		p = end;
	}
	if (*p != '\0')
		return -1;
	if ((t = (int64_t)timegm(&tm)) == -1)
		return -1;
	return t - off;
}

/* Better Auth's expiresAt: milliseconds, or a timestamp in text. */
static int64_t
ba_expires(const struct ac_dbval *v)
{

	if (v->type == AC_DB_INT)
		return v->i / 1000;
	if (v->type == AC_DB_TEXT)
		return ac_websession_time(v->s, v->len);
	return -1;
}

/* The columns of ba_sql, in order. */
static const struct ac_dbcol ba_cols[] = {
	AC_DBCOL_TEXT(struct wsrow, e.sid),
	AC_DBCOL_TEXT(struct wsrow, e.uid),
	AC_DBCOL_CONV(struct wsrow, e.expires, ba_expires),
};

/* The query on Better Auth's table, built once (its address is stable). */
static char	 ba_sql[256];
static pthread_once_t ba_once = PTHREAD_ONCE_INIT;
static const struct ac_app *ba_app;

static void
ba_init(void)
{

	snprintf(ba_sql, sizeof(ba_sql), "SELECT id, \"userId\", "
	    "\"expiresAt\" FROM \"%s\" WHERE token = $1",
	    ba_app->cfg.ba_session_table);
}

/*
 * Checks the signature of a Better Auth cookie value (percent-decoded
 * into v) and leaves the token in v.  -1 when malformed, -2 when the
 * signature is wrong.
 */
int
ac_websession_ba_check(const struct ac_config *c, char *v)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE], want[64];
	unsigned int	 maclen = 0;
	char		*dot;
	size_t		 tlen;
	int		 n;

	if ((dot = strrchr(v, '.')) == NULL || dot == v ||
	    (tlen = (size_t)(dot - v)) > BA_MAXTOKEN)
		return -1;
	/* 32 bytes of HMAC-SHA256: 44 base64 characters, one '='. */
	if (strlen(dot + 1) != 44 || dot[44] != '=' ||
	    strspn(dot + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789+/") != 43)
		return -1;
	if ((n = EVP_DecodeBlock(want, (unsigned char *)dot + 1, 44)) != 33)
		return -1;
	if (c->secret == NULL || HMAC(EVP_sha256(), c->secret,
	    (int)c->secretlen, (unsigned char *)v, tlen, mac, &maclen) ==
	    NULL || maclen != 32)
		return -2;
	if (CRYPTO_memcmp(mac, want, 32) != 0)
		return -2;
	*dot = '\0';
	return 0;
}

static enum ac_reason
lookup_ba(const struct ac_app *app, struct ac_store *s, const char *tok,
    time_t now, struct ac_wsentry *e)
{
	struct wsrow	 w;
	struct ac_dbval	 p[1];
	enum ac_reason	 rc;

	ba_app = app;
	pthread_once(&ba_once, ba_init);
	memset(&w, 0, sizeof(w));	/* the table has no email: "", 0 */
	p[0] = AC_DBS(tok);
	if ((rc = ac_db_row(s, ba_sql, p, 1, ba_cols, nitems(ba_cols), &w,
	    &w.found)) != AC_OK)
		return rc;
	if (!w.found)
		return AC_SESSION_UNKNOWN;
	if (w.e.expires <= (int64_t)now)
		return AC_SESSION_EXPIRED;
	*e = w.e;
	return AC_OK;
}

enum ac_reason
ac_websession_find(const struct ac_app *app, struct ac_store *st,
    const char *batok, const unsigned char h[32], time_t now,
    struct ac_wsentry *e)
{

	return batok != NULL ? lookup_ba(app, st, batok, now, e) :
	    lookup_own(st, h, now, e);
}
