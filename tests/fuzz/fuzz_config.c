/*
 * fuzz_config.c: the configuration reader: the input is written as the
 * file AUTH_CONFIG names, then read and validated as every program does
 * at start-up (ac_app_load_config), problems and all.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/ac.h"
#include "core/base.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	tu_env_clear();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ac_app	*app;
	size_t		 i;

	if (size > 65536)
		return 0;
	setenv("AUTH_CONFIG", fz_write("auth.conf", data, size), 1);
	if ((app = ac_app_new()) == NULL)
		return 0;
	ac_app_load_config(app);
	for (i = 0; i < ac_app_nproblems(app); i++)
		(void)ac_app_problem(app, i);
	ac_app_free(app);
	return 0;
}
