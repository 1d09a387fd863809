/*
 * pool.c: small thread pools for the work an event loop must not wait
 * for: database writes that may wait on a lock, and password hashing
 * (argon2id: tens of milliseconds and 64 MiB each, so the size of the
 * hash pool is the cap on concurrent hashes).  Each pool has its own
 * FIFO queue, so a flood of logins queues behind the hash threads while
 * refreshes and logouts keep their own.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ac.h"
#include "engine.h"

struct ac_pool {
	const char	*name;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct ac_job	*head, *tail;
	size_t		 nqueued;
	int		 stop;
	pthread_t	*tids;
	size_t		 nthreads;
	struct ac_done	*done;
	void		(*run)(struct ac_job *, void *);
	void		(*fini)(void);
	void		*arg;
};

void
ac_job_free(struct ac_job *job)
{

	if (job == NULL)
		return;
	free(job->envp);
	free(job->match);
	ac_buf_free(&job->body);
	ac_buf_free(&job->out);
	free(job);
}

static void
unlink_job(struct ac_pool *p, struct ac_job *job)
{

	if (job->prev != NULL)
		job->prev->next = job->next;
	else
		p->head = job->next;
	if (job->next != NULL)
		job->next->prev = job->prev;
	else
		p->tail = job->prev;
	job->prev = job->next = NULL;
	p->nqueued--;
}

static void *
worker(void *arg)
{
	struct ac_pool	*p = arg;
	struct ac_job	*job;
	uint64_t	 one = 1;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->head == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if ((job = p->head) == NULL) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		unlink_job(p, job);
		job->state = AC_JOB_RUNNING;
		pthread_mutex_unlock(&p->mu);

		p->run(job, p->arg);

		pthread_mutex_lock(&p->done->mu);
		if (p->done->tail != NULL)
			p->done->tail->next = job;
		else
			p->done->head = job;
		p->done->tail = job;
		pthread_mutex_unlock(&p->done->mu);
		while (write(p->done->efd, &one, sizeof(one)) == -1 &&
		    errno == EINTR)
			continue;
	}
	if (p->fini != NULL)
		p->fini();
	return NULL;
}

struct ac_pool *
ac_pool_start(const char *name, long nthreads, struct ac_done *done,
    void (*run)(struct ac_job *, void *), void (*fini)(void), void *arg)
{
	struct ac_pool	*p;
	sigset_t	 all, old;
	long		 i;

	if (nthreads < 1 || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->tids = calloc((size_t)nthreads, sizeof(*p->tids))) == NULL) {
		free(p);
		return NULL;
	}
	p->name = name;
	p->done = done;
	p->run = run;
	p->fini = fini;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* Signals belong to the loop's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&p->tids[i], NULL, worker, p) != 0) {
			ac_log(AC_LOG_ERROR, "event=thread_failed pool=%s "
			    "started=%ld", name, i);
			break;
		}
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads == 0) {
		free(p->tids);
		free(p);
		return NULL;
	}
	return p;
}

void
ac_pool_push(struct ac_pool *p, struct ac_job *job)
{

	pthread_mutex_lock(&p->mu);
	job->pool = p;
	job->state = AC_JOB_QUEUED;
	job->next = NULL;
	job->prev = p->tail;
	if (p->tail != NULL)
		p->tail->next = job;
	else
		p->head = job;
	p->tail = job;
	p->nqueued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
ac_pool_cancel(struct ac_pool *p, struct ac_job *job)
{
	int	 taken = 0;

	pthread_mutex_lock(&p->mu);
	if (job->state == AC_JOB_QUEUED) {
		unlink_job(p, job);
		taken = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return taken;
}

void
ac_pool_stop(struct ac_pool *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tids[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->tids);
	free(p);
}

struct ac_job *
ac_done_take(struct ac_done *d)
{
	struct ac_job	*list;

	pthread_mutex_lock(&d->mu);
	list = d->head;
	d->head = d->tail = NULL;
	pthread_mutex_unlock(&d->mu);
	return list;
}
