/*
 * fuzz_require.c: AUTH_REQUIRE's grammar (src/core/require.c): the text
 * as a location's FastCGI parameter would bring it, parsed, checked
 * against a few claim sets, and looked up in the per-thread cache.
 * What the callers rely on: a text either parses or says why; the
 * scopes of a parsed one go into a quoted WWW-Authenticate parameter, so
 * they hold only printable ASCII without '"' and '\'; a failing term is
 * a part of the text; the cache gives the same answer as a fresh parse.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "fuzz.h"

static const char *const claimsets[] = {
	"{}",
	"{\"scope\":\"a b c\",\"role\":\"admin\",\"groups\":[\"ops\"]}",
	"{\"scp\":[\"a\",\"b\"],\"roles\":[\"x\"],\"tenant\":\"acme\","
	    "\"email_verified\":true,\"n\":42}",
	"{\"scope\":[\"a\"],\"role\":[\"admin\",1],\"groups\":\"ops\","
	    "\"tenant\":[\"acme\",{\"x\":1}]}",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ac_require *rq;
	const struct ac_require *cached;
	json_object	*claims;
	const char	*f, *sc, *g;
	char		*s, why[160], why2[160];
	size_t		 i;
	int		 rc, bad;

	if (size > 4096 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	why[0] = '\0';
	rc = ac_require_parse(s, &rq, why, sizeof(why));
	CHECK(rc == 0 || rc == -1);
	CHECK((rc == 0) == (rq != NULL));
	CHECK(rc == 0 || why[0] != '\0');
	cached = ac_require_get(s, why2, sizeof(why2), &bad);
	CHECK((cached != NULL) == (rc == 0));
	if (rc == -1) {
		CHECK(bad == -1 && strcmp(why, why2) == 0);
		free(s);
		return 0;
	}
	sc = ac_require_scopes(rq);
	CHECK(strcmp(sc, ac_require_scopes(cached)) == 0);
	for (g = sc; *g != '\0'; g++)
		CHECK(*g >= 0x20 && *g < 0x7f && *g != '"' && *g != '\\');
	for (i = 0; i < nitems(claimsets); i++) {
		claims = json_tokener_parse(claimsets[i]);
		CHECK(claims != NULL);
		f = ac_require_check(rq, claims);
		CHECK((f == NULL) == (ac_require_check(cached, claims) == NULL));
		if (f != NULL)
			CHECK(strstr(s, f) != NULL);
		json_object_put(claims);
	}
	ac_require_free(rq);
	free(s);
	return 0;
}
