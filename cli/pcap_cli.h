/* The parts of `wirerig pcap`: options and `flows` (cmd_pcap.c), `extract`
 * (pcap_extract.c), `decode` and `to-corpus` (pcap_frames.c), `to-scenario`
 * (pcap_scenario.c), and the options every subcommand takes. The work
 * itself is the capture library's (wirerig/pcaptools.h); these files parse
 * flags into its options and print its results. */
#ifndef WIRERIG_CLI_PCAP_H
#define WIRERIG_CLI_PCAP_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "wirerig/framing.h"
#include "wirerig/pcapflows.h"
#include "wirerig/pcaptools.h"

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
  const char *layout; /* to-corpus */
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
