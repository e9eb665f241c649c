#include "ref_http.h"

#include <string.h>

#include "fuzz_util.h"

/* The names of the 52 known headers and 7 methods come from the library's
 * own table (wr_http_header_name, wr_http_method_name): the table is data,
 * not logic, and the differential test against real Erlang pins every
 * entry, so a second copy here would only be a place for the two to drift. */
const char *fz_ref_header_name(int index) { return wr_http_header_name(index); }

const char *fz_ref_method_name(int index) { return wr_http_method_name(index); }

static int ws(uint8_t c) { return c == ' ' || c == '\t'; }
static int digit(uint8_t c) { return c >= '0' && c <= '9'; }
static uint8_t lower(uint8_t c) {
  return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static fz_off_span span(size_t a, size_t b) {
  fz_off_span s = {a, b - a};
  return s;
}

/* Digits at *i accumulated the way OTP does in a C int: wrapping. Returns
 * how many digits there were. */
static size_t number(const uint8_t *p, size_t n, size_t *i, int32_t *out) {
  uint32_t v = 0;
  size_t start = *i;
  while (*i < n && digit(p[*i]))
    v = v * 10u + (uint32_t)(p[(*i)++] - '0');
  *out = (int32_t)v;
  return *i - start;
}

/* "HTTP/" 1*digit "." 1*digit at p[*i..n). */
static int version(const uint8_t *p, size_t n, size_t *i, fz_http_ref *r) {
  if (n - *i < 5 || memcmp(p + *i, "HTTP/", 5) != 0)
    return 0;
  *i += 5;
  if (number(p, n, i, &r->major) == 0 || *i >= n || p[*i] != '.')
    return 0;
  (*i)++;
  return number(p, n, i, &r->minor) > 0;
}

static fz_http_ref error(void) {
  fz_http_ref r;
  memset(&r, 0, sizeof r);
  r.kind = WR_HTTP_ERROR;
  return r;
}

static fz_http_ref response(const uint8_t *p, size_t n) {
  fz_http_ref r;
  memset(&r, 0, sizeof r);
  size_t i = 0;
  if (!version(p, n, &i, &r) || i >= n || !ws(p[i]))
    return error();
  while (i < n && ws(p[i]))
    i++;
  number(p, n, &i, &r.status); /* no digits: status 0 */
  if (i < n && !ws(p[i]))
    return error(); /* "200OK", "OK" */
  while (i < n && ws(p[i]))
    i++;
  r.kind = WR_HTTP_RESPONSE;
  r.reason = span(i, n);
  return r;
}

/* host[:port][/path] at u[0..n), offsets relative to base. */
static void absolute(fz_http_ref *r, const uint8_t *u, size_t n, size_t base) {
  size_t slash = 0;
  while (slash < n && u[slash] != '/')
    slash++;
  if (slash == n) {
    r->s2_root = 1;
    r->s2.len = 1;
  } else {
    r->s2 = span(base + slash, base + n);
  }
  size_t colon = 0;
  while (colon < slash && u[colon] != ':')
    colon++;
  r->s1 = span(base, base + colon);
  if (colon < slash) {
    size_t i = colon + 1;
    int32_t port;
    number(u, slash, &i, &port);
    if (i == slash && port != 0)
      r->port = port;
  }
}

static void uri(fz_http_ref *r, const uint8_t *p, size_t a, size_t b) {
  const uint8_t *u = p + a;
  size_t n = b - a;
  r->s1 = span(a, b);
  if (n == 1 && u[0] == '*') {
    r->uri_kind = WR_URI_STAR;
    r->s1.len = 0;
    return;
  }
  if (n <= 1 || u[0] == '/') {
    r->uri_kind = WR_URI_ABS_PATH;
    return;
  }
  static const char *const schemes[] = {"http://", "https://"};
  for (int k = 0; k < 2; k++) {
    size_t m = strlen(schemes[k]), j = 0;
    while (j < m && j < n && lower(u[j]) == (uint8_t)schemes[k][j])
      j++;
    if (j == m) {
      r->uri_kind = k ? WR_URI_HTTPS : WR_URI_HTTP;
      absolute(r, u + m, n - m, a + m);
      return;
    }
  }
  const uint8_t *colon = memchr(u, ':', n);
  if (colon) {
    size_t c = (size_t)(colon - u);
    r->uri_kind = WR_URI_SCHEME;
    r->s1 = span(a, a + c);
    r->s2 = span(a + c + 1, b);
    return;
  }
  r->uri_kind = WR_URI_STRING;
}

static fz_http_ref request(const uint8_t *p, size_t n) {
  fz_http_ref r;
  memset(&r, 0, sizeof r);
  size_t i = 0;
  while (i < n && fz_is_token(p[i]))
    i++;
  if (i == 0 || i == n || !ws(p[i]))
    return error();
  r.method = span(0, i);
  for (int k = 0; k < WR_HTTP_METHOD_COUNT; k++)
    if (strlen(wr_http_method_name(k + 1)) == i &&
        memcmp(wr_http_method_name(k + 1), p, i) == 0)
      r.method_index = k + 1;
  while (i < n && ws(p[i]))
    i++;
  size_t u = i;
  while (i < n && !ws(p[i]))
    i++;
  if (i == u)
    return error();
  uri(&r, p, u, i);
  while (i < n && ws(p[i]))
    i++;
  if (i == n) {
    r.major = 0; /* HTTP/0.9 */
    r.minor = 9;
  } else if (!version(p, n, &i, &r)) {
    return error(); /* anything after the minor digits is ignored */
  }
  r.kind = WR_HTTP_REQUEST;
  return r;
}

static fz_http_ref header(const uint8_t *p, size_t n) {
  fz_http_ref r;
  memset(&r, 0, sizeof r);
  if (n == 0) {
    r.kind = WR_HTTP_EOH;
    return r;
  }
  size_t k = 0;
  while (k < n && fz_is_token(p[k]))
    k++;
  if (k == n || p[k] != ':')
    return error();
  r.kind = WR_HTTP_HEADER;
  r.name = span(0, k);
  size_t v = k + 1;
  while (v < n && ws(p[v]))
    v++;
  r.value = span(v, n);
  if (k > WR_HTTP_MAX_NAME_LEN)
    return r; /* unmodified, index 0 */
  int up = 1;
  for (size_t i = 0; i < k; i++) {
    uint8_t c = p[i];
    if (up) {
      r.canon[i] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
      up = 0;
    } else {
      r.canon[i] = lower(c);
      up = c == '-';
    }
  }
  for (int h = 1; h <= WR_HTTP_HEADER_COUNT; h++) {
    const char *name = wr_http_header_name(h);
    if (strlen(name) == k && memcmp(name, r.canon, k) == 0)
      r.header_index = h;
  }
  return r;
}

fz_http_ref fz_ref_http(const uint8_t *line, size_t len, int state) {
  size_t n = len; /* strip one terminator: CR LF (any last byte), else LF */
  if (n >= 2 && line[n - 2] == '\r')
    n -= 2;
  else if (n >= 1 && line[n - 1] == '\n')
    n -= 1;
  if (state == WR_HTTP_HEADERS)
    return header(line, n);
  if (n >= 5 && memcmp(line, "HTTP/", 5) == 0)
    return response(line, n);
  return request(line, n);
}
