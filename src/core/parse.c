/*
 * parse.c: the parsers of request input, with no transport in them:
 * the bearer token of an Authorization header, percent-decoding, the
 * "a=1&b=2" forms and query strings and "a=1; b=2" cookie headers,
 * Content-Type, parameter lookup, the CORS origin list and the address
 * list of METRICS_ALLOW.  Everything
 * here is a pure function of its arguments (tests/unit/test_http.c).
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ac.h"
#include "base.h"

int
ac_pct_byte(const char *p)
{
	int	 hi, lo;

	if (p[0] != '%' || !isxdigit((unsigned char)p[1]) ||
	    !isxdigit((unsigned char)p[2]))
		return -1;
	hi = isdigit((unsigned char)p[1]) ? p[1] - '0' : (p[1] | 0x20) - 'a' + 10;
	lo = isdigit((unsigned char)p[2]) ? p[2] - '0' : (p[2] | 0x20) - 'a' + 10;
	return hi << 4 | lo;
}

/*
 * Percent-decodes a path segment in place (RFC 3986).  Refuses a bad
 * escape and an encoded NUL, so "a%40b" is the subject "a@b" and nothing
 * can smuggle a terminator past the router.
 */
int
ac_pct_decode(char *v)
{
	char	*o = v;
	int	 c;

	for (; *v != '\0'; v++) {
		if (*v != '%') {
			*o++ = *v;
			continue;
		}
		if ((c = ac_pct_byte(v)) <= 0)
			return -1;
		*o++ = (char)c;
		v += 2;
	}
	*o = '\0';
	return 0;
}

/*
 * Non-zero when s[0..n) is UTF-8 (RFC 3629): no overlong form, no
 * surrogate, nothing past U+10FFFF, no sequence cut short.
 */
int
ac_utf8_valid(const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, k, len;
	unsigned		 lo, hi;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 3;
			if (s[i] == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (s[i] == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4;
			if (s[i] == 0xf0)
				lo = 0x90;	/* overlong */
			else if (s[i] == 0xf4)
				hi = 0x8f;	/* past U+10FFFF */
		} else
			return 0;
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/*
 * Finds name in a "a=1&b=2" (sep '&') or "a=1; b=2" (sep ';') string and
 * copies its value, percent-decoded when decode, into out.  Returns the
 * value's length, or -1 when absent, too long or badly escaped (an
 * encoded NUL, "%00", included).
 */
long
ac_kv_find(const char *s, char sep, const char *name, int decode, char *out,
    size_t outsz)
{
	size_t		 n = strlen(name), o = 0;
	const char	*p, *v;
	int		 c;

	for (p = s; p != NULL && *p != '\0';
	    p = (p = strchr(p, sep)) != NULL ? p + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (strncmp(p, name, n) != 0 || p[n] != '=')
			continue;
		for (v = p + n + 1; *v != '\0' && *v != sep; v++) {
			if (o + 1 >= outsz)
				return -1;
			if (decode && *v == '+')
				out[o++] = ' ';
			else if (decode && *v == '%') {
				/* An encoded NUL would cut the value short. */
				if ((c = ac_pct_byte(v)) <= 0)
					return -1;
				out[o++] = (char)c;
				v += 2;
			} else
				out[o++] = *v;
		}
		out[o] = '\0';
		return (long)o;
	}
	return -1;
}

enum ac_reason
ac_parse_bearer(const char *h, const char **tok, size_t *len)
{
	const char	*p;
	size_t		 i, n;

	*tok = NULL;
	*len = 0;
	if (h == NULL || *h == '\0')
		return AC_TOKEN_MISSING;
	while (*h == ' ')
		h++;
	if ((p = strchr(h, ' ')) == NULL) {
		/* A bare scheme name: "Bearer" alone is malformed. */
		return strcasecmp(h, "Bearer") == 0 ?
		    AC_AUTH_HEADER_MALFORMED : AC_AUTH_SCHEME_UNSUPPORTED;
	}
	if ((size_t)(p - h) != 6 || strncasecmp(h, "Bearer", 6) != 0)
		return AC_AUTH_SCHEME_UNSUPPORTED;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return AC_AUTH_HEADER_MALFORMED;
	/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~+/=", c) != NULL))
			return AC_AUTH_HEADER_MALFORMED;
	}
	*tok = p;
	*len = n;
	return AC_OK;
}

int
ac_parse_content_type(const char *ct, const char *mime)
{
	size_t	 n = strlen(mime);

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, mime, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

const char *
ac_parse_env(char **envp, const char *name)
{
	size_t	 n;

	if (envp == NULL || name == NULL)
		return NULL;
	n = strlen(name);
	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

const char *
ac_list_next(const char **p, size_t *n)
{
	const char	*s = *p;

	*n = 0;
	if (s == NULL)
		return NULL;
	s += strspn(s, ", ");
	*n = strcspn(s, ", ");
	*p = s + *n;
	return *n > 0 ? s : NULL;
}

int
ac_parse_origin_listed(const char *p, const char *origin)
{
	const char	*s;
	size_t		 n, len = strlen(origin);

	while ((s = ac_list_next(&p, &n)) != NULL)
		if (n == len && strncmp(s, origin, n) == 0)
			return 1;
	return 0;
}

/*
 * One entry of an address list: an IPv4 or IPv6 address, alone or as a
 * CIDR block ADDR/BITS with BITS 0 to 32 (IPv6: 128) in decimal digits.
 * Anything else ("10.0.0.0/", "127.0.0.1/abc", "/8") is -1: never read as
 * a block that would match more than was written.
 */
static int
cidr_parse(const char *p, size_t len, unsigned char net[16], int *family,
    int *bits)
{
	char		 item[80], *slash, *end;
	long		 b;
	int		 max;

	if (len == 0 || len >= sizeof(item))
		return -1;
	memcpy(item, p, len);
	item[len] = '\0';
	*family = strchr(item, ':') != NULL ? AF_INET6 : AF_INET;
	max = *family == AF_INET ? 32 : 128;
	*bits = max;
	if ((slash = strchr(item, '/')) != NULL) {
		*slash++ = '\0';
		if (*slash == '\0' || strlen(slash) > 3 ||
		    strspn(slash, "0123456789") != strlen(slash))
			return -1;
		b = strtol(slash, &end, 10);
		if (*end != '\0' || b < 0 || b > max)
			return -1;
		*bits = (int)b;
	}
	return inet_pton(*family, item, net) == 1 ? 0 : -1;
}

int
ac_parse_addr_listed(const char *list, const char *addr)
{
	unsigned char	 a[16], n[16];
	const char	*p = list, *s;
	size_t		 k;
	int		 fa, fn, bits, i, m, len, bad = 0;

	while ((s = ac_list_next(&p, &k)) != NULL)
		if (cidr_parse(s, k, n, &fn, &bits) == -1)
			bad = 1;
	if (bad)
		return -1;
	if (addr == NULL)
		return 0;
	fa = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(fa, addr, a) != 1)
		return 0;
	len = fa == AF_INET ? 4 : 16;
	for (p = list; (s = ac_list_next(&p, &k)) != NULL; ) {
		if (cidr_parse(s, k, n, &fn, &bits) == -1 || fn != fa)
			continue;
		for (i = 0; i < len && bits > 0; i++, bits -= 8) {
			m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
			if ((a[i] & m) != (n[i] & m))
				break;
		}
		if (i == len || bits <= 0)
			return 1;
	}
	return 0;
}

long
ac_url_encode(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char	 c;
	size_t		 o = 0;

	for (; *s != '\0'; s++) {
		if (o + 4 > n)
			return -1;
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return (long)o;
}
