/*
 * throttle.c: login throttling over the login_throttle table, for
 * users.c's ac_user_login.  Failures are counted per account
 * ("email:...") and per client address ("ip:..."); after the free ones
 * each further failure blocks its key for 2, 4, 8 ... up to MAXDELAY
 * seconds, and failures older than FORGET are forgotten.
 *
 * An attempt is counted before the password is hashed (ac_throttle_begin),
 * in one transaction with the check, so that attempts arriving together
 * cannot all pass the check while the hashes run; a success then takes
 * its own attempt back from the address and clears the account's count
 * (ac_throttle_success), never the address's failures: an attacker's own
 * good logins must not reset the count of its guesses at other accounts.
 * A block set before the hash starts when its failure is answered: a
 * hash that took whole seconds (a loaded host) stretches it by as much
 * (ac_throttle_stretch).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "store.h"
#include "accounts.h"

#define MAXDELAY	900	/* longest login delay, seconds */
#define IP_FACTOR	4	/* an address gets this many times more */

/*
 * Seconds to wait after the given number of failures: none for the free
 * ones, then 2, 4, 8 ... up to MAXDELAY.  The first wait is 2 s, not 1,
 * since times are whole seconds and 1 s could end at once.
 */
static long
delay(int64_t failures, long free)
{
	int64_t	 k = failures - free + 1;

	if (k <= 0)
		return 0;
	if (k >= 10)
		return MAXDELAY;
	return (1L << k) < MAXDELAY ? (1L << k) : MAXDELAY;
}

struct countrow {
	int64_t		 failures;
	int64_t		 blocked;
};

static int
count_row(void *arg, size_t n, const struct ac_dbval *v)
{
	struct countrow	*c = arg;

	if (n >= 2) {
		c->failures = ac_db_int(&v[0], 0);
		c->blocked = ac_db_int(&v[1], 0);
	}
	return 1;
}

/*
 * Inside a transaction: counts one attempt against key and returns in *c
 * the new count and the block that held before it.  The upsert locks the
 * row (PostgreSQL), so attempts on one key are counted one at a time.
 */
static enum ac_reason
count(struct ac_store *s, const char *key, time_t now, struct countrow *c)
{
	struct ac_dbval	 p[3];

	memset(c, 0, sizeof(*c));
	p[0] = AC_DBS(key);
	p[1] = AC_DBI((int64_t)now);
	p[2] = AC_DBI((int64_t)now - AC_THROTTLE_FORGET);
	return ac_db_exec(s, "INSERT INTO login_throttle (key, failures, "
	    "last_failure, blocked_until) VALUES ($1, 1, $2, 0) "
	    "ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN "
	    "login_throttle.last_failure < $3 THEN 1 ELSE "
	    "login_throttle.failures + 1 END, last_failure = $2 "
	    "RETURNING failures, blocked_until", p, 3, count_row, c, NULL);
}

static enum ac_reason
block(struct ac_store *s, const char *key, int64_t until)
{
	struct ac_dbval	 p[2];

	p[0] = AC_DBI(until);
	p[1] = AC_DBS(key);
	return ac_db_exec(s, "UPDATE login_throttle SET blocked_until = $1 "
	    "WHERE key = $2", p, 2, NULL, NULL, NULL);
}

enum ac_reason
ac_throttle_begin(struct ac_store *s, const char *ekey, const char *ikey,
    long free, time_t now, long *retry_after)
{
	struct countrow	 e, i;
	int64_t		 blocked;
	enum ac_reason	 rc;

	*retry_after = 0;
	memset(&e, 0, sizeof(e));
	if ((rc = ac_db_begin(s)) != AC_OK)
		return rc;
	if ((ekey != NULL && (rc = count(s, ekey, now, &e)) != AC_OK) ||
	    (rc = count(s, ikey, now, &i)) != AC_OK)
		goto out;
	blocked = e.blocked > i.blocked ? e.blocked : i.blocked;
	if (blocked > (int64_t)now) {
		/* Waiting attempts are not counted: take this one back. */
		*retry_after = (long)(blocked - (int64_t)now);
		rc = AC_RATE_LIMITED;
		goto out;
	}
	/*
	 * Only a failure past the free ones sets a block: a zero-length one
	 * stamped "now" would look, to the stretch of an attempt that began
	 * a second earlier, like a block it set, and concurrent free
	 * failures would then stretch one another into a 429 for everyone
	 * at the address.
	 */
	if (ekey != NULL && delay(e.failures, free) > 0 &&
	    (rc = block(s, ekey, (int64_t)now + delay(e.failures, free))) !=
	    AC_OK)
		goto out;
	if (delay(i.failures, free * IP_FACTOR) > 0)
		rc = block(s, ikey, (int64_t)now + delay(i.failures,
		    free * IP_FACTOR));
out:
	return ac_db_end(s, rc);
}

enum ac_reason
ac_throttle_success(struct ac_store *s, const char *ekey, const char *ikey,
    time_t now)
{
	struct ac_dbval	 p[2];
	enum ac_reason	 rc;

	p[0] = AC_DBS(ekey);
	if ((rc = ac_db_exec(s, "DELETE FROM login_throttle WHERE key = $1",
	    p, 1, NULL, NULL, NULL)) != AC_OK)
		return rc;
	/*
	 * The address keeps its failures; only this attempt, counted before
	 * the hash, is taken back, with the block it set (the check passed,
	 * so no block of the address held before it).
	 */
	p[0] = AC_DBI((int64_t)now);
	p[1] = AC_DBS(ikey);
	return ac_db_exec(s, "UPDATE login_throttle SET failures = "
	    "failures - 1, blocked_until = CASE WHEN blocked_until > $1 "
	    "THEN $1 ELSE blocked_until END WHERE key = $2 AND failures > 0",
	    p, 2, NULL, NULL, NULL);
}

enum ac_reason
ac_throttle_stretch(struct ac_store *s, const char *ekey, const char *ikey,
    time_t now, long secs)
{
	struct ac_dbval	 p[4];

	if (secs <= 0)
		return AC_OK;
	p[0] = AC_DBI(secs);
	p[1] = AC_DBI((int64_t)now);
	p[2] = AC_DBS(ikey);
	p[3] = AC_DBS(ekey != NULL ? ekey : ikey);
	return ac_db_exec(s, "UPDATE login_throttle SET blocked_until = "
	    "blocked_until + $1 WHERE blocked_until > $2 AND "
	    "(key = $3 OR key = $4)", p, 4, NULL, NULL, NULL);
}
