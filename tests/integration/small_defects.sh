#!/bin/bash
# small_defects.sh: small things the quickstarts' users met, through
# nginx with refresh, verify and jwks on one SQLite file:
#   - the refresh answer carries Cache-Control once;
#   - a cookie refresh without Origin is refused (403) with what to send;
#   - the sessions list keeps the spaces of a User-Agent;
#   - signup's 422 names only the field that failed;
#   - RFC 8414 metadata names no issuer without JWT_ISSUER and no
#     introspection endpoint without a client (verify answers 404 then);
#   - verify's /readyz opens the database its revocation list polls;
#   - authctl db version never creates a SQLite file, and check-config
#     opens DATABASE_URL;
#   - on a full disk (a 1 MiB tmpfs, when this may mount one) refresh
#     logs SQLite's own error, not "no transaction is active".
. "$(dirname "$0")/lib.sh"

ti_init sqlite3
ti_auth_setup "$T/auth.db" AUTH_SIGNUP=true
ti_user erin@example.com pw-of-erin-123
ti_spawn auth "$top_builddir/cgi-bin/refresh" 1
ti_spawn verify "$top_builddir/cgi-bin/verify" 1
ti_spawn jwks "$top_builddir/cgi-bin/jwks" 1
ti_route /api/auth/ auth
ti_route /verify verify
ti_route /readyz verify
ti_route /.well-known/ jwks
ti_nginx
J='Content-Type: application/json'
UA='Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0'

ti_request login /api/auth/login -X POST -H "$J" -A "$UA" \
    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}'
ti_expect_status 200
AT=$(ti_json 'j["accessToken"]')
RT=$(sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$T/last.headers")
ti_secret "$AT" "$RT"

ti_request "refresh by cookie" /api/auth/refresh -X POST \
    -H "Sec-Fetch-Site: same-origin" -H "Cookie: refreshToken=$RT"
ti_expect_status 200
ti_expect_true "one Cache-Control ($(grep -ci '^Cache-Control:' "$T/last.headers"))" \
    test "$(grep -ci '^Cache-Control:' "$T/last.headers")" = 1
RT=$(sed -n 's/^Set-Cookie: refreshToken=\([^;]*\);.*/\1/p' "$T/last.headers")
ti_secret "$RT"

ti_request "the quickstart's refresh curl (no Origin)" /api/auth/refresh \
    -X POST -H "Cookie: refreshToken=$RT"
ti_expect_status 403
ti_expect_json 'j["error"]["reason"]' cross_site_refused
ti_expect_json '"send Origin" in j["error"]["message"] and "Sec-Fetch-Site" in j["error"]["message"]' true
ti_expect_json 'j["error"]["details"][0]["message"]' \
    "required for a request that relies on the cookie: send Origin: http://127.0.0.1:$TI_PORT (or Sec-Fetch-Site: same-origin)"
ti_request "with that Origin it works" /api/auth/refresh -X POST \
    -H "Origin: http://127.0.0.1:$TI_PORT" -H "Cookie: refreshToken=$RT"
ti_expect_status 200

ti_request "sessions list" /api/auth/sessions -H "Authorization: Bearer $AT"
ti_expect_status 200
ti_expect_json '[s["userAgent"] for s in j["sessions"]]' "[\"$UA\"]"

ti_request "signup: only the password is short" /api/auth/signup -X POST \
    -H "$J" --data '{"email":"new@example.com","password":"short"}'
ti_expect_status 422
ti_expect_json '[d["field"] for d in j["error"]["details"]]' '["password"]'
ti_request "signup: only the email is bad" /api/auth/signup -X POST \
    -H "$J" --data '{"email":"no-at-sign","password":"long-enough-pw"}'
ti_expect_status 422
ti_expect_json '[d["field"] for d in j["error"]["details"]]' '["email"]'
ti_expect_true "nothing stored" \
    test "$(sqlite3 "$T/auth.db" 'SELECT count(*) FROM users')" = 1

ti_request metadata /.well-known/oauth-authorization-server
ti_expect_status 200
ti_expect_json '"issuer" in j, "introspection_endpoint" in j' '[false, false]'
ti_expect_json 'j["jwks_uri"]' "http://127.0.0.1:$TI_PORT/.well-known/jwks.json"

ti_request "verify ready" /readyz
ti_expect_status 200
ti_expect_json 'j["checks"]["database"]' ok
mv "$T/auth.db" "$T/auth.db.away"
ti_request "verify not ready without its database" /readyz
ti_expect_status 503
ti_expect_json 'j["checks"]["database"]' unavailable
mv "$T/auth.db.away" "$T/auth.db"

TI_CASE="authctl"
out=$(DATABASE_URL=$T/none.db "$AUTHCTL" db version 2>&1)
ti_expect_true "db version on a missing file: exit 1 ($out)" test $? -ne 0
ti_expect_true "and no file made" test ! -e "$T/none.db"
DATABASE_URL=$T/none.db "$AUTHCTL" check-config >"$T/cc.out" 2>&1
ti_expect_true "check-config fails without the database" test $? -eq 1
ti_expect_true "and names it" grep -q "^problem: .*none.db" "$T/cc.out"
ti_expect_true "and no file made" test ! -e "$T/none.db"
"$AUTHCTL" check-config >"$T/cc.out" 2>&1
ti_expect_true "check-config with the database: ok" test $? -eq 0
ti_expect_true "and its schema" grep -q '^database: schema version' "$T/cc.out"

# A full disk: refresh on a database in a 1 MiB tmpfs, filled.
mkdir -p "$T/small"
if mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	TI_CASE="full disk"
	cp "$T/auth.conf" "$T/small.conf"
	sed -i "s|^DATABASE_URL=.*|DATABASE_URL=$T/small/auth.db|" \
	    "$T/small.conf"
	AUTH_CONFIG=$T/small.conf "$AUTHCTL" db migrate >/dev/null
	printf 'pw-of-erin-123\n' | AUTH_CONFIG=$T/small.conf \
	    "$AUTHCTL" user add erin@example.com >/dev/null 2>&1
	full_host()
	{
		AUTH_CONFIG=$T/../small.conf ti_spawn full \
		    "$top_builddir/cgi-bin/refresh" 1
		ti_route /api/auth/ full
	}
	port=$TI_PORT
	ti_group fullhost full_host
	TI_PORT=$port
	# A login with room (the connection and its WAL open), then the
	# disk filled, then more (the first may still fit in a page).
	curl -s -o /dev/null -X POST -H "$J" \
	    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}' \
	    "http://127.0.0.1:$PORT_fullhost/api/auth/login"
	dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null
	for i in 1 2 3 4 5; do
		curl -s -o /dev/null -X POST -H "$J" \
		    --data '{"email":"erin@example.com","password":"pw-of-erin-123"}' \
		    "http://127.0.0.1:$PORT_fullhost/api/auth/login"
	done
	ti_expect_true "the refresh log names the full disk" \
	    grep -q 'disk is full' "$T/fullhost/full.log"
	ti_expect_true "and never 'no transaction is active'" \
	    sh -c "! grep -q 'no transaction is active' '$T/fullhost/full.log'"
	rm -f "$T/small/fill"
	umount -l "$T/small"
fi
ti_done
