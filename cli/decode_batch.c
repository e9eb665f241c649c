/* `wirerig decode --batch`: one erlang:decode_packet/3 call per input
 * line, answered with one JSON line (schema in tests/diff/README.md, which
 * outside tools rely on: change it only compatibly).
 *
 * Each line is stateless: http/http_bin parse a request or status line,
 * httph/httph_bin a header line. A line that is not a valid question gets
 * {"result":"bad_input","detail":...} -- where decode_packet would raise
 * badarg -- and the batch goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "decode.h"

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
  if (st == WR_FRAME_PACKET && fr.consumed > n) {
    /* Never expected; an answer no comparison can mistake for Erlang's is
     * better than reading past the input. */
    wr_jw_str(w, "internal_error");
  } else if (st == WR_FRAME_PACKET) {
    wr_jw_str(w, "ok");
    wr_jw_key(w, "packet");
    wr_decode_json_packet(w, &cfg, &fr, &state);
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

int wr_decode_batch(const char *file) {
  int fd = wr_cli_open_input(WR_DECODE_PROG, file);
  if (fd < 0)
    return 2;
  /* Fully buffered whatever stdout is; flush_stdout empties it whenever
   * the input runs dry, so a program driving us line by line through pipes
   * still gets every answer. */
  setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 16);
  batch b = {0};
  b.doc = wr_json_doc_new();
  wr_jw_init(&b.w);
  wr_cli_lines r;
  wr_cli_lines_init(&r, fd, WR_JSON_DEFAULT_MAX_SIZE);
  r.before_read = flush_stdout;
  int rc = 0;
  if (!b.doc) {
    fprintf(stderr, WR_DECODE_PROG ": out of memory\n");
    rc = 2;
  }
  while (rc == 0) {
    const uint8_t *line;
    size_t len;
    wr_cli_line_status st = wr_cli_lines_next(&r, &line, &len);
    if (st == WR_CLI_LINE_EOF)
      break;
    if (st == WR_CLI_LINE_ERROR) {
      fprintf(stderr, WR_DECODE_PROG ": cannot read %s: %s\n",
              file && strcmp(file, "-") ? file : "standard input",
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
    if (wr_decode_write_line(&b.w))
      rc = 2;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, WR_DECODE_PROG ": cannot write the output: %s\n",
            strerror(errno));
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
