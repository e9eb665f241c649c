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

#include "wirerig/framing.h"

static const char *const header_names[WR_HTTP_HEADER_COUNT] = {
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

/* Token characters: 33..127 except the separators. DEL (127) counts as a
 * token character because OTP's separator table leaves it unset; real
 * Erlang accepts "X\177y: v" as a header. */
static inline int is_token(uint8_t c) {
  if (c <= 32 || c >= 128)
    return 0;
  switch (c) {
  case '(':
  case ')':
  case '<':
  case '>':
  case '@':
  case ',':
  case ';':
  case ':':
  case '\\':
  case '"':
  case '/':
  case '[':
  case ']':
  case '?':
  case '=':
  case '{':
  case '}':
    return 0;
  default:
    return 1;
  }
}

static inline int is_sp(uint8_t c) { return c == ' ' || c == '\t'; }
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
  for (int i = 0; i < WR_HTTP_METHOD_COUNT; i++)
    if (strlen(method_names[i]) == len && memcmp(method_names[i], m, len) == 0)
      return i + 1;
  return 0;
}

/* Known headers are looked up by their canonical form. Comparing the length
 * and first byte before the bytes keeps a lookup to a few dozen byte tests
 * without any table built at run time (no global mutable state). */
static const uint8_t header_lens[WR_HTTP_HEADER_COUNT] = {
    13, 10, 4,  6,  17, 7,  3, 6, 14, 15, 15, 13, 4,  4, 17, 8, 13, 8,
    19, 12, 19, 5,  7,  10, 3, 8, 18, 6,  11, 6,  4,  7, 16, 5, 12, 16,
    16, 14, 16, 11, 13, 12, 4, 7, 13, 13, 10, 11, 15, 6, 10, 16};

static int header_index(const uint8_t *name, size_t len) {
  for (int i = 0; i < WR_HTTP_HEADER_COUNT; i++) {
    const char *h = header_names[i];
    if (header_lens[i] == len && (uint8_t)h[0] == name[0] &&
        memcmp(h, name, len) == 0)
      return i + 1;
  }
  return 0;
}

/* Status-Line = "HTTP/" version SP+ digits* (SP* reason | end) */
static int parse_status_line(const uint8_t *buf, size_t n,
                             wr_http_packet *out) {
  size_t p = 5;
  if (read_version(buf, &p, n, out) != 0)
    return -1;
  size_t sp = p;
  while (p < n && is_sp(buf[p]))
    p++;
  if (p == sp)
    return -1;
  read_digits(buf, &p, n, &out->status); /* no digits at all means 0 */
  sp = p;
  while (p < n && is_sp(buf[p]))
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
  while (p < n && is_token(buf[p]))
    p++;
  if (p == n || p == 0 || !is_sp(buf[p]))
    return -1;
  out->method.ptr = buf;
  out->method.len = p;
  out->method_index = method_index(buf, p);
  while (p < n && is_sp(buf[p]))
    p++;
  size_t uri_start = p;
  while (p < n && !is_sp(buf[p]))
    p++;
  if (p == uri_start)
    return -1;
  size_t uri_end = p;
  while (p < n && is_sp(buf[p]))
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

/* Header = token ":" SP* value. The canonical name upper-cases the first
 * letter and each letter after a '-', lower-cases the rest; a '-' in the
 * upper-case position does not re-arm it ("a--b" -> "A--b"). */
static int parse_header(const uint8_t *buf, size_t n, wr_http_packet *out) {
  size_t p = 0;
  int up = 1;
  while (is_token(buf[p])) {
    uint8_t c = buf[p];
    if (p < WR_HTTP_MAX_NAME_LEN) {
      if (up) {
        if (c >= 'a' && c <= 'z')
          c = (uint8_t)(c - ('a' - 'A'));
        up = 0;
      } else if (c >= 'A' && c <= 'Z') {
        c = (uint8_t)(c + ('a' - 'A'));
      } else if (c == '-') {
        up = 1;
      }
      out->field_buf_[p] = c;
    }
    if (++p == n)
      return -1;
  }
  if (buf[p] != ':')
    return -1;
  out->raw_field.ptr = buf;
  out->raw_field.len = p;
  out->header_index =
      p <= WR_HTTP_MAX_NAME_LEN && p > 0 ? header_index(out->field_buf_, p) : 0;
  p++;
  while (p < n && is_sp(buf[p]))
    p++;
  out->value.ptr = buf + p;
  out->value.len = n - p;
  out->kind = WR_HTTP_HEADER;
  return 0;
}

wr_http_kind wr_http_parse(const uint8_t *line, size_t len, int *state,
                           wr_http_packet *out) {
  memset(out, 0, offsetof(wr_http_packet, field_buf_));
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
    memset(out, 0, offsetof(wr_http_packet, field_buf_));
    out->kind = WR_HTTP_ERROR;
    out->line.ptr = line;
    out->line.len = len;
  }
  return out->kind;
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
