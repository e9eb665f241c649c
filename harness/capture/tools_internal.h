/* What the capture tools (pcaptools.h) share inside the library. */
#ifndef WIRERIG_CAPTURE_TOOLS_INTERNAL_H
#define WIRERIG_CAPTURE_TOOLS_INTERNAL_H

#include "base/json_write.h"
#include "wirerig/pcaptools.h"

/* The document of wr_flow_list_write_json into w (without the newline). */
void wr_cap_json_flows(wr_json_writer *w, const wr_flowrec *recs, size_t n,
                       int files, const char *path, const wr_pcap_stats *ps,
                       const wr_tcp_stats *ts);
/* Sorts records by flow id. */
void wr_cap_sort_recs(wr_flowrec *recs, size_t n);

#endif
