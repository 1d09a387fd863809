/*
 * extern.h: declarations shared inside the auth core only.  Programs
 * include ac.h and never see these structures.
 */
#ifndef AC_EXTERN_H
#define AC_EXTERN_H

#include <openssl/evp.h>

#define AC_MAXPROBLEMS	32
#define AC_MAXKEYS	16

struct ac_key {
	enum ac_alg	 alg;
	char		 kid[96];
	unsigned char	*secret;	/* HS*: the shared secret */
	size_t		 secretlen;
	EVP_PKEY	*pkey;		/* RS*, ES*: public (and maybe private) */
	char		*pem;		/* private PEM, for libjwt signing */
	size_t		 pemlen;
	int		 can_sign;
};

struct ac_keyset {
	struct ac_key	 keys[AC_MAXKEYS];
	size_t		 nkeys;
	int		 signer;	/* index, or -1 */
};

struct ac_app {
	struct ac_config cfg;
	struct ac_keyset keys;
	char		*problems[AC_MAXPROBLEMS];
	size_t		 nproblems;
};

/* app.c */
void		 ac_app_problemf(struct ac_app *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* config.c */
void		 ac_config_load(struct ac_app *);
void		 ac_config_free(struct ac_config *);

/* keys.c */
void		 ac_keys_load(struct ac_app *);
void		 ac_keys_free(struct ac_keyset *);
/* Reads a whole small file (limit bytes); NUL-terminated; caller frees. */
char		*ac_file_read(const char *path, size_t limit, size_t *len,
		    char *err, size_t errlen);

#endif /* !AC_EXTERN_H */
