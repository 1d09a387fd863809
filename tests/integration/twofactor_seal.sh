#!/bin/bash
# twofactor_seal.sh: two-factor secrets at rest, through nginx and a real
# database.  Enrolment stores the TOTP key sealed (users.totp_secret holds
# "v1." and no trace of the secret the answer gave), and sign-in with a
# code still works; a key stored in clear before sealing (written here
# with sqlite3 or psql) still verifies and is sealed by its first right
# code, not by a wrong one; a sealed key copied onto another user does
# not verify; after the server's secret changed a right code fails as a
# wrong one does (same status, same body), the log says why and what to
# do, nothing is stored, a backup code still signs in, and the old
# secret back makes the key open again.  authctl user 2fa-seal seals the
# clear rows left, counts those that do not open, and changes nothing
# else.  A planned change of secret: from the signing secret to an added
# REFRESH_TOKEN_SECRET_FILE A, then from A to B; each time a right code
# fails until 2fa-seal --from OLDFILE re-keys the rows (counted, no
# clear secret), then it verifies; run again it changes nothing; a row
# that opens under neither key stays and is counted (exit 1); an OLDFILE
# missing, world-readable, too short, the current one, or --from twice,
# exits 2 and changes nothing.  twofactor_seal_pg.sh runs it against
# PostgreSQL (TI_DB, lib_pg.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_pg.sh"

ti_init
ti_db_setup "$T/auth.db"
ti_auth_setup "$DB_URL" "LOG_LEVEL=info" "AUTH_LOGIN_FREE_FAILURES=50"
for u in alice bob carol dave erin frank gina; do
	ti_user "$u@example.com" "pw-of-$u-123"
done
ti_spawn auth "$top_builddir/cgi-bin/refresh" 2
ti_route /api/auth/ auth
ti_nginx

ORIGIN="http://127.0.0.1:$TI_PORT"
sql() { ti_sql "$@"; }
post() {	# post CASE PATH JSON [curl args...]
	local c=$1 p=$2 d=$3
	shift 3
	ti_request "$c" "$p" -X POST -H 'Content-Type: application/json' \
	    -H "Origin: $ORIGIN" --data "$d" "$@"
}
# login NAME: signs NAME in with the password; sets AT (access token)
# and TF (the two-factor cookie, when a code must follow).
login() {
	post "login $1" /api/auth/login \
	    "{\"email\":\"$1@example.com\",\"password\":\"pw-of-$1-123\"}"
	ti_expect_status 200
	AT=$(ti_json 'j.get("accessToken", "")')
	TF=$(sed -n 's/^Set-Cookie: twoFactor=\([^;]*\);.*/\1/p' "$T/last.headers")
}
# code CASE CODE [PATH]: completes the pending login $TF with CODE.
code() {
	post "$1" "${3:-/api/auth/two-factor/verify-totp}" \
	    "{\"code\":\"$2\"}" -H "Cookie: twoFactor=$TF"
}
# enrol NAME: two-factor on for NAME (enable, then confirm with the
# code of the current step); sets URI, SECRET (its base32) and BC (its
# first backup code).
enrol() {
	login "$1"
	post "$1 enables" /api/auth/two-factor/enable \
	    "{\"password\":\"pw-of-$1-123\"}" -H "Authorization: Bearer $AT"
	ti_expect_status 200
	URI=$(ti_json 'j["totpURI"]')
	BC=$(ti_json 'j["backupCodes"][0]')
	SECRET=${URI#*secret=}
	SECRET=${SECRET%%&*}
	ti_secret "$SECRET" "$BC"
	post "$1 confirms" /api/auth/two-factor/verify-totp \
	    "{\"code\":\"$(ti_totp "$URI" 0)\"}" -H "Authorization: Bearer $AT"
	ti_expect_status 200
}
uid() { sql "SELECT id FROM users WHERE email = '$1@example.com'"; }
stored() { sql "SELECT totp_secret FROM users WHERE email = '$1@example.com'"; }
row() {
	sql "SELECT totp_secret, totp_enabled, totp_step FROM users WHERE email = '$1@example.com'"
}
secrets() { sql "SELECT id, totp_secret, totp_enabled, totp_step FROM users ORDER BY id"; }
# legacy: a fresh base32 key, as versions before sealing stored it.
legacy() {
	/usr/bin/python3 -c 'import base64, os
print(base64.b32encode(os.urandom(20)).decode().rstrip("="))'
}
# seal CASE CONFIG STATUS OUT [ARGS...]: authctl user 2fa-seal [ARGS]
# under CONFIG exits STATUS and prints OUT (sealed now, re-keyed, before,
# unreadable); its standard error in $T/seal.err (and authctl.log).
seal() {
	local rc c=$1 conf=$2 st=$3 out=$4

	shift 4
	AUTH_CONFIG=$conf "$AUTHCTL" user 2fa-seal "$@" >"$T/seal.out" \
	    2>"$T/seal.err"
	rc=$?
	cat "$T/seal.err" >>"$T/authctl.log"
	set -- "$c" "$conf" "$st" "$out"
	TI_CASE=$1
	ti_expect_true "authctl user 2fa-seal exits $3 (got $rc)" test "$rc" = "$3"
	ti_expect_true "it prints '$4' (got '$(cat "$T/seal.out")')" \
	    test "$(cat "$T/seal.out")" = "$(printf "$4")"
}
sessions() {
	sql "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '$1@example.com'"
}
# restart CONFIG: refresh again, under the configuration CONFIG (the
# first one's log kept aside as auth.N.log).
NRESTART=0
restart() {
	local p

	for p in $(cat "$T/auth.pid"); do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $(cat "$T/auth.pid"); do
		ti_wait_gone "$p" 100 || { echo "refresh $p did not stop"; exit 99; }
	done
	NRESTART=$((NRESTART + 1))
	mv "$T/auth.log" "$T/auth.$NRESTART.log"
	AUTH_CONFIG=$1 ti_spawn auth "$top_builddir/cgi-bin/refresh" 2
}

# --- Enrolment stores the key sealed -------------------------------------
enrol alice
AID=$(uid alice)
A_URI=$URI
A_SECRET=$SECRET
A_STORED=$(stored alice)
TI_CASE="alice's stored secret"
ti_expect_true "the column does not hold the secret the answer gave" \
    sh -c "! printf '%s' '$A_STORED' | grep -qiF '$A_SECRET'"
ti_expect_true "the column holds a sealed value (v1.): ${A_STORED:0:12}..." \
    test "${A_STORED#v1.}" != "$A_STORED"
ti_expect_true "the column is not empty" test ${#A_STORED} -gt 40

# --- Sign-in with a code still works -------------------------------------
login alice
ti_expect_true "a code must follow alice's password" test -n "$TF"
code "alice's code" "$(ti_totp "$A_URI" 1)"
ti_expect_status 200
ti_expect_true "alice has tokens after her code" test -n "$(ti_json 'j["accessToken"]')"
ti_expect_true "the sealed value is kept as it was" \
    test "$(stored alice)" = "$A_STORED"

# --- A key stored in clear before sealing --------------------------------
CID=$(uid carol)
LEGACY=$(legacy)
ti_secret "$LEGACY"
sql "UPDATE users SET totp_secret = '$LEGACY', totp_enabled = 1, totp_step = 0 WHERE id = '$CID'" >/dev/null
login carol
ti_expect_true "a code must follow carol's password" test -n "$TF"
code "a wrong code on a clear row" 000000
ti_expect_error 401 two_factor_invalid
ti_expect_true "a wrong code leaves the clear row as it was" \
    test "$(stored carol)" = "$LEGACY"
code "carol's code, from the clear key" "$(ti_totp "$LEGACY" 0)"
ti_expect_status 200
C_STORED=$(stored carol)
TI_CASE="carol's row after her code"
ti_expect_true "carol's row is sealed now: ${C_STORED:0:12}..." \
    test "${C_STORED#v1.}" != "$C_STORED"
ti_expect_true "carol's row no longer holds the clear key" \
    sh -c "! printf '%s' '$C_STORED' | grep -qiF '$LEGACY'"
ti_expect_true "the log says carol's key was sealed" \
    grep -q "event=totp_secret_sealed user=$CID" "$T/auth.log"
login carol
code "carol's next code, from the sealed key" "$(ti_totp "$LEGACY" 1)"
ti_expect_status 200
ti_expect_true "sealed once: the value stays" test "$(stored carol)" = "$C_STORED"

# --- A sealed key copied onto another user -------------------------------
BID=$(uid bob)
sql "UPDATE users SET totp_secret = '$A_STORED', totp_enabled = 1, totp_step = 0 WHERE id = '$BID'" >/dev/null
login bob
ti_expect_true "a code must follow bob's password" test -n "$TF"
code "alice's code on bob's row" "$(ti_totp "$A_URI" 1)"
ti_expect_error 401 two_factor_invalid
ti_expect_true "no session for bob" test "$(sessions bob)" = 0
ti_expect_true "the log names bob's unreadable secret" \
    grep -q "event=totp_secret_unreadable user=$BID" "$T/auth.log"

# --- authctl user 2fa-seal ----------------------------------------------
EID=$(uid erin)
E_LEGACY=$(legacy)
ti_secret "$E_LEGACY"
sql "UPDATE users SET totp_secret = '$E_LEGACY', totp_enabled = 1, totp_step = 0 WHERE id = '$EID'" >/dev/null
# 250 more in clear, more than one batch of the command's (by id, 100).
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) INSERT INTO users (id, email, password_hash, created, updated, totp_secret, totp_enabled) SELECT 'bulk-' || (1000 + i), 'bulk' || (1000 + i) || '@example.com', 'x', 0, 0, '$(legacy)', 1 FROM n" >/dev/null
# alice and carol sealed, erin and the 250 in clear, bob's copy of
# alice's opens not.
seal "2fa-seal" "$AUTH_CONFIG" 1 \
    'sealed now: 251\tre-keyed: 0\tsealed before: 2\tunreadable: 1'
ti_expect_true "every bulk row sealed" test "$(sql "SELECT count(*) FROM users WHERE id LIKE 'bulk-%' AND totp_secret LIKE 'v1.%'")" = 250
E_STORED=$(stored erin)
ti_expect_true "erin's row is sealed now: ${E_STORED:0:12}..." \
    test "${E_STORED#v1.}" != "$E_STORED"
ti_expect_true "erin's row no longer holds the clear key" \
    sh -c "! printf '%s' '$E_STORED' | grep -qiF '$E_LEGACY'"
ti_expect_true "the sealed ones are kept as they were" \
    test "$(stored alice)" = "$A_STORED" -a "$(stored carol)" = "$C_STORED"
ti_expect_true "authctl logs bob's unreadable secret" \
    grep -q "event=totp_secret_unreadable user=$BID" "$T/authctl.log"
ALL=$(secrets)
seal "2fa-seal again" "$AUTH_CONFIG" 1 \
    'sealed now: 0\tre-keyed: 0\tsealed before: 253\tunreadable: 1'
ti_expect_true "nothing changed the second time" test "$(secrets)" = "$ALL"
login erin
code "erin's code, from her key sealed by authctl" "$(ti_totp "$E_LEGACY" 0)"
ti_expect_status 200

# --- The server's secret changed -----------------------------------------
enrol dave
DID=$(uid dave)
D_URI=$URI
D_BC=$BC
login dave
code "a wrong code, before" 999999
ti_expect_error 401 two_factor_invalid
WRONG_BODY=$(cat "$T/last.body")
D_ROW=$(row dave)
D_SESSIONS=$(sessions dave)
D_BACKUP=$(sql "SELECT count(*) FROM backup_codes WHERE user_id = '$DID' AND used IS NULL")
ti_key "$T/other.key"
sed "s|^JWT_SECRET_FILE=.*|JWT_SECRET_FILE=$T/other.key|" "$T/auth.conf" \
    >"$T/other.conf"
chmod 600 "$T/other.conf"
restart "$T/other.conf"
login dave
ti_expect_true "a code must follow dave's password" test -n "$TF"
code "dave's right code under another secret" "$(ti_totp "$D_URI" 1)"
ti_expect_error 401 two_factor_invalid
ti_expect_true "the same body as a wrong code's" \
    test "$(cat "$T/last.body")" = "$WRONG_BODY"
TI_CASE="after the refused code"
ti_expect_true "the log says the secret does not open and what to do" \
    grep -q "event=totp_secret_unreadable user=$DID hint=.*does not open with the current key.*REFRESH_TOKEN_SECRET_FILE.*backup code.*authctl user 2fa-disable" "$T/auth.log"
ti_expect_true "dave's row unchanged" test "$(row dave)" = "$D_ROW"
ti_expect_true "no session for dave" test "$(sessions dave)" = "$D_SESSIONS"
ti_expect_true "dave's backup codes unchanged" test "$(sql "SELECT count(*) FROM backup_codes WHERE user_id = '$DID' AND used IS NULL")" = "$D_BACKUP"
ALL=$(secrets)
seal "2fa-seal under another secret" "$T/other.conf" 1 \
    'sealed now: 0\tre-keyed: 0\tsealed before: 0\tunreadable: 255'
ti_expect_true "it changed nothing" test "$(secrets)" = "$ALL"
code "dave's backup code under another secret" "$D_BC" \
    /api/auth/two-factor/verify-backup-code
ti_expect_status 200
ti_expect_true "dave has tokens after his backup code" \
    test -n "$(ti_json 'j["accessToken"]')"
restart "$T/auth.conf"
login dave
code "dave's code with the old secret back" "$(ti_totp "$D_URI" 1)"
ti_expect_status 200
ti_expect_true "dave has tokens after his code" \
    test -n "$(ti_json 'j["accessToken"]')"

# --- A planned change of secret: 2fa-seal --from OLDFILE ------------------
# refresh runs under auth.conf again: K from the signing secret (jwt.key,
# no REFRESH_TOKEN_SECRET_FILE).  frank enrols under it.
enrol frank
FID=$(uid frank)
F_URI=$URI
F_SECRET=$SECRET
ti_key "$T/refresh-a.key"
ti_key "$T/refresh-b.key"
chmod 600 "$T/refresh-a.key" "$T/refresh-b.key"
{ cat "$T/auth.conf"; echo "REFRESH_TOKEN_SECRET_FILE=$T/refresh-a.key"; } \
    >"$T/a.conf"
{ cat "$T/auth.conf"; echo "REFRESH_TOKEN_SECRET_FILE=$T/refresh-b.key"; } \
    >"$T/b.conf"
chmod 600 "$T/a.conf" "$T/b.conf"
# sealed: alice, carol, erin, dave, frank and the 250; bob's opens not.
# 1. A REFRESH_TOKEN_SECRET_FILE added where there was none.
restart "$T/a.conf"
login frank
ti_expect_true "a code must follow frank's password" test -n "$TF"
code "frank's right code, the file added, before 2fa-seal --from" \
    "$(ti_totp "$F_URI" 1)"
ti_expect_error 401 two_factor_invalid
BEFORE=$(secrets)
seal "2fa-seal --from the old JWT_SECRET_FILE" "$T/a.conf" 1 \
    'sealed now: 0\tre-keyed: 255\tsealed before: 0\tunreadable: 1' \
    --from "$T/jwt.key"
AFTER=$(secrets)
ti_expect_true "rows changed" test "$AFTER" != "$BEFORE"
ti_expect_true "every re-keyed row changed: $(printf '%s\n' "$BEFORE" "$AFTER" | sort | uniq -u | wc -l) lines differ" \
    test "$(printf '%s\n' "$BEFORE" "$AFTER" | sort | uniq -u | wc -l)" = 510
ti_expect_true "every row sealed (v1.), none in clear" test "$(sql "SELECT count(*) FROM users WHERE totp_secret IS NOT NULL AND totp_secret <> '' AND totp_secret NOT LIKE 'v1.%'")" = 0
ti_expect_true "frank's column does not hold his secret" \
    sh -c "! printf '%s' '$(stored frank)' | grep -qiF '$F_SECRET'"
ti_expect_true "bob's row, opening under neither key, is kept" \
    test "$(stored bob)" = "$A_STORED"
ti_expect_true "authctl logs the re-keyed rows" \
    grep -q "event=totp_secret_rekeyed user=$FID" "$T/authctl.log"
code "frank's code after 2fa-seal --from" "$(ti_totp "$F_URI" 1)"
ti_expect_status 200
ti_expect_true "frank has tokens after his code" \
    test -n "$(ti_json 'j["accessToken"]')"
AFTER=$(secrets)
FR=$(sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$T/last.headers")
ti_expect_true "frank's code gave a refresh cookie" test -n "$FR"
seal "2fa-seal --from again" "$T/a.conf" 1 \
    'sealed now: 0\tre-keyed: 0\tsealed before: 255\tunreadable: 1' \
    --from "$T/jwt.key"
ti_expect_true "nothing changed the second time" test "$(secrets)" = "$AFTER"

# 2. REFRESH_TOKEN_SECRET_FILE rotated from A to B.  gina enrols under A.
enrol gina
G_URI=$URI
restart "$T/b.conf"
# A new K does not log out: a refresh token is found by its hash.
ti_request "frank's refresh token from under A, under B" /api/auth/refresh \
    -X POST -H "Origin: $ORIGIN" -H "Cookie: refreshToken=$FR"
ti_expect_status 200
login gina
ti_expect_true "a code must follow gina's password" test -n "$TF"
code "gina's right code under B, before 2fa-seal --from" \
    "$(ti_totp "$G_URI" 1)"
ti_expect_error 401 two_factor_invalid
ti_expect_true "the log points at 2fa-seal --from" \
    grep -q "event=totp_secret_unreadable user=$(uid gina) hint=.*authctl user 2fa-seal --from OLDFILE" "$T/auth.log"
BEFORE=$(secrets)
# OLDFILE that cannot serve: exit 2, a reason, nothing changed.
# badfile CASE WHY ARGS...: 2fa-seal ARGS under B exits 2, says WHY.
badfile() {
	local c=$1 why=$2

	shift 2
	seal "$c" "$T/b.conf" 2 '' "$@"
	ti_expect_true "it says: $why ($(head -c 300 "$T/seal.err"))" \
	    grep -q -- "$why" "$T/seal.err"
	ti_expect_true "nothing changed" test "$(secrets)" = "$BEFORE"
}
badfile "--from a missing file" "$T/nowhere.key" --from "$T/nowhere.key"
cp "$T/refresh-a.key" "$T/open.key"
chmod 644 "$T/open.key"
badfile "--from a world-readable file" "world-readable: chmod o-r" \
    --from "$T/open.key"
printf 'only-twenty-bytes-ok\n' >"$T/short.key"
chmod 600 "$T/short.key"
badfile "--from a file too short" "holds 20 bytes; at least 32" \
    --from "$T/short.key"
badfile "--from the current file" "gives the key in use now" \
    --from "$T/refresh-b.key"
badfile "--from twice" "given twice" \
    --from "$T/refresh-a.key" --from "$T/refresh-a.key"
# A file that reads but is not the old secret: nothing opens under it.
seal "2fa-seal --from a file that is not the old secret" "$T/b.conf" 1 \
    'sealed now: 0\tre-keyed: 0\tsealed before: 0\tunreadable: 257' \
    --from "$T/other.key"
ti_expect_true "nothing changed" test "$(secrets)" = "$BEFORE"
seal "2fa-seal --from A" "$T/b.conf" 1 \
    'sealed now: 0\tre-keyed: 256\tsealed before: 0\tunreadable: 1' \
    --from "$T/refresh-a.key"
AFTER=$(secrets)
ti_expect_true "every re-keyed row changed" \
    test "$(printf '%s\n' "$BEFORE" "$AFTER" | sort | uniq -u | wc -l)" = 512
ti_expect_true "every row sealed (v1.), none in clear" test "$(sql "SELECT count(*) FROM users WHERE totp_secret IS NOT NULL AND totp_secret <> '' AND totp_secret NOT LIKE 'v1.%'")" = 0
code "gina's code after 2fa-seal --from A" "$(ti_totp "$G_URI" 1)"
ti_expect_status 200
ti_expect_true "gina has tokens after her code" \
    test -n "$(ti_json 'j["accessToken"]')"
AFTER=$(secrets)
seal "2fa-seal --from A again" "$T/b.conf" 1 \
    'sealed now: 0\tre-keyed: 0\tsealed before: 256\tunreadable: 1' \
    --from "$T/refresh-a.key"
ti_expect_true "nothing changed the second time" test "$(secrets)" = "$AFTER"

ti_expect_logs_clean
ti_expect_no_secret "$A_SECRET" "$LEGACY" "$E_LEGACY" "$D_BC" "$F_SECRET"
ti_done
