/* wr_pcap_to_scenario (pcaptools.h), the engine of `wirerig pcap
 * to-scenario`: a captured flow as a scenario file
 * (docs/scenarios.md) that replays the client side against a target and
 * expects the captured server's answers.
 *
 * The client's pieces become `send` statements in capture order, with a
 * `wait` where the client paused (with --packet 1, 2 or 4 one send per
 * packet, of its payload: the socket adds the header); the server's bytes
 * become `recv` statements placed before the first client piece that came after
 * them. Without a framing a recv takes exactly the bytes the server sent
 * between two client pieces (`recv N -> DATA`); with one each packet is one
 * recv, as a passive gen_tcp socket with {packet, TYPE} returns it (HTTP
 * lines as terms). Data is a quoted string with escapes when it is mostly
 * text, broken after each newline, and x"..." hex otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wirerig/error.h"
#include "wirerig/pcaptools.h"

/* Scenario files are at most 4 MiB: inline data stays well below. */
#define INLINE_MAX WR_SCENARIO_INLINE_MAX
#define RECV_MAX ((size_t)64 << 10)
#define WAIT_MIN_NS 1000000 /* pauses shorter than 1 ms are not written */
/* "1 piece", "2 pieces": the header is read by people. */
#define PLURAL(n, word) ((n) == 1 ? word : word "s")

static int mostly_text(const uint8_t *p, size_t n) {
  size_t text = 0;
  for (size_t i = 0; i < n; i++)
    if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\r' || p[i] == '\n' ||
        p[i] == '\t')
      text++;
  return n == 0 || text * 10 >= n * 9;
}

/* DATA terms for bytes, continued over lines with `\` and `indent`. */
static void write_data(FILE *out, const uint8_t *p, size_t n,
                       const char *indent) {
  if (n == 0) {
    fputs("\"\"", out);
    return;
  }
  if (!mostly_text(p, n)) {
    fputs("x\"", out);
    for (size_t i = 0; i < n; i++) {
      if (i && i % 32 == 0)
        fprintf(out, "\" \\\n%sx\"", indent);
      fprintf(out, i % 32 ? " %02x" : "%02x", p[i]);
    }
    putc('"', out);
    return;
  }
  putc('"', out);
  size_t col = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c == '\\' || c == '"')
      col += (size_t)fprintf(out, "\\%c", c);
    else if (c == '\n')
      col += (size_t)fprintf(out, "\\n");
    else if (c == '\r')
      col += (size_t)fprintf(out, "\\r");
    else if (c == '\t')
      col += (size_t)fprintf(out, "\\t");
    else if (c >= 0x20 && c < 0x7f)
      col += (size_t)fprintf(out, "%c", c);
    else
      col += (size_t)fprintf(out, "\\x%02x", c);
    /* Break after a newline, or in a long line. */
    if (i + 1 < n && (c == '\n' || col >= 72)) {
      fprintf(out, "\" \\\n%s\"", indent);
      col = 0;
    }
  }
  putc('"', out);
}

/* What the server says, in the order it became complete. */
typedef struct answer {
  size_t at, len; /* in the s2c data */
  int64_t ts;     /* when its last byte was captured */
  int http_state; /* --packet http*: the state before it */
  int left;       /* not a whole packet (or a framing error) */
} answer;

typedef struct answers {
  answer *v;
  size_t n, cap;
} answers;

static int add(answers *a, size_t at, size_t len, int64_t ts, int state,
               int left) {
  if (a->n == a->cap) {
    size_t nc = a->cap ? a->cap * 2 : 64;
    answer *nv = realloc(a->v, nc * sizeof *nv);
    if (!nv)
      return -1;
    a->v = nv;
    a->cap = nc;
  }
  a->v[a->n++] = (answer){at, len, ts, state, left};
  return 0;
}

/* The time of data byte `at` of a stream. */
static int64_t ts_of(const wr_tcp_stream *s, size_t at) {
  for (size_t i = 0; i < s->npieces; i++)
    if (at < s->pieces[i].at + s->pieces[i].len)
      return s->pieces[i].ts_ns;
  return s->npieces ? s->pieces[s->npieces - 1].ts_ns : 0;
}

/* Server answers cut into packets (cfg) or, without, kept as pieces (they
 * are grouped between client sends when written). */
static int server_answers(const wr_tcp_stream *s, const wr_framing *cfg,
                          answers *a) {
  if (!cfg || cfg->type == WR_PACKET_RAW) {
    for (size_t i = 0; i < s->npieces; i++)
      if (add(a, s->pieces[i].at, s->pieces[i].len, s->pieces[i].ts_ns, 0, 0))
        return -1;
    return 0;
  }
  size_t off = 0;
  int state = WR_HTTP_REQUEST_LINE;
  int headers_only =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  while (off < s->len) {
    if (headers_only)
      state = WR_HTTP_HEADERS;
    wr_frame fr;
    wr_frame_status st =
        wr_frame_next(cfg, state, s->data + off, s->len - off, &fr);
    if (st != WR_FRAME_PACKET)
      return add(a, off, s->len - off, ts_of(s, s->len - 1), state, 1);
    /* The packet itself (header stripped), for the expectation. */
    size_t pat = (size_t)(fr.packet.ptr - s->data);
    if (add(a, pat, fr.packet.len, ts_of(s, off + fr.consumed - 1), state, 0))
      return -1;
    if (wr_packet_type_is_http(cfg->type)) {
      wr_http_packet hp;
      wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
    }
    off += fr.consumed;
  }
  return 0;
}

/* Response headers whose value changes from one request to the next on
 * the same server (the clock, a fresh cookie or request id). */
static int volatile_header(const wr_http_packet *hp) {
  static const char *const names[] = {"date", "expires", "age", "set-cookie",
                                      "x-request-id"};
  if (hp->kind != WR_HTTP_HEADER)
    return 0;
  wr_span f = wr_http_field(hp);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (f.len == strlen(names[i]) &&
        strncasecmp((const char *)f.ptr, names[i], f.len) == 0)
      return 1;
  return 0;
}

static void write_recvs(FILE *out, const wr_tcp_stream *s,
                        const wr_framing *cfg, const answer *v, size_t n) {
  if (n == 0)
    return;
  if (!cfg || cfg->type == WR_PACKET_RAW) {
    /* Contiguous bytes: one recv of exactly that many (split to keep each
     * statement readable). */
    size_t at = v[0].at, end = v[n - 1].at + v[n - 1].len;
    while (at < end) {
      size_t len = end - at < RECV_MAX ? end - at : RECV_MAX;
      fprintf(out, "client recv %zu -> ", len);
      write_data(out, s->data + at, len, "    ");
      putc('\n', out);
      at += len;
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const answer *a = &v[i];
    if (a->left) {
      fprintf(out,
              "# the server's last %zu bytes make no whole packet; a recv "
              "would wait for the rest\n",
              a->len);
      continue;
    }
    fputs("client recv -> ", out);
    if (wr_packet_type_is_http(cfg->type)) {
      wr_http_packet hp;
      int state = a->http_state;
      wr_http_parse(s->data + a->at, a->len, &state, &hp);
      if (volatile_header(&hp)) {
        /* The same server answers with another value on the next run:
         * `any` takes the header whatever it says, and the captured one
         * stays beside it for the reader. */
        fputs("any   # captured: http ", out);
        wr_http_print(out, cfg->type, &hp);
        putc('\n', out);
        continue;
      }
      fputs("http ", out);
      wr_http_print(out, cfg->type, &hp);
    } else {
      write_data(out, s->data + a->at, a->len, "    ");
    }
    putc('\n', out);
  }
}

static void write_header(FILE *out, const wr_scenario_export *o,
                         const wr_pcap_flow *pf) {
  char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN], t[32];
  const wr_tcp_flow *f = &pf->flow;
  wr_addr_str(&f->client, a);
  wr_addr_str(&f->server, b);
  fprintf(out,
          "# Generated by `wirerig pcap to-scenario` from %s, flow %" PRIu64
          ":\n"
          "#   client %s > server %s, first packet at %s\n"
          "#   client sent %zu %s in %zu %s, server %zu %s in %zu %s\n",
          o->source, f->id, a, b, wr_pcap_format_ts(f->first_ts, t),
          pf->dir[WR_C2S].len, PLURAL(pf->dir[WR_C2S].len, "byte"),
          pf->dir[WR_C2S].npieces, PLURAL(pf->dir[WR_C2S].npieces, "piece"),
          pf->dir[WR_S2C].len, PLURAL(pf->dir[WR_S2C].len, "byte"),
          pf->dir[WR_S2C].npieces, PLURAL(pf->dir[WR_S2C].npieces, "piece"));
  fprintf(out,
          "#\n"
          "# It replays the client side against a server and expects the\n"
          "# captured answers%s. Point it at your server by editing the\n"
          "# `target` line (target server at HOST:PORT), or let wirerig\n"
          "# start it: target server start \"./myserver --port {port}\"\n",
          o->framing ? " as packets" : " byte for byte");
  for (int d = 0; d < 2; d++)
    for (size_t g = 0; g < pf->dir[d].ngaps; g++)
      fprintf(out,
              "# NOTE: the capture misses %" PRIu64 " bytes of %s at offset "
              "%" PRIu64 " (%s); they are not in this file\n",
              pf->dir[d].gaps[g].len, d == WR_C2S ? "the client" : "the server",
              pf->dir[d].gaps[g].offset,
              wr_gap_reason_name(pf->dir[d].gaps[g].reason));
  fprintf(out, "\nscenario \"%s flow %" PRIu64 "\"\n", o->source, f->id);
  fputs("transports loopback   # the target is a real server\n", out);
  /* The captured server address is a loopback one only by chance. */
  if (f->server.family == 4 && f->server.ip[0] == 127)
    fprintf(out, "target server at %s\n", b);
  else if (f->server.family == 6 &&
           memcmp(f->server.ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0)
    fprintf(out, "target server at %s\n", b);
  else
    fprintf(out, "target server at 127.0.0.1:%u   # captured: %s\n",
            (unsigned)f->server.port, b);
  const wr_framing *fr = o->framing;
  if (fr && fr->type != WR_PACKET_RAW) {
    fprintf(out, "client connect server active=false packet=%s",
            o->packet_name ? o->packet_name : wr_packet_type_name(fr->type));
    if (fr->packet_size)
      fprintf(out, " packet_size=%u", fr->packet_size);
    if (fr->type == WR_PACKET_LINE && fr->delimiter != '\n')
      fprintf(out, " line_delimiter=%u", fr->delimiter);
    putc('\n', out);
  } else {
    fputs("client connect server active=false\n", out);
  }
}

/* What the client sends. The client socket gets the capture's framing (so
 * that its recvs return packets), and gen_tcp:send on a {packet,1|2|4}
 * socket puts the length header in front of the data itself: a send that
 * carried the captured bytes would frame every packet twice (the server
 * would read "\0\0\0\5hello" where the client meant "hello"). For those
 * types each captured packet becomes one send of its payload; every other
 * type is sent verbatim by gen_tcp, so the captured pieces are sent as
 * they are. A trailing partial packet cannot be sent through the framing
 * socket and is named in a comment. */
static int client_sends(const wr_tcp_stream *c, const wr_framing *cfg,
                        answers *a, size_t *left) {
  uint8_t hdr[4];
  *left = 0;
  if (!cfg || wr_encode_header(cfg->type, 0, WR_ENCODE_WRAP, hdr) <= 0) {
    for (size_t i = 0; i < c->npieces; i++)
      if (add(a, c->pieces[i].at, c->pieces[i].len, c->pieces[i].ts_ns, 0, 0))
        return -1;
    return 0;
  }
  size_t off = 0;
  while (off < c->len) {
    wr_frame fr;
    if (wr_frame_next(cfg, WR_HTTP_REQUEST_LINE, c->data + off, c->len - off,
                      &fr) != WR_FRAME_PACKET) {
      *left = c->len - off;
      return 0;
    }
    size_t pat = (size_t)(fr.packet.ptr - c->data);
    if (add(a, pat, fr.packet.len, ts_of(c, off + fr.consumed - 1), 0, 0))
      return -1;
    off += fr.consumed;
  }
  return 0;
}

static int write_scenario(FILE *out, const wr_scenario_export *o,
                          const wr_pcap_flow *pf) {
  const wr_tcp_stream *c = &pf->dir[WR_C2S], *s = &pf->dir[WR_S2C];
  const wr_framing *cfg = o->framing;
  answers a = {0}, sends = {0};
  size_t left = 0;
  if (server_answers(s, cfg, &a) || client_sends(c, cfg, &sends, &left)) {
    free(a.v);
    free(sends.v);
    return -1;
  }
  write_header(out, o, pf);
  size_t k = 0;
  int64_t prev = 0;
  for (size_t i = 0; i < sends.n; i++) {
    const answer *p = &sends.v[i];
    size_t k0 = k;
    while (k < a.n && a.v[k].ts < p->ts)
      k++;
    write_recvs(out, s, cfg, a.v + k0, k - k0);
    if (i > 0 && p->ts - prev >= WAIT_MIN_NS)
      fprintf(out, "wait %" PRId64 "us\n", (p->ts - prev) / 1000);
    prev = p->ts;
    fputs("client send ", out);
    write_data(out, c->data + p->at, p->len, "    ");
    putc('\n', out);
  }
  if (left)
    fprintf(out,
            "# the client's last %zu bytes make no whole packet; they are "
            "not sent\n",
            left);
  write_recvs(out, s, cfg, a.v + k, a.n - k);
  free(sends.v);
  if (pf->flow.dir[WR_C2S].fin)
    fputs("client shutdown write\n", out);
  if (pf->flow.dir[WR_S2C].fin || pf->flow.dir[WR_S2C].rst)
    fprintf(out, "client recv -> error %s\n",
            pf->flow.dir[WR_S2C].rst ? "econnreset" : "closed");
  fputs("client close\n", out);
  free(a.v);
  return 0;
}

int wr_pcap_scenario_fits(const wr_pcap_flow *pf, const char *source, char *err,
                          size_t errlen) {
  size_t n = pf->dir[0].len + pf->dir[1].len;
  if (n <= INLINE_MAX)
    return 0;
  snprintf(err, errlen,
           "%s: flow %" PRIu64 " holds %zu bytes; a scenario keeps at most "
           "%zu inline (scenario files are limited to 4 MiB)",
           source, pf->flow.id, n, INLINE_MAX);
  return WR_EMSGSIZE;
}

int wr_pcap_to_scenario(FILE *out, const wr_pcap_flow *pf,
                        const wr_scenario_export *o, char *err, size_t errlen) {
  int rc = wr_pcap_scenario_fits(pf, o->source, err, errlen);
  if (rc)
    return rc;
  if (write_scenario(out, o, pf)) {
    snprintf(err, errlen, "out of memory");
    return WR_ENOMEM;
  }
  return 0;
}
