/* Table machinery shared by the framing tests.
 *
 * A row is one erlang:decode_packet(Type, Input, Options) call and the
 * first answer OTP 25 gives for it. Every row is checked four ways:
 *   1. one-shot: wr_frame_next (+ wr_http_parse for the http types) on the
 *      input placed at a guard page must give the expected answer, and
 *      wr_frame_length must agree with it;
 *   2. truncated (header-based types): every prefix shorter than the header
 *      answers {more,undefined}, every longer prefix {more,Total} -- or
 *      invalid, when the header alone is bad;
 *   3. split: the input is framed to the end (decode, drop the packet,
 *      decode the rest ...) one-shot, byte at a time and cut at every point;
 *      every run must find the same packets, and every "more" must name the
 *      total the packet really has;
 *   4. oracle: `test_framing_X --erlang FILE` writes the rows as Erlang terms
 *      and tests/test_framing_oracle.escript runs them through the real
 *      erlang:decode_packet/3 (registered with ctest when escript exists).
 *
 * Answers are compared as text in one canonical form, which the oracle
 * script produces from Erlang terms the same way:
 *   more | more N | invalid | ok PACKET rest N
 * where PACKET is a quoted byte string (tu_str_quote) or, for the http
 * types, the http_bin term with binaries written as quoted strings:
 *   {http_request,'GET',{abs_path,"/"},{1,1}}
 *   {http_response,{1,1},200,"OK"}
 *   {http_header,14,'Host',"Host","x"}   http_eoh   {http_error,"x\r\n"}
 */
#ifndef WIRERIG_TEST_FRAMING_COMMON_H
#define WIRERIG_TEST_FRAMING_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "wirerig/framing.h"

typedef enum fr_res { FR_OK, FR_MORE, FR_INVALID } fr_res;

typedef struct fr_row {
  const char *name;
  wr_packet_type type;
  tu_bytes in;
  uint32_t ps; /* packet_size, 0 = not given */
  uint32_t tl; /* line_length, 0 = not given */
  int set_delim;
  uint8_t delim; /* line_delimiter when set_delim */
  fr_res res;
  size_t need;      /* FR_MORE: N of {more,N}, 0 = undefined */
  tu_bytes pkt;     /* FR_OK, byte types: the delivered packet */
  const char *term; /* FR_OK, http types: the term, canonical form */
  size_t rest;      /* FR_OK: byte_size(Rest) */
} fr_row;

/* Row helpers: {"name", WR_PACKET_1, IN("\x03" "abc"), PS(3), PKT("abc", 0)} */
#define IN(lit) .in = TU_B(lit)
#define PS(n) .ps = (n)
#define LL(n) .tl = (n)
#define DELIM(c) .set_delim = 1, .delim = (c)
#define PKT(lit, r) .res = FR_OK, .pkt = TU_B(lit), .rest = (r)
#define TERM(t, r) .res = FR_OK, .term = (t), .rest = (r)
#define MORE(n) .res = FR_MORE, .need = (n)
#define MORE_U .res = FR_MORE, .need = 0
#define INVALID .res = FR_INVALID

#define FR_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The Erlang spelling of a type: raw 1 2 4 asn1 ... httph_bin. */
const char *fr_type_erl(wr_packet_type t);
int fr_is_http(wr_packet_type t);
/* The wr_framing a row stands for. */
wr_framing fr_cfg(const fr_row *r);
/* decode_packet's HTTP state for a type: headers for httph*, else request. */
int fr_base_state(wr_packet_type t);

/* Appends the canonical form of an HTTP packet (see above). Also checks
 * what the term does not show: the line span, the known-name tables. */
void fr_fmt_http(tu_str *out, const wr_http_packet *p);
/* The expected answer of a row, canonical form. */
void fr_fmt_expect(tu_str *out, const fr_row *r);
/* One wr_frame_next at http state `state` over buf[0..n) (which must end
 * at a guard page), canonical form; *consumed is set on a packet. */
void fr_fmt_decode(tu_str *out, const wr_framing *cfg, int state,
                   const uint8_t *buf, size_t n, size_t *consumed);

/* Checks 1-3 above for every row. */
void fr_check_rows(const fr_row *rows, size_t n);

/* Frames input to the end, in every split, tracking the HTTP state through
 * wr_http_parse like a socket does (track != 0) or restarting from the
 * type's base state for every packet like decode_packet (track == 0). The
 * log is the packets (quoted bytes or terms, space-separated), then the
 * final answer (more, more N, invalid) and "left K" bytes unconsumed; raw
 * logs the concatenation of its packets instead, since raw packets depend
 * on how the bytes arrived. When expect is NULL the one-shot log is the
 * reference. */
void fr_split(const char *row, const wr_framing *cfg, int track, const void *in,
              size_t len, const char *expect);

/* A table for the oracle dump. */
typedef struct fr_table {
  const fr_row *rows;
  size_t n;
} fr_table;

/* main() for a framing test: `--erlang FILE` writes every row of the tables
 * as {Name, Type, Input, Options, Expected}. terms for the oracle script;
 * no arguments runs the cmocka tests. */
int fr_main(int argc, char **argv, const char *group,
            const struct CMUnitTest *tests, size_t ntests,
            const fr_table *tables, size_t ntables);

#endif
