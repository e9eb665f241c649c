/* Shared CLI helpers; see cli_util.h. */
#include "cli_util.h"

#include "base/file.h"
#include "base/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_stdin(const char *path) {
  return path == NULL || strcmp(path, "-") == 0;
}

static const char *input_name(const char *path) {
  return is_stdin(path) ? "standard input" : path;
}

int wr_cli_open_input(const char *prog, const char *path) {
  if (is_stdin(path))
    return STDIN_FILENO;
  int fd;
  do
    fd = open(path, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    fprintf(stderr, "%s: cannot open '%s': %s\n", prog, path, strerror(errno));
    return -1;
  }
  /* A directory opens fine on Linux and fails only at read; say so now. */
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s: cannot read '%s': it is a directory\n", prog, path);
    close(fd);
    return -1;
  }
  return fd;
}

int wr_cli_read_all(const char *prog, const char *path, uint8_t **data,
                    size_t *len) {
  int fd = wr_cli_open_input(prog, path);
  if (fd < 0)
    return -1;
  char err[256];
  /* base/file.h's one reading loop; the limit only keeps the size sums
   * from overflowing. */
  int rc = wr_read_fd(fd, SIZE_MAX / 4, data, len, err, sizeof err);
  if (rc != 0) {
    const char *why = strncmp(err, "cannot read: ", 13) == 0 ? err + 13 : err;
    fprintf(stderr, "%s: cannot read %s%s%s: %s\n", prog,
            is_stdin(path) ? "" : "'", input_name(path),
            is_stdin(path) ? "" : "'", why);
  }
  if (!is_stdin(path))
    close(fd);
  return rc;
}

char *wr_cli_quote(const char *text, size_t len, char *out, size_t cap) {
  size_t o = 0;
  if (cap == 0)
    return out;
  for (size_t k = 0; k < len; k++) {
    unsigned char c = (unsigned char)text[k];
    char tmp[5];
    size_t t;
    switch (c) {
    case '\n':
      memcpy(tmp, "\\n", 2);
      t = 2;
      break;
    case '\r':
      memcpy(tmp, "\\r", 2);
      t = 2;
      break;
    case '\t':
      memcpy(tmp, "\\t", 2);
      t = 2;
      break;
    case '\\':
      memcpy(tmp, "\\\\", 2);
      t = 2;
      break;
    default:
      if (c >= 0x20 && c < 0x7F) {
        tmp[0] = (char)c;
        t = 1;
      } else {
        snprintf(tmp, sizeof tmp, "\\x%02x", c);
        t = 4;
      }
    }
    /* Keep room for "..." and the NUL if more is to come. */
    size_t reserve_tail = k + 1 < len ? 4 : 1;
    if (o + t + reserve_tail > cap) {
      if (o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
      }
      break;
    }
    memcpy(out + o, tmp, t);
    o += t;
  }
  out[o < cap ? o : cap - 1] = '\0';
  return out;
}

int wr_cli_uint_value(const char *text, uint64_t min, uint64_t max,
                      uint64_t *out) {
  if (!text || !*text)
    return -1;
  uint64_t v = 0;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9')
      return -1;
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  if (v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int wr_cli_parse_uint(const char *prog, const char *what, const char *text,
                      uint64_t min, uint64_t max, uint64_t *out) {
  if (wr_cli_uint_value(text, min, max, out) == 0)
    return 0;
  char q[64];
  fprintf(stderr, "%s: %s: expected an integer %llu..%llu, found '%s'\n", prog,
          what, (unsigned long long)min, (unsigned long long)max,
          wr_cli_quote(text, strlen(text), q, sizeof q));
  return -1;
}

/* The byte named by text, or -1. */
static int byte_value(const char *text) {
  size_t n = strlen(text);
  if (n == 0)
    return -1;
  if (text[0] >= '0' && text[0] <= '9') {
    uint64_t v;
    return wr_cli_uint_value(text, 0, 255, &v) == 0 ? (int)v : -1;
  }
  if (n == 1)
    return (unsigned char)text[0];
  if (text[0] != '\\')
    return -1;
  if (n == 2) {
    switch (text[1]) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case '0':
      return 0;
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'v':
      return '\v';
    case '\\':
      return '\\';
    case '\'':
      return '\'';
    case '"':
      return '"';
    default:
      return -1;
    }
  }
  if (text[1] == 'x' && (n == 3 || n == 4)) {
    int hi = wr_hexval(text[2]);
    int lo = n == 4 ? wr_hexval(text[3]) : 0;
    if (hi < 0 || lo < 0)
      return -1;
    return n == 4 ? hi * 16 + lo : hi;
  }
  return -1;
}

int wr_cli_parse_byte(const char *prog, const char *what, const char *text,
                      uint8_t *out) {
  int v = byte_value(text);
  if (v >= 0) {
    *out = (uint8_t)v;
    return 0;
  }
  char q[64];
  fprintf(stderr,
          "%s: %s: expected a byte: a number 0..255, a single character, or "
          "an escape such as \\n \\t \\0 \\x1f; found '%s'\n",
          prog, what, wr_cli_quote(text, strlen(text), q, sizeof q));
  return -1;
}

/* ---- Reading lines ------------------------------------------------------ */

void wr_cli_lines_init(wr_cli_lines *r, int fd, size_t max_line) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
  r->max_line = max_line ? max_line : ((size_t)64 << 20);
}

void wr_cli_lines_free(wr_cli_lines *r) {
  free(r->buf);
  r->buf = NULL;
}

/* Reads more into the buffer. Returns bytes read, 0 at EOF, -1 on error. */
static ssize_t fill(wr_cli_lines *r) {
  if (r->start > 0 && r->start == r->end) {
    r->start = r->end = r->scanned = 0;
  } else if (r->start > 0 && r->end == r->cap) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->scanned -= r->start;
    r->start = 0;
  }
  if (r->end == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : (64 << 10);
    uint8_t *nb = realloc(r->buf, ncap);
    if (!nb) {
      errno = ENOMEM;
      return -1;
    }
    r->buf = nb;
    r->cap = ncap;
  }
  if (r->before_read)
    r->before_read(r->ctx);
  ssize_t got;
  do
    got = read(r->fd, r->buf + r->end, r->cap - r->end);
  while (got < 0 && errno == EINTR);
  if (got > 0)
    r->end += (size_t)got;
  return got;
}

wr_cli_line_status wr_cli_lines_next(wr_cli_lines *r, const uint8_t **line,
                                     size_t *len) {
  size_t skipped = 0; /* bytes of an over-long line already thrown away */
  for (;;) {
    uint8_t *nl = NULL;
    if (r->scanned < r->end)
      nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
    if (nl) {
      size_t n = (size_t)(nl - (r->buf + r->start));
      r->lineno++;
      *line = r->buf + r->start;
      r->start = r->scanned = (size_t)(nl - r->buf) + 1;
      if (skipped) {
        *len = skipped + n;
        return WR_CLI_LINE_TOO_LONG;
      }
      *len = n;
      return n > r->max_line ? WR_CLI_LINE_TOO_LONG : WR_CLI_LINE_OK;
    }
    r->scanned = r->end;
    if (r->end - r->start > r->max_line) {
      /* Too long already: drop what we have and keep looking for its end,
       * so memory stays bounded by max_line. */
      skipped += r->end - r->start;
      r->start = r->scanned = r->end;
    }
    if (r->eof) {
      if (r->end > r->start || skipped) {
        size_t n = r->end - r->start;
        r->lineno++;
        *line = r->buf + r->start;
        r->start = r->scanned = r->end;
        *len = skipped + n;
        return skipped || n > r->max_line ? WR_CLI_LINE_TOO_LONG
                                          : WR_CLI_LINE_OK;
      }
      return WR_CLI_LINE_EOF;
    }
    ssize_t got = fill(r);
    if (got < 0)
      return WR_CLI_LINE_ERROR;
    if (got == 0)
      r->eof = 1;
  }
}

/* ---- Options ------------------------------------------------------------ */

int wr_cli_usage_error(const char *prog, const char *help, const char *fmt,
                       ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s --help'.\n", help);
  return 2;
}

void wr_cli_opts_init(wr_cli_opts *p, const char *prog, const char *help,
                      int argc, char **argv, const char *shortopts,
                      const struct option *longopts) {
  memset(p, 0, sizeof *p);
  p->prog = prog;
  p->help = help;
  p->argc = argc;
  p->argv = argv;
  p->longopts = longopts;
  /* "-": return positional arguments in place (value 1) instead of
   * permuting argv, so they mix with options as they always have and the
   * environment (POSIXLY_CORRECT) cannot change the meaning of a command
   * line. ":": report a missing value as ':' rather than '?'. */
  snprintf(p->optstring, sizeof p->optstring, "-:%s", shortopts);
  /* A new scan: glibc reinitialises everything when optind is 0. */
  optind = 0;
  opterr = 0;
}

/* The long option text at argv[at] without its "=VALUE", quoted for a
 * message. */
static const char *option_text(const wr_cli_opts *p, int at, char *buf,
                               size_t cap) {
  const char *a = at < p->argc ? p->argv[at] : "";
  const char *eq = strchr(a, '=');
  return wr_cli_quote(a, eq ? (size_t)(eq - a) : strlen(a), buf, cap);
}

/* The table entry named exactly by "--name[=...]", or -1. */
static int find_long(const wr_cli_opts *p, const char *a) {
  if (strncmp(a, "--", 2) != 0)
    return -1;
  a += 2;
  size_t n = strcspn(a, "=");
  for (int i = 0; p->longopts[i].name; i++)
    if (strlen(p->longopts[i].name) == n &&
        strncmp(p->longopts[i].name, a, n) == 0)
      return i;
  return -1;
}

int wr_cli_next(wr_cli_opts *p, const char **value) {
  *value = NULL;
  if (p->after_dashes) {
    if (p->rest < p->argc) {
      *value = p->argv[p->rest++];
      return WR_CLI_ARG;
    }
    return WR_CLI_DONE;
  }
  /* Where getopt starts: a long option is always a whole element, so
   * argv[at] is its text when one comes back (a short option may sit
   * inside a cluster like -qv; its messages use optopt instead). */
  int at = optind > 0 ? optind : 1;
  int idx = -1;
  char q[64];
  int c = getopt_long(p->argc, p->argv, p->optstring, p->longopts, &idx);
  if (c == -1) {
    /* The end, or "--": getopt leaves optind on what follows it. */
    p->after_dashes = 1;
    p->rest = optind;
    return wr_cli_next(p, value);
  }
  if (c == 1) {
    *value = optarg;
    return WR_CLI_ARG;
  }
  int is_long = strncmp(p->argv[at], "--", 2) == 0;
  if (c == ':') {
    if (is_long)
      wr_cli_usage_error(p->prog, p->help, "%s needs a value",
                         option_text(p, at, q, sizeof q));
    else
      wr_cli_usage_error(p->prog, p->help, "-%c needs a value", optopt);
    return WR_CLI_ERROR;
  }
  if (c == '?') {
    int k = is_long ? find_long(p, p->argv[at]) : -1;
    if (k >= 0 && p->longopts[k].has_arg == no_argument)
      wr_cli_usage_error(p->prog, p->help, "%s takes no value",
                         option_text(p, at, q, sizeof q));
    else if (is_long)
      wr_cli_usage_error(p->prog, p->help, "unknown option '%s'",
                         option_text(p, at, q, sizeof q));
    else if (optopt > 0x20 && optopt < 0x7F)
      wr_cli_usage_error(p->prog, p->help, "unknown option '-%c'", optopt);
    else
      wr_cli_usage_error(p->prog, p->help, "unknown option '%s'",
                         option_text(p, at, q, sizeof q));
    return WR_CLI_ERROR;
  }
  if (idx >= 0 && find_long(p, p->argv[at]) != idx) {
    /* getopt matched an abbreviation. */
    wr_cli_usage_error(p->prog, p->help,
                       "unknown option '%s'; did you mean '--%s'?",
                       option_text(p, at, q, sizeof q), p->longopts[idx].name);
    return WR_CLI_ERROR;
  }
  if (idx < 0) /* a short option: its entry in the table, if any */
    for (int i = 0; p->longopts[i].name; i++)
      if (p->longopts[i].flag == NULL && p->longopts[i].val == c) {
        idx = i;
        break;
      }
  if (idx >= 0 && idx < 64 && p->longopts[idx].has_arg != no_argument) {
    unsigned long long bit = 1ULL << idx;
    if (p->given & bit) {
      wr_cli_usage_error(p->prog, p->help, "--%s is given more than once",
                         p->longopts[idx].name);
      return WR_CLI_ERROR;
    }
    p->given |= bit;
  }
  *value = optarg;
  return c;
}
