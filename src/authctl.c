/*
 * authctl: the operator's command line.  Each command is a short function
 * over the auth core; the table at the bottom lists them with their
 * synopsis, which `authctl help` and each command's --help print.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/ac.h"
#include "authctl.h"

struct cmd {
	const char	*name;
	int		(*fn)(int, char *[]);
	const char	*synopsis;
	const char	*help;
};

static const struct cmd *current;

/*
 * What the running command opened through load() and open_store() (or
 * made itself): main closes both after the command returns, so that no
 * command has to.
 */
static struct {
	struct ac_app	*app;
	struct ac_store	*st;
} opened;

static int
usage(void)
{

	fprintf(stderr, "usage: authctl %s %s\n", current->name,
	    current->synopsis);
	return 2;
}

static int
help(void)
{

	printf("usage: authctl %s %s\n\n%s", current->name, current->synopsis,
	    current->help);
	return 0;
}

/*
 * Every long option of authctl, each the twin of its letter; a command
 * takes those whose letters are in its short options, and --help.
 */
static const struct option longopts[] = {
	{ "alg", required_argument, NULL, 'a' },
	{ "claim", required_argument, NULL, 'c' },
	{ "force", no_argument, NULL, 'f' },
	{ "from", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "out", required_argument, NULL, 'o' },
	{ "sub", required_argument, NULL, 's' },
	{ "ttl", required_argument, NULL, 't' },
	{ "verify", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

/*
 * The next option of the running command, which takes shortopts: its
 * letter, 'h' for --help, '?' for one it does not take, -1 at the end.
 */
static int
option(int argc, char *argv[], const char *shortopts)
{
	int	 c;

	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c != -1 && c != 'h' && strchr(shortopts, c) == NULL)
		return '?';
	return c;
}

/*
 * The options of a command that takes none but --help: -1 to go on, else
 * the exit status (help's or usage's).
 */
static int
no_options(int argc, char *argv[])
{

	switch (option(argc, argv, "")) {
	case -1: return -1;
	case 'h': return help();
	default: return usage();
	}
}

/*
 * Loads the configuration (and keys unless config_only) into opened.app
 * and returns it; prints the problems and returns NULL when there are.
 */
static struct ac_app *
load(int config_only)
{
	struct ac_app	*app;
	size_t		 i;
	enum ac_reason	 rc;

	if ((app = ac_app_new()) == NULL) {
		fprintf(stderr, "authctl: out of memory\n");
		return NULL;
	}
	rc = config_only ? ac_app_load_config(app) : ac_app_load(app);
	if (rc != AC_OK) {
		for (i = 0; i < ac_app_nproblems(app); i++)
			fprintf(stderr, "authctl: %s\n", ac_app_problem(app, i));
		ac_app_free(app);
		return NULL;
	}
	ac_log_setup("authctl", ac_app_config(app)->loglevel, NULL, NULL);
	return opened.app = app;
}

/*
 * Opens the store of app into opened.st (closing the one opened before)
 * and *st; 0, or -1 after saying why on stderr.
 */
static int
open_store(struct ac_app *app, int writable, struct ac_store **st)
{
	char	 err[512];

	ac_store_close(opened.st);
	opened.st = *st = NULL;
	if (ac_store_open(app, writable, &opened.st, err,
	    sizeof(err)) != AC_OK) {
		fprintf(stderr, "authctl %s: %s\n", current->name, err);
		return -1;
	}
	*st = opened.st;
	return 0;
}

static int
cmd_keygen(int argc, char *argv[])
{
	const char	*algs = "HS256", *out = NULL;
	char		*kid, err[512];
	int		 c, force = 0;
	enum ac_alg	 alg;

	while ((c = option(argc, argv, "a:o:f")) != -1)
		switch (c) {
		case 'a': algs = optarg; break;
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		case 'h': return help();
		default: return usage();
		}
	if (out == NULL || optind != argc)
		return usage();
	if (ac_alg_parse(algs, &alg) == -1) {
		fprintf(stderr, "authctl keygen: unknown algorithm '%s' (use "
		    AC_ALG_NAMES ")\n", algs);
		return 2;
	}
	if (ac_keys_generate(alg, out, force, &kid, err, sizeof(err)) != AC_OK) {
		fprintf(stderr, "authctl keygen: %s\n", err);
		return 1;
	}
	printf("%s\n", kid);
	fprintf(stderr, "authctl keygen: wrote %s key to %s (mode 0600); "
	    "set %s=%s and JWT_ALGORITHM=%s\n", ac_alg_str(alg), out,
	    ac_alg_is_hmac(alg) ? "JWT_SECRET_FILE" : "JWT_PRIVATE_KEY_FILE",
	    out, ac_alg_str(alg));
	free(kid);
	return 0;
}

/* NAME=VALUE: VALUE is JSON when it parses as JSON, else a string. */
static int
add_claim(json_object *extra, const char *arg)
{
	const char	*eq;
	char		 name[128];
	json_object	*v;

	if ((eq = strchr(arg, '=')) == NULL || eq == arg ||
	    (size_t)(eq - arg) >= sizeof(name))
		return -1;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if ((v = json_tokener_parse(eq + 1)) == NULL)
		v = json_object_new_string(eq + 1);
	json_object_object_add(extra, name, v);
	return 0;
}

static int
cmd_issue(int argc, char *argv[])
{
	struct ac_app	*app = NULL;
	json_object	*extra;
	const char	*sub = NULL;
	char		*tok = NULL, *end;
	long		 ttl = 0;
	int		 c, rc = 1;
	enum ac_reason	 r;

	if ((extra = json_object_new_object()) == NULL)
		return 1;
	while ((c = option(argc, argv, "s:t:c:")) != -1)
		switch (c) {
		case 's':
			sub = optarg;
			break;
		case 't':
			errno = 0;
			ttl = strtol(optarg, &end, 10);
			if (errno || *end != '\0' || ttl <= 0 ||
			    ttl > 366L * 86400) {
				fprintf(stderr, "authctl issue: --ttl takes "
				    "seconds from 1 to 31622400\n");
				rc = 2;
				goto out;
			}
			break;
		case 'c':
			if (add_claim(extra, optarg) == -1) {
				fprintf(stderr, "authctl issue: --claim takes "
				    "NAME=VALUE\n");
				rc = 2;
				goto out;
			}
			break;
		case 'h':
			rc = help();
			goto out;
		default:
			rc = usage();
			goto out;
		}
	if (sub == NULL || optind != argc) {
		rc = usage();
		goto out;
	}
	if ((app = load(0)) == NULL)
		goto out;
	r = ac_token_issue(app, sub, ttl, extra, &tok);
	if (r == AC_CONFIG_INVALID)
		fprintf(stderr, "authctl issue: no signing key: "
		    "JWT_PUBLIC_KEY_FILE only verifies; set "
		    "JWT_PRIVATE_KEY_FILE\n");
	else if (r == AC_VALIDATION_FAILED)
		fprintf(stderr, "authctl issue: --sub must be 1 to 255 bytes "
		    "and --claim may not set iss, aud, sub, iat, nbf, exp, "
		    "jti or type\n");
	else if (r != AC_OK)
		fprintf(stderr, "authctl issue: %s\n", ac_reason_message(r));
	else {
		printf("%s\n", tok);
		rc = 0;
	}
out:
	free(tok);
	json_object_put(extra);
	return rc;
}

static int
cmd_decode(int argc, char *argv[])
{
	struct ac_app	*app = NULL;
	struct ac_token	 tok;
	json_object	*o;
	char		 buf[65536 + 2];
	const char	*t;
	size_t		 len;
	int		 c, verify = 0, rc = 1;
	enum ac_reason	 r;

	memset(&tok, 0, sizeof(tok));
	while ((c = option(argc, argv, "v")) != -1)
		switch (c) {
		case 'v': verify = 1; break;
		case 'h': return help();
		default: return usage();
		}
	if (optind + 1 != argc)
		return usage();
	t = argv[optind];
	if (strcmp(t, "-") == 0) {
		len = fread(buf, 1, sizeof(buf) - 1, stdin);
		buf[len] = '\0';
		while (len > 0 && (buf[len - 1] == '\n' ||
		    buf[len - 1] == '\r' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		t = buf;
	}
	len = strlen(t);
	if (verify) {
		if ((app = load(0)) == NULL)
			return 1;
		ac_revoke_enable(app, 0);	/* one read, no poller */
		r = ac_token_verify(app, t, len, time(NULL), &tok);
	} else
		r = ac_token_decode(t, len, 65536, &tok);
	if (tok.header != NULL || tok.claims != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "header", json_object_get(tok.header));
		json_object_object_add(o, "claims", json_object_get(tok.claims));
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	if (r != AC_OK) {
		printf("%s\n", ac_reason_str(r));
		fprintf(stderr, "authctl decode: %s (%s)\n",
		    ac_reason_message(r), tok.detail);
	} else {
		if (verify)
			printf("valid\n");
		rc = 0;
	}
	ac_token_clear(&tok);
	return rc;
}

/* Fetches JWKS_URL now and says whether it is usable. */
static int
check_jwks(const struct ac_config *cfg)
{
	json_object	*set, *keys, *k, *kid;
	char		 err[256];
	size_t		 i, n;

	if ((set = ac_jwks_fetch(cfg, err, sizeof(err))) == NULL) {
		printf("problem: JWKS_URL %s: %s\n", cfg->jwks_url, err);
		return -1;
	}
	json_object_object_get_ex(set, "keys", &keys);
	n = json_object_array_length(keys);
	printf("jwks: %s reachable, %zu key%s:", cfg->jwks_url, n,
	    n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		k = json_object_array_get_idx(keys, i);
		printf(" %s", json_object_object_get_ex(k, "kid", &kid) ?
		    json_object_get_string(kid) : "(no kid)");
	}
	printf("\n");
	json_object_put(set);
	return 0;
}

/*
 * DATABASE_URL opened (never created) and its schema read: a problem
 * when it cannot be, a note when `authctl db migrate` is due.
 */
static int
check_database(struct ac_app *app)
{
	struct ac_store	*st;
	char		 err[512];
	int		 v;

	if (ac_store_open(app, AC_STORE_PEEK, &st, err, sizeof(err)) !=
	    AC_OK) {
		printf("problem: %s%s\n", strncmp(err, "DATABASE_URL", 12) == 0 ?
		    "" : "DATABASE_URL: ", err);
		return -1;
	}
	if ((v = ac_store_version(st)) < 0) {
		printf("problem: DATABASE_URL: cannot read the schema version: "
		    "%s\n", ac_store_error(st));
		ac_store_close(st);
		return -1;
	}
	printf("database: schema version %d%s\n", v, v < ac_store_latest() ?
	    " (older than this build's: run authctl db migrate)" : "");
	ac_store_close(st);
	return 0;
}

static int
cmd_check_config(int argc, char *argv[])
{
	struct ac_app	*app;
	const struct ac_config *cfg, *pc;
	const struct ac_keyset *ks;
	const struct ac_key *k;
	const char	*w;
	size_t		 i, n;
	int		 c;

	if ((c = no_options(argc, argv)) != -1)
		return c;
	if (optind != argc)
		return usage();
	if ((app = opened.app = ac_app_new()) == NULL)
		return 1;
	c = ac_app_load(app) != AC_OK;
	for (i = 0; (w = ac_app_warning(app, i)) != NULL; i++)
		printf("warning: %s\n", w);
	if (c) {
		n = ac_app_nproblems(app);
		for (i = 0; i < n; i++)
			printf("problem: %s\n", ac_app_problem(app, i));
		printf("%zu problem%s found\n", n, n == 1 ? "" : "s");
		return 1;
	}
	cfg = ac_app_config(app);
	ks = ac_app_keys(app);
	printf("config: %s\n", cfg->source != NULL ? cfg->source :
	    "(no file; environment and defaults)");
	printf("algorithms:");
	for (i = 0; i < cfg->nalgs; i++)
		printf(" %s%s", ac_alg_str(cfg->algs[i]), i == 0 ? " (signs)" : "");
	printf("\naccess token lifetime: %ld s\n", cfg->access_ttl);
	printf("issuer: %s\naudience: %s\nleeway: %ld s\n",
	    cfg->issuer ? cfg->issuer : "(not checked)",
	    cfg->audience ? cfg->audience : "(not checked)", cfg->leeway);
	for (i = 0; i < ac_keys_count(ks); i++) {
		k = ac_keys_get(ks, i);
		printf("key: kid=%s alg=%s%s\n", ac_key_kid(k),
		    ac_alg_str(ac_key_alg(k)),
		    k == ac_keys_signer(ks) ? " signing" : " verify-only");
	}
	if (ac_keys_signer(ks) == NULL)
		printf("note: no signing key; this host can verify only\n");
	if (ac_session_check(app) != NULL)
		printf("note: refresh will not start: %s\n",
		    ac_session_check(app));
	if (cfg->jwks_url != NULL && check_jwks(cfg) == -1)
		return 1;
	if (check_database(app) == -1)
		return 1;
	/* Each provider of JWT_PROVIDERS: its settings and its key set. */
	for (i = 0, c = 0; (pc = ac_app_provider(app, i)) != NULL; i++) {
		printf("provider %s: issuer %s, audience %s, algorithms",
		    pc->provider_name, pc->issuer, pc->audience != NULL ?
		    pc->audience : "(not checked)");
		for (n = 0; n < pc->nalgs; n++)
			printf(" %s", ac_alg_str(pc->algs[n]));
		printf("\n");
		if (check_jwks(pc) == -1)
			c = 1;
	}
	if (c)
		return 1;
	printf("ok\n");
	return 0;
}

static int
cmd_db(int argc, char *argv[])
{
	struct ac_app	*app;
	struct ac_store	*st;
	int		 c, from, to, rc = 1;
	enum ac_reason	 r;

	if ((c = no_options(argc, argv)) != -1)
		return c;
	if (optind + 1 != argc || (strcmp(argv[optind], "migrate") != 0 &&
	    strcmp(argv[optind], "version") != 0 &&
	    strcmp(argv[optind], "prune") != 0))
		return usage();
	if ((app = load(1)) == NULL)
		return 1;
	/* A look never creates a SQLite file that is not there. */
	if (open_store(app, strcmp(argv[optind], "version") == 0 ?
	    AC_STORE_PEEK : 0, &st) == -1)
		return rc;
	if (strcmp(argv[optind], "version") == 0) {
		if ((from = ac_store_version(st)) < 0) {
			fprintf(stderr, "authctl db: %s\n", ac_store_error(st));
			return rc;
		}
		printf("schema version %d; this build needs %d%s\n", from,
		    ac_store_latest(), from < ac_store_latest() ?
		    " (run authctl db migrate)" : "");
		return from < ac_store_latest() ? 1 : 0;
	}
	if (strcmp(argv[optind], "prune") == 0) {
		int64_t	 n;

		if (open_store(app, 1, &st) == -1)
			return rc;
		if ((r = ac_session_prune(st, time(NULL), 30L * 86400,
		    &n)) != AC_OK) {
			fprintf(stderr, "authctl db prune: %s: %s\n",
			    ac_reason_message(r), ac_store_error(st));
			return rc;
		}
		printf("pruned %lld rows\n", (long long)n);
		return 0;
	}
	if ((r = ac_store_migrate(st, &from, &to)) != AC_OK) {
		fprintf(stderr, "authctl db migrate: stopped at version %d: "
		    "%s\n", to, ac_store_error(st));
		return rc;
	}
	if (from == to)
		printf("schema up to date (version %d)\n", to);
	else
		printf("migrated schema from version %d to %d\n", from, to);
	rc = 0;
	return rc;
}

/*
 * Reads a password: from the terminal with echo off (twice when confirm),
 * or one line of standard input when it is not a terminal.  Never argv.
 */
static int
read_password(char *buf, size_t n, int confirm)
{
	struct termios	 old, quiet;
	char		 again[1026];
	FILE		*tty;
	int		 istty = isatty(STDIN_FILENO), rc = -1;
	size_t		 len;

	if (!istty) {
		if (fgets(buf, (int)n, stdin) == NULL)
			return -1;
		len = strcspn(buf, "\r\n");
		if (buf[len] == '\0' && len == n - 1)
			return -1;	/* longer than the buffer */
		buf[len] = '\0';
		return 0;
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return -1;
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	fputs("Password: ", tty);
	fflush(tty);
	if (fgets(buf, (int)n, tty) == NULL)
		goto out;
	buf[strcspn(buf, "\r\n")] = '\0';
	if (confirm) {
		fputs("\nAgain: ", tty);
		fflush(tty);
		if (fgets(again, sizeof(again), tty) == NULL)
			goto out;
		again[strcspn(again, "\r\n")] = '\0';
		if (strcmp(again, buf) != 0) {
			fputs("\nauthctl: passwords differ", tty);
			goto out;
		}
	}
	rc = 0;
out:
	fputs("\n", tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fclose(tty);
	explicit_bzero(again, sizeof(again));
	return rc;
}

static int
cmd_user(int argc, char *argv[])
{
	struct ac_app	*app;
	struct ac_store	*st;
	const char	*verb, *email = NULL, *from = NULL;
	char		 pw[1026], id[64];
	int		 c, rc = 1;
	enum ac_reason	 r;

	while ((c = option(argc, argv, "F:")) != -1)
		switch (c) {
		case 'F':
			if (from != NULL) {
				fprintf(stderr, "authctl user: --from "
				    "given twice: give the one file the old "
				    "key came from\n");
				return 2;
			}
			from = optarg;
			break;
		case 'h': return help();
		default: return usage();
		}
	if (optind >= argc)
		return usage();
	verb = argv[optind];
	if (from != NULL && strcmp(verb, "2fa-seal") != 0)
		return usage();
	if (strcmp(verb, "list") == 0) {
		if (optind + 1 != argc)
			return usage();
	} else if ((strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0 ||
	    strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0 ||
	    strcmp(verb, "verify") == 0) && optind + 2 == argc)
		email = argv[optind + 1];
	else if (!authctl_user_verb(verb, argc - optind))
		return usage();
	/* 2fa-seal seals under a key derived from the keys (twofactor.c). */
	if ((app = load(strcmp(verb, "2fa-seal") != 0)) == NULL)
		return 1;
	if (open_store(app, 1, &st) == -1)
		return rc;
	if (authctl_user_verb(verb, 0))
		return authctl_user(app, st, verb, argv + optind + 1, from);
	if (strcmp(verb, "list") == 0) {
		printf("id\temail\tstate\tcreated\tsessions\n");
		r = ac_user_list(st, authctl_user_row, NULL);
	} else if (strcmp(verb, "disable") == 0 ||
	    strcmp(verb, "enable") == 0)
		r = ac_user_disable(st, email, verb[0] == 'd', time(NULL));
	else if (strcmp(verb, "verify") == 0)
		r = ac_user_verify(st, email, time(NULL));
	else {
		if (read_password(pw, sizeof(pw), 1) == -1) {
			fprintf(stderr, "authctl user %s: no password read\n",
			    verb);
			return rc;
		}
		if (verb[0] == 'a')
			r = ac_user_add(app, st, email, pw, time(NULL), id,
			    sizeof(id));
		else
			r = ac_user_passwd(app, st, email, pw, time(NULL));
		explicit_bzero(pw, sizeof(pw));
		if (r == AC_OK && verb[0] == 'a')
			printf("%s\n", id);
	}
	if (strcmp(verb, "list") != 0)
		ac_audit(verb[0] == 'a' ? AC_AUDIT_SIGNUP : verb[0] == 'p' ?
		    AC_AUDIT_PASSWORD_CHANGE : verb[0] == 'd' ?
		    AC_AUDIT_USER_DISABLE : AC_AUDIT_USER_ENABLE, r,
		    verb[0] == 'a' && r == AC_OK ? id : email, NULL,
		    "actor=authctl uid=%ld", (long)getuid());
	if (r == AC_CONFLICT)
		fprintf(stderr, "authctl user %s: %s exists\n", verb, email);
	else if (r == AC_NOT_FOUND)
		fprintf(stderr, "authctl user %s: no user %s\n", verb, email);
	else if (r == AC_VALIDATION_FAILED)
		fprintf(stderr, "authctl user %s: need an email address and a "
		    "password of 8 to 1024 bytes\n", verb);
	else if (r != AC_OK)
		fprintf(stderr, "authctl user %s: %s: %s\n", verb,
		    ac_reason_message(r), ac_store_error(st));
	else
		rc = 0;
	return rc;
}

static int
cmd_key(int argc, char *argv[])
{
	struct ac_app	*app = NULL;
	const struct ac_config *cfg;
	const struct ac_keyset *ks;
	const struct ac_key *k;
	const char	*algs = NULL, *verb, *dir;
	char		 err[512], *kid = NULL;
	int		 c, rc = 1;
	size_t		 i;
	enum ac_alg	 alg;

	/*
	 * A kid is base64url and may start with '-', which getopt would
	 * take for an option: "retire KID" is read as it stands.
	 */
	if (argc == 3 && strcmp(argv[1], "retire") == 0 &&
	    strcmp(argv[2], "--help") != 0 && strcmp(argv[2], "-h") != 0)
		optind = 1;
	else
		while ((c = option(argc, argv, "a:")) != -1)
			switch (c) {
			case 'a': algs = optarg; break;
			case 'h': return help();
			default: return usage();
			}
	if (optind >= argc)
		return usage();
	verb = argv[optind];
	if (!((strcmp(verb, "rotate") == 0 && optind + 1 == argc) ||
	    (strcmp(verb, "list") == 0 && optind + 1 == argc) ||
	    (strcmp(verb, "retire") == 0 && optind + 2 == argc)))
		return usage();
	if ((app = load(strcmp(verb, "rotate") == 0)) == NULL)
		return 1;
	cfg = ac_app_config(app);
	if ((dir = cfg->keys_dir) == NULL && strcmp(verb, "list") != 0) {
		fprintf(stderr, "authctl key: set JWT_KEYS_DIR to the "
		    "directory that holds the rotated keys\n");
		goto out;
	}
	if (strcmp(verb, "list") == 0) {
		ks = ac_app_keys(app);
		for (i = 0; i < ac_keys_count(ks); i++) {
			k = ac_keys_get(ks, i);
			printf("%s %s%s\n", ac_key_kid(k),
			    ac_alg_str(ac_key_alg(k)),
			    k == ac_keys_signer(ks) ? " active" : "");
		}
		rc = 0;
		goto out;
	}
	if (strcmp(verb, "retire") == 0) {
		if (ac_keys_retire(app, argv[optind + 1], err,
		    sizeof(err)) != AC_OK) {
			fprintf(stderr, "authctl key retire: %s\n", err);
			goto out;
		}
		ac_audit(AC_AUDIT_KEY_RETIRE, AC_OK, NULL, NULL, "kid=%s "
		    "actor=authctl uid=%ld", argv[optind + 1], (long)getuid());
		printf("retired %s; running programs stop accepting its "
		    "tokens within a second\n", argv[optind + 1]);
		rc = 0;
		goto out;
	}
	/* rotate */
	alg = cfg->algs[0];
	if (algs != NULL && ac_alg_parse(algs, &alg) == -1) {
		fprintf(stderr, "authctl key rotate: unknown algorithm '%s' "
		    "(use " AC_ALG_NAMES ")\n", algs);
		rc = 2;
		goto out;
	}
	if (ac_keys_rotate(app, alg, &kid, err, sizeof(err)) != AC_OK) {
		fprintf(stderr, "authctl key rotate: %s\n", err);
		goto out;
	}
	ac_audit(AC_AUDIT_KEY_ROTATE, AC_OK, NULL, NULL, "kid=%s alg=%s "
	    "actor=authctl uid=%ld", kid, ac_alg_str(alg), (long)getuid());
	printf("%s\n", kid);
	fprintf(stderr, "authctl key rotate: %s key %s now signs; older keys "
	    "still verify until `authctl key retire KID`\n",
	    ac_alg_str(alg), kid);
	rc = 0;
out:
	free(kid);
	return rc;
}

/*
 * session import FILE|-: sessions of another back end (the hybrid
 * quickstart's user_sessions rows) carried over, all or none.
 */
static int
cmd_session(int argc, char *argv[])
{
	struct ac_app	*app;
	struct ac_store	*st;
	struct ac_import imp;
	FILE		*fp = NULL;
	char		*buf = NULL, *nb;
	size_t		 len = 0, i, n;
	int		 c, rc = 1;
	enum ac_reason	 r;

	if ((c = no_options(argc, argv)) != -1)
		return c;
	if (optind + 2 != argc || strcmp(argv[optind], "import") != 0)
		return usage();
	if ((app = load(1)) == NULL)
		return 1;
	if ((fp = strcmp(argv[optind + 1], "-") == 0 ? stdin :
	    fopen(argv[optind + 1], "r")) == NULL) {
		fprintf(stderr, "authctl session import: %s: %s\n",
		    argv[optind + 1], strerror(errno));
		goto out;
	}
	/* At most 64 MiB: some hundred thousand rows. */
	do {
		if (len >= 64 * 1024 * 1024 ||
		    (nb = realloc(buf, len + 65537)) == NULL) {
			fprintf(stderr, "authctl session import: %s is over "
			    "64 MiB\n", argv[optind + 1]);
			goto out;
		}
		buf = nb;
		n = fread(buf + len, 1, 65536, fp);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	if (ferror(fp)) {
		fprintf(stderr, "authctl session import: %s: read error\n",
		    argv[optind + 1]);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		fprintf(stderr, "authctl session import: not a text file\n");
		goto out;
	}
	if (open_store(app, 1, &st) == -1)
		goto out;
	r = ac_session_import(app, st, buf, time(NULL), &imp);
	for (i = 0; i < ac_app_nproblems(app); i++)
		fprintf(stderr, "authctl session import: %s\n",
		    ac_app_problem(app, i));
	if (r != AC_OK) {
		if (ac_app_nproblems(app) == 0)
			fprintf(stderr, "authctl session import: %s: %s\n",
			    ac_reason_message(r), ac_store_error(st));
		fprintf(stderr, "authctl session import: nothing imported\n");
		goto out;
	}
	printf("imported %zu session%s; skipped %zu already present, %zu "
	    "expired\n", imp.imported, imp.imported == 1 ? "" : "s",
	    imp.present, imp.expired);
	ac_audit(AC_AUDIT_SESSION_IMPORT, AC_OK, NULL, NULL,
	    "actor=authctl uid=%ld imported=%zu", (long)getuid(),
	    imp.imported);
	rc = 0;
out:
	if (fp != NULL && fp != stdin)
		fclose(fp);
	free(buf);
	return rc;
}

static int	cmd_help(int, char *[]);

static const struct cmd cmds[] = {
	{ "keygen", cmd_keygen, "[--alg ALG] --out FILE [--force]",
	  "Writes a fresh key to FILE with mode 0600 and prints its kid (the\n"
	  "RFC 7638 thumbprint).  HS256/384/512 (default HS256): a 64-byte\n"
	  "random secret, base64url, for JWT_SECRET_FILE.  RS256/384/512,\n"
	  "ES256/384/512: a PEM private key for JWT_PRIVATE_KEY_FILE.\n"
	  "Refuses to replace an existing FILE unless --force.\n" },
	{ "issue", cmd_issue, "--sub SUB [--ttl SECONDS] [--claim NAME=VALUE]...",
	  "Prints an access token for SUB signed with the configured key,\n"
	  "valid for SECONDS (default JWT_ACCESS_TOKEN_EXPIRE_MINUTES).\n"
	  "Each --claim adds a claim; VALUE is JSON when it parses as JSON\n"
	  "(42, true, [\"a\"]), otherwise a string.\n" },
	{ "decode", cmd_decode, "[--verify] TOKEN|-",
	  "Prints the token's header and claims as JSON (TOKEN '-' reads\n"
	  "standard input).  Without --verify nothing is checked.  With\n"
	  "--verify the token is verified with the configured keys: exit 0\n"
	  "and 'valid', or exit 1 printing the reason code.\n" },
	{ "check-config", cmd_check_config, "",
	  "Reads AUTH_CONFIG (or the default file) and the environment,\n"
	  "loads the keys, and prints every problem found; exit 0 only when\n"
	  "there is none.\n" },
	{ "user", cmd_user, "add EMAIL | passwd EMAIL | disable EMAIL | "
	  "enable EMAIL | verify EMAIL | list | reset-link EMAIL [URL] | "
	  "2fa-disable EMAIL | 2fa-seal [--from OLDFILE] | delete EMAIL",
	  "add: creates a user.  The password is read from the terminal with\n"
	  "echo off (asked twice), or as one line of standard input when that\n"
	  "is not a terminal; never from the command line; stored as an\n"
	  "argon2id hash.  passwd: sets it and ends the user's sessions and\n"
	  "access tokens; disable does so and refuses logins (enable: undo).\n"
	  "verify: marks the email of a self-signup user (AUTH_SIGNUP) as\n"
	  "checked, so that its tokens carry it (users added here are).\n"
	  "list: id, email, state, created and open sessions, tab-separated.\n"
	  "reset-link: prints a one-time password-reset link (URL?token=...;\n"
	  "URL defaults to the first ALLOWED_ORIGINS + /reset-password)\n"
	  "instead of mailing it.  2fa-disable: turns two-factor off (a lost\n"
	  "phone).  2fa-seal: seals every two-factor secret still stored in\n"
	  "clear (from before sealing) and counts those that do not open with\n"
	  "the current key (exit 1 when there is one; each is logged).  With\n"
	  "--from OLDFILE it also re-seals, under the current key, those that\n"
	  "open with the key OLDFILE gave before a change of secret: the old\n"
	  "REFRESH_TOKEN_SECRET_FILE, or, where there was none, the old\n"
	  "JWT_SECRET_FILE or JWT_PRIVATE_KEY_FILE (exit 2 when OLDFILE\n"
	  "cannot serve: nothing is changed).\n"
	  "delete: removes the user, sessions (their access tokens are\n"
	  "refused), refresh tokens, todos and every other row of theirs.\n" },
	{ "db", cmd_db, "migrate | version | prune",
	  "migrate: applies the schema migrations this build carries to the\n"
	  "database named by DATABASE_URL (creating a SQLite file when\n"
	  "missing), each in its own transaction; safe to run again.\n"
	  "version: prints the database's schema version; exit 1 when it is\n"
	  "older than this build needs.\n"
	  "prune: deletes expired refresh tokens and sessions, those revoked\n"
	  "more than 30 days ago, and stale login throttles.\n" },
	{ "session", cmd_session, "import FILE|-",
	  "import: brings in the sessions of another back end, so that its\n"
	  "users stay logged in: a CSV file (- for standard input) with a\n"
	  "header naming user_email, token_hash (the hex SHA-256 of the\n"
	  "refresh token's text) and expires_at (Unix seconds or a UTC\n"
	  "timestamp).  Each user must exist.  All rows or none: every bad\n"
	  "row is named.  Expired rows and tokens already imported are\n"
	  "skipped.  A carried-over token refreshes once, into a token of\n"
	  "the suite's format, and is then spent; presented again after\n"
	  "REFRESH_GRACE_SECONDS it revokes the session.\n" },
	{ "key", cmd_key, "rotate [--alg ALG] | retire KID | list",
	  "Manages the keys in JWT_KEYS_DIR, which running programs reload\n"
	  "within a second of a change, without a restart.\n"
	  "rotate: makes a new key (ALG, default the first of JWT_ALGORITHM)\n"
	  "and makes it the signing key; older keys keep verifying and stay\n"
	  "published.  Prints the new kid.\n"
	  "retire: removes a key that no longer signs; its tokens are then\n"
	  "refused with key_unknown.\n"
	  "list: prints every loaded key, kid and algorithm, marking the one\n"
	  "that signs.\n" },
	{ "help", cmd_help, "[COMMAND]", "Lists the commands, or shows one.\n" },
};

static int
cmd_help(int argc, char *argv[])
{
	size_t	 i;

	for (i = 0; argc > 1 && i < nitems(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			current = &cmds[i];
			return help();
		}
	printf("usage: authctl COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < nitems(cmds); i++)
		printf("  %s %s\n", cmds[i].name, cmds[i].synopsis);
	printf("\nConfiguration comes from the file named by AUTH_CONFIG and "
	    "the environment\n(which wins); see auth.conf(5).  "
	    "`authctl COMMAND --help` explains one command.\n");
	return argc > 1 ? 2 : 0;
}

int
main(int argc, char *argv[])
{
	size_t	 i;
	int	 rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		current = &cmds[nitems(cmds) - 1];
		cmd_help(1, argv);
		return argc < 2 ? 2 : 0;
	}
	/*
	 * An operator's command waits for the database longer than a
	 * program answering requests (AUTH_DB_TIMEOUT_MS) should.
	 */
	ac_store_patience(30000);
	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			current = &cmds[i];
			rc = cmds[i].fn(argc - 1, argv + 1);
			ac_store_close(opened.st);
			ac_app_free(opened.app);
			return rc;
		}
	fprintf(stderr, "authctl: unknown command '%s'; try authctl help\n",
	    argv[1]);
	return 2;
}
