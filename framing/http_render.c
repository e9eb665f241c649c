/* An HTTP packet as the Erlang term decode_packet returns, in the one
 * normalised spelling the scenario parser gives `http TERM` (expect.c):
 * no spaces, strings as "..." with \" \\ \r \n \t and \xHH for other
 * non-printable bytes ([] when empty, as Erlang prints "") -- or, for
 * http_bin and httph_bin, as binaries <<"...">> (<<>> when empty) with the
 * same escapes -- known methods and header names as quoted atoms.
 * This is also what `wirerig decode` prints (cli/decode_render.c), so a
 * failure report and a decode of the same bytes read alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/framing.h"

typedef struct out {
  char *buf;
  size_t cap, n;
  int binaries; /* strings are binaries (http_bin, httph_bin) */
} out;

static void put(out *o, const char *s, size_t n) {
  for (size_t k = 0; k < n; k++, o->n++)
    if (o->n + 1 < o->cap)
      o->buf[o->n] = s[k];
}

static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

static void putf_long(out *o, long v) {
  char tmp[24];
  int n = snprintf(tmp, sizeof tmp, "%ld", v);
  put(o, tmp, (size_t)n);
}

static void quote(out *o, const uint8_t *s, size_t n) {
  put(o, "\"", 1);
  for (size_t k = 0; k < n; k++) {
    unsigned c = s[k];
    switch (c) {
    case '"':
      put(o, "\\\"", 2);
      break;
    case '\\':
      put(o, "\\\\", 2);
      break;
    case '\r':
      put(o, "\\r", 2);
      break;
    case '\n':
      put(o, "\\n", 2);
      break;
    case '\t':
      put(o, "\\t", 2);
      break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        char ch = (char)c;
        put(o, &ch, 1);
      } else {
        char tmp[8];
        snprintf(tmp, sizeof tmp, "\\x%02x", c);
        put(o, tmp, 4);
      }
    }
  }
  put(o, "\"", 1);
}

static void span(out *o, wr_span s) {
  if (!o->binaries) {
    if (s.len)
      quote(o, s.ptr, s.len);
    else
      put(o, "[]", 2); /* "" is [], and Erlang prints it so */
    return;
  }
  put(o, "<<", 2);
  if (s.len)
    quote(o, s.ptr, s.len);
  put(o, ">>", 2);
}

static void atom_q(out *o, const char *name) {
  put(o, "'", 1);
  puts_(o, name);
  put(o, "'", 1);
}

static void uri(out *o, const wr_http_uri *u) {
  switch (u->kind) {
  case WR_URI_STAR:
    puts_(o, "'*'");
    break;
  case WR_URI_ABS_PATH:
    puts_(o, "{abs_path,");
    span(o, u->s1);
    puts_(o, "}");
    break;
  case WR_URI_HTTP:
  case WR_URI_HTTPS:
    puts_(o, u->kind == WR_URI_HTTP ? "{absoluteURI,http,"
                                    : "{absoluteURI,https,");
    span(o, u->s1);
    puts_(o, ",");
    if (u->port)
      putf_long(o, (long)u->port);
    else
      puts_(o, "undefined");
    puts_(o, ",");
    span(o, u->s2);
    puts_(o, "}");
    break;
  case WR_URI_SCHEME:
    puts_(o, "{scheme,");
    span(o, u->s1);
    puts_(o, ",");
    span(o, u->s2);
    puts_(o, "}");
    break;
  case WR_URI_STRING:
    span(o, u->s1);
    break;
  }
}

int wr_http_render(const wr_http_packet *p, int binaries, char *buf,
                   size_t len) {
  out o = {buf, len, 0, binaries != 0};
  switch (p->kind) {
  case WR_HTTP_REQUEST:
    puts_(&o, "{http_request,");
    if (wr_http_method_name(p->method_index))
      atom_q(&o, wr_http_method_name(p->method_index));
    else
      span(&o, p->method);
    puts_(&o, ",");
    uri(&o, &p->uri);
    puts_(&o, ",{");
    putf_long(&o, (long)p->major);
    puts_(&o, ",");
    putf_long(&o, (long)p->minor);
    puts_(&o, "}}");
    break;
  case WR_HTTP_RESPONSE:
    puts_(&o, "{http_response,{");
    putf_long(&o, (long)p->major);
    puts_(&o, ",");
    putf_long(&o, (long)p->minor);
    puts_(&o, "},");
    putf_long(&o, (long)p->status);
    puts_(&o, ",");
    span(&o, p->reason);
    puts_(&o, "}");
    break;
  case WR_HTTP_HEADER:
    puts_(&o, "{http_header,");
    putf_long(&o, p->header_index);
    puts_(&o, ",");
    if (p->header_index > 0 && wr_http_header_name(p->header_index))
      atom_q(&o, wr_http_header_name(p->header_index));
    else
      span(&o, wr_http_field(p));
    puts_(&o, ",");
    span(&o, p->raw_field);
    puts_(&o, ",");
    span(&o, p->value);
    puts_(&o, "}");
    break;
  case WR_HTTP_EOH:
    puts_(&o, "http_eoh");
    break;
  case WR_HTTP_ERROR:
    puts_(&o, "{http_error,");
    span(&o, p->line);
    puts_(&o, "}");
    break;
  }
  if (len)
    buf[o.n < len ? o.n : len - 1] = 0;
  return (int)o.n;
}

int wr_http_render_string(const uint8_t *s, size_t n, int binary, char *buf,
                          size_t len) {
  out o = {buf, len, 0, binary != 0};
  wr_span sp = {s, n};
  span(&o, sp);
  if (len)
    buf[o.n < len ? o.n : len - 1] = 0;
  return (int)o.n;
}

/* ---- to a FILE -------------------------------------------------------- */

void wr_bytes_print(FILE *f, const uint8_t *p, size_t n) {
  putc('"', f);
  for (size_t k = 0; k < n; k++) {
    unsigned c = p[k];
    switch (c) {
    case '"':
      fputs("\\\"", f);
      break;
    case '\\':
      fputs("\\\\", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    default:
      if (c >= 0x20 && c < 0x7F)
        putc((int)c, f);
      else
        fprintf(f, "\\x%02x", c);
    }
  }
  putc('"', f);
}

/* The renderer above into a stack buffer, or the heap for a long term. */
void wr_http_print(FILE *f, wr_packet_type type, const wr_http_packet *p) {
  int bin = wr_packet_type_is_http_bin(type);
  char small[512];
  int n = wr_http_render(p, bin, small, sizeof small);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    fwrite(small, 1, (size_t)n, f);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    fputs("{http_error,\"<out of memory>\"}", f);
    return;
  }
  wr_http_render(p, bin, big, (size_t)n + 1);
  fwrite(big, 1, (size_t)n, f);
  free(big);
}
