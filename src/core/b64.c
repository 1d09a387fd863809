/*
 * b64.c: base64url without padding (RFC 7515 section 2), strict: the
 * decoder refuses padding, any byte outside the alphabet, a length of
 * 1 mod 4 and non-zero trailing bits, so that every token has exactly one
 * encoding.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "ac.h"
#include "base.h"

static const char enc[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0-63, or 64 for a byte outside the alphabet. */
static const unsigned char dec[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
	X64, X64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
	64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,
	64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
	X64, X64, X64, X64, X64, X64, X64, X64
#undef X64
};

long
ac_b64url_encode(const unsigned char *in, size_t len, char *out,
    size_t outsz)
{
	size_t	 i, o = 0, need;
	unsigned long v;

	need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
	if (need + 1 > outsz)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = enc[v >> 18 & 63];
		out[o++] = enc[v >> 12 & 63];
		out[o++] = enc[v >> 6 & 63];
		out[o++] = enc[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned long)in[i] << 16;
		out[o++] = enc[v >> 18 & 63];
		out[o++] = enc[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
		out[o++] = enc[v >> 18 & 63];
		out[o++] = enc[v >> 12 & 63];
		out[o++] = enc[v >> 6 & 63];
	}
	out[o] = '\0';
	return (long)o;
}

long
ac_b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t outsz)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t	 i, o = 0, rem = len % 4;
	unsigned long v;
	unsigned char a, b, c, d;

	if (rem == 1 || len / 4 * 3 + (rem ? rem - 1 : 0) > outsz)
		return -1;
	for (i = 0; i + 3 < len; i += 4) {
		a = dec[s[i]], b = dec[s[i + 1]];
		c = dec[s[i + 2]], d = dec[s[i + 3]];
		if ((a | b | c | d) & 64)
			return -1;
		v = (unsigned long)a << 18 | (unsigned long)b << 12 |
		    (unsigned long)c << 6 | d;
		out[o++] = v >> 16 & 0xff;
		out[o++] = v >> 8 & 0xff;
		out[o++] = v & 0xff;
	}
	if (rem >= 2) {
		a = dec[s[i]], b = dec[s[i + 1]];
		c = rem == 3 ? dec[s[i + 2]] : 0;
		if ((a | b | c) & 64)
			return -1;
		/* Canonical form: unused low bits must be zero. */
		if ((rem == 2 && (b & 0x0f)) || (rem == 3 && (c & 0x03)))
			return -1;
		v = (unsigned long)a << 18 | (unsigned long)b << 12 |
		    (unsigned long)c << 6;
		out[o++] = v >> 16 & 0xff;
		if (rem == 3)
			out[o++] = v >> 8 & 0xff;
	}
	return (long)o;
}

/*
 * Decodes an opaque 32-byte token (a refresh token, a session cookie):
 * exactly AC_REFRESH_LEN canonical base64url characters, so non-zero
 * padding bits are refused (one token, one spelling).  0, or -1.
 */
int
ac_b64url_tok32(const char *tok, unsigned char raw[32])
{
	char	 again[AC_REFRESH_LEN + 1];

	if (tok == NULL || strlen(tok) != AC_REFRESH_LEN ||
	    ac_b64url_decode(tok, AC_REFRESH_LEN, raw, 32) != 32)
		return -1;
	if (ac_b64url_encode(raw, 32, again, sizeof(again)) != AC_REFRESH_LEN ||
	    strcmp(again, tok) != 0)
		return -1;
	return 0;
}
