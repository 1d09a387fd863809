/*
 * tokrevoke.c: RFC 7009 token revocation for the suite's own tokens
 * (refresh's POST /api/auth/revoke holds the route).  Whatever the
 * token, the caller learns nothing: an unknown, malformed, expired or
 * already revoked token is simply nothing to do.  A refresh token ends
 * its family (as logout does); an access token that verifies and names
 * its session (sid) ends that session, so its refresh token stops
 * working and the access tokens of the session are refused everywhere
 * within JWT_REVOCATION_POLL_MS (revoke.c).  The kind is told by the
 * token's shape (a refresh token is 32 random bytes in base64url, an
 * access token a JWS), so token_type_hint only decides the order of an
 * impossible tie and is otherwise ignored, as RFC 7009 section 2.1
 * allows.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ac.h"
#include "base.h"
#include "store.h"

enum ac_reason
ac_session_revoke_token(const struct ac_app *app, struct ac_store *st,
    const char *tok, size_t len, time_t now)
{
	struct ac_token	 t;
	unsigned char	 raw[32];
	json_object	*v;
	const char	*sid;
	enum ac_reason	 rc;

	memset(&t, 0, sizeof(t));
	if (len == AC_REFRESH_LEN && ac_b64url_tok32(tok, raw) == 0) {
		explicit_bzero(raw, sizeof(raw));
		rc = ac_session_logout(st, tok, now);
		/* Not ours, or already ended: nothing to revoke. */
		return rc == AC_REFRESH_TOKEN_UNKNOWN ||
		    rc == AC_REFRESH_TOKEN_MALFORMED ? AC_OK : rc;
	}
	if (memchr(tok, '.', len) == NULL ||
	    ac_token_verify(app, tok, len, now, &t) != AC_OK)
		goto none;
	if (!json_object_object_get_ex(t.claims, "sid", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto none;
	sid = json_object_get_string(v);
	rc = ac_session_revoke(st, t.sub, sid, now);
	ac_audit(AC_AUDIT_SESSION_REVOKE, rc, t.sub, sid, "via=revocation");
	ac_token_clear(&t);
	return rc == AC_NOT_FOUND ? AC_OK : rc;
none:
	ac_token_clear(&t);
	return AC_OK;
}
