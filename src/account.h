/*
 * account.h: what the refresh program's two files share.  src/account.c
 * holds the account routes (password reset, change, email verification,
 * two-factor, deletion); src/refresh.c the login and token routes, and
 * the token answer both give.
 */
#ifndef ACCOUNT_H
#define ACCOUNT_H

/* refresh.c: the answer of a completed login (access token, cookie). */
enum ac_reason	 refresh_answer(struct ac_req *, const struct ac_app *,
		    const struct ac_grant *, time_t now);
/* refresh.c: clears the refresh and session cookies. */
void		 refresh_clear(struct ac_req *, const struct ac_app *);

/* account.c: login's answer when the account has two-factor on. */
enum ac_reason	 account_two_factor(struct ac_req *, const struct ac_app *,
		    struct ac_store *, const struct ac_grant *, time_t now);

enum ac_reason	 h_reset_request(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_reset_password(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_change_password(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_send_verification(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_verify_email(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_2fa_enable(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_2fa_verify(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_2fa_disable(struct ac_req *, const struct ac_app *);
enum ac_reason	 h_delete_user(struct ac_req *, const struct ac_app *);

#endif /* !ACCOUNT_H */
