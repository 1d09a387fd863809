/*
 * test_require.c: AUTH_REQUIRE's grammar (require.c): what parses, what
 * is malformed and why, each kind of term against claims, and the
 * per-thread cache (the same text gives the same parsed requirement; a
 * malformed text keeps its reason).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "util.h"

/* The first failing term of text s against the claims JSON c, or "". */
static const char *
first_failing(const char *s, const char *c)
{
	static char		 out[256];
	struct ac_require	*rq;
	json_object		*claims;
	const char		*f;
	char			 why[160];

	ck_assert_msg(ac_require_parse(s, &rq, why, sizeof(why)) == 0,
	    "'%s' refused: %s", s, why);
	ck_assert_ptr_nonnull(claims = json_tokener_parse(c));
	f = ac_require_check(rq, claims);
	snprintf(out, sizeof(out), "%s", f != NULL ? f : "");
	json_object_put(claims);
	ac_require_free(rq);
	return out;
}

START_TEST(test_kinds)
{

	ck_assert_str_eq(first_failing("scope:a", "{\"scope\":\"x a y\"}"), "");
	ck_assert_str_eq(first_failing("scope:a", "{\"scope\":\"ab\"}"),
	    "scope:a");
	ck_assert_str_eq(first_failing("scope:a", "{\"scp\":[\"b\",\"a\"]}"),
	    "");
	ck_assert_str_eq(first_failing("scope:a", "{\"scp\":\"a\"}"), "");
	ck_assert_str_eq(first_failing("scope:b,a", "{\"scope\":\"a\"}"), "");
	ck_assert_str_eq(first_failing("role:admin", "{\"role\":\"admin\"}"),
	    "");
	ck_assert_str_eq(first_failing("role:admin",
	    "{\"roles\":[\"user\",\"admin\"]}"), "");
	ck_assert_str_eq(first_failing("role:admin",
	    "{\"role\":\"admin user\"}"), "role:admin");
	ck_assert_str_eq(first_failing("group:ops", "{\"groups\":[\"ops\"]}"),
	    "");
	ck_assert_str_eq(first_failing("group:ops",
	    "{\"groups\":[\"opsx\"],\"group\":\"ops\"}"), "group:ops");
	ck_assert_str_eq(first_failing("claim:t=acme", "{\"t\":\"acme\"}"), "");
	ck_assert_str_eq(first_failing("claim:t=acme",
	    "{\"t\":[\"x\",\"acme\"]}"), "");
	ck_assert_str_eq(first_failing("claim:t=acme", "{\"t\":{\"acme\":1}}"),
	    "claim:t=acme");
	ck_assert_str_eq(first_failing("claim:v=true", "{\"v\":true}"), "");
	ck_assert_str_eq(first_failing("claim:v=true", "{\"v\":\"true\"}"), "");
	ck_assert_str_eq(first_failing("claim:v=true", "{\"v\":false}"),
	    "claim:v=true");
	ck_assert_str_eq(first_failing("claim:n=42", "{\"n\":42}"), "");
	ck_assert_str_eq(first_failing("claim:n=42", "{\"n\":42.0}"),
	    "claim:n=42");
	/* A value may hold '=' and ':' (RFC 6749 scope tokens). */
	ck_assert_str_eq(first_failing("claim:u=a=b scope:api:read",
	    "{\"u\":\"a=b\",\"scope\":\"api:read\"}"), "");
	/* All terms must hold; the first that does not is named. */
	ck_assert_str_eq(first_failing("scope:a role:r group:g",
	    "{\"scope\":\"a\",\"role\":\"r\",\"groups\":[\"h\"]}"), "group:g");
	ck_assert_str_eq(first_failing("  \t ", "{}"), "");
	ck_assert_str_eq(first_failing("", "{}"), "");
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"scope", "scope:", ":a", "colour:red", "scope:a,", "scope:,a",
		"scope:a,,b", "claim:a", "claim:=a", "claim:a=", "scope:a\"b",
		"scope:a\\b", "scope:\xc3\xa9", "scope:a\nrole:b", "SCOPE:a",
		"scope :a",
	};
	struct ac_require	*rq;
	char			 why[160], big[1100];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		why[0] = '\0';
		ck_assert_msg(ac_require_parse(bad[i], &rq, why, sizeof(why)) ==
		    -1, "'%s' parsed", bad[i]);
		ck_assert_ptr_null(rq);
		ck_assert_int_gt(strlen(why), 0);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "scope:", 6);
	ck_assert_int_eq(ac_require_parse(big, &rq, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "longer than 1024 bytes");
	ck_assert_int_eq(ac_require_parse("scope:a scope:a scope:a scope:a "
	    "scope:a scope:a scope:a scope:a scope:a scope:a scope:a scope:a "
	    "scope:a scope:a scope:a scope:a scope:a", &rq, why, sizeof(why)),
	    -1);
	ck_assert_str_eq(why, "more than 16 terms");
}
END_TEST

START_TEST(test_scopes_and_cache)
{
	const struct ac_require *a, *b;
	char		 why[160], text[32];
	size_t		 i;
	int		 bad;

	ck_assert_ptr_nonnull(a = ac_require_get("scope:x,y role:r scope:z",
	    why, sizeof(why), &bad));
	ck_assert_str_eq(ac_require_scopes(a), "x y z");
	ck_assert_ptr_nonnull(b = ac_require_get("scope:x,y role:r scope:z",
	    why, sizeof(why), &bad));
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_null(ac_require_get("role:", why, sizeof(why), &bad));
	ck_assert_int_eq(bad, -1);
	ck_assert_str_eq(why, "term 'role:': an empty value");
	why[0] = '\0';
	ck_assert_ptr_null(ac_require_get("role:", why, sizeof(why), &bad));
	ck_assert_str_eq(why, "term 'role:': an empty value");
	ck_assert_ptr_nonnull(a = ac_require_get("role:r", why, sizeof(why),
	    &bad));
	ck_assert_str_eq(ac_require_scopes(a), "");
	/* Nine distinct texts: the first is parsed again, still right. */
	for (i = 0; i < 9; i++) {
		snprintf(text, sizeof(text), "scope:s%zu", i);
		ck_assert_ptr_nonnull(a = ac_require_get(text, why,
		    sizeof(why), &bad));
		snprintf(text, sizeof(text), "s%zu", i);
		ck_assert_str_eq(ac_require_scopes(a), text);
	}
	ac_require_flush();
	ck_assert_ptr_nonnull(a = ac_require_get("scope:x,y role:r scope:z",
	    why, sizeof(why), &bad));
	ck_assert_str_eq(ac_require_scopes(a), "x y z");
	ac_require_flush();
}
END_TEST

TU_SUITE("require", 0, NULL, NULL, test_kinds, test_malformed,
    test_scopes_and_cache)
