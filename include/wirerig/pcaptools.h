/* wirerig pcap tools: what `wirerig pcap` does with a capture, as a library.
 *
 *   wr_pcap_list_flows    every flow with its counters, gaps and anomalies
 *                         (`pcap flows`), as text or JSON
 *   wr_pcap_extract       one file per flow direction and manifest.json
 *                         (`pcap extract`)
 *   wr_pcap_cut_flow      a collected flow cut into gen_tcp packets, both
 *                         directions merged by time (`pcap decode`)
 *   wr_pcap_to_corpus     those packets as fuzzing seeds (`pcap to-corpus`)
 *   wr_pcap_to_scenario   a flow as a scenario file (`pcap to-scenario`)
 *
 * Nothing here prints except to a FILE* the caller passes; failures are a
 * negative wr_err with a message in the caller's buffer (no program name:
 * "out/flow1-c2s.bin: No space left on device").
 */
#ifndef WIRERIG_PCAPTOOLS_H
#define WIRERIG_PCAPTOOLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/framing.h"
#include "wirerig/pcapflows.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- flow records ----------------------------------------------------- */

/* A gap as the tools report it. file_offset: where it sits in the
 * extracted file (the stream offset less the gaps before it). */
typedef struct wr_flow_gap {
  int dir;
  uint64_t offset, len, file_offset;
  wr_gap_reason reason;
} wr_flow_gap;

/* A flow once it is over: final counters, gaps, and for extract the files
 * and the bytes written. */
typedef struct wr_flowrec {
  wr_tcp_flow flow; /* flow.user is NULL */
  wr_flow_gap *gaps;
  size_t ngaps;
  char file[2][40]; /* extract: "flow1-c2s.bin", "flow1-s2c.bin" */
  uint64_t written[2];
} wr_flowrec;

/* Appends a gap; 0 or WR_ENOMEM. */
int wr_flowrec_add_gap(wr_flowrec *r, int dir, uint64_t offset, uint64_t len,
                       wr_gap_reason reason);
void wr_flowrec_free(wr_flowrec *r);

/* Calls fn (may be NULL) with each anomaly of the flow as a sentence ("c2s:
 * gap of 6 bytes at offset 6 (never captured)"); returns how many there
 * were. */
size_t wr_flowrec_anomalies(const wr_flowrec *r,
                            void (*fn)(void *ctx, const char *text), void *ctx);

/* Flows by id with the capture's counters. */
typedef struct wr_flow_list {
  wr_flowrec *recs;
  size_t count;
  wr_pcap_stats pcap;
  wr_tcp_stats tcp;
} wr_flow_list;

/* Reads the file at path, keeping every flow's record (no stream bytes are
 * kept beyond what reassembly needs). Returns 0, or a negative wr_err with
 * err set and *out empty. */
int wr_pcap_list_flows(const char *path, const wr_pcap_options *popt,
                       const wr_tcp_options *topt, wr_flow_list *out, char *err,
                       size_t errlen);
void wr_flow_list_free(wr_flow_list *l);

/* {"flows":[...],"capture":{...}} and a newline to out: the document of
 * `pcap flows --json` and of manifest.json (files: with the extracted file
 * names and the bytes written). path is the capture's name. Returns 0, or
 * WR_ENOMEM / WR_EIO. */
int wr_flow_list_write_json(FILE *out, const wr_flow_list *l, int files,
                            const char *path);

/* "1700000000.001000000" */
const char *wr_pcap_format_ts(int64_t ts_ns, char buf[32]);
/* Reader-level counts worth a line, each prefixed ("3 records with
 * inconsistent IP or TCP headers"); prints nothing when there are none. */
void wr_pcap_print_notes(FILE *out, const char *prefix, const wr_pcap_stats *ps,
                         const wr_tcp_stats *ts);

/* ---- choosing flows --------------------------------------------------- */

typedef struct wr_flow_filter {
  uint64_t flow_id; /* not 0: only this flow */
  int by_port;      /* (else) only flows with an endpoint on port */
  uint16_t port;
} wr_flow_filter;

/* A wr_flow_select for wr_pcap_collect(); ctx is a const wr_flow_filter. */
int wr_flow_filter_select(void *ctx, const wr_tcp_flow *f);

/* ---- extract ---------------------------------------------------------- */

/* Writes DIR/flowN-c2s.bin and DIR/flowN-s2c.bin for every flow (the
 * captured bytes in order, a gap not filled; empty directions too) and
 * DIR/manifest.json, creating dir when needed. Files are written by a
 * second thread while the capture is read. On success *out holds the
 * records (with files and bytes written) and the counters. Returns 0, or a
 * negative wr_err with err set (*out empty). */
int wr_pcap_extract(const char *path, const wr_pcap_options *popt,
                    const wr_tcp_options *topt, const char *dir,
                    wr_flow_list *out, char *err, size_t errlen);

/* ---- packets ---------------------------------------------------------- */

typedef enum wr_pcap_event_kind {
  WR_PCAP_EV_PACKET,  /* a whole packet */
  WR_PCAP_EV_GAP,     /* bytes never captured */
  WR_PCAP_EV_LEFT,    /* bytes before a gap or the end: no whole packet */
  WR_PCAP_EV_INVALID, /* a framing error; skipped to the next gap or end */
} wr_pcap_event_kind;

/* One thing about a direction of a flow, in stream order. */
typedef struct wr_pcap_event {
  wr_pcap_event_kind kind;
  int dir;
  int64_t ts;       /* packet: when its last byte could be delivered */
  uint64_t offset;  /* stream offset */
  size_t at;        /* index in the stream's data */
  size_t consumed;  /* packet: bytes it occupies; left/invalid: bytes left */
  size_t need;      /* left: total bytes the packet needs, 0 = unknown */
  wr_span packet;   /* packet: what is delivered (header stripped) */
  int http_state;   /* packet: the HTTP state before it */
  uint64_t gap_len; /* gap */
  wr_gap_reason reason;
  size_t seq; /* order within the cut, for a stable sort */
} wr_pcap_event;

typedef struct wr_pcap_events {
  wr_pcap_event *v;
  size_t n, cap;
} wr_pcap_events;

/* Cuts the directions of pf chosen by dirs (bit 0: c2s, bit 1: s2c) into
 * packets as a socket with cfg would deliver them, from the first byte and
 * again after every gap (a new request line for http); WR_PACKET_RAW gives
 * one packet per captured piece. The events of both directions are merged
 * by time (c2s first on a tie), each direction staying in stream order even
 * where the capture's timestamps go backwards. ev is emptied first and may be
 * reused. Returns 0 or WR_ENOMEM. */
int wr_pcap_cut_flow(const wr_pcap_flow *pf, const wr_framing *cfg, int dirs,
                     wr_pcap_events *ev);
void wr_pcap_events_free(wr_pcap_events *ev);

typedef struct wr_corpus_stats {
  size_t packets; /* inputs made: whole packets, or streams */
  size_t written; /* new files */
  size_t dups;    /* inputs whose file was already there */
} wr_corpus_stats;

/* What a corpus file holds (`pcap to-corpus --layout`). */
typedef enum wr_corpus_layout {
  /* Each whole packet as it was on the wire (header and all), cut with the
   * framing: seeds for a target that reads one message. */
  WR_CORPUS_PACKETS = 0,
  /* Each direction's stream in the check layout of check.h, its captured
   * segment boundaries as the schedule (as far as the layout can say them:
   * up to 255 chunks of 1..256 bytes); a stream stops at its first gap.
   * Seeds for WR_CHECK_FUZZ_TARGET fuzzers; the framing is not used. */
  WR_CORPUS_CHECK,
  /* Each whole packet in the layout of wirerig's own split_<type> targets
   * (fuzz/split.c): default options, read a byte at a time. */
  WR_CORPUS_SPLIT
} wr_corpus_layout;

/* "packets", "check", "split" -> the layout; -1 for anything else. */
int wr_corpus_layout_parse(const char *name);

/* Writes the chosen parts of the flows of cap (directions dirs, cut with
 * cfg where the layout cuts packets) as files into dir, each named by the
 * SHA-1 of its content as libFuzzer names corpus files, creating dir when
 * needed; a file already there is left alone. Returns 0, or a negative
 * wr_err with err set (*st counts what was done). */
int wr_pcap_to_corpus(const wr_pcap_capture *cap, const wr_framing *cfg,
                      int dirs, wr_corpus_layout layout, const char *dir,
                      wr_corpus_stats *st, char *err, size_t errlen);

/* ---- scenarios -------------------------------------------------------- */

/* Scenario files hold at most 4 MiB: a flow is written inline up to this. */
#define WR_SCENARIO_INLINE_MAX ((size_t)1 << 20)

typedef struct wr_scenario_export {
  const char *source;        /* the capture's name, for comments */
  const wr_framing *framing; /* NULL: answers compared byte for byte */
  /* The packet type as the scenario spells it (NULL: the type's name). */
  const char *packet_name;
} wr_scenario_export;

/* 0 when the flow is small enough for a scenario, else WR_EMSGSIZE with err
 * saying so. */
int wr_pcap_scenario_fits(const wr_pcap_flow *pf, const char *source, char *err,
                          size_t errlen);

/* Writes the flow as a scenario (docs/scenarios.md) to out: the client's
 * pieces as `send` with `wait` for its pauses, the server's bytes as `recv`
 * (packets with a framing), placed before the first client piece that came
 * after them. Returns 0, or a negative wr_err with err set (nothing or a
 * part written); write errors are out's (ferror). */
int wr_pcap_to_scenario(FILE *out, const wr_pcap_flow *pf,
                        const wr_scenario_export *o, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
