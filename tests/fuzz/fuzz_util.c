/*
 * fuzz_util.c: set-up helpers for the harnesses (fuzz.h): files in a
 * private temporary directory.  The clean configuration environment
 * and the directory itself are the unit tests' (tests/unit/util.c).
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "fuzz.h"

void
fz_die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz set-up: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* For the harnesses that have no set-up (a harness's own wins). */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	return 0;
}

static void
rmtmp(void)
{

	tu_rmdir(tu_dir);
}

const char *
fz_tmpdir(void)
{

	if (tu_dir[0] != '\0')
		return tu_dir;
	if (tu_mkdir("ac-fuzz") == -1)
		fz_die("cannot make a temporary directory");
	atexit(rmtmp);
	return tu_dir;
}

const char *
fz_write(const char *name, const void *p, size_t n)
{
	static char	 path[PATH_MAX + 64];
	int		 fd;

	snprintf(path, sizeof(path), "%s/%s", fz_tmpdir(), name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		fz_die("open %s", path);
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		fz_die("write %s", path);
	close(fd);
	return path;
}

char *
fz_copy(const char *rel, const char *name)
{
	char		*p;
	char		 src[PATH_MAX], buf[16384];
	FILE		*f;
	size_t		 n;

	snprintf(src, sizeof(src), "%s/%s", FUZZDATA, rel);
	if ((f = fopen(src, "r")) == NULL)
		fz_die("cannot read %s", src);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((p = strdup(fz_write(name, buf, n))) == NULL)
		fz_die("out of memory");
	return p;
}
