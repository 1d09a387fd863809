/*
 * engine.h: the engine's layers (fcgi.c, pool.c, run.c, conn.c, loop.c,
 * serve.c, main.c).  The FastCGI 1.0 record layer (fcgi.c) has no
 * sockets: a connection's protocol state is fed the bytes that arrived
 * and answers with what happened, so tests and the fuzzer drive it from
 * memory.  The thread pools (pool.c) run the request jobs of an event
 * loop: a pool is a FIFO queue and a few threads; a finished job goes
 * onto its loop's done list and the loop is woken through an eventfd.
 * The event loop's own structures are shared by loop.c (the loop,
 * reading, parsing and dispatching requests, writing answers, the
 * pools' answers, signals), run.c (running one request, inline or on a
 * pool thread) and conn.c (the connections' list: accepting, listening,
 * closing, the timeout sweep).  Then the process model (serve.c).
 * Files of src/core from fcgi.c up may include it; so may tests and the
 * fuzz harnesses.
 */
#ifndef AC_ENGINE_H
#define AC_ENGINE_H

#include <sys/queue.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ac.h"

/* fcgi.c */
#define AC_FCGI_HEADER		8
#define AC_FCGI_MAXCONTENT	65535

/* Record types (FastCGI 1.0, section 8). */
enum {
	AC_FCGI_BEGIN_REQUEST = 1,
	AC_FCGI_ABORT_REQUEST = 2,
	AC_FCGI_END_REQUEST = 3,
	AC_FCGI_PARAMS = 4,
	AC_FCGI_STDIN = 5,
	AC_FCGI_STDOUT = 6,
	AC_FCGI_STDERR = 7,
	AC_FCGI_DATA = 8,
	AC_FCGI_GET_VALUES = 9,
	AC_FCGI_GET_VALUES_RESULT = 10,
	AC_FCGI_UNKNOWN_TYPE = 11
};

/* Roles, and protocol statuses of END_REQUEST. */
enum {
	AC_FCGI_RESPONDER = 1,
	AC_FCGI_AUTHORIZER = 2,
	AC_FCGI_FILTER = 3
};
enum {
	AC_FCGI_REQUEST_COMPLETE = 0,
	AC_FCGI_CANT_MPX_CONN = 1,
	AC_FCGI_OVERLOADED = 2,
	AC_FCGI_UNKNOWN_ROLE = 3
};

/* A growable byte buffer. */
struct ac_buf {
	unsigned char	*p;
	size_t		 len, cap;
};

int		 ac_buf_reserve(struct ac_buf *, size_t more);
int		 ac_buf_add(struct ac_buf *, const void *, size_t);
void		 ac_buf_free(struct ac_buf *);

/* One record's header and content, pointing into the bytes parsed. */
struct ac_fcgi_record {
	int			 type;
	unsigned		 id;
	const unsigned char	*content;
	size_t			 len;
};

/*
 * Parses the record at the start of buf.  Returns the bytes it takes
 * (header, content and padding), 0 when buf holds less than a whole
 * record, or -1 when it is not a FastCGI 1.0 record.
 */
long		 ac_fcgi_parse(const unsigned char *buf, size_t len,
		    struct ac_fcgi_record *);

/*
 * Walks FastCGI name-value pairs, calling cb for each (the name and
 * value are not NUL-terminated); stops when cb returns non-zero.  Returns
 * 0, cb's non-zero answer, or -1 when a length runs past the end.
 */
int		 ac_fcgi_pairs(const unsigned char *, size_t,
		    int (*cb)(void *, const unsigned char *, size_t,
		    const unsigned char *, size_t), void *);

/*
 * Turns a response into records: buf holds, from off, AC_FCGI_HEADER
 * reserved bytes and then the STDOUT bytes.  Fills the header in place
 * (or re-chunks past 65535 bytes) and appends the empty STDOUT and
 * END_REQUEST, so the whole answer can go out in one write.
 */
int		 ac_fcgi_seal(struct ac_buf *, size_t off, unsigned id);
/* Appends END_REQUEST with this protocol status. */
int		 ac_fcgi_end(struct ac_buf *, unsigned id, int status);

/* What ac_fcgi_feed saw. */
enum ac_fcgi_event {
	AC_FCGI_MORE = 0,	/* nothing to do: feed more bytes */
	AC_FCGI_READY,		/* a request is complete: take it */
	AC_FCGI_WAIT,		/* a new request waits for the current one */
	AC_FCGI_ABORTED,	/* the request in hand was aborted */
	AC_FCGI_ERROR		/* not FastCGI: close the connection */
};

/* Why a complete request cannot be served as it is. */
enum ac_fcgi_problem {
	AC_FCGI_OK = 0,
	AC_FCGI_PARAMS_TOO_LARGE,
	AC_FCGI_PARAMS_MALFORMED,
	AC_FCGI_BODY_TOO_LARGE
};

/* One connection's protocol state. */
struct ac_fcgi {
	/* Limits and the answers to FCGI_GET_VALUES, set by the caller. */
	size_t		 max_params, max_body;
	unsigned	 max_conns;
	/* The request being read or served (FCGI_MPXS_CONNS is 0). */
	int		 state;		/* AC_FCGI_S_* in fcgi.c */
	unsigned	 id;
	int		 role;
	int		 keep;		/* FCGI_KEEP_CONN */
	enum ac_fcgi_problem problem;
	size_t		 paramslen;	/* bytes of PARAMS seen */
	size_t		 bodylen;	/* bytes of STDIN seen */
	struct ac_buf	 raw;		/* the PARAMS stream */
	struct ac_buf	 body;		/* the STDIN stream */
	/* Records the protocol answers itself (GET_VALUES, ...). */
	struct ac_buf	 out;
	/* Close once out is sent (a request answered here, not kept). */
	int		 closeafter;
};

void		 ac_fcgi_init(struct ac_fcgi *, size_t max_params,
		    size_t max_body, unsigned max_conns);
void		 ac_fcgi_free(struct ac_fcgi *);
/*
 * Feeds the bytes that arrived.  Consumes whole records and returns how
 * many bytes it took (the rest is to be fed again with what follows),
 * and sets *ev.  After AC_FCGI_READY the request is in hand until
 * ac_fcgi_done(); records for it (ABORT) still count, a new
 * BEGIN_REQUEST gives AC_FCGI_WAIT and is left unconsumed.  Anything
 * appended to out must be sent.
 */
size_t		 ac_fcgi_feed(struct ac_fcgi *, const unsigned char *,
		    size_t, enum ac_fcgi_event *ev);
/*
 * The parameters of the request in hand as a "NAME=value" array,
 * NULL-terminated, with FCGI_ROLE added, in one allocation the caller
 * frees.  NULL when out of memory or malformed (then fc->problem says
 * AC_FCGI_PARAMS_MALFORMED: a name or value holding a NUL or a name
 * holding '=', or a pair running past the stream).
 */
char		**ac_fcgi_envp(struct ac_fcgi *);
/* The request in hand is answered: ready for the next one. */
void		 ac_fcgi_done(struct ac_fcgi *);

/* pool.c */
enum ac_job_state {
	AC_JOB_QUEUED = 0,
	AC_JOB_RUNNING,
	AC_JOB_DONE
};

struct ac_pool;

struct ac_job {
	struct ac_job	*prev, *next;	/* in a queue or the done list */
	struct ac_pool	*pool;
	enum ac_job_state state;	/* under the pool's lock */
	void		*conn;		/* the loop's only; NULL when gone */
	int		 aborted;	/* the loop's only */
	unsigned	 id;		/* FastCGI request id */
	int		 cls;		/* enum ac_class */
	char		**envp;
	struct ac_match	*match;		/* its route, matched on arrival */
	struct ac_buf	 body;
	struct ac_buf	 out;		/* the sealed records of the answer */
	long long	 queued;	/* ac_clock_ms() */
	uint64_t	 arrived;	/* ac_metrics_clock() when queued */
	char		 why[128];	/* ac_run's why; "": none */
};

/* Where finished jobs go: a list under a lock, and an eventfd. */
struct ac_done {
	pthread_mutex_t	 mu;
	struct ac_job	*head, *tail;
	int		 efd;
};

/*
 * Starts nthreads threads that run jobs pushed to the pool: run(job,
 * arg) fills job->out; fini() runs as each thread ends.  NULL on
 * failure (logged).
 */
struct ac_pool	*ac_pool_start(const char *name, long nthreads,
		    struct ac_done *, void (*run)(struct ac_job *, void *),
		    void (*fini)(void), void *arg);
void		 ac_pool_push(struct ac_pool *, struct ac_job *);
/* Takes a job that has not started off the queue: 1, else 0. */
int		 ac_pool_cancel(struct ac_pool *, struct ac_job *);
/* Lets the threads finish what is queued, then joins them. */
void		 ac_pool_stop(struct ac_pool *);
/* The whole done list, oldest first (next-linked); the caller owns it. */
struct ac_job	*ac_done_take(struct ac_done *);
void		 ac_job_free(struct ac_job *);

/* loop.c, run.c, conn.c */
#define AC_READSZ		(64 * 1024)	/* one read */
#define AC_IN_HIGH		(192 * 1024)	/* stop reading past this */
#define AC_OUT_HIGH	(256 * 1024)	/* stop parsing past this unsent */
#define AC_KEEP_BUF	(16 * 1024)	/* larger idle buffers are freed */

struct ac_conn {
	TAILQ_ENTRY(ac_conn) lru;	/* least recently active first */
	struct ac_conn	*nextdead;	/* on the loop's dead list */
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

struct ac_loop {
	int		 ep, lfd, sfd;
	struct ac_app	*app;
	const struct ac_route *routes;
	size_t		 nroutes;
	int		 allinline;
	int		 remote;	/* the store is PostgreSQL */
	TAILQ_HEAD(, ac_conn) conns;	/* least recently active first */
	struct ac_conn	*dead;		/* closed, freed after the batch */
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
	unsigned char	 rbuf[AC_READSZ];
};

/* run.c */
/*
 * Runs one request into out: the reserved record header, the answer,
 * then the empty STDOUT and END_REQUEST.  reason non-OK answers it with
 * that error without routing.  why (NULL: none) is a warning's words,
 * logged with the request's id.  Returns -1 when out of memory.
 */
int		 ac_run(struct ac_req *, struct ac_store **storep,
		    const struct ac_app *, const struct ac_match *,
		    char **envp, const struct ac_buf *body, struct ac_buf *out,
		    unsigned id, enum ac_reason reason, const char *why,
		    uint64_t arrived);
/* A pool thread's job (arg: the loop), and its end (the thread's own). */
void		 ac_run_pool(struct ac_job *, void *arg);
void		 ac_run_pool_fini(void);

/* conn.c */
/* Registers with epoll the events c waits for now. */
void		 ac_conn_events(struct ac_loop *, struct ac_conn *);
/* Moves c to the most recently active end. */
void		 ac_conn_touch(struct ac_loop *, struct ac_conn *);
/* Closes c (why: a word for the log; "closed", "done" are not logged). */
void		 ac_conn_close(struct ac_loop *, struct ac_conn *,
		    const char *why);
/* Idle: nothing read, in hand or unsent. */
int		 ac_conn_idle(const struct ac_conn *);
/* Accepts what waits, making room from idle connections at the limit. */
void		 ac_conn_accept(struct ac_loop *);
/* Closes what has timed out; on stop, what is idle. */
void		 ac_conn_sweep(struct ac_loop *);
/* Listens (on 1) or stops listening (0) on the loop's socket. */
void		 ac_conn_listen(struct ac_loop *, int on);

/* loop.c: one worker process's event loop on listening socket fd. */
int		 ac_loop_run(struct ac_app *, int fd, const struct ac_route *,
		    size_t nroutes);

/* serve.c */
/*
 * A whole FastCGI program, called by its main(): reads the command line
 * (--socket PATH; anything else gets a usage line and returns 2), notes
 * what the program needs (AC_NEEDS_*, for readiness and gauges), loads
 * the app (logging every configuration problem, and check's when check
 * is not NULL, and returning 1 when there is one), sets up logging as
 * prog, serves routes, frees everything.  Returns the exit status for
 * main().
 */
int		 ac_main(int argc, char *argv[], const char *prog,
		    const struct ac_route *, size_t nroutes, unsigned needs,
		    ac_startcheck);

#endif /* !AC_ENGINE_H */
