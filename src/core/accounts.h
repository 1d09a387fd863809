/*
 * accounts.h: the layers of sessions and accounts (session.c,
 * sessions.c, throttle.c, tokrevoke.c, users.c, import.c, acct.c,
 * account.c, twofactor.c) and app.c above them: opening a session,
 * login throttling, an account's row, password hashing.  Files of
 * src/core from session.c up may include it; so may tests.
 */
#ifndef AC_ACCOUNTS_H
#define AC_ACCOUNTS_H

#include "ac.h"

/* users.c */
#define AC_PWHASH_MAX	128
/*
 * Hashes pw (argon2id, interactive time limit, the app's
 * AUTH_PASSWORD_HASH_MEMORY_KIB) into out (AC_PWHASH_MAX).
 */
enum ac_reason	 ac_password_hash(const struct ac_app *, const char *pw,
		    char *out);

/* throttle.c: login throttling (see there). */
#define AC_THROTTLE_FORGET 3600	/* failures older than this are forgotten */
/* Counts an attempt (ekey may be NULL) or answers AC_RATE_LIMITED. */
enum ac_reason	 ac_throttle_begin(struct ac_store *, const char *ekey,
		    const char *ikey, long free, time_t, long *retry_after);
/* After a failed hash that took secs: the blocks it set start later. */
enum ac_reason	 ac_throttle_stretch(struct ac_store *, const char *ekey,
		    const char *ikey, time_t, long secs);
/* Inside the login's transaction: clears ekey, takes back ikey's attempt. */
enum ac_reason	 ac_throttle_success(struct ac_store *, const char *ekey,
		    const char *ikey, time_t);

/* session.c: derives the refresh key K (after the keys are loaded). */
void		 ac_session_keyinit(struct ac_app *);
/*
 * session.c, for users.c: inside the login's transaction, opens a session
 * of user uid (ip, ua may be NULL) and its first token into g.
 */
enum ac_reason	 ac_session_open(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *ip, const char *ua,
		    time_t now, struct ac_grant *g);
/* session.c */
/*
 * Inside the caller's transaction: a session carried over from another
 * back end (authctl session import) for user uid, whose refresh token's
 * text hashes (SHA-256) to h, until expires.  That token refreshes once,
 * into a token of the suite's own format, and is then spent like any
 * other: presented again after the grace window, it revokes the family.
 */
enum ac_reason	 ac_session_adopt(struct ac_store *, const char *uid,
		    const unsigned char h[32], int64_t expires, time_t now);

/* account.c: how often a link may be asked for (ac_account_link). */
#define AC_LINK_MAX		3
#define AC_LINK_WINDOW		900

/*
 * acct.c, for account.c and twofactor.c: an account as they need it.
 * ac_acct_get (users.c, whose login reads the same row): by uid, or by
 * email when uid is NULL; a->found.
 * ac_acct_throttle: ok -1 counts an attempt against the account and ip
 * (AC_RATE_LIMITED when blocked), 1 takes it back after a success, 0
 * nothing.  ac_acct_password: a's row for uid and its password checked,
 * counted.  ac_twofactor_code (twofactor.c): a's TOTP (or backup) code,
 * counted, spent.  ac_acct_clear (users.c) wipes a.
 */
#define AC_ACCT_MAXPW	1024	/* the longest password taken */
struct ac_acct {
	int		 found;
	char		 id[64];
	char		 email[256];
	char		 hash[AC_PWHASH_MAX];
	int		 disabled;
	int		 verified;
	int		 totp;		/* two-factor on */
	/* As stored: sealed (twofactor.c), base32 from before, "" none. */
	char		 secret[160];	/* AC_TOTP_SEALED_MAX of base.h */
	int64_t		 step;		/* last TOTP step taken */
};
enum ac_reason	 ac_acct_get(struct ac_store *, const char *uid,
		    const char *email, struct ac_acct *);
void		 ac_acct_clear(struct ac_acct *);
/* An ac_dbrow that copies the first column into arg (64 bytes). */
int		 ac_acct_uid_row(void *arg, size_t, const struct ac_dbval *);
enum ac_reason	 ac_acct_throttle(const struct ac_app *, struct ac_store *,
		    const struct ac_acct *, const char *ip, int ok, time_t,
		    long *retry);
enum ac_reason	 ac_acct_password(const struct ac_app *, struct ac_store *,
		    const char *uid, const char *pw, const char *ip, time_t,
		    struct ac_acct *, long *retry);
enum ac_reason	 ac_twofactor_code(const struct ac_app *, struct ac_store *,
		    const struct ac_acct *, const char *code, int backup,
		    const char *ip, time_t, long *retry);

#endif /* !AC_ACCOUNTS_H */
