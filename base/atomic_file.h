/* Writing an output file so that it is either complete or absent: the
 * bytes go to a temporary name in the same directory, which is renamed
 * over the final name only when every byte was written and the file was
 * closed without error. A failed or interrupted run never leaves a file
 * that looks like a complete result (a 0-byte manifest.json on a full
 * disk, last run's JUnit file under this run's name). Private to wirerig's
 * libraries.
 *
 * A path that exists and is not a regular file (/dev/stdout, /dev/full, a
 * fifo) cannot be replaced by rename: it is written in place, and its
 * write errors are still reported. */
#ifndef WIRERIG_BASE_ATOMIC_FILE_H
#define WIRERIG_BASE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct wr_atomic_file {
  FILE *fp;   /* write here */
  char *path; /* the final name */
  char *tmp;  /* the temporary name, NULL when written in place */
} wr_atomic_file;

/* Opens a temporary file beside path. 0, or a negative errno value with err
 * set ("PATH: cannot create: ..."); *af is then empty. */
int wr_atomic_open(wr_atomic_file *af, const char *path, char *err,
                   size_t errlen);
/* Flushes, checks for write errors, optionally fsyncs, closes and renames
 * the file to its final name. 0, or a negative errno value with err set
 * ("PATH: cannot write: No space left on device"), the temporary file then
 * removed. *af is empty afterwards either way. */
int wr_atomic_commit(wr_atomic_file *af, int sync, char *err, size_t errlen);
/* Closes and removes the temporary file: nothing is left. */
void wr_atomic_abort(wr_atomic_file *af);

/* The whole of p[0..n) as path, through the three calls above. */
int wr_atomic_write(const char *path, const void *p, size_t n, char *err,
                    size_t errlen);

/* The same for name inside the directory dirfd (dirname only names it in
 * messages). */
int wr_atomic_write_at(int dirfd, const char *dirname, const char *name,
                       const void *p, size_t n, char *err, size_t errlen);

#endif
