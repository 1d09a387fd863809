/*
 * util.c: helpers shared by the unit tests.  The list of settings comes
 * from the core itself (ac_config_name), so a new setting is cleared
 * without anyone remembering to add it here.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ac.h"
#include "util.h"

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
