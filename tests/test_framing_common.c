#include "test_framing_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- types --------------------------------------------------------------- */

const char *fr_type_erl(wr_packet_type t) {
  static const char *const names[WR_PACKET_TYPE_COUNT] = {
      [WR_PACKET_RAW] = "raw",
      [WR_PACKET_1] = "1",
      [WR_PACKET_2] = "2",
      [WR_PACKET_4] = "4",
      [WR_PACKET_ASN1] = "asn1",
      [WR_PACKET_SUNRM] = "sunrm",
      [WR_PACKET_CDR] = "cdr",
      [WR_PACKET_FCGI] = "fcgi",
      [WR_PACKET_TPKT] = "tpkt",
      [WR_PACKET_LINE] = "line",
      [WR_PACKET_HTTP] = "http",
      [WR_PACKET_HTTPH] = "httph",
      [WR_PACKET_HTTP_BIN] = "http_bin",
      [WR_PACKET_HTTPH_BIN] = "httph_bin",
  };
  return (unsigned)t < WR_PACKET_TYPE_COUNT ? names[t] : "?";
}

int fr_is_http(wr_packet_type t) {
  return t == WR_PACKET_HTTP || t == WR_PACKET_HTTPH ||
         t == WR_PACKET_HTTP_BIN || t == WR_PACKET_HTTPH_BIN;
}

int fr_base_state(wr_packet_type t) {
  return (t == WR_PACKET_HTTPH || t == WR_PACKET_HTTPH_BIN)
             ? WR_HTTP_HEADERS
             : WR_HTTP_REQUEST_LINE;
}

wr_framing fr_cfg(const fr_row *r) {
  wr_framing cfg = wr_framing_default(r->type);
  cfg.packet_size = r->ps;
  cfg.trunc_len = r->tl;
  if (r->set_delim)
    cfg.delimiter = r->delim;
  return cfg;
}

/* ---- canonical text --------------------------------------------------------
 */

static void quote_span(tu_str *o, wr_span s) { tu_str_quote(o, s.ptr, s.len); }

static int span_eq(wr_span s, const char *z) {
  size_t n = strlen(z);
  return s.len == n && (n == 0 || memcmp(s.ptr, z, n) == 0);
}

/* A span the parser hands back must lie inside the line it parsed. */
static void check_inside(const wr_http_packet *p, wr_span s, const char *what) {
  if (s.len == 0)
    return;
  const uint8_t *lo = p->line.ptr, *hi = p->line.ptr + p->line.len;
  TU_CHECK(s.ptr >= lo && s.ptr + s.len <= hi,
           "%s span (%zu bytes) points outside the parsed line", what, s.len);
}

static void fmt_uri(tu_str *o, const wr_http_packet *p) {
  const wr_http_uri *u = &p->uri;
  switch (u->kind) {
  case WR_URI_STAR:
    tu_str_printf(o, "'*'");
    break;
  case WR_URI_ABS_PATH:
    tu_str_printf(o, "{abs_path,");
    quote_span(o, u->s1);
    tu_str_printf(o, "}");
    break;
  case WR_URI_HTTP:
  case WR_URI_HTTPS:
    tu_str_printf(o, "{absoluteURI,%s,",
                  u->kind == WR_URI_HTTP ? "http" : "https");
    quote_span(o, u->s1);
    if (u->port == 0)
      tu_str_printf(o, ",undefined,");
    else
      tu_str_printf(o, ",%ld,", (long)u->port);
    quote_span(o, u->s2);
    tu_str_printf(o, "}");
    break;
  case WR_URI_SCHEME:
    tu_str_printf(o, "{scheme,");
    quote_span(o, u->s1);
    tu_str_printf(o, ",");
    quote_span(o, u->s2);
    tu_str_printf(o, "}");
    break;
  case WR_URI_STRING:
    quote_span(o, u->s1);
    break;
  default:
    TU_FAIL("unknown uri kind %d", (int)u->kind);
  }
  check_inside(p, u->s1, "uri s1");
  /* An absoluteURI without a path gets the path "/", which is not in the
   * line: only that one may point elsewhere. */
  if (!((u->kind == WR_URI_HTTP || u->kind == WR_URI_HTTPS) &&
        span_eq(u->s2, "/")))
    check_inside(p, u->s2, "uri s2");
}

void fr_fmt_http(tu_str *o, const wr_http_packet *p) {
  switch (p->kind) {
  case WR_HTTP_REQUEST:
    tu_str_printf(o, "{http_request,");
    if (p->method_index != 0) {
      const char *m = wr_http_method_name(p->method_index);
      TU_CHECK(m != NULL, "method_index %d has no name", p->method_index);
      TU_CHECK(span_eq(p->method, m),
               "method_index %d (%s) but method text differs", p->method_index,
               m);
      tu_str_printf(o, "'%s'", m);
    } else {
      quote_span(o, p->method);
    }
    check_inside(p, p->method, "method");
    tu_str_printf(o, ",");
    fmt_uri(o, p);
    tu_str_printf(o, ",{%ld,%ld}}", (long)p->major, (long)p->minor);
    break;
  case WR_HTTP_RESPONSE:
    tu_str_printf(o, "{http_response,{%ld,%ld},%ld,", (long)p->major,
                  (long)p->minor, (long)p->status);
    quote_span(o, p->reason);
    check_inside(p, p->reason, "reason");
    tu_str_printf(o, "}");
    break;
  case WR_HTTP_HEADER: {
    wr_span f = wr_http_field(p);
    tu_str_printf(o, "{http_header,%d,", p->header_index);
    if (p->header_index != 0) {
      const char *h = wr_http_header_name(p->header_index);
      TU_CHECK(h != NULL, "header_index %d has no name", p->header_index);
      TU_CHECK(span_eq(f, h), "header_index %d (%s) but wr_http_field differs",
               p->header_index, h);
      tu_str_printf(o, "'%s'", h);
    } else {
      quote_span(o, f);
    }
    tu_str_printf(o, ",");
    quote_span(o, p->raw_field);
    tu_str_printf(o, ",");
    quote_span(o, p->value);
    tu_str_printf(o, "}");
    check_inside(p, p->raw_field, "raw_field");
    check_inside(p, p->value, "value");
    break;
  }
  case WR_HTTP_EOH:
    tu_str_printf(o, "http_eoh");
    break;
  case WR_HTTP_ERROR:
    tu_str_printf(o, "{http_error,");
    quote_span(o, p->line);
    tu_str_printf(o, "}");
    break;
  default:
    TU_FAIL("unknown http kind %d", (int)p->kind);
  }
}

void fr_fmt_expect(tu_str *o, const fr_row *r) {
  switch (r->res) {
  case FR_OK:
    tu_str_printf(o, "ok ");
    if (r->term)
      tu_str_printf(o, "%s", r->term);
    else
      tu_str_quote(o, r->pkt.p, r->pkt.n);
    tu_str_printf(o, " rest %zu", r->rest);
    break;
  case FR_MORE:
    if (r->need)
      tu_str_printf(o, "more %zu", r->need);
    else
      tu_str_printf(o, "more");
    break;
  case FR_INVALID:
    tu_str_printf(o, "invalid");
    break;
  }
}

/* wr_frame_batch over buf[0..n) from state must give exactly what
 * repeated wr_frame_next + wr_http_parse steps give, packet for packet,
 * including where and why it stops; wr_frame_http the same for one step. */
static void check_batch(const wr_framing *cfg, int state, const uint8_t *buf,
                        size_t n) {
  enum { MAXB = 8 };
  wr_frame bf[MAXB];
  wr_http_packet bh[MAXB];
  int bstate = state, s = state;
  int http = fr_is_http(cfg->type);
  int hdr_only =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  wr_frame_batch_result b =
      wr_frame_batch(cfg, &bstate, buf, n, bf, http ? bh : NULL, MAXB);
  size_t off = 0, i = 0;
  for (;; i++) {
    wr_frame f;
    memset(&f, 0, sizeof f);
    int st0 = hdr_only ? WR_HTTP_HEADERS : s;
    wr_frame_status st = wr_frame_next(cfg, st0, buf + off, n - off, &f);
    if (http) {
      wr_frame g;
      wr_http_packet gp, hp;
      int gs = s;
      memset(&g, 0, sizeof g);
      wr_frame_status gst =
          wr_frame_http(cfg, &gs, buf + off, n - off, &g, &gp);
      TU_CHECK(gst == st, "wr_frame_http says %d, wr_frame_next %d", (int)gst,
               (int)st);
      if (st == WR_FRAME_PACKET) {
        TU_CHECK(g.consumed == f.consumed && g.packet.ptr == f.packet.ptr &&
                     g.packet.len == f.packet.len,
                 "wr_frame_http framed %zu bytes, wr_frame_next %zu",
                 g.consumed, f.consumed);
        wr_http_parse(f.packet.ptr, f.packet.len, &st0, &hp);
        tu_str a = {0}, c = {0};
        fr_fmt_http(&a, &hp);
        fr_fmt_http(&c, &gp);
        TU_CHECK(strcmp(tu_str_c(&a), tu_str_c(&c)) == 0 && gs == st0,
                 "wr_frame_http parsed %s (state %d), wr_http_parse %s "
                 "(state %d)",
                 tu_str_c(&c), gs, tu_str_c(&a), st0);
        if (i < b.count) {
          tu_str d = {0};
          fr_fmt_http(&d, &bh[i]);
          TU_CHECK(strcmp(tu_str_c(&a), tu_str_c(&d)) == 0,
                   "wr_frame_batch packet %zu parsed %s, wr_http_parse %s", i,
                   tu_str_c(&d), tu_str_c(&a));
          tu_str_free(&d);
        }
        tu_str_free(&a);
        tu_str_free(&c);
        s = st0;
      } else if (st == WR_FRAME_MORE) {
        TU_CHECK(g.need == f.need, "wr_frame_http needs %zu, wr_frame_next %zu",
                 g.need, f.need);
      }
    }
    if (i == b.count) {
      TU_CHECK(b.consumed == off, "wr_frame_batch consumed %zu, steps %zu",
               b.consumed, off);
      if (b.count == MAXB)
        TU_CHECK(b.status == WR_FRAME_PACKET, "full batch status %d",
                 (int)b.status);
      else
        TU_CHECK(b.status == st && (st != WR_FRAME_MORE || b.need == f.need),
                 "wr_frame_batch stopped with %d/%zu, steps with %d/%zu",
                 (int)b.status, b.need, (int)st, f.need);
      if (http && b.count < MAXB)
        TU_CHECK(bstate == s, "wr_frame_batch state %d, steps %d", bstate, s);
      break;
    }
    TU_CHECK(st == WR_FRAME_PACKET && bf[i].consumed == f.consumed &&
                 bf[i].packet.ptr == f.packet.ptr &&
                 bf[i].packet.len == f.packet.len,
             "wr_frame_batch packet %zu differs from step (status %d)", i,
             (int)st);
    if (st != WR_FRAME_PACKET)
      break;
    off += f.consumed;
  }
}

/* One wr_frame_next over buf[0..n), cross-checked with wr_frame_length.
 * Appends the packet (quoted bytes or HTTP term) to pkt on a packet; the
 * HTTP parse runs at *state and updates it. */
static wr_frame_status decode_one(const wr_framing *cfg, int *state,
                                  const uint8_t *buf, size_t n, tu_str *pkt,
                                  wr_frame *f) {
  memset(f, 0, sizeof *f);
  check_batch(cfg, *state, buf, n);
  wr_frame_status st = wr_frame_next(cfg, *state, buf, n, f);
  size_t total = 0;
  wr_len_result lr = wr_frame_length(cfg, *state, buf, n, &total);
  switch (st) {
  case WR_FRAME_PACKET:
    TU_CHECK(f->consumed > 0 && f->consumed <= n,
             "packet consumed %zu bytes of %zu", f->consumed, n);
    TU_CHECK(f->packet.len <= f->consumed,
             "packet of %zu bytes but only %zu consumed", f->packet.len,
             f->consumed);
    TU_CHECK(f->packet.len == 0 || (f->packet.ptr >= buf &&
                                    f->packet.ptr + f->packet.len <= buf + n),
             "packet span points outside the input");
    TU_CHECK(lr == WR_LEN_TOTAL && total == f->consumed,
             "wr_frame_length says %d/%zu but wr_frame_next found a packet of "
             "%zu bytes",
             (int)lr, total, f->consumed);
    if (fr_is_http(cfg->type)) {
      wr_http_packet hp;
      memset(&hp, 0x5a, sizeof hp);
      wr_http_kind k = wr_http_parse(f->packet.ptr, f->packet.len, state, &hp);
      TU_CHECK(k == hp.kind, "wr_http_parse returned %d but out->kind is %d",
               (int)k, (int)hp.kind);
      TU_CHECK(hp.line.ptr == f->packet.ptr && hp.line.len == f->packet.len,
               "http packet line is not the framed line (%zu vs %zu bytes)",
               hp.line.len, f->packet.len);
      fr_fmt_http(pkt, &hp);
    } else {
      tu_str_quote(pkt, f->packet.ptr, f->packet.len);
    }
    break;
  case WR_FRAME_MORE:
    TU_CHECK(f->need == 0 || f->need > n,
             "more with need %zu but %zu bytes are there", f->need, n);
    if (f->need == 0)
      TU_CHECK(lr == WR_LEN_MORE,
               "wr_frame_next says more/undefined, wr_frame_length %d/%zu",
               (int)lr, total);
    else
      TU_CHECK(lr == WR_LEN_TOTAL && total == f->need,
               "wr_frame_next says more %zu, wr_frame_length %d/%zu", f->need,
               (int)lr, total);
    break;
  case WR_FRAME_INVALID:
    TU_CHECK(lr == WR_LEN_INVALID,
             "wr_frame_next says invalid, wr_frame_length %d/%zu", (int)lr,
             total);
    break;
  default:
    TU_FAIL("wr_frame_next returned %d", (int)st);
  }
  return st;
}

void fr_fmt_decode(tu_str *out, const wr_framing *cfg, int state,
                   const uint8_t *buf, size_t n, size_t *consumed) {
  tu_str pkt = {0};
  wr_frame f;
  int s = state;
  switch (decode_one(cfg, &s, buf, n, &pkt, &f)) {
  case WR_FRAME_PACKET:
    tu_str_printf(out, "ok %s rest %zu", tu_str_c(&pkt), n - f.consumed);
    if (consumed)
      *consumed = f.consumed;
    break;
  case WR_FRAME_MORE:
    if (f.need)
      tu_str_printf(out, "more %zu", f.need);
    else
      tu_str_printf(out, "more");
    break;
  default:
    tu_str_printf(out, "invalid");
  }
  tu_str_free(&pkt);
}

/* ---- row checks -----------------------------------------------------------
 */

/* Header size of a header-based packet (bytes needed before its length is
 * known); 0 for the types without a header; SIZE_MAX when the input is too
 * short to say (asn1). */
static size_t hdr_size(const fr_row *r) {
  const uint8_t *b = (const uint8_t *)r->in.p;
  size_t n = r->in.n, i;
  switch (r->type) {
  case WR_PACKET_1:
    return 1;
  case WR_PACKET_2:
    return 2;
  case WR_PACKET_4:
  case WR_PACKET_SUNRM:
  case WR_PACKET_TPKT:
    return 4;
  case WR_PACKET_FCGI:
    return 8;
  case WR_PACKET_CDR:
    return 12;
  case WR_PACKET_ASN1:
    /* tag: one byte, or 0x1f-form followed by bytes up to one with the top
     * bit clear; then the length octet and, in long form, k more bytes. */
    if (n < 1)
      return SIZE_MAX;
    i = 1;
    if ((b[0] & 0x1f) == 0x1f) {
      while (i < n && (b[i] & 0x80))
        i++;
      if (i >= n)
        return SIZE_MAX;
      i++;
    }
    if (i >= n)
      return SIZE_MAX;
    return (b[i] & 0x80) ? i + 1 + (b[i] & 0x7f) : i + 1;
  default:
    return 0;
  }
}

static void check_truncations(const fr_row *r, tu_guard *g) {
  size_t hdr = hdr_size(r);
  if (hdr == 0)
    return;
  wr_framing cfg = fr_cfg(r);
  size_t upto = r->res == FR_OK ? r->in.n - r->rest : r->in.n;
  tu_str got = {0}, want = {0};
  for (size_t k = 0; k < upto; k++) {
    tu_str_clear(&got);
    tu_str_clear(&want);
    if (k < hdr)
      tu_str_printf(&want, "more");
    else if (r->res == FR_INVALID)
      tu_str_printf(&want, "invalid");
    else if (r->res == FR_OK)
      tu_str_printf(&want, "more %zu", upto);
    else if (r->need)
      tu_str_printf(&want, "more %zu", r->need);
    else
      tu_str_printf(&want, "more");
    const uint8_t *p = tu_guard_place(g, r->in.p, k);
    fr_fmt_decode(&got, &cfg, fr_base_state(r->type), p, k, NULL);
    if (strcmp(tu_str_c(&got), tu_str_c(&want)) != 0)
      TU_FAIL("row '%s' (%s) truncated to %zu of %zu bytes (header %zu): "
              "expected %s, got %s",
              r->name, fr_type_erl(r->type), k, r->in.n, hdr, tu_str_c(&want),
              tu_str_c(&got));
    tu_count(1);
  }
  tu_str_free(&got);
  tu_str_free(&want);
}

void fr_check_rows(const fr_row *rows, size_t n) {
  tu_guard g;
  tu_guard_init(&g, 4096);
  tu_str got = {0}, want = {0}, shown = {0};
  for (size_t i = 0; i < n; i++) {
    const fr_row *r = &rows[i];
    wr_framing cfg = fr_cfg(r);
    tu_str_clear(&got);
    tu_str_clear(&want);
    tu_str_clear(&shown);
    tu_where_set("row '%s', one-shot", r->name);
    fr_fmt_expect(&want, r);
    const uint8_t *p = tu_guard_place(&g, r->in.p, r->in.n);
    fr_fmt_decode(&got, &cfg, fr_base_state(r->type), p, r->in.n, NULL);
    if (strcmp(tu_str_c(&got), tu_str_c(&want)) != 0) {
      tu_str_quote(&shown, r->in.p, r->in.n);
      TU_FAIL("row '%s': decode_packet(%s, %s, [packet_size %u, line_length "
              "%u%s])\n  expected: %s\n  got:      %s",
              r->name, fr_type_erl(r->type), tu_str_c(&shown), r->ps, r->tl,
              r->set_delim ? ", delimiter set" : "", tu_str_c(&want),
              tu_str_c(&got));
    }
    tu_count(1);
    tu_where_set("row '%s', truncated", r->name);
    check_truncations(r, &g);
    /* A line longer than packet_size is invalid only if it is seen whole:
     * with line_length below packet_size, a prefix of line_length bytes is
     * a packet of its own (decode_packet is stateless), so how the bytes
     * arrive changes the answer and there is no split invariant. */
    if (r->type == WR_PACKET_LINE && r->ps && r->tl && r->res == FR_INVALID)
      continue;
    /* Likewise an HTTP limit of 1: "\r" alone is invalid (n >= 1 without an
     * LF) while "\r\n" alone is always a packet (3.1 rule 1), so a longer
     * input can turn an invalid answer into a packet. */
    if (fr_is_http(r->type) && (r->ps ? r->ps : r->tl) == 1)
      continue;
    fr_split(r->name, &cfg, 0, r->in.p, r->in.n, NULL);
  }
  tu_where_set("%s", "");
  tu_str_free(&got);
  tu_str_free(&want);
  tu_str_free(&shown);
  tu_guard_free(&g);
}

/* ---- split runs over the framer ---------------------------------------- */

typedef struct split_ctx {
  wr_framing cfg;
  int track, base, state;
  uint8_t *acc; /* received, not yet consumed */
  size_t len, cap;
  uint8_t *raw; /* raw: everything delivered, in order */
  size_t raw_len, raw_cap;
  tu_guard g;
  int invalid;
  size_t idx; /* packets found in this run */
  wr_frame_status last;
  size_t last_need;
  /* The one-shot run's answers, to check each "more N" against. */
  int recording;
  size_t *ref;
  size_t nref, refcap;
  wr_frame_status ref_final;
  size_t ref_need;
} split_ctx;

static void grow(uint8_t **p, size_t *cap, size_t need) {
  if (need <= *cap)
    return;
  size_t c = *cap ? *cap : 64;
  while (c < need)
    c *= 2;
  uint8_t *q = realloc(*p, c);
  if (q == NULL)
    TU_FAIL("out of memory");
  *p = q;
  *cap = c;
}

static void split_begin(void *vc, tu_str *log) {
  (void)log;
  split_ctx *c = vc;
  c->state = c->base;
  c->len = 0;
  c->raw_len = 0;
  c->invalid = 0;
  c->idx = 0;
  c->last = WR_FRAME_MORE;
  c->last_need = 0;
}

static void split_drain(split_ctx *c, tu_str *log) {
  /* Each packet consumes at least one byte, so this ends. */
  for (;;) {
    const uint8_t *p = tu_guard_place(&c->g, c->acc, c->len);
    int st = c->track ? c->state : c->base;
    wr_frame f;
    tu_str pkt = {0};
    wr_frame_status s = decode_one(&c->cfg, &st, p, c->len, &pkt, &f);
    /* httph types stay in the header state whatever the line was. */
    if (c->track && c->base == WR_HTTP_REQUEST_LINE)
      c->state = st;
    if (c->invalid && s != WR_FRAME_INVALID)
      TU_FAIL("answer went from invalid to %d once more bytes arrived "
              "(%zu buffered)",
              (int)s, c->len);
    c->last = s;
    c->last_need = s == WR_FRAME_MORE ? f.need : 0;
    if (s == WR_FRAME_PACKET) {
      if (c->cfg.type == WR_PACKET_RAW) {
        grow(&c->raw, &c->raw_cap, c->raw_len + f.packet.len);
        memcpy(c->raw + c->raw_len, f.packet.ptr, f.packet.len);
        c->raw_len += f.packet.len;
      } else {
        tu_str_printf(log, "%s ", tu_str_c(&pkt));
      }
      if (c->recording) {
        if (c->nref == c->refcap) {
          c->refcap = c->refcap ? 2 * c->refcap : 16;
          c->ref = realloc(c->ref, c->refcap * sizeof *c->ref);
          if (c->ref == NULL)
            TU_FAIL("out of memory");
        }
        c->ref[c->nref++] = f.consumed;
      }
      c->idx++;
      memmove(c->acc, c->acc + f.consumed, c->len - f.consumed);
      c->len -= f.consumed;
      tu_str_free(&pkt);
      continue;
    }
    tu_str_free(&pkt);
    if (s == WR_FRAME_MORE && f.need && !c->recording &&
        c->cfg.type != WR_PACKET_RAW) {
      size_t want = c->idx < c->nref                ? c->ref[c->idx]
                    : c->ref_final == WR_FRAME_MORE ? c->ref_need
                                                    : 0;
      TU_CHECK(f.need == want,
               "packet %zu: more %zu with %zu bytes buffered, but the "
               "one-shot run says this packet is %zu bytes",
               c->idx + 1, f.need, c->len, want);
    }
    if (s == WR_FRAME_INVALID)
      c->invalid = 1;
    return;
  }
}

static void split_feed(void *vc, const uint8_t *chunk, size_t n, tu_str *log) {
  split_ctx *c = vc;
  grow(&c->acc, &c->cap, c->len + n);
  if (n)
    memcpy(c->acc + c->len, chunk, n);
  c->len += n;
  split_drain(c, log);
}

static void split_end(void *vc, tu_str *log) {
  split_ctx *c = vc;
  if (c->cfg.type == WR_PACKET_RAW) {
    tu_str_printf(log, "raw ");
    tu_str_quote(log, c->raw, c->raw_len);
    tu_str_printf(log, " ");
  }
  if (c->last == WR_FRAME_INVALID)
    tu_str_printf(log, "invalid");
  else if (c->last_need)
    tu_str_printf(log, "more %zu", c->last_need);
  else
    tu_str_printf(log, "more");
  tu_str_printf(log, " left %zu", c->len);
}

void fr_split(const char *row, const wr_framing *cfg, int track, const void *in,
              size_t len, const char *expect) {
  static const tu_split_ops ops = {split_begin, split_feed, split_end};
  split_ctx c;
  memset(&c, 0, sizeof c);
  c.cfg = *cfg;
  c.track = track;
  c.base = fr_base_state(cfg->type);
  tu_guard_init(&c.g, len + 1);

  /* Reference pass: record the size of every packet one-shot. */
  tu_str log = {0};
  tu_where_set("row '%s', reference run", row);
  c.recording = 1;
  split_begin(&c, &log);
  split_feed(&c, tu_guard_place(&c.g, in, len), len, &log);
  c.ref_final = c.last;
  c.ref_need = c.last_need;
  c.recording = 0;
  tu_str_free(&log);

  tu_split_run(row, in, len, &ops, &c, expect);

  free(c.acc);
  free(c.raw);
  free(c.ref);
  tu_guard_free(&c.g);
}

/* ---- oracle dump ------------------------------------------------------------
 */

static void erl_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void dump_row(FILE *f, const fr_row *r) {
  fputc('{', f);
  erl_string(f, r->name);
  fprintf(f, ", %s, <<", fr_type_erl(r->type));
  for (size_t i = 0; i < r->in.n; i++)
    fprintf(f, "%s%u", i ? "," : "", (unsigned)(uint8_t)r->in.p[i]);
  fprintf(f, ">>, [");
  const char *sep = "";
  if (r->ps) {
    fprintf(f, "{packet_size,%u}", r->ps);
    sep = ",";
  }
  if (r->tl) {
    fprintf(f, "%s{line_length,%u}", sep, r->tl);
    sep = ",";
  }
  if (r->set_delim)
    fprintf(f, "%s{line_delimiter,%u}", sep, r->delim);
  fprintf(f, "], ");
  tu_str want = {0};
  fr_fmt_expect(&want, r);
  erl_string(f, tu_str_c(&want));
  tu_str_free(&want);
  fprintf(f, "}.\n");
}

int fr_main(int argc, char **argv, const char *group,
            const struct CMUnitTest *tests, size_t ntests,
            const fr_table *tables, size_t ntables) {
  if (argc == 3 && strcmp(argv[1], "--erlang") == 0) {
    FILE *f = fopen(argv[2], "w");
    if (f == NULL) {
      fprintf(stderr, "%s: cannot write %s\n", argv[0], argv[2]);
      return 2;
    }
    size_t rows = 0;
    for (size_t t = 0; t < ntables; t++)
      for (size_t i = 0; i < tables[t].n; i++, rows++)
        dump_row(f, &tables[t].rows[i]);
    if (fclose(f) != 0) {
      fprintf(stderr, "%s: error writing %s\n", argv[0], argv[2]);
      return 2;
    }
    fprintf(stderr, "%s: %zu rows written to %s\n", argv[0], rows, argv[2]);
    return 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: %s [--erlang FILE]\n", argv[0]);
    return 2;
  }
  int rc = _cmocka_run_group_tests(group, tests, ntests, NULL, NULL);
  printf("%s: %lu checks run\n", group, tu_counted());
  return rc;
}
