/* `wirerig decode`: cut a byte stream into gen_tcp packets, or answer
 * erlang:decode_packet/3 questions in bulk (--batch).
 *
 * Stream mode runs wr_frame_next over the whole input and prints each
 * packet, then how the stream ends. Like a socket (and unlike one
 * decode_packet call) it carries the HTTP state across packets: request
 * line, then headers, then after http_eoh a request line again.
 *
 * Batch mode reads one JSON question per line and writes one JSON answer
 * per line in the schema documented in tests/diff/README.md, which outside
 * tools depend on: change it only compatibly. Each line is one stateless
 * decode_packet call; a bad line gets a "bad_input" answer and the batch
 * goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "json.h"
#include "wirerig/framing.h"

#define PROG "wirerig decode"

static const char usage_text[] =
    "usage: wirerig decode --packet TYPE [--packet-size N] [--line-length N]\n"
    "                      [--line-delimiter BYTE] [--json] [FILE]\n"
    "       wirerig decode --batch [FILE]\n"
    "\n"
    "Cuts the byte stream in FILE (or standard input) into packets as\n"
    "gen_tcp's {packet, TYPE} and erlang:decode_packet/3 do, prints each one,\n"
    "then how the stream ends: complete, needing more bytes, or a framing\n"
    "error at a byte offset.\n"
    "\n"
    "  --packet TYPE          raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http\n"
    "                         httph http_bin httph_bin\n"
    "  --packet-size N        largest accepted body, 0..4294967295 (0 = no "
    "limit)\n"
    "  --line-length N        line: cut longer lines into pieces of N bytes;\n"
    "                         http types: the line limit when --packet-size "
    "is 0\n"
    "  --line-delimiter BYTE  line only: a number 0..255, one character, or "
    "an\n"
    "                         escape: \\n \\r \\t \\0 \\\\ \\xHH (digits are "
    "numbers:\n"
    "                         '5' is byte 5; write '\\x35' for the digit)\n"
    "  --json                 one JSON object per packet and one for the end\n"
    "  --batch                read decode_packet/3 calls as JSON lines and\n"
    "                         answer each with a JSON line (see the README)\n"
    "\n"
    "For http and http_bin the HTTP state carries across packets as on a\n"
    "socket: a request or status line, then header lines, and after http_eoh\n"
    "a request line again. httph and httph_bin parse every line as a header.\n"
    "\n"
    "Exit status: 0 the stream decoded (complete or needing more bytes),\n"
    "1 framing error, 2 bad usage or unreadable input.\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Prints "wirerig decode: <message>" and a hint; returns the exit status. */
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, PROG ": ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'wirerig decode --help'.\n");
  va_end(ap);
  return 2;
}

/* ---- Shared output: a packet as JSON ----------------------------------- */

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

static void json_http(wr_json_writer *w, const wr_http_packet *p) {
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

/* The "packet" value of an ok answer. *state is the HTTP state, updated. */
static void json_packet(wr_json_writer *w, const wr_framing *cfg,
                        const wr_frame *fr, int *state) {
  if (!wr_packet_type_is_http(cfg->type)) {
    wr_jw_bytes(w, fr->packet.ptr, fr->packet.len);
    return;
  }
  wr_http_packet hp;
  wr_http_parse(fr->packet.ptr, fr->packet.len, state, &hp);
  json_http(w, &hp);
}

/* Writes w's text plus a newline to stdout, then empties w. */
static int flush_line(wr_json_writer *w) {
  if (w->failed) {
    fprintf(stderr, PROG ": out of memory writing the output\n");
    return -1;
  }
  wr_jw_raw(w, "\n", 1);
  if (fwrite(w->buf, 1, w->len, stdout) != w->len)
    return -1;
  wr_jw_reset(w);
  return 0;
}

/* ---- Readable output ---------------------------------------------------- */

/* Bytes as a double-quoted string; printable ASCII as is, \" \\ \r \n \t,
 * and \xHH for everything else. */
static void print_quoted(FILE *out, const uint8_t *p, size_t n) {
  putc('"', out);
  for (size_t k = 0; k < n; k++) {
    unsigned c = p[k];
    switch (c) {
    case '"':
      fputs("\\\"", out);
      break;
    case '\\':
      fputs("\\\\", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    default:
      if (c >= 0x20 && c < 0x7F)
        putc((int)c, out);
      else
        fprintf(out, "\\x%02x", c);
    }
  }
  putc('"', out);
}

static void print_span(FILE *out, wr_span s) {
  print_quoted(out, s.ptr, s.len);
}

/* HTTP packets are shown as the Erlang term decode_packet returns, with
 * strings quoted as above (for http_bin, read "..." as <<"...">>). */
static void print_http(FILE *out, const wr_http_packet *p) {
  const wr_http_uri *u = &p->uri;
  switch (p->kind) {
  case WR_HTTP_REQUEST:
    fputs("{http_request,", out);
    if (wr_http_method_name(p->method_index))
      fprintf(out, "'%s'", wr_http_method_name(p->method_index));
    else
      print_span(out, p->method);
    putc(',', out);
    switch (u->kind) {
    case WR_URI_STAR:
      fputs("'*'", out);
      break;
    case WR_URI_ABS_PATH:
      fputs("{abs_path,", out);
      print_span(out, u->s1);
      putc('}', out);
      break;
    case WR_URI_HTTP:
    case WR_URI_HTTPS:
      fprintf(out, "{absoluteURI,%s,",
              u->kind == WR_URI_HTTP ? "http" : "https");
      print_span(out, u->s1);
      if (u->port)
        fprintf(out, ",%ld,", (long)u->port);
      else
        fputs(",undefined,", out);
      print_span(out, u->s2);
      putc('}', out);
      break;
    case WR_URI_SCHEME:
      fputs("{scheme,", out);
      print_span(out, u->s1);
      putc(',', out);
      print_span(out, u->s2);
      putc('}', out);
      break;
    case WR_URI_STRING:
      print_span(out, u->s1);
      break;
    }
    fprintf(out, ",{%ld,%ld}}", (long)p->major, (long)p->minor);
    break;
  case WR_HTTP_RESPONSE:
    fprintf(out, "{http_response,{%ld,%ld},%ld,", (long)p->major,
            (long)p->minor, (long)p->status);
    print_span(out, p->reason);
    putc('}', out);
    break;
  case WR_HTTP_HEADER:
    fprintf(out, "{http_header,%d,", p->header_index);
    if (p->header_index > 0)
      fprintf(out, "'%s'", wr_http_header_name(p->header_index));
    else
      print_span(out, wr_http_field(p));
    putc(',', out);
    print_span(out, p->raw_field);
    putc(',', out);
    print_span(out, p->value);
    putc('}', out);
    break;
  case WR_HTTP_EOH:
    fputs("http_eoh", out);
    break;
  case WR_HTTP_ERROR:
    fputs("{http_error,", out);
    print_span(out, p->line);
    putc('}', out);
    break;
  }
}

/* ---- Stream mode --------------------------------------------------------- */

typedef struct decode_opts {
  const char *packet, *packet_size, *line_length, *line_delimiter;
  int json, batch;
  const char *file;
} decode_opts;

static int decode_stream(const wr_framing *cfg, const decode_opts *o) {
  uint8_t *data;
  size_t n;
  if (wr_cli_read_all(PROG, o->file, &data, &n))
    return 2;
  FILE *out = stdout;
  wr_json_writer w;
  wr_jw_init(&w);
  int state = WR_HTTP_REQUEST_LINE;
  int is_http = wr_packet_type_is_http(cfg->type);
  int forced_headers =
      cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  size_t off = 0, count = 0;
  int rc = 0;
  for (;;) {
    if (off == n) { /* ends on a packet boundary */
      if (o->json) {
        wr_jw_object_begin(&w);
        wr_jw_key(&w, "result");
        wr_jw_str(&w, "complete");
        wr_jw_key(&w, "offset");
        wr_jw_uint(&w, off);
        wr_jw_key(&w, "packets");
        wr_jw_uint(&w, count);
        wr_jw_object_end(&w);
      } else {
        fprintf(out, "end: complete at offset %zu (%zu packet%s)\n", off, count,
                count == 1 ? "" : "s");
      }
      break;
    }
    if (forced_headers)
      state = WR_HTTP_HEADERS;
    wr_frame fr;
    wr_frame_status st = wr_frame_next(cfg, state, data + off, n - off, &fr);
    if (st == WR_FRAME_PACKET) {
      count++;
      if (o->json) {
        wr_jw_object_begin(&w);
        wr_jw_key(&w, "result");
        wr_jw_str(&w, "ok");
        wr_jw_key(&w, "offset");
        wr_jw_uint(&w, off);
        wr_jw_key(&w, "packet");
        json_packet(&w, cfg, &fr, &state);
        wr_jw_object_end(&w);
        if (flush_line(&w)) {
          rc = 2;
          break;
        }
      } else if (is_http) {
        wr_http_packet hp;
        wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
        fprintf(out, "packet %zu at offset %zu: ", count, off);
        print_http(out, &hp);
        putc('\n', out);
      } else {
        fprintf(out, "packet %zu at offset %zu (%zu bytes): ", count, off,
                fr.packet.len);
        print_span(out, fr.packet);
        putc('\n', out);
      }
      /* A packet always consumes input (raw takes everything, the others
       * at least a header or a delimiter), so this loop ends. */
      off += fr.consumed;
      continue;
    }
    size_t avail = n - off;
    if (st == WR_FRAME_MORE) {
      if (o->json) {
        wr_jw_object_begin(&w);
        wr_jw_key(&w, "result");
        wr_jw_str(&w, "more");
        wr_jw_key(&w, "offset");
        wr_jw_uint(&w, off);
        wr_jw_key(&w, "length");
        if (fr.need)
          wr_jw_uint(&w, fr.need);
        else
          wr_jw_null(&w);
        wr_jw_key(&w, "missing");
        if (fr.need)
          wr_jw_uint(&w, fr.need - avail);
        else
          wr_jw_null(&w);
        wr_jw_object_end(&w);
      } else if (fr.need) {
        fprintf(out,
                "end: need %zu more bytes: the packet at offset %zu is %zu "
                "bytes, %zu present\n",
                fr.need - avail, off, fr.need, avail);
      } else {
        fprintf(out,
                "end: need more bytes, length unknown: %zu byte%s present at "
                "offset %zu\n",
                avail, avail == 1 ? "" : "s", off);
      }
      break;
    }
    if (o->json) {
      wr_jw_object_begin(&w);
      wr_jw_key(&w, "result");
      wr_jw_str(&w, "error");
      wr_jw_key(&w, "offset");
      wr_jw_uint(&w, off);
      wr_jw_key(&w, "reason");
      wr_jw_str(&w, "invalid");
      wr_jw_object_end(&w);
    } else {
      fprintf(out,
              "error at offset %zu: invalid packet (decode_packet returns "
              "{error,invalid}; a socket fails with emsgsize)\n",
              off);
    }
    rc = 1;
    break;
  }
  if (rc != 2 && o->json && w.len && flush_line(&w))
    rc = 2;
  if (fflush(out) != 0 || ferror(out)) {
    fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(errno));
    rc = 2;
  }
  wr_jw_free(&w);
  free(data);
  return rc;
}

/* ---- Batch mode ---------------------------------------------------------- */

typedef struct batch {
  wr_json_doc *doc;
  wr_json_writer w;
  uint8_t *scratch;
  size_t scratch_cap;
  size_t lineno;
} batch;

static void bad_input(batch *b, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes the answer {"result":"bad_input","detail":"line L, column C: ..."};
 * column 0 leaves the column out. */
static void bad_input(batch *b, size_t column, const char *fmt, ...) {
  char detail[512];
  int k = column ? snprintf(detail, sizeof detail,
                            "line %zu, column %zu: ", b->lineno, column)
                 : snprintf(detail, sizeof detail, "line %zu: ", b->lineno);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail + k, sizeof detail - (size_t)k, fmt, ap);
  va_end(ap);
  wr_jw_reset(&b->w);
  wr_jw_object_begin(&b->w);
  wr_jw_key(&b->w, "result");
  wr_jw_str(&b->w, "bad_input");
  wr_jw_key(&b->w, "detail");
  wr_jw_str(&b->w, detail);
  wr_jw_object_end(&b->w);
}

/* An integer option: 0 or -1 after reporting. */
static int batch_uint(batch *b, const wr_json *v, const char *name,
                      uint64_t max, uint64_t *out) {
  if (v->type == WR_JSON_NUMBER && v->u.num.is_integer &&
      v->u.num.integer >= 0 && (uint64_t)v->u.num.integer <= max) {
    *out = (uint64_t)v->u.num.integer;
    return 0;
  }
  if (v->type == WR_JSON_NUMBER)
    bad_input(b, v->pos.column, "\"%s\": expected an integer 0..%llu, found %s",
              name, (unsigned long long)max, v->u.num.text);
  else
    bad_input(b, v->pos.column, "\"%s\": expected an integer 0..%llu, found %s",
              name, (unsigned long long)max, wr_json_type_name(v->type));
  return -1;
}

/* Answers one question; b->w holds the answer afterwards. */
static void batch_line(batch *b, const uint8_t *line, size_t len) {
  if (len == 0 || (len == 1 && line[0] == '\r')) {
    bad_input(b, 0, "empty line (expected a JSON object)");
    return;
  }
  wr_json_error err;
  const wr_json *root =
      wr_json_parse(b->doc, (const char *)line, len, NULL, &err);
  if (!root) {
    bad_input(b, err.pos.column, "%s", err.what);
    return;
  }
  if (root->type != WR_JSON_OBJECT) {
    bad_input(b, root->pos.column, "expected an object, found %s",
              wr_json_type_name(root->type));
    return;
  }
  const wr_json *packet = NULL, *input = NULL, *opt_size = NULL,
                *opt_len = NULL, *opt_delim = NULL;
  for (size_t j = 0; j < root->u.obj.count; j++) {
    const wr_json_member *m = &root->u.obj.members[j];
    const wr_json **slot = NULL;
    if (strcmp(m->key, "packet") == 0)
      slot = &packet;
    else if (strcmp(m->key, "input") == 0)
      slot = &input;
    else if (strcmp(m->key, "packet_size") == 0)
      slot = &opt_size;
    else if (strcmp(m->key, "line_length") == 0)
      slot = &opt_len;
    else if (strcmp(m->key, "line_delimiter") == 0)
      slot = &opt_delim;
    /* strcmp stops at an embedded NUL; the length check catches that. */
    if (!slot || strlen(m->key) != m->key_len) {
      char q[64];
      bad_input(b, m->key_pos.column,
                "unknown field \"%s\"; expected packet, input, "
                "packet_size, line_length, line_delimiter",
                wr_cli_quote(m->key, m->key_len, q, sizeof q));
      return;
    }
    *slot = m->value;
  }
  if (!packet) {
    bad_input(b, 0, "missing field \"packet\"");
    return;
  }
  if (!input) {
    bad_input(b, 0, "missing field \"input\"");
    return;
  }
  if (packet->type != WR_JSON_STRING) {
    bad_input(b, packet->pos.column, "\"packet\": expected a string, found %s",
              wr_json_type_name(packet->type));
    return;
  }
  wr_packet_type type;
  if (strlen(packet->u.str.ptr) != packet->u.str.len ||
      wr_packet_type_parse(packet->u.str.ptr, &type) != 0) {
    char q[64];
    bad_input(b, packet->pos.column,
              "\"packet\": unknown packet type \"%s\"; expected one of %s",
              wr_cli_quote(packet->u.str.ptr, packet->u.str.len, q, sizeof q),
              wr_packet_type_names());
    return;
  }
  wr_framing cfg = wr_framing_default(type);
  uint64_t v;
  if (opt_size) {
    if (batch_uint(b, opt_size, "packet_size", UINT32_MAX, &v))
      return;
    cfg.packet_size = (uint32_t)v;
  }
  if (opt_len) {
    if (batch_uint(b, opt_len, "line_length", UINT32_MAX, &v))
      return;
    cfg.trunc_len = (uint32_t)v;
  }
  if (opt_delim) {
    if (batch_uint(b, opt_delim, "line_delimiter", 255, &v))
      return;
    if (type != WR_PACKET_LINE) {
      bad_input(b, opt_delim->pos.column,
                "\"line_delimiter\" is only valid with packet \"line\" "
                "(decode_packet/3 raises badarg)");
      return;
    }
    cfg.delimiter = (uint8_t)v;
  }
  if (input->type != WR_JSON_STRING) {
    bad_input(b, input->pos.column, "\"input\": expected a string, found %s",
              wr_json_type_name(input->type));
    return;
  }
  if (input->u.str.len > b->scratch_cap) {
    uint8_t *nb = realloc(b->scratch, input->u.str.len);
    if (!nb) {
      bad_input(b, 0, "out of memory");
      return;
    }
    b->scratch = nb;
    b->scratch_cap = input->u.str.len;
  }
  size_t n, bad;
  if (wr_json_string_bytes(input, b->scratch, &n, &bad)) {
    bad_input(b, input->pos.column,
              "\"input\": character %zu is above U+00FF; each character "
              "stands for one byte, U+0000..U+00FF",
              bad + 1);
    return;
  }
  /* An exact-size copy, so that a sanitizer build catches the decoder
   * reading even one byte past the input. */
  uint8_t *bytes = malloc(n ? n : 1);
  if (!bytes) {
    bad_input(b, 0, "out of memory");
    return;
  }
  if (n)
    memcpy(bytes, b->scratch, n);
  int state = type == WR_PACKET_HTTP || type == WR_PACKET_HTTP_BIN
                  ? WR_HTTP_REQUEST_LINE
                  : WR_HTTP_HEADERS;
  wr_frame fr;
  wr_frame_status st = wr_frame_next(&cfg, state, bytes, n, &fr);
  wr_json_writer *w = &b->w;
  wr_jw_reset(w);
  wr_jw_object_begin(w);
  wr_jw_key(w, "result");
  if (st == WR_FRAME_PACKET) {
    wr_jw_str(w, "ok");
    wr_jw_key(w, "packet");
    json_packet(w, &cfg, &fr, &state);
    wr_jw_key(w, "rest");
    wr_jw_bytes(w, bytes + fr.consumed, n - fr.consumed);
  } else if (st == WR_FRAME_MORE) {
    wr_jw_str(w, "more");
    wr_jw_key(w, "length");
    if (fr.need)
      wr_jw_uint(w, fr.need);
    else
      wr_jw_null(w);
  } else {
    wr_jw_str(w, "error");
    wr_jw_key(w, "reason");
    wr_jw_str(w, "invalid");
  }
  wr_jw_object_end(w);
  free(bytes);
}

static void flush_stdout(void *ctx) {
  (void)ctx;
  fflush(stdout);
}

static int decode_batch(const decode_opts *o) {
  int fd = wr_cli_open_input(PROG, o->file);
  if (fd < 0)
    return 2;
  batch b = {0};
  b.doc = wr_json_doc_new();
  wr_jw_init(&b.w);
  wr_cli_lines r;
  wr_cli_lines_init(&r, fd, WR_JSON_DEFAULT_MAX_SIZE);
  r.before_read = flush_stdout;
  int rc = 0;
  if (!b.doc) {
    fprintf(stderr, PROG ": out of memory\n");
    rc = 2;
  }
  while (rc == 0) {
    const uint8_t *line;
    size_t len;
    wr_cli_line_status st = wr_cli_lines_next(&r, &line, &len);
    if (st == WR_CLI_LINE_EOF)
      break;
    if (st == WR_CLI_LINE_ERROR) {
      fprintf(stderr, PROG ": cannot read %s: %s\n",
              o->file && strcmp(o->file, "-") ? o->file : "standard input",
              strerror(errno));
      rc = 2;
      break;
    }
    b.lineno = r.lineno;
    if (st == WR_CLI_LINE_TOO_LONG)
      bad_input(&b, 0, "the line is %zu bytes, more than the limit of %zu", len,
                (size_t)WR_JSON_DEFAULT_MAX_SIZE);
    else
      batch_line(&b, line, len);
    if (flush_line(&b.w))
      rc = 2;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(errno));
    rc = 2;
  }
  wr_cli_lines_free(&r);
  if (fd != STDIN_FILENO)
    close(fd);
  wr_jw_free(&b.w);
  wr_json_doc_free(b.doc);
  free(b.scratch);
  return rc;
}

/* ---- Options ------------------------------------------------------------- */

/* Matches "--name VALUE" and "--name=VALUE". Returns 1 when argv[*i] is the
 * option (then *value is set and *i advanced), 0 when it is not, -1 when
 * the value is missing or the option was already given. */
static int take_value(int argc, char **argv, int *i, const char *name,
                      const char **value, int *status) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
    return 0;
  if (*value) {
    *status = usage_error("%s is given more than once", name);
    return -1;
  }
  if (a[n] == '=') {
    *value = a + n + 1;
    return 1;
  }
  if (*i + 1 >= argc) {
    *status = usage_error("%s needs a value", name);
    return -1;
  }
  *value = argv[++*i];
  return 1;
}

static int parse_args(int argc, char **argv, decode_opts *o, int *status) {
  int only_files = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_files && a[0] == '-' && a[1] != '\0') {
      int r;
      if (strcmp(a, "--") == 0) {
        only_files = 1;
        continue;
      }
      if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        fputs(usage_text, stdout);
        *status = 0;
        return -1;
      }
      if (strcmp(a, "--json") == 0) {
        o->json = 1;
        continue;
      }
      if (strcmp(a, "--batch") == 0) {
        o->batch = 1;
        continue;
      }
      if ((r = take_value(argc, argv, &i, "--packet", &o->packet, status)) ||
          (r = take_value(argc, argv, &i, "--packet-size", &o->packet_size,
                          status)) ||
          (r = take_value(argc, argv, &i, "--line-length", &o->line_length,
                          status)) ||
          (r = take_value(argc, argv, &i, "--line-delimiter",
                          &o->line_delimiter, status))) {
        if (r < 0)
          return -1;
        continue;
      }
      *status = usage_error("unknown option '%s'", a);
      return -1;
    }
    if (o->file) {
      *status = usage_error("more than one input file given ('%s')", a);
      return -1;
    }
    o->file = a;
  }
  return 0;
}

/* Turns the framing flags into cfg. 0, or -1 after printing why. */
static int framing_from_opts(const decode_opts *o, wr_framing *cfg) {
  wr_packet_type type;
  if (wr_packet_type_parse(o->packet, &type) != 0) {
    char q[64];
    fprintf(stderr,
            PROG ": --packet: unknown packet type '%s'; expected one of %s\n",
            wr_cli_quote(o->packet, strlen(o->packet), q, sizeof q),
            wr_packet_type_names());
    return -1;
  }
  *cfg = wr_framing_default(type);
  uint64_t v;
  if (o->packet_size) {
    if (wr_cli_parse_uint(PROG, "--packet-size", o->packet_size, 0, UINT32_MAX,
                          &v))
      return -1;
    cfg->packet_size = (uint32_t)v;
  }
  if (o->line_length) {
    if (wr_cli_parse_uint(PROG, "--line-length", o->line_length, 0, UINT32_MAX,
                          &v))
      return -1;
    cfg->trunc_len = (uint32_t)v;
  }
  if (o->line_delimiter) {
    if (type != WR_PACKET_LINE) {
      fprintf(stderr,
              PROG ": --line-delimiter is only valid with --packet line "
                   "(decode_packet/3 raises badarg for it with --packet %s)\n",
              wr_packet_type_name(type));
      return -1;
    }
    if (wr_cli_parse_byte(PROG, "--line-delimiter", o->line_delimiter,
                          &cfg->delimiter))
      return -1;
  }
  return 0;
}

int wr_cmd_decode(int argc, char **argv) {
  decode_opts o = {0};
  int status = 2;
  if (parse_args(argc, argv, &o, &status))
    return status;
  if (o.batch) {
    const char *given = o.packet           ? "--packet"
                        : o.packet_size    ? "--packet-size"
                        : o.line_length    ? "--line-length"
                        : o.line_delimiter ? "--line-delimiter"
                                           : NULL;
    if (given)
      return usage_error("%s cannot be combined with --batch: each input "
                         "line gives its own packet type and options",
                         given);
    return decode_batch(&o);
  }
  if (!o.packet)
    return usage_error("%s", "--packet TYPE is required (or use --batch)");
  wr_framing cfg;
  if (framing_from_opts(&o, &cfg)) {
    fprintf(stderr, "Try 'wirerig decode --help'.\n");
    return 2;
  }
  return decode_stream(&cfg, &o);
}
