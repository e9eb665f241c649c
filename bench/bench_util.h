/* Plumbing shared by wirerig's benchmarks: a monotonic clock, a
 * deterministic generator, the interleaved best-of-N runner and the table.
 *
 * A benchmark here is not a test. It never judges a timing; it prints what
 * it measured beside a baseline measured in the same run, because absolute
 * figures on a shared 2-core machine mean little while a ratio taken under
 * the same conditions does. The only thing that can fail a run is
 * correctness: both sides of a case must deliver the same packets.
 */
#ifndef WIRERIG_BENCH_UTIL_H
#define WIRERIG_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What one pass over a stream delivered. Both sides of a case must agree on
 * all three, or the comparison would be between different work. */
typedef struct bench_result {
  uint64_t packets;  /* packets (or messages) delivered */
  uint64_t checksum; /* folded lengths of everything delivered */
  size_t consumed;   /* bytes of the stream accounted for */
} bench_result;

/* One pass over buf[0..n). A failure to decode is reported through the
 * result (consumed < n), never by exiting, so the runner can say which side
 * and where. */
typedef bench_result (*bench_fn)(const uint8_t *buf, size_t n);

typedef struct bench_case {
  const char *name;          /* "packet4 64B" */
  const char *unit;          /* what a packet is: "pkt", "line", "req" */
  const char *baseline_name; /* "length-prefix walk" */
  double goal;               /* wanted wirerig/baseline ratio */
  const uint8_t *buf;
  size_t len;
  bench_fn wirerig;
  bench_fn baseline;
} bench_case;

typedef struct bench_opts {
  int reps;             /* timed samples per side (best one is kept) */
  double min_sample_s;  /* a sample repeats the pass until it lasts this */
  double case_budget_s; /* stop taking samples after this much time */
} bench_opts;

typedef struct bench_row {
  const bench_case *c;
  double wirerig_s, baseline_s; /* best time of one pass */
  int reps_done;
  unsigned passes; /* passes per sample */
  bench_result result;
} bench_row;

/* Monotonic seconds (CLOCK_MONOTONIC): immune to wall-clock steps. */
double bench_now(void);

/* splitmix64: a fixed seed gives the same stream on every machine. */
uint64_t bench_rand(uint64_t *state);
/* Uniform in [0, n), n > 0 (the tiny modulo bias does not matter here). */
uint32_t bench_rand_below(uint64_t *state, uint32_t n);

/* Runs both sides of c, interleaved, and fills row. Returns 0, or -1 after
 * printing to stderr which side delivered what when the sides disagree or a
 * side did not consume the whole stream. */
int bench_run_case(const bench_case *c, const bench_opts *o, bench_row *row);

/* The table of every row, with ratios and goals (informational only). */
void bench_print_table(FILE *out, const bench_row *rows, size_t n);

#endif
