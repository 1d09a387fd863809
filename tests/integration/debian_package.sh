#!/bin/bash
# debian_package.sh: builds the Debian package from this tree
# (dpkg-buildpackage -us -uc -b, debian/), checks it with lintian (no
# error), installs it on this machine with dpkg -i, checks what the
# postinst made (the jwt-auth user, /etc/jwt-auth-suite/auth.conf 0640,
# /var/lib/jwt-auth-suite 0750, a key, the migrated database), starts
# verify as the installed socket/service units say (ExecStart, User,
# AUTH_CONFIG) under spawn-fcgi behind nginx, gets a 200 and a 401, and
# purges the package again.
#
# The build takes minutes, so the test runs only when AC_PACKAGE_TEST=1:
# tests/run.sh sets it for one step of its own, never for both builds or
# inside distcheck.  Skipped (77) without dpkg-buildpackage, debhelper,
# lintian or fakeroot, when not root, outside a git checkout, or when
# the package is installed already (a real installation is not touched).
. "$(dirname "$0")/lib.sh"

PKG=jwt-auth-suite
UNIT=/lib/systemd/system/jwt-auth@.service
CONF=/etc/jwt-auth-suite/auth.conf
STATE=/var/lib/jwt-auth-suite

ti_init
[ "${AC_PACKAGE_TEST:-0}" = 1 ] ||
    ti_skip "set AC_PACKAGE_TEST=1 to build and install the package"
ti_need dpkg-buildpackage dh lintian fakeroot nginx git
[ "$(id -u)" = 0 ] || ti_skip "dpkg -i needs root"
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 ||
    ti_skip "not a git checkout"

# One package test at a time on a machine (dpkg's lock, one jwt-auth
# user): a second waits here.
exec 9>"${TMPDIR:-/tmp}/ac-debian-package.lock"
flock -w 900 9 || { echo "another package test holds the lock"; exit 99; }
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
	ti_skip "$PKG is installed on this machine; not touching it"
fi

installed=
pkg_cleanup()
{
	if [ -n "$installed" ]; then
		dpkg --purge "$PKG" >>"$T/dpkg.log" 2>&1 ||
		    echo "dpkg --purge $PKG failed: see $T/dpkg.log" >&2
	fi
	ti_cleanup
}
trap pkg_cleanup EXIT

# --- build: the files git tracks or would track, as they are now ------
TI_CASE="dpkg-buildpackage"
TI_STATUS=
: >"$T/last.headers"
: >"$T/last.body"
mkdir "$T/src"
(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    tar --null -T - -cf -) | tar -xf - -C "$T/src" ||
    { echo "copying the tree failed"; exit 99; }
if (cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
	ti_pass
else
	tail -n 60 "$T/build.log" >"$T/last.body"
	ti_fail "package build" success "failure (build.log)"
	ti_done
fi
deb=$(ls "$T"/${PKG}_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$T"/${PKG}_*.changes 2>/dev/null | head -n 1)
ti_expect_true "a .deb named ${PKG}_*.deb" test -f "$deb"
[ -f "$deb" ] || ti_done

# --- lintian: no error ----------------------------------------------
TI_CASE=lintian
lintian "$changes" >"$T/lintian.out" 2>&1
cat "$T/lintian.out"
errors=$(grep -c '^E: ' "$T/lintian.out")
echo "lintian: $errors errors, $(grep -c '^W: ' "$T/lintian.out") warnings"
cp "$T/lintian.out" "$T/last.body"
ti_expect_true "lintian reports no error" test "$errors" -eq 0

# --- contents ---------------------------------------------------------
TI_CASE="contents"
dpkg-deb -c "$deb" >"$T/contents"
for f in ./usr/lib/cgi-bin/jwt-auth/verify ./usr/lib/cgi-bin/jwt-auth/refresh \
    ./usr/lib/cgi-bin/jwt-auth/jwks ./usr/lib/cgi-bin/jwt-auth/todos \
    ./usr/bin/authctl ./usr/share/man/man1/authctl.1.gz \
    ./usr/share/man/man5/auth.conf.5.gz ./usr/share/man/man8/verify.8.gz \
    ./lib/systemd/system/jwt-auth@.service \
    ./lib/systemd/system/jwt-auth@.socket \
    ./lib/systemd/system/jwt-auth-prune.service \
    ./lib/systemd/system/jwt-auth-prune.timer \
    ./usr/share/jwt-auth-suite/examples/nginx/jwt-auth.conf \
    ./usr/share/jwt-auth-suite/db/sqlite/0001_auth.sql \
    ./usr/share/jwt-auth-suite/db/postgresql/0001_auth.sql ./etc/jwt-auth-suite/auth.conf \
    ./var/lib/jwt-auth-suite/; do
	ti_expect_true "package holds $f" \
	    awk -v f="$f" '$6 == f { found = 1 } END { exit !found }' "$T/contents"
done
ti_expect_true "auth.conf is a conffile" \
    sh -c "dpkg-deb -e '$deb' '$T/control' && grep -qx '$CONF' '$T/control/conffiles'"
ti_expect_true "the unit runs the installed program" \
    sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - .$UNIT |
    grep -qx 'ExecStart=/usr/lib/cgi-bin/jwt-auth/%i'"

# --- install ------------------------------------------------------------
TI_CASE="dpkg -i"
installed=1
if dpkg -i "$deb" >"$T/dpkg.log" 2>&1; then
	ti_pass
else
	cp "$T/dpkg.log" "$T/last.body"
	ti_fail "dpkg -i" success failure
	ti_done
fi
cat "$T/dpkg.log"
TI_CASE="postinst"
ti_expect_true "system user jwt-auth" \
    sh -c 'id -u jwt-auth >/dev/null && [ "$(id -u jwt-auth)" -lt 1000 ]'
ti_expect_true "$CONF is 0640 root:jwt-auth" \
    test "$(stat -c '%a %U %G' "$CONF")" = "640 root jwt-auth"
ti_expect_true "$STATE is 0750 jwt-auth:jwt-auth" \
    test "$(stat -c '%a %U %G' "$STATE")" = "750 jwt-auth jwt-auth"
key=$(sed -n 's/^JWT_SECRET_FILE=//p' "$CONF")
ti_expect_true "a key was made ($key, 0640 root:jwt-auth)" \
    test "$(stat -c '%a %U %G' "$key" 2>/dev/null)" = "640 root jwt-auth"
ti_expect_true "the database is migrated and belongs to jwt-auth" \
    sh -c "runuser -u jwt-auth -- env AUTH_CONFIG=$CONF authctl db version &&
    test \"\$(stat -c %U $STATE/auth.db)\" = jwt-auth"
ti_expect_true "authctl check-config is content with the installed files" \
    env AUTH_CONFIG="$CONF" authctl check-config
TI_CASE="reinstall"
ti_expect_true "a second configure keeps the key" sh -c "
    sum=\$(sha256sum <'$key'); dpkg -i '$deb' >>'$T/dpkg.log' 2>&1 &&
    [ \"\$(sha256sum <'$key')\" = \"\$sum\" ]"

# --- verify as the installed units start it, behind nginx ---------------
unit_value()
{
	sed -n "s/^$1=//p" "$UNIT" | head -n 1
}
exe=$(unit_value ExecStart | sed 's/%i/verify/g')
user=$(unit_value User)
group=$(unit_value Group)
conf=$(unit_value Environment | sed -n 's/^AUTH_CONFIG=//p')
TI_CASE="the installed unit"
ti_expect_true "ExecStart $exe is installed" test -x "$exe"
ti_expect_true "AUTH_CONFIG is $CONF" test "$conf" = "$CONF"
if command -v systemd-analyze >/dev/null 2>&1; then
	ti_expect_true "systemd-analyze verify the installed units" sh -c \
	    "systemd-analyze verify --man=no /lib/systemd/system/jwt-auth@verify.socket \
	    /lib/systemd/system/jwt-auth@verify.service >'$T/analyze.out' 2>&1 &&
	    ! [ -s '$T/analyze.out' ]"
	ti_expect_true "systemd-analyze verify the installed prune timer" sh -c \
	    "systemd-analyze verify --man=no /lib/systemd/system/jwt-auth-prune.timer \
	    /lib/systemd/system/jwt-auth-prune.service >'$T/analyze.out' 2>&1 &&
	    ! [ -s '$T/analyze.out' ]"
fi
ti_expect_true "the prune it runs works as the unit's user" \
    runuser -u jwt-auth -- env AUTH_CONFIG="$CONF" authctl db prune
# The unit's user writes the log; nginx (root here) reaches the socket.
chmod 0711 "$T"
mkdir "$T/run"
chown "$user:$group" "$T/run"
rm -f "$T/verify.sock"
spawn-fcgi -s "$T/verify.sock" -M 0660 -u "$user" -g "$group" -F 1 \
    -P "$T/verify.pid" -- /usr/bin/env AUTH_CONFIG="$conf" /bin/sh -c \
    'exec "$0" 2>>"'"$T/run/verify.log"'"' "$exe" >>"$T/spawn-fcgi.log" 2>&1 ||
    { cat "$T/spawn-fcgi.log"; echo "spawn-fcgi $exe failed"; exit 99; }
ti_track $(cat "$T/verify.pid")
for i in $(seq 1 50); do
	grep -q 'event=start' "$T/run/verify.log" 2>/dev/null && break
	sleep 0.1
done
TI_CASE="verify runs as $user"
ti_expect_true "the process belongs to $user" \
    test "$(ps -o user= -p "$(cat "$T/verify.pid")")" = "$user"
TI_NPROC_verify=1
TI_NTHR_verify=4
ti_route /verify verify
ti_nginx

good=$(AUTH_CONFIG=$CONF authctl issue --sub package-user) ||
    { echo "authctl issue failed"; exit 99; }
ti_request "installed verify, good token" /verify \
    -H "Authorization: Bearer $good"
ti_expect_status 200
ti_expect_header X-Auth-Subject '^package-user$'
ti_request "installed verify, altered token" /verify \
    -H "Authorization: Bearer $(ti_flip_last "$good")"
ti_expect_status 401
ti_expect_no_secret "$T/run/verify.log" "$good"

# --- purge ----------------------------------------------------------------
TI_CASE="dpkg --purge"
ti_expect_true "purge" dpkg --purge "$PKG" >>"$T/dpkg.log" 2>&1
installed=
ti_expect_true "$CONF, the key and $STATE are gone" \
    sh -c "! [ -e '$CONF' ] && ! [ -e '$key' ] && ! [ -e '$STATE' ]"
ti_done
