/*
 * test_store.c: the SQLite file itself (issue 10, item 7): the database
 * and its -wal and -shm are created 0600 whatever the umask, and a
 * database, -wal or -shm that other users can read or write is refused
 * when opened.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/base.h"
#include "core/store.h"
#include "util.h"

#define SECRET	"store-test-secret-0123456789-abcdefghijklmnop"

static const char	*dbpath;
static struct ac_app	*app;

static void
setup(void)
{

	tu_env(SECRET);
	dbpath = tu_env_db("st");
	app = tu_app_load();
}

static void
teardown(void)
{

	ac_app_free(app);
	app = NULL;
}

/* Creates and migrates the database and writes a row (WAL and SHM). */
static struct ac_store *
make_db(void)
{
	struct ac_store	*st = tu_store(app);

	ck_assert_int_eq(ac_user_add(app, st, "dora@example.com", "pw-of-dora",
	    1800000000, NULL, 0), AC_OK);
	return st;
}

static unsigned
mode_of(const char *suffix)
{
	char		 p[PATH_MAX + 80];
	struct stat	 sb;

	snprintf(p, sizeof(p), "%s%s", dbpath, suffix);
	ck_assert_msg(stat(p, &sb) == 0, "%s missing", p);
	return (unsigned)(sb.st_mode & 0777);
}

START_TEST(test_created_private)
{
	struct ac_store	*st;
	mode_t		 old = umask(022);

	st = make_db();
	umask(old);
	ck_assert_uint_eq(mode_of(""), 0600);
	ck_assert_uint_eq(mode_of("-wal"), 0600);
	ck_assert_uint_eq(mode_of("-shm"), 0600);
	ac_store_close(st);
}
END_TEST

START_TEST(test_readable_refused)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct ac_store	*st, *st2 = NULL;
	char		 err[512], p[PATH_MAX + 80];
	size_t		 i;

	/* Kept open, so that the -wal and -shm stay. */
	st = make_db();
	ck_assert_int_eq(ac_store_open(app, 1, &st2, err, sizeof(err)), AC_OK);
	ac_store_close(st2);
	for (i = 0; i < nitems(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, sfx[i]);
		ck_assert_int_eq(chmod(p, 0644), 0);
		st2 = NULL;
		ck_assert_int_ne(ac_store_open(app, 1, &st2, err, sizeof(err)),
		    AC_OK);
		ck_assert_ptr_null(st2);
		ck_assert_msg(strstr(err, "other users") != NULL &&
		    strstr(err, p) != NULL, "%s", err);
		ck_assert_int_eq(chmod(p, 0600), 0);
	}
	/* Group access is the operator's choice (a shared group). */
	ck_assert_int_eq(chmod(dbpath, 0640), 0);
	ck_assert_int_eq(ac_store_open(app, 1, &st2, err, sizeof(err)), AC_OK);
	ac_store_close(st2);
	ac_store_close(st);
}
END_TEST

TU_SUITE("store", 60, setup, teardown, test_created_private,
    test_readable_refused)
