/*
 * authctl_user.c: the operator's side of the account routes, as verbs of
 * `authctl user`: reset-link prints a password-reset link instead of
 * mailing it (a user who cannot get mail), 2fa-disable turns a user's
 * two-factor off (a lost phone), 2fa-seal seals every two-factor secret
 * still stored in clear (and with --from FILE re-seals those sealed under
 * the key FILE gave before a change of secret), delete removes a user
 * with everything theirs.
 * The policy is the core's (src/core/account.c, twofactor.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "authctl.h"

int
authctl_user_row(void *arg, size_t n, const struct ac_dbval *v)
{
	char		 created[32];
	time_t		 t;
	struct tm	 tm;

	(void)arg;
	if (n < 5)
		return 1;
	t = (time_t)v[3].i;
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ",
	    gmtime_r(&t, &tm));
	printf("%.*s\t%.*s\t%s\t%s\t%lld\n", (int)v[0].len, v[0].s,
	    (int)v[1].len, v[1].s, v[2].i ? "disabled" : "active", created,
	    (long long)v[4].i);
	return 0;
}

int
authctl_user_verb(const char *verb, int nargs)
{

	if (strcmp(verb, "reset-link") == 0)
		return nargs <= 0 || nargs == 2 || nargs == 3;
	if (strcmp(verb, "2fa-disable") == 0 || strcmp(verb, "delete") == 0)
		return nargs <= 0 || nargs == 2;
	if (strcmp(verb, "2fa-seal") == 0)
		return nargs <= 0 || nargs == 1;
	return 0;
}

/*
 * The base of an operator's reset link: URL as given, else the first
 * origin of ALLOWED_ORIGINS with /reset-password.
 */
static int
base(const struct ac_app *app, const char *url, char *out, size_t n)
{
	const char	*o = ac_app_config(app)->allowed_origins, *first;
	size_t		 len;

	if (url != NULL) {
		if (strncmp(url, "https://", 8) != 0 &&
		    strncmp(url, "http://", 7) != 0)
			return -1;
		snprintf(out, n, "%s", url);
		return 0;
	}
	if ((first = ac_list_next(&o, &len)) == NULL)
		return -1;
	snprintf(out, n, "%.*s/reset-password", (int)len, first);
	return 0;
}

/*
 * 2fa-seal [--from FILE]: the old keys FILE gave, then the sealing.  FILE
 * that gives none (unreadable, world-readable, too short, or the key in
 * use now): exit 2 before anything changes.
 */
static int
seal(const struct ac_app *app, struct ac_store *st, const char *from,
    time_t now)
{
	unsigned char	 old[2][32];
	char		 err[512];
	struct ac_sealcount c;
	enum ac_reason	 r;
	int		 nold = 0;

	if (from != NULL && (nold = ac_session_oldkeys(app, from, old, err,
	    sizeof(err))) == -1) {
		fprintf(stderr, "authctl user 2fa-seal: --from %s; nothing "
		    "changed\n", err);
		return 2;
	}
	r = ac_twofactor_seal_all(app, st, now, old, nold, &c);
	explicit_bzero(old, sizeof(old));
	if (r == AC_CONFIG_INVALID) {
		fprintf(stderr, "authctl user 2fa-seal: no key to seal "
		    "with: set REFRESH_TOKEN_SECRET_FILE or a signing "
		    "key, as refresh has them\n");
		return 1;
	}
	if (r != AC_OK) {
		fprintf(stderr, "authctl user 2fa-seal: %s: %s\n",
		    ac_reason_message(r), ac_store_error(st));
		return 1;
	}
	printf("sealed now: %ld\tre-keyed: %ld\tsealed before: %ld\t"
	    "unreadable: %ld\n", c.resealed, c.rekeyed, c.sealed,
	    c.unreadable);
	return c.unreadable > 0;
}

int
authctl_user(const struct ac_app *app, struct ac_store *st, const char *verb,
    char *args[], const char *from)
{
	const char	*email = args[0];
	char		 uid[64] = "", tok[AC_REFRESH_LEN + 1], b[2048], to[256];
	long		 retry;
	time_t		 now = time(NULL);
	enum ac_reason	 r;

	if (strcmp(verb, "2fa-seal") == 0)
		return seal(app, st, from, now);
	if (strcmp(verb, "reset-link") == 0) {
		if (base(app, args[1], b, sizeof(b)) == -1) {
			fprintf(stderr, "authctl user reset-link: give the page "
			    "URL (http:// or https://), or set "
			    "ALLOWED_ORIGINS\n");
			return 2;
		}
		if ((r = ac_account_link(app, st, email, AC_LINK_RESET, now, 0,
		    tok, to)) == AC_OK)
			printf("%s%c""token=%s\n", b,
			    strchr(b, '?') != NULL ? '&' : '?', tok);
		ac_audit(AC_AUDIT_RESET_REQUEST, r, NULL, NULL,
		    "actor=authctl uid=%ld", (long)getuid());
	} else if ((r = ac_account_find(st, email, uid)) != AC_OK)
		;
	else if (strcmp(verb, "2fa-disable") == 0) {
		r = ac_twofactor_disable(app, st, uid, NULL, NULL, now, &retry);
		ac_audit(AC_AUDIT_TWO_FACTOR_OFF, r, uid, NULL,
		    "actor=authctl uid=%ld", (long)getuid());
	} else {
		r = ac_account_delete(app, st, uid, NULL, NULL, NULL, now,
		    &retry);
		ac_audit(AC_AUDIT_USER_DELETE, r, uid, NULL,
		    "actor=authctl uid=%ld", (long)getuid());
	}
	if (r == AC_NOT_FOUND) {
		fprintf(stderr, "authctl user %s: no user %s (or, for "
		    "reset-link, a disabled one)\n", verb, email);
		return 1;
	}
	if (r != AC_OK) {
		fprintf(stderr, "authctl user %s: %s: %s\n", verb,
		    ac_reason_message(r), ac_store_error(st));
		return 1;
	}
	return 0;
}
