# deps.sh: the Debian packages the suite needs to build, test and run,
# and one function that installs the missing ones (sourced by
# tools/dev-up.sh and tests/run.sh; bash).  Add a package here, once, when
# configure.ac or a test starts to need it.

DEPS_BUILD="autoconf automake make gcc libc6-dev pkg-config
	libjwt-dev libjson-c-dev libssl-dev libsqlite3-dev
	libsodium-dev libcurl4-openssl-dev libpq-dev check"
DEPS_RUN="spawn-fcgi nginx-light lighttpd curl"
DEPS_TEST="python3 python3-jwt python3-cryptography wrk prometheus
	apache2 libapache2-mod-fcgid apache2-suexec-custom systemd postgresql
	debhelper dpkg-dev lintian fakeroot git
	chromium nodejs npm zbar-tools python3-fastapi python3-uvicorn"
# The peers bench/engine.sh measures beside the suite (not installed by
# default: `. tools/deps.sh && deps_install $DEPS_BENCH`); the Node.js
# peer's own packages come from npm (bench/package-lock.json); libfcgi-dev
# builds the libfcgi no-op bench/noop_libfcgi.c.
DEPS_BENCH="wrk libfcgi-dev nodejs npm python3-jwt python3-fastapi python3-uvicorn
	python3-uvloop python3-httptools"

# deps_installed PACKAGE: true when dpkg has it (any nginx flavour does
# for nginx-light: they conflict, and each has /usr/sbin/nginx).
deps_installed()
{
	case $1 in
	nginx-light)
		[ -x /usr/sbin/nginx ] && return 0 ;;
	npm)	# NodeSource's nodejs ships npm itself
		command -v npm >/dev/null 2>&1 && return 0 ;;
	esac
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
	    grep -q '^install ok installed$'
}

# deps_install [PACKAGE...]: installs whichever of the packages (default:
# all of the lists above) is missing.  Runs apt-get update first, only
# when something is missing; needs root (or sudo without a password) and
# no terminal.  Services the packages would start (nginx and lighttpd on
# port 80) are kept from starting while it runs.
deps_install()
{
	local p missing= sudo= policy=/usr/sbin/policy-rc.d made=

	command -v dpkg-query >/dev/null 2>&1 || {
		echo "deps: not a Debian system; install by hand:" \
		    $DEPS_BUILD $DEPS_RUN $DEPS_TEST >&2
		return 0
	}
	[ $# -gt 0 ] || set -- $DEPS_BUILD $DEPS_RUN $DEPS_TEST
	for p in "$@"; do
		deps_installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "deps: installing$missing"
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo="sudo -n"
		else
			echo "deps: missing$missing; run as root or:" >&2
			echo "  apt-get install$missing" >&2
			return 1
		fi
	fi
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null &&
		    $sudo chmod 755 "$policy" && made=1
	fi
	if $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q \
	    </dev/null &&
	    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing </dev/null; then
		p=0
	else
		p=1
	fi
	[ -n "$made" ] && $sudo rm -f "$policy"
	return $p
}
