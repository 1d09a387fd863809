/*
 * conn.c: the connections of a worker's event loop (loop.c).  Each is on
 * a list from the least to the most recently active, so that at
 * AUTH_MAX_CONNECTIONS the least recently used idle one makes room, and
 * the sweep closes one that stopped halfway through a request or does
 * not read its answer after AUTH_READ_TIMEOUT.  Reading hands the bytes
 * to the loop's parser (ac_loop_parse); writing sends what the socket
 * takes and waits for EPOLLOUT for the rest, parsing a held-back
 * pipeline once all is sent.  A closed connection is freed after the
 * batch of events that may still name it.
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
#include "extern.h"
#include "http.h"
#include "loop.h"

void
ac_conn_events(struct loop *l, struct conn *c)
{
	struct epoll_event	 ev;
	uint32_t		 want = EPOLLRDHUP;
	size_t			 unsent = c->out.len - c->outoff;

	if (unsent > 0)
		want |= EPOLLOUT;
	if (!c->closing && unsent < OUT_HIGH && c->in.len < IN_HIGH)
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
ac_conn_touch(struct loop *l, struct conn *c)
{

	c->last = ac_loop_now();
	if (TAILQ_NEXT(c, lru) == NULL)
		return;
	TAILQ_REMOVE(&l->conns, c, lru);
	TAILQ_INSERT_TAIL(&l->conns, c, lru);
}

void
ac_conn_close(struct loop *l, struct conn *c, const char *why)
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
		ac_loop_listen(l, 1);
}

/* Idle: nothing read, in hand or unsent. */
int
ac_conn_idle(const struct conn *c)
{

	return c->job == NULL && c->in.len == 0 && c->outoff == c->out.len &&
	    c->fc.state == 0;
}

/*
 * Sends what it can; once all is sent, parses what waits in c->in (a
 * pipeline held back while answers were pending).  -1 when the
 * connection is gone.
 */
int
ac_conn_flush(struct loop *l, struct conn *c)
{
	ssize_t	 n;
	long	 used;

	for (;;) {
		while (c->outoff < c->out.len) {
			n = write(c->fd, c->out.p + c->outoff,
			    c->out.len - c->outoff);
			if (n > 0) {
				c->outoff += (size_t)n;
				ac_conn_touch(l, c);
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				break;
			ac_conn_close(l, c, "write_failed");
			return -1;
		}
		if (c->outoff < c->out.len)
			break;
		c->out.len = c->outoff = 0;
		if (c->out.cap > KEEP_BUF)
			ac_buf_free(&c->out);
		if (c->closing || (l->stopping && ac_conn_idle(c))) {
			ac_conn_close(l, c, "done");
			return -1;
		}
		if (c->in.len == 0 || c->job != NULL)
			break;
		if ((used = ac_loop_parse(l, c, c->in.p, c->in.len)) == -1)
			return -1;
		memmove(c->in.p, c->in.p + used, c->in.len - (size_t)used);
		c->in.len -= (size_t)used;
		if (c->in.len == 0 && c->in.cap > KEEP_BUF)
			ac_buf_free(&c->in);
		if (used == 0 && c->out.len == 0)
			break;
	}
	ac_conn_events(l, c);
	return 0;
}

void
ac_conn_read(struct loop *l, struct conn *c)
{
	const unsigned char	*buf;
	ssize_t			 n;
	size_t			 len;
	long			 used;
	int			 i;

	for (i = 0; i < 4 && c->in.len < IN_HIGH && !c->closing; i++) {
		if (c->in.len == 0) {
			n = read(c->fd, l->rbuf, sizeof(l->rbuf));
			buf = l->rbuf;
		} else {
			if (ac_buf_reserve(&c->in, READSZ) == -1) {
				ac_conn_close(l, c, "nomem");
				return;
			}
			n = read(c->fd, c->in.p + c->in.len, READSZ);
			if (n > 0)
				c->in.len += (size_t)n;
			buf = c->in.p;
		}
		if (n == 0) {
			ac_conn_close(l, c, c->job != NULL || !ac_conn_idle(c) ?
			    "peer_closed" : "closed");
			return;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			ac_conn_close(l, c, "read_failed");
			return;
		}
		ac_conn_touch(l, c);
		len = buf == l->rbuf ? (size_t)n : c->in.len;
		if ((used = ac_loop_parse(l, c, buf, len)) == -1)
			return;
		if (buf == l->rbuf) {
			if ((size_t)used < len && ac_buf_add(&c->in,
			    buf + used, len - (size_t)used) == -1) {
				ac_conn_close(l, c, "nomem");
				return;
			}
		} else {
			memmove(c->in.p, c->in.p + used, c->in.len -
			    (size_t)used);
			c->in.len -= (size_t)used;
		}
		if (c->out.len - c->outoff >= OUT_HIGH)
			break;
		/*
		 * A read that did not fill what was asked for has emptied
		 * the socket for now: the epoll interest is level-triggered,
		 * so what arrives later is reported again, and reading on
		 * until EAGAIN would cost a system call per request for
		 * nothing (a third of this process's calls under load).
		 */
		if ((size_t)n < (buf == l->rbuf ? sizeof(l->rbuf) : READSZ))
			break;
	}
	ac_conn_flush(l, c);
}

void
ac_conn_accept(struct loop *l)
{
	struct epoll_event	 ev;
	struct conn		*c, *v;
	int			 fd, i;

	for (i = 0; i < 64; i++) {
		if (l->nconns >= l->maxconns) {
			/* Room from the least recently used idle one. */
			TAILQ_FOREACH(v, &l->conns, lru)
				if (ac_conn_idle(v))
					break;
			if (v == NULL) {
				if (ac_loop_now() - l->limitlog >= 1000) {
					ac_log(AC_LOG_WARN, "event=connection_"
					    "limit max=%zu", l->maxconns);
					l->limitlog = ac_loop_now();
				}
				ac_loop_listen(l, 0);
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
		c->last = ac_loop_now();
		TAILQ_INSERT_TAIL(&l->conns, c, lru);
		l->nconns++;
	}
}

/* Closes what has timed out; on stop, what is idle. */
void
ac_conn_sweep(struct loop *l)
{
	struct conn	*c, *next;
	long long	 now = ac_loop_now();

	for (c = TAILQ_FIRST(&l->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, lru);
		if (l->stopping && ac_conn_idle(c)) {
			ac_conn_close(l, c, "done");
			continue;
		}
		if (c->job != NULL || ac_conn_idle(c) || now - c->last < l->timeout)
			continue;
		ac_log(AC_LOG_WARN, "event=timeout what=%s after_ms=%lld",
		    c->outoff < c->out.len ? "response_unread" :
		    "request_incomplete", now - c->last);
		ac_conn_close(l, c, "timeout");
	}
}
