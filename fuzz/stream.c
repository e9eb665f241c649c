/* The streaming decoder (stream.h) under fuzzer-chosen reads, option
 * changes and take-outs.
 *
 * A shadow copy of every byte committed to the stream is kept beside it.
 * After every operation the bytes are accounted for: committed == consumed
 * by delivered packets + taken + discarded + still buffered. Every packet
 * must be the next bytes of the shadow; for the header-based types (which
 * the `buffer` option does not affect, semantics §5.1) it must be exactly
 * the packet wr_frame_next finds in the same bytes, and MORE / EMSGSIZE must
 * match MORE / INVALID. http packets go through fz_check_http. Errors are
 * sticky. LeakSanitizer checks wr_stream_free.
 *
 * Input layout:
 *   byte 0  packet type (modulo WR_PACKET_TYPE_COUNT)
 *   byte 1  buffer code (0 = 1460, else fz_limit capped at 2^16)
 *   byte 2  packet_size code (fz_limit, capped)
 *   then operations, one byte each: low 3 bits the operation, high 5 bits
 *   its argument `a`:
 *     0  read n = a * 256 + next byte bytes through reserve/commit
 *     1  the same through wr_stream_feed
 *     2  wr_stream_next once
 *     3  wr_stream_next until it stops delivering
 *     4  wr_stream_set_type(a)
 *     5  wr_stream_set_buffer(next byte as a buffer code)
 *     6  a odd: wr_stream_set_delimiter(next byte), else set_packet_size
 *     7  a odd: wr_stream_discard, else wr_stream_take(next byte)
 *   The bytes read come from the input after the operation byte.
 */
#include <stdlib.h>
#include <string.h>

#include "check_http.h"
#include "fuzz_util.h"
#include "ref_length.h"
#include "wirerig/stream.h"

/* Packets of the 4-byte-header types can claim up to 2 GiB, which the
 * stream would allocate (as inet_drv does); the fuzzer keeps their
 * packet_size at or below this so that a run stays small. */
#define FZ_MAX_PACKET (1u << 20)
#define FZ_MAX_BUFFER (1u << 16)

typedef struct model {
  wr_stream s;
  uint8_t *shadow; /* every byte committed, in order */
  size_t fed, cap;
  size_t off; /* shadow offset of the first byte still in the stream */
  size_t consumed, taken, discarded;
  int failed; /* the stream has reported its framing error */
} model;

static int big_header(wr_packet_type t) {
  return t == WR_PACKET_4 || t == WR_PACKET_SUNRM || t == WR_PACKET_ASN1 ||
         t == WR_PACKET_CDR;
}

static int is_httph(wr_packet_type t) {
  return t == WR_PACKET_HTTPH || t == WR_PACKET_HTTPH_BIN;
}

static void set_packet_size(model *m, uint32_t ps) {
  if (ps > FZ_MAX_PACKET || (ps == 0 && big_header(m->s.type)))
    ps = FZ_MAX_PACKET;
  wr_stream_set_packet_size(&m->s, ps);
  FZ_CHECK(m->s.packet_size == ps, "set_packet_size(%u) gave %u", ps,
           m->s.packet_size);
}

static void set_type(model *m, wr_packet_type t) {
  int state = m->s.http_state;
  wr_stream_set_type(&m->s, t);
  FZ_CHECK(m->s.type == t, "set_type(%s) left type %d", wr_packet_type_name(t),
           (int)m->s.type);
  /* Only parsed lines move the HTTP state, never a change of type, as in
   * OTP 25 (semantics §3.3). */
  FZ_CHECK(m->s.http_state == state,
           "changing the type changed the http state from %d to %d", state,
           m->s.http_state);
  if (big_header(t) && m->s.packet_size == 0)
    wr_stream_set_packet_size(&m->s, FZ_MAX_PACKET);
}

static void account(const model *m, const char *after) {
  size_t buffered = wr_stream_buffered(&m->s);
  FZ_CHECK(m->off == m->consumed + m->taken + m->discarded, "model offset %zu",
           m->off);
  FZ_CHECK(m->fed == m->off + buffered,
           "after %s: %zu bytes committed, but %zu consumed + %zu taken + "
           "%zu discarded + %zu buffered = %zu",
           after, m->fed, m->consumed, m->taken, m->discarded, buffered,
           m->off + buffered);
}

static void shadow_add(model *m, const uint8_t *p, size_t n) {
  if (m->fed + n > m->cap) {
    m->cap = (m->fed + n) * 2;
    m->shadow = fz_xrealloc(m->shadow, m->cap);
  }
  if (n)
    memcpy(m->shadow + m->fed, p, n);
  m->fed += n;
}

/* After the first EMSGSIZE, every call that can fail fails the same way. */
static void check_rc(model *m, int rc, const char *what) {
  if (m->failed)
    FZ_CHECK(rc == WR_EMSGSIZE, "%s returned %d after the framing error", what,
             rc);
  else
    FZ_CHECK(rc == 0 || rc == WR_EMSGSIZE, "%s returned %d", what, rc);
}

static void read_reserve(model *m, const uint8_t *p, size_t n) {
  /* Each round either commits a byte or stops, so this ends. */
  while (n > 0) {
    uint8_t *dst = NULL;
    size_t len = 0;
    int rc = wr_stream_reserve(&m->s, &dst, &len);
    check_rc(m, rc, "wr_stream_reserve");
    if (rc != 0 || len == 0)
      return;
    /* The whole reserved region must be writable. */
    memset(dst, 0xcc, len);
    size_t c = len < n ? len : n;
    memcpy(dst, p, c);
    wr_stream_commit(&m->s, c);
    shadow_add(m, p, c);
    p += c;
    n -= c;
    account(m, "commit");
  }
}

static void read_feed(model *m, const uint8_t *p, size_t n) {
  size_t before = wr_stream_buffered(&m->s);
  int rc = wr_stream_feed(&m->s, p, n);
  check_rc(m, rc, "wr_stream_feed");
  size_t got = wr_stream_buffered(&m->s) - before;
  FZ_CHECK(got <= n, "feeding %zu bytes buffered %zu", n, got);
  FZ_CHECK(rc != 0 || got == n, "feed succeeded but buffered %zu of %zu", got,
           n);
  shadow_add(m, p, got);
  account(m, "wr_stream_feed");
}

/* What the stream must deliver for a header-based type. */
static void check_header_packet(model *m, int rc, const wr_stream_packet *pkt,
                                size_t consumed, size_t avail) {
  wr_framing cfg = wr_framing_default(m->s.type);
  cfg.packet_size = m->s.packet_size;
  wr_frame f;
  wr_frame_status st =
      wr_frame_next(&cfg, WR_HTTP_REQUEST_LINE, m->shadow + m->off, avail, &f);
  const char *name = wr_packet_type_name(m->s.type);
  if (rc == WR_FRAME_PACKET) {
    FZ_CHECK(st == WR_FRAME_PACKET,
             "%s: stream delivered a packet where "
             "wr_frame_next says %d over the same %zu bytes",
             name, (int)st, avail);
    FZ_CHECK(f.consumed == consumed && f.packet.len == pkt->data.len &&
                 (f.packet.len == 0 ||
                  !memcmp(f.packet.ptr, pkt->data.ptr, f.packet.len)),
             "%s: stream packet (%zu bytes, consumed %zu) differs from "
             "wr_frame_next's (%zu bytes, consumed %zu)",
             name, pkt->data.len, consumed, f.packet.len, f.consumed);
  } else if (rc == WR_FRAME_MORE) {
    FZ_CHECK(st == WR_FRAME_MORE,
             "%s: stream says MORE, wr_frame_next %d "
             "over the same %zu bytes",
             name, (int)st, avail);
  } else {
    /* Besides a bad header, inet_drv fails when the header itself does not
     * fit in its buffer ({buffer,1},{packet,2} -> emsgsize, confirmed with
     * OTP 25): the framing sees at most cap bytes, they are all there, and
     * they do not hold a whole header. */
    int short_buffer = 0;
    if (avail >= m->s.cap) {
      wr_frame g;
      short_buffer =
          wr_frame_next(&cfg, WR_HTTP_REQUEST_LINE, m->shadow + m->off,
                        m->s.cap, &g) == WR_FRAME_MORE &&
          g.need == 0;
    }
    FZ_CHECK(st == WR_FRAME_INVALID || short_buffer,
             "%s: stream says EMSGSIZE, wr_frame_next %d (need %zu) over the "
             "same %zu bytes, buffer capacity %zu",
             name, (int)st, st == WR_FRAME_MORE ? f.need : 0, avail, m->s.cap);
  }
}

/* raw and line see at most cap bytes (stream.h): the packet must be what
 * wr_frame_next finds in the first min(buffered, cap) bytes with the
 * truncation length at cap (semantics §2.1, §2.10, §5.1). */
static void check_capped_packet(model *m, const wr_stream_packet *pkt,
                                size_t consumed, size_t avail, size_t cap) {
  wr_framing cfg = wr_framing_default(m->s.type);
  cfg.packet_size = m->s.packet_size;
  cfg.delimiter = m->s.delimiter;
  cfg.trunc_len = cap > 0xffffffffu ? 0xffffffffu : (uint32_t)cap;
  size_t seen = avail < cap ? avail : cap;
  wr_frame f;
  wr_frame_status st =
      wr_frame_next(&cfg, WR_HTTP_REQUEST_LINE, m->shadow + m->off, seen, &f);
  FZ_CHECK(st == WR_FRAME_PACKET && f.consumed == consumed &&
               f.packet.len == pkt->data.len,
           "%s: stream packet of %zu bytes (consumed %zu) with %zu buffered "
           "and capacity %zu; wr_frame_next over %zu bytes says %d, %zu bytes",
           wr_packet_type_name(m->s.type), pkt->data.len, consumed, avail, cap,
           seen, (int)st, st == WR_FRAME_PACKET ? f.consumed : 0);
}

/* One wr_stream_next; returns its result. */
static int next(model *m) {
  wr_stream_packet pkt;
  memset(&pkt, 0x5a, sizeof pkt);
  wr_packet_type type = m->s.type;
  int state = is_httph(type) ? WR_HTTP_HEADERS : m->s.http_state;
  size_t before = wr_stream_buffered(&m->s);
  size_t cap = m->s.cap;
  int rc = wr_stream_next(&m->s, &pkt);
  size_t after = wr_stream_buffered(&m->s);
  FZ_CHECK(after <= before, "wr_stream_next grew the buffer %zu -> %zu", before,
           after);
  size_t consumed = before - after;
  const uint8_t *expect = m->shadow + m->off;

  if (m->failed) {
    FZ_CHECK(rc == WR_EMSGSIZE && consumed == 0,
             "after the framing error wr_stream_next returned %d and "
             "consumed %zu",
             rc, consumed);
    return rc;
  }
  FZ_CHECK(rc == WR_FRAME_PACKET || rc == WR_FRAME_MORE || rc == WR_EMSGSIZE,
           "wr_stream_next returned %d", rc);
  if (fz_ref_has_header(type))
    check_header_packet(m, rc, &pkt, consumed, before);
  if (rc != WR_FRAME_PACKET) {
    FZ_CHECK(consumed == 0, "%d consumed %zu bytes", rc, consumed);
    if (rc == WR_FRAME_MORE && type == WR_PACKET_RAW)
      FZ_CHECK(before == 0, "raw: MORE with %zu bytes buffered", before);
    if (rc == WR_EMSGSIZE) {
      FZ_CHECK(type != WR_PACKET_RAW, "raw cannot have a framing error");
      m->failed = 1;
    }
    return rc;
  }

  FZ_CHECK(consumed > 0, "a packet that consumed nothing");
  FZ_CHECK(!pkt.is_http == !wr_packet_type_is_http(type), "is_http %d for %s",
           pkt.is_http, wr_packet_type_name(type));
  if (!fz_ref_has_header(type)) {
    /* raw, line and http deliver exactly what they consume */
    FZ_CHECK(pkt.data.len == consumed &&
                 !memcmp(pkt.data.ptr, expect, consumed),
             "%s: delivered %zu bytes that are not the next %zu of the "
             "stream",
             wr_packet_type_name(type), pkt.data.len, consumed);
  }
  if (type == WR_PACKET_LINE) {
    const uint8_t *d = memchr(pkt.data.ptr, m->s.delimiter, pkt.data.len);
    FZ_CHECK(d ? d == pkt.data.ptr + pkt.data.len - 1 : pkt.data.len == cap,
             "line: a %zu-byte piece neither ends at its only delimiter nor "
             "fills the %zu-byte buffer",
             pkt.data.len, cap);
    FZ_CHECK(m->s.packet_size == 0 || pkt.data.len <= m->s.packet_size,
             "line: %zu bytes over packet_size %u", pkt.data.len,
             m->s.packet_size);
  }
  if (type == WR_PACKET_RAW || type == WR_PACKET_LINE)
    check_capped_packet(m, &pkt, consumed, before, cap);
  if (pkt.is_http) {
    FZ_CHECK(pkt.data.len > 0 && pkt.data.ptr[pkt.data.len - 1] == '\n',
             "http line does not end with LF");
    size_t limit = m->s.packet_size > cap ? m->s.packet_size : cap;
    FZ_CHECK(pkt.data.len <= limit,
             "http line of %zu bytes, buffer %zu, packet_size %u", pkt.data.len,
             cap, m->s.packet_size);
    /* httph parses every line in the header state whatever the stream
     * keeps, so its "state after" is the parser's own. */
    int now = m->s.http_state;
    if (is_httph(type))
      now =
          pkt.http.kind == WR_HTTP_EOH ? WR_HTTP_REQUEST_LINE : WR_HTTP_HEADERS;
    fz_check_http(&pkt.http, pkt.data.ptr, pkt.data.len, state, now);
  }
  m->consumed += consumed;
  m->off += consumed;
  return rc;
}

static void take(model *m, size_t max) {
  uint8_t *dst = fz_xmalloc(max);
  size_t before = wr_stream_buffered(&m->s);
  size_t got = wr_stream_take(&m->s, dst, max);
  FZ_CHECK(got == (before < max ? before : max),
           "take(%zu) with %zu buffered returned %zu", max, before, got);
  FZ_CHECK(got == 0 || !memcmp(dst, m->shadow + m->off, got),
           "take returned bytes that are not the next of the stream");
  m->taken += got;
  m->off += got;
  free(dst);
}

/* Code 0 keeps gen_tcp's default; the rest as fz_limit, capped. */
static uint32_t buffer_value(uint8_t code) {
  if (code == 0)
    return WR_STREAM_DEFAULT_BUFFER;
  uint32_t b = fz_limit(code);
  return b > FZ_MAX_BUFFER ? 1460u + (b & 0xff) : b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_in in = {data, size};
  model m;
  memset(&m, 0, sizeof m);
  m.cap = 256; /* never NULL: shadow + off must be a valid pointer */
  m.shadow = fz_xmalloc(m.cap);
  wr_packet_type t = (wr_packet_type)(fz_u8(&in) % WR_PACKET_TYPE_COUNT);
  wr_stream_init(&m.s, t);
  FZ_CHECK(m.s.type == t && m.s.buffer == WR_STREAM_DEFAULT_BUFFER &&
               m.s.packet_size == 0 && m.s.delimiter == '\n' &&
               wr_stream_buffered(&m.s) == 0,
           "wr_stream_init(%s) is not at the defaults", wr_packet_type_name(t));
  wr_stream_set_buffer(&m.s, buffer_value(fz_u8(&in)));
  FZ_CHECK(m.s.buffer >= 1, "buffer %u below 1", m.s.buffer);
  set_packet_size(&m, fz_limit(fz_u8(&in)));

  while (in.n > 0) {
    uint8_t op = fz_u8(&in);
    unsigned a = op >> 3;
    size_t n;
    const uint8_t *p;
    switch (op & 7) {
    case 0:
    case 1: {
      size_t want = (size_t)a * 256 + fz_u8(&in);
      p = fz_bytes(&in, want, &n);
      if (op & 1)
        read_feed(&m, p, n);
      else
        read_reserve(&m, p, n);
      break;
    }
    case 2:
      next(&m);
      break;
    case 3: {
      /* every packet consumes a byte: at most buffered + 1 calls */
      size_t limit = wr_stream_buffered(&m.s) + 1;
      while (limit-- > 0 && next(&m) == WR_FRAME_PACKET)
        ;
      break;
    }
    case 4:
      set_type(&m, (wr_packet_type)(a % WR_PACKET_TYPE_COUNT));
      break;
    case 5: {
      uint32_t b = buffer_value(fz_u8(&in));
      wr_stream_set_buffer(&m.s, b);
      FZ_CHECK(m.s.buffer == (b ? b : 1), "set_buffer(%u) gave %u", b,
               m.s.buffer);
      break;
    }
    case 6:
      if (a & 1)
        wr_stream_set_delimiter(&m.s, fz_delimiter(fz_u8(&in)));
      else
        set_packet_size(&m, fz_limit(fz_u8(&in)));
      break;
    default:
      if (a & 1) {
        m.discarded += wr_stream_buffered(&m.s);
        m.off = m.fed;
        wr_stream_discard(&m.s);
        m.failed = 0; /* discarding drops the bad bytes and the error */
        FZ_CHECK(wr_stream_buffered(&m.s) == 0, "discard left %zu bytes",
                 wr_stream_buffered(&m.s));
      } else {
        take(&m, fz_u8(&in));
      }
      break;
    }
    account(&m, "an operation");
  }

  size_t limit = wr_stream_buffered(&m.s) + 1;
  while (limit-- > 0 && next(&m) == WR_FRAME_PACKET)
    ;
  account(&m, "the final drain");
  wr_stream_free(&m.s);
  free(m.shadow);
  return 0;
}
