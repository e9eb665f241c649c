/* A user's program that needs only wirerig's framing: built against
 * find_package(wirerig COMPONENTS framing) (wirerig::framing) and against
 * pkg-config wirerig-framing. With shared libraries it must need
 * libwirerig_framing.so alone (tests/install/run.sh checks). */
#include <stdio.h>
#include <string.h>

#include <wirerig/framing.h>

int main(void) {
  const unsigned char wire[] = {0, 0, 0, 3, 'a', 'b', 'c'};
  wr_framing f = wr_framing_default(WR_PACKET_4);
  wr_frame fr;
  if (wr_frame_next(&f, WR_HTTP_REQUEST_LINE, wire, sizeof wire, &fr) !=
          WR_FRAME_PACKET ||
      fr.packet.len != 3 || memcmp(fr.packet.ptr, "abc", 3) != 0) {
    fprintf(stderr, "consumer_framing: unexpected decode result\n");
    return 1;
  }
  if (strcmp(wr_err_name(WR_EMSGSIZE), "emsgsize") != 0) {
    fprintf(stderr, "consumer_framing: wr_err_name(WR_EMSGSIZE) is %s\n",
            wr_err_name(WR_EMSGSIZE));
    return 1;
  }
  printf("consumer_framing: {packet, %s} framing works through the "
         "installed wirerig\n",
         wr_packet_type_name(WR_PACKET_4));
  return 0;
}
