/* Helpers shared by the `wirerig` subcommands: reading input, and turning
 * flag values into numbers with messages a person can act on.
 *
 * Every function that can fail on user input prints one line to stderr in
 * the form "PROG: WHAT: expected ..., found '...'" and returns -1; PROG is
 * the command ("wirerig decode") and WHAT names the flag or file.
 */
#ifndef WIRERIG_CLI_UTIL_H
#define WIRERIG_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads all of path, or of stdin when path is NULL or "-", into a malloc'd
 * buffer (one extra NUL byte after the data, not counted in *len). */
int wr_cli_read_all(const char *prog, const char *path, uint8_t **data,
                    size_t *len);

/* Opens path for reading (stdin when NULL or "-"); returns the descriptor
 * or -1 after printing why. */
int wr_cli_open_input(const char *prog, const char *path);

/* A decimal integer in min..max: digits only, no sign, no spaces (so "-1",
 * "+1", "0x10", "1e3" and "" are refused). */
int wr_cli_parse_uint(const char *prog, const char *what, const char *text,
                      uint64_t min, uint64_t max, uint64_t *out);

/* A byte given as a number 0..255 ("10"), a single character (",", and
 * digits are numbers, so "5" is byte 5), or a C-style escape: \n \r \t \0
 * \a \b \f \v \\ \' \" \xHH (one or two hex digits). */
int wr_cli_parse_byte(const char *prog, const char *what, const char *text,
                      uint8_t *out);

/* The check of wr_cli_parse_uint without printing: 0, or -1. For callers
 * with their own message format. */
int wr_cli_uint_value(const char *text, uint64_t min, uint64_t max,
                      uint64_t *out);

/* Matches argv[*i] as "--name VALUE" or "--name=VALUE". Returns 1 when it
 * is that option (*value is set and *i advanced past the value), 0 when it
 * is not, and -1 when the value is missing or the option was given before;
 * *problem then says which, as a phrase to follow the option's name. */
int wr_cli_take_value(int argc, char **argv, int *i, const char *name,
                      const char **value, const char **problem);

/* Writes text for a message: printable ASCII as is, anything else as
 * \n, \t, \xHH ...; cut to fit cap (ending in "..."). Returns out. */
char *wr_cli_quote(const char *text, size_t len, char *out, size_t cap);

/* ---- Reading lines ------------------------------------------------------ */

typedef enum wr_cli_line_status {
  WR_CLI_LINE_EOF = 0,
  WR_CLI_LINE_OK = 1,
  WR_CLI_LINE_TOO_LONG = 2, /* skipped to its end; *len = its length */
  WR_CLI_LINE_ERROR = -1    /* read error, errno set */
} wr_cli_line_status;

/* Reads a descriptor line by line with read(2). Before every read that
 * could block, before_read (if set) is called: a command answering line by
 * line flushes its output there, so it stays fully buffered while input
 * flows and a program talking to it through pipes still gets each answer
 * before the command waits for the next question. */
typedef struct wr_cli_lines {
  int fd;
  size_t max_line;
  void (*before_read)(void *ctx);
  void *ctx;
  size_t lineno; /* 1-based number of the line last returned */
  /* internal */
  uint8_t *buf;
  size_t cap, start, end, scanned;
  int eof;
} wr_cli_lines;

void wr_cli_lines_init(wr_cli_lines *r, int fd, size_t max_line);
void wr_cli_lines_free(wr_cli_lines *r);
/* The next line without its '\n' (a '\r' before it is kept). A last line
 * without '\n' still counts; an input ending in '\n' has no extra empty
 * line. The line stays valid until the next call. */
wr_cli_line_status wr_cli_lines_next(wr_cli_lines *r, const uint8_t **line,
                                     size_t *len);

#endif
