/*
 * util.h: what the tests share.  util.c (the unit tests, test_wycheproof
 * and the fuzz harnesses): a clean configuration environment, a test's
 * temporary directory and its removal.  check_main.c (the Check unit
 * tests): the one Check main with what it asks of a test file, and the
 * set-up steps most of those files take.
 */
#ifndef TU_UTIL_H
#define TU_UTIL_H

#include <limits.h>
#include <stddef.h>

struct Suite;
struct TCase;
struct TTest;
struct ac_app;
struct ac_store;
struct bignum_st;
struct evp_pkey_st;

/* Unsets every setting (and alias) the core reads, and AUTH_CONFIG. */
void	tu_env_clear(void);
/* Removes dir and the files in it (one level, as the tests make it). */
void	tu_rmdir(const char *dir);

/*
 * The test's temporary directory: tu_mkdir makes it as
 * $TMPDIR/name.XXXXXX with an empty file empty.conf in it (0 or -1 with
 * the reason on stderr); the caller removes it with tu_rmdir(tu_dir).
 */
extern char	 tu_dir[PATH_MAX];
int		 tu_mkdir(const char *name);
/* Points AUTH_CONFIG at tu_dir's empty.conf. */
void		 tu_config_empty(void);

/*
 * check_main.c: the one Check main makes tu_dir before tu_suite runs
 * and removes it after the suite.  tu_fork: set by tu_suite to run each
 * test in a process of its own.
 */
extern int	 tu_fork;
/* Each Check test file's suite; may set up what its tests share. */
struct Suite	*tu_suite(void);
/*
 * Adds to s a test case called name with a timeout in seconds (0: Check's
 * own), a checked fixture (setup and teardown, NULL for none) and the
 * tests of the NULL-ended list; returns it for loop tests.
 */
struct TCase	*tu_tcase(struct Suite *s, const char *name, double timeout,
		    void (*setup)(void), void (*teardown)(void),
		    const struct TTest *const tests[]);
/*
 * The tu_suite of a file whose tests make one test case, named as the
 * suite: TU_SUITE("name", timeout, setup, teardown, test_a, test_b, ...)
 * stands for the whole function.
 */
#define TU_SUITE(name, timeout, setup, teardown, ...)			\
struct Suite *								\
tu_suite(void)								\
{									\
	Suite		*s_ = suite_create(name);			\
	const TTest	*tests_[] = { __VA_ARGS__, NULL };		\
									\
	tu_tcase(s_, name, timeout, setup, teardown, tests_);		\
	return s_;							\
}
/* tu_dir/name in buf (a test fails when it does not fit). */
void		 tu_path(char *buf, size_t sz, const char *name);
/*
 * A clean environment: tu_env_clear, AUTH_CONFIG at empty.conf and,
 * unless secret is NULL, JWT_SECRET=secret.
 */
void		 tu_env(const char *secret);
/*
 * DATABASE_URL at a new SQLite file tu_dir/prefix-PID.db (removed if it
 * was there); returns its path (static).
 */
const char	*tu_env_db(const char *prefix);
/* A new app that loads (the test fails with the problem otherwise). */
struct ac_app	*tu_app_load(void);
/* app's database opened (read-write) and migrated. */
struct ac_store	*tu_store(struct ac_app *app);
/* The RSA public key of modulus n and public exponent e. */
struct evp_pkey_st *tu_rsa_public(const struct bignum_st *n, unsigned long e);
/* Writes pk's public key as PEM to tu_dir/name (0600); its path in buf. */
void		 tu_write_pubkey(char *buf, size_t sz, const char *name,
		    const struct evp_pkey_st *pk);

#endif /* !TU_UTIL_H */
