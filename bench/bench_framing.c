/* bench_framing: how fast wirerig cuts a stream into gen_tcp packets,
 * against what a C programmer would write by hand for one framing.
 *
 *   packet4 64B / 16KiB  repeated wr_frame_next   vs a length-prefix walk
 *   line 80B             repeated wr_frame_next   vs a memchr scan for '\n'
 *   http 8 headers       wr_frame_next (http_bin, then httph_bin) and
 *                        wr_http_parse on every line
 *                                                 vs Debian's libhttp-parser
 *   http request pico    the same                 vs picohttpparser
 *                                                    (phr_parse_request)
 *   http response pico   the same, over responses vs phr_parse_response
 *
 * Each case decodes one large stream generated at start (deterministic, so
 * every run and machine sees the same bytes). Both sides run the same number
 * of samples, interleaved, and the best sample of each is kept; the ratio is
 * wirerig's throughput over the baseline's. Ratios and goals are printed
 * for people: the exit status is 0 whatever the timings, and non-zero only
 * when the sides disagree on what the stream contains (see docs/benchmarks.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_streams.h"
#include "bench_util.h"
#include "wirerig/framing.h"

#ifndef WR_BENCH_HAVE_HTTP_PARSER
#define WR_BENCH_HAVE_HTTP_PARSER 0
#endif
#ifndef WR_BENCH_HAVE_PICOHTTP
#define WR_BENCH_HAVE_PICOHTTP 0
#endif
#if WR_BENCH_HAVE_HTTP_PARSER
#include <http_parser.h>
#endif

#ifndef WR_BENCH_BUILD_TYPE
#define WR_BENCH_BUILD_TYPE "unknown"
#endif

#define BENCH_STR2(x) #x
#define BENCH_STR(x) BENCH_STR2(x)
#ifdef __clang__
#define BENCH_COMPILER                                                         \
  "clang " BENCH_STR(__clang_major__) "." BENCH_STR(                           \
      __clang_minor__) "." BENCH_STR(__clang_patchlevel__)
#else
#define BENCH_COMPILER "gcc " __VERSION__
#endif

#define MIB ((size_t)1 << 20)
#define SEED 0x77697265726967u /* "wirerig" */

/* ---- packet 4 and line: wr_frame_next over the whole stream ------------ */

/* Checksums fold only the delivered lengths: that is all both sides of a
 * framing case deliver, and anything more would be extra work for both. */
static bench_result wirerig_frames(wr_packet_type type, const uint8_t *buf,
                                   size_t n) {
  const wr_framing cfg = wr_framing_default(type);
  bench_result r = {0, 0, 0};
  size_t off = 0;
  /* wr_frame_batch: up to 64 packets a call into this array, as a receiver
   * that frames whatever one recv() brought would. */
  wr_frame f[64];
  for (;;) {
    wr_frame_batch_result b =
        wr_frame_batch(&cfg, NULL, buf + off, n - off, f, NULL, 64);
    for (size_t i = 0; i < b.count; i++)
      r.checksum += f[i].packet.len;
    r.packets += b.count;
    off += b.consumed;
    if (b.status != WR_FRAME_PACKET)
      break;
  }
  r.consumed = off;
  return r;
}

static bench_result wirerig_packet4(const uint8_t *buf, size_t n) {
  return wirerig_frames(WR_PACKET_4, buf, n);
}

static bench_result wirerig_line(const uint8_t *buf, size_t n) {
  return wirerig_frames(WR_PACKET_LINE, buf, n);
}

/* The hand-written {packet,4} reader: big-endian length, bounds check, skip. */
static bench_result walk_packet4(const uint8_t *buf, size_t n) {
  bench_result r = {0, 0, 0};
  size_t off = 0;
  while (n - off >= 4) {
    const uint8_t *h = buf + off;
    size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 |
                 (size_t)h[3];
    if (len > n - off - 4)
      break;
    r.packets++;
    r.checksum += len;
    off += 4 + len;
  }
  r.consumed = off;
  return r;
}

/* The hand-written line reader: memchr to the next '\n'. */
static bench_result memchr_lines(const uint8_t *buf, size_t n) {
  bench_result r = {0, 0, 0};
  size_t off = 0;
  while (off < n) {
    const uint8_t *nl = memchr(buf + off, '\n', n - off);
    if (!nl)
      break;
    size_t len = (size_t)(nl - (buf + off)) + 1;
    r.packets++;
    r.checksum += len;
    off += len;
  }
  r.consumed = off;
  return r;
}

/* ---- http: one parsed request, recorded the same way by both sides ----- */

/* Without a baseline library there is nothing to compare with, so its
 * cases are left out (bench/CMakeLists.txt says so at configure time, and
 * the benchmark when it runs). */
#define WR_BENCH_HAVE_HTTP (WR_BENCH_HAVE_HTTP_PARSER || WR_BENCH_HAVE_PICOHTTP)
#if WR_BENCH_HAVE_HTTP

#define MSG_MAX_HEADERS 32

/* What an HTTP server keeps of a request: spans into the stream. */
typedef struct http_msg {
  wr_span uri; /* for a response: the reason phrase */
  int major, minor;
  int status; /* responses only; 0 for a request */
  size_t nheaders;
  struct {
    wr_span name, value;
    int index; /* wirerig only: the known-header index (0 = other) */
  } headers[MSG_MAX_HEADERS];
} http_msg;

static void msg_begin(http_msg *m) {
  m->uri.ptr = NULL;
  m->uri.len = 0;
  m->major = m->minor = 0;
  m->status = 0;
  m->nheaders = 0;
}

/* Order-sensitive fold of every field's length, so a header attributed to
 * the wrong request or a value cut short changes the checksum. */
static uint64_t msg_fold(uint64_t h, const http_msg *m) {
  h = h * 31 + m->uri.len;
  h = h * 31 + (uint64_t)(m->major * 10 + m->minor);
  h = h * 31 + (uint64_t)m->status;
  h = h * 31 + m->nheaders;
  for (size_t i = 0; i < m->nheaders && i < MSG_MAX_HEADERS; i++) {
    h = h * 31 + m->headers[i].name.len;
    h = h * 31 + m->headers[i].value.len;
  }
  return h;
}

static bench_result wirerig_http(const uint8_t *buf, size_t n) {
  /* gen_tcp's {packet,http_bin} socket framing: the request line, then
   * header lines (which need one byte of look-ahead for folding). */
  const wr_framing request_line = wr_framing_default(WR_PACKET_HTTP_BIN);
  const wr_framing header_line = wr_framing_default(WR_PACKET_HTTPH_BIN);
  bench_result r = {0, 0, 0};
  int state = WR_HTTP_REQUEST_LINE;
  http_msg m;
  wr_http_packet pkt;
  size_t off = 0;
  msg_begin(&m);
  while (off < n) {
    wr_frame f;
    const wr_framing *cfg =
        state == WR_HTTP_REQUEST_LINE ? &request_line : &header_line;
    /* wr_frame_http: the framing step and the line's parse in one pass. */
    if (wr_frame_http(cfg, &state, buf + off, n - off, &f, &pkt) !=
        WR_FRAME_PACKET)
      break;
    wr_http_kind kind = pkt.kind;
    if (kind == WR_HTTP_REQUEST) {
      msg_begin(&m);
      m.uri = pkt.uri.s1; /* the generated URIs are all abs_path */
      m.major = pkt.major;
      m.minor = pkt.minor;
    } else if (kind == WR_HTTP_RESPONSE) {
      msg_begin(&m);
      m.uri = pkt.reason;
      m.major = pkt.major;
      m.minor = pkt.minor;
      m.status = pkt.status;
    } else if (kind == WR_HTTP_HEADER) {
      if (m.nheaders < MSG_MAX_HEADERS) {
        m.headers[m.nheaders].name = pkt.raw_field;
        m.headers[m.nheaders].value = pkt.value;
        m.headers[m.nheaders].index = pkt.header_index;
      }
      m.nheaders++;
    } else if (kind == WR_HTTP_EOH) {
      r.packets++;
      r.checksum = msg_fold(r.checksum, &m);
    } else {
      fprintf(stderr,
              "bench: wirerig: unexpected http result %d at byte %zu: "
              "%.*s\n",
              (int)kind, off, (int)f.packet.len, (const char *)f.packet.ptr);
      break;
    }
    off += f.consumed;
  }
  r.consumed = off;
  return r;
}

#endif /* WR_BENCH_HAVE_HTTP */

#if WR_BENCH_HAVE_HTTP_PARSER
/* Minimal recording callbacks: remember each field's span, nothing more.
 * http-parser may deliver a field in several calls; within one buffer they
 * are contiguous, so a span is extended rather than copied. */
typedef struct hp_ctx {
  http_msg m;
  int in_field; /* the last callback was on_header_field */
  bench_result r;
} hp_ctx;

static void span_extend(wr_span *s, const char *at, size_t len) {
  if (s->len == 0)
    s->ptr = (const uint8_t *)at;
  s->len += len;
}

static int hp_message_begin(http_parser *p) {
  hp_ctx *c = p->data;
  msg_begin(&c->m);
  c->in_field = 0;
  return 0;
}

static int hp_url(http_parser *p, const char *at, size_t len) {
  span_extend(&((hp_ctx *)p->data)->m.uri, at, len);
  return 0;
}

static int hp_header_field(http_parser *p, const char *at, size_t len) {
  hp_ctx *c = p->data;
  if (!c->in_field) {
    if (c->m.nheaders < MSG_MAX_HEADERS) {
      wr_span empty = {NULL, 0};
      c->m.headers[c->m.nheaders].name = empty;
      c->m.headers[c->m.nheaders].value = empty;
      c->m.headers[c->m.nheaders].index = 0;
    }
    c->m.nheaders++;
    c->in_field = 1;
  }
  if (c->m.nheaders <= MSG_MAX_HEADERS)
    span_extend(&c->m.headers[c->m.nheaders - 1].name, at, len);
  return 0;
}

static int hp_header_value(http_parser *p, const char *at, size_t len) {
  hp_ctx *c = p->data;
  c->in_field = 0;
  if (c->m.nheaders >= 1 && c->m.nheaders <= MSG_MAX_HEADERS)
    span_extend(&c->m.headers[c->m.nheaders - 1].value, at, len);
  return 0;
}

static int hp_headers_complete(http_parser *p) {
  hp_ctx *c = p->data;
  c->m.major = p->http_major;
  c->m.minor = p->http_minor;
  return 0;
}

static int hp_message_complete(http_parser *p) {
  hp_ctx *c = p->data;
  c->r.packets++;
  c->r.checksum = msg_fold(c->r.checksum, &c->m);
  return 0;
}

static const http_parser_settings hp_settings = {
    .on_message_begin = hp_message_begin,
    .on_url = hp_url,
    .on_header_field = hp_header_field,
    .on_header_value = hp_header_value,
    .on_headers_complete = hp_headers_complete,
    .on_message_complete = hp_message_complete,
};

static bench_result httpparser_http(const uint8_t *buf, size_t n) {
  hp_ctx c;
  http_parser p;
  memset(&c, 0, sizeof c);
  http_parser_init(&p, HTTP_REQUEST);
  p.data = &c;
  c.r.consumed = http_parser_execute(&p, &hp_settings, (const char *)buf, n);
  if (p.http_errno != HPE_OK)
    fprintf(stderr, "bench: http-parser: %s at byte %zu: %s\n",
            http_errno_name((enum http_errno)p.http_errno), c.r.consumed,
            http_errno_description((enum http_errno)p.http_errno));
  return c.r;
}

#define HP_NAME                                                                \
  "http-parser " BENCH_STR(HTTP_PARSER_VERSION_MAJOR) "." BENCH_STR(           \
      HTTP_PARSER_VERSION_MINOR) "." BENCH_STR(HTTP_PARSER_VERSION_PATCH)
#endif

#if WR_BENCH_HAVE_PICOHTTP
/* picohttpparser as Debian's libh2o exports it (libh2o-dev ships no header
 * for it, so the prototypes are declared here, as in
 * examples/check/adapter_picohttp.c). One call parses one whole request or
 * response, headers included; the spans it returns are recorded exactly as
 * the other sides record theirs. */
struct phr_header {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method,
                      size_t *method_len, const char **path, size_t *path_len,
                      int *minor_version, struct phr_header *headers,
                      size_t *num_headers, size_t last_len);
int phr_parse_response(const char *buf, size_t len, int *minor_version,
                       int *status, const char **msg, size_t *msg_len,
                       struct phr_header *headers, size_t *num_headers,
                       size_t last_len);

static void pico_headers(http_msg *m, const struct phr_header *h, size_t nh) {
  m->nheaders = nh;
  for (size_t i = 0; i < nh && i < MSG_MAX_HEADERS; i++) {
    m->headers[i].name.ptr = (const uint8_t *)h[i].name;
    m->headers[i].name.len = h[i].name_len;
    m->headers[i].value.ptr = (const uint8_t *)h[i].value;
    m->headers[i].value.len = h[i].value_len;
    m->headers[i].index = 0;
  }
}

static bench_result pico_request(const uint8_t *buf, size_t n) {
  bench_result r = {0, 0, 0};
  size_t off = 0;
  http_msg m;
  while (off < n) {
    const char *method, *path;
    size_t method_len, path_len, nh = MSG_MAX_HEADERS;
    int minor;
    struct phr_header h[MSG_MAX_HEADERS];
    int rc =
        phr_parse_request((const char *)buf + off, n - off, &method,
                          &method_len, &path, &path_len, &minor, h, &nh, 0);
    if (rc <= 0) {
      fprintf(stderr, "bench: picohttpparser: result %d at byte %zu\n", rc,
              off);
      break;
    }
    msg_begin(&m);
    m.uri.ptr = (const uint8_t *)path;
    m.uri.len = path_len;
    m.major = 1;
    m.minor = minor;
    pico_headers(&m, h, nh);
    r.packets++;
    r.checksum = msg_fold(r.checksum, &m);
    off += (size_t)rc;
  }
  r.consumed = off;
  return r;
}

static bench_result pico_response(const uint8_t *buf, size_t n) {
  bench_result r = {0, 0, 0};
  size_t off = 0;
  http_msg m;
  while (off < n) {
    const char *msg;
    size_t msg_len, nh = MSG_MAX_HEADERS;
    int minor, status;
    struct phr_header h[MSG_MAX_HEADERS];
    int rc = phr_parse_response((const char *)buf + off, n - off, &minor,
                                &status, &msg, &msg_len, h, &nh, 0);
    if (rc <= 0) {
      fprintf(stderr, "bench: picohttpparser: result %d at byte %zu\n", rc,
              off);
      break;
    }
    msg_begin(&m);
    m.uri.ptr = (const uint8_t *)msg;
    m.uri.len = msg_len;
    m.major = 1;
    m.minor = minor;
    m.status = status;
    pico_headers(&m, h, nh);
    r.packets++;
    r.checksum = msg_fold(r.checksum, &m);
    off += (size_t)rc;
  }
  r.consumed = off;
  return r;
}
#endif

/* ---- the cases ---------------------------------------------------------- */

typedef enum stream_kind {
  STREAM_PACKET4,
  STREAM_LINES,
  STREAM_HTTP,
  STREAM_HTTP_RESPONSE
} stream_kind;

typedef struct case_spec {
  bench_case c;
  stream_kind stream;
  size_t param;    /* payload or line length */
  size_t full_mib; /* stream size of a full run */
} case_spec;

static case_spec cases[] = {
    {.c = {.name = "packet4 64B",
           .unit = "pkt",
           .baseline_name = "length-prefix walk",
           .goal = 0.9,
           .wirerig = wirerig_packet4,
           .baseline = walk_packet4},
     .stream = STREAM_PACKET4,
     .param = 64,
     .full_mib = 256},
    {.c = {.name = "packet4 16KiB",
           .unit = "pkt",
           .baseline_name = "length-prefix walk",
           .goal = 0.8,
           .wirerig = wirerig_packet4,
           .baseline = walk_packet4},
     .stream = STREAM_PACKET4,
     .param = 16384,
     .full_mib = 256},
    {.c = {.name = "line 80B",
           .unit = "line",
           .baseline_name = "memchr scan",
           .goal = 0.85,
           .wirerig = wirerig_line,
           .baseline = memchr_lines},
     .stream = STREAM_LINES,
     .param = 80,
     .full_mib = 256},
#if WR_BENCH_HAVE_HTTP_PARSER
    {.c = {.name = "http 8 headers",
           .unit = "req",
           .baseline_name = HP_NAME,
           .goal = 1.0,
           .wirerig = wirerig_http,
           .baseline = httpparser_http},
     .stream = STREAM_HTTP,
     .full_mib = 128},
#endif
#if WR_BENCH_HAVE_PICOHTTP
    {.c = {.name = "http request pico",
           .unit = "req",
           .baseline_name = "picohttpparser",
           .goal = 1.0,
           .wirerig = wirerig_http,
           .baseline = pico_request},
     .stream = STREAM_HTTP,
     .full_mib = 128},
    {.c = {.name = "http response pico",
           .unit = "rsp",
           .baseline_name = "picohttpparser",
           .goal = 1.0,
           .wirerig = wirerig_http,
           .baseline = pico_response},
     .stream = STREAM_HTTP_RESPONSE,
     .full_mib = 128},
#endif
};

#define CASE_COUNT (sizeof cases / sizeof cases[0])

static uint8_t *make_stream(const case_spec *s, size_t target, size_t *len) {
  switch (s->stream) {
  case STREAM_PACKET4:
    return bench_stream_packet4(target, s->param, SEED, len);
  case STREAM_LINES:
    return bench_stream_lines(target, s->param, SEED, len);
  case STREAM_HTTP:
    return bench_stream_http(target, SEED, len);
  case STREAM_HTTP_RESPONSE:
    return bench_stream_http_response(target, SEED, len);
  }
  return NULL;
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: bench_framing [--quick] [--reps N] [--size MIB] "
          "[--case TEXT]\n"
          "  --quick      1 MiB streams, 2 samples: a smoke run for CI\n"
          "  --reps N     samples per side, best kept (default 5, 1..100)\n"
          "  --size MIB   stream size for every case (default 256, http 128;"
          " 1..4096)\n"
          "  --case TEXT  only the cases whose name contains TEXT\n"
          "Prints throughput beside a baseline measured in the same run; "
          "exits 0\nunless the two sides of a case disagree on the stream.\n");
}

/* A whole number in [lo, hi] or -1, so a typo is reported, not ignored. */
static long parse_count(const char *s, long lo, long hi) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi)
    return -1;
  return v;
}

int main(int argc, char **argv) {
  bench_opts o = {5, 0.05, 10.0};
  int reps = 0;      /* 0 = the mode's default */
  long size_mib = 0; /* 0 = each case's default */
  int quick = 0;
  const char *only = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--quick") == 0) {
      quick = 1;
    } else if ((strcmp(a, "--reps") == 0 || strcmp(a, "--size") == 0 ||
                strcmp(a, "--case") == 0) &&
               i + 1 < argc) {
      const char *v = argv[++i];
      long n = 0;
      if (strcmp(a, "--case") == 0)
        only = v;
      else if (strcmp(a, "--reps") == 0 && (n = parse_count(v, 1, 100)) > 0)
        reps = (int)n;
      else if (strcmp(a, "--size") == 0 && (n = parse_count(v, 1, 4096)) > 0)
        size_mib = n;
      else {
        fprintf(stderr,
                "bench_framing: %s expects a whole number in %s, "
                "got '%s'\n",
                a, strcmp(a, "--reps") == 0 ? "1..100" : "1..4096", v);
        return 2;
      }
    } else {
      fprintf(stderr, "bench_framing: unknown or incomplete argument '%s'\n",
              a);
      usage(stderr);
      return 2;
    }
  }
  if (quick) {
    if (size_mib == 0)
      size_mib = 1;
    o.reps = 2;
    o.min_sample_s = 0.002;
    o.case_budget_s = 2.0;
  }
  if (reps)
    o.reps = reps;

  size_t selected = 0;
  for (size_t i = 0; i < CASE_COUNT; i++)
    selected += !only || strstr(cases[i].c.name, only) != NULL;
  if (selected == 0) {
    fprintf(stderr,
            "bench_framing: no case name contains '%s'; the cases are:", only);
    for (size_t i = 0; i < CASE_COUNT; i++)
      fprintf(stderr, " '%s'", cases[i].c.name);
    fprintf(stderr, "\n");
    return 2;
  }

  printf("bench_framing: %s, best of %d interleaved samples per side, "
         "build %s, %s\n\n",
         quick      ? "quick run"
         : size_mib ? "custom stream size"
                    : "full run",
         o.reps, WR_BENCH_BUILD_TYPE, BENCH_COMPILER);
  fflush(stdout);

  bench_row rows[CASE_COUNT];
  size_t nrows = 0;
  for (size_t i = 0; i < CASE_COUNT; i++) {
    case_spec *s = &cases[i];
    if (only && !strstr(s->c.name, only))
      continue;
    size_t target = (size_t)(size_mib ? (size_t)size_mib : s->full_mib) * MIB;
    size_t len = 0;
    uint8_t *buf = make_stream(s, target, &len);
    if (!buf) {
      fprintf(stderr,
              "bench_framing: %s: cannot allocate %zu MiB for the "
              "stream; try a smaller --size\n",
              s->c.name, target / MIB);
      return 1;
    }
    s->c.buf = buf;
    s->c.len = len;
    int rc = bench_run_case(&s->c, &o, &rows[nrows]);
    free(buf);
    s->c.buf = NULL;
    if (rc != 0)
      return 1;
    nrows++;
  }
  bench_print_table(stdout, rows, nrows);
#if !WR_BENCH_HAVE_HTTP_PARSER
  printf("\nhttp case skipped: built without libhttp-parser "
         "(install libhttp-parser-dev and reconfigure)\n");
#endif
#if !WR_BENCH_HAVE_PICOHTTP
  printf("\npicohttpparser cases skipped: built without libh2o's "
         "phr_parse_request\n(install libh2o-dev and reconfigure)\n");
#endif
  printf("\nratio = wirerig throughput / baseline throughput; goals are "
         "informational.\n");
  return 0;
}
