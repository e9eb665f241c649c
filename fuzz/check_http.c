#include "check_http.h"

#include <string.h>

#include "fuzz_util.h"
#include "ref_http.h"

static const char *kind_name(int k) {
  static const char *const names[] = {"request", "response", "header",
                                      "http_eoh", "http_error"};
  return k >= 0 && k <= WR_HTTP_ERROR ? names[k] : "?";
}

/* s is the reference span r of line (or both empty). */
static int same(wr_span s, const uint8_t *line, size_t len, fz_off_span r) {
  if (s.len != r.len)
    return 0;
  return r.len == 0 || (fz_span_in(s, line, len) && s.ptr == line + r.off);
}

static int span_is(wr_span s, const char *text) {
  size_t n = text ? strlen(text) : 0;
  return text && s.len == n && (n == 0 || memcmp(s.ptr, text, n) == 0);
}

static void check_request(const wr_http_packet *p, const uint8_t *line,
                          size_t len, const fz_http_ref *r) {
  const char *l = fz_escape(line, len);
  FZ_CHECK(same(p->method, line, len, r->method),
           "method span (len %zu) is not the leading token (len %zu): \"%s\"",
           p->method.len, r->method.len, l);
  FZ_CHECK(p->method_index == r->method_index,
           "method_index %d, expected %d: \"%s\"", p->method_index,
           r->method_index, l);
  if (p->method_index > 0)
    FZ_CHECK(span_is(p->method, wr_http_method_name(p->method_index)) &&
                 !strcmp(wr_http_method_name(p->method_index),
                         fz_ref_method_name(p->method_index)),
             "method table entry %d is wrong", p->method_index);
  FZ_CHECK(p->major == r->major && p->minor == r->minor,
           "version {%d,%d}, expected {%d,%d}: \"%s\"", p->major, p->minor,
           r->major, r->minor, l);
  FZ_CHECK(p->uri.kind == r->uri_kind, "uri kind %d, expected %d: \"%s\"",
           (int)p->uri.kind, (int)r->uri_kind, l);
  int absolute = r->uri_kind == WR_URI_HTTP || r->uri_kind == WR_URI_HTTPS;
  if (absolute) {
    FZ_CHECK(p->uri.port == r->port, "port %d, expected %d: \"%s\"",
             p->uri.port, r->port, l);
    FZ_CHECK(r->s2_root ? span_is(p->uri.s2, "/")
                        : same(p->uri.s2, line, len, r->s2),
             "absoluteURI path (len %zu) is not the expected (len %zu%s): "
             "\"%s\"",
             p->uri.s2.len, r->s2.len, r->s2_root ? ", \"/\"" : "", l);
  }
  if (r->uri_kind == WR_URI_SCHEME)
    FZ_CHECK(same(p->uri.s2, line, len, r->s2),
             "scheme rest (len %zu), expected len %zu: \"%s\"", p->uri.s2.len,
             r->s2.len, l);
  if (r->uri_kind != WR_URI_STAR) /* s1: path, host, scheme or the text */
    FZ_CHECK(same(p->uri.s1, line, len, r->s1),
             "uri s1 (len %zu), expected offset %zu len %zu: \"%s\"",
             p->uri.s1.len, r->s1.off, r->s1.len, l);
}

static void check_header(const wr_http_packet *p, const uint8_t *line,
                         size_t len, const fz_http_ref *r) {
  const char *l = fz_escape(line, len);
  FZ_CHECK(same(p->raw_field, line, len, r->name),
           "raw name (len %zu) is not the token before ':' (len %zu): \"%s\"",
           p->raw_field.len, r->name.len, l);
  FZ_CHECK(same(p->value, line, len, r->value),
           "value (len %zu) is not the rest after ':' and SP/HT (offset %zu "
           "len %zu): \"%s\"",
           p->value.len, r->value.off, r->value.len, l);
  FZ_CHECK(p->header_index == r->header_index,
           "header_index %d, expected %d: \"%s\"", p->header_index,
           r->header_index, l);
  wr_span field = wr_http_field(p);
  FZ_CHECK(fz_span_in(field, line, len) ||
               fz_span_in(field, p->field_buf_, sizeof p->field_buf_),
           "wr_http_field points neither into the line nor into the packet");
  size_t n = r->name.len;
  FZ_CHECK(field.len == n, "field name of %zu bytes, raw name %zu: \"%s\"",
           field.len, n, l);
  const uint8_t *want = n > WR_HTTP_MAX_NAME_LEN ? line : r->canon;
  FZ_CHECK(n == 0 || memcmp(field.ptr, want, n) == 0,
           "field name \"%.*s\" is not the %s name: \"%s\"", (int)n,
           (const char *)field.ptr,
           n > WR_HTTP_MAX_NAME_LEN ? "unmodified" : "canonical", l);
  if (p->header_index > 0)
    FZ_CHECK(span_is(field, wr_http_header_name(p->header_index)) &&
                 !strcmp(wr_http_header_name(p->header_index),
                         fz_ref_header_name(p->header_index)),
             "header table entry %d is wrong", p->header_index);
}

void fz_check_http(const wr_http_packet *p, const uint8_t *line, size_t len,
                   int before, int after) {
  FZ_CHECK(p->kind >= WR_HTTP_REQUEST && p->kind <= WR_HTTP_ERROR,
           "unknown http kind %d", (int)p->kind);
  FZ_CHECK(p->line.ptr == line && p->line.len == len,
           "packet line span is not the parsed line (len %zu of %zu)",
           p->line.len, len);
  int want_after = before;
  if (p->kind == WR_HTTP_REQUEST || p->kind == WR_HTTP_RESPONSE)
    want_after = WR_HTTP_HEADERS;
  else if (p->kind == WR_HTTP_EOH)
    want_after = WR_HTTP_REQUEST_LINE;
  FZ_CHECK(after == want_after, "state %d -> %d after %s, expected %d", before,
           after, kind_name(p->kind), want_after);

  fz_http_ref r = fz_ref_http(line, len, before);
  FZ_CHECK(p->kind == r.kind,
           "parsed as %s in the %s state, the reference (semantics §3.2) "
           "says %s: \"%s\"",
           kind_name(p->kind),
           before == WR_HTTP_HEADERS ? "header" : "request-line",
           kind_name(r.kind), fz_escape(line, len));
  switch (r.kind) {
  case WR_HTTP_REQUEST:
    check_request(p, line, len, &r);
    break;
  case WR_HTTP_RESPONSE:
    FZ_CHECK(
        p->major == r.major && p->minor == r.minor && p->status == r.status,
        "response {%d,%d} %d, expected {%d,%d} %d: \"%s\"", p->major, p->minor,
        p->status, r.major, r.minor, r.status, fz_escape(line, len));
    FZ_CHECK(same(p->reason, line, len, r.reason),
             "reason (len %zu), expected offset %zu len %zu: \"%s\"",
             p->reason.len, r.reason.off, r.reason.len, fz_escape(line, len));
    break;
  case WR_HTTP_HEADER:
    check_header(p, line, len, &r);
    break;
  default:
    break;
  }
}
