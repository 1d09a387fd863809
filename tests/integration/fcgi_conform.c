/*
 * fcgi_conform.c: speaks raw FastCGI 1.0 to a program over a unix socket
 * and checks the engine's answers (fcgi_conform.sh starts `verify` with
 * AUTH_READ_TIMEOUT=1 and AUTH_MAX_PARAMS_BYTES=4096, one worker, so
 * that every case runs against one event loop).  Prints one line per
 * check; exits 1 when any failed.
 *
 *	fcgi_conform SOCKET
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BEGIN	1
#define ABORT	2
#define END	3
#define PARAMS	4
#define STDIN	5
#define STDOUT	6
#define GETV	9
#define GETVR	10
#define UNKNOWN	11

static const char	*sockpath;
static int		 failed, passed;

static void
check(int ok, const char *fmt, ...)
{
	va_list	 ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
dial(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("connect");
		exit(1);
	}
	return fd;
}

struct buf {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
add(struct buf *b, const void *s, size_t n)
{

	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			exit(1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
record(struct buf *b, int type, unsigned id, const void *c, size_t n,
    size_t pad)
{
	unsigned char	 h[8] = { 1, (unsigned char)type,
			    (unsigned char)(id >> 8), (unsigned char)id,
			    (unsigned char)(n >> 8), (unsigned char)n,
			    (unsigned char)pad, 0 };
	static const unsigned char zeros[255];

	add(b, h, 8);
	add(b, c, n);
	add(b, zeros, pad);
}

/* A name-value pair's length: one byte under 128, else four. */
static void
pairlen(struct buf *b, size_t n)
{
	unsigned char	 l[4];

	if (n < 128) {
		l[0] = (unsigned char)n;
		add(b, l, 1);
		return;
	}
	l[0] = (unsigned char)(0x80 | n >> 24);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	add(b, l, 4);
}

static void
pair(struct buf *b, const char *n, const char *v)
{
	size_t		 nl = strlen(n), vl = strlen(v);

	pairlen(b, nl);
	pairlen(b, vl);
	add(b, n, nl);
	add(b, v, vl);
}

static void
begin(struct buf *b, unsigned id, int role, int keep)
{
	unsigned char	 c[8] = { (unsigned char)(role >> 8),
			    (unsigned char)role, (unsigned char)keep };

	record(b, BEGIN, id, c, 8, 0);
}

/*
 * BEGIN_REQUEST (role, kept connection) and one PARAMS record holding
 * REQUEST_METHOD=GET and, unless uri is NULL, REQUEST_URI: the start of
 * a request that the caller ends (or not) as its case wants.
 */
static void
begin_get(struct buf *b, unsigned id, int role, const char *uri)
{
	struct buf	 p = { NULL, 0, 0 };

	begin(b, id, role, 1);
	pair(&p, "REQUEST_METHOD", "GET");
	if (uri != NULL)
		pair(&p, "REQUEST_URI", uri);
	record(b, PARAMS, id, p.p, p.len, 0);
	free(p.p);
}

/*
 * A whole request for path: BEGIN, the PARAMS in records of at most
 * chunk bytes with pad bytes of padding each, the empty PARAMS, STDIN
 * (body, if any) and the empty STDIN.
 */
static void
request(struct buf *b, unsigned id, int keep, const char *path,
    size_t chunk, size_t pad, const char *extra)
{
	struct buf	 p = { NULL, 0, 0 };
	size_t		 o, n;

	begin(b, id, 1, keep);
	pair(&p, "REQUEST_METHOD", "GET");
	pair(&p, "REQUEST_URI", path);
	pair(&p, "REMOTE_ADDR", "127.0.0.1");
	pair(&p, "SERVER_PROTOCOL", "HTTP/1.1");
	if (extra != NULL)
		pair(&p, "HTTP_X_EXTRA", extra);
	if (chunk == 0)
		chunk = 65535;
	for (o = 0; o < p.len; o += n) {
		n = p.len - o < chunk ? p.len - o : chunk;
		record(b, PARAMS, id, p.p + o, n, pad);
	}
	record(b, PARAMS, id, NULL, 0, pad);
	record(b, STDIN, id, NULL, 0, pad);
	free(p.p);
}

static void
sendall(int fd, const void *s, size_t n)
{
	const char	*p = s;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			perror("write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

/* What came back for one request. */
struct answer {
	int		 ended;		/* END_REQUEST seen */
	int		 pstatus;	/* its protocol status */
	unsigned	 id;
	struct buf	 out;		/* STDOUT bytes */
	int		 nrecords;
};

/* Waits until fd is readable or the time end (now_ms) has come: 1 or 0. */
static int
readable(int fd, long long end)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, (int)(end - now_ms() > 0 ? end - now_ms() :
	    0)) > 0;
}

/* Reads into in (a connection's input) until it holds n bytes; -1 on EOF. */
static int
fill(int fd, struct buf *in, size_t n, int ms)
{
	unsigned char	 tmp[65536];
	long long	 end = now_ms() + ms;
	ssize_t		 r;

	while (in->len < n) {
		if (!readable(fd, end))
			return -1;
		if ((r = read(fd, tmp, sizeof(tmp))) <= 0)
			return -1;
		add(in, tmp, (size_t)r);
	}
	return 0;
}

/*
 * Reads records from fd (in keeps what is left over) up to the next
 * END_REQUEST; types other than STDOUT and END_REQUEST are kept in
 * *other (type of the last).  Returns 0, or -1 on timeout or EOF.
 */
static int
answer(int fd, struct buf *in, struct answer *a, int ms, int *other,
    struct buf *otherc)
{
	size_t	 clen, plen, need;
	int	 type;

	memset(a, 0, sizeof(*a));
	for (;;) {
		if (fill(fd, in, 8, ms) == -1)
			return -1;
		clen = (size_t)in->p[4] << 8 | in->p[5];
		plen = in->p[6];
		need = 8 + clen + plen;
		if (fill(fd, in, need, ms) == -1)
			return -1;
		type = in->p[1];
		a->id = (unsigned)in->p[2] << 8 | in->p[3];
		a->nrecords++;
		if (type == STDOUT)
			add(&a->out, in->p + 8, clen);
		else if (type == END) {
			a->ended = 1;
			a->pstatus = clen >= 5 ? in->p[8 + 4] : -1;
		} else {
			if (other != NULL)
				*other = type;
			if (otherc != NULL) {
				otherc->len = 0;
				add(otherc, in->p + 8, clen);
			}
		}
		memmove(in->p, in->p + need, in->len - need);
		in->len -= need;
		if (type == END || (other != NULL && type != STDOUT))
			return 0;
	}
}

/* Non-zero when the STDOUT of a starts with "Status: " status. */
static int
status_is(const struct answer *a, const char *status)
{
	size_t	 n = strlen(status);

	return a->out.len > 8 + n && memcmp(a->out.p, "Status: ", 8) == 0 &&
	    memcmp(a->out.p + 8, status, n) == 0;
}

/* Waits for EOF on fd: 1 when the peer closed within ms. */
static int
closed_within(int fd, int ms)
{
	char		 tmp[4096];
	long long	 end = now_ms() + ms;
	ssize_t		 r;

	for (;;) {
		if (!readable(fd, end))
			return 0;
		if ((r = read(fd, tmp, sizeof(tmp))) == 0)
			return 1;
		if (r == -1 && errno != EINTR && errno != EAGAIN)
			return 1;
	}
}

/*
 * One client connection: what is to be written (out), what was read and
 * not yet taken (in), and the last answer read (a).
 */
struct conn {
	int		 fd;
	struct buf	 out, in;
	struct answer	 a;
};

static void
conn_open(struct conn *c)
{

	memset(c, 0, sizeof(*c));
	c->fd = dial();
}

static void
conn_close(struct conn *c)
{

	close(c->fd);
	free(c->out.p);
	free(c->in.p);
	free(c->a.out.p);
}

/* Writes what c->out holds, and empties it. */
static void
conn_send(struct conn *c)
{

	sendall(c->fd, c->out.p, c->out.len);
	c->out.len = 0;
}

/*
 * Reads the next answer into c->a within ms: 1 when it came whole
 * (END_REQUEST) and, unless status is NULL, its STDOUT starts with
 * "Status: " status.
 */
static int
conn_answer(struct conn *c, int ms, const char *status)
{

	free(c->a.out.p);
	return answer(c->fd, &c->in, &c->a, ms, NULL, NULL) == 0 &&
	    c->a.ended && (status == NULL || status_is(&c->a, status));
}

/* Reads up to the next record that is a management one (answer()). */
static void
conn_other(struct conn *c, int *type, struct buf *content)
{

	free(c->a.out.p);
	answer(c->fd, &c->in, &c->a, 2000, type, content);
}

/* A GET of path (id 1, connection kept) answered with status. */
static int
conn_get(struct conn *c, const char *path, const char *status)
{

	request(&c->out, 1, 1, path, 0, 0, NULL);
	conn_send(c);
	return conn_answer(c, 2000, status);
}

/* One request on a new connection: answered with status within ms. */
static int
probe(const char *status, int ms)
{
	struct conn	 c;
	int		 ok;

	conn_open(&c);
	request(&c.out, 1, 0, "/probe", 0, 0, NULL);
	conn_send(&c);
	ok = conn_answer(&c, ms, status);
	conn_close(&c);
	return ok;
}

static void
t_basic(void)
{
	struct conn	 c;

	conn_open(&c);
	request(&c.out, 1, 0, "/basic", 0, 0, NULL);
	conn_send(&c);
	check(conn_answer(&c, 2000, "401") && c.a.pstatus == 0 &&
	    c.a.id == 1, "a request gets STDOUT (Status: 401) and "
	    "END_REQUEST (FCGI_REQUEST_COMPLETE)");
	check(c.a.nrecords == 3, "STDOUT, the empty STDOUT and END_REQUEST: "
	    "3 records (got %d)", c.a.nrecords);
	check(closed_within(c.fd, 2000), "without FCGI_KEEP_CONN the "
	    "connection is closed after the answer");
	conn_close(&c);
}

static void
t_fragmented(void)
{
	struct conn	 c;
	size_t		 o, n;
	int		 i = 0;

	conn_open(&c);
	/* Records themselves split (PARAMS of 7 bytes each), padded. */
	request(&c.out, 1, 1, "/fragmented/path/of/some/length", 7, 3, NULL);
	for (o = 0; o < c.out.len; o += n) {
		n = 1 + (size_t)(i++ % 5);
		if (n > c.out.len - o)
			n = c.out.len - o;
		sendall(c.fd, c.out.p + o, n);
		usleep(500);
	}
	check(conn_answer(&c, 3000, "401"), "a request split into %d writes "
	    "of 1-5 bytes, PARAMS in 7-byte records, is answered", i);
	conn_close(&c);
}

static void
t_coalesced(void)
{
	struct conn	 c;
	unsigned	 id;
	int		 ok = 1;

	conn_open(&c);
	for (id = 1; id <= 3; id++)
		request(&c.out, id, 1, "/coalesced", 0, 0, NULL);
	conn_send(&c);
	for (id = 1; id <= 3; id++)
		if (!conn_answer(&c, 2000, "401") || c.a.id != id)
			ok = 0;
	check(ok, "three requests in one write: three answers, in order");
	conn_close(&c);
}

static void
t_pipelined(void)
{
	struct conn	 c;
	struct buf	 one = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	int		 i, ok = 1;

	conn_open(&c);
	request(&one, 1, 1, "/pipelined", 0, 0, NULL);
	for (i = 0; i < 200 && ok; i++) {
		sendall(c.fd, one.p, one.len);
		ok = conn_answer(&c, 2000, "401");
	}
	check(ok, "200 requests one after another on one kept connection "
	    "(%d answered)", ok ? 200 : i - 1);
	for (i = 0; i < 200; i++)
		add(&all, one.p, one.len);
	sendall(c.fd, all.p, all.len);
	for (i = 0, ok = 1; i < 200 && ok; i++)
		ok = conn_answer(&c, 3000, "401");
	check(ok, "200 requests written at once on one kept connection: "
	    "200 answers");
	conn_close(&c);
	free(one.p);
	free(all.p);
}

static void
t_concurrent(void)
{
	enum { N = 500 };
	static struct conn cs[N];
	struct buf	 b = { NULL, 0, 0 };
	int		 i, n = 0;

	request(&b, 1, 0, "/concurrent", 0, 0, NULL);
	for (i = 0; i < N; i++)
		conn_open(&cs[i]);
	for (i = 0; i < N; i++)
		sendall(cs[i].fd, b.p, b.len);
	for (i = 0; i < N; i++) {
		if (conn_answer(&cs[i], 5000, "401"))
			n++;
		conn_close(&cs[i]);
	}
	check(n == N, "%d concurrent connections, one request each: %d "
	    "answered", N, n);
	free(b.p);
}

static void
t_padding(void)
{
	struct conn	 c;

	conn_open(&c);
	request(&c.out, 1, 1, "/padded", 0, 255, NULL);
	request(&c.out, 2, 1, "/padded", 5, 7, NULL);
	conn_send(&c);
	check(conn_answer(&c, 2000, "401") && c.a.id == 1, "records with 255 "
	    "bytes of padding");
	check(conn_answer(&c, 2000, "401") && c.a.id == 2, "records with 7 "
	    "bytes of padding, PARAMS in 5-byte records");
	conn_close(&c);
}

static void
t_get_values(void)
{
	struct conn	 c;
	struct buf	 q = { NULL, 0, 0 }, v = { NULL, 0, 0 };
	int		 type = 0;

	conn_open(&c);
	pair(&q, "FCGI_MAX_CONNS", "");
	pair(&q, "FCGI_MAX_REQS", "");
	pair(&q, "FCGI_MPXS_CONNS", "");
	pair(&q, "FCGI_SOMETHING_ELSE", "");
	record(&c.out, GETV, 0, q.p, q.len, 0);
	conn_send(&c);
	conn_other(&c, &type, &v);
	add(&v, "", 1);
	check(type == GETVR, "FCGI_GET_VALUES is answered with "
	    "FCGI_GET_VALUES_RESULT (type %d)", type);
	/* name-value pairs: lengths then bytes; look for the names. */
	check(v.len > 1 && memmem(v.p, v.len, "FCGI_MPXS_CONNS0", 16) != NULL,
	    "FCGI_MPXS_CONNS is 0");
	check(memmem(v.p, v.len, "FCGI_MAX_CONNS", 14) != NULL &&
	    memmem(v.p, v.len, "FCGI_MAX_REQS", 13) != NULL &&
	    memmem(v.p, v.len, "FCGI_SOMETHING_ELSE", 19) == NULL,
	    "FCGI_MAX_CONNS and FCGI_MAX_REQS are answered, an unknown name "
	    "is not");
	conn_close(&c);
	free(q.p);
	free(v.p);
}

static void
t_unknown_type(void)
{
	struct conn	 c;
	struct buf	 v = { NULL, 0, 0 };
	int		 type = 0;

	conn_open(&c);
	record(&c.out, 42, 0, "xyz", 3, 5);
	conn_send(&c);
	conn_other(&c, &type, &v);
	check(type == UNKNOWN && v.len == 8 && v.p[0] == 42,
	    "an unknown management record type is answered with "
	    "FCGI_UNKNOWN_TYPE naming it");
	check(conn_get(&c, "/after-unknown", "401"), "the connection serves "
	    "requests after it");
	conn_close(&c);
	free(v.p);
}

/* A GET /healthz in role, with an FCGI_ROLE parameter saying param. */
static void
role_param(struct conn *c, unsigned id, int role, const char *param,
    const char *status, const char *what)
{
	struct buf	 p = { NULL, 0, 0 };

	begin(&c->out, id, role, 1);
	pair(&p, "REQUEST_METHOD", "GET");
	pair(&p, "REQUEST_URI", "/healthz");
	pair(&p, "REMOTE_ADDR", "127.0.0.1");
	pair(&p, "FCGI_ROLE", param);
	record(&c->out, PARAMS, id, p.p, p.len, 0);
	record(&c->out, PARAMS, id, NULL, 0, 0);
	if (role == 1)
		record(&c->out, STDIN, id, NULL, 0, 0);
	free(p.p);
	conn_send(c);
	check(conn_answer(c, 2000, status) && c->a.id == id, "%s", what);
}

static void
t_roles(void)
{
	struct conn	 c;
	int		 role;

	conn_open(&c);
	for (role = 3; role <= 99; role += 96) {
		begin_get(&c.out, 1, role, NULL);
		record(&c.out, PARAMS, 1, NULL, 0, 0);
		record(&c.out, STDIN, 1, NULL, 0, 0);
		conn_send(&c);
		check(conn_answer(&c, 2000, NULL) && c.a.pstatus == 3 &&
		    c.a.out.len == 0, "role %d (%s) is answered with "
		    "FCGI_UNKNOWN_ROLE and no STDOUT", role,
		    role == 3 ? "FILTER" : "unknown");
	}
	/* Authorizer: PARAMS only, no STDIN. */
	begin_get(&c.out, 7, 2, "/private/x");
	record(&c.out, PARAMS, 7, NULL, 0, 0);
	conn_send(&c);
	check(conn_answer(&c, 2000, "401") && c.a.id == 7, "AUTHORIZER role: "
	    "answered after PARAMS, without STDIN");
	/*
	 * The role is the BEGIN_REQUEST record's: an FCGI_ROLE parameter
	 * from the peer changes nothing.  An Authorizer asked about a page
	 * at /healthz needs a token even when a parameter says Responder
	 * (where /healthz is the open health check).
	 */
	role_param(&c, 8, 2, "RESPONDER", "401", "AUTHORIZER record, "
	    "FCGI_ROLE=RESPONDER parameter: still an authorization (401)");
	role_param(&c, 9, 1, "AUTHORIZER", "200", "RESPONDER record, "
	    "FCGI_ROLE=AUTHORIZER parameter: still the health check (200)");
	/* Interleaved requests: we do not multiplex. */
	begin(&c.out, 1, 1, 1);
	begin(&c.out, 2, 1, 1);
	conn_send(&c);
	check(conn_answer(&c, 2000, NULL) && c.a.id == 2 && c.a.pstatus == 1,
	    "a second request begun on a connection mid-request gets "
	    "FCGI_CANT_MPX_CONN");
	conn_close(&c);
}

static void
t_abort(void)
{
	struct conn	 c;

	conn_open(&c);
	begin_get(&c.out, 1, 1, "/aborted");
	record(&c.out, ABORT, 1, NULL, 0, 0);
	conn_send(&c);
	check(conn_answer(&c, 2000, NULL) && c.a.id == 1 && c.a.out.len == 0,
	    "FCGI_ABORT_REQUEST before the request is complete: END_REQUEST, "
	    "no STDOUT");
	check(conn_get(&c, "/after-abort", "401"), "the connection serves the "
	    "next request");
	conn_close(&c);
}

static void
t_oversized(void)
{
	struct conn	 c;
	char		*big;

	if ((big = malloc(6001)) == NULL)
		exit(1);
	memset(big, 'a', 6000);
	big[6000] = '\0';
	conn_open(&c);
	/* Over AUTH_MAX_PARAMS_BYTES (4096), in records of 1000 bytes. */
	request(&c.out, 1, 1, "/oversized", 1000, 0, big);
	conn_send(&c);
	check(conn_answer(&c, 2000, "431"), "parameters over "
	    "AUTH_MAX_PARAMS_BYTES: Status: 431");
	check(conn_get(&c, "/after-oversized", "401"), "the connection serves "
	    "the next request");
	conn_close(&c);
	free(big);
}

static void
t_not_fastcgi(void)
{
	int	 fd = dial();

	sendall(fd, "GET / HTTP/1.1\r\n\r\n", 18);
	check(closed_within(fd, 2000), "bytes that are not FastCGI: the "
	    "connection is closed");
	close(fd);
}

static void
t_half_record(void)
{
	int		 fd = dial();
	long long	 t0 = now_ms(), t;

	/* Half a BEGIN_REQUEST header, then nothing. */
	sendall(fd, "\1\1\0", 3);
	check(probe("401", 1000), "while a connection holds half a record, "
	    "others are answered");
	check(closed_within(fd, 4000), "half a record then silence: closed "
	    "after AUTH_READ_TIMEOUT");
	t = now_ms() - t0;
	check(t >= 900 && t < 4000, "closed after %lld ms (timeout 1 s)", t);
	close(fd);
}

static void
t_never_reads(void)
{
	struct buf	 one = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	struct pollfd	 pfd;
	long long	 t0;
	int		 fd = dial(), i, ok = 1, fl;
	size_t		 sent = 0;
	ssize_t		 w;

	/* Many answers (about 600 bytes each) that are never read. */
	request(&one, 1, 1, "/never-reads", 0, 0, NULL);
	for (i = 0; i < 4000; i++)
		add(&all, one.p, one.len);
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	t0 = now_ms();
	/* Write what the program takes in a second, never read. */
	while (sent < all.len && now_ms() - t0 < 1000) {
		w = write(fd, all.p + sent, all.len - sent);
		if (w > 0)
			sent += (size_t)w;
		else {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, 50);
		}
	}
	for (i = 0; i < 20 && ok; i++)
		ok = probe("401", 1000);
	check(ok, "while a client does not read its answers (%zu bytes of "
	    "requests sent), 20 others are answered at once", sent);
	check(closed_within(fd, 5000), "the client that does not read is "
	    "closed after AUTH_READ_TIMEOUT");
	close(fd);
	free(one.p);
	free(all.p);
}

int
main(int argc, char *argv[])
{

	if (argc != 2) {
		fprintf(stderr, "usage: fcgi_conform SOCKET\n");
		return 2;
	}
	sockpath = argv[1];
	signal(SIGPIPE, SIG_IGN);
	t_basic();
	t_fragmented();
	t_coalesced();
	t_pipelined();
	t_padding();
	t_get_values();
	t_unknown_type();
	t_roles();
	t_abort();
	t_oversized();
	t_not_fastcgi();
	t_half_record();
	t_never_reads();
	t_concurrent();
	printf("fcgi_conform: %d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
