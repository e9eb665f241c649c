/* The length function: how long is the first packet in the input?
 *
 * One switch over the packet type, as in OTP's packet_get_length(): the
 * answer is "the packet occupies T bytes" (T may exceed what has arrived),
 * "cannot tell yet", or "invalid". Finding the boundary is kept apart from
 * interpreting the packet (http.c parses a line only once it is complete).
 */
#include <limits.h>
#include <string.h>

#include "base/bytes.h"
#include "deliver.h"
#include "wirerig/framing.h"

/* The size rule shared by every header-based type (semantics §1.2):
 * packet_size bounds the body only, strictly; independently, the whole
 * packet must fit a signed 32-bit int, because OTP computes it in one. */
static inline wr_len_result size_rule(const wr_framing *cfg, uint32_t hlen,
                                      uint32_t body, size_t *total) {
  if (cfg->packet_size != 0 && body > cfg->packet_size)
    return WR_LEN_INVALID;
  if (body > (uint32_t)INT_MAX - hlen)
    return WR_LEN_INVALID;
  *total = (size_t)hlen + body;
  return WR_LEN_TOTAL;
}

/* ASN.1 BER: identifier (one byte, or 0x1F-form multi-byte tag), then a
 * short-form length byte or 0x8k followed by k length bytes. Only k <= 4 is
 * supported; k == 0 (indefinite form) is taken as length 0, as OTP does.
 * Availability is checked before k is validated, so 0x85 waits for data. */
static wr_len_result asn1_length(const wr_framing *cfg, const uint8_t *buf,
                                 size_t n, size_t *total) {
  if (n < 2)
    return WR_LEN_MORE;
  size_t p = 1;        /* index of the next unexamined byte */
  size_t left = n - 1; /* bytes from p to the end */
  if ((buf[0] & 0x1f) == 0x1f) {
    while (left > 0 && (buf[p] & 0x80)) {
      p++;
      left--;
    }
    if (left < 2) /* the tag's last byte and one length byte */
      return WR_LEN_MORE;
    p++;
    left--;
  }
  uint32_t body;
  uint8_t lb = buf[p];
  if (lb & 0x80) {
    uint32_t k = lb & 0x7f;
    p++;
    left--;
    if (left < k)
      return WR_LEN_MORE;
    switch (k) {
    case 0:
      body = 0;
      break;
    case 1:
      body = buf[p];
      break;
    case 2:
      body = wr_be16(buf + p);
      break;
    case 3:
      body = wr_be24(buf + p);
      break;
    case 4:
      body = wr_be32(buf + p);
      break;
    default:
      return WR_LEN_INVALID;
    }
    p += k;
  } else {
    body = lb;
    p++;
  }
  return size_rule(cfg, (uint32_t)p, body, total);
}

/* A line ends at the delimiter. Without one, a line longer than packet_size
 * is invalid and one of at least trunc_len bytes is cut there; with one,
 * packet_size (delimiter included) is checked before truncation. Truncation
 * never discards: the rest of the line starts the next packet. */
static wr_len_result line_length(const wr_framing *cfg, const uint8_t *buf,
                                 size_t n, size_t *total) {
  const uint8_t *d = n ? memchr(buf, cfg->delimiter, n) : NULL;
  size_t ps = cfg->packet_size, tl = cfg->trunc_len;
  if (d == NULL) {
    if (ps != 0 && n > ps)
      return WR_LEN_INVALID;
    if (tl != 0 && n >= tl) {
      *total = tl;
      return WR_LEN_TOTAL;
    }
    return WR_LEN_MORE;
  }
  size_t len = (size_t)(d - buf) + 1;
  if (ps != 0 && len > ps)
    return WR_LEN_INVALID;
  *total = (tl != 0 && len > tl) ? tl : len;
  return WR_LEN_TOTAL;
}

/* HTTP lines end at LF. A header line is only complete once the byte after
 * its LF is known, because a following SP or HT folds the next line into
 * it. The limit is packet_size, or trunc_len when that is 0 (decode_packet's
 * line_length; a socket's buffer size). A lone "\n" or "\r\n" is always a
 * complete packet, whatever the limit. */
static wr_len_result http_length(const wr_framing *cfg, int headers,
                                 const uint8_t *buf, size_t n, size_t *total) {
  if ((n == 1 && buf[0] == '\n') ||
      (n == 2 && buf[0] == '\r' && buf[1] == '\n')) {
    *total = n;
    return WR_LEN_TOTAL;
  }
  size_t max = cfg->packet_size ? cfg->packet_size : cfg->trunc_len;
  size_t from = 0;
  for (;;) {
    const uint8_t *lf = n > from ? memchr(buf + from, '\n', n - from) : NULL;
    if (lf == NULL)
      return (max != 0 && n >= max) ? WR_LEN_INVALID : WR_LEN_MORE;
    size_t len = (size_t)(lf - buf) + 1;
    if (max != 0 && len > max)
      return WR_LEN_INVALID;
    if (!headers) {
      *total = len;
      return WR_LEN_TOTAL;
    }
    if (len == n)
      return WR_LEN_MORE; /* the look-ahead byte has not arrived */
    if ((buf[len] == ' ' || buf[len] == '\t') && len > 2) {
      from = len; /* folded header: the value continues on the next line */
      continue;
    }
    *total = len;
    return WR_LEN_TOTAL;
  }
}

/* The length function proper, inlined into both public entry points: the
 * per-packet call overhead is most of the cost for small packets. */
static inline __attribute__((always_inline)) wr_len_result
frame_length(const wr_framing *cfg, int http_state, const uint8_t *buf,
             size_t n, size_t *total) {
  switch (cfg->type) {
  case WR_PACKET_RAW:
    if (n == 0)
      return WR_LEN_MORE;
    *total = n;
    return WR_LEN_TOTAL;

  case WR_PACKET_1: /* [len:8 | body] */
    if (n < 1)
      return WR_LEN_MORE;
    return size_rule(cfg, 1, buf[0], total);

  case WR_PACKET_2: /* [len:16 big-endian | body] */
    if (n < 2)
      return WR_LEN_MORE;
    return size_rule(cfg, 2, wr_be16(buf), total);

  case WR_PACKET_4: /* [len:32 big-endian | body] */
    if (n < 4)
      return WR_LEN_MORE;
    return size_rule(cfg, 4, wr_be32(buf), total);

  case WR_PACKET_SUNRM: /* [last:1 len:31 | fragment]; the flag is ignored */
    if (n < 4)
      return WR_LEN_MORE;
    return size_rule(cfg, 4, wr_be32(buf) & 0x7fffffffu, total);

  case WR_PACKET_ASN1:
    return asn1_length(cfg, buf, n, total);

  case WR_PACKET_CDR:
    /* GIOP: "GIOP" major minor flags type size:32 (byte order: flags bit 0) */
    if (n < 12)
      return WR_LEN_MORE;
    if (memcmp(buf, "GIOP", 4) != 0)
      return WR_LEN_INVALID;
    return size_rule(cfg, 12,
                     (buf[6] & 1) ? wr_le32(buf + 8) : wr_be32(buf + 8), total);

  case WR_PACKET_FCGI:
    /* version=1 type id:16 content:16 padding:8 reserved | content padding */
    if (n < 8)
      return WR_LEN_MORE;
    if (buf[0] != 1)
      return WR_LEN_INVALID;
    return size_rule(cfg, 8, wr_be16(buf + 4) + buf[6], total);

  case WR_PACKET_TPKT:
    /* version=3 reserved length:16 (header included) | body. A length below
     * 4 underflows and fails the size rule, as in OTP. */
    if (n < 4)
      return WR_LEN_MORE;
    if (buf[0] != 3)
      return WR_LEN_INVALID;
    return size_rule(cfg, 4, wr_be16(buf + 2) - 4u, total);

  case WR_PACKET_LINE:
    return line_length(cfg, buf, n, total);

  case WR_PACKET_HTTP:
  case WR_PACKET_HTTP_BIN:
    return http_length(cfg, http_state != WR_HTTP_REQUEST_LINE, buf, n, total);

  case WR_PACKET_HTTPH:
  case WR_PACKET_HTTPH_BIN:
    return http_length(cfg, 1, buf, n, total);

  default:
    return WR_LEN_INVALID;
  }
}

wr_len_result wr_frame_length(const wr_framing *cfg, int http_state,
                              const uint8_t *buf, size_t n, size_t *total) {
  return frame_length(cfg, http_state, buf, n, total);
}

wr_frame_status wr_frame_next(const wr_framing *cfg, int http_state,
                              const uint8_t *buf, size_t n, wr_frame *out) {
  size_t total = 0;
  wr_len_result r = frame_length(cfg, http_state, buf, n, &total);
  if (r == WR_LEN_INVALID)
    return WR_FRAME_INVALID;
  if (r == WR_LEN_MORE || total > n) {
    out->need = r == WR_LEN_MORE ? 0 : total;
    return WR_FRAME_MORE;
  }
  out->packet = wr_deliver_span_(cfg->type, buf, total);
  out->consumed = total;
  out->need = 0;
  return WR_FRAME_PACKET;
}

/* A loop of the inlined length function with the packet type fixed, so
 * that the compiler keeps one case's code in the loop and the packet length
 * in a register, with no call per packet (docs/benchmarks.md, "batch"). */
static inline __attribute__((always_inline)) wr_frame_batch_result
batch_loop(const wr_framing *cfg, wr_packet_type type, const uint8_t *buf,
           size_t n, wr_frame *out, size_t max) {
  wr_frame_batch_result r = {0, 0, WR_FRAME_PACKET, 0};
  wr_framing c = *cfg;
  c.type = type;
  size_t off = 0;
  while (r.count < max) {
    size_t total = 0;
    wr_len_result lr =
        frame_length(&c, WR_HTTP_REQUEST_LINE, buf + off, n - off, &total);
    if (lr == WR_LEN_INVALID) {
      r.status = WR_FRAME_INVALID;
      break;
    }
    if (lr == WR_LEN_MORE || total > n - off) {
      r.status = WR_FRAME_MORE;
      r.need = lr == WR_LEN_MORE ? 0 : total;
      break;
    }
    out[r.count].packet = wr_deliver_span_(type, buf + off, total);
    out[r.count].consumed = total;
    out[r.count].need = 0;
    r.count++;
    off += total;
  }
  r.consumed = off;
  return r;
}

/* The big-endian length in a {packet,1|2|4} header. */
static inline __attribute__((always_inline)) uint32_t
prefix_body(uint32_t hlen, const uint8_t *p) {
  if (hlen == 1)
    return p[0];
  if (hlen == 2)
    return wr_be16(p);
  /* One load and a byte swap: wr_be32's byte-wise form is not always
   * recognised as one (not at a negative offset from the loop's
   * pointer). */
  uint32_t v;
  memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap32(v);
#elif !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
  v = wr_be32(p);
#endif
  return v;
}

/* Stores one {packet,1|2|4} packet: its body after the header. */
static inline __attribute__((always_inline)) void
prefix_put(wr_frame *o, const uint8_t *p, uint32_t hlen, uint32_t body) {
  o->packet.ptr = p + hlen;
  o->packet.len = body;
  o->consumed = (size_t)hlen + body;
  o->need = 0;
}

/* The run of packets each followed by at least a whole header: one
 * comparison (total <= rest, where rest is what follows the packet's start
 * minus a header) says both that the packet is present and that the next
 * header can be read, so the loop has no separate header check. With
 * `bounded` the limit is checked too; without it the caller knows that
 * rest never exceeds lim + hlen, so a packet that fits is within the limit
 * (the default framing on any buffer below 2 GiB). Stops before the first
 * packet it cannot decide alone: the caller's exact loop takes over there.
 * The pointer carries the loop: the next header is one add away. */
static inline __attribute__((always_inline)) size_t
prefix_run(uint32_t hlen, uint32_t lim, int bounded, const uint8_t **pp,
           size_t rest, wr_frame *out, size_t max) {
  const uint8_t *q = *pp + hlen; /* the body of the packet at hand */
  wr_frame *o = out, *oend = out + max;
  while (o < oend) {
    uint32_t body = prefix_body(hlen, q - hlen);
    if (bounded && body > lim)
      break;
    uint64_t total = (uint64_t)hlen + body;
    if (total > rest)
      break;
    o->packet.ptr = q;
    o->packet.len = body;
    o->consumed = total;
    o->need = 0;
    o++;
    rest -= total;
    /* The loop-carried chain is load, byte swap, zero extension, one
     * three-operand add: the compiler would otherwise reuse `total` here
     * and add one more link (q + (hlen + body)). The empty asm only hides
     * that body and total are related. */
    uint64_t b = body;
    __asm__("" : "+r"(b));
    q = q + b + hlen;
  }
  *pp = q - hlen;
  return (size_t)(o - out);
}

/* {packet,1|2|4} with the header size a constant: size_rule's two checks
 * (packet_size, and the 32-bit signed total) folded into one bound computed
 * once per call, and the delivered span taken from the length already in a
 * register instead of a second switch (wr_deliver_span_). The bulk goes
 * through prefix_run; the exact loop below decides the last packets (the
 * one that ends the buffer, the one that does not fit, the invalid one).
 * This is the hand-written length walk plus the stores into out
 * (docs/benchmarks.md, "batch"). */
static inline __attribute__((always_inline)) wr_frame_batch_result
prefix_batch(const wr_framing *cfg, uint32_t hlen, const uint8_t *buf, size_t n,
             wr_frame *out, size_t max) {
  wr_frame_batch_result r = {0, 0, WR_FRAME_PACKET, 0};
  uint32_t lim = (uint32_t)INT_MAX - hlen;
  if (cfg->packet_size != 0 && cfg->packet_size < lim)
    lim = cfg->packet_size;
  const uint8_t *p = buf, *end = buf + n;
  size_t i = 0;
  if (n >= hlen) {
    size_t rest = n - hlen;
    i = rest <= (size_t)lim + hlen
            ? prefix_run(hlen, lim, 0, &p, rest, out, max)
            : prefix_run(hlen, lim, 1, &p, rest, out, max);
  }
  for (; i < max; i++) {
    size_t left = (size_t)(end - p);
    if (left < hlen) {
      r.status = WR_FRAME_MORE;
      break;
    }
    uint32_t body = prefix_body(hlen, p);
    if (body > lim) {
      r.status = WR_FRAME_INVALID;
      break;
    }
    size_t total = (size_t)hlen + body;
    if (total > left) {
      r.status = WR_FRAME_MORE;
      r.need = total;
      break;
    }
    prefix_put(&out[i], p, hlen, body);
    p += total;
  }
  r.count = i;
  r.consumed = (size_t)(p - buf);
  return r;
}

/* {packet,line} with neither packet_size nor a truncation length (the
 * default, and decode_packet without options): a line is exactly what
 * memchr finds, so the loop is the memchr scan plus the stores. */
static wr_frame_batch_result plain_line_batch(uint8_t delim, const uint8_t *buf,
                                              size_t n, wr_frame *out,
                                              size_t max) {
  wr_frame_batch_result r = {0, 0, WR_FRAME_PACKET, 0};
  const uint8_t *p = buf, *end = buf + n;
  size_t i = 0;
  for (; i < max; i++) {
    const uint8_t *d = p < end ? memchr(p, delim, (size_t)(end - p)) : NULL;
    if (d == NULL) {
      r.status = WR_FRAME_MORE;
      break;
    }
    size_t len = (size_t)(d - p) + 1;
    out[i].packet.ptr = p;
    out[i].packet.len = len;
    out[i].consumed = len;
    out[i].need = 0;
    p = d + 1;
  }
  r.count = i;
  r.consumed = (size_t)(p - buf);
  return r;
}

wr_frame_batch_result wr_frame_batch(const wr_framing *cfg, int *http_state,
                                     const uint8_t *buf, size_t n,
                                     wr_frame *out, wr_http_packet *http,
                                     size_t max) {
  switch (cfg->type) {
  case WR_PACKET_1:
    return prefix_batch(cfg, 1, buf, n, out, max);
  case WR_PACKET_2:
    return prefix_batch(cfg, 2, buf, n, out, max);
  case WR_PACKET_4:
    return prefix_batch(cfg, 4, buf, n, out, max);
  case WR_PACKET_LINE:
    if (cfg->packet_size == 0 && cfg->trunc_len == 0)
      return plain_line_batch(cfg->delimiter, buf, n, out, max);
    return batch_loop(cfg, WR_PACKET_LINE, buf, n, out, max);
  case WR_PACKET_HTTP:
  case WR_PACKET_HTTP_BIN:
  case WR_PACKET_HTTPH:
  case WR_PACKET_HTTPH_BIN:
    break;
  default:
    return batch_loop(cfg, cfg->type, buf, n, out, max);
  }
  wr_frame_batch_result r = {0, 0, WR_FRAME_PACKET, 0};
  wr_http_packet scratch;
  int state = http_state ? *http_state : WR_HTTP_REQUEST_LINE;
  size_t off = 0;
  while (r.count < max) {
    wr_http_packet *pkt = http ? &http[r.count] : &scratch;
    wr_frame_status st =
        wr_frame_http(cfg, &state, buf + off, n - off, &out[r.count], pkt);
    if (st != WR_FRAME_PACKET) {
      r.status = st;
      r.need = st == WR_FRAME_MORE ? out[r.count].need : 0;
      break;
    }
    off += out[r.count].consumed;
    r.count++;
  }
  if (http_state)
    *http_state = state;
  r.consumed = off;
  return r;
}
