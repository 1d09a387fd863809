/*
 * util.h: what the unit tests share (util.c): a clean configuration
 * environment and the removal of a test's temporary directory.
 */
#ifndef TU_UTIL_H
#define TU_UTIL_H

/* Unsets every setting (and alias) the core reads, and AUTH_CONFIG. */
void	tu_env_clear(void);
/* Removes dir and the files in it (one level, as the tests make it). */
void	tu_rmdir(const char *dir);

#endif /* !TU_UTIL_H */
