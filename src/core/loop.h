/*
 * loop.h: the event loop's own structures, shared by loop.c (the loop,
 * reading, parsing and dispatching requests, writing answers, the pools'
 * answers, signals), run.c (running one request, inline or on a pool
 * thread) and conn.c (the connections' list: accepting, listening,
 * closing, the timeout sweep).  Nothing else of the core sees them.
 */
#ifndef AC_LOOP_H
#define AC_LOOP_H

#include <sys/queue.h>

#include <stdint.h>

#include "fcgi.h"
#include "pool.h"

#define READSZ		(64 * 1024)	/* one read */
#define IN_HIGH		(192 * 1024)	/* stop reading past this */
#define OUT_HIGH	(256 * 1024)	/* stop parsing past this unsent */
#define KEEP_BUF	(16 * 1024)	/* larger idle buffers are freed */

struct conn {
	TAILQ_ENTRY(conn) lru;		/* least recently active first */
	struct conn	*nextdead;	/* on the loop's dead list */
	int		 fd;
	uint32_t	 events;	/* as registered with epoll */
	struct ac_fcgi	 fc;
	struct ac_buf	 in;		/* received, not yet parsed */
	struct ac_buf	 out;		/* to send, from outoff */
	size_t		 outoff;
	struct ac_job	*job;		/* the request in hand, on a pool */
	long long	 last;		/* ms of the last progress */
	int		 closing;	/* close once out is sent */
};

struct loop {
	int		 ep, lfd, sfd;
	struct ac_app	*app;
	const struct ac_route *routes;
	size_t		 nroutes;
	int		 allinline;
	int		 remote;	/* the store is PostgreSQL */
	TAILQ_HEAD(, conn) conns;	/* least recently active first */
	struct conn	*dead;		/* closed, freed after the batch */
	size_t		 nconns, maxconns;
	struct ac_req	*r;		/* the loop thread's request */
	struct ac_match	*match;		/* the route of the request in hand */
	struct ac_store	*store;		/* the loop thread's connection */
	struct ac_pool	*pools[AC_CLASS__MAX];
	struct ac_done	 done;
	size_t		 njobs;		/* jobs not yet back */
	int		 accepting, stopping;
	long long	 stopat, limitlog;
	long long	 timeout;	/* ms */
	long long	 grace;		/* ms */
	unsigned char	 rbuf[READSZ];
};

/* run.c */
/*
 * Runs one request into out: the reserved record header, the answer,
 * then the empty STDOUT and END_REQUEST.  reason non-OK answers it with
 * that error without routing.  Returns -1 when out of memory.
 */
int		 ac_run(struct ac_req *, struct ac_store **storep,
		    const struct ac_app *, const struct ac_match *,
		    char **envp, const struct ac_buf *body, struct ac_buf *out,
		    unsigned id, enum ac_reason reason, uint64_t arrived);
/* A pool thread's job (arg: the loop), and its end (the thread's own). */
void		 ac_run_pool(struct ac_job *, void *arg);
void		 ac_run_pool_fini(void);

/* conn.c */
/* Registers with epoll the events c waits for now. */
void		 ac_conn_events(struct loop *, struct conn *);
/* Moves c to the most recently active end. */
void		 ac_conn_touch(struct loop *, struct conn *);
/* Closes c (why: a word for the log; "closed", "done" are not logged). */
void		 ac_conn_close(struct loop *, struct conn *, const char *why);
/* Idle: nothing read, in hand or unsent. */
int		 ac_conn_idle(const struct conn *);
/* Accepts what waits, making room from idle connections at the limit. */
void		 ac_conn_accept(struct loop *);
/* Closes what has timed out; on stop, what is idle. */
void		 ac_conn_sweep(struct loop *);
/* Listens (on 1) or stops listening (0) on the loop's socket. */
void		 ac_conn_listen(struct loop *, int on);

#endif /* !AC_LOOP_H */
