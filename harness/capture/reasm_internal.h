/* TCP reassembly internals shared by the flow table (reasm.c) and the
 * per-direction stream (tcpstream.c). Not installed. */
#ifndef WIRERIG_REASM_INTERNAL_H
#define WIRERIG_REASM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "oindex.h"
#include "wirerig/tcpreasm.h"

/* A segment that arrived ahead of a hole, waiting for it to fill, when
 * its bytes are not in the direction's window (below). The queue (the
 * index of oindex.h, by offset, with each segment's end and arrival time)
 * never holds overlapping segments: overlapping parts are cut off on
 * insertion, the first copy wins. */
typedef struct ooo_seg {
  uint32_t len;
  uint8_t data[];
} ooo_seg;

/* One direction of a flow. Offsets count bytes from the first byte of the
 * stream (the byte after the SYN, or the first byte captured). */
typedef struct tcp_dir {
  int have_base;
  uint32_t base; /* sequence number of offset 0 */
  uint64_t next; /* offset of the next byte to deliver */
  int have_ack;
  uint64_t acked; /* highest offset the peer acknowledged */
  int fin;
  uint64_t fin_off;     /* the FIN's offset: the stream ends there */
  uint64_t trunc_until; /* bytes before this that the snaplen cut are lost */
  int done;             /* finished: everything delivered, buffers freed */
  /* Delivered bytes: buf[0..len) is the stream from buf_off on. The sink
   * has taken buf[0..used); some of that stays as history to compare
   * retransmissions with. `pieces` describe buf[used..len). */
  uint8_t *buf;
  size_t len, cap, used;
  uint64_t buf_off;
  wr_tcp_piece *pieces;
  size_t npieces, pieces_cap;
  size_t flush_at;   /* offer data once len - used reaches this */
  uint64_t dropping; /* bytes given up to the cap since the buffer filled */
  /* The queue: segments ahead of a hole, by offset; an entry's value is
   * its ooo_seg, or NULL when its bytes are in the window. */
  wr_oindex idx;
  /* The window: queued bytes at offset o are at win[o - win_base], written
   * once where they belong, so that a shuffled stream is stored and read
   * back in order without an allocation per segment. Used while the queue
   * is dense (tcpstream.c, win_fits); a sparse queue uses ooo_segs. */
  uint8_t *win;
  size_t win_cap;
  uint64_t win_base;
  uint64_t win_end; /* the end of the last window segment */
  size_t win_bytes; /* queued bytes in the window */
  size_t ooo_bytes;
  size_t nqueued; /* segments in the queue */
} tcp_dir;

typedef struct rflow {
  wr_tcp_flow pub;
  struct rflow *hnext;         /* hash chain */
  struct rflow *fprev, *fnext; /* queue of finished flows */
  int in_fifo;
  uint64_t hash;
  int skip;     /* the sink wants no data from this flow */
  int rst;      /* a RST was seen: nothing more is delivered */
  int finished; /* RST, or FIN both ways */
  tcp_dir d[2];
  struct wr_tcp_reasm *r;
} rflow;

struct wr_tcp_reasm {
  wr_tcp_sink sink;
  size_t cap, flush, hist;
  size_t total_cap;  /* bytes held by all directions together */
  size_t max_queued; /* segments queued per direction */
  size_t held;       /* bytes held now: every direction's len + ooo_bytes */
  int64_t idle_ns;
  int error; /* sticky */
  wr_tcp_stats st;
  rflow **buckets;
  size_t nbuckets, count;
  rflow *fin_head, *fin_tail;
  uint64_t next_id;
};

/* tcpstream.c */

/* The offset of sequence number seq in direction t (which has a base):
 * the value nearest the current position, so wraparound is invisible.
 * Negative: before the first byte of the stream. */
int64_t wr_tcpdir_offset(const tcp_dir *t, uint32_t seq);

/* Payload bytes data[0..len) at offset off (may be negative); `lost` more
 * bytes followed on the wire but the snaplen cut them. */
void wr_tcpdir_segment(rflow *f, int dir, int64_t off, const uint8_t *data,
                       uint32_t len, uint32_t lost, int64_t ts);
/* The peer acknowledged everything before offset `acked` of dir. */
void wr_tcpdir_ack(rflow *f, int dir, int64_t acked, int64_t ts);
/* If dir has delivered everything up to its FIN, finish it now. */
void wr_tcpdir_check_complete(rflow *f, int dir);
/* Ends dir: holes become gaps, the rest goes to the sink, buffers go. */
void wr_tcpdir_finish(rflow *f, int dir);
/* Frees t's buffers and queue (r's byte count follows). */
void wr_tcpdir_free(wr_tcp_reasm *r, tcp_dir *t);

#endif
