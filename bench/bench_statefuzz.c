/* Stateful fuzzing: executions per second of the stateful_model target's
 * work on one core -- decoding a typical 10-operation input into a case
 * and judging it (wr_sf_decode, wr_sf_check: the run, the determinism
 * re-run, conservation, the log's invariants) -- against the floor of that
 * work measured in the same run: one wr_run_once of the same case, already
 * decoded, with no oracle (what `wirerig run --seed` does per run).
 *
 * The input is built by wr_sf_encode from a 10-step scenario, so it is an
 * input the fuzzer itself produces: both sockets' options, sends (raw and
 * framed), a wait, passive and active receives, a setopts and a close.
 * The goal is 10,000 exec/s under ASan+UBSan (the figure of the
 * sanitizer build, docs/benchmarks.md); printed, never judged. Only a case
 * the oracles refuse fails the benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "wirerig/statefuzz.h"

static const char scenario[] = "s listen packet=2 active=false\n"
                               "c connect s packet=2\n"
                               "wait 10ms\n"
                               "c send \"hello\"\n"
                               "c send \"world!\"\n"
                               "s recv 0 timeout=100ms -> any\n"
                               "s setopts active=once\n"
                               "s message timeout=100ms -> tcp any\n"
                               "c send \"three\"\n"
                               "s recv 0 timeout=10ms -> any\n"
                               "c close\n"
                               "s recv 0 timeout=100ms -> any\n";

static void die(const char *what) {
  fprintf(stderr, "bench_statefuzz: %s\n", what);
  exit(1);
}

typedef struct side {
  uint8_t *in;
  size_t len;
  unsigned rerun_every; /* as wr_sf_decode_opts */
  unsigned k;           /* inputs run: byte 0 (the seed) cycles with it */
  const wr_sf_case *c;  /* decoded once (the baseline's case) */
  wr_run_result *r1, *r2;
} side;

/* The target's work for one input: decode, check, free. The seed byte
 * changes from input to input, so that the inputs whose hash asks for the
 * determinism re-run come in their usual share (the segmentation is
 * `whole`, so the seed changes nothing else). */
static void one_exec(side *s) {
  wr_sf_case c;
  wr_sf_decode_opts o = {.rerun_every = s->rerun_every};
  s->in[0] = (uint8_t)s->k++;
  if (wr_sf_decode(s->in, s->len, &o, &c) != 0)
    die("decode: out of memory");
  wr_sf_verdict v;
  if (!wr_sf_check(&c, s->r1, s->r2, &v)) {
    fprintf(stderr, "bench_statefuzz: the oracles refused the case: %s\n",
            v.why);
    exit(1);
  }
  wr_sf_case_free(&c);
}

/* The floor: one observed simnet run of the decoded case. */
static void one_run(side *s) {
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_SIM;
  p.seed = s->c->seed;
  p.observe = 1;
  if (wr_run_once(s->c->scn, &p, s->r1) != WR_RUN_PASS)
    die("the baseline run did not pass");
}

/* CPU seconds of this thread: the goal is per core, and on a machine
 * shared with other jobs wall time counts their turns too. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best rate of `samples` samples of at least `budget` CPU seconds each. */
static double rate(void (*fn)(side *), side *s, int samples, double budget) {
  double best = 0;
  for (int k = 0; k < samples; k++) {
    uint64_t n = 0;
    double t0 = cpu_now(), t;
    do {
      for (int i = 0; i < 50; i++)
        fn(s);
      n += 50;
      t = cpu_now() - t0;
    } while (t < budget);
    if ((double)n / t > best)
      best = (double)n / t;
  }
  return best;
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  printf("bench_statefuzz (%s build%s)\n", WR_BENCH_BUILD_TYPE,
         quick ? ", --quick" : "");
  wr_scenario *scn =
      wr_scn_parse("bench.scn", scenario, sizeof scenario - 1, NULL);
  if (!scn || scn->nerrors_total)
    die("the scenario does not parse");
  uint8_t in[WR_SF_MAX_INPUT];
  size_t len = wr_sf_encode(scn, 1, in, sizeof in);
  wr_scn_free(scn);
  wr_sf_case c;
  if (wr_sf_decode(in, len, NULL, &c) != 0)
    die("decode: out of memory");
  if (c.nops != 10)
    die("the input does not decode to 10 operations");
  wr_run_result r1, r2;
  memset(&r1, 0, sizeof r1);
  memset(&r2, 0, sizeof r2);
  side s = {in, len, 4, 0, &c, &r1, &r2};
  side all = {in, len, 1, 0, &c, &r1, &r2};
  one_exec(&all); /* warm the reused buffers; and the case must pass */
  int samples = quick ? 1 : 5;
  double budget = quick ? 0.1 : 1.0, fz = 0, fz_all = 0, base = 0;
  /* interleaved, so all three see the same machine load */
  for (int k = 0; k < samples; k++) {
    double a = rate(one_exec, &s, 1, budget);
    double b = rate(one_exec, &all, 1, budget);
    double d = rate(one_run, &s, 1, budget);
    fz = a > fz ? a : fz;
    fz_all = b > fz_all ? b : fz_all;
    base = d > base ? d : base;
  }
  printf("input: %zu bytes, %zu operations, %zu observations\n", len, c.nops,
         r1.nobs);
  printf("%-50s %9.0f exec/s %5.2fx (goal 10000 under ASan+UBSan)\n",
         "stateful_model (determinism re-run 1 in 4)", fz,
         base > 0 ? fz / base : 0);
  printf("%-50s %9.0f exec/s %5.2fx\n", "  the same, re-running every case",
         fz_all, base > 0 ? fz_all / base : 0);
  printf("%-50s %9.0f runs/s %5.2fx\n",
         "baseline: one observed run of the case", base, 1.0);
  printf("(per CPU second of this thread; ratio = exec/s / baseline)\n");
  wr_run_result_free(&r1);
  wr_run_result_free(&r2);
  wr_sf_case_free(&c);
  return 0;
}
