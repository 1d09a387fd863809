/*
 * test_settings.c: the settings table (config.c, read through
 * ac_config_name) against the three places a user reads about settings:
 * auth.conf(5) (`.It Ev NAME` lines), the README's settings table (rows
 * opening with `| `NAME``, a name with a '_': other tables start with
 * `| `GET ...``) and etc/auth.conf.example.in (`NAME=` or
 * `#NAME=` lines).  Both ways: every setting is in all three, every alias
 * in auth.conf(5), and every name those places document is a setting,
 * an alias or one of the few environment variables that are no setting
 * (AUTH_CONFIG names the file, TMPDIR where the figures go).  A name
 * ending in '_' is a family's prefix (JWT_PROVIDER_NAME_...) and is
 * skipped.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ac.h"
#include "core/conf.h"
#include "util.h"

#define MAXNAMES 512

struct names {
	const char	*what;
	char		*v[MAXNAMES];
	size_t		 n;
};

static const char *const notsettings[] = { "AUTH_CONFIG", "TMPDIR" };

static char *
slurp(const char *rel)
{
	char	 path[4096];
	FILE	*f;
	char	*buf;
	long	 len;

	snprintf(path, sizeof(path), "%s/%s", TOP_SRCDIR, rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* The upper-case name at p (letters, digits, '_'), added to ns. */
static const char *
take(struct names *ns, const char *p)
{
	size_t	 len = 0;

	while (isupper((unsigned char)p[len]) ||
	    isdigit((unsigned char)p[len]) || p[len] == '_')
		len++;
	if (len > 1 && isupper((unsigned char)p[0])) {
		ck_assert_uint_lt(ns->n, MAXNAMES);
		ns->v[ns->n] = strndup(p, len);
		ck_assert_ptr_nonnull(ns->v[ns->n]);
		ns->n++;
	}
	return p + len;
}

static int
has(const struct names *ns, const char *name)
{
	size_t	 i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return 1;
	return 0;
}

static void
names_free(struct names *ns)
{
	size_t	 i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
}

/* Each `Ev NAME` of the `.It` lines of auth.conf(5). */
static void
from_man(struct names *ns)
{
	char		*buf = slurp("src/auth.conf.5"), *line, *save;
	const char	*p;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, ".It ", 4) != 0)
			continue;
		for (p = line; (p = strstr(p, "Ev ")) != NULL; )
			p = take(ns, p + 3);
	}
	free(buf);
}

/* The first cell of the README's table rows: | `NAME` ... */
static void
from_readme(struct names *ns)
{
	char	*buf = slurp("README.md"), *line, *save;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "| `", 3) == 0 &&
		    isupper((unsigned char)line[3]) &&
		    strcspn(line + 3, "_` ") < strcspn(line + 3, "` "))
			take(ns, line + 3);
	free(buf);
}

/* NAME= and #NAME= lines of the example configuration. */
static void
from_example(struct names *ns)
{
	char		*buf = slurp("etc/auth.conf.example.in"), *line, *save;
	const char	*p, *end;

	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		p = line + (line[0] == '#');
		end = p + strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (end > p && *end == '=')
			take(ns, p);
	}
	free(buf);
}

static int
known(const char *name)
{
	const char	*n, *alias;
	size_t		 i;

	if (name[strlen(name) - 1] == '_')
		return 1;
	for (i = 0; i < nitems(notsettings); i++)
		if (strcmp(name, notsettings[i]) == 0)
			return 1;
	for (i = 0; (n = ac_config_name(i, &alias)) != NULL; i++)
		if (strcmp(n, name) == 0 ||
		    (alias != NULL && strcmp(alias, name) == 0))
			return 1;
	return 0;
}

START_TEST(test_documented_both_ways)
{
	struct names	 docs[3] = {
		{ .what = "auth.conf(5)" }, { .what = "README.md's table" },
		{ .what = "etc/auth.conf.example.in" } };
	const char	*name, *alias;
	size_t		 i, d, missing = 0;

	from_man(&docs[0]);
	from_readme(&docs[1]);
	from_example(&docs[2]);
	for (d = 0; d < 3; d++)
		ck_assert_msg(docs[d].n > 20, "%s: only %zu names read",
		    docs[d].what, docs[d].n);
	for (i = 0; (name = ac_config_name(i, &alias)) != NULL; i++) {
		for (d = 0; d < 3; d++)
			if (!has(&docs[d], name)) {
				fprintf(stderr, "setting %s is not in %s\n",
				    name, docs[d].what);
				missing++;
			}
		if (alias != NULL && !has(&docs[0], alias)) {
			fprintf(stderr, "alias %s (of %s) is not in %s\n",
			    alias, name, docs[0].what);
			missing++;
		}
	}
	for (d = 0; d < 3; d++)
		for (i = 0; i < docs[d].n; i++)
			if (!known(docs[d].v[i])) {
				fprintf(stderr, "%s documents %s, which is "
				    "no setting\n", docs[d].what, docs[d].v[i]);
				missing++;
			}
	for (d = 0; d < 3; d++)
		names_free(&docs[d]);
	ck_assert_msg(missing == 0, "%zu settings documented wrongly "
	    "(listed above)", missing);
}
END_TEST

/* The readers see a name that is no setting: the check can fail. */
START_TEST(test_unknown_is_caught)
{

	ck_assert(!known("JWT_NO_SUCH_SETTING"));
	ck_assert(known("JWT_SECRET"));
	ck_assert(known("BETTER_AUTH_SECRET"));
	ck_assert(known("AUTH_CONFIG"));
}
END_TEST

TU_SUITE("settings", 0, NULL, NULL, test_documented_both_ways,
    test_unknown_is_caught)
