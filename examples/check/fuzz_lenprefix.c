/* The length-prefixed decoder as a libFuzzer target: each input is a
 * stream and the cut schedule to read it with (the check layout, check.h),
 * judged by split invariance, {packet,2} and the round trip. Built with
 * LENPREFIX_FUZZ_BUG=1 it fuzzes the planted bug instead. */
#include "lenprefix.h"

#ifndef LENPREFIX_FUZZ_BUG
#define LENPREFIX_FUZZ_BUG 0
#endif

static lenprefix_config cfg = {.bug = LENPREFIX_FUZZ_BUG};
static wr_check_decoder dec;
static wr_check_reference ref;
static wr_check_options opt;

static const wr_check_decoder *decoder(void) {
  if (!dec.create) {
    dec = lenprefix_decoder(&cfg);
    ref.use_packet = 1;
    ref.framing = wr_framing_default(WR_PACKET_2);
    ref.framing.packet_size = LENPREFIX_MAX;
    opt.reference = &ref;
    opt.round_trip = 1;
  }
  return &dec;
}

WR_CHECK_FUZZ_TARGET(decoder(), &opt)
