/*
 * util.h: what the unit tests share (util.c): a clean configuration
 * environment and the removal of a test's temporary directory; and the
 * one Check main (check_main.c) with what it asks of a test file.
 */
#ifndef TU_UTIL_H
#define TU_UTIL_H

#include <limits.h>

/* Unsets every setting (and alias) the core reads, and AUTH_CONFIG. */
void	tu_env_clear(void);
/* Removes dir and the files in it (one level, as the tests make it). */
void	tu_rmdir(const char *dir);

/*
 * check_main.c: the test's temporary directory (with an empty
 * empty.conf), made before tu_suite runs and removed after the suite.
 * tu_fork: set by tu_suite to run each test in a process of its own.
 */
extern char	 tu_dir[PATH_MAX];
extern int	 tu_fork;
/* Points AUTH_CONFIG at tu_dir's empty.conf. */
void		 tu_config_empty(void);
/* Each Check test file's suite; may set up what its tests share. */
struct Suite	*tu_suite(void);

#endif /* !TU_UTIL_H */
