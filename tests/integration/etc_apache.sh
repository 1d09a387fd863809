#!/bin/bash
# etc_apache.sh: Apache (Debian's apache2 and libapache2-mod-fcgid) with
# the example configurations of etc/apache/.
#
# 1. etc/apache/jwt-auth-fcgid.conf: mod_fcgid starts verify itself;
#    verify guards the static folder /private/ in the FastCGI Authorizer
#    role (FcgidAccessChecker): the file is served with a valid token,
#    refused without one or with a bad one, and a CGI script there sees
#    the subject and claims.  The Authorization header reaches verify
#    only because of FcgidPassHeader/CGIPassAuth.
# 2. etc/apache/jwt-auth-cgi.conf: the same binaries under plain mod_cgi,
#    one process per request, give the same answers as under FastCGI.
. "$(dirname "$0")/lib.sh"

ti_init apache2
[ -f /usr/lib/apache2/modules/mod_fcgid.so ] ||
    ti_skip "mod_fcgid not installed (libapache2-mod-fcgid)"
ts_setup
ts_whoami

# answer LABEL PATH CURL-ARGS...: one request, reduced to the parts
# that must not depend on how the program was started.
answer()
{
	ti_request "$@"
	printf '%s|' "$TI_STATUS"
	grep -iE '^(x-auth-[a-z-]*|www-authenticate|cache-control|content-type|x-content-type-options|allow):' \
	    "$T/last.headers" | sort | tr '\n' '|'
	tr '\n' ' ' <"$T/last.body"
	echo
}

compare_set()
{
	answer "verify, good" /api/auth/verify -H "Authorization: Bearer $TS_GOOD"
	answer "verify, bad" /api/auth/verify -H "Authorization: Bearer $TS_BAD"
	answer "verify, none" /api/auth/verify -H "Authorization: Bearer $TS_NONE"
	answer "verify, missing" /api/auth/verify
	answer "verify, malformed" /api/auth/verify -H "Authorization: Bearer"
	answer "introspect, good" /api/auth/introspect \
	    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$TS_GOOD"
	answer "introspect, bad" /api/auth/introspect \
	    -u "backend:$TS_CLIENT_SECRET" --data-urlencode "token=$TS_BAD"
	answer "introspect, wrong client" /api/auth/introspect \
	    -u "backend:nope" --data-urlencode "token=$TS_GOOD"
	answer "introspect, GET" /api/auth/introspect
	answer "jwks" /.well-known/jwks.json
	answer "required, holds" /api/auth/verify/admin \
	    -H "Authorization: Bearer $TS_GOOD"
	answer "required, fails" /api/auth/verify/admin \
	    -H "Authorization: Bearer $TS_USER"
	answer "required, forged header" /api/auth/verify/admin \
	    -H "Authorization: Bearer $TS_USER" -H "Auth-Require: role:user"
}

# 1. mod_fcgid.
ts_apache apache/jwt-auth-fcgid.conf fcgid cgi authz_host

ts_expect_private_ok
ts_expect_private_refused
ts_expect_whoami
ts_expect_required 401

ti_request "responder through mod_fcgid" /api/auth/verify \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^alice$'
ti_expect_header X-Auth-Claim-Role '^admin$'

compare_set >"$T/answers.fcgid"
ts_expect_account javascript

# mod_fcgid started verify as FastCGI: its log says so.
ti_expect_true "verify ran as FastCGI" grep -q 'event=start' "$T/apache-error.log"
ts_apache_stop

# 2. mod_cgi, the same requests.
starts=$(grep -c 'event=start' "$T/apache-error.log")
requests=$(grep -c 'event=request' "$T/apache-error.log")
ts_apache apache/jwt-auth-cgi.conf cgi authz_host
compare_set >"$T/answers.cgi"
# mod_cgi puts the words of a query string without "=" on the program's
# command line (RFC 3875 section 4.4): still an ordinary request.
ti_request "mod_cgi, a query without =" "/api/auth/verify?--help" \
    -H "Authorization: Bearer $TS_GOOD"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^alice$'
# Under CGI no FastCGI loop starts, yet the refusals are logged.
ti_expect_true "verify ran as CGI" test \
    "$(grep -c 'event=start' "$T/apache-error.log")" = "$starts"
ti_expect_true "CGI requests logged" test \
    "$(grep -c 'event=request' "$T/apache-error.log")" -gt "$requests"
n=0
while IFS= read -r want <&3 && IFS= read -r got <&4; do
	n=$((n + 1))
	TI_CASE="mod_cgi answer $n"
	if [ "$want" = "$got" ]; then
		ti_pass
	else
		ti_fail "same as mod_fcgid" "$want" "$got"
	fi
done 3<"$T/answers.fcgid" 4<"$T/answers.cgi"
TI_CASE="compare"
ti_expect_true "thirteen answers compared" test "$n" = 13
ti_expect_true "answers are not all alike" \
    test "$(sort -u "$T/answers.cgi" | wc -l)" -ge 8
ti_expect_true "the good token was accepted under CGI" \
    grep -q '^200|.*X-Auth-Subject: alice' "$T/answers.cgi"
ti_expect_true "the requirement refused bob under CGI" \
    grep -q '^403|.*error="insufficient_scope", error_description="requires role:admin"' \
    "$T/answers.cgi"

ti_expect_logs_clean
ti_expect_no_secret "$T/apache-error.log" "$TS_GOOD" "$TS_CLIENT_SECRET"
ti_done
