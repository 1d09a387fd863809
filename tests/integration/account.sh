#!/bin/bash
# account.sh: the account routes of refresh (Better Auth's names) through
# nginx, with a real mail command: a capture script that writes each
# message to a file, which the test reads and whose link it follows.
# Password reset (single use, expiry, sessions ended, no enumeration:
# same status and body, and a time within the tolerance stated below),
# change password, email verification, two-factor (TOTP enrolment, login
# with a code and with a backup code, each once, throttled), deletion
# (sessions, tokens, todos), the operator's authctl side, a failing mail
# command, links only to the site's origins.  account_pg.sh runs it
# against PostgreSQL (TI_DB, lib_pg.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
ti_db_setup "$T/auth.db"
MAILS=$T/mail
mkdir -p "$MAILS"
# The capture command: one file per message, renamed into place whole;
# a mail to fail@example.com fails with status 3 instead.
cat >"$T/capture.sh" <<EOF
#!/bin/sh
f=\$(mktemp "$MAILS/tmp.XXXXXX") || exit 1
cat >"\$f"
if grep -q '^To: fail@example.com' "\$f"; then rm -f "\$f"; exit 3; fi
mv "\$f" "\$f.eml"
EOF
chmod +x "$T/capture.sh"
ti_auth_setup "$DB_URL" "AUTH_MAIL_COMMAND=$T/capture.sh" \
    "AUTH_MAIL_FROM=Accounts <accounts@example.com>" "LOG_LEVEL=info" \
    "AUTH_SIGNUP=true" "ALLOWED_ORIGINS=https://app.example.com" \
    "AUTH_LOGIN_FREE_FAILURES=10" METRICS_ENABLED=true \
    "METRICS_FILE=$T/metrics-refresh"
for u in alice bob carol fail; do
	ti_user "$u@example.com" "pw-of-$u-123"
done
ti_spawn auth "$top_builddir/cgi-bin/refresh" 2
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_route /api/auth/ auth
ti_route /verify verify
ti_route /metrics auth
ti_nginx

ORIGIN="http://127.0.0.1:$TI_PORT"
sql() { ti_sql "$@"; }
post() {	# post CASE PATH JSON [curl args...]; Origin: $PO or the site
	local c=$1 p=$2 d=$3
	shift 3
	ti_request "$c" "$p" -X POST -H 'Content-Type: application/json' \
	    -H "Origin: ${PO:-$ORIGIN}" --data "$d" "$@"
}
login() { post "login $1" /api/auth/login "{\"email\":\"$1\",\"password\":\"$2\"}"; }
cookie_tok() { sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$T/last.headers"; }
access() { ti_json 'j["accessToken"]'; }
claim() {
	ti_expect_json "__import__('json').loads(__import__('base64').urlsafe_b64decode(j['accessToken'].split('.')[1] + '=='))$1" "$2"
}
nmails() { ls "$MAILS" | grep -c '\.eml$'; }
# wait_mails N: until N messages were captured (10 s at most).
wait_mails() {
	local i
	for i in $(seq 200); do
		[ "$(nmails)" -ge "$1" ] && return 0
		sleep 0.05
	done
	ti_fail "mail $1 captured" "$1" "$(nmails)"
}
last_mail() { ls -t "$MAILS"/*.eml | head -1; }
# The link of the last mail, the one line starting with http.
mail_link() { grep -m1 '^http' "$(last_mail)"; }
link_token() { printf '%s\n' "$1" | sed -n 's/.*[?&]token=\([^&]*\).*/\1/p'; }
# until_status STATUS CASE ARGS...: the request, again until it answers
# STATUS (a revocation reaches verify within JWT_REVOCATION_POLL_MS).
until_status() {
	local want=$1 i
	shift
	for i in $(seq 50); do
		ti_request "$@"
		[ "$TI_STATUS" = "$want" ] && break
		sleep 0.1
	done
	ti_expect_status "$want"
}
totp() { ti_totp "$@"; }

# --- Password reset -------------------------------------------------------
n0=$(nmails)
post "reset asked for nobody" /api/auth/request-password-reset \
    '{"email":"nobody@example.com","redirectTo":"/reset"}'
ti_expect_status 200
nobody_body=$(cat "$T/last.body")
post "reset asked for alice" /api/auth/request-password-reset \
    "{\"email\":\"ALICE@example.com\",\"redirectTo\":\"$ORIGIN/reset\"}"
ti_expect_status 200
ti_expect_json 'j["status"]' true
ti_expect_true "same body with and without an account" \
    test "$(cat "$T/last.body")" = "$nobody_body"
wait_mails $((n0 + 1))
ti_expect_true "one mail only: none for nobody" test "$(nmails)" = $((n0 + 1))
M=$(last_mail)
ti_expect_true "mail To: alice" grep -qx 'To: alice@example.com' "$M"
ti_expect_true "mail From: AUTH_MAIL_FROM" \
    grep -qx 'From: Accounts <accounts@example.com>' "$M"
ti_expect_true "mail Subject" grep -qx 'Subject: Reset your password' "$M"
LINK=$(mail_link)
ti_expect_true "link under redirectTo: $LINK" \
    test "${LINK%%\?token=*}" = "$ORIGIN/reset"
RT=$(link_token "$LINK")
ti_expect_true "reset token is 43 base64url characters" \
    test "$(printf %s "$RT" | tr -cd 'A-Za-z0-9_-' | wc -c)" = 43

for bad in 'https://evil.example/reset' '//evil.example/reset' \
    'https://app.example.com@evil.example/' 'javascript:alert(1)' \
    "$ORIGIN.evil.example/x"; do
	post "redirectTo $bad refused" /api/auth/request-password-reset \
	    "{\"email\":\"alice@example.com\",\"redirectTo\":\"$bad\"}"
	ti_expect_status 422
done
ti_expect_true "no mail for a refused redirectTo" test "$(nmails)" = $((n0 + 1))
post "redirectTo on an allowed origin" /api/auth/request-password-reset \
    '{"email":"alice@example.com","redirectTo":"https://app.example.com/r?x=1"}'
ti_expect_status 200
wait_mails $((n0 + 2))
LINK2=$(mail_link)
ti_expect_true "allowed-origin link: $LINK2" \
    test "${LINK2%%&token=*}" = "https://app.example.com/r?x=1"
post "request without email" /api/auth/request-password-reset '{}'
ti_expect_status 422
ti_request "request as a form" /api/auth/request-password-reset -X POST \
    --data 'email=alice@example.com'
ti_expect_status 415

# A session of alice's from before, with its access token.
login alice@example.com pw-of-alice-123
ti_expect_status 200
R1=$(cookie_tok)
AT1=$(access)
ti_request "verify before the reset" /verify -H "Authorization: Bearer $AT1"
ti_expect_status 200

post "reset with a short password" /api/auth/reset-password \
    "{\"newPassword\":\"short\",\"token\":\"$RT\"}"
ti_expect_status 422
post "reset with a made-up token" /api/auth/reset-password \
    '{"newPassword":"new-pw-of-alice","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
ti_expect_error 400 invalid_token
post "reset" /api/auth/reset-password \
    "{\"newPassword\":\"new-pw-of-alice\",\"token\":\"$RT\"}"
ti_expect_status 200
ti_expect_json 'j["status"]' true
post "the same token again" /api/auth/reset-password \
    "{\"newPassword\":\"other-pw-of-alice\",\"token\":\"$RT\"}"
ti_expect_error 400 invalid_token
post "the other link died with the reset" /api/auth/reset-password \
    "{\"newPassword\":\"other-pw-of-alice\",\"token\":\"$(link_token "$LINK2")\"}"
ti_expect_error 400 invalid_token
until_status 401 "the old access token is revoked" /verify \
    -H "Authorization: Bearer $AT1"
ti_request "the old refresh token is dead" /api/auth/refresh -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$R1"
ti_expect_status 401
login alice@example.com pw-of-alice-123
ti_expect_status 401
login alice@example.com new-pw-of-alice
ti_expect_status 200

# An expired link: its row aged by hand (the setting's minimum is 5 min).
post "reset asked for bob" /api/auth/request-password-reset \
    '{"email":"bob@example.com","redirectTo":"/reset"}'
wait_mails $((n0 + 3))
BT=$(link_token "$(mail_link)")
ti_expect_true "bob's link is on the site" \
    test "$(mail_link | cut -d'?' -f1)" = "$ORIGIN/reset"
sql "UPDATE account_tokens SET expires = 1 WHERE used IS NULL" >/dev/null
post "an expired token" /api/auth/reset-password \
    "{\"newPassword\":\"new-pw-of-bob-1\",\"token\":\"$BT\"}"
ti_expect_error 400 invalid_token
ti_expect_true "tokens are stored hashed" \
    test "$(sql "SELECT count(*) FROM account_tokens WHERE purpose = 'reset'")" -ge 1

# A failing mail command: logged with its status, the answer the same.
post "reset for an address whose mail fails" /api/auth/request-password-reset \
    '{"email":"fail@example.com","redirectTo":"/reset"}'
ti_expect_status 200
ti_expect_true "same body when the mail fails" \
    test "$(cat "$T/last.body")" = "$nobody_body"
for i in $(seq 200); do
	grep -q 'event=mail_failed to=fail@example.com status=3' "$T/auth.log" &&
	    break
	sleep 0.05
done
ti_expect_true "the failure is logged with its exit status" \
    grep -q 'event=mail_failed to=fail@example.com status=3' "$T/auth.log"

# No enumeration by time.  Tolerance: the median of 15 answers for an
# address without an account and for one with an account differ by less
# than a factor of 3 or by less than 50 ms (whichever is looser), medians
# of interleaved requests, so that load on the machine hits both alike.
for i in $(seq 15); do
	for who in carol nobody2; do
		curl -sS -o /dev/null -w '%{time_total}\n' -X POST \
		    -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
		    --data "{\"email\":\"$who@example.com\",\"redirectTo\":\"/r\"}" \
		    "$ORIGIN/api/auth/request-password-reset" >>"$T/time.$who"
	done
done
TIMES=$(/usr/bin/python3 -c '
import statistics, sys
a = statistics.median(float(x) for x in open(sys.argv[1]))
b = statistics.median(float(x) for x in open(sys.argv[2]))
print("%.4f %.4f %s" % (a, b, "ok" if max(a, b) < 3 * min(a, b) or abs(a - b) < 0.05 else "far"))' \
    "$T/time.carol" "$T/time.nobody2")
echo "reset request medians (with account, without): $TIMES"
ti_expect_true "medians close: $TIMES" test "${TIMES##* }" = ok
# At most 3 links an account in 15 minutes: 3 mails for 15 requests.
wait_mails $((n0 + 3 + 3))
ti_expect_true "3 of carol's 15 requests made a link" test "$(sql "SELECT \
    count(*) FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE \
    u.email = 'carol@example.com'")" = 3
ti_expect_true "the other 12 are audited as rate_limited" test "$(grep -c \
    'action=password_reset_requested result=rate_limited' "$T/auth.log")" = 12

# --- Change password -----------------------------------------------------
login carol@example.com pw-of-carol-123
CR1=$(cookie_tok)
CAT1=$(access)
login carol@example.com pw-of-carol-123
CR2=$(cookie_tok)
CAT2=$(access)
post "change with a wrong current password" /api/auth/change-password \
    '{"currentPassword":"wrong-password","newPassword":"new-pw-of-carol"}' \
    -H "Authorization: Bearer $CAT1"
ti_expect_error 401 credentials_invalid
post "change without a token" /api/auth/change-password \
    '{"currentPassword":"pw-of-carol-123","newPassword":"new-pw-of-carol"}'
ti_expect_status 401
post "change" /api/auth/change-password \
    '{"currentPassword":"pw-of-carol-123","newPassword":"new-pw-of-carol","revokeOtherSessions":true}' \
    -H "Authorization: Bearer $CAT1"
ti_expect_status 200
ti_expect_header Cache-Control no-store
ti_expect_json 'j["token"] == j["accessToken"]' true
CAT3=$(ti_json 'j["token"]')
ti_request "the fresh token verifies" /verify -H "Authorization: Bearer $CAT3"
ti_expect_status 200
until_status 401 "the other session's access token is revoked" /verify \
    -H "Authorization: Bearer $CAT2"
ti_request "the other session's refresh token is dead" /api/auth/refresh \
    -X POST -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$CR2"
ti_expect_status 401
ti_request "this session lives on" /api/auth/refresh -X POST \
    -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$CR1"
ti_expect_status 200
login carol@example.com new-pw-of-carol
ti_expect_status 200

# --- Email verification --------------------------------------------------
post "signup" /api/auth/signup '{"email":"dora@example.com","password":"pw-of-dora-123"}'
ti_expect_status 201
login dora@example.com pw-of-dora-123
claim '["email_verified"]' false
n1=$(nmails)
post "verification for a verified address: no mail" \
    /api/auth/send-verification-email '{"email":"bob@example.com"}'
ti_expect_status 200
post "verification with a foreign callback" /api/auth/send-verification-email \
    '{"email":"dora@example.com","callbackURL":"https://evil.example/"}'
ti_expect_status 422
post "verification mail" /api/auth/send-verification-email \
    '{"email":"dora@example.com","callbackURL":"/welcome"}'
ti_expect_status 200
ti_expect_json 'j["status"]' true
wait_mails $((n1 + 1))
ti_expect_true "one mail: none for the verified address" test "$(nmails)" = $((n1 + 1))
VL=$(mail_link)
ti_expect_true "verification link: $VL" \
    test "${VL%%\?token=*}" = "$ORIGIN/api/auth/verify-email"
ti_request "follow the link" "${VL#$ORIGIN}"
ti_expect_status 302
ti_expect_header Location "^$ORIGIN/welcome\$"
ti_request "the link again" "${VL#$ORIGIN}"
ti_expect_status 302
ti_expect_header Location "^$ORIGIN/welcome\\?error=invalid_token\$"
ti_request "verify-email without a token" /api/auth/verify-email
ti_expect_error 400 invalid_token
login dora@example.com pw-of-dora-123
claim '["email_verified"]' true
claim '["email"]' dora@example.com

# --- Two-factor ----------------------------------------------------------
login alice@example.com new-pw-of-alice
AT=$(access)
post "enable with a wrong password" /api/auth/two-factor/enable \
    '{"password":"not-her-password"}' -H "Authorization: Bearer $AT"
ti_expect_error 401 credentials_invalid
post "enable" /api/auth/two-factor/enable '{"password":"new-pw-of-alice"}' \
    -H "Authorization: Bearer $AT"
ti_expect_status 200
URI=$(ti_json 'j["totpURI"]')
ti_expect_json 'len(j["backupCodes"])' 10
ti_expect_json 'len(set(j["backupCodes"]))' 10
BC1=$(ti_json 'j["backupCodes"][0]')
BC2=$(ti_json 'j["backupCodes"][1]')
BC3=$(ti_json 'j["backupCodes"][2]')
ti_expect_true "otpauth URI: $URI" test "${URI%%:alice%40example.com\?secret=*}" = \
    "otpauth://totp/127.0.0.1%3A$TI_PORT"
ti_expect_true "backup codes stored hashed" test \
    "$(sql "SELECT count(*) FROM backup_codes b JOIN users u ON u.id = b.user_id WHERE u.email = 'alice@example.com'")" = 10
login alice@example.com new-pw-of-alice
ti_expect_true "not on before a code confirms it" test -n "$(access)"
post "confirm with a wrong code" /api/auth/two-factor/verify-totp \
    '{"code":"000000"}' -H "Authorization: Bearer $AT"
ti_expect_error 401 two_factor_invalid
# One code, kept: computed again later it could be the next step's.
C0=$(totp "$URI" 0)
post "confirm" /api/auth/two-factor/verify-totp "{\"code\":\"$C0\"}" \
    -H "Authorization: Bearer $AT"
ti_expect_status 200
ti_expect_json 'j["status"]' true

login alice@example.com new-pw-of-alice
ti_expect_status 200
ti_expect_json 'j' '{"twoFactorRedirect": true, "twoFactorMethods": ["totp"]}'
TF=$(sed -n 's/^Set-Cookie: twoFactor=\([^;]*\);.*/\1/p' "$T/last.headers")
ti_expect_header Set-Cookie '^twoFactor=[A-Za-z0-9_-]{43}; Max-Age=300; Path=/api/auth; HttpOnly; SameSite=Strict$'
ti_expect_true "no refresh cookie before the code" test -z "$(cookie_tok)"
PO=https://evil.example post "code from another site" \
    /api/auth/two-factor/verify-totp "{\"code\":\"$(totp "$URI" 1)\"}" \
    -H "Cookie: twoFactor=$TF"
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
post "the code just used for enrolment" /api/auth/two-factor/verify-totp \
    "{\"code\":\"$C0\"}" -H "Cookie: twoFactor=$TF"
ti_expect_error 401 two_factor_invalid
# Three steps: two even when a step begins between here and the server.
post "a code three steps ahead" /api/auth/two-factor/verify-totp \
    "{\"code\":\"$(totp "$URI" 3)\"}" -H "Cookie: twoFactor=$TF"
ti_expect_error 401 two_factor_invalid
# Neither the cookie nor a token: nothing to complete or confirm.
post "code without the cookie" /api/auth/two-factor/verify-totp \
    "{\"code\":\"$(totp "$URI" 1)\"}"
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' token_missing
post "backup code without the cookie" /api/auth/two-factor/verify-backup-code \
    "{\"code\":\"$BC1\"}"
ti_expect_error 401 two_factor_invalid
C1=$(totp "$URI" 1)
post "the next step's code completes the login" /api/auth/two-factor/verify-totp \
    "{\"code\":\"$C1\"}" -H "Cookie: twoFactor=$TF"
ti_expect_status 200
ti_expect_true "refresh cookie after the code" test -n "$(cookie_tok)"
AT=$(access)
ti_request "its token verifies" /verify -H "Authorization: Bearer $AT"
ti_expect_status 200
post "the pending login is spent" /api/auth/two-factor/verify-backup-code \
    "{\"code\":\"$BC1\"}" -H "Cookie: twoFactor=$TF"
ti_expect_error 401 two_factor_invalid
login alice@example.com new-pw-of-alice
TF=$(sed -n 's/^Set-Cookie: twoFactor=\([^;]*\);.*/\1/p' "$T/last.headers")
post "the same code twice" /api/auth/two-factor/verify-totp \
    "{\"code\":\"$C1\"}" -H "Cookie: twoFactor=$TF"
ti_expect_error 401 two_factor_invalid
post "a backup code" /api/auth/two-factor/verify-backup-code \
    "{\"code\":\"$BC1\"}" -H "Cookie: twoFactor=$TF"
ti_expect_status 200
ti_expect_true "tokens after a backup code" test -n "$(access)"
login alice@example.com new-pw-of-alice
TF=$(sed -n 's/^Set-Cookie: twoFactor=\([^;]*\);.*/\1/p' "$T/last.headers")
post "a backup code twice" /api/auth/two-factor/verify-backup-code \
    "{\"code\":\"$BC1\"}" -H "Cookie: twoFactor=$TF"
ti_expect_error 401 two_factor_invalid
post "another backup code" /api/auth/two-factor/verify-backup-code \
    "{\"code\":\"$BC2\"}" -H "Cookie: twoFactor=$TF"
ti_expect_status 200
AT=$(access)

# --- Deletion ------------------------------------------------------------
# The database gauges are kept a minute; a deletion makes the next
# scrape read them again.
gauge() { sed -n "s/^auth_active_sessions \([0-9]*\)\$/\1/p" "$T/last.body"; }
ti_request "metrics before the deletion" /metrics
ACTIVE0=$(gauge)
AID=$(sql "SELECT id FROM users WHERE email = 'alice@example.com'")
ALIVE=$(sql "SELECT count(*) FROM sessions WHERE user_id = '$AID' AND revoked IS NULL")
sql "INSERT INTO todos (user_id, title, completed, created_at, updated_at) VALUES ('$AID', 'a', 0, 'x', 'x')" >/dev/null
post "delete with a wrong password" /api/auth/delete-user \
    '{"password":"wrong-password"}' -H "Authorization: Bearer $AT"
ti_expect_error 401 credentials_invalid
post "delete without the code" /api/auth/delete-user \
    '{"password":"new-pw-of-alice"}' -H "Authorization: Bearer $AT"
ti_expect_status 401
ti_expect_json 'j["error"]["reason"]' two_factor_invalid
# The last TOTP step is spent (each code once): a backup code serves.
post "delete" /api/auth/delete-user \
    "{\"password\":\"new-pw-of-alice\",\"code\":\"$BC3\"}" \
    -H "Authorization: Bearer $AT"
ti_expect_status 200
ti_expect_json 'j' '{"success": true, "message": "User deleted"}'
ti_expect_true "the refresh cookie is cleared" \
    grep -q '^Set-Cookie: refreshToken=; Max-Age=0' "$T/last.headers"
ti_request "metrics right after the deletion" /metrics
ti_expect_true "auth_active_sessions $ACTIVE0 - $ALIVE (got $(gauge))" \
    test "$(gauge)" = $((ACTIVE0 - ALIVE))
until_status 401 "the deleted user's access token is refused" /verify \
    -H "Authorization: Bearer $AT"
login alice@example.com new-pw-of-alice
ti_expect_status 401
for t in users:id sessions:user_id refresh_tokens:user_id todos:user_id \
    backup_codes:user_id account_tokens:user_id; do
	ti_expect_true "no ${t%%:*} rows left" test \
	    "$(sql "SELECT count(*) FROM ${t%%:*} WHERE ${t#*:} = '$AID'")" = 0
done
ti_expect_true "audit line for the deletion" grep -q \
    "event=audit action=account_deleted result=ok user=$AID" "$T/auth.log"

# --- Throttle: wrong codes count as failed logins ------------------------
login bob@example.com pw-of-bob-123
BAT=$(access)
post "bob enables" /api/auth/two-factor/enable '{"password":"pw-of-bob-123"}' \
    -H "Authorization: Bearer $BAT"
BURI=$(ti_json 'j["totpURI"]')
post "bob confirms" /api/auth/two-factor/verify-totp \
    "{\"code\":\"$(totp "$BURI" 0)\"}" -H "Authorization: Bearer $BAT"
ti_expect_status 200
login bob@example.com pw-of-bob-123
TF=$(sed -n 's/^Set-Cookie: twoFactor=\([^;]*\);.*/\1/p' "$T/last.headers")
for i in $(seq 15); do
	post "wrong code $i" /api/auth/two-factor/verify-totp '{"code":"999999"}' \
	    -H "Cookie: twoFactor=$TF"
	[ "$TI_STATUS" = 429 ] && break
done
ti_expect_status 429
ti_expect_header Retry-After '^[0-9]+$'

# --- The operator's side -------------------------------------------------
"$AUTHCTL" user 2fa-disable bob@example.com ||
    ti_fail "authctl user 2fa-disable" 0 $?
sql "DELETE FROM login_throttle" >/dev/null
login bob@example.com pw-of-bob-123
ti_expect_true "no second factor after 2fa-disable" test -n "$(access)"
OL=$("$AUTHCTL" user reset-link bob@example.com "$ORIGIN/reset") ||
    ti_fail "authctl user reset-link" 0 $?
ti_expect_true "reset-link prints a link: $OL" test "${OL%%\?token=*}" = "$ORIGIN/reset"
post "the operator's link works" /api/auth/reset-password \
    "{\"newPassword\":\"new-pw-of-bob-2\",\"token\":\"$(link_token "$OL")\"}"
ti_expect_status 200
login bob@example.com new-pw-of-bob-2
ti_expect_status 200
BAT=$(access)
"$AUTHCTL" user delete bob@example.com || ti_fail "authctl user delete" 0 $?
until_status 401 "an operator's deletion revokes the token" /verify \
    -H "Authorization: Bearer $BAT"
ti_expect_true "authctl user delete of nobody fails" \
    test "$("$AUTHCTL" user delete nobody@example.com 2>/dev/null; echo $?)" = 1
sql "UPDATE revoked_sessions SET revoked = 1" >/dev/null
"$AUTHCTL" db prune >"$T/prune.out" || ti_fail "authctl db prune" 0 $?
ti_expect_true "prune clears deleted users' old sessions" test \
    "$(sql "SELECT count(*) FROM revoked_sessions")" = 0

# Plain CGI (one request, the process ends with the answer): the mail
# goes before the answer, and the command's standard output is not the
# answer's.  A From: of 3000 bytes still fits the message (the headers
# once had a fixed 2 KiB of room, and the body was copied past it).
printf '#!/bin/sh\necho JUNK-ON-STDOUT\ncat >"%s"\n' "$T/cgi.eml" >"$T/junk.sh"
chmod +x "$T/junk.sh"
B='{"email":"fail@example.com","redirectTo":"/r"}'
LONGFROM=$(head -c 3000 /dev/zero | tr '\0' f)@example.com
printf %s "$B" | env AUTH_MAIL_COMMAND="$T/junk.sh" GATEWAY_INTERFACE=CGI/1.1 \
    AUTH_MAIL_FROM="$LONGFROM" \
    REQUEST_METHOD=POST SCRIPT_NAME=/api/auth \
    PATH_INFO=/request-password-reset \
    REQUEST_URI=/api/auth/request-password-reset \
    CONTENT_TYPE=application/json CONTENT_LENGTH=${#B} \
    HTTP_HOST=example.org SERVER_PORT=80 REMOTE_ADDR=127.0.0.1 \
    SERVER_PROTOCOL=HTTP/1.1 "$top_builddir/cgi-bin/refresh" \
    >"$T/cgi.out" 2>>"$T/cgi.log"
TI_CASE="plain CGI"
ti_expect_true "CGI answer 200" grep -q '^Status: 200' "$T/cgi.out"
ti_expect_true "the command's output is not in the answer" \
    sh -c "! grep -q JUNK '$T/cgi.out'"
ti_expect_true "the mail went before the process ended" \
    grep -q '^http://example.org/r?token=' "$T/cgi.eml"
ti_expect_true "the long From: whole" grep -qx "From: $LONGFROM" "$T/cgi.eml"

# The routes' events in the figures (authctl's are its own process's).
ti_request "metrics" /metrics
ti_expect_status 200
for m in account_deleted:1 two_factor_enabled:2 email_verified:1 \
    password_reset:2 verification_requested:1; do
	ti_expect_true "auth_account_events_total ${m%%:*} = ${m#*:}" grep -qx \
	    "auth_account_events_total{action=\"${m%%:*}\"} ${m#*:}" "$T/last.body"
done

ti_expect_logs_clean
SECRET=${URI#*secret=}
ti_expect_no_secret "$RT" "$BC1" "$BC2" "${SECRET%%&*}"
ti_done
