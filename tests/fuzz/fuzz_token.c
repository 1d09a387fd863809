/*
 * fuzz_token.c: access-token verification (ac_token_verify), the path
 * every request's bearer token takes, against four configurations: HS256
 * with a secret, RS256 (with an issuer and an audience to check), ES256
 * and EdDSA with the PEM keys in tests/fuzz/keys.  The first input byte
 * picks the configuration, the rest is the token.  Time is fixed, so the
 * signed tokens of the corpus reach the claim checks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/base.h"
#include "fuzz.h"

#define NOW	1800000000	/* 2027-01-15 */

static struct ac_app	*apps[4];

static struct ac_app *
load(const char *alg, const char *keyfile)
{
	struct ac_app	*app;

	tu_env_clear();
	setenv("AUTH_CONFIG", fz_write("empty.conf", "", 0), 1);
	setenv("JWT_ALGORITHM", alg, 1);
	setenv("JWT_VERIFY_CACHE_SIZE", "0", 1);
	setenv("DATABASE_URL", "/nonexistent/fuzz.db", 1);
	if (keyfile == NULL)
		setenv("JWT_SECRET", "fuzz-secret-0123456789-abcdefghijklmnop", 1);
	else
		setenv("JWT_PRIVATE_KEY_FILE", keyfile, 1);
	if (strcmp(alg, "RS256") == 0) {
		setenv("JWT_ISSUER", "https://issuer.example", 1);
		setenv("JWT_AUDIENCE", "api", 1);
	}
	if ((app = ac_app_new()) == NULL || ac_app_load(app) != AC_OK)
		fz_die("%s: %s", alg, app != NULL ? ac_app_error(app) : "nomem");
	return app;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const algs[] = { "RS256", "ES256", "EdDSA" };
	static const char *const keys[] = { "rs256.pem", "es256.pem",
	    "eddsa.pem" };
	char		 rel[64], *path;
	size_t		 i;

	apps[0] = load("HS256", NULL);
	for (i = 0; i < nitems(algs); i++) {
		snprintf(rel, sizeof(rel), "keys/%s", keys[i]);
		path = fz_copy(rel, keys[i]);
		apps[i + 1] = load(algs[i], path);
		free(path);
	}
	tu_env_clear();
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ac_token	 t;

	if (size < 1)
		return 0;
	ac_token_verify(apps[data[0] % 4], (const char *)data + 1, size - 1,
	    NOW, &t);
	ac_token_clear(&t);
	return 0;
}
