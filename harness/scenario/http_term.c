/* `http TERM` expectations against received packets: compared field by
 * field, and written back in wr_http_render's spelling for reports. The
 * comparison never goes through text, so it holds for a header value of
 * any size; the spelling is shared with the packets' through
 * wr_http_render_string, so that "expected X, observed Y" read alike. */
#include <stdio.h>
#include <string.h>

#include "wirerig/scenario.h"

static int same(const wr_scn_bytes *b, wr_span s) {
  return b->len == s.len && (s.len == 0 || memcmp(b->ptr, s.ptr, s.len) == 0);
}

static int uri_match(const wr_scn_http *e, const wr_http_uri *u) {
  if (e->uri_kind != u->kind)
    return 0;
  switch (u->kind) {
  case WR_URI_STAR:
    return 1;
  case WR_URI_ABS_PATH:
  case WR_URI_STRING:
    return same(&e->uri_s1, u->s1);
  case WR_URI_HTTP:
  case WR_URI_HTTPS:
    return same(&e->uri_s1, u->s1) && e->port == u->port &&
           same(&e->uri_s2, u->s2);
  case WR_URI_SCHEME:
    return same(&e->uri_s1, u->s1) && same(&e->uri_s2, u->s2);
  }
  return 0;
}

/* A field written `_` matches whatever the packet holds. */
#define ANY(e, bit) (((e)->any & WR_SCN_HTTP_ANY_##bit) != 0)

int wr_scn_http_match(const wr_scn_http *e, const wr_http_packet *p,
                      int binaries) {
  if (e && p && ANY(e, TERM))
    return 1;
  if (!e || !p || e->kind != p->kind)
    return 0;
  /* A term with strings fixes the packet type's kind of string; one
   * without (http_eoh, {http_request,'GET','*',{1,1}}) fits both. */
  if (e->strings == (binaries ? WR_SCN_HTTP_LISTS : WR_SCN_HTTP_BINARIES))
    return 0;
  switch (p->kind) {
  case WR_HTTP_REQUEST:
    if ((!ANY(e, MAJOR) && e->major != p->major) ||
        (!ANY(e, MINOR) && e->minor != p->minor))
      return 0;
    /* gen_tcp gives a known method as an atom, any other as a string. */
    if (ANY(e, METHOD)) {
      /* matched */
    } else if (wr_http_method_name(p->method_index)) {
      if (e->method_index != p->method_index)
        return 0;
    } else if (e->method_index != 0 || !same(&e->method, p->method)) {
      return 0;
    }
    return ANY(e, URI) || uri_match(e, &p->uri);
  case WR_HTTP_RESPONSE:
    return (ANY(e, MAJOR) || e->major == p->major) &&
           (ANY(e, MINOR) || e->minor == p->minor) &&
           (ANY(e, STATUS) || e->status == p->status) &&
           (ANY(e, REASON) || same(&e->reason, p->reason));
  case WR_HTTP_HEADER:
    if (!ANY(e, NUMBER) && e->header_index != p->header_index)
      return 0;
    /* A known header's field is its atom (the parser ties field_index to
     * the number); any other one the canonical name as a string. */
    if (ANY(e, FIELD)) {
      /* matched */
    } else if (p->header_index > 0 && wr_http_header_name(p->header_index)) {
      if (e->field_index != p->header_index)
        return 0;
    } else if (e->field_index != 0 || !same(&e->field, wr_http_field(p))) {
      return 0;
    }
    return (ANY(e, RAW_FIELD) || same(&e->raw_field, p->raw_field)) &&
           (ANY(e, VALUE) || same(&e->value, p->value));
  case WR_HTTP_EOH:
    return 1;
  case WR_HTTP_ERROR:
    return ANY(e, LINE) || same(&e->line, p->line);
  }
  return 0;
}

/* ---- writing it back ------------------------------------------------------
 */

typedef struct out {
  char *buf;
  size_t cap, n;
  int binaries;
} out;

static void put(out *o, const char *s) {
  for (; *s; s++, o->n++)
    if (o->n + 1 < o->cap)
      o->buf[o->n] = *s;
}

static void put_int(out *o, long v) {
  char tmp[24];
  snprintf(tmp, sizeof tmp, "%ld", v);
  put(o, tmp);
}

/* Through the packets' own spelling, sized first: no length is too long. */
static void put_str(out *o, const wr_scn_bytes *b) {
  if (!b) {
    put(o, "_");
    return;
  }
  size_t room = o->n < o->cap ? o->cap - o->n : 0;
  int n = wr_http_render_string(b->ptr, b->len, o->binaries,
                                room ? o->buf + o->n : NULL, room);
  if (n > 0)
    o->n += (size_t)n;
}

static void put_atom(out *o, const char *name) {
  put(o, "'");
  put(o, name);
  put(o, "'");
}

/* A number, or `_` when the term leaves it open. */
static void put_num(out *o, const wr_scn_http *e, uint32_t any, long v) {
  if (e->any & any)
    put(o, "_");
  else
    put_int(o, v);
}

/* A string, or `_`. */
static void put_field(out *o, const wr_scn_http *e, uint32_t any,
                      const wr_scn_bytes *b) {
  put_str(o, (e->any & any) ? NULL : b);
}

static void put_version(out *o, const wr_scn_http *e) {
  if ((e->any & WR_SCN_HTTP_ANY_MAJOR) && (e->any & WR_SCN_HTTP_ANY_MINOR)) {
    put(o, "_");
    return;
  }
  put(o, "{");
  put_num(o, e, WR_SCN_HTTP_ANY_MAJOR, e->major);
  put(o, ",");
  put_num(o, e, WR_SCN_HTTP_ANY_MINOR, e->minor);
  put(o, "}");
}

static void put_uri(out *o, const wr_scn_http *e) {
  if (e->any & WR_SCN_HTTP_ANY_URI) {
    put(o, "_");
    return;
  }
  switch (e->uri_kind) {
  case WR_URI_STAR:
    put(o, "'*'");
    break;
  case WR_URI_ABS_PATH:
    put(o, "{abs_path,");
    put_str(o, &e->uri_s1);
    put(o, "}");
    break;
  case WR_URI_HTTP:
  case WR_URI_HTTPS:
    put(o, e->uri_kind == WR_URI_HTTP ? "{absoluteURI,http,"
                                      : "{absoluteURI,https,");
    put_str(o, &e->uri_s1);
    put(o, ",");
    if (e->port)
      put_int(o, e->port);
    else
      put(o, "undefined");
    put(o, ",");
    put_str(o, &e->uri_s2);
    put(o, "}");
    break;
  case WR_URI_SCHEME:
    put(o, "{scheme,");
    put_str(o, &e->uri_s1);
    put(o, ",");
    put_str(o, &e->uri_s2);
    put(o, "}");
    break;
  case WR_URI_STRING:
    put_str(o, &e->uri_s1);
    break;
  }
}

int wr_scn_http_render(const wr_scn_http *e, char *buf, size_t len) {
  out o = {buf, len, 0, e && e->strings == WR_SCN_HTTP_BINARIES};
  if (!e) {
    put(&o, "?");
  } else if (e->any & WR_SCN_HTTP_ANY_TERM) {
    put(&o, "_");
  } else {
    switch (e->kind) {
    case WR_HTTP_REQUEST:
      put(&o, "{http_request,");
      if (e->any & WR_SCN_HTTP_ANY_METHOD)
        put(&o, "_");
      else if (e->method_index)
        put_atom(&o, wr_http_method_name(e->method_index));
      else
        put_str(&o, &e->method);
      put(&o, ",");
      put_uri(&o, e);
      put(&o, ",");
      put_version(&o, e);
      put(&o, "}");
      break;
    case WR_HTTP_RESPONSE:
      put(&o, "{http_response,");
      put_version(&o, e);
      put(&o, ",");
      put_num(&o, e, WR_SCN_HTTP_ANY_STATUS, e->status);
      put(&o, ",");
      put_field(&o, e, WR_SCN_HTTP_ANY_REASON, &e->reason);
      put(&o, "}");
      break;
    case WR_HTTP_HEADER:
      put(&o, "{http_header,");
      put_num(&o, e, WR_SCN_HTTP_ANY_NUMBER, e->header_index);
      put(&o, ",");
      if (e->any & WR_SCN_HTTP_ANY_FIELD)
        put(&o, "_");
      else if (e->field_index)
        put_atom(&o, wr_http_header_name(e->field_index));
      else
        put_str(&o, &e->field);
      put(&o, ",");
      put_field(&o, e, WR_SCN_HTTP_ANY_RAW_FIELD, &e->raw_field);
      put(&o, ",");
      put_field(&o, e, WR_SCN_HTTP_ANY_VALUE, &e->value);
      put(&o, "}");
      break;
    case WR_HTTP_EOH:
      put(&o, "http_eoh");
      break;
    case WR_HTTP_ERROR:
      put(&o, "{http_error,");
      put_field(&o, e, WR_SCN_HTTP_ANY_LINE, &e->line);
      put(&o, "}");
      break;
    }
  }
  if (len)
    buf[o.n < len ? o.n : len - 1] = 0;
  return (int)o.n;
}
