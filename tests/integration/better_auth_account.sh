#!/bin/bash
# better_auth_account.sh: Better Auth's own browser client (better-auth/
# client and its twoFactorClient plugin, the version
# better_auth/package-lock.json pins) against refresh's account routes
# through nginx: requestPasswordReset (the link read from the mail a
# capture command wrote), resetPassword, changePassword, twoFactor.enable,
# verifyTotp (enrolment, then a sign-in that answered twoFactorRedirect),
# verifyBackupCode, disable, sendVerificationEmail, deleteUser: a front
# end written for Better Auth works unchanged (sign-in itself is the
# suite's POST /api/auth/login).  Skipped without node 20+ and npm.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_better_auth.sh"

ti_init
ba_install
ba_setup account_client.mjs
mkdir -p "$T/mail"
printf '#!/bin/sh\nf=$(mktemp "%s/tmp.XXXXXX") && cat >"$f" && mv "$f" "$f.eml"\n' \
    "$T/mail" >"$T/capture.sh"
chmod +x "$T/capture.sh"
ti_auth_setup "$T/auth.db" "AUTH_MAIL_COMMAND=$T/capture.sh" "LOG_LEVEL=info"
ti_user dana@example.com pw-of-dana-123
ti_spawn auth "$top_builddir/cgi-bin/refresh" 2
ti_route /api/auth/ auth
ti_nginx

BASE=http://127.0.0.1:$TI_PORT EMAIL=dana@example.com \
    PASSWORD=pw-of-dana-123 MAILS=$T/mail \
    timeout 120 node "$B/account_client.mjs" >"$T/client.out" 2>&1
rc=$?
cat "$T/client.out"
TI_PASS=$((TI_PASS + $(grep -c '^ok - ' "$T/client.out")))
TI_FAIL=$((TI_FAIL + $(grep -c '^not ok - ' "$T/client.out")))
TI_CASE=client
TI_STATUS=
: >"$T/last.headers"
: >"$T/last.body"
ti_expect_true "account_client.mjs ran to its end (exit $rc)" \
    [ "$rc" = 0 -o "$TI_FAIL" -gt 0 ]
ti_expect_logs_clean
ti_done
