/*
 * file.c: reading a whole small file, for every part of the core that
 * reads one (config.c, keys.c, jwksclient.c, session.c): a size limit
 * checked before allocating, regular files only, and an error message
 * naming the file; and where a user's own files are (ac_file_home,
 * ac_file_private_dir).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ac.h"
#include "extern.h"

char *
ac_file_read(const char *path, size_t limit, size_t *len, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > limit) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, limit);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: read failed", path);
			free(buf);
			buf = NULL;
			goto out;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	*len = off;
out:
	close(fd);
	return buf;
}

/*
 * The directory of this user's own files in $TMPDIR (default /tmp):
 * jwt-auth-suite-UID, created mode 0700 and refused unless it is a
 * directory owned by us that no one else can use, so that no other user
 * can plant or read what goes in it (the JWKS cache, the metrics file).
 */
int
ac_file_private_dir(char *dir, size_t n)
{
	const char	*tmp = getenv("TMPDIR");
	struct stat	 st;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, n, "%s/jwt-auth-suite-%ld", tmp, (long)getuid());
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077) != 0)
		return -1;
	return 0;
}

int
ac_file_home(const char *rel, char *buf, size_t n)
{
	struct passwd	 pw, *res = NULL;
	struct stat	 st;
	char		 pwbuf[4096];
	size_t		 len;
	int		 w;

	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 ||
	    res == NULL || pw.pw_dir == NULL || pw.pw_dir[0] != '/')
		return 0;
	len = strlen(pw.pw_dir);
	w = snprintf(buf, n, "%s%s%s", pw.pw_dir,
	    pw.pw_dir[len - 1] == '/' ? "" : "/", rel);
	if (w < 0 || (size_t)w >= n)
		return 0;
	return stat(buf, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}
