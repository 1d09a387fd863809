#!/bin/bash
# verify_token_sources.sh: tokens where clients put them, through nginx.
# Without an Authorization header verify reads a bare token from the
# header AUTH_TOKEN_HEADER names (oauth2-proxy's X-Forwarded-Access-Token),
# then from the cookie AUTH_TOKEN_COOKIE names; Authorization wins over
# both, the header over the cookie.  A write that relies on the cookie
# must come from the site itself or an allowed origin (Origin, else
# Sec-Fetch-Site: same-origin): 403 cross_site_refused otherwise.  A
# verify without the settings reads neither.  AUTH_REQUIRE applies to a
# token from any source.  check-config refuses names that would read
# something else.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" JWT_ALGORITHM=HS256 \
    AUTH_TOKEN_HEADER=X-Forwarded-Access-Token AUTH_TOKEN_COOKIE=accessToken \
    ALLOWED_ORIGINS=https://app.example JWT_MAX_TOKEN_BYTES=1024
ti_config "$T/plain.conf" "JWT_SECRET_FILE=$T/jwt.key" JWT_ALGORITHM=HS256
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG

# Names that would read another credential are refused at start-up.
for kv in AUTH_TOKEN_HEADER=Authorization AUTH_TOKEN_HEADER=cookie \
    "AUTH_TOKEN_HEADER=X Token" AUTH_TOKEN_COOKIE=refreshToken \
    AUTH_TOKEN_COOKIE=__Host-refreshToken "AUTH_TOKEN_COOKIE=a;b"; do
	ti_config "$T/bad.conf" "JWT_SECRET_FILE=$T/jwt.key" "$kv"
	TI_CASE="check-config refuses $kv"
	if AUTH_CONFIG=$T/bad.conf "$AUTHCTL" check-config >"$T/cc.out" 2>&1
	then
		ti_fail "exit status" "non-zero" 0
	else
		ti_expect_true "names ${kv%%=*}" grep -q "${kv%%=*}:" "$T/cc.out"
	fi
done

ti_spawn verify "$top_builddir/cgi-bin/verify"
AUTH_CONFIG=$T/plain.conf ti_spawn vplain "$top_builddir/cgi-bin/verify"
ti_route /v/ verify
ti_route /plain/ vplain
TI_NGINX_SERVER_EXTRA="
		location /admin/ {
			include $T/fastcgi.params;
			fastcgi_param AUTH_REQUIRE \"role:admin\";
			fastcgi_pass u_verify;
		}"
ti_nginx

good=$(ti_issue "$AUTH_CONFIG" --sub test-user --claim role=user)
admin=$(ti_issue "$AUTH_CONFIG" --sub boss --claim role=admin)
bad=$(ti_flip_last "$good")
site=http://127.0.0.1:$TI_PORT

# The header.
ti_request "header, good" /v/x -H "X-Forwarded-Access-Token: $good"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^test-user$'
ti_request "header, bad signature" /v/x -H "X-Forwarded-Access-Token: $bad"
ti_expect_error 401 signature_invalid
ti_request "header, with a scheme" /v/x \
    -H "X-Forwarded-Access-Token: Bearer $good"
ti_expect_error 401 token_malformed
ti_request "header, Authorization wins" /v/x \
    -H "Authorization: Bearer $bad" -H "X-Forwarded-Access-Token: $good"
ti_expect_error 401 signature_invalid
ti_request "header, a write needs no Origin" /v/x -X POST \
    -H "X-Forwarded-Access-Token: $good"
ti_expect_status 200

# The cookie.
ti_request "cookie, good" /v/x -H "Cookie: a=1; accessToken=$good; b=2"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^test-user$'
ti_request "cookie, bad signature" /v/x -H "Cookie: accessToken=$bad"
ti_expect_error 401 signature_invalid
ti_request "cookie, empty" /v/x -H "Cookie: accessToken="
ti_expect_error 401 token_malformed
ti_request "cookie, too long" /v/x \
    -H "Cookie: accessToken=$(head -c 1100 /dev/zero | tr '\0' a)"
ti_expect_error 401 token_too_large
ti_request "cookie, another name" /v/x -H "Cookie: token=$good"
ti_expect_error 401 token_missing
ti_request "cookie, the header wins" /v/x \
    -H "X-Forwarded-Access-Token: $bad" -H "Cookie: accessToken=$good"
ti_expect_error 401 signature_invalid
ti_request "cookie, HEAD" /v/x -I -H "Cookie: accessToken=$good"
ti_expect_status 200

# A write relying on the cookie: same site only.
ti_request "cookie, POST without Origin" /v/x -X POST \
    -H "Cookie: accessToken=$good"
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
ti_expect_no_header X-Auth-Subject
ti_request "cookie, DELETE from another site" /v/x -X DELETE \
    -H "Cookie: accessToken=$good" -H "Origin: https://evil.example"
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
ti_request "cookie, POST from the site" /v/x -X POST \
    -H "Cookie: accessToken=$good" -H "Origin: $site"
ti_expect_status 200
ti_request "cookie, PUT from an allowed origin" /v/x -X PUT \
    -H "Cookie: accessToken=$good" -H "Origin: https://app.example"
ti_expect_status 200
ti_request "cookie, PATCH same-origin by Sec-Fetch-Site" /v/x -X PATCH \
    -H "Cookie: accessToken=$good" -H "Sec-Fetch-Site: same-origin"
ti_expect_status 200
ti_request "cookie, POST cross-site by Sec-Fetch-Site" /v/x -X POST \
    -H "Cookie: accessToken=$good" -H "Sec-Fetch-Site: cross-site"
ti_expect_status 403

# A location's requirement holds whatever the source.
ti_request "cookie, requirement fails" /admin/x -H "Cookie: accessToken=$good"
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' insufficient_scope
ti_request "cookie, requirement holds" /admin/x \
    -H "Cookie: accessToken=$admin"
ti_expect_status 200
ti_request "header, requirement fails" /admin/x \
    -H "X-Forwarded-Access-Token: $good"
ti_expect_status 403

# Without the settings neither is read.
ti_request "no setting: header ignored" /plain/x \
    -H "X-Forwarded-Access-Token: $good"
ti_expect_error 401 token_missing
ti_request "no setting: cookie ignored" /plain/x \
    -H "Cookie: accessToken=$good"
ti_expect_error 401 token_missing
ti_request "no setting: Authorization" /plain/x \
    -H "Authorization: Bearer $good"
ti_expect_status 200

ti_expect_no_secret "$T/verify.log" "$good" "$admin"
ti_expect_logs_clean
ti_done
