/*
 * fuzz_body.c: the JSON bodies of login and signup (ac_body_credentials),
 * of a todo (src/todos.c's todo_body over ac_body_text, as POST/PUT and
 * as PATCH; todos.c is compiled in here for it) and of a refresh
 * ({"refreshToken"}: ac_body_string), each read through the request
 * object from an in-memory transport as the engine hands a body over
 * (ac_req_json_body), then answered as the core answers a refusal
 * (ac_req_error).  The first input byte picks the body, the rest is the
 * body's bytes.
 *
 * What the programs rely on is checked: an accepted body is UTF-8 text
 * (RFC 8259) with no \u0000 in a member name; accepted strings fit
 * their buffers whole; a todo's title is trimmed, not empty and within
 * its length; a refusal names a field; the answer is UTF-8.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/http.h"
#include "fuzz.h"

/* The todos program, for its body parser; its embedded document. */
#include "todos.c"
const char	 openapi_json[] = "{}";


static struct ac_app	*app;

struct mem {
	const unsigned char	*in;
	size_t			 inlen, off;
	char			 out[16384];
	size_t			 outlen;
};

static void
mem_write(void *io, const char *s, size_t n)
{
	struct mem	*m = io;

	if (n > sizeof(m->out) - m->outlen)
		n = sizeof(m->out) - m->outlen;
	memcpy(m->out + m->outlen, s, n);
	m->outlen += n;
}

static size_t
mem_read(void *io, char *buf, size_t n)
{
	struct mem	*m = io;

	if (n > m->inlen - m->off)
		n = m->inlen - m->off;
	memcpy(buf, m->in + m->off, n);
	m->off += n;
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	tu_env_clear();
	setenv("AUTH_CONFIG", fz_write("empty.conf", "", 0), 1);
	setenv("JWT_SECRET", "fuzz-secret-0123456789-abcdefghijklmnop", 1);
	setenv("AUTH_MAX_BODY_BYTES", "65536", 1);
	if ((app = ac_app_new()) == NULL ||
	    ac_app_load_config(app) != AC_OK)
		fz_die("body: %s", app != NULL ? ac_app_error(app) : "nomem");
	tu_env_clear();
	return 0;
}

/*
 * The test's own reading of RFC 3629 (not the core's): every sequence
 * decodes to a scalar value in its shortest form.
 */
static int
utf8(const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, k, len;
	unsigned long		 cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* Characters of s[0..n), counted the simple way. */
static size_t
chars(const char *s, size_t n)
{
	size_t	 i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* The \u0000 escapes of JSON text (a backslash escapes what follows). */
static size_t
escapes(const char *s, size_t n)
{
	size_t	 i, c = 0;

	for (i = 0; i < n; i++)
		if (s[i] == '\\' && i + 1 < n) {
			c += n - i >= 6 && strncmp(s + i, "\\u0000", 6) == 0;
			i++;
		}
	return c;
}

/* The NUL bytes in the string values of o. */
static size_t
nuls(json_object *o)
{
	size_t	 i, c = 0;

	if (json_object_is_type(o, json_type_string)) {
		for (i = 0; i < (size_t)json_object_get_string_len(o); i++)
			c += json_object_get_string(o)[i] == '\0';
	} else if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			c += nuls(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			c += nuls(v);
		}
	}
	return c;
}

static void
check_todo(const struct todo_body *t, int full)
{
	size_t	 n;

	CHECK(!full || (t->has_title && t->has_desc && t->has_completed));
	CHECK(t->completed == 0 || t->completed == 1);
	if (t->has_title) {
		CHECK(t->title != NULL && t->titlelen > 0);
		CHECK(memchr(t->title, '\0', t->titlelen) == NULL);
		CHECK(!isspace((unsigned char)t->title[0]) &&
		    !isspace((unsigned char)t->title[t->titlelen - 1]));
		CHECK(chars(t->title, t->titlelen) <= TITLE_MAX);
		CHECK(utf8(t->title, t->titlelen));
	}
	if (t->desc != NULL) {
		n = strlen(t->desc);
		CHECK(chars(t->desc, n) <= DESC_MAX);
		CHECK(utf8(t->desc, n));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ac_req	 r;
	static struct mem	 m;
	char			 cl[32], *envp[4];
	char			 email[256], pw[1025], tok[256];
	struct todo_body	 t;
	json_object		*o;
	enum ac_reason		 rc;
	int			 which;

	if (size < 1 || size > 65536)
		return 0;
	which = data[0] % 4;
	m.in = data + 1;
	m.inlen = size - 1;
	m.off = m.outlen = 0;
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", size - 1);
	envp[0] = "CONTENT_TYPE=application/json; charset=utf-8";
	envp[1] = cl;
	envp[2] = "REQUEST_METHOD=POST";
	envp[3] = NULL;
	ac_req_reset(&r);
	r.io = &m;
	r.io_write = mem_write;
	r.io_read = mem_read;
	r.envp = envp;
	r.app = app;
	r.method = AC_POST;
	switch (which) {
	case 0:
		rc = ac_body_credentials(&r, email, sizeof(email), pw,
		    sizeof(pw));
		if (rc == AC_OK) {
			CHECK(strlen(email) < sizeof(email) &&
			    strlen(pw) < sizeof(pw));
			CHECK(utf8(email, strlen(email)) &&
			    utf8(pw, strlen(pw)));
			/* Whole: the value is the member's, not a prefix. */
			CHECK(ac_req_json_body(&r, &o) == AC_OK &&
			    ac_json_streq(json_object_object_get(o, "email"),
			    email, strlen(email)));
		}
		break;
	case 1:
	case 2:
		rc = todo_body(&r, which == 1, &t);
		if (rc == AC_OK)
			check_todo(&t, which == 1);
		break;
	default:
		if ((rc = ac_req_json_body(&r, &o)) == AC_OK &&
		    ac_body_string(o, "refreshToken", tok, sizeof(tok)) == 0)
			CHECK(ac_json_streq(json_object_object_get(o,
			    "refreshToken"), tok, strlen(tok)));
		break;
	}
	CHECK(rc == AC_OK || rc == AC_VALIDATION_FAILED ||
	    rc == AC_BODY_MALFORMED || rc == AC_BODY_TOO_LARGE ||
	    rc == AC_NOMEM);
	if (rc == AC_OK) {
		/*
		 * Accepted: all UTF-8, and every \u0000 of the text is still
		 * in a string value (json-c cuts a member name at one).
		 */
		CHECK(utf8((const char *)data + 1, size - 1));
		CHECK(ac_req_json_body(&r, &o) == AC_OK);
		CHECK(escapes((const char *)data + 1, size - 1) == nuls(o));
	}
	if (rc == AC_VALIDATION_FAILED)
		CHECK(r.details != NULL &&
		    json_object_array_length(r.details) > 0);
	if (rc != AC_OK) {
		ac_req_error(&r, rc);
		CHECK(m.outlen > 0 && utf8(m.out, m.outlen));
	}
	ac_req_reset(&r);
	return 0;
}
