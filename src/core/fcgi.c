/*
 * fcgi.c: the FastCGI 1.0 record layer, socket-free.
 *
 * ac_fcgi_feed() takes the bytes a connection received, consumes whole
 * records and says what happened: a request complete (PARAMS and, for a
 * Responder, STDIN up to their empty records), an abort, a new request
 * that must wait for the current one (FCGI_MPXS_CONNS is 0), or bytes
 * that are not FastCGI.  Management records (FCGI_GET_VALUES), unknown
 * record types, unknown roles (FCGI_FILTER included) and interleaved
 * requests are answered here, in fc->out.  Oversized parameters and
 * bodies are counted but not kept, so a request costs at most the
 * limits in memory; the caller answers them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "engine.h"

enum {
	S_IDLE = 0,	/* between requests */
	S_PARAMS,	/* reading PARAMS */
	S_STDIN,	/* reading STDIN */
	S_HAND		/* complete, in the caller's hands */
};

#define KEEP_CONN	1

int
ac_buf_reserve(struct ac_buf *b, size_t more)
{
	unsigned char	*p;
	size_t		 cap;

	if (more <= b->cap - b->len)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		return -1;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap - b->len < more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
ac_buf_add(struct ac_buf *b, const void *s, size_t n)
{

	if (n == 0)
		return 0;
	if (ac_buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

void
ac_buf_free(struct ac_buf *b)
{

	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

long
ac_fcgi_parse(const unsigned char *buf, size_t len, struct ac_fcgi_record *rec)
{
	size_t	 clen, plen;

	if (len < AC_FCGI_HEADER)
		return 0;
	if (buf[0] != 1)
		return -1;
	clen = (size_t)buf[4] << 8 | buf[5];
	plen = buf[6];
	if (len < AC_FCGI_HEADER + clen + plen)
		return 0;
	rec->type = buf[1];
	rec->id = (unsigned)buf[2] << 8 | buf[3];
	rec->content = buf + AC_FCGI_HEADER;
	rec->len = clen;
	return (long)(AC_FCGI_HEADER + clen + plen);
}

/* A name-value length: one byte below 128, else four with the top bit. */
static int
nvlen(const unsigned char **p, const unsigned char *end, size_t *n)
{

	if (*p >= end)
		return -1;
	if ((*p)[0] < 0x80) {
		*n = (*p)[0];
		*p += 1;
		return 0;
	}
	if (end - *p < 4)
		return -1;
	*n = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16) |
	    ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	return 0;
}

int
ac_fcgi_pairs(const unsigned char *p, size_t len,
    int (*cb)(void *, const unsigned char *, size_t, const unsigned char *,
    size_t), void *arg)
{
	const unsigned char	*end;
	size_t			 nl, vl;
	int			 rc;

	/* No pairs: p may be NULL (a request without parameters). */
	if (len == 0)
		return 0;
	end = p + len;
	while (p < end) {
		if (nvlen(&p, end, &nl) == -1 || nvlen(&p, end, &vl) == -1)
			return -1;
		if (nl > (size_t)(end - p) || vl > (size_t)(end - p) - nl)
			return -1;
		if ((rc = cb(arg, p, nl, p + nl, vl)) != 0)
			return rc;
		p += nl + vl;
	}
	return 0;
}

/* Writes a record header over the AC_FCGI_HEADER bytes at h. */
static void
header_at(unsigned char *h, int type, unsigned id, size_t len, size_t pad)
{

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)pad;
	h[7] = 0;
}

/* Appends one record's header (content and padding are the caller's). */
static int
fcgi_header(struct ac_buf *b, int type, unsigned id, size_t len,
    size_t pad)
{
	unsigned char	 h[AC_FCGI_HEADER];

	header_at(h, type, id, len, pad);
	return ac_buf_add(b, h, sizeof(h));
}

static int
addlen(struct ac_buf *b, size_t n)
{
	unsigned char	 l[4];

	if (n < 0x80) {
		l[0] = (unsigned char)n;
		return ac_buf_add(b, l, 1);
	}
	l[0] = (unsigned char)(0x80 | n >> 24);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	return ac_buf_add(b, l, 4);
}

/* Appends one name-value pair. */
static int
fcgi_pair(struct ac_buf *b, const char *name, const char *value)
{
	size_t	 nl = strlen(name), vl = strlen(value);

	if (addlen(b, nl) == -1 || addlen(b, vl) == -1 ||
	    ac_buf_add(b, name, nl) == -1 || ac_buf_add(b, value, vl) == -1)
		return -1;
	return 0;
}

int
ac_fcgi_end(struct ac_buf *b, unsigned id, int status)
{
	unsigned char	 body[8] = { 0, 0, 0, 0, (unsigned char)status, 0, 0, 0 };

	if (fcgi_header(b, AC_FCGI_END_REQUEST, id, sizeof(body), 0) == -1)
		return -1;
	return ac_buf_add(b, body, sizeof(body));
}

int
ac_fcgi_seal(struct ac_buf *b, size_t off, unsigned id)
{
	unsigned char	*copy;
	size_t		 len = b->len - off - AC_FCGI_HEADER, o, n;
	/* A multiple of 8 keeps the records aligned. */
	const size_t	 chunk = AC_FCGI_MAXCONTENT & ~(size_t)7;

	if (len <= AC_FCGI_MAXCONTENT) {
		header_at(b->p + off, AC_FCGI_STDOUT, id, len, 0);
		if (len != 0 &&
		    fcgi_header(b, AC_FCGI_STDOUT, id, 0, 0) == -1)
			return -1;
		return ac_fcgi_end(b, id, AC_FCGI_REQUEST_COMPLETE);
	}
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, b->p + off + AC_FCGI_HEADER, len);
	b->len = off;
	for (o = 0; o < len; o += n) {
		n = len - o < chunk ? len - o : chunk;
		if (fcgi_header(b, AC_FCGI_STDOUT, id, n, 0) == -1 ||
		    ac_buf_add(b, copy + o, n) == -1) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	if (fcgi_header(b, AC_FCGI_STDOUT, id, 0, 0) == -1)
		return -1;
	return ac_fcgi_end(b, id, AC_FCGI_REQUEST_COMPLETE);
}

void
ac_fcgi_init(struct ac_fcgi *fc, size_t max_params, size_t max_body,
    unsigned max_conns)
{

	memset(fc, 0, sizeof(*fc));
	fc->max_params = max_params;
	fc->max_body = max_body;
	fc->max_conns = max_conns;
}

static void
request_clear(struct ac_fcgi *fc)
{

	ac_buf_free(&fc->raw);
	ac_buf_free(&fc->body);
	fc->state = S_IDLE;
	fc->problem = AC_FCGI_OK;
	fc->paramslen = fc->bodylen = 0;
	fc->id = 0;
	fc->role = 0;
}

void
ac_fcgi_free(struct ac_fcgi *fc)
{

	request_clear(fc);
	ac_buf_free(&fc->out);
}

void
ac_fcgi_done(struct ac_fcgi *fc)
{

	request_clear(fc);
}

struct values {
	const struct ac_fcgi	*fc;
	struct ac_buf		*b;
	int			 err;
};

static int
value_cb(void *arg, const unsigned char *n, size_t nl,
    const unsigned char *v, size_t vl)
{
	struct values	*vs = arg;
	char		 num[24];
	const char	*ans = NULL, *name = NULL;

	(void)v;
	(void)vl;
	if (nl == 14 && memcmp(n, "FCGI_MAX_CONNS", 14) == 0) {
		name = "FCGI_MAX_CONNS";
		snprintf(num, sizeof(num), "%u", vs->fc->max_conns);
		ans = num;
	} else if (nl == 13 && memcmp(n, "FCGI_MAX_REQS", 13) == 0) {
		name = "FCGI_MAX_REQS";
		snprintf(num, sizeof(num), "%u", vs->fc->max_conns);
		ans = num;
	} else if (nl == 15 && memcmp(n, "FCGI_MPXS_CONNS", 15) == 0) {
		name = "FCGI_MPXS_CONNS";
		ans = "0";
	}
	if (name != NULL && fcgi_pair(vs->b, name, ans) == -1)
		vs->err = 1;
	return 0;
}

/* FCGI_GET_VALUES_RESULT for the variables asked that we know. */
static int
get_values(struct ac_fcgi *fc, const struct ac_fcgi_record *rec)
{
	struct ac_buf	 b = { NULL, 0, 0 };
	struct values	 vs = { fc, &b, 0 };
	int		 rc = -1;

	/* A malformed query gets the answer to what could be read. */
	(void)ac_fcgi_pairs(rec->content, rec->len, value_cb, &vs);
	if (vs.err || b.len > AC_FCGI_MAXCONTENT)
		goto out;
	if (fcgi_header(&fc->out, AC_FCGI_GET_VALUES_RESULT, 0, b.len,
	    0) == -1 || ac_buf_add(&fc->out, b.p, b.len) == -1)
		goto out;
	rc = 0;
out:
	ac_buf_free(&b);
	return rc;
}

static int
unknown_type(struct ac_fcgi *fc, int type)
{
	unsigned char	 body[8] = { (unsigned char)type, 0, 0, 0, 0, 0, 0, 0 };

	if (fcgi_header(&fc->out, AC_FCGI_UNKNOWN_TYPE, 0, sizeof(body),
	    0) == -1)
		return -1;
	return ac_buf_add(&fc->out, body, sizeof(body));
}

/*
 * Appends a record of a stream (params or stdin) to buf, whose *len bytes
 * so far may not pass max: past it the stream is dropped, and too_large
 * becomes the request's problem unless it has one already.
 */
static int
stream_add(struct ac_fcgi *fc, const struct ac_fcgi_record *rec,
    struct ac_buf *buf, size_t *len, size_t max,
    enum ac_fcgi_problem too_large)
{

	*len += rec->len;
	if (*len > max) {
		if (fc->problem == AC_FCGI_OK)
			fc->problem = too_large;
		ac_buf_free(buf);
	} else if (ac_buf_add(buf, rec->content, rec->len) == -1)
		return AC_FCGI_ERROR;
	return AC_FCGI_MORE;
}

/* Handles one record; returns the event, or -1 to stop before it. */
static int
record(struct ac_fcgi *fc, const struct ac_fcgi_record *rec)
{
	int	 role, flags;

	if (rec->id == 0) {
		if (rec->type == AC_FCGI_GET_VALUES)
			return get_values(fc, rec) == -1 ?
			    AC_FCGI_ERROR : AC_FCGI_MORE;
		return unknown_type(fc, rec->type) == -1 ?
		    AC_FCGI_ERROR : AC_FCGI_MORE;
	}
	switch (rec->type) {
	case AC_FCGI_BEGIN_REQUEST:
		if (rec->len < 8)
			return AC_FCGI_ERROR;
		if (fc->state == S_HAND)
			return -1;
		if (fc->state != S_IDLE) {
			if (rec->id == fc->id)
				return AC_FCGI_MORE;
			/* Interleaved requests: we do not multiplex. */
			return ac_fcgi_end(&fc->out, rec->id,
			    AC_FCGI_CANT_MPX_CONN) == -1 ?
			    AC_FCGI_ERROR : AC_FCGI_MORE;
		}
		role = rec->content[0] << 8 | rec->content[1];
		flags = rec->content[2];
		if (role != AC_FCGI_RESPONDER && role != AC_FCGI_AUTHORIZER) {
			if (!(flags & KEEP_CONN))
				fc->closeafter = 1;
			return ac_fcgi_end(&fc->out, rec->id,
			    AC_FCGI_UNKNOWN_ROLE) == -1 ?
			    AC_FCGI_ERROR : AC_FCGI_MORE;
		}
		request_clear(fc);
		fc->state = S_PARAMS;
		fc->id = rec->id;
		fc->role = role;
		fc->keep = flags & KEEP_CONN;
		return AC_FCGI_MORE;
	case AC_FCGI_ABORT_REQUEST:
		if (fc->state == S_IDLE || rec->id != fc->id)
			return AC_FCGI_MORE;
		if (fc->state == S_HAND)
			return AC_FCGI_ABORTED;
		/* Not started: answered here, never run. */
		if (!fc->keep)
			fc->closeafter = 1;
		if (ac_fcgi_end(&fc->out, fc->id,
		    AC_FCGI_REQUEST_COMPLETE) == -1)
			return AC_FCGI_ERROR;
		request_clear(fc);
		return AC_FCGI_MORE;
	case AC_FCGI_PARAMS:
		if (fc->state != S_PARAMS || rec->id != fc->id)
			return AC_FCGI_MORE;
		if (rec->len == 0) {
			if (fc->role == AC_FCGI_AUTHORIZER) {
				fc->state = S_HAND;
				return AC_FCGI_READY;
			}
			fc->state = S_STDIN;
			return AC_FCGI_MORE;
		}
		return stream_add(fc, rec, &fc->raw, &fc->paramslen,
		    fc->max_params, AC_FCGI_PARAMS_TOO_LARGE);
	case AC_FCGI_STDIN:
		if (fc->state != S_STDIN || rec->id != fc->id)
			return AC_FCGI_MORE;
		if (rec->len == 0) {
			fc->state = S_HAND;
			return AC_FCGI_READY;
		}
		return stream_add(fc, rec, &fc->body, &fc->bodylen,
		    fc->max_body, AC_FCGI_BODY_TOO_LARGE);
	case AC_FCGI_DATA:
	case AC_FCGI_END_REQUEST:
	case AC_FCGI_STDOUT:
	case AC_FCGI_STDERR:
	case AC_FCGI_GET_VALUES:
	case AC_FCGI_GET_VALUES_RESULT:
	case AC_FCGI_UNKNOWN_TYPE:
		/* Not ours to receive on a request: ignored. */
		return AC_FCGI_MORE;
	default:
		return unknown_type(fc, rec->type) == -1 ?
		    AC_FCGI_ERROR : AC_FCGI_MORE;
	}
}

size_t
ac_fcgi_feed(struct ac_fcgi *fc, const unsigned char *buf, size_t len,
    enum ac_fcgi_event *ev)
{
	struct ac_fcgi_record	 rec;
	size_t			 off = 0;
	long			 n;
	int			 e;

	*ev = AC_FCGI_MORE;
	while (off < len) {
		if ((n = ac_fcgi_parse(buf + off, len - off, &rec)) == 0)
			break;
		if (n < 0) {
			*ev = AC_FCGI_ERROR;
			break;
		}
		if ((e = record(fc, &rec)) == -1) {
			*ev = AC_FCGI_WAIT;
			break;
		}
		if (e == AC_FCGI_ERROR) {
			*ev = AC_FCGI_ERROR;
			break;
		}
		off += (size_t)n;
		if (e != AC_FCGI_MORE) {
			*ev = (enum ac_fcgi_event)e;
			break;
		}
	}
	return off;
}

struct envb {
	struct ac_buf	 b;
	size_t		 n;
	int		 bad;
};

static int
env_cb(void *arg, const unsigned char *n, size_t nl, const unsigned char *v,
    size_t vl)
{
	struct envb	*e = arg;

	if (nl == 0 || memchr(n, '\0', nl) != NULL ||
	    memchr(n, '=', nl) != NULL || memchr(v, '\0', vl) != NULL) {
		e->bad = 1;
		return 1;
	}
	/* The role is the BEGIN_REQUEST record's (ac_fcgi_envp), only. */
	if (nl == 9 && memcmp(n, "FCGI_ROLE", 9) == 0)
		return 0;
	if (ac_buf_add(&e->b, n, nl) == -1 || ac_buf_add(&e->b, "=", 1) == -1 ||
	    ac_buf_add(&e->b, v, vl) == -1 || ac_buf_add(&e->b, "", 1) == -1)
		return 2;	/* out of memory */
	e->n++;
	return 0;
}

char **
ac_fcgi_envp(struct ac_fcgi *fc)
{
	struct envb	 e = { { NULL, 0, 0 }, 0, 0 };
	const char	*role = fc->role == AC_FCGI_AUTHORIZER ?
			    "FCGI_ROLE=AUTHORIZER" : "FCGI_ROLE=RESPONDER";
	char		**envp = NULL, *s, *end;
	size_t		 i, head;
	int		 rc;

	rc = ac_fcgi_pairs(fc->raw.p, fc->raw.len, env_cb, &e);
	if (rc == -1 || e.bad)
		fc->problem = AC_FCGI_PARAMS_MALFORMED;
	if (rc != 0)
		goto out;
	if (ac_buf_add(&e.b, role, strlen(role) + 1) == -1)
		goto out;
	e.n++;
	/* The array first, then the strings, in one allocation. */
	head = (e.n + 1) * sizeof(char *);
	if ((envp = malloc(head + e.b.len)) == NULL)
		goto out;
	s = (char *)envp + head;
	memcpy(s, e.b.p, e.b.len);
	end = s + e.b.len;
	for (i = 0; s < end; i++) {
		envp[i] = s;
		s += strlen(s) + 1;
	}
	envp[i] = NULL;
out:
	ac_buf_free(&e.b);
	return envp;
}
