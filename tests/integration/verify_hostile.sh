#!/bin/bash
# verify_hostile.sh: no request changes what verify shares between
# requests.  One verify process (two threads) behind nginx with
# etc/nginx/jwt-auth.conf: a set of probe requests (valid tokens,
# invalid ones, introspection) is answered once; then hostile tokens
# arrive (alg none in every spelling, keys smuggled in the header, kid
# tricks, odd claim types, oversized and broken tokens); after each
# volley the probes must be answered byte for byte as before, by the
# same process.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ts_setup
ts_start_programs verify
ts_nginx
pid=$(cat "$T/run/verify.pid")

GOOD2=$(ti_issue "$AUTH_CONFIG" --sub bob --claim role=user) || exit 99
# A token of another key: key_unknown.
ti_key "$T/other.key" HS256
ti_config "$T/other.conf" JWT_ALGORITHM=HS256 "JWT_SECRET_FILE=$T/other.key"
OTHER=$(ti_issue "$T/other.conf" --sub carol) || exit 99

# probe N: the answer to probe N as one line of text (status, the
# headers verify sets, the body).
probe()
{
	local args

	case $1 in
	1) args=(-H "Authorization: Bearer $TS_GOOD") ;;
	2) args=(-H "Authorization: Bearer $GOOD2") ;;
	3) args=(-H "Authorization: Bearer $TS_BAD") ;;
	4) args=(-H "Authorization: Bearer $OTHER") ;;
	5) args=() ;;
	6) args=(-H "Authorization: Bearer $TS_NONE") ;;
	7) ti_request "probe 7" /api/auth/introspect \
	    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$TS_GOOD" ;;
	8) ti_request "probe 8" /api/auth/introspect \
	    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$TS_BAD" ;;
	9) ti_request "probe 9" /private/page.txt \
	    -H "Authorization: Bearer $TS_GOOD" ;;
	10) ti_request "probe 10" /private/page.txt \
	    -H "Authorization: Bearer $GOOD2x" ;;
	esac
	case $1 in
	[1-6]) ti_request "probe $1" /api/auth/verify "${args[@]}" ;;
	esac
	printf '%s|' "$TI_STATUS"
	grep -iE '^(x-auth-[a-z-]*|www-authenticate|cache-control):' \
	    "$T/last.headers" | sort | tr '\n' '|'
	tr '\n' ' ' <"$T/last.body"
	echo
}

GOOD2x=$(ti_flip_last "$GOOD2")
NPROBES=10
for i in $(seq 1 $NPROBES); do
	probe "$i" >"$T/probe.$i.before"
done
# The probes must not all look alike, or the comparison proves little.
ti_expect_true "probe 1 accepted" grep -qi '^200|.*x-auth-subject: alice' "$T/probe.1.before"
ti_expect_true "probe 3 refused" grep -qi '^401|.*signature_invalid' "$T/probe.3.before"
ti_expect_true "probe 4 refused" grep -qi '^401|.*key_unknown' "$T/probe.4.before"
ti_expect_true "probe 6 refused" grep -qi '^401|.*alg_not_allowed' "$T/probe.6.before"
ti_expect_true "probe 7 active" grep -qi '"active":true' "$T/probe.7.before"
ti_expect_true "probe 8 inactive" grep -qi '{"active":false}' "$T/probe.8.before"

# Hostile tokens, made by Python from the parts of real ones.
/usr/bin/python3 - "$TS_GOOD" "$T/jwt.key" >"$T/hostile" <<'PY'
import base64, hmac, hashlib, json, sys
good = sys.argv[1]
h, p, s = good.split(".")
def b64(b):
	return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def seg(o):
	return b64(o if isinstance(o, bytes) else json.dumps(o).encode())
hdr = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
pay = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
out = []
for alg in ["none", "None", "NONE", "nOnE", "", None, 0, ["HS256"]]:
	out.append(seg({"alg": alg, "typ": "JWT"}) + "." + p + ".")
	out.append(seg({"alg": alg, "typ": "JWT"}) + "." + p + "." + s)
# The same signature under other headers and claims.
for extra in [{"kid": "../../../../etc/passwd"}, {"kid": "x" * 5000},
    {"kid": None}, {"kid": 7}, {"jku": "http://127.0.0.1:1/jwks"},
    {"jwk": {"kty": "oct", "k": b64(b"attacker-secret-attacker-secret!")}},
    {"x5u": "http://127.0.0.1:1/x"}, {"crit": ["exp"]},
    {"alg": "HS512"}, {"alg": "RS256"}, {"alg": "EdDSA"}, {"alg": "PS256"}]:
	out.append(seg(dict(hdr, **extra)) + "." + p + "." + s)
# A key smuggled in the header, with a token it really signs.
k = b"attacker-secret-attacker-secret!"
hh = seg(dict(hdr, jwk={"kty": "oct", "k": b64(k)}, kid="evil"))
pp = seg(dict(pay, sub="mallory"))
sig = b64(hmac.new(k, (hh + "." + pp).encode(), hashlib.sha256).digest())
out.append(hh + "." + pp + "." + sig)
for claims in [dict(pay, sub={"a": 1}), dict(pay, exp="never"),
    dict(pay, exp=1e308), dict(pay, nbf=2**62), dict(pay, sub=""),
    dict(pay, type=["access"]), dict(pay, aud=[[]] * 50)]:
	out.append(h + "." + seg(claims) + "." + s)
# Broken shapes.
out += [h + "." + p, h + "." + p + "." + s + ".x", "..", "...", ".",
    h + "..", "." + p + "." + s, h + "." + p + "." + s + "=",
    seg(b"[" * 10000 + b"]" * 10000) + "." + p + "." + s,
    seg(b'{"alg":"HS256","alg":"none"}') + "." + p + "." + s,
    seg(b'{"alg":"HS256"') + "." + p + "." + s,
    seg(b'\xff\xfe') + "." + p + "." + s,
    "A" * 20000, h + "." + "B" * 9000 + "." + s, good * 3]
for t in out:
	print(t)
PY
ti_expect_true "hostile tokens made" test "$(wc -l <"$T/hostile")" -gt 40

round=0
while [ $round -lt 3 ]; do
	round=$((round + 1))
	n=0
	while IFS= read -r t; do
		n=$((n + 1))
		ti_request "hostile $round.$n" /api/auth/verify \
		    -H "Authorization: Bearer $t"
		case $TI_STATUS in
		401|400) ti_pass ;;
		*) ti_fail "hostile token refused" "400 or 401" "$TI_STATUS" ;;
		esac
		ti_request "hostile introspect $round.$n" /api/auth/introspect \
		    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$t"
		if [ "$TI_STATUS" = 200 ] &&
		    [ "$(cat "$T/last.body")" = '{"active":false}' ]; then
			ti_pass
		elif [ "$TI_STATUS" = 413 ] && [ ${#t} -gt 10000 ]; then
			ti_pass		# larger than AUTH_MAX_BODY_BYTES
		else
			ti_fail "hostile token inactive" '{"active":false}' \
			    "$TI_STATUS $(head -c 200 "$T/last.body")"
		fi
	done <"$T/hostile"
	for i in $(seq 1 $NPROBES); do
		probe "$i" >"$T/probe.$i.after"
		TI_CASE="probe $i after round $round"
		if cmp -s "$T/probe.$i.before" "$T/probe.$i.after"; then
			ti_pass
		else
			ti_fail "same answer as before" \
			    "$(cat "$T/probe.$i.before")" \
			    "$(cat "$T/probe.$i.after")"
		fi
	done
done

TI_CASE="same process"
ti_expect_true "verify never restarted" kill -0 "$pid"
ti_expect_true "one start only" test "$(grep -c event=start "$T/verify.log")" = 1
ti_expect_logs_clean
ti_expect_no_secret "$T/verify.log" "$TS_GOOD" "$TS_CLIENT_SECRET"
ti_done
