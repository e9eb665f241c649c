/* The scenario parser's driver: reading the file, the statement loop with
 * its error collection, repeat blocks, memory, and the small helpers every
 * part shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "scn_int.h"

/* ---- the arena: every allocation of a scenario, freed at once ---------- */

typedef struct arena_node {
  struct arena_node *next;
  max_align_t data[];
} arena_node;

void *wr_scnp_alloc(scn_parser *p, size_t n) {
  if (n > SIZE_MAX - sizeof(arena_node)) {
    p->oom = 1;
    return NULL;
  }
  arena_node *a = calloc(1, sizeof *a + n);
  if (!a) {
    p->oom = 1;
    return NULL;
  }
  a->next = p->s->arena_;
  p->s->arena_ = a;
  return a->data;
}

char *wr_scnp_strdup(scn_parser *p, const char *text, size_t len) {
  char *d = wr_scnp_alloc(p, len + 1);
  if (d)
    memcpy(d, text, len);
  return d;
}

/* ---- errors ----------------------------------------------------------------
 */

static void add_error(scn_parser *p, uint32_t line, uint32_t col,
                      const char *fmt, va_list ap) SCN_PRINTF(4, 0);
static void add_error(scn_parser *p, uint32_t line, uint32_t col,
                      const char *fmt, va_list ap) {
  wr_scenario *s = p->s;
  s->nerrors_total++;
  if (s->nerrors >= p->cfg.max_errors)
    return;
  if (s->nerrors == p->ecap) {
    size_t cap = p->ecap ? p->ecap * 2 : 4;
    wr_scn_error *ne = realloc(s->errors, cap * sizeof *ne);
    if (!ne) {
      p->oom = 1;
      return;
    }
    s->errors = ne;
    p->ecap = cap;
  }
  wr_scn_error *e = &s->errors[s->nerrors++];
  e->line = line;
  e->col = col;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int wr_scnp_err_at(scn_parser *p, uint32_t line, uint32_t col, const char *fmt,
                   ...) {
  if (p->failed)
    return -1;
  p->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  add_error(p, line, col, fmt, ap);
  va_end(ap);
  return -1;
}

int wr_scnp_err(scn_parser *p, const tok *t, const char *fmt, ...) {
  if (p->failed)
    return -1;
  p->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  add_error(p, t->line, t->col, fmt, ap);
  va_end(ap);
  return -1;
}

/* Text for a message: printable ASCII as is, other bytes as \xHH, cut
 * with "..." to fit. */
static void quote_text(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)s[k];
    char tmp[5];
    size_t tl;
    if (c >= 0x20 && c < 0x7f) {
      tmp[0] = (char)c;
      tl = 1;
    } else {
      snprintf(tmp, sizeof tmp, "\\x%02x", c);
      tl = 4;
    }
    if (o + tl + 4 >= cap) {
      memcpy(out + o, "...", 3);
      o += 3;
      break;
    }
    memcpy(out + o, tmp, tl);
    o += tl;
  }
  out[o] = 0;
}

const char *wr_scnp_found(const scn_parser *p, const tok *t, char *buf,
                          size_t cap) {
  (void)p;
  if (t->kind == T_EOL) {
    snprintf(buf, cap, "end of line");
    return buf;
  }
  size_t n = t->len;
  if (t->kind == T_OPT)
    n = (size_t)(t->vtext + t->vlen - t->text);
  char q[64];
  quote_text(t->text, n, q, sizeof q);
  snprintf(buf, cap, "'%s'", q);
  return buf;
}

/* ---- token helpers ------------------------------------------------------- */

int wr_scnp_is(const tok *t, const char *word) {
  size_t n = strlen(word);
  return t->kind == T_ATOM && t->len == n && memcmp(t->text, word, n) == 0;
}

int wr_scnp_is_name(const tok *t) {
  if (t->kind != T_ATOM && t->kind != T_OPT)
    return 0;
  const char *s = t->text;
  if (t->len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') ||
                       (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
    return 0;
  for (size_t k = 1; k < t->len; k++) {
    char c = s[k];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

static int parse_u64(const char *s, size_t n, uint64_t *out) {
  uint64_t v = 0;
  unsigned base = 10;
  size_t k = 0;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    k = 2;
  }
  if (k == n)
    return -1;
  for (; k < n; k++) {
    int d;
    char c = s[k];
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return -1;
    if (v > (UINT64_MAX - (uint64_t)d) / base)
      return -2;
    v = v * base + (uint64_t)d;
  }
  *out = v;
  return 0;
}

int wr_scnp_is_number(const tok *t) {
  uint64_t v;
  return t->kind == T_ATOM && parse_u64(t->text, t->len, &v) != -1;
}

int wr_scnp_number(scn_parser *p, const tok *t, const char *what, uint64_t min,
                   uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  int rc = t->kind == T_ATOM ? parse_u64(t->text, t->len, &v) : -1;
  if (rc == -1)
    return wr_scnp_err(p, t,
                       "bad number for %s; expected a decimal or 0x hex number "
                       "%llu..%llu, found %s",
                       what, (unsigned long long)min, (unsigned long long)max,
                       SCN_FOUND(p, t));
  if (rc == -2 || v < min || v > max)
    return wr_scnp_err(p, t, "bad number for %s; expected %llu..%llu, found %s",
                       what, (unsigned long long)min, (unsigned long long)max,
                       SCN_FOUND(p, t));
  *out = v;
  return 0;
}

int wr_scnp_duration_text(scn_parser *p, uint32_t line, uint32_t col,
                          const char *text, size_t len, const char *what,
                          wr_time *out) {
  char buf[64], err[160], q[48];
  if (len >= sizeof buf) {
    quote_text(text, len, q, sizeof q);
    return wr_scnp_err_at(p, line, col,
                          "bad duration for %s; expected a number with a unit "
                          "ns us ms s (e.g. 1.5ms), found '%s'",
                          what, q);
  }
  memcpy(buf, text, len);
  buf[len] = 0;
  if (wr_parse_time(buf, out, err, sizeof err) != 0) {
    quote_text(text, len, q, sizeof q);
    return wr_scnp_err_at(p, line, col,
                          "bad duration for %s; expected a number with a unit "
                          "ns us ms s (e.g. 1.5ms), found '%s'",
                          what, q);
  }
  return 0;
}

int wr_scnp_duration(scn_parser *p, const tok *t, const char *what,
                     wr_time *out) {
  if (t->kind != T_ATOM)
    return wr_scnp_err(p, t,
                       "missing duration for %s; expected a number with a unit "
                       "ns us ms s (e.g. 1.5ms), found %s",
                       what, SCN_FOUND(p, t));
  return wr_scnp_duration_text(p, t->line, t->col, t->text, t->len, what, out);
}

/* ---- blocks -----------------------------------------------------------------
 */

static void free_block(wr_scn_block *b) {
  for (size_t k = 0; k < b->n; k++)
    if (b->steps[k].kind == WR_SCN_REPEAT || b->steps[k].kind == WR_SCN_SPAWN)
      free_block(&b->steps[k].body);
  free(b->steps);
  b->steps = NULL;
  b->n = 0;
}

/* Source order: the unclosed-block errors are found last but belong to
 * their `repeat` lines. Stable (insertion sort; there are at most a few
 * dozen). */
static void sort_errors(wr_scenario *s) {
  for (size_t i = 1; i < s->nerrors; i++) {
    wr_scn_error e = s->errors[i];
    size_t j = i;
    while (j > 0 && (s->errors[j - 1].line > e.line ||
                     (s->errors[j - 1].line == e.line &&
                      s->errors[j - 1].col > e.col))) {
      s->errors[j] = s->errors[j - 1];
      j--;
    }
    s->errors[j] = e;
  }
}

/* ---- the driver ---------------------------------------------------------- */

static const char *base_name(const char *file) {
  const char *b = strrchr(file, '/');
  return b ? b + 1 : file;
}

static char *dir_of(const char *file) {
  const char *b = strrchr(file, '/');
  if (!b)
    return strdup(".");
  if (b == file)
    return strdup("/");
  return strndup(file, (size_t)(b - file));
}

wr_scenario *wr_scn_parse(const char *file, const char *text, size_t len,
                          const wr_scn_config *cfg) {
  wr_scenario *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  scn_parser p;
  memset(&p, 0, sizeof p);
  p.s = s;
  if (cfg)
    p.cfg = *cfg;
  if (p.cfg.max_data == 0)
    p.cfg.max_data = WR_SCN_MAX_DATA;
  if (p.cfg.max_file_data == 0)
    p.cfg.max_file_data = WR_SCN_MAX_FILE_DATA;
  if (p.cfg.max_errors == 0)
    p.cfg.max_errors = WR_SCN_MAX_ERRORS;
  if (!file)
    file = "<input>";
  s->file = wr_scnp_strdup(&p, file, strlen(file));
  s->title = s->file ? base_name(s->file) : NULL;
  p.dir = dir_of(file);
  p.lx.buf = text ? text : "";
  p.lx.len = text ? len : 0;
  p.lx.line = 1;
  p.lx.col = 1;
  p.bcap = 4;
  p.blocks = calloc(p.bcap, sizeof *p.blocks);
  if (!s->file || !p.dir || !p.blocks)
    goto oom;
  p.depth = 1;
  p.proc = -1;

  for (;;) {
    if (s->nerrors_total >= p.cfg.max_errors)
      break; /* enough to act on; the rest is likely consequences */
    p.failed = 0;
    int rc = wr_scnp_lex_statement(&p, &p.lx);
    if (rc == 0 || rc == -2 || p.oom)
      break;
    if (rc < 0)
      continue;
    p.t = p.lx.toks;
    p.i = 0;
    wr_scnp_statement(&p);
    if (p.oom)
      break;
  }
  if (p.oom)
    goto oom;
  if (s->nerrors_total >= p.cfg.max_errors && p.lx.pos < p.lx.len) {
    p.failed = 0;
    p.cfg.max_errors++; /* room for the note */
    wr_scnp_err_at(&p, p.lx.line, 1,
                   "too many errors (%u); the rest of the file was not checked",
                   p.cfg.max_errors - 1);
  }
  /* Repeat blocks never closed: report each at its `repeat`. */
  while (p.depth > 1) {
    scn_blockbuild *b = &p.blocks[p.depth - 1];
    p.failed = 0;
    if (!b->quiet)
      wr_scnp_err_at(&p, b->line, b->col,
                     "unbalanced '{': this %s block is never closed; expected "
                     "a line with '}' alone",
                     b->spawn ? "spawn" : "repeat");
    b->owner->body.steps = b->steps;
    b->owner->body.n = b->n;
    p.depth--;
  }
  s->steps.steps = p.blocks[0].steps;
  s->steps.n = p.blocks[0].n;
  free(p.blocks);
  free(p.dir);
  wr_scnp_lex_free(&p.lx);
  sort_errors(s);
  return s;

oom:
  while (p.blocks && p.depth > 1) {
    scn_blockbuild *b = &p.blocks[p.depth - 1];
    b->owner->body.steps = b->steps;
    b->owner->body.n = b->n;
    p.depth--;
  }
  if (p.blocks) {
    s->steps.steps = p.blocks[0].steps;
    s->steps.n = p.blocks[0].n;
  }
  free(p.blocks);
  free(p.dir);
  wr_scnp_lex_free(&p.lx);
  wr_scn_free(s);
  return NULL;
}

int wr_scnp_read_file(const char *path, size_t max, char **out, size_t *len,
                      char *err, size_t errlen) {
  uint8_t *buf = NULL;
  if (wr_read_file(path, max, 1, &buf, len, err, errlen) != 0)
    return -1;
  *out = (char *)buf;
  return 0;
}

wr_scenario *wr_scn_load(const char *file, const wr_scn_config *cfg) {
  char *text = NULL, err[200];
  size_t len = 0;
  if (wr_scnp_read_file(file, WR_SCN_MAX_SOURCE, &text, &len, err,
                        sizeof err) != 0) {
    wr_scenario *s = wr_scn_parse(file, "", 0, cfg);
    if (!s)
      return NULL;
    wr_scn_error *e = calloc(1, sizeof *e);
    if (!e) {
      wr_scn_free(s);
      return NULL;
    }
    snprintf(e->msg, sizeof e->msg, "%s", err);
    s->errors = e;
    s->nerrors = s->nerrors_total = 1;
    return s;
  }
  wr_scenario *s = wr_scn_parse(file, text, len, cfg);
  free(text);
  return s;
}

void wr_scn_free(wr_scenario *s) {
  if (!s)
    return;
  free_block(&s->steps);
  free(s->endpoints);
  free(s->errors);
  arena_node *a = s->arena_;
  while (a) {
    arena_node *next = a->next;
    free(a);
    a = next;
  }
  free(s);
}

int wr_scn_error_format(const wr_scenario *s, const wr_scn_error *e, char *buf,
                        size_t len) {
  if (e->line == 0)
    return snprintf(buf, len, "%s: %s", s->file, e->msg);
  return snprintf(buf, len, "%s:%u:%u: %s", s->file, (unsigned)e->line,
                  (unsigned)e->col, e->msg);
}

const char *wr_scn_kind_name(wr_scn_kind k) {
  static const char *const names[] = {
      "listen",    "connect",  "accept",    "target start", "target at",
      "send",      "recv",     "message",   "messages",     "nothing",
      "drain",     "setopts",  "getopts",   "shutdown",     "close",
      "owner",     "wait",     "repeat",    "mailbox",      "state",
      "sent",      "received", "elapsed",   "net",          "net buffers",
      "net reset", "net drop", "net stall", "net release",  "net refuse",
      "stream",    "sockname", "peername",  "rounds",       "spawn",
      "await",     "kill"};
  if ((unsigned)k < sizeof names / sizeof names[0])
    return names[k];
  return "?";
}

const char *wr_scn_cmp_name(wr_scn_cmp c) {
  static const char *const names[] = {"==", "!=", "<", "<=", ">", ">="};
  if ((unsigned)c < sizeof names / sizeof names[0])
    return names[c];
  return "?";
}
