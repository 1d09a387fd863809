/*
 * check_main.c: the one main of the Check unit tests.  Each test file
 * gives its suite (tu_suite); this makes the temporary directory its
 * tests may use (tu_dir, named after the program, with an empty
 * configuration file empty.conf in it), runs the suite, each test in a
 * process of its own when tu_fork says so even under CK_FORK=no, removes
 * the directory and exits with the outcome.  test_wycheproof, which is
 * no Check suite, has a main of its own.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "util.h"

char	 tu_dir[PATH_MAX];
int	 tu_fork;

void
tu_config_empty(void)
{
	char	 path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/empty.conf", tu_dir);
	setenv("AUTH_CONFIG", path, 1);
}

int
main(int argc, char *argv[])
{
	SRunner		*sr;
	const char	*t = getenv("TMPDIR"), *name;
	char		 path[PATH_MAX + 16];
	FILE		*f;
	int		 failed;

	(void)argc;
	name = (name = strrchr(argv[0], '/')) != NULL ? name + 1 : argv[0];
	snprintf(tu_dir, sizeof(tu_dir), "%s/%s.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp", name);
	if (mkdtemp(tu_dir) == NULL) {
		perror(tu_dir);
		return EXIT_FAILURE;
	}
	snprintf(path, sizeof(path), "%s/empty.conf", tu_dir);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		tu_rmdir(tu_dir);
		return EXIT_FAILURE;
	}
	fclose(f);
	sr = srunner_create(tu_suite());
	if (tu_fork)
		srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rmdir(tu_dir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
