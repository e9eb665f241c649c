/* wirerig framer: an input of any length cut into gen_tcp packets in
 * bounded memory, giving exactly what wr_frame_next gives over the whole
 * input at once (what erlang:decode_packet/3 gives, packet after packet,
 * with the HTTP state carried from line to line as on a socket).
 *
 * The caller reads the input in chunks into the framer (wr_framer_room /
 * wr_framer_commit, or wr_framer_feed), says when it ends (wr_framer_end),
 * and takes events out with wr_framer_next: packets as soon as they are
 * whole, then how the input ends. The framer keeps only the bytes not yet
 * framed, so its buffer stays near the largest packet plus one chunk
 * whatever the input size. Two types need more: raw is one packet holding
 * the whole input (as decode_packet gives it), and a line type without a
 * line length keeps a line until its delimiter.
 *
 * Unlike wr_stream (stream.h), which models a socket's receive buffer and
 * cuts raw packets and long lines at its `buffer` size, the framer has no
 * buffer size of its own: a packet is cut where decode_packet would cut
 * the whole input.
 */
#ifndef WIRERIG_FRAMER_H
#define WIRERIG_FRAMER_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wr_framer_status {
  WR_FRAMER_PACKET = 1,   /* a packet: see the event */
  WR_FRAMER_INPUT = 0,    /* give more input (or wr_framer_end) first */
  WR_FRAMER_COMPLETE = 2, /* the input ended on a packet boundary */
  WR_FRAMER_SHORT = 3,    /* the input ended inside a packet */
  WR_FRAMER_INVALID = 4 /* a framing error (decode_packet's {error,invalid}) */
} wr_framer_status;

typedef struct wr_framer_event {
  wr_framer_status status;
  uint64_t offset; /* of the packet, or where the input ended / failed */
  /* WR_FRAMER_PACKET: the packet (data valid until the next framer call),
   * and for the http types the parsed line and the HTTP state it was read
   * in (WR_HTTP_REQUEST_LINE / WR_HTTP_HEADERS). */
  wr_frame frame;
  int is_http;
  wr_http_packet http;
  int http_state;
  /* WR_FRAMER_SHORT: bytes present at offset, and the packet's total size
   * when its header says (else 0). */
  size_t avail, need;
  uint64_t packets; /* packets before this event */
} wr_framer_event;

/* How many packets one wr_frame_batch call frames ahead. */
#define WR_FRAMER_BATCH 32

typedef struct wr_framer {
  wr_framing cfg;
  /* The HTTP state after the last packet framed (queued or handed out). */
  int http_state;
  int ended; /* wr_framer_end was called */
  /* Bytes buf[start, end) are input not yet framed; buf[start] is input
   * byte `offset`. */
  uint8_t *buf;
  size_t cap, start, end;
  uint64_t offset, packets;
  size_t chunk;    /* how much room wr_framer_room offers at least */
  size_t peak_cap; /* the largest cap reached (for tests and tuning) */
  /* Packets framed by one wr_frame_batch call and not yet handed out:
   * q[qpos, qlen), the first one at buf + start. q_state is the HTTP state
   * each line was read in; q_http its parse (http types only). */
  size_t qpos, qlen;
  wr_frame q[WR_FRAMER_BATCH];
  int q_state[WR_FRAMER_BATCH];
  wr_http_packet q_http[WR_FRAMER_BATCH];
} wr_framer;

#define WR_FRAMER_DEFAULT_CHUNK ((size_t)64 << 10)

/* Sets up f for cfg (copied); chunk is the read size (0: default). */
void wr_framer_init(wr_framer *f, const wr_framing *cfg, size_t chunk);
void wr_framer_free(wr_framer *f);

/* Where to read the next input into and how much: at least the chunk size
 * (more when a known packet size needs it). 0, or WR_ENOMEM. */
int wr_framer_room(wr_framer *f, uint8_t **dst, size_t *len);
/* n bytes (<= the offered length) were read into the room. */
void wr_framer_commit(wr_framer *f, size_t n);
/* Copies p[0..n) in. 0, or WR_ENOMEM. */
int wr_framer_feed(wr_framer *f, const uint8_t *p, size_t n);
/* The input ends: what is left is framed as the end of the input. */
void wr_framer_end(wr_framer *f);

/* The next event. WR_FRAMER_INPUT asks for input; after an end event
 * (COMPLETE, SHORT, INVALID) every call repeats it. */
wr_framer_status wr_framer_next(wr_framer *f, wr_framer_event *ev);

#ifdef __cplusplus
}
#endif
#endif
