/* Internals of statefuzz: the decoder's tables, shared with the encoder
 * and the mutator. */
#ifndef WIRERIG_SF_INT_H
#define WIRERIG_SF_INT_H

#include <stddef.h>

#include "wirerig/statefuzz.h"

/* Operation kinds: (opcode >> 1) % SF_NKIND. */
enum {
  SF_SEND_RAW,
  SF_SEND_FRAME,
  SF_RECV,
  SF_MESSAGE,
  SF_SETOPTS,
  SF_SHUTDOWN,
  SF_CLOSE,
  SF_WAIT,
  SF_POLICY,
  SF_RESET,
  SF_DROP,
  SF_STALL,
  SF_BUFFERS,
  SF_NOTHING,
  SF_NKIND
};

typedef struct wr_sf_opt_kind {
  const char *name;
  const char *const *v; /* values as the scenario language writes them */
  size_t nv;
} wr_sf_opt_kind;

extern const wr_sf_opt_kind wr_sf_opts_[];
extern const size_t wr_sf_nopts_;

typedef struct wr_sf_buf {
  char *p;
  size_t len, cap;
  int oom;
} wr_sf_buf;

#endif
