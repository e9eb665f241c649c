/* HTTP line parsing as gen_tcp's {packet, http} does it (OTP 25).
 *
 * wr_frame_next has already cut one complete line (a header may be folded
 * over several). Here it becomes a request, a status line, a header, the
 * end of the headers, or an error carrying the whole line. Numbers are
 * accumulated in 32-bit unsigned arithmetic and read back as signed,
 * because OTP accumulates them in a C int and Erlang shows the wrapped
 * value (status "2147483648" is -2147483648 there too).
 */
#include <stddef.h>
#include <string.h>

#include "http_scan.h"
#include "wirerig/framing.h"

/* Padded to 20 bytes a name (the longest is 19) so that the known-header
 * lookup can compare 16 bytes at a time without reading past a row. */
static const char header_names[WR_HTTP_HEADER_COUNT][20] = {
    "Cache-Control",
    "Connection",
    "Date",
    "Pragma",
    "Transfer-Encoding",
    "Upgrade",
    "Via",
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Authorization",
    "From",
    "Host",
    "If-Modified-Since",
    "If-Match",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Max-Forwards",
    "Proxy-Authorization",
    "Range",
    "Referer",
    "User-Agent",
    "Age",
    "Location",
    "Proxy-Authenticate",
    "Public",
    "Retry-After",
    "Server",
    "Vary",
    "Warning",
    "Www-Authenticate",
    "Allow",
    "Content-Base",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-Md5",
    "Content-Range",
    "Content-Type",
    "Etag",
    "Expires",
    "Last-Modified",
    "Accept-Ranges",
    "Set-Cookie",
    "Set-Cookie2",
    "X-Forwarded-For",
    "Cookie",
    "Keep-Alive",
    "Proxy-Connection",
};

static const char *const method_names[WR_HTTP_METHOD_COUNT] = {
    "OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE"};

const char *wr_http_header_name(int index) {
  if (index < 1 || index > WR_HTTP_HEADER_COUNT)
    return NULL;
  return header_names[index - 1];
}

const char *wr_http_method_name(int index) {
  if (index < 1 || index > WR_HTTP_METHOD_COUNT)
    return NULL;
  return method_names[index - 1];
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Reads a run of digits at *p (< n), wrapping like a C int. Returns the
 * number of digits read. */
static size_t read_digits(const uint8_t *buf, size_t *p, size_t n,
                          int32_t *value) {
  uint32_t v = 0;
  size_t start = *p;
  while (*p < n && is_digit(buf[*p])) {
    v = v * 10u + (uint32_t)(buf[*p] - '0');
    (*p)++;
  }
  *value = (int32_t)v;
  return *p - start;
}

/* "1*DIGIT . 1*DIGIT" at *p. */
static int read_version(const uint8_t *buf, size_t *p, size_t n,
                        wr_http_packet *out) {
  if (read_digits(buf, p, n, &out->major) == 0 || *p >= n || buf[*p] != '.')
    return -1;
  (*p)++;
  if (read_digits(buf, p, n, &out->minor) == 0)
    return -1;
  return 0;
}

static int ascii_prefix_nocase(const uint8_t *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  if (n < k)
    return 0;
  for (size_t i = 0; i < k; i++) {
    uint8_t c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (uint8_t)(c + ('a' - 'A'));
    if (c != (uint8_t)prefix[i])
      return 0;
  }
  return 1;
}

/* host[:port][/path] after "http://". Without a '/', the path is "/". The
 * port counts only if every character after the first ':' is a digit and
 * the value is nonzero; the ":..." text is dropped either way. OTP 25 has
 * no special case for bracketed IPv6 hosts ("[::1]:80" gives host "["). */
static void parse_absolute(wr_http_uri *uri, const uint8_t *u, size_t len) {
  const uint8_t *slash = len ? memchr(u, '/', len) : NULL;
  if (slash == NULL) {
    uri->s2.ptr = (const uint8_t *)"/";
    uri->s2.len = 1;
  } else {
    uri->s2.ptr = slash;
    uri->s2.len = len - (size_t)(slash - u);
    len = (size_t)(slash - u);
  }
  uri->s1.ptr = u;
  uri->port = 0;
  const uint8_t *colon = len ? memchr(u, ':', len) : NULL;
  if (colon == NULL) {
    uri->s1.len = len;
    return;
  }
  uri->s1.len = (size_t)(colon - u);
  size_t p = uri->s1.len + 1;
  int32_t port;
  read_digits(u, &p, len, &port);
  if (p == len && port != 0)
    uri->port = port;
}

static void parse_uri(wr_http_uri *uri, const uint8_t *u, size_t len) {
  if (len == 1 && u[0] == '*') {
    uri->kind = WR_URI_STAR;
  } else if (len <= 1 || u[0] == '/') {
    uri->kind = WR_URI_ABS_PATH;
    uri->s1.ptr = u;
    uri->s1.len = len;
  } else if (ascii_prefix_nocase(u, len, "http://")) {
    uri->kind = WR_URI_HTTP;
    parse_absolute(uri, u + 7, len - 7);
  } else if (ascii_prefix_nocase(u, len, "https://")) {
    uri->kind = WR_URI_HTTPS;
    parse_absolute(uri, u + 8, len - 8);
  } else {
    const uint8_t *colon = memchr(u, ':', len);
    uri->s1.ptr = u;
    if (colon == NULL) {
      uri->kind = WR_URI_STRING;
      uri->s1.len = len;
    } else {
      uri->kind = WR_URI_SCHEME;
      uri->s1.len = (size_t)(colon - u);
      uri->s2.ptr = colon + 1;
      uri->s2.len = len - uri->s1.len - 1;
    }
  }
}

static int method_index(const uint8_t *m, size_t len) {
  static const uint8_t method_len[WR_HTTP_METHOD_COUNT] = {7, 3, 4, 4, 3, 6, 5};
  for (int i = 0; i < WR_HTTP_METHOD_COUNT; i++)
    if (method_len[i] == len && memcmp(method_names[i], m, len) == 0)
      return i + 1;
  return 0;
}

/* Known headers are looked up by their canonical form: the candidates of
 * the name's length (at most six, every known name is 3..19 bytes), first
 * byte, then the bytes. A const table, so no state is built at run time.
 * by_len[L] lists the 1-based indexes of the names of length L, 0-ended. */
static const uint8_t by_len[20][7] = {{0},
                                      {0},
                                      {0},
                                      {7, 25},
                                      {3, 13, 14, 31, 43},
                                      {22, 34},
                                      {4, 8, 28, 30, 50},
                                      {6, 23, 32, 44},
                                      {16, 18, 26},
                                      {0},
                                      {2, 24, 47, 51},
                                      {29, 40, 48},
                                      {20, 35, 42},
                                      {1, 12, 17, 41, 45, 46},
                                      {9, 38},
                                      {10, 11, 49},
                                      {33, 36, 37, 39, 52},
                                      {5, 15},
                                      {27},
                                      {19, 21}};

#if WR_HTTP_SSE2
/* by_len_first[L][k] is the first byte of name by_len[L][k] (0 after the
 * last), so that one compare finds the candidates worth a look. */
static const uint8_t by_len_first[20][8] = {{0},
                                            {0},
                                            {0},
                                            {'V', 'A'},
                                            {'D', 'F', 'H', 'V', 'E'},
                                            {'R', 'A'},
                                            {'P', 'A', 'P', 'S', 'C'},
                                            {'U', 'R', 'W', 'E'},
                                            {'I', 'I', 'L'},
                                            {0},
                                            {'C', 'U', 'S', 'K'},
                                            {'R', 'C', 'S'},
                                            {'M', 'C', 'C'},
                                            {'C', 'A', 'I', 'C', 'L', 'A'},
                                            {'A', 'C'},
                                            {'A', 'A', 'X'},
                                            {'W', 'C', 'C', 'C', 'P'},
                                            {'T', 'I'},
                                            {'P'},
                                            {'I', 'P'}};
#endif

/* name[0..len) equals the table row h (len <= 19). With SSE2, two 16-byte
 * compares (at 0 and at len - 16) instead of a call to memcmp: name is a
 * packet's field_buf_, which has WR_HTTP_MAX_NAME_LEN (> 32) bytes, and
 * every row 20, so both loads stay inside their objects. */
static inline int name_eq(const uint8_t *name, const char *h, size_t len) {
#if WR_HTTP_SSE2
  const uint8_t *r = (const uint8_t *)h;
  unsigned eq = (unsigned)_mm_movemask_epi8(
      _mm_cmpeq_epi8(wr_load16_(name), wr_load16_(r)));
  if (len <= 16)
    return ((eq | (0xffffu << len)) & 0xffffu) == 0xffffu;
  unsigned eq2 = (unsigned)_mm_movemask_epi8(
      _mm_cmpeq_epi8(wr_load16_(name + len - 16), wr_load16_(r + len - 16)));
  return (eq & eq2) == 0xffffu;
#else
  return memcmp(h, name, len) == 0;
#endif
}

static inline int header_index(const uint8_t *name, size_t len) {
  if (len >= 20)
    return 0;
#if WR_HTTP_SSE2
  __m128i first =
      _mm_loadl_epi64((const __m128i *)(const void *)by_len_first[len]);
  unsigned m = (unsigned)_mm_movemask_epi8(
                   _mm_cmpeq_epi8(first, _mm_set1_epi8((char)name[0]))) &
               0xffu;
  for (; m; m &= m - 1) {
    int i = by_len[len][__builtin_ctz(m)];
    if (name_eq(name, header_names[i - 1], len))
      return i;
  }
#else
  for (const uint8_t *i = by_len[len]; *i; i++) {
    const char *h = header_names[*i - 1];
    if ((uint8_t)h[0] == name[0] && name_eq(name, h, len))
      return *i;
  }
#endif
  return 0;
}

/* Status-Line = "HTTP/" version SP+ digits* (SP* reason | end) */
static int parse_status_line(const uint8_t *buf, size_t n,
                             wr_http_packet *out) {
  size_t p = 5;
  if (read_version(buf, &p, n, out) != 0)
    return -1;
  size_t sp = p;
  while (p < n && wr_http_is_sp_(buf[p]))
    p++;
  if (p == sp)
    return -1;
  read_digits(buf, &p, n, &out->status); /* no digits at all means 0 */
  sp = p;
  while (p < n && wr_http_is_sp_(buf[p]))
    p++;
  if (p == sp && p < n) /* "200OK" */
    return -1;
  out->reason.ptr = buf + p;
  out->reason.len = n - p;
  out->kind = WR_HTTP_RESPONSE;
  return 0;
}

/* Request-Line = token SP+ uri SP* [ "HTTP/" version anything ] */
static int parse_request_line(const uint8_t *buf, size_t n,
                              wr_http_packet *out) {
  size_t p = 0;
  while (p < n && wr_http_is_token_(buf[p]))
    p++;
  if (p == n || p == 0 || !wr_http_is_sp_(buf[p]))
    return -1;
  out->method.ptr = buf;
  out->method.len = p;
  out->method_index = method_index(buf, p);
  while (p < n && wr_http_is_sp_(buf[p]))
    p++;
  size_t uri_start = p;
  while (p < n && !wr_http_is_sp_(buf[p]))
    p++;
  if (p == uri_start)
    return -1;
  size_t uri_end = p;
  while (p < n && wr_http_is_sp_(buf[p]))
    p++;
  if (p == n) { /* HTTP/0.9: no version */
    out->major = 0;
    out->minor = 9;
  } else {
    if (n - p < 8 || memcmp(buf + p, "HTTP/", 5) != 0)
      return -1;
    p += 5;
    if (read_version(buf, &p, n, out) != 0)
      return -1;
    /* anything after the minor version is ignored, as in OTP */
  }
  parse_uri(&out->uri, buf + uri_start, uri_end - uri_start);
  out->kind = WR_HTTP_REQUEST;
  return 0;
}

/* Header = token ":" SP* value, with the name canonicalised on the way. */
static int parse_header(const uint8_t *buf, size_t n, wr_http_packet *out) {
  size_t p = wr_http_scan_name_(buf, n, out->field_buf_);
  if (p == n || buf[p] != ':')
    return -1;
  out->raw_field.ptr = buf;
  out->raw_field.len = p;
  out->header_index =
      p <= WR_HTTP_MAX_NAME_LEN && p > 0 ? header_index(out->field_buf_, p) : 0;
  p++;
  while (p < n && wr_http_is_sp_(buf[p]))
    p++;
  out->value.ptr = buf + p;
  out->value.len = n - p;
  out->kind = WR_HTTP_HEADER;
  return 0;
}

/* Every field before field_buf_ to zero. Not a memset: that compiled to
 * `rep stos`, whose start-up alone was about a third of the time of parsing
 * a header line (docs/benchmarks.md). With SSE2, 16-byte stores of a zero
 * register over the prefix (the last one overlapping); else field by field.
 * Either way each field is zero as an object of its type, as the
 * = {0} initialiser would leave it (pointers included). */
static inline void clear_packet(wr_http_packet *out) {
#if WR_HTTP_SSE2
  /* Written out, not as a loop: gcc turns a loop of stores back into
   * `rep stos`. */
  enum { PREFIX = offsetof(wr_http_packet, field_buf_) };
  _Static_assert(PREFIX > 144 && PREFIX <= 176,
                 "clear_packet's stores cover the prefix exactly");
  uint8_t *b = (uint8_t *)out;
  const __m128i z = _mm_setzero_si128();
#define WR_Z(off) _mm_storeu_si128((__m128i *)(void *)(b + (off)), z)
  WR_Z(0);
  WR_Z(16);
  WR_Z(32);
  WR_Z(48);
  WR_Z(64);
  WR_Z(80);
  WR_Z(96);
  WR_Z(112);
  WR_Z(128);
  WR_Z(144);
  WR_Z(PREFIX - 16);
#undef WR_Z
#else
  static const wr_http_packet zero = {0};
  out->kind = zero.kind;
  out->line = zero.line;
  out->major = out->minor = 0;
  out->method = zero.method;
  out->method_index = 0;
  out->uri = zero.uri;
  out->status = 0;
  out->reason = zero.reason;
  out->header_index = 0;
  out->raw_field = zero.raw_field;
  out->value = zero.value;
#endif
}

wr_http_kind wr_http_parse(const uint8_t *line, size_t len, int *state,
                           wr_http_packet *out) {
  clear_packet(out);
  out->line.ptr = line;
  out->line.len = len;

  /* Strip one terminator: CR LF (any byte after a CR at n-2, as OTP does), or
   * a lone LF. */
  size_t n = len;
  if (n >= 2 && line[n - 2] == '\r')
    n -= 2;
  else if (n >= 1 && line[n - 1] == '\n')
    n -= 1;

  int rc;
  if (*state == WR_HTTP_REQUEST_LINE) {
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0)
      rc = parse_status_line(line, n, out);
    else
      rc = parse_request_line(line, n, out);
    if (rc == 0)
      *state = WR_HTTP_HEADERS;
  } else if (n == 0) {
    out->kind = WR_HTTP_EOH;
    *state = WR_HTTP_REQUEST_LINE;
    rc = 0;
  } else {
    rc = parse_header(line, n, out);
  }
  if (rc != 0) {
    clear_packet(out);
    out->kind = WR_HTTP_ERROR;
    out->line.ptr = line;
    out->line.len = len;
  }
  return out->kind;
}

/* The line terminator at buf[q]: "\r\n" or "\n" within n bytes. Returns
 * the line's length (terminator included), or 0 for anything else. */
static inline size_t line_end_at(const uint8_t *buf, size_t q, size_t n) {
  if (q < n && buf[q] == '\n')
    return q + 1;
  if (q + 1 < n && buf[q] == '\r' && buf[q + 1] == '\n')
    return q + 2;
  return 0;
}

/* "HTTP/" major "." minor at buf[p..n), as read_version reads it after
 * the prefix, into *major and *minor; returns the index after the minor
 * version, or 0. */
static inline size_t version_at(const uint8_t *buf, size_t p, size_t n,
                                int32_t *major, int32_t *minor) {
  if (n - p < 8 || memcmp(buf + p, "HTTP/", 5) != 0)
    return 0;
  p += 5;
  if (read_digits(buf, &p, n, major) == 0 || p >= n || buf[p] != '.')
    return 0;
  p++;
  return read_digits(buf, &p, n, minor) ? p : 0;
}

/* The common request line, "token SP uri SP HTTP/d.d" CRLF (or LF), framed
 * and parsed in one walk over buf[0..n): the method's token run, the URI up
 * to its SP, the version, the terminator right after it. Returns the
 * line's length with *out filled as wr_http_parse fills it, or 0 - and
 * then the caller takes the general path, which decides everything else
 * (several spaces, HTTP/0.9, text after the version, a CR or LF inside the
 * line, errors, the limit). Starting with "HTTP/" never gets here: '/' ends
 * the token "HTTP" without the SP this path needs. */
static size_t request_line_once(const uint8_t *buf, size_t n, size_t max,
                                wr_http_packet *out) {
  size_t m = wr_http_token_end_(buf, 0, n);
  if (m == 0 || m + 1 >= n || buf[m] != ' ')
    return 0;
  size_t u = m + 1;
  size_t e = wr_http_find_space_(buf, u, n);
  if (e == u || e >= n || buf[e] != ' ')
    return 0;
  int32_t major, minor;
  size_t q = version_at(buf, e + 1, n, &major, &minor);
  size_t len = q ? line_end_at(buf, q, n) : 0;
  if (len == 0 || (max != 0 && len > max))
    return 0;
  clear_packet(out);
  wr_put_span_(&out->line, buf, len);
  out->major = major;
  out->minor = minor;
  wr_put_span_(&out->method, buf, m);
  out->method_index = method_index(buf, m);
  parse_uri(&out->uri, buf + u, e - u);
  out->kind = WR_HTTP_REQUEST;
  return len;
}

/* The common status line, "HTTP/d.d SP digits [SP+ reason]" CRLF (or LF),
 * in one walk; 0 hands the line to the general path as above (several
 * spaces before the code, no code, "200OK", a limit). */
static size_t status_line_once(const uint8_t *buf, size_t n, size_t max,
                               wr_http_packet *out) {
  int32_t major, minor, status;
  size_t p = version_at(buf, 0, n, &major, &minor);
  if (p == 0 || p + 1 >= n || buf[p] != ' ' || !is_digit(buf[p + 1]))
    return 0;
  p++;
  read_digits(buf, &p, n, &status);
  size_t r = p, len;
  if (p < n && wr_http_is_sp_(buf[p])) {
    while (r < n && wr_http_is_sp_(buf[r]))
      r++;
    size_t lf = wr_http_find_lf_(buf, r, n);
    if (lf == n)
      return 0;
    len = lf + 1;
  } else {
    len = line_end_at(buf, p, n);
    if (len == 0)
      return 0;
  }
  if (max != 0 && len > max)
    return 0;
  /* The terminator wr_http_parse strips: CR LF, any byte after a CR at
   * len - 2 (OTP), or the LF alone. r <= end: the spaces stop before it. */
  size_t end = buf[len - 2] == '\r' ? len - 2 : len - 1;
  clear_packet(out);
  wr_put_span_(&out->line, buf, len);
  out->major = major;
  out->minor = minor;
  out->status = status;
  wr_put_span_(&out->reason, buf + r, end - r);
  out->kind = WR_HTTP_RESPONSE;
  return len;
}

/* clear_packet for a header line, whose kind, line, header_index,
 * raw_field and value the caller writes next: with SSE2 only the fields
 * between them (major .. reason) are zeroed, seven 16-byte stores instead
 * of eleven, and kind goes in with its padding as one 8-byte store. */
static inline void clear_for_header(wr_http_packet *out) {
#if WR_HTTP_SSE2
  enum {
    FROM = offsetof(wr_http_packet, major),
    TO = offsetof(wr_http_packet, raw_field)
  };
  _Static_assert(offsetof(wr_http_packet, line) == 8 && FROM == 24 &&
                     TO - FROM == 7 * 16 &&
                     offsetof(wr_http_packet, header_index) < TO,
                 "clear_for_header's stores cover major .. header_index");
  uint8_t *b = (uint8_t *)out;
  const __m128i z = _mm_setzero_si128();
#define WR_Z(k) _mm_storeu_si128((__m128i *)(void *)(b + FROM + 16 * (k)), z)
  WR_Z(0); /* written out: a loop becomes `rep stos` (clear_packet) */
  WR_Z(1);
  WR_Z(2);
  WR_Z(3);
  WR_Z(4);
  WR_Z(5);
  WR_Z(6);
#undef WR_Z
  uint64_t kind = (uint64_t)WR_HTTP_HEADER;
  memcpy(b, &kind, sizeof kind);
#else
  clear_packet(out);
  out->kind = WR_HTTP_HEADER;
#endif
}

/* One walk per line for the common shapes. A header line "Name: value\r\n"
 * followed by at least one byte that does not fold, within the line limit:
 * the name scan stops at the ':' (a token never contains LF, so the LF found
 * after it is the line's first, as http_length finds it), then the value
 * runs to that LF. A request or status line: request_line_once and
 * status_line_once. Everything else - folded or over-long lines, lines
 * still arriving, unusual spacing, errors - goes through wr_frame_next and
 * wr_http_parse, which define the result (semantics §3); the fast paths
 * only ever give what they would (test_framing_common.c's check_batch on
 * every framing row, and the split_http* fuzz targets, compare the two). */
static wr_frame_status frame_http_rest(const wr_framing *cfg, int st,
                                       int *state, const uint8_t *buf, size_t n,
                                       size_t max, wr_frame *out,
                                       wr_http_packet *pkt);

wr_frame_status wr_frame_http(const wr_framing *cfg, int *state,
                              const uint8_t *buf, size_t n, wr_frame *out,
                              wr_http_packet *pkt) {
  int headers_only =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  int st = headers_only ? WR_HTTP_HEADERS : *state;
  size_t max = cfg->packet_size ? cfg->packet_size : cfg->trunc_len;
  if (st == WR_HTTP_HEADERS && n > 2) {
    if (buf[0] == '\r' && buf[1] == '\n' && (max == 0 || max >= 2)) {
      /* The end of the headers: a 2-byte line, never folded. */
      clear_packet(pkt);
      wr_put_span_(&pkt->line, buf, 2);
      pkt->kind = WR_HTTP_EOH;
      wr_put_span_(&out->packet, buf, 2);
      out->consumed = 2;
      out->need = 0;
      *state = WR_HTTP_REQUEST_LINE;
      return WR_FRAME_PACKET;
    }
    size_t p = wr_http_scan_name_(buf, n, pkt->field_buf_);
    if (p > 0 && p < n && buf[p] == ':') {
      size_t lf = wr_http_find_lf_(buf, p + 1, n);
      size_t len = lf + 1;
      if (lf < n && (max == 0 || len <= max) && len < n &&
          !wr_http_is_sp_(buf[len])) {
        /* len >= 3 here, so a following SP or HT would fold. */
        size_t end = buf[len - 2] == '\r' ? len - 2 : len - 1;
        clear_for_header(pkt);
        wr_put_span_(&pkt->line, buf, len);
        wr_put_span_(&pkt->raw_field, buf, p);
        pkt->header_index =
            p <= WR_HTTP_MAX_NAME_LEN ? header_index(pkt->field_buf_, p) : 0;
        /* Most values follow one SP; the loop is for the others. */
        size_t v = p + 1;
        v += v < end && buf[v] == ' ';
        while (v < end && wr_http_is_sp_(buf[v]))
          v++;
        wr_put_span_(&pkt->value, buf + v, end - v);
        wr_put_span_(&out->packet, buf, len);
        out->consumed = len;
        out->need = 0;
        *state = WR_HTTP_HEADERS;
        return WR_FRAME_PACKET;
      }
    }
  }
  return frame_http_rest(cfg, st, state, buf, n, max, out, pkt);
}

/* Everything but the header lines of wr_frame_http's fast path: out of
 * line, so that the header path (nine lines in ten) stays small. */
static __attribute__((noinline)) wr_frame_status
frame_http_rest(const wr_framing *cfg, int st, int *state, const uint8_t *buf,
                size_t n, size_t max, wr_frame *out, wr_http_packet *pkt) {
  if (st == WR_HTTP_REQUEST_LINE && n > 2) {
    size_t len = n >= 5 && memcmp(buf, "HTTP/", 5) == 0
                     ? status_line_once(buf, n, max, pkt)
                     : request_line_once(buf, n, max, pkt);
    if (len) {
      wr_put_span_(&out->packet, buf, len);
      out->consumed = len;
      out->need = 0;
      *state = WR_HTTP_HEADERS;
      return WR_FRAME_PACKET;
    }
  }
  wr_frame_status fs = wr_frame_next(cfg, st, buf, n, out);
  if (fs == WR_FRAME_PACKET) {
    wr_http_parse(out->packet.ptr, out->packet.len, &st, pkt);
    *state = st;
  }
  return fs;
}

wr_span wr_http_field(const wr_http_packet *p) {
  wr_span s = {NULL, 0};
  if (p->kind != WR_HTTP_HEADER)
    return s;
  if (p->raw_field.len > WR_HTTP_MAX_NAME_LEN)
    return p->raw_field;
  s.ptr = p->field_buf_;
  s.len = p->raw_field.len;
  return s;
}

/* Moves one span that lies in [from, from + n] by the same offset into to.
 * Compared as integers: the static "/" is another object, and relational
 * comparison of unrelated pointers is undefined in C. */
static void move_span(wr_span *s, uintptr_t from, size_t n, const uint8_t *to) {
  uintptr_t at = (uintptr_t)s->ptr;
  if (s->ptr && at >= from && at - from <= n)
    s->ptr = to + (at - from);
}

void wr_http_packet_move(wr_http_packet *p, const uint8_t *to) {
  uintptr_t from = (uintptr_t)p->line.ptr;
  size_t n = p->line.len;
  if (!p->line.ptr)
    return;
  move_span(&p->method, from, n, to);
  move_span(&p->uri.s1, from, n, to);
  move_span(&p->uri.s2, from, n, to);
  move_span(&p->reason, from, n, to);
  move_span(&p->raw_field, from, n, to);
  move_span(&p->value, from, n, to);
  move_span(&p->line, from, n, to);
}
