/* Decodes one {packet,2} frame through the installed library; exits 0 only
 * if the frame comes out as expected. */
#include <stdio.h>
#include <string.h>

#include <wirerig/framing.h>

int main(void) {
  const unsigned char wire[] = {0, 5, 'h', 'e', 'l', 'l', 'o', 0};
  wr_framing f = wr_framing_default(WR_PACKET_2);
  wr_frame fr;
  if (wr_frame_next(&f, WR_HTTP_REQUEST_LINE, wire, sizeof wire, &fr) !=
          WR_FRAME_PACKET ||
      fr.packet.len != 5 || memcmp(fr.packet.ptr, "hello", 5) != 0 ||
      fr.consumed != 7) {
    fprintf(stderr, "consumer: unexpected decode result\n");
    return 1;
  }
  puts("consumer: decoded \"hello\" through the installed wirerig");
  return 0;
}
