/* Helpers shared by the `wirerig` subcommands: reading input, and turning
 * flag values into numbers with messages a person can act on.
 *
 * Every function that can fail on user input prints one line to stderr in
 * the form "PROG: WHAT: expected ..., found '...'" and returns -1; PROG is
 * the command ("wirerig decode") and WHAT names the flag or file.
 */
#ifndef WIRERIG_CLI_UTIL_H
#define WIRERIG_CLI_UTIL_H

#include <getopt.h>
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

/* Writes text for a message: printable ASCII as is, anything else as
 * \n, \t, \xHH ...; cut to fit cap (ending in "..."). Returns out. */
char *wr_cli_quote(const char *text, size_t len, char *out, size_t cap);

/* Prints "PROG: <message>" and "Try 'HELP --help'." to stderr; returns 2,
 * the exit status of a usage error. help is the command a person should
 * ask ("wirerig decode", "wirerig pcap flows"). */
int wr_cli_usage_error(const char *prog, const char *help, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- Options ------------------------------------------------------------ */

/* getopt_long over one command's option table, with the messages and rules
 * every wirerig command shares:
 *
 * - options and positional arguments may come in any order and are
 *   returned in the order given (getopt's "-" mode, so argv is never
 *   permuted); after "--" everything is positional, even "-x";
 * - "--name VALUE" and "--name=VALUE" both work; a long option must be
 *   spelled out (getopt would take "--pack" for "--packet": a later option
 *   could make such a prefix ambiguous, so it is refused);
 * - an option with a value given twice is an error ("--packet is given
 *   more than once"), since silently keeping either one hides a mistake;
 *   flags without a value may repeat;
 * - every problem is one message naming the option ("unknown option
 *   '--frob'", "--packet needs a value", "--json takes no value") and the
 *   hint to ask for --help; wr_cli_next then returns WR_CLI_ERROR and the
 *   command exits 2.
 *
 * getopt keeps its state in globals (optind, optarg...). wr_cli_opts_init
 * resets them (optind = 0 makes glibc start over), so a process may parse
 * several command lines one after the other -- but not two at once. */
typedef struct wr_cli_opts {
  const char *prog, *help;
  int argc;
  char **argv;
  const struct option *longopts; /* ends with {0}; val must be > 1 and not
                                    ':' or '?' */
  /* internal */
  char optstring[32];
  int after_dashes;         /* "--" seen: the rest is positional */
  int rest;                 /* then: the next positional argument */
  unsigned long long given; /* bit i: longopts[i] (with a value) seen */
} wr_cli_opts;

enum {
  WR_CLI_DONE = -1,  /* no arguments left */
  WR_CLI_ERROR = -2, /* a usage error, already printed: exit 2 */
  WR_CLI_ARG = -3    /* a positional argument, in *value */
};

/* shortopts: the one-letter options as for getopt ("hq"; "x:" for one with
 * a value). argv[0] is the command's name and is skipped. */
void wr_cli_opts_init(wr_cli_opts *p, const char *prog, const char *help,
                      int argc, char **argv, const char *shortopts,
                      const struct option *longopts);
/* The next option's val (*value: its value or NULL), WR_CLI_ARG with
 * *value, WR_CLI_DONE, or WR_CLI_ERROR after a message. */
int wr_cli_next(wr_cli_opts *p, const char **value);

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
