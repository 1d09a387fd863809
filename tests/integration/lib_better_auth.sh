# lib_better_auth.sh: the Better Auth (npm) install that better_auth.sh and
# better_auth_session.sh share.  ba_install sets BA_MODULES to a
# node_modules holding the packages locked by better_auth/package-lock.json,
# installed with npm ci on first use into a cache outside the tree (one
# directory per lock file, named by its hash, made under a lock and
# renamed into place once complete, so concurrent runs share it safely).
# Skips (77) without node 20+ and npm, or when the install fails.
command -v node >/dev/null 2>&1 || ti_skip "node (Node.js) not installed"
command -v npm >/dev/null 2>&1 || ti_skip "npm not installed"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    ti_skip "Node.js 20 or later is needed, found $(node --version)"
SRC=$top_srcdir/tests/integration/better_auth

ba_install()
{
	local cache hash dir tmp

	cache=${TMPDIR:-/tmp}/ac-better-auth.$(id -u)
	hash=$(cat "$SRC/package.json" "$SRC/package-lock.json" |
	    sha256sum | cut -c1-16)
	dir=$cache/$hash
	BA_MODULES=$dir/node_modules
	[ -f "$dir/.installed" ] && return 0
	mkdir -p "$cache" && chmod 700 "$cache" ||
	    ti_skip "cannot make the npm cache directory $cache"
	[ -O "$cache" ] || ti_skip "$cache belongs to another user"
	exec 9>"$cache/lock"
	flock 9
	if [ ! -f "$dir/.installed" ]; then
		echo "installing better-auth with npm ci into $dir"
		tmp=$(mktemp -d "$cache/tmp.XXXXXX") || ti_skip "mktemp failed"
		cp "$SRC/package.json" "$SRC/package-lock.json" "$tmp/"
		if ! (cd "$tmp" && timeout 600 npm ci --no-audit --no-fund \
		    --ignore-scripts --fetch-retries=1) >"$T/npm.out" 2>&1; then
			tail -n 15 "$T/npm.out"
			rm -rf "$tmp"
			ti_skip "npm ci of better-auth failed (registry unreachable?)"
		fi
		rm -rf "$dir"
		mv "$tmp" "$dir"
		touch "$dir/.installed"
	fi
	exec 9>&-
}
