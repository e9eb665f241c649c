/* Conservation over 10,000 random seeds, policies, buffer sizes and
 * faults: every byte written is read exactly once and in order, except
 * what an RST discarded, and the trace accounts for every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_net_workload.h"

#define SEEDS 10000

static void test_conservation(void **state) {
  (void)state;
  uint64_t written = 0, read = 0, discarded = 0, resets = 0;
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    nw_result r;
    if (nw_run(seed, 1, &r) < 0)
      fail_msg("%s", r.error);
    written += r.bytes_written;
    read += r.bytes_read;
    discarded += r.bytes_discarded;
    resets += r.resets;
  }
  printf("conservation: %d seeds, %llu bytes written, %llu read, %llu "
         "discarded by %llu resets\n",
         SEEDS, (unsigned long long)written, (unsigned long long)read,
         (unsigned long long)discarded, (unsigned long long)resets);
  assert_int_equal(written, read + discarded);
  /* The workload must exercise both paths, or it proves little. */
  assert_true(read > written / 2);
  assert_true(discarded > 0);
  assert_true(resets > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conservation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
