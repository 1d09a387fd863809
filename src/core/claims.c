/*
 * claims.c: the checks on a verified token's claims, and the rules for
 * reading strings out of JSON.
 *
 * json-c keeps a "\u0000" escape as a NUL byte inside a string value and
 * cuts an object key at it, so any C-string comparison of JSON text sees
 * only the part before it ("access\u0000refresh" reads as "access", a key
 * "sub\u0000x" becomes a second "sub").  Two rules close that class: a
 * token whose header or payload holds the escape is refused before it is
 * parsed (ac_json_has_nul), and every string taken from JSON is compared
 * by its length (ac_json_streq), never as a C string.  token.c runs the
 * signature; this file judges what the payload says.  What verify passes
 * downstream as headers is chosen here too (ac_claim_header_text).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "base.h"

/* Largest NumericDate we accept: 9999-12-31T23:59:59Z. */
#define AC_MAXDATE	253402300799LL

int
ac_json_has_nul(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\0')
			return 1;
		if (p[i] != '\\' || i + 1 >= n)
			continue;
		/* An escape: \u0000 is the NUL; skip what is escaped. */
		if (p[i + 1] == 'u' && i + 5 < n &&
		    memcmp(p + i + 2, "0000", 4) == 0)
			return 1;
		i++;
	}
	return 0;
}

int
ac_json_streq(json_object *o, const char *s, size_t n)
{

	return o != NULL && json_object_is_type(o, json_type_string) &&
	    (size_t)json_object_get_string_len(o) == n &&
	    memcmp(json_object_get_string(o), s, n) == 0;
}

const char *
ac_json_str(json_object *o, size_t *len)
{
	const char	*s;
	size_t		 n;

	if (o == NULL || !json_object_is_type(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	n = (size_t)json_object_get_string_len(o);
	if (memchr(s, '\0', n) != NULL)
		return NULL;
	if (len != NULL)
		*len = n;
	return s;
}

int
ac_claim_date(json_object *claims, const char *name, int64_t *v)
{
	json_object	*o;
	double		 d;

	if (!json_object_object_get_ex(claims, name, &o))
		return 0;
	if (json_object_is_type(o, json_type_int)) {
		errno = 0;
		*v = json_object_get_int64(o);
		if (errno != 0 || *v < 0 || *v > AC_MAXDATE)
			return -1;
		return 1;
	}
	if (json_object_is_type(o, json_type_double)) {
		d = json_object_get_double(o);
		if (!isfinite(d) || d < 0 || d > (double)AC_MAXDATE)
			return -1;
		*v = (int64_t)floor(d);
		return 1;
	}
	return -1;
}

/*
 * Header text must survive every hop unchanged: no byte below 0x20 (a
 * CR or LF would split the header, a tab or NUL would be cut or kept
 * depending on the server), no DEL, and no white space at either end,
 * which servers strip ("admin\n" would reach the application as
 * "admin").
 */
static int
header_safe(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/* Sets tok->detail and returns r. */
static enum ac_reason
fail(struct ac_token *tok, enum ac_reason r, const char *detail)
{

	snprintf(tok->detail, sizeof(tok->detail), "%s", detail);
	return r;
}

/*
 * A token refused for its audience: the log says what the token carries
 * and what JWT_AUDIENCE asks for, and where that came from (Better Auth's
 * base URL gives a default that surprises: its tokens' aud is whatever
 * the JWT plugin was told).  The token's aud is cleaned and clipped.
 */
static void
audience_log(const struct ac_config *c, json_object *aud)
{
	char		 got[160], want[160];
	size_t		 n = c->better_auth_url != NULL ?
			    strlen(c->better_auth_url) : 0;
	int		 dflt;

	while (n > 0 && c->better_auth_url[n - 1] == '/')
		n--;
	dflt = n > 0 && strlen(c->audience) == n &&
	    strncmp(c->audience, c->better_auth_url, n) == 0;
	ac_log_clean(got, sizeof(got), aud == NULL ? "(none)" :
	    json_object_to_json_string_ext(aud, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	ac_log_clean(want, sizeof(want), c->audience);
	ac_log(AC_LOG_INFO, "event=audience_refused token_aud=%s "
	    "JWT_AUDIENCE=%s audience_from=%s hint=\"set JWT_AUDIENCE to "
	    "the aud your issuer puts in its tokens\"", got, want, dflt ?
	    "BETTER_AUTH_URL" : "JWT_AUDIENCE");
}

/* A subject claim missing or unusable: "user_id (JWT_SUBJECT_CLAIM=user_id)". */
static enum ac_reason
subject_fail(const struct ac_config *c, struct ac_token *tok,
    enum ac_reason r)
{

	if (r == AC_CLAIM_INVALID && c->subject_integer)
		snprintf(tok->detail, sizeof(tok->detail), "%s must be an "
		    "integer (JWT_SUBJECT_TYPE=integer)", c->subject_claim);
	else
		snprintf(tok->detail, sizeof(tok->detail), "%s (JWT_SUBJECT_"
		    "CLAIM=%s)", c->subject_claim, c->subject_claim);
	return r;
}

/*
 * An integer subject (user_id-style claims) as decimal text.  json-c
 * saturates integers outside int64 to its extremes without a word (and
 * keeps those up to 2^64-1 as unsigned), so both extremes are refused
 * with whatever lies beyond them: 9223372036854775808 must not become
 * the user 9223372036854775807.  Returns -1 when out of range.
 */
static int
int_subject(json_object *o, char *buf, size_t bufsz)
{
	int64_t		 v = json_object_get_int64(o);

	if (v == INT64_MAX || v == INT64_MIN ||
	    (v >= 0 && json_object_get_uint64(o) != (uint64_t)v))
		return -1;
	snprintf(buf, bufsz, "%" PRId64, v);
	return 0;
}

enum ac_reason
ac_claims_check(const struct ac_config *c, time_t now, int remote,
    struct ac_token *tok)
{
	json_object	*o, *e;
	int64_t		 exp, nbf, iat;
	int		 rc;
	size_t		 i, n;
	const char	*s;

	if ((rc = ac_claim_date(tok->claims, "exp", &exp)) == -1)
		return fail(tok, AC_TOKEN_MALFORMED, "exp is not a NumericDate");
	if (rc == 0)
		return fail(tok, AC_CLAIM_MISSING, "exp");
	tok->exp = exp;
	if ((int64_t)now >= exp + c->leeway)
		return fail(tok, AC_TOKEN_EXPIRED, "exp");
	if ((rc = ac_claim_date(tok->claims, "nbf", &nbf)) == -1)
		return fail(tok, AC_TOKEN_MALFORMED, "nbf is not a NumericDate");
	if (rc == 1 && (int64_t)now + c->leeway < nbf)
		return fail(tok, AC_TOKEN_NOT_YET_VALID, "nbf");
	if ((rc = ac_claim_date(tok->claims, "iat", &iat)) == -1)
		return fail(tok, AC_TOKEN_MALFORMED, "iat is not a NumericDate");
	if (rc == 1 && iat > (int64_t)now + c->leeway)
		return fail(tok, AC_TOKEN_ISSUED_IN_FUTURE, "iat");

	if (c->issuer != NULL) {
		if (!json_object_object_get_ex(tok->claims, "iss", &o))
			return fail(tok, AC_CLAIM_MISSING, "iss");
		if (!ac_json_streq(o, c->issuer, strlen(c->issuer)))
			return fail(tok, AC_ISSUER_INVALID, "iss");
	}
	if (c->audience != NULL) {
		if (!json_object_object_get_ex(tok->claims, "aud", &o)) {
			audience_log(c, NULL);
			return fail(tok, AC_CLAIM_MISSING, "aud");
		}
		n = strlen(c->audience);
		rc = ac_json_streq(o, c->audience, n);
		if (json_object_is_type(o, json_type_array))
			for (i = 0; i < json_object_array_length(o) && !rc;
			    i++) {
				e = json_object_array_get_idx(o, i);
				rc = ac_json_streq(e, c->audience, n);
			}
		if (!rc) {
			audience_log(c, o);
			return fail(tok, AC_AUDIENCE_INVALID, "aud");
		}
	}

	/*
	 * The subject: a string, or an integer for user_id-style claims;
	 * only an integer under JWT_SUBJECT_TYPE=integer.  The detail names
	 * the setting, so that an operator sees where the claim name comes
	 * from.
	 */
	if (!json_object_object_get_ex(tok->claims, c->subject_claim, &o))
		return subject_fail(c, tok, AC_CLAIM_MISSING);
	if (c->subject_integer && !json_object_is_type(o, json_type_int))
		return subject_fail(c, tok, AC_CLAIM_INVALID);
	if (json_object_is_type(o, json_type_int) &&
	    (c->subject_integer || strcmp(c->subject_claim, "sub") != 0)) {
		if (int_subject(o, tok->subbuf, sizeof(tok->subbuf)) == -1)
			return subject_fail(c, tok, AC_CLAIM_INVALID);
		tok->sub = tok->subbuf;
	} else if ((s = ac_json_str(o, &n)) != NULL) {
		/* It becomes X-Auth-Subject and a path segment: keep it clean. */
		if (n == 0 || n > 255 || !header_safe(s, n))
			return subject_fail(c, tok, AC_CLAIM_INVALID);
		tok->sub = s;
	} else
		return subject_fail(c, tok, AC_CLAIM_INVALID);

	if (json_object_object_get_ex(tok->claims, "type", &o)) {
		if (!ac_json_streq(o, "access", 6))
			return fail(tok, AC_TOKEN_TYPE_INVALID, "type");
	} else if (c->require_type && !remote)
		return fail(tok, AC_CLAIM_MISSING, "type");
	return AC_OK;
}

int
ac_claim_header_text(const struct ac_token *tok, const char *name,
    char *buf, size_t bufsz)
{
	json_object	*o;
	const char	*s;
	size_t		 n;

	if (tok->claims == NULL ||
	    !json_object_object_get_ex(tok->claims, name, &o) || o == NULL)
		return -1;
	if (json_object_is_type(o, json_type_string)) {
		s = json_object_get_string(o);
		n = (size_t)json_object_get_string_len(o);
	} else
		s = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &n);
	if (s == NULL || n >= bufsz || !header_safe(s, n))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

json_object *
ac_json_subject(const struct ac_config *c, const char *s, size_t n)
{
	char		 buf[24], *end;
	long long	 v;

	if (c->subject_integer && n > 0 && n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		errno = 0;
		v = strtoll(buf, &end, 10);
		if (*end == '\0' && errno == 0 && (isdigit((unsigned char)
		    buf[0]) || buf[0] == '-'))
			return json_object_new_int64(v);
	}
	return json_object_new_string_len(s, (int)n);
}
