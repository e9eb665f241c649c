/* The streaming decoder (stream.h): gen_tcp's receive buffer.
 *
 * The harness feeds a stream the way inet_drv reads a socket: ask
 * wr_stream_reserve where to put bytes and how many, copy at most that
 * many, commit, take out every complete packet, repeat. Each row runs
 * one-shot, byte at a time and split at every point (tu_split_run), and
 * must give the same log in every run: the socket rules below come from
 * socket experiments (semantics §2.10, §3.1, §3.3, §5.1) that do not depend
 * on how the peer's bytes were segmented.
 *
 * Log: one token per packet (quoted bytes, or the HTTP term), then either
 * "emsgsize" (after which the stream must stay failed) or
 * "more buffered N". Raw rows log the concatenation of their packets
 * instead, since raw packets are whatever each read returned.
 */
#include "test_framing_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/stream.h"

typedef struct st_row {
  const char *name;
  wr_packet_type type;
  uint32_t buffer, ps;
  int set_delim;
  uint8_t delim;
  tu_bytes in;
  const char *log;
} st_row;

typedef struct st_ctx {
  const st_row *row;
  wr_stream s;
  int live, failed;
  uint8_t *raw;
  size_t raw_len;
  unsigned drains; /* st_drain calls, see st_peek */
} st_ctx;

static void st_begin(void *vc, tu_str *log) {
  (void)log;
  st_ctx *c = vc;
  if (c->live)
    wr_stream_free(&c->s);
  wr_stream_init(&c->s, c->row->type);
  c->live = 1;
  wr_stream_set_buffer(&c->s, c->row->buffer);
  wr_stream_set_packet_size(&c->s, c->row->ps);
  if (c->row->set_delim)
    wr_stream_set_delimiter(&c->s, c->row->delim);
  c->failed = 0;
  c->raw_len = 0;
}

/* Packets wr_stream_peek framed: every other drain takes them out with
 * wr_stream_skip (so the row's expected log checks that path too), the
 * others check them against what wr_stream_next then returns. */
static void st_peek(st_ctx *c, tu_str *log, wr_frame *pk, size_t *k) {
  *k = wr_stream_peek(&c->s, pk, 4);
  c->drains++;
  if (c->drains % 2 == 0)
    return;
  for (size_t i = 0; i < *k; i++) {
    tu_str_quote(log, pk[i].packet.ptr, pk[i].packet.len);
    tu_str_printf(log, " ");
    wr_stream_skip(&c->s, pk[i].consumed);
  }
  *k = 0;
}

/* Takes out every complete packet. */
static void st_drain(st_ctx *c, tu_str *log) {
  wr_frame pk[4];
  size_t k = 0, pi = 0;
  st_peek(c, log, pk, &k);
  for (int guard = 0; guard < 100000; guard++) {
    wr_stream_packet p;
    memset(&p, 0, sizeof p);
    int rc = wr_stream_next(&c->s, &p);
    if (pi < k) {
      TU_CHECK(rc == WR_FRAME_PACKET && p.data.ptr == pk[pi].packet.ptr &&
                   p.data.len == pk[pi].packet.len,
               "wr_stream_peek packet %zu (%zu bytes) is not what "
               "wr_stream_next gives (%d, %zu bytes)",
               pi, pk[pi].packet.len, rc, p.data.len);
      pi++;
    } else if (rc != WR_FRAME_PACKET) {
      TU_CHECK(pi == k, "wr_stream_peek framed %zu packets, wr_stream_next %zu",
               k, pi);
    }
    if (rc == WR_FRAME_MORE)
      return;
    if (rc == WR_EMSGSIZE) {
      tu_str_printf(log, "emsgsize");
      c->failed = 1;
      return;
    }
    TU_CHECK(rc == WR_FRAME_PACKET, "wr_stream_next returned %d (%s)", rc,
             wr_err_name(rc));
    TU_CHECK(!p.is_http == !fr_is_http(c->s.type), "is_http %d for a %s stream",
             p.is_http, fr_type_erl(c->s.type));
    if (p.is_http) {
      fr_fmt_http(log, &p.http);
      tu_str_printf(log, " ");
    } else if (c->s.type == WR_PACKET_RAW) {
      TU_CHECK(p.data.len > 0 && p.data.len <= c->s.buffer,
               "raw packet of %zu bytes with buffer %u", p.data.len,
               c->s.buffer);
      uint8_t *r = realloc(c->raw, c->raw_len + p.data.len);
      TU_CHECK(r != NULL, "out of memory");
      c->raw = r;
      memcpy(c->raw + c->raw_len, p.data.ptr, p.data.len);
      c->raw_len += p.data.len;
    } else {
      tu_str_quote(log, p.data.ptr, p.data.len);
      tu_str_printf(log, " ");
    }
  }
  TU_FAIL("wr_stream_next keeps returning packets");
}

static void st_feed(void *vc, const uint8_t *chunk, size_t n, tu_str *log) {
  st_ctx *c = vc;
  size_t off = 0;
  if (c->failed)
    return;
  st_drain(c, log);
  while (off < n && !c->failed) {
    uint8_t *dst = NULL;
    size_t len = 0;
    int rc = wr_stream_reserve(&c->s, &dst, &len);
    TU_CHECK(rc == 0, "wr_stream_reserve returned %d (%s) with %zu buffered",
             rc, wr_err_name(rc), wr_stream_buffered(&c->s));
    TU_CHECK(len > 0,
             "wr_stream_reserve offers 0 bytes with %zu buffered and no "
             "packet ready: the stream is stuck",
             wr_stream_buffered(&c->s));
    size_t k = len < n - off ? len : n - off;
    memcpy(dst, chunk + off, k);
    wr_stream_commit(&c->s, k);
    off += k;
    st_drain(c, log);
  }
}

static void st_end(void *vc, tu_str *log) {
  st_ctx *c = vc;
  if (c->row->type == WR_PACKET_RAW && c->raw_len) {
    tu_str_printf(log, "raw ");
    tu_str_quote(log, c->raw, c->raw_len);
    tu_str_printf(log, " ");
  }
  if (c->failed) {
    /* Sticky: once failed, every call keeps failing. */
    wr_stream_packet p;
    uint8_t *dst;
    size_t len;
    TU_CHECK(wr_stream_next(&c->s, &p) == WR_EMSGSIZE,
             "wr_stream_next after emsgsize is not emsgsize");
    TU_CHECK(wr_stream_reserve(&c->s, &dst, &len) == WR_EMSGSIZE,
             "wr_stream_reserve after emsgsize is not emsgsize");
    TU_CHECK(wr_stream_feed(&c->s, (const uint8_t *)"x", 1) == WR_EMSGSIZE,
             "wr_stream_feed after emsgsize is not emsgsize");
    TU_CHECK(c->s.error == WR_EMSGSIZE, "error field is %d", c->s.error);
    return;
  }
  tu_str_printf(log, "more buffered %zu", wr_stream_buffered(&c->s));
}

static void st_run(const st_row *r, const void *in, size_t n) {
  static const tu_split_ops ops = {st_begin, st_feed, st_end};
  st_ctx c;
  memset(&c, 0, sizeof c);
  c.row = r;
  tu_split_run(r->name, in, n, &ops, &c, r->log);
  if (c.live)
    wr_stream_free(&c.s);
  free(c.raw);
}

static void run_rows(const st_row *rows, size_t n) {
  for (size_t i = 0; i < n; i++)
    st_run(&rows[i], rows[i].in.p, rows[i].in.n);
}

#define A20 "aaaaaaaaaaaaaaaaaaaa"
/* wr_stream_feed of a string literal, its length counted by the compiler. */
#define FEED(s, lit)                                                           \
  wr_stream_feed((s), (const uint8_t *)(lit), sizeof(lit) - 1)

/* ---- line (2.10, 5.1) ------------------------------------------------------
 */
static const st_row line_rows[] = {
    /* packet_size does not enlarge the buffer for lines */
    {"line 21 bytes, buffer 8, PS 30", WR_PACKET_LINE, 8, 30, 0, 0,
     TU_B(A20 "\n"), "\"aaaaaaaa\" \"aaaaaaaa\" \"aaaa\\n\" more buffered 0"},
    {"line 21 bytes, buffer 8", WR_PACKET_LINE, 8, 0, 0, 0, TU_B(A20 "\n"),
     "\"aaaaaaaa\" \"aaaaaaaa\" \"aaaa\\n\" more buffered 0"},
    {"line of buffer-1 + LF is whole", WR_PACKET_LINE, 8, 0, 0, 0,
     TU_B("aaaaaaa\nb"), "\"aaaaaaa\\n\" more buffered 1"},
    {"line of buffer + LF: LF alone", WR_PACKET_LINE, 8, 0, 0, 0,
     TU_B("aaaaaaaa\n"), "\"aaaaaaaa\" \"\\n\" more buffered 0"},
    {"line over PS", WR_PACKET_LINE, 1460, 5, 0, 0, TU_B("ab\nabcdef\n"),
     "\"ab\\n\" emsgsize"},
    {"line PS counts the LF", WR_PACKET_LINE, 1460, 5, 0, 0,
     TU_B("abcd\nabcde\n"), "\"abcd\\n\" emsgsize"},
    {"line several", WR_PACKET_LINE, 1460, 0, 0, 0, TU_B("a\n\nbc\r\nd"),
     "\"a\\n\" \"\\n\" \"bc\\r\\n\" more buffered 1"},
    {"line delimiter ;", WR_PACKET_LINE, 1460, 0, 1, ';', TU_B("a\n;b;c"),
     "\"a\\n;\" \"b;\" more buffered 1"},
    {"line buffer 1", WR_PACKET_LINE, 1, 0, 0, 0, TU_B("ab\n"),
     "\"a\" \"b\" \"\\n\" more buffered 0"},
};

/* ---- header types grow the buffer (5.1)
 * ------------------------------------------ */
static const st_row header_rows[] = {
    {"p2 packets, empty one too", WR_PACKET_2, 1460, 0, 0, 0,
     TU_B("\0\5hello\0\0\0\1x"), "\"hello\" \"\" \"x\" more buffered 0"},
    {"p2 beyond buffer 4", WR_PACKET_2, 4, 0, 0, 0,
     TU_B("\0\12abcdefghij\0\1z"), "\"abcdefghij\" \"z\" more buffered 0"},
    {"p4 partial stays buffered", WR_PACKET_4, 1460, 0, 0, 0,
     TU_B("\0\0\0\2hi\0\0\0\5abc"), "\"hi\" more buffered 7"},
    {"p1 PS exceeded", WR_PACKET_1, 1460, 3, 0, 0, TU_B("\3abc\4abcd"),
     "\"abc\" emsgsize"},
    {"p1 PS exceeded, header alone", WR_PACKET_1, 1460, 3, 0, 0, TU_B("\4"),
     "emsgsize"},
    {"asn1 indefinite", WR_PACKET_ASN1, 1460, 0, 0, 0,
     TU_B("\x30\x80\2\1\5\0\0"),
     "\"0\\x80\" \"\\x02\\x01\\x05\" \"\\x00\\x00\" more buffered 0"},
    {"asn1 long form beyond buffer 3", WR_PACKET_ASN1, 3, 0, 0, 0,
     TU_B("\4\x81\3xyz"), "\"\\x04\\x81\\x03xyz\" more buffered 0"},
    /* A header that does not fit in the buffer: the length stays unknown
     * with the buffer full, which inet_drv (tcp_remain, semantics §6)
     * treats as an error unless packet_size lets the buffer grow. */
    {"asn1 header beyond buffer 2", WR_PACKET_ASN1, 2, 0, 0, 0,
     TU_B("\4\x81\3xyz"), "emsgsize"},
    {"p4 header beyond buffer 2", WR_PACKET_4, 2, 0, 0, 0, TU_B("\0\0\0\1x"),
     "emsgsize"},
    {"p4 header beyond buffer 2, PS 10 grows", WR_PACKET_4, 2, 10, 0, 0,
     TU_B("\0\0\0\1x"), "\"x\" more buffered 0"},
    {"fcgi padding dropped", WR_PACKET_FCGI, 8, 0, 0, 0,
     TU_B("\1\5\0\1\0\1\7\0x-------\1\5\0\1\0\0\0\0"),
     "\"\\x01\\x05\\x00\\x01\\x00\\x01\\x07\\x00x\" "
     "\"\\x01\\x05\\x00\\x01\\x00\\x00\\x00\\x00\" more buffered 0"},
    {"tpkt then bad version", WR_PACKET_TPKT, 1460, 0, 0, 0,
     TU_B("\3\0\0\7abc\3\0\0\4\2\0\0\7abc"),
     "\"\\x03\\x00\\x00\\x07abc\" \"\\x03\\x00\\x00\\x04\" emsgsize"},
    {"cdr bad magic", WR_PACKET_CDR, 1460, 0, 0, 0,
     TU_B("GIOX\1\0\0\0\0\0\0\0"), "emsgsize"},
    {"sunrm fragments", WR_PACKET_SUNRM, 4, 0, 0, 0,
     TU_B("\0\0\0\1a\x80\0\0\1b"),
     "\"\\x00\\x00\\x00\\x01a\" \"\\x80\\x00\\x00\\x01b\" more buffered 0"},
};

/* ---- raw (2.1, 5.1)
 * ------------------------------------------------------------- */
static const st_row raw_rows[] = {
    {"raw 20 bytes, buffer 8", WR_PACKET_RAW, 8, 0, 0, 0, TU_B(A20),
     "raw \"" A20 "\" more buffered 0"},
    {"raw ignores packet_size", WR_PACKET_RAW, 1460, 2, 0, 0, TU_B("abcdef"),
     "raw \"abcdef\" more buffered 0"},
    {"raw buffer 1", WR_PACKET_RAW, 1, 0, 0, 0, TU_B("xyz"),
     "raw \"xyz\" more buffered 0"},
};

/* ---- http state (3.3)
 * --------------------------------------------------------------- */
static const st_row http_rows[] = {
    {"request, header, eoh, request", WR_PACKET_HTTP_BIN, 1460, 0, 0, 0,
     TU_B("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\n"),
     "{http_request,'GET',{abs_path,\"/\"},{1,1}} "
     "{http_header,14,'Host',\"Host\",\"x\"} http_eoh "
     "{http_request,'GET',{abs_path,\"/2\"},{1,1}} more buffered 0"},
    {"body after eoh is a request line", WR_PACKET_HTTP, 1460, 0, 0, 0,
     TU_B("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nBODYGET /y "
          "HTTP/1.0\r\n"),
     "{http_request,'POST',{abs_path,\"/\"},{1,1}} "
     "{http_header,38,'Content-Length',\"Content-Length\",\"4\"} http_eoh "
     "{http_request,\"BODYGET\",{abs_path,\"/y\"},{1,0}} more buffered 0"},
    {"leading empty line is an error", WR_PACKET_HTTP_BIN, 1460, 0, 0, 0,
     TU_B("\r\nGET / HTTP/1.1\r\n"),
     "{http_error,\"\\r\\n\"} {http_request,'GET',{abs_path,\"/\"},{1,1}} "
     "more buffered 0"},
    {"bad header keeps header state", WR_PACKET_HTTP_BIN, 1460, 0, 0, 0,
     TU_B("HTTP/1.1 200 OK\r\nBad Header\r\nA: b\r\n\r\n"),
     "{http_response,{1,1},200,\"OK\"} {http_error,\"Bad Header\\r\\n\"} "
     "{http_header,0,\"A\",\"A\",\"b\"} http_eoh more buffered 0"},
    {"last header waits for look-ahead", WR_PACKET_HTTP_BIN, 1460, 0, 0, 0,
     TU_B("GET / HTTP/1.1\r\nHost: x\r\n"),
     "{http_request,'GET',{abs_path,\"/\"},{1,1}} more buffered 9"},
    {"folded header", WR_PACKET_HTTP_BIN, 1460, 0, 0, 0,
     TU_B("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"),
     "{http_request,'GET',{abs_path,\"/\"},{1,1}} "
     "{http_header,0,\"X\",\"X\",\"a\\r\\n\\tb\"} http_eoh more buffered 0"},
    {"httph stays in header state", WR_PACKET_HTTPH_BIN, 1460, 0, 0, 0,
     TU_B("A: 1\r\n\r\nB: 2\r\n\r\n"),
     "{http_header,0,\"A\",\"A\",\"1\"} http_eoh "
     "{http_header,0,\"B\",\"B\",\"2\"} http_eoh more buffered 0"},
};

static void test_line(void **st) {
  (void)st;
  run_rows(line_rows, FR_COUNT(line_rows));
}
static void test_header_types(void **st) {
  (void)st;
  run_rows(header_rows, FR_COUNT(header_rows));
}
static void test_raw(void **st) {
  (void)st;
  run_rows(raw_rows, FR_COUNT(raw_rows));
}
static void test_http_state(void **st) {
  (void)st;
  run_rows(http_rows, FR_COUNT(http_rows));
}

/* ---- HTTP line limits (3.1): buffer 64, with and without packet_size
 * ------------- */

/* A request line of exactly len bytes: "GET /aaa... HTTP/1.1\r\n". */
static size_t make_request(char *out, size_t len) {
  size_t path = len - 15; /* "GET " + path + " HTTP/1.1\r\n" */
  memcpy(out, "GET /", 5);
  memset(out + 5, 'a', path - 1);
  memcpy(out + 4 + path, " HTTP/1.1\r\n", 11);
  return len;
}

/* A header line of exactly len bytes: "X-A: aaa...\r\n". */
static size_t make_header(char *out, size_t len) {
  memcpy(out, "X-A: ", 5);
  memset(out + 5, 'a', len - 7);
  memcpy(out + len - 2, "\r\n", 2);
  return len;
}

static void http_limit(wr_packet_type type, int with_request, int is_request,
                       uint32_t buffer, uint32_t ps, size_t len, int ok) {
  char in[512], name[160];
  tu_str log = {0};
  size_t n = 0;
  if (with_request) {
    memcpy(in, "GET / HTTP/1.1\r\n", 16);
    n = 16;
    tu_str_printf(&log, "{http_request,'GET',{abs_path,\"/\"},{1,1}} ");
  }
  size_t at = n;
  n += is_request ? make_request(in + n, len) : make_header(in + n, len);
  memcpy(in + n, "\r\n", 2);
  n += 2;
  if (ok && is_request) {
    tu_str_printf(&log, "{http_request,'GET',{abs_path,");
    tu_str_quote(&log, in + at + 4, len - 15);
    tu_str_printf(&log, "},{1,1}} http_eoh more buffered 0");
  } else if (ok) {
    tu_str_printf(&log, "{http_header,0,\"X-A\",\"X-A\",");
    tu_str_quote(&log, in + at + 5, len - 7);
    tu_str_printf(&log, "} http_eoh more buffered 0");
  } else {
    tu_str_printf(&log, "emsgsize");
  }
  snprintf(name, sizeof name, "%s: %s line of %zu bytes%s, buffer %u, PS %u",
           fr_type_erl(type), is_request ? "request" : "header", len,
           with_request ? " after a request" : "", buffer, ps);
  st_row r = {name, type, buffer, ps, 0, 0, {in, n}, tu_str_c(&log)};
  st_run(&r, in, n);
  tu_str_free(&log);
}

static void test_http_limits(void **st) {
  (void)st;
  /* PS 0: the limit is the buffer; a header line needs room for the
   * look-ahead byte, so it may be one byte shorter. */
  http_limit(WR_PACKET_HTTP, 0, 1, 64, 0, 63, 1);
  http_limit(WR_PACKET_HTTP, 0, 1, 64, 0, 64, 1);
  http_limit(WR_PACKET_HTTP, 0, 1, 64, 0, 65, 0);
  http_limit(WR_PACKET_HTTP_BIN, 0, 1, 64, 0, 64, 1);
  http_limit(WR_PACKET_HTTP_BIN, 0, 1, 64, 0, 65, 0);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 0, 62, 1);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 0, 63, 1);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 0, 64, 0);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 0, 65, 0);
  http_limit(WR_PACKET_HTTPH_BIN, 0, 0, 64, 0, 63, 1);
  http_limit(WR_PACKET_HTTPH_BIN, 0, 0, 64, 0, 64, 0);
  /* the same after a request line already went through the buffer */
  http_limit(WR_PACKET_HTTP_BIN, 1, 0, 64, 0, 63, 1);
  http_limit(WR_PACKET_HTTP_BIN, 1, 0, 64, 0, 64, 0);
  /* PS set: the buffer grows to PS */
  http_limit(WR_PACKET_HTTP, 0, 1, 64, 100, 100, 1);
  http_limit(WR_PACKET_HTTP, 0, 1, 64, 100, 101, 0);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 100, 99, 1);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 100, 100, 0);
  http_limit(WR_PACKET_HTTPH, 0, 0, 64, 100, 101, 0);
  http_limit(WR_PACKET_HTTP_BIN, 1, 0, 64, 100, 99, 1);
  http_limit(WR_PACKET_HTTP_BIN, 1, 0, 64, 100, 100, 0);
  /* PS below the buffer is the limit */
  http_limit(WR_PACKET_HTTP_BIN, 0, 1, 64, 40, 40, 1);
  http_limit(WR_PACKET_HTTP_BIN, 0, 1, 64, 40, 41, 0);
  http_limit(WR_PACKET_HTTPH_BIN, 0, 0, 64, 40, 40, 1);
  http_limit(WR_PACKET_HTTPH_BIN, 0, 0, 64, 40, 41, 0);
  /* default buffer 1460: a 1460-byte header fails unless PS is raised */
  http_limit(WR_PACKET_HTTPH_BIN, 0, 0, 1460, 0, 200, 1);
}

static void test_http_default_buffer_limit(void **st) {
  (void)st;
  /* Built by hand: 1459 is fine, 1460 is emsgsize with buffer 1460. */
  static char in[1600];
  for (size_t len = 1459; len <= 1460; len++) {
    size_t n = make_header(in, len);
    memcpy(in + n, "\r\n", 2);
    wr_stream s;
    wr_stream_init(&s, WR_PACKET_HTTPH_BIN);
    TU_CHECK(s.buffer == WR_STREAM_DEFAULT_BUFFER, "default buffer %u",
             s.buffer);
    size_t off = 0;
    int rc = WR_FRAME_MORE;
    wr_stream_packet p;
    /* socket-style reads until a packet or an error */
    for (int step = 0; step < 100 && off < n + 2; step++) {
      uint8_t *dst;
      size_t room;
      rc = wr_stream_reserve(&s, &dst, &room);
      if (rc < 0)
        break;
      size_t k = room < n + 2 - off ? room : n + 2 - off;
      memcpy(dst, in + off, k);
      wr_stream_commit(&s, k);
      off += k;
      rc = wr_stream_next(&s, &p);
      if (rc != WR_FRAME_MORE)
        break;
    }
    if (len == 1459)
      TU_CHECK(rc == WR_FRAME_PACKET && p.http.kind == WR_HTTP_HEADER,
               "1459-byte header line with buffer 1460: rc %d", rc);
    else
      TU_CHECK(rc == WR_EMSGSIZE,
               "1460-byte header line with buffer 1460: rc %d, want emsgsize",
               rc);
    wr_stream_free(&s);
    tu_count(1);
  }
}

/* ---- buffer growth, reserve sizes
 * ----------------------------------------------------- */

static void test_reserve_grows_to_packet(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_init(&s, WR_PACKET_4);
  wr_stream_set_buffer(&s, 8);
  uint8_t *dst;
  size_t len;
  TU_CHECK(wr_stream_reserve(&s, &dst, &len) == 0 && len == 8,
           "empty stream, buffer 8: reserve offers %zu, want 8", len);
  memcpy(dst, "\0\0\0\x64", 4); /* 100-byte body */
  wr_stream_commit(&s, 4);
  wr_stream_packet p;
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE, "header only: not more");
  TU_CHECK(wr_stream_reserve(&s, &dst, &len) == 0 && len == 100,
           "after a 4-byte header saying 100: reserve offers %zu, want the "
           "rest of the packet (100)",
           len);
  memset(dst, 'q', 100);
  wr_stream_commit(&s, 100);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 100 &&
               p.data.ptr[0] == 'q' && p.data.ptr[99] == 'q',
           "100-byte packet not delivered whole");
  TU_CHECK(wr_stream_buffered(&s) == 0, "bytes left over");
  wr_stream_free(&s);

  /* A big packet beyond the buffer, fed in one go. */
  wr_stream_init(&s, WR_PACKET_4);
  wr_stream_set_buffer(&s, 8);
  static uint8_t big[4 + 100000];
  memcpy(big, "\0\1\x86\xa0", 4);
  for (size_t i = 0; i < 100000; i++)
    big[4 + i] = (uint8_t)i;
  TU_CHECK(wr_stream_feed(&s, big, sizeof big) == 0, "feed failed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 100000 &&
               memcmp(p.data.ptr, big + 4, 100000) == 0,
           "100000-byte packet through buffer 8 not delivered whole");
  wr_stream_free(&s);
  tu_count(5);
}

/* A stream that has received nothing: every call is well-defined. */
static void test_fresh_stream(void **st) {
  (void)st;
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++) {
    wr_stream s;
    wr_stream_packet p;
    uint8_t out[4];
    wr_stream_init(&s, (wr_packet_type)t);
    TU_CHECK(wr_stream_buffered(&s) == 0, "%s: buffered",
             fr_type_erl((wr_packet_type)t));
    TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE,
             "%s: next on a fresh stream is not more",
             fr_type_erl((wr_packet_type)t));
    TU_CHECK(wr_stream_take(&s, out, sizeof out) == 0, "%s: take",
             fr_type_erl((wr_packet_type)t));
    wr_stream_discard(&s);
    TU_CHECK(wr_stream_feed(&s, out, 0) == 0, "%s: empty feed",
             fr_type_erl((wr_packet_type)t));
    TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE, "%s: next after nothing",
             fr_type_erl((wr_packet_type)t));
    wr_stream_free(&s);
    tu_count(1);
  }
}

/* cap grows to a packet whose size is known, and goes back to `buffer`
 * once it is delivered: the next raw read is buffer-sized again. */
static void test_cap_back_to_buffer(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_packet p;
  uint8_t *dst;
  size_t len;
  wr_stream_init(&s, WR_PACKET_2);
  wr_stream_set_buffer(&s, 8);
  TU_CHECK(wr_stream_reserve(&s, &dst, &len) == 0 && len == 8, "reserve %zu",
           len);
  memcpy(dst, "\0\24", 2); /* a 20-byte body */
  wr_stream_commit(&s, 2);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE, "header only: more");
  TU_CHECK(s.cap >= 22, "cap %zu after a header saying 22 bytes", s.cap);
  TU_CHECK(wr_stream_reserve(&s, &dst, &len) == 0 && len == 20,
           "reserve offers %zu, want the 20 bytes of the body", len);
  memset(dst, 'b', 20);
  wr_stream_commit(&s, 20);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 20,
           "20-byte packet");
  TU_CHECK(s.cap == 8, "cap %zu after delivery, want the buffer (8)", s.cap);
  wr_stream_set_type(&s, WR_PACKET_RAW);
  TU_CHECK(wr_stream_reserve(&s, &dst, &len) == 0 && len == 8,
           "raw read after a big packet offers %zu, want 8", len);
  wr_stream_free(&s);
  tu_count(7);
}

/* Many small packets through a small buffer: storage stays small (buffered
 * bytes move to the front instead of creeping forward). */
static void test_storage_does_not_creep(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_packet p;
  wr_stream_init(&s, WR_PACKET_1);
  wr_stream_set_buffer(&s, 16);
  /* 10 bytes, 4 packets ending at 3, 5, 9 and 10 (the last one empty) */
  static const uint8_t unit[10] = "\2ab\1c\3def\0";
  size_t fed = 0, packets = 0;
  for (int round = 0; round < 20000; round++) {
    uint8_t *dst;
    size_t len;
    TU_CHECK(wr_stream_reserve(&s, &dst, &len) == 0 && len > 0,
             "round %d: reserve", round);
    size_t k = len < 7 ? len : 7; /* reads that cut packets anywhere */
    for (size_t i = 0; i < k; i++)
      dst[i] = unit[(fed + i) % 10];
    wr_stream_commit(&s, k);
    fed += k;
    while (wr_stream_next(&s, &p) == WR_FRAME_PACKET)
      packets++;
  }
  TU_CHECK(packets == fed / 10 * 4 + (fed % 10 >= 3) + (fed % 10 >= 5) +
                          (fed % 10 >= 9),
           "%zu packets from %zu bytes", packets, fed);
  TU_CHECK(s.alloc <= 1024, "storage grew to %zu bytes for a 16-byte buffer",
           s.alloc);
  wr_stream_free(&s);
  tu_count(2);
}

/* wr_stream_feed stores everything; raw then comes out buffer-sized. */
static void test_feed_raw_chunks(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_init(&s, WR_PACKET_RAW);
  wr_stream_set_buffer(&s, 8);
  TU_CHECK(wr_stream_feed(&s, (const uint8_t *)A20, 20) == 0, "feed failed");
  TU_CHECK(wr_stream_buffered(&s) == 20, "buffered %zu, want 20",
           wr_stream_buffered(&s));
  static const size_t want[] = {8, 8, 4};
  wr_stream_packet p;
  for (size_t i = 0; i < 3; i++)
    TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == want[i],
             "raw packet %zu: %zu bytes, want %zu", i + 1, p.data.len, want[i]);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE, "raw: more after all");
  wr_stream_free(&s);

  /* default buffer: 3540 bytes come out as 1460, 1460, 620 */
  static uint8_t bytes[3540];
  memset(bytes, 'r', sizeof bytes);
  wr_stream_init(&s, WR_PACKET_RAW);
  TU_CHECK(wr_stream_feed(&s, bytes, sizeof bytes) == 0, "feed failed");
  static const size_t want2[] = {1460, 1460, 620};
  for (size_t i = 0; i < 3; i++)
    TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET &&
                 p.data.len == want2[i],
             "raw 3540: packet %zu is %zu bytes, want %zu", i + 1, p.data.len,
             want2[i]);
  wr_stream_free(&s);
  tu_count(7);
}

/* wr_stream_feed of a long line: still cut at `buffer`, not at what the
 * buffer grew to while feeding. */
static void test_feed_line(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_init(&s, WR_PACKET_LINE);
  wr_stream_set_buffer(&s, 8);
  wr_stream_set_packet_size(&s, 30);
  TU_CHECK(wr_stream_feed(&s, (const uint8_t *)A20 "\n", 21) == 0,
           "feed failed");
  static const size_t want[] = {8, 8, 5};
  wr_stream_packet p;
  for (size_t i = 0; i < 3; i++) {
    int rc = wr_stream_next(&s, &p);
    TU_CHECK(rc == WR_FRAME_PACKET && p.data.len == want[i],
             "line piece %zu: rc %d, %zu bytes, want %zu", i + 1, rc,
             p.data.len, want[i]);
  }
  wr_stream_free(&s);
  tu_count(3);
}

/* ---- option changes
 * -------------------------------------------------------------------- */

static void test_switch_type_keeps_bytes(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_packet p;
  /* http -> raw after http_eoh reads the body (3.3) */
  wr_stream_init(&s, WR_PACKET_HTTP_BIN);
  static const char msg[] = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nBODY";
  TU_CHECK(wr_stream_feed(&s, (const uint8_t *)msg, sizeof msg - 1) == 0,
           "feed failed");
  static const wr_http_kind kinds[] = {WR_HTTP_REQUEST, WR_HTTP_HEADER,
                                       WR_HTTP_EOH};
  for (size_t i = 0; i < 3; i++)
    TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.is_http &&
                 p.http.kind == kinds[i],
             "http packet %zu: kind %d, want %d", i + 1, (int)p.http.kind,
             (int)kinds[i]);
  wr_stream_set_type(&s, WR_PACKET_RAW);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && !p.is_http &&
               p.data.len == 4 && memcmp(p.data.ptr, "BODY", 4) == 0,
           "body after switching to raw not delivered");
  wr_stream_free(&s);

  /* packet 2 -> line with bytes already buffered */
  wr_stream_init(&s, WR_PACKET_2);
  static const char mixed[] = "\0\3abcx\ny\nz";
  TU_CHECK(wr_stream_feed(&s, (const uint8_t *)mixed, sizeof mixed - 1) == 0,
           "feed failed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 3,
           "p2 packet");
  wr_stream_set_type(&s, WR_PACKET_LINE);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 2 &&
               memcmp(p.data.ptr, "x\n", 2) == 0,
           "first line after the switch");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 2 &&
               memcmp(p.data.ptr, "y\n", 2) == 0,
           "second line after the switch");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE &&
               wr_stream_buffered(&s) == 1,
           "partial line kept");
  wr_stream_free(&s);

  /* setting the type keeps the HTTP state where the last line left it
   * (OTP 25, semantics §3.3): a request line after a switch in the header
   * state is a header that waits for the next line, then an http_error */
  wr_stream_init(&s, WR_PACKET_HTTP_BIN);
  TU_CHECK(FEED(&s, "GET / HTTP/1.1\r\n") == 0, "feed failed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET &&
               p.http.kind == WR_HTTP_REQUEST,
           "request");
  TU_CHECK(s.http_state == WR_HTTP_HEADERS, "state after request %d",
           s.http_state);
  wr_stream_set_type(&s, WR_PACKET_RAW);
  wr_stream_set_type(&s, WR_PACKET_HTTP_BIN);
  TU_CHECK(s.http_state == WR_HTTP_HEADERS, "set_type changed the state");
  TU_CHECK(FEED(&s, "GET /2 HTTP/1.1\r\n") == 0, "feed failed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE,
           "a header line waits for the next line");
  TU_CHECK(FEED(&s, "\r\n") == 0, "feed failed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET &&
               p.http.kind == WR_HTTP_ERROR,
           "the request line in the header state parsed as kind %d",
           (int)p.http.kind);
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET &&
               p.http.kind == WR_HTTP_EOH,
           "http_eoh");
  TU_CHECK(s.http_state == WR_HTTP_REQUEST_LINE, "eoh leaves the request line");
  wr_stream_free(&s);
  tu_count(13);
}

static void test_set_buffer_and_delimiter(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_packet p;
  wr_stream_init(&s, WR_PACKET_LINE);
  TU_CHECK(s.buffer == WR_STREAM_DEFAULT_BUFFER && s.packet_size == 0 &&
               s.delimiter == '\n' && s.http_state == WR_HTTP_REQUEST_LINE &&
               s.error == 0 && wr_stream_buffered(&s) == 0,
           "wr_stream_init defaults");
  wr_stream_set_buffer(&s, 0);
  TU_CHECK(s.buffer == 1, "buffer 0 should become 1, is %u", s.buffer);
  wr_stream_set_buffer(&s, 1460);
  wr_stream_set_delimiter(&s, ';');
  TU_CHECK(FEED(&s, "a\nb;c;") == 0, "feed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 4,
           "line with ; delimiter: %zu bytes", p.data.len);
  wr_stream_set_delimiter(&s, '\n');
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE,
           "\"c;\" has no LF: should be more");
  wr_stream_free(&s);
  tu_count(5);
}

static void test_discard_and_take(void **st) {
  (void)st;
  wr_stream s;
  wr_stream_packet p;
  /* a partial packet is dropped; the next packet starts fresh */
  wr_stream_init(&s, WR_PACKET_2);
  TU_CHECK(FEED(&s, "\0\5he") == 0, "feed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_MORE, "partial is more");
  wr_stream_discard(&s);
  TU_CHECK(wr_stream_buffered(&s) == 0, "discard left %zu bytes",
           wr_stream_buffered(&s));
  TU_CHECK(FEED(&s, "\0\2ok") == 0, "feed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET && p.data.len == 2 &&
               memcmp(p.data.ptr, "ok", 2) == 0,
           "packet after discard");
  wr_stream_free(&s);

  /* discard in the middle of HTTP headers */
  wr_stream_init(&s, WR_PACKET_HTTP_BIN);
  TU_CHECK(FEED(&s, "GET / HTTP/1.1\r\nHo") == 0, "feed");
  TU_CHECK(wr_stream_next(&s, &p) == WR_FRAME_PACKET, "request");
  wr_stream_discard(&s);
  TU_CHECK(wr_stream_buffered(&s) == 0, "discard left bytes");
  wr_stream_free(&s);

  /* raw recv of an exact length: take */
  wr_stream_init(&s, WR_PACKET_RAW);
  TU_CHECK(FEED(&s, "0123456789") == 0, "feed");
  uint8_t out[16];
  TU_CHECK(wr_stream_take(&s, out, 4) == 4 && memcmp(out, "0123", 4) == 0,
           "take 4");
  TU_CHECK(wr_stream_buffered(&s) == 6, "6 left after take");
  TU_CHECK(wr_stream_take(&s, out, 16) == 6 && memcmp(out, "456789", 6) == 0,
           "take the rest");
  TU_CHECK(wr_stream_take(&s, out, 16) == 0, "take from empty");
  wr_stream_free(&s);
  tu_count(12);
}

/* A held packet keeps its bytes while the stream reads on: the stream
 * takes new storage rather than move or reuse held bytes, and reuses its
 * old storage once nobody holds it. */
static void test_hold(void **st) {
  (void)st;
  enum { N = 300, LEN = 40 };
  wr_stream s;
  wr_stream_packet p;
  wr_stream_init(&s, WR_PACKET_2);
  const uint8_t *data[N];
  void *hold[N];
  size_t n = 0, bad = 0;
  uint8_t pkt[2 + LEN];
  for (int i = 0; i < N; i++) {
    pkt[0] = 0;
    pkt[1] = LEN;
    memset(pkt + 2, 'A' + i % 26, LEN);
    /* Pieces of 7 cut packets anywhere, so storage is often short. */
    for (size_t off = 0; off < sizeof pkt; off += 7) {
      size_t k = sizeof pkt - off < 7 ? sizeof pkt - off : 7;
      TU_CHECK(wr_stream_feed(&s, pkt + off, k) == 0, "feed %d", i);
      while (wr_stream_next(&s, &p) == WR_FRAME_PACKET && n < N) {
        data[n] = p.data.ptr;
        hold[n] = wr_stream_hold(&s);
        TU_CHECK(hold[n] != NULL, "hold %zu", n);
        if (p.data.len != LEN)
          bad++;
        if (n % 3) { /* most are let go at once: their storage is reused */
          wr_stream_release(hold[n]);
          hold[n] = NULL;
        }
        n++;
      }
    }
  }
  TU_CHECK(n == N, "%zu packets, expected %d", n, N);
  for (size_t i = 0; i < n; i++) {
    if (!hold[i])
      continue;
    for (size_t j = 0; j < LEN; j++)
      bad += data[i][j] != (uint8_t)('A' + i % 26);
  }
  TU_CHECK(bad == 0, "%zu held bytes changed", bad);
  /* Discard and free leave held storage to its holders. */
  TU_CHECK(FEED(&s, "\0\5he") == 0, "feed a partial packet");
  wr_stream_discard(&s);
  TU_CHECK(FEED(&s, "\0\2ok") == 0 && wr_stream_next(&s, &p) == WR_FRAME_PACKET,
           "a packet after discard");
  void *last = wr_stream_hold(&s);
  wr_stream_free(&s);
  TU_CHECK(memcmp(p.data.ptr, "ok", 2) == 0, "held after free");
  wr_stream_release(last);
  for (size_t i = 0; i < n; i++)
    if (hold[i]) {
      bad += data[i][0] != (uint8_t)('A' + i % 26);
      wr_stream_release(hold[i]);
    }
  TU_CHECK(bad == 0, "held bytes changed by discard or free");
  tu_count(N * 2 + 7);
}

/* ---- wr_stream_peek against wr_stream_next, bytes fed in any size ------ */

static uint64_t pk_rand(uint64_t *x) { /* splitmix64 from a fixed seed */
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Drains s into log: with `peek`, through wr_stream_peek + wr_stream_skip
 * first (as the socket layer does), else wr_stream_next only. Returns the
 * final status (WR_FRAME_MORE or WR_EMSGSIZE). */
static int pk_drain(wr_stream *s, int peek, tu_str *log) {
  for (int guard = 0; guard < 100000; guard++) {
    if (peek) {
      wr_frame pk[3];
      size_t k = wr_stream_peek(s, pk, 3);
      for (size_t i = 0; i < k; i++) {
        tu_str_quote(log, pk[i].packet.ptr, pk[i].packet.len);
        wr_stream_skip(s, pk[i].consumed);
      }
      if (k)
        continue;
    }
    wr_stream_packet p;
    int rc = wr_stream_next(s, &p);
    if (rc != WR_FRAME_PACKET)
      return rc;
    tu_str_quote(log, p.data.ptr, p.data.len);
  }
  TU_FAIL("the stream keeps returning packets");
  return 0;
}

/* Random frames (some with lengths that do not fit, bodies with and
 * without delimiters) fed with wr_stream_feed in random sizes, so that
 * more than the buffer size waits at once, as after an active-true
 * read-ahead: both ways of draining must give the same packets, status,
 * leftover and buffer size. */
static void test_peek_matches_next(void **st) {
  (void)st;
  static const wr_packet_type types[] = {
      WR_PACKET_1,    WR_PACKET_2,   WR_PACKET_4,   WR_PACKET_LINE,
      WR_PACKET_LINE, WR_PACKET_RAW, WR_PACKET_TPKT};
  uint64_t seed = 0x7065656bu;
  size_t peeked = 0;
  for (int round = 0; round < 3000; round++) {
    wr_packet_type type = types[pk_rand(&seed) % FR_COUNT(types)];
    uint32_t buffer = 1 + (uint32_t)(pk_rand(&seed) % 40);
    uint32_t ps = pk_rand(&seed) % 3 ? 0 : (uint32_t)(pk_rand(&seed) % 30);
    uint8_t delim = pk_rand(&seed) % 4 ? '\n' : 'a';
    uint8_t in[600];
    size_t n = 0;
    while (n < sizeof in - 80) {
      size_t body = pk_rand(&seed) % 50;
      uint8_t hdr[4];
      int h = wr_encode_header(type, body, WR_ENCODE_WRAP, hdr);
      if (h > 0 && pk_rand(&seed) % 16 == 0)
        hdr[0] ^= 0x80; /* a length that does not fit, now and then */
      if (h > 0) {
        memcpy(in + n, hdr, (size_t)h);
        n += (size_t)h;
      }
      /* bodies with delimiters inside, or long lines that end in one */
      const char *abc = pk_rand(&seed) % 2 ? "ab\n\nxyz" : "bcxyzzz";
      for (size_t i = 0; i < body; i++)
        in[n++] = (uint8_t)abc[pk_rand(&seed) % 7];
      if (type == WR_PACKET_LINE)
        in[n++] = delim;
    }
    wr_stream a, b;
    tu_str la = {0}, lb = {0};
    wr_stream *ss[2] = {&a, &b};
    for (int j = 0; j < 2; j++) {
      wr_stream_init(ss[j], type);
      wr_stream_set_buffer(ss[j], buffer);
      wr_stream_set_packet_size(ss[j], ps);
      wr_stream_set_delimiter(ss[j], delim);
    }
    int ra = WR_FRAME_MORE, rb = WR_FRAME_MORE;
    for (size_t off = 0; off < n;) {
      size_t k = 1 + pk_rand(&seed) % 120;
      if (k > n - off)
        k = n - off;
      if (ra == WR_FRAME_MORE)
        TU_CHECK(wr_stream_feed(&a, in + off, k) == 0, "feed failed");
      if (rb == WR_FRAME_MORE)
        TU_CHECK(wr_stream_feed(&b, in + off, k) == 0, "feed failed");
      off += k;
      if (ra == WR_FRAME_MORE)
        ra = pk_drain(&a, 0, &la);
      size_t before = strlen(tu_str_c(&lb));
      if (rb == WR_FRAME_MORE)
        rb = pk_drain(&b, 1, &lb);
      peeked += strlen(tu_str_c(&lb)) > before;
    }
    TU_CHECK(strcmp(tu_str_c(&la), tu_str_c(&lb)) == 0 && ra == rb &&
                 wr_stream_buffered(&a) == wr_stream_buffered(&b) &&
                 a.cap == b.cap,
             "%s buffer %u packet_size %u: wr_stream_next gave %s (%d, %zu "
             "left), peek and skip %s (%d, %zu left)",
             fr_type_erl(type), buffer, ps, tu_str_c(&la), ra,
             wr_stream_buffered(&a), tu_str_c(&lb), rb, wr_stream_buffered(&b));
    tu_str_free(&la);
    tu_str_free(&lb);
    wr_stream_free(&a);
    wr_stream_free(&b);
  }
  TU_CHECK(peeked > 1000, "only %zu drains delivered anything", peeked);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fresh_stream),
      cmocka_unit_test(test_line),
      cmocka_unit_test(test_header_types),
      cmocka_unit_test(test_raw),
      cmocka_unit_test(test_http_state),
      cmocka_unit_test(test_http_limits),
      cmocka_unit_test(test_http_default_buffer_limit),
      cmocka_unit_test(test_reserve_grows_to_packet),
      cmocka_unit_test(test_cap_back_to_buffer),
      cmocka_unit_test(test_storage_does_not_creep),
      cmocka_unit_test(test_feed_raw_chunks),
      cmocka_unit_test(test_feed_line),
      cmocka_unit_test(test_switch_type_keeps_bytes),
      cmocka_unit_test(test_set_buffer_and_delimiter),
      cmocka_unit_test(test_discard_and_take),
      cmocka_unit_test(test_hold),
      cmocka_unit_test(test_peek_matches_next),
  };
  return fr_main(argc, argv, "framing_stream", tests, FR_COUNT(tests), NULL, 0);
}
