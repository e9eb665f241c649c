/* wirerig framing: Erlang/OTP gen_tcp packet framing in C.
 *
 * Reproduces erlang:decode_packet/3 and gen_tcp's {packet, Type} exactly
 * (OTP 25, see docs/framing.md). Every call here is pure: it never copies,
 * never allocates and never reads past the end of the buffer it is given.
 * Results point into the caller's buffer (wr_span).
 */
#ifndef WIRERIG_FRAMING_H
#define WIRERIG_FRAMING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wr_span {
  const uint8_t *ptr;
  size_t len;
} wr_span;

typedef enum wr_packet_type {
  WR_PACKET_RAW = 0, /* also spelled "0" */
  WR_PACKET_1,
  WR_PACKET_2,
  WR_PACKET_4,
  WR_PACKET_ASN1,
  WR_PACKET_SUNRM,
  WR_PACKET_CDR,
  WR_PACKET_FCGI,
  WR_PACKET_TPKT,
  WR_PACKET_LINE,
  WR_PACKET_HTTP,
  WR_PACKET_HTTPH,
  WR_PACKET_HTTP_BIN,
  WR_PACKET_HTTPH_BIN,
  WR_PACKET_TYPE_COUNT
} wr_packet_type;

/* "raw", "0", "1", "2", "4", "asn1", "sunrm", "cdr", "fcgi", "tpkt", "line",
 * "http", "httph", "http_bin", "httph_bin" -> type. Returns 0, or WR_EINVAL
 * for any other name. */
int wr_packet_type_parse(const char *name, wr_packet_type *out);
/* The canonical name ("raw" for WR_PACKET_RAW); "?" when out of range. */
const char *wr_packet_type_name(wr_packet_type type);
/* A space-separated list of every accepted name, for error messages. */
const char *wr_packet_type_names(void);
/* Nonzero for http, httph, http_bin and httph_bin. */
int wr_packet_type_is_http(wr_packet_type type);
/* Nonzero for http_bin and httph_bin, whose terms have binaries where
 * http and httph have strings. */
int wr_packet_type_is_http_bin(wr_packet_type type);

/* Limits and options of one framing (decode_packet's options). */
typedef struct wr_framing {
  wr_packet_type type;
  /* packet_size: the largest accepted body (header excluded), 0 = no limit.
   * For line it bounds the line including the delimiter. */
  uint32_t packet_size;
  /* Truncation length: decode_packet's line_length; on a socket, the
   * current receive-buffer size. Lines longer than this come out in pieces
   * of this size; for the http types it is the line limit when packet_size
   * is 0. 0 = none. */
  uint32_t trunc_len;
  uint8_t delimiter; /* line_delimiter, '\n' by default */
} wr_framing;

/* type with every option at its default. */
wr_framing wr_framing_default(wr_packet_type type);

/* The HTTP line state: request/status line expected, or header lines. The
 * httph types are always in WR_HTTP_HEADERS. */
enum { WR_HTTP_REQUEST_LINE = 0, WR_HTTP_HEADERS = 1 };

/* Results of the length function (packet_get_length in OTP). */
typedef enum wr_len_result {
  WR_LEN_TOTAL = 0, /* *total = bytes the first packet occupies (may be > n) */
  WR_LEN_MORE = 1,  /* cannot tell yet: need more bytes, amount unknown */
  WR_LEN_INVALID = -1 /* framing error (decode_packet: {error, invalid}) */
} wr_len_result;

/* How many bytes does the first packet in buf[0..n) occupy? Decided from the
 * header alone for the header-based types; for line and http it is the line
 * (with one byte of look-ahead for folded header lines). */
wr_len_result wr_frame_length(const wr_framing *cfg, int http_state,
                              const uint8_t *buf, size_t n, size_t *total);

typedef enum wr_frame_status {
  WR_FRAME_PACKET = 0,  /* out->packet and out->consumed are set */
  WR_FRAME_MORE = 1,    /* out->need = total bytes needed, 0 = unknown */
  WR_FRAME_INVALID = -1 /* framing error */
} wr_frame_status;

typedef struct wr_frame {
  /* What gen_tcp delivers: the body for 1/2/4, header + content for fcgi
   * (padding dropped), the whole packet otherwise. For the http types it is
   * the whole (possibly folded) line, to be handed to wr_http_parse. */
  wr_span packet;
  size_t consumed; /* bytes to drop from the input, padding included */
  size_t need;     /* on WR_FRAME_MORE: total bytes needed, 0 = unknown */
} wr_frame;

/* One decode_packet step over buf[0..n). */
wr_frame_status wr_frame_next(const wr_framing *cfg, int http_state,
                              const uint8_t *buf, size_t n, wr_frame *out);

/* Why a batch stopped: WR_FRAME_PACKET when the caller's array was full
 * (more packets may follow), else what the step after the last packet
 * found (WR_FRAME_MORE with need, or WR_FRAME_INVALID). */
typedef struct wr_frame_batch_result {
  size_t count;    /* packets written to out[0..count) */
  size_t consumed; /* bytes they occupy from buf (sum of their consumed) */
  wr_frame_status status;
  size_t need; /* on WR_FRAME_MORE: total bytes the next packet needs from
                  buf + consumed, 0 = unknown */
} wr_frame_batch_result;

struct wr_http_packet;

/* Up to max wr_frame_next steps in one call: out[i] is the i-th packet, its
 * span into buf and its consumed counted from where it starts (packet i
 * starts at buf + the sum of the earlier consumed). Exactly the packets
 * repeated wr_frame_next calls give; for the http types each line is also
 * parsed as wr_http_parse does, into http[i] when http is not NULL (else
 * only to advance the state), and *http_state follows the parses (httph
 * types parse every line in WR_HTTP_HEADERS). http_state may be NULL for
 * the other types. */
wr_frame_batch_result wr_frame_batch(const wr_framing *cfg, int *http_state,
                                     const uint8_t *buf, size_t n,
                                     wr_frame *out, struct wr_http_packet *http,
                                     size_t max);

/* ---- HTTP ------------------------------------------------------------- */

/* Header names longer than this are returned as received, not
 * canonicalised (OTP's HTTP_MAX_NAME_LEN). */
#define WR_HTTP_MAX_NAME_LEN 50
#define WR_HTTP_HEADER_COUNT 52
#define WR_HTTP_METHOD_COUNT 7

typedef enum wr_http_kind {
  WR_HTTP_REQUEST,
  WR_HTTP_RESPONSE,
  WR_HTTP_HEADER,
  WR_HTTP_EOH,
  WR_HTTP_ERROR
} wr_http_kind;

typedef enum wr_uri_kind {
  WR_URI_STAR,     /* '*' */
  WR_URI_ABS_PATH, /* {abs_path, s1} */
  WR_URI_HTTP,     /* {absoluteURI, http, s1 = host, port, s2 = path} */
  WR_URI_HTTPS,    /* {absoluteURI, https, ...} */
  WR_URI_SCHEME,   /* {scheme, s1 = scheme, s2 = rest} */
  WR_URI_STRING    /* s1, the text itself */
} wr_uri_kind;

typedef struct wr_http_uri {
  wr_uri_kind kind;
  wr_span s1;
  /* Spans point into the parsed line, with one exception: an absoluteURI
   * without a path ("http://host") has the path "/", a static string. */
  wr_span s2;
  /* absoluteURI port, 0 = undefined. OTP accumulates it in a C int, so a
   * huge port wraps exactly as Erlang's does (h:2147483648 -> -2147483648). */
  int32_t port;
} wr_http_uri;

typedef struct wr_http_packet {
  wr_http_kind kind;
  wr_span line; /* the whole line(s) parsed, terminator included */
  /* request and response; wrap like OTP's C ints */
  int32_t major, minor;
  /* request */
  wr_span method;
  int method_index; /* 1..7 = OPTIONS GET HEAD POST PUT DELETE TRACE, 0 = other
                     */
  wr_http_uri uri;
  /* response */
  int32_t status;
  wr_span reason;
  /* header */
  int header_index;  /* 1..52 (wr_http_header_name), 0 = not a known header */
  wr_span raw_field; /* the name exactly as received */
  wr_span value;
  /* Canonical name storage for names up to WR_HTTP_MAX_NAME_LEN bytes; read
   * it through wr_http_field(), which also covers longer names. */
  uint8_t field_buf_[WR_HTTP_MAX_NAME_LEN];
} wr_http_packet;

/* Parse one complete line as framed by wr_frame_next for an http type.
 * *state is the REQUEST_LINE/HEADERS state; it is updated only when the line
 * parses (request/response -> HEADERS, end of headers -> REQUEST_LINE); an
 * error keeps it. Returns out->kind. */
wr_http_kind wr_http_parse(const uint8_t *line, size_t len, int *state,
                           wr_http_packet *out);

/* The state after a line that parsed as `kind` in `state`, by
 * wr_http_parse's rule: an error keeps the state; a request or status line
 * leads to the headers; in the headers, the end of the headers leads back to
 * a request line and a header stays. Lets a caller of wr_frame_batch know
 * the state each line of a batch was read in (its state before the first
 * line, then this rule line after line). */
static inline int wr_http_state_after(int state, wr_http_kind kind) {
  if (kind == WR_HTTP_ERROR)
    return state;
  if (state == WR_HTTP_REQUEST_LINE)
    return WR_HTTP_HEADERS;
  return kind == WR_HTTP_EOH ? WR_HTTP_REQUEST_LINE : WR_HTTP_HEADERS;
}

/* wr_frame_next at *state and, on a packet, wr_http_parse of it into pkt,
 * in one pass over the line: same results, same state update (pkt is left
 * alone unless a packet is found). For the http types only; the httph
 * types parse in WR_HTTP_HEADERS whatever *state says, and *state is then
 * set as that parse leaves it (as wr_stream does). */
wr_frame_status wr_frame_http(const wr_framing *cfg, int *state,
                              const uint8_t *buf, size_t n, wr_frame *out,
                              wr_http_packet *pkt);

/* The packet as the Erlang term decode_packet returns, in one normalised
 * spelling (no spaces; known methods and header names as quoted atoms),
 * snprintf-style: writes at most len bytes with a NUL and returns the
 * length the whole term needs. Strings print as the http and httph types
 * give them, "..." lists ([] when empty); with `binaries` as http_bin and
 * httph_bin give them, <<"...">> (<<>> when empty). The escapes are \" \\
 * \r \n \t and \xHH for other bytes outside printable ASCII. This is what
 * `wirerig decode` prints and what scenario reports show. */
int wr_http_render(const wr_http_packet *p, int binaries, char *buf,
                   size_t len);
/* The same term written to out, for the packet type `type` (binaries for
 * http_bin and httph_bin), whatever its length. */
void wr_http_print(FILE *out, wr_packet_type type, const wr_http_packet *p);
/* Bytes as `wirerig decode` shows a packet: a double-quoted string,
 * printable ASCII as is, \" \\ \r \n \t, and \xHH for the rest. */
void wr_bytes_print(FILE *out, const uint8_t *p, size_t n);

/* The packet's line was copied whole to `to` (line.len bytes): moves every
 * span of p into the copy, so that p stays valid as long as the copy does
 * rather than the buffer it was parsed in. A socket hands a parsed line on
 * this way instead of parsing it again. Spans outside the line (the static
 * "/" of an absoluteURI without a path) are left as they are. */
void wr_http_packet_move(wr_http_packet *p, const uint8_t *to);

/* One HttpString in the spelling of wr_http_render: "..." ([] when empty),
 * or with `binary` <<"...">> (<<>> when empty); snprintf-style. */
int wr_http_render_string(const uint8_t *s, size_t n, int binary, char *buf,
                          size_t len);

/* The canonical header name ('Host', "X-Custom-Header"); names longer than
 * WR_HTTP_MAX_NAME_LEN come back exactly as received, as in OTP. */
wr_span wr_http_field(const wr_http_packet *p);

/* Name of known header 1..52 / method 1..7; NULL when out of range. */
const char *wr_http_header_name(int index);
const char *wr_http_method_name(int index);

/* ---- Encoding ---------------------------------------------------------- */

typedef enum wr_encode_mode {
  /* gen_tcp:send: the 1/2/4 header is the payload size modulo 2^8/2^16/2^32,
   * never checked (an oversize payload desynchronises the stream). */
  WR_ENCODE_WRAP = 0,
  /* Refuse a payload whose size does not fit the header with WR_EMSGSIZE. */
  WR_ENCODE_STRICT = 1
} wr_encode_mode;

/* gen_tcp:send framing: writes the header that {packet,Type} prepends to a
 * payload of len bytes into hdr (at most 4 bytes) and returns its length:
 * 1, 2 or 4 for packet 1/2/4, 0 for every other type (sent verbatim), or
 * WR_EMSGSIZE in strict mode. */
int wr_encode_header(wr_packet_type type, size_t len, wr_encode_mode mode,
                     uint8_t hdr[4]);

/* Builds one well-formed frame of any type around payload, for tests,
 * scenarios and fuzzing (gen_tcp itself adds framing only for 1/2/4):
 *   raw: payload; 1/2/4: length prefix; sunrm: last-fragment record mark;
 *   asn1: OCTET STRING (tag 0x04) with a minimal BER length; cdr: GIOP 1.0
 *   big-endian header (message type 0); fcgi: version 1, FCGI_STDIN,
 *   request id 1, padded to a multiple of 8; tpkt: version 3;
 *   line: payload + delimiter; http types: payload unchanged.
 * Writes at most cap bytes into out and returns the frame's full size (call
 * with cap 0 to size the buffer), or WR_EMSGSIZE when the payload cannot be
 * framed (too long for the header; for line, a payload containing the
 * delimiter). */
long long wr_frame_build(wr_packet_type type, uint8_t delimiter,
                         const uint8_t *payload, size_t len, uint8_t *out,
                         size_t cap);

#ifdef __cplusplus
}
#endif
#endif
