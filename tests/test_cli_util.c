/* The CLI helpers (cli/cli_util.c): numbers and bytes from flags, quoting
 * for messages, reading files and lines. Messages go to stderr, so the
 * tests that check them send stderr to a temporary file for the call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_util.h"
#include "testutil.h"

/* Runs while stderr goes to a temporary file; returns what was written. */
typedef struct capture {
  FILE *file;
  int saved;
  char text[1024];
} capture;

static void capture_begin(capture *c) {
  fflush(stderr);
  c->file = tmpfile();
  assert_non_null(c->file);
  c->saved = dup(STDERR_FILENO);
  assert_true(c->saved >= 0);
  assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

static const char *capture_end(capture *c) {
  fflush(stderr);
  assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
  close(c->saved);
  rewind(c->file);
  size_t n = fread(c->text, 1, sizeof c->text - 1, c->file);
  c->text[n] = '\0';
  fclose(c->file);
  return c->text;
}

static void test_uint_value(void **state) {
  (void)state;
  static const struct {
    const char *text;
    uint64_t min, max;
    int ok;
    uint64_t value;
  } rows[] = {
      {"0", 0, 10, 1, 0},
      {"10", 0, 10, 1, 10},
      {"11", 0, 10, 0, 0},
      {"4294967295", 0, UINT32_MAX, 1, 4294967295u},
      {"4294967296", 0, UINT32_MAX, 0, 0},
      {"18446744073709551615", 0, UINT64_MAX, 1, UINT64_MAX},
      {"18446744073709551616", 0, UINT64_MAX, 0, 0}, /* overflows */
      {"99999999999999999999999", 0, UINT64_MAX, 0, 0},
      {"007", 0, 10, 1, 7},
      {"3", 5, 10, 0, 0},
      {"", 0, 10, 0, 0},
      {"-1", 0, 10, 0, 0},
      {"+1", 0, 10, 0, 0},
      {" 1", 0, 10, 0, 0},
      {"1 ", 0, 10, 0, 0},
      {"0x10", 0, 100, 0, 0},
      {"1e3", 0, 10000, 0, 0},
      {"1.0", 0, 10, 0, 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint64_t v = 12345;
    int rc = wr_cli_uint_value(rows[i].text, rows[i].min, rows[i].max, &v);
    TU_CHECK((rc == 0) == rows[i].ok, "'%s': rc %d", rows[i].text, rc);
    if (rows[i].ok)
      TU_CHECK(v == rows[i].value, "'%s': %llu", rows[i].text,
               (unsigned long long)v);
    else
      TU_CHECK(v == 12345, "'%s': output changed on failure", rows[i].text);
  }
}

static void test_parse_uint_message(void **state) {
  (void)state;
  capture c;
  uint64_t v;
  capture_begin(&c);
  int rc = wr_cli_parse_uint("wirerig decode", "--packet-size", "-1", 0,
                             UINT32_MAX, &v);
  const char *msg = capture_end(&c);
  assert_int_equal(rc, -1);
  assert_string_equal(msg, "wirerig decode: --packet-size: expected an "
                           "integer 0..4294967295, found '-1'\n");
  /* Unprintable text is quoted visibly. */
  capture_begin(&c);
  rc = wr_cli_parse_uint("p", "N", "1\n", 0, 9, &v);
  msg = capture_end(&c);
  assert_int_equal(rc, -1);
  assert_string_equal(msg, "p: N: expected an integer 0..9, found '1\\n'\n");
}

static void test_parse_byte(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int value; /* -1: rejected */
  } rows[] = {
      {"10", 10},      {"0", 0},        {"255", 255},   {"256", -1},
      {"5", 5},        {",", ','},      {"a", 'a'},     {" ", ' '},
      {"\\n", '\n'},   {"\\r", '\r'},   {"\\t", '\t'},  {"\\0", 0},
      {"\\\\", '\\'},  {"\\'", '\''},   {"\\\"", '"'},  {"\\x00", 0},
      {"\\x7f", 0x7f}, {"\\xFF", 0xff}, {"\\xa", 0x0a}, {"\\x", -1},
      {"\\xg0", -1},   {"\\x100", -1},  {"\\q", -1},    {"ab", -1},
      {"", -1},        {"-1", -1},      {"1a", -1},     {"\\", '\\'},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint8_t b = 0x55;
    capture c;
    capture_begin(&c);
    int rc = wr_cli_parse_byte("p", "--line-delimiter", rows[i].text, &b);
    const char *msg = capture_end(&c);
    if (rows[i].value < 0) {
      TU_CHECK(rc == -1, "'%s' accepted as %d", rows[i].text, b);
      TU_CHECK(strstr(msg, "p: --line-delimiter: expected a byte") == msg,
               "'%s': message '%s'", rows[i].text, msg);
    } else {
      TU_CHECK(rc == 0, "'%s' rejected: %s", rows[i].text, msg);
      TU_CHECK(b == rows[i].value, "'%s' gave %d, expected %d", rows[i].text, b,
               rows[i].value);
      TU_CHECK(msg[0] == '\0', "'%s' printed '%s'", rows[i].text, msg);
    }
  }
}

static void test_quote(void **state) {
  (void)state;
  char buf[32];
  assert_string_equal(wr_cli_quote("ab", 2, buf, sizeof buf), "ab");
  assert_string_equal(wr_cli_quote("a\0\n\x80\\", 5, buf, sizeof buf),
                      "a\\x00\\n\\x80\\\\");
  /* Too long: cut, with an ellipsis, and always NUL-terminated. */
  const char *long_text = "0123456789012345678901234567890123456789";
  char small[12];
  wr_cli_quote(long_text, strlen(long_text), small, sizeof small);
  assert_string_equal(small, "01234567...");
  char tiny[1];
  wr_cli_quote("abc", 3, tiny, sizeof tiny);
  assert_string_equal(tiny, "");
}

static void test_read_all_errors(void **state) {
  (void)state;
  capture c;
  uint8_t *data = NULL;
  size_t len = 0;
  capture_begin(&c);
  int rc = wr_cli_read_all("prog", "/nonexistent/wirerig-test", &data, &len);
  const char *msg = capture_end(&c);
  assert_int_equal(rc, -1);
  assert_string_equal(
      msg, "prog: cannot open '/nonexistent/wirerig-test': No such file or "
           "directory\n");
  capture_begin(&c);
  rc = wr_cli_read_all("prog", "/", &data, &len);
  msg = capture_end(&c);
  assert_int_equal(rc, -1);
  assert_string_equal(msg, "prog: cannot read '/': it is a directory\n");
}

static void test_read_all(void **state) {
  (void)state;
  char path[] = "/tmp/wirerig-test-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  /* Bigger than the first buffer, with NULs in it. */
  size_t n = 200000;
  uint8_t *src = malloc(n);
  assert_non_null(src);
  for (size_t k = 0; k < n; k++)
    src[k] = (uint8_t)(k * 7);
  assert_int_equal(write(fd, src, n), (ssize_t)n);
  close(fd);
  uint8_t *data;
  size_t len;
  assert_int_equal(wr_cli_read_all("prog", path, &data, &len), 0);
  unlink(path);
  assert_int_equal(len, n);
  assert_memory_equal(data, src, n);
  assert_int_equal(data[len], 0);
  free(data);
  free(src);
}

/* Feeds text through a pipe in chunks of `chunk` bytes and collects the
 * lines as "[line]" or "<too long N>". */
static void lines_of(const char *text, size_t len, size_t chunk,
                     size_t max_line, tu_str *out) {
  int p[2];
  assert_int_equal(pipe(p), 0);
  /* The pipe holds the whole input (tests stay under 64 KiB). */
  for (size_t o = 0; o < len; o += chunk) {
    size_t n = len - o < chunk ? len - o : chunk;
    assert_int_equal(write(p[1], text + o, n), (ssize_t)n);
  }
  close(p[1]);
  wr_cli_lines r;
  wr_cli_lines_init(&r, p[0], max_line);
  const uint8_t *line;
  size_t n;
  wr_cli_line_status st;
  while ((st = wr_cli_lines_next(&r, &line, &n)) != WR_CLI_LINE_EOF) {
    assert_int_not_equal(st, WR_CLI_LINE_ERROR);
    if (st == WR_CLI_LINE_TOO_LONG)
      tu_str_printf(out, "<too long %zu>", n);
    else
      tu_str_printf(out, "[%.*s]", (int)n, (const char *)line);
    tu_str_printf(out, "%zu", r.lineno);
  }
  wr_cli_lines_free(&r);
  close(p[0]);
}

static void test_lines(void **state) {
  (void)state;
  static const struct {
    const char *text;
    size_t max_line;
    const char *expect;
  } rows[] = {
      {"", 100, ""},
      {"\n", 100, "[]1"},
      {"a", 100, "[a]1"},
      {"a\n", 100, "[a]1"},
      {"a\nb", 100, "[a]1[b]2"},
      {"a\r\n\nb\n", 100, "[a\r]1[]2[b]3"},
      {"abcdef\nxy\n", 3, "<too long 6>1[xy]2"},
      {"abcdef", 3, "<too long 6>1"},
      {"abc\n", 3, "[abc]1"},
      {"abcd\nabc", 3, "<too long 4>1[abc]2"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    /* Whatever the chunking, the lines are the same. */
    for (size_t chunk = 1; chunk <= 4; chunk++) {
      tu_str got = {0};
      lines_of(rows[i].text, strlen(rows[i].text), chunk, rows[i].max_line,
               &got);
      TU_CHECK(strcmp(tu_str_c(&got), rows[i].expect) == 0,
               "row %zu chunk %zu: got '%s', expected '%s'", i, chunk,
               tu_str_c(&got), rows[i].expect);
      tu_str_free(&got);
    }
  }
}

static int reads_seen;
static void count_read(void *ctx) {
  (void)ctx;
  reads_seen++;
}

/* before_read runs before each read, so a caller can flush its answers. */
static void test_lines_before_read(void **state) {
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  assert_int_equal(write(p[1], "x\ny\n", 4), 4);
  close(p[1]);
  wr_cli_lines r;
  wr_cli_lines_init(&r, p[0], 0);
  r.before_read = count_read;
  reads_seen = 0;
  const uint8_t *line;
  size_t n;
  assert_int_equal(wr_cli_lines_next(&r, &line, &n), WR_CLI_LINE_OK);
  assert_int_equal(reads_seen, 1);
  assert_int_equal(wr_cli_lines_next(&r, &line, &n), WR_CLI_LINE_OK);
  assert_int_equal(reads_seen, 1); /* "y" was already buffered */
  assert_int_equal(wr_cli_lines_next(&r, &line, &n), WR_CLI_LINE_EOF);
  assert_int_equal(reads_seen, 2);
  wr_cli_lines_free(&r);
  close(p[0]);
}

/* ---- options (wr_cli_next over getopt_long) ---------------------------- */

enum { T_PACKET = 256, T_PACKET_SIZE, T_JSON };

static const struct option test_options[] = {
    {"packet", required_argument, NULL, T_PACKET},
    {"packet-size", required_argument, NULL, T_PACKET_SIZE},
    {"json", no_argument, NULL, T_JSON},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* Parses the space-separated words of line (the first is the command) and
 * describes what came back: "packet=2 arg=FILE json q", or "ERROR" and the
 * message. argv is checked to be unchanged (nothing permuted). */
static void parse_words(const char *line, tu_str *got) {
  char buf[256], *argv[32], *copy[32];
  int argc = 0;
  snprintf(buf, sizeof buf, "%s", line);
  for (char *w = strtok(buf, " "); w && argc < 31; w = strtok(NULL, " ")) {
    copy[argc] = argv[argc] = w;
    argc++;
  }
  argv[argc] = NULL;
  wr_cli_opts p;
  wr_cli_opts_init(&p, "wirerig t", "wirerig t", argc, argv, "qh",
                   test_options);
  capture c;
  capture_begin(&c);
  const char *v;
  int k;
  while ((k = wr_cli_next(&p, &v)) != WR_CLI_DONE) {
    const char *sep = tu_str_c(got)[0] ? " " : "";
    if (k == WR_CLI_ERROR) {
      tu_str_printf(got, "%sERROR", sep);
      break;
    }
    if (k == WR_CLI_ARG)
      tu_str_printf(got, "%sarg=%s", sep, v);
    else if (k == T_PACKET)
      tu_str_printf(got, "%spacket=%s", sep, v);
    else if (k == T_PACKET_SIZE)
      tu_str_printf(got, "%spacket-size=%s", sep, v);
    else if (k == T_JSON)
      tu_str_printf(got, "%sjson", sep);
    else
      tu_str_printf(got, "%s%c", sep, k);
  }
  const char *msg = capture_end(&c);
  if (msg[0])
    tu_str_printf(got, " | %s", msg);
  for (int i = 0; i < argc; i++)
    TU_CHECK(argv[i] == copy[i], "'%s': argv[%d] moved", line, i);
}

static void test_options_rows(void **state) {
  (void)state;
  static const struct {
    const char *line, *expect;
  } rows[] = {
      {"t", ""},
      {"t --packet 2 FILE --json", "packet=2 arg=FILE json"},
      {"t FILE --packet=2", "arg=FILE packet=2"},
      {"t --packet= x", "packet= arg=x"},
      /* A value that looks like an option is still the value. */
      {"t --packet --json", "packet=--json"},
      {"t --packet-size 5 --packet 2", "packet-size=5 packet=2"},
      /* "--" ends the options; "-" is an argument (standard input). */
      {"t a -- --json -q --", "arg=a arg=--json arg=-q arg=--"},
      {"t - -q", "arg=- q"},
      {"t -qh --quiet --help", "q h q h"},
      /* Flags without a value may repeat. */
      {"t --json --json -q -q", "json json q q"},
      /* Usage errors: one message naming the option, and the hint. */
      {"t --packet", "ERROR | wirerig t: --packet needs a value\n"
                     "Try 'wirerig t --help'.\n"},
      {"t --packet 2 --packet=4",
       "packet=2 ERROR | wirerig t: --packet is given more than once\n"
       "Try 'wirerig t --help'.\n"},
      {"t --frobnicate", "ERROR | wirerig t: unknown option '--frobnicate'\n"
                         "Try 'wirerig t --help'.\n"},
      {"t --frob=1 x", "ERROR | wirerig t: unknown option '--frob'\n"
                       "Try 'wirerig t --help'.\n"},
      {"t --json=1", "ERROR | wirerig t: --json takes no value\n"
                     "Try 'wirerig t --help'.\n"},
      /* No abbreviations: getopt would take them, wirerig does not. */
      {"t --jso", "ERROR | wirerig t: unknown option '--jso'; did you mean "
                  "'--json'?\nTry 'wirerig t --help'.\n"},
      {"t --pack 2", "ERROR | wirerig t: unknown option '--pack'\n"
                     "Try 'wirerig t --help'.\n"},
      {"t -x", "ERROR | wirerig t: unknown option '-x'\n"
               "Try 'wirerig t --help'.\n"},
      /* The error stops the scan mid-cluster: the next row starts fresh. */
      {"t -qxh", "q ERROR | wirerig t: unknown option '-x'\n"
                 "Try 'wirerig t --help'.\n"},
      {"t -h", "h"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    tu_str got = {0};
    parse_words(rows[i].line, &got);
    TU_CHECK(strcmp(tu_str_c(&got), rows[i].expect) == 0,
             "'%s':\n  got      '%s'\n  expected '%s'", rows[i].line,
             tu_str_c(&got), rows[i].expect);
    tu_str_free(&got);
  }
}

/* Parsing the same words twice gives the same answer (getopt's globals
 * are reset), and POSIXLY_CORRECT does not stop the scan at the first
 * argument. */
static void test_options_again(void **state) {
  (void)state;
  for (int round = 0; round < 3; round++) {
    if (round == 2)
      setenv("POSIXLY_CORRECT", "1", 1);
    tu_str got = {0};
    parse_words("t FILE --packet 2 -q", &got);
    TU_CHECK(strcmp(tu_str_c(&got), "arg=FILE packet=2 q") == 0,
             "round %d: '%s'", round, tu_str_c(&got));
    tu_str_free(&got);
  }
  unsetenv("POSIXLY_CORRECT");
}

static void test_usage_error(void **state) {
  (void)state;
  capture c;
  capture_begin(&c);
  int rc = wr_cli_usage_error("wirerig pcap flows", "wirerig pcap flows",
                              "no capture file given (%d)", 7);
  const char *msg = capture_end(&c);
  assert_int_equal(rc, 2);
  assert_string_equal(msg, "wirerig pcap flows: no capture file given (7)\n"
                           "Try 'wirerig pcap flows --help'.\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_options_rows),
      cmocka_unit_test(test_options_again),
      cmocka_unit_test(test_usage_error),
      cmocka_unit_test(test_uint_value),
      cmocka_unit_test(test_parse_uint_message),
      cmocka_unit_test(test_parse_byte),
      cmocka_unit_test(test_quote),
      cmocka_unit_test(test_read_all_errors),
      cmocka_unit_test(test_read_all),
      cmocka_unit_test(test_lines),
      cmocka_unit_test(test_lines_before_read),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
