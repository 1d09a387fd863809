#!/bin/bash
# session.sh: the session page (src/www) and auth-client.js in a real
# browser: Debian's Chromium (/usr/bin/chromium, headless, no background
# networking, a fresh profile) driven by playwright-core (version pinned
# by tests/browser/package-lock.json, installed with npm ci into a cache
# outside the tree, as better_auth.sh installs Better Auth) against the
# four programs under etc/spawn-fcgi/jwt-auth.sh behind nginx with
# etc/nginx/jwt-auth.conf, which serves the page at /account/ with its
# CSP.  A second nginx server on 127.0.0.2 (listed in ALLOWED_ORIGINS)
# and 127.0.0.3 (not listed) serves the foreign page of the CORS check.
# session.mjs prints each check: login through the page; the refresh
# cookie HttpOnly, SameSite, path-scoped and not in document.cookie; two
# tabs whose tokens expire together make one /api/auth/refresh call
# (counted in nginx's access log) and both keep working; a session
# revoked on the page logs the other device out on its next call within
# 1 s; a tab closed in the middle of a refresh (held up by a SQLite lock
# that another process takes: refresh carries it out, its answer is lost)
# leaves the other tab's refresh working (the grace window gives it the
# same successor) and the session whole; the account forms: two-factor
# enrolment (the page's QR code decoded with zbarimg when zbar-tools is
# installed, else that check is skipped), logins with a TOTP code and a
# backup code, a password change, a forgotten password by mail (the
# capture command's message, its link followed), deleting the account;
# CORS; no CSP violation; a screenshot in tests/browser/session.out/ of
# the build tree.
# Skipped (77) without Chromium, Node.js 20+ and npm, or when the npm
# install fails.
here=$(dirname "$0")
. "$here/../integration/lib.sh"
. "$here/../integration/lib_servers.sh"

ti_init
# Chromium drives the programs, not the other way round: a sanitizer
# build adds nothing a browser could find, only time, so the test runs
# in the plain build (make check exports the build's SAN_CFLAGS).
[ -z "${ac_san_cflags:-}" ] ||
    ti_skip "runs in the plain build only (this build has $ac_san_cflags)"
ti_need nginx sqlite3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] ||
    ti_skip "Chromium not installed ($CHROMIUM; apt-get install chromium)"
ti_need_node
SRC=$top_srcdir/tests/browser

# npm ci into ${TMPDIR:-/tmp}/ac-browser.UID/HASH (ti_npm_ci).
ti_npm_ci browser "$SRC" 300 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
PW_MODULES=$TI_NPM_MODULES

# The suite: configuration, users, programs, nginx.
mkdir -p "$T/run" "$T/bin" "$T/www" "$T/foreign" "$T/mail"
# The mail command: each message into a file of its own (the reset link).
printf '#!/bin/sh\nf=$(mktemp "%s/tmp.XXXXXX") && cat >"$f" && mv "$f" "$f.eml"\n' \
    "$T/mail" >"$T/capture.sh"
chmod +x "$T/capture.sh"
ti_key "$T/jwt.key" HS256
FPORT=$(ti_port)
AUTH_CONFIG=$T/auth.conf
export AUTH_CONFIG
# debug logs every request, which the closed-tab check counts.
ti_config "$AUTH_CONFIG" "JWT_SECRET_FILE=$T/jwt.key" \
    "DATABASE_URL=$T/auth.db" AUTH_COOKIE_SECURE=false \
    "ALLOWED_ORIGINS=http://127.0.0.2:$FPORT" LOG_LEVEL=debug \
    "AUTH_MAIL_COMMAND=$T/capture.sh"
chmod 600 "$AUTH_CONFIG"
"$AUTHCTL" db migrate >/dev/null || { echo "migrate failed"; exit 99; }
echo "pw-of-alice-123" | "$AUTHCTL" user add alice@example.com >/dev/null &&
echo "pw-of-bob-1234" | "$AUTHCTL" user add bob@example.com >/dev/null &&
echo "pw-of-carol-123" | "$AUTHCTL" user add carol@example.com >/dev/null ||
    { echo "user add failed"; exit 99; }
for p in verify jwks refresh todos; do
	cp "$top_builddir/cgi-bin/$p" "$T/bin/"
done
ts_start_programs verify jwks refresh todos
echo '<!doctype html><title>another site</title><p>another site</p>' \
    >"$T/foreign/foreign.html"
cat >"$T/foreign.conf" <<EOF
server {
	listen 127.0.0.2:$FPORT;
	listen 127.0.0.3:$FPORT;
	root $T/foreign;
}
EOF
TS_NGINX_EXTRA=$T/foreign.conf ts_nginx

OUT=$top_builddir/tests/browser/session.out
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$SRC/session.mjs" "$T/session.mjs"
ln -s "$PW_MODULES" "$T/node_modules"
# Chromium's profile and Playwright's files go under $T (TMPDIR).
TMPDIR=$T BASE=http://127.0.0.1:$TI_PORT CHROMIUM=$CHROMIUM \
    ORIGIN_OK=http://127.0.0.2:$FPORT ORIGIN_BAD=http://127.0.0.3:$FPORT \
    EMAIL=alice@example.com PASSWORD=pw-of-alice-123 \
    EMAIL2=bob@example.com PASSWORD2=pw-of-bob-1234 SAMESITE=Strict \
    EMAIL3=carol@example.com PASSWORD3=pw-of-carol-123 MAILS=$T/mail \
    ACCESS_LOG=$T/nginx-access.log REFRESH_LOG=$T/refresh.log \
    DB=$T/auth.db OUT=$OUT \
    timeout 240 node "$T/session.mjs" >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
TI_PASS=$((TI_PASS + $(grep -c '^ok - ' "$T/browser.out")))
TI_FAIL=$((TI_FAIL + $(grep -c '^not ok - ' "$T/browser.out")))
TI_CASE=browser
TI_STATUS=
: >"$T/last.headers"
: >"$T/last.body"
ti_expect_true "session.mjs ran to its end (exit $rc)" \
    [ "$rc" = 0 -o "$TI_FAIL" -gt 0 ]
ti_expect_true "screenshot written" [ -s "$OUT/session-page.png" ]
ti_expect_logs_clean
ti_done
