/* The request/reply server as a libFuzzer target: each input is decoded
 * into a client's operations, options and network faults (statefuzz.h)
 * and run against the server; at_end judges the replies. Built with
 * REQSERVER_BUG=1 it fuzzes the planted bug instead. */
#include "reqserver.h"

#ifndef REQSERVER_BUG
#define REQSERVER_BUG 0
#endif

static reqserver_config cfg = {.bug = REQSERVER_BUG};
static wr_sf_server srv;

static const wr_sf_server *server(void) {
  if (!srv.name)
    srv = reqserver_server(&cfg);
  return &srv;
}

WR_SF_SERVER_FUZZ_TARGET(server())
