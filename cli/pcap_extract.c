/* `wirerig pcap extract FILE --out DIR`: each flow direction into a file,
 * and DIR/manifest.json describing them (wr_pcap_extract, in the capture
 * library); this file checks the options and prints the summary. */
#include <inttypes.h>
#include <malloc.h>

#include "pcap_cli.h"

#define PROG WR_PCAP_PROG " extract"

int wr_pcap_cmd_extract(pcap_opts *o) {
  if (!o->out)
    return wr_pcap_usage_error(o, "--out DIR is required");
  /* The chunks queued for the writer and the stream buffers are a few
   * hundred KiB each, allocated and freed thousands of times: from the
   * heap, kept between uses, rather than fresh zeroed pages from mmap
   * every time (a page fault per 4 KiB; a tenth of the run). The setting
   * is the whole process's, so the program makes it, not the library. */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  wr_flow_list l;
  char err[600] = "";
  if (wr_pcap_extract(o->file, &o->popt, &o->topt, o->out, &l, err,
                      sizeof err) != 0) {
    fprintf(stderr, PROG ": %s\n", err);
    return 2;
  }
  uint64_t bytes = 0;
  for (size_t i = 0; i < l.count; i++)
    bytes += l.recs[i].written[0] + l.recs[i].written[1];
  fprintf(stderr, PROG ": %zu flows, %" PRIu64 " bytes into %s\n", l.count,
          bytes, o->out);
  wr_pcap_print_notes(stderr, PROG ": ", &l.pcap, &l.tcp);
  wr_flow_list_free(&l);
  return 0;
}
