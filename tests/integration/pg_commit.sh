#!/bin/bash
# pg_commit.sh: with PostgreSQL, a COMMIT the program stopped waiting for
# does not happen later.  A server that stops answering (here its backend
# stopped with SIGSTOP, as a frozen host) with the COMMIT unread used to
# commit it when it woke, after the program had answered 503: a refresh
# so answered had rotated its token all the same, and the client's retry
# looked like theft (store_stall_pg.sh, now and then).  pg_commit runs
# one transaction through the core's store with the backend stopped at
# the moment COMMIT goes:
#   - stopped until the program gives up: the COMMIT fails (503) and,
#     the backend woken and gone, nothing was written;
#   - stopped 250 ms, well within AUTH_DB_TIMEOUT_MS (5 s for that run,
#     so that a late wake-up on a loaded machine still is): committed,
#     once;
#   - a transaction longer than AUTH_DB_TIMEOUT_MS whose every statement
#     is quick: committed (the deadline counts from COMMIT, not BEGIN);
#   - a database without plpgsql (the deadline's DO block): committed
#     plainly, and the log says so.
# Skipped without Debian's postgresql.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
TI_DB=postgresql
ti_db_setup
PGC=$top_builddir/tests/integration/pg_commit
ti_sql "CREATE TABLE t (k text PRIMARY KEY, v integer NOT NULL)"
ti_sql "INSERT INTO t VALUES ('frozen', 0), ('brief', 0), ('slow', 0)"
export DATABASE_URL=$DB_URL AUTH_DB_TIMEOUT_MS=1000

# brief's stop must end within the bound whatever the machine's load.
bound() { [ "$1" = brief ] && echo 5000 || echo 1000; }
for mode in frozen brief slow; do
	TI_CASE=$mode
	out=$(AUTH_DB_TIMEOUT_MS=$(bound $mode) "$PGC" "$mode" \
	    "UPDATE t SET v = v + 1 WHERE k = '$mode'" 2>"$T/err.$mode")
	rc=$?
	echo "# $mode: $out (exit $rc) $(cat "$T/err.$mode")"
	v=$(ti_sql "SELECT v FROM t WHERE k = '$mode'")
	if [ "$mode" = frozen ]; then
		ti_expect_true "the COMMIT fails past its bound: $out" \
		    test "$rc" = 1 -a "$out" = "commit: unavailable"
		ti_expect_true "and nothing was written when the server woke (v=$v)" \
		    test "$v" = 0
	else
		ti_expect_true "committed: $out" \
		    test "$rc" = 0 -a "$out" = "commit: ok"
		ti_expect_true "once (v=$v)" test "$v" = 1
	fi
done
# A database without plpgsql (dropped here): COMMITs go plain, and the
# log says why and what to do, once.
TI_CASE=no-plpgsql
ti_sql "DROP EXTENSION plpgsql"
ti_sql "INSERT INTO t VALUES ('plain', 0)"
out=$(AUTH_DB_TIMEOUT_MS=$(bound brief) "$PGC" brief \
    "UPDATE t SET v = v + 1 WHERE k = 'plain'" 2>"$T/err.plain")
rc=$?
echo "# no plpgsql: $out (exit $rc) $(cat "$T/err.plain")"
ti_expect_true "committed: $out" test "$rc" = 0 -a "$out" = "commit: ok"
ti_expect_true "once" test "$(ti_sql "SELECT v FROM t WHERE k = 'plain'")" = 1
ti_expect_true "the log names the cause and the fix" \
    grep -q 'event=db_no_plpgsql hint=.*CREATE EXTENSION plpgsql' "$T/err.plain"
TI_CASE=
ti_expect_true "no transaction left open" test \
    "$(ti_sql "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")" = 0
ti_done
