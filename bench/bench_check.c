/* wirerig check's own cost (docs/check.md, docs/benchmarks.md): what a
 * cut schedule costs beyond the decoding it drives, and what the libFuzzer
 * entry costs beyond a bare target calling the same decoder once.
 *
 *   exhaustive   every schedule of a 16-byte stream (2^15 of them) through
 *                wr_check_exhaustive, against decoding the same 16 bytes
 *                in one call as many times: schedules per second, and the
 *                ratio of the two rates (goal: >= 1 M schedules/s)
 *   fuzz entry   wr_check_fuzz_one on an input with three cuts, against a
 *                bare target that creates the decoder, feeds the stream in
 *                one call and destroys it
 *
 * Both are measured in-process, without libFuzzer's own per-input work:
 * the strict price of the harness. bench_check_fuzz.sh measures the fuzz
 * entry under libFuzzer, where the goal (>= 0.5x) is set.
 * Like every benchmark here it judges no timing; it fails only if the two
 * sides disagree about what the decoder gave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "wirerig/check.h"

#ifndef WR_BENCH_BUILD_TYPE
#define WR_BENCH_BUILD_TYPE "unknown"
#endif

#include "check_tiny.h"

/* Four messages in 16 bytes. */
static const uint8_t stream16[16] = {3, 'a', 'b', 'c', 2,   'd', 'e', 0,
                                     7, 'f', 'g', 'h', 'i', 'j', 'k', 'l'};

static uint64_t bare_decode(const uint8_t *s, size_t n) {
  tiny *t = tiny_create(NULL);
  if (!t)
    return 0;
  tiny_feed(t, s, n, NULL);
  uint64_t m = t->messages;
  tiny_destroy(t);
  return m;
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  double budget = quick ? 0.2 : 2.0;
  wr_check_decoder dec = {.name = "tiny",
                          .create = tiny_create,
                          .destroy = tiny_destroy,
                          .feed = tiny_feed};
  wr_check_options opt = {.quiet = 1, .max_cuts = WR_CHECK_ALL_CUTS};
  printf("bench_check (%s build)%s\n", WR_BENCH_BUILD_TYPE,
         quick ? ", quick" : "");

  /* ---- exhaustive: best of a few timed passes each ------------------- */
  double best_check = 1e9, best_bare = 1e9;
  uint64_t schedules = 0, msgs = 0;
  double t_end = bench_now() + budget;
  do {
    wr_check_report r;
    double t0 = bench_now();
    int rc = wr_check_exhaustive(&dec, &opt, stream16, sizeof stream16, &r);
    double t1 = bench_now();
    if (rc != 0) {
      fprintf(stderr, "bench_check: the check failed (%d): %s\n", rc,
              rc == 1 ? r.text : "bad use");
      return 1;
    }
    schedules = r.schedules;
    wr_check_report_free(&r);
    uint64_t m = 0;
    double t2 = bench_now();
    for (uint64_t i = 0; i < schedules; i++)
      m += bare_decode(stream16, sizeof stream16);
    double t3 = bench_now();
    msgs = m;
    if (t1 - t0 < best_check)
      best_check = t1 - t0;
    if (t3 - t2 < best_bare)
      best_bare = t3 - t2;
  } while (bench_now() < t_end);
  if (msgs != schedules * 4) {
    fprintf(stderr,
            "bench_check: the bare side decoded %llu messages, "
            "expected %llu\n",
            (unsigned long long)msgs, (unsigned long long)schedules * 4);
    return 1;
  }
  double rate = (double)schedules / best_check,
         bare_rate = (double)schedules / best_bare;

  /* ---- the fuzz entry ---------------------------------------------------- */
  /* Cuts after 2, 3 and 8 bytes: chunk sizes 2, 1, 5 (minus one each). */
  uint8_t input[1 + 3 + sizeof stream16] = {3, 1, 0, 4};
  memcpy(input + 4, stream16, sizeof stream16);
  uint64_t n = quick ? 20000 : 400000;
  double best_fuzz = 1e9, best_fbare = 1e9;
  t_end = bench_now() + budget;
  do {
    double t0 = bench_now();
    for (uint64_t i = 0; i < n; i++)
      wr_check_fuzz_one(&dec, &opt, input, sizeof input);
    double t1 = bench_now();
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++)
      m += bare_decode(input + 4, sizeof stream16);
    double t2 = bench_now();
    if (m != n * 4) {
      fprintf(stderr, "bench_check: bare fuzz side decoded %llu messages\n",
              (unsigned long long)m);
      return 1;
    }
    if (t1 - t0 < best_fuzz)
      best_fuzz = t1 - t0;
    if (t2 - t1 < best_fbare)
      best_fbare = t2 - t1;
  } while (bench_now() < t_end);

  printf("%-34s %14s %14s %8s %6s\n", "case", "wirerig", "baseline", "ratio",
         "goal");
  printf("%-34s %10.2f M/s %10.2f M/s %7.3fx %6s\n",
         "exhaustive, 16 B, 32768 schedules", rate / 1e6, bare_rate / 1e6,
         rate / bare_rate, "");
  printf("  schedules per second: %.2f M (goal >= 1 M on one core)\n",
         rate / 1e6);
  printf("%-34s %10.2f M/s %10.2f M/s %7.3fx %6s\n", "fuzz entry, 16 B, 3 cuts",
         (double)n / best_fuzz / 1e6, (double)n / best_fbare / 1e6,
         best_fbare / best_fuzz, "");
  printf("baseline: the same decoder creating, decoding the whole stream in "
         "one call, and\ndestroying, once per schedule or input. Under "
         "libFuzzer, whose own work per input\nis the same on both sides, "
         "bench/bench_check_fuzz.sh measures the entry's exec/s\n(goal "
         ">= 0.5x a bare target).\n");
  return 0;
}
