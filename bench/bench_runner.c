/* Scenario runs per second on one core: a 10-step scenario on simnet,
 * run by wr_run_once as `wirerig run` does (a fresh network and socket
 * environment per run, the result's buffers reused). The goal is
 * 10,000 runs/s; the figure is printed, never judged -- only a run that
 * does not pass fails the benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "wirerig/runner.h"

/* Ten steps: listen, connect, a policy, three sends, three receives and a
 * close, with the segmentation drawn from the seed. */
static const char scenario[] = "server listen packet=2 active=false\n"
                               "client connect server packet=2\n"
                               "net client->server random:1-4\n"
                               "client send \"one\"\n"
                               "client send \"two\"\n"
                               "client send \"three\"\n"
                               "server recv -> \"one\"\n"
                               "server recv -> \"two\"\n"
                               "server recv -> \"three\"\n"
                               "client close\n";

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  printf("bench_runner (%s build%s)\n", WR_BENCH_BUILD_TYPE,
         quick ? ", --quick" : "");
  wr_scenario *s =
      wr_scn_parse("bench.scn", scenario, sizeof scenario - 1, NULL);
  if (!s || s->nerrors_total) {
    fprintf(stderr, "bench_runner: the scenario does not parse\n");
    return 1;
  }
  wr_run_result r;
  memset(&r, 0, sizeof r);
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_SIM;
  double budget = quick ? 0.2 : 2.0, best = 0;
  int samples = quick ? 1 : 3;
  uint64_t seed = 1;
  for (int k = 0; k < samples; k++) {
    uint64_t runs = 0;
    double t0 = bench_now(), t;
    do {
      for (int i = 0; i < 100; i++) {
        p.seed = seed++;
        if (wr_run_once(s, &p, &r) != WR_RUN_PASS) {
          fprintf(stderr, "bench_runner: seed %llu: %s %s %s\n",
                  (unsigned long long)p.seed, r.reason, r.expected, r.observed);
          return 1;
        }
        runs++;
      }
      t = bench_now() - t0;
    } while (t < budget);
    double rate = (double)runs / t;
    if (rate > best)
      best = rate;
  }
  printf("%-40s %12.0f runs/s (goal 10000)\n",
         "10-step scenario on simnet, one core", best);
  wr_run_result_free(&r);
  wr_scn_free(s);
  return 0;
}
