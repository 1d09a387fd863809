/*
 * fuzz_form.c: the parsers of request text: "a=1&b=2" forms and query
 * strings, percent-decoded, and "a=1; b=2" cookie headers
 * (ac_kv_find), looked up under the names the programs ask for.  The
 * first input byte picks the parser, the rest is the text, cut at a NUL
 * as a C string from the web server would be.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "email", "password",
	    "grant_type", "refresh_token", "token", "refreshToken",
	    "__Host-refreshToken", "limit", "offset", "" };
	char		*s, out[64];
	size_t		 i;
	long		 n;

	if (size < 1 || size > 65536 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	for (i = 0; i < nitems(names); i++) {
		switch (data[0] % 3) {
		case 0:
			n = ac_kv_find(s, '&', names[i], 1, out, sizeof(out));
			break;
		case 1:
			n = ac_kv_find(s, ';', names[i], 0, out, sizeof(out));
			break;
		default:
			n = ac_kv_find(s, '&', names[i], 0, out, 1 + i);
			break;
		}
		if (n >= 0 && (size_t)n >= sizeof(out))
			abort();
	}
	free(s);
	return 0;
}
