/* `wirerig pcap decode` and `wirerig pcap to-corpus`: each direction of
 * the chosen flows cut into gen_tcp packets.
 *
 * A direction is framed from its first byte as a socket would frame it,
 * carrying the HTTP state from line to line. A gap makes the framing
 * unknowable, so what is left before it is reported as incomplete and the
 * framing starts over after it (a new request line for http). With --packet
 * raw each captured segment is one packet, as recv delivers them. A
 * packet's time is the time its last byte could be delivered.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "decode.h"
#include "pcap_cli.h"

typedef enum ev_kind { EV_PACKET, EV_GAP, EV_LEFT, EV_INVALID } ev_kind;

/* One thing to report about a direction, in stream order. */
typedef struct event {
  ev_kind kind;
  int dir;
  int64_t ts;
  uint64_t offset;  /* stream offset */
  size_t at;        /* index in the stream's data */
  size_t consumed;  /* packet: bytes it occupies; left: bytes left */
  size_t need;      /* left: total bytes the packet needs, 0 = unknown */
  wr_span packet;   /* packet: what is delivered */
  int http_state;   /* packet: the HTTP state before it */
  uint64_t gap_len; /* gap */
  wr_gap_reason reason;
  size_t seq; /* order within the direction, for a stable sort */
} event;

typedef struct events {
  event *v;
  size_t n, cap;
  int failed;
} events;

static void push(events *e, const event *ev) {
  if (e->n == e->cap) {
    size_t n = e->cap ? e->cap * 2 : 256;
    event *nv = realloc(e->v, n * sizeof *nv);
    if (!nv) {
      e->failed = 1;
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
      event ev = {.kind = EV_PACKET,
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
  while (off < b) {
    if (headers_only)
      state = WR_HTTP_HEADERS;
    wr_frame fr;
    wr_frame_status st = wr_frame_next(cfg, state, s->data + off, b - off, &fr);
    event ev = {.dir = dir, .at = off, .offset = offset_of(s, region, off)};
    if (st == WR_FRAME_PACKET) {
      ev.kind = EV_PACKET;
      ev.consumed = fr.consumed;
      ev.packet = fr.packet;
      ev.http_state = state;
      ev.ts = ts_at(tc, off + fr.consumed - 1);
      if (wr_packet_type_is_http(cfg->type)) {
        wr_http_packet hp;
        wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
      }
      push(out, &ev);
      off += fr.consumed;
      continue;
    }
    ev.ts = ts_at(tc, b - 1);
    ev.kind = st == WR_FRAME_MORE ? EV_LEFT : EV_INVALID;
    ev.consumed = b - off;
    ev.need = st == WR_FRAME_MORE ? fr.need : 0;
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
      event ev = {.kind = EV_GAP,
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

/* Packets and gaps of both directions by time; a direction's own order is
 * kept for equal times (and c2s goes first). */
static int by_time(const void *x, const void *y) {
  const event *a = x, *b = y;
  if (a->ts != b->ts)
    return a->ts < b->ts ? -1 : 1;
  if (a->dir != b->dir)
    return a->dir < b->dir ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- options ------------------------------------------------------------- */

static int parse_packet(pcap_opts *o) {
  wr_packet_type type;
  if (wr_packet_type_parse(o->packet, &type) != 0) {
    char q[64];
    return wr_pcap_usage_error(
        o, "--packet: unknown packet type '%s'; expected one of %s",
        wr_cli_quote(o->packet, strlen(o->packet), q, sizeof q),
        wr_packet_type_names());
  }
  o->framing = wr_framing_default(type);
  uint64_t v;
  char prog[48];
  snprintf(prog, sizeof prog, WR_PCAP_PROG " %s", o->sub);
  if (o->packet_size) {
    if (wr_cli_parse_uint(prog, "--packet-size", o->packet_size, 0, UINT32_MAX,
                          &v))
      return 2;
    o->framing.packet_size = (uint32_t)v;
  }
  if (o->line_length) {
    if (wr_cli_parse_uint(prog, "--line-length", o->line_length, 0, UINT32_MAX,
                          &v))
      return 2;
    o->framing.trunc_len = (uint32_t)v;
  }
  if (o->line_delimiter) {
    if (type != WR_PACKET_LINE)
      return wr_pcap_usage_error(
          o, "--line-delimiter is only valid with --packet line");
    if (wr_cli_parse_byte(prog, "--line-delimiter", o->line_delimiter,
                          &o->framing.delimiter))
      return 2;
  }
  return 0;
}

int wr_pcap_parse_framing(pcap_opts *o, int need_packet) {
  char prog[48];
  snprintf(prog, sizeof prog, WR_PCAP_PROG " %s", o->sub);
  if (!o->packet) {
    if (need_packet)
      return wr_pcap_usage_error(o, "--packet TYPE is required");
  } else {
    int st = parse_packet(o);
    if (st)
      return st;
  }
  if (o->flow && o->port)
    return wr_pcap_usage_error(o, "--flow and --port exclude each other");
  if (o->flow &&
      wr_cli_parse_uint(prog, "--flow", o->flow, 1, UINT64_MAX, &o->flow_id))
    return 2;
  if (o->port &&
      wr_cli_parse_uint(prog, "--port", o->port, 0, 65535, &o->port_no))
    return 2;
  o->dirs = 3;
  if (o->dir) {
    if (strcmp(o->dir, "c2s") == 0)
      o->dirs = 1;
    else if (strcmp(o->dir, "s2c") == 0)
      o->dirs = 2;
    else
      return wr_pcap_usage_error(o, "--dir: expected c2s or s2c, found '%s'",
                                 o->dir);
  }
  return 0;
}

static int select_flow(void *ctx, const wr_tcp_flow *f) {
  const pcap_opts *o = ctx;
  if (o->flow)
    return f->id == o->flow_id;
  if (o->port)
    return f->client.port == o->port_no || f->server.port == o->port_no;
  return 1;
}

int wr_pcap_collect_flows(pcap_opts *o, wr_pcap_capture *cap) {
  char err[600];
  int rc = wr_pcap_collect(o->file, &o->popt, &o->topt, select_flow, o, cap,
                           err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, WR_PCAP_PROG " %s: %s\n", o->sub, err);
    return 2;
  }
  if (cap->count == 0 && (o->flow || o->port)) {
    fprintf(stderr, WR_PCAP_PROG " %s: %s: no flow %s %s\n", o->sub, o->file,
            o->flow ? "number" : "with port", o->flow ? o->flow : o->port);
    wr_pcap_capture_free(cap);
    return 2;
  }
  return 0;
}

static int cut_flow(const pcap_opts *o, const wr_pcap_flow *pf, events *ev) {
  ev->n = 0;
  for (int d = 0; d < 2; d++)
    if (o->dirs & (1 << d))
      cut_stream(&pf->dir[d], d, &o->framing, ev);
  if (ev->failed) {
    fprintf(stderr, WR_PCAP_PROG " %s: out of memory\n", o->sub);
    return 2;
  }
  qsort(ev->v, ev->n, sizeof *ev->v, by_time);
  return 0;
}

/* ---- decode ----------------------------------------------------------------
 */

static void print_event(FILE *out, const pcap_opts *o, const wr_pcap_flow *pf,
                        const event *e, size_t number) {
  char t[32];
  const char *dn = wr_tcp_dir_name(e->dir);
  (void)pf;
  wr_pcap_fmt_ts(e->ts, t);
  switch (e->kind) {
  case EV_PACKET:
    fprintf(out, "%s %s packet %zu at %" PRIu64 " (%zu bytes): ", t, dn, number,
            e->offset, e->packet.len);
    if (wr_packet_type_is_http(o->framing.type)) {
      int state = e->http_state;
      wr_http_packet hp;
      wr_http_parse(e->packet.ptr, e->packet.len, &state, &hp);
      wr_decode_print_http(out, o->framing.type, &hp);
    } else {
      wr_decode_print_bytes(out, e->packet.ptr, e->packet.len);
    }
    putc('\n', out);
    break;
  case EV_GAP:
    fprintf(out, "%s %s gap of %" PRIu64 " bytes at %" PRIu64 " (%s)\n", t, dn,
            e->gap_len, e->offset, wr_gap_reason_name(e->reason));
    break;
  case EV_LEFT:
    if (e->need)
      fprintf(out, "%s %s incomplete packet at %" PRIu64 ": %zu of %zu bytes\n",
              t, dn, e->offset, e->consumed, e->need);
    else
      fprintf(out,
              "%s %s incomplete packet at %" PRIu64 ": %zu bytes, length "
              "unknown\n",
              t, dn, e->offset, e->consumed);
    break;
  case EV_INVALID:
    fprintf(out,
            "%s %s framing error at %" PRIu64
            " (invalid packet; %zu bytes skipped up to the next gap or the "
            "end)\n",
            t, dn, e->offset, e->consumed);
    break;
  }
}

static void json_event(wr_json_writer *w, const pcap_opts *o,
                       const wr_pcap_flow *pf, const event *e) {
  wr_jw_object_begin(w);
  wr_jw_key(w, "flow");
  wr_jw_uint(w, pf->flow.id);
  wr_jw_key(w, "dir");
  wr_jw_str(w, wr_tcp_dir_name(e->dir));
  wr_jw_key(w, "ts_ns");
  wr_jw_int(w, e->ts);
  wr_jw_key(w, "offset");
  wr_jw_uint(w, e->offset);
  switch (e->kind) {
  case EV_PACKET: {
    wr_jw_key(w, "length");
    wr_jw_uint(w, e->consumed);
    wr_jw_key(w, "packet");
    wr_frame fr = {e->packet, e->consumed, 0};
    int state = e->http_state;
    wr_decode_json_packet(w, &o->framing, &fr, &state);
    break;
  }
  case EV_GAP:
    wr_jw_key(w, "gap");
    wr_jw_uint(w, e->gap_len);
    wr_jw_key(w, "reason");
    wr_jw_str(w, wr_gap_reason_name(e->reason));
    break;
  case EV_LEFT:
    wr_jw_key(w, "incomplete");
    wr_jw_uint(w, e->consumed);
    wr_jw_key(w, "need");
    if (e->need)
      wr_jw_uint(w, e->need);
    else
      wr_jw_null(w);
    break;
  case EV_INVALID:
    wr_jw_key(w, "error");
    wr_jw_str(w, "invalid");
    wr_jw_key(w, "skipped");
    wr_jw_uint(w, e->consumed);
    break;
  }
  wr_jw_object_end(w);
}

int wr_pcap_cmd_decode(pcap_opts *o) {
  int st = wr_pcap_parse_framing(o, 1);
  if (st)
    return st;
  wr_pcap_capture cap;
  if ((st = wr_pcap_collect_flows(o, &cap)))
    return st;
  events ev = {0};
  wr_json_writer w;
  wr_jw_init(&w);
  FILE *out = stdout;
  int status = 0;
  for (size_t i = 0; i < cap.count && status != 2; i++) {
    const wr_pcap_flow *pf = &cap.flows[i];
    if (cut_flow(o, pf, &ev)) {
      status = 2;
      break;
    }
    char a[WR_ENDPOINT_STRLEN], b[WR_ENDPOINT_STRLEN];
    wr_endpoint_format(&pf->flow.client, a);
    wr_endpoint_format(&pf->flow.server, b);
    size_t count[2] = {0, 0};
    if (o->json) {
      wr_jw_object_begin(&w);
      wr_jw_key(&w, "flow");
      wr_jw_uint(&w, pf->flow.id);
      wr_jw_key(&w, "client");
      wr_jw_str(&w, a);
      wr_jw_key(&w, "server");
      wr_jw_str(&w, b);
      wr_jw_object_end(&w);
      if (wr_decode_write_line(&w))
        status = 2;
    } else {
      fprintf(out, "flow %" PRIu64 " %s > %s\n", pf->flow.id, a, b);
    }
    for (size_t k = 0; k < ev.n && status != 2; k++) {
      const event *e = &ev.v[k];
      if (e->kind == EV_INVALID)
        status = 1;
      if (e->kind == EV_PACKET)
        count[e->dir]++;
      if (o->json) {
        json_event(&w, o, pf, e);
        if (wr_decode_write_line(&w))
          status = 2;
      } else {
        print_event(out, o, pf, e, count[e->dir]);
      }
    }
    if (!o->json)
      for (int d = 0; d < 2; d++)
        if (o->dirs & (1 << d))
          fprintf(out, "%s: %zu packets, %zu bytes\n", wr_tcp_dir_name(d),
                  count[d], pf->dir[d].len);
  }
  if (fflush(out) != 0 || ferror(out)) {
    fprintf(stderr, WR_PCAP_PROG " decode: cannot write the output: %s\n",
            strerror(errno));
    status = 2;
  }
  wr_jw_free(&w);
  free(ev.v);
  wr_pcap_capture_free(&cap);
  return status;
}

/* ---- to-corpus ----------------------------------------------------------- */

/* FNV-1a, 64 bits: file names that repeat for repeated packets, so the
 * corpus holds each packet once. */
static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

int wr_pcap_cmd_to_corpus(pcap_opts *o) {
  if (!o->out)
    return wr_pcap_usage_error(o, "--out DIR is required");
  int st = wr_pcap_parse_framing(o, 1);
  if (st)
    return st;
  if (mkdir(o->out, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, WR_PCAP_PROG " to-corpus: cannot create %s: %s\n", o->out,
            strerror(errno));
    return 2;
  }
  int dirfd = open(o->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    fprintf(stderr, WR_PCAP_PROG " to-corpus: %s: %s\n", o->out,
            strerror(errno));
    return 2;
  }
  wr_pcap_capture cap;
  if ((st = wr_pcap_collect_flows(o, &cap))) {
    close(dirfd);
    return st;
  }
  events ev = {0};
  size_t packets = 0, written = 0, dups = 0;
  int status = 0;
  for (size_t i = 0; i < cap.count && status == 0; i++) {
    const wr_pcap_flow *pf = &cap.flows[i];
    if (cut_flow(o, pf, &ev)) {
      status = 2;
      break;
    }
    for (size_t k = 0; k < ev.n; k++) {
      const event *e = &ev.v[k];
      if (e->kind != EV_PACKET)
        continue;
      packets++;
      /* The seed is the packet as it was on the wire: header and all. */
      const uint8_t *p = pf->dir[e->dir].data + e->at;
      char name[32];
      snprintf(name, sizeof name, "%016" PRIx64, fnv1a(p, e->consumed));
      int fd =
          openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0 && errno == EEXIST) {
        dups++;
        continue;
      }
      ssize_t w = fd < 0 ? -1 : write(fd, p, e->consumed);
      if (fd < 0 || w != (ssize_t)e->consumed || close(fd) != 0) {
        fprintf(stderr, WR_PCAP_PROG " to-corpus: %s/%s: %s\n", o->out, name,
                strerror(errno));
        status = 2;
        break;
      }
      written++;
    }
  }
  if (status == 0)
    fprintf(stderr,
            WR_PCAP_PROG " to-corpus: %zu packets from %zu flows: %zu new "
                         "files in %s, %zu already there\n",
            packets, cap.count, written, o->out, dups);
  free(ev.v);
  wr_pcap_capture_free(&cap);
  close(dirfd);
  return status;
}
