/*
 * test_reason.c: the reason table has a row for every reason, each wire
 * string is unique, and statuses are real HTTP error statuses.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "util.h"

START_TEST(test_every_reason_has_a_row)
{
	int	 i, j;

	for (i = 1; i < AC_REASON__MAX; i++) {
		ck_assert_msg(strcmp(ac_reason_str(i), "internal_error") != 0 ||
		    i == AC_INTERNAL, "reason %d has no row", i);
		ck_assert_int_ge(ac_reason_status(i), 400);
		ck_assert_int_le(ac_reason_status(i), 599);
		ck_assert_ptr_nonnull(ac_reason_message(i));
		ck_assert_int_gt(strlen(ac_reason_message(i)), 0);
		for (j = 1; j < i; j++)
			ck_assert_str_ne(ac_reason_str(i), ac_reason_str(j));
	}
	ck_assert_str_eq(ac_reason_str(AC_OK), "ok");
	ck_assert_str_eq(ac_reason_str(AC_REASON__MAX), "internal_error");
	ck_assert_int_eq(ac_reason_status(AC_REASON__MAX), 500);
}
END_TEST

START_TEST(test_status_codes)
{

	ck_assert_str_eq(ac_status_code(401), "UNAUTHORIZED");
	ck_assert_str_eq(ac_status_code(403), "FORBIDDEN");
	ck_assert_str_eq(ac_status_code(422), "VALIDATION_ERROR");
	ck_assert_str_eq(ac_status_text(404), "Not Found");
	ck_assert_int_eq(ac_reason_status(AC_TOKEN_EXPIRED), 401);
	ck_assert_str_eq(ac_reason_str(AC_TOKEN_EXPIRED), "token_expired");
	ck_assert_str_eq(ac_reason_message(AC_TOKEN_EXPIRED), "Token expired");
	ck_assert_int_eq(ac_reason_status(AC_AUTH_HEADER_MALFORMED), 400);
	ck_assert_int_eq(ac_reason_status(AC_METHOD_NOT_ALLOWED), 405);
	/* Rollback without a deploy: its own reason, a 401. */
	ck_assert_str_eq(ac_reason_str(AC_JWT_DISABLED), "jwt_disabled");
	ck_assert_int_eq(ac_reason_status(AC_JWT_DISABLED), 401);
	ck_assert_str_eq(ac_reason_str(AC_SESSION_UNKNOWN), "session_unknown");
	ck_assert_int_eq(ac_reason_status(AC_SESSION_REVOKED), 401);
	ck_assert_int_eq(ac_reason_status(AC_SESSION_MALFORMED), 401);
	ck_assert_int_eq(ac_reason_status(AC_SESSION_SIGNATURE_INVALID), 401);
	ck_assert_int_eq(ac_reason_status(AC_SESSION_EXPIRED), 401);
}
END_TEST

TU_SUITE("reason", 0, NULL, NULL, test_every_reason_has_a_row,
    test_status_codes)
