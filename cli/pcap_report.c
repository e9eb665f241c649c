/* What `wirerig pcap` says about a flow: anomalies as sentences, the JSON
 * object of a flow and of the capture, timestamps. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_cli.h"

/* Gaps listed one by one in the anomalies; beyond this, a count. */
#define GAPS_SPELLED_OUT 5

int wr_pcap_rec_gap(pcap_flowrec *r, int dir, uint64_t offset, uint64_t len,
                    wr_gap_reason reason) {
  pcap_gap *ng = realloc(r->gaps, (r->ngaps + 1) * sizeof *ng);
  if (!ng)
    return -1;
  r->gaps = ng;
  uint64_t before = 0;
  for (size_t i = 0; i < r->ngaps; i++)
    if (r->gaps[i].dir == dir)
      before += r->gaps[i].len;
  r->gaps[r->ngaps++] = (pcap_gap){dir, offset, len, offset - before, reason};
  return 0;
}

void wr_pcap_rec_free(pcap_flowrec *r) {
  free(r->gaps);
  r->gaps = NULL;
  r->ngaps = 0;
}

const char *wr_pcap_fmt_ts(int64_t ts_ns, char buf[32]) {
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

size_t wr_pcap_anomalies(const pcap_flowrec *r,
                         void (*fn)(void *ctx, const char *text), void *ctx) {
  sayer s = {fn, ctx, 0};
  for (int d = 0; d < 2; d++) {
    const char *dn = wr_tcp_dir_name(d);
    const wr_tcp_dir_stats *st = &r->flow.dir[d];
    size_t shown = 0, more = 0;
    uint64_t more_bytes = 0;
    for (size_t i = 0; i < r->ngaps; i++) {
      const pcap_gap *g = &r->gaps[i];
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

void wr_pcap_json_flow(wr_json_writer *w, const pcap_flowrec *r, int files) {
  const wr_tcp_flow *f = &r->flow;
  char ep[WR_ENDPOINT_STRLEN];
  wr_jw_object_begin(w);
  wr_jw_key(w, "id");
  wr_jw_uint(w, f->id);
  wr_jw_key(w, "client");
  wr_jw_str(w, wr_endpoint_format(&f->client, ep));
  wr_jw_key(w, "server");
  wr_jw_str(w, wr_endpoint_format(&f->server, ep));
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
    const pcap_gap *g = &r->gaps[i];
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
  wr_pcap_anomalies(r, json_anomaly, w);
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

void wr_pcap_json_capture(wr_json_writer *w, const char *file,
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
  C(csum_bad);
  C(csum_offloaded);
#undef C
  wr_jw_key(w, "flows");
  wr_jw_uint(w, ts->flows);
  wr_jw_key(w, "orphan_bad_checksums");
  wr_jw_uint(w, ts->orphan_bad_checksums);
  wr_jw_object_end(w);
}

void wr_pcap_print_capture_notes(FILE *out, const char *prefix,
                                 const wr_pcap_stats *ps,
                                 const wr_tcp_stats *ts) {
  struct {
    uint64_t n;
    const char *what;
  } notes[] = {
      {ps->short_headers, "cut by the snaplen inside a header"},
      {ps->malformed, "with inconsistent IP or TCP headers"},
      {ps->frag_dropped, "IP datagrams never completed from fragments"},
      {ps->frag_overlaps, "fragment bytes that disagreed (first kept)"},
      {ts->orphan_bad_checksums, "bad-checksum segments of no known flow"},
  };
  for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
    if (notes[i].n)
      fprintf(out, "%s%" PRIu64 " %s\n", prefix, notes[i].n, notes[i].what);
}
