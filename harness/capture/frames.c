/* wr_pcap_cut_flow (pcaptools.h), the engine of `wirerig pcap decode` and
 * `to-corpus`: each direction of a flow cut into gen_tcp packets.
 *
 * A direction is framed from its first byte as a socket would frame it,
 * carrying the HTTP state from line to line. A gap makes the framing
 * unknowable, so what is left before it is reported as incomplete and the
 * framing starts over after it (a new request line for http). With
 * WR_PACKET_RAW each captured segment is one packet, as recv delivers them.
 * A packet's time is the time its last byte could be delivered.
 */
#include <stdlib.h>

#include "wirerig/error.h"
#include "wirerig/pcaptools.h"

typedef wr_pcap_event event;

/* Packets framed per wr_frame_batch call. */
#define WR_CUT_BATCH 32

typedef struct events {
  wr_pcap_events *e;
  int failed;
} events;

static void push(events *out, const event *ev) {
  wr_pcap_events *e = out->e;
  if (e->n == e->cap) {
    size_t n = e->cap ? e->cap * 2 : 256;
    event *nv = realloc(e->v, n * sizeof *nv);
    if (!nv) {
      out->failed = 1;
      return;
    }
    e->v = nv;
    e->cap = n;
  }
  e->v[e->n] = *ev;
  e->v[e->n].seq = e->n;
  e->n++;
}

/* Timestamps of the data: the piece holding byte `at`. Calls come with
 * increasing `at`, so the search resumes where it stopped. */
typedef struct ts_cursor {
  const wr_tcp_stream *s;
  size_t i;
} ts_cursor;

static int64_t ts_at(ts_cursor *c, size_t at) {
  const wr_tcp_stream *s = c->s;
  if (s->npieces == 0)
    return 0;
  while (c->i + 1 < s->npieces &&
         s->pieces[c->i].at + s->pieces[c->i].len <= at)
    c->i++;
  return s->pieces[c->i].ts_ns;
}

/* Stream offset of data index `at` lying in region r (after r gaps). */
static uint64_t offset_of(const wr_tcp_stream *s, size_t region, size_t at) {
  uint64_t before = 0;
  for (size_t g = 0; g < region && g < s->ngaps; g++)
    before += s->gaps[g].len;
  return at + before;
}

/* Cuts one region of data [a, b) (between gaps). */
static void cut_region(const wr_tcp_stream *s, int dir, const wr_framing *cfg,
                       size_t region, size_t a, size_t b, ts_cursor *tc,
                       events *out) {
  size_t off = a;
  int state = WR_HTTP_REQUEST_LINE;
  int headers_only =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  if (cfg->type == WR_PACKET_RAW) {
    for (size_t i = 0; i < s->npieces; i++) {
      const wr_stream_piece *p = &s->pieces[i];
      if (p->at < a || p->at >= b)
        continue;
      event ev = {.kind = WR_PCAP_EV_PACKET,
                  .dir = dir,
                  .ts = p->ts_ns,
                  .offset = p->offset,
                  .at = p->at,
                  .consumed = p->len,
                  .packet = {s->data + p->at, p->len}};
      push(out, &ev);
    }
    return;
  }
  /* Packets come WR_CUT_BATCH at a time from wr_frame_batch; the state
   * each line was read in follows wr_http_parse's rule line by line. */
  wr_frame fr[WR_CUT_BATCH];
  wr_http_packet hp[WR_CUT_BATCH];
  int http = wr_packet_type_is_http(cfg->type);
  while (off < b) {
    if (headers_only)
      state = WR_HTTP_HEADERS;
    int before = state;
    wr_frame_batch_result r =
        wr_frame_batch(cfg, &state, s->data + off, b - off, fr,
                       http ? hp : NULL, WR_CUT_BATCH);
    for (size_t i = 0; i < r.count; i++) {
      event ev = {.kind = WR_PCAP_EV_PACKET,
                  .dir = dir,
                  .at = off,
                  .offset = offset_of(s, region, off),
                  .consumed = fr[i].consumed,
                  .packet = fr[i].packet,
                  .http_state = before,
                  .ts = ts_at(tc, off + fr[i].consumed - 1)};
      push(out, &ev);
      off += fr[i].consumed;
      if (http)
        before = headers_only ? WR_HTTP_HEADERS
                              : wr_http_state_after(before, hp[i].kind);
    }
    if (r.status == WR_FRAME_PACKET || off == b)
      continue; /* more to frame, or the region ends on a packet */
    event ev = {.dir = dir, .at = off, .offset = offset_of(s, region, off)};
    ev.ts = ts_at(tc, b - 1);
    ev.kind = r.status == WR_FRAME_MORE ? WR_PCAP_EV_LEFT : WR_PCAP_EV_INVALID;
    ev.consumed = b - off;
    ev.need = r.status == WR_FRAME_MORE ? r.need : 0;
    push(out, &ev);
    break;
  }
}

static void cut_stream(const wr_tcp_stream *s, int dir, const wr_framing *cfg,
                       events *out) {
  ts_cursor tc = {s, 0};
  size_t a = 0;
  for (size_t g = 0; g <= s->ngaps; g++) {
    size_t b = g < s->ngaps ? s->gaps[g].at : s->len;
    if (b > a)
      cut_region(s, dir, cfg, g, a, b, &tc, out);
    if (g < s->ngaps) {
      event ev = {.kind = WR_PCAP_EV_GAP,
                  .dir = dir,
                  .ts = b > 0 ? ts_at(&tc, b - 1) : ts_at(&tc, 0),
                  .offset = s->gaps[g].offset,
                  .at = b,
                  .gap_len = s->gaps[g].len,
                  .reason = s->gaps[g].reason};
      push(out, &ev);
    }
    a = b;
  }
}

/* Packets and gaps of both directions merged by time, each direction kept
 * in its own stream order (sequence order, from the reassembler). A sort
 * by time alone reordered a direction whenever the capture's clock went
 * backwards (an NTP step, merged captures), printing bytes out of the
 * order the socket delivers them. On equal times c2s goes first. */
static int merge_dirs(wr_pcap_events *ev, size_t n0) {
  size_t n = ev->n;
  if (n0 == 0 || n0 == n)
    return 0; /* one direction: already in stream order */
  event *m = malloc(n * sizeof *m);
  if (!m)
    return WR_ENOMEM;
  size_t i = 0, j = n0, k = 0;
  while (i < n0 && j < n)
    m[k++] = ev->v[j].ts < ev->v[i].ts ? ev->v[j++] : ev->v[i++];
  while (i < n0)
    m[k++] = ev->v[i++];
  while (j < n)
    m[k++] = ev->v[j++];
  for (k = 0; k < n; k++)
    m[k].seq = k;
  free(ev->v);
  ev->v = m;
  ev->cap = n;
  return 0;
}

int wr_pcap_cut_flow(const wr_pcap_flow *pf, const wr_framing *cfg, int dirs,
                     wr_pcap_events *ev) {
  events out = {ev, 0};
  ev->n = 0;
  size_t n0 = 0;
  for (int d = 0; d < 2; d++) {
    if (dirs & (1 << d))
      cut_stream(&pf->dir[d], d, cfg, &out);
    if (d == 0)
      n0 = ev->n;
  }
  if (out.failed)
    return WR_ENOMEM;
  return merge_dirs(ev, n0);
}

void wr_pcap_events_free(wr_pcap_events *ev) {
  free(ev->v);
  ev->v = NULL;
  ev->n = ev->cap = 0;
}
