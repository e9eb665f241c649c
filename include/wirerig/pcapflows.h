/* wirerig pcap flows: a capture file read into reassembled TCP flows.
 *
 * wr_pcap_run() drives the reader (pcap.h) into a reassembler (tcpreasm.h)
 * with any sink. wr_pcap_collect() is the simple way in: every selected
 * flow with both of its streams in memory, each stream with the arrival
 * time of each piece and its gaps -- what a replay needs (send the client
 * side piece by piece at its recorded times, compare what comes back with
 * the server side) and what tests check.
 */
#ifndef WIRERIG_PCAPFLOWS_H
#define WIRERIG_PCAPFLOWS_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/pcap.h"
#include "wirerig/tcpreasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Feeds every TCP segment of the file at path to a reassembler with sink,
 * then finishes it. Returns 0, or a negative wr_err with err naming the
 * file (and record). The counters are copied out when the pointers are not
 * NULL, also on failure. */
int wr_pcap_run(const char *path, const wr_pcap_options *popt,
                const wr_tcp_options *topt, const wr_tcp_sink *sink,
                wr_pcap_stats *pstats, wr_tcp_stats *tstats, char *err,
                size_t errlen);
/* The same over an open reader (closed by the caller). */
int wr_pcap_run_reader(wr_pcap_reader *rd, const wr_tcp_options *topt,
                       const wr_tcp_sink *sink, wr_tcp_stats *tstats, char *err,
                       size_t errlen);

/* A stretch of stream in a collected direction. */
typedef struct wr_stream_piece {
  uint64_t offset; /* in the stream (sequence space, gaps counted) */
  size_t at;       /* in wr_tcp_stream.data (gaps not counted) */
  uint32_t len;
  int64_t ts_ns; /* when it became deliverable in order */
} wr_stream_piece;

typedef struct wr_stream_gap {
  uint64_t offset; /* in the stream */
  size_t at;       /* in data: the gap sits before data[at] */
  uint64_t len;
  wr_gap_reason reason;
} wr_stream_gap;

/* One direction: the captured bytes in order. A gap is not filled: the
 * bytes after it follow directly, and `gaps` says where it was. */
typedef struct wr_tcp_stream {
  uint8_t *data;
  size_t len;
  wr_stream_piece *pieces;
  size_t npieces;
  wr_stream_gap *gaps;
  size_t ngaps;
} wr_tcp_stream;

typedef struct wr_pcap_flow {
  wr_tcp_flow flow; /* final counters; flow.user is NULL */
  wr_tcp_stream dir[2];
} wr_pcap_flow;

typedef struct wr_pcap_capture {
  wr_pcap_flow *flows; /* by id */
  size_t count;
  wr_pcap_stats pcap;
  wr_tcp_stats tcp;
} wr_pcap_capture;

/* Picks flows to keep, seeing the flow as it starts (endpoints, id). */
typedef int (*wr_flow_select)(void *ctx, const wr_tcp_flow *f);

/* Reads the whole file. Each stream keeps at most the stream cap (topt)
 * bytes; the rest becomes a WR_GAP_CAP gap. select may be NULL (all
 * flows). On failure *out is empty and err says why. */
int wr_pcap_collect(const char *path, const wr_pcap_options *popt,
                    const wr_tcp_options *topt, wr_flow_select select,
                    void *select_ctx, wr_pcap_capture *out, char *err,
                    size_t errlen);
void wr_pcap_capture_free(wr_pcap_capture *c);

#ifdef __cplusplus
}
#endif
#endif
