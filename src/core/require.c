/*
 * require.c: what a location demands of a valid token beyond its
 * validity (AUTH_REQUIRE, AUTH_REQUIRE_WRITE): the grammar, a per-thread
 * cache of parsed requirements keyed by their text, and the check
 * against a token's claims.  Where the text comes from (the request's
 * FastCGI parameters, the environment under CGI, the configuration's
 * default) and what the answer looks like is req.c's.
 *
 * Grammar: terms separated by blanks, all of which must hold; a term is
 * KIND:V1,V2,... and holds when any of its values is present:
 *
 *   scope:V   the space-separated "scope" claim, or the "scp" array (a
 *             string or an array under either name);
 *   role:V    the "role" string or the "roles" array (either shape);
 *   group:V   the "groups" array (or a "groups" string);
 *   claim:NAME=V1,V2   the claim NAME is a string equal to a value, an
 *             array holding one, or a boolean or integer whose JSON text
 *             is one ("claim:email_verified=true").
 *
 * Values are printable ASCII without blanks, ',', '"' and '\' (RFC 6749's
 * scope-token, which also makes them safe inside a quoted auth-param);
 * the text is at most AC_REQUIRE_MAXLEN bytes, AC_REQUIRE_MAXTERMS terms
 * of AC_REQUIRE_MAXVALS values.  Anything else is malformed: the caller
 * answers 500 and never lets the request through.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "base.h"

#define AC_REQUIRE_MAXLEN	1024
#define AC_REQUIRE_MAXTERMS	16
#define AC_REQUIRE_MAXVALS	16
#define CACHE_SLOTS		8

enum kind {
	K_SCOPE,
	K_ROLE,
	K_GROUP,
	K_CLAIM
};

struct term {
	enum kind	 kind;
	const char	*name;		/* K_CLAIM: the claim's name */
	const char	*text;		/* the term as written */
	size_t		 nvals;
	const char	*val[AC_REQUIRE_MAXVALS];
	size_t		 vlen[AC_REQUIRE_MAXVALS];
};

struct ac_require {
	size_t		 nterms;
	struct term	 term[AC_REQUIRE_MAXTERMS];
	char		 scopes[AC_REQUIRE_MAXLEN + 1];	/* space-joined */
	char		 text[AC_REQUIRE_MAXLEN + 1];	/* terms, NUL-split */
	char		 vals[AC_REQUIRE_MAXLEN + 1];	/* values, NUL-split */
};

static const struct {
	const char	*word;
	enum kind	 kind;
} kinds[] = {
	{ "scope", K_SCOPE },
	{ "role", K_ROLE },
	{ "group", K_GROUP },
	{ "claim", K_CLAIM },
};

/* Non-zero for a byte a value or claim name may hold. */
static int
valchar(unsigned char c)
{

	return c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '\\';
}

/* Parses term t (NUL-terminated in rq->text) into *tm; values go to *vp. */
static int
term_parse(struct ac_require *rq, struct term *tm, char *t, char **vp,
    char *why, size_t whysz)
{
	char	*colon, *p, *v, *eq;
	size_t	 i, n;

	tm->text = t;
	if ((colon = strchr(t, ':')) == NULL) {
		snprintf(why, whysz, "term '%.64s' is not KIND:VALUE", t);
		return -1;
	}
	n = (size_t)(colon - t);
	for (i = 0; i < nitems(kinds); i++)
		if (strlen(kinds[i].word) == n &&
		    strncmp(kinds[i].word, t, n) == 0)
			break;
	if (i == nitems(kinds)) {
		snprintf(why, whysz, "term '%.64s': kind is not one of scope, "
		    "role, group, claim", t);
		return -1;
	}
	tm->kind = kinds[i].kind;
	/* Values are copied apart, so that claim: can cut NAME off. */
	v = *vp;
	strcpy(v, colon + 1);
	*vp += strlen(v) + 1;
	if (tm->kind == K_CLAIM) {
		if ((eq = strchr(v, '=')) == NULL || eq == v) {
			snprintf(why, whysz, "term '%.64s': claim: needs "
			    "NAME=VALUE", t);
			return -1;
		}
		*eq = '\0';
		tm->name = v;
		for (p = v; *p != '\0'; p++)
			if (!valchar((unsigned char)*p)) {
				snprintf(why, whysz, "term '%.64s': a claim "
				    "name of printable characters", t);
				return -1;
			}
		v = eq + 1;
	}
	for (;;) {
		n = strcspn(v, ",");
		if (n == 0) {
			snprintf(why, whysz, "term '%.64s': an empty value", t);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (!valchar((unsigned char)v[i])) {
				snprintf(why, whysz, "term '%.64s': a value "
				    "holds a byte other than printable ASCII "
				    "without '\"', '\\' and ','", t);
				return -1;
			}
		if (tm->nvals == AC_REQUIRE_MAXVALS) {
			snprintf(why, whysz, "term '%.64s': more than %d "
			    "values", t, AC_REQUIRE_MAXVALS);
			return -1;
		}
		tm->val[tm->nvals] = v;
		tm->vlen[tm->nvals++] = n;
		if (tm->kind == K_SCOPE) {
			/* RFC 6750's scope="...": the scopes, space-joined. */
			if (rq->scopes[0] != '\0')
				strcat(rq->scopes, " ");
			strncat(rq->scopes, v, n);
		}
		if (v[n] == '\0')
			break;
		v[n] = '\0';
		v += n + 1;
	}
	return 0;
}

int
ac_require_parse(const char *s, struct ac_require **out, char *why,
    size_t whysz)
{
	struct ac_require *rq;
	const char	*q;
	char		*p, *vp;
	size_t		 n;

	*out = NULL;
	if (strlen(s) > AC_REQUIRE_MAXLEN) {
		snprintf(why, whysz, "longer than %d bytes", AC_REQUIRE_MAXLEN);
		return -1;
	}
	for (q = s; *q != '\0'; q++)
		if (*q != ' ' && *q != '\t' && !valchar((unsigned char)*q) &&
		    *q != ',') {
			snprintf(why, whysz, "holds a byte other than "
			    "printable ASCII, blanks and tabs");
			return -1;
		}
	if ((rq = calloc(1, sizeof(*rq))) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -2;
	}
	strcpy(rq->text, s);
	p = rq->text;
	vp = rq->vals;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		if (rq->nterms == AC_REQUIRE_MAXTERMS) {
			snprintf(why, whysz, "more than %d terms",
			    AC_REQUIRE_MAXTERMS);
			goto bad;
		}
		if (p[n] != '\0')
			p[n++] = '\0';
		if (term_parse(rq, &rq->term[rq->nterms++], p, &vp, why,
		    whysz) == -1)
			goto bad;
		p += n;
	}
	*out = rq;
	return 0;
bad:
	free(rq);
	return -1;
}

void
ac_require_free(struct ac_require *rq)
{

	free(rq);
}

/*
 * The cache: the last CACHE_SLOTS distinct texts this thread saw, parsed
 * or not (a malformed one keeps its reason), replaced in turn.
 */
static __thread struct slot {
	char		*text;
	struct ac_require *rq;
	char		 why[160];
} cache[CACHE_SLOTS];
static __thread size_t	 next_slot;

const struct ac_require *
ac_require_get(const char *s, char *why, size_t whysz, int *bad)
{
	struct slot	*sl;
	size_t		 i;
	int		 k;

	*bad = 0;
	for (i = 0; i < CACHE_SLOTS; i++) {
		sl = &cache[i];
		if (sl->text != NULL && strcmp(sl->text, s) == 0)
			goto found;
	}
	sl = &cache[next_slot];
	free(sl->text);
	ac_require_free(sl->rq);
	sl->rq = NULL;
	sl->why[0] = '\0';
	if ((sl->text = strdup(s)) == NULL) {
		snprintf(why, whysz, "out of memory");
		*bad = -2;
		return NULL;
	}
	if ((k = ac_require_parse(s, &sl->rq, sl->why, sizeof(sl->why))) ==
	    -2) {
		free(sl->text);
		sl->text = NULL;
		snprintf(why, whysz, "out of memory");
		*bad = -2;
		return NULL;
	}
	next_slot = (next_slot + 1) % CACHE_SLOTS;
found:
	if (sl->rq == NULL) {
		snprintf(why, whysz, "%s", sl->why);
		*bad = -1;
	}
	return sl->rq;
}

/* Non-zero when the n bytes at w are one of the space-separated words. */
static int
has_word(const char *s, size_t slen, const char *w, size_t n)
{
	const char	*e = s + slen, *p;

	while (s < e) {
		while (s < e && *s == ' ')
			s++;
		for (p = s; p < e && *p != ' '; p++)
			continue;
		if ((size_t)(p - s) == n && memcmp(s, w, n) == 0)
			return 1;
		s = p;
	}
	return 0;
}

/*
 * Non-zero when the claim o holds the value w (n bytes): a string equal
 * to it (or, with words, one of its space-separated words), an array
 * holding such a string, or (by its JSON text) a boolean or integer.
 */
static int
holds(json_object *o, const char *w, size_t n, int words)
{
	const char	*s;
	char		 num[32];
	size_t		 i, len;
	int		 k;

	switch (o == NULL ? json_type_null : json_object_get_type(o)) {
	case json_type_string:
		s = json_object_get_string(o);
		len = (size_t)json_object_get_string_len(o);
		return words ? has_word(s, len, w, n) :
		    len == n && memcmp(s, w, n) == 0;
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			if (ac_json_streq(json_object_array_get_idx(o, i), w,
			    n))
				return 1;
		return 0;
	case json_type_boolean:
		s = json_object_get_boolean(o) ? "true" : "false";
		return strlen(s) == n && memcmp(s, w, n) == 0;
	case json_type_int:
		k = snprintf(num, sizeof(num), "%lld",
		    (long long)json_object_get_int64(o));
		return k > 0 && (size_t)k == n && memcmp(num, w, n) == 0;
	default:
		return 0;
	}
}

/* The claim name of claims, or NULL. */
static json_object *
claim(json_object *claims, const char *name)
{
	json_object	*v;

	return json_object_object_get_ex(claims, name, &v) ? v : NULL;
}

static int
term_holds(const struct term *t, json_object *claims)
{
	json_object	*a, *b;
	size_t		 i;
	int		 words = 0;

	switch (t->kind) {
	case K_SCOPE:
		a = claim(claims, "scope");
		b = claim(claims, "scp");
		words = 1;
		break;
	case K_ROLE:
		a = claim(claims, "role");
		b = claim(claims, "roles");
		break;
	case K_GROUP:
		a = claim(claims, "groups");
		b = NULL;
		break;
	default:
		a = claim(claims, t->name);
		b = NULL;
		break;
	}
	if (a == NULL && b == NULL)
		return 0;
	for (i = 0; i < t->nvals; i++)
		if (holds(a, t->val[i], t->vlen[i], words) ||
		    holds(b, t->val[i], t->vlen[i], words))
			return 1;
	return 0;
}

const char *
ac_require_check(const struct ac_require *rq, json_object *claims)
{
	size_t	 i;

	for (i = 0; rq != NULL && i < rq->nterms; i++)
		if (!term_holds(&rq->term[i], claims))
			return rq->term[i].text;
	return NULL;
}

const char *
ac_require_scopes(const struct ac_require *rq)
{

	return rq->scopes;
}

void
ac_require_flush(void)
{
	size_t	 i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].text);
		ac_require_free(cache[i].rq);
		memset(&cache[i], 0, sizeof(cache[i]));
	}
	next_slot = 0;
}
