# lib_better_auth.sh: the Better Auth (npm) install that better_auth.sh and
# better_auth_session.sh share.  ba_install sets BA_MODULES to a
# node_modules holding the packages locked by better_auth/package-lock.json,
# installed with npm ci on first use into a cache outside the tree
# (lib.sh's ti_npm_ci).  Skips (77) without node 20+ and npm, or when the
# install fails.
ti_need_node
SRC=$top_srcdir/tests/integration/better_auth

ba_install()
{
	ti_npm_ci better-auth "$SRC" 600
	BA_MODULES=$TI_NPM_MODULES
}
