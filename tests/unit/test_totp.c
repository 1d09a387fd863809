/*
 * test_totp.c: TOTP and base32 (totp.c).  RFC 6238 Appendix B's SHA-1
 * test vectors (their 8-digit values; apps show the last 6, which is
 * what HOTP's truncation modulo 10^6 gives), RFC 4648's base32 vectors,
 * the window of one step either side, each step taken once, and codes
 * that are not six digits.  The sealed form of a key at rest: round
 * trips, a fresh nonce each time, and every way one does not open
 * (another sealing key, another user, any byte changed, cut short,
 * no key to open with), while a base32 key from before sealing reads as
 * it always did.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "util.h"

/* RFC 6238 B: the SHA-1 seed is the ASCII "12345678901234567890". */
static const unsigned char seed[] = "12345678901234567890";

static const struct {
	long long	 t;
	const char	*code;
} vec[] = {
	{ 59LL, "287082" },		/* 94287082 */
	{ 1111111109LL, "081804" },	/* 07081804 */
	{ 1111111111LL, "050471" },	/* 14050471 */
	{ 1234567890LL, "005924" },	/* 89005924 */
	{ 2000000000LL, "279037" },	/* 69279037 */
	{ 20000000000LL, "353130" },	/* 65353130 */
};

START_TEST(test_rfc6238)
{
	char	 out[AC_TOTP_DIGITS + 1];
	size_t	 i;

	for (i = 0; i < nitems(vec); i++) {
		ck_assert_int_eq(ac_totp_code(seed, 20,
		    (uint64_t)(vec[i].t / 30), out), 0);
		ck_assert_str_eq(out, vec[i].code);
		/* At its own time, the step of that time. */
		ck_assert_int_eq(ac_totp_check(seed, 20, vec[i].code,
		    (time_t)vec[i].t, -1), vec[i].t / 30);
	}
}
END_TEST

START_TEST(test_window)
{
	time_t	 t = 1111111109;	/* step 37037036 */
	int64_t	 s = t / 30;

	/* One step of drift either way is accepted, two are not. */
	ck_assert_int_eq(ac_totp_check(seed, 20, "081804", t + 30, -1), s);
	ck_assert_int_eq(ac_totp_check(seed, 20, "081804", t - 30, -1), s);
	ck_assert_int_eq(ac_totp_check(seed, 20, "081804", t + 60, -1), -1);
	ck_assert_int_eq(ac_totp_check(seed, 20, "081804", t - 60, -1), -1);
	/* Each step once: not at or before the last one taken. */
	ck_assert_int_eq(ac_totp_check(seed, 20, "081804", t, s), -1);
	ck_assert_int_eq(ac_totp_check(seed, 20, "081804", t, s - 1), s);
	/* Spaces as apps show them; anything else is no code. */
	ck_assert_int_eq(ac_totp_check(seed, 20, "081 804", t, -1), s);
	ck_assert_int_eq(ac_totp_check(seed, 20, "81804", t, -1), -1);
	ck_assert_int_eq(ac_totp_check(seed, 20, "0818040", t, -1), -1);
	ck_assert_int_eq(ac_totp_check(seed, 20, "08180a", t, -1), -1);
	ck_assert_int_eq(ac_totp_check(seed, 20, "", t, -1), -1);
	ck_assert_int_eq(ac_totp_check(seed, 20, "081805", t, -1), -1);
}
END_TEST

START_TEST(test_base32)
{
	static const char *const v[][2] = {	/* RFC 4648 10, unpadded */
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" },
		{ "foo", "MZXW6" }, { "foob", "MZXW6YQ" },
		{ "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
	};
	unsigned char	 buf[64];
	char		 out[64];
	size_t		 i;
	long		 n;

	for (i = 0; i < nitems(v); i++) {
		n = ac_base32_encode((const unsigned char *)v[i][0],
		    strlen(v[i][0]), out, sizeof(out));
		ck_assert_int_eq(n, (long)strlen(v[i][1]));
		ck_assert_str_eq(out, v[i][1]);
		n = ac_base32_decode(v[i][1], buf, sizeof(buf));
		ck_assert_int_eq(n, (long)strlen(v[i][0]));
		ck_assert(memcmp(buf, v[i][0], (size_t)n) == 0);
	}
	ck_assert_int_eq(ac_base32_decode("mzxw6ytboi", buf, sizeof(buf)), 6);
	ck_assert_int_eq(ac_base32_decode("MZXW6YTBOI======", buf,
	    sizeof(buf)), 6);
	ck_assert_int_eq(ac_base32_decode("MZ1W", buf, sizeof(buf)), -1);
	ck_assert_int_eq(ac_base32_encode((const unsigned char *)"foobar", 6,
	    out, 10), -1);
	ck_assert_int_eq(ac_base32_decode("MZXW6YTBOI", buf, 5), -1);
}
END_TEST

static const unsigned char sk1[32] = "0123456789abcdef0123456789abcde";
static const unsigned char sk2[32] = "0123456789abcdef0123456789abcdX";
static const char uid1[] = "9b2f6c1e-5d7a-4c1b-8e3f-2a6d9c0b1e4f";
static const char uid2[] = "1c0e9d2a-6b3f-4e8a-9d1c-7f5a2b3c4d6e";

START_TEST(test_seal_roundtrip)
{
	unsigned char	 key[AC_TOTP_KEY_MAX], big[AC_TOTP_KEY_MAX + 1];
	char		 a[AC_TOTP_SEALED_MAX], b[AC_TOTP_SEALED_MAX];
	char		 b32[64];
	long		 n;
	int		 sealed = -1;

	ck_assert_int_eq(ac_totp_seal(sk1, uid1, seed, 20, a, sizeof(a)), 0);
	ck_assert(strncmp(a, "v1.", 3) == 0);
	/* 24-byte nonce, 20-byte key, 16-byte tag: 80 base64url chars. */
	ck_assert_uint_eq(strlen(a), 3 + 80);
	/* Neither the key nor its base32 is in the stored text. */
	ac_base32_encode(seed, 20, b32, sizeof(b32));
	ck_assert_ptr_null(strstr(a, b32));
	n = ac_totp_open(sk1, uid1, a, key, sizeof(key), &sealed);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(sealed, 1);
	ck_assert(memcmp(key, seed, 20) == 0);
	/* A fresh nonce each time: the same key seals differently. */
	ck_assert_int_eq(ac_totp_seal(sk1, uid1, seed, 20, b, sizeof(b)), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(ac_totp_open(sk1, uid1, b, key, sizeof(key),
	    &sealed), 20);
	/* The longest key fits AC_TOTP_SEALED_MAX; longer is refused. */
	memset(big, 'k', sizeof(big));
	ck_assert_int_eq(ac_totp_seal(sk1, uid1, big, AC_TOTP_KEY_MAX, a,
	    sizeof(a)), 0);
	ck_assert_int_eq(ac_totp_open(sk1, uid1, a, key, sizeof(key),
	    &sealed), AC_TOTP_KEY_MAX);
	ck_assert_int_eq(ac_totp_seal(sk1, uid1, big, sizeof(big), a,
	    sizeof(a)), -1);
	ck_assert_int_eq(ac_totp_seal(sk1, uid1, big, 0, a, sizeof(a)), -1);
	/* No room: -1 and nothing half written. */
	ck_assert_int_eq(ac_totp_seal(sk1, uid1, seed, 20, a, 40), -1);
	ck_assert_str_eq(a, "");
}
END_TEST

START_TEST(test_seal_refused)
{
	unsigned char	 key[AC_TOTP_KEY_MAX];
	char		 a[AC_TOTP_SEALED_MAX], t[AC_TOTP_SEALED_MAX];
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		 i, len;
	int		 sealed = -1;

	ck_assert_int_eq(ac_totp_seal(sk1, uid1, seed, 20, a, sizeof(a)), 0);
	len = strlen(a);
	/* Another sealing key (the server's secret changed). */
	ck_assert_int_eq(ac_totp_open(sk2, uid1, a, key, sizeof(key),
	    &sealed), -1);
	ck_assert_int_eq(sealed, 1);
	/* Another user's row. */
	ck_assert_int_eq(ac_totp_open(sk1, uid2, a, key, sizeof(key),
	    &sealed), -1);
	/* No key to open with (a host without the refresh key). */
	ck_assert_int_eq(ac_totp_open(NULL, uid1, a, key, sizeof(key),
	    &sealed), -1);
	/* Any character after the prefix changed (nonce, key, tag). */
	for (i = 3; i < len; i++) {
		snprintf(t, sizeof(t), "%s", a);
		t[i] = alpha[(strchr(alpha, t[i]) - alpha + 1) % 64];
		ck_assert_msg(ac_totp_open(sk1, uid1, t, key, sizeof(key),
		    &sealed) == -1, "changed at %zu opens", i);
	}
	/* Cut short, down to nothing; not base64url. */
	for (i = 3; i < len; i++) {
		snprintf(t, sizeof(t), "%.*s", (int)i, a);
		ck_assert_msg(ac_totp_open(sk1, uid1, t, key, sizeof(key),
		    &sealed) == -1, "cut to %zu opens", i);
	}
	snprintf(t, sizeof(t), "%s", a);
	t[10] = '.';
	ck_assert_int_eq(ac_totp_open(sk1, uid1, t, key, sizeof(key),
	    &sealed), -1);
	/* Too long a key for the caller's buffer. */
	ck_assert_int_eq(ac_totp_open(sk1, uid1, a, key, 19, &sealed), -1);
	/* Still the original: it was never the key that failed. */
	ck_assert_int_eq(ac_totp_open(sk1, uid1, a, key, sizeof(key),
	    &sealed), 20);
}
END_TEST

START_TEST(test_seal_legacy)
{
	unsigned char	 key[AC_TOTP_KEY_MAX];
	char		 b32[64];
	int		 sealed = -1;

	/* A base32 key from before sealing, with or without a key. */
	ac_base32_encode(seed, 20, b32, sizeof(b32));
	ck_assert_int_eq(ac_totp_open(sk1, uid1, b32, key, sizeof(key),
	    &sealed), 20);
	ck_assert_int_eq(sealed, 0);
	ck_assert(memcmp(key, seed, 20) == 0);
	ck_assert_int_eq(ac_totp_open(NULL, uid1, b32, key, sizeof(key),
	    &sealed), 20);
	ck_assert_int_eq(sealed, 0);
	/* Neither sealed nor base32. */
	ck_assert_int_eq(ac_totp_open(sk1, uid1, "v2.AAAA", key,
	    sizeof(key), &sealed), -1);
	ck_assert_int_eq(sealed, 0);
}
END_TEST

TU_SUITE("totp", 10, NULL, NULL, test_rfc6238, test_window, test_base32,
    test_seal_roundtrip, test_seal_refused, test_seal_legacy)
