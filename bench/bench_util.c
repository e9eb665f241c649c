#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t bench_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

uint32_t bench_rand_below(uint64_t *state, uint32_t n) {
  return (uint32_t)(bench_rand(state) % n);
}

/* The sides must do the same work: same stream consumed to the end, same
 * number of packets, same folded lengths. */
static int check_side(const bench_case *c, const char *side,
                      const bench_result *r, const bench_result *ref) {
  if (r->consumed != c->len) {
    fprintf(stderr,
            "bench: %s: %s stopped at byte %zu of %zu after %llu %s "
            "(expected to consume the whole generated stream)\n",
            c->name, side, r->consumed, c->len, (unsigned long long)r->packets,
            c->unit);
    return -1;
  }
  if (ref && (r->packets != ref->packets || r->checksum != ref->checksum)) {
    fprintf(stderr,
            "bench: %s: the sides disagree: wirerig delivered %llu %s "
            "(checksum %016llx), %s delivered %llu (checksum %016llx)\n",
            c->name, (unsigned long long)r->packets, c->unit,
            (unsigned long long)r->checksum, c->baseline_name,
            (unsigned long long)ref->packets,
            (unsigned long long)ref->checksum);
    return -1;
  }
  return 0;
}

/* Times `passes` passes of fn; returns seconds per pass, or a negative value
 * when a pass delivered something other than the reference. */
static double time_side(const bench_case *c, bench_fn fn, unsigned passes,
                        const bench_result *ref) {
  double t0 = bench_now();
  for (unsigned i = 0; i < passes; i++) {
    /* The passes are identical pure computations over the same bytes; the
     * barrier makes the compiler assume the buffer changed in between, so
     * none of them can be folded away. */
    __asm__ __volatile__("" : : "r"(c->buf) : "memory");
    bench_result r = fn(c->buf, c->len);
    if (r.packets != ref->packets || r.checksum != ref->checksum ||
        r.consumed != ref->consumed)
      return -1.0;
  }
  return (bench_now() - t0) / passes;
}

int bench_run_case(const bench_case *c, const bench_opts *o, bench_row *row) {
  double start = bench_now();
  row->c = c;

  /* An untimed-for-the-record pass of each side: checks correctness,
   * warms caches and branch predictors, and sizes the samples. */
  double t0 = bench_now();
  bench_result rb = c->baseline(c->buf, c->len);
  double tb = bench_now() - t0;
  t0 = bench_now();
  bench_result rw = c->wirerig(c->buf, c->len);
  double tw = bench_now() - t0;
  if (check_side(c, c->baseline_name, &rb, NULL) != 0 ||
      check_side(c, "wirerig", &rw, NULL) != 0 ||
      check_side(c, "wirerig", &rw, &rb) != 0)
    return -1;
  row->result = rb;

  /* Short passes (a 16 KiB length walk touches one line per packet) are
   * repeated until a sample lasts min_sample_s, so the clock's resolution
   * and one-off interruptions stay small against the sample. */
  double fastest = tb < tw ? tb : tw;
  double want = fastest > 0 ? ceil(o->min_sample_s / fastest) : 1e6;
  row->passes = want < 1 ? 1u : want > 1e6 ? 1000000u : (unsigned)want;

  row->wirerig_s = row->baseline_s = INFINITY;
  row->reps_done = 0;
  for (int rep = 0; rep < o->reps; rep++) {
    /* Alternate which side goes first, so neither always inherits the
     * other's cache state or a frequency ramp. */
    for (int k = 0; k < 2; k++) {
      int wirerig_turn = (rep + k) % 2 == 0;
      bench_fn fn = wirerig_turn ? c->wirerig : c->baseline;
      double t = time_side(c, fn, row->passes, &rb);
      if (t < 0) {
        fprintf(stderr,
                "bench: %s: %s delivered different packets on "
                "sample %d\n",
                c->name, wirerig_turn ? "wirerig" : c->baseline_name, rep);
        return -1;
      }
      double *best = wirerig_turn ? &row->wirerig_s : &row->baseline_s;
      if (t < *best)
        *best = t;
    }
    row->reps_done = rep + 1;
    if (bench_now() - start > o->case_budget_s)
      break;
  }
  return 0;
}

/* 75300000 -> "75.3M": packet rates span k..G across the cases. */
static void fmt_si(double v, char *buf, size_t cap) {
  static const char suffix[] = " kMGT";
  int i = 0;
  while (v >= 1000.0 && i < 4) {
    v /= 1000.0;
    i++;
  }
  if (i == 0)
    snprintf(buf, cap, "%.0f", v);
  else
    snprintf(buf, cap, "%.*f%c", v < 100 ? 1 : 0, v, suffix[i]);
}

void bench_print_table(FILE *out, const bench_row *rows, size_t n) {
  fprintf(out, "%-16s %13s %11s %13s %11s %6s %5s  %s\n", "case",
          "wirerig MB/s", "/s", "baseline MB/s", "/s", "ratio", "goal",
          "result");
  for (size_t i = 0; i < n; i++) {
    const bench_row *r = &rows[i];
    double mb = (double)r->c->len / 1e6;
    double pk = (double)r->result.packets;
    char wp[16], bp[16], wps[24], bps[24];
    fmt_si(pk / r->wirerig_s, wp, sizeof wp);
    fmt_si(pk / r->baseline_s, bp, sizeof bp);
    snprintf(wps, sizeof wps, "%s %s", wp, r->c->unit);
    snprintf(bps, sizeof bps, "%s %s", bp, r->c->unit);
    double ratio = r->baseline_s / r->wirerig_s;
    fprintf(out, "%-16s %13.1f %11s %13.1f %11s %6.2f %5.2f  %s\n", r->c->name,
            mb / r->wirerig_s, wps, mb / r->baseline_s, bps, ratio, r->c->goal,
            ratio >= r->c->goal ? "meets goal" : "below goal");
  }
  fprintf(out, "\n%-16s %-22s %10s %10s %16s %s\n", "case", "baseline",
          "stream MB", "packets", "checksum", "samples x passes");
  for (size_t i = 0; i < n; i++) {
    const bench_row *r = &rows[i];
    fprintf(out, "%-16s %-22s %10.1f %10llu %016llx %d x %u\n", r->c->name,
            r->c->baseline_name, (double)r->c->len / 1e6,
            (unsigned long long)r->result.packets,
            (unsigned long long)r->result.checksum, r->reps_done, r->passes);
  }
}
