/* How `wirerig decode` shows packets: as JSON in the documented schema
 * (tests/diff/README.md) and as readable text. */
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "wirerig/framing.h"

/* ---- JSON ------------------------------------------------------------- */

static void json_uri(wr_json_writer *w, const wr_http_uri *u) {
  wr_jw_object_begin(w);
  wr_jw_key(w, "type");
  switch (u->kind) {
  case WR_URI_STAR:
    wr_jw_str(w, "*");
    break;
  case WR_URI_ABS_PATH:
    wr_jw_str(w, "abs_path");
    wr_jw_key(w, "path");
    wr_jw_bytes(w, u->s1.ptr, u->s1.len);
    break;
  case WR_URI_HTTP:
  case WR_URI_HTTPS:
    wr_jw_str(w, "absoluteURI");
    wr_jw_key(w, "scheme");
    wr_jw_str(w, u->kind == WR_URI_HTTP ? "http" : "https");
    wr_jw_key(w, "host");
    wr_jw_bytes(w, u->s1.ptr, u->s1.len);
    wr_jw_key(w, "port");
    if (u->port == 0) /* Erlang's undefined */
      wr_jw_null(w);
    else
      wr_jw_int(w, u->port);
    wr_jw_key(w, "path");
    wr_jw_bytes(w, u->s2.ptr, u->s2.len);
    break;
  case WR_URI_SCHEME:
    wr_jw_str(w, "scheme");
    wr_jw_key(w, "scheme");
    wr_jw_bytes(w, u->s1.ptr, u->s1.len);
    wr_jw_key(w, "rest");
    wr_jw_bytes(w, u->s2.ptr, u->s2.len);
    break;
  case WR_URI_STRING:
    wr_jw_str(w, "string");
    wr_jw_key(w, "value");
    wr_jw_bytes(w, u->s1.ptr, u->s1.len);
    break;
  }
  wr_jw_object_end(w);
}

static void json_version(wr_json_writer *w, const wr_http_packet *p) {
  wr_jw_key(w, "version");
  wr_jw_array_begin(w);
  wr_jw_int(w, p->major);
  wr_jw_int(w, p->minor);
  wr_jw_array_end(w);
}

void wr_decode_json_http(wr_json_writer *w, const wr_http_packet *p) {
  wr_jw_object_begin(w);
  wr_jw_key(w, "type");
  switch (p->kind) {
  case WR_HTTP_REQUEST: {
    wr_jw_str(w, "http_request");
    wr_jw_key(w, "method");
    const char *known = wr_http_method_name(p->method_index);
    if (known)
      wr_jw_str(w, known);
    else
      wr_jw_bytes(w, p->method.ptr, p->method.len);
    wr_jw_key(w, "method_known");
    wr_jw_bool(w, known != NULL);
    wr_jw_key(w, "uri");
    json_uri(w, &p->uri);
    json_version(w, p);
    break;
  }
  case WR_HTTP_RESPONSE:
    wr_jw_str(w, "http_response");
    json_version(w, p);
    wr_jw_key(w, "status");
    wr_jw_int(w, p->status);
    wr_jw_key(w, "reason");
    wr_jw_bytes(w, p->reason.ptr, p->reason.len);
    break;
  case WR_HTTP_HEADER: {
    wr_jw_str(w, "http_header");
    wr_jw_key(w, "index");
    wr_jw_int(w, p->header_index);
    wr_span field = wr_http_field(p);
    wr_jw_key(w, "field");
    wr_jw_bytes(w, field.ptr, field.len);
    wr_jw_key(w, "field_known");
    wr_jw_bool(w, p->header_index > 0);
    wr_jw_key(w, "raw_field");
    wr_jw_bytes(w, p->raw_field.ptr, p->raw_field.len);
    wr_jw_key(w, "value");
    wr_jw_bytes(w, p->value.ptr, p->value.len);
    break;
  }
  case WR_HTTP_EOH:
    wr_jw_str(w, "http_eoh");
    break;
  case WR_HTTP_ERROR:
    wr_jw_str(w, "http_error");
    wr_jw_key(w, "line");
    wr_jw_bytes(w, p->line.ptr, p->line.len);
    break;
  }
  wr_jw_object_end(w);
}

void wr_decode_json_packet(wr_json_writer *w, const wr_framing *cfg,
                           const wr_frame *fr, int *state) {
  if (!wr_packet_type_is_http(cfg->type)) {
    wr_jw_bytes(w, fr->packet.ptr, fr->packet.len);
    return;
  }
  wr_http_packet hp;
  wr_http_parse(fr->packet.ptr, fr->packet.len, state, &hp);
  wr_decode_json_http(w, &hp);
}

int wr_decode_write_line(wr_json_writer *w) {
  if (w->failed) {
    fprintf(stderr, WR_DECODE_PROG ": out of memory writing the output\n");
    return -1;
  }
  wr_jw_raw(w, "\n", 1);
  if (fwrite(w->buf, 1, w->len, stdout) != w->len)
    return -1;
  wr_jw_reset(w);
  return 0;
}
