/*
 * test_config.c: configuration loading and validation (src/core/config.c
 * and the key checks of keys.c).  Each test writes what it needs into a
 * temporary directory, sets the environment, and loads an app; problems
 * are matched by the words an operator would look for.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/ac.h"
#include "core/base.h"
#include "util.h"

#define SECRET	"config-test-secret-0123456789-abcdefghijklmn"


/* Writes text to tu_dir/name with mode; returns the path in buf. */
static void
write_file(char *buf, size_t sz, const char *name, mode_t mode,
    const char *text)
{
	FILE	*f;

	tu_path(buf, sz, name);
	unlink(buf);
	f = fopen(buf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(buf, mode), 0);
}

/* No setting from outside; AUTH_CONFIG names an empty file. */
static void
env_clear(void)
{
	char	 path[PATH_MAX];

	tu_env_clear();
	write_file(path, sizeof(path), "empty.conf", 0600, "");
	setenv("AUTH_CONFIG", path, 1);
}

/* Loads config and keys; returns the app and its result in *rc. */
static struct ac_app *
load(enum ac_reason *rc)
{
	struct ac_app	*app;

	app = ac_app_new();
	ck_assert_ptr_nonnull(app);
	*rc = ac_app_load(app);
	ck_assert_int_eq(*rc == AC_OK, ac_app_nproblems(app) == 0);
	return app;
}

static struct ac_app *
load_ok(void)
{
	struct ac_app	*app;
	enum ac_reason	 rc;

	app = load(&rc);
	if (rc != AC_OK)
		ck_abort_msg("refused: %s", ac_app_error(app));
	return app;
}

/* Index of the problem holding every word given (NULL-terminated), or -1. */
static int
problem(const struct ac_app *app, ...)
{
	va_list		 ap;
	const char	*p, *w;
	size_t		 i;
	int		 all;

	for (i = 0; i < ac_app_nproblems(app); i++) {
		p = ac_app_problem(app, i);
		all = 1;
		va_start(ap, app);
		while ((w = va_arg(ap, const char *)) != NULL)
			if (strstr(p, w) == NULL)
				all = 0;
		va_end(ap);
		if (all)
			return (int)i;
	}
	return -1;
}

static void
dump(const struct ac_app *app)
{
	size_t	 i;

	for (i = 0; i < ac_app_nproblems(app); i++)
		fprintf(stderr, "  problem: %s\n", ac_app_problem(app, i));
}

#define HAS(app, ...) do {						\
	if (problem((app), __VA_ARGS__, (const char *)NULL) == -1) {	\
		dump(app);						\
		ck_abort_msg("no problem mentions %s", #__VA_ARGS__);	\
	}								\
} while (0)

static void
genkey(enum ac_alg alg, const char *name, char *path, size_t sz)
{
	char	 err[256], *kid;

	tu_path(path, sz, name);
	unlink(path);
	if (ac_keys_generate(alg, path, 0, &kid, err, sizeof(err)) != AC_OK)
		ck_abort_msg("keygen: %s", err);
	free(kid);
}

/* --------------------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct ac_app	*app;
	const struct ac_config *c;

	env_clear();
	setenv("JWT_SECRET", SECRET, 1);
	app = load_ok();
	c = ac_app_config(app);
	ck_assert_uint_eq(c->nalgs, 1);
	ck_assert_int_eq(c->algs[0], AC_ALG_HS256);
	ck_assert_int_eq(c->access_ttl, 30 * 60);
	ck_assert_int_eq(c->leeway, 30);
	ck_assert_int_eq(c->max_token, 8192);
	ck_assert_int_eq(c->require_type, 1);
	ck_assert_str_eq(c->subject_claim, "sub");
	ck_assert_ptr_null(c->issuer);
	ck_assert_ptr_null(c->audience);
	ck_assert_uint_eq(ac_keys_count(ac_app_keys(app)), 1);
	ck_assert_ptr_nonnull(ac_keys_signer(ac_app_keys(app)));
	ac_app_free(app);
}
END_TEST

/* Every problem is collected in one pass, not just the first. */
START_TEST(test_all_problems_at_once)
{
	struct ac_app	*app;
	char		 conf[PATH_MAX], missing[PATH_MAX];
	enum ac_reason	 rc;

	env_clear();
	write_file(conf, sizeof(conf), "all.conf", 0600,
	    "# comment\n\nJWT_ISSUER=https://auth.example.test\n"
	    "JWT_BOGUS_SETTING=1\n");
	setenv("AUTH_CONFIG", conf, 1);
	tu_path(missing, sizeof(missing), "no-such-key.pem");
	setenv("JWT_SECRET", "too-short", 1);
	setenv("JWT_ALGORITHM", "HS256,XS999", 1);
	setenv("JWT_LEEWAY_SECONDS", "9999", 1);
	setenv("JWT_PRIVATE_KEY_FILE", missing, 1);
	setenv("LOG_LEVEL", "chatty", 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_SECRET", "too short");
	HAS(app, "unknown algorithm", "XS999");
	HAS(app, "JWT_LEEWAY_SECONDS", "9999");
	HAS(app, "unknown setting", "JWT_BOGUS_SETTING", "line 4");
	HAS(app, "JWT_PRIVATE_KEY_FILE", "no-such-key.pem");
	HAS(app, "LOG_LEVEL", "chatty");
	ck_assert_uint_ge(ac_app_nproblems(app), 6);
	ck_assert_str_eq(ac_app_error(app), ac_app_problem(app, 0));
	ck_assert_ptr_null(ac_app_problem(app, ac_app_nproblems(app)));
	ac_app_free(app);
}
END_TEST

/* 32 bytes of secret are enough (31: see refusals). */
START_TEST(test_secret_length)
{
	struct ac_app	*app;
	char		 s[40];

	env_clear();
	memset(s, 'k', sizeof(s));
	s[32] = '\0';
	setenv("JWT_SECRET", s, 1);
	app = load_ok();
	ac_app_free(app);
}
END_TEST

START_TEST(test_secret_file)
{
	struct ac_app	*app;
	const struct ac_key *k;
	char		 path[PATH_MAX];
	enum ac_reason	 rc;

	env_clear();
	write_file(path, sizeof(path), "secret", 0600, SECRET "\n");
	setenv("JWT_SECRET_FILE", path, 1);
	app = load_ok();
	k = ac_keys_signer(ac_app_keys(app));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(ac_key_alg(k), AC_ALG_HS256);
	ac_app_free(app);

	ck_assert_int_eq(chmod(path, 0644), 0);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_SECRET_FILE", "world-readable");
	ac_app_free(app);

	ck_assert_int_eq(chmod(path, 0600), 0);
	setenv("JWT_SECRET", SECRET, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_SECRET_FILE", "both");
	ac_app_free(app);
}
END_TEST

START_TEST(test_world_readable_private_key)
{
	struct ac_app	*app;
	char		 path[PATH_MAX];
	enum ac_reason	 rc;

	env_clear();
	genkey(AC_ALG_ES256, "wr.pem", path, sizeof(path));
	setenv("JWT_ALGORITHM", "ES256", 1);
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = load_ok();	/* 0600 from keygen */
	ac_app_free(app);

	ck_assert_int_eq(chmod(path, 0644), 0);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_PRIVATE_KEY_FILE", "wr.pem", "chmod 600");
	ac_app_free(app);

	ck_assert_int_eq(chmod(path, 0602), 0);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	ac_app_free(app);

	/* Group-readable is the operator's choice (a shared group). */
	ck_assert_int_eq(chmod(path, 0640), 0);
	app = load_ok();
	ac_app_free(app);
}
END_TEST

START_TEST(test_bad_keys)
{
	struct ac_app	*app;
	char		 path[PATH_MAX], rsa[PATH_MAX];
	EVP_PKEY	*pk;
	FILE		*f;
	enum ac_reason	 rc;

	env_clear();
	setenv("JWT_ALGORITHM", "RS256", 1);
	/* Missing file. */
	tu_path(path, sizeof(path), "absent.pem");
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_PRIVATE_KEY_FILE", "absent.pem", "No such file");
	ac_app_free(app);

	/* Not PEM. */
	write_file(path, sizeof(path), "garbage.pem", 0600, "hello\n");
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "garbage.pem", "not a PEM");
	ac_app_free(app);

	/* An RSA key under 2048 bits. */
	tu_path(path, sizeof(path), "rsa1024.pem");
	pk = EVP_RSA_gen(1024);
	ck_assert_ptr_nonnull(pk);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	EVP_PKEY_free(pk);
	ck_assert_int_eq(chmod(path, 0600), 0);
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "1024 bits", "2048");
	ac_app_free(app);

	/* An EC key for an RSA algorithm; a P-384 key for ES256. */
	genkey(AC_ALG_ES384, "p384.pem", path, sizeof(path));
	setenv("JWT_PRIVATE_KEY_FILE", path, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "fits none", "JWT_ALGORITHM");
	ac_app_free(app);
	setenv("JWT_ALGORITHM", "ES256", 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "fits none");
	ac_app_free(app);

	/* A public-key algorithm with no key at all. */
	unsetenv("JWT_PRIVATE_KEY_FILE");
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_PRIVATE_KEY_FILE", "JWT_PUBLIC_KEY_FILE", "keygen");
	ac_app_free(app);

	/* A private key given as the public key file is refused. */
	genkey(AC_ALG_RS256, "rsa.pem", rsa, sizeof(rsa));
	setenv("JWT_ALGORITHM", "RS256", 1);
	setenv("JWT_PUBLIC_KEY_FILE", rsa, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_PUBLIC_KEY_FILE", "not a PEM public");
	ac_app_free(app);
}
END_TEST

/* Numbers: whole, in range; each bad one is its own problem. */
START_TEST(test_numbers)
{
	static const struct {
		const char	*name, *value;
		int		 ok;
	} v[] = {
		{ "JWT_LEEWAY_SECONDS", "0", 1 },
		{ "JWT_LEEWAY_SECONDS", "300", 1 },
		{ "JWT_LEEWAY_SECONDS", "301", 0 },
		{ "JWT_LEEWAY_SECONDS", "-1", 0 },
		{ "JWT_LEEWAY_SECONDS", "abc", 0 },
		{ "JWT_LEEWAY_SECONDS", "12x", 0 },
		{ "JWT_LEEWAY_SECONDS", "", 0 },
		{ "JWT_LEEWAY_SECONDS", "99999999999999999999999", 0 },
		{ "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "0", 0 },
		{ "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "1", 1 },
		{ "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "43200", 1 },
		{ "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "43201", 0 },
		{ "JWT_MAX_TOKEN_BYTES", "255", 0 },
		{ "JWT_MAX_TOKEN_BYTES", "65536", 1 },
		{ "AUTH_POOL_THREADS", "0", 0 },
		{ "AUTH_POOL_THREADS", "64", 1 },
		{ "AUTH_POOL_THREADS", "65", 0 },
		{ "JWT_REQUIRE_TYPE", "maybe", 0 },
		{ "JWT_REQUIRE_TYPE", "no", 1 },
	};
	struct ac_app	*app;
	size_t		 i;
	enum ac_reason	 rc;

	for (i = 0; i < nitems(v); i++) {
		env_clear();
		setenv("JWT_SECRET", SECRET, 1);
		setenv(v[i].name, v[i].value, 1);
		app = load(&rc);
		ck_assert_msg((rc == AC_OK) == v[i].ok, "%s=%s: %s",
		    v[i].name, v[i].value, rc == AC_OK ? "accepted" :
		    ac_app_error(app));
		if (!v[i].ok) {
			ck_assert_uint_eq(ac_app_nproblems(app), 1);
			HAS(app, v[i].name);
		}
		ac_app_free(app);
	}
	env_clear();
	setenv("JWT_SECRET", SECRET, 1);
	setenv("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "15", 1);
	app = load_ok();
	ck_assert_int_eq(ac_app_config(app)->access_ttl, 15 * 60);
	ac_app_free(app);
}
END_TEST

/* The file is read, the environment wins, quotes are stripped. */
START_TEST(test_file_and_environment)
{
	struct ac_app	*app;
	const struct ac_config *c;
	char		 conf[PATH_MAX];

	env_clear();
	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "# settings\n"
	    "JWT_SECRET=" SECRET "\n"
	    "  JWT_ISSUER = \"https://file.example.test\"  \n"
	    "JWT_AUDIENCE='file-audience'\n"
	    "JWT_LEEWAY_SECONDS=10\n");
	setenv("AUTH_CONFIG", conf, 1);
	app = load_ok();
	c = ac_app_config(app);
	ck_assert_str_eq(c->source, conf);
	ck_assert_str_eq(c->issuer, "https://file.example.test");
	ck_assert_str_eq(c->audience, "file-audience");
	ck_assert_int_eq(c->leeway, 10);
	ac_app_free(app);

	setenv("JWT_ISSUER", "https://env.example.test", 1);
	setenv("JWT_LEEWAY_SECONDS", "5", 1);
	app = load_ok();
	c = ac_app_config(app);
	ck_assert_str_eq(c->issuer, "https://env.example.test");
	ck_assert_str_eq(c->audience, "file-audience");
	ck_assert_int_eq(c->leeway, 5);
	ac_app_free(app);

	/* The introspection client secret in a file only its owner reads. */
	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "INTROSPECTION_CLIENT_ID=backend\n"
	    "INTROSPECTION_CLIENT_SECRET=" SECRET "\n");
	setenv("JWT_SECRET", SECRET, 1);
	app = load_ok();
	ac_app_free(app);
}
END_TEST

START_TEST(test_better_auth_alias)
{
	struct ac_app	*app;
	struct ac_token	 tok;
	char		*t;

	env_clear();
	setenv("BETTER_AUTH_SECRET", SECRET, 1);
	app = load_ok();
	ck_assert_str_eq(ac_app_config(app)->secret, SECRET);
	ck_assert_ptr_nonnull(ac_keys_signer(ac_app_keys(app)));
	ck_assert_int_eq(ac_token_issue(app, "alice", 60, NULL, &t), AC_OK);
	ac_app_free(app);

	/* The same secret under its own name verifies the token. */
	unsetenv("BETTER_AUTH_SECRET");
	setenv("JWT_SECRET", SECRET, 1);
	app = load_ok();
	ck_assert_int_eq(ac_token_verify(app, t, strlen(t), time(NULL), &tok),
	    AC_OK);
	ac_token_clear(&tok);
	ac_app_free(app);
	free(t);

	/* Both set to the same secret: fine. */
	setenv("BETTER_AUTH_SECRET", SECRET, 1);
	app = load_ok();
	ck_assert_str_eq(ac_app_config(app)->secret, SECRET);
	ac_app_free(app);
}
END_TEST

/*
 * The secret under both names with different values stops the program,
 * saying which to keep, unless JWT_SECRET_SOURCE picks one; a file line
 * set twice is an error; a name and its alias differing likewise.
 */
START_TEST(test_conflicts)
{
	struct ac_app	*app;
	char		 conf[PATH_MAX];

	env_clear();
	setenv("JWT_SECRET", SECRET, 1);
	setenv("BETTER_AUTH_SECRET", SECRET "-other", 1);
	setenv("JWT_SECRET_SOURCE", "BETTER_AUTH_SECRET", 1);
	app = load_ok();
	ck_assert_str_eq(ac_app_config(app)->secret, SECRET "-other");
	ac_app_free(app);
	setenv("JWT_SECRET_SOURCE", "JWT_SECRET", 1);
	app = load_ok();
	ck_assert_str_eq(ac_app_config(app)->secret, SECRET);
	ac_app_free(app);
	unsetenv("BETTER_AUTH_SECRET");
	unsetenv("JWT_SECRET_SOURCE");

	/* The alias in the file alone (DATABASE_URL: see refusals). */
	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "JWT_SECRET=" SECRET "\nNEON_DATABASE_URL=a.db\n");
	setenv("AUTH_CONFIG", conf, 1);
	app = load_ok();
	ck_assert_str_eq(ac_app_config(app)->database_url, "a.db");
	ac_app_free(app);
}
END_TEST

/* Files as .env files are written; warnings for names that are no setting. */
START_TEST(test_dotenv)
{
	static const struct {
		const char	*line;	/* JWT_ISSUER=... as written */
		const char	*want;	/* value, or NULL: a problem */
	} rows[] = {
		{ "JWT_ISSUER=plain", "plain" },
		{ "export JWT_ISSUER=exported", "exported" },
		{ "JWT_ISSUER=val  # a comment", "val" },
		{ "JWT_ISSUER=val\t# a tab comment", "val" },
		{ "JWT_ISSUER=a#b", "a#b" },
		{ "JWT_ISSUER=\"dq # not a comment\"  # comment", "dq # not a comment" },
		{ "JWT_ISSUER='sq \\n literal' # c", "sq \\n literal" },
		{ "JWT_ISSUER=\"esc \\\" q\"", "esc \" q" },
		{ "JWT_ISSUER= # only a comment", NULL },
		{ "JWT_ISSUER=\"unterminated", NULL },
		{ "JWT_ISSUER=\"a\" trailing", NULL },
		/* ${VAR} and ${VAR:-default}, as python-dotenv expands. */
		{ "JWT_ISSUER=${ISSUER_BASE}/x", "https://env/x" },
		{ "JWT_ISSUER=\"${ISSUER_BASE}/x\" # c", "https://env/x" },
		{ "JWT_ISSUER=${NOPE:-https://dflt}", "https://dflt" },
		{ "JWT_ISSUER=\"${NOPE:-a b}-q\"", "a b-q" },
		{ "JWT_ISSUER=${EMPTY:-e}", "e" },
		{ "JWT_ISSUER=x${NOPE}y", "xy" },
		{ "JWT_ISSUER='${ISSUER_BASE}'", "${ISSUER_BASE}" },
		{ "JWT_ISSUER=\"\\${ISSUER_BASE}\"", "${ISSUER_BASE}" },
		{ "JWT_ISSUER=$ISSUER_BASE", "$ISSUER_BASE" },
		{ "JWT_ISSUER=${ISSUER_BASE", "${ISSUER_BASE" },
		{ "JWT_ISSUER=\"${NOPE:-a\" # }", "${NOPE:-a" },
	};
	struct ac_app	*app;
	char		 conf[PATH_MAX], text[256];
	enum ac_reason	 rc;
	size_t		 i;

	env_clear();
	setenv("ISSUER_BASE", "https://env", 1);
	setenv("EMPTY", "", 1);
	for (i = 0; i < nitems(rows); i++) {
		snprintf(text, sizeof(text), "JWT_SECRET=" SECRET
		    "  # Same as BETTER_AUTH_SECRET\n%s\n", rows[i].line);
		write_file(conf, sizeof(conf), "auth.conf", 0600, text);
		setenv("AUTH_CONFIG", conf, 1);
		app = load(&rc);
		if (rows[i].want == NULL) {
			/* An empty value leaves the issuer unset. */
			if (rc == AC_OK)
				ck_assert_msg(ac_app_config(app)->issuer ==
				    NULL, "row %zu", i);
			else
				HAS(app, "line 2", "JWT_ISSUER");
		} else {
			ck_assert_msg(rc == AC_OK, "row %zu: %s", i,
			    ac_app_error(app));
			ck_assert_str_eq(ac_app_config(app)->secret, SECRET);
			ck_assert_str_eq(ac_app_config(app)->issuer,
			    rows[i].want);
		}
		ac_app_free(app);
	}

	/* Other names in a .env file are ignored with a warning; suite ones
	 * are errors; the environment's are warnings. */
	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "JWT_SECRET=" SECRET "\nENVIRONMENT=development\n");
	setenv("JWT_ROLLOUT_PERCENTAG", "10", 1);
	setenv("AUTH_TYPE", "Basic", 1);	/* CGI's, not ours */
	app = load_ok();
	ck_assert_ptr_nonnull(strstr(ac_app_warning(app, 0), "ENVIRONMENT"));
	ck_assert_ptr_nonnull(strstr(ac_app_warning(app, 1),
	    "JWT_ROLLOUT_PERCENTAG"));
	ck_assert_ptr_null(ac_app_warning(app, 2));
	ac_app_free(app);
	unsetenv("JWT_ROLLOUT_PERCENTAG");
	unsetenv("AUTH_TYPE");

	/* Lines above expand too; the environment wins over them. */
	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "JWT_SECRET=" SECRET "\nBASE=https://file\nISSUER_BASE=file\n"
	    "JWT_ISSUER=${BASE}/api\nJWT_AUDIENCE=${ISSUER_BASE}\n");
	app = load_ok();
	ck_assert_str_eq(ac_app_config(app)->issuer, "https://file/api");
	ck_assert_str_eq(ac_app_config(app)->audience, "https://env");
	ac_app_free(app);
	unsetenv("ISSUER_BASE");
	unsetenv("EMPTY");
}
END_TEST

/*
 * A byte order mark before line 1 is skipped, and a setting's name in
 * lower case or misspelt is a problem that says which was meant: both
 * were dropped with a warning, and so JWT_AUDIENCE went unchecked.
 */
START_TEST(test_dotenv_names)
{
	struct ac_app	*app;
	char		 conf[PATH_MAX];
	enum ac_reason	 rc;

	env_clear();
	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "\xef\xbb\xbfJWT_AUDIENCE=api\nJWT_SECRET=" SECRET "\n");
	setenv("AUTH_CONFIG", conf, 1);
	app = load_ok();
	ck_assert_ptr_nonnull(ac_app_config(app)->audience);
	ck_assert_str_eq(ac_app_config(app)->audience, "api");
	ck_assert_ptr_null(ac_app_warning(app, 0));
	ac_app_free(app);

	write_file(conf, sizeof(conf), "auth.conf", 0600,
	    "JWT_SECRET=" SECRET "\njwt_audience=api\nJWT_ENABLED=true\n"
	    "JWT_AUDENCE=x\nPORT=8000\n");
	app = load(&rc);
	ck_assert_int_ne(rc, AC_OK);
	HAS(app, "line 2", "'jwt_audience'", "did you mean JWT_AUDIENCE?");
	HAS(app, "line 3", "did you mean JWT_AUTH_ENABLED?");
	HAS(app, "line 4", "did you mean JWT_AUDIENCE?");
	ck_assert_int_eq(ac_app_nproblems(app), 3);
	/* An application's own name is only warned of. */
	ck_assert_ptr_nonnull(strstr(ac_app_warning(app, 0), "'PORT'"));
	ac_app_free(app);
}
END_TEST

/*
 * What to set: a provider's URL with the default HS256 asks for
 * JWT_ALGORITHM, not a secret; two different secrets are one problem,
 * with no "no secret is set" after it.
 */
START_TEST(test_hints)
{
	struct ac_app	*app;
	enum ac_reason	 rc;

	env_clear();
	setenv("BETTER_AUTH_URL", "http://127.0.0.1:9", 1);
	app = load(&rc);
	HAS(app, "JWT_ALGORITHM is HS256 (the default", "BETTER_AUTH_URL",
	    "set JWT_ALGORITHM");
	ck_assert_int_eq(problem(app, "no secret", (const char *)NULL), -1);
	ac_app_free(app);

	setenv("JWKS_URL", "http://127.0.0.1:9/jwks", 1);
	setenv("JWKS_FETCH_TIMEOUT", "1", 1);
	app = load(&rc);
	HAS(app, "JWT_ALGORITHM is HS256", "JWKS_URL", "set JWT_ALGORITHM");
	ac_app_free(app);

	env_clear();
	setenv("JWT_SECRET", SECRET, 1);
	setenv("BETTER_AUTH_SECRET", SECRET "-other", 1);
	app = load(&rc);
	HAS(app, "differ");
	ck_assert_int_eq(problem(app, "no secret", (const char *)NULL), -1);
	ck_assert_int_eq(ac_app_nproblems(app), 1);
	ac_app_free(app);
}
END_TEST

/* BETTER_AUTH_URL: the default JWKS_URL, issuer and audience. */
START_TEST(test_better_auth_url)
{
	struct ac_app	*app;
	const struct ac_config *c;
	enum ac_reason	 rc;

	env_clear();
	setenv("JWT_ALGORITHM", "EdDSA", 1);
	setenv("BETTER_AUTH_URL", "http://127.0.0.1:9/", 1);
	setenv("JWKS_FETCH_TIMEOUT", "1", 1);
	app = ac_app_new();
	ck_assert_ptr_nonnull(app);
	rc = ac_app_load_config(app);
	ck_assert_msg(rc == AC_OK, "%s", ac_app_error(app));
	c = ac_app_config(app);
	ck_assert_str_eq(c->jwks_url, "http://127.0.0.1:9/api/auth/jwks");
	ck_assert_str_eq(c->issuer, "http://127.0.0.1:9");
	ck_assert_str_eq(c->audience, "http://127.0.0.1:9");
	ac_app_free(app);

	/* Given ones win. */
	setenv("JWKS_URL", "http://127.0.0.1:9/keys", 1);
	setenv("JWT_AUDIENCE", "api", 1);
	app = ac_app_new();
	ck_assert_int_eq(ac_app_load_config(app), AC_OK);
	c = ac_app_config(app);
	ck_assert_str_eq(c->jwks_url, "http://127.0.0.1:9/keys");
	ck_assert_str_eq(c->issuer, "http://127.0.0.1:9");
	ck_assert_str_eq(c->audience, "api");
	ac_app_free(app);

	/* A shared secret (HS256) with BETTER_AUTH_URL: no key set, no iss. */
	env_clear();
	setenv("JWT_SECRET", SECRET, 1);
	setenv("BETTER_AUTH_URL", "http://127.0.0.1:9", 1);
	app = load_ok();
	c = ac_app_config(app);
	ck_assert_ptr_null(c->jwks_url);
	ck_assert_ptr_null(c->issuer);
	ac_app_free(app);
}
END_TEST

START_TEST(test_algorithm_list)
{
	struct ac_app	*app;
	const struct ac_config *c;
	char		 key[PATH_MAX];

	env_clear();
	genkey(AC_ALG_RS256, "list.pem", key, sizeof(key));
	setenv("JWT_SECRET", SECRET, 1);
	setenv("JWT_PRIVATE_KEY_FILE", key, 1);
	setenv("JWT_ALGORITHM", " RS256 , HS256,HS256,RS512", 1);
	app = load_ok();
	c = ac_app_config(app);
	ck_assert_uint_eq(c->nalgs, 3);
	ck_assert_int_eq(c->algs[0], AC_ALG_RS256);
	ck_assert_int_eq(c->algs[1], AC_ALG_HS256);
	ck_assert_int_eq(c->algs[2], AC_ALG_RS512);
	/* The first signs: the RSA key, bound to RS256. */
	ck_assert_int_eq(ac_key_alg(ac_keys_signer(ac_app_keys(app))),
	    AC_ALG_RS256);
	ck_assert_uint_eq(ac_keys_count(ac_app_keys(app)), 2);
	ac_app_free(app);

	setenv("JWT_ALGORITHM", "HS256,RS256", 1);
	app = load_ok();
	ck_assert_int_eq(ac_key_alg(ac_keys_signer(ac_app_keys(app))),
	    AC_ALG_HS256);
	ac_app_free(app);
}
END_TEST

START_TEST(test_long_values)
{
	struct ac_app	*app;
	char		 big[400];
	enum ac_reason	 rc;

	env_clear();
	setenv("JWT_SECRET", SECRET, 1);
	memset(big, 'i', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setenv("JWT_ISSUER", big, 1);
	setenv("JWT_AUDIENCE", big, 1);
	setenv("JWT_KEY_ID", big, 1);
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	HAS(app, "JWT_ISSUER");
	HAS(app, "JWT_AUDIENCE");
	HAS(app, "JWT_KEY_ID");
	ac_app_free(app);
}
END_TEST

/*
 * Configurations that must be refused, one row each: the environment it
 * sets (NAME=value), the text of the file AUTH_CONFIG names (NULL: the
 * empty one; NOFILE: a file that does not exist) with its mode, and the
 * words that one problem must hold, every one of them.
 */
#define NOFILE	""
#define K31	"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
static const struct refusal {
	const char	*env[3];
	const char	*file;
	mode_t		 mode;
	const char	*words[4];
} refusals[] = {
	{ { "JWT_SECRET=" K31 }, NULL, 0, { "31 bytes", "too short" } },
	{ { NULL }, NULL, 0, { "no secret", "JWT_SECRET" } },
	/* A bad file value is reported with its line. */
	{ { NULL }, "JWT_SECRET=" SECRET "\nJWT_ALGORITHM=RS999\n", 0600,
	  { "RS999", "config line 2" } },
	{ { NULL }, "JWT_SECRET=" SECRET "\njust words\n", 0600,
	  { "line 2", "NAME=value" } },
	{ { NULL }, "JWT_SECRET=" SECRET "\n", 0644,
	  { "world-readable", "auth.conf" } },
	{ { "JWT_SECRET=" SECRET }, "INTROSPECTION_CLIENT_ID=backend\n"
	  "INTROSPECTION_CLIENT_SECRET=" SECRET "\n", 0644,
	  { "world-readable", "INTROSPECTION_CLIENT_SECRET" } },
	{ { "JWT_SECRET=" SECRET }, NOFILE, 0,
	  { "AUTH_CONFIG", "nowhere.conf" } },
	{ { "JWT_SECRET=" SECRET, "BETTER_AUTH_SECRET=" SECRET "-other" },
	  NULL, 0, { "JWT_SECRET (environment)", "BETTER_AUTH_SECRET "
	  "(environment)", "differ", "JWT_SECRET_SOURCE=BETTER_AUTH_SECRET" } },
	{ { "JWT_SECRET=" SECRET, "BETTER_AUTH_SECRET=" SECRET "-other",
	  "JWT_SECRET_SOURCE=BOTH" }, NULL, 0,
	  { "JWT_SECRET_SOURCE", "BOTH" } },
	{ { "JWT_SECRET=" SECRET, "JWT_SECRET_SOURCE=BETTER_AUTH_SECRET" },
	  NULL, 0, { "JWT_SECRET_SOURCE names BETTER_AUTH_SECRET",
	  "not set" } },
	/* File against environment: the quickstart's two secrets. */
	{ { "BETTER_AUTH_SECRET=" SECRET },
	  "JWT_SECRET=your-existing-jwt-secret-of-32-bytes-or-more\n", 0600,
	  { "JWT_SECRET (config line 1)", "BETTER_AUTH_SECRET "
	  "(environment)" } },
	/* The same name twice in a file. */
	{ { NULL }, "JWT_SECRET=" SECRET "\nJWT_ISSUER=a\n\nJWT_ISSUER=b\n",
	  0600, { "line 4", "JWT_ISSUER is set again", "config line 2" } },
	/* Alias and name differing (NEON_DATABASE_URL). */
	{ { "DATABASE_URL=b.db" },
	  "JWT_SECRET=" SECRET "\nNEON_DATABASE_URL=a.db\n", 0600,
	  { "DATABASE_URL (environment)", "NEON_DATABASE_URL "
	  "(config line 2)", "keep one" } },
	/* A suite-looking name that is no setting, in a .env file. */
	{ { NULL }, "JWT_SECRET=" SECRET "\nJWT_ENABLED=false\n", 0600,
	  { "line 2", "'JWT_ENABLED'", "did you mean JWT_AUTH_ENABLED?" } },
	{ { "JWT_SECRET=" SECRET, "JWT_ALGORITHM=hs256" }, NULL, 0,
	  { "unknown algorithm", "hs256" } },
	{ { "JWT_SECRET=" SECRET, "JWT_ALGORITHM=none" }, NULL, 0,
	  { "unknown algorithm", "none" } },
	{ { "JWT_SECRET=" SECRET, "JWT_ALGORITHM= , " }, NULL, 0,
	  { "JWT_ALGORITHM", "no algorithm" } },
};

START_TEST(test_refusals)
{
	const struct refusal *r = &refusals[_i];
	struct ac_app	*app;
	char		 conf[PATH_MAX], name[64];
	const char	*eq;
	size_t		 i, j;
	enum ac_reason	 rc;

	env_clear();
	if (r->file != NULL && *r->file == '\0')
		tu_path(conf, sizeof(conf), "nowhere.conf");
	else if (r->file != NULL)
		write_file(conf, sizeof(conf), "auth.conf", r->mode, r->file);
	if (r->file != NULL)
		setenv("AUTH_CONFIG", conf, 1);
	for (i = 0; i < nitems(r->env) && r->env[i] != NULL; i++) {
		eq = strchr(r->env[i], '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq - r->env[i]),
		    r->env[i]);
		setenv(name, eq + 1, 1);
	}
	app = load(&rc);
	ck_assert_int_eq(rc, AC_CONFIG_INVALID);
	for (i = 0; i < ac_app_nproblems(app); i++) {
		for (j = 0; j < nitems(r->words) && r->words[j] != NULL; j++)
			if (strstr(ac_app_problem(app, i), r->words[j]) == NULL)
				break;
		if (j == nitems(r->words) || r->words[j] == NULL)
			break;
	}
	if (i == ac_app_nproblems(app)) {
		dump(app);
		ck_abort_msg("row %d: no problem holds \"%s\" and the rest",
		    _i, r->words[0]);
	}
	ac_app_free(app);
}
END_TEST

Suite *
tu_suite(void)
{
	Suite		*s = suite_create("config");
	const TTest	*tests[] = { test_defaults, test_all_problems_at_once,
			    test_secret_length, test_secret_file,
			    test_world_readable_private_key, test_bad_keys,
			    test_numbers, test_file_and_environment,
			    test_better_auth_alias, test_conflicts, test_dotenv,
			    test_dotenv_names, test_hints,
			    test_better_auth_url, test_algorithm_list,
			    test_long_values, NULL };

	tcase_add_loop_test(tu_tcase(s, "config", 60, NULL, NULL, tests),
	    test_refusals, 0, (int)nitems(refusals));
	return s;
}
