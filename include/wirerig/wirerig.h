/* wirerig: every public header at once.
 *
 * For programs that use several libraries and would rather not list their
 * headers; linking still needs the libraries whose functions are called
 * (find_package(wirerig) with no components, or pkg-config wirerig, gives
 * them all). The headers are C99: tests/install/ compiles this one with
 * -std=c99 -pedantic. tests/layering/run.sh checks that it includes every
 * public header.
 */
#ifndef WIRERIG_WIRERIG_H
#define WIRERIG_WIRERIG_H

/* framing */
#include "wirerig/error.h"
#include "wirerig/framer.h"
#include "wirerig/framing.h"
#include "wirerig/stream.h"
#include "wirerig/types.h"
#include "wirerig/version.h"
/* spec */
#include "wirerig/policy.h"
#include "wirerig/prng.h"
#include "wirerig/sockopt.h"
/* check */
#include "wirerig/check.h"
/* net */
#include "wirerig/loopback.h"
#include "wirerig/net.h"
#include "wirerig/simnet.h"
/* sock */
#include "wirerig/mailbox.h"
#include "wirerig/sock.h"
/* scenario */
#include "wirerig/scenario.h"
/* capture */
#include "wirerig/pcap.h"
#include "wirerig/pcapflows.h"
#include "wirerig/pcaptools.h"
#include "wirerig/replay.h"
#include "wirerig/tcpreasm.h"
/* runner */
#include "wirerig/runner.h"
#include "wirerig/statefuzz.h"

#endif
