# lib.sh: what bench/wrk.sh and bench/todos.sh share (sourced, sh).

# to_ms VALUE: wrk's "456.00us", "1.23ms", "1.01s" or "1.20m" in ms.
to_ms()
{
	case $1 in
	*us) echo "${1%us}" | awk '{ printf "%.3f", $1 / 1000 }' ;;
	*ms) echo "${1%ms}" | awk '{ printf "%.3f", $1 }' ;;
	*s) echo "${1%s}" | awk '{ printf "%.3f", $1 * 1000 }' ;;
	*m) echo "${1%m}" | awk '{ printf "%.3f", $1 * 60000 }' ;;
	*) echo "?" ;;
	esac
}

# bench_rss PID: resident memory in KiB (0 when gone).
bench_rss()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# bench_wrk PREFIX URL TOKEN: wrk at each of $CONNECTIONS for $DURATION
# seconds with $WRK_THREADS threads (never more than connections) and the
# token as a Bearer credential.  Prints one Markdown row per run,
# "| PREFIXconnections | requests/s | p50 | p99 | errors |", appends it to
# $RESULTS when set, and exits when wrk reported no rate.  Uses $tmp.
bench_wrk()
{
	local prefix=$1 url=$2 tok=$3 c t rps p50 p99 errs row

	for c in $CONNECTIONS; do
		t=$WRK_THREADS
		[ "$t" -le "$c" ] || t=$c
		wrk -t "$t" -c "$c" -d "${DURATION}s" --latency \
		    -H "Authorization: Bearer $tok" "$url" >"$tmp/wrk.out" 2>&1
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
		p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")
		p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
		errs=$(awk '/Non-2xx|Socket errors|timeout/ { printf "%s ", $0 }' \
		    "$tmp/wrk.out")
		row="| $prefix$c | ${rps:-?} | $(to_ms "${p50:-?}") ms |"
		row="$row $(to_ms "${p99:-?}") ms | ${errs:-none} |"
		echo "$row"
		[ -z "$RESULTS" ] || echo "$row" >>"$RESULTS"
		[ -n "$rps" ] || { cat "$tmp/wrk.out" >&2; exit 1; }
	done
}
