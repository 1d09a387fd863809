/*
 * fuzz.h: what the harnesses in tests/fuzz share.  Each fuzz_<name>.c
 * defines LLVMFuzzerTestOneInput, and LLVMFuzzerInitialize when it has
 * set-up to do (fuzz_util.c's, which does nothing, stands in); it is linked
 * with libFuzzer's main for `make fuzz` (configure --enable-fuzzers, clang)
 * or with replay.c, whose main runs every file of corpus/<name>/ once
 * under `make check` in every build.
 */
#ifndef FZ_FUZZ_H
#define FZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../unit/util.h"	/* tu_env_clear */

int		 LLVMFuzzerInitialize(int *, char ***);
int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The harnesses' keys and corpora: tests/fuzz of the source tree. */
#define FUZZDATA	TOP_SRCDIR "/tests/fuzz"

/* What a harness holds true of an answer: abort() (a crash) when not. */
#define CHECK(c)	do { if (!(c)) abort(); } while (0)

/* A private temporary directory (tu_dir), removed at exit. */
const char	*fz_tmpdir(void);
/* Writes n bytes to name in fz_tmpdir() (mode 0600); the path, static. */
const char	*fz_write(const char *name, const void *, size_t);
/* Copies FUZZDATA/rel to fz_tmpdir() with mode 0600; the new path (kept). */
char		*fz_copy(const char *rel, const char *name);
/* Exits with a message (harness set-up only). */
void		 fz_die(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* !FZ_FUZZ_H */
