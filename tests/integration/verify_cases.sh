# verify_cases.sh: the answers `verify` must give, whatever runs it
# (sourced by verify.sh, verify_lighttpd.sh and verify_cgi.sh after
# lib.sh).  verify_setup writes the keys and configuration and sets
# AUTH_CONFIG; verify_cases PATH then drives the started server.

# verify_setup: a fresh HS256 key, a configuration with no leeway (so a
# one-second token expires in a test's time) and a small token limit
# (so token_too_large is reachable under the servers' header limits),
# and a second key for a wrong-key token.
verify_setup()
{
	ti_key "$T/jwt.key"
	ti_key "$T/other.key"
	ti_config "$T/auth.conf" \
	    "JWT_SECRET_FILE=$T/jwt.key" \
	    "JWT_ALGORITHM=HS256" \
	    "JWT_ISSUER=https://issuer.test" \
	    "JWT_LEEWAY_SECONDS=0" \
	    "JWT_MAX_TOKEN_BYTES=2048" \
	    "LOG_LEVEL=info"
	ti_config "$T/other.conf" \
	    "JWT_SECRET_FILE=$T/other.key" \
	    "JWT_ISSUER=https://issuer.test"
	ti_config "$T/otheriss.conf" \
	    "JWT_SECRET_FILE=$T/jwt.key" \
	    "JWT_ISSUER=https://elsewhere.test"
	AUTH_CONFIG=$T/auth.conf
	export AUTH_CONFIG
}

# A token with the header replaced by JSON $1, keeping payload and
# signature of token $2 (or an empty signature when $3 is "nosig").
verify_forge()
{
	local h p s

	h=$(printf '%s' "$1" | ti_b64url)
	p=$(printf '%s' "$2" | cut -d. -f2)
	s=$(printf '%s' "$2" | cut -d. -f3)
	[ "${3:-}" = nosig ] && s=
	printf '%s.%s.%s\n' "$h" "$p" "$s"
}

verify_ok()
{
	ti_request "$1" "$2" -H "Authorization: Bearer $3"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject '^test-user$'
	ti_expect_json 'j["sub"]' test-user
}

verify_reject()
{
	ti_request "$1" "$2" -H "Authorization: Bearer $3"
	ti_expect_error 401 "$4"
	ti_expect_header WWW-Authenticate \
	    '^Bearer .*error="invalid_token", error_description="[^"]+"'
}

verify_cases()
{
	local path=$1 good bad expired wrongkey wrongiss big huge none i
	local t0 codes

	good=$(ti_issue "$T/auth.conf" --sub test-user \
	    --claim email=test@example.com --claim role=admin)
	bad=$(ti_flip_last "$good")
	VERIFY_GOOD=$good
	t0=$(date +%s)
	expired=$(ti_issue "$T/auth.conf" --sub test-user --ttl 1)
	wrongkey=$(ti_issue "$T/other.conf" --sub test-user)
	wrongiss=$(ti_issue "$T/otheriss.conf" --sub test-user)
	TI_CASE=setup
	ti_expect_true "authctl issue made tokens" \
	    test -n "$good" -a -n "$expired" -a -n "$wrongkey" -a -n "$wrongiss"
	ti_expect_true "flipped token differs" test "$good" != "$bad"

	# 200: subject header, claims body, no-store, security headers.
	ti_request valid "$path" -H "Authorization: Bearer $good"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject '^test-user$'
	ti_expect_header Content-Type '^application/json'
	ti_expect_header Cache-Control 'no-store'
	ti_expect_header X-Content-Type-Options '^nosniff$'
	ti_expect_header X-Frame-Options '^DENY$'
	ti_expect_header Referrer-Policy '^no-referrer$'
	ti_expect_header Content-Security-Policy "default-src 'none'"
	ti_expect_no_header WWW-Authenticate
	ti_expect_json 'j["sub"]' test-user
	ti_expect_json 'j["claims"]["sub"]' test-user
	ti_expect_json 'j["claims"]["email"]' test@example.com
	ti_expect_json 'j["claims"]["role"]' admin
	ti_expect_json 'j["claims"]["type"]' access
	ti_expect_json 'j["claims"]["iss"]' https://issuer.test
	ti_expect_json 'j["claims"]["exp"] > j["claims"]["iat"]' true

	# The path is the client's: any path under the mount is answered.
	verify_ok "valid, deeper path" "$path/some/where?x=1" "$good"

	# Last character changed: another signature.
	verify_reject tampered "$path" "$bad" signature_invalid

	# No credentials at all: a challenge without error= (RFC 6750 3.1).
	ti_request missing "$path"
	ti_expect_error 401 token_missing
	ti_expect_header WWW-Authenticate '^Bearer'
	ti_expect_no_header WWW-Authenticate 'error='

	ti_request basic "$path" -H 'Authorization: Basic dXNlcjpwYXNz'
	ti_expect_error 401 auth_scheme_unsupported
	ti_expect_header WWW-Authenticate '^Bearer'
	ti_expect_no_header WWW-Authenticate 'error='

	# Malformed Authorization: 400 invalid_request.
	for h in 'Bearer' 'Bearer ' 'Bearer two words' "Bearer $good extra"; do
		ti_request "malformed '${h:0:20}'" "$path" -H "Authorization: $h"
		ti_expect_error 400 authorization_malformed
		ti_expect_header WWW-Authenticate 'error="invalid_request"'
	done

	verify_reject "not a JWT" "$path" invalid-token token_malformed
	verify_reject "two segments" "$path" "${good%.*}" token_malformed
	verify_reject "wrong key" "$path" "$wrongkey" key_unknown
	verify_reject "wrong issuer" "$path" "$wrongiss" issuer_invalid

	# Over JWT_MAX_TOKEN_BYTES but within the servers' header limits.
	big="${good%.*}.$(head -c 3000 /dev/zero | tr '\0' A)"
	verify_reject "too large" "$path" "$big" token_too_large

	# Beyond the web server's own header limit (nginx 8k buffers,
	# lighttpd 8k field size): the server answers 4xx itself.
	huge="${good%.*}.$(head -c 20000 /dev/zero | tr '\0' A)"
	ti_request "beyond server limit" "$path" -H "Authorization: Bearer $huge"
	ti_expect_status_4xx

	# Hostile headers: the token never chooses the algorithm.
	for a in none None NONE; do
		none=$(verify_forge "{\"alg\":\"$a\",\"typ\":\"JWT\"}" "$good" nosig)
		verify_reject "alg $a" "$path" "$none" alg_not_allowed
	done
	verify_reject "alg HS512" "$path" \
	    "$(verify_forge '{"alg":"HS512","typ":"JWT"}' "$good")" alg_not_allowed
	verify_reject "alg RS256" "$path" \
	    "$(verify_forge '{"alg":"RS256","typ":"JWT"}' "$good")" alg_not_allowed

	# After the hostile ones, the same processes judge as before: enough
	# rounds to reach every process and thread, the valid token from the
	# verified-token cache, the tampered one never from it.
	for i in $(seq 1 12); do
		verify_ok "valid after attacks #$i" "$path" "$good"
		verify_reject "tampered after attacks #$i" "$path" "$bad" \
		    signature_invalid
	done

	# Concurrent clients over kept FastCGI connections: none stalls.
	TI_CASE=concurrent
	codes=$(seq 1 64 | xargs -P 16 -I{} curl -s -o /dev/null \
	    --max-time 10 -w '%{http_code}\n' \
	    -H "Authorization: Bearer $good" \
	    "http://127.0.0.1:$TI_PORT$path" | sort | uniq -c |
	    awk '{ printf "%s:%s ", $2, $1 }')
	TI_STATUS=
	: >"$T/last.headers"
	: >"$T/last.body"
	if [ "$codes" = "200:64 " ]; then
		ti_pass
	else
		ti_fail "64 requests, 16 at a time" "200:64" "$codes"
	fi

	# The one-second token has expired by now (no leeway configured).
	while [ $(($(date +%s) - t0)) -lt 3 ]; do
		sleep 0.5
	done
	verify_reject expired "$path" "$expired" token_expired

	ti_expect_logs_clean
}

# verify_logs LOG TOKEN: the program's log has its reject events and
# neither the token's signature nor the key.
verify_logs()
{
	TI_CASE=logs
	ti_expect_true "reject events logged" \
	    grep -q 'reason=signature_invalid' "$1"
	ti_expect_no_secret "$1" "${2##*.}" "$(cat "$T/jwt.key")"
}
