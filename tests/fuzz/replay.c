/*
 * replay.c: the main of a harness under `make check`: runs every file of
 * its corpus (FUZZDATA/corpus/NAME for a program named replay_NAME, or the
 * files and directories named as arguments) once through
 * LLVMFuzzerTestOneInput, without fuzzing, so that every build checks
 * that the inputs kept in the tree, among them those that once found a
 * bug, still pass under its sanitizers.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static size_t	 nrun;

static int
run_file(const char *path)
{
	FILE		*f;
	unsigned char	*buf;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* Exactly n bytes, as libFuzzer passes them. */
	buf = realloc(buf, n > 0 ? (size_t)n : 1);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	nrun++;
	return 0;
}

static int
cmp(const void *a, const void *b)
{

	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run(const char *path)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;
	char		 p[PATH_MAX], **names = NULL;
	size_t		 n = 0, i;
	int		 rc = 0;

	if (stat(path, &st) == -1) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n] = strdup(de->d_name)) == NULL) {
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", path, names[i]);
		if (run_file(p) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	char		 corpus[PATH_MAX];
	const char	*name;
	int		 i, rc = 0;

	/* Its corpus is named by the program's name, after "replay_". */
	name = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	if (argc < 2 && (strncmp(name, "replay_", 7) != 0 || name[7] == '\0')) {
		fprintf(stderr, "%s: no corpus: name files or folders, or "
		    "run it as replay_NAME\n", argv[0]);
		return 1;
	}
	snprintf(corpus, sizeof(corpus), "%s/corpus/%s", FUZZDATA, name + 7);
	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2)
		rc = run(corpus);
	for (i = 1; i < argc; i++)
		if (run(argv[i]) == -1)
			rc = -1;
	printf("%s: %zu inputs replayed\n", argc < 2 ? corpus : "arguments",
	    nrun);
	if (nrun == 0) {
		fprintf(stderr, "no input found\n");
		return 1;
	}
	return rc == 0 ? 0 : 1;
}
