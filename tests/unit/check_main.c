/*
 * check_main.c: the one main of the Check unit tests, and the Check
 * helpers they share (util.h).  Each test file gives its suite
 * (tu_suite); this makes the temporary directory its tests may use
 * (tu_mkdir: tu_dir, named after the program, with an empty
 * configuration file empty.conf in it), runs the suite, each test in a
 * process of its own when tu_fork says so even under CK_FORK=no (and,
 * in a sanitizer build, only then: see main), removes
 * the directory and exits with the outcome.  test_wycheproof, which is
 * no Check suite, has a main of its own.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/store.h"
#include "util.h"

int	 tu_fork;

TCase *
tu_tcase(Suite *s, const char *name, double timeout, void (*setup)(void),
    void (*teardown)(void), const TTest *const tests[])
{
	TCase	*tc = tcase_create(name);
	size_t	 i;

	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	if (setup != NULL || teardown != NULL)
		tcase_add_checked_fixture(tc, setup, teardown);
	for (i = 0; tests[i] != NULL; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return tc;
}

void
tu_path(char *buf, size_t sz, const char *name)
{

	ck_assert_int_lt(snprintf(buf, sz, "%s/%s", tu_dir, name), (int)sz);
}

void
tu_env(const char *secret)
{

	tu_env_clear();
	tu_config_empty();
	if (secret != NULL)
		setenv("JWT_SECRET", secret, 1);
}

const char *
tu_env_db(const char *prefix)
{
	static char	 path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s-%d.db", tu_dir, prefix,
	    (int)getpid());
	unlink(path);
	setenv("DATABASE_URL", path, 1);
	return path;
}

struct ac_app *
tu_app_load(void)
{
	struct ac_app	*app;

	ck_assert_ptr_nonnull(app = ac_app_new());
	if (ac_app_load(app) != AC_OK)
		ck_abort_msg("configuration refused: %s", ac_app_error(app));
	return app;
}

struct ac_store *
tu_store(struct ac_app *app)
{
	struct ac_store	*st;
	char		 err[256];
	int		 from, to;

	ck_assert_msg(ac_store_open(app, 0, &st, err, sizeof(err)) == AC_OK,
	    "%s", err);
	ck_assert_int_eq(ac_store_migrate(st, &from, &to), AC_OK);
	return st;
}

EVP_PKEY *
tu_rsa_public(const BIGNUM *n, unsigned long e)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pk = NULL;
	BIGNUM		*be;

	ck_assert_ptr_nonnull(be = BN_new());
	ck_assert(BN_set_word(be, e));
	ck_assert_ptr_nonnull(bld = OSSL_PARAM_BLD_new());
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n));
	ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be));
	ck_assert_ptr_nonnull(params = OSSL_PARAM_BLD_to_param(bld));
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	return pk;
}

void
tu_write_pubkey(char *buf, size_t sz, const char *name, const EVP_PKEY *pk)
{
	FILE	*f;
	int	 fd;

	tu_path(buf, sz, name);
	unlink(buf);
	ck_assert_int_ne(fd = open(buf, O_WRONLY | O_CREAT | O_EXCL, 0600), -1);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	ck_assert_int_eq(PEM_write_PUBKEY(f, pk), 1);
	ck_assert_int_eq(fclose(f), 0);
}

int
main(int argc, char *argv[])
{
	SRunner		*sr;
	const char	*name;
	int		 failed;

	(void)argc;
	name = (name = strrchr(argv[0], '/')) != NULL ? name + 1 : argv[0];
	if (tu_mkdir(name) == -1)
		return EXIT_FAILURE;
	sr = srunner_create(tu_suite());
	if (tu_fork)
		srunner_set_fork_status(sr, CK_FORK);
#ifdef __SANITIZE_ADDRESS__
	/*
	 * Under ASan a fork copies the page tables of its shadow memory:
	 * test_token's 190 forks took 18 of its 23 s.  Without them a failed
	 * check still fails the run, and a memory error aborts it with
	 * ASan's report.  (CK_FORK=yes in the environment is still obeyed.)
	 */
	else if (getenv("CK_FORK") == NULL)
		srunner_set_fork_status(sr, CK_NOFORK);
#endif
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rmdir(tu_dir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
