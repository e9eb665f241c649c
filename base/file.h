/* Reading a whole input into memory, the one way wirerig does it: scenario
 * files, decode input, captured streams. Private to wirerig's libraries. */
#ifndef WIRERIG_BASE_FILE_H
#define WIRERIG_BASE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads everything from fd into a malloc'd buffer with one NUL byte after
 * the data (not counted in *len). At most max bytes: more is an error, so
 * a file that grows while it is read, or an endless pipe, cannot take all
 * memory. 0, or -1 with err set ("cannot read: ...", "too large: over N
 * bytes", "out of memory ..."); the descriptor is left open either way. */
int wr_read_fd(int fd, size_t max, uint8_t **out, size_t *len, char *err,
               size_t errlen);

/* Opens path and reads it with wr_read_fd. Only regular files (a fifo or a
 * device is refused rather than waited on) when regular_only is set; the
 * size is then checked against max before reading. */
int wr_read_file(const char *path, size_t max, int regular_only, uint8_t **out,
                 size_t *len, char *err, size_t errlen);

#endif
