/*
 * scrape.c: the text a scrape of METRICS_PATH answers (Prometheus
 * exposition format 0.0.4), read from the figures file that every
 * process of the program maps (metrics.c): cumulative histogram buckets
 * summed here, counters by reason, and the database gauges, computed at
 * most once a minute for the whole program by whichever scrape comes
 * first, never on a request's path.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac.h"
#include "base.h"
#include "metrics.h"
#include "store.h"
#include "keys.h"
#include "http.h"

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 nomem;
};

static void
bprintf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*np;

	if (b->nomem)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->nomem = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2 + (size_t)n)) == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{

	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A counter without labels, with its head. */
static void
counter(struct buf *b, const char *name, const char *help, uint64_t v)
{

	head(b, name, "counter", help);
	bprintf(b, "%s %llu\n", name, (unsigned long long)v);
}

/* A gauge without labels, with its head; nothing but the head when v < 0
 * (not known yet). */
static void
gauge(struct buf *b, const char *name, const char *help, int64_t v)
{

	head(b, name, "gauge", help);
	if (v >= 0)
		bprintf(b, "%s %lld\n", name, (long long)v);
}

/* One histogram series; labels is "" or `a="b",` (trailing comma). */
static void
hist_out(struct buf *b, struct ac_seg *seg, const char *name,
    const char *labels, enum ac_hist h, const double *le, size_t n)
{
	uint64_t	 cum = 0, v;
	size_t		 i;

	for (i = 0; i <= n; i++) {
		v = AC_MLOAD(seg->h[h].b[i]);
		cum += v;
		if (i < n)
			bprintf(b, "%s_bucket{%sle=\"%g\"} %llu\n", name,
			    labels, le[i], (unsigned long long)cum);
		else
			bprintf(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", name,
			    labels, (unsigned long long)cum);
	}
	i = strlen(labels);
	bprintf(b, "%s_sum%s%.*s%s %.9f\n", name, i ? "{" : "",
	    i ? (int)i - 1 : 0, labels, i ? "}" : "",
	    (double)AC_MLOAD(seg->h[h].sum_ns) / 1e9);
	bprintf(b, "%s_count%s%.*s%s %llu\n", name, i ? "{" : "",
	    i ? (int)i - 1 : 0, labels, i ? "}" : "",
	    (unsigned long long)cum);
}

/* A counter by reason, with its head: every reason seen, in order. */
static void
by_reason(struct buf *b, const char *name, const char *help,
    const char *label, const uint64_t *v, int with_ok)
{
	size_t	 i;

	head(b, name, "counter", help);
	for (i = with_ok ? 0 : 1; i < AC_REASON__MAX; i++)
		if (AC_MLOAD(v[i]) > 0)
			bprintf(b, "%s{%s=\"%s\"} %llu\n", name, label,
			    ac_reason_str((enum ac_reason)i),
			    (unsigned long long)AC_MLOAD(v[i]));
}

static int
gauge_row(void *arg, size_t n, const struct ac_dbval *v)
{

	if (n >= 1 && v[0].type == AC_DB_INT)
		*(int64_t *)arg = v[0].i;
	else if (n >= 1 && v[0].type == AC_DB_TEXT && v[0].s != NULL)
		*(int64_t *)arg = strtoll(v[0].s, NULL, 10);
	return 1;
}

/*
 * The database gauges: at most once a minute for the whole program
 * (whichever process a scrape lands on first), never on a request's
 * path.  Table size: SQLite's dbstat over the session tables; on
 * PostgreSQL pg_total_relation_size.
 */
static void
db_gauges(struct ac_seg *seg, const struct ac_app *app)
{
	struct ac_store	*st = NULL;
	struct ac_dbval	 p[1];
	char		 err[256];
	int64_t		 now = (int64_t)time(NULL), bytes = -1, active = -1;
	int64_t		 ujwt = -1, uweb = -1;
	int		 zero = 0;

	if (now - AC_MLOAD(seg->gauges_at) < 60 ||
	    !__atomic_compare_exchange_n(&seg->gauges_busy, &zero, 1, 0,
	    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (ac_store_open(app, 1, &st, err, sizeof(err)) != AC_OK) {
		ac_log(AC_LOG_DEBUG, "event=metrics_db_gauges error=\"%s\"",
		    err);
		goto out;
	}
	p[0] = AC_DBI(now);
	if (ac_db_exec(st, "SELECT COUNT(*) FROM sessions WHERE revoked IS "
	    "NULL AND expires > $1", p, 1, gauge_row, &active, NULL) != AC_OK)
		active = -1;
	/* token_hash: a server-side session's cookie; NULL for a family. */
	if (ac_db_exec(st, "SELECT COUNT(DISTINCT user_id) FROM sessions "
	    "WHERE revoked IS NULL AND expires > $1 AND token_hash IS NULL",
	    p, 1, gauge_row, &ujwt, NULL) != AC_OK)
		ujwt = -1;
	if (ac_db_exec(st, "SELECT COUNT(DISTINCT user_id) FROM sessions "
	    "WHERE revoked IS NULL AND expires > $1 AND token_hash IS NOT "
	    "NULL", p, 1, gauge_row, &uweb, NULL) != AC_OK)
		uweb = -1;
	if (st->ops == &ac_store_sqlite) {
		if (ac_db_exec(st, "SELECT SUM(pgsize) FROM dbstat WHERE name "
		    "IN ('sessions', 'refresh_tokens')", NULL, 0, gauge_row,
		    &bytes, NULL) != AC_OK)
			bytes = -1;
	} else if (ac_db_exec(st, "SELECT pg_total_relation_size('sessions') "
	    "+ pg_total_relation_size('refresh_tokens')", NULL, 0, gauge_row,
	    &bytes, NULL) != AC_OK)
		bytes = -1;
	__atomic_store_n(&seg->sessions_bytes, bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&seg->active_sessions, active, __ATOMIC_RELAXED);
	__atomic_store_n(&seg->users_jwt, ujwt, __ATOMIC_RELAXED);
	__atomic_store_n(&seg->users_session, uweb, __ATOMIC_RELAXED);
	__atomic_store_n(&seg->gauges_at, now, __ATOMIC_RELAXED);
out:
	ac_store_close(st);
	__atomic_store_n(&seg->gauges_busy, 0, __ATOMIC_RELEASE);
}

/*
 * The same per provider of JWT_PROVIDERS, labelled with its name: fetches
 * by result, keys in use, last good fetch.
 */
static void
provider_figures(struct buf *b, const struct ac_app *app,
    const struct ac_seg *sg)
{
	const struct ac_config *pc;
	int64_t		 fetched;
	size_t		 i, j;
	long		 n;

	head(b, "jwks_provider_fetch_total", "counter", "Fetches of each "
	    "JWT_PROVIDERS key set, by provider and result.");
	for (i = 0; i < app->nprov && i < AC_METRICS_PROVIDERS; i++) {
		pc = ac_app_provider(app, i);
		bprintf(b, "jwks_provider_fetch_total{provider=\"%s\","
		    "result=\"ok\"} %llu\n"
		    "jwks_provider_fetch_total{provider=\"%s\","
		    "result=\"error\"} %llu\n", pc->provider_name,
		    (unsigned long long)AC_MLOAD(sg->jwks_fetch_prov[i][0]),
		    pc->provider_name,
		    (unsigned long long)AC_MLOAD(sg->jwks_fetch_prov[i][1]));
	}
	head(b, "jwks_provider_keys", "gauge", "Keys of each provider's set "
	    "in use.");
	for (i = 0; i < app->nprov; i++) {
		n = 0;
		ac_keys_lock(app);
		for (j = 0; j < app->live->keys.nkeys; j++)
			if (app->live->keys.keys[j].provider == (int)i + 1)
				n++;
		ac_keys_unlock(app);
		bprintf(b, "jwks_provider_keys{provider=\"%s\"} %ld\n",
		    ac_app_provider(app, i)->provider_name, n);
	}
	head(b, "jwks_provider_last_success_timestamp_seconds", "gauge",
	    "When each provider's set was last fetched.");
	for (i = 0; i < app->nprov; i++) {
		pc = ac_app_provider(app, i);
		ac_jwks_fetched(pc, &fetched, NULL, 0);
		bprintf(b, "jwks_provider_last_success_timestamp_seconds"
		    "{provider=\"%s\"} %lld\n", pc->provider_name,
		    (long long)fetched);
	}
}

/* The JWKS cache file's figures: keys in the set, last good fetch. */
static void
jwks_figures(const struct ac_app *app, long *keys, int64_t *fetched)
{
	size_t	 i;

	*keys = 0;
	*fetched = 0;
	ac_keys_lock(app);
	for (i = 0; i < app->live->keys.nkeys; i++)
		if (app->live->keys.keys[i].remote)
			(*keys)++;
	ac_keys_unlock(app);
	ac_jwks_fetched(&app->cfg, fetched, NULL, 0);
}

char *
ac_metrics_text(const struct ac_app *app, size_t *len)
{
	struct ac_seg	*seg = ac_metrics_seg();
	struct buf	 b = { NULL, 0, 4096, 0 };
	static const struct {
		const char	*labels;
		enum ac_hist	 h;
	} valid[] = {
		{ "method=\"jwt\",result=\"ok\",", AC_H_VALID_JWT_OK },
		{ "method=\"jwt\",result=\"refused\",",
		    AC_H_VALID_JWT_REFUSED },
		{ "method=\"session\",result=\"ok\",", AC_H_VALID_SESSION_OK },
		{ "method=\"session\",result=\"refused\",",
		  AC_H_VALID_SESSION_REFUSED },
	};
	char		 lab[64];
	long		 jkeys;
	int64_t		 fetched;
	size_t		 i;

	if (seg == NULL || (b.p = malloc(b.cap)) == NULL)
		return NULL;
	if (ac_ops_needed() & AC_NEEDS_DB)
		db_gauges(seg, app);

	head(&b, "auth_validation_seconds", "histogram",
	    "Time to validate a request's credentials, by method and result.");
	for (i = 0; i < nitems(valid); i++)
		hist_out(&b, seg, "auth_validation_seconds", valid[i].labels,
		    valid[i].h, ac_valid_le, nitems(ac_valid_le));
	by_reason(&b, "auth_refusals_total",
	    "Credentials refused, by reason code.", "reason", seg->refusals,
	    0);

	counter(&b, "token_refresh_total",
	    "Refresh-token rotations asked for.", AC_MLOAD(seg->refresh_total));
	by_reason(&b, "token_refresh_errors_total",
	    "Refresh-token rotations refused or failed, by reason code.",
	    "reason", seg->refresh_errors, 0);
	head(&b, "token_refresh_duration_seconds", "histogram",
	    "Time to answer a refresh-token rotation.");
	hist_out(&b, seg, "token_refresh_duration_seconds", "", AC_H_REFRESH,
	    ac_dur_le, nitems(ac_dur_le));

	by_reason(&b, "auth_logins_total",
	    "Logins, by result: ok or the reason code.", "result",
	    seg->logins, 1);
	counter(&b, "auth_logouts_total", "Logouts that revoked a session.",
	    AC_MLOAD(seg->logouts));
	counter(&b, "auth_signups_total", "Accounts created by signup.",
	    AC_MLOAD(seg->signups));
	head(&b, "auth_account_events_total", "counter", "What people did "
	    "with their accounts (password reset, email verification, "
	    "two-factor, deletion), by audit action.");
	for (i = AC_AUDIT_RESET_REQUEST; i < AC_AUDIT__MAX; i++)
		bprintf(&b, "auth_account_events_total{action=\"%s\"} %llu\n",
		    ac_audit_action((enum ac_audit)i),
		    (unsigned long long)AC_MLOAD(seg->account[i]));

	head(&b, "auth_db_queries_total", "counter", "Database statements, "
	    "by the authentication method they served (other: the rest).");
	for (i = 0; i < AC_DBQ__MAX; i++)
		bprintf(&b, "auth_db_queries_total{method=\"%s\"} %llu\n",
		    i == AC_DBQ_JWT ? "jwt" : i == AC_DBQ_SESSION ? "session" :
		    "other", (unsigned long long)AC_MLOAD(seg->dbq[i]));
	counter(&b, "auth_db_errors_total", "Database statements that failed "
	    "(unavailable, timeout, internal).", AC_MLOAD(seg->dberr));
	if (ac_ops_needed() & AC_NEEDS_DB) {
		/*
		 * In bytes, the base unit promtool's lint asks for; the
		 * rules record the quickstart's user_sessions_table_size_mb.
		 */
		gauge(&b, "user_sessions_table_size_bytes", "Size of the "
		    "session and refresh-token tables (at most a minute old).",
		    AC_MLOAD(seg->sessions_bytes));
		gauge(&b, "auth_active_sessions", "Sessions neither revoked "
		    "nor expired (at most a minute old).",
		    AC_MLOAD(seg->active_sessions));
		/* The rules record the quickstart's jwt_auth_users_total. */
		head(&b, "auth_users", "gauge", "Users with a live session, by "
		    "method: jwt (refresh tokens) or session (server-side, off "
		    "the JWT rollout); at most a minute old.");
		bprintf(&b, "auth_users{method=\"jwt\"} %lld\n"
		    "auth_users{method=\"session\"} %lld\n",
		    (long long)AC_MLOAD(seg->users_jwt),
		    (long long)AC_MLOAD(seg->users_session));
	}

	if (app->cfg.jwks_url != NULL) {
		jwks_figures(app, &jkeys, &fetched);
		counter(&b, "jwks_cache_hits_total", "Token kids found in the "
		    "key set.", AC_MLOAD(seg->jwks_hits));
		counter(&b, "jwks_cache_misses_total", "Token kids not in the "
		    "key set (each may ask the provider again).",
		    AC_MLOAD(seg->jwks_misses));
		head(&b, "jwks_fetch_total", "counter",
		    "Fetches of JWKS_URL, by result.");
		bprintf(&b, "jwks_fetch_total{result=\"ok\"} %llu\n"
		    "jwks_fetch_total{result=\"error\"} %llu\n",
		    (unsigned long long)AC_MLOAD(seg->jwks_fetch[0]),
		    (unsigned long long)AC_MLOAD(seg->jwks_fetch[1]));
		gauge(&b, "jwks_keys", "Keys of the provider's set in use.",
		    jkeys);
		head(&b, "jwks_last_success_timestamp_seconds", "gauge",
		    "When the provider's set was last fetched.");
		bprintf(&b, "jwks_last_success_timestamp_seconds %lld\n",
		    (long long)fetched);
	}

	if (app->nprov > 0)
		provider_figures(&b, app, seg);

	head(&b, "http_requests_total", "counter", "Requests answered, by "
	    "program and status code.");
	for (i = 100; i < AC_NSTATUS; i++)
		if (AC_MLOAD(seg->http[i]) > 0)
			bprintf(&b, "http_requests_total{program=\"%s\","
			    "code=\"%zu\"} %llu\n", ac_metrics_prog(), i,
			    (unsigned long long)AC_MLOAD(seg->http[i]));
	head(&b, "http_request_duration_seconds", "histogram",
	    "Time from a request's arrival to its answer, by program.");
	snprintf(lab, sizeof(lab), "program=\"%s\",", ac_metrics_prog());
	hist_out(&b, seg, "http_request_duration_seconds", lab, AC_H_HTTP,
	    ac_dur_le, nitems(ac_dur_le));

	gauge(&b, "process_start_time_seconds", "When these figures started "
	    "(the program's first process, since the figures file was made).",
	    AC_MLOAD(seg->created));
	head(&b, "auth_build_info", "gauge", "The suite's version.");
	bprintf(&b, "auth_build_info{version=\"%s\"} 1\n", VERSION);
	if (b.nomem) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
