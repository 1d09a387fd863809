/*
 * acct.c: an account as the account routes (account.c) and two-factor
 * login (twofactor.c) need it, over the neutral ac_db_ interface: its
 * row, the login throttle's count against it, and its password checked
 * (counted toward the throttle as logins are).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ac.h"
#include "base.h"
#include "store.h"
#include "accounts.h"
/* The login throttle's keys for a's account and the address ip. */
static void
keys(const struct ac_acct *a, const char *ip, char *ekey, size_t en,
    char *ikey, size_t in)
{

	snprintf(ekey, en, "email:%s", a->email);
	snprintf(ikey, in, "ip:%.64s", ip != NULL ? ip : "-");
}

enum ac_reason
ac_acct_throttle(const struct ac_app *app, struct ac_store *s,
    const struct ac_acct *a, const char *ip, int ok, time_t now,
    long *retry)
{
	char		 ekey[300], ikey[80];
	enum ac_reason	 rc;

	keys(a, ip, ekey, sizeof(ekey), ikey, sizeof(ikey));
	if (ok < 0)
		return ac_throttle_begin(s, ekey, ikey, app->cfg.login_free,
		    now, retry);
	if (!ok)
		return AC_OK;
	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	return ac_db_end(s, ac_throttle_success(s, ekey, ikey, now));
}

enum ac_reason
ac_acct_password(const struct ac_app *app, struct ac_store *s,
    const char *uid, const char *pw, const char *ip, time_t now,
    struct ac_acct *a, long *retry)
{
	char		 ekey[300], ikey[80];
	long long	 t0;
	enum ac_reason	 rc;

	*retry = 0;
	if ((rc = ac_acct_get(s, uid, NULL, a)) != AC_OK)
		return rc;
	if (!a->found)
		return AC_CREDENTIALS_INVALID;	/* deleted since the token */
	if (a->disabled)
		return AC_ACCOUNT_DISABLED;
	if ((rc = ac_acct_throttle(app, s, a, ip, -1, now, retry)) != AC_OK)
		return rc;
	t0 = ac_clock_ms();
	if (pw == NULL || strlen(pw) > AC_ACCT_MAXPW ||
	    crypto_pwhash_str_verify(a->hash, pw, strlen(pw)) != 0) {
		keys(a, ip, ekey, sizeof(ekey), ikey, sizeof(ikey));
		if ((rc = ac_throttle_stretch(s, ekey, ikey, now,
		    (long)(ac_clock_ms() / 1000 - t0 / 1000))) != AC_OK)
			return rc;
		return AC_CREDENTIALS_INVALID;
	}
	return ac_acct_throttle(app, s, a, ip, 1, now, retry);
}

int
ac_acct_uid_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1)
		ac_db_text(arg, 64, &v[0]);
	return 1;
}
