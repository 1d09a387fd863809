/*
 * fuzz_util.c: set-up helpers for the harnesses (fuzz.h): a clean
 * configuration environment and files in a private temporary directory.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "fuzz.h"

static char	 tmpdir[PATH_MAX];

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

void
fz_env_clear(void)
{
	const char	*name, *alias;
	size_t		 i;

	for (i = 0; (name = ac_config_name(i, &alias)) != NULL; i++) {
		unsetenv(name);
		if (alias != NULL)
			unsetenv(alias);
	}
	unsetenv("AUTH_CONFIG");
}

static void
rmtmp(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX + 256];

	if (tmpdir[0] == '\0' || (d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir,
			    de->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(tmpdir);
}

const char *
fz_tmpdir(void)
{
	const char	*t = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ac-fuzz.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fz_die("mkdtemp %s", tmpdir);
	atexit(rmtmp);
	return tmpdir;
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
