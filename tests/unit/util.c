/*
 * util.c: helpers shared by the unit tests, test_wycheproof and the fuzz
 * harnesses (none of them needs Check).  The list of settings comes from
 * the core itself (ac_config_name), so a new setting is cleared without
 * anyone remembering to add it here.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "core/conf.h"
#include "util.h"

char	 tu_dir[PATH_MAX];

void
tu_env_clear(void)
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

void
tu_rmdir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int
tu_mkdir(const char *name)
{
	const char	*t = getenv("TMPDIR");
	char		 path[PATH_MAX + 16];
	FILE		*f;

	snprintf(tu_dir, sizeof(tu_dir), "%s/%s.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp", name);
	if (mkdtemp(tu_dir) == NULL) {
		perror(tu_dir);
		tu_dir[0] = '\0';
		return -1;
	}
	snprintf(path, sizeof(path), "%s/empty.conf", tu_dir);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		tu_rmdir(tu_dir);
		return -1;
	}
	fclose(f);
	return 0;
}

void
tu_config_empty(void)
{
	char	 path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/empty.conf", tu_dir);
	setenv("AUTH_CONFIG", path, 1);
}
