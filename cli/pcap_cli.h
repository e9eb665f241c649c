/* The parts of `wirerig pcap`: options and `flows` (cmd_pcap.c), `extract`
 * (pcap_extract.c), `decode` and `to-corpus` (pcap_frames.c), and what they
 * share: the options every subcommand takes, flows with their gaps, the
 * words for anomalies and the JSON shape of a flow (pcap_report.c). */
#ifndef WIRERIG_CLI_PCAP_H
#define WIRERIG_CLI_PCAP_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "wirerig/framing.h"
#include "wirerig/pcapflows.h"

#define WR_PCAP_PROG "wirerig pcap"

/* Options of every subcommand, and of the ones that cut packets. */
typedef struct pcap_opts {
  const char *sub; /* "flows", "decode", ... */
  const char *file;
  const char *filter;
  const char *cap;
  int no_checksum;
  int json;
  const char *out;
  /* decode / to-corpus */
  const char *packet, *packet_size, *line_length, *line_delimiter;
  const char *flow, *port, *dir;
  /* parsed */
  wr_pcap_options popt;
  wr_tcp_options topt;
  wr_framing framing;
  uint64_t flow_id, port_no;
  int dirs; /* bit 0: c2s, bit 1: s2c */
} pcap_opts;

/* Prints "wirerig pcap SUB: <message>" and a hint; returns 2. */
int wr_pcap_usage_error(const pcap_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A gap as the commands report it. file_offset: where it sits in the
 * extracted file (the stream offset less the gaps before it). */
typedef struct pcap_gap {
  int dir;
  uint64_t offset, len, file_offset;
  wr_gap_reason reason;
} pcap_gap;

/* A flow once it is over: final counters, gaps, and for extract the files
 * and the bytes written. */
typedef struct pcap_flowrec {
  wr_tcp_flow flow;
  pcap_gap *gaps;
  size_t ngaps;
  char file[2][40];
  uint64_t written[2];
} pcap_flowrec;

/* Appends a gap; 0 or -1 when out of memory. */
int wr_pcap_rec_gap(pcap_flowrec *r, int dir, uint64_t offset, uint64_t len,
                    wr_gap_reason reason);
void wr_pcap_rec_free(pcap_flowrec *r);

/* Calls fn with each anomaly of the flow as a sentence ("c2s: 6 bytes
 * missing at offset 6"); returns how many there were. */
size_t wr_pcap_anomalies(const pcap_flowrec *r,
                         void (*fn)(void *ctx, const char *text), void *ctx);

/* The flow as a JSON object (the manifest's entries and `flows --json`). */
void wr_pcap_json_flow(wr_json_writer *w, const pcap_flowrec *r, int files);
/* The capture's counters as a JSON object. */
void wr_pcap_json_capture(wr_json_writer *w, const char *file,
                          const wr_pcap_stats *ps, const wr_tcp_stats *ts);
/* "1700000000.001000000" */
const char *wr_pcap_fmt_ts(int64_t ts_ns, char buf[32]);
/* Reader-level counts worth a line ("3 records too short to decode, ...");
 * prints nothing when there are none. */
void wr_pcap_print_capture_notes(FILE *out, const char *prefix,
                                 const wr_pcap_stats *ps,
                                 const wr_tcp_stats *ts);

int wr_pcap_cmd_extract(pcap_opts *o);
int wr_pcap_cmd_decode(pcap_opts *o);
int wr_pcap_cmd_to_corpus(pcap_opts *o);
int wr_pcap_cmd_to_scenario(pcap_opts *o);

/* The framing options (--packet ..., required when need_packet) and --flow,
 * --port, --dir. 0, or 2 after a message. */
int wr_pcap_parse_framing(pcap_opts *o, int need_packet);
/* The flows chosen by --flow / --port (all without), both streams in
 * memory. 0, or 2 after a message. */
int wr_pcap_collect_flows(pcap_opts *o, wr_pcap_capture *cap);

#endif
