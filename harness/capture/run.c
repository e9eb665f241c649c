/* A capture file through the reader into a reassembler. */
#include <stdio.h>

#include "wirerig/pcapflows.h"

int wr_pcap_run_reader(wr_pcap_reader *rd, const wr_tcp_options *topt,
                       const wr_tcp_sink *sink, wr_tcp_stats *tstats, char *err,
                       size_t errlen) {
  wr_tcp_reasm *r;
  if (wr_tcp_reasm_create(topt, sink, &r) != 0) {
    snprintf(err, errlen, "out of memory");
    return WR_ENOMEM;
  }
  int rc;
  wr_tcp_segment seg;
  while ((rc = wr_pcap_next(rd, &seg)) == 1) {
    rc = wr_tcp_reasm_add(r, &seg);
    if (rc != 0)
      break;
  }
  /* Even after an error every flow is finished and closed, so the sink
   * can release what it holds and show what was read before the error. */
  int frc = wr_tcp_reasm_finish(r);
  if (rc == 0)
    rc = frc;
  else if (*wr_pcap_error(rd))
    snprintf(err, errlen, "%s", wr_pcap_error(rd));
  if (rc == WR_EIO && !*wr_pcap_error(rd))
    snprintf(err, errlen, "writing the output failed");
  else if (rc == WR_ENOMEM && !*wr_pcap_error(rd))
    snprintf(err, errlen, "out of memory (a smaller stream cap may help)");
  if (tstats)
    *tstats = *wr_tcp_reasm_stats(r);
  wr_tcp_reasm_destroy(r);
  return rc;
}

int wr_pcap_run(const char *path, const wr_pcap_options *popt,
                const wr_tcp_options *topt, const wr_tcp_sink *sink,
                wr_pcap_stats *pstats, wr_tcp_stats *tstats, char *err,
                size_t errlen) {
  wr_pcap_reader *rd;
  int rc = wr_pcap_reader_create(path, popt, &rd, err, errlen);
  if (rc != 0)
    return rc;
  rc = wr_pcap_run_reader(rd, topt, sink, tstats, err, errlen);
  if (pstats)
    *pstats = *wr_pcap_get_stats(rd);
  wr_pcap_reader_destroy(rd);
  return rc;
}
