/*
 * body.c: the JSON bodies the programs take, read and validated, one
 * detail per bad field (AC_VALIDATION_FAILED, 422): the credentials of
 * login and signup (refresh), a string field of a program's own body
 * (ac_body_text: a todo's title and description, in todos.c); and the
 * token= of the form bodies of introspection (verify) and revocation
 * (refresh).  The JSON body itself is parsed by ac_req_json_body (415,
 * 413, 400, and 422 for text that is not UTF-8); the programs only act
 * on what these functions let through, and tests/fuzz/fuzz_body.c
 * drives them with arbitrary bodies.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ac.h"
#include "base.h"
#include "http.h"

int
ac_body_string(json_object *o, const char *name, char *out, size_t n)
{
	json_object	*v;
	const char	*s;
	size_t		 len;

	if (!json_object_object_get_ex(o, name, &v) ||
	    (s = ac_json_str(v, &len)) == NULL || len >= n)
		return -1;
	memcpy(out, s, len + 1);
	return 0;
}

/*
 * Why the string member name of o was refused, in pydantic's words:
 * missing, not a string, or longer than max bytes.  A secret's value is
 * never echoed (no input), nor is the body that holds it.
 */
static void
invalid_string(struct ac_req *r, json_object *o, const char *name,
    size_t max, int secret, const char *message)
{
	json_object	*v;
	const char	*type = "string_too_long";

	if (!json_object_object_get_ex(o, name, &v)) {
		ac_req_invalid(r, "body", name, "missing", NULL, 0, message);
		return;
	}
	if (!json_object_is_type(v, json_type_string))
		type = "string_type";
	else if (ac_json_str(v, NULL) == NULL)
		type = "value_error";
	ac_req_invalid(r, "body", name, type, secret ? NULL :
	    json_object_get(v), (long long)max, message);
}

enum ac_reason
ac_body_credentials(struct ac_req *r, char *email, size_t en, char *pw,
    size_t pn)
{
	json_object	*o;
	enum ac_reason	 rc;
	int		 bad = 0;

	if ((rc = ac_req_json_body(r, &o)) != AC_OK)
		return rc;
	if (ac_body_string(o, "email", email, en) == -1) {
		invalid_string(r, o, "email", en - 1, 0,
		    "required string, at most 254 bytes");
		bad = 1;
	}
	if (ac_body_string(o, "password", pw, pn) == -1) {
		invalid_string(r, o, "password", pn - 1, 1,
		    "required string, at most 1024 bytes");
		bad = 1;
	}
	return bad ? AC_VALIDATION_FAILED : AC_OK;
}

/* Characters (UTF-8 code points) in s[0..n). */
static size_t
nchars(const char *s, size_t n)
{
	size_t	 i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

int
ac_body_text(struct ac_req *r, const char *name, json_object *v, int trim,
    size_t max, const char **s, size_t *n)
{

	if (!json_object_is_type(v, json_type_string)) {
		ac_req_invalid(r, "body", name, "string_type",
		    json_object_get(v), 0, NULL);
		return -1;
	}
	if ((*s = ac_json_str(v, n)) == NULL) {
		ac_req_invalid(r, "body", name, "value_error",
		    json_object_get(v), 0, "must not contain NUL characters");
		return -1;
	}
	while (trim && *n > 0 && isspace((unsigned char)(*s)[0]))
		(*s)++, (*n)--;
	while (trim && *n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
	if (trim && *n == 0) {
		ac_req_invalid(r, "body", name, "string_too_short",
		    json_object_get(v), 1, NULL);
		return -1;
	}
	if (nchars(*s, *n) > max) {
		ac_req_invalid(r, "body", name, "string_too_long",
		    json_object_get(v), (long long)max, NULL);
		return -1;
	}
	return 0;
}

enum ac_reason
ac_body_form_token(struct ac_req *r, const struct ac_app *app,
    const char **tok, long *len)
{
	const char	*body;
	char		*t;
	size_t		 blen, tsz = (size_t)ac_app_config(app)->max_token + 2;
	enum ac_reason	 rc;

	if (!ac_req_content_type(r, "application/x-www-form-urlencoded")) {
		ac_req_detail(r, "Content-Type",
		    "send application/x-www-form-urlencoded");
		return AC_MEDIA_TYPE_UNSUPPORTED;
	}
	if ((rc = ac_req_body(r, &body, &blen)) != AC_OK)
		return rc;
	if ((t = ac_req_secret(r, tsz)) == NULL)
		return AC_NOMEM;
	/* Absent is a 400; too long for any token of ours is -1. */
	if ((*len = ac_kv_find(body, '&', "token", 1, t, tsz)) == -1 &&
	    strncmp(body, "token=", 6) != 0 && strstr(body, "&token=") == NULL) {
		ac_req_detail(r, "token", "required");
		return AC_BODY_MALFORMED;
	}
	*tok = t;
	return AC_OK;
}
