#!/bin/bash
# oauth_endpoints.sh: the suite's own issuer through its standard
# endpoints, behind nginx.  OpenID Connect Discovery
# (/.well-known/openid-configuration, jwks) names the issuer, the key
# set, the token, introspection and revocation endpoints and the signing
# algorithms, and what it names answers.  RFC 7009 revocation (POST
# /api/auth/revoke, refresh) answers 200 with no body for any token: a
# refresh token's family ends (its refresh refused, the session's access
# token refused by verify), an access token ends the session its sid
# names; a bad, foreign or sid-less token ends nothing, and the user's
# other sessions keep working.  Bad requests are refused with 4xx and
# change nothing.
. "$(dirname "$0")/lib.sh"

ti_init nginx
# (introspection is advertised only for a configured client)
ti_auth_setup "$T/auth.db" JWT_ISSUER=https://auth.example.test \
    JWT_ALGORITHM=HS256 LOG_LEVEL=info JWT_REVOCATION_POLL_MS=100 \
    INTROSPECTION_CLIENT_ID=backend \
    INTROSPECTION_CLIENT_SECRET=0123456789abcdef0123456789abcdef
ti_user alice@example.com pw-of-alice-123
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1 4
ti_spawn verify "$top_builddir/cgi-bin/verify"
ti_spawn jwks "$top_builddir/cgi-bin/jwks"
ti_route /api/auth/ auth
ti_route /verify verify
ti_route /.well-known/ jwks
ti_nginx

# --- Discovery --------------------------------------------------------
ti_request "openid-configuration" /.well-known/openid-configuration
ti_expect_status 200
ti_expect_json 'j["issuer"]' https://auth.example.test
ti_expect_json 'j["jwks_uri"]' https://auth.example.test/.well-known/jwks.json
ti_expect_json 'j["token_endpoint"]' https://auth.example.test/api/auth/refresh
ti_expect_json 'j["revocation_endpoint"]' https://auth.example.test/api/auth/revoke
ti_expect_json 'j["introspection_endpoint"]' \
    https://auth.example.test/api/auth/introspect
ti_expect_json 'j["id_token_signing_alg_values_supported"]' '["HS256"]'
ti_expect_json 'j["access_token_signing_alg_values_supported"]' '["HS256"]'
ti_expect_json 'j["subject_types_supported"]' '["public"]'
ti_expect_json 'j["revocation_endpoint_auth_methods_supported"]' '["none"]'
# What it names answers here (the same paths on this host).
for k in jwks_uri revocation_endpoint token_endpoint; do
	eval "p_$k=\$(ti_json 'j[\"$k\"]' | sed 's|^https://auth.example.test||')"
done
ti_request "jwks_uri answers" "$p_jwks_uri"
ti_expect_status 200
ti_expect_json 'isinstance(j["keys"], list)' true
ti_request "RFC 8414 metadata names revocation too" \
    /.well-known/oauth-authorization-server
ti_expect_status 200
ti_expect_json 'j["revocation_endpoint"]' https://auth.example.test/api/auth/revoke
ti_request "discovery, POST" /.well-known/openid-configuration -X POST
ti_expect_status 405

# --- Revocation -------------------------------------------------------
# login: AT and RT (the refresh cookie) of a new session of alice.
login()
{
	ti_request "login $1" /api/auth/login -X POST \
	    -H 'Content-Type: application/json' \
	    --data '{"email":"alice@example.com","password":"pw-of-alice-123"}'
	ti_expect_status 200
	AT=$(ti_json 'j["accessToken"]')
	RT=$(ti_header Set-Cookie | sed -n 's/^refreshToken=\([^;]*\);.*/\1/p')
	[ -n "$AT" ] && [ -n "$RT" ] || { echo "login gave no tokens"; exit 99; }
}
# revoke LABEL TOKEN [HINT]: POST /api/auth/revoke; 200, no body.
revoke()
{
	ti_request "revoke: $1" "$p_revocation_endpoint" -X POST \
	    --data-urlencode "token=$2" ${3:+--data-urlencode "token_type_hint=$3"}
	ti_expect_status 200
	ti_expect_header Cache-Control no-store
	ti_expect_true "no body" test ! -s "$T/last.body"
}
refresh()
{
	ti_request "refresh: $1" "$p_token_endpoint" -X POST \
	    -H "Sec-Fetch-Site: same-origin" -H "Cookie: refreshToken=$2"
}
# verify_revoked LABEL TOKEN: verify refuses TOKEN with token_revoked
# within 5 s (each process reads the revoked sessions every 100 ms).
verify_revoked()
{
	local i

	for i in $(seq 1 50); do
		ti_request "verify: $1" /verify -H "Authorization: Bearer $2"
		[ "$TI_STATUS" = 401 ] && break
		sleep 0.1
	done
	ti_expect_error 401 token_revoked
}

login "one"
AT1=$AT RT1=$RT
ti_request "verify before" /verify -H "Authorization: Bearer $AT1"
ti_expect_status 200
revoke "a refresh token" "$RT1" refresh_token
refresh "the revoked family" "$RT1"
ti_expect_error 401 refresh_token_revoked
verify_revoked "the revoked family's access token" "$AT1"
revoke "the same refresh token again" "$RT1"

login "two"
AT2=$AT RT2=$RT
login "three"
AT3=$AT RT3=$RT
revoke "an access token" "$AT2" access_token
refresh "the session of the revoked access token" "$RT2"
ti_expect_error 401 refresh_token_revoked
verify_revoked "the revoked access token" "$AT2"
# The user's other session is not touched.
ti_request "verify: the other session" /verify -H "Authorization: Bearer $AT3"
ti_expect_status 200

# A wrong hint changes nothing: the token's shape decides.
login "four"
revoke "an access token hinted as a refresh token" "$AT" refresh_token
refresh "its session" "$RT"
ti_expect_error 401 refresh_token_revoked

# Tokens that end nothing: the same 200, and session three lives on.
revoke "garbage" "not-a-token"
revoke "a refresh-shaped unknown token" \
    "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
revoke "an access token with a bad signature" "$(ti_flip_last "$AT3")"
revoke "a sid token with no valid signature" \
    "$(ti_issue "$AUTH_CONFIG" --sub alice --claim sid=nope | cut -d. -f1,2).x"
revoke "a token without sid" "$(ti_issue "$AUTH_CONFIG" --sub alice)"
revoke "an empty token" ""
ti_request "verify: session three still" /verify -H "Authorization: Bearer $AT3"
ti_expect_status 200
refresh "session three still" "$RT3"
ti_expect_status 200

# Bad requests: 4xx, nothing revoked.
ti_request "revoke: no token" "$p_revocation_endpoint" -X POST \
    --data "token_type_hint=refresh_token"
ti_expect_status 400
ti_expect_json 'j["error"]["reason"], j["error"]["details"]' \
    '["body_malformed", [{"field": "token", "message": "required"}]]'
ti_request "revoke: JSON" "$p_revocation_endpoint" -X POST \
    -H 'Content-Type: application/json' --data "{\"token\":\"$AT3\"}"
ti_expect_status 415
ti_request "revoke: GET" "$p_revocation_endpoint?token=$AT3"
ti_expect_status 405
ti_request "verify: session three after the bad requests" /verify \
    -H "Authorization: Bearer $AT3"
ti_expect_status 200

ti_expect_true "revocations audited" grep -q 'via=revocation' "$T/auth.log"
ti_expect_logs_clean
ti_done
