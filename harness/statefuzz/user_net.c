/* The transport of one server-engine run (user_run.c): the only place in
 * statefuzz that creates a transport by name. The engine is simnet-only
 * -- its runs must be deterministic and take virtual time -- so it names
 * simnet here and reaches the network through net.h and simnet's faults
 * everywhere else (tests/layering/transport.sh keeps it so). */
#include "user_int.h"
#include "wirerig/simnet.h"

int wr_sf_net_create_(uint64_t seed, wr_net **out, char *err, size_t errlen) {
  wr_simnet_config cfg;
  wr_simnet_config_init(&cfg);
  cfg.seed = seed;
  return wr_simnet_create(&cfg, out, err, errlen);
}
