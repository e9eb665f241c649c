/* The framer of framer.h: wr_frame_batch over a window of the input, up
 * to WR_FRAMER_BATCH packets per call, handed out one event at a time.
 *
 * A packet is handed out before the input ends only when the bytes after
 * it cannot change it: wr_frame_next decides a packet from its own bytes
 * (the header, the line up to its delimiter), which the split-invariance
 * fuzz targets check, so a packet found in a prefix is the packet of the
 * whole input; wr_frame_batch gives exactly the packets of repeated
 * wr_frame_next calls (test_framing_common.c's check_batch). The exception
 * is raw, where the packet is all the input there is: it waits for the end.
 * A framing error is final the same way: what makes a packet invalid (a
 * length over the limit, a bad header, a line over the limit) lies in bytes
 * already present.
 *
 * Queued packets point into the buffer, so a call that moves the buffer
 * drops the queue (drop_queue) and the packets are framed again later from
 * the state the first of them was read in.
 */
#include <stdlib.h>
#include <string.h>

#include "wirerig/error.h"
#include "wirerig/framer.h"

void wr_framer_init(wr_framer *f, const wr_framing *cfg, size_t chunk) {
  memset(f, 0, sizeof *f);
  f->cfg = *cfg;
  f->http_state = WR_HTTP_REQUEST_LINE;
  f->chunk = chunk ? chunk : WR_FRAMER_DEFAULT_CHUNK;
}

void wr_framer_free(wr_framer *f) {
  free(f->buf);
  f->buf = NULL;
  f->cap = f->start = f->end = 0;
  f->qpos = f->qlen = 0;
}

/* Forgets the packets framed ahead (before the buffer moves under them):
 * the HTTP state goes back to the one the first of them was read in. */
static void drop_queue(wr_framer *f) {
  if (f->qpos < f->qlen)
    f->http_state = f->q_state[f->qpos];
  f->qpos = f->qlen = 0;
}

/* Makes room for `more` bytes after the unframed ones, moving them to the
 * front first: the buffer grows only when one packet needs it. */
static int make_room(wr_framer *f, size_t more) {
  size_t have = f->end - f->start;
  if (f->cap - f->end >= more)
    return 0;
  drop_queue(f);
  if (f->start > 0) {
    memmove(f->buf, f->buf + f->start, have);
    f->start = 0;
    f->end = have;
    if (f->cap - f->end >= more)
      return 0;
  }
  if (more > SIZE_MAX / 2 - have)
    return WR_ENOMEM;
  size_t ncap = f->cap ? f->cap : f->chunk;
  while (ncap < have + more)
    ncap *= 2;
  uint8_t *nb = realloc(f->buf, ncap);
  if (!nb)
    return WR_ENOMEM;
  f->buf = nb;
  f->cap = ncap;
  if (ncap > f->peak_cap)
    f->peak_cap = ncap;
  return 0;
}

int wr_framer_room(wr_framer *f, uint8_t **dst, size_t *len) {
  size_t more = f->chunk;
  /* A packet whose size is known needs that much at once: ask for all of
   * it, so a big packet is not read a chunk at a time into regrowth. */
  wr_frame fr;
  if (f->qpos == f->qlen && f->end > f->start && f->cfg.type != WR_PACKET_RAW &&
      wr_frame_next(&f->cfg, f->http_state, f->buf + f->start,
                    f->end - f->start, &fr) == WR_FRAME_MORE &&
      fr.need > f->end - f->start && fr.need - (f->end - f->start) > more)
    more = fr.need - (f->end - f->start);
  int rc = make_room(f, more);
  if (rc)
    return rc;
  *dst = f->buf + f->end;
  *len = f->cap - f->end;
  return 0;
}

void wr_framer_commit(wr_framer *f, size_t n) {
  if (n > f->cap - f->end)
    n = f->cap - f->end;
  f->end += n;
}

int wr_framer_feed(wr_framer *f, const uint8_t *p, size_t n) {
  while (n > 0) {
    uint8_t *dst;
    size_t room;
    int rc = wr_framer_room(f, &dst, &room);
    if (rc)
      return rc;
    size_t k = n < room ? n : room;
    memcpy(dst, p, k);
    wr_framer_commit(f, k);
    p += k;
    n -= k;
  }
  return 0;
}

void wr_framer_end(wr_framer *f) { f->ended = 1; }

/* An end event changes nothing, so asking again gives it again. */
static wr_framer_status end_event(wr_framer_event *ev, wr_framer_status st) {
  ev->status = st;
  return st;
}

/* Frames the next packets into the queue, or says why there are none. */
static wr_framer_status refill(wr_framer *f, wr_framer_event *ev) {
  size_t avail = f->end - f->start;
  ev->avail = avail;
  if (!f->ended && f->cfg.type == WR_PACKET_RAW)
    return ev->status = WR_FRAMER_INPUT; /* the packet is all there is */
  if (avail == 0)
    return f->ended ? end_event(ev, WR_FRAMER_COMPLETE)
                    : (ev->status = WR_FRAMER_INPUT);
  int http = wr_packet_type_is_http(f->cfg.type);
  int forced =
      f->cfg.type == WR_PACKET_HTTPH || f->cfg.type == WR_PACKET_HTTPH_BIN;
  int state = forced ? WR_HTTP_HEADERS : f->http_state;
  int s = state;
  wr_frame_batch_result r =
      wr_frame_batch(&f->cfg, &state, f->buf + f->start, avail, f->q,
                     http ? f->q_http : NULL, WR_FRAMER_BATCH);
  for (size_t i = 0; i < r.count; i++) {
    f->q_state[i] = s;
    if (http)
      s = forced ? WR_HTTP_HEADERS : wr_http_state_after(s, f->q_http[i].kind);
  }
  f->http_state = state;
  f->qpos = 0;
  f->qlen = r.count;
  if (r.count > 0)
    return WR_FRAMER_PACKET;
  if (r.status == WR_FRAME_MORE) {
    if (!f->ended)
      return ev->status = WR_FRAMER_INPUT;
    ev->need = r.need;
    return end_event(ev, WR_FRAMER_SHORT);
  }
  return end_event(ev, WR_FRAMER_INVALID);
}

wr_framer_status wr_framer_next(wr_framer *f, wr_framer_event *ev) {
  memset(ev, 0, sizeof *ev);
  ev->offset = f->offset;
  ev->packets = f->packets;
  if (f->qpos == f->qlen) {
    wr_framer_status st = refill(f, ev);
    if (st != WR_FRAMER_PACKET)
      return st;
  }
  size_t i = f->qpos;
  const wr_frame *fr = &f->q[i];
  ev->avail = f->end - f->start;
  if (fr->consumed == 0 || fr->consumed > ev->avail) /* a broken promise */
    return end_event(ev, WR_FRAMER_INVALID);
  ev->frame = *fr;
  ev->http_state = f->q_state[i];
  if (wr_packet_type_is_http(f->cfg.type)) {
    ev->is_http = 1;
    ev->http = f->q_http[i];
  }
  f->qpos++;
  f->start += fr->consumed;
  f->offset += fr->consumed;
  f->packets++;
  return ev->status = WR_FRAMER_PACKET;
}
