/* wirerig statefuzz: stateful fuzzing of the gen_tcp model with scenarios
 * (docs/fuzzing.md, "Stateful targets").
 *
 * A fuzz input is decoded into a scenario -- a listener `s` and a client
 * `c` with their socket options, then a sequence of operations (sends,
 * recvs, mailbox reads, setopts, shutdowns, closes, waits, network
 * policies and faults) -- written as scenario TEXT and, beside it, as the
 * steps the scenario parser makes of that text (tests/test_statefuzz.c
 * requires the two to agree on every field), so a generated case is
 * exactly what a scenario file says and every finding is a file `wirerig
 * run FILE --transport sim --seed S` runs. Any byte string decodes (no
 * rejects): every choice is taken modulo its range, a missing byte reads as 0,
 * and the number of operations and the data sizes are bounded.
 *
 * Generated operations carry no real expectation (`-> any`): what the
 * model must do is not known in advance. The oracles (wr_sf_check) run
 * the case in the runner's observe mode and judge the log and simnet's
 * accounting against the model's invariants, and require the same trace
 * hash from two runs.
 */
#ifndef WIRERIG_STATEFUZZ_H
#define WIRERIG_STATEFUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/runner.h"
#include "wirerig/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operations decoded from one input at most. */
#define WR_SF_MAX_OPS 32
/* Bytes of data one send carries at most. */
#define WR_SF_MAX_DATA 32
/* Longest input the mutator builds. */
#define WR_SF_MAX_INPUT 2048
/* Loopback cases: the wait after every operation that lets the network
 * settle (docs/fuzzing.md, "Triage"). */
#define WR_SF_SETTLE_MS 5

/* Where each operation of an input starts and ends (the mutator's unit):
 * the header (seed, both sockets' options) is input[0..header). */
typedef struct wr_sf_layout {
  size_t header;
  size_t nops;
  size_t start[WR_SF_MAX_OPS], end[WR_SF_MAX_OPS];
} wr_sf_layout;

typedef struct wr_sf_case {
  char *text; /* the scenario file's text (malloc'd, NUL-terminated) */
  size_t len;
  wr_scenario *scn; /* the text's scenario, nerrors == 0 */
  uint64_t seed;    /* simnet's seed, from the input */
  size_t nops;      /* operations kept */
  int sim_only;     /* uses reset or drop: loopback would skip it */
  int rerun;        /* wr_sf_check runs it twice (determinism) */
  void *ast_;       /* internal: the storage scn points into (NULL: scn was
                       parsed, and wr_sf_case_free frees it as such) */
} wr_sf_case;

typedef struct wr_sf_decode_opts {
  /* Durations for loopback: waits and timeouts short, and recvs long
   * enough for real sockets to deliver (the loopback target). */
  int loopback;
  /* The determinism re-run of wr_sf_check for one case in this many,
   * chosen by a hash of the input (so a replay of one input decides the
   * same way); 0 or 1: every case. The stateful_model target uses 4: the
   * second run was half of a case's time (docs/fuzzing.md). */
  unsigned rerun_every;
} wr_sf_decode_opts;

/* Decodes any input into a case. 0, or WR_ENOMEM (out is then zeroed).
 * opts may be NULL. */
int wr_sf_decode(const uint8_t *data, size_t len, const wr_sf_decode_opts *o,
                 wr_sf_case *out);
void wr_sf_case_free(wr_sf_case *c);
/* The operation boundaries of an input, as wr_sf_decode reads it. */
void wr_sf_split(const uint8_t *data, size_t len, wr_sf_layout *out);

/* The reverse: a parsed scenario (a file of scenarios/) as an input that
 * decodes to the same operations as far as the decoder's vocabulary
 * reaches: the first listener becomes `s`, the first client `c`; steps on
 * other endpoints, expectations, and values outside the decoder's tables
 * are left out. Returns the length written (at most cap). */
size_t wr_sf_encode(const wr_scenario *s, uint64_t seed, uint8_t *buf,
                    size_t cap);

/* Writes the case as a scenario file: the comment (each line prefixed
 * with "# "), `seeds 1`, `transports sim` unless loopback, and the text.
 * 0, or -1 on a write error. */
int wr_sf_write_scenario(FILE *f, const wr_sf_case *c, const char *comment,
                         int loopback);

/* Scenario-level mutation: inserts, deletes, duplicates, swaps operations,
 * changes an option or an operation's argument, in place; rnd drives the
 * choices. Returns the new size (<= max). */
size_t wr_sf_mutate(uint8_t *data, size_t size, size_t max, uint32_t rnd);
/* Splices the header and a prefix of a's operations with a suffix of b's
 * into out. Returns its size (<= max). */
size_t wr_sf_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
                       uint8_t *out, size_t max, uint32_t rnd);

/* ---- oracles ------------------------------------------------------------ */

typedef struct wr_sf_verdict {
  int ok;         /* 1: every invariant held */
  char why[512];  /* the first violation */
  uint64_t hash;  /* simnet's trace hash of the run */
  size_t nobs;    /* observations logged */
  int ran_to_end; /* the run was not stopped by the harness */
} wr_sf_verdict;

/* Runs the case on simnet -- twice with its seed when c->rerun -- and
 * checks: the same verdict, log and trace hash; byte conservation in every
 * direction; the gen_tcp invariants visible in the log (data messages within
 * what active allows, tcp_passive only after a counter, nothing after
 * tcp_closed but what the model allows, verbs on a closed socket fail). r and
 * r2 are reused between calls (zero them first, free with wr_run_result_free).
 * Returns v->ok. */
int wr_sf_check(const wr_sf_case *c, wr_run_result *r, wr_run_result *r2,
                wr_sf_verdict *v);
/* Also runs it on loopback and requires the runner's agreement; a case
 * loopback skips passes. */
int wr_sf_check_loopback(const wr_sf_case *c, wr_run_result *sim,
                         wr_run_result *lo, wr_sf_verdict *v);
/* The invariants of one log alone (wr_sf_check's second half): 1 ok, else
 * 0 with why. */
int wr_sf_check_log(const wr_sf_case *c, const wr_run_result *r, char *why,
                    size_t len);

#ifdef __cplusplus
}
#endif
#endif
