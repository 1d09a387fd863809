#!/bin/bash
# verify_require.sh: what a location requires of a valid token
# (AUTH_REQUIRE, AUTH_REQUIRE_WRITE), through nginx locations that set it
# with fastcgi_param, the configuration's default, and plain CGI, where
# it comes from the environment.  Each kind (scope, role, group, claim)
# passes, fails with 403 insufficient_scope and the RFC 6750 challenge,
# and when malformed answers 500 (never the protected answer).  A client
# header "Auth-Require" never counts.  The 403 has its shape in every
# AUTH_ERROR_FORMAT.
. "$(dirname "$0")/lib.sh"

ti_init nginx
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" JWT_ALGORITHM=HS256 \
    "AUTH_REQUIRE=claim:tenant=acme" LOG_LEVEL=info
for f in detail flat; do
	ti_config "$T/$f.conf" "JWT_SECRET_FILE=$T/jwt.key" \
	    JWT_ALGORITHM=HS256 "AUTH_ERROR_FORMAT=$f" \
	    "AUTH_REQUIRE=scope:reports.read"
done
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG

# A value the configuration file refuses: the program does not start.
ti_config "$T/badconf.conf" "JWT_SECRET_FILE=$T/jwt.key" \
    "AUTH_REQUIRE=colour:red"
if AUTH_CONFIG=$T/badconf.conf "$AUTHCTL" check-config >"$T/cc.out" 2>&1
then
	ti_fail "check-config refuses a malformed AUTH_REQUIRE" 1 0
else
	ti_expect_true "check-config names AUTH_REQUIRE" \
	    grep -q "AUTH_REQUIRE: term 'colour:red': kind is not one of" "$T/cc.out"
fi

ti_spawn verify "$top_builddir/cgi-bin/verify"
AUTH_CONFIG=$T/detail.conf ti_spawn vdetail "$top_builddir/cgi-bin/verify"
AUTH_CONFIG=$T/flat.conf ti_spawn vflat "$top_builddir/cgi-bin/verify"
ti_route /any/ verify
ti_route /detail/ vdetail
ti_route /flat/ vflat
# loc PREFIX PARAMS: a location of verify with its own fastcgi_params.
loc()
{
	TI_NGINX_SERVER_EXTRA="$TI_NGINX_SERVER_EXTRA
		location $1 {
			include $T/fastcgi.params;
			$2
			fastcgi_pass u_verify;
		}"
}
TI_NGINX_SERVER_EXTRA=
loc /scope/ 'fastcgi_param AUTH_REQUIRE "scope:reports.read";'
loc /role/ 'fastcgi_param AUTH_REQUIRE "role:admin,editor";'
loc /group/ 'fastcgi_param AUTH_REQUIRE "group:ops";'
loc /claim/ 'fastcgi_param AUTH_REQUIRE "claim:email_verified=true claim:tenant=acme,beta";'
loc /three/ 'fastcgi_param AUTH_REQUIRE "scope:reports.read role:admin group:ops";'
loc /empty/ 'fastcgi_param AUTH_REQUIRE "";'
loc /write/ 'fastcgi_param AUTH_REQUIRE_WRITE "scope:todos.write";'
loc /bad1/ 'fastcgi_param AUTH_REQUIRE "scope:";'
loc /bad2/ 'fastcgi_param AUTH_REQUIRE "colour:red";'
loc /bad3/ 'fastcgi_param AUTH_REQUIRE "scope:a\"b";'
loc /bad4/ 'fastcgi_param AUTH_REQUIRE "claim:tenant";'
loc /bad5/ 'fastcgi_param AUTH_REQUIRE "role";'
ti_nginx

tok()
{
	ti_issue "$AUTH_CONFIG" --sub test-user "$@" ||
	    { echo "authctl issue failed"; exit 99; }
}
plain=$(tok --claim tenant=acme)
scope=$(tok --claim tenant=acme --claim 'scope=openid reports.read profile')
scp=$(tok --claim tenant=acme --claim 'scp=["x","reports.read"]')
scopeword=$(tok --claim tenant=acme --claim 'scope=reports.readall')
admin=$(tok --claim tenant=acme --claim role=admin)
roles=$(tok --claim tenant=acme --claim 'roles=["viewer","editor"]')
user=$(tok --claim tenant=acme --claim role=user --claim 'roles=["viewer"]')
ops=$(tok --claim tenant=acme --claim 'groups=["dev","ops"]')
dev=$(tok --claim tenant=acme --claim 'groups=["dev","operations"]')
beta=$(tok --claim tenant=beta --claim email_verified=true)
unverified=$(tok --claim tenant=acme --claim email_verified=false)
arrtenant=$(tok --claim 'tenant=["x","acme"]' --claim email_verified=true)
other=$(tok --claim tenant=other)
all=$(tok --claim tenant=acme --claim 'scope=reports.read' \
    --claim role=admin --claim 'groups=["ops"]')
nothree=$(tok --claim tenant=acme --claim 'scope=reports.read' \
    --claim role=admin --claim 'groups=["dev"]')
writer=$(tok --claim tenant=acme --claim 'scope=todos.write')

# ok LABEL PATH TOKEN [CURL ARGS]: passes; no LABEL PATH TOKEN TERM
# [SCOPE]: 403 insufficient_scope naming TERM (and scope="SCOPE").
ok()
{
	local p=$2 t=$3

	shift 3
	ti_request "$1" "$p" -H "Authorization: Bearer $t" "$@"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject '^test-user$'
}
no()
{
	ti_request "$1" "$2" -H "Authorization: Bearer $3"
	ti_expect_status 403
	ti_expect_json 'j["error"]["reason"]' insufficient_scope
	ti_expect_json 'j["error"]["code"]' FORBIDDEN
	ti_expect_json 'j["error"]["details"]' \
	    "[{\"field\": \"token\", \"message\": \"requires $4\"}]"
	ti_expect_header Cache-Control no-store
	ti_expect_no_header X-Auth-Subject
	if [ -n "${5:-}" ]; then
		ti_expect_header WWW-Authenticate \
		    "^Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"requires $4\", scope=\"$5\"$"
	else
		ti_expect_header WWW-Authenticate \
		    "^Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"requires $4\"$"
	fi
}

# The configuration's default where the location says nothing.
ok "default holds" /any/x "$plain"
no "default fails" /any/x "$other" "claim:tenant=acme"
ok "empty parameter: the default" /empty/x "$plain"
no "empty parameter: the default, failing" /empty/x "$other" \
    "claim:tenant=acme"

# scope: the space-separated scope claim or the scp array.
ok "scope: in scope" /scope/x "$scope"
ok "scope: in scp" /scope/x "$scp"
no "scope: none" /scope/x "$plain" "scope:reports.read" "reports.read"
no "scope: a longer word is not the scope" /scope/x "$scopeword" \
    "scope:reports.read" "reports.read"
# The location replaces the default (no tenant needed here).
ok "scope: location replaces the default" /scope/x \
    "$(tok --claim 'scope=reports.read')"

# role: the role string or the roles array, any of the values.
ok "role: role string" /role/x "$admin"
ok "role: roles array" /role/x "$roles"
no "role: neither" /role/x "$user" "role:admin,editor"

# group: the groups array.
ok "group: in groups" /group/x "$ops"
no "group: a similar name is not the group" /group/x "$dev" "group:ops"
no "group: no claim" /group/x "$plain" "group:ops"

# claim:NAME=VALUE, every term must hold.
ok "claim: both terms" /claim/x "$beta"
ok "claim: array holding the value" /claim/x "$arrtenant"
no "claim: first term fails" /claim/x "$unverified" \
    "claim:email_verified=true"
no "claim: second term fails" /claim/x \
    "$(tok --claim tenant=other --claim email_verified=true)" \
    "claim:tenant=acme,beta"

# Three terms: all must hold.
ok "three terms" /three/x "$all"
no "three terms, one missing" /three/x "$nothree" "group:ops" "reports.read"

# Writes: AUTH_REQUIRE_WRITE on top of AUTH_REQUIRE (the default here).
ok "write rule: a read needs nothing more" /write/x "$plain"
no_post()
{
	ti_request "$1" /write/x -X "$2" -H "Authorization: Bearer $3"
	ti_expect_status "$4"
}
for m in POST PUT PATCH DELETE; do
	no_post "write rule: $m without the scope" "$m" "$plain" 403
	ti_expect_json 'j["error"]["details"][0]["message"]' \
	    "requires scope:todos.write"
	no_post "write rule: $m with the scope" "$m" "$writer" 200
done
no_post "write rule: the default still applies to a write" POST \
    "$(tok --claim tenant=other --claim 'scope=todos.write')" 403
ti_expect_json 'j["error"]["details"][0]["message"]' \
    "requires claim:tenant=acme"

# A client's header never counts: HTTP_AUTH_REQUIRE is not AUTH_REQUIRE.
for h in "Auth-Require: claim:sub=test-user" "Auth-Require:" \
    "Auth-Require-Write: scope:x"; do
	ti_request "header $h" /scope/x -H "Authorization: Bearer $plain" \
	    -H "$h"
	ti_expect_status 403
done
ti_request "header at the default" /any/x -H "Authorization: Bearer $other" \
    -H "Auth-Require: claim:tenant=other"
ti_expect_status 403

# Malformed: 500 config_invalid, logged, never the protected answer.
for b in 1 2 3 4 5; do
	ti_request "malformed $b, good token" /bad$b/x \
	    -H "Authorization: Bearer $all"
	ti_expect_status 500
	ti_expect_json 'j["error"]["reason"]' config_invalid
	ti_expect_no_header X-Auth-Subject
done
ti_expect_true "the malformed requirement is logged" \
    grep -q "event=config_invalid setting=AUTH_REQUIRE problem=\"term 'colour:red': kind is not one of scope, role, group, claim\"" "$T/verify.log"
ti_expect_true "a failed requirement is logged" \
    grep -q "event=insufficient_scope setting=AUTH_REQUIRE term=group:ops" "$T/verify.log"
# A token that does not verify is still a 401, whatever the location.
ti_request "malformed location, bad token" /bad2/x \
    -H "Authorization: Bearer $(ti_flip_last "$all")"
ti_expect_status 401

# Every error format: the status and challenge are the same.
ti_request "detail format" /detail/x -H "Authorization: Bearer $plain"
ti_expect_status 403
ti_expect_json 'j' \
    '{"detail": "The token lacks what this resource requires"}'
ti_expect_header WWW-Authenticate \
    'error="insufficient_scope", error_description="requires scope:reports.read", scope="reports.read"$'
ti_request "detail format, holds" /detail/x -H "Authorization: Bearer $scope"
ti_expect_status 200
ti_request "flat format" /flat/x -H "Authorization: Bearer $plain"
ti_expect_status 403
ti_expect_json 'j["error"], j["error_code"]' \
    '["Forbidden", "insufficient_scope"]'
ti_expect_header WWW-Authenticate \
    'error="insufficient_scope", error_description="requires scope:reports.read", scope="reports.read"$'

# Plain CGI: the requirement comes from the environment (Apache SetEnv).
cgi()
{
	TI_CASE="CGI: $1"
	shift
	env -i PATH="$PATH" AUTH_CONFIG="$AUTH_CONFIG" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=GET REQUEST_URI=/x SCRIPT_NAME=/x QUERY_STRING= \
	    REMOTE_ADDR=127.0.0.1 "$@" "$top_builddir/cgi-bin/verify" \
	    </dev/null >"$T/last.raw" 2>>"$T/direct-cgi.log"
	TI_STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/last.raw" |
	    tr -d '\r')
	tr -d '\r' <"$T/last.raw" | sed '/^$/q' >"$T/last.headers"
	tr -d '\r' <"$T/last.raw" | sed '1,/^$/d' >"$T/last.body"
}
cgi "role holds" "HTTP_AUTHORIZATION=Bearer $admin" AUTH_REQUIRE=role:admin
ti_expect_status 200
cgi "role fails" "HTTP_AUTHORIZATION=Bearer $user" AUTH_REQUIRE=role:admin
ti_expect_status 403
ti_expect_header WWW-Authenticate 'error="insufficient_scope"'
cgi "header only: the default" "HTTP_AUTHORIZATION=Bearer $other" \
    HTTP_AUTH_REQUIRE=claim:tenant=other
ti_expect_status 403
# Malformed in the environment is the configuration's own problem: the
# program answers nothing and exits (the server's 500), naming it.
cgi "malformed" "HTTP_AUTHORIZATION=Bearer $admin" AUTH_REQUIRE=role:
ti_expect_true "no answer" test ! -s "$T/last.raw"
ti_expect_true "logged" grep -q "AUTH_REQUIRE: term 'role:': an empty value" \
    "$T/direct-cgi.log"

ti_expect_logs_clean
ti_done
