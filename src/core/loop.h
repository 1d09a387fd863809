/*
 * loop.h: the event loop's own structures, shared by loop.c (the loop,
 * parsing and dispatching requests, the pools' answers, signals) and
 * conn.c (its connections: accepting, reading, writing, closing, the
 * timeout sweep).  Nothing else of the core sees them.
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

/* loop.c */
/* Monotonic milliseconds. */
long long	 ac_loop_now(void);
/* Listens (on 1) or stops listening (0) on the loop's socket. */
void		 ac_loop_listen(struct loop *, int on);
/*
 * Parses buf: runs or queues each complete request.  Returns the bytes
 * taken, or -1 when the connection was closed.
 */
long		 ac_loop_parse(struct loop *, struct conn *,
		    const unsigned char *buf, size_t len);

/* conn.c */
/* Registers with epoll the events c waits for now. */
void		 ac_conn_events(struct loop *, struct conn *);
/* Moves c to the most recently active end. */
void		 ac_conn_touch(struct loop *, struct conn *);
/* Closes c (why: a word for the log; "closed", "done" are not logged). */
void		 ac_conn_close(struct loop *, struct conn *, const char *why);
/* Idle: nothing read, in hand or unsent. */
int		 ac_conn_idle(const struct conn *);
/*
 * Sends what it can; once all is sent, parses what waits in c->in.  -1
 * when the connection is gone.
 */
int		 ac_conn_flush(struct loop *, struct conn *);
/* Reads what c sent and parses it, then flushes. */
void		 ac_conn_read(struct loop *, struct conn *);
/* Accepts what waits, making room from idle connections at the limit. */
void		 ac_conn_accept(struct loop *);
/* Closes what has timed out; on stop, what is idle. */
void		 ac_conn_sweep(struct loop *);

#endif /* !AC_LOOP_H */
