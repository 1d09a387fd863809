/*
 * sessions.c: what a user and the operator see of the sessions that
 * session.c opens and rotates: a user's list (the session page's
 * GET /api/auth/sessions), revoking one of them (DELETE, and
 * tokrevoke.c's revocation of a token's session), and the prune of
 * expired and revoked rows (authctl prune), over the neutral ac_db_
 * interface like session.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "store.h"
#include "accounts.h"
static json_object *
jtime(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 buf[32];

	if (gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

struct listarg {
	json_object	*arr;
	const char	*cur;
	int		 nomem;
};

static int
list_row(void *arg, size_t n, const struct ac_dbval *v)
{
	struct listarg	*l = arg;
	json_object	*o;
	char		 id[32];

	if (n < 6)
		return 1;
	if ((o = json_object_new_object()) == NULL) {
		l->nomem = 1;
		return 1;
	}
	ac_db_text(id, sizeof(id), &v[0]);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "created", jtime(ac_db_int(&v[1], 0)));
	json_object_object_add(o, "lastUsed", jtime(ac_db_int(&v[2], 0)));
	json_object_object_add(o, "expires", jtime(ac_db_int(&v[3], 0)));
	json_object_object_add(o, "userAgent", v[4].type == AC_DB_TEXT ?
	    json_object_new_string_len(v[4].s, (int)v[4].len) : NULL);
	json_object_object_add(o, "ip", v[5].type == AC_DB_TEXT ?
	    json_object_new_string_len(v[5].s, (int)v[5].len) : NULL);
	json_object_object_add(o, "current", json_object_new_boolean(
	    l->cur != NULL && strcmp(l->cur, id) == 0));
	json_object_array_add(l->arr, o);
	return 0;
}

enum ac_reason
ac_session_list(struct ac_store *s, const char *user_id, const char *cur,
    time_t now, json_object **out)
{
	struct listarg	 l = { NULL, cur, 0 };
	struct ac_dbval	 p[2];
	enum ac_reason	 rc;

	*out = NULL;
	if ((l.arr = json_object_new_array()) == NULL)
		return AC_NOMEM;
	p[0] = AC_DBS(user_id);
	p[1] = AC_DBI((int64_t)now);
	rc = ac_db_exec(s, "SELECT id, created, last_used, expires, "
	    "user_agent, ip FROM sessions WHERE user_id = $1 AND revoked IS "
	    "NULL AND expires > $2 ORDER BY last_used DESC, id", p, 2,
	    list_row, &l, NULL);
	if (rc == AC_OK && l.nomem)
		rc = AC_NOMEM;
	if (rc != AC_OK) {
		json_object_put(l.arr);
		return rc;
	}
	*out = l.arr;
	return AC_OK;
}

enum ac_reason
ac_session_revoke(struct ac_store *s, const char *user_id,
    const char *session_id, time_t now)
{
	struct ac_dbval	 p[3];
	int64_t		 n = 0;
	enum ac_reason	 rc;

	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(session_id);
	p[2] = AC_DBS(user_id);
	if ((rc = ac_db_exec(s, "UPDATE sessions SET revoked = $1, "
	    "revoke_reason = 'user' WHERE id = $2 AND user_id = $3 AND "
	    "revoked IS NULL", p, 3, NULL, NULL, &n)) != AC_OK)
		goto out;
	if (n == 0) {
		rc = AC_NOT_FOUND;
		goto out;
	}
	rc = ac_db_exec(s, "UPDATE refresh_tokens SET revoked = $1 "
	    "WHERE session_id = $2 AND revoked IS NULL", p, 2, NULL, NULL,
	    NULL);
out:
	return ac_db_end(s, rc);
}

enum ac_reason
ac_session_prune(struct ac_store *s, time_t now, long keep, int64_t *n)
{
	struct ac_dbval	 p[3];
	int64_t		 a = 0, b = 0, c = 0, d = 0;
	enum ac_reason	 rc;

	*n = 0;
	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBI((int64_t)now - keep);
	p[2] = AC_DBI((int64_t)now - AC_THROTTLE_FORGET);
	if ((rc = ac_db_exec(s, "DELETE FROM refresh_tokens WHERE "
	    "expires <= $1 OR revoked <= $2", p, 2, NULL, NULL, &a)) != AC_OK ||
	    (rc = ac_db_exec(s, "DELETE FROM sessions WHERE expires <= $1 OR "
	    "revoked <= $2", p, 2, NULL, NULL, &b)) != AC_OK ||
	    (rc = ac_db_exec(s, "DELETE FROM revoked_sessions WHERE "
	    "revoked <= $1", p + 1, 1, NULL, NULL, &d)) != AC_OK ||
	    (p[1] = p[2], rc = ac_db_exec(s, "DELETE FROM login_throttle "
	    "WHERE blocked_until <= $1 AND last_failure <= $2", p, 2, NULL,
	    NULL, &c)) != AC_OK)
		return ac_db_end(s, rc);
	if ((rc = ac_db_end(s, AC_OK)) == AC_OK)
		*n = a + b + c + d;
	return rc;
}
