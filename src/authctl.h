/*
 * authctl.h: what authctl.c shares with authctl_user.c, which holds the
 * account verbs of `authctl user` (reset-link, 2fa-disable, delete) and
 * the list's rows.
 */
#ifndef AUTHCTL_H
#define AUTHCTL_H

/* Non-zero when verb is one of authctl_user's; with nargs > 0, also
 * when it takes that many words (verb included). */
int	 authctl_user_verb(const char *verb, int nargs);
/* Runs such a verb on args (EMAIL ...); from: 2fa-seal's --from FILE,
 * or NULL; the exit status. */
int	 authctl_user(const struct ac_app *, struct ac_store *,
	    const char *verb, char *args[], const char *from);
/* ac_user_list's row printer. */
int	 authctl_user_row(void *, size_t, const struct ac_dbval *);

#endif /* !AUTHCTL_H */
