/*
 * metrics.h: the layer above base.h (metrics.c, audit.c): the figures
 * every layer counts, the record of what the program needs
 * (ac_ops_needs: AC_NEEDS_* of ac.h), the audit trail's own calls, and
 * the layout of the figures file that metrics.c maps and scrape.c
 * reads.  Files of src/core from this layer up may include it; so may
 * tests and benchmarks.
 */
#ifndef AC_METRICS_H
#define AC_METRICS_H

#include <stdint.h>

#include "ac.h"

/* metrics.c: what the program needs (ac_main says it). */
void		 ac_ops_needs(unsigned);
unsigned	 ac_ops_needed(void);

/*
 * Figures (metrics.c).  Every update is a no-op unless METRICS_ENABLED
 * mapped the program's figures file.  t0 comes from ac_metrics_clock()
 * (0 when off, so that a disabled build reads no clock).
 */
enum ac_via {
	AC_VIA_JWT = 0,
	AC_VIA_SESSION
};
enum ac_dbq {
	AC_DBQ_OTHER = 0,
	AC_DBQ_JWT,
	AC_DBQ_SESSION,
	AC_DBQ__MAX
};
/* Maps the program's figures file; lfd: its listening socket, or -1. */
int		 ac_metrics_open(const struct ac_app *, const char *prog,
		    int lfd);
int		 ac_metrics_enabled(void);
/* A validation by via with its outcome; jwks: a provider's set is used. */
void		 ac_metrics_validation(enum ac_via, enum ac_reason, uint64_t t0,
		    int jwks);
/* A refusal before any validation (no Authorization header ...). */
void		 ac_metrics_refusal(enum ac_reason);
void		 ac_metrics_login(enum ac_reason);
void		 ac_metrics_logout(void);
void		 ac_metrics_signup(void);
/* An account event (AC_AUDIT_RESET_REQUEST and after) that succeeded; a
 * deletion or a reset also makes the next scrape read the database
 * gauges again. */
void		 ac_metrics_account(enum ac_audit);
/*
 * The method the calling thread's statements serve: *which, borrowed
 * until cleared with NULL (NULL: other).  A request's is its dbq field.
 */
void		 ac_metrics_dbq(const enum ac_dbq *which);
void		 ac_metrics_db(enum ac_reason);
/* A JWKS fetch of provider index of JWT_PROVIDERS (0: the default's). */
void		 ac_metrics_jwks_fetch_provider(int index, int ok);
void		 ac_metrics_http(int status, uint64_t t0);

/* audit.c */
/* The action= word of an event ("login"); NULL past the last. */
const char	*ac_audit_action(enum ac_audit);
/*
 * audit.c: the calling thread's request's client address, cleaned
 * (ac_log_clean), borrowed until cleared with NULL (NULL: none).
 */
void		 ac_audit_remote(const char *);

/* metrics.c and scrape.c: the figures file. */
#define AC_METRICS_PROVIDERS	8	/* JWT_PROVIDERS counted apart */

#define AC_MET_MAGIC	0x31544d2d48545541ULL	/* "AUTH-MT1" */
#define AC_NBUCKETS	16

/* Histograms: validation has its own buckets (5 us to 100 ms). */
enum ac_hist {
	AC_H_VALID_JWT_OK = 0,
	AC_H_VALID_JWT_REFUSED,
	AC_H_VALID_SESSION_OK,
	AC_H_VALID_SESSION_REFUSED,
	AC_H_REFRESH,
	AC_H_HTTP,
	AC_H__MAX
};

static const double ac_valid_le[] = {
	0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1
};
static const double ac_dur_le[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5
};
struct ac_hist_data {
	uint64_t	 b[AC_NBUCKETS];	/* b[nitems(le)]: +Inf */
	uint64_t	 sum_ns;
};

#define AC_NSTATUS	600

struct ac_seg {
	uint64_t	 magic;
	uint64_t	 size;		/* sizeof(struct ac_seg): the layout */
	int64_t		 created;	/* Unix time the figures start from */
	struct ac_hist_data h[AC_H__MAX];
	uint64_t	 refusals[AC_REASON__MAX];
	uint64_t	 refresh_total;
	uint64_t	 refresh_errors[AC_REASON__MAX];
	uint64_t	 logins[AC_REASON__MAX];	/* [AC_OK]: success */
	uint64_t	 logouts;
	uint64_t	 signups;
	uint64_t	 account[AC_AUDIT__MAX];	/* ac_metrics_account */
	uint64_t	 dbq[AC_DBQ__MAX];
	uint64_t	 dberr;
	uint64_t	 jwks_hits;
	uint64_t	 jwks_misses;
	uint64_t	 jwks_fetch[2];		/* ok, error */
	/* JWT_PROVIDERS' fetches: ok, error. */
	uint64_t	 jwks_fetch_prov[AC_METRICS_PROVIDERS][2];
	uint64_t	 http[AC_NSTATUS];
	/* Database gauges, refreshed by a scrape at most once a minute. */
	int64_t		 gauges_at;
	int64_t		 sessions_bytes;
	int64_t		 active_sessions;
	int		 gauges_busy;
	/* Users with a live session, by kind: refresh-token family (JWT)
	 * or server-side session (the rollout keeps them off JWT). */
	int64_t		 users_jwt;
	int64_t		 users_session;
};

#define AC_MLOAD(f)	__atomic_load_n(&(f), __ATOMIC_RELAXED)

/* The mapped figures (NULL: metrics off) and the program's name. */
struct ac_seg	*ac_metrics_seg(void);
const char	*ac_metrics_prog(void);

#endif /* !AC_METRICS_H */
