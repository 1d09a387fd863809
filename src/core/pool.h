/*
 * pool.h: the engine's thread pools (pool.c) and the request jobs they
 * run for an event loop (loop.c).  A pool is a FIFO queue and a few
 * threads; a finished job goes onto its loop's done list and the loop is
 * woken through an eventfd.
 */
#ifndef AC_POOL_H
#define AC_POOL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "fcgi.h"

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

#endif /* !AC_POOL_H */
