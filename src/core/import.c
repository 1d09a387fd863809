/*
 * import.c: sessions carried over from another back end (authctl session
 * import), so that switching back ends logs nobody out.  The hybrid
 * quickstart's back end stores, per refresh token, the hex SHA-256 of
 * the token's text, its user and its expiry; exported as CSV with a
 * header naming user_email, token_hash and expires_at (in any order;
 * other columns ignored), each row becomes a session of the suite
 * (ac_session_adopt).  expires_at is Unix seconds or an ISO 8601 / SQL
 * timestamp (2026-12-14T10:00:00Z, 2026-12-14 10:00:00.123+00).
 *
 * All or nothing: every row is checked first (a known user, 64 hex
 * digits, a time), every bad one is a problem on the app naming its
 * line, and then nothing is written.  Rows already expired are skipped,
 * and so are tokens already present, so that a second run of the same
 * file adds nothing.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "base.h"
#include "store.h"
#include "accounts.h"

#define MAXFIELDS	16

/*
 * Splits one CSV line (RFC 4180: "quoted" fields with "" for a quote)
 * in place into at most MAXFIELDS fields; -1 when malformed.
 */
static int
fields(char *line, char *f[MAXFIELDS], size_t *n)
{
	char	*r = line, *w;

	*n = 0;
	for (;;) {
		if (*n == MAXFIELDS)
			return -1;
		f[(*n)++] = w = r;
		if (*r == '"') {
			for (r++;; r++) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"')
					*w++ = *r++;
				else if (*r == '"')
					break;
				else
					*w++ = *r;
			}
			r++;
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r != ',' && *r != '\0')
				*w++ = *r++;
		}
		if (*r == '\0') {
			*w = '\0';
			return 0;
		}
		*w = '\0';
		r++;
	}
}

static int
hexval(char c)
{

	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Unix seconds, or YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH[:MM]|-HH[:MM]]. */
static int
when(const char *s, int64_t *t)
{
	struct tm tm;
	int	 y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
	char	*end;
	const char *e;
	long long v;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s)) {
		v = strtoll(s, &end, 10);
		*t = v;
		return *end == '\0' && v > 0 ? 0 : -1;
	}
	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h,
	    &mi, &sec, &n) != 6 || n == 0)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		n = 0;
		if (sscanf(s + 1, "%2d%n", &oh, &n) != 1 || n != 2)
			return -1;
		e = s + 3;
		if (*e == ':')
			e++;
		if (isdigit((unsigned char)e[0]) &&
		    isdigit((unsigned char)e[1])) {
			om = (e[0] - '0') * 10 + (e[1] - '0');
			e += 2;
		}
		if (*s == '-') {
			oh = -oh;
			om = -om;
		}
		s = e;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (int64_t)timegm(&tm) - (oh * 3600 + om * 60);
	return 0;
}

static int
uid_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1)
		ac_db_text(arg, 64, &v[0]);
	return 1;
}

static int
count_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1)
		*(int64_t *)arg = v[0].i;
	return 1;
}

/* The column of name in the header, or -1. */
static int
column(char *const *f, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i], name) == 0)
			return (int)i;
	return -1;
}

enum ac_reason
ac_session_import(struct ac_app *app, struct ac_store *s, char *buf,
    time_t now, struct ac_import *out)
{
	char		*work = NULL, *line, *next, *f[MAXFIELDS], uid[64];
	char		 em[256];
	unsigned char	 h[32], (*seen)[32] = NULL, (*ns)[32];
	size_t		 n, lineno = 0, nseen = 0, i;
	int		 ce = -1, ch = -1, cx = -1, write;
	int64_t		 exp, cnt;
	enum ac_reason	 rc = AC_OK;

	memset(out, 0, sizeof(*out));
	/* Pass 0 checks every row; pass 1, when all are good, writes. */
	for (write = 0; write < 2 && rc == AC_OK; write++) {
		if (write && ac_app_nproblems(app) > 0)
			break;
		if (write && (rc = ac_db_begin(s)) != AC_OK)
			break;
		nseen = 0;
		lineno = 0;
		/* fields() rewrites a line: each pass reads a copy. */
		free(work);
		if ((work = strdup(buf)) == NULL) {
			rc = write ? ac_db_end(s, AC_NOMEM) : AC_NOMEM;
			break;
		}
		for (line = work; line != NULL && rc == AC_OK; line = next) {
			lineno++;
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			n = strlen(line);
			if (n > 0 && line[n - 1] == '\r')
				line[--n] = '\0';
			if (n == 0)
				goto again;
			if (fields(line, f, &n) == -1) {
				ac_app_problemf(app, "line %zu: not a CSV row "
				    "of at most %d fields", lineno, MAXFIELDS);
				goto again;
			}
			if (lineno == 1) {
				ce = column(f, n, "user_email");
				ch = column(f, n, "token_hash");
				cx = column(f, n, "expires_at");
				if (ce < 0 || ch < 0 || cx < 0) {
					ac_app_problemf(app, "line 1: the "
					    "header must name user_email, "
					    "token_hash and expires_at");
					goto done;
				}
				goto again;
			}
			if ((size_t)ce >= n || (size_t)ch >= n ||
			    (size_t)cx >= n) {
				ac_app_problemf(app, "line %zu: fewer fields "
				    "than the header", lineno);
				goto again;
			}
			if (strlen(f[ch]) != 64 ||
			    strspn(f[ch], "0123456789abcdefABCDEF") != 64) {
				ac_app_problemf(app, "line %zu: token_hash is "
				    "not 64 hex digits (the SHA-256 of the "
				    "token)", lineno);
				goto again;
			}
			for (i = 0; i < 32; i++)
				h[i] = (unsigned char)(hexval(f[ch][2 * i]) << 4 |
				    hexval(f[ch][2 * i + 1]));
			if (when(f[cx], &exp) == -1) {
				ac_app_problemf(app, "line %zu: expires_at '%.40s'"
				    " is neither Unix seconds nor a UTC "
				    "timestamp", lineno, f[cx]);
				goto again;
			}
			if (strlen(f[ce]) == 0 || strlen(f[ce]) >= sizeof(em)) {
				ac_app_problemf(app, "line %zu: no user_email",
				    lineno);
				goto again;
			}
			for (i = 0; f[ce][i] != '\0'; i++)
				em[i] = (char)tolower((unsigned char)f[ce][i]);
			em[i] = '\0';
			uid[0] = '\0';
			if ((rc = ac_db_exec(s, "SELECT id FROM users WHERE "
			    "email = $1", (struct ac_dbval[]){ AC_DBS(em) }, 1,
			    uid_row, uid, NULL)) != AC_OK)
				break;
			if (uid[0] == '\0') {
				ac_app_problemf(app, "line %zu: no user %.64s "
				    "(add it first: authctl user add)", lineno,
				    em);
				goto again;
			}
			for (i = 0; i < nseen; i++)
				if (memcmp(seen[i], h, 32) == 0)
					break;
			if (i < nseen) {
				ac_app_problemf(app, "line %zu: the same "
				    "token_hash as an earlier line", lineno);
				goto again;
			}
			if ((ns = reallocarray(seen, nseen + 1,
			    sizeof(*seen))) == NULL) {
				rc = AC_NOMEM;
				break;
			}
			seen = ns;
			memcpy(seen[nseen++], h, 32);
			if (exp <= (int64_t)now) {
				out->expired += !write;
				goto again;
			}
			cnt = 0;
			if ((rc = ac_db_exec(s, "SELECT count(*) FROM "
			    "refresh_tokens WHERE token_hash = $1",
			    (struct ac_dbval[]){ AC_DBB(h, 32) }, 1, count_row,
			    &cnt, NULL)) != AC_OK)
				break;
			if (cnt > 0) {
				out->present += !write;
				goto again;
			}
			if (write) {
				if ((rc = ac_session_adopt(s, uid, h, exp,
				    now)) != AC_OK)
					break;
				out->imported++;
			}
again:
			;
		}
		if (!write && ce < 0 && rc == AC_OK &&
		    ac_app_nproblems(app) == 0)
			ac_app_problemf(app, "line 1: no header (user_email,"
			    "token_hash,expires_at)");
		if (write)
			rc = ac_db_end(s, rc);
	}
done:
	free(seen);
	free(work);
	if (rc == AC_OK && ac_app_nproblems(app) > 0)
		rc = AC_VALIDATION_FAILED;
	return rc;
}
