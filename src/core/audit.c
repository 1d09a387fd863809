/*
 * audit.c: the audit trail: one info line per security event (login,
 * signup, logout, session revocation, refresh-token reuse, password
 * change, a user disabled or enabled, key rotation, retirement and
 * reload), with the user and session where known and the client
 * address, and the event's counter.  Never a token, cookie, password or
 * secret: callers pass ids only.  The client address is the calling
 * thread's request's (struct ac_req's, borrowed: ops.c points at it
 * around each request).  The lines go
 * where every line goes (log.c), to syslog's authpriv facility there.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"

/* The running request's client, cleaned (borrowed); NULL: none. */
static __thread const char *remote;

void
ac_audit_remote(const char *addr)
{

	remote = addr;
}

/* The action= word of each event, in enum ac_audit's order. */
static const char *const actions[] = {
	"login", "signup", "logout", "session_revoked",
	"refresh_token_reused", "password_changed", "user_disabled",
	"user_enabled", "key_rotated", "key_retired", "keys_reloaded",
	"config_reloaded", "sessions_imported", "password_reset_requested",
	"password_reset", "verification_requested", "email_verified",
	"two_factor_enabled", "two_factor_disabled", "account_deleted",
};
_Static_assert(nitems(actions) == AC_AUDIT__MAX,
    "one action word per enum ac_audit event");

void
ac_audit(enum ac_audit ev, enum ac_reason rc, const char *user,
    const char *session, const char *fmt, ...)
{
	char	 u[80], s[48], extra[256] = "";
	va_list	 ap;

	switch (ev) {
	case AC_AUDIT_LOGIN:
		ac_metrics_login(rc);
		break;
	case AC_AUDIT_SIGNUP:
		if (rc == AC_OK)
			ac_metrics_signup();
		break;
	case AC_AUDIT_LOGOUT:
		if (rc == AC_OK)
			ac_metrics_logout();
		break;
	default:
		if (rc == AC_OK && ev >= AC_AUDIT_RESET_REQUEST &&
		    ev < AC_AUDIT__MAX)
			ac_metrics_account(ev);
		break;
	}
	if ((unsigned)ev >= AC_AUDIT__MAX)
		return;
	ac_log_clean(u, sizeof(u), user != NULL && *user != '\0' ? user : "-");
	ac_log_clean(s, sizeof(s), session != NULL && *session != '\0' ?
	    session : "-");
	if (fmt != NULL) {
		extra[0] = ' ';
		va_start(ap, fmt);
		vsnprintf(extra + 1, sizeof(extra) - 1, fmt, ap);
		va_end(ap);
	}
	ac_log_audit("event=audit action=%s result=%s user=%s "
	    "session=%s remote=%s%s", actions[ev], ac_reason_str(rc), u, s,
	    remote != NULL && remote[0] != '\0' ? remote : "-", extra);
}

const char *
ac_audit_action(enum ac_audit ev)
{

	return (unsigned)ev < AC_AUDIT__MAX ? actions[ev] : NULL;
}
