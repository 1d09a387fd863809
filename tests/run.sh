#!/usr/bin/env bash
# run.sh: build the suite and run every test; what CI runs (.ci/run).
#
# Installs missing Debian packages (tools/deps.sh), bootstraps, then:
#   build/      ./configure --enable-werror && make
#   build-san/  ./configure --enable-werror --enable-sanitizers && make
#   all at once, under one job server (CHECK_JOBS jobs in all, default
#   cores + 1):
#     both        make check
#     build/      first, tests/integration/debian_package.sh with
#                 AC_PACKAGE_TEST=1: dpkg-buildpackage, lintian, dpkg -i,
#                 verify behind nginx, dpkg --purge  (not when CI_FAST=1)
#     build-dist/ ./configure && make distcheck, with the unit tests and
#                 three integration tests (DISTCHECK_TESTS)
#                 (not when CI_FAST=1)
# and ends with one line, "N passed, N failed[, N skipped]", summing the
# test results of both builds (each test's .trs file).  A step that fails
# before its tests can report (configure, make, distcheck) counts as one
# failure.  Exits non-zero when anything failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. tools/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
stepfail=0

note()
{
	printf '\n=== %s\n' "$*"
}

# build DIR CONFIGURE-ARGS...: configure (once) and make.
build()
{
	local dir=$1

	shift
	note "$dir: configure $*"
	mkdir -p "$dir"
	if ! (cd "$dir" && ../configure --quiet "$@"); then
		echo "FAIL: configure in $dir"
		stepfail=$((stepfail + 1))
		return
	fi
	note "$dir: make"
	if ! make -C "$dir" -j"$jobs"; then
		echo "FAIL: make in $dir"
		stepfail=$((stepfail + 1))
		rm -f "$dir/Makefile.ok"
		return
	fi
	touch "$dir/Makefile.ok"
}

# report DIR: after DIR's make check (DIR/check.rc holds its exit
# status): the logs of what failed, for CI's output, and one step
# failure when make check failed without a failing test (a test program
# that did not compile, say).
report()
{
	local dir=$1

	[ -f "$dir/Makefile.ok" ] || return 0
	[ "$(cat "$dir/check.rc" 2>/dev/null || echo 1)" != 0 ] || return 0
	if ! find "$dir" -name '*.trs' ! -path '*/_build/*' \
	    -exec grep -lE ':test-result: (FAIL|ERROR|XPASS)' {} + \
	    2>/dev/null | grep -q .; then
		echo "FAIL: make check in $dir (no test failed: see above)"
		stepfail=$((stepfail + 1))
	fi
	find "$dir" -name '*.trs' ! -path '*/_build/*' |
	    while read -r t; do
		grep -qE ':test-result: (FAIL|ERROR|XPASS)' "$t" || continue
		echo "--- ${t%.trs}.log"
		if [ "$(wc -l <"${t%.trs}.log")" -le 150 ]; then
			cat "${t%.trs}.log"
		else
			head -n 90 "${t%.trs}.log"
			echo "[...]"
			tail -n 60 "${t%.trs}.log"
		fi
	done
}

# count RESULT: how many test results of both builds are RESULT.
count()
{
	find build build-san -name '*.trs' ! -path '*/_build/*' \
	    ! -path '*/jwt-auth-suite-*' -exec cat {} + 2>/dev/null |
	    grep -cE "^:test-result: ($1)\$" || true
}

note "packages"
deps_install

if [ -f config.status ]; then
	echo "run.sh: this source tree is configured in place (config.status);" \
	    "builds in build/ need a clean tree: run 'make distclean' first" >&2
	exit 1
fi

note "bootstrap"
./bootstrap

rm -rf build build-san build-dist
build build --enable-werror
build build-san --enable-werror --enable-sanitizers

# Everything that runs tests, under one make and its job server: both
# builds' make check and, unless CI_FAST=1, make distcheck (in build-dist/,
# so that it shares no file with the two checks) and the Debian package
# test (first in build/'s check).  Most of a test's time is spent waiting
# (on curl, the web server, a sleep, a child), so CHECK_JOBS jobs in
# flight in all (default: cores + 1) keep the cores busier than one step
# after the other; the job server bounds the total, so the load stays
# what it was with one build at -j3.  Each step's output goes to its own
# file, shown whole when all are done.
checkjobs=${CHECK_JOBS:-$((jobs + 1))}
ok=
for dir in build build-san; do
	[ -f "$dir/Makefile.ok" ] && ok="$ok $dir"
done
steps=$ok what="make check in$ok"
if [ "${CI_FAST:-0}" != 1 ]; then
	steps="$steps build-dist"
	what="$what, make distcheck in build-dist"
fi
note "$what: $checkjobs jobs at a time in all"
{
	echo ".PHONY: all$steps"
	echo "all:$steps"
	for dir in $ok; do
		env=
		if [ "$dir" = build ] && [ "${CI_FAST:-0}" != 1 ]; then
			env="AC_PACKAGE_TEST=1 "
		fi
		printf '%s:\n\t+%s$(MAKE) -C %s check >%s/check.out 2>&1;' \
		    "$dir" "$env" "$dir" "$dir"
		printf ' echo $$? >%s/check.rc\n' "$dir"
	done
	# The tarball's own checks (Makefile.am, DISTCHECK_TESTS): the whole
	# suite runs in both builds of this checkout.
	if [ "${CI_FAST:-0}" != 1 ]; then
		mkdir -p build-dist
		printf 'build-dist:\n\t+(cd build-dist && ../configure --quiet'
		printf " && \$(MAKE) distcheck TESTS='\$\$(DISTCHECK_TESTS)')"
		printf ' >build-dist/check.out 2>&1;'
		printf ' echo $$? >build-dist/check.rc\n'
	fi
} >check.mk
make -f check.mk -j"$checkjobs" --no-print-directory || true
rm -f check.mk
for dir in $ok; do
	note "$dir: make check"
	cat "$dir/check.out"
	report "$dir"
done
if [ "${CI_FAST:-0}" != 1 ]; then
	note "build-dist: make distcheck"
	cat build-dist/check.out 2>/dev/null || true
	if [ "$(cat build-dist/check.rc 2>/dev/null || echo 1)" != 0 ]; then
		echo "FAIL: make distcheck"
		stepfail=$((stepfail + 1))
	fi
fi

passed=$(count 'PASS|XFAIL')
failed=$(($(count 'FAIL|ERROR|XPASS') + stepfail))
skipped=$(count SKIP)
[ "$passed" -gt 0 ] || failed=$((failed + 1))
echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
