/* The whole use of wirerig check in one program a user can copy: the
 * length-prefixed decoder against every cut schedule of a few messages,
 * byte-at-a-time and random reads, {packet,2} as the reference, and a
 * round trip through its encoder. With --bug it checks the planted bug,
 * which wirerig finds, shrinks to one cut, and prints a command for.
 * Exit status: 0 when every oracle held, 1 when one failed. */
#include <stdio.h>
#include <string.h>

#include "lenprefix.h"

int main(int argc, char **argv) {
  lenprefix_config cfg = {.bug = argc > 1 && strcmp(argv[1], "--bug") == 0};
  wr_check_decoder dec = lenprefix_decoder(&cfg);
  wr_check_reference ref = {.use_packet = 1,
                            .framing = wr_framing_default(WR_PACKET_2)};
  wr_check_options opt = {.reference = &ref, .round_trip = 1};
  static const unsigned char stream[] = "\0\2hi\0\0\0\13hello world";
  size_t len = sizeof stream - 1;

  int rc = wr_check_exhaustive(&dec, &opt, stream, len, NULL);
  if (rc == 0) {
    opt.policy = "fixed:1";
    rc = wr_check_seeded(&dec, &opt, stream, len, NULL);
  }
  if (rc == 0) {
    opt.policy = "random:1-8";
    opt.schedules = 1000;
    opt.seed = 42;
    rc = wr_check_seeded(&dec, &opt, stream, len, NULL);
  }
  return rc == 0 ? 0 : 1;
}
