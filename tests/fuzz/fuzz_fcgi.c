/*
 * fuzz_fcgi.c: the FastCGI record layer of the engine (src/core/fcgi.c),
 * socket-free, driven as loop.c drives it: the input is what a web
 * server sends on one connection, delivered in chunks; whatever
 * ac_fcgi_feed leaves unconsumed is fed again with the next chunk, each
 * time from a heap copy of exactly the bytes pending, so that a read past
 * them is caught by AddressSanitizer.  A complete request's parameters
 * become an environment (ac_fcgi_envp) and its limits are checked; what
 * the layer answers by itself (fc->out) and a sealed response
 * (ac_fcgi_seal) must parse back as whole records.
 *
 * Input: byte 0 picks the limits and the caller's behaviour, byte 1 the
 * chunk size (and the response size), the rest is the connection's bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/engine.h"
#include "fuzz.h"

struct bounds {
	const unsigned char	*lo, *hi;
	size_t			 n;
};

/* Every name and value lies inside the bytes walked. */
static int
pair_cb(void *arg, const unsigned char *n, size_t nl, const unsigned char *v,
    size_t vl)
{
	struct bounds	*b = arg;

	CHECK(n >= b->lo && nl <= (size_t)(b->hi - n));
	CHECK(v == n + nl && vl <= (size_t)(b->hi - v));
	b->n++;
	return 0;
}

static void
pairs(const unsigned char *p, size_t len)
{
	struct bounds	 b;
	unsigned char	*copy;

	if (len == 0 || (copy = malloc(len)) == NULL)
		return;
	memcpy(copy, p, len);
	b.n = 0;
	b.lo = copy;
	b.hi = copy + len;
	CHECK(ac_fcgi_pairs(copy, len, pair_cb, &b) >= -1);
	free(copy);
}

/* out holds whole records only, each of a type the layer may send. */
static void
check_out(const struct ac_buf *out)
{
	struct ac_fcgi_record	 rec;
	struct bounds		 b;
	size_t			 off = 0;
	long			 n;

	while (off < out->len) {
		n = ac_fcgi_parse(out->p + off, out->len - off, &rec);
		CHECK(n >= AC_FCGI_HEADER && (size_t)n <= out->len - off);
		CHECK(rec.id <= 0xffff && rec.len <= AC_FCGI_MAXCONTENT);
		switch (rec.type) {
		case AC_FCGI_END_REQUEST:
		case AC_FCGI_UNKNOWN_TYPE:
			CHECK(rec.len == 8);
			break;
		case AC_FCGI_GET_VALUES_RESULT:
			b.lo = rec.content;
			b.hi = rec.content + rec.len;
			CHECK(ac_fcgi_pairs(rec.content, rec.len, pair_cb,
			    &b) == 0);
			break;
		default:
			abort();
		}
		off += (size_t)n;
	}
}

/* The request in hand: limits, and its parameters as an environment. */
static void
check_request(struct ac_fcgi *fc)
{
	char	**envp, **e;
	size_t	 n = 0;

	CHECK(fc->raw.len <= fc->max_params && fc->body.len <= fc->max_body);
	CHECK(fc->raw.len <= fc->paramslen && fc->body.len <= fc->bodylen);
	if (fc->problem == AC_FCGI_OK) {
		CHECK(fc->raw.len == fc->paramslen);
		CHECK(fc->body.len == fc->bodylen);
	}
	CHECK(fc->problem != AC_FCGI_PARAMS_TOO_LARGE ||
	    fc->paramslen > fc->max_params);
	CHECK(fc->problem != AC_FCGI_BODY_TOO_LARGE ||
	    fc->bodylen > fc->max_body);
	CHECK(fc->role == AC_FCGI_RESPONDER || fc->role == AC_FCGI_AUTHORIZER);
	envp = ac_fcgi_envp(fc);
	if (envp == NULL) {
		CHECK(fc->problem != AC_FCGI_OK);
		return;
	}
	for (e = envp; *e != NULL; e++, n++) {
		const char *eq = strchr(*e, '=');

		CHECK(eq != NULL && eq != *e);
	}
	CHECK(n >= 1 && strncmp(envp[n - 1], "FCGI_ROLE=", 10) == 0);
	free(envp);
}

/* A response of len bytes sealed into records reads back whole. */
static void
check_seal(size_t len, unsigned id)
{
	struct ac_buf		 b = { NULL, 0, 0 };
	struct ac_fcgi_record	 rec;
	size_t			 off = 3, got = 0, i;
	long			 n;
	int			 ended = 0, empty = 0;

	if (ac_buf_add(&b, "xyz", 3) == -1 || ac_buf_reserve(&b,
	    AC_FCGI_HEADER + len) == -1)
		goto out;
	memset(b.p + b.len, 0, AC_FCGI_HEADER);
	for (i = 0; i < len; i++)
		b.p[b.len + AC_FCGI_HEADER + i] = (unsigned char)(i * 7);
	b.len += AC_FCGI_HEADER + len;
	if (ac_fcgi_seal(&b, 3, id) == -1)
		goto out;
	CHECK(memcmp(b.p, "xyz", 3) == 0);
	while (off < b.len) {
		n = ac_fcgi_parse(b.p + off, b.len - off, &rec);
		CHECK(n > 0 && !ended && rec.id == id);
		if (rec.type == AC_FCGI_STDOUT) {
			CHECK(!empty);
			if (rec.len == 0)
				empty = 1;
			for (i = 0; i < rec.len; i++)
				CHECK(rec.content[i] ==
				    (unsigned char)((got + i) * 7));
			got += rec.len;
		} else {
			CHECK(rec.type == AC_FCGI_END_REQUEST && rec.len == 8);
			ended = 1;
		}
		off += (size_t)n;
	}
	CHECK(ended && empty && got == len);
out:
	ac_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 maxp[] = { 0, 40, 4096, 65536 },
				 maxb[] = { 0, 16, 1024, 1048576 };
	struct ac_fcgi		 fc;
	struct ac_buf		 pend = { NULL, 0, 0 };
	enum ac_fcgi_event	 ev;
	unsigned char		*copy;
	size_t			 off, chunk, took;
	int			 hold, inhand = 0;

	if (size < 2 || size > 1 << 20)
		return 0;
	ac_fcgi_init(&fc, maxp[data[0] & 3], maxb[(data[0] >> 2) & 3], 7);
	/* Hold a complete request while more arrives (a pool runs it). */
	hold = (data[0] >> 4) & 1;
	chunk = data[1] == 0 ? size : data[1];
	pairs(data + 2, size - 2);
	if ((data[0] & 0xe0) == 0xe0)
		check_seal((size_t)data[1] * 700, 1 + data[1]);
	data += 2;
	size -= 2;
	for (off = 0; off < size; ) {
		took = size - off < chunk ? size - off : chunk;
		if (ac_buf_add(&pend, data + off, took) == -1)
			goto out;
		off += took;
		for (;;) {
			if (pend.len == 0 || (copy = malloc(pend.len)) == NULL)
				break;
			memcpy(copy, pend.p, pend.len);
			took = ac_fcgi_feed(&fc, copy, pend.len, &ev);
			free(copy);
			CHECK(took <= pend.len);
			memmove(pend.p, pend.p + took, pend.len - took);
			pend.len -= took;
			check_out(&fc.out);
			fc.out.len = 0;
			if (ev == AC_FCGI_ERROR || fc.closeafter)
				goto out;
			if (ev == AC_FCGI_READY) {
				CHECK(!inhand);
				check_request(&fc);
				if (hold)
					inhand = 1;
				else
					ac_fcgi_done(&fc);
				continue;
			}
			if (ev == AC_FCGI_ABORTED) {
				CHECK(inhand);
				inhand = 0;
				ac_fcgi_done(&fc);
				continue;
			}
			if (ev == AC_FCGI_WAIT) {
				/* Only a request in hand makes one wait. */
				CHECK(inhand);
				inhand = 0;
				ac_fcgi_done(&fc);
				continue;
			}
			if (took == 0)
				break;
		}
	}
out:
	ac_buf_free(&pend);
	ac_fcgi_free(&fc);
	return 0;
}
