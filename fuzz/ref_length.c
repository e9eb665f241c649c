#include "ref_length.h"

#include <string.h>

#define FZ_INT_MAX 0x7fffffffu

static uint32_t be(const uint8_t *p, size_t k) {
  uint32_t v = 0;
  for (size_t i = 0; i < k; i++)
    v = (v << 8) | p[i];
  return v;
}

static fz_ref more(void) {
  fz_ref r = {WR_LEN_MORE, 0, 0, 0};
  return r;
}

static fz_ref invalid(void) {
  fz_ref r = {WR_LEN_INVALID, 0, 0, 0};
  return r;
}

/* semantics §1.2: the body bound and the signed 32-bit total, decided
 * from the header alone. body is 64-bit so that tpkt's "length - 4" can go
 * negative the way OTP's int arithmetic does. */
static fz_ref sized(uint32_t packet_size, size_t hdr, long long body) {
  if (body < 0)
    return invalid();
  if (packet_size != 0 && (unsigned long long)body > packet_size)
    return invalid();
  if ((unsigned long long)body > FZ_INT_MAX - hdr)
    return invalid();
  fz_ref r = {WR_LEN_TOTAL, hdr + (size_t)body, 0, hdr + (size_t)body};
  return r;
}

int fz_ref_has_header(wr_packet_type type) {
  switch (type) {
  case WR_PACKET_1:
  case WR_PACKET_2:
  case WR_PACKET_4:
  case WR_PACKET_ASN1:
  case WR_PACKET_SUNRM:
  case WR_PACKET_CDR:
  case WR_PACKET_FCGI:
  case WR_PACKET_TPKT:
    return 1;
  default:
    return 0;
  }
}

static fz_ref asn1(uint32_t ps, const uint8_t *b, size_t n) {
  if (n < 2)
    return more();
  size_t i = 1;
  if ((b[0] & 0x1f) == 0x1f) {
    /* Multi-byte tag: continuation bytes have the top bit set; the byte
     * that ends the tag and one length byte must both be present. */
    while (i < n && (b[i] & 0x80))
      i++;
    if (i + 1 >= n)
      return more();
    i++;
  }
  uint8_t lb = b[i++];
  if (!(lb & 0x80))
    return sized(ps, i, lb);
  size_t k = lb & 0x7f;
  if (n - i < k) /* waits for the bytes before looking at k */
    return more();
  if (k > 4)
    return invalid();
  /* k == 0 is the indefinite form, taken as an empty body */
  uint32_t len = be(b + i, k);
  return sized(ps, i + k, len);
}

fz_ref fz_ref_length(wr_packet_type type, uint32_t ps, const uint8_t *b,
                     size_t n) {
  fz_ref r;
  switch (type) {
  case WR_PACKET_1:
  case WR_PACKET_2:
  case WR_PACKET_4: {
    size_t h = type == WR_PACKET_1 ? 1 : type == WR_PACKET_2 ? 2 : 4;
    if (n < h)
      return more();
    r = sized(ps, h, be(b, h));
    if (r.result == WR_LEN_TOTAL) {
      r.deliver_off = h; /* header stripped */
      r.deliver_len = r.total - h;
    }
    return r;
  }
  case WR_PACKET_SUNRM:
    if (n < 4)
      return more();
    return sized(ps, 4, be(b, 4) & 0x7fffffffu);
  case WR_PACKET_ASN1:
    return asn1(ps, b, n);
  case WR_PACKET_CDR: {
    if (n < 12)
      return more();
    if (b[0] != 'G' || b[1] != 'I' || b[2] != 'O' || b[3] != 'P')
      return invalid();
    uint32_t size = (b[6] & 1)
                        ? (uint32_t)b[8] | (uint32_t)b[9] << 8 |
                              (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24
                        : be(b + 8, 4);
    return sized(ps, 12, size);
  }
  case WR_PACKET_FCGI: {
    if (n < 8)
      return more();
    if (b[0] != 1)
      return invalid();
    uint32_t content = be(b + 4, 2), padding = b[6];
    r = sized(ps, 8, (long long)content + padding);
    if (r.result == WR_LEN_TOTAL)
      r.deliver_len = 8 + content; /* padding consumed, not delivered */
    return r;
  }
  case WR_PACKET_TPKT:
    if (n < 4)
      return more();
    if (b[0] != 3)
      return invalid();
    return sized(ps, 4, (long long)be(b + 2, 2) - 4);
  default:
    return invalid();
  }
}

/* semantics §2.10: packet_size is checked before the truncation length
 * and counts the delimiter. */
static fz_ref line(const wr_framing *cfg, const uint8_t *b, size_t n) {
  const uint8_t *d = n ? memchr(b, cfg->delimiter, n) : NULL;
  size_t ps = cfg->packet_size, tl = cfg->trunc_len, len;
  if (d == NULL) {
    if (ps != 0 && n > ps)
      return invalid();
    if (tl == 0 || n < tl)
      return more();
    len = tl;
  } else {
    len = (size_t)(d - b) + 1;
    if (ps != 0 && len > ps)
      return invalid();
    if (tl != 0 && len > tl)
      len = tl;
  }
  fz_ref r = {WR_LEN_TOTAL, len, 0, len};
  return r;
}

/* semantics §3.1: one line, or in the header state one line plus its
 * continuation lines, with a byte of look-ahead. */
static fz_ref http(const wr_framing *cfg, int state, const uint8_t *b,
                   size_t n) {
  size_t m = cfg->packet_size ? cfg->packet_size : cfg->trunc_len;
  if (n == 0)
    return more();
  if ((n == 1 && b[0] == '\n') || (n == 2 && b[0] == '\r' && b[1] == '\n')) {
    fz_ref r = {WR_LEN_TOTAL, n, 0, n};
    return r;
  }
  size_t from = 0;
  for (;;) {
    const uint8_t *lf = memchr(b + from, '\n', n - from);
    if (lf == NULL)
      return m != 0 && n >= m ? invalid() : more();
    size_t len = (size_t)(lf - b) + 1;
    if (m != 0 && len > m)
      return invalid();
    if (state == WR_HTTP_HEADERS) {
      if (len == n)
        return more(); /* the next byte decides */
      if ((b[len] == ' ' || b[len] == '\t') && len > 2) {
        from = len; /* folded: the value goes on */
        continue;
      }
    }
    fz_ref r = {WR_LEN_TOTAL, len, 0, len};
    return r;
  }
}

fz_ref fz_ref_frame(const wr_framing *cfg, int http_state, const uint8_t *buf,
                    size_t n) {
  if (fz_ref_has_header(cfg->type))
    return fz_ref_length(cfg->type, cfg->packet_size, buf, n);
  if (cfg->type == WR_PACKET_RAW) {
    fz_ref r = {WR_LEN_TOTAL, n, 0, n};
    return n ? r : more();
  }
  if (cfg->type == WR_PACKET_LINE)
    return line(cfg, buf, n);
  int hdr = cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  return http(cfg, hdr ? WR_HTTP_HEADERS : http_state, buf, n);
}
