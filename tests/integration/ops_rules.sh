#!/bin/sh
# ops_rules.sh: the shipped Prometheus rules and Grafana dashboard, with
# Debian's promtool: `promtool check rules`, `promtool test rules` (a
# firing and a quiet case for every alert), every PromQL expression of
# the dashboard through `promtool check rules` too, and every metric name
# they use is one the programs export (src/core/scrape.c).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
here=$(dirname "$0")
. "$here/lib.sh"

ti_init
ti_need promtool
rules=$top_srcdir/etc/prometheus/jwt-auth.rules.yml
tests=$top_srcdir/etc/prometheus/jwt-auth.rules.test.yml
dash=$top_srcdir/etc/grafana/jwt-auth-dashboard.json

# run LABEL COMMAND...: passes when COMMAND succeeds; its output on failure.
run()
{
	TI_CASE=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		ti_pass
	else
		ti_fail "$*" success "$(head -c 3000 "$T/out")"
	fi
}

run "check rules" promtool check rules "$rules"
run "test rules" promtool test rules "$tests"

# Every alert is tested, firing and quiet (exp_alerts: [] somewhere).
for a in $(sed -n 's/^ *- alert: *//p' "$rules"); do
	TI_CASE="alert $a"
	ti_expect_true "$a has a firing case" \
	    awk -v a="$a" '$0 ~ "alertname: " a "$" { n = 1; next }
	        n && /exp_alerts:$/ { f = 1 } n && /exp_alerts: \[\]/ { n = 0 }
	        END { exit !f }' "$tests"
	ti_expect_true "$a has a quiet case" \
	    awk -v a="$a" '$0 ~ "alertname: " a "$" { n = 1; next }
	        n && /exp_alerts: \[\]/ { f = 1 } n && /exp_alerts:$/ { n = 0 }
	        END { exit !f }' "$tests"
done

# The dashboard: JSON, and each expression valid PromQL.
/usr/bin/python3 - "$dash" >"$T/dash.rules.yml" <<'PY' || { echo bad json; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
n = 0
for p in d["panels"]:
	for t in p.get("targets", []):
		e = t["expr"].replace("$__rate_interval", "5m").replace("$job", ".*")
		n += 1
		print("      - record: dashboard:expr%d" % n)
		print("        expr: %s" % json.dumps(e))
PY
run "dashboard is JSON" test -s "$T/dash.rules.yml"
run "dashboard PromQL" promtool check rules "$T/dash.rules.yml"

# Names used by rules and dashboard are exported (or recorded here).
TI_CASE=names
recorded=$(sed -n 's/^ *- record: *//p' "$rules")
for m in $(cat "$rules" "$T/dash.rules.yml" | grep -v '^ *- record:' |
    grep -oE '(^|[^:a-z_])(auth|token|jwks|http|user|process)_[a-z_]+' |
    sed -E 's/^[^a-z]//; s/_(bucket|count|sum)$//' | sort -u); do
	case " $(echo $recorded) " in *" $m "*) continue ;; esac
	ti_expect_true "metric $m exported" \
	    grep -q "\"$m\"" "$top_srcdir/src/core/scrape.c"
done
ti_done
