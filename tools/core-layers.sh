#!/bin/sh
# core-layers.sh: checks that calls inside the auth core point one way.
#
#   sh tools/core-layers.sh [BUILDDIR]      (default: build)
#
# It reads the core library the build made (BUILDDIR/src/core/
# libauthcore.a) with nm: for every object, the symbols it defines
# (T, D, B, R) and the ones it leaves undefined (U).  An undefined
# symbol that another object of the library defines is an edge
# "caller -> callee".  LAYERS below lists the files of src/core from the
# bottom up, one layer a line; files on one line are one layer and may
# call each other one way (a dispatcher its back ends).  An edge to a
# higher layer, an edge within a layer that closes a loop (files that
# call each other, directly or through others of their layer), or an
# object that is not listed, is an error.  It prints every edge with its
# symbols, then the errors, and exits 1 when there is one.
# It also names every src/core/*.c over 800 lines.
set -eu

LAYERS='
clock reason log b64 alg file problem dotenv parse claims require keypolicy errfmt
totp
metrics audit
config settings
mail
rollout
migrations
store_sqlite store_pg
store
jwksclient jwk
provider
keys
keygen
revoke websession
token
issue
session sessions throttle tokrevoke
users
import
acct
account twofactor
app
req body docs
cookie reqauth
auth
ops scrape
route
fcgi pool
run conn
loop
serve
main
'

build=${1:-build}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
lib=$build/src/core/libauthcore.a
[ -f "$lib" ] || { echo "core-layers: no $lib (build first)" >&2; exit 2; }

nm -A "$lib" 2>/dev/null | awk -v layers="$LAYERS" '
BEGIN {
	n = split(layers, line, "\n"); lv = 0
	for (i = 1; i <= n; i++) {
		if (line[i] ~ /^[ \t]*$/) continue
		lv++; m = split(line[i], f, " ")
		for (j = 1; j <= m; j++) level[f[j]] = lv
	}
}
{
	# libauthcore.a:file.o:[addr] type symbol
	split($1, p, ":"); obj = p[2]; sub(/\.o$/, "", obj)
	objs[obj] = 1
	if ($2 == "U") und[obj, $3] = 1
	else if ($2 ~ /^[TDBR]$/) def[$3] = obj
}
END {
	bad = 0
	for (o in objs)
		if (!(o in level)) {
			printf "error: %s.c is in no layer\n", o; bad++
		}
	for (k in und) {
		split(k, a, SUBSEP); from = a[1]; sym = a[2]
		if (!(sym in def) || def[sym] == from) continue
		to = def[sym]
		e = from " -> " to
		syms[e] = syms[e] " " sym
		if ((from in level) && (to in level) && level[to] > level[from])
			up[e] = 1
		else if ((from in level) && (to in level) &&
		    level[to] == level[from])
			reach[from, to] = 1
	}
	# Within a layer: what reaches what (Warshall over its files).
	for (k in level) for (i in level) if ((i, k) in reach)
		for (j in level) if ((k, j) in reach) reach[i, j] = 1
	for (e in syms) {
		split(e, a, " -> ")
		if (level[a[1]] == level[a[2]] && (a[2], a[1]) in reach)
			loop[e] = 1
	}
	for (e in syms) printf "%s:%s\n", e, syms[e] | "sort"
	close("sort")
	for (e in up) { printf "error: upward call %s:%s\n", e, syms[e]; bad++ }
	for (e in loop) {
		printf "error: call closing a loop %s:%s\n", e, syms[e]; bad++
	}
	if (bad == 0) print "core-layers: every call points down or sideways, " \
		    "and none closes a loop"
	exit bad > 0
}' || status=$?

big=0
for f in "$srcdir"/src/core/*.c; do
	n=$(wc -l <"$f")
	if [ "$n" -gt 800 ]; then
		echo "error: src/core/$(basename "$f") has $n lines (over 800)"
		big=1
	fi
done
[ "${status:-0}" -eq 0 ] && [ "$big" -eq 0 ]
