#!/bin/bash
# refresh_body.sh: AUTH_REFRESH_TOKEN_IN_BODY=true, for a front end on
# another site than the API: login and a refresh by cookie return the
# refresh token in the body as refreshToken too, a refresh by JSON body
# rotates it, and the spent token is refused after the grace window.
. "$(dirname "$0")/lib.sh"

ti_init
ti_auth_setup "$T/auth.db" "REFRESH_GRACE_SECONDS=0" \
    "AUTH_REFRESH_TOKEN_IN_BODY=true"
ti_user erin@example.com pw-of-erin-123
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_route /api/auth/ auth
ti_nginx

ti_request "login" /api/auth/login -X POST -H 'Content-Type: application/json' \
    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}'
ti_expect_status 200
ti_expect_json 'len(j["refreshToken"])' 43
ti_expect_json 'j["refreshTokenExpiresIn"] > 0' true
ti_expect_header Set-Cookie '^refreshToken='
R0=$(ti_json 'j["refreshToken"]')

ti_request "refresh by JSON body" /api/auth/refresh -X POST \
    -H 'Content-Type: application/json' --data "{\"refreshToken\":\"$R0\"}"
ti_expect_status 200
ti_expect_json 'len(j["refreshToken"]) == 43 and len(j["accessToken"]) > 0' true
R1=$(ti_json 'j["refreshToken"]')
ti_expect_true "rotated" [ "$R1" != "$R0" ]

ti_request "refresh by cookie answers in the body too" /api/auth/refresh \
    -X POST -H "Sec-Fetch-Site: same-origin" -H "Cookie: refreshToken=$R1"
ti_expect_status 200
ti_expect_json 'len(j["refreshToken"])' 43
ti_expect_header Set-Cookie '^refreshToken='

sleep 1
ti_request "the spent body token is a reuse" /api/auth/refresh -X POST \
    -H 'Content-Type: application/json' --data "{\"refreshToken\":\"$R0\"}"
ti_expect_status 401
ti_expect_logs_clean
ti_done
