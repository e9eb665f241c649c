/* Internal to wirerig::check: one run's outcome, the guarded buffer the
 * decoder reads from, and the pieces the modes share. */
#ifndef WIRERIG_CHECK_INT_H
#define WIRERIG_CHECK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/check.h"

/* ---- guarded memory (check_guard.c) ------------------------------------ */

/* A region whose last usable byte is followed by an inaccessible page:
 * wr_chk_guard_place puts n bytes so that they end exactly spare bytes
 * before it, so a decoder reading past its data (and its spare bytes)
 * faults at once instead of reading whatever follows. */
typedef struct chk_guard {
  uint8_t *map; /* the mapping, guard page included */
  size_t maplen;
  uint8_t *end; /* first byte of the guard page */
  size_t room;  /* usable bytes before it */
} chk_guard;

int wr_chk_guard_reserve(chk_guard *g, size_t room);
void wr_chk_guard_free(chk_guard *g);
/* Where n bytes (then `spare` bytes) must start to end at the guard. */
static inline uint8_t *wr_chk_guard_at(const chk_guard *g, size_t n,
                                       size_t spare) {
  return g->end - spare - n;
}

/* ---- one run's outcome (check_run.c) ---------------------------------------
 */

typedef struct chk_msg {
  size_t off, len; /* in the outcome's bytes */
  int64_t tag;
} chk_msg;

typedef struct chk_outcome {
  chk_msg *msgs;
  size_t nmsgs, msgcap;
  uint8_t *bytes;
  size_t nbytes, bytecap;
  int error;        /* 0, or the decoder's error (feed/next) */
  size_t error_at;  /* stream offset fed when the error came */
  int finish_error; /* 0, or finish's error */
  size_t left;      /* pull: bytes never consumed; push: 0 */
  int oom;          /* wirerig ran out of memory recording it */
  char bad[160];    /* the decoder broke the contract ("" if not) */
} chk_outcome;

/* A message's bytes; never NULL, since an empty message of an outcome
 * with no bytes at all would otherwise be NULL + 0. */
static inline const uint8_t *wr_chk_msg_bytes(const chk_outcome *o,
                                              const chk_msg *m) {
  return m->len ? o->bytes + m->off : (const uint8_t *)"";
}

void wr_chk_outcome_clear(chk_outcome *o);
void wr_chk_outcome_free(chk_outcome *o);
int wr_chk_outcome_add(chk_outcome *o, const void *data, size_t len,
                       int64_t tag);

/* Decodes stream cut at cuts[0..ncuts) with dec, into o (cleared first). */
void wr_chk_run(const wr_check_decoder *dec, chk_guard *g,
                const uint8_t *stream, size_t len, const size_t *cuts,
                unsigned ncuts, chk_outcome *o);
/* The packets gen_tcp's framing cuts from the whole stream. */
void wr_chk_run_framing(const wr_framing *f, const uint8_t *stream, size_t len,
                        chk_outcome *o);

/* Equal messages (bytes and, unless ignore_tags, tags), errors and end
 * state. For a reference, errors are compared as "some error" only, since
 * the codes are the decoder's own. */
int wr_chk_same(const chk_outcome *a, const chk_outcome *b, int reference);

/* ---- judging one case (check.c) ---------------------------------------------
 */

typedef struct chk_ctx {
  const wr_check_decoder *dec;
  const wr_check_options *opt;
  chk_guard guard;
  chk_outcome whole, cut, ref;
  const char *oracle; /* set by wr_chk_judge when it fails */
  int fuzz; /* a libFuzzer run: reproduce with the program and a file */
} chk_ctx;

/* The one-shot oracles on stream (reference, round trip) into c->whole. 0
 * when they hold, 1 when one fails (c->oracle set). */
int wr_chk_judge_whole(chk_ctx *c, const uint8_t *stream, size_t len);
/* Split invariance of one schedule against c->whole (already computed). */
int wr_chk_judge_cuts(chk_ctx *c, const uint8_t *stream, size_t len,
                      const size_t *cuts, unsigned ncuts);
/* Both, for a case from scratch (used while shrinking). */
int wr_chk_judge(chk_ctx *c, const uint8_t *stream, size_t len,
                 const size_t *cuts, unsigned ncuts);

/* ---- shrinking and reporting (check_shrink.c, check_report.c) -------------
 */

/* Shrinks the failing case in place: fewest cuts, then shortest stream,
 * then fewest cuts again. Returns the runs spent. */
uint64_t wr_chk_shrink(chk_ctx *c, uint8_t *stream, size_t *len, size_t *cuts,
                       unsigned *ncuts);

/* Fills report (and prints it unless quiet) for the failing case; the
 * outcomes in c are re-made for exactly this case first. 1, or WR_ENOMEM. */
int wr_chk_report(chk_ctx *c, const char *mode, uint64_t schedules,
                  uint64_t shrink_runs, const uint8_t *stream, size_t len,
                  const size_t *cuts, unsigned ncuts, wr_check_report *r);

/* Prints "wirerig check: <message>" for bad use and returns rc. */
int wr_chk_misuse(const wr_check_options *opt, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
