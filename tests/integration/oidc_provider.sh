#!/bin/bash
# oidc_provider.sh: one verify trusts two real identity providers at once
# besides its own key, and per-location requirements hold through
# nginx, lighttpd and Apache.
#
# - Better Auth (npm better-auth, pinned by better_auth/package-lock.json):
#   a user signs up and gets an EdDSA token from /api/auth/token.
# - oidc-provider (npm, pinned by oidc_provider/package-lock.json, both
#   installed with npm ci into caches outside the tree): the client
#   credentials grant with a resource indicator (RFC 8707) gives RS256
#   JWT access tokens (RFC 9068, typ at+jwt) for https://api.suite.test
#   carrying the scopes asked for.
#
# verify (one process, FastCGI on a unix socket; as CGI under Apache)
# has JWT_PROVIDERS=ba,op and its own HS256 key.  Every server has the
# same three locations: /any/ (a valid token), /reports/
# (AUTH_REQUIRE=scope:reports.read) and /people/
# (AUTH_REQUIRE=claim:email=ada@example.test), set with nginx
# fastcgi_param, lighttpd setenv.add-environment and Apache SetEnv.
# Without node 20+ and npm, or when an install fails, the test is
# skipped (77) and says why.
. "$(dirname "$0")/lib.sh"

ti_init nginx lighttpd apache2
[ -x /usr/bin/python3 ] || ti_skip "/usr/bin/python3 is needed"
. "$here/lib_better_auth.sh"
ba_install
ti_npm_ci oidc-provider "$here/oidc_provider" 600
OP_MODULES=$TI_NPM_MODULES

# --- The two providers ------------------------------------------------
ba_setup server.mjs
ba_start server.mjs

O=$T/oidc-provider
mkdir -p "$O"
cp "$here/oidc_provider/server.mjs" "$O/"
ln -s "$OP_MODULES" "$O/node_modules"
OP_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ti_secret "$OP_SECRET"
OP_LOG=$T/oidc-provider-stdout.log
_op_node()
{
	exec env OP_CLIENT_SECRET="$OP_SECRET" NODE_ENV=test \
	    node "$O/server.mjs" "$TI_PORT"
}
_op_wait()
{
	local i

	for i in $(seq 1 300); do
		kill -0 "$1" 2>/dev/null || return 1
		grep -q "^listening $TI_PORT\$" "$OP_LOG" && return 0
		sleep 0.1
	done
	return 1
}
ti_serve_aside oidc-provider _op_wait _op_node
OP_URL=http://127.0.0.1:$TI_ASIDE_PORT

# op_token SCOPE: an access token for the API with SCOPE.
op_token()
{
	curl -sS --max-time 10 -u "suite-test:$OP_SECRET" \
	    -d grant_type=client_credentials --data-urlencode "scope=$1" \
	    -d resource=https://api.suite.test "$OP_URL/token" |
	    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
OP_REPORTS=$(op_token reports.read)
OP_TODOS=$(op_token "todos.read todos.write")
ti_secret "$OP_REPORTS" "$OP_TODOS"
TI_CASE="oidc-provider tokens"
ti_expect_true "oidc-provider issued JWT access tokens" test \
    "$(printf '%s' "$OP_REPORTS$OP_TODOS" | tr -cd . | wc -c)" -eq 4
hdr() { printf '%s' "$1" | cut -d. -f"$2" | /usr/bin/python3 -c '
import base64, json, sys
s = sys.stdin.read().strip()
print(json.dumps(json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))), sort_keys=True))'; }
ti_expect_true "RFC 9068 header (typ at+jwt, RS256)" sh -c \
    "printf '%s' '$(hdr "$OP_REPORTS" 1)' | grep -q '\"alg\": \"RS256\".*\"typ\": \"at+jwt\"'"
ti_expect_true "the scope and audience asked for" sh -c \
    "printf '%s' '$(hdr "$OP_REPORTS" 2)' | grep -q '\"aud\": \"https://api.suite.test\".*\"scope\": \"reports.read\"'"

ba_request "sign up" /api/auth/sign-up/email -c "$T/cookies" \
    -H 'Content-Type: application/json' -H "Origin: $BA_URL" \
    -d '{"email":"ada@example.test","password":"correct horse battery staple","name":"Ada"}'
ti_expect_status 200
USER_ID=$(ti_json 'j["user"]["id"]')
ba_request "Better Auth token" /api/auth/token -b "$T/cookies"
ti_expect_status 200
BA_TOKEN=$(ti_json 'j["token"]')

# --- One verify for both, and its own key -----------------------------
# The providers' cache files (named by URL, under TMPDIR): this run's.
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
ti_key "$T/jwt.key"
ti_config "$T/auth.conf" "JWT_SECRET_FILE=$T/jwt.key" JWT_ALGORITHM=HS256 \
    JWT_ISSUER=https://suite.test LOG_LEVEL=info \
    JWT_PROVIDERS=ba,op \
    "JWT_PROVIDER_BA_ISSUER=$BA_URL" \
    "JWT_PROVIDER_BA_JWKS_URL=$BA_URL/api/auth/jwks" \
    "JWT_PROVIDER_BA_AUDIENCE=$BA_URL" JWT_PROVIDER_BA_ALGORITHMS=EdDSA \
    "JWT_PROVIDER_OP_ISSUER=$OP_URL" "JWT_PROVIDER_OP_JWKS_URL=$OP_URL/jwks" \
    JWT_PROVIDER_OP_AUDIENCE=https://api.suite.test \
    JWT_PROVIDER_OP_ALGORITHMS=RS256 "DATABASE_URL=$T/auth.db"
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
# The revocation list verify polls (its /readyz opens it).
"$AUTHCTL" db migrate >/dev/null || { echo "authctl db migrate failed"; exit 99; }
OWN=$(ti_issue "$AUTH_CONFIG" --sub own-user --claim email=ada@example.test)

"$AUTHCTL" check-config >"$T/cc.out" 2>&1
ti_expect_true "check-config: both providers' sets reachable" \
    test "$(grep -c 'reachable, 1 key' "$T/cc.out")" = 2

ti_spawn verify "$top_builddir/cgi-bin/verify"
REQ_REPORTS=scope:reports.read
REQ_PEOPLE=claim:email=ada@example.test

# checks SERVER: the same answers through each server's locations.
checks()
{
	local s=$1 t

	ti_request "$s: Better Auth token, any" /any/x \
	    -H "Authorization: Bearer $BA_TOKEN"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject "^$USER_ID\$"
	ti_request "$s: oidc-provider token, any" /any/x \
	    -H "Authorization: Bearer $OP_REPORTS"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject '^suite-test$'
	ti_request "$s: own token, any" /any/x -H "Authorization: Bearer $OWN"
	ti_expect_status 200
	ti_expect_header X-Auth-Subject '^own-user$'
	ti_request "$s: oidc-provider token altered" /any/x \
	    -H "Authorization: Bearer $(ti_flip_last "$OP_REPORTS")"
	ti_expect_status 401

	ti_request "$s: reports scope granted" /reports/x \
	    -H "Authorization: Bearer $OP_REPORTS"
	ti_expect_status 200
	for t in "$OP_TODOS" "$BA_TOKEN" "$OWN"; do
		ti_request "$s: reports scope lacking (${t:0:8})" /reports/x \
		    -H "Authorization: Bearer $t"
		ti_expect_status 403
		ti_expect_header WWW-Authenticate \
		    'error="insufficient_scope", error_description="requires scope:reports.read", scope="reports.read"'
		ti_expect_no_header X-Auth-Subject
	done
	ti_request "$s: a client's Auth-Require header" /reports/x \
	    -H "Authorization: Bearer $OP_TODOS" -H "Auth-Require: scope:todos.read"
	ti_expect_status 403

	ti_request "$s: Better Auth user's email" /people/x \
	    -H "Authorization: Bearer $BA_TOKEN"
	ti_expect_status 200
	ti_request "$s: own token with that email" /people/x \
	    -H "Authorization: Bearer $OWN"
	ti_expect_status 200
	ti_request "$s: oidc-provider token has no email" /people/x \
	    -H "Authorization: Bearer $OP_REPORTS"
	ti_expect_status 403
}

# nginx: fastcgi_param per location.
ti_route /any/ verify
TI_NGINX_SERVER_EXTRA="
		location /reports/ {
			include $T/fastcgi.params;
			fastcgi_param AUTH_REQUIRE \"$REQ_REPORTS\";
			fastcgi_pass u_verify;
		}
		location /people/ {
			include $T/fastcgi.params;
			fastcgi_param AUTH_REQUIRE \"$REQ_PEOPLE\";
			fastcgi_pass u_verify;
		}"
ti_nginx
checks nginx

# lighttpd: setenv.add-environment in URL conditionals.
_lighttpd_conf()
{
	mkdir -p "$T/www" "$T/lighttpd-tmp"
	cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $TI_PORT
server.errorlog = "$T/lighttpd-error.log"
server.upload-dirs = ( "$T/lighttpd-tmp" )
server.modules = ( "mod_setenv", "mod_fastcgi" )
server.tag = ""
setenv.add-response-header = ( "X-Test-Run" => "$TI_RUNID" )
fastcgi.server = ( "/" => (( "socket" => "$T/verify.sock",
    "check-local" => "disable" )) )
\$HTTP["url"] =^ "/reports/" {
	setenv.add-environment = ( "AUTH_REQUIRE" => "$REQ_REPORTS" )
}
\$HTTP["url"] =^ "/people/" {
	setenv.add-environment = ( "AUTH_REQUIRE" => "$REQ_PEOPLE" )
}
EOF
}
ti_serve lighttpd _lighttpd_conf ti_wait_http "$(ti_bin lighttpd)" -D \
    -f "$T/lighttpd.conf"
checks lighttpd

# Apache: verify as CGI under mod_cgi, SetEnv per <Location>.
mkdir -p "$T/bin" "$T/www" "$T/tmp-apache"
chown "$(ts_apache_user)" "$T/tmp-apache"
cp "$top_builddir/cgi-bin/verify" "$T/bin/"
cat >"$T/site.conf" <<EOF
ScriptAliasMatch ^/(any|reports|people)/ $T/bin/verify
<Directory $T/bin>
	Options +ExecCGI
	CGIPassAuth On
	SetEnv AUTH_CONFIG $AUTH_CONFIG
	SetEnv TMPDIR $T/tmp-apache
	Require all granted
</Directory>
<Location /reports/>
	SetEnv AUTH_REQUIRE $REQ_REPORTS
</Location>
<Location /people/>
	SetEnv AUTH_REQUIRE $REQ_PEOPLE
</Location>
EOF
ts_apache "$T/site.conf" cgi
checks apache

ti_expect_no_secret "$T/verify.log" "$BA_TOKEN" "$OP_REPORTS" "$OP_SECRET"
ti_expect_logs_clean
ti_done
