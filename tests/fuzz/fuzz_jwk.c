/*
 * fuzz_jwk.c: JWK and JWKS import (ac_keys_add_jwk), what a provider's
 * key set goes through: the input is parsed as JSON (as the JWKS client
 * does) and each key of a {"keys": [...]} set, or the object itself, is
 * added to a fresh key set with every public-key algorithm allowed; each
 * key taken is exported again as a JWK (the jwks program's path).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/keys.h"
#include "fuzz.h"

static struct ac_config	 cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const enum ac_alg algs[] = { AC_ALG_RS256, AC_ALG_RS384,
	    AC_ALG_RS512, AC_ALG_ES256, AC_ALG_ES384, AC_ALG_ES512,
	    AC_ALG_PS256, AC_ALG_PS384, AC_ALG_PS512, AC_ALG_EDDSA };
	size_t		 i;

	(void)argc;
	(void)argv;
	for (i = 0; i < nitems(algs); i++)
		cfg.algs[i] = algs[i];
	cfg.nalgs = nitems(algs);
	return 0;
}

static void
add(struct ac_keyset *ks, json_object *jwk)
{
	char		 err[256];

	ac_keys_add_jwk(ks, &cfg, jwk, err, sizeof(err));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ac_keyset ks;
	json_tokener	*jt;
	json_object	*o, *keys, *j;
	size_t		 i, n;

	if (size > 65536 || (jt = json_tokener_new_ex(16)) == NULL)
		return 0;
	o = json_tokener_parse_ex(jt, (const char *)data, (int)size);
	json_tokener_free(jt);
	if (o == NULL)
		return 0;
	memset(&ks, 0, sizeof(ks));
	ks.signer = -1;
	if (json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array)) {
		n = json_object_array_length(keys);
		for (i = 0; i < n && i < 16; i++)
			add(&ks, json_object_array_get_idx(keys, i));
	} else
		add(&ks, o);
	for (i = 0; i < ac_keys_count(&ks); i++)
		if ((j = ac_key_jwk(ac_keys_get(&ks, i))) != NULL)
			json_object_put(j);
	ac_keys_free(&ks);
	json_object_put(o);
	return 0;
}
