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
#include "base.h"

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
 * Non-zero when dir is a directory of ours that no one else can use:
 * opened without following a symbolic link, then judged by fstat on the
 * very directory opened (owner and mode), so that nothing can be swapped
 * in between the look and the judgement.  *owner gets its owner.
 */
static int
dir_ours(const char *dir, uid_t *owner)
{
	struct stat	 st;
	int		 fd, ok;

	*owner = (uid_t)-1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 0;
	ok = 0;
	if (fstat(fd, &st) == 0) {
		*owner = st.st_uid;
		ok = S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
		    (st.st_mode & 077) == 0;
	}
	close(fd);
	return ok;
}

/*
 * The directory of this user's own files in $TMPDIR (default /tmp):
 * jwt-auth-suite-UID, created mode 0700 and used only when it is a
 * directory owned by us that no one else can use, so that no other user
 * can plant or read what goes in it (the JWKS cache, the metrics file).
 * Another user can create that name first (TMPDIR is shared): then the
 * next of jwt-auth-suite-UID-1 ... -8 that is ours or can be made ours
 * is used, the same one by every process of ours (each takes the first
 * that works), and the log names the taken one once.  -1 when none is.
 */
int
ac_file_private_dir(char *dir, size_t n)
{
	const char	*tmp = getenv("TMPDIR");
	static int	 warned;
	uid_t		 owner, first = (uid_t)-1;
	int		 i;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	for (i = 0; i <= 8; i++) {
		if (i == 0)
			snprintf(dir, n, "%s/jwt-auth-suite-%ld", tmp,
			    (long)geteuid());
		else
			snprintf(dir, n, "%s/jwt-auth-suite-%ld-%d", tmp,
			    (long)geteuid(), i);
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			break;
		if (dir_ours(dir, &owner)) {
			if (i > 0 && !warned++)
				ac_log(AC_LOG_WARN, "event=private_dir_taken "
				    "path=%s/jwt-auth-suite-%ld owner_uid=%ld "
				    "using=%s hint=\"another user made it, or "
				    "it is not mode 0700: remove it\"", tmp,
				    (long)geteuid(), (long)first, dir);
			return 0;
		}
		if (i == 0)
			first = owner;
	}
	ac_log(AC_LOG_ERROR, "event=private_dir_unavailable "
	    "path=%s/jwt-auth-suite-%ld owner_uid=%ld hint=\"no directory of "
	    "our own (mode 0700) can be made under %s: remove the ones "
	    "another user made, or set TMPDIR to a directory of ours\"",
	    tmp, (long)geteuid(), (long)first, tmp);
	return -1;
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
