/*
 * conn.c: the connections of a worker's event loop (loop.c).  Each is on
 * a list from the least to the most recently active, so that at
 * AUTH_MAX_CONNECTIONS the least recently used idle one makes room, and
 * the sweep closes one that stopped halfway through a request or does
 * not read its answer after AUTH_READ_TIMEOUT; at the limit the loop
 * stops listening until one closes.  Reading and writing are the loop's
 * (loop.c), which parses what it reads.  A closed connection is freed
 * after the batch of events that may still name it.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ac.h"
#include "base.h"
#include "engine.h"

void
ac_conn_events(struct ac_loop *l, struct ac_conn *c)
{
	struct epoll_event	 ev;
	uint32_t		 want = EPOLLRDHUP;
	size_t			 unsent = c->out.len - c->outoff;

	if (unsent > 0)
		want |= EPOLLOUT;
	if (!c->closing && unsent < AC_OUT_HIGH && c->in.len < AC_IN_HIGH)
		want |= EPOLLIN;
	if (want == c->events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

/* Moves c to the most recently active end. */
void
ac_conn_touch(struct ac_loop *l, struct ac_conn *c)
{

	c->last = ac_clock_ms();
	if (TAILQ_NEXT(c, lru) == NULL)
		return;
	TAILQ_REMOVE(&l->conns, c, lru);
	TAILQ_INSERT_TAIL(&l->conns, c, lru);
}

void
ac_conn_close(struct ac_loop *l, struct ac_conn *c, const char *why)
{
	struct ac_job	*job = c->job;

	if (job != NULL) {
		if (ac_pool_cancel(job->pool, job)) {
			ac_log(AC_LOG_INFO, "event=request_dropped why=%s "
			    "state=queued", why);
			ac_job_free(job);
			l->njobs--;
		} else
			job->conn = NULL;	/* freed when it comes back */
	}
	if (why != NULL && strcmp(why, "closed") != 0 &&
	    strcmp(why, "done") != 0)
		ac_log(AC_LOG_INFO, "event=connection_closed why=%s", why);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&l->conns, c, lru);
	ac_fcgi_free(&c->fc);
	ac_buf_free(&c->in);
	ac_buf_free(&c->out);
	/* Events of this batch may still name it. */
	c->nextdead = l->dead;
	l->dead = c;
	l->nconns--;
	if (!l->stopping)
		ac_conn_listen(l, 1);
}

/* Idle: nothing read, in hand or unsent. */
int
ac_conn_idle(const struct ac_conn *c)
{

	return c->job == NULL && c->in.len == 0 && c->outoff == c->out.len &&
	    c->fc.state == 0;
}

void
ac_conn_accept(struct ac_loop *l)
{
	struct epoll_event	 ev;
	struct ac_conn		*c, *v;
	int			 fd, i;

	for (i = 0; i < 64; i++) {
		if (l->nconns >= l->maxconns) {
			/* Room from the least recently used idle one. */
			TAILQ_FOREACH(v, &l->conns, lru)
				if (ac_conn_idle(v))
					break;
			if (v == NULL) {
				if (ac_clock_ms() - l->limitlog >= 1000) {
					ac_log(AC_LOG_WARN, "event=connection_"
					    "limit max=%zu", l->maxconns);
					l->limitlog = ac_clock_ms();
				}
				ac_conn_listen(l, 0);
				return;
			}
			ac_conn_close(l, v, "evicted_idle");
		}
		fd = accept4(l->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				ac_log(AC_LOG_ERROR, "event=accept_failed "
				    "error=\"%s\"", strerror(errno));
			return;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		ac_fcgi_init(&c->fc, (size_t)l->app->cfg.max_params,
		    (size_t)l->app->cfg.max_body, (unsigned)l->maxconns);
		memset(&ev, 0, sizeof(ev));
		ev.events = c->events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			free(c);
			continue;
		}
		c->last = ac_clock_ms();
		TAILQ_INSERT_TAIL(&l->conns, c, lru);
		l->nconns++;
	}
}

/* Closes what has timed out; on stop, what is idle. */
void
ac_conn_sweep(struct ac_loop *l)
{
	struct ac_conn	*c, *next;
	long long	 now = ac_clock_ms();

	for (c = TAILQ_FIRST(&l->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, lru);
		if (l->stopping && ac_conn_idle(c)) {
			ac_conn_close(l, c, "done");
			continue;
		}
		if (c->job != NULL || ac_conn_idle(c) ||
		    now - c->last < l->timeout)
			continue;
		ac_log(AC_LOG_WARN, "event=timeout what=%s after_ms=%lld",
		    c->outoff < c->out.len ? "response_unread" :
		    "request_incomplete", now - c->last);
		ac_conn_close(l, c, "timeout");
	}
}

/* Listens (on 1) or stops listening (0) on the loop's socket. */
void
ac_conn_listen(struct ac_loop *l, int on)
{
	struct epoll_event	 ev;

	if (on == l->accepting || l->lfd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = &l->lfd;	/* the loop knows the socket by it */
	if (on)
		epoll_ctl(l->ep, EPOLL_CTL_ADD, l->lfd, &ev);
	else
		epoll_ctl(l->ep, EPOLL_CTL_DEL, l->lfd, NULL);
	l->accepting = on;
}
