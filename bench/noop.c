/*
 * noop.c: a FastCGI responder on the suite's engine that answers every
 * path "200, ok" and does nothing else: the ceiling of the web server to
 * FastCGI hop, which bench/engine.sh measures beside the same no-op on
 * libfcgi (bench/noop_libfcgi.c).  It runs as the programs do (ac_main:
 * configuration, router, security headers, event loop), so it needs a
 * configuration that loads (AUTH_CONFIG with a JWT_SECRET), and takes
 * its socket as they do:
 *
 *	make bench/noop
 *	spawn-fcgi -s /tmp/noop.sock -F 2 -- env AUTH_CONFIG=auth.conf bench/noop
 *	AUTH_CONFIG=auth.conf bench/noop --socket /tmp/noop.sock   (AUTH_WORKERS)
 *
 * Not installed; not part of the suite.
 */
#include "config.h"

#include "core/ac.h"
#include "core/base.h"
#include "core/http.h"
#include "core/engine.h"

static enum ac_reason
h_noop(struct ac_req *r, const struct ac_app *app)
{

	(void)app;
	ac_req_respond(r, 200, "text/plain", "ok", 2);
	return AC_OK;
}

static const struct ac_route routes[] = {
	{ AC_ANY, "*", h_noop, AC_INLINE },
};

int
main(int argc, char *argv[])
{

	return ac_main(argc, argv, "noop", routes, nitems(routes),
	    0, NULL);
}
