/* Split-invariance oracle for one packet type (WR_FUZZ_TYPE, set per target
 * by fuzz/CMakeLists.txt).
 *
 * How a byte stream is cut into packets must not depend on how it was
 * segmented on the way (STYLE.md habit 1): the stream is decoded once with
 * everything present and once as it arrives in fuzzer-chosen chunks, and
 * the packets (offset, length, bytes consumed) and the final outcome (MORE
 * with the same need, or INVALID, at the same offset) must be identical.
 * Every single step is also checked on its own: the packet lies inside the
 * input, consumed <= available, a known need exceeds what is available,
 * wr_frame_length agrees with wr_frame_next, the delivered part is the one
 * semantics §1.3 names, the header-based types agree with the plain
 * reference in ref_length.c, and every http line goes through
 * wr_http_parse and fz_check_http.
 *
 * Input layout:
 *   byte 0  packet_size code (fz_limit)
 *   byte 1  trunc_len code (fz_limit)
 *   byte 2  delimiter code (fz_delimiter; 0 = '\n')
 *   byte 3  k = low 4 bits: number of chunk-size bytes that follow
 *   k bytes chunk sizes, used in turn (0 = call again with nothing new);
 *           k == 0 (or all zero) means one byte at a time
 *   rest    the stream
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_http.h"
#include "fuzz_util.h"
#include "ref_length.h"

#ifndef WR_FUZZ_TYPE
#error "compile with -DWR_FUZZ_TYPE=WR_PACKET_..."
#endif

typedef struct step {
  size_t off;      /* stream offset of the delivered packet */
  size_t len;      /* delivered bytes */
  size_t consumed; /* bytes dropped from the input */
} step;

/* What one decoding of the stream produced. */
typedef struct run {
  step *steps;
  size_t count, cap;
  size_t raw_bytes;  /* raw: bytes delivered in total */
  int final;         /* WR_FRAME_MORE or WR_FRAME_INVALID */
  size_t final_off;  /* stream offset where decoding stopped */
  size_t final_need; /* need of the final MORE */
  int http_state;
} run;

static int is_http(void) { return wr_packet_type_is_http(WR_FUZZ_TYPE); }

static int is_httph(void) {
  return WR_FUZZ_TYPE == WR_PACKET_HTTPH || WR_FUZZ_TYPE == WR_PACKET_HTTPH_BIN;
}

/* Configurations where OTP's own rules depend on segmentation, so only the
 * per-step invariants apply:
 * - raw delivers whatever has arrived, so only the byte total is compared;
 * - line with packet_size >= line_length != 0: a long line is INVALID when
 *   the delimiter is visible but cut at line_length when it is not yet
 *   (semantics §2.10 checks packet_size first);
 * - http with a line limit of 1: an input that is exactly "\r\n" is a
 *   complete packet whatever the limit (§3.1 rule 1), but "\r\n" followed by
 *   more bytes is a 2-byte line over the limit. */
static int split_invariant(const wr_framing *cfg) {
  if (cfg->type == WR_PACKET_LINE)
    return !(cfg->packet_size != 0 && cfg->trunc_len != 0 &&
             cfg->packet_size >= cfg->trunc_len);
  if (is_http()) {
    uint32_t m = cfg->packet_size ? cfg->packet_size : cfg->trunc_len;
    return m != 1;
  }
  return 1;
}

static void run_push(run *r, step s) {
  if (r->count == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 16;
    r->steps = fz_xrealloc(r->steps, r->cap * sizeof *r->steps);
  }
  r->steps[r->count++] = s;
}

/* The delivered span must be the part semantics §1.3 names. */
static void check_delivered(const wr_framing *cfg, const uint8_t *buf, size_t n,
                            const wr_frame *f) {
  size_t off = (size_t)((uintptr_t)f->packet.ptr - (uintptr_t)buf);
  size_t len = f->packet.len;
  switch (cfg->type) {
  case WR_PACKET_RAW:
    FZ_CHECK(off == 0 && len == n && f->consumed == n,
             "raw must deliver all %zu available bytes (got off %zu len %zu "
             "consumed %zu)",
             n, off, len, f->consumed);
    return;
  case WR_PACKET_LINE: {
    FZ_CHECK(off == 0 && len == f->consumed,
             "line: packet (off %zu len %zu) is not the consumed %zu bytes",
             off, len, f->consumed);
    const uint8_t *d = memchr(buf, cfg->delimiter, len);
    int ends = d && (size_t)(d - buf) == len - 1;
    FZ_CHECK(ends || (!d && cfg->trunc_len != 0 && len == cfg->trunc_len),
             "line of %zu bytes neither ends at the first delimiter nor is "
             "cut at line_length %u",
             len, cfg->trunc_len);
    FZ_CHECK(cfg->packet_size == 0 || len <= cfg->packet_size,
             "line of %zu bytes exceeds packet_size %u", len, cfg->packet_size);
    return;
  }
  default:
    break;
  }
  if (wr_packet_type_is_http(cfg->type)) {
    FZ_CHECK(off == 0 && len == f->consumed,
             "http: packet (off %zu len %zu) is not the consumed %zu bytes",
             off, len, f->consumed);
    FZ_CHECK(len > 0 && buf[len - 1] == '\n',
             "http line of %zu bytes does not end with LF", len);
    uint32_t m = cfg->packet_size ? cfg->packet_size : cfg->trunc_len;
    int alone = len == n && (len == 1 || (len == 2 && buf[0] == '\r'));
    FZ_CHECK(m == 0 || len <= m || alone,
             "http line of %zu bytes exceeds the limit %u", len, m);
    return;
  }
  fz_ref ref = fz_ref_length(cfg->type, cfg->packet_size, buf, n);
  FZ_CHECK(ref.result == WR_LEN_TOTAL && ref.total == f->consumed &&
               ref.deliver_off == off && ref.deliver_len == len,
           "%s: packet off %zu len %zu consumed %zu, reference says result "
           "%d total %zu off %zu len %zu",
           wr_packet_type_name(cfg->type), off, len, f->consumed,
           (int)ref.result, ref.total, ref.deliver_off, ref.deliver_len);
}

/* wr_frame_http (one walk for the common lines, SSE2 scans where built
 * with them) must give what the wr_frame_next + wr_http_parse steps gave:
 * the same status, bytes, need, state and parsed term, and leave its packet
 * alone unless it found one. */
static void check_frame_http(const wr_framing *cfg, int state,
                             const uint8_t *buf, size_t n, wr_frame_status st,
                             const wr_frame *f, const wr_http_packet *hp,
                             int after) {
  wr_frame g;
  wr_http_packet gp;
  memset(&g, 0xa5, sizeof g);
  memset(&gp, 0x5a, sizeof gp);
  int gs = state;
  wr_frame_status gst = wr_frame_http(cfg, &gs, buf, n, &g, &gp);
  FZ_CHECK(gst == st, "wr_frame_http says %d, wr_frame_next %d over \"%s\"",
           (int)gst, (int)st, fz_escape(buf, n));
  if (st == WR_FRAME_MORE)
    FZ_CHECK(g.need == f->need, "wr_frame_http needs %zu, wr_frame_next %zu",
             g.need, f->need);
  if (st != WR_FRAME_PACKET) {
    FZ_CHECK(gs == state, "wr_frame_http moved the state without a packet");
    FZ_CHECK(gp.kind == (wr_http_kind)0x5a5a5a5a,
             "wr_frame_http wrote its packet without finding one");
    return;
  }
  FZ_CHECK(g.consumed == f->consumed && g.packet.ptr == f->packet.ptr &&
               g.packet.len == f->packet.len,
           "wr_frame_http framed %zu bytes (packet %zu), wr_frame_next %zu "
           "(%zu) over \"%s\"",
           g.consumed, g.packet.len, f->consumed, f->packet.len,
           fz_escape(buf, n));
  FZ_CHECK(gs == after, "wr_frame_http left state %d, wr_http_parse %d", gs,
           after);
  char one;
  size_t la = (size_t)wr_http_render(&gp, 1, &one, 1) + 1;
  size_t lb = (size_t)wr_http_render(hp, 1, &one, 1) + 1;
  char *a = fz_xrealloc(NULL, la), *b = fz_xrealloc(NULL, lb);
  wr_http_render(&gp, 1, a, la);
  wr_http_render(hp, 1, b, lb);
  FZ_CHECK(la == lb && strcmp(a, b) == 0 && gp.line.ptr == hp->line.ptr &&
               gp.line.len == hp->line.len,
           "wr_frame_http parsed %s, wr_http_parse %s", a, b);
  free(a);
  free(b);
}

/* One wr_frame_next call over buf[0..n), with every per-step check. Parses
 * http lines, moving r->http_state as a socket would. */
static wr_frame_status step_once(const wr_framing *cfg, run *r,
                                 const uint8_t *buf, size_t n, wr_frame *f) {
  int state = is_httph() ? WR_HTTP_HEADERS : r->http_state;
  memset(f, 0xa5, sizeof *f); /* stale fields must not look valid */
  wr_frame_status st = wr_frame_next(cfg, state, buf, n, f);
  size_t total = 0;
  wr_len_result lr = wr_frame_length(cfg, state, buf, n, &total);

  switch (st) {
  case WR_FRAME_PACKET:
    FZ_CHECK(f->consumed > 0 && f->consumed <= n,
             "consumed %zu of %zu available", f->consumed, n);
    FZ_CHECK(fz_span_in(f->packet, buf, f->consumed),
             "packet (len %zu) not inside the %zu consumed bytes",
             f->packet.len, f->consumed);
    FZ_CHECK(lr == WR_LEN_TOTAL && total == f->consumed,
             "wr_frame_length says %d/%zu, wr_frame_next consumed %zu", (int)lr,
             total, f->consumed);
    check_delivered(cfg, buf, n, f);
    break;
  case WR_FRAME_MORE:
    FZ_CHECK(f->need == 0 || f->need > n,
             "MORE with need %zu but %zu bytes available", f->need, n);
    FZ_CHECK(f->need <= 0x7fffffffu, "need %zu exceeds INT_MAX", f->need);
    FZ_CHECK((lr == WR_LEN_MORE && f->need == 0) ||
                 (lr == WR_LEN_TOTAL && total == f->need),
             "wr_frame_length says %d/%zu, wr_frame_next MORE need %zu",
             (int)lr, total, f->need);
    FZ_CHECK(cfg->type != WR_PACKET_RAW || n == 0,
             "raw answered MORE with %zu bytes available", n);
    break;
  case WR_FRAME_INVALID:
    FZ_CHECK(lr == WR_LEN_INVALID,
             "wr_frame_length says %d, wr_frame_next INVALID", (int)lr);
    FZ_CHECK(cfg->type != WR_PACKET_RAW, "raw answered INVALID");
    break;
  default:
    FZ_CHECK(0, "wr_frame_next returned %d", (int)st);
  }

  {
    fz_ref ref = fz_ref_frame(cfg, state, buf, n);
    wr_frame_status want = ref.result == WR_LEN_INVALID ? WR_FRAME_INVALID
                           : ref.result == WR_LEN_MORE  ? WR_FRAME_MORE
                           : ref.total <= n             ? WR_FRAME_PACKET
                                                        : WR_FRAME_MORE;
    size_t want_need = ref.result == WR_LEN_TOTAL ? ref.total : 0;
    FZ_CHECK(st == want && (st != WR_FRAME_MORE || f->need == want_need) &&
                 (st != WR_FRAME_PACKET || f->consumed == ref.total),
             "%s (packet_size %u, line_length %u, state %d) over %zu bytes "
             "\"%s\": got %d need %zu consumed %zu, reference (ref_length.c) "
             "says %d total %zu",
             wr_packet_type_name(cfg->type), cfg->packet_size, cfg->trunc_len,
             state, n, fz_escape(buf, n), (int)st,
             st == WR_FRAME_MORE ? f->need : 0,
             st == WR_FRAME_PACKET ? f->consumed : 0, (int)want, ref.total);
  }

  wr_http_packet hp;
  int after = state;
  if (st == WR_FRAME_PACKET && is_http()) {
    int before = state;
    memset(&hp, 0x5a, sizeof hp);
    wr_http_kind k = wr_http_parse(f->packet.ptr, f->packet.len, &after, &hp);
    FZ_CHECK(k == hp.kind, "wr_http_parse returned %d, out->kind %d", (int)k,
             (int)hp.kind);
    fz_check_http(&hp, f->packet.ptr, f->packet.len, before, after);
    r->http_state = after;
  }
  if (is_http())
    check_frame_http(cfg, state, buf, n, st, f, &hp, after);
  return st;
}

/* Decodes buf[0..n) as far as it goes, as decode_packet called again and
 * again on the rest. */
static void decode_whole(const wr_framing *cfg, const uint8_t *data, size_t n,
                         run *r) {
  uint8_t *buf = fz_copy(data, n);
  size_t off = 0;
  for (;;) {
    wr_frame f;
    wr_frame_status st = step_once(cfg, r, buf + off, n - off, &f);
    if (st != WR_FRAME_PACKET) {
      r->final = st;
      r->final_off = off;
      r->final_need = st == WR_FRAME_MORE ? f.need : 0;
      break;
    }
    step s = {off + (size_t)(f.packet.ptr - (buf + off)), f.packet.len,
              f.consumed};
    run_push(r, s);
    r->raw_bytes += f.packet.len;
    off += f.consumed;
  }
  free(buf);
}

/* The same stream arriving in chunks: after each chunk, the unconsumed
 * bytes are copied to a fresh buffer of exactly their size and decoded as
 * far as they go. */
static void decode_chunked(const wr_framing *cfg, const uint8_t *data, size_t n,
                           const uint8_t *sizes, size_t nsizes, run *r) {
  size_t sum = 0;
  for (size_t i = 0; i < nsizes; i++)
    sum += sizes[i];
  static const uint8_t one = 1;
  if (sum == 0) {
    sizes = &one;
    nsizes = 1;
  }

  size_t base = 0;    /* stream offset of the first unconsumed byte */
  size_t arrived = 0; /* bytes of the stream received so far */
  size_t turn = 0;
  wr_frame_status st = WR_FRAME_MORE;
  wr_frame f = {{NULL, 0}, 0, 0};
  /* A bounded number of calls: every round either receives a byte or is
   * one of at most nsizes consecutive empty chunks. */
  while (arrived < n) {
    size_t c = sizes[turn++ % nsizes];
    if (c > n - arrived)
      c = n - arrived;
    arrived += c;
    uint8_t *buf = fz_copy(data + base, arrived - base);
    size_t off = 0;
    for (;;) {
      st = step_once(cfg, r, buf + off, arrived - base - off, &f);
      if (st != WR_FRAME_PACKET)
        break;
      step s = {base + off + (size_t)(f.packet.ptr - (buf + off)), f.packet.len,
                f.consumed};
      run_push(r, s);
      r->raw_bytes += f.packet.len;
      off += f.consumed;
    }
    free(buf);
    base += off;
    if (st == WR_FRAME_INVALID)
      break; /* framing errors are final, as on a socket */
  }
  if (n == 0) { /* nothing ever arrives: one call over no bytes */
    uint8_t *buf = fz_copy(data, 0);
    st = step_once(cfg, r, buf, 0, &f);
    free(buf);
    FZ_CHECK(st == WR_FRAME_MORE, "empty input must be MORE, got %d", (int)st);
  }
  r->final = st;
  r->final_off = base;
  r->final_need = st == WR_FRAME_MORE ? f.need : 0;
}

static void compare(const wr_framing *cfg, const run *a, const run *b) {
  if (cfg->type == WR_PACKET_RAW) {
    FZ_CHECK(a->raw_bytes == b->raw_bytes,
             "raw delivered %zu bytes one-shot, %zu chunked", a->raw_bytes,
             b->raw_bytes);
    return;
  }
  size_t n = a->count < b->count ? a->count : b->count;
  for (size_t i = 0; i < n; i++) {
    const step *x = &a->steps[i], *y = &b->steps[i];
    FZ_CHECK(x->off == y->off && x->len == y->len && x->consumed == y->consumed,
             "packet %zu differs: one-shot off %zu len %zu consumed %zu, "
             "chunked off %zu len %zu consumed %zu",
             i, x->off, x->len, x->consumed, y->off, y->len, y->consumed);
  }
  FZ_CHECK(a->count == b->count,
           "one-shot found %zu packets, chunked %zu (next %s at offset %zu)",
           a->count, b->count, a->count > b->count ? "one-shot" : "chunked",
           a->count > b->count ? a->steps[n].off : b->steps[n].off);
  FZ_CHECK(a->final == b->final && a->final_off == b->final_off &&
               a->final_need == b->final_need,
           "final outcome differs: one-shot %d at %zu need %zu, chunked %d "
           "at %zu need %zu",
           a->final, a->final_off, a->final_need, b->final, b->final_off,
           b->final_need);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_in in = {data, size};
  wr_framing cfg = wr_framing_default(WR_FUZZ_TYPE);
  FZ_CHECK(cfg.type == WR_FUZZ_TYPE && cfg.packet_size == 0 &&
               cfg.trunc_len == 0 && cfg.delimiter == '\n',
           "wr_framing_default(%s) is not all defaults",
           wr_packet_type_name(WR_FUZZ_TYPE));
  cfg.packet_size = fz_limit(fz_u8(&in));
  cfg.trunc_len = fz_limit(fz_u8(&in));
  cfg.delimiter = fz_delimiter(fz_u8(&in));
  size_t nsizes;
  const uint8_t *sizes = fz_bytes(&in, fz_u8(&in) & 15u, &nsizes);

  int start = is_httph() ? WR_HTTP_HEADERS : WR_HTTP_REQUEST_LINE;
  run whole = {NULL, 0, 0, 0, 0, 0, 0, start};
  run chunked = {NULL, 0, 0, 0, 0, 0, 0, start};
  decode_whole(&cfg, in.p, in.n, &whole);
  decode_chunked(&cfg, in.p, in.n, sizes, nsizes, &chunked);
  if (split_invariant(&cfg))
    compare(&cfg, &whole, &chunked);
  free(whole.steps);
  free(chunked.steps);
  return 0;
}
