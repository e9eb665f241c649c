/* The transport of one run, created by name: the only place in the runner
 * that names simnet or loopback. Everything else in a run reaches the
 * network through net.h, trying optional operations and simnet's faults
 * and reporting WR_ENOTSUP, never asking which transport it has
 * (tests/layering/run.sh keeps it so). */
#include <stdio.h>

#include "run_int.h"
#include "wirerig/loopback.h"
#include "wirerig/simnet.h"

int wr_run_net_create(wr_run_transport t, uint64_t seed, int trace,
                      wr_net **out, char *err, size_t errlen) {
  if (t == WR_RUN_SIM) {
    wr_simnet_config cfg;
    wr_simnet_config_init(&cfg);
    cfg.seed = seed;
    int rc = wr_simnet_create(&cfg, out, err, errlen);
    if (rc == 0 && trace)
      wr_simnet_trace_keep(*out, 1);
    return rc;
  }
  wr_loopback_config cfg;
  wr_loopback_config_init(&cfg);
  cfg.seed = seed; /* for the shaper's random sizes and jitter */
  return wr_loopback_create(&cfg, out, err, errlen);
}
