/*
 * todos: the per-user resource API, and the example of how a program
 * uses the auth core.  Every route authenticates the bearer token (401)
 * and compares the path's user with the token's subject (403); the SQL
 * then repeats the user in every WHERE clause, so a todo id that belongs
 * to someone else is simply not found (404) and ids leak nothing.
 *
 * The core does the rest: route matching, 404, 405 with Allow, OPTIONS
 * and CORS, the JSON body (415, 413, 400) and the checks of a string
 * field (ac_body_text, 422), the error envelope and the security
 * headers.  Handlers only check a todo's fields (todo_body), paths and
 * queries, query and answer.
 *
 * A todo: id, user_id, title (1 to 500 characters after trimming),
 * description (optional), completed, created_at, updated_at (RFC 3339).
 * Lists are newest first, at most LIMIT_MAX a page, by ?offset= or by
 * the X-Next-Cursor of the previous page (?cursor=).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ac.h"

#define LIMIT_DEF	20
#define LIMIT_MAX	100
#define OFFSET_MAX	1000000000

/* src/openapi.json, embedded by src/embed.sh. */
extern const char	openapi_json[];

/*
 * Each row of "SELECT " COLS becomes an object appended to rows->arr;
 * user_id is a number under JWT_SUBJECT_TYPE=integer, as in the token.
 */
#define COLS "id, user_id, title, description, completed, created_at, updated_at"

struct rows {
	json_object		*arr;
	const struct ac_config	*cfg;
};

static int
add_row(void *arg, size_t n, const struct ac_dbval *c)
{
	struct rows	*rows = arg;
	json_object	*o;

	if (n != 7 || (o = json_object_new_object()) == NULL)
		return 1;
	json_object_object_add(o, "id", json_object_new_int64(c[0].i));
	json_object_object_add(o, "user_id",
	    ac_json_subject(rows->cfg, c[1].s, c[1].len));
	json_object_object_add(o, "title",
	    json_object_new_string_len(c[2].s, (int)c[2].len));
	json_object_object_add(o, "description", c[3].type == AC_DB_NULL ?
	    NULL : json_object_new_string_len(c[3].s, (int)c[3].len));
	json_object_object_add(o, "completed",
	    json_object_new_boolean(c[4].i != 0));
	json_object_object_add(o, "created_at",
	    json_object_new_string_len(c[5].s, (int)c[5].len));
	json_object_object_add(o, "updated_at",
	    json_object_new_string_len(c[6].s, (int)c[6].len));
	json_object_array_add(rows->arr, o);
	return 0;
}

/*
 * The caller must hold a valid token whose subject is the path's user.
 * After this, the path's user is the authenticated user.
 */
static enum ac_reason
authorize(struct ac_req *r, const struct ac_app *app)
{
	struct ac_token	 tok;
	enum ac_reason	 rc;

	rc = ac_req_auth(r, app, &tok);
	if (rc == AC_OK && strcmp(tok.sub, ac_req_var(r, "uid")) != 0)
		rc = AC_FORBIDDEN;
	ac_token_clear(&tok);
	return rc;
}

/*
 * A route with a todo's {id}: authorizes (as above), then puts the id in
 * *id; AC_NOT_FOUND when it is not a positive 64-bit integer.
 */
static enum ac_reason
authorize_id(struct ac_req *r, const struct ac_app *app, int64_t *id)
{
	const char	*s = ac_req_var(r, "id");
	char		*end;
	long long	 v;
	enum ac_reason	 rc;

	if ((rc = authorize(r, app)) != AC_OK)
		return rc;
	if (!isdigit((unsigned char)s[0]))
		return AC_NOT_FOUND;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return AC_NOT_FOUND;
	*id = v;
	return AC_OK;
}

static void
now3339(char *buf, size_t sz)
{
	time_t		 t = time(NULL);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Runs sql with its n params, which returns the COLS of one todo at most,
 * and answers that todo with status: 404 when there is none.  A 201 (a
 * todo just made) also says where it is: Location, the path and its id.
 */
static enum ac_reason
answer_one(struct ac_req *r, const struct ac_app *app, struct ac_store *st,
    int status, const char *sql, const struct ac_dbval *p, size_t n)
{
	json_object	*arr, *o;
	struct rows	 rows;
	char		 loc[2400];
	enum ac_reason	 rc;

	if ((arr = json_object_new_array()) == NULL)
		return AC_NOMEM;
	rows.arr = arr;
	rows.cfg = ac_app_config(app);
	if ((rc = ac_db_exec(st, sql, p, n, add_row, &rows, NULL)) != AC_OK)
		goto out;
	if ((o = json_object_array_get_idx(arr, 0)) == NULL) {
		/* An INSERT ... RETURNING always returns its row. */
		rc = status == 201 ? AC_INTERNAL : AC_NOT_FOUND;
		goto out;
	}
	if (status == 201) {
		snprintf(loc, sizeof(loc), "%s%s/%" PRId64, ac_req_base(r),
		    ac_req_path(r),
		    json_object_get_int64(json_object_object_get(o, "id")));
		ac_req_header(r, "Location", loc);
	}
	ac_req_json(r, status, o);
out:
	json_object_put(arr);
	return rc;
}

static int
add_count(void *arg, size_t n, const struct ac_dbval *c)
{

	if (n == 1)
		*(int64_t *)arg = c[0].i;
	return 0;
}

/*
 * Copies query parameter name into buf: 1 when present, 0 when absent,
 * -1 when present but longer than buf or badly escaped.
 */
static int
query(const struct ac_req *r, const char *name, char *buf, size_t sz)
{
	const char	*p = ac_req_param(r, "QUERY_STRING");
	size_t		 n = strlen(name);

	if (ac_req_query(r, name, buf, sz) >= 0)
		return 1;
	for (; p != NULL; p = (p = strchr(p, '&')) != NULL ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return -1;
	return 0;
}

/*
 * A query parameter as an integer in [min, max]; *v keeps its default
 * when absent.  Returns -1 with a detail when present but bad (what
 * FastAPI says of a Query(ge=min, le=max) int; msg for the envelope).
 */
static int
query_int(struct ac_req *r, const char *name, long long min, long long max,
    const char *msg, int64_t *v)
{
	char		 buf[24], *end;
	const char	*type = "int_parsing";
	long long	 n, bound = 0;
	int		 q;

	if ((q = query(r, name, buf, sizeof(buf))) == 0)
		return 0;
	if (q == 1) {
		errno = 0;
		n = strtoll(buf, &end, 10);
		if ((isdigit((unsigned char)buf[0]) || (buf[0] == '-' &&
		    isdigit((unsigned char)buf[1]))) && *end == '\0' &&
		    errno == 0) {
			if (n >= min && n <= max) {
				*v = n;
				return 0;
			}
			type = n < min ? "greater_than_equal" :
			    "less_than_equal";
			bound = n < min ? min : max;
		}
	}
	ac_req_invalid(r, "query", name, type, q == 1 ?
	    json_object_new_string(buf) : NULL, bound, msg);
	return -1;
}

/*
 * A todo's body: full (POST, PUT) requires title and gives absent fields
 * their defaults, else (PATCH) only the fields present change.  One
 * detail per bad field (422), the body's own errors as ac_req_json_body.
 * Its strings are borrowed from the request.
 */
#define TITLE_MAX	500	/* characters, after trimming */
#define DESC_MAX	5000
struct todo_body {
	int		 has_title, has_desc, has_completed;
	const char	*title;		/* trimmed; not NUL-terminated */
	size_t		 titlelen;
	const char	*desc;		/* NULL: no description */
	int		 completed;
};

static enum ac_reason
todo_body(struct ac_req *r, int full, struct todo_body *t)
{
	json_object	*body;
	size_t		 n;
	enum ac_reason	 rc;
	int		 bad = 0;

	memset(t, 0, sizeof(*t));
	t->has_desc = t->has_completed = full;
	if ((rc = ac_req_json_body(r, &body)) != AC_OK)
		return rc;
	json_object_object_foreach(body, key, v) {
		if (strcmp(key, "title") == 0) {
			t->has_title = 1;
			if (ac_body_text(r, key, v, 1, TITLE_MAX,
			    &t->title, &t->titlelen) == -1)
				bad = 1;
		} else if (strcmp(key, "description") == 0) {
			t->has_desc = 1;
			if (v != NULL && ac_body_text(r, key, v, 0,
			    DESC_MAX, &t->desc, &n) == -1)
				bad = 1;
		} else if (strcmp(key, "completed") == 0) {
			t->has_completed = 1;
			if (!json_object_is_type(v, json_type_boolean)) {
				ac_req_invalid(r, "body", key, "bool_type",
				    json_object_get(v), 0, NULL);
				bad = 1;
			} else
				t->completed = json_object_get_boolean(v);
		} else {
			ac_req_invalid(r, "body", key, "extra_forbidden",
			    json_object_get(v), 0, NULL);
			bad = 1;
		}
	}
	if (full && !t->has_title) {
		ac_req_invalid(r, "body", "title", "missing",
		    json_object_get(body), 0, NULL);
		bad = 1;
	}
	return bad ? AC_VALIDATION_FAILED : AC_OK;
}

static enum ac_reason
h_list(struct ac_req *r, const struct ac_app *app)
{
	struct ac_store	*st;
	json_object	*arr = NULL, *last;
	struct rows	 rows;
	int64_t		 limit = LIMIT_DEF, offset = 0, cursor = 0;
	int64_t		 done = -1, total = 0;
	char		 buf[24];
	enum ac_reason	 rc;
	int		 bad = 0, q;

	if ((rc = authorize(r, app)) != AC_OK)
		return rc;
	bad |= query_int(r, "limit", 1, LIMIT_MAX,
	    "must be an integer from 1 to 100", &limit);
	bad |= query_int(r, "offset", 0, OFFSET_MAX,
	    "must be an integer from 0 to 1000000000", &offset);
	bad |= query_int(r, "cursor", 1, INT64_MAX,
	    "must be the X-Next-Cursor of a previous page", &cursor);
	if ((q = query(r, "completed", buf, sizeof(buf))) == 1 &&
	    (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0))
		done = buf[0] == 't';
	else if (q != 0) {
		ac_req_invalid(r, "query", "completed", "bool_parsing",
		    q == 1 ? json_object_new_string(buf) : NULL, 0,
		    "must be true or false");
		bad = -1;
	}
	if (bad)
		return AC_VALIDATION_FAILED;
	if ((rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	if ((arr = json_object_new_array()) == NULL)
		return AC_NOMEM;
	rows.arr = arr;
	rows.cfg = ac_app_config(app);
	/* One row more than the page tells whether another page follows. */
	rc = ac_db_exec(st, "SELECT " COLS " FROM todos WHERE user_id = $1"
	    " AND ($2 < 0 OR completed = $2) AND ($3 = 0 OR id < $3)"
	    " ORDER BY id DESC LIMIT $4 OFFSET $5",
	    (struct ac_dbval[]){ AC_DBS(ac_req_var(r, "uid")), AC_DBI(done),
	    AC_DBI(cursor), AC_DBI(limit + 1), AC_DBI(offset) }, 5,
	    add_row, &rows, NULL);
	if (rc == AC_OK)
		rc = ac_db_exec(st, "SELECT count(*) FROM todos"
		    " WHERE user_id = $1 AND ($2 < 0 OR completed = $2)",
		    (struct ac_dbval[]){ AC_DBS(ac_req_var(r, "uid")),
		    AC_DBI(done) }, 2, add_count, &total, NULL);
	if (rc != AC_OK)
		goto out;
	if ((int64_t)json_object_array_length(arr) > limit) {
		json_object_array_del_idx(arr, (size_t)limit, 1);
		last = json_object_array_get_idx(arr, (size_t)limit - 1);
		snprintf(buf, sizeof(buf), "%" PRId64, json_object_get_int64(
		    json_object_object_get(last, "id")));
		ac_req_header(r, "X-Next-Cursor", buf);
	}
	snprintf(buf, sizeof(buf), "%" PRId64, total);
	ac_req_header(r, "X-Total-Count", buf);
	ac_req_header(r, "Access-Control-Expose-Headers",
	    "X-Next-Cursor, X-Total-Count");
	ac_req_json(r, 200, arr);
out:
	json_object_put(arr);
	return rc;
}

static enum ac_reason
h_create(struct ac_req *r, const struct ac_app *app)
{
	struct ac_store	*st;
	struct todo_body t;
	char		 now[32];
	enum ac_reason	 rc;

	if ((rc = authorize(r, app)) != AC_OK ||
	    (rc = todo_body(r, 1, &t)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	now3339(now, sizeof(now));
	return answer_one(r, app, st, 201, "INSERT INTO todos (user_id, title,"
	    " description, completed, created_at, updated_at)"
	    " VALUES ($1, $2, $3, $4, $5, $5) RETURNING " COLS,
	    (struct ac_dbval[]){ AC_DBS(ac_req_var(r, "uid")),
	    { .type = AC_DB_TEXT, .s = t.title, .len = t.titlelen },
	    AC_DBS(t.desc), AC_DBI(t.completed), AC_DBS(now) }, 5);
}

static enum ac_reason
h_get(struct ac_req *r, const struct ac_app *app)
{
	struct ac_store	*st;
	int64_t		 id;
	enum ac_reason	 rc;

	if ((rc = authorize_id(r, app, &id)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	return answer_one(r, app, st, 200, "SELECT " COLS " FROM todos"
	    " WHERE id = $1 AND user_id = $2",
	    (struct ac_dbval[]){ AC_DBI(id), AC_DBS(ac_req_var(r, "uid")) }, 2);
}

/* PUT replaces the whole todo, PATCH the fields present. */
static enum ac_reason
h_update(struct ac_req *r, const struct ac_app *app)
{
	struct ac_store	*st;
	struct todo_body t;
	char		 now[32];
	int64_t		 id;
	enum ac_reason	 rc;

	if ((rc = authorize_id(r, app, &id)) != AC_OK ||
	    (rc = todo_body(r, ac_req_method(r) == AC_PUT, &t)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	now3339(now, sizeof(now));
	return answer_one(r, app, st, 200, "UPDATE todos SET"
	    " title = CASE WHEN $3 = 1 THEN $4 ELSE title END,"
	    " description = CASE WHEN $5 = 1 THEN $6 ELSE description END,"
	    " completed = CASE WHEN $7 = 1 THEN $8 ELSE completed END,"
	    " updated_at = $9 WHERE id = $1 AND user_id = $2 RETURNING " COLS,
	    (struct ac_dbval[]){ AC_DBI(id), AC_DBS(ac_req_var(r, "uid")),
	    AC_DBI(t.has_title),
	    { .type = AC_DB_TEXT, .s = t.title, .len = t.titlelen },
	    AC_DBI(t.has_desc), AC_DBS(t.desc),
	    AC_DBI(t.has_completed), AC_DBI(t.completed), AC_DBS(now) }, 9);
}

static enum ac_reason
h_delete(struct ac_req *r, const struct ac_app *app)
{
	struct ac_store	*st;
	int64_t		 id, n = 0;
	enum ac_reason	 rc;

	if ((rc = authorize_id(r, app, &id)) != AC_OK ||
	    (rc = ac_req_store(r, &st)) != AC_OK)
		return rc;
	rc = ac_db_exec(st, "DELETE FROM todos WHERE id = $1 AND user_id = $2",
	    (struct ac_dbval[]){ AC_DBI(id), AC_DBS(ac_req_var(r, "uid")) }, 2,
	    NULL, NULL, &n);
	if (rc == AC_OK && n == 0)
		return AC_NOT_FOUND;
	if (rc == AC_OK)
		ac_req_json(r, 204, NULL);
	return rc;
}

/*
 * GET /api/v1/me: who the token says the caller is, for a client to learn
 * the user id the other paths take: the subject and a few of its claims.
 * Under a path with a {uid} (/api/{uid}/me, /api/v1/{uid}/me), for that
 * user only (403 for anyone else).
 */
static enum ac_reason
h_me(struct ac_req *r, const struct ac_app *app)
{
	static const char *const copy[] = { "email", "name", "iss", "exp" };
	const char	*uid = ac_req_var(r, "uid");
	struct ac_token	 tok;
	json_object	*o = NULL, *v;
	size_t		 i;
	enum ac_reason	 rc;

	if ((rc = ac_req_auth(r, app, &tok)) != AC_OK)
		goto out;
	if (uid != NULL && strcmp(tok.sub, uid) != 0) {
		rc = AC_FORBIDDEN;
		goto out;
	}
	if ((o = json_object_new_object()) == NULL) {
		rc = AC_NOMEM;
		goto out;
	}
	json_object_object_add(o, "user_id", ac_json_subject(
	    ac_app_config(app), tok.sub, strlen(tok.sub)));
	for (i = 0; i < nitems(copy); i++)
		if (json_object_object_get_ex(tok.claims, copy[i], &v))
			json_object_object_add(o, copy[i], json_object_get(v));
	ac_req_header(r, "Cache-Control", "no-store");
	ac_req_json(r, 200, o);
out:
	json_object_put(o);
	ac_token_clear(&tok);
	return rc;
}


/* The OpenAPI description of the whole suite; public. */
static enum ac_reason
h_openapi(struct ac_req *r, const struct ac_app *app)
{
	json_object	*o, *s;

	(void)app;
	if ((o = json_tokener_parse(openapi_json)) == NULL)
		return AC_INTERNAL;
	/* Where the suite is mounted (AUTH_BASE_PATH, a script path). */
	if (*ac_req_base(r) != '\0' &&
	    json_object_object_get_ex(o, "servers", &s) &&
	    (s = json_object_array_get_idx(s, 0)) != NULL)
		json_object_object_add(s, "url",
		    json_object_new_string(ac_req_base(r)));
	ac_req_header(r, "Cache-Control", "public, max-age=3600");
	ac_req_json(r, 200, o);
	json_object_put(o);
	return AC_OK;
}

/*
 * A todo collection and its items at base: the same handlers under three
 * bases, so that clients written against any of them work unchanged:
 * /api/users/{uid}/todos, /api/{uid}/tasks (todos called tasks) and the
 * versioned /api/v1/{uid}/tasks.
 */
#define COLLECTION(base)					\
	{ AC_GET,    base,		h_list, AC_READ },	\
	{ AC_POST,   base,		h_create, AC_POOL },	\
	{ AC_GET,    base "/{id}",	h_get, AC_READ },	\
	{ AC_PUT,    base "/{id}",	h_update, AC_POOL },	\
	{ AC_PATCH,  base "/{id}",	h_update, AC_POOL },	\
	{ AC_DELETE, base "/{id}",	h_delete, AC_POOL }

static const struct ac_route routes[] = {
	COLLECTION("/api/users/{uid}/todos"),
	{ AC_GET,    "/api/v1/me",			h_me, AC_INLINE },
	{ AC_GET,    "/api/v1/{uid}/me",		h_me, AC_INLINE },
	{ AC_GET,    "/api/{uid}/me",			h_me, AC_INLINE },
	COLLECTION("/api/v1/{uid}/tasks"),
	COLLECTION("/api/{uid}/tasks"),
	{ AC_GET,    "/api/openapi.json",		h_openapi, AC_INLINE },
	{ AC_GET,    "/openapi.json",			h_openapi, AC_INLINE },
	/* The API reference page of the document above (docs.c). */
	{ AC_GET,    "/docs",				ac_docs_page, AC_INLINE },
};

const struct ac_program ac_program = {
	"todos", routes, nitems(routes), AC_NEEDS_DB, NULL
};
