/* wirerig TCP reassembly: captured segments -> one byte stream per flow and
 * direction.
 *
 * Policies (docs/pcap.md says why):
 *  - Flows are keyed by the four-tuple. The client is the side that sent the
 *    first SYN (the receiver of a SYN-ACK when the SYN is missing), or,
 *    without either, the side with the higher port (on a tie, the sender of
 *    the first segment).
 *  - A SYN that cannot belong to the current flow -- after it finished (RST,
 *    or FIN both ways), after it started without a SYN, or with another
 *    initial sequence number -- closes it and starts a new flow.
 *  - Overlapping data: the first copy wins, as the receiving kernel keeps
 *    what it already has. Disagreeing bytes are counted as overlaps.
 *  - Gaps are reported, never filled: a hole is declared when the peer
 *    acknowledges past it while later data waits, when the flow ends, when
 *    the snaplen cut a segment, or when the memory cap forces it.
 *  - After a RST nothing more is delivered in either direction; bytes past a
 *    FIN are not delivered.
 *  - Sequence numbers wrap: offsets are 64-bit counts from the first byte.
 *
 * Data reaches the caller through a sink (callbacks), in order, per
 * direction: chunks of contiguous bytes, each with the arrival time of every
 * piece, and gap events between them. wr_pcap_collect() (pcapflows.h) is a
 * sink that keeps whole streams in memory.
 */
#ifndef WIRERIG_TCPREASM_H
#define WIRERIG_TCPREASM_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/pcap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wr_tcp_dir { WR_C2S = 0, WR_S2C = 1 } wr_tcp_dir;

/* "c2s" / "s2c". */
const char *wr_tcp_dir_name(int dir);

typedef enum wr_client_rule {
  WR_CLIENT_BY_SYN = 0, /* sent the first SYN */
  WR_CLIENT_BY_SYNACK,  /* received the first SYN-ACK (SYN not captured) */
  WR_CLIENT_BY_PORT,    /* higher port (no SYN captured) */
  WR_CLIENT_BY_FIRST    /* equal ports: sent the first segment */
} wr_client_rule;

/* Counters of one direction. Segments with a bad checksum are counted only
 * in bad_checksums; every other number ignores them. */
typedef struct wr_tcp_dir_stats {
  uint64_t packets; /* segments, pure ACKs included */
  uint64_t bytes;   /* payload bytes delivered (gaps excluded) */
  uint64_t gaps, gap_bytes;
  uint64_t retransmits;   /* segments whose data had all been seen before */
  uint64_t overlaps;      /* segments holding bytes that disagree with ... */
  uint64_t overlap_bytes; /* ... bytes already received (first copy kept) */
  uint64_t unverified;    /* old bytes no longer held, so not compared */
  uint64_t keepalives;    /* keep-alive probes (seq = next - 1) */
  uint64_t bad_checksums; /* segments skipped for a wrong TCP checksum */
  uint64_t truncated;     /* segments cut by the snaplen */
  uint64_t cap_dropped;   /* bytes given up to the memory cap */
  uint64_t after_rst;     /* segments after a RST (ignored) */
  uint64_t after_fin;     /* payload bytes past the FIN (ignored) */
  uint64_t before_start;  /* bytes before the first byte of the stream */
  uint8_t syn, fin, rst;  /* seen in this direction */
  uint32_t isn;           /* the SYN's sequence number, when syn */
} wr_tcp_dir_stats;

/* A flow as the sink sees it. */
typedef struct wr_tcp_flow {
  uint64_t id; /* 1, 2, ... in order of first segment */
  wr_addr client, server;
  wr_client_rule client_by;
  int64_t first_ts, last_ts;
  uint64_t first_record;
  wr_tcp_dir_stats dir[2]; /* WR_C2S, WR_S2C */
  void *user;              /* free for the sink */
} wr_tcp_flow;

/* When and how one stretch of a stream arrived. `offset` counts in the
 * stream (sequence space, gaps included); `ts_ns` is the time the bytes
 * became deliverable in order (the arrival of the segment that completed
 * them). Pieces of a chunk are contiguous. */
typedef struct wr_tcp_piece {
  uint64_t offset;
  uint32_t len;
  int64_t ts_ns;
} wr_tcp_piece;

typedef struct wr_tcp_chunk {
  const uint8_t *data;
  size_t len;
  uint64_t offset;            /* stream offset of data[0] */
  const wr_tcp_piece *pieces; /* exactly covering [offset, offset + len) */
  size_t npieces;
  /* Nothing contiguous follows: a gap or the end of the stream comes next,
   * and bytes the sink does not consume now are dropped. */
  int final;
  /* private: where the reassembler keeps the storage data lies in (see
   * wr_tcp_chunk_take) */
  uint8_t **storage_;
} wr_tcp_chunk;

/* On a final chunk, during the data callback: takes the storage the chunk's
 * data lies in from the reassembler instead of copying the bytes (a sink
 * that hands them to another thread). Returns the block to free() once
 * done with data, which stays valid until then; the chunk then counts as
 * wholly used. NULL (nothing taken, the data stays the reassembler's until
 * the callback returns) for a chunk that is not final or was taken. */
void *wr_tcp_chunk_take(const wr_tcp_chunk *c);

typedef enum wr_gap_reason {
  WR_GAP_MISSING = 0, /* never captured */
  WR_GAP_TRUNCATED,   /* cut off by the snaplen */
  WR_GAP_CAP          /* given up to the memory cap */
} wr_gap_reason;

/* "missing" / "truncated" / "cap". */
const char *wr_gap_reason_name(int reason);

/* Returned by a data callback to stop the whole run (an output error). */
#define WR_TCP_SINK_ABORT ((size_t)-1)

typedef struct wr_tcp_sink {
  void *ctx;
  /* A new flow: return nonzero to ignore its data (no copies are made; its
   * counters are still kept). May be NULL. */
  int (*open)(void *ctx, wr_tcp_flow *f);
  /* In-order bytes of direction dir. Return how many bytes from the front
   * were used; the rest comes again with what follows (so a sink that
   * returns 0 until `final` sees whole streams, up to the memory cap).
   * May be NULL (everything counts as used). */
  size_t (*data)(void *ctx, wr_tcp_flow *f, int dir, const wr_tcp_chunk *c);
  /* Bytes [offset, offset + len) of direction dir are missing. */
  void (*gap)(void *ctx, wr_tcp_flow *f, int dir, uint64_t offset, uint64_t len,
              wr_gap_reason reason);
  /* The flow is over (port reuse, idle after finishing, end of capture);
   * its counters are final and f is freed after the call. */
  void (*close)(void *ctx, wr_tcp_flow *f);
} wr_tcp_sink;

#define WR_TCP_DEFAULT_STREAM_CAP ((size_t)64 << 20)
#define WR_TCP_DEFAULT_FLUSH ((size_t)256 << 10)
/* All directions of all flows together: a capture of many streams that
 * each stay under stream_cap cannot add up to more than this. */
#define WR_TCP_DEFAULT_TOTAL_CAP ((size_t)1 << 30)
/* Segments one direction keeps waiting behind a hole: each costs a small
 * header besides its bytes, so a flood of 1-byte segments is bounded by
 * count as well as by bytes. */
#define WR_TCP_DEFAULT_MAX_QUEUED ((size_t)1 << 18)

typedef struct wr_tcp_options {
  /* The most bytes one direction holds: data the sink has not used yet,
   * recent data kept to compare retransmissions with, and segments waiting
   * for a hole to fill. 0 = WR_TCP_DEFAULT_STREAM_CAP; at least 4096. */
  size_t stream_cap;
  /* Offer data to the sink once this much waits. 0 = WR_TCP_DEFAULT_FLUSH. */
  size_t flush_size;
  /* Close a finished flow after this much capture time without segments.
   * 0 = 120 s. */
  int64_t finished_idle_ns;
  /* The most bytes all directions hold together (counted as for
   * stream_cap). The direction whose data would pass it gives up as at its
   * own cap: its first hole becomes a `cap` gap, or in-order bytes are
   * dropped. 0 = WR_TCP_DEFAULT_TOTAL_CAP; at least 4096. */
  size_t total_cap;
  /* The most segments one direction queues behind a hole; one more and the
   * first hole becomes a `cap` gap. 0 = WR_TCP_DEFAULT_MAX_QUEUED. */
  size_t max_queued;
} wr_tcp_options;

/* Counters that belong to no flow. The *_cap_hits count the times a limit
 * of wr_tcp_options bit: a hole declared a `cap` gap, or in-order bytes
 * starting to be dropped (the flows' gaps and cap_dropped say how much). */
typedef struct wr_tcp_stats {
  uint64_t flows;
  uint64_t orphan_bad_checksums; /* bad checksum, no flow to count it in */
  uint64_t stream_cap_hits;      /* stream_cap */
  uint64_t total_cap_hits;       /* total_cap */
  uint64_t queue_cap_hits;       /* max_queued */
} wr_tcp_stats;

typedef struct wr_tcp_reasm wr_tcp_reasm;

/* A reassembler feeding sink (copied). 0, or WR_ENOMEM. opt may be NULL. */
int wr_tcp_reasm_create(const wr_tcp_options *opt, const wr_tcp_sink *sink,
                        wr_tcp_reasm **out);
/* Feeds one segment. Returns 0, WR_ENOMEM, or WR_EIO once a sink aborted
 * (sticky). */
int wr_tcp_reasm_add(wr_tcp_reasm *r, const wr_tcp_segment *seg);
/* End of capture: every flow is finished off (holes become gaps) and
 * closed. Returns 0 or the sticky error. */
int wr_tcp_reasm_finish(wr_tcp_reasm *r);
const wr_tcp_stats *wr_tcp_reasm_stats(const wr_tcp_reasm *r);
/* Frees everything; flows still open are dropped without callbacks. */
void wr_tcp_reasm_destroy(wr_tcp_reasm *r);

#ifdef __cplusplus
}
#endif
#endif
