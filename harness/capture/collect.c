/* A sink that keeps whole streams in memory: wr_pcap_collect().
 *
 * It leaves data with the reassembler until a gap or the end (returning 0
 * from the data callback), so the reassembler's stream cap bounds each
 * stream and reports what it drops; only then are the bytes copied out. */
#include <stdlib.h>
#include <string.h>

#include "wirerig/pcapflows.h"

typedef struct collector {
  wr_flow_select select;
  void *select_ctx;
  wr_pcap_flow *flows;
  size_t count, cap;
  int failed;
} collector;

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : 8;
  while (n < need)
    n *= 2;
  void *np = realloc(*p, n * size);
  if (!np)
    return -1;
  *p = np;
  *cap = n;
  return 0;
}

static int on_open(void *ctx, wr_tcp_flow *f) {
  collector *c = ctx;
  if (c->select && !c->select(c->select_ctx, f))
    return 1;
  wr_pcap_flow *pf = calloc(1, sizeof *pf);
  if (!pf) {
    c->failed = 1;
    return 1;
  }
  f->user = pf;
  return 0;
}

static size_t on_data(void *ctx, wr_tcp_flow *f, int dir,
                      const wr_tcp_chunk *ch) {
  collector *c = ctx;
  if (!ch->final)
    return 0;
  wr_pcap_flow *pf = f->user;
  wr_tcp_stream *s = &pf->dir[dir];
  /* Exact-size growth: a stream is handed over once per gap and at its
   * end, not per segment. */
  uint8_t *nd = realloc(s->data, s->len + ch->len);
  wr_stream_piece *np =
      realloc(s->pieces, (s->npieces + ch->npieces) * sizeof *np);
  if (nd)
    s->data = nd;
  if (np)
    s->pieces = np;
  if (!nd || !np) {
    c->failed = 1;
    return WR_TCP_SINK_ABORT;
  }
  memcpy(s->data + s->len, ch->data, ch->len);
  for (size_t i = 0; i < ch->npieces; i++) {
    const wr_tcp_piece *p = &ch->pieces[i];
    s->pieces[s->npieces++] = (wr_stream_piece){
        p->offset, s->len + (size_t)(p->offset - ch->offset), p->len, p->ts_ns};
  }
  s->len += ch->len;
  return ch->len;
}

static void on_gap(void *ctx, wr_tcp_flow *f, int dir, uint64_t offset,
                   uint64_t len, wr_gap_reason reason) {
  collector *c = ctx;
  wr_pcap_flow *pf = f->user;
  wr_tcp_stream *s = &pf->dir[dir];
  wr_stream_gap *ng = realloc(s->gaps, (s->ngaps + 1) * sizeof *ng);
  if (!ng) {
    c->failed = 1;
    return;
  }
  s->gaps = ng;
  s->gaps[s->ngaps++] = (wr_stream_gap){offset, s->len, len, reason};
}

static void on_close(void *ctx, wr_tcp_flow *f) {
  collector *c = ctx;
  wr_pcap_flow *pf = f->user;
  if (!pf)
    return;
  if (grow((void **)&c->flows, &c->cap, c->count + 1, sizeof *c->flows)) {
    c->failed = 1;
    for (int d = 0; d < 2; d++) {
      free(pf->dir[d].data);
      free(pf->dir[d].pieces);
      free(pf->dir[d].gaps);
    }
    free(pf);
    return;
  }
  pf->flow = *f;
  pf->flow.user = NULL;
  c->flows[c->count++] = *pf;
  free(pf);
}

static int by_id(const void *a, const void *b) {
  const wr_pcap_flow *x = a, *y = b;
  return x->flow.id < y->flow.id ? -1 : x->flow.id > y->flow.id;
}

void wr_pcap_capture_free(wr_pcap_capture *c) {
  for (size_t i = 0; i < c->count; i++)
    for (int d = 0; d < 2; d++) {
      free(c->flows[i].dir[d].data);
      free(c->flows[i].dir[d].pieces);
      free(c->flows[i].dir[d].gaps);
    }
  free(c->flows);
  memset(c, 0, sizeof *c);
}

int wr_pcap_collect(const char *path, const wr_pcap_options *popt,
                    const wr_tcp_options *topt, wr_flow_select select,
                    void *select_ctx, wr_pcap_capture *out, char *err,
                    size_t errlen) {
  memset(out, 0, sizeof *out);
  collector c = {select, select_ctx, NULL, 0, 0, 0};
  wr_tcp_sink sink = {&c, on_open, on_data, on_gap, on_close};
  int rc =
      wr_pcap_run(path, popt, topt, &sink, &out->pcap, &out->tcp, err, errlen);
  out->flows = c.flows;
  out->count = c.count;
  if (rc == 0 && c.failed) {
    snprintf(err, errlen, "%s: out of memory collecting the streams", path);
    rc = WR_ENOMEM;
  }
  if (rc != 0) {
    /* Flows the reassembler still held were dropped without a close. */
    wr_pcap_capture_free(out);
    return rc;
  }
  if (out->count > 1)
    qsort(out->flows, out->count, sizeof *out->flows, by_id);
  return 0;
}
