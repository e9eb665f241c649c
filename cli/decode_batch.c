/* `wirerig decode --batch`: one erlang:decode_packet/3 call per input
 * line, answered with one JSON line (schema in tests/diff/README.md, which
 * outside tools rely on: change it only compatibly).
 *
 * Each line is stateless: http/http_bin parse a request or status line,
 * httph/httph_bin a header line. A line that is not a valid question gets
 * {"result":"bad_input","detail":...,"line":L} -- where decode_packet would
 * raise badarg -- and the batch goes on. jansson parses each line
 * (json.h); the schema's checks are here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "decode.h"

static void bad_input(wr_json_writer *w, size_t lineno, long column,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Makes the answer
 *   {"result":"bad_input","detail":"line L, column C: ...","line":L,"column":C}
 * "detail" is what a person reads and what the schema has always had;
 * "line" and "column" are there for programs. column <= 0 (unknown: jansson
 * does not say where a parsed value starts, so only syntax errors have one)
 * leaves the column out of both. */
static void bad_input(wr_json_writer *w, size_t lineno, long column,
                      const char *fmt, ...) {
  char detail[512];
  int k = column > 0 ? snprintf(detail, sizeof detail,
                                "line %zu, column %ld: ", lineno, column)
                     : snprintf(detail, sizeof detail, "line %zu: ", lineno);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail + k, sizeof detail - (size_t)k, fmt, ap);
  va_end(ap);
  wr_jw_reset(w);
  wr_jw_object_begin(w);
  wr_jw_key(w, "result");
  wr_jw_str(w, "bad_input");
  wr_jw_key(w, "detail");
  wr_jw_str(w, detail);
  wr_jw_key(w, "line");
  wr_jw_uint(w, lineno);
  if (column > 0) {
    wr_jw_key(w, "column");
    wr_jw_uint(w, (uint64_t)column);
  }
  wr_jw_object_end(w);
}

/* An integer option: 0 or -1 after answering bad_input. */
static int batch_uint(wr_json_writer *w, size_t lineno, const json_t *v,
                      const char *name, uint64_t max, uint64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) >= 0 &&
      (uint64_t)json_integer_value(v) <= max) {
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  if (json_is_number(v)) {
    /* jansson keeps the value, not its spelling: 1e3 shows as 1000.0. */
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    bad_input(w, lineno, 0, "\"%s\": expected an integer 0..%llu, found %s",
              name, (unsigned long long)max, text ? text : "a number");
    free(text);
  } else {
    bad_input(w, lineno, 0, "\"%s\": expected an integer 0..%llu, found %s",
              name, (unsigned long long)max, wr_json_type_name(v));
  }
  return -1;
}

/* Checks the question and answers it into w: its decode_packet result, or
 * bad_input. */
static void answer(wr_json_writer *w, size_t lineno, const json_t *root) {
  if (!json_is_object(root)) {
    bad_input(w, lineno, 0, "expected an object, found %s",
              wr_json_type_name(root));
    return;
  }
  const json_t *packet = NULL, *input = NULL, *opt_size = NULL, *opt_len = NULL,
               *opt_delim = NULL;
  const char *key;
  const json_t *value;
  /* jansson keeps members in input order, so the first unknown one is
   * named. Keys hold no NUL: jansson refuses "\u0000" in a key. */
  json_object_foreach((json_t *)root, key, value) {
    const json_t **slot = NULL;
    if (strcmp(key, "packet") == 0)
      slot = &packet;
    else if (strcmp(key, "input") == 0)
      slot = &input;
    else if (strcmp(key, "packet_size") == 0)
      slot = &opt_size;
    else if (strcmp(key, "line_length") == 0)
      slot = &opt_len;
    else if (strcmp(key, "line_delimiter") == 0)
      slot = &opt_delim;
    if (!slot) {
      char q[64];
      bad_input(w, lineno, 0,
                "unknown field \"%s\"; expected packet, input, "
                "packet_size, line_length, line_delimiter",
                wr_cli_quote(key, strlen(key), q, sizeof q));
      return;
    }
    *slot = value;
  }
  if (!packet) {
    bad_input(w, lineno, 0, "missing field \"packet\"");
    return;
  }
  if (!input) {
    bad_input(w, lineno, 0, "missing field \"input\"");
    return;
  }
  if (!json_is_string(packet)) {
    bad_input(w, lineno, 0, "\"packet\": expected a string, found %s",
              wr_json_type_name(packet));
    return;
  }
  wr_packet_type type;
  const char *pname = json_string_value(packet);
  size_t plen = json_string_length(packet);
  /* strlen stops at an embedded NUL; the length check catches that. */
  if (strlen(pname) != plen || wr_packet_type_parse(pname, &type) != 0) {
    char q[64];
    bad_input(w, lineno, 0,
              "\"packet\": unknown packet type \"%s\"; expected one of %s",
              wr_cli_quote(pname, plen, q, sizeof q), wr_packet_type_names());
    return;
  }
  wr_framing cfg = wr_framing_default(type);
  uint64_t v;
  if (opt_size) {
    if (batch_uint(w, lineno, opt_size, "packet_size", UINT32_MAX, &v))
      return;
    cfg.packet_size = (uint32_t)v;
  }
  if (opt_len) {
    if (batch_uint(w, lineno, opt_len, "line_length", UINT32_MAX, &v))
      return;
    cfg.trunc_len = (uint32_t)v;
  }
  if (opt_delim) {
    if (batch_uint(w, lineno, opt_delim, "line_delimiter", 255, &v))
      return;
    if (type != WR_PACKET_LINE) {
      bad_input(w, lineno, 0,
                "\"line_delimiter\" is only valid with packet \"line\" "
                "(decode_packet/3 raises badarg)");
      return;
    }
    cfg.delimiter = (uint8_t)v;
  }
  if (!json_is_string(input)) {
    bad_input(w, lineno, 0, "\"input\": expected a string, found %s",
              wr_json_type_name(input));
    return;
  }
  size_t n, bad;
  if (wr_json_string_bytes(input, NULL, &n, &bad)) {
    bad_input(w, lineno, 0,
              "\"input\": character %zu is above U+00FF; each character "
              "stands for one byte, U+0000..U+00FF",
              bad + 1);
    return;
  }
  /* An exact-size buffer, so that a sanitizer build catches the decoder
   * reading even one byte past the input. */
  uint8_t *bytes = malloc(n ? n : 1);
  if (!bytes) {
    bad_input(w, lineno, 0, "out of memory");
    return;
  }
  (void)wr_json_string_bytes(input, bytes, &n, NULL);
  int state = type == WR_PACKET_HTTP || type == WR_PACKET_HTTP_BIN
                  ? WR_HTTP_REQUEST_LINE
                  : WR_HTTP_HEADERS;
  wr_frame fr;
  wr_frame_status st = wr_frame_next(&cfg, state, bytes, n, &fr);
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

void wr_decode_batch_answer(wr_json_writer *w, size_t lineno,
                            const uint8_t *line, size_t len) {
  if (len == 0 || (len == 1 && line[0] == '\r')) {
    bad_input(w, lineno, 0, "empty line (expected a JSON object)");
    return;
  }
  if (!line || len > WR_DECODE_BATCH_MAX_LINE) {
    bad_input(w, lineno, 0, "the line is %zu bytes, more than the limit of %zu",
              len, (size_t)WR_DECODE_BATCH_MAX_LINE);
    return;
  }
  json_error_t err;
  json_t *root = wr_json_load((const char *)line, len, &err);
  if (!root) {
    /* A line holds no '\n', so jansson's line is 1; added anyway, so the
     * number stays right should that ever change. */
    size_t at = lineno + (err.line > 1 ? (size_t)err.line - 1 : 0);
    bad_input(w, at, err.column, "invalid JSON: %s", err.text);
    return;
  }
  answer(w, lineno, root);
  json_decref(root);
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
  wr_json_writer w;
  wr_jw_init(&w);
  wr_cli_lines r;
  wr_cli_lines_init(&r, fd, WR_DECODE_BATCH_MAX_LINE);
  r.before_read = flush_stdout;
  int rc = 0;
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
    /* A line too long was skipped: its length alone gets the answer. */
    wr_decode_batch_answer(&w, r.lineno,
                           st == WR_CLI_LINE_TOO_LONG ? NULL : line, len);
    if (wr_decode_write_line(&w))
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
  wr_jw_free(&w);
  return rc;
}
