/*
 * pg_commit: runs one write transaction against DATABASE_URL (a
 * PostgreSQL server) through the core's store, with the server's
 * backend stopped (SIGSTOP) or delayed at the moment the COMMIT goes,
 * for tests/integration/pg_commit.sh.
 *
 *	pg_commit frozen SQL	backend stopped from before COMMIT until
 *				the store gave up on it; then woken, and
 *				waited for until it has gone
 *	pg_commit brief SQL	backend stopped before COMMIT, woken
 *				250 ms later (run it with a bound well
 *				above that: the wake-up may come late on
 *				a loaded machine)
 *	pg_commit slow SQL	twice AUTH_DB_TIMEOUT_MS between the
 *				statement and COMMIT, the backend running
 *
 * Prints "commit: REASON" and exits 0 when the COMMIT was answered OK,
 * 1 when it failed, 2 when the test could not be set up.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/store.h"

static int
pidrow(void *arg, size_t ncols, const struct ac_dbval *v)
{

	if (ncols == 1 && v[0].type == AC_DB_INT)
		*(long long *)arg = (long long)v[0].i;
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Has process pid gone (or become a zombie its parent has not reaped)? */
static int
gone(pid_t pid)
{
	char		 path[64], buf[512], *p;
	FILE		*f;
	int		 z = 0;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' && p[2] == 'Z')
		z = 1;
	fclose(f);
	return z;
}

int
main(int argc, char *argv[])
{
	struct ac_app	*app;
	struct ac_store	*st;
	char		 err[256];
	long long	 bpid = 0;
	long		 tmo;
	pid_t		 waker = -1;
	enum ac_reason	 rc;
	int		 i;

	if (argc != 3 || (strcmp(argv[1], "frozen") != 0 &&
	    strcmp(argv[1], "brief") != 0 && strcmp(argv[1], "slow") != 0)) {
		fprintf(stderr, "usage: pg_commit frozen|brief|slow SQL\n");
		return 2;
	}
	if ((app = ac_app_new()) == NULL ||
	    ac_app_load_config(app) != AC_OK) {
		for (i = 0; app != NULL && (size_t)i < ac_app_nproblems(app);
		    i++)
			fprintf(stderr, "pg_commit: %s\n",
			    ac_app_problem(app, (size_t)i));
		return 2;
	}
	tmo = ac_app_config(app)->db_timeout_ms;
	if (ac_store_open(app, AC_STORE_PEEK, &st, err, sizeof(err)) !=
	    AC_OK) {
		fprintf(stderr, "pg_commit: %s\n", err);
		return 2;
	}
	if ((rc = ac_db_begin(st)) != AC_OK ||
	    (rc = ac_db_exec(st, "SELECT pg_backend_pid()", NULL, 0, pidrow,
	    &bpid, NULL)) != AC_OK ||
	    (rc = ac_db_exec(st, argv[2], NULL, 0, NULL, NULL, NULL)) !=
	    AC_OK || bpid <= 0) {
		fprintf(stderr, "pg_commit: %s: %s\n", ac_reason_str(rc),
		    ac_store_error(st));
		return 2;
	}
	if (strcmp(argv[1], "slow") == 0)
		sleep_ms(2 * tmo);
	else if (kill((pid_t)bpid, SIGSTOP) == -1) {
		perror("pg_commit: kill");
		return 2;
	}
	if (strcmp(argv[1], "brief") == 0) {
		if ((waker = fork()) == -1) {
			perror("pg_commit: fork");
			kill((pid_t)bpid, SIGCONT);
			return 2;
		}
		if (waker == 0) {
			sleep_ms(250);
			kill((pid_t)bpid, SIGCONT);
			_exit(0);
		}
	}
	rc = ac_db_commit(st);
	printf("commit: %s\n", ac_reason_str(rc));
	fflush(stdout);
	if (waker > 0)
		waitpid(waker, NULL, 0);
	kill((pid_t)bpid, SIGCONT);
	if (strcmp(argv[1], "frozen") == 0) {
		/* The backend reads what was sent, then the closed socket. */
		for (i = 0; i < 300 && !gone((pid_t)bpid); i++)
			sleep_ms(100);
		if (!gone((pid_t)bpid)) {
			fprintf(stderr, "pg_commit: backend %lld still there "
			    "after 30 s\n", bpid);
			return 2;
		}
	}
	ac_store_close(st);
	ac_app_free(app);
	return rc == AC_OK ? 0 : 1;
}
