/*
 * test_totp.c: TOTP and base32 (totp.c).  RFC 6238 Appendix B's SHA-1
 * test vectors (their 8-digit values; apps show the last 6, which is
 * what HOTP's truncation modulo 10^6 gives), RFC 4648's base32 vectors,
 * the window of one step either side, each step taken once, and codes
 * that are not six digits.
 */
#include "config.h"

#include <check.h>
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

TU_SUITE("totp", 10, NULL, NULL, test_rfc6238, test_window, test_base32)
