/* Same seed, same run: the trace hash of the random workload is computed
 * twice for each of 1,000 seeds and must agree; different seeds must give
 * different runs; and the combined hash must equal the value recorded
 * below, which is what makes gcc and clang builds (at any optimisation
 * level) agree with each other, not only with themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_net_workload.h"
#include "wirerig/prng.h"

#define SEEDS 1000

/* The fold of the 1,000 trace hashes of seeds 1..1000. It changes only
 * when the simulation model changes on purpose (docs/simnet.md): then
 * rerun with WIRERIG_PRINT_GOLDEN=1 and update it in the same commit. */
#define GOLDEN 0xa7f90fdf976ef45full

static void test_same_seed_same_hash(void **state) {
  (void)state;
  uint64_t fold = 0, distinct_checks = 0, prev = 0;
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    nw_result a, b;
    int ra = nw_run(seed, 0, &a);
    int rb = nw_run(seed, 0, &b);
    if (ra < 0 || rb < 0)
      fail_msg("%s", ra < 0 ? a.error : b.error);
    if (a.trace_hash != b.trace_hash)
      fail_msg("seed %llu: trace hash %016llx then %016llx -- reproduce with "
               "nw_run(%llu)",
               (unsigned long long)seed, (unsigned long long)a.trace_hash,
               (unsigned long long)b.trace_hash, (unsigned long long)seed);
    if (seed > 1 && a.trace_hash != prev)
      distinct_checks++;
    prev = a.trace_hash;
    uint64_t x = fold ^ a.trace_hash;
    fold = wr_splitmix64(&x);
  }
  /* Seeds drive policies and sizes: consecutive runs must differ. */
  assert_true(distinct_checks >= SEEDS - 1 - 5);
  if (getenv("WIRERIG_PRINT_GOLDEN"))
    printf("golden fold: 0x%016llxull\n", (unsigned long long)fold);
  if (fold != GOLDEN)
    fail_msg("combined trace hash of seeds 1..%d is 0x%016llx, recorded "
             "0x%016llx: the simulation is not the same as the reference "
             "build's (compiler dependence?) or the model changed",
             SEEDS, (unsigned long long)fold, (unsigned long long)GOLDEN);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_seed_same_hash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
