/*
 * fuzz_form.c: the parsers of request text (src/core/parse.c): "a=1&b=2"
 * forms and query strings, percent-decoded, and "a=1; b=2" cookie
 * headers (ac_kv_find), looked up under the names the programs ask for;
 * the bearer token of an Authorization header (ac_parse_bearer);
 * percent-decoding of a path segment (ac_pct_decode); Content-Type and
 * the CORS origin list.  The first input byte picks the parser ('0' to
 * '7'), the rest is the text, cut at a NUL as a C string from the web
 * server would be.  Each answer is checked against what the callers rely
 * on: a value fits its buffer and holds no NUL, a token lies inside the
 * header and is made of token characters only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "fuzz.h"

static void
kv(const char *s, int how)
{
	static const char *const names[] = { "email", "password",
	    "grant_type", "refresh_token", "token", "refreshToken",
	    "__Host-refreshToken", "limit", "offset", "cursor", "" };
	char		 out[64];
	size_t		 i, sz;
	long		 n;

	for (i = 0; i < nitems(names); i++) {
		sz = how == 2 ? 1 + i : sizeof(out);
		n = ac_kv_find(s, how == 1 ? ';' : '&', names[i], how != 1,
		    out, sz);
		/* A value fits, whole, and is one C string. */
		CHECK(n >= -1 && (n == -1 || (size_t)n < sz));
		CHECK(n == -1 || strlen(out) == (size_t)n);
	}
}

static void
bearer(const char *s)
{
	const char	*tok;
	size_t		 len, i;
	enum ac_reason	 rc;

	rc = ac_parse_bearer(s, &tok, &len);
	if (rc != AC_OK) {
		CHECK(tok == NULL && len == 0);
		CHECK(rc == AC_TOKEN_MISSING ||
		    rc == AC_AUTH_SCHEME_UNSUPPORTED ||
		    rc == AC_AUTH_HEADER_MALFORMED);
		return;
	}
	CHECK(tok > s && len > 0 && len <= strlen(tok));
	for (i = 0; i < len; i++)
		CHECK(tok[i] != ' ' && tok[i] != '\0' &&
		    strchr("\"\\,;\t\r\n", tok[i]) == NULL);
	CHECK(tok[len] == '\0' || tok[len] == ' ');
}

static void
pct(char *s)
{
	size_t	 before = strlen(s);
	int	 rc;

	rc = ac_pct_decode(s);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0)
		CHECK(strlen(s) <= before);
}

static void
misc(char *s)
{
	char	*nl = strchr(s, '\n');

	(void)ac_parse_content_type(s, "application/json");
	(void)ac_parse_content_type(s, "application/x-www-form-urlencoded");
	if (nl == NULL)
		return;
	*nl = '\0';
	/* "list\norigin": an origin is listed only as a whole item. */
	if (ac_parse_origin_listed(s, nl + 1))
		CHECK(strstr(s, nl + 1) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size < 1 || size > 65536 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 8) {
	case 0:		/* form or query string */
	case 1:		/* cookie header */
	case 2:		/* form into small buffers */
		kv(s, data[0] % 8);
		break;
	case 3:
	case 4:
		bearer(s);
		break;
	case 5:
		pct(s);
		break;
	default:
		misc(s);
		break;
	}
	free(s);
	return 0;
}
