/* Flow records (pcaptools.h): what `wirerig pcap` says about a flow --
 * anomalies as sentences, the JSON object of a flow and of the capture,
 * timestamps -- and the listing of every flow of a capture. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools_internal.h"
#include "wirerig/error.h"

/* Gaps listed one by one in the anomalies; beyond this, a count. */
#define GAPS_SPELLED_OUT 5

int wr_flowrec_add_gap(wr_flowrec *r, int dir, uint64_t offset, uint64_t len,
                       wr_gap_reason reason) {
  wr_flow_gap *ng = realloc(r->gaps, (r->ngaps + 1) * sizeof *ng);
  if (!ng)
    return WR_ENOMEM;
  r->gaps = ng;
  uint64_t before = 0;
  for (size_t i = 0; i < r->ngaps; i++)
    if (r->gaps[i].dir == dir)
      before += r->gaps[i].len;
  r->gaps[r->ngaps++] =
      (wr_flow_gap){dir, offset, len, offset - before, reason};
  return 0;
}

void wr_flowrec_free(wr_flowrec *r) {
  free(r->gaps);
  r->gaps = NULL;
  r->ngaps = 0;
}

const char *wr_pcap_format_ts(int64_t ts_ns, char buf[32]) {
  int64_t s = ts_ns / 1000000000, ns = ts_ns % 1000000000;
  if (ns < 0) {
    ns += 1000000000;
    s--;
  }
  snprintf(buf, 32, "%" PRId64 ".%09" PRId64, s, ns);
  return buf;
}

static const char *gap_why(wr_gap_reason r) {
  switch (r) {
  case WR_GAP_TRUNCATED:
    return "cut by the snaplen";
  case WR_GAP_CAP:
    return "over the memory cap";
  default:
    return "never captured";
  }
}

static const char *plural(uint64_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

typedef struct sayer {
  void (*fn)(void *ctx, const char *text);
  void *ctx;
  size_t count;
} sayer;

static void say(sayer *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(sayer *s, const char *fmt, ...) {
  char text[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  s->count++;
  if (s->fn)
    s->fn(s->ctx, text);
}

size_t wr_flowrec_anomalies(const wr_flowrec *r,
                            void (*fn)(void *ctx, const char *text),
                            void *ctx) {
  sayer s = {fn, ctx, 0};
  for (int d = 0; d < 2; d++) {
    const char *dn = wr_tcp_dir_name(d);
    const wr_tcp_dir_stats *st = &r->flow.dir[d];
    size_t shown = 0, more = 0;
    uint64_t more_bytes = 0;
    for (size_t i = 0; i < r->ngaps; i++) {
      const wr_flow_gap *g = &r->gaps[i];
      if (g->dir != d)
        continue;
      if (shown++ < GAPS_SPELLED_OUT)
        say(&s, "%s: gap of %" PRIu64 " %s at offset %" PRIu64 " (%s)", dn,
            g->len, plural(g->len, "byte", "bytes"), g->offset,
            gap_why(g->reason));
      else {
        more++;
        more_bytes += g->len;
      }
    }
    if (more)
      say(&s, "%s: %zu more gaps, %" PRIu64 " bytes", dn, more, more_bytes);
    if (st->overlaps)
      say(&s,
          "%s: %" PRIu64 " %s in %" PRIu64
          " %s differed from data already received (first copy kept)",
          dn, st->overlap_bytes, plural(st->overlap_bytes, "byte", "bytes"),
          st->overlaps, plural(st->overlaps, "segment", "segments"));
    if (st->truncated)
      say(&s, "%s: %" PRIu64 " %s cut by the snaplen", dn, st->truncated,
          plural(st->truncated, "segment", "segments"));
    if (st->bad_checksums)
      say(&s, "%s: %" PRIu64 " %s with a bad TCP checksum skipped", dn,
          st->bad_checksums, plural(st->bad_checksums, "segment", "segments"));
    if (st->cap_dropped)
      say(&s, "%s: %" PRIu64 " bytes over the memory cap dropped", dn,
          st->cap_dropped);
    if (st->after_rst)
      say(&s, "%s: %" PRIu64 " %s after the RST ignored", dn, st->after_rst,
          plural(st->after_rst, "segment", "segments"));
    if (st->after_fin)
      say(&s, "%s: %" PRIu64 " %s after the FIN ignored", dn, st->after_fin,
          plural(st->after_fin, "byte", "bytes"));
    if (st->before_start)
      say(&s,
          "%s: %" PRIu64 " %s before the start of the stream ignored "
          "(the capture began mid-stream)",
          dn, st->before_start, plural(st->before_start, "byte", "bytes"));
  }
  return s.count;
}

static const char *client_by_name(wr_client_rule r) {
  switch (r) {
  case WR_CLIENT_BY_SYN:
    return "syn";
  case WR_CLIENT_BY_SYNACK:
    return "syn-ack";
  case WR_CLIENT_BY_PORT:
    return "port";
  default:
    return "first";
  }
}

static void json_anomaly(void *ctx, const char *text) { wr_jw_str(ctx, text); }

static void json_counters(wr_json_writer *w, const wr_tcp_dir_stats *st) {
  wr_jw_object_begin(w);
#define C(name)                                                                \
  wr_jw_key(w, #name);                                                         \
  wr_jw_uint(w, st->name)
  C(retransmits);
  C(overlaps);
  C(overlap_bytes);
  C(unverified);
  C(keepalives);
  C(bad_checksums);
  C(truncated);
  C(cap_dropped);
  C(after_rst);
  C(after_fin);
  C(before_start);
#undef C
  wr_jw_key(w, "syn");
  wr_jw_bool(w, st->syn);
  wr_jw_key(w, "fin");
  wr_jw_bool(w, st->fin);
  wr_jw_key(w, "rst");
  wr_jw_bool(w, st->rst);
  wr_jw_object_end(w);
}

static void json_flow(wr_json_writer *w, const wr_flowrec *r, int files) {
  const wr_tcp_flow *f = &r->flow;
  char ep[WR_ADDR_STRLEN];
  wr_jw_object_begin(w);
  wr_jw_key(w, "id");
  wr_jw_uint(w, f->id);
  wr_jw_key(w, "client");
  wr_jw_str(w, wr_addr_str(&f->client, ep));
  wr_jw_key(w, "server");
  wr_jw_str(w, wr_addr_str(&f->server, ep));
  wr_jw_key(w, "client_by");
  wr_jw_str(w, client_by_name(f->client_by));
  if (files) {
    wr_jw_key(w, "c2s");
    wr_jw_str(w, r->file[WR_C2S]);
    wr_jw_key(w, "s2c");
    wr_jw_str(w, r->file[WR_S2C]);
  }
  wr_jw_key(w, "c2s_bytes");
  wr_jw_uint(w, files ? r->written[WR_C2S] : f->dir[WR_C2S].bytes);
  wr_jw_key(w, "s2c_bytes");
  wr_jw_uint(w, files ? r->written[WR_S2C] : f->dir[WR_S2C].bytes);
  wr_jw_key(w, "packets");
  wr_jw_uint(w, f->dir[0].packets + f->dir[1].packets);
  wr_jw_key(w, "c2s_packets");
  wr_jw_uint(w, f->dir[WR_C2S].packets);
  wr_jw_key(w, "s2c_packets");
  wr_jw_uint(w, f->dir[WR_S2C].packets);
  wr_jw_key(w, "start_ns");
  wr_jw_int(w, f->first_ts);
  wr_jw_key(w, "end_ns");
  wr_jw_int(w, f->last_ts);
  wr_jw_key(w, "gaps");
  wr_jw_array_begin(w);
  for (size_t i = 0; i < r->ngaps; i++) {
    const wr_flow_gap *g = &r->gaps[i];
    wr_jw_object_begin(w);
    wr_jw_key(w, "dir");
    wr_jw_str(w, wr_tcp_dir_name(g->dir));
    wr_jw_key(w, "offset");
    wr_jw_uint(w, g->offset);
    wr_jw_key(w, "length");
    wr_jw_uint(w, g->len);
    wr_jw_key(w, "file_offset");
    wr_jw_uint(w, g->file_offset);
    wr_jw_key(w, "reason");
    wr_jw_str(w, wr_gap_reason_name(g->reason));
    wr_jw_object_end(w);
  }
  wr_jw_array_end(w);
  wr_jw_key(w, "anomalies");
  wr_jw_array_begin(w);
  wr_flowrec_anomalies(r, json_anomaly, w);
  wr_jw_array_end(w);
  wr_jw_key(w, "counters");
  wr_jw_object_begin(w);
  wr_jw_key(w, "c2s");
  json_counters(w, &f->dir[WR_C2S]);
  wr_jw_key(w, "s2c");
  json_counters(w, &f->dir[WR_S2C]);
  wr_jw_object_end(w);
  wr_jw_object_end(w);
}

static void json_capture(wr_json_writer *w, const char *file,
                         const wr_pcap_stats *ps, const wr_tcp_stats *ts) {
  wr_jw_object_begin(w);
  wr_jw_key(w, "file");
  wr_jw_utf8(w, file, strlen(file));
#define C(name)                                                                \
  wr_jw_key(w, #name);                                                         \
  wr_jw_uint(w, ps->name)
  C(records);
  C(tcp_segments);
  C(not_ip);
  C(not_tcp);
  C(malformed);
  C(short_headers);
  C(fragments);
  C(reassembled);
  C(frag_dropped);
  C(frag_overlaps);
  C(frag_truncated);
  C(frag_cap_mem);
  C(frag_cap_pending);
  C(frag_cap_fragments);
  C(csum_bad);
  C(csum_offloaded);
  C(bad_ip_length);
  C(truncated_record);
#undef C
  wr_jw_key(w, "flows");
  wr_jw_uint(w, ts->flows);
  wr_jw_key(w, "orphan_bad_checksums");
  wr_jw_uint(w, ts->orphan_bad_checksums);
  wr_jw_key(w, "stream_cap_hits");
  wr_jw_uint(w, ts->stream_cap_hits);
  wr_jw_key(w, "total_cap_hits");
  wr_jw_uint(w, ts->total_cap_hits);
  wr_jw_key(w, "queue_cap_hits");
  wr_jw_uint(w, ts->queue_cap_hits);
  wr_jw_object_end(w);
}

void wr_pcap_print_notes(FILE *out, const char *prefix, const wr_pcap_stats *ps,
                         const wr_tcp_stats *ts) {
  struct {
    uint64_t n;
    const char *what;
  } notes[] = {
      {ps->short_headers, "cut by the snaplen inside a header"},
      {ps->malformed, "with inconsistent IP or TCP headers"},
      {ps->bad_ip_length,
       "IP datagrams whose length field exceeds the frame (malformed "
       "length; read as far as the frame goes)"},
      {ps->frag_dropped, "IP datagrams never completed from fragments"},
      {ps->frag_overlaps, "fragment bytes that disagreed (first kept)"},
      {ps->frag_cap_mem,
       "IP datagrams given up to the fragment memory limit (frag_mem)"},
      {ps->frag_cap_pending,
       "IP datagrams given up to the limit of datagrams waiting for "
       "fragments (frag_max_pending)"},
      {ps->frag_cap_fragments,
       "IP datagrams given up for taking more fragments than the limit "
       "(frag_max_fragments)"},
      {ts->orphan_bad_checksums, "bad-checksum segments of no known flow"},
      {ts->stream_cap_hits,
       "times a stream's memory cap forced a gap or dropped bytes "
       "(stream_cap, --cap)"},
      {ts->total_cap_hits,
       "times the memory cap of all streams together forced a gap or "
       "dropped bytes (total_cap)"},
      {ts->queue_cap_hits,
       "times the limit of segments queued behind a hole forced a gap "
       "(max_queued)"},
  };
  for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
    if (notes[i].n)
      fprintf(out, "%s%" PRIu64 " %s\n", prefix, notes[i].n, notes[i].what);
  if (ps->truncated_record)
    fprintf(out,
            "%sthe file ends inside record %" PRIu64
            " (cut short, as when tcpdump is killed): the %" PRIu64
            " complete records before it are read\n",
            prefix, ps->truncated_record, ps->truncated_record - 1);
}

void wr_cap_json_flows(wr_json_writer *w, const wr_flowrec *recs, size_t n,
                       int files, const char *path, const wr_pcap_stats *ps,
                       const wr_tcp_stats *ts) {
  wr_jw_object_begin(w);
  wr_jw_key(w, "flows");
  wr_jw_array_begin(w);
  for (size_t i = 0; i < n; i++)
    json_flow(w, &recs[i], files);
  wr_jw_array_end(w);
  wr_jw_key(w, "capture");
  json_capture(w, path, ps, ts);
  wr_jw_object_end(w);
}

int wr_flow_list_write_json(FILE *out, const wr_flow_list *l, int files,
                            const char *path) {
  wr_json_writer w;
  wr_jw_init(&w);
  wr_cap_json_flows(&w, l->recs, l->count, files, path, &l->pcap, &l->tcp);
  wr_jw_raw(&w, "\n", 1);
  int rc = 0;
  if (w.failed)
    rc = WR_ENOMEM;
  else if (fwrite(w.buf, 1, w.len, out) != w.len)
    rc = WR_EIO;
  wr_jw_free(&w);
  return rc;
}

static int by_id(const void *a, const void *b) {
  const wr_flowrec *x = a, *y = b;
  return x->flow.id < y->flow.id ? -1 : x->flow.id > y->flow.id;
}

void wr_cap_sort_recs(wr_flowrec *recs, size_t n) {
  if (n > 1)
    qsort(recs, n, sizeof *recs, by_id);
}

int wr_flow_filter_select(void *ctx, const wr_tcp_flow *f) {
  const wr_flow_filter *o = ctx;
  if (o->flow_id)
    return f->id == o->flow_id;
  if (o->by_port)
    return f->client.port == o->port || f->server.port == o->port;
  return 1;
}

/* ---- listing ------------------------------------------------------------ */

typedef struct list_ctx {
  wr_flowrec *recs;
  size_t count, cap;
  int failed;
} list_ctx;

/* The bytes are not needed, but they are kept (briefly, with no data
 * callback) so that retransmissions can be compared: overlaps are among the
 * anomalies reported. */
static int list_open(void *ctx, wr_tcp_flow *f) {
  (void)ctx;
  f->user = calloc(1, sizeof(wr_flowrec));
  return 0;
}

static void list_gap(void *ctx, wr_tcp_flow *f, int dir, uint64_t off,
                     uint64_t len, wr_gap_reason reason) {
  list_ctx *c = ctx;
  if (!f->user || wr_flowrec_add_gap(f->user, dir, off, len, reason))
    c->failed = 1;
}

static void list_close(void *ctx, wr_tcp_flow *f) {
  list_ctx *c = ctx;
  wr_flowrec *r = f->user;
  if (!r) {
    c->failed = 1;
    return;
  }
  if (c->count == c->cap) {
    size_t n = c->cap ? c->cap * 2 : 64;
    wr_flowrec *nr = realloc(c->recs, n * sizeof *nr);
    if (!nr) {
      c->failed = 1;
      wr_flowrec_free(r);
      free(r);
      return;
    }
    c->recs = nr;
    c->cap = n;
  }
  r->flow = *f;
  r->flow.user = NULL;
  c->recs[c->count++] = *r;
  free(r);
}

int wr_pcap_list_flows(const char *path, const wr_pcap_options *popt,
                       const wr_tcp_options *topt, wr_flow_list *out, char *err,
                       size_t errlen) {
  memset(out, 0, sizeof *out);
  list_ctx c = {0};
  wr_tcp_sink sink = {&c, list_open, NULL, list_gap, list_close};
  int rc =
      wr_pcap_run(path, popt, topt, &sink, &out->pcap, &out->tcp, err, errlen);
  if (rc == 0 && c.failed) {
    snprintf(err, errlen, "out of memory");
    rc = WR_ENOMEM;
  }
  if (rc != 0) {
    for (size_t i = 0; i < c.count; i++)
      wr_flowrec_free(&c.recs[i]);
    free(c.recs);
    return rc;
  }
  wr_cap_sort_recs(c.recs, c.count);
  out->recs = c.recs;
  out->count = c.count;
  return 0;
}

void wr_flow_list_free(wr_flow_list *l) {
  for (size_t i = 0; i < l->count; i++)
    wr_flowrec_free(&l->recs[i]);
  free(l->recs);
  memset(l, 0, sizeof *l);
}
