/* Internals of the scenario parser: tokens, the lexer, the parse state and
 * the helpers the statement, data and expectation parsers share. */
#ifndef WIRERIG_SCN_INT_H
#define WIRERIG_SCN_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "wirerig/scenario.h"

#define SCN_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- tokens ------------------------------------------------------------- */

typedef enum tok_kind {
  T_EOL = 0, /* end of the statement (its line, after continuations) */
  T_ATOM,    /* names, numbers, durations, policy items, HOST:PORT ... */
  T_QATOM,   /* 'GET' (text includes the quotes) */
  T_STRING,  /* "..." (bytes in the lexer's string buffer) */
  T_HEX,     /* x"00 05" (bytes in the string buffer) */
  T_OPT,     /* name=value */
  T_LP,
  T_RP,
  T_COMMA,
  T_LB,
  T_RB,
  T_STAR,
  T_ARROW,   /* -> */
  T_BIARROW, /* <-> */
  T_CMP      /* == != < <= > >= */
} tok_kind;

typedef struct tok {
  tok_kind kind;
  uint32_t line, col;
  const char *text; /* the source text (for T_OPT: the name) */
  size_t len;
  size_t soff, slen; /* T_STRING, T_HEX, string-valued T_OPT: decoded bytes */
  /* T_OPT: the value; a string value is in soff/slen and vtext is its
   * source text (with quotes) */
  const char *vtext;
  size_t vlen;
  int vstring;
  uint32_t vcol;
  wr_scn_cmp cmp; /* T_CMP */
} tok;

/* ---- the lexer ------------------------------------------------------------
 */

typedef struct scn_lexer {
  const char *buf;
  size_t len, pos;
  uint32_t line, col;
  /* decoded string bytes of the current statement */
  uint8_t *sbuf;
  size_t slen, scap;
  /* tokens of the current statement, the last one T_EOL */
  tok *toks;
  size_t ntok, tcap;
} scn_lexer;

struct scn_parser;

/* Reads the next statement's tokens into lx->toks (ending in T_EOL).
 * Returns 1 with tokens, 0 at the end of the input, -1 after recording an
 * error (the rest of the statement is skipped); -2 out of memory. Blank and
 * comment-only lines are skipped. */
int wr_scnp_lex_statement(struct scn_parser *p, scn_lexer *lx);
void wr_scnp_lex_free(scn_lexer *lx);

/* ---- the parse state ----------------------------------------------------- */

typedef struct scn_blockbuild {
  wr_scn_step *steps;
  size_t n, cap;
  wr_scn_step *owner; /* the repeat step this block belongs to, or NULL */
  uint32_t line, col; /* of the repeat */
  int quiet; /* opened after an error in its header: already reported */
  int spawn; /* a spawn block (a process's steps), not a repeat */
} scn_blockbuild;

typedef struct scn_parser {
  wr_scenario *s;
  wr_scn_config cfg;
  scn_lexer lx;
  const tok *t; /* the statement's tokens */
  size_t i;     /* cursor */
  int failed;   /* an error was recorded in this statement */
  int oom;
  char *dir; /* the scenario file's directory, for file() */
  scn_blockbuild *blocks;
  size_t depth, bcap;
  size_t ecap;
  /* bytes held by all data expressions so far: capped at 4 * max_data so
   * that many large lines cannot exhaust memory either */
  uint64_t data_total;
  /* The process whose block is open (an endpoint index), -1: main. */
  int proc;
} scn_parser;

/* Records "message" at tok's position; only the first error of a statement
 * is kept (later ones are consequences). Returns -1. */
int wr_scnp_err(scn_parser *p, const tok *t, const char *fmt, ...)
    SCN_PRINTF(3, 4);
int wr_scnp_err_at(scn_parser *p, uint32_t line, uint32_t col, const char *fmt,
                   ...) SCN_PRINTF(4, 5);
/* Describes a token for "found ...": 'text' or "end of line". */
const char *wr_scnp_found(const scn_parser *p, const tok *t, char *buf,
                          size_t cap);
#define SCN_FOUND(p, t) wr_scnp_found((p), (t), (char[96]){0}, 96)

static inline const tok *scn_peek(const scn_parser *p) { return &p->t[p->i]; }
static inline const tok *scn_next(scn_parser *p) {
  const tok *t = &p->t[p->i];
  if (t->kind != T_EOL)
    p->i++;
  return t;
}
/* Is t the atom `word`? */
int wr_scnp_is(const tok *t, const char *word);
/* Is t a valid name ([A-Za-z_][A-Za-z0-9_.-]*)? */
int wr_scnp_is_name(const tok *t);
/* Is the atom text a number (decimal or 0x hex)? */
int wr_scnp_is_number(const tok *t);

/* Arena allocation, freed with the scenario. NULL (and p->oom) on failure. */
void *wr_scnp_alloc(scn_parser *p, size_t n);
char *wr_scnp_strdup(scn_parser *p, const char *text, size_t len);

/* The token's decoded string bytes. */
static inline const uint8_t *scn_sbytes(const scn_parser *p, const tok *t) {
  /* no string bytes yet ("" as the first string): no buffer either */
  return p->lx.sbuf ? p->lx.sbuf + t->soff : (const uint8_t *)"";
}

/* ---- values ----------------------------------------------------------------
 */

/* An unsigned number (decimal or 0x hex) in min..max; what names it in the
 * message ("repeat count"). */
int wr_scnp_number(scn_parser *p, const tok *t, const char *what, uint64_t min,
                   uint64_t max, uint64_t *out);
/* A duration: "1.5ms", "0"; via wr_parse_time. */
int wr_scnp_duration(scn_parser *p, const tok *t, const char *what,
                     wr_time *out);
int wr_scnp_duration_text(scn_parser *p, uint32_t line, uint32_t col,
                          const char *text, size_t len, const char *what,
                          wr_time *out);

/* DATA...: terms until T_EOL or T_ARROW (or T_RP / T_COMMA inside frame()),
 * concatenated into *out (arena). At least one term is required. */
int wr_scnp_data(scn_parser *p, const char *what, wr_scn_bytes *out);
/* The same for a string inside an http term, which `}` and `>` end too. */
int wr_scnp_data_in_term(scn_parser *p, const char *what, wr_scn_bytes *out);
/* Does t start a data term (a string, x"HEX", file(, frame(, pattern()? */
int wr_scnp_starts_data(const scn_parser *p, const tok *t);

/* After `->`: the expectation of recv (msg = 0) or message(s) (msg = 1). */
int wr_scnp_expect_recv(scn_parser *p, wr_scn_expect *e);
int wr_scnp_expect_message(scn_parser *p, wr_scn_expect *e);
/* The expectation of `stream -> ...`: DATA, bytes N, prefix DATA, len N or
 * a variable. */
int wr_scnp_expect_stream(scn_parser *p, wr_scn_expect *e);
/* Is t a variable ($name)? */
int wr_scnp_is_var(const tok *t);
/* The variable named by t: its 1-based index. A name not seen before is
 * declared when may_bind (*bind = 1: this use captures), else it is an
 * error (using a variable before anything bound it). -1 after an error. */
int wr_scnp_var(scn_parser *p, const tok *t, int may_bind, int *bind);
/* `ok` or `error REASON` */
int wr_scnp_expect_result(scn_parser *p, wr_scn_expect *e);
/* `REASON`: a wr_err name. */
int wr_scnp_reason(scn_parser *p, const tok *t, wr_scn_expect *e);

/* Options: t (a T_OPT) parsed into *out by the sockets' own parser. With
 * check = 0 only the syntax must hold (setopts -> error einval): an option
 * gen_tcp refuses sets *refused to its text as written ("packet=7") and
 * returns 0 with *out zeroed. -1 after an error. */
int wr_scnp_option(scn_parser *p, const tok *t, int check, wr_sockopt *out,
                   const char **refused);
/* Is name a known option? */
int wr_scnp_option_known(const char *name, size_t len);
/* Parses `value` for option `name` (known) at line:col into *out. */
int wr_scnp_option_value(scn_parser *p, uint32_t line, uint32_t col,
                         const char *name, const char *value, size_t vlen,
                         wr_sockopt *out);
/* Every option name, for messages. */
const char *wr_scnp_option_names(void);

/* Reads a regular file whole (at most max bytes) into a malloc'd buffer;
 * -1 with a message in err. */
int wr_scnp_read_file(const char *path, size_t max, char **out, size_t *len,
                      char *err, size_t errlen);
/* The scenario file's directory (for file()). */
const char *wr_scnp_dir(const scn_parser *p);

/* ---- endpoints (endpoints.c) ------------------------------------------- */

enum {
  SCN_M_LISTENER = 1 << WR_SCN_EP_LISTENER,
  SCN_M_SOCKET = 1 << WR_SCN_EP_SOCKET,
  SCN_M_TARGET = 1 << WR_SCN_EP_TARGET,
  SCN_M_MAILBOX = 1 << WR_SCN_EP_MAILBOX,
  SCN_M_SOCKLIKE = SCN_M_LISTENER | SCN_M_SOCKET,
};

/* Declares the name in t (a new endpoint of kind k): its index, or -1
 * after an error (not a name, reserved, declared twice, inside repeat). */
int wr_scnp_declare(scn_parser *p, const tok *t, wr_scn_ep_kind k);
/* The index of the declared endpoint named by t, whose kind must be in
 * mask; role names it in messages ("send", "connect's peer"). */
int wr_scnp_use(scn_parser *p, const tok *t, unsigned mask, const char *role);
/* The index of name t, or -1 (no error). */
int wr_scnp_find(const scn_parser *p, const tok *t);

/* ---- statements (parse.c, verbs.c, netdir.c) ----------------------------- */

/* A step starting at token t, all else empty (ep, peer, acc = -1). */
wr_scn_step wr_scnp_step_init(const scn_parser *p, wr_scn_kind k, const tok *t);
/* Appends to the current block; returns the stored step or NULL. */
wr_scn_step *wr_scnp_step_add(scn_parser *p, const wr_scn_step *st);
/* Appends st (a repeat or spawn) and opens its block at keyword kw: the
 * new, zeroed block, or NULL out of memory. */
scn_blockbuild *wr_scnp_block_open(scn_parser *p, const wr_scn_step *st,
                                   const tok *kw);
/* Checks that the statement ends here: 0, or -1 after "extra token". */
int wr_scnp_end(scn_parser *p);
/* Copies opts into the arena. */
int wr_scnp_opts_store(scn_parser *p, wr_scn_step *st, const wr_sockopt *o,
                       size_t n);
/* `timeout=T` at t (a T_OPT named timeout). */
int wr_scnp_timeout(scn_parser *p, const tok *t, wr_scn_step *st);
/* A comparison operator token. */
int wr_scnp_cmp(scn_parser *p, wr_scn_step *st);
/* Joins the tokens from p->i that touch each other (no space between)
 * into one word (their source text); advances past them. */
int wr_scnp_word(scn_parser *p, const tok **first, const char **text,
                 size_t *len);
/* Is the parser inside a repeat block? */
/* Inside a repeat block (a spawn block at the top is not one: what it
 * declares is declared once). */
static inline int scn_in_repeat(const scn_parser *p) {
  for (size_t k = 1; k < p->depth; k++)
    if (!p->blocks[k].spawn)
      return 1;
  return 0;
}
int wr_scnp_spawn(scn_parser *p, const tok *kw);
int wr_scnp_await(scn_parser *p, const tok *kw);
int wr_scnp_kill(scn_parser *p, const tok *kw);

int wr_scnp_verb(scn_parser *p, const tok *name);
int wr_scnp_net(scn_parser *p, const tok *kw);
int wr_scnp_statement(scn_parser *p);

#endif
