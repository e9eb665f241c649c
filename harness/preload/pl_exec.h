/* Internal: what `wirerig exec` checks before it runs a program under the
 * shim (cli/cmd_exec.c; tests/test_preload_decide.c). An LD_PRELOAD
 * library is silently ignored by a static program and bypassed by one
 * that makes its own system calls (Go), so such a program is refused
 * rather than run unshaped. */
#ifndef WIRERIG_PRELOAD_EXEC_H
#define WIRERIG_PRELOAD_EXEC_H

#include <stddef.h>

/* The path of an executable: name itself when it holds a '/', else the
 * first executable regular file called name in the ':'-separated dirs of
 * path (an empty entry is "."). 0, or -1 when there is none. */
int wr_pl_find_program(const char *name, const char *path, char *out,
                       size_t outlen);

/* 0 when the program at path will load the shim: a dynamically linked ELF
 * that needs libc, is not a Go program, or a script ("#!") whose
 * interpreter is one (followed through /usr/bin/env NAME, up to 4
 * levels). Otherwise -1 and a sentence in why, e.g. "/bin/busybox is
 * statically linked: an LD_PRELOAD library cannot enter it". */
int wr_pl_check_program(const char *path, const char *pathenv, char *why,
                        size_t whylen);

#endif
