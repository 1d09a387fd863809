/*
 * keygen.c: writing keys.  ac_keys_generate writes a fresh key to a file
 * (authctl keygen); ac_keys_rotate and ac_keys_retire manage JWT_KEYS_DIR
 * (authctl key), whose format keys.c reads: one file per key, named by
 * its kid, KID.pem (a PEM private key) or KID.key (an HS secret), and
 * the file "active" naming the kid that signs (AC_KEYDIR_* in keys.h:
 * the reader and this writer share those names).  Every file is written
 * aside and renamed into place, so a reader never sees half a key, and
 * the directory's mtime changes, which is what tells running programs
 * to reload (keys.c's dir_stamp).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ac.h"
#include "base.h"
#include "keys.h"

/* Writes len bytes to a new file, atomically replacing when force. */
static int
write_new(const char *path, const char *data, size_t len, int force,
    char *err, size_t errlen)
{
	char	 tmp[4096];
	int	 fd, rc = -1;
	ssize_t	 n;
	size_t	 off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (!force && access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s exists; use --force to replace it",
		    path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (force ? rename(tmp, path) == -1 : link(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	unlink(tmp);
	return rc;
}

enum ac_reason
ac_keys_generate(enum ac_alg alg, const char *path, int force, char **kid,
    char *err, size_t errlen)
{
	struct ac_key	 k;
	unsigned char	 raw[64];
	char		 text[128], *pem = NULL;
	EVP_PKEY	*pk = NULL;
	BIO		*bio = NULL;
	long		 n;
	enum ac_reason	 rc = AC_INTERNAL;

	memset(&k, 0, sizeof(k));
	*kid = NULL;
	if (ac_alg_is_hmac(alg)) {
		if (RAND_bytes(raw, sizeof(raw)) != 1 ||
		    (n = ac_b64url_encode(raw, sizeof(raw), text,
		    sizeof(text) - 1)) < 0) {
			snprintf(err, errlen, "random bytes unavailable");
			goto out;
		}
		text[n] = '\n';
		if (write_new(path, text, (size_t)n + 1, force, err,
		    errlen) == -1)
			goto out;
		k.secret = (unsigned char *)text;
		k.secretlen = (size_t)n;
	} else {
		if (ac_alg_is_rsa(alg))
			pk = EVP_RSA_gen(alg == AC_ALG_RS256 ||
			    alg == AC_ALG_PS256 ? 2048 : alg == AC_ALG_RS384 ||
			    alg == AC_ALG_PS384 ? 3072 : 4096);
		else if (alg == AC_ALG_EDDSA)
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else
			pk = EVP_EC_gen(ac_key_curve(alg));
		if (pk == NULL || (bio = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL,
		    NULL)) {
			snprintf(err, errlen, "key generation failed");
			goto out;
		}
		n = BIO_get_mem_data(bio, &pem);
		if (write_new(path, pem, (size_t)n, force, err, errlen) == -1)
			goto out;
		k.pkey = pk;
	}
	k.alg = alg;
	if (ac_key_thumbprint(&k) == -1 || (*kid = strdup(k.kid)) == NULL) {
		snprintf(err, errlen, "cannot compute the key id");
		goto out;
	}
	rc = AC_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return rc;
}

/* Atomically writes "kid\n" to DIR/active. */
static int
write_active(const char *dir, const char *kid)
{
	char	 tmp[PATH_MAX], path[PATH_MAX];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, AC_KEYDIR_ACTIVE,
	    (long)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, AC_KEYDIR_ACTIVE);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%s\n", kid);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	return rename(tmp, path);
}

enum ac_reason
ac_keys_rotate(const struct ac_app *app, enum ac_alg alg, char **kid,
    char *err, size_t errlen)
{
	const char	*dir = app->cfg.keys_dir;
	char		 tmp[PATH_MAX], path[PATH_MAX];
	enum ac_reason	 rc;

	*kid = NULL;
	if (dir == NULL) {
		snprintf(err, errlen, "set JWT_KEYS_DIR to the directory that "
		    "holds the rotated keys");
		return AC_CONFIG_INVALID;
	}
	snprintf(tmp, sizeof(tmp), "%s/.new.%ld", dir, (long)getpid());
	if ((rc = ac_keys_generate(alg, tmp, 0, kid, err, errlen)) != AC_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/%s%s", dir, *kid,
	    ac_alg_is_hmac(alg) ? AC_KEYDIR_SECRET : AC_KEYDIR_PEM);
	if (rename(tmp, path) == -1 || write_active(dir, *kid) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		unlink(tmp);
		free(*kid);
		*kid = NULL;
		return AC_INTERNAL;
	}
	return AC_OK;
}

enum ac_reason
ac_keys_retire(const struct ac_app *app, const char *kid, char *err,
    size_t errlen)
{
	const struct ac_key *k;
	const char	*dir = app->cfg.keys_dir;
	char		 path[PATH_MAX];

	if (dir == NULL) {
		snprintf(err, errlen, "set JWT_KEYS_DIR to the directory that "
		    "holds the rotated keys");
		return AC_CONFIG_INVALID;
	}
	k = ac_keys_signer(&app->live->keys);
	if (k != NULL && strcmp(k->kid, kid) == 0) {
		snprintf(err, errlen, "%s is the active signing key; rotate "
		    "first", kid);
		return AC_CONFLICT;
	}
	if (strchr(kid, '/') != NULL || kid[0] == '.') {
		snprintf(err, errlen, "not a kid: %s", kid);
		return AC_VALIDATION_FAILED;
	}
	snprintf(path, sizeof(path), "%s/%s%s", dir, kid, AC_KEYDIR_PEM);
	if (unlink(path) == -1) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, kid,
		    AC_KEYDIR_SECRET);
		if (unlink(path) == -1) {
			snprintf(err, errlen, "no key %s in %s", kid, dir);
			return AC_NOT_FOUND;
		}
	}
	return AC_OK;
}
