/*
 * main.c: the main() of every FastCGI program.  A program is data
 * (struct ac_program in ac.h: name, routes, needs, start-up check); this
 * hands it to ac_main() (serve.c), which does the rest.  The linker takes
 * this file from libauthcore.a only for a program that has no main() of
 * its own, so authctl and the tests are unaffected.
 */
#include "config.h"

#include <stddef.h>

#include "ac.h"
#include "engine.h"

int
main(int argc, char *argv[])
{

	return ac_main(argc, argv, ac_program.name, ac_program.routes,
	    ac_program.nroutes, ac_program.needs, ac_program.check);
}
