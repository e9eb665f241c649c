/* Writes a capture for the fault tests: FLOWS conversations of BYTES bytes
 * each way on Ethernet, so a test can size its output (an extract bigger
 * than a small tmpfs) without a capturing tool or root.
 *
 * usage: wr_fault_mkcap OUT.pcap FLOWS BYTES */
#include <stdio.h>
#include <stdlib.h>

#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "wirerig/pcap.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: wr_fault_mkcap OUT.pcap FLOWS BYTES\n");
    return 2;
  }
  unsigned long flows = strtoul(argv[2], NULL, 10);
  unsigned long bytes = strtoul(argv[3], NULL, 10);
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(argv[1], CR_PCAP_US, &lt, 1, 0);
  if (!f) {
    fprintf(stderr, "wr_fault_mkcap: cannot create %s\n", argv[1]);
    return 2;
  }
  static unsigned char buf[1400];
  for (unsigned long i = 0; i < flows; i++) {
    cr_end c = {"10.0.0.1", (uint16_t)(40000 + i)}, s = {"10.0.0.2", 80};
    cr_conv conv;
    cr_conv_init(&conv, f, lt, c, s, 1000 + (uint32_t)i, 5000);
    cr_handshake(&conv);
    for (int d = 0; d < 2; d++)
      for (unsigned long at = 0; at < bytes; at += sizeof buf) {
        size_t n = bytes - at < sizeof buf ? bytes - at : sizeof buf;
        pt_fill(buf, n, (unsigned)(i * 2 + (unsigned long)d + at));
        cr_send(&conv, d, WR_TCP_PSH | WR_TCP_ACK, buf, n);
      }
    cr_send(&conv, CR_C2S, WR_TCP_FIN | WR_TCP_ACK, NULL, 0);
    cr_send(&conv, CR_S2C, WR_TCP_FIN | WR_TCP_ACK, NULL, 0);
  }
  return cr_close(f) == 0 ? 0 : 2;
}
