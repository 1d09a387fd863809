/*
 * dotenv.c: a configuration file read as .env files are written, so that
 * a quickstart's backend/.env can serve as it is (config.c judges the
 * names and values it yields):
 *
 *   - a UTF-8 byte order mark before the first line is skipped (editors
 *     on Windows write one; it would otherwise be part of the first name);
 *   - blank lines and lines starting with # are skipped, "export " before
 *     a name is allowed;
 *   - a value is "double quoted" (\" \\ \n \t \$ escapes), 'single
 *     quoted' (literal) or bare up to a comment that starts with " #";
 *     after a closing quote only blanks and a comment may follow;
 *   - ${VAR} and ${VAR:-default} in double-quoted and bare values are
 *     expanded, as python-dotenv and Docker Compose do: from the
 *     environment first (it wins over the file, as for settings), then
 *     from the lines above; an unset VAR is empty (or the default, which
 *     also stands for an empty VAR).  '$' alone and "\$" stay '$'.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ac.h"
#include "base.h"

#define AC_DOTENV_MAXVALUE	(16 * 1024)

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* A growing value; len < AC_DOTENV_MAXVALUE, else full is set. */
struct out {
	char	 buf[AC_DOTENV_MAXVALUE];
	size_t	 len;
	int	 full;
};

static void
put(struct out *o, const char *s, size_t n)
{

	if (o->len + n >= sizeof(o->buf)) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* The value of name (n bytes): the environment's, else the latest line's. */
static const char *
lookup(const struct ac_dotenv *l, size_t nl, const char *name, size_t n)
{
	char		 key[128];
	const char	*v;

	if (n == 0 || n >= sizeof(key))
		return NULL;
	memcpy(key, name, n);
	key[n] = '\0';
	if ((v = getenv(key)) != NULL)
		return v;
	while (nl-- > 0)
		if (strcmp(l[nl].name, key) == 0)
			return l[nl].value;
	return NULL;
}

/*
 * At p (a '$'): expands ${VAR} or ${VAR:-default} into o and returns
 * the length it took; a '$' that starts neither (or whose '}' lies past
 * the closing quote q) is copied.
 */
static size_t
expand(const char *p, char q, struct out *o, const struct ac_dotenv *l,
    size_t nl)
{
	const char	*name = p + 2, *end, *def = NULL, *v;
	size_t		 n;

	if (p[1] != '{' || (end = strchr(name, '}')) == NULL ||
	    (q != '\0' && memchr(name, q, (size_t)(end - name)) != NULL)) {
		put(o, p, 1);
		return 1;
	}
	for (n = 0; name + n < end && name[n] != ':'; n++)
		;
	if (name + n < end) {
		if (name[n + 1] != '-') {
			put(o, p, 1);
			return 1;
		}
		def = name + n + 2;
	}
	v = lookup(l, nl, name, n);
	if ((v == NULL || *v == '\0') && def != NULL)
		put(o, def, (size_t)(end - def));
	else if (v != NULL)
		put(o, v, strlen(v));
	return (size_t)(end + 1 - p);
}

/*
 * The value of a NAME=value line, written into o; -1 with *why set when
 * it is malformed.
 */
static int
value(char *v, struct out *o, const struct ac_dotenv *l, size_t nl,
    const char **why)
{
	char	*r, q, *p;

	o->len = 0;
	o->full = 0;
	if (*v == '"' || *v == '\'') {
		q = *v++;
		for (r = v; *r != '\0' && *r != q; r++) {
			if (q == '"' && *r == '\\' && r[1] != '\0') {
				r++;
				put(o, *r == 'n' ? "\n" : *r == 't' ? "\t" : r,
				    1);
			} else if (q == '"' && *r == '$')
				r += expand(r, q, o, l, nl) - 1;
			else
				put(o, r, 1);
		}
		if (*r != q) {
			*why = "the closing quote is missing (a quoted "
			    "value must end on its line)";
			return -1;
		}
		p = trim(r + 1);
		if (*p != '\0' && *p != '#') {
			*why = "only a ' #' comment may follow a quoted value";
			return -1;
		}
	} else {
		for (p = v; *p != '\0'; p++)
			if (*p == '#' && (p == v || p[-1] == ' ' ||
			    p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		for (r = trim(v); *r != '\0'; r++)
			if (*r == '$')
				r += expand(r, '\0', o, l, nl) - 1;
			else
				put(o, r, 1);
	}
	if (o->full) {
		*why = "the value is longer than 16 KiB";
		return -1;
	}
	o->buf[o->len] = '\0';
	return 0;
}

void
ac_dotenv_free(struct ac_dotenv *l, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(l[i].name);
		if (l[i].value != NULL) {
			OPENSSL_cleanse(l[i].value, strlen(l[i].value));
			free(l[i].value);
		}
	}
	free(l);
}

struct ac_dotenv *
ac_dotenv_parse(struct ac_app *app, const char *path, char *buf,
    size_t *np)
{
	struct ac_dotenv *l = NULL, *nl;
	struct out	*o;
	char		*line, *next, *eq, *name;
	const char	*why = NULL;
	size_t		 n = 0, lineno = 0;

	*np = 0;
	if ((o = malloc(sizeof(*o))) == NULL) {
		ac_app_problemf(app, "%s: out of memory", path);
		return NULL;
	}
	/* A byte order mark is no part of the first name. */
	if (strncmp(buf, "\xef\xbb\xbf", 3) == 0)
		buf += 3;
	for (line = buf; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		/* .env files may say "export NAME=value". */
		if (strncmp(line, "export", 6) == 0 &&
		    (line[6] == ' ' || line[6] == '\t'))
			line = trim(line + 6);
		if ((eq = strchr(line, '=')) == NULL) {
			ac_app_problemf(app, "%s line %zu: expected NAME=value",
			    path, lineno);
			continue;
		}
		*eq = '\0';
		name = trim(line);
		if (value(trim(eq + 1), o, l, n, &why) == -1) {
			ac_app_problemf(app, "%s line %zu: %s: %s", path,
			    lineno, name, why);
			continue;
		}
		if ((nl = reallocarray(l, n + 1, sizeof(*l))) == NULL) {
			ac_app_problemf(app, "%s: out of memory", path);
			break;
		}
		l = nl;
		l[n].lineno = lineno;
		l[n].name = strdup(name);
		l[n].value = strdup(o->buf);
		if (l[n].name == NULL || l[n].value == NULL) {
			n++;
			ac_app_problemf(app, "%s: out of memory", path);
			break;
		}
		n++;
	}
	OPENSSL_cleanse(o, sizeof(*o));
	free(o);
	*np = n;
	return l;
}
